"""Names in every script the county writes print in the PDFs (core/pdf_fonts.py):
a badge sheet, an attendee list and certificates, fetched as an organiser and
an awards administrator fetch them, with names in Latin Extended, Urdu,
Gurmukhi, Bengali, Gujarati and Devanagari.

What is checked, and why so:
- the fonts: each page's resources name the Noto font of every script used,
  embedded (a FontFile2 stream); Helvetica-Bold, which drew the badges' names,
  is gone from them;
- Latin names: pypdf's text is the name exactly (one glyph per letter, read
  back through the font's ToUnicode map);
- shaped names: HarfBuzz draws a conjunct or a joined Arabic form as one glyph
  for several letters, which reportlab's ToUnicode map gives a private-use
  character, and Arabic comes in visual order, so pypdf cannot give the name
  back letter for letter. Instead: (1) each line holding them carries the
  name as /ActualText (what poppler, Acrobat, copying and screen readers
  read), checked exactly, and the glyphs inside it are drawn in the name's
  script's font (spaces in Noto Sans) and nothing else; (2) for the Indic
  names, pypdf's text holds at least half the name's letters (the others are
  inside conjuncts). Nastaliq draws every Urdu letter as a contextual form
  with no code point of its own, so (1) is what there is for Urdu.
Whether they are shaped right (Urdu joined and right to left, conjuncts
formed) is seen, not tested: PDF_FONTS_DUMP=folder keeps the PDFs, and
`pdftoppm -png -r 80` turns them into pictures (docs/testing.md).

The rest tests the splitting into runs and the bidirectional order."""
import io
import os
import unicodedata
from pathlib import Path

import pytest
from pypdf import PdfReader
from pypdf.generic import ContentStream

from awards import decisions
from awards.models import Outcome
from core import pdf_fonts
from core.database import write_lock
from core.extensions import db
from core.accounts.models import User
from tests.awards.factories import CategoryFactory, CycleFactory
from tests.awards.test_decisions import eligible
from tests.conftest import sign_in
from tests.events.factories import EventFactory, RegistrationFactory
from tests.factories import UserFactory

LATIN_NAMES = ["Łukasz Żółć", "Ștefan Bălan"]
SHAPED_NAMES = {  # name: its script's font, and the Unicode block its letters are in
    "عائشہ خان": ("NotoNastaliqUrdu", (0x0600, 0x06FF)),
    "ਗੁਰਪ੍ਰੀਤ ਸਿੰਘ": ("NotoSansGurmukhi", (0x0A00, 0x0A7F)),
    "রহিম উদ্দিন": ("NotoSansBengali", (0x0980, 0x09FF)),
    "પ્રિયા પટેલ": ("NotoSansGujarati", (0x0A80, 0x0AFF)),
    "अनीता शर्मा": ("NotoSansDevanagari", (0x0900, 0x097F)),
}
NAMES = LATIN_NAMES + list(SHAPED_NAMES)
URDU_NEED = "وہیل چیئر کے لیے جگہ"  # room for a wheelchair


def embedded_fonts(data: bytes) -> set[str]:
    """The fonts the pages draw with that are embedded, without their subset prefix."""
    fonts = set()
    for page in PdfReader(io.BytesIO(data)).pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descriptor = font.get("/FontDescriptor")
            if descriptor is not None and "/FontFile2" in descriptor.get_object():
                fonts.add(str(font["/BaseFont"]).lstrip("/").split("+")[-1])
    return fonts


def all_fonts(data: bytes) -> set[str]:
    return {str(font.get_object()["/BaseFont"]).lstrip("/").split("+")[-1]
            for page in PdfReader(io.BytesIO(data)).pages for font in page["/Resources"]["/Font"].values()}


def marked_spans(data: bytes) -> dict[str, set[str]]:
    """Each /ActualText in the pages, with the fonts drawing inside its span."""
    reader = PdfReader(io.BytesIO(data))
    spans = {}
    for page in reader.pages:
        resources = page["/Resources"]["/Font"]
        current = None
        for operands, operator in ContentStream(page.get_contents(), reader).operations:
            if operator == b"BDC" and len(operands) == 2 and "/ActualText" in operands[1]:
                current = spans.setdefault(str(operands[1]["/ActualText"]), set())
            elif operator == b"EMC":
                current = None
            elif operator == b"Tf" and current is not None:
                current.add(str(resources[operands[0]].get_object()["/BaseFont"]).split("+")[-1])
    return spans


def text_of(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def keep(name: str, data: bytes) -> None:
    if os.environ.get("PDF_FONTS_DUMP"):
        folder = Path(os.environ["PDF_FONTS_DUMP"])
        folder.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(data)


def assert_names_printed(data: bytes, *, bold: bool) -> None:
    suffix = "-Bold" if bold else "-Regular"  # the fonts' PostScript names
    assert {f"NotoSans{suffix}"} | {f"{font}{suffix}" for font, _ in SHAPED_NAMES.values()} <= embedded_fonts(data)
    text, spans = text_of(data), marked_spans(data)
    assert "\u25a0" not in text and "\ufffd" not in text  # no boxes
    for name in LATIN_NAMES:
        assert name in text
    for name, (font, (low, high)) in SHAPED_NAMES.items():
        # the name as its text, drawn in its script's font (spaces in the Latin one)
        assert spans[name] == {f"{font}{suffix}", f"NotoSans{suffix}"}, name
        if font != "NotoNastaliqUrdu":  # every Nastaliq glyph is a contextual form, without a code point
            letters = {c for c in name if low <= ord(c) <= high and unicodedata.category(c).startswith("L")}
            assert len(letters & set(text)) >= len(letters) // 2, name  # the rest are in conjuncts


@pytest.fixture
def booked(app, make_user):
    organiser = make_user(roles=["organiser"])
    with app.app_context():
        event = EventFactory(title="Community Iftar", organisers=[db.session.get(User, organiser.id)], capacity=20)
        for name in NAMES:
            RegistrationFactory(event=event, name=name, access_needs=URDU_NEED if name == "عائشہ خان" else "")
        event_id = event.id
    client = app.test_client()
    sign_in(client, organiser)
    return client, event_id


def test_badges_print_every_name_in_its_script(booked):
    client, event_id = booked
    badges = client.get(f"/manage/events/{event_id}/badges.pdf")
    keep("badges.pdf", badges.data)
    assert badges.mimetype == "application/pdf"
    assert_names_printed(badges.data, bold=True)
    assert "Helvetica-Bold" not in all_fonts(badges.data)  # the names drew nothing in it


def test_the_attendee_list_prints_every_name_and_need_in_its_script(booked):
    client, event_id = booked
    attendees = client.get(f"/manage/events/{event_id}/attendees.pdf")
    keep("attendees.pdf", attendees.data)
    assert_names_printed(attendees.data, bold=False)
    assert marked_spans(attendees.data)[URDU_NEED] == {"NotoNastaliqUrdu-Regular", "NotoSans-Regular"}
    assert "Community Iftar" in text_of(attendees.data) and "7 bookings, 7 people" in text_of(attendees.data)


def test_certificates_print_every_nominees_name_in_its_script(app, make_user):
    with app.test_request_context(), write_lock(every_transaction=True):
        category = CategoryFactory(cycle=CycleFactory(announcing=True, name="Awards 2026"), name="Unsung Hero")
        for name in NAMES:
            decisions.decide(eligible(category, name), Outcome.SHORTLISTED, rationale="Years of quiet work",
                             actor=UserFactory())
        decisions.publish_shortlist(category.cycle, actor=UserFactory())
        db.session.commit()
        cycle_id = category.cycle_id
    team = app.test_client()
    sign_in(team, make_user(roles=["awards_administrator"]))
    certificates = team.get(f"/manage/awards/{cycle_id}/certificates.pdf")
    keep("certificates.pdf", certificates.data)
    assert len(PdfReader(io.BytesIO(certificates.data)).pages) == len(NAMES)
    assert_names_printed(certificates.data, bold=True)
    assert "Unsung Hero" in text_of(certificates.data)


# Runs and their order ----------------------------------------------------------------------------

def fonts_of(text: str, bold: bool = False) -> list[tuple[str, str]]:
    pdf_fonts.register()
    return [(piece.font, piece.text) for word in text.split() for piece in pdf_fonts.word_pieces(word, bold)]


def drawn(text: str) -> list[str]:
    """The pieces of a line as drawn, left to right, by the text they stand for."""
    line = pdf_fonts.lines(text, 10, None)[0]
    by_shape = {id(s): p.text for w in line.words for p, s in zip(w.pieces, w.shaped)}
    return [by_shape.get(id(shaped), str(shaped.drawn)) for _, shaped in line.visual()]


def test_each_script_gets_its_font_and_each_font_has_every_letter():
    for name in LATIN_NAMES:
        assert {font for font, _ in fonts_of(name)} == {"NotoSans"}
    for name, (font, _) in SHAPED_NAMES.items():
        assert {f for f, _ in fonts_of(name)} == {font}
        assert {f for f, _ in fonts_of(name, bold=True)} == {f"{font}-Bold"}
    for font, text in fonts_of("Aisha عائشہ ਸਿੰਘ अनीता, (রহিম) પ્રિયા। Ольга Ελένη"):
        assert all(ord(c) in pdf_fonts._coverage[font] for c in text), (font, text)
    # a letter Nastaliq lacks (Sindhi's ڪ) takes Naskh for the whole word, so that it still joins
    assert fonts_of("ڪراچي") == [("NotoNaskhArabic", "ڪراچي")]


def test_right_to_left_words_run_from_the_right_and_numbers_read_left_to_right():
    assert drawn("عائشہ خان") == ["خان", " ", "عائشہ"]
    assert drawn("Aisha Khan (عائشہ خان) 2024") == ["Aisha", " ", "Khan", " ", "(", "خان", " ", "عائشہ", ")",
                                                     " ", "2024"]
    assert drawn("عائشہ خان 12 سال") == ["سال", " ", "12", " ", "خان", " ", "عائشہ"]
    assert drawn("خان (Leeds)") == ["(", "Leeds", ")", " ", "خان"]
    assert drawn("Łukasz O'Brien-Żółć") == ["Łukasz", " ", "O'Brien-Żółć"]


def test_long_text_wraps_and_a_name_too_wide_is_set_smaller_then_cut_short():
    lines = pdf_fonts.lines(URDU_NEED * 3, 10, 100)
    assert len(lines) > 1 and all(line.width <= 100 for line in lines)
    assert " ".join(line.text for line in lines) == " ".join((URDU_NEED * 3).split())

    class Canvas:  # records what draw_line draws
        def __init__(self):
            self.sizes, self.actual = [], []

        def addLiteral(self, literal):
            self.actual.append(literal)

        def beginText(self, x, y):
            outer = self

            class Text:
                def setFont(self, font, size):
                    outer.sizes.append(size)

                def textOut(self, text):
                    pass

                def textLine(self, text=""):
                    pass
            return Text()

        def drawText(self, text):
            pass

    canvas = Canvas()
    assert pdf_fonts.draw_line(canvas, 0, 0, "ਗੁਰਪ੍ਰੀਤ ਸਿੰਘ " * 4, size=22, width=200, smallest=12) == 12
    assert canvas.actual[0].startswith("/Span <</ActualText <FEFF") and canvas.actual[-1] == "EMC"
    assert "\u2026".encode("utf-16-be").hex().upper() in canvas.actual[0]  # cut short, with an ellipsis


def test_marks_stacked_by_the_hundred_do_not_make_a_row_taller_than_a_page(app, make_user):
    """One booking's access needs of an Arabic letter under a thousand stacked marks made the
    attendee list's row taller than a page: the whole PDF failed (a 500) for every organiser."""
    organiser = make_user(roles=["organiser"])
    with app.app_context():
        event = EventFactory(title="Community Iftar", organisers=[db.session.get(User, organiser.id)], capacity=20)
        RegistrationFactory(event=event, name="Marks Guest",
                            access_needs=("ب" + "\u064e\u0650\u0651\u0652\u0653\u0654\u0655\u0656" * 120)[:1000])
        RegistrationFactory(event=event, name="a" + "\u0344" * 99)
        event_id = event.id
    client = app.test_client()
    sign_in(client, organiser)
    for document in ("attendees.pdf", "badges.pdf"):
        response = client.get(f"/manage/events/{event_id}/{document}")
        assert response.status_code == 200 and response.mimetype == "application/pdf", document

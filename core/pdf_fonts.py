"""The fonts the PDFs embed, and how people's names and other typed text are
set in them (badges, attendee lists, certificates, results records, reports).

Names come in every script the county writes. reportlab's Helvetica covers
Western European Latin only (it prints "Łukasz" as "■ukasz", and Urdu or
Punjabi as boxes), so every PDF sets its text in Noto: Noto Sans for Latin
(Latin Extended, Greek and Cyrillic too), Noto Nastaliq Urdu for Arabic script
(Noto Naskh Arabic for the letters Nastaliq lacks), and Noto Sans Gurmukhi,
Bengali, Gujarati and Devanagari. They come from npm packages
(@expo-google-fonts/*, pinned in package.json); `make assets` copies the
regular and bold files into static/dist/fonts/ (static/build.mjs), which ships
in the wheel. They are registered with reportlab once per process.

reportlab draws a string in one font and has no fallback, so `Text` (a
flowable) and `draw_line` (for the canvas) split typed text into runs by
script and give each run the first font of its script that has all its
characters. Each run is shaped with HarfBuzz (uharfbuzz, through reportlab's
shapeStr): Arabic letters join, Indic conjuncts and vowel signs form, and an
Arabic-script run comes out right to left. reportlab's own right-to-left
ordering needs rlbidi, which is not on PyPI, so the runs of a line are put in
order here by a reduced Unicode bidirectional algorithm: the first strong
letter sets the direction, numbers read left to right inside right-to-left
text. That is enough for names, titles and short notes.

Shaped glyphs do not map back to letters one for one (a conjunct is one glyph
for several letters; Arabic is drawn in visual order), so each line holding
them carries its own text as /ActualText, which copying, searching and screen
readers use (poppler and Acrobat read it; pypdf reads the glyphs).

English labels stay in the Latin font: `stylesheet()` is reportlab's sample
sheet with Noto Sans in place of Helvetica, and LATIN / LATIN_BOLD name it
for tables and charts."""
import threading
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import uharfbuzz
from flask import current_app, has_app_context
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import ShapedStr, TTFont, shapeStr
from reportlab.platypus import Flowable

LATIN, LATIN_BOLD = "NotoSans", "NotoSans-Bold"
# Each family's files in static/dist/fonts/ are FAMILY-Regular.ttf and FAMILY-Bold.ttf, registered
# as FAMILY and FAMILY-Bold.
FAMILIES = ("NotoSans", "NotoNastaliqUrdu", "NotoNaskhArabic", "NotoSansGurmukhi", "NotoSansBengali",
            "NotoSansGujarati", "NotoSansDevanagari")


@dataclass(frozen=True)
class Script:
    name: str
    ranges: tuple[tuple[int, int], ...]
    families: tuple[str, ...]  # in order of preference


SCRIPTS = (
    Script("Arabic", ((0x0600, 0x06FF), (0x0750, 0x077F), (0x0870, 0x08FF), (0xFB50, 0xFDFF), (0xFE70, 0xFEFF)),
           ("NotoNastaliqUrdu", "NotoNaskhArabic")),
    Script("Devanagari", ((0x0900, 0x097F), (0xA8E0, 0xA8FF)), ("NotoSansDevanagari",)),
    Script("Bengali", ((0x0980, 0x09FF),), ("NotoSansBengali",)),
    Script("Gurmukhi", ((0x0A00, 0x0A7F),), ("NotoSansGurmukhi",)),
    Script("Gujarati", ((0x0A80, 0x0AFF),), ("NotoSansGujarati",)),
)
LATIN_SCRIPT = Script("Latin", (), ("NotoSans",))
ELLIPSIS = "\u2026"

_lock = threading.Lock()  # registration, and shaping (reportlab adds glyphs to a font's tables as it shapes)
_coverage: dict[str, frozenset[int]] = {}  # font name: the characters it has


class FontsMissing(RuntimeError):
    pass


def font_folder() -> Path:
    """static/dist/fonts/ of the app (app.static_folder; an installed app's is in site-packages)."""
    if has_app_context() and current_app.static_folder:
        return Path(current_app.static_folder) / "dist" / "fonts"
    return Path(__file__).resolve().parent.parent / "static" / "dist" / "fonts"


def register() -> None:
    """Registers every font with reportlab, once per process."""
    if _coverage:
        return
    with _lock:
        if _coverage:
            return
        folder = font_folder()
        coverage = {}
        for family in FAMILIES:
            for name, weight in ((family, "Regular"), (f"{family}-Bold", "Bold")):
                path = folder / f"{family}-{weight}.ttf"
                if not path.is_file():
                    raise FontsMissing(f"The PDFs' font {path} is missing: run `make assets`")
                font = TTFont(name, str(path))
                pdfmetrics.registerFont(font)
                coverage[name] = frozenset(font.face.charToGlyph)
            pdfmetrics.registerFontFamily(family, normal=family, bold=f"{family}-Bold", italic=family,
                                          boldItalic=f"{family}-Bold")
        _coverage.update(coverage)


def stylesheet():
    """reportlab's sample styles, in Noto Sans instead of Helvetica."""
    register()
    sheet = getSampleStyleSheet()
    swap = {"Helvetica": LATIN, "Helvetica-Oblique": LATIN, "Helvetica-Bold": LATIN_BOLD,
            "Helvetica-BoldOblique": LATIN_BOLD}
    for style in sheet.byName.values():
        for attribute in ("fontName", "bulletFontName"):
            if getattr(style, attribute, None) in swap:
                setattr(style, attribute, swap[getattr(style, attribute)])
    return sheet


# Splitting text into runs ---------------------------------------------------------------------------

def _script(char: str) -> Script:
    """The script of a letter, by its Unicode block (Latin for any not listed)."""
    code = ord(char)
    for script in SCRIPTS:
        if any(low <= code <= high for low, high in script.ranges):
            return script
    return LATIN_SCRIPT


@dataclass(frozen=True)
class Piece:
    """Part of a word in one font. kind: "L" (letters written left to right), "R" (Arabic script,
    right to left), "N" (digits) or "O" (a punctuation mark at a word's end)."""
    font: str
    text: str
    kind: str


def _font_for(text: str, script: Script, bold: bool) -> str | None:
    names = [f"{family}-Bold" if bold else family for family in script.families]
    return next((name for name in names if all(ord(c) in _coverage[name] for c in text)), None)


def _any_font(char: str, bold: bool) -> str:
    """The first font that has the character; the Latin one (which draws a box) when none does."""
    for family in FAMILIES:
        name = f"{family}-Bold" if bold else family
        if ord(char) in _coverage[name]:
            return name
    return LATIN_BOLD if bold else LATIN


def _fonted(text: str, script: Script | None, kind: str, bold: bool) -> list[Piece]:
    """A run in the first font of its script that has all of it, else character by character."""
    font = _font_for(text, script or LATIN_SCRIPT, bold)
    if font:
        return [Piece(font, text, kind)]
    pieces = []
    for char in text:
        font = _font_for(char, script or LATIN_SCRIPT, bold) or _any_font(char, bold)
        if pieces and pieces[-1].font == font and unicodedata.category(char) not in ("Mn", "Me"):
            pieces[-1] = Piece(font, pieces[-1].text + char, kind)
        elif pieces and unicodedata.category(char) in ("Mn", "Me"):
            pieces[-1] = Piece(pieces[-1].font, pieces[-1].text + char, kind)
        else:
            pieces.append(Piece(font, char, kind))
    return pieces


def _class(char: str) -> str:
    """L (a letter written left to right), R (Arabic script), N (a digit: read left to right even in
    right-to-left text), M (a combining mark: goes with the letter before) or O (the rest: spaces,
    punctuation and symbols, which take their direction from the letters around them)."""
    category = unicodedata.category(char)
    if category in ("Mn", "Me"):
        return "M"
    direction = unicodedata.bidirectional(char)
    if direction in ("EN", "AN"):
        return "N"
    if direction in ("R", "AL"):
        return "R"
    if category[0] in "LMN":
        return "L"
    return "O"


def word_pieces(word: str, bold: bool = False) -> list[Piece]:
    """A word (no spaces) as pieces in logical order: letters of one script in one piece, digits in
    another, punctuation inside a piece joining it ("O'Brien", "Smith-Jones") and punctuation at its
    ends ("(", "),", "...") a piece of its own for each character, whose direction the bidirectional
    algorithm resolves."""
    runs: list[list] = []  # [class, script, text]
    for index, char in enumerate(word):
        kind = _class(char)
        current = runs[-1] if runs else None
        if kind == "M" and current:
            current[2] += char
            continue
        if kind == "M":
            kind = "O"
        script = _script(char) if kind in "LR" else None
        if kind == "N":  # Arabic-Indic digits in the Arabic font, others in the Latin one
            script = SCRIPTS[0] if unicodedata.bidirectional(char) == "AN" else LATIN_SCRIPT
        if kind == "O" and current and current[0] != "O":
            # inside the word: joins the run before when the next letter continues it
            following = next((c for c in word[index + 1:] if _class(c) not in "OM"), None)
            if following and _class(following) == current[0] and (
                    current[0] == "N" or _script(following) is current[1]):
                current[2] += char
                continue
        if current and kind != "O" and current[0] == kind and current[1] is script:
            current[2] += char
        else:
            runs.append([kind, script, char])
    pieces = []
    for index, (kind, script, text) in enumerate(runs):
        if kind == "O":
            neighbours = [runs[i] for i in (index - 1, index + 1) if 0 <= i < len(runs) and runs[i][0] != "O"]
            # the Latin font first, so that brackets and stops look alike around every script; else a neighbour's
            fonts = [f"{family}-Bold" if bold else family
                     for run in [[None, LATIN_SCRIPT], *neighbours] for family in (run[1] or LATIN_SCRIPT).families]
            font = next((f for f in fonts if all(ord(c) in _coverage[f] for c in text)), None)
            pieces.append(Piece(font or _any_font(text[0], bold), text, "O"))
        else:
            pieces += _fonted(text, script, kind, bold)
    return pieces


def base_rtl(text: str) -> bool:
    """The paragraph's direction: that of its first strong letter (left to right when none)."""
    for char in text:
        direction = unicodedata.bidirectional(char)
        if direction in ("L", "R", "AL"):
            return direction != "L"
    return False


# Shaping and measuring ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Shaped:
    drawn: str  # a ShapedStr (glyphs in visual order with their positions) or plain text
    width: float
    top: float  # how far the ink reaches above and below the baseline, in points (0 for Latin)
    bottom: float


@lru_cache(maxsize=1)
def _hb_fonts() -> dict:
    return {name: uharfbuzz.Font(pdfmetrics.getFont(name).hbFace) for name in _coverage}


@lru_cache(maxsize=8192)
def shape(text: str, font: str, size: float, kind: str = "L") -> Shaped:
    """A piece shaped by HarfBuzz (numbers and lone punctuation are drawn as they are)."""
    if kind in "NO" or not text.strip():
        return Shaped(text, pdfmetrics.stringWidth(text, font, size), 0.0, 0.0)
    with _lock:
        drawn = shapeStr(text, font, size)
    if not isinstance(drawn, ShapedStr):
        return Shaped(drawn, pdfmetrics.stringWidth(drawn, font, size), 0.0, 0.0)
    width = sum(d.x_advance for d in drawn.__shapeData__) * size / 1000
    if font in (LATIN, LATIN_BOLD):
        return Shaped(drawn, width, 0.0, 0.0)
    ttf, hb = pdfmetrics.getFont(font), _hb_fonts()[font]
    top = bottom = 0.0
    for char, data in zip(drawn, drawn.__shapeData__):
        extents = hb.get_glyph_extents(ttf.face.charToGlyph.get(ord(char), 0))
        if extents:
            high = data.y_offset + ttf.pdfScale(extents.y_bearing)
            top, bottom = max(top, high), min(bottom, high + ttf.pdfScale(extents.height))
    return Shaped(drawn, width, top * size / 1000, bottom * size / 1000)


# Lines ----------------------------------------------------------------------------------------------

@dataclass
class Word:
    text: str
    pieces: list[Piece]
    shaped: list[Shaped]

    @property
    def width(self) -> float:
        return sum(s.width for s in self.shaped)


def _words(text: str, size: float, bold: bool) -> list[Word]:
    words = []
    for token in unicodedata.normalize("NFC", text).split():
        pieces = word_pieces(token, bold)
        words.append(Word(token, pieces, [shape(p.text, p.font, size, p.kind) for p in pieces]))
    return words


def _split_long(word: Word, size: float, limit: float, bold: bool) -> list[Word]:
    """A word wider than the line (a web address) in parts that fit, cut between letters (never
    before a combining mark): measured letter by letter, then shaped, and shortened if shaping
    made a part wider."""
    text = word.text
    widths = [pdfmetrics.stringWidth(char, piece.font, size) for piece in word.pieces for char in piece.text]
    if len(widths) != len(text):
        widths = [pdfmetrics.stringWidth(char, LATIN, size) for char in text]

    def joins(index):  # a mark goes with the letter before it
        return index < len(text) and unicodedata.category(text[index])[0] == "M"

    parts, start = [], 0
    while start < len(text):
        end, used = start + 1, widths[start]
        while end < len(text) and (joins(end) or used + widths[end] <= limit):
            used += widths[end]
            end += 1
        part = _words(text[start:end], size, bold)[0]
        while part.width > limit and end - start > 1:
            end -= 1
            while end - start > 1 and joins(end):
                end -= 1
            part = _words(text[start:end], size, bold)[0]
        parts.append(part)
        start = end
    return parts


@dataclass
class Line:
    words: list[Word]
    space: float  # the width of a space
    rtl: bool  # the paragraph's direction
    space_font: str
    size: float

    @property
    def text(self) -> str:
        return " ".join(w.text for w in self.words)

    @property
    def width(self) -> float:
        return sum(w.width for w in self.words) + self.space * max(len(self.words) - 1, 0)

    @property
    def top(self) -> float:
        return max((s.top for w in self.words for s in w.shaped), default=0.0)

    @property
    def bottom(self) -> float:
        return min((s.bottom for w in self.words for s in w.shaped), default=0.0)

    @property
    def plain(self) -> bool:
        """Only Latin, left to right: its glyphs are its text."""
        return all(p.font in (LATIN, LATIN_BOLD) and p.kind != "R" for w in self.words for p in w.pieces)

    def visual(self) -> list[tuple[str, Shaped]]:
        """(font, shaped) in the order drawn, left to right, spaces included: a reduced Unicode
        bidirectional algorithm (levels from the paragraph's direction, brackets as pairs,
        other punctuation and spaces from their neighbours, then runs reversed, level by level)."""
        base = 1 if self.rtl else 0
        items: list[list] = []  # [font, text, kind, shaped]; kind W is a space between words
        for index, word in enumerate(self.words):
            if index:  # spaces in the Latin font, which measured them
                items.append([self.space_font, " ", "W", Shaped(" ", self.space, 0.0, 0.0)])
            items += [[p.font, p.text, p.kind, s] for p, s in zip(word.pieces, word.shaped)]
        # the direction of each: strong letters their own, digits count as right to left after
        # right-to-left letters (and in a right-to-left paragraph)
        direction = ["L" if kind == "L" else "R" if kind == "R" else None for _, _, kind, _ in items]
        for index, (_, _, kind, _) in enumerate(items):
            if kind == "N":
                before = _strong(direction, range(index - 1, -1, -1))
                direction[index] = "R" if (before or ("R" if base else "L")) == "R" else "L"
        embedding = "R" if base else "L"
        for opening, closing in _bracket_pairs(items):  # N0
            inside = {direction[i] for i in range(opening + 1, closing)} - {None}
            if embedding in inside:
                chosen = embedding
            elif inside:  # only the other direction inside: the brackets go with what is before them
                chosen = _strong(direction, range(opening - 1, -1, -1)) or embedding
            else:
                continue
            direction[opening] = direction[closing] = chosen
        for index in range(len(items)):  # N1, N2
            if direction[index] is None:
                before = _strong(direction, range(index - 1, -1, -1)) or embedding
                after = _strong(direction, range(index + 1, len(items))) or embedding
                direction[index] = before if before == after else embedding
        levels = []
        for (_, _, kind, _), way in zip(items, direction):
            if kind == "N":
                levels.append(2 if base or way == "R" else 0)
            elif way == "R":
                levels.append(1)
            else:
                levels.append(2 if base else 0)
        order = list(range(len(items)))
        for level in range(max(levels, default=0), 0, -1):  # L2
            index = 0
            while index < len(order):
                if levels[order[index]] < level:
                    index += 1
                    continue
                end = index
                while end < len(order) and levels[order[end]] >= level:
                    end += 1
                order[index:end] = reversed(order[index:end])
                index = end
        drawn = []
        for i in order:
            font, text, kind, shaped = items[i]
            if kind == "O" and levels[i] % 2 and text in MIRRORED:  # a bracket in right-to-left text
                shaped = shape(MIRRORED[text], font, self.size, "O")
            drawn.append((font, shaped))
        return drawn


MIRRORED = dict(zip("()[]{}<>\u00ab\u00bb\u2039\u203a", ")(][}{><\u00bb\u00ab\u203a\u2039"))
_OPENING = {"(": ")", "[": "]", "{": "}"}


def _strong(direction, indexes):
    return next((direction[i] for i in indexes if direction[i] is not None), None)


def _bracket_pairs(items) -> list[tuple[int, int]]:
    """Indexes of matching opening and closing brackets (pieces of punctuation alone), in order."""
    stack, pairs = [], []
    for index, (_, text, kind, _) in enumerate(items):
        if kind != "O":
            continue
        if text in _OPENING:
            stack.append((index, _OPENING[text]))
        elif text in _OPENING.values():
            for depth in range(len(stack) - 1, -1, -1):
                if stack[depth][1] == text:
                    pairs.append((stack[depth][0], index))
                    del stack[depth:]
                    break
    return sorted(pairs)


def lines(text: str, size: float, width: float | None, *, bold: bool = False) -> list[Line]:
    """The text set in lines no wider than `width` (one line when None)."""
    register()
    text = "" if text is None else str(text)
    rtl = base_rtl(text)
    font = LATIN_BOLD if bold else LATIN
    space = pdfmetrics.stringWidth(" ", font, size)
    words = _words(text, size, bold)
    if width is None:
        return [Line(words, space, rtl, font, size)] if words else []
    result, current, used = [], [], 0.0
    for word in words:
        parts = _split_long(word, size, width, bold) if word.width > width and len(word.text) > 1 else [word]
        if len(parts) > 1:  # each part of a word too wide for a line on a line of its own
            if current:
                result.append(Line(current, space, rtl, font, size))
            result += [Line([part], space, rtl, font, size) for part in parts[:-1]]
            current, used = [parts[-1]], parts[-1].width
            continue
        wanted = word.width + (space if current else 0)
        if current and used + wanted > width:
            result.append(Line(current, space, rtl, font, size))
            current, used = [], 0.0
            wanted = word.width
        current.append(word)
        used += wanted
    if current:
        result.append(Line(current, space, rtl, font, size))
    return result


def _actual_text(text: str) -> str:
    return "<FEFF" + text.encode("utf-16-be").hex().upper() + ">"


def draw(canv, line: Line, x: float, y: float, size: float) -> None:
    """Draws a line with its left end at x and its baseline at y."""
    marked = not line.plain
    if marked:
        canv.addLiteral(f"/Span <</ActualText {_actual_text(line.text)}>> BDC")
    text = canv.beginText(x, y)
    current = None
    for font, shaped in line.visual():
        # shaped glyphs always after a font change: reportlab fails to raise the first glyph of a
        # shaped string (Urdu's dots) when nothing precedes it in the text operators it writes
        if font != current or isinstance(shaped.drawn, ShapedStr):
            text.setFont(font, size)
            current = font
        text.textOut(shaped.drawn)
    text.textLine()  # ends the line (T*), as reportlab's own paragraphs do: text extractors break lines there
    canv.drawText(text)
    if marked:
        canv.addLiteral("EMC")


def _cut(word: str, length: int) -> str:
    """The word's first letters, not ending inside a cluster (before a mark, after a virama or a
    zero-width joiner)."""
    word = word[:length]
    while len(word) > 1 and (unicodedata.category(word[-1])[0] == "M" or word[-1] in "\u200c\u200d"
                             or unicodedata.name(word[-1], "").endswith("SIGN VIRAMA")):
        word = word[:-1]
    return word


def _longest(count: int, fits) -> int:
    """The largest n from 1 to count for which fits(n), by halving (fits holds up to some n)."""
    shortest, longest = 1, count
    while shortest < longest:
        middle = (shortest + longest + 1) // 2
        if fits(middle):
            shortest = middle
        else:
            longest = middle - 1
    return shortest


def _truncated(text: str, size: float, width: float, bold: bool) -> Line:
    """One line that fits: the most whole words that fit, with an ellipsis, else the most letters of
    the first word."""
    words = text.split()

    def words_line(count):
        return lines(" ".join(words[:count]) + ELLIPSIS, size, None, bold=bold)[0]

    def letters_line(count):
        return lines(_cut(words[0], count) + ELLIPSIS, size, None, bold=bold)[0]

    if len(words) > 1 and words_line(1).width <= width:
        return words_line(_longest(len(words) - 1, lambda count: words_line(count).width <= width))
    return letters_line(_longest(max(len(words[0]) - 1, 1), lambda count: letters_line(count).width <= width))


def draw_line(canv, x: float, y: float, text: str, *, size: float, bold: bool = False, align: str = "left",
              width: float | None = None, smallest: float | None = None) -> float:
    """Draws one line of typed text on a canvas at baseline y: from x ("left"), centred on x
    ("centre") or ending at x ("right"). When it is wider than `width` its size comes down, to
    `smallest` at least, then it is cut short with an ellipsis. Returns the size used."""
    found = lines(text, size, None, bold=bold)
    if not found:
        return size
    line = found[0]
    if width is not None and line.width > width:
        if smallest and smallest < size:
            size = max(smallest, size * width / line.width)
            line = lines(text, size, None, bold=bold)[0]
        if line.width > width:
            line = _truncated(text, size, width, bold)
    left = {"left": x, "centre": x - line.width / 2, "right": x - line.width}[align]
    draw(canv, line, left, y, size)
    return size


# How far above and below the baseline a line of text may claim room, in font sizes: more than
# any script's letters with their marks reach (Nastaliq's reach about 2 and 1).
MOST_ABOVE, MOST_BELOW = 3, 2


class Text(Flowable):
    """Typed text in a paragraph style (its size, leading, colour, alignment and space around),
    each script in its own font, wrapped at spaces (plain text, no markup). Bold when the style's
    font is bold. Right-to-left text that wraps is set from the right; on one line it keeps the
    style's alignment, so that a column of names lines up."""

    def __init__(self, text, style, *, bold: bool | None = None, _lines=None):
        super().__init__()
        register()
        self.text = "" if text is None else str(text)
        self.style = style
        self.bold = style.fontName.endswith("-Bold") if bold is None else bold
        self.spaceBefore, self.spaceAfter = style.spaceBefore, style.spaceAfter
        self._lines = _lines

    def _metrics(self, line: Line) -> tuple[float, float]:
        """Room above and below the baseline: the style's, or more where the glyphs reach further
        (Nastaliq's tall letters), up to a bound: marks stacked on marks by the hundred (typed to
        break a document) overlap the line above rather than making a table row taller than a page."""
        size, leading = self.style.fontSize, self.style.leading
        return (max(size, min(line.top, MOST_ABOVE * size)),
                max(leading - size, min(-line.bottom, MOST_BELOW * size)))

    def wrap(self, availWidth, availHeight):
        if self._lines is None or getattr(self, "_wrapped_for", None) != availWidth:
            self._lines = lines(self.text, self.style.fontSize, availWidth, bold=self.bold)
            self._wrapped_for = availWidth
        self.width = availWidth
        self.height = sum(sum(self._metrics(line)) for line in self._lines)
        return availWidth, self.height

    def minWidth(self):
        return max((w.width for line in lines(self.text, self.style.fontSize, None, bold=self.bold)
                    for w in line.words), default=0)

    def split(self, availWidth, availHeight):
        self.wrap(availWidth, availHeight)
        used, count = 0.0, 0
        for line in self._lines:
            used += sum(self._metrics(line))
            if used > availHeight:
                break
            count += 1
        if count == 0 or count == len(self._lines):
            return []
        first = Text(" ".join(line.text for line in self._lines[:count]), self.style, bold=self.bold,
                     _lines=self._lines[:count])
        rest = Text(" ".join(line.text for line in self._lines[count:]), self.style, bold=self.bold,
                    _lines=self._lines[count:])
        first.spaceAfter = rest.spaceBefore = 0
        return [first, rest]

    def draw(self):
        canv, style = self.canv, self.style
        canv.setFillColor(style.textColor)
        y = self.height
        for line in self._lines:
            above, below = self._metrics(line)
            y -= above
            if style.alignment == TA_CENTER:
                x = (self.width - line.width) / 2
            elif style.alignment == TA_RIGHT or (line.rtl and len(self._lines) > 1):
                x = self.width - line.width
            else:
                x = 0
            draw(canv, line, x, y, style.fontSize)
            y -= below

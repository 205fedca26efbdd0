"""Printable PDFs for the day: the attendee list and name badges.
Pure functions returning bytes (reportlab). Access needs appear where the
safeguarding gate (core.accounts.safeguarding) lets the reader see them; a badge
shows a name only. Names and titles are set in the font of their script
(core.pdf_fonts)."""
import io

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas
from reportlab.platypus import Flowable, SimpleDocTemplate, Spacer, Table, TableStyle

from core import pdf_fonts
from core.pdf_fonts import LATIN, LATIN_BOLD, Text, draw_line
from core.formatting import format_date_time
from core.accounts.safeguarding import Screen

BRAND = colors.HexColor("#00625e")


class TickBox(Flowable):
    """An empty box to tick, drawn (no font of ours has a ballot box)."""
    SIDE = 3.5 * mm

    def wrap(self, availWidth, availHeight):
        return self.SIDE, self.SIDE

    def draw(self):
        self.canv.setLineWidth(0.75)
        self.canv.rect(0, -0.5 * mm, self.SIDE, self.SIDE)


def attendee_list_pdf(event, registrations, brand_name: str, *, screen: Screen, access_counts=None) -> bytes:
    """Everyone booked, alphabetically, with a tick box and their access
    requests and needs (or the note saying who holds them); above them, what
    those booked ask for, counted (`access_counts`, from
    events.services.access_requests.access_request_counts)."""
    out = io.BytesIO()
    document = SimpleDocTemplate(out, pagesize=A4, title=f"Attendees: {event.title}", author=brand_name,
                                 leftMargin=15 * mm, rightMargin=15 * mm, topMargin=15 * mm, bottomMargin=15 * mm)
    styles = pdf_fonts.stylesheet()
    cell = styles["BodyText"]
    rows = [["", "Name", "Places", "Access needs"]]
    for registration in sorted(registrations, key=lambda r: r.name.lower()):
        rows.append([TickBox(), Text(registration.name, cell), str(registration.tickets),
                     Text(screen.note(registration) or _access_asked(registration), cell)])
    table = Table(rows, colWidths=[10 * mm, 70 * mm, 18 * mm, 82 * mm], repeatRows=1)
    table.setStyle(TableStyle([
        ("BACKGROUND", (0, 0), (-1, 0), BRAND), ("TEXTCOLOR", (0, 0), (-1, 0), colors.white),
        ("FONTNAME", (0, 0), (-1, 0), LATIN_BOLD), ("FONTNAME", (0, 1), (-1, -1), LATIN),
        ("VALIGN", (0, 0), (-1, -1), "TOP"), ("LINEBELOW", (0, 0), (-1, -1), 0.5, colors.grey),
    ]))
    total = sum(r.tickets for r in registrations)
    story = [Text(event.title, styles["Title"]),
             Text(f"{format_date_time(event.starts_at)}. {len(registrations)} bookings, {total} people.",
                  styles["Normal"]),
             *_access_count_lines(access_counts, styles["Normal"]),
             Spacer(1, 6 * mm), table]
    document.build(story)
    return out.getvalue()


def _access_asked(registration) -> str:
    return "; ".join([*(str(request.label) for request in registration.access_requests_in_order),
                      *([registration.access_needs] if registration.access_needs else [])])


def _access_count_lines(access_counts, style) -> list:
    if access_counts is None:
        return []
    booked = access_counts.booked_only()
    lines = ["Access requests of those booked: " + ("; ".join(f"{row.label}: {row.booked}" for row in booked)
                                                    if booked else "none.")]
    if access_counts.withheld_booked:
        lines.append(f"Not counted: what {access_counts.withheld_booked} "
                     f"{'booking asks' if access_counts.withheld_booked == 1 else 'bookings ask'} for. "
                     f"{access_counts.withheld_note}")
    return [Text(line, style) for line in lines]


def name_badges_pdf(event, registrations, brand_name: str) -> bytes:
    """Eight 90 x 60 mm badges to an A4 page, ready to cut out. A long name is set smaller to fit."""
    pdf_fonts.register()
    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=A4)
    pdf.setTitle(f"Name badges: {event.title}")
    pdf.setAuthor(brand_name)
    width, height = 90 * mm, 60 * mm
    left, top = (A4[0] - 2 * width) / 2, A4[1] - (A4[1] - 4 * height) / 2
    people = sorted(registrations, key=lambda r: r.name.lower())
    for index, registration in enumerate(people):
        if index and index % 8 == 0:
            pdf.showPage()
        column, row = index % 2, (index % 8) // 2
        x, y = left + column * width, top - (row + 1) * height
        pdf.setStrokeColor(colors.lightgrey)
        pdf.rect(x, y, width, height)
        pdf.setFillColor(BRAND)
        pdf.rect(x, y + height - 12 * mm, width, 12 * mm, stroke=0, fill=1)
        pdf.setFillColor(colors.white)
        draw_line(pdf, x + 5 * mm, y + height - 8 * mm, brand_name, size=11, bold=True, width=width - 10 * mm)
        pdf.setFillColor(colors.black)
        draw_line(pdf, x + width / 2, y + height / 2 - 4 * mm, registration.name, size=22, bold=True,
                  align="centre", width=width - 10 * mm, smallest=12)
        draw_line(pdf, x + width / 2, y + 6 * mm, event.title, size=9, align="centre", width=width - 10 * mm,
                  smallest=7)
    if not people:
        pdf.setFont(LATIN, 14)
        pdf.drawString(20 * mm, A4[1] - 30 * mm, "No one is booked yet.")
    pdf.save()
    return out.getvalue()

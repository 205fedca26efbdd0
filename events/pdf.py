"""Printable PDFs for the day: the attendee list and name badges.
Pure functions returning bytes (reportlab). Access needs appear where the
safeguarding gate (core.accounts.safeguarding) lets the reader see them; a badge
shows a name only."""
import io
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from core.formatting import format_date_time
from core.accounts.safeguarding import Screen

BRAND = colors.HexColor("#00625e")


def attendee_list_pdf(event, registrations, brand_name: str, *, screen: Screen, access_counts=None) -> bytes:
    """Everyone booked, alphabetically, with a tick box and their access
    requests and needs (or the note saying who holds them); above them, what
    those booked ask for, counted (`access_counts`, from
    events.services.access_requests.access_request_counts)."""
    out = io.BytesIO()
    document = SimpleDocTemplate(out, pagesize=A4, title=f"Attendees: {event.title}", author=brand_name,
                                 leftMargin=15 * mm, rightMargin=15 * mm, topMargin=15 * mm, bottomMargin=15 * mm)
    styles = getSampleStyleSheet()
    cell = styles["BodyText"]
    rows = [["", "Name", "Places", "Access needs"]]
    for registration in sorted(registrations, key=lambda r: r.name.lower()):
        rows.append(["\u2610", Paragraph(escape(registration.name), cell), str(registration.tickets),
                     Paragraph(escape(screen.note(registration) or _access_asked(registration)), cell)])
    table = Table(rows, colWidths=[10 * mm, 70 * mm, 18 * mm, 82 * mm], repeatRows=1)
    table.setStyle(TableStyle([
        ("BACKGROUND", (0, 0), (-1, 0), BRAND), ("TEXTCOLOR", (0, 0), (-1, 0), colors.white),
        ("FONTNAME", (0, 0), (-1, 0), "Helvetica-Bold"), ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LINEBELOW", (0, 0), (-1, -1), 0.5, colors.grey),
    ]))
    total = sum(r.tickets for r in registrations)
    story = [Paragraph(escape(event.title), styles["Title"]),
             Paragraph(escape(f"{format_date_time(event.starts_at)}. {len(registrations)} bookings, {total} people."),
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
    return [Paragraph(escape(line), style) for line in lines]


def name_badges_pdf(event, registrations, brand_name: str) -> bytes:
    """Eight 90 x 60 mm badges to an A4 page, ready to cut out."""
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
        pdf.setFont("Helvetica-Bold", 11)
        pdf.drawString(x + 5 * mm, y + height - 8 * mm, brand_name[:40])
        pdf.setFillColor(colors.black)
        size = 22 if len(registration.name) <= 18 else 16 if len(registration.name) <= 26 else 12
        pdf.setFont("Helvetica-Bold", size)
        pdf.drawCentredString(x + width / 2, y + height / 2 - 4 * mm, registration.name[:45])
        pdf.setFont("Helvetica", 9)
        pdf.drawCentredString(x + width / 2, y + 6 * mm, event.title[:60])
    if not people:
        pdf.setFont("Helvetica", 14)
        pdf.drawString(20 * mm, A4[1] - 30 * mm, "No one is booked yet.")
    pdf.save()
    return out.getvalue()

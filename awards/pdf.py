"""Award certificates: one landscape A4 page per nominee, as real text (so
screen readers and search can read them). A pure function returning bytes."""
import io

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas

from core.database import in_london

BRAND = colors.HexColor("#00625e")


def certificates_pdf(decisions, *, cycle, ceremony, brand_name: str) -> bytes:
    """`decisions` in the order to print; each names its nomination and outcome."""
    out = io.BytesIO()
    width, height = landscape(A4)
    pdf = canvas.Canvas(out, pagesize=(width, height))
    pdf.setTitle(f"Certificates: {cycle.name}")
    pdf.setAuthor(brand_name)
    pdf.setSubject("Community cohesion award certificates")
    when = in_london(ceremony.starts_at).strftime("%-d %B %Y") if ceremony else in_london(
        cycle.announce_at).strftime("%-d %B %Y")
    for decision in decisions:
        nomination = decision.nomination
        pdf.setStrokeColor(BRAND)
        pdf.setLineWidth(6)
        pdf.rect(12 * mm, 12 * mm, width - 24 * mm, height - 24 * mm)
        pdf.setFillColor(BRAND)
        pdf.setFont("Helvetica-Bold", 20)
        pdf.drawCentredString(width / 2, height - 40 * mm, brand_name)
        pdf.setFillColor(colors.black)
        pdf.setFont("Helvetica", 18)
        pdf.drawCentredString(width / 2, height - 55 * mm, cycle.name)
        pdf.setFont("Helvetica-Bold", 34)
        pdf.drawCentredString(width / 2, height - 85 * mm, nomination.nominee_name)
        pdf.setFont("Helvetica", 22)
        pdf.drawCentredString(width / 2, height - 105 * mm, decision.outcome.label)
        pdf.setFont("Helvetica-Bold", 22)
        pdf.drawCentredString(width / 2, height - 120 * mm, nomination.category.name)
        pdf.setFont("Helvetica", 14)
        pdf.drawCentredString(width / 2, 35 * mm, f"Presented {when}" + (f" at {ceremony.title}" if ceremony else ""))
        pdf.showPage()
    pdf.save()
    return out.getvalue()

"""Award certificates (one landscape A4 page per nominee) and a cycle's
results record, as real text so that screen readers and search can read
them. Names and other typed text are set in the font of their script
(core.pdf_fonts). Pure functions returning bytes."""
import io

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas
from reportlab.platypus import SimpleDocTemplate, Spacer, Table, TableStyle

from core import pdf_fonts
from core.pdf_fonts import LATIN, LATIN_BOLD, Text, draw_line
from core.formatting import format_date

BRAND = colors.HexColor("#00625e")


def certificates_pdf(decisions, *, cycle, ceremony, brand_name: str) -> bytes:
    """`decisions` in the order to print; each names its nomination and outcome."""
    pdf_fonts.register()
    out = io.BytesIO()
    width, height = landscape(A4)
    pdf = canvas.Canvas(out, pagesize=(width, height))
    pdf.setTitle(f"Certificates: {cycle.name}")
    pdf.setAuthor(brand_name)
    pdf.setSubject("Community cohesion award certificates")
    when = format_date(ceremony.starts_at if ceremony else cycle.announce_at)
    middle, line = width / 2, width - 50 * mm  # inside the border
    for decision in decisions:
        nomination = decision.nomination
        pdf.setStrokeColor(BRAND)
        pdf.setLineWidth(6)
        pdf.rect(12 * mm, 12 * mm, width - 24 * mm, height - 24 * mm)
        pdf.setFillColor(BRAND)
        draw_line(pdf, middle, height - 40 * mm, brand_name, size=20, bold=True, align="centre", width=line)
        pdf.setFillColor(colors.black)
        draw_line(pdf, middle, height - 55 * mm, cycle.name, size=18, align="centre", width=line, smallest=12)
        draw_line(pdf, middle, height - 85 * mm, nomination.nominee_name, size=34, bold=True, align="centre",
                  width=line, smallest=18)
        draw_line(pdf, middle, height - 105 * mm, decision.outcome.label, size=22, align="centre", width=line)
        draw_line(pdf, middle, height - 120 * mm, nomination.category.name, size=22, bold=True, align="centre",
                  width=line, smallest=14)
        draw_line(pdf, middle, 35 * mm, f"Presented {when}" + (f" at {ceremony.title}" if ceremony else ""),
                  size=14, align="centre", width=line, smallest=10)
        pdf.showPage()
    pdf.save()
    return out.getvalue()


def results_record_pdf(record, *, cycle, brand_name: str) -> bytes:
    """How the winners were chosen: per category, the nominations and how they
    were screened, the panel, conflicts declared, scores and decisions."""
    out = io.BytesIO()
    document = SimpleDocTemplate(out, pagesize=A4, title=f"Results record: {cycle.name}", author=brand_name,
                                 leftMargin=15 * mm, rightMargin=15 * mm, topMargin=15 * mm, bottomMargin=15 * mm)
    styles = pdf_fonts.stylesheet()
    cell = styles["BodyText"]
    story = [Text(f"Results record: {cycle.name}", styles["Title"])]
    for part in record:
        counts = ", ".join(f"{status.label.lower()} {count}" for status, count in sorted(
            part.counts.items(), key=lambda item: item[0].value)) or "none"
        story += [Text(part.category.name, styles["Heading2"]),
                  Text(f"Nominations: {counts}.", cell),
                  Text(f"Panel: {', '.join(part.panel) or 'none appointed'}.", cell),
                  Text("Conflicts declared: " + ("; ".join(
                      f"{c.judge.name} on {part.nominees[c.nomination_id]} ({c.kind.label.lower()})"
                      for c in part.conflicts) or "none") + ".", cell),
                  Text("Scores normalised per judge." if part.normalised else
                       "Raw scores (too few scores per judge to normalise).", cell),
                  Spacer(1, 3 * mm)]
        if part.results:
            rows = [["Rank", "Nominee", "Judges", "Raw", "Normalised", "Decision and reasons"]]
            for result in part.results:
                decision = part.decided.get(result.nomination_id)
                rows.append([str(result.rank or ""), Text(part.nominees[result.nomination_id], cell),
                             str(result.scores), "" if result.raw is None else f"{result.raw:.2f}",
                             "" if result.normalised is None else f"{result.normalised:.2f}",
                             Text(f"{decision.outcome.label}: {decision.rationale}" if decision
                                  else "Not decided", cell)])
            table = Table(rows, colWidths=[12 * mm, 40 * mm, 15 * mm, 15 * mm, 20 * mm, 78 * mm], repeatRows=1)
            table.setStyle(TableStyle([
                ("BACKGROUND", (0, 0), (-1, 0), BRAND), ("TEXTCOLOR", (0, 0), (-1, 0), colors.white),
                ("FONTNAME", (0, 0), (-1, 0), LATIN_BOLD), ("FONTNAME", (0, 1), (-1, -1), LATIN),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LINEBELOW", (0, 0), (-1, -1), 0.5, colors.grey)]))
            story.append(table)
    document.build(story)
    return out.getvalue()

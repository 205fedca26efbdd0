"""A report as a PDF: cover, key findings in plain words, a chart and a
table per characteristic, then the baseline sources and how the figures
were made. Real text throughout, in reading order. Pure: takes a built
(already suppressed) report, returns bytes."""
import io
from xml.sax.saxutils import escape

from reportlab.graphics.charts.barcharts import HorizontalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from reports.services import COLUMN_LABELS, MIXING_CHARACTERISTICS, Report, key_findings, method_notes

BRAND = colors.HexColor("#00625e")
POPULATION = colors.HexColor("#b1b4b6")


def _percent(value) -> str:
    return "" if value is None else f"{value:.0f}%"


def _chart(table, column) -> Drawing | None:
    """Share of those answering against the population share, per category."""
    rows = [row for row in table.characteristic.codes if table.share_among_answered(row, column) is not None]
    if not rows:
        return None
    drawing = Drawing(170 * mm, 12 * mm + 9 * mm * len(rows))
    chart = HorizontalBarChart()
    chart.x, chart.y = 60 * mm, 10 * mm
    chart.width, chart.height = 95 * mm, 9 * mm * len(rows)
    chart.data = [[100 * table.share_among_answered(row, column) for row in rows],
                  [100 * (table.population_share(row) or 0) for row in rows]]
    chart.categoryAxis.categoryNames = [table.label(row)[:38] for row in rows]
    chart.categoryAxis.reverseDirection = True
    chart.valueAxis.valueMin, chart.valueAxis.valueMax = 0, 100
    chart.bars[0].fillColor, chart.bars[1].fillColor = BRAND, POPULATION
    drawing.add(chart)
    legend = Legend()
    legend.x, legend.y = 60 * mm, 5 * mm
    legend.alignment, legend.columnMaximum = "right", 1
    legend.colorNamePairs = [(BRAND, "Share of those who answered"), (POPULATION, "Share of the population")]
    drawing.add(legend)
    return drawing


def report_pdf(report: Report, *, brand_name: str, generated: str) -> bytes:
    out = io.BytesIO()
    document = SimpleDocTemplate(out, pagesize=A4, title=f"Diversity report: {report.title}", author=brand_name,
                                 leftMargin=18 * mm, rightMargin=18 * mm, topMargin=18 * mm, bottomMargin=18 * mm)
    styles = getSampleStyleSheet()
    body, cell = styles["BodyText"], styles["BodyText"]
    story = [Paragraph(escape(brand_name), styles["Title"]),
             Paragraph(f"Diversity report: {escape(report.title)}", styles["Heading1"]),
             Paragraph(f"Made on {escape(generated)}. Counts from 1 to {report.threshold - 1} are shown as "
                       f"&lt;{report.threshold}; [c] marks a figure hidden so that they cannot be worked out.", body),
             Spacer(1, 6 * mm), Paragraph("Key findings", styles["Heading2"])]
    story += [Paragraph(escape(finding), body) for finding in key_findings(report)]
    for group in report.groups:
        for column in group.columns:
            heading = f"{group.label}: {COLUMN_LABELS[column].lower()}" if group.key == "events" else group.label
            story += [PageBreak(), Paragraph(escape(heading), styles["Heading1"])]
            for table in group.tables:
                story.append(Paragraph(escape(table.characteristic.label), styles["Heading2"]))
                if table.withheld(column):
                    story.append(Paragraph("Withheld: too few people to show any figure safely.", body))
                    continue
                chart = _chart(table, column) if table.baseline else None
                if chart is not None:
                    story.append(chart)
                rows = [["Category", "Count", "% of all", "% answering", "Population", "Ratio"]]
                for row in [*table.rows, "total"]:
                    ratio = table.ratio(row, column)
                    rows.append([Paragraph(escape(table.label(row)), cell), str(table.shown(row, column)),
                                 _percent(table.percent(row, column)),
                                 _percent(None if table.share_among_answered(row, column) is None
                                          else 100 * table.share_among_answered(row, column)),
                                 _percent(None if table.population_share(row) is None
                                          else 100 * table.population_share(row)),
                                 "" if ratio is None else f"{ratio:.2f}"])
                grid = Table(rows, colWidths=[62 * mm, 18 * mm, 20 * mm, 24 * mm, 22 * mm, 16 * mm], repeatRows=1)
                grid.setStyle(TableStyle([("FONTNAME", (0, 0), (-1, 0), "Helvetica-Bold"),
                                          ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.grey),
                                          ("VALIGN", (0, 0), (-1, -1), "TOP")]))
                story += [grid, Spacer(1, 4 * mm)]
    if report.events:
        story += [PageBreak(), Paragraph("Mixing: did people from different backgrounds meet?", styles["Heading1"]),
                  Paragraph("The diversity index is the chance that two people picked at random from those at an "
                            "event who answered gave different answers: 0 when everyone is in the same group, "
                            "nearer 1 the more mixed. It is withheld where any group at the event was smaller "
                            f"than {report.threshold}.", body)]
        rows = [["Quarter", "Events", "People who came",
                 *[f"Average index: {c.label.lower()}" for c in MIXING_CHARACTERISTICS]]]
        for period in report.quarters:
            rows.append([period.label, str(period.events), str(period.came),
                         *["" if period.mean_index(c.key) is None else f"{period.mean_index(c.key):.2f}"
                           for c in MIXING_CHARACTERISTICS]])
        story.append(Table(rows, repeatRows=1))
    story += [PageBreak(), Paragraph("Baselines", styles["Heading1"])]
    for key, shares in report.baseline.by_characteristic.items():
        story.append(Paragraph(escape(f"{key.replace('_', ' ').capitalize()}: {shares.area}. Source: {shares.source}."),
                               body))
    story += [Paragraph("Method", styles["Heading1"]),
              *[Paragraph(escape(text), body) for text in method_notes(report.threshold)]]
    document.build(story)
    return out.getvalue()


"""A report as a PDF: cover, key findings in plain words, a chart and a
table per characteristic, then the baseline sources and how the figures
were made. Real text throughout, in reading order, typed names and titles in
the font of their script (core.pdf_fonts). Pure: takes a built (already
suppressed) report, returns bytes."""
import io

from reportlab.graphics.charts.barcharts import HorizontalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from core import pdf_fonts
from core.equality.services import ETHNIC_GROUP
from core.pdf_fonts import LATIN, LATIN_BOLD, Text
from reports.exports import method_note
from reports.findings import key_findings, method_notes
from reports.services import COLUMN_LABELS, MIXING_CHARACTERISTICS, Report

BRAND = colors.HexColor("#00625e")
POPULATION = colors.HexColor("#b1b4b6")


def _percent(value, places: int = 0) -> str:
    return "" if value is None else f"{value:.{places}f}%"


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
    chart.categoryAxis.labels.fontName = chart.valueAxis.labels.fontName = LATIN
    drawing.add(chart)
    legend = Legend()
    legend.x, legend.y = 60 * mm, 5 * mm
    legend.alignment, legend.columnMaximum = "right", 1
    legend.colorNamePairs = [(BRAND, "Share of those who answered"), (POPULATION, "Share of the population")]
    legend.fontName = LATIN
    drawing.add(legend)
    return drawing


def _characteristic(table, column, styles) -> list:
    """A characteristic's heading, chart and table of counts."""
    body, cell = styles["BodyText"], styles["BodyText"]
    story = [Text(table.characteristic.label, styles["Heading2"])]
    if table.withheld(column):
        return [*story, Paragraph("Withheld: too few people to show any figure safely.", body)]
    if table.nobody_answered(column):
        return [*story, Paragraph("Nobody here answered this question.", body)]
    chart = _chart(table, column) if table.baseline else None
    if chart is not None:
        story.append(chart)
    rows = [["Category", "Count", "% of all", "% answering", "Population", "Compared with the population"]]
    for row in [*table.rows, "total"]:
        share, population = table.share_among_answered(row, column), table.population_share(row)
        rows.append([Text(table.label(row), cell), str(table.shown(row, column)),
                     _percent(table.percent(row, column)), _percent(None if share is None else 100 * share),
                     # To a tenth, as on the page: small groups are 0.1 to 0.4% of the county, not "0%".
                     _percent(None if population is None else 100 * population, 1),
                     Text(_compared(table, row, column), cell)])
    source = (f"Population: {table.baseline.area}. Source: {table.baseline.source}." if table.baseline else
              f"There is no population baseline for {table.characteristic.label.lower()}.")
    return [*story, _grid(rows, [44 * mm, 14 * mm, 16 * mm, 20 * mm, 20 * mm, 60 * mm]), Text(source, body),
            Spacer(1, 4 * mm)]


def _compared(table, row, column) -> str:
    """How a category compares with the population, in the page's words."""
    representation = table.representation(row, column)
    if representation:
        low, high = table.ratio_interval(row, column)
        return f"{representation.label} {table.ratio(row, column):.2f} (95%: {low:.2f} to {high:.2f})"
    if row in table.characteristic.codes and table.population_share(row):
        return "Not compared: too few people"
    return ""


def _grid(rows, widths=None) -> Table:
    grid = Table(rows, colWidths=widths, repeatRows=1)
    grid.setStyle(TableStyle([("FONTNAME", (0, 0), (-1, 0), LATIN_BOLD), ("FONTNAME", (0, 1), (-1, -1), LATIN),
                              ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.grey),
                              ("VALIGN", (0, 0), (-1, -1), "TOP")]))
    return grid


def _document(out, title: str, brand_name: str) -> SimpleDocTemplate:
    return SimpleDocTemplate(out, pagesize=A4, title=title, author=brand_name,
                             leftMargin=18 * mm, rightMargin=18 * mm, topMargin=18 * mm, bottomMargin=18 * mm)


def report_pdf(report: Report, *, brand_name: str, generated: str, methodology_url: str) -> bytes:
    out = io.BytesIO()
    document = _document(out, f"Diversity report: {report.title}", brand_name)
    styles = pdf_fonts.stylesheet()
    body = styles["BodyText"]
    story = [Text(brand_name, styles["Title"]),
             Text(f"Diversity report: {report.title}", styles["Heading1"]),
             Text(f"Made on {generated}. {method_note(methodology_url)}", body),
             Spacer(1, 6 * mm), Paragraph("Key findings", styles["Heading2"])]
    story += [Text(finding, body) for finding in key_findings(report)]
    if report.provisional:
        story.append(Paragraph("Attendance at this event has not settled yet: these figures may still change.", body))
    for group in report.groups:
        for column in group.columns:
            heading = f"{group.label}: {COLUMN_LABELS[column].lower()}" if group.key == "events" else group.label
            rate = group.response_rate(column)
            story += [PageBreak(), Text(heading, styles["Heading1"]),
                      _grid([["People", str(group.people[column])],
                             ["Answered the equality questions",
                              _percent(rate) or "Not shown: a number in it is small"]])]
            if group.breakdowns_withheld:
                story.append(Text(group.breakdowns_withheld, body))
            for table in group.tables:
                story += _characteristic(table, column, styles)
    if report.reach is not None:
        reach = report.reach
        per_person = reach.events_per_person()
        story += [Paragraph("Reach", styles["Heading1"]), _grid([
            ["Different people who came", str(reach.people)],
            ["Came for the first time", str(reach.first_time)],
            ["Had come before", str(reach.returning)],
            ["Walk-ins and extra people on a booking (not followed between events)", str(reach.unnamed)],
            ["Events each person came to, on average", "" if per_person is None else f"{per_person:.1f}"]])]
    if report.events and report.has_breakdowns:  # the page shows mixing only with breakdowns, and so does this
        story += [PageBreak(), Paragraph("Mixing: did people from different backgrounds meet?", styles["Heading1"]),
                  Paragraph("The diversity index is the chance that two people picked at random from those at an "
                            "event who answered gave different answers: 0 when everyone is in the same group, "
                            "nearer 1 the more mixed. It is withheld where any group at the event was smaller "
                            f"than {report.threshold}.", body)]
        rows = [["Quarter", "Events", "People who came",
                 *[f"Average index: {c.label.lower()}" for c in MIXING_CHARACTERISTICS]]]
        for period in report.quarters:
            rows.append([period.label, str(period.events), str(period.people),
                         *["" if period.mean_index(c.key) is None else f"{period.mean_index(c.key):.2f}"
                           for c in MIXING_CHARACTERISTICS]])
        story.append(_grid(rows))
    story += [PageBreak(), Paragraph("Baselines", styles["Heading1"])]
    for key, shares in report.baseline.by_characteristic.items():
        story.append(Text(f"{key.replace('_', ' ').capitalize()}: {shares.area}. Source: {shares.source}.",
                               body))
    story += [Paragraph("Method", styles["Heading1"]),
              *[Text(text, body) for text in method_notes(report.threshold, report.minimum_respondents)]]
    document.build(story)
    return out.getvalue()



def progress_pdf(progress, *, brand_name: str, generated: str, methodology_url: str) -> bytes:
    """The standing conference's progress report for a year (reports.progress)."""
    out = io.BytesIO()
    document = _document(out, f"Progress report {progress.year}", brand_name)
    styles = pdf_fonts.stylesheet()
    body = styles["BodyText"]

    def number(value, form="{:.2f}", missing="Hidden"):  # as the page says a figure it does not show
        return missing if value is None else form.format(value)

    story = [Text(brand_name, styles["Title"]),
             Paragraph(f"Standing conference progress report {progress.year}", styles["Heading1"]),
             Text(f"Made on {generated}. {method_note(methodology_url)}", body),
             Paragraph("Key findings", styles["Heading2"]),
             *[Text(finding, body) for finding in key_findings(progress.overall)],
             Paragraph("Activity by cohesion priority", styles["Heading1"])]
    rows = [["Priority", "Events", "People", "First time", "Mixing index", "3+ groups met"]]
    for activity in progress.priorities:
        report = activity.report
        rows.append([Text(activity.name, body), str(len(report.events)),
                     str(report.reach.people), str(report.reach.first_time),
                     number(report.everything.mean_index(ETHNIC_GROUP.key)),
                     number(report.everything.share_met(ETHNIC_GROUP.key), "{:.0f}%", "Not shown")])
    story.append(_grid(rows, [58 * mm, 16 * mm, 18 * mm, 20 * mm, 24 * mm, 24 * mm]))
    story.append(Paragraph("Who came, compared with the population", styles["Heading1"]))
    for group in progress.overall.groups:
        if group.breakdowns_withheld:
            story.append(Text(group.breakdowns_withheld, body))
        for table in group.tables:
            if table.baseline:
                story += _characteristic(table, group.columns[0], styles)
    story += _survey_section(progress, styles)
    story.append(Paragraph("Forum membership", styles["Heading1"]))
    if progress.forums:  # as at the end of the last quarter counted
        story.append(Text(f"{progress.forums[0][1].groups[0].label}.", body))
    rows = [["Forum", "Members", "Answered", "Ethnic groups (members)"]]
    for name, report in progress.forums:
        members = report.groups[0]
        rows.append([Text(name, body), str(members.people["members"]),
                     number(members.response_rate("members"), "{:.0f}%", "Not shown"),
                     Text(_members_ethnic_groups(members), body)])
    story.append(_grid(rows, [60 * mm, 22 * mm, 22 * mm, 66 * mm]))
    story.append(Paragraph("Award nominations", styles["Heading1"]))
    rows = [["Awards", "Category", "Nominations"]]
    rows += [[Text(cycle, body), Text(category, body), str(count)]
             for cycle, category, count in progress.nominations]
    story.append(_grid(rows, [70 * mm, 70 * mm, 30 * mm]))
    story.append(Paragraph("Year on year", styles["Heading1"]))
    for trend in progress.trends:
        story.append(Text(trend.name, styles["Heading2"]))
        rows = [["Year", "Events", "People", "Answered", "Mixing index"]]
        rows += [[str(year), str(len(report.events)), str(report.reach.people),
                  number(report.groups[-1].response_rate("came"), "{:.0f}%", "Not shown"),
                  number(report.everything.mean_index(ETHNIC_GROUP.key))]
                 for year, report in trend.years]
        story.append(_grid(rows) if trend.years else Text("No events counted in the last 5 years (an event counts once every event in its quarter has settled).", body))
    story += [Paragraph("Method", styles["Heading1"]),
              *[Text(text, body) for text in method_notes(progress.threshold,
                                                                       progress.minimum_respondents)]]
    document.build(story)
    return out.getvalue()


def _members_ethnic_groups(members) -> str:
    """A forum's members by ethnic group, in words, as the progress report's page writes them."""
    ethnic = next((table for table in members.tables if table.characteristic.key == ETHNIC_GROUP.key), None)
    if ethnic is None:
        return "Not broken down"
    if ethnic.withheld("members"):
        return "Withheld: too few members"
    if ethnic.nobody_answered("members"):
        return "Nobody answered"
    return "; ".join(f"{ethnic.label(row)}: {ethnic.shown(row, 'members')}" for row in ethnic.characteristic.codes)


def _survey_section(progress, styles) -> list:
    """The outcome surveys: per priority, then the year's shares agreeing beside the published figures."""
    body = styles["BodyText"]

    def share(value):
        return "Not shown" if value is None else f"{value * 100:.0f}%"

    story = [Paragraph("What people said after the events", styles["Heading1"]),
             Text(f"An event counts once its survey has closed with at least {progress.minimum_respondents} "
                  "answers.", body)]
    rows = [["Priority", "Events", "Answers", "Met someone", "Get on well", "Can influence"]]
    for priority in progress.survey_priorities:
        found = priority.results
        shown = found.questions if found.shown else None
        rows.append([Text(priority.name, body), str(found.events), str(found.answers),
                     share(shown[1].table.share("yes", "answered")) if shown else "Not shown",
                     share(shown[2].agreeing) if shown else "Not shown",
                     share(shown[3].agreeing) if shown else "Not shown"])
    story.append(_grid(rows, [58 * mm, 16 * mm, 18 * mm, 22 * mm, 22 * mm, 24 * mm]))
    for result in progress.surveys.questions:
        if not result.question.agreeing:
            continue
        story.append(Text(f"{result.question.text} Agree: {share(result.agreeing)} of those who answered.", body))
        for figure in result.published:
            story.append(Text(f"{figure.area}: {figure.percent:.0f}% ({figure.period}). Source: {figure.source}"
                              f"{' ' + figure.url if figure.url else ''}.", body))
    return story

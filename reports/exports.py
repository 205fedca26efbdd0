"""A report as a tidy CSV: one row per period, scope, group, characteristic
and category, with the figures exactly as the page shows them (perturbed,
then suppressed), then the head counts and reach. Open data is these rows."""
from core.spreadsheets import csv_file
from reports.services import COLUMN_LABELS, Report

HEADER = ["period", "scope", "people", "characteristic", "category", "count", "percent_of_all",
          "percent_of_those_answering", "population_percent", "representation_ratio", "baseline_source"]
def method_note(methodology_url: str) -> str:
    """One line on how the figures are made, with where to read it in full."""
    return (f"How these figures are made and protected: {methodology_url}. Counts of answers carry noise of up to 2 "
            "either way; totals are sums of the counts with their noise.")


def _number(value, places=1):
    return "" if value is None else f"{value:.{places}f}"


def report_rows(report: Report, period: str):
    def row(people, characteristic, category, count, percent=None):
        return [period, report.title, people, characteristic, category, count, _number(percent), "", "", "", ""]

    for group in report.groups:
        for column in group.columns:
            people = COLUMN_LABELS[column] if group.key == "events" else group.label
            yield row(people, "Head count", "People", group.people[column])
            rate = group.response_rate(column)
            yield row(people, "Head count", "Answered the equality questions",
                      "not shown" if rate is None else group.respondents[column], rate)
            if group.breakdowns_withheld:
                yield row(people, "Breakdowns", group.breakdowns_withheld, "")
            for table in group.tables:
                if table.withheld(column):
                    yield row(people, table.characteristic.label, "", "[c]")
                    continue
                for category in [*table.rows, "total"]:
                    population = table.population_share(category)
                    share = table.share_among_answered(category, column)
                    yield [period, report.title, people, table.characteristic.label, table.label(category),
                           table.shown(category, column), _number(table.percent(category, column)),
                           _number(None if share is None else 100 * share),
                           _number(None if population is None else 100 * population),
                           _number(table.ratio(category, column), 2),
                           table.baseline.source if table.baseline and population is not None else ""]
    if report.reach is not None:
        reach = report.reach
        for label, count in (("Different people who came", reach.people),
                             ("Came for the first time", reach.first_time), ("Had come before", reach.returning),
                             ("Walk-ins and extra people on a booking", reach.unnamed),
                             ("Times anyone came", reach.attendances)):
            yield row("Came", "Reach", label, count)
        per_person = reach.events_per_person()
        yield row("Came", "Reach", "Events each person came to, on average", _number(per_person))


def report_csv(report: Report, period: str, methodology_url: str) -> bytes:
    return csv_file(HEADER, [*report_rows(report, period),
                             [period, report.title, "", "Method", method_note(methodology_url), "", "", "", "", "", ""]])

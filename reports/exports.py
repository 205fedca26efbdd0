"""A report as a tidy CSV: one row per period, scope, group, characteristic
and category, with the figures exactly as the page shows them (suppressed)."""
from core.spreadsheets import csv_file
from reports.services import COLUMN_LABELS, Report

HEADER = ["period", "scope", "people", "characteristic", "category", "count", "percent_of_all",
          "percent_of_those_answering", "population_percent", "representation_ratio", "baseline_source"]


def _number(value, places=1):
    return "" if value is None else f"{value:.{places}f}"


def report_rows(report: Report, period: str):
    for group in report.groups:
        for column in group.columns:
            people = COLUMN_LABELS[column] if group.key == "events" else group.label
            for table in group.tables:
                if table.withheld(column):
                    yield [period, report.title, people, table.characteristic.label, "", "[c]", "", "", "", "",
                           ""]
                    continue
                for row in [*table.rows, "total"]:
                    population = table.population_share(row)
                    yield [period, report.title, people, table.characteristic.label, table.label(row),
                           table.shown(row, column), _number(table.percent(row, column)),
                           _number(None if table.share_among_answered(row, column) is None
                                   else 100 * table.share_among_answered(row, column)),
                           _number(None if population is None else 100 * population),
                           _number(table.ratio(row, column), 2),
                           table.baseline.source if table.baseline and population is not None else ""]


def report_csv(report: Report, period: str) -> bytes:
    return csv_file(HEADER, report_rows(report, period))

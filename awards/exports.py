"""A cycle's results record as CSV: one row per judged nomination."""
from core.spreadsheets import csv_file

HEADER = ["Category", "Nominee", "Judges' scores", "Raw score", "Normalised score", "Spread", "Standard deviation",
          "Rank", "Decision", "Panel's reasons"]


def results_record_csv(record) -> bytes:
    def number(value):
        return "" if value is None else f"{value:.2f}"

    return csv_file(HEADER, [
        [part.category.name, part.nominees[result.nomination_id], result.scores, number(result.raw),
         number(result.normalised), number(result.spread), number(result.deviation), result.rank or "",
         part.decided[result.nomination_id].outcome.label if result.nomination_id in part.decided else "",
         part.decided[result.nomination_id].rationale if result.nomination_id in part.decided else ""]
        for part in record for result in part.results])

"""Registrations and attendance as CSV, for organisers' spreadsheets."""
import csv
import io

from core.database import in_london

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _cell(value) -> str:
    """Text a spreadsheet will not run as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def registrations_csv(registrations, walk_ins, questions=()) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["Name", "Email", "Status", "Places", "Guest", "Registered", "Attended", "Access needs",
                     "Dietary needs", "Happy to be contacted", *(q.label for q in questions)])
    for r in registrations:
        answers = {answer.question_id: answer.value for answer in r.answers}
        writer.writerow([_cell(v) for v in (
            r.name, r.email, r.status.label, r.tickets, "yes" if r.is_guest else "no",
            in_london(r.created_at).strftime("%Y-%m-%d %H:%M"), "yes" if r.attendance else "no",
            r.access_needs, r.dietary_needs, "yes" if r.contact_consent else "no",
            *(answers.get(q.id, "") for q in questions))])
    for a in walk_ins:
        writer.writerow([_cell(v) for v in (
            a.walk_in_name, "", "Walk-in", a.people, "", "", "yes", "", "", "", *("" for _ in questions))])
    return ("\ufeff" + out.getvalue()).encode("utf-8")  # the BOM makes Excel read UTF-8

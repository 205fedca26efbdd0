"""Registrations and attendance as CSV, for organisers' spreadsheets."""
from core.database import in_london
from core.spreadsheets import csv_file


def registrations_csv(registrations, walk_ins, questions=()) -> bytes:
    header = ["Name", "Email", "Status", "Places", "Guest", "Registered", "Attended", "Access needs",
              "Dietary needs", "Happy to be contacted", *(q.label for q in questions)]
    rows = []
    for r in registrations:
        answers = {answer.question_id: answer.value for answer in r.answers}
        rows.append([r.name, r.email, r.status.label, r.tickets, "yes" if r.is_guest else "no",
                     in_london(r.created_at).strftime("%Y-%m-%d %H:%M"), "yes" if r.attendance else "no",
                     r.access_needs, r.dietary_needs, "yes" if r.contact_consent else "no",
                     *(answers.get(q.id, "") for q in questions)])
    for a in walk_ins:
        rows.append([a.walk_in_name, "", "Walk-in", a.people, "", "", "yes", "", "", "", *("" for _ in questions)])
    return csv_file(header, rows)

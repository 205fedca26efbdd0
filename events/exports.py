"""Registrations and attendance as CSV, for organisers' spreadsheets.
Whose details appear is the safeguarding gate's answer (core.accounts.safeguarding):
where it withholds them, each of those cells carries its note instead."""
from core.database import in_london
from core.accounts.safeguarding import Screen
from core.spreadsheets import csv_file
from events.models import AccessRequestKind


def registrations_csv(registrations, walk_ins, questions=(), *, screen: Screen, standing) -> bytes:
    """`standing(registration)`: what it amounts to now (events.services.registration.standing)."""
    header = ["Name", "Email", "Status", "Places", "Guest", "Registered", "Attended", "Access needs",
              *(str(kind.label) for kind in AccessRequestKind),
              "Dietary needs", "Happy to be contacted", *(q.label for q in questions)]
    rows = []
    for r in registrations:
        withheld = screen.note(r)
        answers = {answer.question_id: answer.value for answer in r.answers}
        if withheld:
            email = access_needs = dietary_needs = withheld
            answered = [withheld for _ in questions]
            asked = [withheld for _ in AccessRequestKind]
        else:
            email, access_needs, dietary_needs = r.email, r.access_needs, r.dietary_needs
            answered = [answers.get(q.id, "") for q in questions]
            asked = _access_request_cells(r)
        rows.append([r.name, email, standing(r).label, r.tickets, "yes" if r.is_guest else "no",
                     in_london(r.created_at).strftime("%Y-%m-%d %H:%M"), "yes" if r.attendance else "no",
                     access_needs, *asked, dietary_needs, "yes" if r.contact_consent else "no", *answered])
    for a in walk_ins:
        rows.append([a.walk_in_name, "", "Walk-in", a.people, "", "", "yes", "", *("" for _ in AccessRequestKind),
                     "", "", *("" for _ in questions)])
    return csv_file(header, rows)


def _access_request_cells(registration) -> list[str]:
    """A column a kind, so a spreadsheet counts them: "yes", or the languages
    for a spoken-language interpreter; empty when not asked for."""
    asked: dict = {}
    for request in registration.access_requests_in_order:
        asked.setdefault(request.kind, []).append(request.detail or "yes")
    return [", ".join(asked.get(kind, [])) for kind in AccessRequestKind]

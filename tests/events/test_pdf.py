"""The printable attendee list and name badges."""
import io

from pypdf import PdfReader

from core.extensions import db
from core.accounts.models import User
from events.models import RegistrationStatus
from tests.conftest import sign_in
from tests.events.factories import EventFactory, RegistrationFactory


def pdf_text(data: bytes) -> tuple[int, str]:
    reader = PdfReader(io.BytesIO(data))
    return len(reader.pages), "\n".join(page.extract_text() for page in reader.pages)


def test_attendee_list_and_badges_show_everyone_booked_and_nobody_else(app, client, make_user):
    organiser = make_user(roles=["organiser"])
    with app.app_context():
        event = EventFactory(title="Community Iftar", organisers=[db.session.get(User, organiser.id)], capacity=20)
        for n in range(9):
            RegistrationFactory(event=event, name=f"Guest {n:02d} <b>", access_needs="Hearing loop" if n == 0 else "")
        RegistrationFactory(event=event, name="Waiting Person", status=RegistrationStatus.WAITLISTED,
                            confirmed_at=None)
        event_id = event.id
    sign_in(client, organiser)
    attendees = client.get(f"/manage/events/{event_id}/attendees.pdf")
    assert attendees.mimetype == "application/pdf"
    _, text = pdf_text(attendees.data)
    assert "Community Iftar" in text and "9 bookings, 9 people" in text
    assert "Guest 00 <b>" in text and "Hearing loop" in text and "Waiting Person" not in text
    badges = client.get(f"/manage/events/{event_id}/badges.pdf")
    pages, text = pdf_text(badges.data)
    assert pages == 2  # eight badges to a page
    assert text.count("Community Iftar") == 9 and "Waiting Person" not in text

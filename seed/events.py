"""Demo events for `flask seed-demo`: venues, the standing conference with
its programme, community events (one full with a waiting list), a monthly
forum meeting series and past events with attendance: one settled, one that
ended last week and is not settled yet, and one an admin has reopened (see
events/settlement.py); a few events in Polish and Urdu too (VERSIONS).
Idempotent: an event is only added if its title is new."""
import io
from datetime import date, time, timedelta

from PIL import Image, ImageDraw
from sqlalchemy import select

from core.database import london_datetime
from core.extensions import db
from core.accounts.models import RoleGrant, SiteRole, User
from events import images, settlement
from events.services import messages as event_messages
from events.services.access_requests import AccessChoices
from events.services.invitations import invite
from events.services.programme import SessionDetails, join_session, programme, save_session
from events.services.registration import book_for, register
from events.services.scheduling import EventDetails, create_event, publish, series_occurrences, store_image
from events.services.translations import EventText, save_event_version
from events.services.venues import save_venue
from events.recurrence import Recurrence
from events.models import (
    AccessRequestKind, Attendance, Audience, CohesionPriority, Event, EventKind, EventStatus, MessageAudience,
    Registration, RegistrationStatus, Venue,
)

VENUES = [
    dict(name="Guildhall", address="St Giles Square\nNorthampton", postcode="NN1 1DE",
         directions="Five minutes' walk from the bus station. The accessible entrance is on St Giles Street.",
         step_free=True, hearing_loop=True, accessible_toilet=True, quiet_room=True, baby_changing=True,
         position=(52.23705, -0.89476)),
    dict(name="Weston Favell Community Centre", address="Billing Brook Road\nNorthampton", postcode="NN3 8DW",
         directions="Buses 1 and 15 stop outside. Free parking behind the centre.",
         step_free=True, accessible_toilet=True, parking=True, position=(52.25566, -0.84312)),
    dict(name="Kettering Library", address="Sheep Street\nKettering", postcode="NN16 0AY",
         directions="Opposite the Market Place. The meeting room is on the first floor; there is a lift.",
         step_free=True, hearing_loop=True, position=(52.39877, -0.72703)),
]


# Versions in other languages (core/content_languages.py), by the English title. The series's go to every date.
VERSIONS = {
    "Standing Conference 2027: Belonging Here": {
        "pl": EventText("Stała Konferencja 2027: Tu jest nasze miejsce",
                        "Doroczna konferencja partnerstwa: czego się nauczyliśmy i co robimy dalej."),
        "ur": EventText("اسٹینڈنگ کانفرنس 2027: ہم یہیں کے ہیں",
                        "شراکت داری کی سالانہ کانفرنس: ہم نے کیا سیکھا، اور آگے کیا کریں گے۔"),
    },
    "Big Lunch on the Green": {
        "pl": EventText("Wielki wspólny lunch na błoniach",
                        "Przynieś danie z rodzinnej kuchni i podziel się nim z sąsiadami.",
                        "Stoły, talerze i napoje zapewniamy my. **Ty przynosisz danie**, a najlepiej także jego "
                        "historię."),
        "ur": EventText("سبزہ زار پر بڑا لنچ",
                        "اپنے خاندان کے باورچی خانے سے کوئی پکوان لائیں اور اسے پڑوسیوں کے ساتھ بانٹیں۔"),
    },
    "Interfaith Forum monthly meeting": {
        "pl": EventText("Comiesięczne spotkanie forum międzywyznaniowego",
                        "Spotkanie forum międzywyznaniowego hrabstwa. Obserwatorzy są mile widziani."),
    },
}


def _on(days_from_today: int, start: time, hours: float):
    day = date.today() + timedelta(days=days_from_today)
    starts = london_datetime(day, start)
    return starts, starts + timedelta(hours=hours)


def _first_tuesday_after(day: date) -> date:
    day = day.replace(day=1) + timedelta(days=32)
    day = day.replace(day=1)
    return day + timedelta(days=(1 - day.weekday()) % 7)


def _big_lunch_picture() -> io.BytesIO:
    """A simple drawing for the demo: people around a long table on grass."""
    canvas = Image.new("RGB", (1200, 600), "#cfe8f3")
    draw = ImageDraw.Draw(canvas)
    draw.rectangle((0, 380, 1200, 600), fill="#6fb26b")
    draw.rectangle((150, 330, 1050, 360), fill="#8a5a2b")
    for n, colour in enumerate(["#d4351c", "#1d70b8", "#ffdd00", "#4c2c92", "#f47738", "#00703c", "#d53880"]):
        x = 200 + n * 125
        draw.ellipse((x, 200, x + 70, 270), fill="#8d5524" if n % 2 else "#f1c27d")
        draw.rectangle((x - 5, 270, x + 75, 340), fill=colour)
    out = io.BytesIO()
    canvas.save(out, format="PNG")
    out.seek(0)
    return out


def _asking(*kinds: str, languages: str = "") -> AccessChoices:
    """Access requests for demo bookings, so the organisers' counts have something to count."""
    return AccessChoices(frozenset(AccessRequestKind(kind) for kind in kinds), languages)


# What the demo bookings ask for (events.services.access_requests), in the order they are made.
BIG_LUNCH_ASKS = [_asking("bsl_interpreter"), _asking(), _asking("spoken_language_interpreter", languages="Polish"),
                  _asking("spoken_language_interpreter", "step_free", languages="Urdu"), _asking("hearing_loop")]
CONFERENCE_ASKS = [_asking("spoken_language_interpreter", languages="Urdu, Punjabi"),
                   _asking("large_print", "quiet_space"), _asking("bsl_interpreter", "companion"), _asking()]


def seed_demo_events(organiser: User, members: list[User]) -> None:
    """Run under write_lock(every_transaction=True): it books places."""
    venues = {}
    for fields in VENUES:
        venue = db.session.scalar(select(Venue).where(Venue.name == fields["name"]))
        venues[fields["name"]] = venue or save_venue(None, actor=organiser, **fields)
    priorities = {p.slug: p.id for p in db.session.scalars(select(CohesionPriority))}

    def event(title, summary, kind, when, venue=None, online=None, capacity=None, tags=(),
              audience=Audience.PUBLIC, **extra):
        if db.session.scalar(select(Event.id).where(Event.title == title)):
            return None
        starts, ends = when
        created = Event(title=title, summary=summary, kind=kind, starts_at=starts, ends_at=ends,
                        venue_id=venues[venue].id if venue else None, online_url=online, capacity=capacity,
                        audience=audience, contact_email="cohesion@example.org", status=EventStatus.PUBLISHED,
                        instant_guest_places=True, organisers=[organiser], created_by_id=organiser.id,
                        priorities=[db.session.get(CohesionPriority, priorities[t]) for t in tags if t in priorities],
                        **extra)
        db.session.add(created)
        db.session.flush()
        return created

    conference = event("Standing Conference 2027: Belonging Here",
          "The partnership's annual conference: what we have learned, and what we do next.",
          EventKind.STANDING_CONFERENCE, _on(60, time(9, 30), 7), venue="Guildhall", capacity=150,
          online="https://meet.example.org/standing-conference", max_tickets=1,
          tags=("leadership-and-engagement", "partnership-working", "good-information"),
          description="A day of talks and workshops for everyone who works for good relations in the county.\n\n"
                      "- Welcome from the partnership's chair\n- What the diversity reports tell us\n"
                      "- Workshops on young people, faith and shared spaces\n\nLunch is provided: tell us about "
                      "dietary needs when you register.")
    if conference is not None:
        start = conference.starts_at
        for title, offset, hours, room, speakers, capacity in [
            ("Welcome and the year in numbers", 0, 1, "Great Hall", "The partnership's chair", None),
            ("Workshop: young people leading change", 1.25, 1.25, "Room 1", "County Youth Forum", 30),
            ("Workshop: faith communities and shared spaces", 1.25, 1.25, "Room 2", "Faith Leadership Group", 30),
            ("Workshop: tackling hate together", 1.25, 1.25, "Room 3", "Hate Crime Partnership", 2),
            ("Lunch", 2.5, 1, "Great Hall", "", None),
            ("Panel: what the diversity reports tell us", 3.5, 1.25, "Great Hall", "Partnership analysts", None),
            ("Workshop: planning next year's events", 5, 1.5, "Room 1", "Event organisers", 40),
            ("Workshop: the cohesion awards", 5, 1.5, "Room 2", "Awards panel", 40),
        ]:
            save_session(conference, None, SessionDetails(
                title=title, starts_at=start + timedelta(hours=offset),
                ends_at=start + timedelta(hours=offset + hours), room=room, speakers=speakers,
                capacity=capacity), actor=organiser)
    title = "Interfaith Forum monthly meeting"
    if not db.session.scalar(select(Event.id).where(Event.title == title)):
        first_tuesday = _first_tuesday_after(date.today() + timedelta(days=7))
        starts = london_datetime(first_tuesday, time(18, 30))
        first = create_event(EventDetails(
            title=title, summary="The countywide interfaith forum meets. Observers are welcome.",
            kind=EventKind.FORUM_MEETING, starts_at=starts, ends_at=starts + timedelta(hours=2),
            contact_email="cohesion@example.org", venue_id=venues["Kettering Library"].id, capacity=40,
            instant_guest_places=True, priority_ids=[priorities[s] for s in ("inter-faith-work",) if s in priorities],
            recurrence=Recurrence("monthly_weekday", first_tuesday + timedelta(days=365))), actor=organiser)
        # The last three dates are drafts: publishing one asks which dates, as editing any date does.
        for occurrence in series_occurrences(first)[:-3]:
            publish(occurrence, actor=organiser)
    full = event("Big Lunch on the Green", "Bring a dish from your family's kitchen and share it with neighbours.",
                 EventKind.COMMUNITY_EVENT, _on(14, time(12, 0), 3), venue="Weston Favell Community Centre",
                 capacity=3, max_tickets=4, tags=("developing-shared-values",))
    event("Young Voices workshop", "Young people aged 11 to 25 plan what the youth forum does next.",
          EventKind.WORKSHOP, _on(21, time(16, 30), 2), venue="Weston Favell Community Centre", capacity=25,
          tags=("involving-young-people",))
    event("Tackling hate together: online briefing", "How to report hate incidents and support people affected.",
          EventKind.WORKSHOP, _on(9, time(19, 0), 1), online="https://meet.example.org/hate-briefing",
          tags=("tackling-inequalities", "preventing-problems-of-tomorrow"))
    breakfast = event("Faith leaders' breakfast with the Police and Crime Commissioner",
                      "Faith leaders and the Commissioner talk about keeping places of worship safe.",
                      EventKind.OTHER, _on(24, time(8, 0), 1.5), venue="Guildhall", capacity=30,
                      audience=Audience.INVITATION, reserved_places=4, tags=("inter-faith-work", "partnership-working"))
    # Past events: attendance settles 14 days (ATTENDANCE_SETTLES_AFTER_DAYS) after the end.
    past = event("Community Iftar", "An evening meal to break the fast, open to people of every faith and none.",
                 EventKind.COMMUNITY_EVENT, _on(-30, time(18, 0), 3), venue="Guildhall", capacity=80,
                 tags=("inter-faith-work",))
    settling = event("Litter pick and picnic in Abington Park",
                     "Neighbours clear the park together, then share a picnic.", EventKind.COMMUNITY_EVENT,
                     _on(-5, time(10, 0), 3), venue="Weston Favell Community Centre", capacity=40,
                     tags=("developing-shared-values",))
    reopened = event("Faith trail walk", "A guided walk between a church, a mosque, a gurdwara and a temple.",
                     EventKind.COMMUNITY_EVENT, _on(-40, time(10, 30), 4), venue="Guildhall", capacity=30,
                     tags=("inter-faith-work",))
    db.session.commit()

    if full is not None:
        full.image = store_image(images.prepare(_big_lunch_picture()))
        full.image_alt = "Drawing of neighbours sitting together around a long table on the green"
        asks = iter(BIG_LUNCH_ASKS)
        for n, member in enumerate(members):
            register(full, user=member, tickets=2 if n == 0 else 1, access=next(asks, AccessChoices()))
        for n in range(3):
            register(full, name=f"Neighbour {n + 1}", email=f"neighbour{n + 1}@example.org",
                     access=next(asks, AccessChoices()))
        _send_message(
            full, subject="Where to find us on the day", audiences=[MessageAudience.BOOKED, MessageAudience.WAITING],
            essential=True, body="We will be on the green behind the community centre, by the big oak tree.\n\n"
            "If it rains, we move into the main hall.", actor=organiser)
        db.session.commit()
    if conference is not None:
        # The small workshop is full, and the demo member waits for it in their other workshop.
        sessions = {session.title: session for session in programme(conference)}
        small = sessions["Workshop: tackling hate together"]
        asks = iter(CONFERENCE_ASKS)
        for n in range(2):
            speaker = register(conference, name=f"Delegate {n + 1}", email=f"delegate{n + 1}@example.org",
                               access=next(asks, AccessChoices()))
            join_session(speaker, small)
        for member in members:
            booking = register(conference, user=member, access=next(asks, AccessChoices()))
            join_session(booking, sessions["Workshop: young people leading change"])
            join_session(booking, small)
        db.session.commit()
    if breakfast is not None:
        invited = invite(breakfast, [("Imam Yusuf Ali", "imam.ali@example.org"),
                                     ("Rabbi Miriam Cohen", "rabbi.cohen@example.org"),
                                     ("Canon Grace Adeyemi", "canon.adeyemi@example.org")], actor=organiser)
        register(breakfast, name="Imam Yusuf Ali", email="imam.ali@example.org",
                 invitation=invited.invited[0])
        book_for(breakfast, name="Chief Inspector Sam Reid", email="sam.reid@example.org", tickets=1,
                 from_held_back=True, actor=organiser)
        db.session.commit()
    if past is not None:
        _history(past, "iftar", "Iftar guest", booked=12, came=9, walk_in=("Walk-in family", 4), organiser=organiser)
        # A message in its history: thanks to those who came (not essential: the event is over, so it goes
        # only to those who agreed to hear from the partnership, with an unsubscribe link).
        _send_message(
            past, subject="Thank you for coming", audiences=[MessageAudience.CAME], essential=False,
            body="Thank you for coming to the Community Iftar.\n\nThe recipes people shared are attached to the "
                 "event page, and a blue scarf left behind is with the organisers.", actor=organiser)
        db.session.commit()
    if settling is not None:
        _history(settling, "litter", "Litter picker", booked=15, came=11, walk_in=("Park volunteers", 3),
                 organiser=organiser)
        db.session.commit()
    for event_title, versions in VERSIONS.items():
        for each in db.session.scalars(select(Event).where(Event.title == event_title)):
            for language, text in versions.items():
                if not any(version.language == language for version in each.translations):
                    save_event_version(each, language, text, actor=organiser)
    db.session.commit()
    if reopened is not None:
        _history(reopened, "trail", "Walker", booked=10, came=7, walk_in=None, organiser=organiser)
        admin = db.session.scalar(select(User).join(RoleGrant, RoleGrant.user_id == User.id)
                                  .where(RoleGrant.role == SiteRole.ADMIN).order_by(User.id))
        if admin is not None:
            settlement.reopen_attendance(reopened, actor=admin, reason="The organiser's paper sign-in sheet shows "
                                         "two walkers who were not checked in on the day.")
        db.session.commit()


def _history(event: Event, key: str, name: str, *, booked: int, came: int, walk_in, organiser: User) -> None:
    """Registration has closed for a past event, so its bookings and check-ins are written directly."""
    for n in range(booked):
        registration = Registration(event=event, person_key=f"guest:{key}{n}@example.org", name=f"{name} {n + 1}",
                                    email=f"{key}{n}@example.org", status=RegistrationStatus.CONFIRMED,
                                    contact_consent=n % 3 != 2,  # most agreed to hear from the partnership
                                    confirmed_at=event.starts_at - timedelta(days=5),
                                    created_at=event.starts_at - timedelta(days=5))
        db.session.add(registration)
        if n < came:
            db.session.add(Attendance(event_id=event.id, registration=registration, checked_in_at=event.starts_at,
                                      checked_in_by_id=organiser.id))
    if walk_in:
        db.session.add(Attendance(event_id=event.id, walk_in_name=walk_in[0], people=walk_in[1],
                                  checked_in_at=event.starts_at + timedelta(minutes=20)))
    db.session.flush()


def _send_message(event, *, actor, **message):
    """Send as an organiser does: from a preview of the message (events.services.messages.new_draft)."""
    event_messages.send_message(event, **message, draft=event_messages.new_draft(event, **message), actor=actor)

"""Demo forums: the countywide Faith Community Leadership Group, a local
interfaith forum and the county youth forum, with members of several faiths
and young people under and over 16 (one still waiting for a parent); the
leadership group's last meeting with its register, minutes and actions, and
its monthly meetings; the youth forum's next meeting and announcements.
The leadership group has its own contact address; the others use the
partnership's. The leadership group and the Kettering forum say what they
are for in Polish too."""
from datetime import date, time, timedelta

from sqlalchemy import select, update

from core.database import london_datetime, utcnow
from core import imports
from core.extensions import db
from core.accounts.models import User
from core.accounts.services import create_user, find_user_by_email
from events.models import Attendance, Audience, Event, EventKind, EventStatus, Registration, RegistrationStatus, Venue
from forums import meetings
from forums.services import announcements, applying, consent, coordinators, memberships, safeguarding
from forums.models import (
    ActionItem, ActionStatus, Apology, Faith, Forum, ForumCoordinator, ForumKind, MeetingPapers, MembershipRole,
    MembershipSpell,
)
from forums.services.applying import Application
from forums.services.coordinators import ForumDetails
from forums.services.translations import ForumText, save_forum_version

FORUMS = [
    ForumDetails(name="Faith Community Leadership Group", kind=ForumKind.INTERFAITH, area="The whole county",
                 purpose="Leaders of the county's faith communities working together for good relations.",
                 public_text="We meet every other month, in a different place of worship each time.\n\n"
                             "Each faith community has up to two representatives.", faith_cap=2,
                 contact_email="faith.leaders@example.org"),
    ForumDetails(name="Kettering Interfaith Forum", kind=ForumKind.INTERFAITH, area="Kettering",
                 purpose="Neighbours of every faith and none getting to know each other."),
    ForumDetails(name="County Youth Forum", kind=ForumKind.YOUTH, area="The whole county", min_age=11, max_age=18,
                 purpose="Young people telling the partnership what matters to them.",
                 public_text="For anyone aged 11 to 18 who lives, works or studies in the county."),
]

REPRESENTATIVES = [
    ("rabbi.cohen@example.org", "Ruth Cohen", Faith.JEWISH, "Northampton Hebrew Congregation"),
    ("rev.okafor@example.org", "Grace Okafor", Faith.CHRISTIAN, "All Saints' Church"),
    ("pandit.sharma@example.org", "Vijay Sharma", Faith.HINDU, "Hindu Temple and Community Centre"),
    ("giani.singh@example.org", "Harjit Singh", Faith.SIKH, "Guru Nanak Gurdwara"),
]

POLISH = [  # in the order of FORUMS
    ForumText("Przywódcy wspólnot wyznaniowych hrabstwa współpracują na rzecz dobrych relacji.",
              "Spotykamy się co dwa miesiące, za każdym razem w innym miejscu kultu.\n\n"
              "Każda wspólnota wyznaniowa ma najwyżej dwóch przedstawicieli."),
    ForumText("Sąsiedzi wszystkich wyznań i niewierzący poznają się nawzajem."),
]

YOUNG_PEOPLE = [  # email, name, age, parent has consented
    ("priya@example.org", "Priya Patel", 17, True),
    ("jay@example.org", "Jay Brown", 14, False),
    ("ellie@example.org", "Ellie Green", 15, True),
]


def seed_demo_forums(admin: User, coordinator: User, member: User, *, password: str) -> None:
    if db.session.scalar(select(Forum.id).limit(1)) is not None:
        return
    today = date.today()
    forums = [coordinators.save_forum(None, details, actor=admin) for details in FORUMS]
    leadership, _, youth = forums
    for forum, text in zip(forums, POLISH):
        save_forum_version(forum, "pl", text, actor=admin)
    for forum in forums:
        db.session.add(ForumCoordinator(forum_id=forum.id, user_id=coordinator.id, granted_by_id=admin.id))
    safeguarding.record_safeguarding_check(coordinator, today - timedelta(days=200), actor=admin)

    def person(email, name):
        return find_user_by_email(email) or create_user(email=email, name=name, password=password, actor=admin)

    joined = applying.apply(leadership, member, Application(reason="To speak for the mosque's young families",
                                                            faith=Faith.MUSLIM, organisation="Central Mosque"))
    memberships.approve(joined, actor=coordinator, role=MembershipRole.FAITH_REPRESENTATIVE)
    for n, (email, name, faith, organisation) in enumerate(REPRESENTATIVES):
        membership = applying.apply(leadership, person(email, name), Application(
            reason="To represent my community", faith=faith, organisation=organisation, share_email=n % 2 == 0))
        memberships.approve(membership, actor=coordinator,
                            role=MembershipRole.CHAIR if n == 0 else MembershipRole.FAITH_REPRESENTATIVE)
    # An application left for the coordinator to decide.
    applying.apply(leadership, person("imam.rahman@example.org", "Yusuf Rahman"), Application(
        reason="To bring the Bangladeshi community's voice", faith=Faith.MUSLIM, organisation="Jalalia Mosque"))

    for email, name, age, consented in YOUNG_PEOPLE:
        born = today.replace(year=today.year - age) - timedelta(days=30)
        membership = applying.apply(youth, person(email, name), Application(
            reason="I want young people to be heard", date_of_birth=born, parent_name=f"Parent of {name}",
            parent_email=f"parent.{email}", photo_consent=consented))
        if consented:
            consent.give_consent(membership, photo_consent=True)
        memberships.approve(membership, actor=coordinator,
                            role=MembershipRole.YOUTH_REPRESENTATIVE if age == 17 else MembershipRole.MEMBER)
    # Reports count members as they were at the end of a quarter: these have been members for a year.
    db.session.execute(update(MembershipSpell).values(started_at=utcnow() - timedelta(days=365)))
    _seed_meetings(leadership, youth, coordinator)
    _seed_import(forums[1], coordinator)
    db.session.commit()


# A coordinator's spreadsheet of a forum's members, two rows with mistakes: one finished import in the
# coordinator's history, so its summary and refused rows can be seen (docs/samples/ has a 500-row one to try).
DEMO_IMPORT = """Full name,E-mail,Religion,Organisation,Joined
Zofia Wiśniewska,zofia.wisniewska@example.org,Catholic,Polish Catholic Mission,14/09/2022
Harpreet Kaur,harpreet.kaur@example.org,Sikh,Guru Nanak Gurdwara,03/03/2021
Abdi Farah,abdi.farah@example.org,Islam,Somali Community Association,2023-05-20
Ioana Popescu,ioana.popescu@example.org,Orthodox,Romanian Orthodox Parish,
Sanjay Mistry,sanjay.mistry@example,Hindu,Shree Krishna Mandir,
Claire Wright,claire.wright@example.org,Spiritual,,
"""


def _seed_import(forum: Forum, coordinator: User) -> None:
    kind = imports.kind_named("forum-members")
    started = imports.upload(kind, forum, "kettering-members.csv", DEMO_IMPORT.encode(), actor=coordinator)
    imports.match_columns(started, kind, dict(started.mapping), actor=coordinator)
    imports.start(started, kind, forum, email_people=False, actor=coordinator, back_url="")


LAST_MINUTES = """Present: see the register. The chair welcomed Yusuf Rahman as an observer.

- **Hate incidents:** the police reported fewer incidents at places of worship than last year. Members asked for
  the figures by town.
- **Shared meals:** the Iftar at the Guildhall brought 40 people of six faiths together; the Gurdwara offered to
  host a langar in the autumn.
- **Young people:** the youth forum will be invited to send two members to the next meeting."""


def _seed_meetings(leadership: Forum, youth: Forum, coordinator: User) -> None:
    # The events demo's monthly interfaith meetings are this group's public meetings.
    for meeting in db.session.scalars(select(Event).where(Event.title == "Interfaith Forum monthly meeting")):
        meeting.forum_id = leadership.id
    venue = db.session.scalar(select(Venue).order_by(Venue.id))
    last = _past_meeting(leadership, coordinator, venue, days_ago=35)
    db.session.add(MeetingPapers(event_id=last.id, agenda="1. Welcome\n2. Hate incidents\n3. Shared meals\n"
                                 "4. Young people", agenda_published_at=last.starts_at - timedelta(days=7),
                                 minutes=LAST_MINUTES, minutes_approved_at=last.ends_at + timedelta(days=3),
                                 minutes_approved_by_id=coordinator.id))
    people = {m.user.name: m.user for m in memberships.members(leadership)}
    for description, owner, due_in, status in [
        ("Send the hate incident figures by town to every member", "Ruth Cohen", -5, ActionStatus.DONE),
        ("Agree a date for the langar at Guru Nanak Gurdwara", "Harjit Singh", 10, ActionStatus.IN_PROGRESS),
        ("Invite two youth forum members to the next meeting", coordinator.name, 20, ActionStatus.OPEN),
    ]:
        owner_id = people[owner].id if owner in people else coordinator.id
        db.session.add(ActionItem(forum_id=leadership.id, event_id=last.id, description=description,
                                  owner_id=owner_id, due_on=date.today() + timedelta(days=due_in), status=status,
                                  completed_at=utcnow() if status == ActionStatus.DONE else None,
                                  created_by_id=coordinator.id, created_at=last.ends_at))
    announcements.announce(leadership, subject="Minutes of our last meeting",
                           body="The minutes are approved and on the meeting's page. Thank you to everyone who came.",
                           role=None, essential=False, actor=coordinator)
    starts = london_datetime(date.today() + timedelta(days=12), time(17, 0))
    meetings.schedule_meeting(youth, meetings.MeetingDetails(
        title="Youth Forum: planning the summer", starts_at=starts, ends_at=starts + timedelta(hours=1, minutes=30),
        venue_id=venue.id if venue else None, online_url=None if venue else "https://meet.example.org/youth",
        members_only=True, agenda="1. Ideas for the summer\n2. The youth awards category"), actor=coordinator)
    announcements.announce(youth, subject="Pizza at the next meeting",
                           body="Tell us about any food you cannot eat when you book your place.", role=None,
                           essential=False, actor=coordinator)


def _past_meeting(forum: Forum, coordinator: User, venue: Venue | None, *, days_ago: int) -> Event:
    """A meeting that has happened: written directly, as booking has closed."""
    starts = london_datetime(date.today() - timedelta(days=days_ago), time(18, 30))
    meeting = Event(title=f"{forum.name}: autumn meeting", summary=f"A meeting of {forum.name}",
                    kind=EventKind.FORUM_MEETING, audience=Audience.FORUM_MEMBERS, status=EventStatus.PUBLISHED,
                    starts_at=starts, ends_at=starts + timedelta(hours=2), venue_id=venue.id if venue else None,
                    online_url=None if venue else "https://meet.example.org/forum", allow_guests=False,
                    contact_email=forum.contact_address, forum_id=forum.id, organisers=[coordinator],
                    created_by_id=coordinator.id)
    db.session.add(meeting)
    db.session.flush()
    for n, membership in enumerate(memberships.members(forum)):
        if n == 1:  # one member could not come
            db.session.add(Apology(event_id=meeting.id, user_id=membership.user_id, note="Away at a family wedding",
                                   sent_at=starts - timedelta(days=2)))
            continue
        registration = Registration(event=meeting, user_id=membership.user_id, person_key=f"user:{membership.user_id}",
                                    name=membership.user.name, email=membership.user.email,
                                    status=RegistrationStatus.CONFIRMED, created_at=starts - timedelta(days=10),
                                    confirmed_at=starts - timedelta(days=10))
        db.session.add(registration)
        db.session.add(Attendance(event_id=meeting.id, registration=registration, checked_in_at=starts,
                                  checked_in_by_id=coordinator.id))
    db.session.flush()
    return meeting

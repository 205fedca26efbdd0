"""Demo forums: the countywide Faith Community Leadership Group, a local
interfaith forum and the county youth forum, with members of several faiths
and young people under and over 16 (one still waiting for a parent)."""
from datetime import date, timedelta

from sqlalchemy import select

from core.extensions import db
from core.models import User
from core.services import create_user, find_user_by_email
from forums import services
from forums.models import Faith, Forum, ForumCoordinator, ForumKind, MembershipRole
from forums.services import Application, ForumDetails

FORUMS = [
    ForumDetails(name="Faith Community Leadership Group", kind=ForumKind.INTERFAITH, area="The whole county",
                 purpose="Leaders of the county's faith communities working together for good relations.",
                 public_text="We meet every other month, in a different place of worship each time.\n\n"
                             "Each faith community has up to two representatives.", faith_cap=2),
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

YOUNG_PEOPLE = [  # email, name, age, parent has consented
    ("priya@example.org", "Priya Patel", 17, True),
    ("jay@example.org", "Jay Brown", 14, False),
    ("ellie@example.org", "Ellie Green", 15, True),
]


def seed_demo_forums(admin: User, coordinator: User, member: User, *, password: str) -> None:
    if db.session.scalar(select(Forum.id).limit(1)) is not None:
        return
    today = date.today()
    forums = [services.save_forum(None, details, actor=admin) for details in FORUMS]
    leadership, _, youth = forums
    for forum in forums:
        db.session.add(ForumCoordinator(forum_id=forum.id, user_id=coordinator.id, granted_by_id=admin.id))
    services.record_safeguarding_check(coordinator, today - timedelta(days=200), actor=admin)

    def person(email, name):
        return find_user_by_email(email) or create_user(email=email, name=name, password=password, actor=admin)

    joined = services.apply(leadership, member, Application(reason="To speak for the mosque's young families",
                                                            faith=Faith.MUSLIM, organisation="Central Mosque"))
    services.approve(joined, actor=coordinator, role=MembershipRole.FAITH_REPRESENTATIVE)
    for n, (email, name, faith, organisation) in enumerate(REPRESENTATIVES):
        membership = services.apply(leadership, person(email, name), Application(
            reason="To represent my community", faith=faith, organisation=organisation, share_email=n % 2 == 0))
        services.approve(membership, actor=coordinator,
                         role=MembershipRole.CHAIR if n == 0 else MembershipRole.FAITH_REPRESENTATIVE)
    # An application left for the coordinator to decide.
    services.apply(leadership, person("imam.rahman@example.org", "Yusuf Rahman"), Application(
        reason="To bring the Bangladeshi community's voice", faith=Faith.MUSLIM, organisation="Jalalia Mosque"))

    for email, name, age, consented in YOUNG_PEOPLE:
        born = today.replace(year=today.year - age) - timedelta(days=30)
        membership = services.apply(youth, person(email, name), Application(
            reason="I want young people to be heard", date_of_birth=born, parent_name=f"Parent of {name}",
            parent_email=f"parent.{email}", photo_consent=consented))
        if consented:
            services.give_consent(membership, photo_consent=True)
        services.approve(membership, actor=coordinator,
                         role=MembershipRole.YOUTH_REPRESENTATIVE if age == 17 else MembershipRole.MEMBER)
    db.session.commit()

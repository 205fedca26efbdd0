"""Demo partner organisations: the county's faith groups, a school, a youth
club, a refugee charity, the council, the police and the CVS, with contacts;
co-hosting some demo events, represented on the leaders' forum and linked
from a nomination. Partners come before the forums (members who name one
exactly are linked as they apply); the links after everything (idempotent:
each is made once). The organiser has one finished contacts import, with a
row skipped and two refused, to look at."""
from sqlalchemy import select

from awards import partners as award_links
from awards.models import Nomination
from core import imports
from core.extensions import db
from core.models import SpreadsheetImport
from core.accounts.models import User
from core.partners.imports import KIND as CONTACTS_IMPORT, PARTNERSHIP
from core.partners.models import PartnerKind
from core.partners.services import ContactDetails, PartnerDetails, add_contact, create_partner, find_partner_by_name
from events.models import Event
from events.services.co_hosts import add_co_host
from forums.models import Membership
from forums.services import partners as forum_links

FAITH, SCHOOL, VOLUNTARY, PUBLIC = (PartnerKind.FAITH_GROUP, PartnerKind.SCHOOL, PartnerKind.VOLUNTARY_GROUP,
                                    PartnerKind.PUBLIC_BODY)
PARTNERS = [  # name, kind, area, website, contacts: (name, role, email, phone, may contact)
    ("Central Mosque", FAITH, "Northampton", "https://centralmosque.example.org",
     [("Imam Yusuf Ali", "Imam", "imam.ali@example.org", "01604 000101", True)]),
    ("Guru Nanak Gurdwara", FAITH, "Northampton", "", [("Harjit Singh", "Secretary", "", "01604 000102", True)]),
    ("All Saints' Church", FAITH, "Northampton", "https://allsaints.example.org",
     [("Canon Grace Adeyemi", "Vicar", "canon.adeyemi@example.org", "", True)]),
    ("Northampton Hebrew Congregation", FAITH, "Northampton", "",
     [("Rabbi Miriam Cohen", "Rabbi", "rabbi.cohen@example.org", "", True)]),
    ("Hindu Temple and Community Centre", FAITH, "Northampton", "", []),
    ("Brookfield Academy", SCHOOL, "Corby", "", [("Dan Hughes", "Head of sixth form", "d.hughes@example.org", "", True)]),
    ("Wellingborough Youth Club", VOLUNTARY, "Wellingborough", "",
     [("Kezia Morgan", "Youth worker", "kezia@example.org", "07700 900123", False)]),
    ("Kettering Faiths Together", VOLUNTARY, "Kettering", "",
     [("Ruth Evans", "Chair", "ruth.evans@example.org", "", True)]),
    ("Refugee Welcome Northamptonshire", VOLUNTARY, "Countywide", "https://refugeewelcome.example.org",
     [("Samir Haddad", "Project manager", "samir@example.org", "", True)]),
    ("Northamptonshire County Council", PUBLIC, "Countywide", "",
     [("Lena Park", "Community cohesion officer", "lena.park@example.org", "01604 000200", True)]),
    ("Northamptonshire Police", PUBLIC, "Countywide", "",
     [("Chief Inspector Sam Reid", "Neighbourhood policing", "sam.reid@example.org", "", True)]),
    ("Northamptonshire CVS", VOLUNTARY, "Countywide", "", []),
]
CO_HOSTS = {  # event title: partners
    "Community Iftar": ["Central Mosque", "Refugee Welcome Northamptonshire"],
    "Faith trail walk": ["All Saints' Church", "Guru Nanak Gurdwara", "Central Mosque"],
    "Faith leaders' breakfast with the Police and Crime Commissioner": ["Northamptonshire Police"],
    "Young Voices workshop": ["Wellingborough Youth Club", "Brookfield Academy"],
    "Litter pick and picnic in Abington Park": ["Northamptonshire County Council"],
}
# The organiser's contacts spreadsheet: a listed partner's new contact, one listed already (skipped), two new
# organisations, and two mistakes (docs/samples/contacts.csv has 59 rows to try).
DEMO_CONTACTS = """Organisation,Type,Area,Contact name,Role,Email,Phone,May we contact
central mosque,,,Fatima Begum,Women's group lead,fatima.begum@example.org,,Yes
Central Mosque,,,Imam Yusuf Ali,Imam,imam.ali@example.org,,Yes
Corby Food Bank,Charity,Corby,Ann Lee,Manager,ann.lee@example.org,01632 960020,Yes
Shree Krishna Mandir,Temple,Wellingborough,Anil Patel,President,anil.patel@example,,Yes
Oundle Community Cinema,Cinema,Oundle,Ella Brooks,Volunteer,ella.brooks@example.org,,maybe
Daventry Town Council,Council,Daventry,Mark Lyons,Town clerk,clerk@example.org,01632 960041,No
"""
NOMINATED_GROUPS = {"Kettering Faiths Together": "Kettering Faiths Together"}  # nominee: partner


def seed_demo_partners(organiser: User) -> None:
    for name, kind, area, website, contacts in PARTNERS:
        if find_partner_by_name(name) is not None:
            continue
        partner = create_partner(PartnerDetails(name=name, kind=kind, area=area, website=website), actor=organiser)
        for contact_name, role, email, phone, may_contact in contacts:
            add_contact(partner, ContactDetails(name=contact_name, role=role, email=email, phone=phone,
                                                may_contact=may_contact), actor=organiser)
    if db.session.scalar(select(SpreadsheetImport.id).where(SpreadsheetImport.kind == CONTACTS_IMPORT)) is None:
        kind = imports.kind_named(CONTACTS_IMPORT)
        started = imports.upload(kind, PARTNERSHIP, "partnership-contacts.csv", DEMO_CONTACTS.encode(),
                                 actor=organiser)
        imports.match_columns(started, kind, dict(started.mapping), actor=organiser)
        imports.start(started, kind, PARTNERSHIP, email_people=False, actor=organiser, back_url="")
    db.session.commit()


def link_demo_partners(organiser: User, coordinator: User, awards_admin: User) -> None:
    """Run under write_lock(every_transaction=True): linking locks the partner."""
    for title, names in CO_HOSTS.items():
        for event in db.session.scalars(select(Event).where(Event.title == title)):
            for name in names:
                partner = find_partner_by_name(name)
                if partner is not None and partner not in event.co_hosts:
                    add_co_host(event, partner, actor=organiser)
    for membership in db.session.scalars(select(Membership).where(Membership.partner_id.is_(None),
                                                                  Membership.organisation != "")):
        partner = forum_links.partner_named(membership.organisation)
        if partner is not None:
            forum_links.link_partner(membership, partner, actor=coordinator)
    for nominee, name in NOMINATED_GROUPS.items():
        for nomination in db.session.scalars(select(Nomination).where(Nomination.nominee_name == nominee,
                                                                      Nomination.partner_id.is_(None))):
            award_links.link_partner(nomination, find_partner_by_name(name), actor=awards_admin)
    db.session.commit()

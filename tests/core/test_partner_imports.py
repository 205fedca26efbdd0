"""Importing the partnership's contacts list (core/partners/imports.py through
core.imports): each problem shown by row and column, organisations matched
to existing partners or created with their kind, contacts skipped when
already there or twice in the file, and all in one transaction."""
import pytest
from sqlalchemy import func, select

from core import imports
from core.database import write_lock
from core.extensions import db
from core.models import AuditEntry, ImportStatus, OutboxMessage, SpreadsheetImport
from core.partners import services
from core.partners.imports import KIND, PARTNERSHIP, kind_named
from core.partners.models import PartnerContact, PartnerKind, PartnerOrganisation
from core.partners.services import ContactDetails, PartnerDetails
from tests.factories import UserFactory

HEADER = "Organisation,Type,Area,Website,Contact name,Role,Email,Phone,May we contact\n"


@pytest.fixture
def ctx(app):
    with app.test_request_context(), write_lock(every_transaction=True):
        yield UserFactory(roles=["organiser"])


def kind():
    return imports.kind_named(KIND)


def uploaded(actor, body: str):
    started = imports.upload(kind(), PARTNERSHIP, "contacts.csv", body.encode(), actor=actor)
    imports.match_columns(started, kind(), dict(started.mapping), actor=actor)
    return started


def problems_by_row(started):
    return {check.number: [(p.column, p.message) for p in check.problems]
            for check in imports.checks_of(started, kind(), PARTNERSHIP) if check.problems}


def run(actor, body: str):
    started = uploaded(actor, body)
    imports.start(started, kind(), PARTNERSHIP, email_people=False, actor=actor, back_url="/")
    return started


@pytest.mark.parametrize("text, expected", [
    ("Faith group", PartnerKind.FAITH_GROUP), ("MOSQUE", PartnerKind.FAITH_GROUP),
    ("Parish church", PartnerKind.FAITH_GROUP), ("Gurdwara", PartnerKind.FAITH_GROUP),
    ("Charity", PartnerKind.VOLUNTARY_GROUP), ("Voluntary or community group", PartnerKind.VOLUNTARY_GROUP),
    ("Borough Council", PartnerKind.PUBLIC_BODY), ("school or college", PartnerKind.SCHOOL),
    ("Academy", PartnerKind.SCHOOL), ("business", PartnerKind.BUSINESS), ("Other", PartnerKind.OTHER),
    ("Spaceship", None), ("Church school", None),
])
def test_kinds_are_matched_from_their_labels_and_the_words_people_use(text, expected):
    assert kind_named(text) == expected


def test_headings_people_use_are_matched_to_the_columns(ctx):
    started = imports.upload(kind(), PARTNERSHIP, "c.csv", (HEADER + "A,Charity,,,,,,,\n").encode(), actor=ctx)
    assert started.mapping == {"organisation": 0, "kind": 1, "area": 2, "website": 3, "name": 4, "role": 5,
                               "email": 6, "phone": 7, "may_contact": 8}


def test_each_problem_is_listed_by_row_and_column(ctx):
    body = HEADER + (
        "Corby Food Bank,Charity,Corby,corbyfoodbank.org.uk,Ann Lee,Manager,ann@example.org,01536 400400,yes\n"  # 2
        ",Charity,,,Bo Orphan,,bo@example.org,,\n"                                      # 3 no organisation
        "Kettering Sangat,Spaceship,,,Raj Singh,,raj@example.org,,\n"                   # 4 unknown kind, new org
        "Oundle Scouts,,,,Sam Hill,,sam@example.org,,\n"                                # 5 no kind, new org
        "Wellingborough Youth,Charity,,,Kim Ray,,not-an-email,,\n"                      # 6 bad email
        f"{'Long' * 40},Charity,,,,,,,\n"                                               # 7 overlong organisation
        "Daventry Tenants,Charity,,,Al\x01ex,,alex@example.org,,\n"                     # 8 control character
        "Towcester Club,Charity,,,Jo Ng,,jo@example.org,,perhaps\n"                     # 9 neither yes nor no
        "Brackley Hub,Charity,,,No Way,,,,\n"                                           # 10 no email or phone
        "Brackley Hub,Charity,,,,Chair,chair@example.org,,\n"                           # 11 contact with no name
        "Rushden Lions,Charity,,not a website,Pat Oak,,pat@example.org,call me,\n"      # 12 website and phone
        "Corby Food Bank,,,,Ann Lee,,ANN@example.org,,\n"                               # 13 same as row 2
    )
    found = problems_by_row(uploaded(ctx, body))
    assert found[3] == [("organisation", "Enter the organisation's name")]
    assert found[4] == [("kind", "Unknown kind “Spaceship”: use one of Faith group, School or college, "
                                 "Voluntary or community group, Public body, Business, Other")]
    assert found[5] == [("kind", "Enter the kind of organisation: it is not a partner yet")]
    assert found[6] == [("email", "Not an email address in the right form, like name@example.com")]
    assert found[7] == [("organisation", "The organisation must be 150 characters or fewer")]
    assert found[8] == [("name", "Contact name has invisible control characters: retype it")]
    assert found[9] == [("may_contact", "Write yes or no, or leave it empty for no")]
    assert found[10] == [("email", "Enter an email address or a phone number, so the contact can be reached")]
    assert found[11][0][0] == "name"
    assert [column for column, _ in found[12]] == ["website", "phone"]
    assert found[13] == [("", "Same organisation and email address as row 2: only the first is imported")]
    assert 2 not in found


def test_a_new_organisation_that_looks_like_a_listed_one_is_a_problem_not_a_second_partner(ctx):
    """Found walking: "All Saints Church" was added beside "All Saints' Church", and
    "Northampton Central Mosque" beside "Central Mosque", with the same website."""
    services.create_partner(PartnerDetails(name="All Saints' Church", kind=PartnerKind.FAITH_GROUP, area="Kettering"),
                            actor=ctx)
    services.create_partner(PartnerDetails(name="Central Mosque", kind=PartnerKind.FAITH_GROUP, area="Northampton",
                                           website="https://centralmosque.example.org"), actor=ctx)
    services.create_partner(PartnerDetails(name="St Peter's Church", kind=PartnerKind.FAITH_GROUP, area="Corby",
                                           website="https://stpeters.example.org"), actor=ctx)
    body = HEADER + (
        "All Saints Church,Church,,,Ann Lee,,ann@example.org,,\n"                                     # 2
        "Northampton Central Mosque,Mosque,,www.centralmosque.example.org,Yusuf Ali,,yusuf@example.org,,\n"  # 3
        "All Saints' Church,,,,Bo Orr,,bo@example.org,,\n"                                              # 4 as listed
        "St Saviour's Church,Church,,,Cy Day,,cy@example.org,,\n"                                      # 5 new
        "St Peters Church,Church,,,Di Eve,,di@example.org,,\n"                                         # 6 (re-check)
        "Corby Hall,Church,,https://stpeters.example.org./,Ed Fox,,ed@example.org,,\n"                 # 7 (re-check)
    )
    found = problems_by_row(uploaded(ctx, body))
    assert [number for number in found] == [2, 3, 6, 7]
    assert found[6][0][1].startswith("Looks like St Peter's Church, already a partner (the same name but for")
    assert found[7][0][1].startswith("Looks like St Peter's Church, already a partner with the same website")
    del found[6], found[7]
    assert found == {
        2: [("organisation", "Looks like All Saints' Church, already a partner (the same name but for punctuation): "
                             "write its name as it is listed to add the contact there, or tell them apart by name")],
        3: [("organisation", "Looks like Central Mosque, already a partner with the same website: write its name as "
                             "it is listed to add the contact there, or tell them apart by name")]}


def test_organisations_are_found_by_name_or_created_and_contacts_added(ctx):
    listed = services.create_partner(PartnerDetails(name="Central Mosque", kind=PartnerKind.FAITH_GROUP,
                                                    area="Northampton"), actor=ctx)
    body = HEADER + (
        "  central   MOSQUE ,Charity,Kettering,,Yusuf Ali,Imam,Yusuf@Example.org,,Yes\n"
        "Corby Food Bank,Charity,Corby,www.corbyfoodbank.org.uk,Ann Lee,Manager,,01536 400400,no\n"
        "Corby Food Bank,,,,Bill Fry,Volunteer,bill@example.org,+44 7700 900123,\n"
        "Nene Valley Business Club,Business,,,,,,,\n"
    )
    started = run(ctx, body)
    assert (started.status, started.imported, started.skipped, started.refused) == (ImportStatus.DONE, 4, 0, 0)
    partners = {p.name: p for p in db.session.scalars(select(PartnerOrganisation))}
    assert set(partners) == {"Central Mosque", "Corby Food Bank", "Nene Valley Business Club"}
    # The partner already listed keeps its kind and area: only its contact is added.
    assert (listed.kind, listed.area) == (PartnerKind.FAITH_GROUP, "Northampton")
    [yusuf] = listed.contacts
    assert (yusuf.email, yusuf.role, yusuf.may_contact, yusuf.consent_recorded_at is not None) == \
        ("yusuf@example.org", "Imam", True, True)
    food_bank = partners["Corby Food Bank"]
    assert (food_bank.kind, food_bank.website) == (PartnerKind.VOLUNTARY_GROUP, "https://www.corbyfoodbank.org.uk")
    assert [(c.name, c.phone, c.may_contact) for c in food_bank.contacts] == [("Ann Lee", "01536 400400", False),
                                                                               ("Bill Fry", "+44 7700 900123", False)]
    assert partners["Nene Valley Business Club"].contacts == []
    assert db.session.scalar(select(func.count(OutboxMessage.id))) == 0
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "partners.imported"))
    assert entry.details == {"partners_created": 2, "contacts_added": 3}


def test_contacts_already_listed_are_skipped_with_the_reason(ctx):
    partner = services.create_partner(PartnerDetails(name="St Mary's Church", kind=PartnerKind.FAITH_GROUP),
                                      actor=ctx)
    services.add_contact(partner, ContactDetails(name="Revd Jane Hart", email="jane@example.org"), actor=ctx)
    services.add_contact(partner, ContactDetails(name="Tom Bell", phone="01604 111222"), actor=ctx)
    body = HEADER + (
        "St Mary's Church,,,,Jane Hart,,JANE@example.org,,\n"       # same email, her name spelt otherwise
        "st mary's  church,,,,tom  bell,,tom@example.org,,\n"       # same name
        "ST MARY'S CHURCH,,,,,,,,\n"                                # the organisation alone, listed already
        "St Mary's Church,,,,New Warden,,warden@example.org,,\n"    # new
    )
    reasons = [check.skipped for check in imports.checks_of(uploaded(ctx, body), kind(), PARTNERSHIP)]
    assert reasons == ["Already a contact at St Mary's Church with this email address (Revd Jane Hart)",
                       "Already a contact at St Mary's Church with this name",
                       "St Mary's Church is already a partner, and the row names no contact to add", ""]
    finished = run(ctx, body)
    assert (finished.imported, finished.skipped, finished.refused) == (1, 3, 0)
    assert "with this email address (Revd Jane Hart)" in finished.refused_file.decode("utf-8-sig")
    assert db.session.scalar(select(func.count(PartnerContact.id))) == 3


def test_a_failure_while_importing_leaves_nothing_half_imported(ctx, monkeypatch):
    started = uploaded(ctx, HEADER + "Corby Food Bank,Charity,,,Ann Lee,,ann@example.org,,\n"
                                     "Oundle School,School,,,Sam Hill,,sam@example.org,,\n")
    db.session.commit()
    real_apply = kind().apply

    def apply_then_fail(*args, **kwargs):
        real_apply(*args, **kwargs)
        raise RuntimeError("the disk filled")
    monkeypatch.setattr(imports, "kind_named", lambda name: imports.Kind(**{**kind().__dict__,
                                                                            "apply": apply_then_fail}))
    with pytest.raises(RuntimeError):
        imports.start(started, imports.kind_named(KIND), PARTNERSHIP, email_people=False, actor=ctx, back_url="/")
    db.session.rollback()
    assert db.session.scalar(select(func.count(PartnerOrganisation.id))) == 0
    assert db.session.get(SpreadsheetImport, started.id).status == ImportStatus.MAPPED


def test_the_sample_file_carries_the_mistakes_the_user_guide_describes(ctx):
    from pathlib import Path
    sample = Path(__file__).resolve().parents[2] / "docs" / "samples" / "contacts.csv"
    started = imports.upload(kind(), PARTNERSHIP, sample.name, sample.read_bytes(), actor=ctx)
    assert started.rows_total >= 55 and len(started.mapping) == 9
    imports.match_columns(started, kind(), dict(started.mapping), actor=ctx)
    checks = imports.checks_of(started, kind(), PARTNERSHIP)
    said = " ".join(problem.message for check in checks for problem in check.problems)
    for mistake in ("Not an email address", "Unknown kind", "Same organisation and", "Enter the organisation's name",
                    "Write yes or no", "Not a website address"):
        assert mistake in said
    assert imports.counts_of(checks).will_import >= 45

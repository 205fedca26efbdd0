"""Finding likely duplicate people and merging two records of one person
(core/people): each reason, no false pairs, the proven-address rule, each
domain's records moving, conflicts, capacity, equality separation, the audit
entry and a second merge of the same pair."""
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from core.accounts.models import ProvenAddress, RoleGrant, SiteRole, User
from core.database import utcnow, write_lock
from core.equality import services as equality
from core.equality.models import EqualityLink, EqualityResponse
from core.extensions import db
from core.models import AuditEntry, ImportMapping, SpreadsheetImport
from core.people import queries, services
from events.services.registration import claim_guest_registrations
from events.models import Attendance, Registration, RegistrationStatus
from events.services.places import places_held
from forums.models import Membership, MembershipStatus
from awards.models import Nomination, NominationStatus, NomineeKind
from tests.awards.factories import CategoryFactory
from tests.events.factories import EventFactory, RegistrationFactory
from tests.factories import UserFactory
from tests.forums.factories import ForumFactory, MembershipFactory


@pytest.fixture
def ctx(app):
    with app.test_request_context(), write_lock(every_transaction=True):
        yield app


def pairs():
    return {(first, second, reason) for first, second, reason in db.session.execute(queries.candidate_pairs())}


def guest(email, event=None, **fields):
    return RegistrationFactory(event=event or EventFactory(), email=email, person_key=f"guest:{email}", **fields)


def merge(merged_key, kept_key, actor=None):
    counts = services.merge(services.person(merged_key), services.person(kept_key), actor=actor)
    db.session.commit()
    return counts


def test_guests_whose_addresses_differ_only_in_case_or_spaces_are_a_pair(ctx):
    guest("sam@example.org")
    guest("Sam@Example.org ")
    guest("someone.else@example.org")
    assert pairs() == {("guest:sam@example.org", "guest:Sam@Example.org ", "address_written_differently")}


def test_a_guest_under_an_address_an_account_proved_is_a_pair_and_one_it_only_typed_is_not(ctx):
    proven = UserFactory(email="ann@example.org")
    UserFactory(email="bob@example.org", email_confirmed_at=None)
    guest("Ann@example.org")
    guest("bob@example.org")
    assert pairs() == {(f"user:{proven.id}", "guest:Ann@example.org", "guest_under_proven_address")}


def test_a_guest_booking_the_account_claimed_when_it_proved_the_address_is_not_offered_as_a_pair(ctx):
    guest("cara@example.org")
    cara = UserFactory(email="cara@example.org", email_confirmed_at=None)
    db.session.flush()
    assert pairs() == set()
    cara.email_confirmed_at = utcnow()
    claim_guest_registrations(cara)
    assert db.session.scalar(select(Registration.user_id)) == cara.id
    assert pairs() == set()  # its key stays guest:, but there is nothing left to merge
    guest("cara@example.org")  # a later guest booking under the same address, not claimed, is still offered
    assert pairs() == {(f"user:{cara.id}", "guest:cara@example.org", "guest_under_proven_address")}


def test_a_guest_under_an_address_the_account_has_moved_off_is_not_offered_nor_merged_into_it(ctx):
    """Found by an attack: someone who moved off an address was offered, and
    given by a merge, the bookings and equality answers its new owner made as a guest."""
    former = UserFactory(email="member2.new@example.org")
    db.session.add(ProvenAddress(user_id=former.id, email="member2@example.org"))
    guest("member2@example.org")
    equality.give_consent("guest:member2@example.org")
    db.session.flush()
    assert pairs() == set()
    with pytest.raises(services.CannotMerge, match="uses another address now"):
        merge("guest:member2@example.org", f"user:{former.id}")
    assert db.session.scalar(select(Registration.person_key)) == "guest:member2@example.org"


def test_accounts_sharing_a_proven_address_or_differing_by_a_plus_tag_are_pairs_but_dots_and_names_alone_are_not(ctx):
    first, second = UserFactory(email="old@example.org"), UserFactory(email="new@example.org")
    db.session.add(ProvenAddress(user_id=second.id, email="old@example.org"))
    tagged, plain = UserFactory(name="Jo Bloggs", email="jo+events@example.org"), UserFactory(
        name="jo bloggs ", email="jo@example.org")
    UserFactory(name="Jo Bloggs", email="j.o@example.org")  # dots: another person at most providers
    UserFactory(name="Pat Smith", email="pat+x@example.org")
    UserFactory(name="Someone Else", email="pat@example.org")  # a +tag, but another name
    db.session.commit()
    assert pairs() == {(f"user:{first.id}", f"user:{second.id}", "same_proven_address"),
                       (f"user:{tagged.id}", f"user:{plain.id}", "same_name_plus_tag")}


def test_equality_answers_are_never_used_to_find_people(ctx):
    """Two accounts with the same name and the same postcode district in
    their equality answers are not a pair: monitoring data never matches people."""
    for email in ("a@example.org", "b@example.org"):
        user = UserFactory(name="Sam Khan", email=email)
        equality.give_consent(equality.person_key(user), user=user)
        equality.save_answers(equality.person_key(user), {"postcode_district": "NN1"})
    db.session.commit()
    assert pairs() == set()


def test_a_guest_is_merged_into_the_account_that_proved_the_address(ctx):
    admin = UserFactory(roles=["admin"])
    account = UserFactory(email="ann@example.org")
    registration = guest("Ann@Example.org")
    category = CategoryFactory()
    db.session.add(Nomination(category=category, status=NominationStatus.SUBMITTED, nominator_name="Ann",
                              nominator_email="Ann@Example.org", relationship_to_nominee="Neighbour",
                              nominee_name="Bea", nominee_kind=NomineeKind.INDIVIDUAL, nominee_area="Northampton"))
    db.session.commit()
    counts = merge("guest:Ann@Example.org", f"user:{account.id}", actor=admin)
    moved = db.session.get(Registration, registration.id)
    assert (moved.person_key, moved.user_id, moved.email) == (f"user:{account.id}", account.id, "ann@example.org")
    assert db.session.scalar(select(Nomination.nominator_id)) == account.id
    assert counts["registrations"] == 1 and counts["nominations"] == 1
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "person.merged"))
    assert entry.actor_id == admin.id and entry.object_id == str(account.id)
    assert entry.details == {"kept": f"user:{account.id}", "merged": "guest:Ann@Example.org",
                             "moved": {"registrations": 1, "nominations": 1}}


def test_a_guest_is_not_merged_into_an_account_that_has_not_proven_the_address(ctx):
    account = UserFactory(email="ann@example.org", email_confirmed_at=None)
    guest("ann@example.org")
    with pytest.raises(services.CannotMerge, match="has not proven it owns ann@example.org"):
        services.merge(services.person("guest:ann@example.org"), services.person(f"user:{account.id}"), actor=None)
    with pytest.raises(services.CannotMerge, match="cannot be merged into guest records"):
        services.check(services.person(f"user:{account.id}"), services.person("guest:ann@example.org"))


def test_merging_accounts_moves_everything_and_deletes_the_merged_account(ctx):
    kept, merged = UserFactory(email="kept@example.org"), UserFactory(email="merged@example.org",
                                                                       roles=["organiser"])
    forum, other_forum = ForumFactory(), ForumFactory()
    MembershipFactory(forum=forum, user=kept, status=MembershipStatus.APPLIED)
    MembershipFactory(forum=forum, user=merged, status=MembershipStatus.ACTIVE)
    MembershipFactory(forum=other_forum, user=merged, status=MembershipStatus.ACTIVE)
    RegistrationFactory(user=merged, email=merged.email)
    merge(f"user:{merged.id}", f"user:{kept.id}")
    assert db.session.get(User, merged.id) is None
    kept = db.session.get(User, kept.id)
    assert kept.has_role(SiteRole.ORGANISER)
    assert set(db.session.scalars(select(ProvenAddress.email).where(ProvenAddress.user_id == kept.id))) >= {
        "merged@example.org"}
    memberships = db.session.scalars(select(Membership).where(Membership.user_id == kept.id)).all()
    assert sorted((m.forum_id, m.status) for m in memberships) == sorted(
        [(forum.id, MembershipStatus.ACTIVE), (other_forum.id, MembershipStatus.ACTIVE)])
    assert db.session.scalar(select(Registration.person_key)) == f"user:{kept.id}"
    assert db.session.scalar(select(func.count()).select_from(RoleGrant)) == 1


def test_both_booked_for_one_event_keeps_the_better_booking_and_says_which(ctx):
    event = EventFactory(capacity=3)
    account = UserFactory(email="ann@example.org")
    RegistrationFactory(event=event, user=account, email=account.email, status=RegistrationStatus.WAITLISTED,
                        waitlisted_at=utcnow())
    guest("Ann@example.org", event=event, tickets=2)
    preview = dict(services.preview(services.person("guest:Ann@example.org"), services.person(f"user:{account.id}")))
    [line] = preview["Events"]
    assert line.conflict and "the merged record's is kept (Booked)" in line.outcome
    assert "the other (On the waiting list) is deleted" in line.outcome
    merge("guest:Ann@example.org", f"user:{account.id}")
    [kept] = db.session.scalars(select(Registration).where(Registration.person_key == f"user:{account.id}")).all()
    assert (kept.status, kept.tickets) == (RegistrationStatus.CONFIRMED, 2)
    assert db.session.scalar(select(func.count()).select_from(Registration)) == 1


def test_two_records_that_both_came_to_one_event_merge_into_one_attendance(ctx):
    event = EventFactory()
    account = UserFactory(email="ann@example.org")
    mine = RegistrationFactory(event=event, user=account, email=account.email)
    theirs = guest("Ann@example.org", event=event)
    db.session.add_all([Attendance(event_id=event.id, registration_id=mine.id),
                        Attendance(event_id=event.id, registration_id=theirs.id, people=2)])
    db.session.commit()
    db.session.expire_all()  # as in a request: the bookings are loaded with their check-ins
    merge("guest:Ann@example.org", f"user:{account.id}")
    assert db.session.scalar(select(func.count()).select_from(Registration)) == 1
    assert db.session.scalar(select(func.count()).select_from(Attendance)) == 1


def test_an_account_that_imported_spreadsheets_merges_with_its_imports_and_column_choices(ctx):
    kept, merged = UserFactory(email="kept@example.org"), UserFactory(email="merged@example.org")
    db.session.add_all([
        SpreadsheetImport(kind="forum-members", scope_id=1, owner_id=merged.id, file_name="a.csv"),
        ImportMapping(kind="forum-members", owner_id=merged.id, headers_key="same", mapping={"name": "Name"}),
        ImportMapping(kind="forum-members", owner_id=kept.id, headers_key="same", mapping={"name": "Full name"}),
        ImportMapping(kind="forum-members", owner_id=merged.id, headers_key="other", mapping={"name": "Who"})])
    db.session.flush()
    merge(f"user:{merged.id}", f"user:{kept.id}")
    assert db.session.scalar(select(SpreadsheetImport.owner_id)) == kept.id
    assert sorted((m.headers_key, m.mapping["name"]) for m in db.session.scalars(select(ImportMapping))) == [
        ("other", "Who"), ("same", "Full name")]


def test_merging_two_bookings_frees_places_for_the_waiting_list_and_never_takes_any(ctx):
    event = EventFactory(capacity=3)
    account = UserFactory(email="ann@example.org")
    RegistrationFactory(event=event, user=account, email=account.email)
    guest("ANN@example.org", event=event, tickets=2)
    waiting = guest("third@example.org", event=event, status=RegistrationStatus.WAITLISTED, waitlisted_at=utcnow())
    preview = dict(services.preview(services.person("guest:ANN@example.org"), services.person(f"user:{account.id}")))
    assert "the kept record's is kept (Booked); the other (Booked) is deleted, freeing 2 places" in \
        preview["Events"][0].outcome
    merge("guest:ANN@example.org", f"user:{account.id}")
    assert db.session.get(Registration, waiting.id).status == RegistrationStatus.OFFERED
    assert places_held(event) == 2 <= event.capacity


def test_equality_answers_move_by_their_link_and_only_the_newest_set_is_kept(ctx):
    account = UserFactory(email="ann@example.org")
    guest("Ann@example.org")
    for key, user in (("guest:Ann@example.org", None), (f"user:{account.id}", account)):
        equality.give_consent(key, user=user)
        equality.save_answers(key, {"religion": "buddhist" if user is None else "sikh"})
    db.session.commit()
    newest = db.session.scalar(select(EqualityLink.subject_id).where(EqualityLink.user_id == account.id))
    preview = dict(services.preview(services.person("guest:Ann@example.org"), services.person(f"user:{account.id}")))
    said = " ".join(f"{line.what} {line.outcome}" for line in preview["Equality monitoring"])
    assert "one set kept" in said and "sikh" not in said.lower() and "buddhist" not in said.lower()
    merge("guest:Ann@example.org", f"user:{account.id}")
    assert db.session.scalars(select(EqualityLink.subject_id)).all() == [newest]
    assert db.session.scalars(select(EqualityResponse.subject_id)).all() == [newest]
    assert equality.answers_of(f"user:{account.id}").religion == "sikh"


def test_a_guests_answers_move_to_the_account_when_it_has_none(ctx):
    account = UserFactory(email="ann@example.org")
    guest("Ann@example.org")
    equality.give_consent("guest:Ann@example.org")
    db.session.commit()
    merge("guest:Ann@example.org", f"user:{account.id}")
    link = db.session.scalar(select(EqualityLink))
    assert (link.person_key, link.user_id) == (f"user:{account.id}", account.id)


def test_merging_a_pair_twice_changes_nothing_the_second_time(ctx):
    account = UserFactory(email="ann@example.org")
    guest("Ann@example.org")
    merged, kept = services.person("guest:Ann@example.org"), services.person(f"user:{account.id}")
    services.merge(merged, kept, actor=None)
    db.session.commit()
    with pytest.raises(services.CannotMerge, match="already been merged"):
        services.merge(merged, kept, actor=None)
    assert db.session.scalar(select(func.count()).where(AuditEntry.action == "person.merged")) == 1


def test_an_admin_cannot_merge_their_own_account_away(ctx):
    admin, other = UserFactory(roles=["admin"]), UserFactory()
    with pytest.raises(services.CannotMerge, match="your own account"):
        services.check(services.person(f"user:{admin.id}"), services.person(f"user:{other.id}"), actor=admin)


@pytest.mark.parametrize("kept_role, merged_role", [("admin", "equality_monitor"), ("equality_monitor", "admin")])
def test_accounts_are_not_merged_into_one_that_is_both_an_admin_and_an_equality_monitor(ctx, kept_role, merged_role):
    """Found attacking the progress report: merging a monitor's account into an
    admin's left one account holding both roles, which granting them refuses."""
    kept, merged = UserFactory(roles=[kept_role]), UserFactory(roles=[merged_role])
    with pytest.raises(services.CannotMerge, match="cannot do both"):
        services.merge(services.person(f"user:{merged.id}"), services.person(f"user:{kept.id}"), actor=None)
    db.session.rollback()
    assert db.session.get(User, kept.id).site_roles == {SiteRole(kept_role)}


def test_an_unconfirmed_account_is_merged_only_into_one_that_proved_its_address(ctx):
    kept, unconfirmed = UserFactory(), UserFactory(email_confirmed_at=None, created_at=utcnow() - timedelta(days=1))
    with pytest.raises(services.CannotMerge, match="never confirmed"):
        services.check(services.person(f"user:{unconfirmed.id}"), services.person(f"user:{kept.id}"))


def test_merging_judges_keeps_one_panel_place_the_kept_scores_and_any_declared_conflict(ctx):
    from awards.models import ConflictDeclaration, ConflictKind, PanelMember, ScoreSheet
    from events.models import CalendarLink, event_organisers
    from tests.awards.test_judging import eligible
    kept, merged = UserFactory(), UserFactory()
    category = CategoryFactory()
    scored_by_both, conflicted, scored_by_merged = (eligible(category, name=name) for name in ("A", "B", "C"))
    db.session.add_all([
        PanelMember(category_id=category.id, email=kept.email, user_id=kept.id),
        PanelMember(category_id=category.id, email=merged.email, user_id=merged.id),
        ScoreSheet(nomination_id=scored_by_both.id, judge_id=kept.id, comment="kept's"),
        ScoreSheet(nomination_id=scored_by_both.id, judge_id=merged.id, comment="merged's"),
        ScoreSheet(nomination_id=conflicted.id, judge_id=kept.id, comment="must go"),
        ScoreSheet(nomination_id=scored_by_merged.id, judge_id=merged.id, comment="moves"),
        ConflictDeclaration(nomination_id=conflicted.id, judge_id=kept.id, kind=ConflictKind.NONE),
        ConflictDeclaration(nomination_id=conflicted.id, judge_id=merged.id, kind=ConflictKind.FAMILY),
        CalendarLink(user_id=merged.id, token="t" * 40)])
    event = EventFactory(organisers=[db.session.get(User, merged.id)])
    db.session.commit()
    preview = dict(services.preview(services.person(f"user:{merged.id}"), services.person(f"user:{kept.id}")))
    assert any(line.conflict and "1 scored by both" in line.outcome for line in preview["Awards"])
    merge(f"user:{merged.id}", f"user:{kept.id}")
    assert db.session.scalars(select(PanelMember.user_id)).all() == [kept.id]
    sheets = {sheet.nomination_id: sheet.comment for sheet in db.session.scalars(select(ScoreSheet))}
    assert sheets == {scored_by_both.id: "kept's", scored_by_merged.id: "moves"}
    [declaration] = db.session.scalars(select(ConflictDeclaration)).all()
    assert (declaration.judge_id, declaration.kind) == (kept.id, ConflictKind.FAMILY)
    assert db.session.scalar(select(CalendarLink.user_id)) == kept.id
    assert db.session.execute(select(event_organisers)).all() == [(event.id, kept.id)]


def test_a_table_no_domain_moves_stops_the_merge_instead_of_losing_its_rows(ctx, monkeypatch):
    from core.people.registry import records
    kept, merged = UserFactory(), UserFactory()
    MembershipFactory(user=merged)
    monkeypatch.setattr(records, "_held", {position: held for position, held in records._held.items()
                                           if held[0] != "forums"})
    with pytest.raises(RuntimeError, match="forum_memberships.user_id still holds records"):
        services.merge(services.person(f"user:{merged.id}"), services.person(f"user:{kept.id}"), actor=None)
    db.session.rollback()
    assert db.session.scalar(select(Membership.user_id)) == merged.id


@pytest.mark.parametrize("key", ["user:\uff11", "user:\u00b2", "user:99999999999999999999", "user:+1", "user: 1",
                                 "user:1\n", "user:", "guest:", "guest:nobody", "guest:" + "a" * 250 + "@example.org"])
def test_a_key_not_written_as_the_rules_say_names_no_one(ctx, key):
    UserFactory()  # account 1 exists: "user:１" must not reach it
    assert services.person(key) is None


def test_an_account_written_two_ways_is_one_record_and_is_never_merged_into_itself(ctx):
    account = UserFactory()
    RegistrationFactory(user=account, email=account.email)
    assert services.person(f"user:0{account.id}") is None  # one spelling only: no leading zero
    with pytest.raises(services.CannotMerge, match="Choose two different records"):
        services.check(services.person(f"user:{account.id}"), services.person(f"user:{account.id}"))
    assert db.session.get(User, account.id) is not None


def test_nothing_is_merged_into_an_account_that_never_confirmed_its_address(ctx):
    unconfirmed = UserFactory(email="typed@example.org", email_confirmed_at=None)
    victim = UserFactory(email="victim@example.org")
    db.session.add(ProvenAddress(user_id=unconfirmed.id, email="victim@example.org"))
    RegistrationFactory(user=victim, email=victim.email)
    with pytest.raises(services.CannotMerge, match="never confirmed its own address"):
        merge(f"user:{victim.id}", f"user:{unconfirmed.id}")
    assert db.session.get(User, victim.id) is not None
    assert db.session.scalar(select(Registration.person_key)) == f"user:{victim.id}"

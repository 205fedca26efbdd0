"""Importing a forum's members from a spreadsheet (forums/imports.py through
core.imports): each problem a coordinator is shown, duplicates, the
proven-address rule, under-18s waiting for consent, nobody emailed unless
asked, and all-or-nothing."""
from datetime import date, timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from core import imports
from core.accounts.services import email_confirmed
from core.database import write_lock
from core.errors import DomainError
from core.extensions import db
from core.models import AuditEntry, BackgroundJob, ImportStatus, OutboxMessage, SpreadsheetImport
from forums import imports as forum_imports
from forums.imports import KIND
from forums.models import Faith, ForumCoordinator, ForumInvitation, ForumKind, Membership, MembershipRole, MembershipStatus
from forums.models import SafeguardingCheck
from forums.services import applying, invitations
from forums.services.applying import Application
from forums.services.memberships import TERM
from tests.conftest import sign_in, submit
from tests.factories import TOTP_SECRET, UserFactory
from tests.forums.factories import ForumFactory, MembershipFactory

HEADER = "Full name,E-mail,Role,Religion,Organisation,DOB,Parent/carer name,Parent email,Joined\n"


def years_ago(years: int, days: int = 10) -> str:
    today = date.today()
    return (today.replace(year=today.year - years) - timedelta(days=days)).strftime("%d/%m/%Y")


@pytest.fixture
def ctx(app):
    with app.test_request_context(), write_lock(every_transaction=True):
        yield


def kind():
    return imports.kind_named(KIND)


def youth_coordinator(forum, *, checked=True):
    """A coordinator of this youth forum, with a current DBS check unless `checked` is False."""
    coordinator = UserFactory()
    db.session.add(ForumCoordinator(forum_id=forum.id, user_id=coordinator.id))
    if checked:
        db.session.add(SafeguardingCheck(user_id=coordinator.id, checked_on=date.today()))
    db.session.flush()
    return coordinator


def uploaded(forum, actor, body: str, name="members.csv"):
    started = imports.upload(kind(), forum, name, body.encode(), actor=actor)
    imports.match_columns(started, kind(), dict(started.mapping), actor=actor)
    return started


def problems_by_row(started, forum):
    return {check.number: [(p.column, p.message) for p in check.problems]
            for check in imports.checks_of(started, kind(), forum) if check.problems}


def test_headings_people_use_are_matched_to_the_columns(ctx):
    coordinator = UserFactory()
    started = imports.upload(kind(), ForumFactory(), "m.csv", (HEADER + "A,a@example.org,,,,,,,\n").encode(),
                             actor=coordinator)
    assert started.mapping == {"name": 0, "email": 1, "role": 2, "faith": 3, "organisation": 4, "date_of_birth": 5,
                               "parent_name": 6, "parent_email": 7, "joined_on": 8}


def test_a_mapping_chosen_once_is_remembered_for_the_next_file_with_those_headings(ctx):
    coordinator, forum = UserFactory(), ForumFactory()
    body = "Who,Address,Notes\nA,a@example.org,x\n"
    first = imports.upload(kind(), forum, "m.csv", body.encode(), actor=coordinator)
    assert "email" not in first.mapping
    imports.match_columns(first, kind(), {"name": 0, "email": 1}, actor=coordinator)
    again = imports.upload(kind(), forum, "m2.csv", body.encode(), actor=coordinator)
    assert again.mapping == {"name": 0, "email": 1}


def test_a_required_column_left_unmatched_or_two_on_one_column_is_refused(ctx):
    coordinator, forum = UserFactory(), ForumFactory()
    started = imports.upload(kind(), forum, "m.csv", b"Name,Email\nA,a@example.org\n", actor=coordinator)
    with pytest.raises(imports.DomainError) as refused:
        imports.match_columns(started, kind(), {"name": 0, "email": None}, actor=coordinator)
    assert refused.value.field == "email"
    with pytest.raises(imports.DomainError, match="both matched to the same column"):
        imports.match_columns(started, kind(), {"name": 0, "email": 0}, actor=coordinator)


def test_each_problem_is_listed_by_row_and_column(ctx):
    coordinator, forum = UserFactory(), ForumFactory(kind=ForumKind.INTERFAITH)
    body = HEADER + (
        "Amina Yusuf,amina@example.org,Member,Muslim,Masjid,,,,\n"        # 2 fine
        "Bad Email,not-an-email,,Christian,,,,,\n"                         # 3 email
        "Piotr Nowak,piotr@example.org,,Druidic Jedi,,,,,\n"               # 4 faith
        "Ravi Patel,ravi@example.org,Grand Wizard,Hindu,,,,,\n"            # 5 role
        "=HYPERLINK(\"x\"),f@example.org,,Sikh,,,,,\n"                    # 6 formula as a name
        "amina  YUSUF,AMINA@example.org,,Islam,,,,,\n"                     # 7 same email (and name) as row 2
        "Late Joiner,late@example.org,,Jewish,,,,,01/01/2099\n"            # 8 joined in future
        "Errol Reid,LIBAN.MOHAMED@EXAMPLE.ORG,,Christian,,,,,\n"          # 9 and 10: one address, two names
        "Liban Mohamed,liban.mohamed@example.org,,Muslim,,,,,\n"
    )
    started = uploaded(forum, coordinator, body)
    found = problems_by_row(started, forum)
    assert found[3] == [("email", "Not an email address in the right form, like name@example.com")]
    assert found[4][0][0] == "faith" and "Unknown faith “Druidic Jedi”" in found[4][0][1]
    assert found[5][0][0] == "role"
    assert found[6] == [("name", "Looks like a spreadsheet formula, not text: type the value itself (in Excel, "
                                 "copy the cells and use Paste Values)")]
    assert found[7] == [("", "Same email address as row 2: only the first is imported")]
    assert found[8] == [("joined_on", "The date joined is in the future")]
    assert 2 not in found
    # Found walking: the first of two names took the address (and its invitation); now neither goes in.
    assert found[9] == [("", "Same email address as row 10 under another name (Liban Mohamed): correct whichever "
                             "is wrong; neither is imported")]
    assert found[10] == [("", "Same email address as row 9 under another name (Errol Reid): correct whichever "
                              "is wrong; neither is imported")]


def test_youth_forum_rows_need_a_date_of_birth_in_range_and_a_parent_for_under_18s(ctx):
    forum = ForumFactory(kind=ForumKind.YOUTH, min_age=11, max_age=25)
    coordinator = youth_coordinator(forum)
    body = HEADER + (
        f"Young One,young1@example.org,,,,{years_ago(15)},,,\n"                             # 2 no parent
        f"Young Two,young2@example.org,,,,{years_ago(15)},Pat Parent,young2@example.org,\n"  # 3 parent is self
        f"Too Old,old@example.org,,,,{years_ago(40)},,,\n"                                # 4 out of range
        "No Birthday,nobday@example.org,,,,,,,\n"                                         # 5 none
        f"Fine Young,fine@example.org,,,,{years_ago(14)},Pat Parent,pat@example.org,\n"   # 6 fine
        f"Fine Young,fine2@example.org,,,,{years_ago(14)},Pat Parent,pat@example.org,\n"  # 7 same name + dob
        "Bad Date,bd@example.org,,,,31/02/2010,,,\n"                                      # 8 bad date
    )
    found = problems_by_row(uploaded(forum, coordinator, body), forum)
    assert [column for column, _ in found[2]] == ["parent_name", "parent_email"]
    assert found[3] == [("parent_email", "The parent or carer's address is the young person's own")]
    assert found[4][0][0] == "date_of_birth" and "ages 11 to 25" in found[4][0][1]
    assert found[5] == [("date_of_birth", "Enter their date of birth: a youth forum needs it")]
    assert found[7] == [("", "Same name and date of birth as row 6: only the first is imported")]
    assert found[8][0][0] == "date_of_birth"
    assert 6 not in found


def test_importing_makes_nobody_a_member_and_treats_accounts_like_anyone_else(ctx):
    coordinator, forum = UserFactory(), ForumFactory()
    proven = UserFactory(email="proven@example.org", name="Account Name")
    UserFactory(email="unproven@example.org", email_confirmed_at=None)
    body = HEADER + ("Name In File,Proven@Example.org,Chair,Christian,St Mary's,,,,01/02/2024\n"
                     "Unproven Person,unproven@example.org,,Hindu,,,,,\n"
                     "New Person,new@example.org,,Sikh,,,,,\n")
    started = uploaded(forum, coordinator, body)
    assert imports.start(started, kind(), forum, email_people=False, actor=coordinator, back_url="/") is None
    assert (started.status, started.imported, started.skipped, started.refused) == (ImportStatus.DONE, 3, 0, 0)
    assert started.content is None  # the file is deleted once imported
    assert db.session.scalar(select(func.count(Membership.id))) == 0
    waiting = {i.email: i.name for i in forum_imports.imported_waiting(forum)}
    assert waiting == {"proven@example.org": "Name In File", "unproven@example.org": "Unproven Person",
                       "new@example.org": "New Person"}
    assert db.session.scalar(select(func.count(OutboxMessage.id))) == 0
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "import.finished"))
    assert entry.details["imported"] == 3 and "new@example.org" not in str(entry.details)
    # The account holder sees the invitation, and becomes a member only by accepting it.
    [(invitation, link)] = forum_imports.invitations_waiting_for(proven)
    assert invitation.forum_id == forum.id and "/forums/invitations/" in link
    email_confirmed.send(proven)
    assert db.session.scalar(select(func.count(Membership.id))) == 0
    membership = applying.apply(forum, proven, Application(reason="Yes please", faith=Faith.CHRISTIAN),
                                invitation=invitation)
    assert (membership.status, membership.role) == (MembershipStatus.ACTIVE, MembershipRole.CHAIR)
    # Found walking: the file's date joined was dropped; it is when the membership started, the term a year from now
    assert (membership.term_starts_on, membership.term_ends_on) == (date(2024, 2, 1), date.today() + TERM)
    assert forum_imports.invitations_waiting_for(proven) == []


def test_an_imported_invitations_details_show_only_to_the_account_it_was_sent_to(app, client):
    with app.test_request_context(), write_lock(every_transaction=True):
        coordinator, forum = UserFactory(), ForumFactory()
        proven = UserFactory(email="proven@example.org")
        UserFactory(email="jay@example.org")
        started = uploaded(forum, coordinator, HEADER + "Name In File,proven@example.org,,Christian,St Mary's,,,,\n")
        imports.start(started, kind(), forum, email_people=False, actor=coordinator, back_url="/")
        [(_invitation, link)] = forum_imports.invitations_waiting_for(proven)
        db.session.commit()
    path = link[link.index("/forums/invitations/"):]
    sign_in(client, SimpleNamespace(email="jay@example.org"))
    assert "St Mary&#39;s" not in client.get(path).get_data(as_text=True)
    sign_in(client, SimpleNamespace(email="proven@example.org"))
    page = client.get(path).get_data(as_text=True)
    assert "St Mary&#39;s" in page and "Why do you want to join?" not in page  # invited: no reason asked (walk)
    accepted = submit(client, path, {"faith": "christian", "organisation": "St Mary's"})
    assert accepted.status_code == 302, accepted.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(Membership.status)) == MembershipStatus.ACTIVE


def test_a_coordinator_withdraws_an_imported_invitation_and_its_link_stops_working(app, client):
    with app.test_request_context(), write_lock(every_transaction=True):
        coordinator, forum = UserFactory(totp_secret=TOTP_SECRET), ForumFactory()
        db.session.add(ForumCoordinator(forum_id=forum.id, user_id=coordinator.id))
        proven = UserFactory(email="proven@example.org")
        started = uploaded(forum, coordinator, HEADER + "Wrong Person,proven@example.org,,Christian,,,,,\n")
        imports.start(started, kind(), forum, email_people=False, actor=coordinator, back_url="/")
        [(invitation, link)] = forum_imports.invitations_waiting_for(proven)
        db.session.commit()
        forum_id, invitation_id, email = forum.id, invitation.id, coordinator.email
    sign_in(client, SimpleNamespace(email=email))
    page = f"/forums/{forum_id}/invitations"
    assert "(imported: Wrong Person)" in client.get(page).get_data(as_text=True)
    withdrawn = submit(client, f"{page}/{invitation_id}/withdraw", form_url=page, follow_redirects=True)
    assert "The invitation has been withdrawn" in withdrawn.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(ForumInvitation, invitation_id) is None
        assert db.session.scalar(select(AuditEntry.action).where(
            AuditEntry.action == "forum.invitation_withdrawn")) is not None
    sign_in(client, SimpleNamespace(email="proven@example.org"))
    assert client.get(link[link.index("/forums/invitations/"):]).status_code == 400


def test_an_accepted_invitation_cannot_be_withdrawn(ctx):
    coordinator, forum = UserFactory(), ForumFactory()
    proven = UserFactory(email="proven@example.org")
    started = uploaded(forum, coordinator, HEADER + "Ann,proven@example.org,,Christian,,,,,\n")
    imports.start(started, kind(), forum, email_people=False, actor=coordinator, back_url="/")
    [(invitation, _link)] = forum_imports.invitations_waiting_for(proven)
    applying.apply(forum, proven, Application(reason="Yes", faith=Faith.CHRISTIAN), invitation=invitation)
    with pytest.raises(DomainError, match="accepted the invitation already"):
        invitations.withdraw_invitation(invitation, actor=coordinator)


def test_a_second_import_of_the_same_file_skips_everyone_already_there(ctx):
    coordinator, forum = UserFactory(), ForumFactory()
    UserFactory(email="proven@example.org")
    body = HEADER + "Proven Person,proven@example.org,,Christian,,,,,\nNew Person,new@example.org,,Sikh,,,,,\n"
    first = uploaded(forum, coordinator, body)
    imports.start(first, kind(), forum, email_people=False, actor=coordinator, back_url="/")
    second = uploaded(forum, coordinator, body)
    checks = imports.checks_of(second, kind(), forum)
    assert [check.skipped.split(":")[0] for check in checks] == ["Already invited or imported"] * 2
    imports.start(second, kind(), forum, email_people=False, actor=coordinator, back_url="/")
    assert (second.imported, second.skipped) == (0, 2)
    assert db.session.scalar(select(func.count(ForumInvitation.id))) == 2


def test_an_import_cannot_be_run_twice(ctx):
    coordinator, forum = UserFactory(), ForumFactory()
    started = uploaded(forum, coordinator, HEADER + "New Person,new@example.org,,Sikh,,,,,\n")
    imports.start(started, kind(), forum, email_people=False, actor=coordinator, back_url="/")
    with pytest.raises(imports.ImportRefused, match="already been run"):
        imports.start(started, kind(), forum, email_people=False, actor=coordinator, back_url="/")


def test_an_imported_under_18_who_accepts_waits_for_their_parents_consent(ctx):
    forum = ForumFactory(kind=ForumKind.YOUTH, min_age=11, max_age=25)
    coordinator = youth_coordinator(forum)
    child = UserFactory(email="child@example.org")
    body = HEADER + f"Child,child@example.org,,,,{years_ago(14)},Pat Parent,pat@example.org,\n"
    imports.start(uploaded(forum, coordinator, body), kind(), forum, email_people=True, actor=coordinator,
                  back_url="/")
    assert db.session.scalar(select(Membership).where(Membership.user_id == child.id)) is None
    assert set(db.session.scalars(select(OutboxMessage.recipient))) == {"child@example.org"}
    [(invitation, _link)] = forum_imports.invitations_waiting_for(child)
    membership = applying.apply(forum, child, Application(
        reason="Yes", date_of_birth=invitation.date_of_birth, parent_name=invitation.parent_name,
        parent_email=invitation.parent_email), invitation=invitation)
    assert membership.status == MembershipStatus.AWAITING_CONSENT
    assert "pat@example.org" in set(db.session.scalars(select(OutboxMessage.recipient)))


def test_proving_an_imported_address_shows_the_invitation_but_makes_no_membership(ctx):
    forum = ForumFactory(kind=ForumKind.YOUTH, min_age=11, max_age=25)
    coordinator = youth_coordinator(forum)
    body = HEADER + f"Adult,adult@example.org,Chair,,,{years_ago(20)},,,\n"
    imports.start(uploaded(forum, coordinator, body), kind(), forum, email_people=False, actor=coordinator,
                  back_url="/")
    adult = UserFactory(email="adult@example.org")
    email_confirmed.send(adult)
    assert db.session.scalar(select(func.count(Membership.id))) == 0
    assert [i.forum_id for i, _link in forum_imports.invitations_waiting_for(adult)] == [forum.id]
    assert forum_imports.invitations_waiting_for(UserFactory(email="other@example.org")) == []


def test_faith_seats_past_the_limit_are_problems(ctx):
    coordinator, forum = UserFactory(), ForumFactory(faith_cap=2)
    MembershipFactory(forum=forum, faith=Faith.SIKH)
    for number in range(2):
        UserFactory(email=f"sikh{number}@example.org")
    body = HEADER + "One,sikh0@example.org,,Sikh,,,,,\nTwo,sikh1@example.org,,Sikh,,,,,\n"
    found = problems_by_row(uploaded(forum, coordinator, body), forum)
    assert list(found) == [3] and "seats" in found[3][0][1]


def test_a_failure_while_importing_leaves_nothing_half_imported(ctx, monkeypatch):
    coordinator, forum = UserFactory(), ForumFactory()
    started = uploaded(forum, coordinator, HEADER + "A,a@example.org,,Sikh,,,,,\nB,b@example.org,,Sikh,,,,,\n")
    db.session.commit()
    real_apply = kind().apply

    def apply_then_fail(*args, **kwargs):
        real_apply(*args, **kwargs)
        raise RuntimeError("the disk filled")
    monkeypatch.setattr(imports, "kind_named", lambda name: imports.Kind(**{**kind().__dict__,
                                                                            "apply": apply_then_fail}))
    with pytest.raises(RuntimeError):
        imports.start(started, imports.kind_named(KIND), forum, email_people=False, actor=coordinator, back_url="/")
    db.session.rollback()
    assert db.session.scalar(select(func.count(ForumInvitation.id))) == 0
    assert db.session.get(SpreadsheetImport, started.id).status == ImportStatus.MAPPED


def test_a_large_file_is_imported_by_the_worker_with_its_rows_counted(app, monkeypatch):
    monkeypatch.setattr(imports, "IN_REQUEST_ROWS", 2)
    monkeypatch.setattr(imports, "PROGRESS_EVERY", 2)
    seen = []
    with app.test_request_context():
        with write_lock():
            coordinator, forum = UserFactory(), ForumFactory()
            body = HEADER + "".join(f"Person {n},p{n}@example.org,,Sikh,,,,,\n" for n in range(5))
            body += "Broken,nope,,Sikh,,,,,\n"
            started = uploaded(forum, coordinator, body)
            real = imports.check_rows

            def watching(*args, on_progress=None, **kwargs):
                def note(done):
                    on_progress(done)
                    seen.append(db.session.get(BackgroundJob, started.job_id).steps_done)
                return real(*args, on_progress=note if on_progress else None, **kwargs)
            monkeypatch.setattr(imports, "check_rows", watching)
            job = imports.start(started, kind(), forum, email_people=False, actor=coordinator, back_url="/")
            assert job is not None and job.steps_total == 6
            db.session.commit()  # the job runs at once here (memory:// queue), after the commit
        from core.jobs import queue_committed_jobs
        queue_committed_jobs()
        db.session.expire_all()
        finished = db.session.get(SpreadsheetImport, started.id)
        assert (finished.status, finished.imported, finished.refused) == (ImportStatus.DONE, 5, 1)
        job = db.session.get(BackgroundJob, job.id)
        assert job.finished_at is not None and job.steps_done == 6
    assert seen == [2, 4, 6]


def test_the_sample_spreadsheet_shows_every_kind_of_mistake_it_carries(ctx):
    """docs/samples/forum-members.xlsx, as the user guide suggests trying it."""
    from pathlib import Path
    coordinator, forum = UserFactory(), ForumFactory()
    sample = Path(__file__).resolve().parents[2] / "docs" / "samples" / "forum-members.xlsx"
    started = imports.upload(kind(), forum, sample.name, sample.read_bytes(), actor=coordinator)
    assert started.rows_total == 500 and "organisation" in started.mapping and "joined_on" in started.mapping
    imports.match_columns(started, kind(), dict(started.mapping), actor=coordinator)
    checks = imports.checks_of(started, kind(), forum)
    said = " ".join(problem.message for check in checks for problem in check.problems)
    for mistake in ("Not an email address", "Unknown faith", "Same email address as row", "Enter the person's name",
                    "Not a date", "Unknown role"):
        assert mistake in said
    counts = imports.counts_of(checks)
    assert counts.refused >= 45 and counts.will_import + counts.refused == 500


def test_the_same_file_imported_twice_at_once_imports_each_person_once(app):
    """Two uploads of one file, and one import's button pressed twice, all at
    once: the scope's lock and the claim let each person in once."""
    import threading
    with app.test_request_context(), write_lock():
        coordinator, forum = UserFactory(), ForumFactory()
        UserFactory(email="proven@example.org")
        body = HEADER + "Proven,proven@example.org,,Sikh,,,,,\n" + "".join(
            f"Person {n},p{n}@example.org,,Hindu,,,,,\n" for n in range(20))
        ids = [uploaded(forum, coordinator, body).id for _ in range(2)]
        db.session.commit()
        forum_id, coordinator_id = forum.id, coordinator.id
    outcomes, start_line = [], threading.Barrier(3)

    def run(import_id):
        with app.test_request_context():
            start_line.wait()
            with write_lock():
                try:
                    started = db.session.get(SpreadsheetImport, import_id)
                    imports.start(started, kind(), db.session.get(type(forum), forum_id), email_people=False,
                                  actor=db.session.get(type(coordinator), coordinator_id), back_url="/")
                    db.session.commit()
                    outcomes.append("imported")
                except imports.ImportRefused:
                    db.session.rollback()
                    outcomes.append("refused")
            db.session.remove()
    threads = [threading.Thread(target=run, args=(each,)) for each in (ids[0], ids[0], ids[1])]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["imported", "imported", "refused"]
    with app.app_context():
        assert db.session.scalar(select(func.count(ForumInvitation.id))) == 21
        assert db.session.scalar(select(func.count(Membership.id))) == 0
        assert sorted(i.imported for i in db.session.scalars(select(SpreadsheetImport))) == [0, 21]


def test_asked_to_email_people_someone_without_an_account_gets_the_forums_invitation(ctx):
    coordinator, forum = UserFactory(), ForumFactory(name="Corby Faith Forum")
    started = uploaded(forum, coordinator, HEADER + "New Person,new@example.org,,Sikh,,,,,\n")
    imports.start(started, kind(), forum, email_people=True, actor=coordinator, back_url="/")
    [message] = db.session.scalars(select(OutboxMessage)).all()
    assert message.recipient == "new@example.org" and "Corby Faith Forum" in message.subject
    assert "/forums/invitations/" in message.body
    assert message.body.startswith("Hello New Person,")  # the name the file gave (walk: it said "Hello,")


def test_a_youth_forums_coordinator_without_a_dbs_check_may_not_import_at_any_step(ctx):
    forum = ForumFactory(kind=ForumKind.YOUTH, min_age=11, max_age=25)
    young = UserFactory(email="young@example.org")
    MembershipFactory(forum=forum, user=young)
    unchecked, checked = youth_coordinator(forum, checked=False), youth_coordinator(forum)
    body = HEADER + f"Guess,young@example.org,,,,{years_ago(20)},,,\n"
    with pytest.raises(DomainError, match="needs a current DBS check") as refused:
        imports.upload(kind(), forum, "members.csv", body.encode(), actor=unchecked)
    assert refused.value.field == "spreadsheet"
    # An import started by someone else (or before their check lapsed) goes no further for them either.
    started = imports.upload(kind(), forum, "members.csv", body.encode(), actor=checked)
    with pytest.raises(DomainError, match="needs a current DBS check"):
        imports.match_columns(started, kind(), dict(started.mapping), actor=unchecked, scope=forum)
    imports.match_columns(started, kind(), dict(started.mapping), actor=checked, scope=forum)
    with pytest.raises(DomainError, match="needs a current DBS check"):
        imports.start(started, kind(), forum, email_people=False, actor=unchecked, back_url="/")
    assert db.session.scalar(select(func.count(ForumInvitation.id))) == 0

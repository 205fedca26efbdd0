"""Retention: with the clock moved on, exactly what is past its period goes
(or is kept only anonymously), and nothing a day younger does."""
from datetime import timedelta

import pytest
from dateutil.relativedelta import relativedelta
from sqlalchemy import func, select

from core.equality import services as equality
from core.privacy import retention
from core.database import utcnow, write_lock
from core.extensions import db
from core.models import AuditEntry, OutboxMessage, OutboxStatus
from core.equality.models import EqualityResponse
from core.accounts.models import SiteRole, User
from awards.models import Decision, Nomination, Outcome, ScoreSheet
from events.models import AccessRequestKind, Attendance, Registration, RegistrationAccessRequest
from forums.models import Membership, MembershipStatus
from tests.awards.factories import CategoryFactory, CycleFactory
from tests.core.test_personal_data import nomination_by
from tests.events.factories import EventFactory, RegistrationFactory
from tests.factories import UserFactory
from tests.forums.factories import MembershipFactory

NOW = utcnow()
DAY = timedelta(days=1)


def ago(months: int, *, plus=timedelta(0)):
    """`months` before NOW, moved by `plus` (a day more is past a period; a day less is inside it)."""
    return NOW - relativedelta(months=months) - plus


def ended(months, plus):
    starts = ago(months, plus=plus) - timedelta(hours=2)
    return EventFactory(starts_at=starts, ends_at=starts + timedelta(hours=2))


def announced(months, plus):
    moment = ago(months, plus=plus)
    return CycleFactory(nominations_open_at=moment - 90 * DAY, nominations_close_at=moment - 60 * DAY,
                        judging_opens_at=moment - 50 * DAY, judging_closes_at=moment - 20 * DAY,
                        announce_at=moment)


def apply(app, now=NOW):
    with app.app_context(), write_lock(every_transaction=True):
        return retention.apply(now)


def test_registrations_past_two_years_keep_only_anonymous_rows(app):
    with app.app_context():
        old, recent = ended(24, DAY), ended(24, -DAY)
        member = UserFactory(name="Grace Okafor")
        RegistrationFactory(event=old, user=member, name=member.name, email=member.email, access_needs="Ramp",
                            access_requests=[RegistrationAccessRequest(kind=AccessRequestKind.BSL_INTERPRETER)])
        RegistrationFactory(event=recent, access_requests=[RegistrationAccessRequest(kind=AccessRequestKind.COMPANION)])
        RegistrationFactory(event=old, name="A Guest", email="guest@example.org")
        db.session.add(Attendance(event_id=old.id, walk_in_name="Bob at the door", people=2))
        RegistrationFactory(event=recent, name="Still Here", email="here@example.org")
        old_id, came_before = old.id, db.session.scalar(select(func.sum(Attendance.people)))

    assert apply(app)["registrations made anonymous"] == 2
    with app.app_context():
        rows = db.session.scalars(select(Registration).where(Registration.event_id == old_id)).all()
        assert {(r.name, r.email, r.user_id, r.access_needs) for r in rows} == {("Name removed", "", None, "")}
        assert db.session.scalars(select(RegistrationAccessRequest.kind)).all() == [AccessRequestKind.COMPANION]
        assert len({r.person_key for r in rows}) == 2 and all(r.person_key.startswith("erased:") for r in rows)
        assert db.session.scalar(select(Attendance.walk_in_name)) == "Name removed"
        assert db.session.scalar(select(func.sum(Attendance.people))) == came_before
        assert db.session.scalar(select(Registration.name).where(Registration.email == "here@example.org")) == \
            "Still Here"


def test_idle_accounts_go_unless_they_must_wait(app):
    with app.app_context():
        UserFactory(email="idle@example.org", last_signed_in_at=ago(36, plus=DAY))
        UserFactory(email="never@example.org", created_at=ago(36, plus=DAY), last_signed_in_at=None)
        UserFactory(email="active@example.org", last_signed_in_at=ago(36, plus=-DAY))
        UserFactory(email="admin@example.org", roles=[SiteRole.ADMIN], last_signed_in_at=ago(40))
    assert apply(app)["accounts deleted"] == 2
    with app.app_context():
        assert set(db.session.scalars(select(User.email))) == {"active@example.org", "admin@example.org"}


def test_ended_memberships_go_after_six_years_and_live_ones_stay(app):
    with app.app_context():
        MembershipFactory(status=MembershipStatus.DECLINED, updated_at=ago(72, plus=DAY), reason="gone")
        MembershipFactory(status=MembershipStatus.WITHDRAWN, updated_at=ago(72, plus=-DAY), reason="kept")
        MembershipFactory(status=MembershipStatus.ACTIVE, updated_at=ago(100), reason="member")
    assert apply(app)["forum memberships deleted"] == 1
    with app.app_context():
        assert set(db.session.scalars(select(Membership.reason))) == {"kept", "member"}


def test_old_cycles_keep_only_their_shortlist_without_contacts_or_scores(app, make_user):
    judge = make_user()
    with app.app_context():
        old = CategoryFactory(cycle=announced(36, DAY))
        winner = nomination_by(old, name="Pat", email="pat@example.org", nominee="Mrs Patel")
        winner.nominee_email = "patel@example.org"
        passed_over = nomination_by(old, name="Lee", email="lee@example.org", nominee="Mr Jones")
        db.session.add_all([Decision(nomination_id=winner.id, outcome=Outcome.WINNER, rationale="Outstanding"),
                            Decision(nomination_id=passed_over.id, outcome=Outcome.NOT_SHORTLISTED, rationale="-"),
                            ScoreSheet(nomination_id=winner.id, judge_id=judge.id)])
        nomination_by(CategoryFactory(cycle=announced(36, -DAY)), name="Ann", email="ann@example.org",
                      nominee="Ms Recent")
        db.session.commit()
    done = apply(app)
    assert (done["nominations deleted"], done["shortlisted nominations made anonymous"]) == (1, 1)
    with app.app_context():
        kept = {n.nominee_name: n for n in db.session.scalars(select(Nomination))}
        assert set(kept) == {"Mrs Patel", "Ms Recent"}
        assert (kept["Mrs Patel"].nominator_name, kept["Mrs Patel"].nominator_email,
                kept["Mrs Patel"].nominee_email) == ("Name removed", "", "")
        assert kept["Ms Recent"].nominator_email == "ann@example.org"
        assert db.session.scalars(select(ScoreSheet)).all() == []
        assert db.session.scalar(select(Decision.rationale)) == "Outstanding"


def test_equality_answers_go_three_years_after_someone_last_took_part(app):
    keys = {}
    with app.app_context():
        for name, answered, registered in (("quiet", ago(36, plus=DAY), None),
                                           ("came back", ago(36, plus=DAY), ago(1)),
                                           ("recent", ago(1), None)):
            user = UserFactory(name=name)
            keys[name] = equality.person_key(user)
            equality.give_consent(keys[name], user=user)
            equality.save_answers(keys[name], {"religion": "sikh"}).updated_at = answered
            if registered:
                RegistrationFactory(user=user, person_key=keys[name], created_at=registered)
        db.session.commit()
    assert apply(app)["equality questionnaires deleted"] == 1
    with app.app_context():
        assert equality.answers_of(keys["quiet"]) is None
        assert equality.answers_of(keys["came back"]) and equality.answers_of(keys["recent"])
        assert db.session.scalar(select(func.count()).select_from(EqualityResponse)) == 2


def test_audit_sign_in_records_and_sent_emails_go_on_their_own_clocks(app):
    with app.app_context():
        for action, when in (("sign_in.succeeded", ago(12, plus=DAY)), ("sign_in.failed", ago(12, plus=-DAY)),
                             ("event.published", ago(12, plus=DAY)), ("event.cancelled", ago(72, plus=DAY))):
            db.session.add(AuditEntry(action=action, occurred_at=when))
        for subject, status, when in (("sent long ago", OutboxStatus.SENT, ago(3, plus=DAY)),
                                      ("never sent", OutboxStatus.PENDING, ago(3, plus=DAY)),
                                      ("sent lately", OutboxStatus.SENT, ago(3, plus=-DAY))):
            db.session.add(OutboxMessage(recipient="a@example.org", subject=subject, body="-", status=status,
                                         created_at=when))
        db.session.commit()
    done = apply(app)
    assert (done["sign-in records deleted"], done["audit entries deleted"], done["emails deleted"]) == (1, 1, 1)
    with app.app_context():
        assert set(db.session.scalars(select(AuditEntry.action))) == {
            "sign_in.failed", "event.published", "retention.applied"}
        assert set(db.session.scalars(select(OutboxMessage.subject))) == {"never sent", "sent lately"}


def test_a_second_run_finds_nothing_and_writes_no_audit_entry(app):
    with app.app_context():
        RegistrationFactory(event=ended(30, DAY))
    assert any(apply(app).values())
    assert not any(apply(app).values())
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.action == "retention.applied")) == 1


def test_periods_come_from_config_and_the_privacy_notice_says_them(app, client):
    app.config["RETENTION_MONTHS"] = {"registrations": 12}
    try:
        with app.app_context():
            RegistrationFactory(event=ended(12, DAY), name="A Year Ago")
        assert apply(app)["registrations made anonymous"] == 1
        notice = client.get("/privacy").get_data(as_text=True)
        assert "Event registrations and attendance: 1 year after the event" in notice
        assert "Records of signing in: 1 year." in notice and "Accounts: until you delete your account, or 3 years" \
            in notice
        app.config["RETENTION_MONTHS"] = {"registration": 12}
        with pytest.raises(ValueError, match="No such retention period: registration"):
            apply(app)
    finally:
        app.config["RETENTION_MONTHS"] = {}


def test_the_command_says_what_it_did(app):
    with app.app_context():
        RegistrationFactory(event=ended(30, DAY))
    runner = app.test_cli_runner()
    assert runner.invoke(args=["apply-retention"]).output == "Retention applied: 1 registrations made anonymous.\n"
    assert runner.invoke(args=["apply-retention"]).output == "Retention applied: nothing was due.\n"

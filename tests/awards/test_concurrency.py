"""Judges clicking twice, through a real multi-threaded server, on SQLite and PostgreSQL."""
from sqlalchemy import func, select

from awards.models import (
    ConflictDeclaration, ConflictKind, Nomination, NominationStatus, NomineeKind, PanelMember, Score, ScoreSheet,
)
from core.extensions import db
from core.models import AuditEntry
from tests.awards.factories import CategoryFactory, CycleFactory
from tests.events.test_concurrency import ROOMY_LIMITS, all_at_once
from tests.http_client import HttpClient
from tests.live_server import live_server


def test_a_triple_clicked_submit_leaves_one_set_of_scores(app, database_url, make_user):
    judge = make_user()
    with app.app_context():
        category = CategoryFactory(cycle=CycleFactory(judging=True))
        nomination = Nomination(category=category, status=NominationStatus.ELIGIBLE, nominator_name="Pat",
                                nominator_email="pat@example.org", relationship_to_nominee="Neighbour",
                                nominee_name="Amira Hussain", nominee_kind=NomineeKind.INDIVIDUAL,
                                nominee_area="Corby")
        db.session.add_all([nomination, PanelMember(category_id=category.id, email=judge.email, user_id=judge.id)])
        db.session.flush()
        db.session.add(ConflictDeclaration(nomination_id=nomination.id, judge_id=judge.id, kind=ConflictKind.NONE))
        db.session.commit()
        nomination_id, criteria = nomination.id, [c.id for c in category.criteria]
    with live_server(database_url, **ROOMY_LIMITS) as base_url:
        client = HttpClient(base_url)
        client.sign_in(judge.email, judge.password)
        page = f"/judging/nominations/{nomination_id}"
        token = client.csrf_token(page)
        scores = {f"criterion_{criterion}": "4" for criterion in criteria} | {"send": "Submit scores"}
        same_button = (lambda: None, lambda _: client.post(f"{page}/scores", scores, token))
        asked = all_at_once([same_button, same_button, same_button])  # saved as a draft, then asked to confirm
        confirm_button = (lambda: None, lambda _: client.post(f"{page}/submit", {}, token))
        confirmed = all_at_once([confirm_button, confirm_button, confirm_button])
    assert [status for status, _ in asked] == [302, 302, 302]
    assert [status for status, _ in confirmed] == [302, 302, 302]
    with app.app_context():
        assert db.session.scalar(select(func.count(AuditEntry.id)).where(
            AuditEntry.action == "awards.scores_submitted")) == 1  # the others were told they had already
        assert db.session.scalar(select(func.count(ScoreSheet.id))) == 1
        assert db.session.scalar(select(func.count(Score.id))) == len(criteria)
        assert db.session.scalar(select(ScoreSheet.submitted_at)) is not None


def test_a_triple_clicked_send_makes_one_guest_nomination(app, database_url):
    with app.app_context():
        category = CategoryFactory()
        db.session.commit()
        category_id, questions = category.id, [q.id for q in category.questions]
    with live_server(database_url, **ROOMY_LIMITS) as base_url:
        client = HttpClient(base_url)
        page = f"/awards/categories/{category_id}/nominate"
        token = client.csrf_token(page)
        form = {"nominator_name": "Pat Neighbour", "nominator_email": "pat@example.org", "nominating": "other",
                "relationship": "Neighbour", "nominee_name": "Amira Hussain", "nominee_area": "Corby",
                "nominee_knows": "yes", "data_consent": "y"}
        form |= {f"question_{q}": "Brings people together." for q in questions}
        same_button = (lambda: None, lambda _: client.post(page, form, token))
        results = all_at_once([same_button, same_button, same_button])
    assert sorted(status for status, _ in results) == [200, 200, 302]  # sent, then on to the page saying so
    assert sum("You have already nominated Amira Hussain" in body for _, body in results) == 2
    with app.app_context():
        assert db.session.scalar(select(func.count(Nomination.id))) == 1

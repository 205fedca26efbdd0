"""Judging through real forms: a judge declares, reads and scores; a
conflicted judge sees nothing and a crafted score is refused; the awards
team appoint the panel, record a conflict and read the results."""

from html import unescape

from markupsafe import escape
from sqlalchemy import func, select

from awards.models import (
    ConflictDeclaration, ConflictKind, Nomination, NominationAnswer, NominationStatus, NomineeKind, PanelMember, Score,
    ScoreSheet,
)
from core.database import utcnow
from core.extensions import db
from core.accounts.models import User
from tests.awards.factories import CategoryFactory, CycleFactory
from tests.conftest import error_summary, sign_in, submit


def text_of(response):
    return response.get_data(as_text=True)


def judging_world(app, *judges, blind=False):
    """A category in its judging window, two eligible nominations, and these judges on its panel."""
    with app.app_context():
        cycle = CycleFactory(judging=True, blind_judging=blind)
        category = CategoryFactory(cycle=cycle, name="Unsung Hero")
        nominations = [Nomination(category=category, status=NominationStatus.ELIGIBLE, nominator_name="Pat Neighbour",
                                  nominator_email="pat@example.org", relationship_to_nominee="Neighbour",
                                  nominee_name=name, nominee_kind=NomineeKind.INDIVIDUAL, nominee_area="Corby",
                                  nominee_email=f"{name.split()[0].lower()}@example.org")
                       for name in ("Amira Hussain", "Grace Okafor")]
        db.session.add_all(nominations)
        for judge in judges:
            db.session.add(PanelMember(category_id=category.id, email=judge.email, user_id=judge.id))
        db.session.commit()
        return category.id, [c.id for c in category.criteria], [n.id for n in nominations]


def test_a_judge_declares_then_reads_and_scores(app, make_user):
    judge = make_user()
    _, (impact, reach), (amira, _) = judging_world(app, judge, blind=True)
    browser = app.test_client()
    sign_in(browser, judge)
    page = f"/judging/nominations/{amira}"
    assert "Amira Hussain" in text_of(browser.get("/judging"))
    before = text_of(browser.get(page))
    assert "Before you read this nomination" in before and "What has the nominee done?" not in before
    assert "Pat Neighbour" not in before  # blind judging: the nominator stays hidden
    no_answer = submit(browser, f"{page}/declaration", {}, form_url=page)
    assert no_answer.status_code == 400 and "Say whether you have a connection" in text_of(no_answer)
    submit(browser, f"{page}/declaration", {"kind": "none"}, form_url=page)
    reading = text_of(browser.get(page))
    assert "What has the nominee done?" in reading and "Pat Neighbour" not in reading
    assert "amira@example.org" not in reading  # nominees' contacts hidden by default
    missing = submit(browser, f"{page}/scores", {f"criterion_{impact}": "4", "send": "Submit scores"})
    assert missing.status_code == 400 and "Score “Reach”" in text_of(missing)
    submit(browser, f"{page}/scores", {f"criterion_{impact}": "4", f"criterion_{reach}": "2", "comment": "Strong",
                                       "send": "Submit scores"})
    submit(browser, f"{page}/submit")
    assert "Submitted" in text_of(browser.get(page))
    again = submit(browser, f"{page}/scores", {f"criterion_{impact}": "5", f"criterion_{reach}": "5",
                                               "send": "Submit scores"}, form_url="/judging")
    assert "already submitted your scores" in text_of(again)
    with app.app_context():
        sheet = db.session.scalar(select(ScoreSheet))
        assert [s.value for s in sheet.scores] == [4, 2] and sheet.submitted_at is not None


def test_each_unscored_criterion_is_named_in_the_error_summary(app, make_user):
    """Found walking the site: a score sheet listed "Score this criterion"
    once per criterion, so the summary's links could not be told apart."""
    judge = make_user()
    _, (impact, reach), (amira, _) = judging_world(app, judge, blind=True)
    browser = app.test_client()
    sign_in(browser, judge)
    page = f"/judging/nominations/{amira}"
    submit(browser, f"{page}/declaration", {"kind": "none"}, form_url=page)
    assert error_summary(submit(browser, f"{page}/scores", {"send": "Submit scores"}, form_url=page)) == [
        (f"#criterion_{impact}", "Score “Impact”"), (f"#criterion_{reach}", "Score “Reach”")]
    assert error_summary(submit(browser, f"{page}/scores", {f"criterion_{impact}": "9", f"criterion_{reach}": "0",
                                                            "send": "Submit scores"}, form_url=page)) == [
        (f"#criterion_{impact}", "Score “Impact” from 1 to 5"), (f"#criterion_{reach}", "Score “Reach” from 1 to 5")]


def test_a_conflicted_judge_sees_nothing_and_a_crafted_score_changes_nothing(app, make_user):
    judge = make_user()
    _, (impact, reach), (amira, _) = judging_world(app, judge)
    browser = app.test_client()
    sign_in(browser, judge)
    page = f"/judging/nominations/{amira}"
    submit(browser, f"{page}/declaration", {"kind": "close_friend"}, form_url=page)
    shown = text_of(browser.get(page))
    assert "not yours to judge" in shown and "What has the nominee done?" not in shown
    crafted = submit(browser, f"{page}/scores", {f"criterion_{impact}": "5", f"criterion_{reach}": "5",
                                                 "send": "Submit scores"}, form_url="/judging")
    assert crafted.status_code == 400 and "You cannot score this nomination" in text_of(crafted)
    with app.app_context():
        assert db.session.scalar(select(func.count(ScoreSheet.id))) == 0


def test_a_grouped_nomination_is_read_with_its_lead_and_not_on_its_own(app, make_user):
    judge = make_user()
    _, _, (amira, grace) = judging_world(app, judge)
    team = app.test_client()
    sign_in(team, make_user(roles=["awards_administrator"]))
    with app.app_context():
        second = db.session.get(Nomination, grace)
        second.nominee_name, second.nominator_name = "Amira Hussain", "Sam Second"
        second.answers = [NominationAnswer(question_id=db.session.get(Nomination, amira).category.questions[0].id,
                                           text="She mends bikes for refugee children.")]
        db.session.commit()
    screen = f"/manage/awards/nominations/{grace}"
    assert "These look like the same nominee" in text_of(team.get(screen))
    submit(team, f"{screen}/group", {"lead_id": str(amira)}, form_url=screen)
    assert "Judged together with the nomination of" in text_of(team.get(screen))
    browser = app.test_client()
    sign_in(browser, judge)
    assert browser.get(f"/judging/nominations/{grace}").status_code == 404
    page = f"/judging/nominations/{amira}"
    submit(browser, f"{page}/declaration", {"kind": "none"}, form_url=page)
    assert "She mends bikes for refugee children." in text_of(browser.get(page))
    assert text_of(browser.get("/judging")).count("Amira Hussain") == 1


def test_a_judge_cannot_reach_another_panels_nominations(app, make_user):
    judge, outsider = make_user(), make_user()
    _, _, (amira, _) = judging_world(app, judge)
    judging_world(app, outsider)
    browser = app.test_client()
    sign_in(browser, outsider)
    assert browser.get(f"/judging/nominations/{amira}").status_code == 404


def test_the_awards_team_appoint_judges_record_conflicts_and_read_results(app, make_user):
    judge, second = make_user(), make_user()
    category_id, (impact, reach), (amira, grace) = judging_world(app, judge)
    team = app.test_client()
    sign_in(team, make_user(roles=["awards_administrator"]))
    panel = f"/manage/awards/categories/{category_id}/panel"
    submit(team, panel, {"email": second.email})
    assert escape(second.name) in text_of(team.get(panel))
    twice = submit(team, panel, {"email": second.email})
    assert "is already on the Unsung Hero panel" in text_of(twice)

    judging = app.test_client()
    sign_in(judging, judge)
    for nomination in (amira, grace):
        page = f"/judging/nominations/{nomination}"
        submit(judging, f"{page}/declaration", {"kind": "none"}, form_url=page)
    submit(judging, f"/judging/nominations/{amira}/scores", {f"criterion_{impact}": "5", f"criterion_{reach}": "2",
                                                              "send": "Submit scores"}, form_url="/judging")
    submit(judging, f"/judging/nominations/{amira}/submit", form_url="/judging")
    screen = f"/manage/awards/nominations/{grace}"
    with app.app_context():
        judge_id = db.session.scalar(select(User.id).where(User.email == judge.email))
    submit(team, f"{screen}/conflicts", {"judge_id": str(judge_id), "kind": "employment", "note": "Her manager"},
           form_url=screen)
    assert "Employer or employee (Her manager), recorded by the awards team" in text_of(team.get(screen))
    results = text_of(team.get(f"/manage/awards/categories/{category_id}/results"))
    assert "4.00" in results and "Not scored" in results and "Not applicable" in results
    assert f"{escape(judge.name)} on Grace Okafor: employer or employee" in results
    with app.app_context():
        assert db.session.scalar(select(func.count(ConflictDeclaration.id))) == 2


def test_a_judge_sees_a_young_nominees_contact_only_as_the_safeguarding_note(app, make_user):
    """The nominee's contact details go through the safeguarding gate: a
    nominee who is a young member of a youth forum is shown to judges by the note."""
    from datetime import date, timedelta

    from forums.models import ForumKind
    from forums.permissions import YOUNG_MEMBERS_NOTE
    from tests.factories import UserFactory
    from tests.forums.factories import ForumFactory, MembershipFactory

    from awards.models import AwardCategory

    judge = make_user()
    category_id, _, (amira, grace) = judging_world(app, judge)
    with app.app_context():
        db.session.get(AwardCategory, category_id).cycle.hide_nominee_contacts = False  # judges may contact nominees
        young = UserFactory(email="amira@example.org")  # Amira's nomination gives this address
        MembershipFactory(forum=ForumFactory(kind=ForumKind.YOUTH, min_age=11, max_age=25), user=young,
                          date_of_birth=date.today() - timedelta(days=15 * 366))
    browser = app.test_client()
    sign_in(browser, judge)
    for nomination in (amira, grace):
        page = f"/judging/nominations/{nomination}"
        submit(browser, f"{page}/declaration", {"kind": "none"}, form_url=page)
    # Translated (core.i18n), the note is drawn as written: compare what a reader sees.
    assert YOUNG_MEMBERS_NOTE in unescape(text_of(browser.get(f"/judging/nominations/{amira}")))
    assert "amira@example.org" not in text_of(browser.get(f"/judging/nominations/{amira}"))
    assert "grace@example.org" in text_of(browser.get(f"/judging/nominations/{grace}"))


def test_the_results_say_who_has_not_scored_yet_and_judges_never_see_it(app, make_user):
    first, late = make_user(), make_user(name="Lee Late")
    category_id, (impact, reach), (amira, grace) = judging_world(app, first, late)
    with app.app_context():
        cycle = db.session.get(Nomination, amira).category.cycle
        cycle.normalise_after = 2
        db.session.commit()
    judge = app.test_client()
    sign_in(judge, first)
    for nomination in (amira, grace):
        page = f"/judging/nominations/{nomination}"
        submit(judge, f"{page}/declaration", {"kind": "none"}, form_url=page)
        with app.app_context():
            db.session.add(ScoreSheet(nomination_id=nomination, judge_id=db.session.scalar(
                select(User.id).where(User.email == first.email)), submitted_at=utcnow(), scores=[
                Score(criterion_id=impact, value=5 if nomination == amira else 2),
                Score(criterion_id=reach, value=3)]))
            db.session.commit()
    team = app.test_client()
    sign_in(team, make_user(roles=["awards_administrator"]))
    results = text_of(team.get(f"/manage/awards/categories/{category_id}/results"))
    assert "These results are not final" in results and "Lee Late has not submitted any scores yet" in results
    assert "Not applicable" in results and "Ranked by the raw score" in results
    for page in ("/judging", f"/judging/nominations/{amira}"):
        assert "Lee Late" not in text_of(judge.get(page)) and "not final" not in text_of(judge.get(page))


def test_submitting_scores_asks_first_and_says_they_are_final(app, make_user):
    """Issue 20: Submit scores was final in one click."""
    judge = make_user()
    _, (impact, reach), (amira, _) = judging_world(app, judge)
    browser = app.test_client()
    sign_in(browser, judge)
    page = f"/judging/nominations/{amira}"
    submit(browser, f"{page}/declaration", {"kind": "none"}, form_url=page)
    confirm = f"{page}/submit"
    assert browser.get(confirm).location == page  # nothing saved to submit yet: back to the nomination
    sent = submit(browser, f"{page}/scores", {f"criterion_{impact}": "4", f"criterion_{reach}": "2",
                                              "comment": "Strong local work", "send": "Submit scores"})
    assert sent.status_code == 302 and sent.location == confirm
    asked = text_of(browser.get(confirm))
    assert "Submit your scores for Amira Hussain?" in asked and "you cannot change them" in asked
    assert "4 out of 5" in asked and "Strong local work" in asked and f'href="{page}">Cancel' in asked
    with app.app_context():
        sheet = db.session.scalar(select(ScoreSheet))
        assert sheet.submitted_at is None and [s.value for s in sheet.scores] == [4, 2]  # kept as a draft
    assert "Draft saved" in text_of(browser.get("/judging"))
    changed = submit(browser, f"{page}/scores", {f"criterion_{impact}": "5", f"criterion_{reach}": "2",
                                                 "send": "Submit scores"}, form_url=page)
    assert changed.location == confirm and "5 out of 5" in text_of(browser.get(confirm))
    done = submit(browser, confirm, follow_redirects=True)
    assert "Your scores are submitted." in text_of(done)
    with app.app_context():
        sheet = db.session.scalar(select(ScoreSheet))
        assert sheet.submitted_at is not None and [s.value for s in sheet.scores] == [5, 2]
    assert browser.get(confirm).location == page  # submitted: nothing more to confirm


def test_a_judge_is_offered_no_scoring_while_the_results_are_published(app, make_user):
    """Issue 20: with the cycle's dates moved so that judging was open again,
    a judge could save and submit scores under the published results."""
    judge = make_user()
    _, (impact, reach), (amira, _) = judging_world(app, judge)
    with app.app_context():
        db.session.add(ConflictDeclaration(nomination_id=amira, judge_id=judge.id, kind=ConflictKind.NONE))
        db.session.get(Nomination, amira).category.cycle.results_published_at = utcnow()
        db.session.commit()
    browser = app.test_client()
    sign_in(browser, judge)
    page = f"/judging/nominations/{amira}"
    shown = text_of(browser.get(page))
    assert "The results are published, so scores cannot be given" in shown and 'name="send"' not in shown
    refused = submit(browser, f"{page}/scores", {f"criterion_{impact}": "4", f"criterion_{reach}": "2",
                                                 "save": "Save as draft"}, form_url=page, follow_redirects=True)
    assert "judges&#39; scores and conflicts are locked" in text_of(refused)
    with app.app_context():
        assert db.session.scalar(select(func.count(ScoreSheet.id))) == 0


def test_the_judging_list_costs_the_same_queries_for_one_panel_or_three(app, make_user):
    """Each panel's nominations and where the judge is with each are read
    for all panels at once, not panel by panel."""
    from sqlalchemy import event as sa_event
    judge = make_user()
    browser = app.test_client()
    sign_in(browser, judge)

    def selects() -> tuple[int, str]:
        with app.app_context():
            seen = []
            listener = lambda conn, cursor, statement, *args: seen.append(statement)  # noqa: E731
            sa_event.listen(db.engine, "before_cursor_execute", listener)
            try:
                page = browser.get("/judging")
            finally:
                sa_event.remove(db.engine, "before_cursor_execute", listener)
        assert page.status_code == 200
        return sum(s.lstrip().upper().startswith("SELECT") for s in seen), text_of(page)

    judging_world(app, judge)
    one, _ = selects()
    _, _, (amira, _) = judging_world(app, judge)
    judging_world(app, judge)
    with app.app_context():
        db.session.add(ConflictDeclaration(nomination_id=amira, judge_id=judge.id, kind=ConflictKind.NONE))
        db.session.commit()
    three, page = selects()
    assert page.count("Amira Hussain") == 3 and "To score" in page and page.count("Declare any conflict") == 5
    assert three == one

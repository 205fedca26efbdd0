"""Award pages through real forms: the public stage pages, nominating as a
guest and as a member (drafts), the emailed link, and the awards team's
set-up and screening."""
from datetime import timedelta

from markupsafe import escape
from sqlalchemy import func, select

from awards import decisions
from awards.screening import mark_ineligible
from awards.models import (
    AwardCategory, AwardCycle, Nomination, NominationAnswer, NominationStatus, Outcome, Referee,
)
from core.accounts.models import User
from core.database import utcnow, write_lock
from core.extensions import db
from core.models import AuditEntry, OutboxMessage
from tests.awards.factories import CategoryFactory, CycleFactory
from tests.awards.test_decisions import eligible
from tests.conftest import error_summary, sign_in, submit
from tests.factories import UserFactory
from tests.core.test_personal_data import nomination_by


def text_of(response):
    return response.get_data(as_text=True)


def a_category(app, **fields):
    with app.app_context():
        category = CategoryFactory(**fields)
        db.session.commit()
        return category.id, [q.id for q in category.questions]


def answers(question_ids, text="They bring neighbours of every faith together."):
    return {f"question_{question_id}": text for question_id in question_ids}


def test_the_public_see_each_cycles_stage_and_categories(app, client):
    with app.app_context():
        CycleFactory(name="Awards 2026", nominations_open_at=utcnow() - timedelta(days=400),
                     nominations_close_at=utcnow() - timedelta(days=300),
                     judging_opens_at=utcnow() - timedelta(days=290), judging_closes_at=utcnow() - timedelta(days=280),
                     announce_at=utcnow() - timedelta(days=270), results_published_at=utcnow() - timedelta(days=270))
        CategoryFactory(cycle=CycleFactory(name="Awards 2027"), name="Unsung Hero")
        db.session.commit()
    listing = text_of(client.get("/awards"))
    assert "Awards 2026" in listing and "Winners announced" in listing and "Nominations open" in listing
    with app.app_context():
        cycle_id = db.session.scalar(select(AwardCycle.id).where(AwardCycle.name == "Awards 2027"))
        category_id = db.session.scalar(select(AwardCategory.id))
    assert "Unsung Hero" in text_of(client.get(f"/awards/{cycle_id}"))
    page = text_of(client.get(f"/awards/categories/{category_id}"))
    assert "What has the nominee done? (up to 20 words)" in page and "Impact (counts 2 times)" in page
    assert "Make a nomination" in page


def test_a_guest_nominates_and_confirms_by_the_emailed_link(app, client):
    category_id, question_ids = a_category(app, name="Unsung Hero")
    url = f"/awards/categories/{category_id}/nominate"
    incomplete = submit(client, url, {"nominator_name": "Pat", "nominee_name": "Amira Hussain"})
    page = text_of(incomplete)
    assert "Enter your email address" in page and "Answer “What has the nominee done?”" in page
    assert "Tick the box to agree" in page and 'value="Amira Hussain"' in page  # typed words stay
    form = {"nominator_name": "Pat Neighbour", "nominator_email": "pat@example.org", "nominating": "other",
            "relationship": "Neighbour", "nominee_name": "Amira Hussain", "nominee_area": "Corby",
            "nominee_knows": "yes", "data_consent": "y", **answers(question_ids)}
    too_long = submit(client, url, {**form, **answers(question_ids[:1], " ".join(["word"] * 21))})
    assert "has 21 words: keep it to 20 or fewer" in text_of(too_long)
    sent = submit(client, url, form, follow_redirects=True)
    assert "Check your email" in text_of(sent)
    with app.app_context():
        nomination = db.session.scalar(select(Nomination))
        assert nomination.status == NominationStatus.UNCONFIRMED
        body = db.session.scalar(select(OutboxMessage.body).where(OutboxMessage.recipient == "pat@example.org"))
    link = "/awards/nominations/link/" + body.split("/awards/nominations/link/")[1].split()[0]
    assert "Confirm my nomination" in text_of(client.get(link))
    with app.app_context():
        assert db.session.scalar(select(Nomination.status)) == NominationStatus.UNCONFIRMED  # opening changes nothing
    confirmed = submit(client, link, {"action": "confirm"}, follow_redirects=True)
    assert "your nomination is confirmed" in text_of(confirmed)
    withdrawn = submit(client, f"{link}/withdraw", follow_redirects=True)
    assert "has been withdrawn" in text_of(withdrawn)
    with app.app_context():
        assert db.session.scalar(select(Nomination.status)) == NominationStatus.WITHDRAWN


def test_a_reload_after_nominating_shows_what_happened_again(app, client, make_user):
    """Found walking the site: reloading the page after sending sent the form
    again, and a guest was told there was a problem (they had already
    nominated; see My nominations, which a guest does not have). Sending now
    goes on to a page of its own, which a reload shows again."""
    category_id, question_ids = a_category(app, name="Unsung Hero")
    url = f"/awards/categories/{category_id}/nominate"
    sent = submit(client, url, {"nominator_name": "Pat Neighbour", "nominator_email": "pat@example.org",
                                "nominating": "other", "relationship": "Neighbour", "nominee_name": "Amira Hussain",
                                "nominee_area": "Corby", "nominee_knows": "yes", "data_consent": "y",
                                **answers(question_ids)})
    assert sent.status_code == 302 and sent.location == f"/awards/categories/{category_id}/nominated"
    for _ in ("shown", "reloaded"):
        page = client.get(sent.location)
        assert page.status_code == 200 and "Check your email" in text_of(page)
        assert "We have sent a link to pat@example.org" in text_of(page) and "There is a problem" not in text_of(page)
    with app.app_context():
        assert db.session.scalar(select(func.count(Nomination.id))) == 1
        other_id = CategoryFactory(cycle=db.session.get(AwardCategory, category_id).cycle).id
        db.session.commit()
    # Nothing sent from here for that category, or from another browser at all: the form, not someone's page.
    assert client.get(f"/awards/categories/{other_id}/nominated").location == f"/awards/categories/{other_id}/nominate"
    assert app.test_client().get(sent.location).location == url
    with app.app_context():
        body = db.session.scalar(select(OutboxMessage.body).where(OutboxMessage.recipient == "pat@example.org"))
    submit(client, "/awards/nominations/link/" + body.split("/awards/nominations/link/")[1].split()[0],
           {"action": "confirm"})
    confirmed = text_of(client.get(sent.location))  # reloaded once the emailed link is followed
    assert "Nomination sent" in confirmed and "from the link in that email" in confirmed
    assert "My nominations" not in confirmed.split("<main")[1]

    member = app.test_client()
    sign_in(member, make_user())
    sent = submit(member, url, {"nominating": "other", "relationship": "Teacher", "nominee_name": "Grace Okafor",
                                "nominee_area": "Corby", "nominee_knows": "yes", "data_consent": "y",
                                **answers(question_ids), "send": "Send nomination"})
    assert sent.status_code == 302 and sent.location == f"/awards/categories/{category_id}/nominated"
    for _ in ("shown", "reloaded"):
        page = text_of(member.get(sent.location))
        assert "Nomination sent" in page and "Grace Okafor" in page and "My nominations" in page
    with app.app_context():
        assert db.session.scalar(select(func.count(Nomination.id))) == 2


def test_each_unanswered_question_is_named_in_the_error_summary(app, client):
    """Found walking the site: the summary listed "Answer this question"
    twice, so a screen-reader user could not tell which link went where."""
    category_id, (done, difference) = a_category(app, name="Unsung Hero")
    url = f"/awards/categories/{category_id}/nominate"
    form = {"nominator_name": "Pat Neighbour", "nominator_email": "pat@example.org", "nominating": "other",
            "relationship": "Neighbour", "nominee_name": "Amira Hussain", "nominee_area": "Corby",
            "nominee_knows": "yes", "data_consent": "y"}
    assert error_summary(submit(client, url, form)) == [(f"#question_{done}", "Answer “What has the nominee done?”"),
                                                        (f"#question_{difference}",
                                                         "Answer “What difference has it made?”")]
    too_long = " ".join(["word"] * 21)
    assert error_summary(submit(client, url, {**form, **answers([done, difference], too_long)})) == [
        (f"#question_{done}", "Your answer to “What has the nominee done?” has 21 words: keep it to 20 or fewer")]
    referees = {"referee_1_name": "Jo", "referee_2_name": "Sam"}
    assert error_summary(submit(client, url, {**form, **answers([done, difference]), **referees})) == [
        ("#referee_1_relationship", "Say how referee 1 knows the nominee"),
        ("#referee_1_statement", "Enter referee 1's statement"),
        ("#referee_2_relationship", "Say how referee 2 knows the nominee"),
        ("#referee_2_statement", "Enter referee 2's statement")]


def test_a_member_saves_a_draft_comes_back_and_sends_it(app, make_user):
    member, stranger = make_user(), make_user()
    category_id, question_ids = a_category(app)
    browser = app.test_client()
    sign_in(browser, member)
    url = f"/awards/categories/{category_id}/nominate"
    saved = submit(browser, url, {"nominee_name": "Amira Hussain", "draft": "Save as draft"}, follow_redirects=True)
    assert "Your draft is saved" in text_of(saved) and "Amira Hussain" in text_of(saved)
    with app.app_context():
        draft_id = db.session.scalar(select(Nomination.id))
    edit = f"/awards/nominations/{draft_id}/edit"
    assert 'value="Amira Hussain"' in text_of(browser.get(edit))
    other = app.test_client()
    sign_in(other, stranger)
    assert other.get(edit).status_code == 404  # someone else's draft does not exist for them
    sent = submit(browser, edit, {"nominating": "other", "relationship": "Teacher", "nominee_name": "Amira Hussain",
                                  "nominee_area": "Corby", "nominee_knows": "no",
                                  "nominee_not_told_reason": "It is a surprise", "data_consent": "y",
                                  **answers(question_ids), "send": "Send nomination"}, follow_redirects=True)
    assert "Nomination sent" in text_of(sent)
    with app.app_context():
        nomination = db.session.get(Nomination, draft_id)
        assert (nomination.status, nomination.nominator_email) == (NominationStatus.SUBMITTED, member.email)
    assert browser.get(edit).status_code == 404  # sent: no longer a draft to edit
    mine = text_of(browser.get("/my-nominations"))
    assert "Amira Hussain" in mine and "Submitted" in mine


def test_a_draft_with_an_answer_is_saved_again_and_sent(app, make_user):
    """Issue 20: the second save of a draft with an answer was a 500, and then
    a new nomination was refused as a repeat: the nominator was stuck."""
    member = make_user()
    category_id, question_ids = a_category(app)
    browser = app.test_client()
    sign_in(browser, member)
    submit(browser, f"/awards/categories/{category_id}/nominate", {
        "nominee_name": "Amira Hussain", **answers(question_ids[:1], "A first thought."), "draft": "Save as draft"})
    with app.app_context():
        draft_id = db.session.scalar(select(Nomination.id))
    edit = f"/awards/nominations/{draft_id}/edit"
    again = submit(browser, edit, {"nominee_name": "Amira Hussain", **answers(question_ids, "Second thoughts."),
                                   "draft": "Save as draft"}, follow_redirects=True)
    assert again.status_code == 200 and "Your draft is saved" in text_of(again)
    assert "Second thoughts." in text_of(browser.get(edit))
    sent = submit(browser, edit, {"nominating": "other", "relationship": "Teacher", "nominee_name": "Amira Hussain",
                                  "nominee_area": "Corby", "nominee_knows": "yes", "data_consent": "y",
                                  **answers(question_ids), "send": "Send nomination"}, follow_redirects=True)
    assert sent.status_code == 200 and "Nomination sent" in text_of(sent)
    with app.app_context():
        assert db.session.get(Nomination, draft_id).status == NominationStatus.SUBMITTED
        assert set(db.session.scalars(select(NominationAnswer.text))) == {
            "They bring neighbours of every faith together."}


def test_withdrawing_a_nomination_asks_first_and_says_what_will_happen(app, make_user):
    """Issue 20: Withdraw was one click and could not be undone."""
    member = make_user()
    category_id, question_ids = a_category(app, name="Unsung Hero")
    browser = app.test_client()
    sign_in(browser, member)
    submit(browser, f"/awards/categories/{category_id}/nominate", {
        "nominating": "other", "relationship": "Neighbour", "nominee_name": "Amira Hussain", "nominee_area": "Corby",
        "nominee_knows": "yes", "data_consent": "y", **answers(question_ids), "send": "Send nomination"})
    with app.app_context():
        nomination_id = db.session.scalar(select(Nomination.id))
    mine = text_of(browser.get("/my-nominations"))
    confirm = f"/my-nominations/{nomination_id}/withdraw"
    assert f'href="{confirm}"' in mine  # a link to the question, not a button that withdraws
    asked = browser.get(confirm)
    page = text_of(asked)
    assert asked.status_code == 200 and "Withdraw your nomination of Amira Hussain?" in page
    assert "The awards team will not consider it" in page and "cannot be undone" in page
    assert 'href="/my-nominations">Cancel' in page and 'name="csrf_token"' in page
    with app.app_context():
        assert db.session.get(Nomination, nomination_id).status == NominationStatus.SUBMITTED  # asking changes nothing
    assert browser.post(confirm, data={}).status_code == 400  # no form token, no change
    done = submit(browser, confirm, follow_redirects=True)
    assert "Your nomination of Amira Hussain has been withdrawn" in text_of(done)
    with app.app_context():
        assert db.session.get(Nomination, nomination_id).status == NominationStatus.WITHDRAWN


def test_withdrawing_by_the_emailed_link_asks_first_too(app, client):
    category_id, question_ids = a_category(app, name="Unsung Hero")
    submit(client, f"/awards/categories/{category_id}/nominate", {
        "nominator_name": "Pat Neighbour", "nominator_email": "pat@example.org", "nominating": "other",
        "relationship": "Neighbour", "nominee_name": "Amira Hussain", "nominee_area": "Corby", "nominee_knows": "yes",
        "data_consent": "y", **answers(question_ids)})
    with app.app_context():
        body = db.session.scalar(select(OutboxMessage.body).where(OutboxMessage.recipient == "pat@example.org"))
    link = "/awards/nominations/link/" + body.split("/awards/nominations/link/")[1].split()[0]
    assert f'href="{link}/withdraw"' in text_of(client.get(link))
    asked = text_of(client.get(f"{link}/withdraw"))
    assert "Withdraw your nomination of Amira Hussain?" in asked and f'href="{link}">Cancel' in asked
    with app.app_context():
        assert db.session.scalar(select(Nomination.status)) == NominationStatus.UNCONFIRMED
    submit(client, link, {"action": "withdraw"})  # the old one-click button's request withdraws nothing
    with app.app_context():
        assert db.session.scalar(select(Nomination.status)) == NominationStatus.UNCONFIRMED
    submit(client, f"{link}/withdraw")
    with app.app_context():
        assert db.session.scalar(select(Nomination.status)) == NominationStatus.WITHDRAWN
    # Found walking it: the link opened again still asked to withdraw it.
    again = client.get(f"{link}/withdraw", follow_redirects=True)
    assert "Your nomination of Amira Hussain has been withdrawn." in text_of(again)
    assert "This cannot be undone" not in text_of(again)


def test_nominating_is_closed_outside_the_window(app, client):
    with app.app_context():
        cycle = CycleFactory(nominations_open_at=utcnow() + timedelta(days=5),
                             nominations_close_at=utcnow() + timedelta(days=30))
        category_id = CategoryFactory(cycle=cycle).id
        db.session.commit()
    closed = client.get(f"/awards/categories/{category_id}/nominate")
    assert closed.status_code == 409 and "Nominations are not open" in text_of(closed)
    assert "Make a nomination" not in text_of(client.get(f"/awards/categories/{category_id}"))


def test_the_awards_team_sets_up_a_cycle_and_a_category(app, make_user):
    team = app.test_client()
    sign_in(team, make_user(roles=["awards_administrator"]))
    cycle = {"name": "Community Cohesion Awards 2028", "nominations_open": ["1", "2", "2028"],
             "nominations_close": ["31", "3", "2028"], "judging_opens": ["1", "4", "2028"],
             "judging_closes": ["30", "4", "2028"], "announce": ["1", "4", "2028"], "ceremony_id": "0",
             "normalise_after": "4", "show_other_scores": "y"}
    refused = submit(team, "/manage/awards/new", cycle)
    assert "Announce the results after judging ends" in text_of(refused)
    assert 'value="Community Cohesion Awards 2028"' in text_of(refused)
    submit(team, "/manage/awards/new", {**cycle, "announce": ["20", "5", "2028"]})
    with app.app_context():
        saved = db.session.scalar(select(AwardCycle))
        cycle_id = saved.id
        assert (saved.normalise_after, saved.show_other_scores, saved.blind_judging) == (4, True, False)
    category = {"name": "Young Cohesion Champion", "nominee_kind": "individual", "min_age": "25", "max_age": "11",
                "scale_max": "5"}
    backwards = submit(team, f"/manage/awards/{cycle_id}/categories/new", category)
    assert "The oldest age must be the same as or more than the youngest" in text_of(backwards)
    submit(team, f"/manage/awards/{cycle_id}/categories/new", {**category, "min_age": "11", "max_age": "25"})
    with app.app_context():
        category_id = db.session.scalar(select(AwardCategory.id))
    edit = f"/manage/awards/categories/{category_id}/edit"
    submit(team, f"/manage/awards/categories/{category_id}/questions",
           {"text": "What has the nominee done?", "word_limit": "300"}, form_url=edit)
    no_weight = submit(team, f"/manage/awards/categories/{category_id}/criteria", {"name": "Impact", "weight": "11"},
                       form_url=edit)
    assert "The weight must be between 1 and 10" in text_of(no_weight)
    # The page's forms are not called `form`; the error summary lists their errors all the same.
    assert "<title>Error: " in text_of(no_weight) and "There is a problem" in text_of(no_weight)
    assert text_of(no_weight).count("The weight must be between 1 and 10") == 2  # in the summary and beside the box
    submit(team, f"/manage/awards/categories/{category_id}/criteria", {"name": "Impact", "weight": "3"},
           form_url=edit)
    public = text_of(app.test_client().get(f"/awards/categories/{category_id}"))
    assert "What has the nominee done? (up to 300 words)" in public and "Impact (counts 3 times)" in public


def test_the_awards_team_screens_and_the_nominator_hears(app, make_user):
    category_id, question_ids = a_category(app, name="Unsung Hero")
    with app.app_context():
        cycle_id = db.session.get(AwardCategory, category_id).cycle_id
        other_id = CategoryFactory(cycle=db.session.get(AwardCycle, cycle_id), name="Young Cohesion Champion").id
        db.session.commit()
    nominator = make_user()
    browser = app.test_client()
    sign_in(browser, nominator)
    submit(browser, f"/awards/categories/{category_id}/nominate", {
        "nominating": "other", "relationship": "Neighbour", "nominee_name": "Amira Hussain", "nominee_area": "Corby",
        "nominee_knows": "yes", "data_consent": "y", **answers(question_ids), "send": "Send nomination"})
    with app.app_context():
        nomination_id = db.session.scalar(select(Nomination.id))
    team = app.test_client()
    sign_in(team, make_user(roles=["awards_administrator"]))
    listing = text_of(team.get(f"/manage/awards/{cycle_id}/nominations"))
    assert "Amira Hussain" in listing and escape(nominator.name) not in listing
    page = f"/manage/awards/nominations/{nomination_id}"
    assert escape(nominator.name) in text_of(team.get(page))
    no_reason = submit(team, page, {"action": "ineligible", "reason": ""})
    assert "Give the reason: it is emailed to the nominator" in text_of(no_reason)
    moved = submit(team, page, {"action": "move", "category_id": str(other_id)})
    assert moved.status_code == 302
    submit(team, page, {"action": "eligible"})
    with app.app_context():
        nomination = db.session.get(Nomination, nomination_id)
        assert (nomination.category_id, nomination.status) == (other_id, NominationStatus.ELIGIBLE)
        subjects = db.session.scalars(select(OutboxMessage.subject).where(
            OutboxMessage.recipient == nominator.email)).all()
    assert "Your nomination has moved to Young Cohesion Champion" in subjects
    eligible_only = text_of(team.get(f"/manage/awards/{cycle_id}/nominations?status=eligible&category={other_id}"))
    assert "Amira Hussain" in eligible_only
    assert team.get(f"/manage/awards/{cycle_id}/nominations?status=nonsense").status_code == 200


def test_a_nominee_who_asks_is_removed_with_every_nomination_of_them(app, make_user):
    with app.app_context():
        category = CategoryFactory(name="Good Neighbour")
        lead = nomination_by(category, name="Pat", email="pat@example.org", nominee="Mrs Patel")
        again = nomination_by(category, name="Lee", email="lee@example.org", nominee="Mrs S Patel")
        again.group_with_id = lead.id
        db.session.add(Referee(nomination_id=lead.id, name="A Referee", relationship_to_nominee="Vicar",
                               statement="She runs the street's lunch club."))
        kept = nomination_by(category, name="Ann", email="ann@example.org", nominee="Mr Jones")
        db.session.commit()
        lead_id, cycle_id, kept_id = lead.id, category.cycle_id, kept.id
    team = app.test_client()
    sign_in(team, make_user(roles=["awards_administrator"]))
    page = text_of(team.get(f"/manage/awards/nominations/{lead_id}"))
    assert "If the nominee asks to be removed" in page and "and the 1 nomination grouped under it" in page
    done = submit(team, f"/manage/awards/nominations/{lead_id}/remove",
                  form_url=f"/manage/awards/nominations/{lead_id}")
    assert done.status_code == 302 and done.location == f"/manage/awards/{cycle_id}/nominations"
    with app.app_context():
        assert [n.id for n in db.session.scalars(select(Nomination))] == [kept_id]
        assert db.session.scalars(select(Referee)).all() == []
        assert len(db.session.scalars(select(NominationAnswer)).all()) == 1  # Mr Jones's
        told = db.session.scalars(select(OutboxMessage).where(
            OutboxMessage.subject == "Your nomination: Good Neighbour"))
        assert sorted(m.recipient for m in told) == ["lee@example.org", "pat@example.org"]
        [entry] = db.session.scalars(select(AuditEntry).where(
            AuditEntry.action == "awards.nomination_removed_at_nominees_request"))
        assert "Patel" not in str(entry.details) and entry.details["nominations"] == 2


def test_certificates_are_offered_only_once_someone_is_on_the_shortlist(app, make_user):
    """The link showed on a cycle with no decisions and led to Page not
    found (found walking the site)."""
    with app.test_request_context(), write_lock(every_transaction=True):
        category = CategoryFactory(cycle=CycleFactory(announcing=True), name="Unsung Hero")
        amira, grace = eligible(category, "Amira Hussain"), eligible(category, "Grace Okafor")
        db.session.commit()
        cycle_id, amira_id, grace_id = category.cycle_id, amira.id, grace.id
    administrator = make_user(roles=["awards_administrator"])
    team = app.test_client()
    sign_in(team, administrator)
    manage = f"/manage/awards/{cycle_id}"

    def decide(nomination_id, outcome):
        with app.test_request_context(), write_lock(every_transaction=True):
            decisions.decide(db.session.get(Nomination, nomination_id), outcome, rationale="The panel agreed",
                             actor=db.session.get(User, administrator.id))
            db.session.commit()

    assert "Download certificates" not in text_of(team.get(manage))
    assert team.get(f"{manage}/certificates.pdf").status_code == 404
    decide(grace_id, Outcome.NOT_SHORTLISTED)
    assert "Download certificates" not in text_of(team.get(manage))
    decide(amira_id, Outcome.WINNER)
    assert f'href="{manage}/certificates.pdf">Download certificates (PDF)' in text_of(team.get(manage))
    assert team.get(f"{manage}/certificates.pdf").status_code == 200


def test_a_guests_nomination_emails_are_written_in_the_language_they_nominated_in(app, client, monkeypatch):
    """A guest has no account to keep a language on: the confirmation, and the
    copy sent when they follow its link, are in the language of the pages they used."""
    from core import email
    written_in = []
    chosen = email.in_language
    monkeypatch.setattr(email, "in_language", lambda code: written_in.append(code) or chosen(code))
    category_id, question_ids = a_category(app, name="Unsung Hero")
    polish = {"Accept-Language": "pl"}
    sent = submit(client, f"/awards/categories/{category_id}/nominate", {
        "nominator_name": "Pat Neighbour", "nominator_email": "pat@example.org", "nominating": "other",
        "relationship": "Neighbour", "nominee_name": "Amira Hussain", "nominee_area": "Corby", "nominee_knows": "yes",
        "data_consent": "y", **answers(question_ids)}, headers=polish)
    assert sent.status_code == 302 and written_in == ["pl"]
    with app.app_context():
        body = db.session.scalar(select(OutboxMessage.body).where(OutboxMessage.recipient == "pat@example.org"))
    link = "/awards/nominations/link/" + body.split("/awards/nominations/link/")[1].split()[0]
    assert submit(client, link, {"action": "confirm"}, headers=polish).status_code == 302
    assert written_in == ["pl", "pl"]
    # Later emails come from the awards team's requests, in English: still in the guest's language.
    with app.test_request_context(headers={"Accept-Language": "en"}):
        nomination = db.session.scalar(select(Nomination).where(Nomination.nominator_email == "pat@example.org"))
        mark_ineligible(nomination, reason="Lives outside the county", actor=UserFactory(roles=["awards_administrator"]))
        db.session.commit()
    assert written_in == ["pl", "pl", "pl"]


def test_the_word_counters_count_in_the_readers_language(app, client):
    """Found walking: "You have 300 words remaining" under every box of a Polish nomination form."""
    category_id, _questions = a_category(app, name="Unsung Hero")
    page = client.get(f"/awards/categories/{category_id}/nominate", headers={"Accept-Language": "pl"})
    text = page.get_data(as_text=True)
    assert "words remaining" not in text and "words too many" not in text
    assert "Zostało Ci %{count} słów" in text and "Masz o %{count} słów za dużo" in text

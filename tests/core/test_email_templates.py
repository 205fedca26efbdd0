"""Every plain-text email, rendered with realistic details, reads as lines:
each "Label:" starts a line of its own (never "NN1 1DEQuestions:"), no label
runs into a link ("judging opens:http://..."), and no email asks people to
reply unless every call that sends it gives a Reply-To (mail comes from a
no-reply address)."""
import ast
import re
from datetime import date, datetime, timezone
from pathlib import Path
from types import SimpleNamespace as NS

import pytest
from flask import render_template

from awards.models import Outcome
from events.models import EventStatus, RegistrationStatus

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "templates" / "email"
APP_PACKAGES = ("core", "events", "forums", "awards", "reports", "api", "seed")
# "Reply to this email", "replies go to", "respond to this", "write back", "answer this email"...
ASKS_FOR_A_REPLY = re.compile(r"\b(?:repl(?:y|ies|ying)|respond\w*|write back|answer(?:ing)? (?:this|the) "
                              r"(?:e-?mail|message))\b", re.IGNORECASE)
LABEL_AT_LINE_START = re.compile(r"^([A-Z][A-Za-z' ]{1,30}):", re.MULTILINE)
LABEL_INTO_LINK = re.compile(r"[A-Za-z)]:(?:https?|mailto):")
RUN_TOGETHER = re.compile(r"[a-z0-9.)][A-Z][a-z]+(?: [a-z]+)*:")

WHEN = datetime(2027, 7, 3, 13, 0, tzinfo=timezone.utc)
UNTIL = datetime(2027, 7, 3, 15, 30, tzinfo=timezone.utc)
VENUE = NS(name="Guildhall", address="St Giles Square\nNorthampton", postcode="NN1 1DE")
CYCLE = NS(name="Community Awards 2027", nominations_close_at=WHEN, judging_opens_at=WHEN, judging_closes_at=UNTIL,
           announce_at=UNTIL)
QUESTIONS = [NS(id=1, text="What have they done?"), NS(id=2, text="Who has it helped?")]
CATEGORY = NS(name="Young volunteer", cycle=CYCLE, questions=QUESTIONS)
FORUM = NS(id=1, name="Northampton Youth Forum", purpose="Young people shaping the town", area="Northampton",
           contact_address="youth.forum@example.org")
USER = NS(name="Ann Example", email_confirmed=True)
MEMBERSHIP = NS(user=USER, forum=FORUM, role=NS(label="Member"), decline_reason="The forum is full this year.",
                parent_name="Bea Example", term_ends_on=date(2027, 9, 1))


def _event(venue, online_url, status="published"):
    return NS(title="Summer fair", starts_at=WHEN, ends_at=UNTIL, venue=venue, online_url=online_url,
              contact_email="fair@example.org", offer_hours=48, status=EventStatus(status))


def _registration(status="confirmed", tickets=1):
    return NS(name="Ann Example", status=RegistrationStatus(status), tickets=tickets,
              offer_expires_at=UNTIL)


def _nomination():
    return NS(nominator_name="Ann Example", nominee_name="Cal Example", nominee_area="Kettering",
              relationship_to_nominee="Neighbour", category=CATEGORY, answer_to=lambda qid: f"Answer {qid}.",
              referees=[NS(name="Dee", relationship_to_nominee="Teacher", statement="Always there.")],
              screening_reason="They live outside the county.")


def _meeting(venue, online_url):
    return NS(title="Members' meeting", starts_at=WHEN, ends_at=UNTIL, venue=venue, online_url=online_url,
              contact_email="forum@example.org")


def _event_contexts(**extra):
    """The event details in each way they can be: venue, online, both; booked or waiting."""
    for venue, online_url in ((VENUE, None), (None, "https://meet.example/fair"), (VENUE, "https://meet.example/x")):
        for status in ("confirmed", "waitlisted"):
            yield dict(event=_event(venue, online_url), registration=_registration(status, 2 if venue else 1),
                       link="https://site.example/registrations/abc", **extra)


CONTEXTS = {
    "address_has_an_account": [dict(changing=flag, sign_in_link="https://site.example/sign-in",
                                    reset_link="https://site.example/forgot-password") for flag in (True, False)],
    "award_judge_appointed": [dict(account=USER, category=CATEGORY, link="https://site.example/judging"),
                              dict(account=None, category=CATEGORY, link="https://site.example/sign-up")],
    "award_nomination_confirm": [dict(nomination=_nomination(), link="https://site.example/n/1")],
    "award_nomination_copy": [dict(nomination=_nomination(), link="https://site.example/n/1")],
    "award_nomination_ineligible": [dict(nomination=_nomination())],
    "award_nomination_moved": [dict(nomination=_nomination(), moved_from=NS(name="Good neighbour"))],
    "award_nomination_removed": [dict(nomination=_nomination())],
    "award_not_shortlisted": [dict(nomination=_nomination(), winners_published=flag, link="https://site.example/a")
                              for flag in (True, False)],
    "award_result": [dict(nomination=_nomination(), outcome=NS(value=outcome), to_nominee=to_nominee,
                          link="https://site.example/results")
                     for outcome in (Outcome.WINNER, Outcome.HIGHLY_COMMENDED, Outcome.SHORTLISTED)
                     for to_nominee in (True, False)],
    "award_shortlisted": [dict(nomination=_nomination(), to_nominee=flag, link="https://site.example/a")
                          for flag in (True, False)],
    "confirm_email": [dict(changing=flag, link="https://site.example/confirm", hours=hours)
                      for flag in (True, False) for hours in (24, 168)],
    "email_changed": [dict(user=USER, new_email="new@example.org", days=7, link="https://site.example/undo")],
    "event_changed": [dict(context, changes=changes,
                           calendar_attached=context["registration"].status == RegistrationStatus.CONFIRMED)
                      for changes in (["time"], ["time", "place"]) for context in _event_contexts()],
    "event_invitation": [dict(event=_event(VENUE, None), registration=None, invitation=NS(name=name, email="a@example.org"),
                              inviter=USER, link="https://site.example/invited") for name in ("Ann", None)],
    "event_status_changed": [dict(event=_event(VENUE, None, status), registration=_registration(booked),
                                  reason="The hall flooded.", link="https://site.example/r",
                                  calendar_attached=booked == "confirmed")
                             for status in ("postponed", "cancelled") for booked in ("confirmed", "waitlisted")],
    "event_message": [dict(event=_event(VENUE, None), registration=NS(name="Ann"), audience=audience,
                           message=NS(body="We are in room 2.\n\nBring a dish.", sent_by=sender), stop_link=stop)
                      for audience in ("booked", "waiting", "came") for sender in (USER, None)
                      for stop in ("https://site.example/unsubscribe/x", None)],
    "forum_announcement": [dict(membership=MEMBERSHIP, forum=FORUM, announcement=NS(body="Meeting **moved**.\nSee you.",
                                sent_by=sender), text="Meeting moved.\nSee you.", stop_link=stop)
                           for sender in (USER, None)
                           for stop in ("https://site.example/stop", None)],
    "forum_approved": [dict(membership=MEMBERSHIP, waiting=flag, link="https://site.example/f") for flag in (True, False)],
    "forum_consent_given_again": [dict(membership=MEMBERSHIP, link="https://site.example/forums/1/manage/memberships/2")],
    "forum_consent_withdrawn": [dict(membership=MEMBERSHIP)],
    "forum_declined": [dict(membership=MEMBERSHIP)],
    "forum_invitation": [dict(inviter=USER, forum=FORUM, link="https://site.example/join")],
    "forum_meeting_scheduled": [dict(membership=MEMBERSHIP, forum=FORUM, meetings=meetings, agenda=agenda,
                                     link="https://site.example/m", stop_link="https://site.example/stop")
                                for meetings in ([_meeting(VENUE, None)], [_meeting(None, "https://meet.example/m")],
                                                 [_meeting(VENUE, "https://meet.example/m")] * 3)
                                for agenda in ("", "1. Welcome\n2. Budget")],
    "forum_membership_ended": [dict(membership=MEMBERSHIP, why=why, meetings=meetings)
                               for why in ("consent withdrawn", "suspended", "removed")
                               for meetings in ([], [_meeting(VENUE, None)] * 2)],
    "forum_meeting_status_changed": [dict(membership=MEMBERSHIP, forum=FORUM, meeting=_event(VENUE, None, status),
                                          reason="The hall flooded.", link="https://site.example/m")
                                     for status in ("postponed", "cancelled")]
                                    + [dict(membership=MEMBERSHIP, forum=FORUM, meeting=_event(VENUE, None, "published"),
                                            reason="", link="https://site.example/m")],
    "forum_parent_consent": [dict(membership=MEMBERSHIP, link="https://site.example/consent")],
    "forum_reinstated": [dict(membership=MEMBERSHIP, link="https://site.example/f")],
    "forum_renewal_reminder": [dict(membership=MEMBERSHIP, link="https://site.example/f")],
    "password_changed": [dict(user=USER)],
    "registration_already_registered": list(_event_contexts()),
    "registration_cancelled": [dict(event=_event(VENUE, "https://meet.example/x"), registration=_registration(
        "cancelled", tickets), was=was, event_link="https://site.example/events/1")
        for was in ("confirmed", "offered", "waitlisted", "pending") for tickets in (1, 3)],
    "registration_confirm_email": list(_event_contexts()),
    "registration_confirmed": [*_event_contexts(choose_sessions=False), *_event_contexts(choose_sessions=True)],
    "registration_offer_expired": [dict(event=_event(VENUE, None), registration=_registration("cancelled"))],
    "registration_offered": list(_event_contexts()),
    "registration_reminder": list(_event_contexts()),
    "registration_waitlisted": list(_event_contexts()),
    "survey_invitation": [dict(event=_event(VENUE, None), registration=_registration(),
                               link="https://site.example/survey/abc", closes_on=datetime(2026, 12, 20, 12, tzinfo=timezone.utc))],
    "reset_password": [dict(user=USER, after_undo=flag, link="https://site.example/reset", minutes=60)
                       for flag in (True, False)],
    "second_factor_off": [dict(user=USER)],
    "second_factor_on": [dict(user=USER)],
    "second_factor_reset": [dict(user=USER, admin=NS(name="Ada Admin"))],
    "session_cancelled": [dict(registration=_registration(), session=NS(title="Pottery"), event=_event(VENUE, None),
                               waiting=waiting, link="https://site.example/r") for waiting in (False, True)],
    "session_place_free": [dict(registration=_registration(), session=NS(title="Pottery"), event=_event(VENUE, None),
                                left=left, link="https://site.example/r") for left in ([], [NS(title="Drumming")])],
}


def _labels() -> set[str]:
    """Every "Label:" that starts a line in some email template's source, as
    written or as the message a line translates (`{{ _("When: %(when)s", ...) }}`)."""
    found = set()
    for path in TEMPLATES.glob("*.txt"):
        for line in path.read_text().splitlines():
            line = re.sub(r"{%.*?%}", "", line)
            line = re.sub(r"""^\{\{ _\(["']([^"']*)["'].*""", r"\1", line)
            match = LABEL_AT_LINE_START.match(line)
            if match and "{{" not in match.group(1):
                found.add(match.group(1))
    return found


def test_every_email_template_has_examples_here():
    assert {path.stem for path in TEMPLATES.glob("*.txt") if not path.stem.startswith("_")} <= set(CONTEXTS)


@pytest.mark.parametrize("template", sorted(name for name in CONTEXTS if (TEMPLATES / f"{name}.txt").exists()))
def test_every_email_reads_as_lines(app, template):
    labels = _labels()
    assert {"When", "Where", "Questions", "Joining link"} <= labels
    with app.test_request_context():
        bodies = [render_template(f"email/{template}.txt", **context) for context in CONTEXTS[template]]
    for body in bodies:
        for label in labels:
            for match in re.finditer(re.escape(label) + ":", body):
                start = match.start()
                assert start == 0 or body[start - 1] in "\n (\"'", (
                    f"{template}: {label!r} runs on from the text before it:\n{body}")
        assert not LABEL_INTO_LINK.search(body), f"{template}: a label runs into its link:\n{body}"
        assert not RUN_TOGETHER.search(body.replace("Hello", "")), (
            f"{template}: a line runs into the next: {RUN_TOGETHER.search(body).group()!r}\n{body}")
        assert "\n\n\n" not in body, f"{template}: two blank lines in a row:\n{body}"


@pytest.mark.parametrize("template", ["event_changed", "event_invitation", "registration_confirm_email",
                                      "registration_confirmed", "registration_offered", "registration_reminder",
                                      "registration_waitlisted", "registration_cancelled"])
def test_the_event_details_stand_apart_from_what_follows(app, template):
    """'Questions: ... fair@example.org' then a blank line, not the next sentence
    straight under it; and a blank line before the event's title, not the
    sentence before running into it."""
    with app.test_request_context():
        for context in CONTEXTS[template]:
            body = render_template(f"email/{template}.txt", **context)
            assert "Questions: reply to this email, or write to fair@example.org\n\n" in body, body
            assert "\n\nSummer fair\nWhen:" in body, body


def test_paragraphs_of_a_list_in_an_email_stand_apart(app):
    """'...waiting list.' ran into 'To see your sessions', and each nomination
    question into the answer before it (found reading the emails of a walk)."""
    with app.test_request_context():
        for context in CONTEXTS["session_place_free"]:
            body = render_template("email/session_place_free.txt", **context)
            assert "waiting list.\n\n" in body and "\n\nTo see your sessions" in body, body
        for context in CONTEXTS["award_nomination_copy"]:
            body = render_template("email/award_nomination_copy.txt", **context)
            assert "Answer 1.\n\nWho has it helped?" in body and "\n\nYou can see it" in body, body


def _body(template, **context):
    return render_template(f"email/{template}.txt", **context)


def test_each_status_an_email_decides_by_says_its_own_thing(app):
    """The emails choose their words by enum member: each branch is reached
    (a comparison with a mistyped member or value would never be true)."""
    with app.test_request_context():
        for outcome, words in ((Outcome.WINNER, "is the winner of"),
                               (Outcome.HIGHLY_COMMENDED, "is highly commended in"),
                               (Outcome.SHORTLISTED, "was shortlisted for")):
            assert words in _body("award_result", nomination=_nomination(), outcome=outcome, to_nominee=False,
                                  link="https://site.example/results")
        for status, words in (("cancelled", "has been cancelled."), ("postponed", "has been postponed."),
                              ("published", "which was postponed, has a new date")):
            assert words in _body("forum_meeting_status_changed", membership=MEMBERSHIP, forum=FORUM,
                                  meeting=_event(VENUE, None, status), reason="", link="https://site.example/m")
        for status, kept, calendar in (("postponed", True, "updates the entry in"),
                                       ("cancelled", False, "takes it out of")):
            body = _body("event_status_changed", event=_event(VENUE, None, status), registration=_registration(),
                         reason="", link="https://site.example/r", calendar_attached=True)
            assert ("Your registration stays in place" in body) is kept and calendar in body
        for status, joining in (("confirmed", True), ("waitlisted", False)):
            body = _body("registration_reminder", event=_event(None, "https://meet.example/fair"),
                         registration=_registration(status), link="https://site.example/r")
            assert ("Joining link: https://meet.example/fair" in body) is joining


def test_an_offer_to_a_group_speaks_of_its_places(app):
    """"A place has come free" to a group of 2 (found walking the site)."""
    with app.test_request_context():
        for tickets, says in ((1, "a place has come free for you.\n"), (2, "2 places have come free for you.\n")):
            offered = render_template("email/registration_offered.txt", event=_event(VENUE, None),
                                      registration=_registration("offered", tickets), link="https://site.example/r")
            assert says in offered and f"Accept {'it' if tickets == 1 else 'them'} by" in offered, offered
            expired = render_template("email/registration_offer_expired.txt", event=_event(VENUE, None),
                                      registration=_registration("cancelled", tickets))
            assert f"The {'place' if tickets == 1 else '2 places'} we offered you" in expired, expired


def _queue_email_calls() -> list[tuple[str, set[str], bool]]:
    """Every call of queue_email in the application's source: where it is,
    which templates it may send, and whether it gives a Reply-To. A call
    whose template is not written in the call (a function's parameter) may
    send any email template its module names."""
    names = {path.stem for path in TEMPLATES.glob("*.txt")}
    calls = []
    for path in sorted(p for package in APP_PACKAGES for p in (ROOT / package).rglob("*.py")):
        tree = ast.parse(path.read_text(), filename=str(path))
        named = {node.value for node in ast.walk(tree) if isinstance(node, ast.Constant) and node.value in names}
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", None))
                    == "queue_email"):
                continue
            keywords = {keyword.arg: keyword.value for keyword in node.keywords if keyword.arg}
            template = keywords.get("template")
            if template is None:
                continue  # the definition's own docstring example, or a call that names no template
            sends = {template.value} if isinstance(template, ast.Constant) else named
            reply_to = keywords.get("reply_to")
            replies = reply_to is not None and not (isinstance(reply_to, ast.Constant) and reply_to.value is None)
            calls.append((f"{path.relative_to(ROOT)}:{node.lineno}", sends, replies))
    return calls


def test_an_email_asks_for_a_reply_only_when_every_call_sending_it_gives_a_reply_to(app):
    """Mail comes from a no-reply address: "reply to this email" (or the like)
    is true only when the message carries a Reply-To, from each place that sends it."""
    calls = _queue_email_calls()
    sent = set().union(*(templates for _, templates, _ in calls))
    assert len(calls) > 30 and set(CONTEXTS) <= sent, "queue_email calls are not where this test looks"
    asking = set()
    with app.test_request_context():
        for template, contexts in CONTEXTS.items():
            for context in contexts:
                found = ASKS_FOR_A_REPLY.search(render_template(f"email/{template}.txt", **context))
                if found:
                    asking.add(template)
                    from_no_reply = [where for where, templates, replies in calls
                                     if template in templates and not replies]
                    assert not from_no_reply, (f"{template} says {found.group()!r}, but these send it with no "
                                               f"Reply-To: {from_no_reply}")
    # The check has something to check: the emails that do invite a reply are found asking.
    assert {"registration_confirmed", "forum_announcement", "forum_declined",
            "award_nomination_ineligible"} <= asking
    assert not asking & {"reset_password", "confirm_email", "password_changed", "second_factor_on"}


ACCOUNT_EMAILS = {"address_has_an_account", "confirm_email", "email_changed", "password_changed", "reset_password",
                  "second_factor_off", "second_factor_on", "second_factor_reset"}


def test_an_email_nobody_can_reply_to_says_where_to_ask_for_help(app):
    """Account and security emails carry no Reply-To (a reply to them is no
    way to reach anyone); they, and any other email sent without one, name
    the partnership's address instead."""
    calls = _queue_email_calls()
    assert not [where for where, templates, replies in calls if templates & ACCOUNT_EMAILS and replies]
    without_reply_to = {template for template in CONTEXTS
                        if not any(replies for _, templates, replies in calls if template in templates)}
    assert ACCOUNT_EMAILS <= without_reply_to
    with app.test_request_context():
        for template in without_reply_to:
            for context in CONTEXTS[template]:
                body = render_template(f"email/{template}.txt", **context)
                assert app.config["CONTACT_EMAIL"] in body, f"{template} says nowhere to ask for help:\n{body}"


@pytest.mark.parametrize("words", ["Reply to this email", "replies go to the coordinators", "Please respond",
                                   "write back to us", "Answer this e-mail"])
def test_asking_for_a_reply_is_recognised_however_it_is_put(words):
    assert ASKS_FOR_A_REPLY.search(f"Thank you. {words}.")

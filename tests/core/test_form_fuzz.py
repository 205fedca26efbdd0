"""Every form in the app, found by visiting every page of the route matrix
as six roles in the matrix's world of objects, and the pages only emailed
links reach, again after each round (a form sent well can open the next
step), filled by
hypothesis with random, oversized, unicode, control-character, HTML and
SQL-looking values: never a 500, a form refused with errors changes no row
anywhere, and script text typed in never comes back unescaped."""
from html.parser import HTMLParser
from urllib.parse import urlencode, urlsplit

from datetime import date, timedelta

from flask import url_for
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from awards.models import AwardCycle
from core.accounts import services
from core.database import utcnow
from core.extensions import db
from core.accounts.models import User
from forums.models import Membership
from forums.services.consent import consent_link
from tests.conftest import CSRF, every_row
from tests.core.test_hostile_input import TEXT
from tests.machines import examples
from tests.core.test_permissions import MATRIX, sign_in_as, world, world_rows  # noqa: F401

EXAMPLES_PER_FORM = 8
SCRIPT = "<script>alert(1)</script>"
# Forms that end the session they are sent from; their refusals are tested in test_erasure and test_views.
ENDS_THE_SESSION = {"/sign-out", "/account/delete"}
# The admin last: its forms change most (dates, panels, conflicts) and could close others' next steps.
ROLES = ("judge", "member", "visitor", "forum_coordinator", "event_organiser", "admin")


class FormFinder(HTMLParser):
    """The forms on a page: where each goes, how, and its fields with any choices offered."""

    def __init__(self, page_path: str):
        super().__init__()
        self.page_path, self.forms, self._form, self._select = page_path, [], None, None

    def handle_starttag(self, tag, attributes):
        attributes = dict(attributes)
        if tag == "form":
            self._form = {"method": (attributes.get("method") or "get").lower(),
                          "action": attributes.get("action") or self.page_path, "fields": {}}
            self.forms.append(self._form)
        elif self._form is None:
            return
        elif tag in ("input", "textarea", "select") and attributes.get("name"):
            name, kind = attributes["name"], attributes.get("type", tag)
            if name == "csrf_token" or kind in ("submit", "file", "hidden"):
                return
            choices = self._form["fields"].setdefault(name, [])
            if kind in ("radio", "checkbox") and attributes.get("value") is not None:
                choices.append(attributes["value"])
            self._select = choices if tag == "select" else None
        elif tag == "option" and self._select is not None:
            self._select.append(attributes.get("value", ""))

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None


def forms_for(client, objects, extra_pages=()) -> dict[tuple[str, str], dict]:
    """Every form reachable from the matrix's GET pages (and `extra_pages`), by (method, action), with
    the page it is on."""
    found = {}
    pages = [path.format(**vars(objects)) for method, path, _ in MATRIX.values() if method == "GET"]
    for page in [*pages, *extra_pages]:
        response = client.get(page)
        if response.status_code != 200 or response.mimetype != "text/html":
            continue
        finder = FormFinder(urlsplit(page).path)
        finder.feed(response.get_data(as_text=True))
        for form in finder.forms:
            action = urlsplit(form["action"]).path
            if form["fields"] and action not in ENDS_THE_SESSION:
                found.setdefault((form["method"], action), {**form, "page": page})
    return found


def rows_but_the_audit_log(flask_app) -> dict:
    """Every row, less the audit log, which may record a refusal itself (a failed sign-in is)."""
    rows = every_row(flask_app)
    del rows["audit_entries"]
    return rows


def values_for(form) -> st.SearchStrategy:
    return st.fixed_dictionaries({
        name: st.one_of(st.sampled_from(choices), TEXT) if choices else TEXT
        for name, choices in form["fields"].items()})


def emailed_link_pages(flask_app, objects) -> list[str]:
    """Pages only an emailed link reaches: a password reset, and a parent's consent for a young member."""
    with flask_app.test_request_context():
        user = db.session.get(User, objects.other)
        young = db.session.get(Membership, objects.membership)
        young.parent_name, young.parent_email = "A Parent", "parent@example.org"
        young.date_of_birth = date.today().replace(year=date.today().year - 14)
        db.session.commit()
        return [urlsplit(link).path for link in (
            url_for("core.reset_password", token=services.password_reset_token(user), _external=True),
            consent_link(young))]


def test_every_form_survives_random_and_hostile_values(app, world, make_user):  # noqa: F811 (fixtures)
    app.config.update(PUBLIC_FORM_LIMIT_PER_IP="100000 per minute", PUBLIC_FORM_LIMIT_PER_EMAIL="100000 per minute",
                      SIGN_IN_LIMIT_PER_IP="100000 per minute", SIGN_IN_LIMIT_PER_ACCOUNT="100000 per minute",
                      API_LIMIT_PER_IP="100000 per minute", FEED_LIMIT_PER_IP="100000 per minute")
    extra_pages = emailed_link_pages(app, world)
    tried = {}
    clients = {}
    for role in ROLES:
        clients[role] = app.test_client()
        sign_in_as(clients[role], app, role, world, make_user)
    with app.app_context():  # judging is open, so the judge's scores can be given
        cycle = db.session.get(AwardCycle, world.cycle)
        now = utcnow()
        cycle.nominations_open_at, cycle.nominations_close_at = now - timedelta(days=40), now - timedelta(days=10)
        cycle.judging_opens_at, cycle.judging_closes_at = now - timedelta(days=5), now + timedelta(days=20)
        cycle.announce_at = now + timedelta(days=30)
        db.session.commit()
    # The steps that open further forms, taken as a person would: the member
    # consents to the equality questions; the judge declares no connection.
    first_steps = {"member": ("/about-you", "/about-you/consent", {}),
                   "judge": (f"/judging/nominations/{world.nomination}",
                             f"/judging/nominations/{world.nomination}/declaration", {"kind": "none"})}
    for role, (page, action, data) in first_steps.items():
        token = CSRF.search(clients[role].get(page).get_data(as_text=True)).group(1)
        assert clients[role].post(action, data={**data, "csrf_token": token}).status_code == 302, action
    # Again while new forms turn up: a form sent well can open the next step
    # (consent opens the equality questions; "no conflict" opens the scores).
    for _ in range(3):
        found_before = len(tried)
        for role, client in clients.items():
            for key, form in forms_for(client, world, extra_pages if role == "visitor" else []).items():
                if key not in tried:
                    tried[key] = len(form["fields"])
                    fuzz(app, client, form)
        if len(tried) == found_before:
            break
    reached = {action for _, action in tried}
    for step in ("/reset-password/", "/forums/consent/", "/about-you/questions", "/scores"):
        assert any(step in action for action in reached), f"the crawl never reached {step}"
    assert len(tried) >= 50, sorted(tried)
    print(f"\nfuzzed {len(tried)} forms, {sum(tried.values())} fields, {examples(app, EXAMPLES_PER_FORM)} inputs "
          "each")


def fuzz(flask_app, client, form):
    @settings(max_examples=examples(flask_app, EXAMPLES_PER_FORM), deadline=None, database=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
    @given(values=values_for(form))
    def send(values):
        if form["method"] == "get":
            response = client.get(f"{form['action']}?{urlencode(values)}")
        else:
            before = rows_but_the_audit_log(flask_app)
            token = CSRF.search(client.get(form["page"]).get_data(as_text=True))
            response = client.post(form["action"], data={**values, "csrf_token": token.group(1) if token else ""})
        text = response.get_data(as_text=True)
        assert response.status_code < 500, f"{form['method'].upper()} {form['action']}: {response.status_code}"
        if any(SCRIPT in value for value in values.values()):
            assert SCRIPT not in text, f"{form['action']} showed typed script unescaped"
        if form["method"] == "post" and "govuk-error-summary" in text:
            assert rows_but_the_audit_log(flask_app) == before, f"{form['action']} was refused but changed something"
    send()

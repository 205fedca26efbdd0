"""The admin's pages for likely duplicate people: the list of pairs with
their reasons, the preview of a merge (and why one is refused), and the merge."""
from html import unescape
import re
from types import SimpleNamespace
from urllib.parse import urlencode

from sqlalchemy import select

from core.accounts.models import User
from core.equality import services as equality
from core.extensions import db
from events.models import Registration
from tests.conftest import csrf_token, sign_in
from tests.events.factories import EventFactory, RegistrationFactory
from tests.factories import UserFactory


def _world(app, *, confirmed=True):
    with app.app_context():
        admin = UserFactory(roles=["admin"])
        account = UserFactory(name="Ann Akhtar", email="ann@example.org")
        if not confirmed:
            account.email_confirmed_at = None
        event = EventFactory(title="Summer fair")
        RegistrationFactory(event=event, email="Ann@Example.org", person_key="guest:Ann@Example.org")
        equality.give_consent("guest:Ann@Example.org")
        db.session.commit()
        return SimpleNamespace(email=admin.email), account.id


def _merge_url(account_id, path="/admin/people/merge"):
    return f"{path}?{urlencode({'keep': f'user:{account_id}', 'merge': 'guest:Ann@Example.org'})}"


def test_the_list_shows_each_pair_with_its_reason_and_a_link_to_preview(app, client):
    admin, account_id = _world(app)
    sign_in(client, admin)
    page = client.get("/admin/people/duplicates").get_data(as_text=True)
    assert "1 pair" in page and "Ann Akhtar" in page and "Ann@Example.org" in page
    assert "Guest records under an address this account has proven" in page
    [link] = re.findall(r'href="(/admin/people/merge\?[^"]+)"', page)
    preview = client.get(unescape(link)).get_data(as_text=True)
    assert "Merge two records" in preview and f"Ann Akhtar, account {account_id} (ann@example.org)" in preview


def test_the_preview_says_what_moves_and_only_that_one_set_of_equality_answers_is_kept(app, client):
    admin, account_id = _world(app)
    sign_in(client, admin)
    page = client.get(_merge_url(account_id)).get_data(as_text=True)
    assert "Registration: Summer fair: moves (Booked)" in page
    assert "Equality monitoring answers: one set kept" in page
    assert "has proven it owns this address" in page and "Merge these records" in page


def test_the_preview_refuses_an_account_that_has_not_proven_the_address_and_offers_no_button(app, client):
    admin, account_id = _world(app, confirmed=False)
    sign_in(client, admin)
    page = client.get(_merge_url(account_id)).get_data(as_text=True)
    assert "These cannot be merged." in page and "has not proven it owns Ann@Example.org" in page
    assert "Merge these records" not in page


def merge_action(page: str) -> str:
    """Where a merge preview's "Merge these records" button posts (with what it previewed)."""
    return unescape(re.search(r'<form method="post" action="(/admin/people/merge[^"]+)"', page).group(1))


def merge_button(client, preview_url) -> tuple[str, str]:
    """Where the preview's button posts, and its form's token."""
    return merge_action(client.get(preview_url).get_data(as_text=True)), csrf_token(client, preview_url)


def test_merging_goes_to_the_kept_account_and_says_what_moved(app, client):
    admin, account_id = _world(app)
    sign_in(client, admin)
    action, token = merge_button(client, _merge_url(account_id))
    response = client.post(action, data={"csrf_token": token})
    assert response.status_code == 302 and response.location.endswith(f"/admin/users/{account_id}")
    page = unescape(client.get(response.location).get_data(as_text=True))
    assert "Merged. The guest's records now belong to Ann Akhtar. Moved: registrations: 1;" in page
    with app.app_context():
        assert db.session.scalar(select(Registration.person_key)) == f"user:{account_id}"
    # Pressed again (a tab left open, or a second admin on the same pair): nothing left to merge, and it says so.
    again = client.post(action, data={"csrf_token": token}, follow_redirects=True)
    assert again.status_code == 200
    page = unescape(again.get_data(as_text=True))
    assert "Nothing was merged: those records have been merged already" in page
    assert "No likely duplicates found." in page
    back = client.get(_merge_url(account_id), follow_redirects=True)  # Back to the preview (walk): said, not a 404
    assert back.status_code == 200 and "those records have been merged already" in back.get_data(as_text=True)
    # The same after merging an account, which is deleted (found re-checking): not a bare Page not found.
    with app.app_context():
        twin = UserFactory(name="Ann Akhtar", email="ann+events@example.org").id
    pair = {"keep": f"user:{account_id}", "merge": f"user:{twin}"}
    url = f"/admin/people/merge?{urlencode(pair)}"
    action, token = merge_button(client, url)
    assert client.post(action, data={"csrf_token": token}).status_code == 302
    back = client.get(url, follow_redirects=True)
    assert back.status_code == 200 and "those records have been merged already" in back.get_data(as_text=True)


def test_a_merge_form_kept_from_before_merges_no_one_who_took_the_merged_accounts_id_since(
        app, client, database_url):
    """Found by attacking: on SQLite the next account takes a merged-away (deleted) newest account's id,
    and the same merge form sent again deleted that newcomer and moved their records."""
    admin, account_id = _world(app)
    with app.app_context():
        twin = UserFactory(name="Ann Akhtar", email="ann+events@example.org").id
    sign_in(client, admin)
    pair = {"keep": f"user:{account_id}", "merge": f"user:{twin}"}
    action, token = merge_button(client, f"/admin/people/merge?{urlencode(pair)}")
    assert client.post(action, data={"csrf_token": token}).status_code == 302
    with app.app_context():
        newcomer = UserFactory(name="Eve Stranger", email="eve@example.org").id
    if database_url == "sqlite":
        assert newcomer == twin  # the id came round again: the case this guards
    again = client.post(action, data={"csrf_token": token}, follow_redirects=True)
    assert "Nothing was merged" in unescape(again.get_data(as_text=True))
    with app.app_context():
        assert db.session.get(User, newcomer).email == "eve@example.org"
    # A form made up without a preview merges nothing either.
    made_up = client.post(f"/admin/people/merge?{urlencode({**pair, 'merge': f'user:{newcomer}'})}",
                          data={"csrf_token": token}, follow_redirects=True)
    assert "not the records the preview showed" in unescape(made_up.get_data(as_text=True))
    with app.app_context():
        assert db.session.get(User, newcomer) is not None


def test_a_refused_merge_changes_nothing_and_says_why(app, client):
    admin, account_id = _world(app, confirmed=False)
    sign_in(client, admin)
    token = csrf_token(client, "/admin/people/duplicates")
    response = client.post(_merge_url(account_id), data={"csrf_token": token}, follow_redirects=True)
    assert "has not proven it owns Ann@Example.org" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(Registration.person_key)) == "guest:Ann@Example.org"
        assert db.session.get(User, account_id) is not None


def test_a_key_that_names_no_one_is_not_found(app, client):
    admin, account_id = _world(app)
    sign_in(client, admin)
    for query in ({"keep": "user:999", "merge": "guest:Ann@Example.org"},
                  {"keep": "nonsense", "merge": "\x00"}, {}):
        assert client.get(f"/admin/people/merge?{urlencode(query)}").status_code == 404
    # A guest with no records left may have been merged a moment ago: the list says so.
    empty = client.get(f"/admin/people/merge?{urlencode({'keep': f'user:{account_id}', 'merge': 'guest:x@example.org'})}")
    assert empty.status_code == 302 and empty.location.endswith("/admin/people/duplicates")


def test_keys_written_in_other_digits_or_too_long_are_not_found_and_delete_nothing(app, client):
    admin, account_id = _world(app)
    sign_in(client, admin)
    token = csrf_token(client, "/admin/people/duplicates")
    for keep in ("user:" + str(account_id).translate(str.maketrans("0123456789", "０１２３４５６７８９")),
                 "user:\u00b2", "user:99999999999999999999"):
        url = f"/admin/people/merge?{urlencode({'keep': keep, 'merge': f'user:{account_id}'})}"
        assert client.get(url).status_code == 404
        assert client.post(url, data={"csrf_token": token}).status_code == 404
    with app.app_context():
        assert db.session.get(User, account_id) is not None


def test_the_preview_refuses_to_keep_an_account_that_never_confirmed_its_address(app, client):
    admin, account_id = _world(app)
    with app.app_context():
        unconfirmed = UserFactory(name="Typed Only", email="typed@example.org", email_confirmed_at=None)
        db.session.commit()
        unconfirmed_id = unconfirmed.id
    sign_in(client, admin)
    page = client.get(f"/admin/people/merge?{urlencode({'keep': f'user:{unconfirmed_id}', 'merge': f'user:{account_id}'})}")
    text = unescape(page.get_data(as_text=True))
    assert page.status_code == 200 and "These cannot be merged." in text
    assert "Typed Only's account never confirmed its own address" in text and "Merge these records" not in text

"""Emailed links do not show whom they name: a link ends up in browser
histories, proxies' logs and forwarded emails, so the address, the parent's
address or the account a token stands for is sealed, not only signed. Links
made before sealing keep working until they expire."""
import ast
import base64
import zlib
from pathlib import Path

import pytest
from itsdangerous import BadSignature, URLSafeSerializer, URLSafeTimedSerializer

from core import link_tokens, unsubscribes
from core.accounts import services
from core.database import write_lock
from core.errors import InvalidLink
from forums.services import consent
from tests.factories import UserFactory
from tests.forums.factories import MembershipFactory

ROOT = Path(__file__).resolve().parents[2]
APP_PACKAGES = ("core", "events", "forums", "awards", "reports", "api", "seed")
# Signed, not sealed, on purpose: a draft's key names no one (core/drafts.py), and the known-device
# note and the remembered second factor are cookies on the person's own browser, never in a link.
SIGNED_ONLY = {"core/drafts.py", "core/views/sign_in.py", "core/accounts/second_factor.py"}


@pytest.fixture
def ctx(app):
    with app.test_request_context(), write_lock(every_transaction=True):
        yield


def readable(token: str) -> bytes:
    """What anyone holding the token can read without the site's key: its
    payload decoded (and unzipped, as itsdangerous zips long ones)."""
    payload = token.split("/")[-1]
    zipped = payload.startswith(".")
    payload = payload.lstrip(".").split(".")[0]
    raw = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    return zlib.decompress(raw) if zipped else raw


def test_reading_a_signed_only_token_finds_its_address(app):
    """The check below is not blind: a token as links were made before sealing shows its address."""
    with app.app_context():
        old = URLSafeSerializer(app.secret_key, salt="unsubscribe").dumps({"email": "ann.visible@example.org"})
    assert b"ann.visible@example.org" in readable(old)


def test_no_emailed_link_shows_the_address_it_names(ctx, app):
    user = UserFactory(email="ann.private@example.org")
    membership = MembershipFactory(parent_email="bea.carer@example.org")
    made = {
        "unsubscribe": unsubscribes.link("ann.private@example.org", "partnership"),
        "confirm a new address": services.email_confirmation_token(user, "ann.new@example.org"),
        "reset a password": services.password_reset_token(user),
        "a parent's consent": consent.consent_link(membership),
    }
    for what, token in made.items():
        seen = readable(token) + token.encode()
        for address in ("ann.private", "ann.new", "bea.carer", "example.org"):
            assert address.encode() not in seen, f"the {what} link shows {address}"


def test_links_still_lead_where_they_did(ctx, app):
    user = UserFactory(email="ann.private@example.org")
    membership = MembershipFactory(parent_email="bea.carer@example.org")
    request = unsubscribes.read(unsubscribes.token("ann.private@example.org", "partnership"))
    assert request.email == "ann.private@example.org" and request.scope == "partnership"
    assert consent.membership_for_consent(consent.consent_link(membership).rsplit("/", 1)[1]) == membership
    changed = services.email_confirmation_token(user, "ann.new@example.org")
    assert link_tokens.timed_serializer(services._CONFIRM_SALT).loads(changed)["email"] == "ann.new@example.org"


def test_a_links_length_does_not_give_away_the_length_of_the_address_in_it(ctx):
    """Found by attacking: sealing adds a fixed 16 bytes, so within one scope
    a token's length followed its address's, a character at a time."""
    lengths = {len(unsubscribes.token("a" * size + "@example.org", "partnership")) for size in range(3, 20)}
    assert len(lengths) <= 2  # 17 lengths of address, one or two block sizes


def test_a_link_with_characters_added_is_refused(ctx):
    """Found by attacking: itsdangerous reads a token with non-ASCII
    characters added as the token itself, so one link had endless spellings
    (and each its own count where a limit is kept by link)."""
    token = unsubscribes.token("ann@example.org", "partnership")
    assert unsubscribes.read(token).email == "ann@example.org"
    for added in (token + "é", "é" + token, token[:10] + "ł" + token[10:]):
        with pytest.raises(InvalidLink):
            unsubscribes.read(added)
    reset = link_tokens.timed_serializer(services._RESET_SALT)
    with pytest.raises(BadSignature):
        reset.loads(reset.dumps({"user": 1}) + "é", max_age=60)


def test_one_batch_of_emails_carries_one_unsubscribe_link(ctx):
    assert unsubscribes.link("ann@example.org", "partnership") == unsubscribes.link("ann@example.org", "partnership")
    assert unsubscribes.link("ann@example.org", "partnership") != unsubscribes.link("bob@example.org", "partnership")


def test_a_link_emailed_before_sealing_still_works_until_it_expires(ctx, app):
    membership = MembershipFactory(parent_email="bea.carer@example.org")
    old_unsubscribe = URLSafeSerializer(app.secret_key, salt="unsubscribe").dumps(
        {"email": "ann@example.org", "scope": "partnership", "on": "2026-12-01"})
    assert unsubscribes.read(old_unsubscribe).email == "ann@example.org"
    old_consent = URLSafeSerializer(app.secret_key, salt="forum-parent-consent").dumps(
        {"membership": membership.id, "parent": "bea.carer@example.org", "sent": "2026-12-01"})
    assert consent.membership_for_consent(old_consent) == membership
    old_reset = URLSafeTimedSerializer(app.secret_key, salt=services._RESET_SALT).dumps({"user": 1})
    assert link_tokens.timed_serializer(services._RESET_SALT).loads(old_reset, max_age=60) == {"user": 1}


def test_a_sealed_link_altered_or_made_for_something_else_is_refused(ctx):
    token = unsubscribes.token("ann@example.org", "partnership")
    payload, signature = token.split(".", 1)
    altered = payload[:5] + ("A" if payload[5] != "A" else "B") + payload[6:] + "." + signature
    other_purpose = link_tokens.serializer("forum-parent-consent").dumps({"email": "ann@example.org"})
    for bad in (altered, token[:-2], other_purpose):
        with pytest.raises(InvalidLink):
            unsubscribes.read(bad)
    with pytest.raises(BadSignature):
        link_tokens.serializer("unsubscribe").loads(link_tokens.serializer("another purpose").dumps({"a": 1}))


def test_only_link_tokens_makes_tokens_for_links():
    """Every signed token outside the two signed-only uses is made by
    core.link_tokens, so no new link can forget to seal what it names."""
    makers = {"URLSafeSerializer", "URLSafeTimedSerializer", "Serializer", "TimedSerializer", "Signer",
              "TimestampSigner"}
    found = []
    for package in APP_PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            name = str(path.relative_to(ROOT))
            if name in SIGNED_ONLY or name == "core/link_tokens.py":
                continue
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in makers:
                    found.append(f"{name}:{node.lineno} {node.func.id}")
    assert not found, found

"""People's names and web addresses (core.forms.NoLinks): a name goes into
emails sent to whatever address was typed, so a link disguised as a name
would make the service a spam relay; but every real name, in any script,
must still be taken."""
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from wtforms import Form, StringField

from core.extensions import db
from core.forms import NoLinks
from events.models import Registration
from tests.conftest import submit
from tests.events.factories import EventFactory

ZWNJ = "\u200c"
REAL_NAMES = [
    "J. R. R. Tolkien", "Mary-Jane O'Neil", "Nguyễn Thị Minh Khai", "Siobhán Ní Mhaolagáin", "Zoë Şahin",
    "José María Núñez", "Dr. Amina Okafor", "St. John Smith", "Henry VIII", "Dot Cotton", "Mary Dot Smith",
    "Ng Wai", "O'Brien", "Jean-Luc d'Arcy", "Ana-María de la Cruz", "Bjørn Åsmund Ødegård", "Ignacy Łukasiewicz",
    "Grzegorz Brzęczyszczykiewicz", "Małgorzata Wójcik", "Kwame Nkrumah", "Chidi Okonkwo-Adeyemi",
    "Ewe Kofi Mensah Jr.", "محمد علی جناح", "عمران خان", "فاطمہ بی بی", "عبد الله بن عمر", f"فاطمه{ZWNJ}سادات حسینی",
    f"محمد{ZWNJ}رضا شجریان", f"نور{ZWNJ}الہدیٰ", "אברהם כהן", "李小龙", "山田 太郎", "김민지", "Владимир Иванов",
    "Αλέξανδρος Παπαδόπουλος", "अमिताभ बच्चन", "ਗੁਰਪ੍ਰੀਤ ਸਿੰਘ", "সৌরভ গাঙ্গুলী", "தமிழ் செல்வன்",
    "Ngũgĩ wa Thiong'o", "Mo Member", "Æthelred", "A. B.", "Leigh-Anne (Lee) Brown", "Sarah O’Connor",
]
ATTACKS = [  # accepted and emailed before, each of them
    "Win cash at bit.ly/3xYzQ", "Prize evil.shop/claim", "See t.me/spamchannel", "Go to 203.0.113.5/login",
    "Visit evil。com today", "Claim at evil[.]com",
]


class NameForm(Form):
    name = StringField("Full name", validators=[NoLinks()])


def name_taken(name: str) -> bool:
    form = NameForm(data={"name": name})
    return form.validate() or form.name.errors != ["Full name must not include a web address"]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(REAL_NAMES), min_size=1, max_size=3),
       st.sampled_from([" ", "-", " and ", ", "]))
def test_real_names_from_every_culture_are_taken(names, joiner):
    assert name_taken(joiner.join(names))


DOTS = st.sampled_from([".", "。", "．", "｡", "[.]", "(.)", " [.] ", "{.}", " dot ", " DOT ", " (dot) ", "\u200b."])
HOST = st.from_regex(r"[a-z][a-z0-9-]{0,10}[a-z0-9]", fullmatch=True)
TLD = st.sampled_from(["com", "ly", "me", "shop", "co", "uk", "xyz", "info", "рф", "中国", "Com", "COM"])
WORDS = st.sampled_from(["", "Win cash at ", "Prize ", "Visit ", "Mo Member ", "Claim at "])
AFTER = st.sampled_from(["", " today", "/claim", " now!", "/"])


@settings(max_examples=300, deadline=None)
@given(WORDS, HOST, DOTS, TLD, AFTER)
def test_a_domain_written_with_any_full_stop_is_refused(before, host, dot, tld, after):
    assert not name_taken(f"{before}{host}{dot}{tld}{after}")


@settings(max_examples=200, deadline=None)
@given(WORDS, st.lists(st.integers(0, 255), min_size=4, max_size=4), st.sampled_from([".", "。", "[.]", " . "]),
       AFTER)
def test_an_ip_address_is_refused(before, parts, dot, after):
    assert not name_taken(before + dot.join(map(str, parts)) + after)


@pytest.mark.parametrize("name", [
    *ATTACKS, "Mo https://x", "https://evil", "www spam", "WWW", "ｗｗｗ", "x@example.org", "Mo ＠ spam",
    "Mo / spam", "Mo ／ spam", "bit\u200b.ly", "t\u200c.me", "2001:db8::1", "evil Dot com",
])
def test_each_disguise_is_refused(name):
    assert not name_taken(name)


@pytest.mark.parametrize("name", ATTACKS)
def test_a_guest_booking_with_a_disguised_address_as_its_name_is_refused_and_no_email_goes(client, app, outbox,
                                                                                            name):
    with app.app_context():
        event_id = EventFactory().id
    page = submit(client, f"/events/{event_id}/register",
                  {"name": name, "email": "victim@example.org"}).get_data(as_text=True)
    assert 'id="name-error"' in page and "Full name must not include a web address" in page
    assert outbox == []
    with app.app_context():
        assert db.session.scalar(select(func.count(Registration.id))) == 0


def test_a_guest_with_a_name_like_these_books_as_before(client, app, outbox):
    with app.app_context():
        event_id = EventFactory(instant_guest_places=False).id
    for n, name in enumerate(["J. R. R. Tolkien", f"فاطمه{ZWNJ}سادات حسینی", "Nguyễn Thị Minh Khai"]):
        page = submit(client, f"/events/{event_id}/register", {"name": name, "email": f"guest{n}@example.org"})
        assert "Check your email" in page.get_data(as_text=True), name
    assert len(outbox) == 3 and f"فاطمه{ZWNJ}سادات حسینی" in outbox[1].body

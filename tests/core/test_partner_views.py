"""Partner organisations through the real pages: the list, adding and
changing one, contacts, deleting, linking them from an event, a forum
membership and a nomination, and a partner's engagement report."""
from datetime import timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from awards.models import Nomination, NominationStatus
from core.database import in_london, utcnow
from core.extensions import db
from core.partners.models import PartnerContact, PartnerKind, PartnerOrganisation
from events.models import Attendance, EventStatus
from forums.models import ForumCoordinator, Membership, MembershipStatus
from tests.awards.factories import CategoryFactory
from tests.conftest import error_summary, sign_in, submit
from tests.events.factories import EventFactory
from tests.factories import TOTP_SECRET, UserFactory
from tests.forums.factories import ForumFactory, MembershipFactory


def text_of(response):
    return response.get_data(as_text=True)


@pytest.fixture
def organiser(make_user):
    return make_user(roles=["organiser"])


def a_partner(app, name="Central Mosque", kind=PartnerKind.FAITH_GROUP, area="Northampton") -> int:
    with app.app_context():
        partner = PartnerOrganisation(name=name, name_key=name.lower(), kind=kind, area=area)
        db.session.add(partner)
        db.session.commit()
        return partner.id


def test_an_organiser_adds_a_partner_and_a_contact_and_finds_it_in_the_list(app, client, organiser):
    sign_in(client, organiser)
    refused = submit(client, "/partners/new", {"name": "   ", "area": "Corby", "website": "centralmosque.org"})
    assert refused.status_code == 200
    assert error_summary(refused) == [("#name", "Enter the organisation's name"),
                                      ("#kind", "Choose the kind of organisation"),
                                      ("#website", "Enter the website in full, starting with https://")]
    assert 'value="Corby"' in text_of(refused) and 'value="centralmosque.org"' in text_of(refused)
    added = submit(client, "/partners/new", {"name": "Central  Mosque", "kind": "faith_group", "area": "Northampton"},
                   follow_redirects=True)
    assert "Central Mosque has been added." in text_of(added)
    again = submit(client, "/partners/new", {"name": "central mosque", "kind": "faith_group"})
    assert error_summary(again) == [("#name", "Central Mosque is already a partner. Choose it from the list instead.")]
    with app.app_context():
        partner_id = db.session.scalar(select(PartnerOrganisation.id))
    contact = submit(client, f"/partners/{partner_id}/contacts/new",
                     {"name": "Yusuf Ali", "role": "Imam", "email": "", "phone": ""})
    assert error_summary(contact) == [("#email", "Enter an email address or a phone number, so the contact can be "
                                                 "reached")]
    saved = submit(client, f"/partners/{partner_id}/contacts/new", {"name": "Yusuf Ali", "role": "Imam",
                                                                   "email": "yusuf@example.org", "may_contact": "y"},
                   follow_redirects=True)
    page = text_of(saved)
    assert "Yusuf Ali has been saved as a contact at Central Mosque." in page
    assert "Yusuf Ali, Imam" in page and "Agreed to be contacted on" in page
    edit = text_of(client.get(f"/partners/{partner_id}/edit"))
    assert 'value="Central Mosque"' in edit and 'value="faith_group" checked' in edit
    renamed = submit(client, f"/partners/{partner_id}/edit", {"name": "Central Mosque and Islamic Centre",
                                                             "kind": "faith_group", "area": "Northampton"},
                     follow_redirects=True)
    assert "Central Mosque and Islamic Centre has been saved." in text_of(renamed)
    a_partner(app, "Corby Secondary School", PartnerKind.SCHOOL, "Corby")
    listed = text_of(client.get("/partners?q=CORBY"))
    assert "Corby Secondary School" in listed and "Central Mosque" not in listed
    by_kind = text_of(client.get("/partners?kind=faith_group"))
    assert "Central Mosque" in by_kind and "Corby Secondary School" not in by_kind
    assert client.get("/partners?kind=nonsense&q=%00").status_code == 200


def test_an_organiser_makes_a_partner_co_host_and_the_public_page_says_so(app, client, organiser):
    partner_id = a_partner(app)
    with app.app_context():
        event = EventFactory(title="Open mosque day", organisers=[db.session.get(UserFactory._meta.model,
                                                                                 organiser.id)])
        event_id = event.id
    sign_in(client, organiser)
    page = text_of(client.get(f"/manage/events/{event_id}/co-hosts"))
    assert "No co-hosts yet." in page and f"/partners/new?next=/manage/events/{event_id}/co-hosts" in page
    refused = submit(client, f"/manage/events/{event_id}/co-hosts", {"partner_id": "0"})
    assert error_summary(refused) == [("#partner_id", "Choose the partner organisation that co-hosts the event")]
    added = submit(client, f"/manage/events/{event_id}/co-hosts", {"partner_id": str(partner_id)},
                   follow_redirects=True)
    assert "Central Mosque is now a co-host of Open mosque day." in text_of(added)
    assert 'Remove<span class="govuk-visually-hidden"> Central Mosque</span>' in added.get_data(as_text=True)
    twice = submit(client, f"/manage/events/{event_id}/co-hosts", {"partner_id": str(partner_id)})
    assert error_summary(twice) == [("#partner_id", "Central Mosque is already a co-host of this event")]
    assert "Co-hosted by" in text_of(client.get(f"/events/{event_id}"))
    deleting = text_of(client.get(f"/partners/{partner_id}/delete"))
    assert "linked to 1 event it co-hosts" in deleting and "Delete the partner" not in deleting
    refused = submit(client, f"/partners/{partner_id}/delete", form_url=f"/partners/{partner_id}", follow_redirects=True)
    assert "Central Mosque cannot be deleted because it is linked to 1 event it co-hosts" in text_of(refused)
    removed = submit(client, f"/manage/events/{event_id}/co-hosts/{partner_id}/remove",
                     form_url=f"/manage/events/{event_id}/co-hosts", follow_redirects=True)
    assert "Central Mosque is no longer a co-host of Open mosque day." in text_of(removed)
    deleted = submit(client, f"/partners/{partner_id}/delete", follow_redirects=True)
    assert "Central Mosque has been deleted." in text_of(deleted)


def test_a_coordinator_links_a_member_to_the_partner_they_represent(app, client):
    partner_id = a_partner(app, "Guru Nanak Gurdwara")
    with app.app_context():
        coordinator = UserFactory(totp_secret=TOTP_SECRET)
        membership = MembershipFactory(organisation="Gurdwara on Cyril Street")
        db.session.add(ForumCoordinator(forum_id=membership.forum_id, user_id=coordinator.id))
        db.session.commit()
        forum_id, membership_id, email = membership.forum_id, membership.id, coordinator.email
    sign_in(client, SimpleNamespace(email=email))
    page_url = f"/forums/{forum_id}/manage/memberships/{membership_id}"
    page = text_of(client.get(page_url))
    assert "They wrote: Gurdwara on Cyril Street" in page and "Add a partner organisation" in page
    refused = submit(client, page_url + "/partner", {"partner_id": "999999"}, form_url=page_url)
    assert refused.status_code == 400
    assert error_summary(refused) == [("#partner_id", "Choose a partner from the list")]
    linked = submit(client, page_url + "/partner", {"partner_id": str(partner_id)}, form_url=page_url,
                    follow_redirects=True)
    assert "represents Guru Nanak Gurdwara." in text_of(linked)
    assert f'<a class="govuk-link" href="/partners/{partner_id}">Guru Nanak Gurdwara</a>' in linked.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Membership, membership_id).partner_id == partner_id
    assert client.get("/partners").status_code == 200  # a coordinator may choose from the list
    assert client.get(f"/partners/{partner_id}/edit").status_code == 403  # but organisers keep it


def test_the_awards_team_links_a_nomination_to_a_partner(app, client, make_user):
    partner_id = a_partner(app, "Corby Refugee Welcome", PartnerKind.VOLUNTARY_GROUP)
    with app.app_context():
        category = CategoryFactory()
        nomination = Nomination(category=category, status=NominationStatus.SUBMITTED, nominator_name="Ann",
                                nominator_email="ann@example.org", relationship_to_nominee="Neighbour",
                                nominee_name="Corby Refugee Welcome", nominee_kind=category.nominee_kind,
                                nominee_area="Corby")
        db.session.add(nomination)
        db.session.commit()
        nomination_id = nomination.id
    sign_in(client, make_user(roles=["awards_administrator"], totp_secret=TOTP_SECRET))
    linked = submit(client, f"/manage/awards/nominations/{nomination_id}/partner", {"partner_id": str(partner_id)},
                    form_url=f"/manage/awards/nominations/{nomination_id}", follow_redirects=True)
    assert "The nomination of Corby Refugee Welcome is linked to Corby Refugee Welcome." in text_of(linked)


def test_the_engagement_page_counts_events_by_year_and_hides_small_numbers(app, client, organiser):
    partner_id = a_partner(app)
    with app.app_context():
        partner = db.session.get(PartnerOrganisation, partner_id)
        db.session.add(PartnerContact(partner=partner, name="Yusuf Ali", phone="01604 000000"))
        now = utcnow()
        last_year = now.replace(year=now.year - 2, month=6, day=15, hour=12)
        big = EventFactory(starts_at=last_year, ends_at=last_year + timedelta(hours=2), co_hosts=[partner])
        small = EventFactory(starts_at=now - timedelta(days=1), ends_at=now - timedelta(hours=20), co_hosts=[partner])
        EventFactory(starts_at=now + timedelta(days=9), ends_at=now + timedelta(days=9, hours=2), co_hosts=[partner])
        EventFactory(starts_at=now - timedelta(days=2), ends_at=now - timedelta(days=2) + timedelta(hours=1),
                     co_hosts=[partner], status=EventStatus.CANCELLED)
        db.session.add_all([Attendance(event_id=big.id, walk_in_name="Group", people=12),
                            Attendance(event_id=small.id, walk_in_name="Pair", people=2)])
        MembershipFactory(partner=partner, forum=ForumFactory(name="Faith leaders"))
        youth = ForumFactory(name="Youth voice")
        for _n in range(7):
            MembershipFactory(partner=partner, forum=youth)
        MembershipFactory(partner=partner, forum=youth, status=MembershipStatus.DECLINED)
        db.session.commit()
        this_year, earlier = in_london(small.starts_at).year, in_london(big.starts_at).year
    sign_in(client, organiser)
    page = text_of(client.get(f"/reports/partners/{partner_id}"))
    assert "Central Mosque: engagement over time" in page
    assert "2 events co-hosted so far, and 1 to come" in page
    rows = {year: row for year, row in ((str(this_year), page.split(f">{this_year}</th>")[1].split("</tr>")[0]),
                                        (str(earlier), page.split(f">{earlier}</th>")[1].split("</tr>")[0]))}
    assert "&lt;5" in rows[str(this_year)] and ">2<" not in rows[str(this_year)]  # 2 people: hidden
    assert "[c]" in rows[str(earlier)] and ">12<" not in rows[str(earlier)]  # with the total, it gives 2 away
    assert ">1<" in rows[str(this_year)]  # one cancelled
    assert "No nomination is linked to it." in page
    leaders, youth = (page.split(f">{name}</th>")[1].split("</tr>")[0] for name in ("Faith leaders", "Youth voice"))
    assert leaders.count("&lt;5") == 2  # one member: found by an attack, the counts were shown as they were
    # 7 members now of 8 who applied: together they would say one person from it was declined
    assert not (">7<" in youth and ">8<" in youth) and "[c]" in youth


def test_a_long_list_of_partners_goes_page_by_page(app, client, organiser):
    with app.app_context():
        db.session.add_all(PartnerOrganisation(name=f"Group {n:02}", name_key=f"group {n:02}",
                                               kind=PartnerKind.VOLUNTARY_GROUP, area="Corby") for n in range(51))
        db.session.commit()
    sign_in(client, organiser)
    first = client.get("/partners").get_data(as_text=True)
    assert 'Next<span class="govuk-visually-hidden"> page</span>' in first and "Group 49" in first
    assert "Group 50" in client.get("/partners?page=2").get_data(as_text=True)


def test_each_remove_button_reads_remove_and_names_whom_it_removes_only_to_screen_readers(app, client, organiser):
    partner_id = a_partner(app)
    with app.app_context():
        partner = db.session.get(PartnerOrganisation, partner_id)
        db.session.add(PartnerContact(partner=partner, name="Yusuf <Ali>", phone="01604 000000"))
        event_id = EventFactory(co_hosts=[partner], organisers=[db.session.get(UserFactory._meta.model,
                                                                                organiser.id)]).id
        db.session.commit()
    sign_in(client, organiser)
    for url, name in ((f"/partners/{partner_id}", "Yusuf &lt;Ali&gt;"),
                      (f"/manage/events/{event_id}/co-hosts", "Central Mosque")):
        page = text_of(client.get(url))
        assert f'Remove<span class="govuk-visually-hidden"> {name}</span>' in page, url
        assert "Remove&lt;span" not in page, url

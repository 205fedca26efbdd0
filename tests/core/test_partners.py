"""Partner organisations through their services: one partner per name
whatever its capitals and spaces, contacts and their consent, links from
events, forums and nominations, and deleting only what nothing links to."""
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from awards import partners as award_links
from awards.models import Nomination, NominationStatus
from core.accounts.models import ProvenAddress
from core.database import utcnow, write_lock
from core.errors import DomainError
from core.extensions import db
from core.models import AuditEntry
from core.partners import services
from core.partners.models import PartnerContact, PartnerKind, PartnerOrganisation
from core.partners.services import ContactDetails, PartnerDetails
from core.privacy import erasure, retention, your_data
from events.services import co_hosts
from forums.services import partners as forum_links
from tests.awards.factories import CategoryFactory
from tests.events.factories import EventFactory
from tests.factories import UserFactory
from tests.forums.factories import MembershipFactory


@pytest.fixture
def ctx(app):
    with app.test_request_context(), write_lock(every_transaction=True):
        yield UserFactory(roles=["organiser"])


def mosque(actor, name="Central Mosque"):
    return services.create_partner(PartnerDetails(name=name, kind=PartnerKind.FAITH_GROUP, area="Northampton"),
                                   actor=actor)


def test_a_name_is_matched_whatever_its_capitals_and_spaces(ctx):
    partner = mosque(ctx, "  Central   Mosque ")
    db.session.commit()
    assert partner.name == "Central Mosque"
    assert services.find_partner_by_name("central mosque") == partner
    assert services.find_partner_by_name("CENTRAL\tMOSQUE") == partner
    assert services.find_partner_by_name("Central Mosque Trust") is None
    with pytest.raises(services.PartnerNameTaken) as refused:
        mosque(ctx, "CENTRAL MOSQUE")
    assert refused.value.field == "name" and "Central Mosque is already a partner" in refused.value.message


def test_the_database_refuses_a_second_partner_of_the_same_name(ctx):
    mosque(ctx)
    db.session.commit()
    db.session.add(PartnerOrganisation(name="central mosque", name_key="central mosque", kind=PartnerKind.OTHER))
    with pytest.raises(IntegrityError):
        db.session.flush()


def test_renaming_to_another_partners_name_is_refused_and_its_own_is_kept(ctx):
    first, second = mosque(ctx), mosque(ctx, "Jalalia Mosque")
    db.session.commit()
    with pytest.raises(services.PartnerNameTaken):
        services.update_partner(second, PartnerDetails(name="central MOSQUE", kind=PartnerKind.FAITH_GROUP), actor=ctx)
    db.session.rollback()
    services.update_partner(first, PartnerDetails(name="Central Mosque", kind=PartnerKind.FAITH_GROUP,
                                                  website="https://centralmosque.example.org"), actor=ctx)
    db.session.commit()
    assert first.website == "https://centralmosque.example.org"
    with pytest.raises(DomainError) as refused:
        services.update_partner(first, PartnerDetails(name="Central Mosque", kind=PartnerKind.FAITH_GROUP,
                                                      website="javascript://alert(1)"), actor=ctx)
    assert refused.value.field == "website"


def test_a_contact_needs_a_way_to_reach_them_and_their_yes_is_dated(ctx):
    partner = mosque(ctx)
    with pytest.raises(services.ContactDetailsMissing):
        services.add_contact(partner, ContactDetails(name="Yusuf Ali"), actor=ctx)
    contact = services.add_contact(partner, ContactDetails(name="Yusuf Ali", email=" Yusuf@Example.org ",
                                                           may_contact=True), actor=ctx)
    db.session.commit()
    assert contact.email == "yusuf@example.org" and contact.consent_recorded_at is not None
    agreed_at = contact.consent_recorded_at
    services.update_contact(contact, ContactDetails(name="Yusuf Ali", role="Imam", email="yusuf@example.org",
                                                    may_contact=True), actor=ctx)
    assert contact.consent_recorded_at == agreed_at  # the same yes keeps its date
    services.update_contact(contact, ContactDetails(name="Yusuf Ali", phone="01604 000000"), actor=ctx)
    assert not contact.may_contact and contact.consent_recorded_at is None


def test_a_linked_partner_is_not_deleted_until_its_links_are_removed(ctx):
    partner = mosque(ctx)
    event = EventFactory()
    membership = MembershipFactory()
    category = CategoryFactory()
    nomination = Nomination(category=category, status=NominationStatus.SUBMITTED, nominator_name="Ann",
                            nominator_email="ann@example.org", relationship_to_nominee="Neighbour",
                            nominee_name="Aisha Khan", nominee_kind=category.nominee_kind, nominee_area="Corby")
    db.session.add(nomination)
    db.session.flush()
    co_hosts.add_co_host(event, partner, actor=ctx)
    forum_links.link_partner(membership, partner, actor=ctx)
    award_links.link_partner(nomination, partner, actor=ctx)
    db.session.commit()
    with pytest.raises(services.PartnerStillLinked) as refused:
        services.delete_partner(partner, actor=ctx)
    assert refused.value.message == ("Central Mosque cannot be deleted because it is linked to 1 event it co-hosts, "
                                     "1 forum member who represents it, 1 award nomination. Remove those links first.")
    db.session.rollback()
    with pytest.raises(co_hosts.CoHostRefused):
        co_hosts.add_co_host(event, partner, actor=ctx)
    co_hosts.remove_co_host(event, partner, actor=ctx)
    forum_links.link_partner(membership, None, actor=ctx)
    award_links.link_partner(nomination, None, actor=ctx)
    services.add_contact(partner, ContactDetails(name="Yusuf Ali", phone="01604 000000"), actor=ctx)
    services.delete_partner(partner, actor=ctx)
    db.session.commit()
    assert db.session.scalar(select(PartnerOrganisation)) is None
    assert db.session.scalar(select(PartnerContact)) is None
    assert db.session.scalars(select(AuditEntry.action).where(AuditEntry.action.like("partner.%")).order_by(AuditEntry.id)).all() == [
        "partner.created", "partner.contact_added", "partner.deleted"]


def test_a_contacts_entry_is_in_their_data_and_goes_with_their_account(ctx):
    partner = mosque(ctx)
    person = UserFactory(email="yusuf@example.org")
    services.add_contact(partner, ContactDetails(name="Yusuf Ali", email="YUSUF@example.org"), actor=ctx)
    services.add_contact(partner, ContactDetails(name="Someone Else", email="else@example.org"), actor=ctx)
    db.session.commit()
    section = next(s for s in your_data.about(person) if s.key == "partner_contacts")
    assert [record["Name"] for record in section.records] == ["Yusuf Ali"]
    erasure.erase(person)
    db.session.commit()
    assert db.session.scalars(select(PartnerContact.name)).all() == ["Someone Else"]


def test_an_address_its_owner_moved_off_is_not_theirs_to_see_or_erase_in_the_contacts(ctx):
    """Found by an attack: a former owner of an address saw, in Your data, the
    contact entry staff later made for the address's new owner (and erasing
    their account would have deleted it)."""
    partner = mosque(ctx)
    former = UserFactory(email="new.home@example.org")
    db.session.add(ProvenAddress(user_id=former.id, email="old.home@example.org"))
    services.add_contact(partner, ContactDetails(name="Victoria New-Owner", email="old.home@example.org"), actor=ctx)
    db.session.commit()
    section = next(s for s in your_data.about(former) if s.key == "partner_contacts")
    assert section.records == []
    erasure.erase(former)
    db.session.commit()
    assert db.session.scalars(select(PartnerContact.name)).all() == ["Victoria New-Owner"]


def test_retention_deletes_contacts_nobody_has_checked_for_three_years(ctx):
    partner = mosque(ctx)
    old = services.add_contact(partner, ContactDetails(name="Old Contact", phone="1"), actor=ctx)
    services.add_contact(partner, ContactDetails(name="New Contact", phone="2"), actor=ctx)
    old.updated_at = utcnow() - timedelta(days=3 * 366)
    db.session.commit()
    done = retention.apply()
    assert done["partner contacts deleted"] == 1
    assert db.session.scalars(select(PartnerContact.name)).all() == ["New Contact"]


def test_two_people_adding_one_name_at_once_get_the_message_not_an_error(ctx, monkeypatch):
    mosque(ctx)
    db.session.commit()
    # The second has looked before the first saved: only the unique constraint sees the clash.
    monkeypatch.setattr(services, "find_partner_by_name", lambda name: None)
    with pytest.raises(services.PartnerNameTaken):
        mosque(ctx, "Central mosque")
    db.session.rollback()
    assert db.session.scalars(select(PartnerOrganisation.name)).all() == ["Central Mosque"]


def test_what_an_import_hands_over_is_checked_as_the_forms_would(ctx):
    with pytest.raises(DomainError) as refused:
        mosque(ctx, "A" * 151)
    assert (refused.value.field, refused.value.message) == ("name", "Name must be 150 characters or fewer")
    partner = mosque(ctx)
    with pytest.raises(DomainError) as refused:
        services.add_contact(partner, ContactDetails(name="  ", email="a@example.org"), actor=ctx)
    assert refused.value.field == "name"
    with pytest.raises(DomainError) as refused:
        services.add_contact(partner, ContactDetails(name="Yusuf", phone="0" * 31), actor=ctx)
    assert refused.value.field == "phone"
    assert partner.contacts == []


def test_an_applicant_who_names_a_partner_exactly_is_linked_and_other_words_are_only_kept(ctx):
    from forums.models import Faith
    from forums.services.applying import Application, apply
    from tests.forums.factories import ForumFactory
    partner = mosque(ctx)
    forum = ForumFactory()
    named = apply(forum, UserFactory(), Application(reason="To speak for families", faith=Faith.MUSLIM,
                                                    organisation=" central  MOSQUE"))
    other = apply(forum, UserFactory(), Application(reason="To speak for families", faith=Faith.MUSLIM,
                                                    organisation="The mosque on Abington Avenue"))
    assert named.partner == partner
    assert other.partner is None and other.organisation == "The mosque on Abington Avenue"

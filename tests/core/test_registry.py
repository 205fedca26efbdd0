"""The registries the domains fill (core/registry.py): the privacy
procedures' (core/privacy/registry.py) and the home page's sections
(core/home_page.py). Each domain's part comes in the order of its position,
whatever order the modules were imported in."""
import pytest

from core import home_page
from core.privacy import registry, retention
from core.registry import Slot


def test_contributions_come_in_the_order_of_their_positions_not_of_registration():
    slot = Slot("test step")
    slot.add(30, "third", name="c")
    slot.add(10, "first", name="a")
    slot.add(20, "second", name="b")
    assert list(slot) == ["first", "second", "third"]


def test_two_contributions_cannot_share_a_position():
    slot = Slot("test step")
    slot.add(10, "one", name="a")
    slot.add(10, "one again", name="a")  # the same module imported twice
    with pytest.raises(ValueError, match="test step: a and b both ask for position 10"):
        slot.add(10, "another", name="b")
    assert list(slot) == ["one again"]


def test_every_domain_has_registered_its_part(app):
    assert [section.__module__ for section in registry.sections] == [
        "core.privacy.your_data", "events.privacy", "events.privacy", "forums.privacy", "forums.privacy",
        "awards.privacy", "awards.privacy", "core.privacy.partners", "core.privacy.your_data", "core.privacy.your_data",
        "core.privacy.your_data", "core.privacy.your_data"]
    assert [period.kind for period in retention.periods()] == [
        "accounts", "registrations", "survey_invitations", "forum_memberships", "imported_invitations", "nominations",
        "partner_contacts", "equality_answers", "sign_in_records", "audit_log", "emails", "jobs", "spreadsheet_imports"]
    assert [step.__module__ for step in registry.erasure_steps] == [
        "events.privacy", "core.privacy.erasure", "awards.privacy", "core.privacy.partners"]


def test_the_home_page_shows_events_then_forums_then_awards(app):
    assert [section.template for section in home_page.sections] == [
        "events/_home_section.html", "forums/_home_section.html", "awards/_home_section.html"]

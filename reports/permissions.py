"""Who may see which report. Organisers see their own events, coordinators
their forums, awards administrators the award cycles, admins everything
(including cohesion priorities and date ranges across every event)."""
from awards.permissions import can_run_awards
from core.permissions import is_admin
from events.permissions import can_create_events, can_manage_event
from forums.services import coordinated_forums, is_coordinator


def has_report_role(user) -> bool:
    """A site role that comes with reports (checked without a query, for the menu)."""
    return is_admin(user) or can_create_events(user) or can_run_awards(user)


def can_see_reports(user) -> bool:
    """Whether the reports page has anything for this person: a role, or a forum to coordinate."""
    return has_report_role(user) or bool(getattr(user, "is_authenticated", False) and coordinated_forums(user))


def can_report_on(user, kind: str, subject) -> bool:
    """`subject` is the event, the series' first event, the forum or the
    cycle the report is about (None for cohesion priorities and everything)."""
    if is_admin(user):
        return True
    if kind in ("event", "series"):
        return subject is not None and can_manage_event(user, subject)
    if kind == "forum":
        return subject is not None and is_coordinator(user, subject.id)
    if kind == "cycle":
        return can_run_awards(user)
    return False


def can_upload_baselines(user) -> bool:
    return is_admin(user)


def can_publish_open_data(user) -> bool:
    return is_admin(user)

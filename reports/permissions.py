"""Who may see which report, and who may see figures split by people's
equality answers (breakdowns).

Totals and response rates: organisers see their own events, coordinators
their forums, awards administrators the award cycles, admins everything
(including cohesion priorities and date ranges across every event).

Breakdowns are for the equality monitoring role alone, which admins grant,
and never for someone who can change the records behind that report (the
event's organisers, the forum's coordinators, the awards administrators for
a cycle, and admins, who can change any record): whoever could add or remove
one person and look again would learn that person's answers by the
difference."""
from awards.permissions import can_run_awards
from core.accounts.models import SiteRole
from core.accounts.permissions import is_admin
from events.permissions import can_create_events, can_manage_event
from forums.services.coordinators import coordinated_forums, is_coordinator

NOT_A_MONITOR = ("Breakdowns by people's equality answers are shown only to the partnership's equality monitoring "
                 "team. You see totals and response rates. An admin can add people to the team.")
RUNS_IT = ("You can change the records this report counts, so you see totals and response rates only: breakdowns "
           "by equality answers are for equality monitors who do not run it.")

ADMIN = ("Admins can change any record a report counts, so you see totals and response rates only: breakdowns by "
         "equality answers are for equality monitors who are not admins.")


def is_equality_monitor(user) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and user.has_role(SiteRole.EQUALITY_MONITOR)


def has_report_role(user) -> bool:
    """A site role that comes with reports (checked without a query, for the menu)."""
    return is_admin(user) or can_create_events(user) or can_run_awards(user) or is_equality_monitor(user)


def can_see_reports(user) -> bool:
    """Whether the reports page has anything for this person: a role, or a forum to coordinate."""
    return has_report_role(user) or bool(getattr(user, "is_authenticated", False) and coordinated_forums(user))


def can_report_on(user, kind: str, subject) -> bool:
    """`subject` is the event, the series' first event, the forum or the
    cycle the report is about (None for cohesion priorities and everything)."""
    if is_admin(user) or is_equality_monitor(user):
        return True
    if kind in ("event", "series"):
        return subject is not None and can_manage_event(user, subject)
    if kind == "forum":
        return subject is not None and is_coordinator(user, subject.id)
    if kind == "cycle":
        return can_run_awards(user)
    return False


def breakdowns_withheld(user, kind: str, subject) -> str | None:
    """Why this person may not see breakdowns of this report, in words; None when they may."""
    if not is_equality_monitor(user):
        return NOT_A_MONITOR
    if is_admin(user):  # granting both is refused (core.accounts.services.KEPT_APART); an account from before may
        return ADMIN
    if kind in ("event", "series") and subject is not None and _runs_event(user, subject):
        return RUNS_IT
    if kind == "forum" and subject is not None and is_coordinator(user, subject.id):
        return RUNS_IT
    if kind == "cycle" and can_run_awards(user):
        return RUNS_IT
    return None


def _runs_event(user, event) -> bool:
    """An organiser of the event, or a coordinator of the forum whose meeting
    it is. (Admins change a settled event only through an audited reopening.)"""
    return any(organiser.id == user.id for organiser in event.organisers) or is_coordinator(user, event.forum_id)


def can_upload_baselines(user) -> bool:
    return is_admin(user)


def can_publish_open_data(user) -> bool:
    return is_admin(user)

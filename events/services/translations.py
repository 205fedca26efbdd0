"""An event's title, summary and description in the site's other languages
(core.content_languages): an organiser adds a version, changes it or
removes it. Each date of a series has its own versions; saving one can
reach the other dates too, as changing a date can (events.series)."""
from dataclasses import dataclass

from core import content_languages
from core.accounts.models import User
from events import permissions
from events.models import Event, EventStatus
from events.services.scheduling import EventRuleBroken
from events.series import LeftAlone, SeriesChange, SeriesScope, dates_in_scope


@dataclass(frozen=True)
class EventText:
    title: str
    summary: str
    description: str = ""


def save_event_version(event: Event, language: str, text: EventText, *, actor: User,
                       scope: SeriesScope = SeriesScope.THIS) -> SeriesChange:
    """Add or change the event's version in `language` and, by `scope`, that
    of the other dates of its series that `actor` runs."""
    _refuse_if_cancelled(event)
    result = SeriesChange()
    for date in dates_in_scope(event, scope):
        if date is not event and not permissions.can_manage_event(actor, date):
            result.left_alone.append(LeftAlone(date, "you do not run this date"))
            continue
        if date.status == EventStatus.CANCELLED:
            result.left_alone.append(LeftAlone(date, "it has been cancelled"))
            continue
        content_languages.save_version(date, language, {
            "title": text.title, "summary": text.summary, "description": text.description}, actor=actor)
        result.changed.append(date)
    return result


def remove_event_version(event: Event, language: str, *, actor: User) -> bool:
    """Remove this date's version in `language`; False when it had none."""
    _refuse_if_cancelled(event)
    return content_languages.remove_version(event, language, actor=actor)


def _refuse_if_cancelled(event: Event) -> None:
    """Everyone was told a cancelled event is off, in every language: a version saying otherwise
    beside the "cancelled" banner would mislead its readers, as a change of the English would."""
    if event.status == EventStatus.CANCELLED:
        raise EventRuleBroken("This event has been cancelled, so it cannot be changed. Create a new event instead.")

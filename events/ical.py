"""iCalendar (RFC 5545, with RFC 7986 refresh hints): one event as a file,
and feeds of many. Pure functions from events to bytes, their few words of
their own ("Join online: ...") in the language in force (core.i18n.in_language).

UIDs never change: `event-<id>@<domain>` for an event on its own,
`series-<id>@<domain>` for a repeating series, which a feed writes once with
its RRULE; cancelled dates become EXDATEs and dates that were moved or
changed become RECURRENCE-ID overrides. A date of a series is that UID with
its RECURRENCE-ID everywhere it goes (its own download, booking and change
emails, a personal feed), so a calendar holding it from two of them holds it
once. DTSTAMP is the last change.

SEQUENCE rises with every change people must hear about. Each event's own
`sequence` never falls; a series' components all carry the sum of its dates'
(`series_sequence`), which therefore never falls either and rises with a
change to any date: the master's EXDATEs and content, and which dates need an
override, all follow from its dates, so any change to one may change them.
"""
from datetime import date, datetime, timedelta, timezone
from functools import lru_cache
from html.parser import HTMLParser
from urllib.parse import urlencode

from dateutil.rrule import rrulestr
from icalendar import Calendar, Event as VEvent, Timezone, vDuration, vRecur, vText

from core.database import LONDON, in_london
from core.formatting import formatted_text
from core.i18n import _
from events.models import Event, EventStatus, Registration, RegistrationStatus

PRODID = "-//Shared Future//Community events//EN"
REFRESH = timedelta(hours=4)


def event_uid(event: Event, domain: str) -> str:
    """Stable for the life of the event: from its id and the site, never the build time."""
    return f"event-{event.id}@{domain}"


def series_uid(series_id: int, domain: str) -> str:
    return f"series-{series_id}@{domain}"


def series_sequence(occurrences: list[Event]) -> int:
    """The SEQUENCE of every component of a series: given all its dates."""
    return sum(occurrence.sequence for occurrence in occurrences)


def _identity(event: Event, domain: str, series_sequences: dict[int, int] | None) -> dict:
    """UID, RECURRENCE-ID and SEQUENCE of an event's own entry: a date of a
    series is its series' entry for that date, with the series' SEQUENCE."""
    if event.series_id is None:
        return {"uid": event_uid(event, domain), "sequence": event.sequence, "recurrence_id": None}
    if series_sequences is None or event.series_id not in series_sequences:
        raise ValueError("a date of a series needs its series' SEQUENCE (series_sequence of all its dates)")
    return {"uid": series_uid(event.series_id, domain), "sequence": series_sequences[event.series_id],
            "recurrence_id": in_london(event.original_starts_at or event.starts_at)}


def _own_entry(event: Event, *, url: str, domain: str, series_sequences: dict[int, int] | None) -> VEvent:
    identity = _identity(event, domain, series_sequences)
    entry = _vevent(event, uid=identity["uid"], url=url, sequence=identity["sequence"])
    if identity["recurrence_id"] is not None:
        entry.add("recurrence-id", identity["recurrence_id"])
    return entry


def location_text(event: Event) -> str:
    parts = []
    if event.venue:
        address = ", ".join(line.strip() for line in event.venue.address.splitlines() if line.strip())
        parts.append(f"{event.venue.name}, {address}, {event.venue.postcode}")
    if event.online_url:
        parts.append(_("Online: %(link)s", link=event.online_url))
    return "; ".join(parts)


def event_calendar(event: Event, *, url: str, domain: str, method: str = "PUBLISH",
                   attendee: str | None = None, series_sequences: dict[int, int] | None = None) -> bytes:
    """One event on its own (a download, or a booking email's attachment).
    A date of a series goes as its series' entry for that date (UID and
    RECURRENCE-ID): `series_sequences` maps its series to `series_sequence`.

    An email telling a booked person of a change sends it again as an
    iTIP message with the same UID: `method="REQUEST"` (the event, its
    SEQUENCE raised by the change) updates the entry their calendar holds,
    `method="CANCEL"` removes it. `attendee` is the address it is sent to."""
    if method not in {"PUBLISH", "REQUEST", "CANCEL"}:
        raise ValueError(f"not a calendar method we send: {method}")
    calendar = _calendar()
    calendar.add("method", method)
    entry = _own_entry(event, url=url, domain=domain, series_sequences=series_sequences)
    if method == "CANCEL":
        entry["status"] = vText("CANCELLED")
    if attendee:
        entry.add("attendee", f"mailto:{attendee}",
                  parameters={"PARTSTAT": "DECLINED" if method == "CANCEL" else "ACCEPTED", "RSVP": "FALSE"})
    calendar.add_component(entry)
    _add_timezone(calendar, [event])
    return _to_ical(calendar)


def feed_calendar(events: list[Event], *, name: str, description: str, url_for_event, domain: str,
                  shown=lambda event: event.is_visible) -> bytes:
    """A subscribable feed. `events` must hold every occurrence of each series
    it includes; `shown(event)` says which the feed may say anything of (a
    series with a date it may not is written as its shown dates alone, with
    no rule that would give the others away). `url_for_event(event)` gives
    the event page."""
    calendar = _feed(name, description)
    series: dict[int, list[Event]] = {}
    for event in events:
        if event.series_id is None:
            calendar.add_component(_vevent(event, uid=event_uid(event, domain), url=url_for_event(event)))
        else:
            series.setdefault(event.series_id, []).append(event)
    for series_id, occurrences in series.items():
        for component in _series_components(series_id, occurrences, url_for_event=url_for_event, domain=domain,
                                            shown=shown):
            calendar.add_component(component)
    _add_timezone(calendar, events)
    return _to_ical(calendar)


def personal_feed_calendar(registrations: list[Registration], *, name: str, description: str, url_for_event,
                           domain: str, series_sequences: dict[int, int] | None = None) -> bytes:
    """One person's feed: each event they hold a place for, or are waiting
    for, on its own (dates of a series too, as they book each one: each as
    its series' entry for that date, as in their booking email)."""
    calendar = _feed(name, description)
    for registration in registrations:
        event = registration.event
        entry = _own_entry(event, url=url_for_event(event), domain=domain, series_sequences=series_sequences)
        if registration.status != RegistrationStatus.CONFIRMED and event.status != EventStatus.CANCELLED:
            entry["summary"] = vText(_("Waiting list: %(event)s", event=event.title)
                                     if registration.status == RegistrationStatus.WAITLISTED
                                     else _("Place offered: %(event)s", event=event.title))
            entry["status"] = vText("TENTATIVE")
            entry["transp"] = vText("TRANSPARENT")
        calendar.add_component(entry)
    _add_timezone(calendar, [registration.event for registration in registrations])
    return _to_ical(calendar)


FOLDED_AT = 75  # octets: RFC 5545 3.1 folds a content line before it reaches this


def _to_ical(calendar: Calendar) -> bytes:
    """`calendar.to_ical()`, the same bytes, sooner: icalendar folds every
    content line by walking it a character at a time, a quarter of a large
    feed's build, though most lines are too short to fold; those are written
    as they are and only the longer ones go through icalendar's folding."""
    written = []
    for line in calendar.content_lines():
        if line:
            octets = line.encode("utf-8")
            written.append(octets if len(octets) < FOLDED_AT else line.to_ical())
    written.append(b"")
    return b"\r\n".join(written)


def _feed(name: str, description: str) -> Calendar:
    calendar = _calendar()
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-caldesc", description)
    calendar.add("x-wr-timezone", "Europe/London")
    calendar.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", vDuration(REFRESH))
    return calendar


def _calendar() -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    return calendar


def _vevent(event: Event, *, uid: str, url: str, starts_at: datetime | None = None, sequence: int | None = None,
            changed: datetime | None = None, status: EventStatus | None = None) -> VEvent:
    """One VEVENT from an event; a series' master overrides its start,
    sequence, last change and status."""
    changed = (changed or event.updated_at).astimezone(timezone.utc)
    status = status or event.status
    entry = VEvent()
    entry.add("uid", uid)
    entry.add("dtstamp", changed)
    entry.add("last-modified", changed)
    entry.add("dtstart", in_london(starts_at or event.starts_at))
    entry.add("dtend", in_london((starts_at or event.starts_at) + (event.ends_at - event.starts_at)))
    entry.add("sequence", event.sequence if sequence is None else sequence)
    entry.add("summary", event.title)
    entry.add("description", _plain_description(event, url))
    if location_text(event):
        entry.add("location", vText(location_text(event)))
    if event.venue and event.venue.position:
        entry.add("geo", event.venue.position)
    entry.add("url", url)
    entry.add("status", "CANCELLED" if status == EventStatus.CANCELLED else
              "TENTATIVE" if status == EventStatus.POSTPONED else "CONFIRMED")
    entry.add("organizer", f"mailto:{event.contact_email}")
    entry.add("transp", "OPAQUE")
    return entry


def _plain_description(event: Event, url: str) -> str:
    parts = [event.summary]
    if event.status == EventStatus.POSTPONED:
        parts.insert(0, _("Postponed: a new date will follow."))
    if event.description:
        parts.append(plain_text(event.description))
    if event.online_url:
        parts.append(_("Join online: %(link)s", link=event.online_url))
    parts.append(_("Details and registration: %(link)s", link=url))
    return "\n\n".join(parts)


def plain_text(markdown_text: str | None) -> str:
    """Formatted text (our subset of Markdown) as plain text, for a calendar
    entry's DESCRIPTION: emphasis markers go, a link becomes "text (url)",
    list items are lines of their own, paragraphs are separated by a blank
    line. Parsed exactly as the event page shows it (`formatted_text`)."""
    if not markdown_text:
        return ""
    parser = _PlainText()
    parser.feed(str(formatted_text(markdown_text)))
    parser.close()
    return parser.text()


class _PlainText(HTMLParser):
    """The cleaned HTML of `formatted_text` (p, br, strong, em, ul, ol, li,
    a, h2, h3, blockquote) as lines of text."""
    _BLOCKS = {"p", "h2", "h3", "blockquote", "ul", "ol"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = []  # "" separates paragraphs
        self.line = ""
        self.lists: list[list] = []  # per open list: [ordered, items so far]
        self.links: list[tuple[str | None, int]] = []

    def handle_starttag(self, tag, attrs):
        if tag in self._BLOCKS:
            self._break(paragraph=not self.lists)
        if tag in {"ul", "ol"}:
            self.lists.append([tag == "ol", 0])
        elif tag == "li" and self.lists:
            self._break(paragraph=False)
            self.lists[-1][1] += 1
            ordered, count = self.lists[-1]
            self.line = "  " * (len(self.lists) - 1) + (f"{count}. " if ordered else "- ")
        elif tag == "br":
            self._break(paragraph=False)
        elif tag == "a":
            self.links.append((dict(attrs).get("href"), len(self.line)))

    def handle_endtag(self, tag):
        if tag == "a" and self.links:
            href, start = self.links.pop()
            shown, address = self.line[start:].strip(), (href or "").removeprefix("mailto:")
            if address and address != shown:
                self.line = self.line.rstrip() + f" ({address})"
        elif tag in {"ul", "ol"}:
            self._break(paragraph=False)
            self.lists.pop()
            if not self.lists:
                self._break(paragraph=True)
        elif tag in self._BLOCKS:
            self._break(paragraph=not self.lists)

    def handle_data(self, data):
        text = " ".join(data.split())
        if not text:
            if data and self.line and not self.line.endswith(" "):
                self.line += " "
            return
        if data[0].isspace() and self.line and not self.line.endswith(" "):
            self.line += " "
        self.line += text + (" " if data[-1].isspace() else "")

    def _break(self, *, paragraph: bool):
        if self.line.strip():
            self.lines.append(self.line.rstrip())
        self.line = ""
        if paragraph and self.lines and self.lines[-1] != "":
            self.lines.append("")

    def text(self) -> str:
        self._break(paragraph=False)
        return "\n".join(self.lines).strip()


def _differs_from(event: Event, master: Event) -> bool:
    """Whether an occurrence needs its own RECURRENCE-ID entry."""
    return (event.starts_at != event.original_starts_at
            or event.ends_at - event.starts_at != master.ends_at - master.starts_at
            or event.status != EventStatus.PUBLISHED
            or (event.title, event.summary, event.description, event.venue_id, event.online_url,
                event.contact_email) != (master.title, master.summary, master.description, master.venue_id,
                                         master.online_url, master.contact_email))


def _series_components(series_id: int, occurrences: list[Event], *, url_for_event, domain: str,
                       shown) -> list[VEvent]:
    """The series as its rule (RRULE) with the dates that differ from it, when
    the feed may show every date; otherwise each date it may show on its own
    (RECURRENCE-ID instances of the series), as the rule and the dates it
    skips (EXDATE) would tell when and where the hidden ones are."""
    occurrences = sorted(occurrences, key=lambda e: e.original_starts_at)
    sequence = series_sequence(occurrences)
    if not all(shown(event) for event in occurrences):
        return [_own_entry(event, url=url_for_event(event), domain=domain, series_sequences={series_id: sequence})
                for event in occurrences if shown(event)]
    first = occurrences[0]
    uid = series_uid(series_id, domain)
    master = _vevent(first, uid=uid, url=url_for_event(first), starts_at=first.original_starts_at,
                     sequence=sequence, status=EventStatus.PUBLISHED,
                     changed=max(e.updated_at for e in occurrences))
    master.add("rrule", _rrule_for_feed(first.series.rrule))
    # Dates the rule makes that have no live occurrence are excluded.
    made = {in_london(e.original_starts_at) for e in occurrences}
    rule_dates = [start for start in _rule_starts(first) if start not in made]
    overrides = []
    for event in occurrences:
        if event.status == EventStatus.CANCELLED:
            master.add("exdate", in_london(event.original_starts_at))
        elif _differs_from(event, first):
            override = _own_entry(event, url=url_for_event(event), domain=domain,
                                  series_sequences={series_id: sequence})
            overrides.append(override)
    for start in rule_dates:
        master.add("exdate", start)
    return [master, *overrides]


def _rule_starts(first: Event) -> list[datetime]:
    local = in_london(first.original_starts_at)
    return [moment.replace(tzinfo=LONDON)
            for moment in rrulestr(first.series.rrule, dtstart=local.replace(tzinfo=None))]


def _rrule_for_feed(rule: str) -> vRecur:
    """The stored rule, with UNTIL as UTC as RFC 5545 requires when DTSTART has a time zone."""
    recur = vRecur.from_ical(rule)
    until = recur.get("UNTIL")
    if until:
        moment = until[0]
        if isinstance(moment, date) and not isinstance(moment, datetime):
            moment = datetime.combine(moment, datetime.max.time().replace(microsecond=0))
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=LONDON)
        recur["UNTIL"] = [moment.astimezone(timezone.utc)]
    return recur


def _add_timezone(calendar: Calendar, events: list[Event]) -> None:
    """Every time in our calendars is UK time (in_london), so the one VTIMEZONE
    is Europe/London's, covering the whole years the events span."""
    if not events:
        return
    first = min(in_london(e.original_starts_at or e.starts_at) for e in events)
    last = max(in_london(e.ends_at) for e in events)
    calendar.subcomponents.insert(0, _london_timezone(first.year, last.year))


@lru_cache(maxsize=64)
def _london_timezone(first_year: int, last_year: int) -> Timezone:
    """From the time zone database alone, so the same for every caller."""
    return Timezone.from_tzid(LONDON.key, first_date=date(first_year, 1, 1), last_date=date(last_year, 12, 31))


def google_calendar_link(event: Event, url: str) -> str:
    """Google Calendar's 'add event' page, filled in."""
    def utc(moment):
        return moment.astimezone(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    return "https://calendar.google.com/calendar/render?" + urlencode({
        "action": "TEMPLATE", "text": event.title, "dates": f"{utc(event.starts_at)}/{utc(event.ends_at)}",
        "details": f"{event.summary}\n\n{url}", "location": location_text(event), "ctz": "Europe/London"})


def outlook_calendar_link(event: Event, url: str) -> str:
    """Outlook on the web's 'new event' page, filled in."""
    return "https://outlook.live.com/calendar/0/deeplink/compose?" + urlencode({
        "path": "/calendar/action/compose", "rru": "addevent", "subject": event.title,
        "startdt": event.starts_at.astimezone(timezone.utc).isoformat(),
        "enddt": event.ends_at.astimezone(timezone.utc).isoformat(),
        "body": f"{event.summary}\n\n{url}", "location": location_text(event)})


def webcal(url: str) -> str:
    """A feed's address for 'subscribe': calendar apps open webcal:// links."""
    return "webcal://" + url.split("://", 1)[1]

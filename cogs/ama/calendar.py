"""An .ics file for one AMA session (or one series), for members to add to their calendar.
Pure: builds bytes with the `icalendar` library, so escaping and line folding are its job.

Decisions:
- One VCALENDAR with one VEVENT. METHOD is PUBLISH, or CANCEL for a cancelled session,
  whose STATUS is then CANCELLED; send the same UID with a higher SEQUENCE so calendar
  apps update or remove the event they already have.
- Times are written in UTC, unless `zone` is given: then DTSTART and DTEND are local times
  with TZID=zone and a VTIMEZONE is included. A repeating event needs that (an RRULE on a
  UTC start keeps the UTC hour, so a 19:00 New York series would show 20:00 after March),
  so `rrule` without `zone` is refused.
- An empty description or location is left out rather than written empty.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, Timezone, vRecur

ICS_CONTENT_TYPE = "text/calendar"
PRODID = "-//Preceptor//AMA sessions//EN"
MAX_FILENAME = 60  # characters, ".ics" included


def session_ics(
    *,
    uid: str,
    title: str,
    description: str,
    starts_at: datetime,
    ends_at: datetime,
    location: str,
    stamp: datetime,
    sequence: int = 0,
    cancelled: bool = False,
    rrule: str | None = None,
    zone: str | None = None,
) -> bytes:
    """The .ics bytes for the session. All datetimes must be aware. `rrule` is an RFC 5545
    RRULE value (cogs/ama/recurrence.to_rrule) and needs `zone`, the IANA name it was
    computed in. Raises ValueError for naive times, an end not after the start, a negative
    sequence, or an rrule that is not one."""
    for name, moment in (("starts_at", starts_at), ("ends_at", ends_at), ("stamp", stamp)):
        if moment.utcoffset() is None:
            raise ValueError(f"session_ics needs an aware {name}")
    if ends_at <= starts_at:
        raise ValueError("session_ics needs ends_at after starts_at")
    if sequence < 0:
        raise ValueError("session_ics needs a sequence of 0 or more")
    if rrule is not None and zone is None:
        raise ValueError("session_ics needs the zone for an rrule, to keep its local time")

    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "CANCEL" if cancelled else "PUBLISH")

    tz = UTC if zone is None else ZoneInfo(zone)
    start, end = starts_at.astimezone(tz), ends_at.astimezone(tz)
    if zone is not None:
        # Cover the series: at most 52 months, so six years from the start is plenty.
        calendar.add_component(
            Timezone.from_tzid(
                zone,
                first_date=date(start.year - 1, 1, 1),
                last_date=date(start.year + 6, 1, 1),
            )
        )

    event = Event()
    event.add("uid", uid)
    event.add("dtstamp", stamp.astimezone(UTC))
    event.add("dtstart", start)
    event.add("dtend", end)
    event.add("summary", title)
    if description:
        event.add("description", description)
    if location:
        event.add("location", location)
    event.add("sequence", sequence)
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    if rrule is not None:
        recur = vRecur.from_ical(rrule)
        if "FREQ" not in recur:  # from_ical reads any text as an empty rule
            raise ValueError(f"session_ics needs an RRULE with FREQ, not {rrule!r}")
        event.add("rrule", recur)
    calendar.add_component(event)
    ics: bytes = calendar.to_ical()
    return ics


def ics_filename(title: str, short_id: str) -> str:
    """A safe ASCII file name such as `ama-k7q2-residency-interviews.ics`: accents become
    plain letters, everything else becomes hyphens, and long titles are cut at a word."""
    stem = "-".join(part for part in ("ama", _slug(short_id), _slug(title)) if part)
    if len(stem) > MAX_FILENAME - len(".ics"):
        cut = stem[: MAX_FILENAME - len(".ics") + 1]
        # Cut at the last hyphen when there is one in the title part; else mid-word.
        keep = len("-".join(part for part in ("ama", _slug(short_id)) if part))
        hyphen = cut.rfind("-")
        stem = cut[:hyphen] if hyphen > keep else cut[:-1].rstrip("-")
    return f"{stem}.ics"


def _slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")

"""Reading a date and time a member typed: ISO 8601, or a short phrase such as
`next tuesday 7pm`. Pure: no I/O and no clock; the caller says what "now" is.

The grammar, case-insensitive, with commas ignored and spaces collapsed:

    when      := iso | "in" count unit | day [["at"] time]
    iso       := ISO 8601 with an offset (2026-12-01T19:00-05:00, ...Z),
                 or a local 2026-12-01 19:00 read in the zone
    day       := "today" | "tonight" | "tomorrow"
               | ["next"] weekday                 monday, mon, tues, thurs, ...
               | month dd [yyyy] | dd month [yyyy]  dec 5, 5th december 2026
               | yyyy-mm-dd
    time      := h[:mm] am|pm | hh:mm (24-hour) | "noon" | "midnight"
    count     := 1 to 4 digits | "a" | "an"
    unit      := minute(s), min(s), hour(s), hr(s), day(s), week(s)

Decisions, so that a phrase always means one predictable moment:
- A day needs a time (`tuesday` alone is refused), except `tonight`, which alone is 20:00.
  A bare number is never a time (`tuesday 7` is refused): say 7pm or 19:00.
- `tonight` is today, and takes only times from noon on (`tonight 1am` is refused: say
  `tomorrow 1am`).
- A weekday is the next such day strictly after today, 1 to 7 days ahead, even if it is
  that weekday today and the time is still ahead (`sunday 7pm` on a Sunday is a week away;
  say `today 7pm` or `tonight` for today). `next tuesday` means the same as `tuesday`,
  which is what most people mean by it.
- A month and day without a year is the next such date, today included.
- `midnight` is 00:00, the start of the day named (like `12am`); `noon` is 12:00.
- `in N minutes/hours/days/weeks` is elapsed time from now: `in 3 days` is exactly 72 hours
  later, so across a clock change its local time of day moves by an hour.
- Local wall times are read in the zone: a time the clocks skip (spring forward) is
  refused, and a time that happens twice (fall back) is its first occurrence.
- Any of these may end with a time zone that overrides the default one: an IANA name in
  any case (`America/Chicago`, `europe/london`), `UTC`/`GMT`, or a US zone as people
  write it (`ET`, `EST`, `EDT`, `CT`, `MT`, `PT`, `PST`...). A US abbreviation means that
  region's clock whatever the season (`7pm EST` in July is 19:00 New York time), because
  that is what people who type it mean. A name with a slash that is no zone is refused.
- A phrase may name a moment already past (`today 7am` at noon); callers that need a
  future time check that themselves.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo, available_timezones

YEARS = range(1900, 2200)  # far from datetime's edges, where time zone shifts overflow
TONIGHT = time(20, 0)
EXAMPLES = (
    "use 2026-12-01 19:00, 2026-12-01T19:00-05:00, "
    "or a phrase such as tomorrow 9am, next tuesday 7pm, dec 5 7pm or in 2 hours"
)


class WhenProblem(ValueError):
    """The text is not a moment; the message reads after an option's name
    ("is not a date and time I can read ...")."""


_WEEKDAYS = {
    name: number
    for number, names in enumerate(
        (
            ("monday", "mon"),
            ("tuesday", "tue", "tues"),
            ("wednesday", "wed", "weds"),
            ("thursday", "thu", "thur", "thurs"),
            ("friday", "fri"),
            ("saturday", "sat"),
            ("sunday", "sun"),
        )
    )
    for name in names
}
_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ),
        start=1,
    )
    for name in names
}
_UNITS = {
    "minute": timedelta(minutes=1),
    "min": timedelta(minutes=1),
    "hour": timedelta(hours=1),
    "hr": timedelta(hours=1),
    "day": timedelta(days=1),
    "week": timedelta(weeks=1),
}

_TIME = (
    r"(?P<time>noon|midnight"
    r"|(?P<h12>[0-9]{1,2})(?::(?P<m12>[0-9]{2}))?\s?(?P<ampm>[ap])\.?m\.?"
    r"|(?P<h24>[0-9]{1,2}):(?P<m24>[0-9]{2}))"
)
_PHRASE = re.compile(rf"(?P<day>.+?)(?:\s(?:at\s)?{_TIME})?", re.ASCII)
_IN = re.compile(r"in\s(?P<count>[0-9]{1,4}|an?)\s(?P<unit>[a-z]+?)s?", re.ASCII)
_DAY_NUMBER = r"(?P<d>[0-9]{1,2})(?:st|nd|rd|th)?"
_MONTH = r"(?P<month>[a-z]+)\.?"
_YEAR = r"(?:\s(?P<y>[0-9]{4}))?"
_MONTH_FIRST = re.compile(rf"{_MONTH}\s{_DAY_NUMBER}{_YEAR}", re.ASCII)
_DAY_FIRST = re.compile(rf"{_DAY_NUMBER}\s{_MONTH}{_YEAR}", re.ASCII)
_ISO_DATE = re.compile(r"(?P<y>[0-9]{4})-(?P<month>[0-9]{2})-(?P<d>[0-9]{2})", re.ASCII)
_WEEKDAY = re.compile(r"(?:next\s)?(?P<weekday>[a-z]+)", re.ASCII)
_ZONE_SUFFIX = re.compile(r"(?P<rest>.+?)\s+(?P<zone>[a-z][a-z0-9_+-]*(?:/[a-z0-9_+-]+)*)", re.I)
_US_ZONES = {
    **dict.fromkeys(("et", "est", "edt", "eastern"), "America/New_York"),
    **dict.fromkeys(("ct", "cst", "cdt", "central"), "America/Chicago"),
    **dict.fromkeys(("mt", "mst", "mdt", "mountain"), "America/Denver"),
    **dict.fromkeys(("pt", "pst", "pdt", "pacific"), "America/Los_Angeles"),
    **dict.fromkeys(("utc", "gmt"), "UTC"),
}


@cache
def _zones_by_lower_name() -> dict[str, str]:
    return {name.lower(): name for name in available_timezones()}


def zone_named(text: str, default: str) -> str:
    """The zone a typed time is read in: the one it ends with, or the default."""
    return _zone_suffix(text, default)[1]


def _zone_suffix(text: str, zone: str) -> tuple[str, str]:
    """Split a trailing time zone off the text; the default zone when there is none."""
    found = _ZONE_SUFFIX.fullmatch(text.strip())
    if found is None:
        return text, zone
    word = found["zone"].lower()
    named = _US_ZONES.get(word) or (_zones_by_lower_name().get(word) if "/" in word else None)
    if named is not None:
        return found["rest"], named
    if "/" in word:
        raise WhenProblem(
            f"names a time zone I don't know ({_shown(found['zone'])}); use a name such as "
            "America/Chicago or Europe/London, or leave it out for the community's zone."
        )
    return text, zone


def parse_when(text: str, zone: str, now: datetime) -> datetime:
    """The moment `text` names, as an aware UTC datetime; see the module docstring for the
    grammar. `zone` is an IANA name for local times; `now` (aware) anchors phrases.
    Raises WhenProblem with a message for a member."""
    if now.tzinfo is None:
        raise ValueError("parse_when needs an aware now")
    text, zone = _zone_suffix(text, zone)
    moment = _iso(text, zone)
    if moment is not None:
        return moment
    cleaned = " ".join(text.replace(",", " ").lower().split())
    relative = _IN.fullmatch(cleaned)
    if relative is not None:
        return _elapsed(text, relative, now)
    phrase = _PHRASE.fullmatch(cleaned)
    if phrase is None:  # only empty text: `.+?` matches anything else
        raise _unreadable(text)
    today = now.astimezone(ZoneInfo(zone)).date()
    day_words = phrase["day"]
    day = _day(text, day_words, today)
    if phrase["time"] is None:
        if day_words != "tonight":
            raise WhenProblem(
                f"is not a date and time I can read (got {_shown(text)}): "
                f"it needs a time too, such as {day_words} 7pm."
            )
        clock = TONIGHT
    else:
        clock = _time(text, phrase)
        if day_words == "tonight" and clock.hour < 12:
            raise WhenProblem(
                f"is too early for tonight (got {_shown(text)}); "
                "for a time after midnight, say tomorrow and the time."
            )
    return local_to_utc(datetime.combine(day, clock), zone)


def local_to_utc(wall: datetime, zone: str) -> datetime:
    """A naive wall time read in `zone`, as aware UTC. Refuses a time the clocks skip;
    a time that happens twice is its first occurrence."""
    if not YEARS.start <= wall.year < YEARS.stop:
        raise _out_of_range(str(wall))
    tz = ZoneInfo(zone)
    local = wall.replace(tzinfo=tz, fold=0)  # fold=0: the first of two occurrences
    # A wall time inside a spring-forward gap does not exist; refuse it instead of guessing.
    if local.astimezone(UTC).astimezone(tz).replace(tzinfo=None) != wall:
        raise WhenProblem(
            f"does not exist in {zone} (the clocks skip that hour); pick another time."
        )
    return local.astimezone(UTC)


def _iso(text: str, zone: str) -> datetime | None:
    """ISO 8601, as before phrases existed; None if the text is not ISO."""
    cleaned = text.strip().replace("Z", "+00:00").replace("z", "+00:00")
    try:
        moment = datetime.fromisoformat(cleaned)
    except ValueError:
        return None
    if not YEARS.start <= moment.year < YEARS.stop:
        raise _out_of_range(text)
    if moment.tzinfo is not None:
        return moment.astimezone(UTC)
    return local_to_utc(moment, zone)


def _elapsed(text: str, match: re.Match[str], now: datetime) -> datetime:
    unit = _UNITS.get(match["unit"])
    if unit is None:
        raise _unreadable(text)
    count = 1 if match["count"] in ("a", "an") else int(match["count"])
    try:
        moment = now.astimezone(UTC) + count * unit
    except OverflowError:
        raise _out_of_range(text) from None
    if not YEARS.start <= moment.year < YEARS.stop:
        raise _out_of_range(text)
    return moment


def parse_day(text: str, today: date) -> date:
    """A day alone (`2027-06-30`, `june 30`, `30 june 2027`, `friday`, `tomorrow`), for
    options that need a date and no time, such as the end of a series."""
    try:
        return _day(text, " ".join(text.replace(",", " ").lower().split()), today)
    except WhenProblem as problem:
        if str(problem).startswith("is not a date and time"):  # no time is wanted here
            raise WhenProblem(f"is not a date I can read (got {_shown(text)}).") from None
        raise


def _day(text: str, words: str, today: date) -> date:
    if words in ("today", "tonight"):
        return today
    if words == "tomorrow":
        return today + timedelta(days=1)
    weekday = _WEEKDAY.fullmatch(words)
    if weekday is not None and weekday["weekday"] in _WEEKDAYS:
        ahead = (_WEEKDAYS[weekday["weekday"]] - today.weekday() - 1) % 7 + 1  # 1..7
        return today + timedelta(days=ahead)
    iso = _ISO_DATE.fullmatch(words)
    if iso is not None:
        return _date(text, int(iso["y"]), int(iso["month"]), int(iso["d"]))
    for pattern in (_MONTH_FIRST, _DAY_FIRST):
        found = pattern.fullmatch(words)
        if found is None or found["month"] not in _MONTHS:
            continue
        month, day = _MONTHS[found["month"]], int(found["d"])
        if found["y"] is not None:
            return _date(text, int(found["y"]), month, day)
        # No year: the next such date, today included (Feb 29 waits for a leap year).
        for year in range(today.year, today.year + 9):
            try:
                candidate = date(year, month, day)
            except ValueError:
                continue
            if candidate >= today:
                return candidate
        raise WhenProblem(f"is not a real date (got {_shown(text)}).")
    raise _unreadable(text)


def _date(text: str, year: int, month: int, day: int) -> date:
    if not YEARS.start <= year < YEARS.stop:
        raise _out_of_range(text)
    try:
        return date(year, month, day)
    except ValueError:
        raise WhenProblem(f"is not a real date (got {_shown(text)}).") from None


def _time(text: str, match: re.Match[str]) -> time:
    word = match["time"]
    if word == "noon":
        return time(12, 0)
    if word == "midnight":
        return time(0, 0)
    if match["ampm"] is not None:
        hour, minute = int(match["h12"]), int(match["m12"] or 0)
        if not 1 <= hour <= 12 or minute > 59:
            raise _unreadable(text)
        return time(hour % 12 + (12 if match["ampm"] == "p" else 0), minute)
    hour, minute = int(match["h24"]), int(match["m24"])
    if hour > 23 or minute > 59:
        raise _unreadable(text)
    return time(hour, minute)


def _unreadable(text: str) -> WhenProblem:
    return WhenProblem(f"is not a date and time I can read (got {_shown(text)}); {EXAMPLES}.")


def _out_of_range(text: str) -> WhenProblem:
    return WhenProblem(f"is out of range (got {_shown(text)}); use a year near now.")


def _shown(value: str) -> str:
    return repr(value if len(value) <= 40 else value[:37] + "...")

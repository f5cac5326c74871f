"""Repeating AMA sessions: reading what a moderator typed for `repeat`, and working out
every session's start. Pure: no I/O and no clock; the caller says what today is.

The grammar, case-insensitive, with commas and semicolons ignored and spaces collapsed:

    repeat    := "" | "none" | "no" | "once" | "never"      (one session: None)
               | every end
    every     := "weekly" | "every week"
               | "biweekly" | "bi-weekly" | "fortnightly" | "every 2 weeks"
               | "every two weeks" | "every other week"
               | "monthly" | "every month"
    end       := count | until
    count     := "x" n | n "x" | n "times" | n "sessions" | "for" n "sessions" | "count" n
                 n is 2 to 52, the total including the first; the times sign works as x
    until     := ("until" | "till" | "til" | "through" | "thru" | "to") day
    day       := yyyy-mm-dd | month dd [yyyy] | dd month [yyyy]   2027-03-01, mar 1, 1 march 2027

Decisions, so that a series always means one predictable list of sessions:
- An end is required: a series without a count or an end date is refused, and so is one
  with both. `x1` is refused too: one session needs no `repeat`.
- An end date is the last day that may hold a session, inclusive, in the community's zone.
  A month and day without a year is the next such date, today included.
- Sessions keep their local wall-clock time across clock changes: a 19:00 New York
  session stays at 19:00, so its UTC time moves by an hour in March and November.
- A wall time the clocks skip (spring forward) moves forward by the gap: 02:30 on that day
  becomes 03:30. A wall time that happens twice (fall back) is its first occurrence. Both
  are what RFC 5545 says, so calendar apps reading the RRULE agree.
- Monthly is the same day of the month; from the 29th to the 31st it is the month's last
  day in shorter months, without drifting (Jan 31, Feb 28, Mar 31, Apr 30).
- A series has at most MAX_SESSIONS sessions, and with a horizon none may start after it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Literal, get_args
from zoneinfo import ZoneInfo

from dateutil.rrule import MONTHLY, WEEKLY, rrule

from bot.when import YEARS, WhenProblem, parse_day


class RepeatProblem(ValueError):
    """The text or the series is not one we can schedule; the message reads as a full
    sentence for the member."""


Every = Literal["weekly", "biweekly", "monthly"]
EVERY: tuple[Every, ...] = get_args(Every)
MAX_SESSIONS = 52
EXAMPLES = "`weekly x6`, `every 2 weeks until 2027-06-30` or `monthly for 3 sessions`"


@dataclass(frozen=True, slots=True)
class Repeat:
    every: Every
    count: int | None = None  # total sessions including the first
    until: date | None = None  # last day (inclusive), in the community zone

    def __post_init__(self) -> None:
        if self.every not in EVERY:
            raise ValueError(f"every must be one of {EVERY}, not {self.every!r}")
        if (self.count is None) == (self.until is None):
            raise RepeatProblem(_BOTH if self.count is not None else _no_end(self.every))
        if self.count is not None:
            if self.count < 2:
                raise RepeatProblem(_TOO_FEW)
            if self.count > MAX_SESSIONS:
                raise RepeatProblem(
                    f"A series can have at most {MAX_SESSIONS} sessions (got {self.count})."
                )
        if self.until is not None and self.until.year not in YEARS:
            raise RepeatProblem(f"{_day(self.until)} is too far away; use a year near now.")


_TOO_FEW = "A series needs at least 2 sessions; leave `repeat` out for one."
_BOTH = (
    "Give either a number of sessions or an end date, not both: "
    "`weekly x6` or `weekly until 2027-06-30`."
)
_NOTHING = ("", "none", "no", "once", "never")
_FREQUENCIES: tuple[tuple[tuple[str, ...], Every], ...] = (
    (("weekly",), "weekly"),
    (("every", "week"), "weekly"),
    (("biweekly",), "biweekly"),
    (("bi-weekly",), "biweekly"),
    (("fortnightly",), "biweekly"),
    (("every", "2", "weeks"), "biweekly"),
    (("every", "two", "weeks"), "biweekly"),
    (("every", "other", "week"), "biweekly"),
    (("monthly",), "monthly"),
    (("every", "month"), "monthly"),
)
# Words that name a rhythm we don't offer, so the refusal can say which ones we do.
_OTHER_RHYTHMS = ("daily", "weekdays", "yearly", "annually", "quarterly", "every")
_TIMES_SIGN = "\N{MULTIPLICATION SIGN}"  # x6 as typed on phones
_UNTIL_WORDS = ("until", "till", "til", "through", "thru", "to")
_COUNT = re.compile(
    r"(?:x\s?(?P<a>[0-9]+)|(?P<b>[0-9]+)\s?x|count\s(?P<c>[0-9]+)"
    r"|(?P<d>[0-9]+)\s(?:times?|sessions?)|for\s(?P<e>[0-9]+)\s(?:times?|sessions?))",
    re.ASCII,
)
_WEEKDAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTH_NAMES = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_HUGE = 10_000  # stands for any count with five digits or more
_END_OF_DAY = time(23, 59, 59)  # the same instant to_rrule writes as UNTIL


def parse_repeat(text: str | None, today: date) -> Repeat | None:
    """The series `text` describes, or None for a single session; see the module docstring
    for the grammar. `today` is the community-local date, for an end date without a year.
    Raises RepeatProblem with a message for the member."""
    cleaned = " ".join((text or "").replace(",", " ").replace(";", " ").lower().split())
    if cleaned in _NOTHING:
        return None
    words = cleaned.replace(_TIMES_SIGN, "x").split(" ")
    found = next((pair for pair in _FREQUENCIES if _starts(words, pair[0])), None)
    if found is None:
        raise _unknown_rhythm(words)
    phrase, every = found
    rest = words[len(phrase) :]
    if not rest:
        raise RepeatProblem(_no_end(" ".join(phrase)))
    count, until = _end(text or "", rest, today)
    return Repeat(every, count=count, until=until)


def occurrences(
    first: datetime, repeat: Repeat | None, zone: str, *, horizon: datetime | None = None
) -> list[datetime]:
    """Every session's start as aware UTC, `first` (the aware start of session 1) included.
    Local wall-clock time in `zone` (an IANA name) is kept; see the module docstring.
    Raises RepeatProblem when the series is empty, too long, or runs past `horizon`."""
    if first.utcoffset() is None or (horizon is not None and horizon.utcoffset() is None):
        raise ValueError("occurrences needs an aware first and horizon")
    tz = ZoneInfo(zone)
    first = first.astimezone(UTC)
    starts = [first] if repeat is None else [first, *_later(first, repeat, tz)]
    if horizon is not None and starts[-1] > horizon:
        limit = _day(horizon.astimezone(tz).date())
        last = _day(starts[-1].astimezone(tz).date())
        if repeat is None:
            raise RepeatProblem(f"A session can't be after {limit}; this one would be on {last}.")
        raise RepeatProblem(
            f"A series can't run past {limit}; the last session would be on {last}. "
            "Use fewer sessions or an earlier end date."
        )
    return starts


def describe(repeat: Repeat) -> str:
    """`weekly, 6 sessions`, `every 2 weeks until Mon 1 Mar 2027`, `monthly, 3 sessions`."""
    rhythm = "every 2 weeks" if repeat.every == "biweekly" else repeat.every
    if repeat.until is not None:
        return f"{rhythm} until {_day(repeat.until)}"
    return f"{rhythm}, {repeat.count} sessions"


def to_rrule(repeat: Repeat, first: datetime, zone: str) -> str:
    """The RFC 5545 RRULE value for the series, e.g. `FREQ=WEEKLY;INTERVAL=2;COUNT=6`.
    It is meant for a DTSTART written in local time with TZID=zone (cogs/ama/calendar.py
    does that), which is how a calendar app keeps the wall-clock time across clock changes;
    UNTIL is the end of the last day in `zone`, written in UTC as RFC 5545 requires."""
    if first.utcoffset() is None:
        raise ValueError("to_rrule needs an aware first")
    tz = ZoneInfo(zone)
    local = first.astimezone(tz)
    parts = ["FREQ=MONTHLY" if repeat.every == "monthly" else "FREQ=WEEKLY"]
    if repeat.every == "biweekly":
        parts.append("INTERVAL=2")
    if repeat.every == "monthly" and local.day > 28:
        days = ",".join(str(day) for day in range(28, local.day + 1))
        parts.append(f"BYMONTHDAY={days};BYSETPOS=-1")
    if repeat.until is not None:
        end = _to_utc(datetime.combine(repeat.until, _END_OF_DAY), tz)
        parts.append(f"UNTIL={end:%Y%m%dT%H%M%SZ}")
    else:
        parts.append(f"COUNT={repeat.count}")
    return ";".join(parts)


def _later(first: datetime, repeat: Repeat, tz: ZoneInfo) -> list[datetime]:
    """Sessions 2 onwards, from the rule applied to the naive local start."""
    local = first.astimezone(tz)
    start = local.replace(tzinfo=None, fold=0)
    if repeat.until is not None and repeat.until < local.date():
        raise RepeatProblem(
            f"The series would end on {_day(repeat.until)}, before its first session on "
            f"{_day(local.date())}; pick a later end date."
        )
    until = None if repeat.until is None else datetime.combine(repeat.until, _END_OF_DAY)
    if repeat.every == "monthly":
        # RFC 5545's clamp: the last of the 28th..day-th that the month has, so the 31st
        # falls back to the 30th or the 28th and comes back, instead of skipping months.
        by_day = tuple(range(28, start.day + 1)) if start.day > 28 else (start.day,)
        rule = rrule(
            MONTHLY, dtstart=start, bymonthday=by_day, bysetpos=-1, count=repeat.count, until=until
        )
    else:
        interval = 2 if repeat.every == "biweekly" else 1
        rule = rrule(WEEKLY, dtstart=start, interval=interval, count=repeat.count, until=until)
    # Bounded: Repeat allows at most 52 by count, and an end date within YEARS.
    walls = list(rule)[1:]
    if not walls:
        raise RepeatProblem(
            f"Ending on {_day(repeat.until or local.date())} leaves only one session; pick a "
            "later end date, or leave `repeat` out for a single session."
        )
    if len(walls) + 1 > MAX_SESSIONS:
        raise RepeatProblem(
            f"Ending on {_day(repeat.until or local.date())} would make {len(walls) + 1} "
            f"sessions, and a series can have at most {MAX_SESSIONS}; pick an earlier end date."
        )
    return [_to_utc(wall, tz) for wall in walls]


def _to_utc(wall: datetime, tz: ZoneInfo) -> datetime:
    # fold=0 reads a repeated wall time as its first occurrence, and a skipped one with the
    # offset from before the change, which lands it later by the gap (02:30 -> 03:30).
    return wall.replace(tzinfo=tz, fold=0).astimezone(UTC)


def _starts(words: list[str], phrase: tuple[str, ...]) -> bool:
    return tuple(words[: len(phrase)]) == phrase


def _end(text: str, rest: list[str], today: date) -> tuple[int | None, date | None]:
    """The count or the end date in the words after the frequency."""
    marker = next((i for i, word in enumerate(rest) if word in _UNTIL_WORDS), None)
    if marker is None:
        count = _count(rest)
        if count is None:
            raise _unknown_words(text, rest)
        return count, None
    before, after = rest[:marker], rest[marker + 1 :]
    if before:
        if _count_in(before) is not None:
            raise RepeatProblem(_BOTH)
        raise _unknown_words(text, before)
    if not after:
        raise RepeatProblem(
            f"Say which day it runs {rest[marker]}, such as `until 2027-06-30` or `until june 30`."
        )
    if any(_count_in(after[start:]) is not None for start in range(1, len(after))):
        raise RepeatProblem(_BOTH)
    return None, _read_day(" ".join(after), today)


def _count(words: list[str]) -> int | None:
    """The number of sessions the words give, checked; None if they give none."""
    count = _count_in(words)
    if count is None:
        return None
    if count < 2:
        raise RepeatProblem(_TOO_FEW)
    if count > MAX_SESSIONS:
        got = f" (got {count})" if count < _HUGE else ""
        raise RepeatProblem(f"A series can have at most {MAX_SESSIONS} sessions{got}.")
    return count


def _count_in(words: list[str]) -> int | None:
    found = _COUNT.fullmatch(" ".join(words))
    if found is None:
        return None
    digits = next(group for group in found.groups() if group is not None).lstrip("0")
    if len(digits) > 4:  # far past the limit; int() of thousands of digits is refused
        return _HUGE
    return int(digits or "0")


def _read_day(words: str, today: date) -> date:
    try:
        return parse_day(words, today)
    except WhenProblem as problem:
        raise RepeatProblem(
            f"The end date {problem} Use one such as `2027-06-30`, `june 30` or `30 june 2027`."
        ) from None


def _no_end(rhythm: str) -> str:
    return f"Say how long it runs, such as `{rhythm} x6` or `{rhythm} until 2027-06-30`."


def _unknown_rhythm(words: list[str]) -> RepeatProblem:
    if words[0] in _OTHER_RHYTHMS:
        long = words[0] == "every" and words[2:3] in (["days"], ["weeks"], ["months"])
        shown = " ".join(words[: 3 if long else 2 if words[0] == "every" else 1])
        return RepeatProblem(
            f"A series can repeat `weekly`, `every 2 weeks` or `monthly`, not {_quoted(shown)}; "
            f"for example {EXAMPLES}."
        )
    if words[0] in _UNTIL_WORDS or any(_count_in(words[:n]) is not None for n in (1, 2, 3)):
        return RepeatProblem(f"Start with how often it repeats, such as {EXAMPLES}.")
    return RepeatProblem(
        f"I don't understand {_quoted(words[0])}: say how often and for how long, "
        f"such as {EXAMPLES}."
    )


def _unknown_words(text: str, words: list[str]) -> RepeatProblem:
    known = {"x", "count", "for", "times", "time", "sessions", "session", *_UNTIL_WORDS}
    odd = next(
        (word for word in words if word not in known and not re.fullmatch(r"x?[0-9]+x?", word)),
        " ".join(words),
    )
    return RepeatProblem(
        f"I don't understand {_quoted(odd)} in {_quoted(text.strip())}; say how long it runs, "
        f"such as {EXAMPLES}."
    )


def _day(day: date) -> str:
    """`Mon 1 Mar 2027`, the same in every locale (strftime's names are not)."""
    return f"{_WEEKDAY_NAMES[day.weekday()]} {day.day} {_MONTH_NAMES[day.month - 1]} {day.year}"


def _quoted(value: str) -> str:
    value = value.replace("`", "'")
    return f"`{value if len(value) <= 40 else value[:37] + '...'}`"

"""How long an AMA session lasts, as a moderator types it. Pure: no I/O.

The grammar, case-insensitive, with spaces collapsed:

    duration  := ""                                   DEFAULT_MINUTES
               | n                                    a bare number is minutes: 60, 90
               | n minutes                            90 min, 90m, 45 minutes
               | n hours [["and"] n [minutes]]        1h, 1.5 hours, 2 hrs, 1h30, 1h 30m
               | ("an" | "a" | "one") "hour"
               | "half an hour"
               | h:mm                                 1:30
    minutes   := "m" | "min" | "mins" | "minute" | "minutes"
    hours     := "h" | "hr" | "hrs" | "hour" | "hours"
    n         := digits, with a decimal part allowed (1.5)

Decisions:
- A session lasts MIN_MINUTES to MAX_MINUTES, in whole minutes. A fraction is accepted
  only when it comes to whole minutes (`1.5h` is 90); `1.33h` is refused, not rounded,
  because a silently rounded length is a surprise in the calendar.
- A bare number is always minutes, so `2` is refused as too short rather than read as
  two hours; `1.5` alone is refused with a hint to write `1.5h`.
"""

from __future__ import annotations

import re
from fractions import Fraction

MIN_MINUTES = 10
MAX_MINUTES = 8 * 60
DEFAULT_MINUTES = 60
EXAMPLES = "`45 minutes`, `90m`, `1h`, `1.5 hours` or `1h30`"


class DurationProblem(ValueError):
    """The text is not a length we accept; the message reads as a full sentence for the
    member."""


_NUMBER = r"[0-9]+(?:\.[0-9]+)?|\.[0-9]+"
_MINUTE_UNIT = r"(?:m|mins?|minutes?)"
_HOUR_UNIT = r"(?:h|hrs?|hours?)"
_DURATION = re.compile(
    rf"(?:(?P<h>{_NUMBER})\s?{_HOUR_UNIT}|(?P<one>an?|one)\s(?:hour|hr))"
    rf"(?:\s?(?:and\s)?(?P<hm>{_NUMBER})(?:\s?{_MINUTE_UNIT})?)?"
    rf"|(?P<m>{_NUMBER})(?:\s?{_MINUTE_UNIT})?"
    r"|(?P<ch>[0-9]{1,2}):(?P<cm>[0-5][0-9])"
    r"|(?P<half>half\san\shour)",
    re.ASCII,
)
_TOO_BIG = Fraction(10**7)  # stands for any number with more than six digits


def parse_duration(text: str | None) -> int:
    """The length in whole minutes; DEFAULT_MINUTES for None or blank text. See the module
    docstring for the grammar. Raises DurationProblem with a message for the member."""
    cleaned = " ".join((text or "").lower().split())
    if not cleaned:
        return DEFAULT_MINUTES
    found = _DURATION.fullmatch(cleaned)
    if found is None:
        raise DurationProblem(
            f"I can't read {_quoted(cleaned)} as a length of time; try {EXAMPLES} "
            "(a bare number means minutes)."
        )
    if found["half"] is not None:
        minutes = Fraction(30)
    elif found["ch"] is not None:
        minutes = Fraction(int(found["ch"]) * 60 + int(found["cm"]))
    elif found["m"] is not None:
        minutes = _number(found["m"])
    else:
        hours = Fraction(1) if found["one"] is not None else _number(found["h"])
        minutes = hours * 60 + (_number(found["hm"]) if found["hm"] is not None else 0)
    if minutes.denominator != 1:
        if found["m"] is not None and not re.search(r"[a-z]", cleaned):
            raise DurationProblem(
                f"A bare number means minutes, and {_quoted(cleaned)} is not a whole number "
                f"of them; for hours say `{cleaned}h`."
            )
        raise DurationProblem(
            f"{_quoted(cleaned)} is not a whole number of minutes; say it in minutes, "
            f"such as `{round(minutes)} minutes`."
        )
    if not MIN_MINUTES <= minutes <= MAX_MINUTES:
        raise DurationProblem(
            f"A session can last from {describe_duration(MIN_MINUTES)} to "
            f"{describe_duration(MAX_MINUTES)} (got {_quoted(cleaned)})."
        )
    return int(minutes)


def describe_duration(minutes: int) -> str:
    """`45 minutes`, `1 hour`, `1 hour 30 minutes`, `2 hours`."""
    if minutes < 0:
        raise ValueError("a duration can't be negative")
    hours, rest = divmod(minutes, 60)
    parts = []
    if hours:
        parts.append(f"{hours} hour{'' if hours == 1 else 's'}")
    if rest or not hours:
        parts.append(f"{rest} minute{'' if rest == 1 else 's'}")
    return " ".join(parts)


def _number(text: str) -> Fraction:
    # Exact, so 1.5h is 90 minutes and not 89.99999; bounded, because int() refuses
    # thousands of digits and no session is longer than a million minutes anyway.
    whole, _, fraction = text.partition(".")
    whole, fraction = whole.lstrip("0"), fraction.rstrip("0")
    if len(whole) > 6:
        return _TOO_BIG
    if len(fraction) > 6:
        # Past three significant decimals nothing times 60 is whole; keep it inexact.
        fraction = fraction[:6] + "1"
    return Fraction(f"{whole or '0'}.{fraction or '0'}")


def _quoted(value: str) -> str:
    value = value.replace("`", "'")
    return f"`{value if len(value) <= 40 else value[:37] + '...'}`"

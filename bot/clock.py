"""The one source of time. Everything in the core asks a Clock, so tests and the console's
`/clock +3d` can move time without touching the system clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta


class Clock:
    """Real time plus an adjustable offset (the offset is zero in production)."""

    follows_real_time = True

    def __init__(self, offset: timedelta = timedelta(0)) -> None:
        self.offset = offset

    def now(self) -> datetime:
        return datetime.now(UTC) + self.offset

    def advance(self, delta: timedelta) -> None:
        if delta < timedelta(0):
            raise ValueError("the clock only moves forward")
        self.offset += delta


class ManualClock(Clock):
    """A clock that stands still until told to move: for deterministic tests."""

    follows_real_time = False

    def __init__(self, start: datetime) -> None:
        super().__init__()
        if start.tzinfo is None:
            raise ValueError("ManualClock needs an aware datetime")
        self._now = start.astimezone(UTC)

    def now(self) -> datetime:
        return self._now

    def advance(self, delta: timedelta) -> None:
        if delta < timedelta(0):
            raise ValueError("the clock only moves forward")
        self._now += delta


MAX_STEP = timedelta(days=400)  # enough to reach any scheduled thing, far from overflow
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def parse_delta(text: str) -> timedelta:
    """`+3d`, `90m`, `1h30m`, `2w` -> timedelta. Raises ValueError naming what was wrong."""
    spec = text.strip().lstrip("+")
    if not spec:
        raise ValueError("give a duration such as +3d, +2h or +90m")
    total = timedelta(0)
    number = ""
    for char in spec:
        if char.isdigit():
            number += char
        elif char in _UNITS and number:
            try:
                total += timedelta(**{_UNITS[char]: int(number)})
            except OverflowError:
                raise ValueError(
                    f"{text!r} is too far; move at most {MAX_STEP.days} days"
                ) from None
            number = ""
        else:
            raise ValueError(f"{text!r} is not a duration; use forms like +3d, +2h or +90m")
    if number:
        raise ValueError(f"{text!r} needs a unit: s, m, h, d or w")
    if total > MAX_STEP:
        raise ValueError(f"{text!r} is too far; move at most {MAX_STEP.days} days at a time")
    return total

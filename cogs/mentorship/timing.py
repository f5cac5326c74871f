"""A first meeting time that falls in both people's working hours."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

WORKDAY = range(9, 19)  # local hours a call may start: 09:00 to 18:00
NOTICE = timedelta(days=2)  # time to reply and plan
SEARCH = timedelta(days=14)


def first_meeting(now: datetime, zone_a: str, zone_b: str) -> datetime:
    """The first whole hour, two days from now or later, on a weekday for both, and
    within both working days. Zones too far apart for that share no such hour; then the
    slot suits the first zone (the mentor's), and the members can adjust."""
    start = (now + NOTICE).replace(minute=0, second=0, microsecond=0)
    zones = (ZoneInfo(zone_a), ZoneInfo(zone_b))
    for zones_to_fit in (zones, zones[:1]):
        slot = start
        while slot < start + SEARCH:
            if all(_workable(slot.astimezone(zone)) for zone in zones_to_fit):
                return slot
            slot += timedelta(hours=1)
    return start


def _workable(local: datetime) -> bool:
    return local.weekday() < 5 and local.hour in WORKDAY

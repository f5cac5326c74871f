"""How well a mentor fits a mentee: integer points and the reasons, in words.

Pure and deterministic, so every proposal can say why it was made and a test can pin the
arithmetic. A pair is infeasible (None) only for hard rules: the mentor does not mentor
the mentee's stage, "outside my institution: required" cannot be guaranteed, or the
mentee's explicit time-zone window is exceeded. Everything else is weighed.

A shared identity is a bonus, used only when the mentee asked for it and the mentor gave
identities for matching. It is never written into the reasons: the reasons are shown to
both people, and an identity is private.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from storage.mentorship import MenteeRequest, MentorOffer

BASE = 10  # any feasible pair: better some mentor than none
EXACT_INTEREST = 30
RELATED_INTEREST = 12
INTERESTS_COUNTED = 3
STAGE = 20
LANGUAGE = 20
OUTSIDE_INSTITUTION = 15
SHARED_IDENTITY = 25
TIMEZONE_MAX = 15  # same zone; 3 points less per hour apart
TIMEZONE_STEP = 3

STAGE_PLURALS = {
    "premed": "premeds",
    "medical student": "medical students",
    "resident": "residents",
    "fellow": "fellows",
    "attending": "attendings",
}


@dataclass(frozen=True, slots=True)
class Fit:
    points: int
    reasons: tuple[str, ...]
    shared_identity: bool = False

    def because(self) -> str:
        return "; ".join(self.reasons) if self.reasons else "matches your request"


def fit(request: MenteeRequest, offer: MentorOffer, now: datetime) -> Fit | None:
    if offer.user_id == request.user_id:
        return None
    stages = {s.lower() for s in offer.stages}
    if stages and request.stage.lower() not in stages:
        return None
    points = BASE
    reasons: list[str] = []

    exact, related = shared_interests(request.interests, offer.specialties)
    counted = min(len(exact), INTERESTS_COUNTED)
    points += EXACT_INTEREST * counted
    points += RELATED_INTEREST * min(len(related), INTERESTS_COUNTED - counted)
    if exact:
        reasons.append("shared interests: " + ", ".join(exact))
    if related:
        reasons.append("related interests: " + ", ".join(related))

    if stages:
        points += STAGE
        reasons.append("mentors " + STAGE_PLURALS.get(request.stage.lower(), "your stage"))

    if request.language and request.language.lower() in {x.lower() for x in offer.languages}:
        points += LANGUAGE
        reasons.append(f"speaks {request.language}")

    hours = hours_apart(request.timezone, offer.timezone, now)
    if hours is not None:
        if request.timezone_window is not None and hours > request.timezone_window:
            return None
        points += max(0, TIMEZONE_MAX - TIMEZONE_STEP * round(hours))
        if hours == 0:
            reasons.append("same time zone")
        elif hours <= 3:
            reasons.append(f"{_hours(hours)} apart")

    if request.outside_institution in ("preferred", "required"):
        same = same_institution(request.institution, offer.institution)
        if request.outside_institution == "required" and same is not False:
            return None  # the same or an unknown institution: never risk it
        if same is False:
            points += OUTSIDE_INSTITUTION
            reasons.append("outside your institution")

    shared = bool(
        request.same_identity
        and {i.lower() for i in request.identities} & {i.lower() for i in offer.identities}
    )
    if shared:
        points += SHARED_IDENTITY
    return Fit(points, tuple(reasons), shared)


def shared_interests(
    interests: tuple[str, ...], specialties: tuple[str, ...]
) -> tuple[list[str], list[str]]:
    """Interests the mentor shares exactly, and ones related by a word ("anesthesiology"
    and "pediatric anesthesiology"), in the mentee's order and spelling."""
    offered = [_norm(s) for s in specialties]
    exact: list[str] = []
    related: list[str] = []
    for interest in interests:
        wanted = _norm(interest)
        if not wanted:
            continue
        if wanted in offered:
            exact.append(interest)
        elif any(_contains(wanted, o) or _contains(o, wanted) for o in offered if o):
            related.append(interest)
    return exact, related


def same_institution(mine: str | None, theirs: str | None) -> bool | None:
    """True or False when both are known; None when either is not. One name inside the
    other counts as the same ("UCSF" and "UCSF School of Medicine")."""
    a, b = _norm(mine or ""), _norm(theirs or "")
    if not a or not b:
        return None
    return _contains(a, b) or _contains(b, a)


def hours_apart(zone_a: str | None, zone_b: str | None, now: datetime) -> float | None:
    a, b = _offset(zone_a, now), _offset(zone_b, now)
    if a is None or b is None:
        return None
    return abs(a - b)


def _offset(zone: str | None, now: datetime) -> float | None:
    if not zone:
        return None
    try:
        offset = now.astimezone(_zone(zone)).utcoffset()
    except (ZoneInfoNotFoundError, ValueError):
        return None
    return None if offset is None else offset.total_seconds() / 3600


@cache
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def _hours(hours: float) -> str:
    shown = f"{hours:g}"
    return f"{shown} hour" if hours == 1 else f"{shown} hours"


def _norm(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s]", " ", text.lower()).split())


def _contains(outer: str, inner: str) -> bool:
    """`inner` appears in `outer` as whole words."""
    return f" {inner} " in f" {outer} "

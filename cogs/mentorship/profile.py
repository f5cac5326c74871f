"""Mentor offers and mentee requests: checked from a command's values, and shown.

Every field is checked before anything is written; one refusal lists every problem, so a
member fixes them all at once. Identities are never part of what is shown to others.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from bot.errors import UserError
from bot.guard import FieldRule, check_fields, inert
from bot.model import Choice, Field
from cogs.intros.profile import STAGES, checked_list, known_choices
from storage import IntroProfile, Scope
from storage.mentorship import MenteeRequest, MentorOffer

CAPACITY_DEFAULT = 2
LANGUAGES_MAX = 5
WINDOW_MAX = 12
OUTSIDE_CHOICES = ("no", "preferred", "required")
_STAGE_ALIASES = {
    "premeds": "premed",
    "pre-med": "premed",
    "pre-meds": "premed",
    "medical students": "medical student",
    "med student": "medical student",
    "med students": "medical student",
    "students": "medical student",
    "residents": "resident",
    "fellows": "fellow",
    "attendings": "attending",
}

OFFER_RULES = {
    "specialties": FieldRule(max_length=400, required=True, single_line=True, allow_links=False),
    "stages": FieldRule(max_length=200, required=True, single_line=True, allow_links=False),
    "institution": FieldRule(max_length=120, single_line=True, allow_links=False),
    "timezone": FieldRule(max_length=64, single_line=True, allow_links=False),
    "languages": FieldRule(max_length=200, single_line=True, allow_links=False),
    "bio": FieldRule(max_length=600, required=True),
    "identities": FieldRule(max_length=200, single_line=True, allow_links=False),
}
REQUEST_RULES = {
    "interests": FieldRule(max_length=400, required=True, single_line=True, allow_links=False),
    "goals": FieldRule(max_length=1000, required=True),
    "identities": FieldRule(max_length=200, single_line=True, allow_links=False),
    "language": FieldRule(max_length=40, single_line=True, allow_links=False),
    "timezone": FieldRule(max_length=80, single_line=True, allow_links=False),
}


def build_offer(scope: Scope, user_id: str, values: Mapping[str, object]) -> MentorOffer:
    texts = {name: _text(values.get(name)) for name in OFFER_RULES}
    problems = [p.message for p in check_fields({k: (v, OFFER_RULES[k]) for k, v in texts.items()})]
    specialties = checked_list("specialties", texts["specialties"], problems)
    identities = checked_list("identities", texts["identities"], problems)
    languages = checked_list("languages", texts["languages"], problems, most=LANGUAGES_MAX)
    stages = known_choices("stages", texts["stages"], canonical_stage, STAGES, problems)
    capacity = values.get("capacity")
    capacity = CAPACITY_DEFAULT if capacity is None else capacity
    if not isinstance(capacity, int) or not 1 <= capacity <= 10:
        problems.append("`capacity` must be a whole number from 1 to 10.")
        capacity = CAPACITY_DEFAULT
    zone = texts["timezone"].strip() or None
    if zone is not None:
        zone = _checked_zone("timezone", zone, problems)
    if problems:
        raise UserError("Your mentor offer was not saved:\n" + _bullets(problems))
    return MentorOffer(
        scope=scope,
        user_id=user_id,
        specialties=specialties,
        stages=stages,
        capacity=capacity,
        institution=texts["institution"].strip() or None,
        timezone=zone,
        languages=languages,
        bio=texts["bio"].strip(),
        identities=identities,
    )


def build_request(
    scope: Scope,
    user_id: str,
    values: Mapping[str, object],
    intro: IntroProfile | None,
) -> MenteeRequest:
    """A checked request. Identities default to the intro's; the institution (for
    "outside my institution") comes from the intro."""
    texts = {name: _text(values.get(name)) for name in REQUEST_RULES}
    problems = [
        p.message for p in check_fields({k: (v, REQUEST_RULES[k]) for k, v in texts.items()})
    ]
    interests = checked_list("interests", texts["interests"], problems)
    identities = checked_list("identities", texts["identities"], problems)
    if not identities and intro is not None:
        identities = intro.identities
    stage = _text(values.get("stage")).strip() or (intro.stage if intro else "")
    if stage not in STAGES:
        problems.append(f"`stage` must be one of {', '.join(STAGES)}.")
    same_identity = _text(values.get("same_identity")).strip().lower() or "no"
    if same_identity not in ("yes", "no"):
        problems.append("`same_identity` must be yes or no.")
    outside = _text(values.get("outside_institution")).strip().lower() or "no"
    if outside not in OUTSIDE_CHOICES:
        problems.append(f"`outside_institution` must be one of {', '.join(OUTSIDE_CHOICES)}.")
    institution = intro.institution if intro else None
    if outside == "required" and not institution:
        problems.append(
            "`outside_institution: required` needs your institution: add it to your intro "
            "with `/intro post`, so no mentor from there is ever proposed."
        )
    if same_identity == "yes" and not identities:
        problems.append(
            "`same_identity: yes` needs `identities` (or identities in your intro) to match on."
        )
    zone, window = None, None
    if texts["timezone"].strip():
        zone, window = parse_zone_window(texts["timezone"], problems)
    if problems:
        raise UserError("Your mentor request was not saved:\n" + _bullets(problems))
    return MenteeRequest(
        scope=scope,
        user_id=user_id,
        interests=interests,
        stage=stage,
        goals=texts["goals"].strip(),
        identities=identities,
        same_identity=same_identity == "yes",
        outside_institution=outside,
        institution=institution,
        language=texts["language"].strip() or None,
        timezone=zone,
        timezone_window=window,
    )


def canonical_stage(item: str) -> str | None:
    lowered = " ".join(item.lower().split())
    if lowered in STAGES:
        return lowered
    return _STAGE_ALIASES.get(lowered)


def parse_zone_window(text: str, problems: list[str]) -> tuple[str | None, int | None]:
    """`America/Chicago`, or with a window of hours either side: `America/Chicago ±3`
    (also `+-3`, `within 3h`)."""
    zone, _, rest = text.strip().partition(" ")
    checked = _checked_zone("timezone", zone, problems)
    rest = rest.strip()
    if not rest:
        return checked, None
    found = re.fullmatch(r"(?:±|\+-|\+/-|within)?\s*(\d{1,2})\s*(?:h|hours?)?", rest, re.I)
    if found is None or int(found[1]) > WINDOW_MAX:
        problems.append(
            f"`timezone` window {inert(rest)!r} is not one I can read; "
            f"write it like `America/Chicago ±3` (0 to {WINDOW_MAX} hours)."
        )
        return checked, None
    return checked, int(found[1])


def _checked_zone(name: str, zone: str, problems: list[str]) -> str | None:
    known = _zones_by_lower().get(zone.lower())
    if known is not None:
        try:
            ZoneInfo(known)
        except (ZoneInfoNotFoundError, ValueError):
            known = None
    if known is None:
        close = difflib.get_close_matches(zone, sorted(available_timezones()), n=2)
        hint = f" Did you mean {' or '.join(close)}?" if close else ""
        problems.append(
            f"`{name}` {inert(zone)!r} is not a time zone I know; "
            f"use an IANA name such as America/Chicago.{hint}"
        )
    return known


@cache
def _zones_by_lower() -> dict[str, str]:
    return {zone.lower(): zone for zone in available_timezones()}


async def zone_choices(typed: str) -> list[Choice]:
    needle = typed.strip().lower()
    zones = sorted(z for z in available_timezones() if needle in z.lower())
    return [Choice(zone) for zone in zones[:25]]


def offer_fields(offer: MentorOffer) -> list[Field]:
    """What a mentee and moderators may see of an offer (never identities)."""
    fields = [
        Field("Specialties", inert(", ".join(offer.specialties))),
        Field("Mentors", ", ".join(offer.stages) or "any stage", inline=True),
        Field("Capacity", str(offer.capacity), inline=True),
    ]
    if offer.institution:
        fields.append(Field("Institution", inert(offer.institution), inline=True))
    if offer.timezone:
        fields.append(Field("Time zone", offer.timezone, inline=True))
    if offer.languages:
        fields.append(Field("Languages", inert(", ".join(offer.languages)), inline=True))
    return fields


def request_fields(request: MenteeRequest) -> list[Field]:
    """What a proposed mentor sees of the mentee's request (never identities)."""
    fields = [
        Field("Stage", request.stage, inline=True),
        Field("Interests", inert(", ".join(request.interests))),
        Field("Goals", inert(request.goals)),
    ]
    if request.language:
        fields.append(Field("Language", inert(request.language), inline=True))
    if request.timezone:
        fields.append(Field("Time zone", request.timezone, inline=True))
    return fields


def _text(value: object) -> str:
    return "" if value is None else str(value).replace("\r\n", "\n")


def _bullets(problems: list[str]) -> str:
    return "\n".join(f"• {p}" for p in problems)

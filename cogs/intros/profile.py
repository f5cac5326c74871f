"""What an intro holds, how its fields are checked, and how it reads when posted.

Every field is checked before anything is written, so a refused intro leaves nothing
half-saved. Member text is made inert before it is shown: it never pings anyone.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from bot.errors import UserError
from bot.guard import FieldRule, Problem, check_fields, inert
from bot.model import Choice, Field, Reply
from storage import IntroProfile, Scope

STAGES = ("premed", "medical student", "resident", "fellow", "attending", "other")
LOOKING_FOR = ("mentor", "mentee", "peers", "study partners", "AMA sessions")
_LOOKING_ALIASES = {
    "ama": "AMA sessions",
    "amas": "AMA sessions",
    "ama session": "AMA sessions",
    "peer": "peers",
    "study partner": "study partners",
    "mentors": "mentor",
    "mentees": "mentee",
}
SPECIALTIES = (
    "addiction medicine",
    "allergy and immunology",
    "anesthesiology",
    "cardiology",
    "cardiothoracic surgery",
    "critical care",
    "dermatology",
    "emergency medicine",
    "endocrinology",
    "family medicine",
    "gastroenterology",
    "general surgery",
    "geriatrics",
    "hematology and oncology",
    "infectious disease",
    "internal medicine",
    "interventional radiology",
    "medical genetics",
    "nephrology",
    "neurology",
    "neurosurgery",
    "obstetrics and gynecology",
    "ophthalmology",
    "orthopaedic surgery",
    "otolaryngology",
    "pain medicine",
    "palliative care",
    "pathology",
    "pediatric anesthesiology",
    "pediatrics",
    "physical medicine and rehabilitation",
    "plastic surgery",
    "psychiatry",
    "public health",
    "pulmonology",
    "radiation oncology",
    "radiology",
    "rheumatology",
    "sports medicine",
    "urology",
    "vascular surgery",
)
IDENTITY_SUGGESTIONS = ("URiM", "first-generation", "SGM", "international graduate")

RULES = {
    "name": FieldRule(max_length=80, required=True, single_line=True, allow_links=False),
    "pronouns": FieldRule(max_length=40, single_line=True, allow_links=False),
    "institution": FieldRule(max_length=120, single_line=True, allow_links=False),
    "interests": FieldRule(max_length=400, single_line=True, allow_links=False),
    "about": FieldRule(max_length=1500, required=True),
    "looking_for": FieldRule(max_length=200, single_line=True, allow_links=False),
    "identities": FieldRule(max_length=200, single_line=True, allow_links=False),
}
LIST_MAX = 10
ITEM_MAX = 60


def split_list(text: str | None) -> tuple[str, ...]:
    """Comma-separated values, trimmed, without blanks or repeats (first spelling kept)."""
    seen: set[str] = set()
    items: list[str] = []
    for part in (text or "").split(","):
        item = " ".join(part.split())
        if item and item.lower() not in seen:
            seen.add(item.lower())
            items.append(item)
    return tuple(items)


def checked_list(
    name: str, text: str, problems: list[str], *, most: int = LIST_MAX
) -> tuple[str, ...]:
    """A comma-separated field's entries; too many or too long entries add a problem."""
    items = split_list(text)
    if len(items) > most:
        problems.append(f"`{name}` has {len(items)} entries; {most} at most.")
    if any(len(item) > ITEM_MAX for item in items):
        problems.append(f"`{name}` entries are {ITEM_MAX} characters at most.")
    return items


def known_choices(
    name: str,
    text: str,
    canonical: Callable[[str], str | None],
    choices: Sequence[str],
    problems: list[str],
) -> tuple[str, ...]:
    """A comma-separated field whose entries must be among `choices` (spelled as
    `canonical` allows); unknown entries add one problem that lists the choices."""
    found: list[str] = []
    unknown: list[str] = []
    for item in split_list(text):
        known = canonical(item)
        if known is None:
            unknown.append(item)
        elif known not in found:
            found.append(known)
    if unknown:
        problems.append(
            f"`{name}` has {', '.join(repr(inert(u)) for u in unknown)}; "
            f"choose from {', '.join(choices)}."
        )
    return tuple(found)


def build_profile(scope: Scope, user_id: str, values: Mapping[str, object]) -> IntroProfile:
    """A checked profile from the command's values; one UserError lists every problem."""
    texts = {name: _text(values.get(name)) for name in RULES}
    problems: list[str] = [
        p.message for p in check_fields({k: (v, RULES[k]) for k, v in texts.items()})
    ]
    interests = checked_list("interests", texts["interests"], problems)
    identities = checked_list("identities", texts["identities"], problems)
    looking = known_choices(
        "looking_for", texts["looking_for"], _looking_for, LOOKING_FOR, problems
    )
    stage = _text(values.get("stage"))
    if stage not in STAGES:
        problems.append(f"`stage` must be one of {', '.join(STAGES)}.")
    if problems:
        raise UserError("Your intro was not saved:\n" + "\n".join(f"• {p}" for p in problems))
    return IntroProfile(
        scope=scope,
        user_id=user_id,
        name=texts["name"].strip(),
        pronouns=texts["pronouns"].strip() or None,
        stage=stage,
        institution=texts["institution"].strip() or None,
        interests=interests,
        about=texts["about"].strip(),
        looking_for=looking,
        identities=identities,
        show_identities=bool(values.get("show_identities")) and bool(identities),
    )


def _text(value: object) -> str:
    return "" if value is None else str(value).replace("\r\n", "\n")


def _looking_for(item: str) -> str | None:
    lowered = item.lower()
    for option in LOOKING_FOR:
        if lowered == option.lower():
            return option
    return _LOOKING_ALIASES.get(lowered)


def problems_text(problems: Sequence[Problem]) -> str:
    return "\n".join(f"• {p.message}" for p in problems)


def intro_post(profile: IntroProfile, author: str) -> Reply:
    """The public intro: only what the member chose to make public, all of it inert."""
    title = inert(profile.name)
    if profile.pronouns:
        title += f" ({inert(profile.pronouns)})"
    fields = [Field("Stage", profile.stage, inline=True)]
    if profile.institution:
        fields.append(Field("Institution", inert(profile.institution), inline=True))
    if profile.interests:
        fields.append(Field("Interests", inert(", ".join(profile.interests))))
    if profile.looking_for:
        fields.append(Field("Looking for", ", ".join(profile.looking_for)))
    if profile.public_identities:
        fields.append(Field("Identifies as", inert(", ".join(profile.public_identities))))
    fields.append(Field("Member", author, inline=True))
    return Reply.public(inert(profile.about), title=title, fields=fields)


def suggest_in_list(typed: str, known: Sequence[str]) -> list[Choice]:
    """Autocomplete for a comma-separated option: complete the last entry."""
    head, _, last = typed.rpartition(",")
    prefix = f"{head.strip()}, " if head.strip() else ""
    needle = last.strip().lower()
    matches = [k for k in known if needle in k.lower()] if needle else list(known)
    return [Choice(f"{prefix}{match}"[:100]) for match in matches[:25]]

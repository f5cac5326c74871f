"""Typed option parsing, the same for every surface.

Text surfaces hand in strings; Discord hands in values that are already typed (an int, a
resolved member). Either way every value is checked here, so a handler only ever sees
valid, typed arguments, and bad input is refused before anything is written.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, Protocol

from bot.errors import UserError
from bot.model import Args, ChannelRef, MemberRef, Option, OptionType
from bot.when import YEARS, WhenProblem, parse_when
from storage.models import Scope

_TRUE = {"yes", "y", "true", "t", "on", "1"}
MEMBERS_MAX = 10
# Mentions are separated by commas or spaces; Slack's <@U1|ana> and Discord's <@1> hold none.
_MEMBER_SEPARATOR = re.compile(r"[\s,;]+")
_FALSE = {"no", "n", "false", "f", "off", "0"}


class Resolver(Protocol):
    """Turns what a member typed into platform ids. Each surface provides one."""

    async def resolve_member(self, scope: Scope, text: str) -> MemberRef | None: ...

    async def resolve_channel(self, scope: Scope, text: str) -> ChannelRef | None: ...


class OptionProblem(Exception):
    pass


async def parse_options(
    what: str,
    options: Sequence[Option],
    raw: Mapping[str, Any],
    *,
    scope: Scope,
    resolver: Resolver,
    timezone: str,
    positional: Sequence[str] = (),
    now: datetime | None = None,
) -> Args:
    """Check and convert every value; raise one UserError that lists every problem.
    `now` (the core clock's time) anchors date-time phrases such as `tomorrow 9am`."""
    known = {option.name: option for option in options}
    values = dict(raw)
    unknown = sorted(set(values) - set(known))
    if unknown:
        names = ", ".join(f"`{name}`" for name in known) or "no options"
        raise UserError(f"{what} has no option {_list(unknown)}. It takes {names}.")
    values = place_positional(what, options, values, positional)

    problems: list[str] = []
    parsed: dict[str, Any] = {}
    for option in options:
        value = values.get(option.name)
        if isinstance(value, str):
            value = value.strip()
            if value == "":
                value = None
        if value is None:
            if option.required:
                problems.append(f"`{option.name}` is required ({option.description}).")
            parsed[option.name] = option.default
            continue
        try:
            parsed[option.name] = await _convert(option, value, scope, resolver, timezone, now)
        except OptionProblem as problem:
            problems.append(f"`{option.name}` {problem}")
    if problems:
        if len(problems) == 1:
            raise UserError(f"{what}: {problems[0]}")
        raise UserError(f"{what}:\n" + "\n".join(f"• {p}" for p in problems))
    return Args(parsed)


def place_positional(
    what: str, options: Sequence[Option], raw: Mapping[str, Any], positional: Sequence[str]
) -> dict[str, Any]:
    """Fill options without a `key:` in declaration order, one word each; a long text, or
    the last option, takes all the remaining words. Returns the merged values."""
    values = dict(raw)
    if not positional:
        return values
    free = [option for option in options if option.name not in values]
    if not free:
        raise UserError(f"{what}: unexpected words {' '.join(positional)!r}; use key:value.")
    words = list(positional)
    for index, option in enumerate(free):
        if not words:
            break
        if index == len(free) - 1 or option.type is OptionType.LONG_TEXT:
            values[option.name] = " ".join(words)
            words = []
        else:
            values[option.name] = words.pop(0)
    return values


PLAIN_TYPES = frozenset(
    {
        OptionType.TEXT,
        OptionType.LONG_TEXT,
        OptionType.INTEGER,
        OptionType.BOOLEAN,
        OptionType.CHOICE,
    }
)


def form_problems(options: Sequence[Option], values: Mapping[str, Any]) -> dict[str, str]:
    """Problems found without any I/O, per option name: what a dialog can show inline the
    moment it is submitted (Slack wants that answer within 3 seconds). Members, channels
    and local times are checked later, by `parse_options`."""
    problems: dict[str, str] = {}
    for option in options:
        value = values.get(option.name)
        if isinstance(value, str):
            value = value.strip() or None
        if value is None:
            if option.required:
                problems[option.name] = "This is required."
            continue
        try:
            _readable(value)
            if option.type in PLAIN_TYPES:
                convert_plain(option, value)
            elif option.type is OptionType.DATETIME and not isinstance(value, datetime):
                parse_datetime(str(value), "UTC")  # the format; the zone is checked later
        except OptionProblem as problem:
            text = str(problem)
            problems[option.name] = text[:1].upper() + text[1:]
    return problems


async def _convert(
    option: Option,
    value: Any,
    scope: Scope,
    resolver: Resolver,
    timezone: str,
    now: datetime | None,
) -> Any:
    kind = option.type
    _readable(value)
    if kind in PLAIN_TYPES:
        return convert_plain(option, value)
    if kind is OptionType.MEMBER:
        if isinstance(value, MemberRef):
            return value
        member = await resolver.resolve_member(scope, str(value))
        if member is None:
            raise OptionProblem(f"names no member I know (got {_shown(value)}).")
        return member
    if kind is OptionType.MEMBERS:
        return await _members(option, value, scope, resolver)
    if kind is OptionType.CHANNEL:
        if isinstance(value, ChannelRef):
            return value
        channel = await resolver.resolve_channel(scope, str(value))
        if channel is None:
            raise OptionProblem(f"names no channel I can use (got {_shown(value)}).")
        return channel
    if kind is OptionType.DATETIME:
        if isinstance(value, datetime):
            if value.tzinfo is None:
                raise OptionProblem("needs a time zone.")
            if not YEARS.start <= value.year < YEARS.stop:  # near datetime's edges, UTC overflows
                raise OptionProblem(f"is out of range (got {_shown(value)}); use a year near now.")
            return value.astimezone(UTC)
        return parse_datetime(str(value), timezone, now)
    raise OptionProblem(f"has an unsupported type {kind}.")  # pragma: no cover


async def _members(
    option: Option, value: Any, scope: Scope, resolver: Resolver
) -> tuple[MemberRef, ...]:
    """Several members, typed ("@ana, <@U2>") or picked in a dialog; each named once."""
    if isinstance(value, MemberRef):
        value = [value]
    typed = value if isinstance(value, list | tuple) else _MEMBER_SEPARATOR.split(str(value))
    most = option.max_value or MEMBERS_MAX
    words = [w for w in typed if not isinstance(w, str) or w.strip()]
    if not words:
        raise OptionProblem("names no member; give @mentions separated by commas.")
    if len(words) > most:
        raise OptionProblem(f"names {len(words)} members; name at most {most}.")
    found: dict[str, MemberRef] = {}
    unknown: list[str] = []
    for word in words:
        member = word if isinstance(word, MemberRef) else await resolver.resolve_member(scope, word)
        if member is None:
            unknown.append(_shown(word))
        else:
            found.setdefault(member.user_id, member)
    if unknown:
        raise OptionProblem(f"names no member I know: {', '.join(unknown)}.")
    return tuple(found.values())


def convert_plain(option: Option, value: Any) -> Any:
    """Text, numbers, yes/no and choices: checked without any I/O."""
    kind = option.type
    if kind in (OptionType.TEXT, OptionType.LONG_TEXT):
        text = str(value)
        if len(text) > option.length_limit:
            raise OptionProblem(
                f"is too long: {len(text):,} characters (the limit is {option.length_limit:,})."
            )
        return text
    if kind is OptionType.INTEGER:
        return _integer(option, value)
    if kind is OptionType.BOOLEAN:
        if isinstance(value, bool):
            return value
        word = str(value).lower()
        if word in _TRUE:
            return True
        if word in _FALSE:
            return False
        raise OptionProblem(f"must be yes or no (got {_shown(value)}).")
    if kind is OptionType.CHOICE:
        word = str(value).strip().lower()
        for choice in option.choices:
            if word in (choice.value.lower(), choice.shown.lower()):
                return choice.value
        allowed = ", ".join(choice.value for choice in option.choices)
        raise OptionProblem(f"must be one of {allowed} (got {_shown(value)}).")
    raise OptionProblem(f"is not plain text, a number, yes/no or a choice ({kind}).")


def _integer(option: Option, value: Any) -> int:
    if isinstance(value, bool):
        raise OptionProblem(f"must be a whole number (got {_shown(value)}).")
    try:
        number = value if isinstance(value, int) else int(str(value).strip())
    except ValueError:
        raise OptionProblem(f"must be a whole number (got {_shown(value)}).") from None
    if option.min_value is not None and number < option.min_value:
        raise OptionProblem(f"must be at least {option.min_value} (got {number}).")
    if option.max_value is not None and number > option.max_value:
        raise OptionProblem(f"must be at most {option.max_value} (got {number}).")
    return number


def row_id(text: str | None) -> int | None:
    """A numbered thing a member typed or a button carries (`12`, `#12`), or None when the
    text cannot be one: ids fit 32 bits, and a longer number would overflow PostgreSQL's
    integer instead of simply matching nothing."""
    digits = (text or "").strip().lstrip("#")
    return int(digits) if digits.isdigit() and len(digits) <= 9 else None


def parse_datetime(text: str, timezone: str, now: datetime | None = None) -> datetime:
    """ISO 8601 with an offset, a local `YYYY-MM-DD HH:MM` read in `timezone`, or a phrase
    such as `tomorrow 9am`, `next tuesday 7pm` or `in 2 hours` read relative to `now`
    (the grammar and its rules are in `bot.when`). Returns aware UTC.

    Pass the core clock's `now`; without it the system clock is used, which is only
    right for checking the format (as `form_problems` does)."""
    try:
        return parse_when(text, timezone, now if now is not None else datetime.now(UTC))
    except WhenProblem as problem:
        raise OptionProblem(str(problem)) from None


def _readable(value: Any) -> None:
    """Refuse text with half of a surrogate pair (a broken emoji, or input that was not
    UTF-8): no database or platform can store or show it."""
    if isinstance(value, str) and not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise OptionProblem("has a character I can't read (a broken emoji?).") from None


def _shown(value: Any) -> str:
    text = str(value)
    return repr(text if len(text) <= 40 else text[:37] + "...")


def _list(names: Sequence[str]) -> str:
    return ", ".join(f"`{name}`" for name in names)

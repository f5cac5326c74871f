"""Fuzzing every loaded command and form: whatever a member types (or a platform hands in),
it is parsed into typed `Args` or refused with a short `UserError`, never an exception.

The registry is loaded as the app loads it (every feature), and each command and each form
gets at least `INPUTS` generated inputs, realistic and hostile alike: values chosen per
option type (numbers out of range, partial dates, mentions, channels, quotes, `key:value`
fragments, huge and empty text, values of the wrong type) and whole text lines read the way
the console and Slack read them. Hypothesis draws the material; each example carries a batch
of inputs, so the test stays fast enough to run every time.

A slower sample runs random lines through the real `Dispatcher.run_text` against the full
app on SQLite, so handlers see the same hostile input; and the guard gets its own share.
"""

from __future__ import annotations

import asyncio
import logging
import random
import re
import shlex
import tempfile
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from bot.app import database_for
from bot.clock import ManualClock
from bot.context import Context
from bot.core import Core
from bot.dispatch import Dispatcher, group_help
from bot.errors import UserError
from bot.guard import FieldRule, check_fields, check_text
from bot.model import (
    Args,
    ChannelRef,
    Command,
    Form,
    MemberRef,
    OpenForm,
    Option,
    OptionType,
    Refusal,
    Reply,
)
from bot.options import MEMBERS_MAX, form_problems, parse_options, place_positional
from bot.ratelimit import RateLimiter
from bot.registry import Registry, load_features, selected_features
from bot.textcommand import parse_command_line
from config.settings import Settings
from storage import Sealer
from storage.models import Scope
from tests.support import TestHarness

INPUTS = 10_000  # per command, per form, and for the guard
PER_EXAMPLE = 500  # inputs built from one Hypothesis example
EXAMPLES = INPUTS // PER_EXAMPLE + 1
# Some lines never reach the command (a stray quote, a typo): draw a fifth more for those.
COMMAND_EXAMPLES = INPUTS * 6 // 5 // PER_EXAMPLE
SCOPE = Scope("test", "w1")
NOW = datetime(2026, 11, 22, 15, 0, tzinfo=UTC)
ZONE = "America/Chicago"
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.large_base_example,
    ],
)


def _load_registry() -> tuple[Core, Registry]:
    """Every feature, loaded as the app loads them; setup() needs no open database."""
    config = Settings(  # type: ignore[call-arg]
        _env_file=None, data_dir=Path(tempfile.gettempdir()), features=["all"]
    )
    core = Core.build(config, database_for(config), sealer=Sealer.ephemeral())
    names = selected_features(config.features, config.wants_all_features())
    core.use(load_features(core, names))
    return core, core.registry


CORE, REGISTRY = _load_registry()
COMMANDS = REGISTRY.commands()
FORMS = [form for feature in REGISTRY.features.values() for form in feature.forms.values()]


# ----- a resolver like the surfaces', without a database ------------------------------------

KNOWN_MEMBERS = {"ana": "Ana", "ben": "Ben", "cleo": "Cleo", "mod": "Mod", "123": "Cy", "U1": "Dee"}
KNOWN_CHANNELS = {"general", "C1", "456"}
_MENTION = re.compile(r"<@!?([A-Za-z0-9]+)(?:\|[^>]*)?>")
_CHANNEL = re.compile(r"<#([A-Za-z0-9]+)(?:\|[^>]*)?>")


class Resolver:
    """Knows a few members and channels; anything else names nobody. Only ever given text."""

    async def resolve_member(self, scope: Scope, text: str) -> MemberRef | None:
        assert isinstance(text, str), f"resolve_member got {type(text).__name__}"
        typed = text.strip()
        found = _MENTION.fullmatch(typed)
        key = found.group(1) if found else typed.removeprefix("@")
        return MemberRef(key, KNOWN_MEMBERS[key]) if key in KNOWN_MEMBERS else None

    async def resolve_channel(self, scope: Scope, text: str) -> ChannelRef | None:
        assert isinstance(text, str), f"resolve_channel got {type(text).__name__}"
        typed = text.strip()
        found = _CHANNEL.fullmatch(typed)
        key = found.group(1) if found else typed.removeprefix("#")
        return ChannelRef(key, key) if key in KNOWN_CHANNELS else None


RESOLVER = Resolver()
DISPATCHER = Dispatcher(CORE, RESOLVER)


# ----- the material: values per option type ---------------------------------------------------

HOSTILE = (
    # empty and invisible
    *("", " ", "\t", "\n", "\r\n", "\u200b", "\ufeff", "\x00", "\x1b[31m", "\u202e"),
    # quotes and escapes
    *('"', "'", '"open', "'open", 'a"b', '""', "''", "\\", "a\\", '\\"', "`", "```"),
    # mentions and channels
    *("@", "@ana", "@ANA", "@@ana", "@nobody", "@everyone", "@here", "<@123>", "<@!123>"),
    *("<@U1|ana>", "<@>", "<@&5>", "<!channel>", "<!here>", "<!subteam^S1>", "ana", "U1"),
    *("#", "#general", "#nowhere", "<#C1|general>", "<#456>", "<#>", "general"),
    # key:value fragments and URLs
    *("key:value", "title:x", "a:b:c", ":", "::", "name:", "x:", "http://example.com"),
    *("https://x.y/z?a:b", "mailto:x@y.z", "www.example.org", "discord.gg/abc"),
    # numbers
    *("-1", "0", "1", "2", "5", "10", "11", "99", "#1", "#0", "1e5", "0x1f", "1_000", "+3"),
    *("\u0663", "\uff11\uff12", "1.5", "NaN", "inf", "-inf", "9" * 30, "9" * 5000, "-0"),
    # yes/no
    *("yes", "No", "TRUE", "off", "maybe", "y", "1", "0"),
    # dates and times, whole and partial
    *("2026-02-30", "2026-13-01", "2026-12", "12/31", "25:00", "tomorrow", "tomorrow 9am"),
    *("next tuesday 7pm", "tonight", "tonight 1am", "in 2 hours", "in 9999 weeks", "in 0 min"),
    *("dec 5", "dec 5 7pm", "5th december 2026 19:00", "9999-12-31 23:59", "midnight"),
    *("0001-01-01T00:00+01:00", "2026-12-01T19:00-05:00", "2026-12-01 19:00 Mars/Olympus"),
    *("2027-03-14 02:30 America/New_York", "noon EST", "7pm PST", "1900-01-01 00:00"),
    *("2199-12-31 23:59 Pacific/Kiritimati", "feb 29 7pm", "13pm", "0am", "12:60"),
    # durations and repeats (AMA options are text)
    *("90m", "1h30m", "0m", "-5m", "999999h", "weekly", "every 2 weeks until 2027-06-30"),
    # odd text
    *("DROP TABLE members;--", "'; DELETE FROM x; --", "%s %(message)s {0} {}", "None"),
    *("\U0001f600", "\U0001f469\U0001f3fd\u200d\u2695\ufe0f", "\u01c5", "\u0130", "\ufb01"),
    *("a\ud800b", "\udcff", "<script>alert(1)</script>", "[x](http://y.z)", "**bold**"),
)
TYPED = (
    None,
    True,
    False,
    0,
    -1,
    7,
    2**64,
    -(2**70),
    1.5,
    float("nan"),
    MemberRef("123", "Cleo"),
    MemberRef("zz"),
    ChannelRef("C1", "general"),
    [MemberRef("ana", "Ana"), MemberRef("ana", "Ana")],
    [MemberRef(str(n)) for n in range(MEMBERS_MAX + 2)],
    [],
    datetime(2026, 12, 1, 19, 0),
    datetime(2026, 12, 1, 19, 0, tzinfo=timezone(timedelta(hours=-5))),
    datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=1))),
    datetime(9999, 12, 31, 23, 59, tzinfo=timezone(timedelta(hours=-5))),
)
CHARS = st.characters(exclude_categories=())  # surrogates too: JSON can carry them
random_text = st.text(CHARS, max_size=30) | st.text("ab :\"'@#<>\\-,", max_size=20)
hostile = st.sampled_from(HOSTILE)
typed = st.sampled_from(TYPED)


def _repeated(limit: int) -> st.SearchStrategy[str]:
    """Text at, just under and just over a length limit, and far over it."""
    return st.builds(
        lambda ch, n: ch * n,
        st.sampled_from(["a", "\u00e9", "\U0001f600", " ", "\n", "@", '"', "9"]),
        st.integers(max(0, limit - 2), limit + 2) | st.integers(limit, 40_000),
    )


MENTIONS = ["@ana", "<@123>", "<@!123>", "<@U1|ana>", "ben", "@nobody", "<@999>", "<@&5>"]
mention = st.sampled_from(MENTIONS) | st.text("@<>!&|aU19", max_size=8)


def specific(option: Option) -> st.SearchStrategy[Any]:
    """Values aimed at one option's type, valid and not."""
    kind = option.type
    if kind in (OptionType.TEXT, OptionType.LONG_TEXT):
        return random_text | _repeated(option.length_limit)
    if kind is OptionType.INTEGER:
        low = option.min_value if option.min_value is not None else -1000
        high = option.max_value if option.max_value is not None else 1000
        near = st.integers(low - 3, high + 3)
        return near | near.map(str) | st.integers() | st.integers().map(lambda n: f" {n} ")
    if kind is OptionType.BOOLEAN:
        words = st.sampled_from(["yes", "no", "y", "n", "true", "false", "on", "off", "1", "0"])
        return st.booleans() | words | words.map(str.upper) | st.sampled_from(["yess", "2"])
    if kind is OptionType.CHOICE:
        names = [c.value for c in option.choices] + [c.shown for c in option.choices]
        word = st.sampled_from(names or ["none"])
        return (
            word | word.map(str.upper) | word.map(lambda w: f"  {w} ") | word.map(lambda w: w + "x")
        )
    if kind is OptionType.MEMBER:
        return mention | st.sampled_from([MemberRef("123", "Cleo"), MemberRef("U1")])
    if kind is OptionType.MEMBERS:
        separators = st.sampled_from([", ", " ", ",", ";", " ,; ", "\n"])
        many = st.lists(mention, max_size=MEMBERS_MAX + 3)
        refs = st.lists(st.sampled_from([MemberRef("ana"), MemberRef("U1")]), max_size=12)
        return st.builds(lambda sep, xs: sep.join(xs), separators, many) | refs
    if kind is OptionType.CHANNEL:
        channel = st.sampled_from(["#general", "<#C1|general>", "<#456>", "#nowhere", "C1", "#"])
        return channel | st.just(ChannelRef("C1", "general"))
    if kind is OptionType.DATETIME:
        day = st.sampled_from(
            [
                *("today", "tonight", "tomorrow", "next fri", "dec 5", "5 dec 2027"),
                *("2026-12-01", "feb 29", "2026-02-30", "31st june", "sunday", "", "in 3"),
            ]
        )
        clock = st.sampled_from(["", "7pm", "at 9am", "19:00", "noon", "13pm", "7", "9:61am"])
        zone = st.sampled_from(["", "EST", "utc", "europe/london", "Mars/Base", "zz"])
        phrase = st.builds(lambda *w: " ".join(p for p in w if p), day, clock, zone)
        iso = st.datetimes(timezones=st.none() | st.timezones()).map(lambda d: d.isoformat())
        later = st.builds(
            lambda n, unit: f"in {n} {unit}",
            st.integers(-5, 100_000),
            st.sampled_from(["minutes", "hour", "days", "weeks", "years", "hrs"]),
        )
        aware = st.datetimes(timezones=st.timezones())
        return phrase | iso | later | aware
    raise AssertionError(f"no strategy for {kind}")


def value_for(option: Option) -> st.SearchStrategy[Any]:
    return specific(option) | hostile | random_text | typed


# ----- inputs: typed values (Discord, dialogs) and text lines (console, Slack) -----------------
#
# Hypothesis draws the material for one example: a few values per option (from the
# strategies above) and a seed. A `random.Random(seed)` then combines that material with
# the fixed lists into `PER_EXAMPLE` inputs, so drawing stays cheap while every input still
# follows from the example (a failure replays, and names the input that failed).

LINE_VALUE_MAX = 2_100  # over the longest option limit (2,000)
LINE_WORD_MAX = 60


@dataclass(frozen=True)
class Material:
    pools: dict[str, list[Any]]  # option name -> drawn values
    extra: list[str]  # drawn free text
    seed: int


def material(options: Sequence[Option]) -> st.SearchStrategy[Material]:
    return st.builds(
        Material,
        st.fixed_dictionaries(
            {o.name: st.lists(value_for(o), min_size=1, max_size=3) for o in options}
        ),
        st.lists(random_text | hostile, max_size=3),
        st.integers(0, 2**32 - 1),
    )


MEMBER_WORDS = ["@ana", "<@123>", "<@U1|dee>", "ben"]  # members the resolver knows
# Good values for options by name (ids and names the live app has once seeded, below).
NAMED_VALID: dict[str, list[str]] = {
    "session": ["1", "#1"],
    "question": ["1", "2", "#1"],
    "into": ["1"],
    "post": ["1", "#1"],
    "name": ["Peds", "Surgery", "Cardiology"],
    "parent": ["Surgery"],
    "rename": ["Surgery2"],
    "zone": ["America/Chicago", "utc"],
    "start": ["tomorrow 7pm", "2026-12-01 19:00", "dec 5 7pm EST"],
    "duration": ["90m", "1h", "45 minutes"],
    "repeat": ["weekly", "every 2 weeks"],
    "fairness": ["0.5", "default"],
    "reminders": ["1h", "1d, 10m"],
    "query": ["peds", "resident"],
    "timezone": ["America/Chicago"],
}


def _valid(option: Option) -> list[str]:
    """Values the option accepts, so every command is also reached with good input."""
    kind = option.type
    if kind is OptionType.INTEGER:
        low = option.min_value if option.min_value is not None else -100
        high = option.max_value if option.max_value is not None else 100
        return [str(low), str(high), str((low + high) // 2)]
    if kind is OptionType.BOOLEAN:
        return ["yes", "no", "true", "off"]
    if kind is OptionType.CHOICE:
        return [c.value for c in option.choices]
    if kind is OptionType.MEMBER:
        return MEMBER_WORDS
    if kind is OptionType.MEMBERS:
        return [MEMBER_WORDS[0], ", ".join(MEMBER_WORDS[:2]), " ".join(MEMBER_WORDS[1:])]
    if kind is OptionType.CHANNEL:
        return ["#general", "<#C1|general>"]
    if kind is OptionType.DATETIME:
        return ["tomorrow 9am", "2026-12-01 19:00", "dec 5 7pm EST", "in 2 hours"]
    return NAMED_VALID.get(option.name) or ["1", "Peds", "Cardiology rounds", "ana"]


def _as_text(value: Any, rng: random.Random) -> str:
    """A value as typed in a line; rarely a huge one (a line is read a character at a time,
    and the raw values above already test every length limit)."""
    text = value if isinstance(value, str) else str(value)
    return text[: LINE_VALUE_MAX if rng.random() < 0.05 else LINE_WORD_MAX]


QUOTE_STYLES = (0, 0, 0, 0, 1, 2, 3)  # mostly quoted as a careful member would


def _quoted(value: str, style: int) -> str:
    if style == 0:
        return shlex.quote(value) if value else '""'
    if style == 1:
        return f'"{value}"'
    if style == 2:
        return f"'{value}'"
    return value  # as typed: spaces split it, a stray quote breaks the line


def raw_inputs(options: Sequence[Option], drawn: Material, count: int) -> list[dict[str, Any]]:
    """Option values as a platform hands them in (typed, already split); good and bad."""
    rng = random.Random(drawn.seed)
    batch = []
    for _ in range(count):
        values: dict[str, Any] = {}
        all_valid = rng.random() < 0.2
        for option in options:
            roll = rng.random()
            if all_valid or roll < 0.1:
                values[option.name] = rng.choice(_valid(option))
            elif roll < 0.45:
                continue  # left out
            elif roll < 0.85:
                values[option.name] = rng.choice(drawn.pools[option.name])
            elif roll < 0.95:
                values[option.name] = rng.choice(HOSTILE)
            else:
                values[option.name] = rng.choice(TYPED)
        if all_valid and options and rng.random() < 0.5:  # one bad value among good ones
            option = rng.choice(options)
            values[option.name] = rng.choice(drawn.pools[option.name])
        if rng.random() < 0.05:  # a name the command does not have
            values[rng.choice(["nme", "x", "Name", "a_b", "z" * 60])] = rng.choice(HOSTILE)
        batch.append(values)
    return batch


def text_lines(
    command: Command, drawn: Material, count: int, valid_share: float = 0.2
) -> list[str]:
    """`/group sub ...` lines aimed at the command, with hostile words in them."""
    rng = random.Random(drawn.seed ^ 0x5EED)
    head = f"/{command.group} {command.name}"
    elsewhere = [  # heads that miss the command: help, typos, another command
        f"/{command.group}",
        f"/{command.group} help",
        f"/{command.group} {command.name}x",
        f"/{command.group}{command.name}",
        "/",
        f"{command.group} {command.name}",
    ]
    words = [*drawn.extra, *HOSTILE]
    lines = []
    for _ in range(count):
        roll = rng.random()
        if roll < 0.85:
            parts = [head]
        elif roll < 0.9:
            parts = [f"  /{command.group.upper()}   {command.name.title()}"]
        else:
            parts = [rng.choice(elsewhere)]
        if command.options and rng.random() < valid_share:
            # Every option given a good value, and now and then one of them a bad one.
            values = {o.name: rng.choice(_valid(o)) for o in command.options}
            for _ in range(rng.choice((0, 0, 1, 2))):
                option = rng.choice(command.options)
                values[option.name] = _as_text(rng.choice(drawn.pools[option.name]), rng)
            parts += [f"{k}:{_quoted(v, rng.choice(QUOTE_STYLES))}" for k, v in values.items()]
            lines.append(" ".join(parts))
            continue
        for _ in range(rng.randint(0, len(command.options) + 2)):
            pick, style = rng.randint(0, 6), rng.choice(QUOTE_STYLES)
            if command.options and pick <= 3:
                option = rng.choice(command.options)
                value = _as_text(rng.choice(drawn.pools[option.name]), rng)
                if pick == 0:
                    value = rng.choice(_valid(option))
                name = option.name if rng.random() < 0.9 else option.name.upper()
                parts.append(f"{name}:{_quoted(value, style)}")
            elif command.options and pick == 4:
                option = rng.choice(command.options)
                parts.append(_quoted(_as_text(rng.choice(drawn.pools[option.name]), rng), style))
            else:
                parts.append(_quoted(_as_text(rng.choice(words), rng), style))
        lines.append(" ".join(parts))
    return lines


def command_inputs(command: Command, drawn: Material) -> list[tuple[str, Any]]:
    """Three quarters typed values, a quarter lines (reading a line costs the most)."""
    lines = PER_EXAMPLE // 4
    return [
        *(("raw", values) for values in raw_inputs(command.options, drawn, PER_EXAMPLE - lines)),
        *(("line", line) for line in text_lines(command, drawn, lines)),
    ]


# ----- checking an outcome -------------------------------------------------------------------


LINES_MAX = 1 + max(len(o) for o in [*(c.options for c in COMMANDS), *(f.fields for f in FORMS)])


def check_refusal(exc: UserError) -> None:
    """A refusal a member can read: some text, one line or one per problem, no traceback."""
    message = exc.message
    assert isinstance(message, str) and message.strip(), "a refusal with no message"
    assert "Traceback" not in message and 'File "' not in message, message
    assert len(message.splitlines()) <= LINES_MAX, message


def check_args(args: Args, options: Sequence[Option]) -> None:
    """What was accepted is typed and within its limits."""
    assert set(args) == {o.name for o in options}
    for option in options:
        value = args[option.name]
        if value is None or value is option.default:
            assert not option.required, f"required {option.name} accepted as {value!r}"
            continue
        kind = option.type
        if kind in (OptionType.TEXT, OptionType.LONG_TEXT):
            assert isinstance(value, str) and value.strip(), (option.name, value)
            assert len(value) <= option.length_limit, (option.name, len(value))
        elif kind is OptionType.INTEGER:
            assert isinstance(value, int) and not isinstance(value, bool), (option.name, value)
            assert option.min_value is None or value >= option.min_value
            assert option.max_value is None or value <= option.max_value
        elif kind is OptionType.BOOLEAN:
            assert isinstance(value, bool), (option.name, value)
        elif kind is OptionType.CHOICE:
            assert value in {c.value for c in option.choices}, (option.name, value)
        elif kind is OptionType.MEMBER:
            assert isinstance(value, MemberRef), (option.name, value)
        elif kind is OptionType.MEMBERS:
            assert isinstance(value, tuple) and value, (option.name, value)
            assert all(isinstance(m, MemberRef) for m in value)
            assert len(value) <= (option.max_value or MEMBERS_MAX)
            assert len({m.user_id for m in value}) == len(value)
        elif kind is OptionType.CHANNEL:
            assert isinstance(value, ChannelRef), (option.name, value)
        elif kind is OptionType.DATETIME:
            assert isinstance(value, datetime) and value.utcoffset() == timedelta(0)


async def _outcome(
    what: Command | Form,
    options: Sequence[Option],
    raw: dict[str, Any],
    positional: Sequence[str] = (),
) -> str:
    """Positional words placed, then every value parsed, as `Dispatcher._run_command` and
    `Dispatcher._parse` do it: 'parsed' or 'refused', after checking either outcome."""
    title = what.path if isinstance(what, Command) else what.title
    timezone_name = ZONE if any(o.type is OptionType.DATETIME for o in options) else "UTC"
    try:
        values = place_positional(title, options, raw, positional)
        args = await parse_options(
            title, options, values, scope=SCOPE, resolver=RESOLVER, timezone=timezone_name, now=NOW
        )
    except UserError as exc:
        check_refusal(exc)
        return "refused"
    check_args(args, options)
    return "parsed"


async def run_one(command: Command, kind: str, given_input: Any) -> str:
    """One input through the steps the dispatcher takes. 'parsed' or 'refused' when it
    reached this command's option parsing; otherwise where it stopped."""
    if kind == "raw":  # as Dispatcher._run_command gets them from Discord
        values = {k: v for k, v in given_input.items() if v is not None}
        return await _outcome(command, command.options, values)
    # As Dispatcher._run_text reads a line.
    try:
        line = parse_command_line(given_input)
    except UserError as exc:
        check_refusal(exc)
        return "unreadable line"
    if REGISTRY.feature_for_group(line.group) is None:
        return "unknown group"
    target, words = DISPATCHER._command_for(line.group, list(line.words))
    if target is None:
        if words and words[0].lower() != "help":
            return "unknown subcommand"
        assert group_help(CORE, line.group).text
        return "help"
    outcome = await _outcome(target, target.options, line.options, words)
    return outcome if target is command else f"other command {outcome}"


def _runner(
    loop: asyncio.AbstractEventLoop, counts: Counter[str], work: Callable[[Any], Awaitable[str]]
) -> Callable[[list[Any]], None]:
    """Run one example's inputs in one event loop, counting the outcomes."""

    def run(batch: list[Any]) -> None:
        async def all_of() -> None:
            for item in batch:
                try:
                    counts[await work(item)] += 1
                except Exception as exc:
                    raise AssertionError(f"failed on {_clipped(item)}") from exc

        loop.run_until_complete(all_of())

    return run


def _clipped(item: Any) -> str:
    shown = repr(item)
    return shown if len(shown) <= 2000 else shown[:2000] + f"... ({len(shown):,} characters)"


@pytest.fixture
def loop() -> Iterator[asyncio.AbstractEventLoop]:
    loop = asyncio.new_event_loop()
    try:
        yield loop
    finally:
        loop.close()


def test_every_feature_loaded() -> None:
    assert not REGISTRY.failed, REGISTRY.failed
    assert len(COMMANDS) >= 40 and len(FORMS) >= 8


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c.path)
def test_any_command_input_is_parsed_or_refused(
    command: Command, loop: asyncio.AbstractEventLoop
) -> None:
    counts: Counter[str] = Counter()
    run = _runner(loop, counts, lambda item: run_one(command, *item))

    @settings(FUZZ, max_examples=COMMAND_EXAMPLES)
    @given(material(command.options))
    def fuzz(drawn: Material) -> None:
        run(command_inputs(command, drawn))

    fuzz()
    # Counted: the inputs that reached this command's option parsing.
    assert counts["parsed"] + counts["refused"] >= INPUTS, counts
    assert counts["parsed"] and counts["refused"], counts


# ----- forms: what a dialog submits ----------------------------------------------------------


def form_inputs(form: Form, drawn: Material) -> list[dict[str, Any]]:
    """What Slack (text, members, channels) or Discord (text only) submits."""
    batch = raw_inputs(form.fields, drawn, PER_EXAMPLE)
    for values in batch[::2]:  # a Discord modal: every value is text
        for name, value in values.items():
            values[name] = value if isinstance(value, str) else str(value)
    return batch


async def submit_one(form: Form, values: dict[str, Any]) -> str:
    problems = form_problems(form.fields, values)  # Slack's inline check, without I/O
    names = {f.name for f in form.fields}
    for name, message in problems.items():
        assert name in names and message.strip() and "\n" not in message, (name, message)
    outcome = await _outcome(form, form.fields, values)
    # The quick check never refuses what parsing takes (date-times aside: it reads phrases
    # such as `in 3 days` against the system clock, parsing against the core's).
    if outcome == "parsed" and not any(f.type is OptionType.DATETIME for f in form.fields):
        assert not problems, problems
    return outcome


@pytest.mark.parametrize("form", FORMS, ids=lambda f: f.id)
def test_any_form_submission_is_parsed_or_refused(
    form: Form, loop: asyncio.AbstractEventLoop
) -> None:
    counts: Counter[str] = Counter()
    run = _runner(loop, counts, lambda values: submit_one(form, values))

    @FUZZ
    @given(material(form.fields))
    def fuzz(drawn: Material) -> None:
        run(form_inputs(form, drawn))

    fuzz()
    assert sum(counts.values()) >= INPUTS, counts
    assert counts["parsed"] and counts["refused"], counts


# ----- the guard -----------------------------------------------------------------------------

FIELD_NAMES = sorted({o.name for c in COMMANDS for o in c.options} | {"name", "x"})
guard_text = (
    random_text
    | _repeated(200)
    | st.text(st.characters(categories=("Cc", "Cf", "Zs", "Zl", "Zp", "Cs")), max_size=10)
)
GUARD_PIECES = (
    *HOSTILE,
    "@everyone",
    "@\u200beveryone",
    "\uff20here",
    "@e\u200bveryone",
    "<@&123>",
    "<!subteam^S1|team>",
    "<!channel>",
    "example.com",
    "t.me/x",
    "ok.so",
    "B.SC",
    "2.5.mg",
    "xn--80ak6aa92e.com",
    "[a](b.c)",
    "WWW.x.org",
    "\u2028",
    "\x0b",
    "\t",
    # patient information
    "MRN 12345678",
    "DOB 3/4/1950",
    "pt in room 12 bed 3",
    "Mr. Smith, 92 y/o",
    "SSN 123-45-6789",
    "call 555-123-4567",
    "seen 01/02/2026",
)


def guard_inputs(drawn: list[str], seed: int) -> list[tuple[str, str, FieldRule]]:
    rng = random.Random(seed)
    pieces = [*drawn, *GUARD_PIECES]
    batch = []
    for _ in range(PER_EXAMPLE):
        text = rng.choice(["", " ", "\n", "\u200b"]).join(
            rng.choice(pieces) for _ in range(rng.randint(0, 5))
        )
        rule = FieldRule(
            max_length=rng.choice([0, 1, 40, 200, 2000, len(text), max(0, len(text) - 1)]),
            required=rng.random() < 0.5,
            single_line=rng.random() < 0.5,
            allow_links=rng.random() < 0.5,
        )
        batch.append((rng.choice(FIELD_NAMES), text, rule))
    return batch


def test_the_guard_never_raises_and_names_the_field() -> None:
    seen = Counter[str]()

    @FUZZ
    @given(st.lists(guard_text, max_size=4), st.integers(0, 2**32 - 1))
    def check(drawn: list[str], seed: int) -> None:
        batch = guard_inputs(drawn, seed)
        for name, text, rule in batch:
            problems = check_text(
                name,
                text,
                max_length=rule.max_length,
                required=rule.required,
                single_line=rule.single_line,
                allow_links=rule.allow_links,
            )
            for problem in problems:
                assert problem.field == name and f"`{name}`" in problem.message, problem
            seen["problems" if problems else "clean"] += 1
        for start in range(0, len(batch), 8):  # the same texts again, as forms of 8 fields
            fields = {
                f"{name}_{n}": (text or None, rule)
                for n, (name, text, rule) in enumerate(batch[start : start + 8])
            }
            for problem in check_fields(fields):
                assert problem.field in fields and f"`{problem.field}`" in problem.message
            seen["fields in forms"] += len(fields)

    check()
    assert seen["problems"] + seen["clean"] >= INPUTS, seen
    assert seen["fields in forms"] >= INPUTS, seen
    assert seen["problems"] and seen["clean"], seen


# ----- the real path: random lines through the dispatcher, handlers and SQLite ---------------

SAMPLE = 200  # lines per command through Dispatcher.run_text
SAMPLE_BATCH = 50
SEED_SCRIPT = (
    ("mod", "/setup channels introductions:#intros announcements:#news modlog:#mods"),
    ("ana", '/intro post name:Ana stage:resident about:"Hi all" interests:peds'),
    ("ben", '/mentor offer specialties:peds stages:resident bio:"I teach" capacity:2'),
    ("cleo", '/mentor request interests:peds stage:"medical student" goals:"Match well"'),
    ("mod", '/group create name:Peds description:"Pediatrics" visibility:secret'),
    ("mod", '/group create name:Surgery description:"Cutting" visibility:public'),
    ("mod", "/ama schedule title:Residency host:@ben start:'tomorrow 7pm'"),
    ("ana", '/ama ask session:{session} question:"How do I match?" anonymous:yes'),
    ("cleo", '/ama ask session:{session} question:"And the interviews?"'),
    ("ana", '/group join name:Surgery note:"hello"'),
    ("ana", '/group post name:Surgery message:"Welcome"'),
)
USERS = ("ana", "ben", "mod", "cleo")
LIVE_PHASES = (Phase.explicit, Phase.reuse, Phase.generate)


class _Failures(logging.Handler):
    """Keeps the tracebacks the dispatcher logs, to show them when a check fails."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def explain(self) -> str:
        formatter = logging.Formatter()
        return "\n".join(formatter.format(record) for record in self.records[-3:])


@pytest.fixture(scope="module")
def live(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[asyncio.AbstractEventLoop, TestHarness]]:
    """One full app on SQLite, seeded with members, an intro, a mentor, groups, a session."""
    loop = asyncio.new_event_loop()
    config = Settings(  # type: ignore[call-arg]
        _env_file=None, data_dir=tmp_path_factory.mktemp("fuzz"), features=["all"]
    )
    harness = TestHarness(config, ManualClock(NOW))
    saved = dict(NAMED_VALID), list(MEMBER_WORDS)
    loop.run_until_complete(harness.start())
    try:
        known: dict[str, str] = {}
        for user, line in SEED_SCRIPT:
            for response in loop.run_until_complete(
                harness.run(user, line.format(**known), admin=user == "mod")
            ):
                assert not isinstance(response, Refusal), (line, response)
            if not known:
                sessions = loop.run_until_complete(harness.core.repos.ama.upcoming(SCOPE, NOW))
                known = {"session": sessions[0].short_id} if sessions else {}
        # Good values for the live data: its session's id; members as the surface reads them.
        NAMED_VALID["session"] = [known["session"], "#" + known["session"]]
        MEMBER_WORDS[:] = ["@ana", "<@ben>", "cleo", "@mod"]
        yield loop, harness
    finally:
        NAMED_VALID.clear()
        NAMED_VALID.update(saved[0])
        MEMBER_WORDS[:] = saved[1]
        loop.run_until_complete(harness.stop())
        loop.close()


def _shown(response: Reply) -> str:
    fields = [f"{f.name} {f.value}" for f in response.fields]
    return " ".join([response.title or "", response.text, *fields])


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c.path)
def test_random_lines_through_the_dispatcher(
    command: Command, live: tuple[asyncio.AbstractEventLoop, TestHarness]
) -> None:
    loop, harness = live
    failures = _Failures()
    for name in ("bot", "cogs", "storage"):
        logging.getLogger(name).addHandler(failures)
    counts: Counter[str] = Counter()

    contexts: dict[str, Context] = {}

    async def one(user: str, line: str) -> str:
        # What TestHarness.run does, but with one context per member for a batch of lines
        # (making one reads and writes the database, which would double the run time).
        if user not in contexts:
            contexts[user] = await harness.context(user, admin=user == "mod")
        responses = await harness.dispatcher.run_text(contexts[user], line)
        await harness.core.tasks.settle()
        # Nothing logged an error: not the dispatcher, nor work it left in the background.
        assert not failures.records, failures.explain()
        for response in responses:
            assert isinstance(response, Reply | OpenForm), response
            if isinstance(response, Reply):
                shown = _shown(response)
                assert "something went wrong on our side" not in shown, failures.explain()
                assert "Traceback" not in shown, shown
        return type(responses[0]).__name__ if responses else "nothing"

    # No shrinking here: each step runs handlers on SQLite, and the failure already names
    # the line and the traceback.
    @settings(FUZZ, max_examples=-(-SAMPLE // SAMPLE_BATCH), phases=LIVE_PHASES)
    @given(material(command.options))
    def fuzz(drawn: Material) -> None:
        rng = random.Random(drawn.seed)
        # Hundreds of lines at one moment of the clock: a fresh allowance for each batch.
        harness.core.limiter = RateLimiter(SAMPLE_BATCH, 60, harness.core.clock.now)
        contexts.clear()
        lines = text_lines(command, drawn, SAMPLE_BATCH, valid_share=0.4)
        run = _runner(loop, counts, lambda line: one(rng.choice(USERS), line))
        run(lines)

    try:
        fuzz()
    finally:
        for name in ("bot", "cogs", "storage"):
            logging.getLogger(name).removeHandler(failures)
    assert sum(counts.values()) >= SAMPLE, counts

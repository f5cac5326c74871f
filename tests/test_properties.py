"""Property tests: any text a member can type is either parsed or refused with a message."""

from __future__ import annotations

import asyncio

from hypothesis import example, given, settings
from hypothesis import strategies as st

from bot.errors import UserError
from bot.model import ChannelRef, Choice, MemberRef, Option, OptionType
from bot.options import parse_options
from bot.textcommand import parse_command_line
from storage.models import Scope

OPTIONS = (
    Option("title", "text", required=True, max_length=20),
    Option("body", "long", OptionType.LONG_TEXT),
    Option("count", "int", OptionType.INTEGER, min_value=1, max_value=10),
    Option("pick", "choice", OptionType.CHOICE, choices=(Choice("red"), Choice("green"))),
    Option("who", "member", OptionType.MEMBER),
    Option("where", "channel", OptionType.CHANNEL),
    Option("when", "time", OptionType.DATETIME),
    Option("flag", "bool", OptionType.BOOLEAN),
    Option("team", "members", OptionType.MEMBERS, max_value=3),
)
SCOPE = Scope("test", "w1")


class Resolver:
    async def resolve_member(self, scope: Scope, text: str) -> MemberRef | None:
        return MemberRef(text) if text.startswith("@") else None

    async def resolve_channel(self, scope: Scope, text: str) -> ChannelRef | None:
        return ChannelRef(text) if text.startswith("#") else None


datetimes = st.datetimes(timezones=st.none() | st.timezones()).map(
    lambda d: "when:" + d.isoformat()
)
words = (
    datetimes
    | st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40)
    | st.sampled_from(
        ["title:", "count:", "pick:", 'when:"', "flag:", "team:", "/", "\\", '"', "'", ":", ","]
    )
)


@settings(max_examples=3000, deadline=None)
@given(st.lists(words, max_size=8))
def test_any_line_is_parsed_or_refused_with_a_message(parts: list[str]) -> None:
    line = "/probe all " + " ".join(parts)

    async def attempt() -> None:
        try:
            parsed = parse_command_line(line)
            await parse_options(
                "/probe all",
                OPTIONS,
                parsed.options,
                scope=SCOPE,
                resolver=Resolver(),
                timezone="America/Chicago",
                positional=parsed.words[1:],
            )
        except UserError as exc:
            assert exc.message.strip()
            assert "Traceback" not in exc.message

    asyncio.run(attempt())


@settings(max_examples=2000, deadline=None)
@given(st.dictionaries(st.sampled_from([o.name for o in OPTIONS]), st.text(max_size=60)))
@example({"title": "t", "when": "9999-12-31T23:59-05:00"})  # found by hand: overflowed
@example({"title": "t", "when": "0001-01-01T00:00+01:00"})
@example({"title": "t", "when": "9999-12-31 23:59"})
def test_any_form_values_are_parsed_or_refused_with_a_message(values: dict[str, str]) -> None:
    async def attempt() -> None:
        try:
            args = await parse_options(
                "form", OPTIONS, values, scope=SCOPE, resolver=Resolver(), timezone="UTC"
            )
        except UserError as exc:
            assert exc.message.strip()
            return
        # Whatever was accepted is typed and within its limits.
        assert isinstance(args["title"], str) and 0 < len(args["title"]) <= 20
        count = args["count"]
        assert count is None or (isinstance(count, int) and 1 <= count <= 10)
        assert args["pick"] in (None, "red", "green")
        assert args["flag"] in (None, True, False)
        team = args["team"]
        assert team is None or (
            0 < len(team) <= 3
            and all(isinstance(m, MemberRef) for m in team)
            and len({m.user_id for m in team}) == len(team)
        )

    asyncio.run(attempt())

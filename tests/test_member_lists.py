"""Options that name several members at once (a group's stewards): typed as mentions
separated by commas or spaces, or picked in a dialog; each resolved, each named once."""

from __future__ import annotations

import pytest

from bot.errors import UserError
from bot.model import ChannelRef, MemberRef, Option, OptionType
from bot.options import parse_options
from storage.models import Scope

SCOPE = Scope("test", "w1")
KNOWN = {"ana": "Ana", "ben": "Ben", "cy": "Cy", "dee": "Dee"}
TEAM = Option("team", "Who", OptionType.MEMBERS, max_value=3)


class Resolver:
    def __init__(self) -> None:
        self.asked: list[str] = []

    async def resolve_member(self, scope: Scope, text: str) -> MemberRef | None:
        self.asked.append(text)
        name = text.strip().removeprefix("<@").removesuffix(">").lstrip("@")
        return MemberRef(name, KNOWN[name]) if name in KNOWN else None

    async def resolve_channel(self, scope: Scope, text: str) -> ChannelRef | None:
        return None


async def parse(value: object, option: Option = TEAM) -> tuple[MemberRef, ...]:
    args = await parse_options(
        "/group create",
        (option,),
        {option.name: value},
        scope=SCOPE,
        resolver=Resolver(),
        timezone="UTC",
    )
    return args.members(option.name)


@pytest.mark.parametrize(
    "typed", ["@ana, @ben", "@ana @ben", "<@ana>,<@ben>", " @ana ;  @ben ,", "@ana,@ben,@ana"]
)
async def test_typed_mentions_resolve_in_order_and_once_each(typed: str) -> None:
    assert [m.user_id for m in await parse(typed)] == ["ana", "ben"]


async def test_members_picked_in_a_dialog_pass_through() -> None:
    picked = [MemberRef("cy"), MemberRef("ana"), MemberRef("cy")]
    assert [m.user_id for m in await parse(picked)] == ["cy", "ana"]
    assert [m.user_id for m in await parse(MemberRef("dee"))] == ["dee"]


async def test_unknown_members_are_named_and_nothing_is_returned() -> None:
    with pytest.raises(UserError) as refused:
        await parse("@ana, @zed, @who")
    assert "`team` names no member I know: '@zed', '@who'." in refused.value.message


async def test_too_many_members_are_refused_before_any_lookup() -> None:
    resolver = Resolver()
    with pytest.raises(UserError) as refused:
        await parse_options(
            "/group create",
            (TEAM,),
            {"team": "@ana @ben @cy @dee"},
            scope=SCOPE,
            resolver=resolver,
            timezone="UTC",
        )
    assert "names 4 members; name at most 3." in refused.value.message
    assert resolver.asked == []


async def test_a_blank_optional_list_is_empty() -> None:
    args = await parse_options(
        "/x", (TEAM,), {"team": "   "}, scope=SCOPE, resolver=Resolver(), timezone="UTC"
    )
    assert args.members("team") == ()


async def test_separators_alone_name_nobody_and_are_refused() -> None:
    with pytest.raises(UserError) as refused:
        await parse(" , ;")
    assert "`team` names no member" in refused.value.message

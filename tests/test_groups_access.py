"""Who sees what of a peer group, as a matrix: every /group command by every kind of viewer
(someone outside, a member, a steward, the steward of one of its chapters, a moderator)
by every visibility (public, private, secret).

Each cell is either allowed, or refused with exactly the words a made-up group name gets,
so a refusal never tells anyone the group is there or who is in it. On top of that, the
name of a member hidden in the group never reaches a viewer who may not see the members,
and a secret group's name never reaches someone outside it: not in replies, not in
/group list, not in autocomplete.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import pytest

from bot.model import Reply
from storage.groups import ACTIVE, MEMBER, PRIVATE, PUBLIC, SECRET, STEWARD, Group
from tests.support import SCOPE, TestHarness

MOD = "mod_mia"
STEW = "stew_sam"
MEM = "mem_max"
CHAP = "chap_cat"  # steward of a chapter of the group, not in the group itself
OUT = "out_otto"
HIDDEN = "zed_hidden_canary"  # a member nobody outside may learn of
NEWBIE = "new_nia"
VIEWERS = (OUT, MEM, STEW, CHAP, MOD)
ROLE = {OUT: "outsider", MEM: "member", STEW: "steward", CHAP: "chapter steward", MOD: "moderator"}


def text_of(responses: list[object]) -> str:
    parts: list[str] = []
    for r in responses:
        assert isinstance(r, Reply), r
        parts += [r.title or "", r.text, *(f"{f.name}: {f.value}" for f in r.fields)]
        parts += [b.label for b in r.buttons]
    return "\n".join(p for p in parts if p)


def allowed(command: str, viewer: str, visibility: str) -> bool:
    """What the rules say; the test checks the bot against this table."""
    member = viewer in (MEM, STEW)
    manager = viewer in (STEW, MOD)
    knows = visibility != SECRET or member or manager
    rule: dict[str, bool] = {
        "members": visibility == PUBLIC or member or manager,
        "join": True,
        "leave": member,
        "post": member,
        "announce": manager,
        "requests": manager,
        "invite": manager,
        "remove": manager,
        "edit": manager,
        "pairing status": member or manager,
        "pairing join": member,
        "pairing weekly": manager,
        "steward": viewer == MOD,
        "reveal": manager,
    }
    return knows and rule[command]


@dataclass
class Cell:
    line: Callable[[str], str]  # the command, given the group's name
    undo: Callable[[TestHarness, Group, str], object] | None = None


async def rejoin(h: TestHarness, group: Group, viewer: str) -> None:
    """Put a viewer back after a command took them out."""
    repo = h.core.repos.groups
    if await repo.membership(group.id, viewer) is None and viewer in (MEM, STEW):
        role = STEWARD if viewer == STEW else MEMBER
        await repo.add(
            group.id, viewer, role=role, status=ACTIVE, note=None, now=h.core.clock.now()
        )


async def withdraw(h: TestHarness, group: Group, viewer: str) -> None:
    """Take back a join or an invitation a command made, leaving the group as it was."""
    repo = h.core.repos.groups
    for who in (viewer, NEWBIE):
        found = await repo.membership(group.id, who)
        if found is not None and who not in (MEM, STEW, HIDDEN):
            await repo.remove(found)


COMMANDS: dict[str, Cell] = {
    "members": Cell(lambda n: f'/group members name:"{n}"'),
    "join": Cell(lambda n: f'/group join name:"{n}" note:"hello"', withdraw),
    "leave": Cell(lambda n: f'/group leave name:"{n}"', rejoin),
    "post": Cell(lambda n: f'/group post name:"{n}" message:"Study group tonight?"'),
    "announce": Cell(lambda n: f'/group announce name:"{n}" message:"Dinner on Friday"'),
    "requests": Cell(lambda n: f'/group requests name:"{n}"'),
    "invite": Cell(lambda n: f'/group invite name:"{n}" member:@{NEWBIE}', withdraw),
    "remove": Cell(lambda n: f'/group remove name:"{n}" member:@{NEWBIE}'),
    "edit": Cell(lambda n: f'/group edit name:"{n}" description:"Peers supporting peers"'),
    "pairing status": Cell(lambda n: f'/group pairing status name:"{n}"'),
    "pairing join": Cell(lambda n: f'/group pairing join name:"{n}"'),
    "pairing weekly": Cell(lambda n: f'/group pairing weekly name:"{n}"'),
    "steward": Cell(lambda n: f'/group steward name:"{n}" member:@{NEWBIE}'),
    "reveal": Cell(lambda n: "/group reveal post:{post} reason:safety"),
}


async def build(h: TestHarness, visibility: str, name: str) -> Group:
    """A group with a steward, a member, a hidden member and a chapter with its own
    steward; the member has posted anonymously once."""
    await h.run(
        MOD,
        f'/group create name:"{name}" description:"Peers" visibility:{visibility} '
        f"join:approval stewards:@{STEW}",
        admin=True,
    )
    await h.run(
        MOD,
        f'/group create name:"{name} Chapter" description:"A chapter" parent:"{name}" '
        f"visibility:{visibility} stewards:@{CHAP}",
        admin=True,
    )
    group = await h.core.repos.groups.by_name(SCOPE, name)
    assert group is not None and group.visibility == visibility
    for who in (MEM, HIDDEN):
        assert await h.run(STEW, f'/group invite name:"{name}" member:@{who}')
        membership = await h.core.repos.groups.membership(group.id, who)
        assert membership is not None
        await h.press(who, f"groups.accept:{membership.id}")
    return group


@pytest.mark.parametrize("visibility", [PUBLIC, PRIVATE, SECRET])
async def test_every_command_by_every_viewer_leaks_nothing(
    harness: TestHarness, visibility: str
) -> None:
    h = harness
    await h.run(MOD, "/setup channels announcements:#general modlog:#mods", admin=True)
    for who in (*VIEWERS, HIDDEN, NEWBIE):
        await h.run(who, "/help")
    failures: list[str] = []
    for index, (command, cell) in enumerate(COMMANDS.items()):
        name = f"Circle {index}"
        group = await build(h, visibility, name)
        posted = text_of(
            await h.run(
                MEM, f'/group post name:"{name}" message:"Anyone else out at school?" anonymous:yes'
            )
        )
        found = re.search(r"as post #(\d+)", posted)
        assert found, posted
        post_id = int(found.group(1))
        for viewer in VIEWERS:
            line = cell.line(name).format(post=post_id)
            nowhere = cell.line("Nowhere Club").format(post=999_999)
            refusal = text_of(await h.run(viewer, nowhere, admin=viewer == MOD))
            said = text_of(await h.run(viewer, line, admin=viewer == MOD))
            expected = allowed(command, viewer, visibility)
            same_as_nowhere = said == refusal.replace("Nowhere Club", name).replace(
                "999999", str(post_id)
            )
            where = f"{command} by {ROLE[viewer]} on a {visibility} group"
            if expected and same_as_nowhere:
                failures.append(f"{where}: refused but should work: {said!r}")
            if not expected and not same_as_nowhere:
                failures.append(f"{where}: should read like a missing group, got {said!r}")
            if HIDDEN in said and not (
                allowed("members", viewer, visibility) and command == "members"
            ):
                failures.append(f"{where}: named the hidden member")
            if cell.undo is not None:
                await cell.undo(h, group, viewer)
    assert failures == [], "\n".join(failures)


@pytest.mark.parametrize("visibility", [PUBLIC, PRIVATE, SECRET])
async def test_list_and_autocomplete_show_a_group_only_to_those_who_may_know_it(
    harness: TestHarness, visibility: str
) -> None:
    h = harness
    for who in (*VIEWERS, HIDDEN, NEWBIE):
        await h.run(who, "/help")
    await build(h, visibility, "Quiet Circle")
    join = h.core.registry.command("group", "join")
    assert join is not None
    for viewer in VIEWERS:
        knows = visibility != SECRET or viewer in (MEM, STEW, MOD)
        listed = text_of(await h.run(viewer, "/group list", admin=viewer == MOD))
        ctx = await h.context(viewer, admin=viewer == MOD)
        suggested = [c.value for c in await h.dispatcher.autocomplete(ctx, join, "name", "qui")]
        assert ("Quiet Circle" in listed.replace("Quiet Circle Chapter", "")) is knows, (
            viewer,
            listed,
        )
        assert ("Quiet Circle" in suggested) is knows, (viewer, suggested)
        assert HIDDEN not in listed
        if knows:  # three members: a small group's size says no more than "fewer than 5"
            assert "fewer than 5 members" in listed and "3 members" not in listed


async def test_the_chapter_steward_runs_the_chapter_and_the_parents_stewards_too(
    harness: TestHarness,
) -> None:
    h = harness
    for who in (*VIEWERS, HIDDEN, NEWBIE):
        await h.run(who, "/help")
    await build(h, PRIVATE, "Alliance")
    chapter = "Alliance Chapter"
    await h.run(NEWBIE, f'/group join name:"{chapter}"')
    # The chapter's steward and the parent's steward both see and decide its requests.
    for steward in (CHAP, STEW):
        said = text_of(await h.run(steward, f'/group requests name:"{chapter}"'))
        assert NEWBIE in said and "Approve 1" in said, (steward, said)
    # The chapter's steward has no say over the parent group.
    refused = text_of(await h.run(CHAP, '/group members name:"Alliance"'))
    assert refused.startswith("I can't find a group called `Alliance`")
    # A parent steward may name the chapter's stewards; the chapter steward may not.
    assert "now a steward" in text_of(
        await h.run(STEW, f'/group steward name:"{chapter}" member:@{MEM}')
    )
    assert text_of(await h.run(CHAP, f'/group steward name:"{chapter}" member:@{OUT}')).startswith(
        f"I can't find a group called `{chapter}`"
    )

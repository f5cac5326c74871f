"""Coffee-chat rounds in a group, on a manual clock: stewards set the cadence, members opt
in, snooze and keep a confidential "don't pair me with" list; rounds introduce pairs (a
triple for an odd count) without repeats while they can be avoided, check in halfway, and
keep going across a restart and after the bot was down."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

from bot.clock import ManualClock
from bot.model import Reply
from config.settings import Settings
from storage.groups import Group
from tests.support import SCOPE, TestHarness

MOD = "mod_mia"
STEW = "stew_sam"
PEOPLE = ("ana", "ben", "cy", "dee", "eli")
# START is Sunday 2026-11-22 15:00 UTC: the first round is Monday 09:00 (the community's
# zone is UTC here), and each weekly round a week after.
MONDAY = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
WEEK = timedelta(days=7)


def said(responses: list[object]) -> str:
    parts: list[str] = []
    for r in responses:
        assert isinstance(r, Reply), r
        parts += [r.title or "", r.text]
    return "\n".join(p for p in parts if p)


async def advance(h: TestHarness, clock: ManualClock, to: datetime) -> int:
    clock.advance(to - clock.now())
    ran = await h.core.scheduler.run_due()
    await h.core.tasks.settle()
    return ran


async def group_with(h: TestHarness, members: tuple[str, ...], cadence: str = "weekly") -> Group:
    await h.run(MOD, "/setup channels modlog:#mods", admin=True)
    for user in (STEW, *members):
        await h.run(user, "/help")
    await h.run(
        MOD,
        f'/group create name:"Peds Peers" description:"Peds residents" join:open stewards:@{STEW}',
        admin=True,
    )
    for user in members:
        await h.run(user, '/group join name:"Peds Peers"')
        assert "You are in for coffee chats" in said(
            await h.run(user, '/group pairing join name:"Peds Peers"')
        )
    answer = said(await h.run(STEW, f'/group pairing {cadence} name:"Peds Peers"'))
    assert f"is {cadence}" in answer, answer
    group = await h.core.repos.groups.by_name(SCOPE, "Peds Peers")
    assert group is not None
    return group


def introductions(h: TestHarness, since: int = 0) -> list[frozenset[str]]:
    return [
        frozenset(s.to)
        for s in h.recorder.sent[since:]
        if s.kind == "dm" and s.reply.title == "Your coffee chat"
    ]


def met_pairs(groups: list[frozenset[str]]) -> list[frozenset[str]]:
    return [frozenset(p) for g in groups for p in itertools.combinations(sorted(g), 2)]


async def test_a_weekly_round_pairs_everyone_with_one_triple_and_checks_in(
    harness: TestHarness, clock: ManualClock
) -> None:
    h = harness
    group = await group_with(h, PEOPLE)
    [row] = await h.core.repos.audit.recent(SCOPE, 1)
    assert (row.action, row.detail) == ("groups.pairing", {"cadence": "weekly"})
    assert await h.core.repos.jobs.pending_with_prefix(SCOPE, "groups.round", f"{group.id}:")
    assert await advance(h, clock, MONDAY - timedelta(minutes=1)) == 0
    assert await advance(h, clock, MONDAY) == 1
    groups = introductions(h)
    assert sorted(len(g) for g in groups) == [2, 3]  # five people: a pair and a triple
    assert set().union(*groups) == set(PEOPLE)
    intro = next(s for s in h.recorder.sent if s.reply.title == "Your coffee chat")
    assert "Peds Peers" in intro.reply.text
    assert (MONDAY + WEEK).isoformat() in intro.reply.text  # "find half an hour before ..."
    # Halfway through the week, everyone is asked whether they met.
    await advance(h, clock, MONDAY + WEEK / 2)
    checkins = [s for s in h.recorder.sent if s.reply.title == "Coffee chat check-in"]
    assert sorted(s.to[0] for s in checkins) == sorted(PEOPLE)
    ana = next(s for s in checkins if s.to == ("ana",))
    assert [b.label for b in ana.reply.buttons] == ["We met", "Not yet", "It didn't work out"]
    assert "Wonderful" in said(await h.press("ana", ana.reply.buttons[0].action_id))
    # Someone else pressing ana's button changes nothing.
    outsider = said(await h.press("zed", ana.reply.buttons[2].action_id))
    assert outsider == "This check-in is not yours, or no longer open."
    summary = said(await h.run(STEW, '/group pairing status name:"Peds Peers"'))
    assert "5 member(s) opted in" in summary and "1 met" in summary
    # A member sees their own standing, not the tally.
    mine = said(await h.run("ben", '/group pairing status name:"Peds Peers"'))
    assert "You are in it" in mine and "opted in" not in mine


async def test_no_pair_repeats_until_everyone_has_met(
    harness: TestHarness, clock: ManualClock
) -> None:
    h = harness
    four = PEOPLE[:4]
    await group_with(h, four)
    seen: list[frozenset[str]] = []
    for week in range(3):  # four people: three rounds meet all six pairs once
        mark = len(h.recorder.sent)
        await advance(h, clock, MONDAY + week * WEEK)
        pairs = met_pairs(introductions(h, mark))
        assert len(pairs) == 2
        seen += pairs
    assert len(set(seen)) == 6 == len(seen)


async def test_a_snoozed_member_sits_out_one_round(
    harness: TestHarness, clock: ManualClock
) -> None:
    h = harness
    await group_with(h, PEOPLE[:4])
    assert "sit out the next round" in said(
        await h.run("ana", '/group pairing snooze name:"Peds Peers"')
    )
    await advance(h, clock, MONDAY)
    first = introductions(h)
    assert "ana" not in set().union(*first) and len(first) == 1 and len(first[0]) == 3
    mark = len(h.recorder.sent)
    await advance(h, clock, MONDAY + WEEK)
    assert "ana" in set().union(*introductions(h, mark))


async def test_dont_pair_me_with_is_honoured_and_told_to_nobody(
    harness: TestHarness, clock: ManualClock
) -> None:
    h = harness
    await group_with(h, PEOPLE[:4])
    answer = said(await h.run("ana", "/group avoid member:@ben"))
    assert "never be paired with <@ben>" in answer and "Nobody is told" in answer
    assert [s for s in h.recorder.sent if "ben" in s.to and "avoid" in s.reply.text] == []
    assert "<@ben>" in said(await h.run("ana", "/group avoid"))
    assert "<@ben>" not in said(await h.run("ben", "/group avoid"))
    for week in range(4):
        mark = len(h.recorder.sent)
        await advance(h, clock, MONDAY + week * WEEK)
        assert frozenset(("ana", "ben")) not in met_pairs(introductions(h, mark)), week
    assert "off your list" in said(await h.run("ana", "/group avoid member:@ben undo:yes"))


async def test_exclusions_that_leave_someone_out_tell_them_privately(
    harness: TestHarness, clock: ManualClock
) -> None:
    h = harness
    await group_with(h, PEOPLE[:2])
    await h.run("ana", "/group avoid member:@ben")
    await advance(h, clock, MONDAY)
    assert introductions(h) == []
    alone = [s for s in h.recorder.sent if s.reply.title == "Coffee chat"]
    assert sorted(s.to[0] for s in alone) == ["ana", "ben"]
    # Neither learns that the other asked not to be paired with them.
    for told in alone:
        other = "ben" if told.to == ("ana",) else "ana"
        assert other not in told.reply.text and "avoid" not in told.reply.text


async def test_rounds_survive_a_restart_and_a_late_start(
    settings: Settings, clock: ManualClock
) -> None:
    first = TestHarness(settings, clock)
    await first.start()
    try:
        group = await group_with(first, PEOPLE[:4])
    finally:
        await first.stop()
    # The bot is down over the first Monday and the next week: at start the late round
    # runs at once, and the next one keeps the Monday rhythm.
    clock.advance(MONDAY + WEEK + timedelta(days=2) - clock.now())
    second = TestHarness(settings, clock)
    await second.start()
    try:
        await second.core.tasks.settle()
        groups = introductions(second)
        assert len(groups) == 2 and set().union(*groups) == set(PEOPLE[:4])
        [pending] = await second.core.repos.jobs.pending_with_prefix(
            SCOPE, "groups.round", f"{group.id}:"
        )
        assert pending.due_at == MONDAY + 2 * WEEK
        made = await second.core.repos.groups.latest_round(group.id)
        assert made is not None and made.round_no == 1
        # Late by more than half a round: it starts now, with a full week ahead.
        assert made.ends_at == clock.now() + WEEK
    finally:
        await second.stop()


async def test_turning_pairing_off_cancels_the_next_round(
    harness: TestHarness, clock: ManualClock
) -> None:
    h = harness
    group = await group_with(h, PEOPLE[:4])
    assert "is off" in said(await h.run(STEW, '/group pairing off name:"Peds Peers"'))
    assert await h.core.repos.jobs.pending_with_prefix(SCOPE, "groups.round", "") == []
    await advance(h, clock, MONDAY + WEEK)
    assert introductions(h) == []
    assert (await h.core.repos.groups.get(group.id)).pairing is None  # type: ignore[union-attr]


async def test_a_member_who_left_is_not_paired_and_their_history_goes(
    harness: TestHarness, clock: ManualClock
) -> None:
    h = harness
    group = await group_with(h, PEOPLE[:4])
    await advance(h, clock, MONDAY)
    assert len(await h.core.repos.groups.history(group.id)) == 2
    await h.run("ana", '/group leave name:"Peds Peers"')
    assert len(await h.core.repos.groups.history(group.id)) == 1
    mark = len(h.recorder.sent)
    await advance(h, clock, MONDAY + WEEK)
    [triple] = introductions(h, mark)
    assert triple == frozenset(PEOPLE[1:4])


async def test_only_stewards_set_the_cadence_and_only_members_opt_in(
    harness: TestHarness,
) -> None:
    h = harness
    await group_with(h, PEOPLE[:2])
    refusal = said(await h.run("ana", '/group pairing monthly name:"Peds Peers"'))
    assert refusal.startswith("I can't find a group called `Peds Peers`")
    outsider = said(await h.run("zed", '/group pairing join name:"Peds Peers"'))
    assert outsider == refusal
    snooze = said(await h.run("zed", '/group pairing snooze name:"Peds Peers"'))
    assert snooze == refusal


async def test_a_late_round_is_not_followed_by_another_days_later(
    harness: TestHarness, clock: ManualClock
) -> None:
    h = harness
    group = await group_with(h, PEOPLE[:4])
    # Nothing ran until Saturday (the bot was down): one round now, the next a week on
    # rather than on the Monday two days away.
    await advance(h, clock, MONDAY + timedelta(days=5))
    assert len(introductions(h)) == 2
    [pending] = await h.core.repos.jobs.pending_with_prefix(SCOPE, "groups.round", f"{group.id}:")
    assert pending.due_at == MONDAY + 2 * WEEK

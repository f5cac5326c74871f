"""Coffee-chat pairing in a group: stewards set a cadence, members opt in, and each round
pairs them (a triple when the count is odd), avoiding repeats for as long as possible.

Each round is a scheduled job keyed by the group and the round's number, so a restart
finds it and a round is never made twice; it introduces each pair by DM and schedules a
"did you meet?" check-in halfway through. Members can sit out a round, and keep a
confidential "don't pair me with" list that holds in every group.
"""

from __future__ import annotations

import asyncio
import logging
import zlib
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta

from bot.context import Context
from bot.core import Core
from bot.errors import UserError
from bot.guard import inert
from bot.model import Button, ButtonStyle, Reply
from bot.options import row_id
from cogs.groups.pairing import pair_members
from cogs.groups.service import PURPOSE
from storage.groups import CHECKIN_ANSWERS, Group, Membership, Round
from storage.models import Job

log = logging.getLogger(__name__)

ROUND_JOB = "groups.round"
CHECKIN_JOB = "groups.checkin"
CHECKIN_ACTION = "groups.met"
FIRST_ROUND_AT = time(9, 0)  # rounds start on a Monday morning, community time
PERIODS = {
    "weekly": relativedelta(weeks=1),
    "biweekly": relativedelta(weeks=2),
    "monthly": relativedelta(months=1),
}
NOUN = {"weekly": "this week's", "biweekly": "these two weeks'", "monthly": "this month's"}
ANSWER_TEXT = {"met": "We met", "not_yet": "Not yet", "no": "It didn't work out"}


class PairingService:
    def __init__(self, core: Core) -> None:
        self.core = core
        self.repo = core.repos.groups

    def _now(self) -> datetime:
        return self.core.clock.now()

    def _mention(self, group: Group, user_id: str) -> str:
        transport = self.core.delivery.transport(group.scope)
        return transport.mention(user_id) if transport else user_id

    def _when(self, group: Group, when: datetime, zone: str) -> str:
        transport = self.core.delivery.transport(group.scope)
        return transport.format_time(when, zone) if transport else f"{when:%Y-%m-%d %H:%M} UTC"

    # ----- stewards ---------------------------------------------------------------------

    async def set_cadence(self, ctx: Context, group: Group, cadence: str | None) -> Reply:
        name = inert(group.name)
        async with self.core.db.transaction():
            group = await self.repo.update(group.id, self._now(), pairing=cadence)
            await ctx.audit(
                "groups.pairing",
                target=f"group:{group.id}",
                detail={"cadence": cadence},
                summary=f"set coffee-chat pairing in {name} to {cadence or 'off'}",
            )
        await self.core.scheduler.cancel_prefix(group.scope, ROUND_JOB, f"{group.id}:")
        if cadence is None:
            return Reply(f"Coffee-chat pairing in **{name}** is off.")
        zone = await ctx.timezone()
        first = first_round(self._now(), zone)
        await self._schedule_round(group, group.pairing_round + 1, first)
        return Reply(
            f"Coffee-chat pairing in **{name}** is {cadence}; the next round starts "
            f"{self._when(group, first, zone)}. Members opt in with "
            f"`/group pairing join name:{name}`.",
            title="Pairing on",
        )

    async def _schedule_round(self, group: Group, round_no: int, due: datetime) -> None:
        await self.core.scheduler.schedule(
            group.scope, ROUND_JOB, f"{group.id}:{round_no}", due, {"group": group.id}
        )

    async def next_round_at(self, group: Group) -> datetime | None:
        pending = await self.core.repos.jobs.pending_with_prefix(
            group.scope, ROUND_JOB, f"{group.id}:"
        )
        return min((job.due_at for job in pending), default=None)

    # ----- members ----------------------------------------------------------------------

    async def opt(self, ctx: Context, group: Group, membership: Membership, on: bool) -> Reply:
        name = inert(group.name)
        await self.repo.set_pairing_opt(membership.id, on, self._now())
        if not on:
            return Reply(f"You are out of coffee-chat pairing in **{name}**.")
        if not group.pairing:
            return Reply(
                f"You are in for coffee chats in **{name}**. Pairing is off there for now; "
                "you will be paired once its stewards turn it on."
            )
        return Reply(
            f"You are in for coffee chats in **{name}** ({group.pairing}). Each round you get "
            f"a DM introducing your pair. `/group pairing snooze name:{name}` sits out a round; "
            "`/group avoid member:` keeps someone from being paired with you, confidentially.",
            title="Pairing on",
        )

    async def snooze(self, ctx: Context, group: Group, membership: Membership) -> Reply:
        name = inert(group.name)
        if not membership.pairing:
            raise UserError(
                f"You are not in coffee-chat pairing in **{name}**; "
                f"`/group pairing join name:{name}` opts in."
            )
        upcoming = group.pairing_round + 1
        if membership.snooze_round == upcoming:
            await self.repo.snooze(membership.id, None, self._now())
            return Reply(f"You are back in the next round of **{name}**.")
        await self.repo.snooze(membership.id, upcoming, self._now())
        return Reply(
            f"You will sit out the next round in **{name}** and be paired again after it. "
            "Snooze again to undo."
        )

    async def status(self, ctx: Context, group: Group, membership: Membership | None) -> Reply:
        name = inert(group.name)
        lines = [f"Pairing in **{name}**: {group.pairing or 'off'}."]
        due = await self.next_round_at(group)
        if group.pairing and due is not None:
            lines.append(f"Next round: {self._when(group, due, await ctx.timezone())}.")
        if membership is not None and membership.active:
            if not membership.pairing:
                lines.append(f"You are not in it: `/group pairing join name:{name}`.")
            elif membership.snooze_round == group.pairing_round + 1:
                lines.append("You sit out the next round.")
            else:
                lines.append("You are in it.")
        return Reply("\n".join(lines), title="Coffee chats")

    async def steward_summary(self, group: Group) -> str:
        members = await self.repo.members(group.id)
        opted = sum(1 for m in members if m.pairing)
        text = f"{opted} member(s) opted in."
        last = await self.repo.latest_round(group.id)
        if last is not None:
            tally = await self.repo.checkin_tally(last.id)
            pairs = len(await self.repo.pairs(last.id))
            text += (
                f" Round {last.round_no}: {pairs} pair(s); {tally['met']} met, "
                f"{tally['not_yet']} not yet, {tally['no']} didn't work out"
                f"{f', {last.unpaired} without a pair' if last.unpaired else ''}."
            )
        return text

    async def avoid(self, ctx: Context, other: str, *, undo: bool) -> Reply:
        who = self._mention_scope(ctx, other)
        if other == ctx.actor.user_id:
            raise UserError("You cannot avoid yourself.")
        if undo:
            if not await self.repo.unavoid(ctx.scope, ctx.actor.user_id, other):
                raise UserError(f"{who} is not on your list.")
            return Reply(f"{who} is off your list; you may be paired again.")
        if not await self.repo.avoid(ctx.scope, ctx.actor.user_id, other, self._now()):
            return Reply(f"{who} is already on your list.")
        return Reply(
            f"You will never be paired with {who} in any group. Nobody is told, {who} included.",
            title="Don't pair me with",
        )

    async def avoid_list(self, ctx: Context) -> Reply:
        found = await self.repo.avoided_by(ctx.scope, [ctx.actor.user_id])
        others = sorted(found.get(ctx.actor.user_id, set()))
        if not others:
            return Reply(
                "Your list is empty. `/group avoid member:@name` keeps someone from being "
                "paired with you; nobody is told.",
                title="Don't pair me with",
            )
        return Reply(
            ", ".join(self._mention_scope(ctx, o) for o in others)
            + "\n\nOnly you see this list. `/group avoid member:@name undo:yes` takes one off.",
            title="Don't pair me with",
        )

    def _mention_scope(self, ctx: Context, user_id: str) -> str:
        transport = self.core.delivery.transport(ctx.scope)
        return transport.mention(user_id) if transport else user_id

    # ----- the rounds -------------------------------------------------------------------

    async def round_job(self, job: Job) -> None:
        group = await self.repo.get(int(job.payload["group"]))
        round_no = int(job.key.rpartition(":")[2])
        if group is None or group.pairing is None or round_no != group.pairing_round + 1:
            return  # pairing was turned off or re-planned: a newer job speaks
        period = PERIODS[group.pairing]
        now = self._now()
        # A round keeps its planned dates; one that comes very late (the bot was down)
        # starts now, so its members still get their time together.
        half = ((job.due_at + period) - job.due_at) / 2
        starts = now if now >= job.due_at + half else job.due_at
        made = await self.repo.start_round(group.id, round_no, starts, starts + period, now)
        if made is None:
            return
        # The next round keeps the planned rhythm, skipping slots missed while down and
        # one that would come too soon after a late round.
        due = job.due_at + period
        while due <= now + half:
            due += period
        await self._schedule_round(group, round_no + 1, due)
        await self._pair(group, made)
        await self.core.scheduler.schedule(
            group.scope,
            CHECKIN_JOB,
            str(made.id),
            made.starts_at + (made.ends_at - made.starts_at) / 2,
            {"round": made.id},
        )

    async def _pair(self, group: Group, made: Round) -> None:
        members = [
            m
            for m in await self.repo.members(group.id)
            if m.pairing and m.snooze_round != made.round_no
        ]
        by_key = {m.member_key: m for m in members}
        key_of = {m.user_id: m.member_key for m in members}
        lists = await self.repo.avoided_by(group.scope, list(key_of))
        excluded = {
            frozenset((key_of[owner], key_of[other]))
            for owner, others in lists.items()
            for other in others
            if other in key_of
        }
        history = await self.repo.history(group.id)
        seed = zlib.crc32(f"{group.id}:{made.round_no}".encode())
        result = await asyncio.to_thread(
            pair_members,
            sorted(by_key),
            history=history,
            excluded=excluded,
            round_no=made.round_no,
            seed=seed,
        )
        pairs = await self.repo.save_pairs(made, result.groups, len(result.unpaired), self._now())
        log.info(
            "group %s: round %d made %d pair(s), %d repeat(s), %d unpaired",
            group.id,
            made.round_no,
            len(pairs),
            result.repeats,
            len(result.unpaired),
        )
        zone = await self.core.community_timezone(group.scope)
        for pair in pairs:
            people = [by_key[k].user_id for k in pair.member_keys]
            await self.core.delivery.group_dm(
                group.scope, people, self._introduction(group, made, people, zone), purpose=PURPOSE
            )
        for key in result.unpaired:
            await self.core.delivery.dm(
                group.scope,
                by_key[key].user_id,
                Reply(
                    f"There was nobody to pair you with in **{inert(group.name)}** this round. "
                    "You are in the next one.",
                    title="Coffee chat",
                ),
                purpose=PURPOSE,
            )

    def _introduction(self, group: Group, made: Round, people: list[str], zone: str) -> Reply:
        names = [self._mention(group, p) for p in people]
        together = (
            " and ".join([", ".join(names[:-1]), names[-1]])
            if len(names) > 2
            else (" and ".join(names))
        )
        noun = NOUN.get(group.pairing or "", "this round's")
        return Reply(
            f"You are paired for {noun} coffee chat in **{inert(group.name)}**: {together}. "
            f"Find half an hour before {self._when(group, made.ends_at, zone)}; a video call "
            "is fine. Halfway through we'll ask whether you met.",
            title="Your coffee chat",
        )

    async def checkin_relevant(self, job: Job) -> bool:
        made = await self.repo.round(int(job.payload["round"]))
        return made is not None and self._now() < made.ends_at

    async def checkin_job(self, job: Job) -> None:
        made = await self.repo.round(int(job.payload["round"]))
        group = await self.repo.get(made.group_id) if made else None
        if made is None or group is None:
            return
        members = {m.member_key: m for m in await self.repo.members(group.id)}
        for pair in await self.repo.pairs(made.id):
            present = [members[k] for k in pair.member_keys if k in members]
            for member in present:
                others = [self._mention(group, o.user_id) for o in present if o is not member]
                if not others:
                    continue
                await self.core.delivery.dm(
                    group.scope,
                    member.user_id,
                    Reply(
                        f"Did you meet {' and '.join(others)} for your coffee chat in "
                        f"**{inert(group.name)}**? Only the stewards see how many pairs met.",
                        title="Coffee chat check-in",
                        buttons=[
                            Button(
                                ANSWER_TEXT[a],
                                CHECKIN_ACTION,
                                f"{pair.id}:{a}",
                                ButtonStyle.SUCCESS if a == "met" else ButtonStyle.SECONDARY,
                            )
                            for a in CHECKIN_ANSWERS
                        ],
                    ),
                    purpose=PURPOSE,
                )

    async def answer_checkin(self, ctx: Context, target: str) -> Reply:
        pair_part, _, answer = target.partition(":")
        number = row_id(pair_part)
        pair = await self.repo.pair(number) if number is not None else None
        group = await self.repo.get(pair.group_id) if pair else None
        key = await self.repo.member_key(pair.group_id, ctx.actor.user_id) if pair else None
        if (
            pair is None
            or group is None
            or group.scope != ctx.scope
            or key not in pair.member_keys
            or answer not in CHECKIN_ANSWERS
        ):
            raise UserError("This check-in is not yours, or no longer open.")
        assert key is not None
        await self.repo.check_in(pair.id, key, answer, self._now())
        thanks = {
            "met": "Wonderful, thank you!",
            "not_yet": "Thanks; there is still time this round.",
            "no": "Thanks for saying; you will get a new pair next round.",
        }
        return Reply(thanks[answer])


def first_round(now: datetime, zone: str) -> datetime:
    """The coming Monday at 9:00 in the community's zone (later today if it is Monday
    before 9)."""
    local = now.astimezone(ZoneInfo(zone))
    days = (0 - local.weekday()) % 7
    start = datetime.combine(local.date() + timedelta(days=days), FIRST_ROUND_AT, local.tzinfo)
    if start <= local:
        start += timedelta(days=7)
    return start.astimezone(now.tzinfo)

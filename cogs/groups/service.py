"""Peer groups as a service: find a group as this member may see it, create and edit
groups and chapters, join (at once, or by the stewards' approval), invite, leave and
remove, the group's private space on the platform, posts (anonymous too) and announcements.

Privacy rules, kept everywhere here:
* A group this member may not use is answered exactly like a group that does not exist
  (`access.not_found`).
* Every message about a group goes out with one outbox purpose, "groups", so delivery
  records never say which group a member is in; audit rows and moderator-log notes name
  the group and who acted (a steward or moderator), never the member it was about.
* Logs name groups by id and never name a member.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from bot.context import Context
from bot.core import Core
from bot.errors import UserError
from bot.guard import inert
from bot.model import Button, ButtonStyle, Field, Reply
from bot.options import row_id
from bot.transport import DeliveryFailed
from cogs.groups.access import Viewer, knows_of, manages, not_found
from storage import outbox
from storage.groups import (
    ACTIVE,
    INVITED,
    LEAVING,
    MEMBER,
    OPEN,
    REQUESTED,
    STEWARD,
    Group,
    GroupDraft,
    Membership,
)
from storage.models import Job, Scope

log = logging.getLogger(__name__)

PURPOSE = "groups"  # one outbox purpose for every group message: which group stays out
SYNC_JOB = "groups.sync"
# Retrying a platform that refused to change a space's access: soon, then less often.
SYNC_RETRY_MINUTES = (1, 5, 30, 120, 360, 720)
SYNC_ATTEMPTS = 12
APPROVE = "groups.approve"
DENY = "groups.deny"
ACCEPT = "groups.accept"
DECLINE = "groups.decline"
GONE = "This request was already decided, or withdrawn."


def still_revoking(whom: str) -> str:
    return (
        f"Closing its private space to {whom} is still pending: the platform refused for now. "
        "The bot keeps trying, and the moderators are told."
    )


Allowed = Callable[[Group, Viewer], bool]


class GroupService:
    def __init__(self, core: Core) -> None:
        self.core = core
        self.repo = core.repos.groups
        self._space_locks: dict[int, asyncio.Lock] = {}

    def _now(self) -> datetime:
        return self.core.clock.now()

    # ----- naming -----------------------------------------------------------------------

    def mention(self, scope: Scope, user_id: str) -> str:
        transport = self.core.delivery.transport(scope)
        return transport.mention(user_id) if transport else user_id

    def space_label(self, group: Group) -> str | None:
        if not group.space_ref:
            return None
        transport = self.core.delivery.transport(group.scope)
        return transport.channel_label(group.space_ref) if transport else group.space_ref

    # ----- finding a group as this member may see it ------------------------------------

    async def viewers(self, ctx: Context, groups: Sequence[Group]) -> dict[int, Viewer]:
        """Each group's viewer for the member acting: one lookup for them all."""
        ids = {g.id for g in groups} | {g.parent_id for g in groups if g.parent_id}
        rows = await self.repo.memberships_of(ctx.actor.user_id, ids)
        found = {}
        for group in groups:
            own = rows.get(group.id)
            parent = rows.get(group.parent_id) if group.parent_id else None
            found[group.id] = Viewer(
                is_moderator=ctx.is_moderator,
                status=own.status if own else None,
                role=own.role if own else None,
                parent_steward=bool(parent and parent.steward),
            )
        return found

    async def viewer(self, ctx: Context, group: Group) -> Viewer:
        return (await self.viewers(ctx, [group]))[group.id]

    async def find(
        self, ctx: Context, name: str | None, allowed: Allowed = knows_of
    ) -> tuple[Group, Viewer]:
        """The group by name, if this member may know of it and `allowed` says yes;
        otherwise the same refusal as for a name nobody uses."""
        group = await self.repo.by_name(ctx.scope, name) if name and name.strip() else None
        if group is None:
            raise not_found(name)
        viewer = await self.viewer(ctx, group)
        if not knows_of(group, viewer) or not allowed(group, viewer):
            raise not_found(name)
        return group, viewer

    async def known(self, ctx: Context) -> list[tuple[Group, Viewer]]:
        """Every group this member may know of, by name."""
        groups = await self.repo.all(ctx.scope)
        viewers = await self.viewers(ctx, groups)
        return [(g, viewers[g.id]) for g in groups if knows_of(g, viewers[g.id])]

    async def stewards(self, group: Group) -> list[str]:
        """Who decides for the group: its stewards, or else its parent's."""
        own = [m.user_id for m in await self.repo.members(group.id) if m.steward]
        if own or group.parent_id is None:
            return own
        return [m.user_id for m in await self.repo.members(group.parent_id) if m.steward]

    # ----- creating and changing groups -------------------------------------------------

    async def create(self, ctx: Context, draft: GroupDraft, stewards: Sequence[str]) -> Group:
        async with self.core.db.transaction():
            group = await self.repo.create(
                ctx.scope, draft, stewards, ctx.actor.user_id, self._now()
            )
            if group is None:
                raise UserError(
                    f"A group called `{inert(draft.name)}` already exists; choose another name."
                )
            await ctx.audit(
                "groups.create",
                target=f"group:{group.id}",
                detail={
                    "visibility": group.visibility,
                    "join": group.join_policy,
                    "chapter_of": group.parent_id,
                    "stewards": len(stewards),
                },
                summary=f"created the {group.visibility} group {inert(group.name)}",
            )
        group = await self.ensure_space(group)
        for membership in await self.repo.members(group.id):
            group = await self.grant(group, membership)
            await self._dm(
                group.scope,
                membership.user_id,
                Reply(
                    f"You are a steward of **{inert(group.name)}** ({group.visibility}). "
                    "You decide on requests to join, can invite and remove members, post "
                    f"announcements and run coffee-chat pairing: `/group help`."
                    + self._space_line(group),
                    title="You are a group steward",
                ),
            )
        return group

    async def edit(self, ctx: Context, group: Group, **changes: str) -> Group:
        async with self.core.db.transaction():
            if "name" in changes:
                taken = await self.repo.by_name(ctx.scope, changes["name"])
                if taken is not None and taken.id != group.id:
                    raise UserError(f"A group called `{inert(changes['name'])}` already exists.")
            edited = await self.repo.update(group.id, self._now(), **changes)
            await ctx.audit(
                "groups.edit",
                target=f"group:{group.id}",
                detail={"changed": sorted(changes)},
                summary=f"changed {', '.join(sorted(changes))} of the group {inert(edited.name)}",
            )
        return edited

    async def set_steward(self, ctx: Context, group: Group, user_id: str, *, remove: bool) -> str:
        who = self.mention(ctx.scope, user_id)
        membership = await self.repo.membership(group.id, user_id)
        if remove:
            if membership is None or not membership.steward:
                raise UserError(f"{who} is not a steward of **{inert(group.name)}**.")
            async with self.core.db.transaction():
                await self.repo.set_role(membership.id, MEMBER, self._now())
                await ctx.audit(
                    "groups.steward_removed",
                    target=f"group:{group.id}",
                    summary=f"removed a steward of the group {inert(group.name)}",
                )
            return f"{who} is no longer a steward of **{inert(group.name)}** (still a member)."
        if membership is not None and membership.steward:
            raise UserError(f"{who} is already a steward of **{inert(group.name)}**.")
        async with self.core.db.transaction():
            if membership is None or membership.status == LEAVING:
                if membership is not None:
                    await self.repo.remove(membership)
                added = await self.repo.add(
                    group.id, user_id, role=STEWARD, status=ACTIVE, note=None, now=self._now()
                )
                assert added is not None
                membership = added
            else:
                await self.repo.move(
                    membership.id, (ACTIVE, REQUESTED, INVITED), ACTIVE, self._now(), role=STEWARD
                )
            await ctx.audit(
                "groups.steward_added",
                target=f"group:{group.id}",
                summary=f"made a member a steward of the group {inert(group.name)}",
            )
        fresh = await self.repo.membership_by_id(membership.id)
        assert fresh is not None
        group = await self.grant(group, fresh)
        await self._dm(
            ctx.scope,
            user_id,
            Reply(
                f"You are now a steward of **{inert(group.name)}**: `/group help` shows what "
                "stewards can do." + self._space_line(group),
                title="You are a group steward",
            ),
        )
        return f"{who} is now a steward of **{inert(group.name)}**."

    # ----- joining, approvals and invitations -------------------------------------------

    async def join(self, ctx: Context, group: Group, viewer: Viewer, note: str | None) -> Reply:
        name = inert(group.name)
        if viewer.member:
            return Reply(f"You are already in **{name}**.")
        if viewer.status == REQUESTED:
            return Reply(
                f"Your request to join **{name}** is with its stewards; you will hear privately."
            )
        if viewer.status == LEAVING:
            raise UserError(f"You have just left **{name}**; try again in a few minutes.")
        if viewer.invited:
            membership = await self.repo.membership(group.id, ctx.actor.user_id)
            assert membership is not None
            return await self._accept(ctx, group, membership)
        if group.join_policy == OPEN or manages(group, viewer):
            added = await self.repo.add(
                group.id, ctx.actor.user_id, role=MEMBER, status=ACTIVE, note=None, now=self._now()
            )
            if added is None:
                return Reply(f"You are already in **{name}**.")
            group = await self.grant(group, added)
            return Reply(f"You joined **{name}**.{self._space_line(group)}", title="Welcome")
        requested = await self.repo.add(
            group.id, ctx.actor.user_id, role=MEMBER, status=REQUESTED, note=note, now=self._now()
        )
        if requested is None:
            return Reply(f"Your request to join **{name}** is already with its stewards.")
        await self._ask_stewards(ctx, group, requested, note)
        return Reply(
            f"Your request to join **{name}** is with its stewards. You will hear privately "
            "whether it is approved; nobody else is told.",
            title="Request sent",
        )

    async def _ask_stewards(
        self, ctx: Context, group: Group, membership: Membership, note: str | None
    ) -> None:
        stewards = await self.stewards(group)
        text = (
            f"{self.mention(ctx.scope, membership.user_id)} asks to join "
            f"**{inert(group.name)}** ({group.visibility})."
        )
        if note:
            text += f"\n\nTheir note: {inert(note)}"
        text += "\n\nWho asked and what they wrote is seen only by the group's stewards."
        reply = Reply(
            text,
            title=f"A request to join {inert(group.name)}",
            buttons=request_buttons(membership.id),
        )
        refs = []
        for steward in stewards:
            outcome = await self.core.delivery.dm(ctx.scope, steward, reply, purpose=PURPOSE)
            # Only a real DM can be edited later (Slack cannot edit an ephemeral fallback).
            if outcome.status == outbox.SENT and outcome.message_ref:
                refs.append(outcome.message_ref)
        await self.repo.set_request_refs(membership.id, refs)
        if not stewards:
            await self.core.delivery.to_modlog(
                ctx.scope,
                f"A request to join **{inert(group.name)}** waits, and the group has no "
                f"stewards: `/group requests name:{inert(group.name)}` to decide.",
                purpose=PURPOSE,
            )

    async def request(self, ctx: Context, target: str) -> tuple[Group, Membership]:
        """The request a steward's button names, if it is still open and theirs to decide."""
        membership = await self._membership_named(target)
        group = await self.repo.get(membership.group_id) if membership else None
        if membership is None or group is None or group.scope != ctx.scope:
            raise UserError(GONE)
        if not manages(group, await self.viewer(ctx, group)):
            raise UserError(GONE)
        return group, membership

    async def _membership_named(self, target: str) -> Membership | None:
        number = row_id(target)
        return await self.repo.membership_by_id(number) if number is not None else None

    async def approve(self, ctx: Context, group: Group, membership: Membership) -> Reply:
        name = inert(group.name)
        async with self.core.db.transaction():
            if not await self.repo.move(membership.id, (REQUESTED,), ACTIVE, self._now()):
                raise UserError(GONE)
            await ctx.audit(
                "groups.approve",
                target=f"group:{group.id}",
                summary=f"approved a request to join the group {name}",
            )
        fresh = await self.repo.membership_by_id(membership.id)
        assert fresh is not None
        group = await self.grant(group, fresh)
        await self._dm(
            ctx.scope,
            membership.user_id,
            Reply(
                f"Your request to join **{name}** was approved. Welcome!" + self._space_line(group),
                title="You're in",
            ),
        )
        who = self.mention(ctx.scope, membership.user_id)
        await self._close_request(
            group,
            membership,
            f"{who}'s request to join **{name}** was approved by "
            f"{self.mention(ctx.scope, ctx.actor.user_id)}.",
        )
        return Reply(f"{who} is now a member of **{name}**; they were told privately.")

    async def deny(self, ctx: Context, group: Group, membership: Membership) -> Reply:
        name = inert(group.name)
        refs = await self.repo.request_refs(membership.id)
        async with self.core.db.transaction():
            current = await self.repo.membership_by_id(membership.id)
            if current is None or current.status != REQUESTED:
                raise UserError(GONE)
            await self.repo.remove(current)
            await ctx.audit(
                "groups.deny",
                target=f"group:{group.id}",
                summary=f"declined a request to join the group {name}",
            )
        await self._dm(
            ctx.scope,
            membership.user_id,
            Reply(
                f"Your request to join **{name}** was not approved this time. Nobody else is told.",
                title="Your request to join a group",
            ),
        )
        who = self.mention(ctx.scope, membership.user_id)
        await self._close_refs(
            ctx.scope,
            refs,
            f"{who}'s request to join **{name}** was declined by "
            f"{self.mention(ctx.scope, ctx.actor.user_id)}.",
        )
        return Reply(f"The request from {who} is declined; they were told privately.")

    async def _close_request(self, group: Group, membership: Membership, text: str) -> None:
        await self._close_refs(group.scope, await self.repo.request_refs(membership.id), text)
        await self.repo.set_request_refs(membership.id, [])

    async def _close_refs(self, scope: Scope, refs: Sequence[str], text: str) -> None:
        """Every steward's copy of the request now says how it ended, without buttons."""
        for ref in refs:
            await self.core.delivery.edit(scope, ref, Reply(text, title="Request decided"))

    async def invite(self, ctx: Context, group: Group, user_id: str) -> Reply:
        name = inert(group.name)
        who = self.mention(ctx.scope, user_id)
        membership = await self.repo.membership(group.id, user_id)
        if membership is not None and membership.status == REQUESTED:
            return await self.approve(ctx, group, membership)
        if membership is not None:
            state = {
                ACTIVE: f"is already a member of **{name}**",
                INVITED: f"is already invited to **{name}**",
            }
            raise UserError(f"{who} {state.get(membership.status, f'is just leaving **{name}**')}.")
        async with self.core.db.transaction():
            added = await self.repo.add(
                group.id, user_id, role=MEMBER, status=INVITED, note=None, now=self._now()
            )
            assert added is not None
            await ctx.audit(
                "groups.invite",
                target=f"group:{group.id}",
                summary=f"invited a member to the group {name}",
            )
        description = f"\n\n{inert(group.description)}" if group.description else ""
        await self._dm(
            ctx.scope,
            user_id,
            Reply(
                f"{self.mention(ctx.scope, ctx.actor.user_id)} invites you to join "
                f"**{name}** ({group.visibility}).{description}\n\nIf you decline, nobody is "
                "told.",
                title=f"An invitation to {name}",
                buttons=[
                    Button("Accept", ACCEPT, str(added.id), ButtonStyle.SUCCESS),
                    Button("Decline", DECLINE, str(added.id), ButtonStyle.SECONDARY),
                ],
            ),
        )
        return Reply(f"{who} is invited to **{name}**; they can accept or decline privately.")

    async def invitation(self, ctx: Context, target: str) -> tuple[Group, Membership]:
        membership = await self._membership_named(target)
        group = await self.repo.get(membership.group_id) if membership else None
        if (
            membership is None
            or group is None
            or group.scope != ctx.scope
            or membership.user_id != ctx.actor.user_id
            or membership.status != INVITED
        ):
            raise UserError("This invitation was already answered, or withdrawn.")
        return group, membership

    async def _accept(self, ctx: Context, group: Group, membership: Membership) -> Reply:
        if not await self.repo.move(membership.id, (INVITED,), ACTIVE, self._now()):
            raise UserError("This invitation was already answered, or withdrawn.")
        fresh = await self.repo.membership_by_id(membership.id)
        assert fresh is not None
        group = await self.grant(group, fresh)
        return Reply(
            f"You joined **{inert(group.name)}**.{self._space_line(group)}", title="Welcome"
        )

    async def accept(self, ctx: Context, target: str) -> Reply:
        group, membership = await self.invitation(ctx, target)
        return await self._accept(ctx, group, membership)

    async def decline(self, ctx: Context, target: str) -> Reply:
        group, membership = await self.invitation(ctx, target)
        await self.repo.remove(membership)
        return Reply(f"You declined the invitation to **{inert(group.name)}**. Nobody is told.")

    # ----- leaving and removal ----------------------------------------------------------

    async def leave(self, ctx: Context, group: Group) -> Reply:
        membership = await self.repo.membership(group.id, ctx.actor.user_id)
        if membership is None or membership.status == LEAVING:
            raise not_found(group.name)
        name = inert(group.name)
        if membership.status == REQUESTED:
            refs = await self.repo.request_refs(membership.id)
            await self.repo.remove(membership)
            await self._close_refs(ctx.scope, refs, f"A request to join **{name}** was withdrawn.")
            return Reply(f"Your request to join **{name}** is withdrawn.")
        if membership.status == INVITED:
            await self.repo.remove(membership)
            return Reply(f"You declined the invitation to **{name}**. Nobody is told.")
        if not await self.drop(group, membership):
            return Reply(f"You left **{name}**. {still_revoking('you')}")
        return Reply(f"You left **{name}**; its space is closed to you now.")

    async def remove(self, ctx: Context, group: Group, user_id: str, reason: str | None) -> Reply:
        name = inert(group.name)
        who = self.mention(ctx.scope, user_id)
        membership = await self.repo.membership(group.id, user_id)
        if membership is None:
            raise UserError(f"{who} is not in **{name}**.")
        if membership.status == LEAVING:
            raise UserError(f"{who} has left **{name}**. {still_revoking('them')}")
        async with self.core.db.transaction():
            await ctx.audit(
                "groups.remove",
                target=f"group:{group.id}",
                summary=f"removed a member from the group {name}",
            )
        revoked = await self.drop(group, membership)
        if membership.status == ACTIVE:
            why = f"\n\nFrom the stewards: {inert(reason)}" if reason else ""
            await self._dm(
                ctx.scope,
                user_id,
                Reply(
                    f"You were removed from **{name}** by its stewards.{why}",
                    title="Removed from a group",
                ),
            )
        if not revoked:
            return Reply(f"{who} is removed from **{name}**. {still_revoking('them')}")
        return Reply(f"{who} is removed from **{name}** and no longer sees its space.")

    async def drop(self, group: Group, membership: Membership) -> bool:
        """Forget a membership and take its access away at once. If the platform refuses,
        the row waits as `leaving` (no longer a member) and the sync job retries."""
        if not await self._revoke(group, membership):
            await self.repo.move(membership.id, (membership.status,), LEAVING, self._now())
            await self.retry_sync(group)
            # People should act now, not after the retries: someone who left can still read.
            await self.core.delivery.to_modlog(
                group.scope,
                f"Someone left **{inert(group.name)}**, but the platform refused to take away "
                "their access to its private space. The bot keeps trying; check that it may "
                "manage the channel's permissions.",
                purpose=PURPOSE,
            )
            return False
        await self.repo.remove(membership)
        return True

    async def forget_member(self, scope: Scope, user_id: str) -> int:
        """Someone left the community: out of every group (and its space), requests and
        invitations withdrawn. Returns how many rows went."""
        groups = await self.repo.all(scope)
        rows = await self.repo.memberships_of(user_id, [g.id for g in groups])
        by_id = {g.id: g for g in groups}
        for group_id, membership in rows.items():
            await self.drop(by_id[group_id], membership)
        if rows:
            log.info("a member left the community: %d group row(s) dropped", len(rows))
        return len(rows)

    # ----- the group's space on the platform --------------------------------------------

    def _space_line(self, group: Group) -> str:
        label = self.space_label(group)
        return f" Its private space: {label}." if label else ""

    async def ensure_space(self, group: Group, *, retry: bool = True) -> Group:
        """The group's private channel, made now if the platform has them and it has none.
        One at a time per group, re-read inside the lock: two members joining at once must
        not make two channels."""
        spaces = self.core.delivery.spaces(group.scope)
        if spaces is None or group.space_ref:
            return group
        async with self._space_locks.setdefault(group.id, asyncio.Lock()):
            current = await self.repo.get(group.id)
            if current is None or current.space_ref:
                return current or group
            topic = f"{current.name}: {current.description}"[:250]
            try:
                ref = await spaces.create_space(current.scope, current.name, topic)
            except DeliveryFailed as exc:
                log.warning("group %s: its space could not be made (%s)", group.id, exc.code)
                if retry:
                    await self.retry_sync(current)
                return current
            return await self.repo.update(group.id, self._now(), space_ref=ref)

    async def grant(self, group: Group, membership: Membership) -> Group:
        """Let a member into the space; returns the group as it now is (its space may have
        been made just now). A refusal is retried by the sync job."""
        spaces = self.core.delivery.spaces(group.scope)
        if spaces is not None and not await self._grant(group, membership):
            await self.retry_sync(group)
        return await self.repo.get(group.id) or group

    async def _grant(self, group: Group, membership: Membership) -> bool:
        spaces = self.core.delivery.spaces(group.scope)
        if spaces is None:
            return False
        group = await self.ensure_space(group)
        if not group.space_ref:
            return False
        try:
            await spaces.grant_space(group.scope, group.space_ref, membership.user_id)
        except DeliveryFailed as exc:
            log.warning("group %s: space access not granted (%s)", group.id, exc.code)
            return False
        await self.repo.set_access(membership.id, True, self._now())
        return True

    async def _revoke(self, group: Group, membership: Membership) -> bool:
        spaces = self.core.delivery.spaces(group.scope)
        if spaces is None or not group.space_ref:
            return True
        try:
            # Always, even without a recorded grant: one may have landed unrecorded.
            await spaces.revoke_space(group.scope, group.space_ref, membership.user_id)
        except DeliveryFailed as exc:
            log.warning("group %s: space access not revoked (%s)", group.id, exc.code)
            return False
        return True

    async def retry_sync(self, group: Group, attempt: int = 0) -> None:
        """Bring the space in line with the members later (once per group at a time)."""
        prefix = f"{group.id}:"
        if await self.core.repos.jobs.pending_with_prefix(group.scope, SYNC_JOB, prefix):
            return
        minutes = SYNC_RETRY_MINUTES[min(attempt, len(SYNC_RETRY_MINUTES) - 1)]
        due = self._now() + timedelta(minutes=minutes)
        await self.core.scheduler.schedule(
            group.scope,
            SYNC_JOB,
            f"{prefix}{int(due.timestamp())}",
            due,
            {"group": group.id, "attempt": attempt},
        )

    async def sync_job(self, job: Job) -> None:
        group = await self.repo.get(int(job.payload["group"]))
        if group is None or self.core.delivery.spaces(group.scope) is None:
            return
        attempt = int(job.payload.get("attempt", 0))
        group = await self.ensure_space(group, retry=False)
        behind = 0 if group.space_ref else 1
        waiting = await self.repo.needing_sync(group.id) if group.space_ref else []
        for membership in waiting:
            if membership.status == LEAVING:
                if await self._revoke(group, membership):
                    await self.repo.remove(membership)
                else:
                    behind += 1
            elif not await self._grant(group, membership):
                behind += 1
        if behind == 0:
            return
        if attempt + 1 >= SYNC_ATTEMPTS:
            log.error("group %s: its space is still out of step after %d tries", group.id, attempt)
            await self.core.delivery.to_modlog(
                group.scope,
                f"The private space of **{inert(group.name)}** could not be brought in line "
                f"with its members after {SYNC_ATTEMPTS} tries. Check that the bot may manage "
                "channels and their permissions; it tries again when someone joins or leaves.",
                purpose=PURPOSE,
            )
            return
        await self.retry_sync(group, attempt + 1)

    # ----- posts and announcements ------------------------------------------------------

    async def post(self, ctx: Context, group: Group, text: str, *, anonymous: bool) -> Reply:
        group = await self.ensure_space(group)
        if not group.space_ref:
            raise UserError(
                f"**{inert(group.name)}** has no private space here yet, so nothing was posted."
            )
        membership = await self.repo.membership(group.id, ctx.actor.user_id)
        assert membership is not None
        post_id = await self.repo.add_post(
            membership, anonymous=anonymous, message_ref=None, now=self._now()
        )
        author = "an anonymous member" if anonymous else self.mention(ctx.scope, ctx.actor.user_id)
        outcome = await self.core.delivery.post(
            ctx.scope,
            group.space_ref,
            Reply.public(
                inert(text),
                fields=[
                    Field("From", author, inline=True),
                    Field("Post", f"#{post_id}", inline=True),
                ],
            ),
            purpose=PURPOSE,
        )
        if outcome.message_ref is None:
            await self.repo.delete_post(post_id)
            raise UserError(
                "The platform refused the post, so nothing was posted. Please try again later."
            )
        await self.repo.set_post_ref(post_id, outcome.message_ref)
        hidden = (
            " Members see it as from an anonymous member; only a steward can reveal the author, "
            "in an audited step, for safety reasons."
            if anonymous
            else ""
        )
        return Reply(f"Posted in {self.space_label(group)} as post #{post_id}.{hidden}")

    async def reveal(self, ctx: Context, typed: str | None, reason: str) -> Reply:
        number = row_id(typed)
        post = await self.repo.post(number) if number is not None else None
        group = await self.repo.get(post.group_id) if post else None
        if (
            post is None
            or group is None
            or group.scope != ctx.scope
            or not manages(group, await self.viewer(ctx, group))
        ):
            raise UserError(
                f"There is no post `{inert((typed or '').strip())[:12]}` whose author you can "
                "reveal."
            )
        if not post.anonymous:
            raise UserError(f"Post #{post.id} was not anonymous; its author is shown on it.")
        async with self.core.db.transaction():
            await ctx.audit(
                "groups.reveal",
                target=f"post:{post.id}",
                detail={"reason": reason, "group": group.id},
                summary=f"revealed the author of anonymous post #{post.id} in "
                f"{inert(group.name)} (reason: {reason})",
            )
        return Reply(
            f"Post #{post.id} in **{inert(group.name)}** was written by "
            f"{self.mention(ctx.scope, post.author_id)}. This reveal is in the audit log; "
            "please handle it with care.",
            title="Anonymous author revealed",
        )

    async def announce(self, ctx: Context, group: Group, text: str, *, by_dm: bool) -> Reply:
        name = inert(group.name)
        reply = Reply.public(
            inert(text),
            title=f"From the stewards of {name}",
            fields=[Field("By", self.mention(ctx.scope, ctx.actor.user_id), inline=True)],
        )
        if by_dm:
            members = [m.user_id for m in await self.repo.members(group.id)]
            async with self.core.db.transaction():
                await ctx.audit(
                    "groups.announce",
                    target=f"group:{group.id}",
                    detail={"by": "dm", "recipients": len(members)},
                    summary=f"sent an announcement to the members of {name} by DM",
                )
            self.core.tasks.spawn(self._dm_all(ctx.scope, members, reply), name="groups:announce")
            return Reply(f"Your announcement is on its way to {len(members)} member(s) by DM.")
        group = await self.ensure_space(group)
        if not group.space_ref:
            raise UserError(f"**{name}** has no private space here; use `dm:yes` instead.")
        async with self.core.db.transaction():
            await ctx.audit(
                "groups.announce",
                target=f"group:{group.id}",
                detail={"by": "space"},
                summary=f"posted an announcement in the space of {name}",
            )
        outcome = await self.core.delivery.post(ctx.scope, group.space_ref, reply, purpose=PURPOSE)
        if outcome.message_ref is None:
            raise UserError("The platform refused the announcement; try `dm:yes` instead.")
        return Reply(f"Announced in {self.space_label(group)}.")

    async def _dm_all(self, scope: Scope, user_ids: Sequence[str], reply: Reply) -> None:
        for user_id in user_ids:
            await self._dm(scope, user_id, reply)

    async def _dm(self, scope: Scope, user_id: str, reply: Reply) -> None:
        await self.core.delivery.dm(scope, user_id, reply, purpose=PURPOSE)


def request_buttons(membership_id: int, number: int | None = None) -> list[Button]:
    """Approve and Deny; numbered when a list holds several requests."""
    suffix = "" if number is None else f" {number}"
    return [
        Button(f"Approve{suffix}", APPROVE, str(membership_id), ButtonStyle.SUCCESS),
        Button(f"Deny{suffix}", DENY, str(membership_id), ButtonStyle.DANGER),
    ]


def members_text(count: int) -> str:
    """A listed group's size; a small group's exact size would say too much about who."""
    return "fewer than 5 members" if count < 5 else f"{count} members"

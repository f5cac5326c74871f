"""/group: private peer communities (a national group with a chapter per school, say),
with hidden membership, joining by the stewards' approval, a private space on the platform,
anonymous posts and coffee-chat pairing.

Who is in a private or secret group never shows to anyone outside it: every refusal reads
exactly like the answer for a group that does not exist, autocomplete only offers groups
the member may know of, and replies about groups are private. The rules are in
`access.py`, the flows in `service.py` (membership, space, posts) and `rounds.py`
(pairing); this module declares the commands, buttons and jobs.
"""

from __future__ import annotations

from bot.context import Context
from bot.core import Core
from bot.errors import UserError
from bot.events import MEMBER_ERASING, MEMBER_LEFT
from bot.feature import Feature
from bot.guard import check_text, inert
from bot.model import Actor, Args, Choice, Field, Option, OptionType, Reply
from cogs.groups.access import (
    Viewer,
    at_least_as_private,
    manages,
    may_post,
    sees_members,
)
from cogs.groups.rounds import CHECKIN_ACTION, CHECKIN_JOB, ROUND_JOB, PairingService
from cogs.groups.service import (
    ACCEPT,
    APPROVE,
    DECLINE,
    DENY,
    SYNC_JOB,
    GroupService,
    members_text,
    request_buttons,
)
from storage.groups import (
    ACTIVE,
    APPROVAL,
    CADENCES,
    INVITED,
    JOIN_POLICIES,
    LEAVING,
    OPEN,
    PRIVATE,
    PUBLIC,
    REQUESTED,
    SECRET,
    VISIBILITIES,
    Group,
    GroupDraft,
)

NAME_MAX = 60
DESCRIPTION_MAX = 500
NOTE_MAX = 300
MESSAGE_MAX = 1500
STEWARDS_MAX = 10
LIST_MAX = 40  # members shown in one reply
REVEAL_REASONS = ("harassment", "threat", "spam", "safety", "other")
MEMBER_ACTIONS = ("join", "leave", "snooze", "status")
VISIBILITY_HELP = {
    PUBLIC: "listed; anyone can see who is in it",
    PRIVATE: "listed; only its members, stewards and moderators see who is in it",
    SECRET: "unlisted; only its members and moderators know it exists",
}


def _matching(typed: str, groups: list[Group]) -> list[Choice]:
    needle = " ".join(typed.split()).casefold()
    return [Choice(g.name) for g in groups if needle in g.name.casefold()][:25]


MEMBER = Option("member", "The member", OptionType.MEMBER, required=True)


def setup(core: Core) -> Feature:
    feature = Feature(
        "groups", group="group", description="Peer groups: private communities and chapters"
    )
    service = GroupService(core)
    pairing = PairingService(core)

    async def _known_names(ctx: Context, typed: str) -> list[Choice]:
        """Groups this member may know of: a secret one is never suggested to outsiders."""
        return _matching(typed, [g for g, _ in await service.known(ctx)])

    async def _my_groups(ctx: Context, typed: str) -> list[Choice]:
        return _matching(typed, [g for g, v in await service.known(ctx) if v.status is not None])

    name_option = Option(
        "name",
        "The group's name, as /group list shows it",
        required=True,
        max_length=NAME_MAX,
        autocomplete=_known_names,
    )
    my_group = Option(
        "name", "One of your groups", required=True, max_length=NAME_MAX, autocomplete=_my_groups
    )

    # ----- creating and running groups --------------------------------------------------

    @feature.command(
        "create",
        "Create a group or a chapter (moderators)",
        options=(
            Option("name", "Its name, e.g. SGM Alliance UCSF", required=True, max_length=NAME_MAX),
            Option(
                "description",
                "Who it is for and what it does",
                OptionType.LONG_TEXT,
                required=True,
                max_length=DESCRIPTION_MAX,
            ),
            Option(
                "visibility",
                "public, private (hidden membership; the default) or secret (unlisted)",
                OptionType.CHOICE,
                choices=tuple(Choice(v) for v in VISIBILITIES),
            ),
            Option(
                "join",
                "open, or approval by its stewards (the default)",
                OptionType.CHOICE,
                choices=tuple(Choice(j) for j in JOIN_POLICIES),
            ),
            Option(
                "parent",
                "Make it a chapter of this group",
                max_length=NAME_MAX,
                autocomplete=_known_names,
            ),
            Option(
                "stewards",
                "Who runs it: @name, @name",
                OptionType.MEMBERS,
                max_value=STEWARDS_MAX,
            ),
        ),
        moderator_only=True,
        form="auto",
    )
    async def create(ctx: Context, args: Args) -> Reply:
        name = _checked("name", args.text("name"), NAME_MAX, required=True, single_line=True)
        description = _checked("description", args.text("description"), DESCRIPTION_MAX)
        parent = None
        if args.text("parent"):
            parent, _ = await service.find(ctx, args.text("parent"))
            if parent.parent_id is not None:
                raise UserError(
                    f"**{inert(parent.name)}** is itself a chapter; chapters belong to a "
                    "top-level group."
                )
        visibility = args.text("visibility") or (parent.visibility if parent else PRIVATE)
        if parent is not None and not at_least_as_private(visibility, parent.visibility):
            raise UserError(
                f"A chapter cannot be more open than its group: **{inert(parent.name)}** is "
                f"{parent.visibility}, so this chapter must be {parent.visibility} or more private."
            )
        join = args.text("join") or (OPEN if visibility == PUBLIC else APPROVAL)
        stewards = [m.user_id for m in args.members("stewards")]
        group = await service.create(
            ctx,
            GroupDraft(name, description, visibility, join, parent.id if parent else None),
            stewards,
        )
        space = service.space_label(group)
        chapter = f", a chapter of **{inert(parent.name)}**" if parent else ""
        return Reply(
            f"**{inert(group.name)}** is created{chapter}: {group.visibility} "
            f"({VISIBILITY_HELP[group.visibility]}), {_join_text(group)}. "
            + (
                "Stewards: " + ", ".join(service.mention(ctx.scope, s) for s in stewards) + "."
                if stewards
                else "It has no stewards yet: `/group steward` names them."
            )
            + (f" Its private space: {space}." if space else ""),
            title="Group created",
        )

    @feature.command(
        "edit",
        "Change a group's description or joining (stewards); name or visibility (moderators)",
        options=(
            name_option,
            Option(
                "description",
                "A new description",
                OptionType.LONG_TEXT,
                max_length=DESCRIPTION_MAX,
            ),
            Option(
                "join",
                "open or approval",
                OptionType.CHOICE,
                choices=tuple(Choice(j) for j in JOIN_POLICIES),
            ),
            Option(
                "visibility",
                "Only ever more private: private or secret",
                OptionType.CHOICE,
                choices=tuple(Choice(v) for v in VISIBILITIES),
            ),
            Option("rename", "A new name", max_length=NAME_MAX),
        ),
    )
    async def edit(ctx: Context, args: Args) -> Reply:
        group, _ = await service.find(ctx, args.text("name"), manages)
        changes: dict[str, str] = {}
        if args.text("description") is not None:
            changes["description"] = _checked(
                "description", args.text("description"), DESCRIPTION_MAX
            )
        if args.text("join") is not None:
            changes["join_policy"] = args.text("join") or group.join_policy
        wants_moderator = args.text("visibility") is not None or args.text("rename") is not None
        if wants_moderator and not ctx.is_moderator:
            raise UserError("Only moderators can rename a group or change its visibility.")
        if args.text("rename") is not None:
            changes["name"] = _checked(
                "rename", args.text("rename"), NAME_MAX, required=True, single_line=True
            )
        visibility = args.text("visibility")
        if visibility is not None and visibility != group.visibility:
            await _check_visibility(service, ctx, group, visibility)
            changes["visibility"] = visibility
        if not changes:
            raise UserError("Give at least one of description:, join:, visibility:, rename:.")
        edited = await service.edit(ctx, group, **changes)
        return Reply(
            f"**{inert(edited.name)}** is {edited.visibility} and {_join_text(edited)}.",
            title="Group updated",
        )

    @feature.command(
        "steward",
        "Make a member a steward of a group, or take it back (moderators; parent stewards for "
        "chapters)",
        options=(
            name_option,
            MEMBER,
            Option("remove", "Take stewardship back", OptionType.BOOLEAN),
        ),
    )
    async def steward(ctx: Context, args: Args) -> Reply:
        group, _ = await service.find(
            ctx, args.text("name"), lambda g, v: v.is_moderator or v.parent_steward
        )
        member = args.member("member")
        assert member is not None
        text = await service.set_steward(
            ctx, group, member.user_id, remove=bool(args.boolean("remove"))
        )
        return Reply(text)

    # ----- everyone ---------------------------------------------------------------------

    @feature.command("list", "The groups you can see and join")
    async def listing(ctx: Context, args: Args) -> Reply:
        known = await service.known(ctx)
        if not known:
            return Reply("There are no groups here yet.", title="Groups")
        counts = await service.repo.counts([g.id for g, _ in known])
        top = [(g, v) for g, v in known if g.parent_id is None]
        chapters = [(g, v) for g, v in known if g.parent_id is not None]
        fields = []
        for group, viewer in top:
            fields.append(_list_field(group, viewer, counts.get(group.id, 0)))
            for chapter, chapter_viewer in chapters:
                if chapter.parent_id == group.id:
                    fields.append(
                        _list_field(chapter, chapter_viewer, counts.get(chapter.id, 0), "↳ ")
                    )
        orphans = [
            (g, v) for g, v in chapters if g.parent_id not in {t.id for t, _ in top}
        ]  # a chapter whose (secret) group this member may not know of
        fields += [_list_field(g, v, counts.get(g.id, 0)) for g, v in orphans]
        return Reply(
            "`/group join name:<group>` to join (approval groups ask their stewards first).",
            title="Groups",
            fields=fields[:25],
        )

    @feature.command(
        "join",
        "Join a group, or ask its stewards to let you in",
        options=(
            name_option,
            Option("note", "For the stewards: a word about you (optional)", max_length=NOTE_MAX),
        ),
    )
    async def join(ctx: Context, args: Args) -> Reply:
        group, viewer = await service.find(ctx, args.text("name"))
        note = _checked("note", args.text("note"), NOTE_MAX) or None
        return await service.join(ctx, group, viewer, note)

    @feature.command("leave", "Leave a group (or withdraw your request)", options=(my_group,))
    async def leave(ctx: Context, args: Args) -> Reply:
        group, _ = await service.find(ctx, args.text("name"), lambda g, v: v.status is not None)
        return await service.leave(ctx, group)

    @feature.command("members", "Who is in a group (its members see this)", options=(name_option,))
    async def members(ctx: Context, args: Args) -> Reply:
        group, viewer = await service.find(ctx, args.text("name"), sees_members)
        people = await service.repo.members(group.id)
        people.sort(key=lambda m: (not m.steward, m.created_at))
        shown = [
            service.mention(ctx.scope, m.user_id) + (" (steward)" if m.steward else "")
            for m in people[:LIST_MAX]
        ]
        more = f"\n…and {len(people) - LIST_MAX} more." if len(people) > LIST_MAX else ""
        text = (", ".join(shown) or "Nobody yet.") + more
        if manages(group, viewer):
            waiting = await service.repo.members(group.id, (REQUESTED,))
            invited = await service.repo.members(group.id, (INVITED,))
            if waiting:
                text += (
                    f"\n\n{len(waiting)} request(s) wait: "
                    f"`/group requests name:{inert(group.name)}`."
                )
            if invited:
                text += f"\n{len(invited)} invitation(s) are unanswered."
            leaving = await service.repo.members(group.id, (LEAVING,))
            if leaving:
                text += (
                    f"\n{len(leaving)} member(s) who left still have access to the space: "
                    "the platform refused to remove it, and the bot keeps trying."
                )
        return Reply(
            text + "\n\nOnly you see this list.",
            title=f"{inert(group.name)}: {len(people)} member(s)",
        )

    @feature.command(
        "requests",
        "Requests to join a group, to approve or deny (stewards)",
        options=(name_option,),
    )
    async def requests(ctx: Context, args: Args) -> Reply:
        group, _ = await service.find(ctx, args.text("name"), manages)
        waiting = await service.repo.members(group.id, (REQUESTED,))
        if not waiting:
            return Reply(f"No requests to join **{inert(group.name)}** are waiting.")
        shown = waiting[:8]  # two buttons each, within a message's limits
        lines = []
        buttons = []
        for index, membership in enumerate(shown, 1):
            note = await service.repo.note(membership.id)
            lines.append(
                f"{index}. {service.mention(ctx.scope, membership.user_id)}"
                + (f": {inert(note)}" if note else "")
            )
            buttons += request_buttons(membership.id, index)
        more = f"\n…and {len(waiting) - len(shown)} more." if len(waiting) > len(shown) else ""
        return Reply(
            "\n".join(lines) + more,
            title=f"Requests to join {inert(group.name)}",
            buttons=buttons,
        )

    @feature.command(
        "invite",
        "Invite a member into a group; they accept privately (stewards)",
        options=(name_option, MEMBER),
    )
    async def invite(ctx: Context, args: Args) -> Reply:
        group, _ = await service.find(ctx, args.text("name"), manages)
        member = args.member("member")
        assert member is not None
        return await service.invite(ctx, group, member.user_id)

    @feature.command(
        "remove",
        "Remove a member from a group and its space (stewards)",
        options=(
            name_option,
            MEMBER,
            Option("reason", "Optional: why, for the member only", max_length=NOTE_MAX),
        ),
    )
    async def remove(ctx: Context, args: Args) -> Reply:
        group, _ = await service.find(ctx, args.text("name"), manages)
        member = args.member("member")
        assert member is not None
        reason = _checked("reason", args.text("reason"), NOTE_MAX) or None
        return await service.remove(ctx, group, member.user_id, reason)

    # ----- talking in a group -----------------------------------------------------------

    @feature.command(
        "post",
        "Post in a group's private space, anonymously if you like",
        options=(
            my_group,
            Option(
                "message",
                "What to post",
                OptionType.LONG_TEXT,
                required=True,
                max_length=MESSAGE_MAX,
            ),
            Option(
                "anonymous",
                "Hide your name from the members (yes/no); stewards can reveal it for safety",
                OptionType.BOOLEAN,
            ),
        ),
        form="auto",
    )
    async def post(ctx: Context, args: Args) -> Reply:
        group, _ = await service.find(ctx, args.text("name"), may_post)
        text = _checked("message", args.text("message"), MESSAGE_MAX, required=True)
        return await service.post(ctx, group, text, anonymous=bool(args.boolean("anonymous")))

    @feature.command(
        "announce",
        "Message every member of a group, in its space or by DM (stewards)",
        options=(
            name_option,
            Option(
                "message",
                "The announcement",
                OptionType.LONG_TEXT,
                required=True,
                max_length=MESSAGE_MAX,
            ),
            Option("dm", "Send it to each member by DM instead (yes/no)", OptionType.BOOLEAN),
        ),
        form="auto",
    )
    async def announce(ctx: Context, args: Args) -> Reply:
        group, _ = await service.find(ctx, args.text("name"), manages)
        text = _checked("message", args.text("message"), MESSAGE_MAX, required=True)
        return await service.announce(ctx, group, text, by_dm=bool(args.boolean("dm")))

    @feature.command(
        "reveal",
        "Reveal the author of an anonymous post, for safety only (stewards; audited)",
        options=(
            Option("post", "The post's number, e.g. 12", required=True, max_length=12),
            Option(
                "reason",
                "Why this needs revealing",
                OptionType.CHOICE,
                required=True,
                choices=tuple(Choice(r) for r in REVEAL_REASONS),
            ),
        ),
    )
    async def reveal(ctx: Context, args: Args) -> Reply:
        return await service.reveal(ctx, args.text("post"), args.text("reason") or "other")

    # ----- coffee-chat pairing ----------------------------------------------------------

    @feature.command(
        "pairing",
        "Coffee chats: stewards set weekly|biweekly|monthly|off; members join|leave|snooze",
        options=(
            Option(
                "action",
                "weekly, biweekly, monthly or off (stewards); join, leave, snooze or status",
                OptionType.CHOICE,
                required=True,
                choices=tuple(Choice(a) for a in (*CADENCES, "off", *MEMBER_ACTIONS)),
            ),
            name_option,
        ),
    )
    async def pairing_command(ctx: Context, args: Args) -> Reply:
        action = args.text("action") or "status"
        if action in (*CADENCES, "off"):
            group, viewer = await service.find(ctx, args.text("name"), manages)
            return await pairing.set_cadence(ctx, group, None if action == "off" else action)
        if action == "status":
            group, viewer = await service.find(
                ctx, args.text("name"), lambda g, v: v.member or manages(g, v)
            )
            membership = await service.repo.membership(group.id, ctx.actor.user_id)
            reply = await pairing.status(ctx, group, membership)
            if manages(group, viewer):
                reply.text += "\n" + await pairing.steward_summary(group)
            return reply
        group, viewer = await service.find(ctx, args.text("name"), lambda g, v: v.member)
        membership = await service.repo.membership(group.id, ctx.actor.user_id)
        assert membership is not None
        if action == "snooze":
            return await pairing.snooze(ctx, group, membership)
        return await pairing.opt(ctx, group, membership, on=action == "join")

    @feature.command(
        "avoid",
        "Never be paired with someone (confidential); no member: shows your list",
        options=(
            Option("member", "Who", OptionType.MEMBER),
            Option("undo", "Take them off your list", OptionType.BOOLEAN),
        ),
    )
    async def avoid(ctx: Context, args: Args) -> Reply:
        member = args.member("member")
        if member is None:
            return await pairing.avoid_list(ctx)
        return await pairing.avoid(ctx, member.user_id, undo=bool(args.boolean("undo")))

    # ----- buttons ----------------------------------------------------------------------

    @feature.action("approve")
    async def approve_button(ctx: Context, target: str) -> Reply:
        group, membership = await service.request(ctx, target)
        return await service.approve(ctx, group, membership)

    @feature.action("deny")
    async def deny_button(ctx: Context, target: str) -> Reply:
        group, membership = await service.request(ctx, target)
        return await service.deny(ctx, group, membership)

    @feature.action("accept")
    async def accept_button(ctx: Context, target: str) -> Reply:
        return await service.accept(ctx, target)

    @feature.action("decline")
    async def decline_button(ctx: Context, target: str) -> Reply:
        return await service.decline(ctx, target)

    @feature.action("met")
    async def met_button(ctx: Context, target: str) -> Reply:
        return await pairing.answer_checkin(ctx, target)

    assert {APPROVE, DENY, ACCEPT, DECLINE, CHECKIN_ACTION} <= set(feature.actions)

    @feature.on(MEMBER_LEFT)
    @feature.on(MEMBER_ERASING)
    async def left(actor: Actor) -> None:
        await service.forget_member(actor.scope, actor.user_id)

    # ----- jobs and home ----------------------------------------------------------------

    feature.job(SYNC_JOB)(service.sync_job)
    feature.job(ROUND_JOB)(pairing.round_job)
    feature.job(CHECKIN_JOB, still_relevant=pairing.checkin_relevant)(pairing.checkin_job)

    @feature.home
    async def home(ctx: Context) -> Reply | None:
        mine = [(g, v) for g, v in await service.known(ctx) if v.status is not None]
        if not mine:
            return None
        fields = []
        for group, viewer in mine:
            state = {
                ACTIVE: "steward" if viewer.steward else "member",
                REQUESTED: "waiting for approval",
                INVITED: f"invited: `/group join name:{inert(group.name)}` to accept",
            }.get(viewer.status or "", "leaving")
            if viewer.member and group.pairing:
                state += f" · coffee chats {group.pairing}"
            fields.append(Field(inert(group.name), state, inline=True))
        return Reply("Only you see this.", title="Your groups", fields=fields[:25])

    return feature


# ----- helpers ---------------------------------------------------------------------------


def _list_field(group: Group, viewer: Viewer, count: int, prefix: str = "") -> Field:
    mine = {
        ACTIVE: " · you're a steward" if viewer.steward else " · you're a member",
        REQUESTED: " · you asked to join",
        INVITED: " · you're invited",
    }.get(viewer.status or "", "")
    return Field(
        f"{prefix}{inert(group.name)}",
        f"{group.visibility} · {_join_text(group)} · {members_text(count)}{mine}\n"
        f"{inert(group.description)[:300]}",
    )


def _join_text(group: Group) -> str:
    return "open to join" if group.join_policy == OPEN else "joined by approval"


def _checked(
    name: str,
    text: str | None,
    most: int,
    *,
    required: bool = False,
    single_line: bool = False,
) -> str:
    value = " ".join((text or "").split()) if single_line else (text or "").strip()
    problems = check_text(
        name,
        value,
        max_length=most,
        required=required,
        single_line=single_line,
        allow_links=not single_line,
    )
    if problems:
        raise UserError("\n".join(f"• {p.message}" for p in problems))
    return value


async def _check_visibility(
    service: GroupService, ctx: Context, group: Group, visibility: str
) -> None:
    """Only ever more private: members joined expecting at least this much privacy."""
    if not at_least_as_private(visibility, group.visibility):
        raise UserError(
            f"**{inert(group.name)}** is {group.visibility}, and its members joined expecting "
            "that privacy: a group can only be made more private. Create a new group instead."
        )
    if group.parent_id is None:
        looser = [
            g.name
            for g in await service.repo.all(ctx.scope)
            if g.parent_id == group.id and not at_least_as_private(g.visibility, visibility)
        ]
        if looser:
            raise UserError(
                f"Its chapters {', '.join(inert(n) for n in looser)} would be more open than "
                f"the group; make them {visibility} first."
            )

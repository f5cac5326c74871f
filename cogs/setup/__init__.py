"""/setup: a community's channels, moderators and time zone (moderators only)."""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from bot.context import Context
from bot.core import Core
from bot.errors import UserError
from bot.feature import Feature
from bot.guard import check_text, inert
from bot.model import Args, Choice, Field, Option, OptionType, Reply
from storage.outbox import FAILED, HELD

WELCOME_MAX = 1500
CHANNEL_ROLES = {
    "introductions": ("introductions_channel", "where intro posts go"),
    "announcements": ("announcements_channel", "where sessions are announced"),
    "modlog": ("modlog_channel", "the moderator log"),
}


async def zone_suggestions(ctx: Context, typed: str) -> list[Choice]:
    needle = typed.strip().lower().replace(" ", "_")
    zones = sorted(z for z in available_timezones() if needle in z.lower())
    return [Choice(zone) for zone in zones[:25]]


def setup(core: Core) -> Feature:
    feature = Feature("setup", group="setup", description="Configure this community (moderators)")

    @feature.command(
        "channels",
        "Set the introductions, announcements and moderator-log channels",
        options=tuple(
            Option(name, f"The channel for {purpose}", OptionType.CHANNEL)
            for name, (_, purpose) in CHANNEL_ROLES.items()
        ),
        moderator_only=True,
    )
    async def channels(ctx: Context, args: Args) -> Reply:
        changes = {
            column: channel.channel_id
            for name, (column, _) in CHANNEL_ROLES.items()
            if (channel := args.channel(name)) is not None
        }
        if not changes:
            raise UserError(
                "/setup channels: give at least one of introductions:, announcements:, modlog:."
            )
        shown = ", ".join(
            f"{name} → {channel.label}"
            for name in CHANNEL_ROLES
            if (channel := args.channel(name)) is not None
        )
        async with core.db.transaction():  # the change and its audit row, together
            await core.repos.communities.update(ctx.scope, ctx.now(), **changes)
            await ctx.audit("setup.channels", detail=changes, summary=f"set channels: {shown}")
        return Reply(f"Channels updated: {shown}.")

    @feature.command(
        "moderators",
        "Add or remove a community moderator (platform admins always are)",
        options=(
            Option("add", "A member to make a moderator", OptionType.MEMBER),
            Option("remove", "A member to remove from the moderators", OptionType.MEMBER),
        ),
        moderator_only=True,
    )
    async def moderators(ctx: Context, args: Args) -> Reply:
        add, remove = args.member("add"), args.member("remove")
        if add is None and remove is None:
            raise UserError("/setup moderators: give add: or remove: (or both).")
        if add is not None and remove is not None and add.user_id == remove.user_id:
            raise UserError("/setup moderators: add: and remove: name the same member.")
        said = []
        async with core.db.transaction():  # each change with its audit row
            if add is not None:
                if await core.repos.communities.add_moderator(
                    ctx.scope, add.user_id, ctx.actor.user_id, ctx.now()
                ):
                    await ctx.audit(
                        "setup.moderator_added",
                        target=add.user_id,
                        summary=f"added moderator {add.label}",
                    )
                    said.append(f"{add.label} is now a moderator.")
                else:
                    said.append(f"{add.label} was already a moderator.")
            if remove is not None:
                if await core.repos.communities.remove_moderator(ctx.scope, remove.user_id):
                    await ctx.audit(
                        "setup.moderator_removed",
                        target=remove.user_id,
                        summary=f"removed moderator {remove.label}",
                    )
                    said.append(f"{remove.label} is no longer on the moderator list.")
                else:
                    said.append(
                        f"{remove.label} is not on the moderator list "
                        "(platform admins are moderators by their platform role)."
                    )
        return Reply(" ".join(said))

    @feature.command(
        "timezone",
        "Set the community's default time zone",
        options=(
            Option(
                "zone",
                "An IANA time zone such as America/Chicago",
                required=True,
                max_length=64,
                autocomplete=zone_suggestions,
            ),
        ),
        moderator_only=True,
    )
    async def timezone(ctx: Context, args: Args) -> Reply:
        zone = (args.text("zone") or "").strip()
        try:
            ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError):
            raise UserError(
                f"/setup timezone: `zone` {zone!r} is not a time zone I know; "
                "use a name such as America/Chicago or Europe/London."
            ) from None
        async with core.db.transaction():
            await core.repos.communities.update(ctx.scope, ctx.now(), timezone=zone)
            await ctx.audit(
                "setup.timezone", detail={"timezone": zone}, summary=f"set time zone {zone}"
            )
        return Reply(f"The community's time zone is now {zone}.")

    @feature.command(
        "welcome",
        "Set the welcome message new members get ('default' restores it)",
        options=(
            Option(
                "text",
                "What new members are told",
                OptionType.LONG_TEXT,
                required=True,
                max_length=WELCOME_MAX,
            ),
        ),
        moderator_only=True,
    )
    async def welcome(ctx: Context, args: Args) -> Reply:
        text = (args.text("text") or "").strip()
        problems = check_text("text", text, max_length=WELCOME_MAX, required=True)
        if problems:
            raise UserError("/setup welcome: " + " ".join(p.message for p in problems))
        value = None if text.lower() == "default" else text
        async with core.db.transaction():
            await core.repos.communities.update(ctx.scope, ctx.now(), welcome_text=value)
            await ctx.audit(
                "setup.welcome",
                summary="reset the welcome message" if value is None else "set the welcome message",
            )
        if value is None:
            return Reply("New members get the default welcome again.")
        return Reply("New members will get this welcome:\n" + inert(value))

    @feature.command("show", "Show this community's setup", moderator_only=True)
    async def show(ctx: Context, args: Args) -> Reply:
        community = await core.repos.communities.get(ctx.scope)
        mods = await core.repos.communities.moderators(ctx.scope)
        transport = core.delivery.transport(ctx.scope)

        def channel(channel_id: str | None) -> str:
            if not channel_id:
                return "not set"
            return transport.channel_label(channel_id) if transport else channel_id

        def mention(user_id: str) -> str:
            return transport.mention(user_id) if transport else user_id

        undelivered = await core.repos.outbox.list(ctx.scope, statuses=(HELD, FAILED), limit=100)
        fields = [
            Field(name.capitalize(), channel(getattr(community, column)), inline=True)
            for name, (column, _) in CHANNEL_ROLES.items()
        ]
        fields += [
            Field(
                "Time zone",
                community.timezone or f"{core.settings.default_timezone} (default)",
                inline=True,
            ),
            Field(
                "Moderators",
                ", ".join(mention(m) for m in mods) or "platform admins only",
            ),
            Field("Undelivered messages", str(len(undelivered)), inline=True),
            Field(
                "Welcome message",
                inert(community.welcome_text) if community.welcome_text else "default",
            ),
        ]
        return Reply(title="Community setup", fields=fields)

    return feature

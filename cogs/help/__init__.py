"""/help: what this bot can do here, from the features that are actually loaded."""

from __future__ import annotations

from bot.context import Context
from bot.core import Core
from bot.dispatch import group_help
from bot.feature import Feature
from bot.model import Args, Option, Reply


def setup(core: Core) -> Feature:
    feature = Feature("help", group="help", description="List the commands and their options")

    @feature.command(
        "",
        "List every command, or one command group's details",
        options=(Option("topic", "A command group, such as setup"),),
    )
    async def show_help(ctx: Context, args: Args) -> Reply:
        topic = (args.text("topic") or "").strip().lstrip("/").lower()
        if topic:
            return group_help(core, topic)
        # One line per group, so the list fits a message however many features load;
        # `/help topic:<group>` gives each command's options.
        lines: list[str] = []
        for loaded in core.registry.features.values():
            lines.append(f"/{loaded.group}: {loaded.description}")
            names = [c.name or f"/{c.group}" for c in loaded.commands if not c.moderator_only]
            held = [c.name or f"/{c.group}" for c in loaded.commands if c.moderator_only]
            shown = ", ".join(names)
            if held and ctx.is_moderator:
                shown += ("; " if shown else "") + "moderators: " + ", ".join(held)
            if shown:
                lines.append(f"  {shown}")
        if core.registry.failed:
            lines.append("Not loaded (see the log): " + ", ".join(sorted(core.registry.failed)))
        lines.append(
            "`/help topic:<group>` shows each command's options (e.g. `/help topic:ama`). "
            "Options are key:value; put quotes around values with spaces."
        )
        return Reply("\n".join(lines), title="Commands")

    @feature.home
    async def home(ctx: Context) -> Reply:
        lines = [
            f"/{loaded.group}: {loaded.description}"
            for loaded in core.registry.features.values()
            if loaded.commands
            and (ctx.is_moderator or not all(c.moderator_only for c in loaded.commands))
        ]
        lines.append("Type /help for every command and its options.")
        return Reply("\n".join(lines), title="What you can do here")

    return feature

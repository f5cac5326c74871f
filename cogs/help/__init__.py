"""/help: what this bot can do here, from the features that are actually loaded."""

from __future__ import annotations

from bot.context import Context
from bot.core import Core
from bot.dispatch import describe_command, group_help
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
        lines: list[str] = []
        for loaded in core.registry.features.values():
            lines.append(f"/{loaded.group}: {loaded.description}")
            lines.extend(f"  {describe_command(command)}" for command in loaded.commands)
        if core.registry.failed:
            lines.append("Not loaded (see the log): " + ", ".join(sorted(core.registry.failed)))
        lines.append("Options are key:value; put quotes around values with spaces.")
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

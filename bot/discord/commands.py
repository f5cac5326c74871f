"""Native slash commands derived from the neutral declarations, one Cog per feature.

Nothing here knows any feature: each `Feature` becomes a command group (`/mentor offer`),
each option a typed Discord option with choices or autocomplete, and each command a
discord.py `app_commands.Command` whose callback hands the values to the surface.
"""

from __future__ import annotations

import inspect
import logging
from typing import TYPE_CHECKING, Any, Protocol

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord.render import clip
from bot.feature import Feature
from bot.model import Command, Option, OptionType

if TYPE_CHECKING:
    from bot.model import Choice

log = logging.getLogger(__name__)

DESCRIPTION_MAX = 100
CHOICES_MAX = 25
SUBCOMMANDS_MAX = 25
# The hint Discord uses to hide moderator commands; the real check runs on every use.
MODERATOR_PERMISSIONS = discord.Permissions(manage_guild=True)
# Commands belong to a community: never offered in DMs or group DMs.
GUILD_ONLY = app_commands.AppCommandContext(guild=True, dm_channel=False, private_channel=False)


class CommandRunner(Protocol):
    async def run_command(
        self, interaction: discord.Interaction, command: Command, values: dict[str, Any]
    ) -> None: ...

    async def suggest(
        self, interaction: discord.Interaction, command: Command, option: str, typed: str
    ) -> list[Choice]: ...


class TextChannelOption(app_commands.Transformer):
    """A text channel, passed on as Discord resolved it (no cache lookup needed)."""

    @property
    def type(self) -> discord.AppCommandOptionType:
        return discord.AppCommandOptionType.channel

    @property
    def channel_types(self) -> list[discord.ChannelType]:
        return [discord.ChannelType.text, discord.ChannelType.news]

    async def transform(self, interaction: discord.Interaction, value: Any, /) -> Any:
        return value


def _annotation(option: Option) -> Any:
    kind = option.type
    if kind is OptionType.INTEGER:
        if option.min_value is None and option.max_value is None:
            return int
        return app_commands.Range[int, option.min_value, option.max_value]
    if kind is OptionType.BOOLEAN:
        return bool
    if kind is OptionType.MEMBER:
        return discord.User  # a Member when Discord resolves one, else a User
    if kind is OptionType.CHANNEL:
        return app_commands.Transform[Any, TextChannelOption]
    if kind in (OptionType.TEXT, OptionType.LONG_TEXT):
        return app_commands.Range[str, None, option.length_limit]
    return str  # choices and date-times: text, checked by the neutral parser


def _callback(command: Command, runner: CommandRunner) -> Any:
    async def callback(interaction: discord.Interaction, **values: Any) -> None:
        await runner.run_command(interaction, command, values)

    parameters = [
        inspect.Parameter(
            "interaction", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=discord.Interaction
        )
    ]
    for option in command.options:
        # With a form, a bare `/intro post` opens the dialog, so Discord must not insist.
        required = option.required and command.form_id is None
        parameters.append(
            inspect.Parameter(
                option.name,
                inspect.Parameter.KEYWORD_ONLY,
                annotation=_annotation(option),
                default=inspect.Parameter.empty if required else None,
            )
        )
    callback.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]
    callback.__qualname__ = callback.__name__ = f"{command.group}_{command.name or 'root'}"

    if command.options:
        app_commands.describe(
            **{o.name: clip(o.description, DESCRIPTION_MAX) for o in command.options}
        )(callback)
    fixed = {
        o.name: [app_commands.Choice(name=clip(c.shown, 100), value=c.value) for c in o.choices]
        for o in command.options
        if o.type is OptionType.CHOICE and 0 < len(o.choices) <= CHOICES_MAX
    }
    if fixed:
        app_commands.choices(**fixed)(callback)
    suggested = {
        o.name: _suggester(command, o.name, runner)
        for o in command.options
        if o.autocomplete is not None or len(o.choices) > CHOICES_MAX
    }
    if suggested:
        app_commands.autocomplete(**suggested)(callback)
    return callback


def _suggester(command: Command, option: str, runner: CommandRunner) -> Any:
    async def suggest(
        interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        choices = await runner.suggest(interaction, command, option, current)
        return [app_commands.Choice(name=clip(c.shown, 100), value=c.value[:100]) for c in choices]

    return suggest


def _app_command(
    command: Command, runner: CommandRunner, name: str, parent: app_commands.Group | None
) -> app_commands.Command[Any, ..., None]:
    return app_commands.Command(
        name=name,
        description=clip(command.description, DESCRIPTION_MAX),
        callback=_callback(command, runner),
        parent=parent,
    )


def feature_command(
    feature: Feature, runner: CommandRunner
) -> app_commands.Group | app_commands.Command[Any, ..., None] | None:
    """The feature's top-level slash command: a group of subcommands, or one command."""
    subcommands = [c for c in feature.commands if c.name]
    root = next((c for c in feature.commands if not c.name), None)
    all_moderator = bool(feature.commands) and all(c.moderator_only for c in feature.commands)
    hint = MODERATOR_PERMISSIONS if all_moderator else None
    if root is not None and not subcommands:
        single = _app_command(root, runner, feature.group, None)
        single.guild_only = True
        single.allowed_contexts = GUILD_ONLY
        single.default_permissions = hint
        return single
    if root is not None and all(c.handler is not root.handler for c in subcommands):
        # Discord cannot invoke a group itself; the members still have `/help` for it.
        log.warning(
            "/%s: Discord has no group-level command; its root is not exposed", feature.group
        )
    if not subcommands:
        return None
    if len(subcommands) > SUBCOMMANDS_MAX:
        log.warning(
            "/%s: only the first %d subcommands fit on Discord", feature.group, SUBCOMMANDS_MAX
        )
    group = app_commands.Group(
        name=feature.group,
        description=clip(feature.description, DESCRIPTION_MAX),
        guild_only=True,
        allowed_contexts=GUILD_ONLY,
        # Discord only honours this on top-level commands, so only a group whose every
        # subcommand is for moderators can carry the hint.
        default_permissions=hint,
    )
    for command in subcommands[:SUBCOMMANDS_MAX]:
        group.add_command(_app_command(command, runner, command.name, group))
    return group


class FeatureCog(commands.Cog):
    """One loaded feature, as a discord.py Cog that owns the feature's slash command."""

    def __init__(
        self, bot: commands.Bot | commands.AutoShardedBot, feature: Feature, runner: CommandRunner
    ) -> None:
        self.bot = bot
        self.feature = feature
        self.__cog_name__ = feature.name
        self.__cog_description__ = feature.description
        self._command = feature_command(feature, runner)

    async def cog_load(self) -> None:
        if self._command is not None:
            self.bot.tree.add_command(self._command)

    async def cog_unload(self) -> None:
        if self._command is not None:
            self.bot.tree.remove_command(self._command.name)

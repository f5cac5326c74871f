"""The Discord surface: discord.py 2.7 in the shared event loop, each feature a Cog.

start:  log in (REST), load one Cog per feature, sync the slash commands (globally or to
        DISCORD_GUILD_IDS), connect to the gateway and wait until the guilds are ready
run:    interactions go through `Interactions`; member joins raise the neutral event
stop:   close the connection; the app then drains in-flight work
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, cast

import discord
import yarl
from discord.ext import commands

from bot.core import Core
from bot.discord.commands import FeatureCog
from bot.discord.ids import BUTTON, FORM_PAGE, NEXT_PAGE, parse_form_page
from bot.discord.interactions import PLATFORM, Interactions
from bot.discord.transport import DiscordTransport
from bot.dispatch import Dispatcher
from bot.events import MEMBER_JOINED, MEMBER_LEFT
from bot.model import Actor
from config.settings import SettingsError
from storage.models import Scope

log = logging.getLogger(__name__)

READY_TIMEOUT = 60.0  # seconds to reach READY and receive the guilds at start
STOP_GRACE = 10.0  # seconds interactions under way get to answer at shutdown


class _Preceptor:
    """What the dynamic buttons need from the client they arrive on."""

    interactions: Interactions


class PreceptorBot(_Preceptor, commands.Bot):
    pass


class ShardedPreceptorBot(_Preceptor, commands.AutoShardedBot):
    pass


def _interactions(interaction: discord.Interaction) -> Interactions:
    client = interaction.client
    assert isinstance(client, _Preceptor)
    return client.interactions


class ActionButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=BUTTON.pattern):
    """Every neutral button. The custom_id is all it needs, so it survives restarts."""

    def __init__(self, custom_id: str) -> None:
        super().__init__(discord.ui.Button(custom_id=custom_id))
        match = BUTTON.fullmatch(custom_id)
        assert match is not None
        self.action_id: str = match["action_id"]
        self.guild_id: str | None = match["guild"]

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: Any, /
    ) -> ActionButton:
        return cls(match.string)

    async def callback(self, interaction: discord.Interaction) -> None:
        await _interactions(interaction).press(interaction, self.action_id, self.guild_id)


class NextPageButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=NEXT_PAGE.pattern):
    """ "Continue" between the pages of a dialog longer than five fields."""

    def __init__(self, custom_id: str) -> None:
        super().__init__(discord.ui.Button(custom_id=custom_id))
        self.page = parse_form_page(custom_id, NEXT_PAGE)

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: Any, /
    ) -> NextPageButton:
        return cls(match.string)

    async def callback(self, interaction: discord.Interaction) -> None:
        if self.page is not None:
            await _interactions(interaction).next_page(interaction, self.page)


class DiscordSurface:
    name = "discord"

    def __init__(self, core: Core) -> None:
        settings = core.settings
        if settings.discord_token is None:
            raise SettingsError("Invalid setting DISCORD_TOKEN: it is required for Discord.")
        self.core = core
        self._token = settings.discord_token
        self.bot = self._make_bot()
        self.transport = DiscordTransport(self.bot, dm_rate=settings.discord_dm_rate)
        self.dispatcher = Dispatcher(core, self.transport)
        self.interactions = Interactions(core, self.dispatcher)
        self.bot.interactions = self.interactions
        self._connection: asyncio.Task[None] | None = None

    def _make_bot(self) -> PreceptorBot | ShardedPreceptorBot:
        settings = self.core.settings
        # The bot never joins voice; without this every start warns about voice libraries.
        discord.VoiceClient.warn_nacl = discord.VoiceClient.warn_dave = False
        intents = discord.Intents.none()
        intents.guilds = True
        intents.members = True  # joins (welcome) and member lookups; a privileged intent
        options: dict[str, Any] = {
            "command_prefix": commands.when_mentioned,  # no text commands; slash only
            "help_command": None,
            "intents": intents,
            "allowed_mentions": discord.AllowedMentions.none(),  # text never pings by accident
            "max_ratelimit_timeout": settings.discord_max_ratelimit_timeout,
            "guild_ready_timeout": settings.discord_guild_ready_timeout,
            "enable_debug_events": False,
        }
        if settings.discord_shards == "auto":
            return ShardedPreceptorBot(**options)  # asks Discord for the shard count
        if settings.discord_shards:
            return ShardedPreceptorBot(shard_count=settings.discord_shards, **options)
        return PreceptorBot(**options)

    # ----- Surface ------------------------------------------------------------------------

    async def start(self) -> None:
        settings = self.core.settings
        # The documented knobs for a rate-limit proxy in production, or a fake in tests.
        if settings.discord_api_base:
            discord.http.Route.BASE = settings.discord_api_base.rstrip("/")
        if settings.discord_gateway_url:
            discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(
                settings.discord_gateway_url
            )
        bot = self.bot
        bot.add_dynamic_items(ActionButton, NextPageButton)
        bot.add_listener(self._on_interaction, "on_interaction")
        bot.add_listener(self._on_member_join, "on_member_join")
        # The raw event: it comes even when the member was never in discord.py's cache.
        bot.add_listener(self._on_member_remove, "on_raw_member_remove")
        self.core.delivery.attach(self.transport)
        try:
            await bot.login(self._token.get_secret_value())
        except discord.LoginFailure:
            raise SettingsError("Invalid setting DISCORD_TOKEN: Discord refused it.") from None
        for feature in self.core.registry.features.values():
            await bot.add_cog(FeatureCog(bot, feature, self.interactions))
        await self._sync()
        self._connection = asyncio.create_task(bot.connect(reconnect=True), name="discord:gateway")
        ready = asyncio.create_task(bot.wait_until_ready())
        done, _ = await asyncio.wait(
            {ready, self._connection}, timeout=READY_TIMEOUT, return_when=asyncio.FIRST_COMPLETED
        )
        if ready not in done:
            ready.cancel()
            if self._connection in done:
                self._connection.result()  # raise why the connection ended
            raise RuntimeError("Discord did not become ready in time")
        log.info("discord ready in %d guild(s)", len(bot.guilds))

    async def _sync(self) -> None:
        tree = self.bot.tree
        guild_ids = self.core.settings.discord_guild_ids
        if not guild_ids:
            synced = await tree.sync()
            log.info("synced %d slash commands globally", len(synced))
            return
        for guild_id in guild_ids:
            guild = discord.Object(guild_id)
            tree.copy_global_to(guild=guild)
            synced = await tree.sync(guild=guild)
            log.info("synced %d slash commands to guild %s", len(synced), guild_id)

    async def wait(self) -> None:
        if self._connection is not None:
            await self._connection

    async def stop(self) -> None:
        await self.interactions.finish(STOP_GRACE)
        await self.bot.close()
        if self._connection is not None:
            await asyncio.gather(self._connection, return_exceptions=True)

    # ----- events -------------------------------------------------------------------------

    async def _on_interaction(self, interaction: discord.Interaction) -> None:
        # Buttons and slash commands are routed by discord.py; dialog submits arrive here,
        # because dialogs are stateless and discord.py keeps no copy to route them to.
        if interaction.type is not discord.InteractionType.modal_submit:
            return
        data = cast(dict[str, Any], interaction.data or {})
        custom_id = str(data.get("custom_id", ""))
        if FORM_PAGE.fullmatch(custom_id):
            page = parse_form_page(custom_id)
            if page is not None:
                await self.interactions.submit(interaction, page)

    async def _on_member_join(self, member: discord.Member) -> None:
        if member.bot:
            return
        scope = Scope(PLATFORM, str(member.guild.id))
        actor = Actor(scope, str(member.id), member.display_name)
        await self.core.repos.members.remember(
            scope, actor.user_id, actor.label, self.core.clock.now()
        )
        self.core.events.emit(MEMBER_JOINED, actor=actor)

    async def _on_member_remove(self, payload: discord.RawMemberRemoveEvent) -> None:
        if payload.user.bot:
            return
        scope = Scope(PLATFORM, str(payload.guild_id))
        self.core.events.emit(MEMBER_LEFT, actor=Actor(scope, str(payload.user.id)))

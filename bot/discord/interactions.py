"""Slash commands, button presses, dialog submits and autocomplete, from Discord to the core.

The rule for every interaction: answer Discord first (a deferral or a dialog), within the
3-second deadline and before any database or network work; then do the work through the
neutral dispatcher; then reply. Personal replies are ephemeral. An interaction token lives
15 minutes, so a reply that would come later goes to the member by DM instead.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Coroutine, Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any, cast

import discord

from bot.context import Context
from bot.discord.ids import FormPage, next_page_id
from bot.discord.render import form_pages, message_kwargs, modal_for, submitted_values
from bot.dispatch import Dispatcher, Response
from bot.model import (
    OPEN_FORM,
    Actor,
    ChannelRef,
    Choice,
    Command,
    MemberRef,
    OpenForm,
    Refusal,
    Reply,
    form_button,
    form_request,
    split_action_id,
)
from storage.models import Scope

if TYPE_CHECKING:
    from bot.core import Core

log = logging.getLogger(__name__)

PLATFORM = "discord"
TOKEN_LIFETIME = timedelta(minutes=15)
TOKEN_MARGIN = timedelta(seconds=30)  # leave room for the request itself
DRAFT_LIFETIME = 15 * 60.0  # seconds a half-filled dialog is kept between pages
AUTOCOMPLETE_BUDGET = 2.5  # seconds; Discord drops suggestions after 3


@dataclass
class _Draft:
    values: dict[str, str]
    expires: float


@dataclass
class _Exchange:
    """One interaction's state: whether the deferred "thinking" message is still open."""

    interaction: discord.Interaction
    scope: Scope
    original_open: bool = False
    sent: int = 0
    expired: bool = False


class Interactions:
    def __init__(self, core: Core, dispatcher: Dispatcher) -> None:
        self.core = core
        self.dispatcher = dispatcher
        self._drafts: dict[tuple[Scope, str, str], _Draft] = {}
        self._inflight: set[asyncio.Task[Any]] = set()

    # ----- entry points (called by discord.py) --------------------------------------------

    async def run_command(
        self, interaction: discord.Interaction, command: Command, values: dict[str, Any]
    ) -> None:
        scope = _scope(interaction)
        if scope is None:
            return await _refuse_outside_guild(interaction)
        raw = {name: _neutral(value) for name, value in values.items() if value is not None}
        missing = any(o.required and o.name not in raw for o in command.options)
        may_open_now = not command.moderator_only or _platform_admin(interaction)
        if command.form_id and missing and may_open_now:
            prefill = {k: v for k, v in raw.items() if isinstance(v, str)}
            return await self._open_form(interaction, scope, command.form_id, 0, prefill)
        exchange = await self._defer(interaction, scope)
        await self._tracked(
            self._work(exchange, lambda ctx: self.dispatcher.run_command(ctx, command, raw)),
            name=f"discord:{command.path}",
        )

    async def press(
        self, interaction: discord.Interaction, action_id: str, guild_id: str | None
    ) -> None:
        scope = _scope(interaction, guild_id)
        if scope is None:
            return await _refuse_outside_guild(interaction)
        name, target = split_action_id(action_id)
        if name == OPEN_FORM:
            # A dialog must be the first answer, so it opens at once; the submit is
            # authorised when it arrives.
            request = form_request(target)
            return await self._open_form(interaction, scope, request.form_id, 0, request.prefill)
        exchange = await self._defer(interaction, scope)
        await self._tracked(
            self._work(exchange, lambda ctx: self.dispatcher.press(ctx, action_id)),
            name=f"discord:press:{name}",
        )

    async def next_page(self, interaction: discord.Interaction, page: FormPage) -> None:
        scope = _scope(interaction, page.guild_id)
        if scope is None:
            return await _refuse_outside_guild(interaction)
        await self._open_form(interaction, scope, page.form_id, page.page, {})

    async def submit(self, interaction: discord.Interaction, page: FormPage) -> None:
        scope = _scope(interaction, page.guild_id)
        if scope is None:
            return await _refuse_outside_guild(interaction)
        form = self.core.registry.form(page.form_id)
        if form is None:
            return await _ephemeral(interaction, "This form is no longer available.")
        data = cast(dict[str, Any], interaction.data or {})
        values = submitted_values(data.get("components", []))
        key = (scope, str(interaction.user.id), form.id)
        draft = self._draft(key)
        draft.update({k: v for k, v in values.items() if any(f.name == k for f in form.fields)})
        pages = form_pages(form)
        if page.page + 1 < len(pages):
            self._keep_draft(key, draft)
            guild = None if interaction.guild_id else scope.workspace_id
            view = discord.ui.View(timeout=None)
            view.add_item(
                discord.ui.Button(
                    label="Continue",
                    style=discord.ButtonStyle.primary,
                    custom_id=next_page_id(form.id, page.page + 1, guild),
                )
            )
            view.stop()
            await interaction.response.send_message(
                f"Part {page.page + 1} of {len(pages)} is saved. Press Continue for the rest.",
                view=view,
                ephemeral=True,
            )
            return
        exchange = await self._defer(interaction, scope)
        values_now = {k: v for k, v in draft.items() if v.strip()}

        async def run(ctx: Context) -> list[Response]:
            responses = await self.dispatcher.submit_form(ctx, form.id, values_now)
            refusals = [r for r in responses if isinstance(r, Refusal)]
            if refusals:
                # Keep what they typed: the button reopens the dialog filled in.
                self._keep_draft(key, draft)
                refusals[0].buttons.append(form_button("Fix and resend", form.id))
            else:
                self._drafts.pop(key, None)
            return responses

        await self._tracked(self._work(exchange, run), name=f"discord:form:{form.id}")

    async def suggest(
        self, interaction: discord.Interaction, command: Command, option: str, typed: str
    ) -> list[Choice]:
        scope = _scope(interaction)
        if scope is None:
            return []
        try:
            async with asyncio.timeout(AUTOCOMPLETE_BUDGET):
                ctx = await self.dispatcher.context(
                    _actor(interaction, scope),
                    responder=_Responder(self, _Exchange(interaction, scope)),
                    platform_admin=_platform_admin(interaction),
                    remember=False,
                )
                return await self.dispatcher.autocomplete(ctx, command, option, typed)
        except TimeoutError:
            log.warning("autocomplete for %s %s took too long", command.path, option)
            return []

    # ----- the common path ----------------------------------------------------------------

    async def _defer(self, interaction: discord.Interaction, scope: Scope) -> _Exchange:
        exchange = _Exchange(interaction, scope)
        try:
            await interaction.response.defer(ephemeral=True, thinking=True)
            exchange.original_open = True
        except discord.NotFound:
            # Too late (an overloaded loop, or a replayed event): do the work anyway and
            # reach the member by DM, so what they submitted is not lost.
            log.warning("interaction %s expired before it could be deferred", interaction.id)
            exchange.expired = True
        except discord.HTTPException as exc:
            log.warning("could not defer interaction: HTTP %s code %s", exc.status, exc.code)
            exchange.expired = True
        return exchange

    async def _work(
        self,
        exchange: _Exchange,
        run: Any,
    ) -> None:
        interaction = exchange.interaction
        try:
            ctx = await self.dispatcher.context(
                _actor(interaction, exchange.scope),
                responder=_Responder(self, exchange),
                platform_admin=_platform_admin(interaction, exchange.scope),
                channel=_channel(interaction),
            )
            responses: Sequence[Response] = await run(ctx)
            for response in responses:
                if isinstance(response, OpenForm):
                    response = self._form_offer(exchange, response)
                await self.send(exchange, response)
            if exchange.original_open and exchange.sent == 0:
                await self.send(exchange, Reply("Done."))
        except Exception:
            log.exception("discord interaction %s failed", interaction.id)
            if exchange.sent == 0:
                await self.send(
                    exchange,
                    Reply("Sorry, something went wrong on our side. Please try again."),
                )

    def _form_offer(self, exchange: _Exchange, request: OpenForm) -> Reply:
        """A dialog can only be the first answer; after a deferral, offer a button."""
        if request.prefill:
            key = (exchange.scope, str(exchange.interaction.user.id), request.form_id)
            self._keep_draft(key, dict(request.prefill))
        return Reply(
            "This continues in a form.", buttons=[form_button("Open the form", request.form_id)]
        )

    async def send(self, exchange: _Exchange, reply: Reply) -> None:
        """One reply within the interaction, or by DM (private) or post (public) once the
        interaction token has run out."""
        interaction = exchange.interaction
        if exchange.expired or _token_expired(interaction):
            await self._late(exchange, reply)
            return
        guild = None if interaction.guild_id else exchange.scope.workspace_id
        kwargs = message_kwargs(reply, guild_id=guild)
        try:
            if not interaction.response.is_done():
                await interaction.response.send_message(**kwargs, ephemeral=reply.private)
            elif exchange.original_open:
                exchange.original_open = False
                if reply.private:
                    await interaction.edit_original_response(**_edit_kwargs(kwargs))
                else:
                    # The deferral was ephemeral; a public answer replaces it.
                    await interaction.delete_original_response()
                    await interaction.followup.send(**kwargs, ephemeral=False)
            else:
                await interaction.followup.send(**kwargs, ephemeral=reply.private)
            exchange.sent += 1
        except discord.NotFound:
            exchange.expired = True
            await self._late(exchange, reply)
        except discord.HTTPException as exc:
            log.warning("reply to interaction failed: HTTP %s code %s", exc.status, exc.code)

    async def _late(self, exchange: _Exchange, reply: Reply) -> None:
        interaction = exchange.interaction
        delivery = self.core.delivery
        if reply.private or interaction.channel_id is None:
            await delivery.dm(exchange.scope, str(interaction.user.id), reply, purpose="late reply")
        else:
            await delivery.post(
                exchange.scope, str(interaction.channel_id), reply, purpose="late reply"
            )
        exchange.sent += 1

    async def _open_form(
        self,
        interaction: discord.Interaction,
        scope: Scope,
        form_id: str,
        page: int,
        prefill: Mapping[str, str],
    ) -> None:
        form = self.core.registry.form(form_id)
        pages = form_pages(form) if form is not None else []
        if form is None or not 0 <= page < len(pages):
            await _ephemeral(
                interaction, "This form is no longer available. Run the command again."
            )
            return
        key = (scope, str(interaction.user.id), form_id)
        draft = self._draft(key)
        if page > 0 and not draft:
            await _ephemeral(
                interaction, "This form timed out before it was finished. Run the command again."
            )
            return
        filled = {**draft, **prefill}
        self._keep_draft(key, filled)
        guild = None if interaction.guild_id else scope.workspace_id
        try:
            await interaction.response.send_modal(
                modal_for(form, page, prefill=filled, guild_id=guild)
            )
        except discord.HTTPException as exc:
            log.warning("could not open a dialog: HTTP %s code %s", exc.status, exc.code)

    def _draft(self, key: tuple[Scope, str, str]) -> dict[str, str]:
        now = time.monotonic()
        for stale in [k for k, d in self._drafts.items() if d.expires < now]:
            del self._drafts[stale]
        found = self._drafts.get(key)
        return dict(found.values) if found else {}

    def _keep_draft(self, key: tuple[Scope, str, str], values: dict[str, str]) -> None:
        self._drafts[key] = _Draft(values, time.monotonic() + DRAFT_LIFETIME)

    async def _tracked(self, work: Coroutine[Any, Any, None], *, name: str) -> None:
        """Run the work as core background work, so shutdown waits for it."""
        try:
            task = self.core.tasks.spawn(work, name=name)
        except RuntimeError:  # shutting down
            return
        self._inflight.add(task)
        task.add_done_callback(self._inflight.discard)
        await asyncio.shield(task)

    async def finish(self, grace_seconds: float) -> None:
        """Let interactions already under way send their answers (the HTTP session closes
        after this)."""
        if self._inflight:
            await asyncio.wait(set(self._inflight), timeout=grace_seconds)


class _Responder:
    """What a handler's `ctx.reply` and `ctx.defer` do during a Discord interaction."""

    def __init__(self, interactions: Interactions, exchange: _Exchange) -> None:
        self._interactions = interactions
        self._exchange = exchange

    async def defer(self) -> None:
        return None  # every interaction is deferred before the handler runs

    async def send(self, reply: Reply) -> None:
        await self._interactions.send(self._exchange, reply)


# ----- translation helpers ----------------------------------------------------------------


def _scope(interaction: discord.Interaction, guild_id: str | None = None) -> Scope | None:
    """The community an interaction belongs to: its guild, or for a press in a DM the guild
    written into the button."""
    if interaction.guild_id is not None:
        return Scope(PLATFORM, str(interaction.guild_id))
    if guild_id:
        return Scope(PLATFORM, guild_id)
    return None


def _actor(interaction: discord.Interaction, scope: Scope) -> Actor:
    user = interaction.user
    return Actor(scope, str(user.id), user.display_name)


def _platform_admin(interaction: discord.Interaction, scope: Scope | None = None) -> bool:
    """Manage Server (or Administrator) in the guild, from the permissions Discord sent with
    the interaction, or from the cached member for a press in a DM."""
    if interaction.guild_id is not None:
        permissions = interaction.permissions
    else:
        guild = interaction.client.get_guild(int(scope.workspace_id)) if scope else None
        member = guild.get_member(interaction.user.id) if guild else None
        if member is None:
            return False
        permissions = member.guild_permissions
    return permissions.manage_guild or permissions.administrator


def _channel(interaction: discord.Interaction) -> ChannelRef | None:
    if interaction.guild_id is None or interaction.channel_id is None:
        return None
    name = getattr(interaction.channel, "name", None) or ""
    return ChannelRef(str(interaction.channel_id), name)


def _neutral(value: Any) -> Any:
    """Discord's typed option values, as the neutral parser expects them."""
    if isinstance(value, discord.User | discord.Member):
        return MemberRef(str(value.id), value.display_name)
    if isinstance(value, discord.abc.Snowflake) and hasattr(value, "name"):
        return ChannelRef(str(value.id), str(getattr(value, "name", "")))
    return value


def _token_expired(interaction: discord.Interaction) -> bool:
    age = discord.utils.utcnow() - interaction.created_at
    return age > TOKEN_LIFETIME - TOKEN_MARGIN


def _edit_kwargs(kwargs: dict[str, Any]) -> dict[str, Any]:
    edited = dict(kwargs)
    if "file" in edited:
        edited["attachments"] = [edited.pop("file")]
    return edited


async def _ephemeral(interaction: discord.Interaction, text: str) -> None:
    try:
        await interaction.response.send_message(text, ephemeral=True)
    except discord.HTTPException as exc:
        log.warning("could not answer an interaction: HTTP %s code %s", exc.status, exc.code)


async def _refuse_outside_guild(interaction: discord.Interaction) -> None:
    await _ephemeral(interaction, "Use this in the community's server, not in a DM.")

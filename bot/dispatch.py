"""The one path from a surface's input to a feature's handler, whatever the platform.

Every command, button press and form submission comes through here, so the rules are
enforced in one place: moderator rights are checked on the server every time, options are
validated before a handler runs, bad input becomes one clear private message, and an
unexpected error is logged with a reference instead of reaching the chat as a traceback.
"""

from __future__ import annotations

import logging
import math
import secrets
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

from bot.context import Context, Responder
from bot.core import Core
from bot.errors import NotAllowed, UserError
from bot.model import (
    OPEN_FORM,
    Actor,
    Args,
    ChannelRef,
    Choice,
    Command,
    OpenForm,
    Option,
    OptionType,
    Refusal,
    Reply,
    form_request,
    split_action_id,
)
from bot.options import Resolver, parse_options, place_positional
from bot.textcommand import parse_command_line

log = logging.getLogger(__name__)

Response = Reply | OpenForm
AUTOCOMPLETE_MAX = 25  # Discord's limit for suggestions


class Dispatcher:
    def __init__(self, core: Core, resolver: Resolver) -> None:
        self.core = core
        self.resolver = resolver

    async def context(
        self,
        actor: Actor,
        *,
        responder: Responder,
        platform_admin: bool = False,
        channel: ChannelRef | None = None,
        remember: bool = True,
    ) -> Context:
        """`remember=False` skips recording the member (autocomplete runs per keystroke)."""
        if remember:
            await self.core.repos.members.remember(
                actor.scope, actor.user_id, actor.label, self.core.clock.now()
            )
        is_moderator = await self.core.is_moderator(actor.scope, actor.user_id, platform_admin)
        return Context(self.core, actor, channel, is_moderator, responder)

    # ----- entry points -------------------------------------------------------------------

    async def run_text(self, ctx: Context, line: str) -> list[Response]:
        """`/group sub key:value ...` as typed on the console or in Slack."""
        return await self._guard(ctx, "text command", lambda: self._run_text(ctx, line))

    async def run_command(
        self,
        ctx: Context,
        command: Command,
        raw: Mapping[str, Any],
        positional: Sequence[str] = (),
    ) -> list[Response]:
        """A command whose options the surface already split (Discord's native options)."""
        return await self._guard(
            ctx, command.path, lambda: self._run_command(ctx, command, raw, positional)
        )

    async def press(self, ctx: Context, action_id: str) -> list[Response]:
        """A button press. The id alone says what to do, so old buttons keep working."""
        return await self._guard(ctx, "button", lambda: self._press(ctx, action_id))

    async def submit_form(
        self, ctx: Context, form_id: str, values: Mapping[str, Any]
    ) -> list[Response]:
        return await self._guard(ctx, f"form {form_id}", lambda: self._submit(ctx, form_id, values))

    async def autocomplete(
        self, ctx: Context, command: Command, option_name: str, typed: str
    ) -> list[Choice]:
        """Suggestions for one option as the member types. Never raises: a failing source
        suggests nothing, and moderator-only commands suggest nothing to members."""
        option = command.option(option_name)
        if option is None or (command.moderator_only and not ctx.is_moderator):
            return []
        needle = typed.strip().lower()
        if option.choices:
            return [c for c in option.choices if needle in c.shown.lower()][:AUTOCOMPLETE_MAX]
        if option.autocomplete is None:
            return []
        try:
            return (await option.autocomplete(ctx, typed))[:AUTOCOMPLETE_MAX]
        except Exception:
            log.exception("autocomplete for %s %s failed", command.path, option_name)
            return []

    async def home(self, ctx: Context) -> list[Reply]:
        """Every loaded feature's section of this member's home screen. A section that
        fails is left out (and logged), so one feature cannot blank the whole page."""
        sections: list[Reply] = []
        for feature in self.core.registry.features.values():
            for section in feature.home_sections:
                try:
                    reply = await section(ctx)
                except Exception:
                    log.exception("home section of %s failed", feature.name)
                    continue
                if reply is not None:
                    sections.append(reply)
        return sections

    # ----- the work -----------------------------------------------------------------------

    def form_for_text(self, line: str) -> OpenForm | None:
        """The form a text command opens because required options are missing, found
        without any I/O, so a surface can show the dialog at once (Slack's trigger lasts
        3 seconds). Moderator-only commands are left to the full path, which checks
        rights before it opens anything."""
        try:
            parsed = parse_command_line(line)
            command, words = self._command_for(parsed.group, parsed.words)
            if command is None or not command.form_id or command.moderator_only:
                return None
            values = place_positional(command.path, command.options, parsed.options, words)
        except UserError:
            return None
        if not any(o.required and _blank(values.get(o.name)) for o in command.options):
            return None
        prefill = {k: v for k, v in values.items() if isinstance(v, str) and not _blank(v)}
        return OpenForm(command.form_id, prefill)

    def _command_for(self, group: str, words: list[str]) -> tuple[Command | None, list[str]]:
        """`/group sub ...` → the subcommand and the words after it, or the group's root
        command and all the words; (None, words) when there is neither."""
        command = self.core.registry.command(group, words[0].lower()) if words else None
        if command is not None:
            return command, words[1:]
        if words and words[0].lower() == "help":
            return None, words
        return self.core.registry.command(group, ""), words

    async def _run_text(self, ctx: Context, line: str) -> Response | None:
        parsed = parse_command_line(line)
        feature = self.core.registry.feature_for_group(parsed.group)
        if feature is None:
            raise UserError(f"Unknown command `/{parsed.group}`. Type /help to see the commands.")
        command, words = self._command_for(parsed.group, list(parsed.words))
        if command is None:
            if words and words[0].lower() != "help":
                raise UserError(
                    f"`/{parsed.group}` has no subcommand `{words[0]}`. "
                    f"Try: {_subcommands(self.core, parsed.group)}."
                )
            return group_help(self.core, parsed.group)
        return await self._run_command(ctx, command, parsed.options, words)

    async def _run_command(
        self,
        ctx: Context,
        command: Command,
        raw: Mapping[str, Any],
        positional: Sequence[str],
    ) -> Response | None:
        if command.moderator_only and not ctx.is_moderator:
            raise NotAllowed(f"Only moderators can use `{command.path}`.")
        values = place_positional(command.path, command.options, raw, positional)
        if command.form_id and any(
            option.required and _blank(values.get(option.name)) for option in command.options
        ):
            prefill = {k: v for k, v in values.items() if isinstance(v, str) and not _blank(v)}
            return OpenForm(command.form_id, prefill)
        args = await self._parse(ctx, command.path, command.options, values, ())
        return await command.handler(ctx, args)

    async def _press(self, ctx: Context, action_id: str) -> Response | None:
        name, target = split_action_id(action_id)
        if name == OPEN_FORM:
            return self.open_form(ctx, target)
        action = self.core.registry.action(name)
        if action is None:
            raise UserError("This button no longer works. Run the command again.")
        if action.moderator_only and not ctx.is_moderator:
            raise NotAllowed("Only moderators can use this button.")
        return await action.handler(ctx, target)

    def open_form(self, ctx: Context, target: str) -> OpenForm:
        request = form_request(target)
        form = self.core.registry.form(request.form_id)
        if form is None:
            raise UserError("This form is no longer available. Run the command again.")
        if form.moderator_only and not ctx.is_moderator:
            raise NotAllowed("Only moderators can use this form.")
        return request

    async def _submit(
        self, ctx: Context, form_id: str, values: Mapping[str, Any]
    ) -> Response | None:
        form = self.core.registry.form(form_id)
        if form is None:
            raise UserError("This form is no longer available. Run the command again.")
        if form.moderator_only and not ctx.is_moderator:
            raise NotAllowed("Only moderators can submit this form.")
        args = await self._parse(ctx, form.title, form.fields, values, ())
        return await form.handler(ctx, args)

    async def _parse(
        self,
        ctx: Context,
        what: str,
        options: Sequence[Option],
        raw: Mapping[str, Any],
        positional: Sequence[str],
    ) -> Args:
        return await parse_options(
            what,
            options,
            raw,
            scope=ctx.scope,
            resolver=self.resolver,
            # Only date-time options need the community's zone: skip the read otherwise.
            timezone=await ctx.timezone()
            if any(o.type is OptionType.DATETIME for o in options)
            else "UTC",
            positional=positional,
            now=ctx.now(),  # anchors date-time phrases such as `tomorrow 9am`
        )

    async def _guard(
        self, ctx: Context, what: str, work: Callable[[], Awaitable[Response | None]]
    ) -> list[Response]:
        """Run one interaction; map errors to messages; add replies held for this member."""
        responses: list[Response] = []
        if (wait := self._slow_down(ctx)) is not None:
            return [wait]
        try:
            result = await work()
        except UserError as exc:
            responses.append(Refusal(exc.message, private=True))
        except Exception:
            ref = secrets.token_hex(3)
            log.exception("%s failed for %s (ref %s)", what, ctx.scope, ref)
            responses.append(
                Reply(
                    f"Sorry, something went wrong on our side (ref {ref}). "
                    "Please try again; if it keeps happening, tell a moderator that reference.",
                    private=True,
                )
            )
        else:
            if result is not None:
                responses.append(result)
        for held in await self.core.delivery.take_held(ctx.scope, ctx.actor.user_id):
            held.title = held.title or "A message that could not reach you earlier"
            held.private = True
            responses.append(held)
        return responses

    def _slow_down(self, ctx: Context) -> Refusal | None:
        """The per-member rate limit; moderators are exempt (they clear queues in bursts)."""
        if ctx.is_moderator:
            return None
        wait = self.core.limiter.take((ctx.scope, ctx.actor.user_id))
        if not wait:
            return None
        seconds = max(1, math.ceil(wait))
        return Refusal(
            f"Slow down: you're sending commands faster than this community allows. "
            f"Try again in {seconds} second{'s' if seconds != 1 else ''}.",
            private=True,
        )


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _subcommands(core: Core, group: str) -> str:
    feature = core.registry.feature_for_group(group)
    names = [c.path for c in feature.commands] if feature else []
    return ", ".join(names)


def describe_command(command: Command) -> str:
    parts = [command.path]
    for option in command.options:
        shown = f"{option.name}:<{option.type.value}>"
        parts.append(shown if option.required else f"[{shown}]")
    suffix = " (moderators)" if command.moderator_only else ""
    return " ".join(parts) + f" — {command.description}{suffix}"


def group_help(core: Core, group: str) -> Reply:
    feature = core.registry.feature_for_group(group)
    if feature is None:
        raise UserError(f"Unknown command `/{group}`. Type /help to see the commands.")
    lines = [describe_command(command) for command in feature.commands]
    for command in feature.commands:
        for option in command.options:
            if option.choices:
                values = ", ".join(choice.value for choice in option.choices)
                lines.append(f"    {command.path} {option.name}: one of {values}")
    return Reply("\n".join(lines), title=f"/{group}: {feature.description}")

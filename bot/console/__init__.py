"""The console surface: a local community in a terminal, on the same core as Discord and Slack.

You act as a member (`/as alice`, `/as dr_lee --moderator`) and type the same slash commands.
Each block of output says where it went: `[reply]`, `[DM → alice]`, `[#introductions]`.
When standard input is not a terminal it reads one command per line and exits at the end,
which is how scripts and tests drive it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import secrets
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TextIO
from zoneinfo import ZoneInfo

from bot.clock import parse_delta
from bot.console.render import render_block
from bot.context import Context
from bot.core import Core
from bot.dispatch import Dispatcher, Response
from bot.errors import UserError
from bot.events import MEMBER_JOINED
from bot.model import Actor, Button, ChannelRef, MemberRef, OpenForm, Option, Reply
from bot.textcommand import split_words
from bot.transport import DmRefused
from storage.models import Scope

log = logging.getLogger(__name__)

SCOPE = Scope("console", "local")
NAME = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,31}$")
DEFAULT_PERSONA = "me"

CONSOLE_HELP = """Console commands (this terminal only):
  /as NAME [--moderator|--member]   act as another member (moderator = platform admin)
  /press LABEL | /press N           press a button (by label: the newest message having it)
  /clock [+3d]                      show the community clock, or move it and run what is due
  /dms off | /dms on                refuse or accept DMs as the current member
  /quit                             leave"""


@dataclass
class _Shown:
    """A message on screen: who can see it and which buttons it has."""

    visible_to: frozenset[str] | None  # None: everyone in the community
    buttons: list[Button]


class ConsoleSurface:
    name = "console"
    platform = "console"

    def __init__(
        self, core: Core, *, stdin: TextIO | None = None, stdout: TextIO | None = None
    ) -> None:
        self.core = core
        self.stdin = stdin or sys.stdin
        self.stdout = stdout or sys.stdout
        self.interactive = self.stdin.isatty()
        if self.interactive:
            with contextlib.suppress(ImportError):  # not on every platform
                import readline  # noqa: F401 - enables editing for input()
        self.dispatcher = Dispatcher(core, self)
        self.persona = DEFAULT_PERSONA
        self.admins: set[str] = set()
        self.dms_closed: set[str] = set()
        self._shown: list[_Shown] = []
        self._message_count = 0
        self._where: dict[str, str] = {}  # message ref -> where it was shown
        self._spaces: dict[str, set[str]] = {}  # a group's private channel -> who is in
        self._done = asyncio.Event()
        self._loop_task: asyncio.Task[None] | None = None

    # ----- Surface ------------------------------------------------------------------------

    async def start(self) -> None:
        self.core.delivery.attach(self)
        await self._meet(self.persona)
        self._loop_task = asyncio.create_task(self._read_loop(), name="console:input")

    async def wait(self) -> None:
        await self._done.wait()
        if self._loop_task is not None and self._loop_task.done():
            self._loop_task.result()  # surface an unexpected error

    async def stop(self) -> None:
        if self._loop_task is not None and not self._loop_task.done():
            self._loop_task.cancel()
            await asyncio.gather(self._loop_task, return_exceptions=True)
        self._done.set()

    # ----- input --------------------------------------------------------------------------

    async def _readline(self, prompt: str) -> str | None:
        if self.interactive and self.stdin is sys.stdin:
            # input() gives line editing and history (readline) in a real terminal.
            try:
                return await asyncio.to_thread(input, prompt)
            except EOFError:
                return None
        if self.interactive:
            self._write_raw(prompt)
        line = await asyncio.to_thread(self.stdin.readline)
        return None if line == "" else line.rstrip("\r\n")

    async def _read_loop(self) -> None:
        try:
            if self.interactive:
                self._write("Preceptor console. Type /help, or /as NAME to switch member.")
            while (line := await self._readline(f"{self.persona}> ")) is not None:
                await self.handle_line(line)
        finally:
            self._done.set()

    async def handle_line(self, line: str) -> None:
        text = line.strip()
        if not text or text.startswith("# "):
            return  # blank lines and comments in scripts
        if not self.interactive:
            self._write(f"{self.persona}> {text}")
        try:
            if not await self._console_command(text):
                ctx = await self._context()
                await self._show_responses(ctx, await self.dispatcher.run_text(ctx, text))
        except UserError as exc:
            self._write(render_block("reply · only you", Reply(exc.message)))
        except Exception:  # one bad line must not end the session
            ref = secrets.token_hex(3)
            log.exception("console command failed (ref %s)", ref)
            self._write(f"[console] Something went wrong (ref {ref}); details are in the log.")
        await self.core.tasks.settle()

    async def _console_command(self, text: str) -> bool:
        words = split_words(text)
        head = words[0].lower() if words else ""
        if head == "/as":
            await self._switch(words[1:])
        elif head == "/press":
            await self._press(" ".join(words[1:]))
        elif head == "/clock":
            await self._clock(words[1:])
        elif head == "/dms":
            self._dms(words[1:])
        elif head in ("/quit", "/exit"):
            self._done.set()
            if self._loop_task is not None and self._loop_task is not asyncio.current_task():
                self._loop_task.cancel()
        elif head == "/console":
            self._write(CONSOLE_HELP)
        else:
            return False
        return True

    async def _switch(self, args: Sequence[str]) -> None:
        flags = {a for a in args if a.startswith("--")}
        names = [a for a in args if not a.startswith("--")]
        unknown = flags - {"--moderator", "--member"}
        if len(names) != 1 or unknown or len(flags) > 1:
            raise UserError("Use /as NAME, /as NAME --moderator or /as NAME --member.")
        name = names[0].lstrip("@").lower()
        if not NAME.match(name):
            raise UserError(
                f"{names[0]!r} is not a member name: use letters, digits, '.', '_' or '-'."
            )
        if "--moderator" in flags:
            self.admins.add(name)
        elif "--member" in flags:
            self.admins.discard(name)
        self.persona = name
        await self._meet(name)
        role = " (moderator)" if name in self.admins else ""
        self._write(f"[console] You are now {name}{role}.")

    async def _meet(self, name: str) -> None:
        """Record a member; a first appearance is a join, as on Discord and Slack."""
        if await self.core.repos.members.get(SCOPE, name) is None:
            await self.core.repos.members.remember(SCOPE, name, name, self.core.clock.now())
            self.core.events.emit(MEMBER_JOINED, actor=Actor(SCOPE, name, name))

    async def _press(self, which: str) -> None:
        """By number: a button of the newest message with buttons. By label: the newest
        message you can see that has a button with that label (a welcome DM arriving in
        between does not hide the announcement you mean)."""
        which = which.strip()
        if not which:
            raise UserError("Use /press LABEL or /press N.")
        visible = [
            shown
            for shown in reversed(self._shown)
            if shown.buttons and (shown.visible_to is None or self.persona in shown.visible_to)
        ]
        if not visible:
            raise UserError("No message you can see has buttons.")
        candidates = visible[:1] if which.isdigit() else visible
        button = next((b for s in candidates if (b := _pick(s.buttons, which))), None)
        if button is None:
            labels = ", ".join(b.label for b in visible[0].buttons)
            raise UserError(f"No message you can see has {which!r}; the newest has {labels}.")
        ctx = await self._context()
        self._write(f"[console] {self.persona} pressed {button.label}")
        await self._show_responses(ctx, await self.dispatcher.press(ctx, button.action_id))

    async def _clock(self, args: Sequence[str]) -> None:
        if args:
            try:
                delta = parse_delta(args[0])
            except ValueError as exc:
                raise UserError(f"/clock: {exc}.") from None
            self.core.clock.advance(delta)
            # Run what is now due here, before re-arming: re-armed first, a due job would
            # fire from APScheduler in the background, uncounted and after this command.
            ran = await self.core.scheduler.run_due()
            await self.core.scheduler.rearm()
            await self.core.tasks.settle()
            self._write(f"[console] Clock moved {args[0]}; {ran} scheduled job(s) ran.")
        zone = await self.core.community_timezone(SCOPE)
        self._write(f"[console] Community time: {self.format_time(self.core.clock.now(), zone)}")

    def _dms(self, args: Sequence[str]) -> None:
        if args == ["off"]:
            self.dms_closed.add(self.persona)
            self._write(f"[console] {self.persona} now refuses DMs.")
        elif args == ["on"]:
            self.dms_closed.discard(self.persona)
            self._write(f"[console] {self.persona} accepts DMs again.")
        else:
            raise UserError("Use /dms off or /dms on.")

    async def _context(self) -> Context:
        return await self.dispatcher.context(
            Actor(SCOPE, self.persona, self.persona),
            responder=_ConsoleResponder(self),
            platform_admin=self.persona in self.admins,
        )

    async def _show_responses(self, ctx: Context, responses: list[Response]) -> None:
        for response in responses:
            if isinstance(response, OpenForm):
                await self._fill_form(ctx, response)
            else:
                self.show_reply(response)

    async def _fill_form(self, ctx: Context, request: OpenForm) -> None:
        form = self.core.registry.form(request.form_id)
        if form is None:
            raise UserError("That form is not available.")
        self._write(f"[form · only you] {form.title} (a blank line skips an optional field)")
        values: dict[str, str] = dict(request.prefill)
        for field in form.fields:
            if field.name in values:
                continue
            answer = await self._ask(field)
            if answer is None:
                self._write("[form] Cancelled: the input ended before the form was complete.")
                return
            if answer:
                values[field.name] = answer
        await self._show_responses(ctx, await self.dispatcher.submit_form(ctx, form.id, values))

    async def _ask(self, field: Option) -> str | None:
        need = "required" if field.required else "optional"
        hint = f", one of {', '.join(c.value for c in field.choices)}" if field.choices else ""
        prompt = f"  {field.name} ({need}{hint}): "
        for _ in range(3):
            answer = await self._readline(prompt)
            if answer is None:
                return None
            if not self.interactive:
                self._write(f"{prompt}{answer}")
            if answer.strip() or not field.required:
                return answer.strip()
            self._write(f"  {field.name} is required.")
        return None

    # ----- output -------------------------------------------------------------------------

    def show_reply(self, reply: Reply) -> None:
        where = "reply · only you" if reply.private else "reply"
        self._show(where, reply, frozenset({self.persona}) if reply.private else None)

    def _show(self, where: str, reply: Reply, visible_to: frozenset[str] | None) -> str:
        self._message_count += 1
        ref = f"m{self._message_count}"
        self._where[ref] = where
        self._shown.append(_Shown(visible_to, list(reply.buttons)))
        self._write(render_block(where, reply))
        return ref

    def _write(self, text: str) -> None:
        self.stdout.write(text + "\n")
        self.stdout.flush()

    def _write_raw(self, text: str) -> None:
        self.stdout.write(text)
        self.stdout.flush()

    # ----- Transport ----------------------------------------------------------------------

    async def send_dm(self, scope: Scope, user_ids: Sequence[str], reply: Reply) -> str:
        closed = [u for u in user_ids if u in self.dms_closed]
        if closed:
            raise DmRefused("dms_closed")
        label = "DM" if len(user_ids) == 1 else "group DM"
        return self._show(f"{label} → {', '.join(user_ids)}", reply, frozenset(user_ids))

    async def post(self, scope: Scope, channel_id: str, reply: Reply) -> str:
        if channel_id in self._spaces:
            inside = frozenset(self._spaces[channel_id])
            return self._show(f"#{channel_id} · private space", reply, inside)
        await self.core.repos.channels.get_or_create(scope, channel_id, self.core.clock.now())
        return self._show(f"#{channel_id}", reply, None)

    async def edit(self, scope: Scope, message_ref: str, reply: Reply) -> None:
        where = self._where.get(message_ref, "message")
        self._write(render_block(f"{where} · edited {message_ref}", reply))

    async def delete(self, scope: Scope, message_ref: str) -> None:
        where = self._where.get(message_ref, "message")
        self._write(f"[{where} · deleted {message_ref}]")

    async def post_private(self, scope: Scope, channel_id: str, user_id: str, reply: Reply) -> str:
        return self._show(
            f"#{channel_id} > private thread with {user_id}", reply, frozenset({user_id})
        )

    # ----- PrivateSpaces: a group's private channel, seen by those let in ----------------

    async def create_space(self, scope: Scope, name: str, topic: str) -> str:
        base = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:60] or "group"
        channel_id, number = base, 1
        while channel_id in self._spaces or await self.core.repos.channels.by_name(
            scope, channel_id
        ):
            number += 1
            channel_id = f"{base}-{number}"
        self._spaces[channel_id] = set()
        self._write(f"[console] #{channel_id} is a new private space.")
        return channel_id

    async def grant_space(self, scope: Scope, space_id: str, user_id: str) -> None:
        self._spaces.setdefault(space_id, set()).add(user_id)
        self._write(f"[console] {user_id} can now see #{space_id}.")

    async def revoke_space(self, scope: Scope, space_id: str, user_id: str) -> None:
        self._spaces.setdefault(space_id, set()).discard(user_id)
        self._write(f"[console] {user_id} can no longer see #{space_id}.")

    def mention(self, user_id: str) -> str:
        return f"@{user_id}"

    def channel_label(self, channel_id: str) -> str:
        return f"#{channel_id}"

    def format_time(self, when: datetime, timezone: str) -> str:
        utc = when.strftime("%Y-%m-%d %H:%M UTC")
        if timezone == "UTC":
            return utc
        local = when.astimezone(ZoneInfo(timezone))
        return f"{utc} ({local.strftime('%a %d %b %H:%M')} {timezone})"

    # ----- Resolver -----------------------------------------------------------------------

    async def resolve_member(self, scope: Scope, text: str) -> MemberRef | None:
        name = text.strip().lstrip("@").lower()
        if not NAME.match(name):
            return None
        member = await self.core.repos.members.get(scope, name)
        return None if member is None else MemberRef(member.user_id, member.display_name)

    async def resolve_channel(self, scope: Scope, text: str) -> ChannelRef | None:
        # Naming a channel writes nothing; it is created when first posted to.
        name = text.strip().lstrip("#").lower()
        if not self.core.repos.channels.valid_name(name):
            return None
        return ChannelRef(name, name)


class _ConsoleResponder:
    def __init__(self, console: ConsoleSurface) -> None:
        self._console = console

    async def defer(self) -> None:
        return None

    async def send(self, reply: Reply) -> None:
        self._console.show_reply(reply)


def _pick(buttons: list[Button], which: str) -> Button | None:
    if which.isdigit():
        index = int(which) - 1
        return buttons[index] if 0 <= index < len(buttons) else None
    for button in buttons:
        if button.label.lower() == which.lower():
            return button
    return None


__all__ = ["SCOPE", "ConsoleSurface"]

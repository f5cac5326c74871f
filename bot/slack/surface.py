"""The Slack surface: a slack-bolt AsyncApp in the shared event loop.

Socket Mode when SLACK_APP_TOKEN is set (no public endpoint needed), otherwise signed
HTTP on SLACK_HTTP_PORT. Every feature is one slash command (`/setup channels ...`), every
button a Block Kit action whose value is the neutral action id, every form a modal.

The order in every handler: `ack()` first (Slack's 3 seconds); then what needs no
database (opening a dialog while the trigger is fresh, checking a dialog's values); then
the durable dedupe of retried deliveries; then the work through the neutral dispatcher.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import re
import time
from collections.abc import Awaitable, Callable, Coroutine, Mapping
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any

from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from bot.context import Context, SilentResponder
from bot.core import Core
from bot.dispatch import Dispatcher, Response
from bot.events import MEMBER_JOINED, MEMBER_LEFT
from bot.model import (
    OPEN_FORM,
    Actor,
    Attachment,
    ChannelRef,
    OpenForm,
    Refusal,
    Reply,
    form_button,
    form_request,
    split_action_id,
)
from bot.options import form_problems
from bot.slack import blocks
from bot.slack.http import SlackHttpServer
from bot.slack.transport import SlackTransport
from bot.transport import DeliveryFailed
from config.settings import SettingsError
from storage.models import Scope

log = logging.getLogger(__name__)

PLATFORM = "slack"
RESPONSE_URL_USES = 5  # Slack accepts five posts to one response_url
DRAFT_LIFETIME = 30 * 60.0  # seconds a refused dialog's values are kept to resend
SEEN_FOR = timedelta(days=1)  # Slack stops retrying long before this
STOP_GRACE = 10.0


@dataclass
class _Draft:
    values: dict[str, str]
    expires: float


class AnyServerErrorRetryHandler(AsyncServerErrorRetryHandler):
    """Every 5xx, not only 500 and 503 (the library's choice): 502 and 504 are what a
    proxy in front of Slack answers while it recovers."""

    async def _can_retry_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        return response is not None and 500 <= response.status_code < 600


def retry_handlers() -> list[AsyncRetryHandler]:
    # One attempt counter is shared by all handlers of a call, so the counts add up.
    return [
        AsyncConnectionErrorRetryHandler(max_retry_count=3),
        AsyncRateLimitErrorRetryHandler(max_retry_count=4),
        AnyServerErrorRetryHandler(max_retry_count=3),
    ]


class _Answer:
    """Replies for one interaction: its response_url while it lasts, then DM (private) or
    a post in the channel (public)."""

    def __init__(
        self,
        surface: SlackSurface,
        scope: Scope,
        user_id: str,
        url: str | None,
        channel: str | None,
    ) -> None:
        self._surface = surface
        self._scope = scope
        self._user_id = user_id
        self.url = url
        self._channel = channel
        self._uses = 0

    async def defer(self) -> None:
        return None  # acked before any work started

    async def send(self, reply: Reply) -> None:
        if self.url and self._uses < RESPONSE_URL_USES:
            self._uses += 1
            note = None
            if reply.file is not None and reply.private:
                # An ephemeral message cannot show a file: it goes to their DM first, so
                # the message can say where it went (or why it could not).
                sent, note = await self._surface.transport.send_file_privately(
                    self._user_id, reply.file
                )
                if sent:  # whatever happens to the message, the file is not sent again
                    reply = replace(reply, file=None)
            if await self._respond(reply, note):
                if reply.file is not None and not reply.private:
                    await self._share(reply.file)
                return
        delivery = self._surface.core.delivery
        if reply.private or not self._channel:
            await delivery.dm(self._scope, self._user_id, reply, purpose="reply")
        else:
            await delivery.post(self._scope, self._channel, reply, purpose="reply")

    async def _respond(self, reply: Reply, note: str | None) -> bool:
        """Post to the response_url; False if it did not take the message."""
        assert self.url is not None
        payload = blocks.message(reply, note=note)
        try:
            response = await AsyncWebhookClient(self.url, retry_handlers=retry_handlers()).send(
                text=payload["text"],
                blocks=payload["blocks"],
                response_type="ephemeral" if reply.private else "in_channel",
                replace_original=False,
            )
            if response.status_code == 200:
                return True
            log.warning("response_url answered %s; replying another way", response.status_code)
        except Exception as exc:  # noqa: BLE001 - any failure: reply another way
            log.warning("response_url failed (%s); replying another way", type(exc).__name__)
        return False

    async def _share(self, file: Attachment) -> None:
        """A public reply's file, after the reply: uploaded into the channel. Where the app
        may not post (a channel it is not in), the member gets it by DM and is told why."""
        transport = self._surface.transport
        error = "no channel"
        if self._channel:
            try:
                await transport.upload(self._channel, file)
                return
            except DeliveryFailed as exc:
                error = exc.code
        log.info("file for a public reply not shared in the channel (%s)", error)
        _, note = await transport.send_file_privately(self._user_id, file)
        name, why = blocks.escape(file.filename), blocks.escape(error)
        await self.send(Reply(f"I couldn't share {name} in this channel ({why}). {note}"))


class SlackSurface:
    name = "slack"

    def __init__(self, core: Core) -> None:
        settings = core.settings
        if settings.slack_bot_token is None:
            raise SettingsError("Invalid setting SLACK_BOT_TOKEN: it is required for Slack.")
        self.core = core
        self._app_token = settings.slack_app_token
        secret = settings.slack_signing_secret
        if self._app_token is None and secret is None:
            raise SettingsError(
                "Invalid setting SLACK_SIGNING_SECRET: HTTP mode (no SLACK_APP_TOKEN) needs it."
            )
        self._secret = secret.get_secret_value() if secret is not None else ""
        client_options: dict[str, Any] = {}
        if settings.slack_api_url:
            client_options["base_url"] = settings.slack_api_url.rstrip("/") + "/"
        self.client = AsyncWebClient(
            token=settings.slack_bot_token.get_secret_value(),
            retry_handlers=retry_handlers(),
            **client_options,
        )
        bolt_log = logging.getLogger("bot.slack.bolt")
        bolt_log.setLevel(logging.ERROR)  # Bolt's warnings quote request payloads
        self.app = AsyncApp(
            client=self.client,
            signing_secret=self._secret,
            logger=bolt_log,
        )
        self.transport = SlackTransport(self.client)
        self.dispatcher = Dispatcher(core, self.transport)
        self._socket: AsyncSocketModeHandler | None = None
        self.http: SlackHttpServer | None = None
        self._stopped = asyncio.Event()
        self._drafts: dict[tuple[Scope, str, str], _Draft] = {}
        self._inflight: set[asyncio.Task[Any]] = set()
        self._envelopes = 0  # Socket Mode envelopes being handled and acked
        self._envelopes_done = asyncio.Event()
        self._envelopes_done.set()
        self._register()

    # ----- Surface ------------------------------------------------------------------------

    async def start(self) -> None:
        try:
            await self.client.auth_test()
        except SlackApiError as exc:
            error = blocks.clip(str(exc.response.get("error")), 40)
            raise SettingsError(
                f"Invalid setting SLACK_BOT_TOKEN: Slack refused it ({error})."
            ) from None
        self.core.delivery.attach(self.transport)
        await self.core.repos.seen.forget_before(self.core.clock.now() - SEEN_FOR)
        if self._app_token is not None:
            self._socket = AsyncSocketModeHandler(
                self.app,
                self._app_token.get_secret_value(),
                logger=logging.getLogger("bot.slack.socket"),
            )
            listeners = self._socket.client.socket_mode_request_listeners
            listeners[:] = [self._counted(listener) for listener in listeners]
            await self._socket.connect_async()  # type: ignore[no-untyped-call]
            log.info("slack ready (Socket Mode)")
        else:
            self.http = SlackHttpServer(
                self.app, secret=self._secret, port=self.core.settings.slack_http_port
            )
            await self.http.start()
            log.info("slack ready (HTTP mode)")

    async def wait(self) -> None:
        await self._stopped.wait()

    def _counted(self, listener: Any) -> Callable[[Any, Any], Awaitable[None]]:
        """Wrap Bolt's Socket Mode listener so stop() knows when every envelope is acked."""

        async def handle(client: Any, request: Any) -> None:
            self._envelopes += 1
            self._envelopes_done.clear()
            try:
                await listener(client, request)
            finally:
                self._envelopes -= 1
                if self._envelopes == 0:
                    self._envelopes_done.set()

        return handle

    async def stop(self) -> None:
        if self._socket is not None:
            # Bolt acks an envelope only after its listener has taken ack(); closing the
            # socket before that ack goes out would make Slack retry the delivery.
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._envelopes_done.wait(), STOP_GRACE)
            await self._socket.close_async()  # type: ignore[no-untyped-call]
        if self.http is not None:
            await self.http.stop()
        if self._inflight:
            await asyncio.wait(set(self._inflight), timeout=STOP_GRACE)
        self._stopped.set()

    # ----- Bolt listeners -----------------------------------------------------------------

    def _register(self) -> None:
        app = self.app
        app.command(re.compile(r"^/[\w-]+$"))(self._on_command)
        app.action(re.compile(f"^{re.escape(blocks.BUTTON_PREFIX)}"))(self._on_press)
        app.view_submission(re.compile(f"^{re.escape(blocks.FORM_PREFIX)}"))(self._on_submit)
        app.event("team_join")(self._on_team_join)
        app.event("user_change")(self._on_user_change)
        app.event("app_home_opened")(self._on_home_opened)

    async def _on_command(self, ack: Callable[..., Awaitable[Any]], body: dict[str, Any]) -> None:
        await ack()
        scope = Scope(PLATFORM, str(body.get("team_id", "")))
        user_id = str(body.get("user_id", ""))
        line = f"{body.get('command', '')} {body.get('text', '')}".strip()
        url, channel = body.get("response_url"), body.get("channel_id")
        form = self.dispatcher.form_for_text(line)
        if form is not None:
            # Open the dialog while the trigger is fresh; opening changes nothing, so a
            # retried delivery needs no dedupe here.
            await self._open_form(scope, user_id, body.get("trigger_id"), form, url, channel)
            return
        await self._tracked(
            self._work(
                scope,
                user_id,
                str(body.get("user_name", "")),
                _key("trigger", body.get("trigger_id")),
                _Answer(self, scope, user_id, url, channel),
                channel,
                lambda ctx: self.dispatcher.run_text(ctx, line),
                trigger=body.get("trigger_id"),
            )
        )

    async def _on_press(self, ack: Callable[..., Awaitable[Any]], body: dict[str, Any]) -> None:
        await ack()
        action = (body.get("actions") or [{}])[0]
        action_id = str(action.get("value", ""))
        scope = _team(body)
        user = body.get("user") or {}
        user_id = str(user.get("id", ""))
        url = body.get("response_url")
        channel = (body.get("channel") or {}).get("id")
        name, target = split_action_id(action_id)
        if name == OPEN_FORM:
            await self._open_form(
                scope, user_id, body.get("trigger_id"), form_request(target), url, channel
            )
            return
        key = _key("trigger", body.get("trigger_id"), action.get("action_ts"))
        await self._tracked(
            self._work(
                scope,
                user_id,
                str(user.get("username") or user.get("name") or ""),
                key,
                _Answer(self, scope, user_id, url, channel),
                channel,
                lambda ctx: self.dispatcher.press(ctx, action_id),
                trigger=body.get("trigger_id"),
            )
        )

    async def _on_submit(self, ack: Callable[..., Awaitable[Any]], body: dict[str, Any]) -> None:
        view = body.get("view") or {}
        form_id = str(view.get("callback_id", ""))[len(blocks.FORM_PREFIX) :]
        form = self.core.registry.form(form_id)
        values = blocks.submitted(view)
        if form is not None:
            problems = form_problems(form.fields, values)
            if problems:  # shown under each field, and the dialog stays open
                await ack(response_action="errors", errors=problems)
                return
        await ack()
        scope = _team(body)
        user = body.get("user") or {}
        user_id = str(user.get("id", ""))
        meta = _metadata(view)
        answer = _Answer(self, scope, user_id, meta.get("r"), meta.get("c"))
        if form is None:
            await answer.send(Reply("This form is no longer available. Run the command again."))
            return
        key = (scope, user_id, form.id)

        async def submit(ctx: Context) -> list[Response]:
            responses = await self.dispatcher.submit_form(ctx, form.id, values)
            refusals = [r for r in responses if isinstance(r, Refusal)]
            if refusals:  # keep what they typed; the button reopens the dialog filled in
                self._drafts[key] = _Draft(
                    blocks.drafted(values), time.monotonic() + DRAFT_LIFETIME
                )
                refusals[0].buttons.append(form_button("Fix and resend", form.id))
            else:
                self._drafts.pop(key, None)
            return responses

        await self._tracked(
            self._work(
                scope,
                user_id,
                str(user.get("username") or user.get("name") or ""),
                _key("view", view.get("id"), view.get("hash")),
                answer,
                meta.get("c"),
                submit,
            )
        )

    async def _on_team_join(self, body: dict[str, Any], event: dict[str, Any]) -> None:
        scope = Scope(PLATFORM, str(body.get("team_id", "")))
        user = event.get("user") or {}
        if user.get("is_bot"):
            return
        profile = user.get("profile") or {}
        name = profile.get("display_name") or profile.get("real_name") or user.get("name") or ""
        actor = Actor(scope, str(user.get("id", "")), str(name))

        async def joined() -> None:
            if not await self._first_sighting(scope, _key("event", body.get("event_id"))):
                return
            await self.core.repos.members.remember(
                scope, actor.user_id, actor.label, self.core.clock.now()
            )
            self.core.events.emit(MEMBER_JOINED, actor=actor)

        await self._tracked(joined())

    async def _on_user_change(self, body: dict[str, Any], event: dict[str, Any]) -> None:
        """A deactivated account is Slack's "left the workspace": features drop what they
        hold for the member (their invitation to private group channels, say)."""
        user = event.get("user") or {}
        if not user.get("deleted") or user.get("is_bot"):
            return
        scope = Scope(PLATFORM, str(body.get("team_id", "")))
        actor = Actor(scope, str(user.get("id", "")), "")

        async def left() -> None:
            if await self._first_sighting(scope, _key("event", body.get("event_id"))):
                self.core.events.emit(MEMBER_LEFT, actor=actor)

        await self._tracked(left())

    async def _on_home_opened(self, body: dict[str, Any], event: dict[str, Any]) -> None:
        if event.get("tab") != "home":
            return
        scope = Scope(PLATFORM, str(body.get("team_id", "")))
        user_id = str(event.get("user", ""))

        async def publish() -> None:
            if not await self._first_sighting(scope, _key("event", body.get("event_id"))):
                return
            ctx = await self.dispatcher.context(
                Actor(scope, user_id, ""),
                responder=SilentResponder(),
                platform_admin=await self.transport.is_admin(scope, user_id),
                remember=False,
            )
            sections = await self.dispatcher.home(ctx)
            await self.client.views_publish(user_id=user_id, view=blocks.home(sections))

        await self._tracked(publish())

    # ----- the common path ----------------------------------------------------------------

    async def _work(
        self,
        scope: Scope,
        user_id: str,
        name: str,
        key: str | None,
        answer: _Answer,
        channel: str | None,
        run: Callable[[Context], Awaitable[list[Response]]],
        *,
        trigger: str | None = None,
    ) -> None:
        try:
            if not await self._first_sighting(scope, key):
                return
            ctx = await self.dispatcher.context(
                Actor(scope, user_id, name),
                responder=answer,
                platform_admin=await self.transport.is_admin(scope, user_id),
                channel=ChannelRef(channel) if channel else None,
            )
            for response in await run(ctx):
                if isinstance(response, OpenForm):
                    opened = await self._open_form(
                        scope, user_id, trigger, response, answer.url, channel, quiet=True
                    )
                    if not opened:  # the trigger ran out: a button gives a fresh one
                        await answer.send(
                            Reply(
                                "This continues in a form.",
                                buttons=[form_button("Open the form", response.form_id)],
                            )
                        )
                    continue
                await answer.send(response)
        except Exception:
            log.exception("slack interaction failed (%s)", scope)
            await answer.send(Reply("Sorry, something went wrong on our side. Please try again."))

    async def _open_form(
        self,
        scope: Scope,
        user_id: str,
        trigger: Any,
        request: OpenForm,
        url: Any,
        channel: Any,
        *,
        quiet: bool = False,
    ) -> bool:
        form = self.core.registry.form(request.form_id)
        if form is None or not trigger:
            return False
        key = (scope, user_id, form.id)
        draft = self._drafts.get(key)
        prefill = dict(draft.values) if draft and draft.expires > time.monotonic() else {}
        prefill.update(request.prefill)
        metadata = {k: v for k, v in (("c", channel), ("r", url)) if v}
        try:
            await self.client.views_open(
                trigger_id=str(trigger),
                view=blocks.modal(form, prefill=prefill, metadata=metadata),
            )
        except SlackApiError as exc:
            if not quiet:
                log.warning("views.open failed: %s", exc.response.get("error"))
            return False
        return True

    async def _first_sighting(self, scope: Scope, key: str | None) -> bool:
        if key is None:  # nothing identifies the delivery: it cannot be a known retry
            return True
        seen = await self.core.repos.seen.first_sighting(scope, key, self.core.clock.now())
        if not seen:
            log.info("skipped a delivery Slack sent again")
        return seen

    async def _tracked(self, work: Coroutine[Any, Any, None]) -> None:
        """Run the work as core background work, so shutdown waits for it."""
        try:
            task = self.core.tasks.spawn(work, name="slack:interaction")
        except RuntimeError:  # shutting down
            return
        self._inflight.add(task)
        task.add_done_callback(self._inflight.discard)
        await asyncio.shield(task)


def _key(kind: str, *parts: Any) -> str | None:
    """A delivery's dedupe key, or None when Slack sent no id to build it from (two
    deliveries without ids must never look like the same one)."""
    if not parts or not parts[0]:
        return None
    return ":".join([kind, *(str(p) for p in parts if p)])


def _team(body: Mapping[str, Any]) -> Scope:
    team = body.get("team") or {}
    team_id = team.get("id") or (body.get("user") or {}).get("team_id") or ""
    return Scope(PLATFORM, str(team_id))


def _metadata(view: Mapping[str, Any]) -> dict[str, str]:
    try:
        meta = json.loads(view.get("private_metadata") or "{}")
    except ValueError:
        return {}
    return {k: str(v) for k, v in meta.items()} if isinstance(meta, dict) else {}

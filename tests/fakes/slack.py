"""A strict local fake of Slack for end-to-end tests.

One aiohttp server on 127.0.0.1 serves:

* the Web API at ``POST|GET /api/<method>`` (form, JSON or query arguments, token in an
  ``Authorization: Bearer`` header or a ``token`` form field);
* ``response_url`` sinks at ``POST /response/<id>`` (30 minutes, 5 uses each);
* file upload URLs at ``POST /upload/v1/<id>`` (handed out by
  ``files.getUploadURLExternal``; raw bytes, as slack_sdk's ``files_upload_v2`` sends
  them, or a multipart form with one file part; one use each);
* a Socket Mode websocket at ``/socket?ticket=...`` (URLs handed out by
  ``apps.connections.open``, one use per ticket).

It can also deliver signed HTTP requests (commands, interactivity, events) to an app's
endpoint, the way Slack does in HTTP mode.

Point slack_sdk / slack-bolt at it unmodified::

    client = AsyncWebClient(token=fake.bot_token, base_url=fake.api_url)
    app = AsyncApp(client=client, signing_secret=fake.signing_secret)

Payloads follow what Slack sends (checked against what slack-bolt 1.30 / slack-sdk 3.47 parse).
The fake is strict: unknown Web API methods answer ``unknown_method`` and land in
``fake.unknown``; Block Kit that Slack rejects is rejected (``invalid_blocks`` for messages,
``invalid_arguments`` for views, with Slack's ``response_metadata.messages``); triggers expire
3 s after the interaction was sent and work once; acks after 3 s are flagged ``late`` (and a
late view_submission response is ignored, as Slack does).

Things the app does that Slack would silently reject (a bad ack body, an ack for an unknown
envelope, a reused socket ticket) are listed in ``fake.rejected``. Bugs of the fake itself
are listed in ``fake.errors`` (and the call in ``fake.unknown``). Token values are never
recorded: a ``Call`` only says which kind of token came ("bot", "app", "user", "other",
"none").

Files: ``files.getUploadURLExternal`` → the bytes to the upload URL →
``files.completeUploadExternal`` shares them (in ``channel_id``/``channels``, or nowhere:
a private file). POSTs to upload URLs are in ``fake.uploads``; shared files, bytes and
all, in ``fake.files()`` / ``fake.file(id)``, and each share is a message in its channel
(``files`` and ``upload: true``, text = ``initial_comment``). Sharing follows
chat.postMessage's rules (``not_in_channel``, ``channel_not_found``, DM refusals); an
unknown, unfinished or already completed file id answers ``file_not_found``. Scopes are
not enforced (``files:write`` is in the reported ``X-OAuth-Scopes``).

DM refusals: a Slack member cannot block an app's DMs (there is no such setting, and
``cannot_dm_bot`` is what Slack answers when the *target is a bot*), so the fake models
the refusals that do exist. ``add_user(..., blocks_dms=True)`` makes ``conversations.open``
(and ``chat.postMessage`` to the user id or their DM) answer
``{"ok": false, "error": "user_disabled"}``, the code for a deactivated member, the usual
reason a DM fails in a community (users.info still shows them active, so they can keep
using commands in tests). Pass ``dm_error=`` for another real code: ``"user_not_visible"``
(restricted guest), or ``"messages_tab_disabled"`` (the app's Messages tab is off:
conversations.open succeeds and chat.postMessage fails). A bot user (``is_bot=True``)
answers ``cannot_dm_bot``.

Channels: the fake keeps each channel's members (``fake.channel_members(id)``), and a
private channel exists for the app only while the bot is in it (``channel_not_found``
everywhere otherwise, as for any non-member). ``conversations.create`` validates names as
Slack does (``invalid_name_required``, ``invalid_name_maxlength``, ``invalid_name_specials``
for anything but lowercase letters, digits, ``-`` and ``_``, ``invalid_name_punctuation``)
and answers ``name_taken`` for any channel's name, archived or private ones included; the
bot creates it and is its only member. ``conversations.invite`` answers
``already_in_channel`` and ``conversations.kick`` ``not_in_channel`` for the member's own
state, and both ``is_archived`` on an archived channel. ``fake.restrict(method)`` is a
workspace preference that forbids the app ``conversations.create`` or
``conversations.kick`` (``restricted_action``). ``conversations.setTopic`` keeps the topic
(250 characters at most, ``too_long``). The system messages Slack adds to a channel
(joins, leaves, topic changes) are not modelled.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import hashlib
import hmac
import json
import math
import mimetypes
import re
import secrets
import string
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode

import aiohttp
from aiohttp import WSMsgType, web

from tests.fakes.waiting import Waiting

__all__ = [
    "ACK_DEADLINE",
    "APP_ID",
    "GENERAL_CHANNEL_ID",
    "TEAM_DOMAIN",
    "TEAM_NAME",
    "VERIFICATION_TOKEN",
    "Ack",
    "Call",
    "Delivery",
    "FakeSlack",
    "SocketFrame",
    "sign",
]


TEAM_NAME = "Preceptor Test"
TEAM_DOMAIN = "preceptor-test"
APP_ID = "A0PRECEPT"
VERIFICATION_TOKEN = "fake-verification-token"  # the deprecated `token` field in payloads
GENERAL_CHANNEL_ID = "C0GENERAL"
ACK_DEADLINE = 3.0
TRIGGER_TTL = 3.0
RESPONSE_URL_TTL = 30 * 60.0
RESPONSE_URL_USES = 5
BOT_SCOPES = (
    "chat:write,commands,im:write,mpim:write,users:read,channels:read,groups:read,"
    "im:read,mpim:read,channels:manage,groups:write,channels:history,groups:history,"
    "im:history,mpim:history,files:write"
)
UPLOAD_URL_TTL = 60 * 60.0  # how long an upload URL takes the bytes (the fake's choice)

_ID_ALPHABET = string.ascii_uppercase + string.digits
_CHANNEL_NAME = re.compile(r"^[a-z0-9_\-]+$")
_CHANNEL_NAME_MAX = 80
_TOPIC_MAX = 250
_RESTRICTABLE = frozenset({"conversations.create", "conversations.kick"})

_TEXT_INPUTS = {"plain_text_input", "email_text_input", "url_text_input", "number_input"}
_SINGLE_OPTION = {"static_select", "external_select", "radio_buttons"}
_MULTI_OPTION = {"multi_static_select", "multi_external_select", "checkboxes"}
_SELECTS = {
    "static_select",
    "multi_static_select",
    "external_select",
    "multi_external_select",
    "users_select",
    "multi_users_select",
    "conversations_select",
    "multi_conversations_select",
    "channels_select",
    "multi_channels_select",
}
_INPUT_ELEMENTS = (
    _TEXT_INPUTS
    | _SELECTS
    | {
        "checkboxes",
        "radio_buttons",
        "datepicker",
        "timepicker",
        "datetimepicker",
        "rich_text_input",
        "file_input",
    }
)
_ACTION_ELEMENTS = _SELECTS | {
    "button",
    "overflow",
    "checkboxes",
    "radio_buttons",
    "datepicker",
    "timepicker",
    "datetimepicker",
    "workflow_button",
    "rich_text_input",
}
_ACCESSORY_ELEMENTS = (_ACTION_ELEMENTS - {"rich_text_input"}) | {"image"}
_KNOWN_BLOCKS = {
    "section",
    "actions",
    "context",
    "divider",
    "header",
    "image",
    "input",
    "rich_text",
    "markdown",
    "file",
    "video",
    "call",
    "table",
    "context_actions",
}


def sign(secret: str, timestamp: str, body: bytes | str) -> str:
    """Slack's request signature: ``v0=hex(HMAC_SHA256(secret, "v0:{ts}:{body}"))``."""
    raw = body.encode() if isinstance(body, str) else body
    base = b"v0:" + timestamp.encode() + b":" + raw
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def _dumps(data: Any) -> str:
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False)


def _rand_id(prefix: str, n: int = 10) -> str:
    return prefix + "".join(secrets.choice(_ID_ALPHABET) for _ in range(n))


def _truthy(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return value != 0
    return isinstance(value, str) and value.lower() in ("1", "true", "yes")


def _now() -> float:
    return time.monotonic()


# ---------------------------------------------------------------------- records


@dataclass
class Call:
    """One request the fake received: a Web API call, or a POST to a response_url."""

    index: int
    method: str  # Web API method ("chat.postMessage"), or "response_url"
    args: dict[str, Any]  # query + body; JSON-string fields (blocks, view, ...) decoded
    at: float  # time.monotonic() on arrival
    status: int  # HTTP status the fake answered with
    response: Any  # the JSON (or text) body the fake answered with
    token: str  # "bot", "app", "user", "other" or "none": the kind, never the value
    http_method: str = "POST"
    url: str | None = None  # for response_url calls: the URL posted to


@dataclass
class Ack:
    """The app's answer to a delivery.

    Socket Mode: the ack frame's ``payload`` (None for a bare ack), status 200.
    HTTP: the response status and body (JSON parsed; a 200 text body becomes
    ``{"text": body}``, which is how Slack reads it; empty is None).
    """

    at: float  # time.monotonic() when the ack arrived
    status: int
    payload: Any
    envelope_id: str | None = None
    raw: str | None = None  # HTTP: the raw response body
    elapsed: float = 0.0  # seconds since the delivery was sent

    @property
    def late(self) -> bool:
        return self.elapsed > ACK_DEADLINE


@dataclass
class SocketFrame:
    """A text frame the app sent over a Socket Mode connection."""

    at: float
    connection: int  # 1-based number of the connection
    data: Any


class _SlackError(Exception):
    def __init__(self, error: str, *, messages: Iterable[str] = (), **extra: Any) -> None:
        super().__init__(error)
        self.body: dict[str, Any] = {"ok": False, "error": error, **extra}
        msgs = [f"[ERROR] {m}" for m in messages]
        if msgs:
            self.body["response_metadata"] = {"messages": msgs}


# ---------------------------------------------------------------------- Block Kit checks


def _err(errs: list[str], ptr: str, message: str) -> None:
    errs.append(f"{message} [json-pointer:{ptr}]")


def _check_str(errs: list[str], value: Any, ptr: str, max_len: int, *, required: bool) -> None:
    if value is None:
        if required:
            _err(errs, ptr, "missing required field")
        return
    if not isinstance(value, str):
        _err(errs, ptr, "must be a string")
    elif required and not value:
        _err(errs, ptr, "must be more than 0 characters")
    elif len(value) > max_len:
        _err(errs, ptr, f"must be less than {max_len + 1} characters")


def _check_text(
    errs: list[str], obj: Any, ptr: str, *, max_len: int, plain: bool = False, required: bool = True
) -> None:
    if obj is None:
        if required:
            _err(errs, ptr, "missing required field")
        return
    if not isinstance(obj, dict):
        _err(errs, ptr, "must be a text object")
        return
    kinds = ("plain_text",) if plain else ("plain_text", "mrkdwn")
    if obj.get("type") not in kinds:
        _err(errs, ptr + "/type", f"must be one of {', '.join(kinds)}")
    _check_str(errs, obj.get("text"), ptr + "/text", max_len, required=True)


def _check_options(
    errs: list[str], options: Any, ptr: str, *, max_items: int, min_items: int = 1, plain: bool
) -> None:
    if not isinstance(options, list):
        _err(errs, ptr, "must be an array")
        return
    if len(options) < min_items:
        _err(errs, ptr, f"must provide at least {min_items} items")
    if len(options) > max_items:
        _err(errs, ptr, f"no more than {max_items} items allowed")
    values: set[str] = set()
    for i, option in enumerate(options):
        p = f"{ptr}/{i}"
        if not isinstance(option, dict):
            _err(errs, p, "must be an option object")
            continue
        _check_text(errs, option.get("text"), p + "/text", max_len=75, plain=plain)
        _check_str(errs, option.get("value"), p + "/value", 150, required=True)
        if option.get("value") in values:
            _err(errs, p + "/value", "option values must be unique")
        values.add(option.get("value"))
        if "description" in option:
            _check_text(errs, option["description"], p + "/description", max_len=75, plain=plain)


def _check_confirm(errs: list[str], confirm: Any, ptr: str) -> None:
    if not isinstance(confirm, dict):
        _err(errs, ptr, "must be a confirm object")
        return
    _check_text(errs, confirm.get("title"), ptr + "/title", max_len=100, plain=True)
    _check_text(errs, confirm.get("text"), ptr + "/text", max_len=300)
    _check_text(errs, confirm.get("confirm"), ptr + "/confirm", max_len=30, plain=True)
    _check_text(errs, confirm.get("deny"), ptr + "/deny", max_len=30, plain=True)


def _check_element(errs: list[str], el: Any, ptr: str, allowed: set[str]) -> None:
    if not isinstance(el, dict):
        _err(errs, ptr, "must be an element object")
        return
    kind = el.get("type")
    if kind not in allowed:
        _err(errs, ptr + "/type", f"{kind!r} is not a valid element type here")
        return
    if "action_id" in el:
        _check_str(errs, el["action_id"], ptr + "/action_id", 255, required=True)
    if "confirm" in el:
        _check_confirm(errs, el["confirm"], ptr + "/confirm")
    if "placeholder" in el:
        _check_text(errs, el["placeholder"], ptr + "/placeholder", max_len=150, plain=True)
    if kind in ("button", "workflow_button"):
        _check_text(errs, el.get("text"), ptr + "/text", max_len=75, plain=True)
        if "value" in el:
            _check_str(errs, el["value"], ptr + "/value", 2000, required=False)
        if "url" in el:
            _check_str(errs, el["url"], ptr + "/url", 3000, required=True)
        if "style" in el and el["style"] not in ("primary", "danger"):
            _err(errs, ptr + "/style", "must be one of primary, danger")
        if "accessibility_label" in el:
            label = el["accessibility_label"]
            _check_str(errs, label, ptr + "/accessibility_label", 75, required=True)
    elif kind == "image":
        if "image_url" not in el and "slack_file" not in el:
            _err(errs, ptr, "must provide image_url or slack_file")
        _check_str(errs, el.get("alt_text"), ptr + "/alt_text", 2000, required=True)
    elif kind in ("static_select", "multi_static_select"):
        if "options" in el:
            _check_options(errs, el["options"], ptr + "/options", max_items=100, plain=True)
        elif "option_groups" in el:
            groups = el["option_groups"]
            if not isinstance(groups, list) or not 1 <= len(groups) <= 100:
                _err(errs, ptr + "/option_groups", "must be an array of 1 to 100 groups")
            else:
                for i, group in enumerate(groups):
                    gp = f"{ptr}/option_groups/{i}"
                    if not isinstance(group, dict):
                        _err(errs, gp, "must be an option group")
                        continue
                    _check_text(errs, group.get("label"), gp + "/label", max_len=75, plain=True)
                    _check_options(
                        errs, group.get("options"), gp + "/options", max_items=100, plain=True
                    )
        else:
            _err(errs, ptr, "must provide options or option_groups")
    elif kind in ("checkboxes", "radio_buttons"):
        _check_options(errs, el.get("options"), ptr + "/options", max_items=10, plain=False)
    elif kind == "overflow":
        _check_options(
            errs, el.get("options"), ptr + "/options", max_items=5, min_items=1, plain=True
        )
    elif kind == "plain_text_input":
        low, high = el.get("min_length"), el.get("max_length")
        if low is not None and (not isinstance(low, int) or not 0 <= low <= 3000):
            _err(errs, ptr + "/min_length", "must be an integer from 0 to 3000")
        if high is not None and (not isinstance(high, int) or not 1 <= high <= 3000):
            _err(errs, ptr + "/max_length", "must be an integer from 1 to 3000")
        if isinstance(low, int) and isinstance(high, int) and low > high:
            _err(errs, ptr + "/min_length", "must be less than or equal to max_length")
        if "initial_value" in el:
            _check_str(errs, el["initial_value"], ptr + "/initial_value", 3000, required=False)
    elif kind == "number_input" and not isinstance(el.get("is_decimal_allowed"), bool):
        _err(errs, ptr + "/is_decimal_allowed", "missing required field")


def _check_blocks(errs: list[str], blocks: Any, ptr: str, *, limit: int) -> None:
    if not isinstance(blocks, list):
        _err(errs, ptr, "must be an array")
        return
    if len(blocks) > limit:
        _err(errs, ptr, f"no more than {limit} items allowed")
    block_ids: set[str] = set()
    for i, block in enumerate(blocks):
        p = f"{ptr}/{i}"
        if not isinstance(block, dict):
            _err(errs, p, "must be a block object")
            continue
        kind = block.get("type")
        block_id = block.get("block_id")
        if block_id is not None:
            _check_str(errs, block_id, p + "/block_id", 255, required=True)
            if block_id in block_ids:
                _err(errs, p + "/block_id", "block_id must be unique")
            block_ids.add(block_id)
        if kind == "section":
            if "text" not in block and "fields" not in block:
                _err(errs, p, "must provide text or fields")
            if "text" in block:
                _check_text(errs, block["text"], p + "/text", max_len=3000)
            if "fields" in block:
                fields = block["fields"]
                if not isinstance(fields, list) or not 1 <= len(fields) <= 10:
                    _err(errs, p + "/fields", "must be an array of 1 to 10 text objects")
                else:
                    for j, text in enumerate(fields):
                        _check_text(errs, text, f"{p}/fields/{j}", max_len=2000)
            if "accessory" in block:
                _check_element(errs, block["accessory"], p + "/accessory", _ACCESSORY_ELEMENTS)
        elif kind == "actions":
            elements = block.get("elements")
            if not isinstance(elements, list) or not 1 <= len(elements) <= 25:
                _err(errs, p + "/elements", "must be an array of 1 to 25 elements")
                continue
            action_ids: set[str] = set()
            for j, el in enumerate(elements):
                _check_element(errs, el, f"{p}/elements/{j}", _ACTION_ELEMENTS)
                aid = el.get("action_id") if isinstance(el, dict) else None
                if aid is not None and aid in action_ids:
                    _err(errs, f"{p}/elements/{j}/action_id", "action_id must be unique")
                if aid is not None:
                    action_ids.add(aid)
        elif kind == "context":
            elements = block.get("elements")
            if not isinstance(elements, list) or not 1 <= len(elements) <= 10:
                _err(errs, p + "/elements", "must be an array of 1 to 10 elements")
                continue
            for j, el in enumerate(elements):
                if isinstance(el, dict) and el.get("type") == "image":
                    _check_element(errs, el, f"{p}/elements/{j}", {"image"})
                else:
                    _check_text(errs, el, f"{p}/elements/{j}", max_len=3000)
        elif kind == "header":
            _check_text(errs, block.get("text"), p + "/text", max_len=150, plain=True)
        elif kind == "image":
            if "image_url" not in block and "slack_file" not in block:
                _err(errs, p, "must provide image_url or slack_file")
            _check_str(errs, block.get("alt_text"), p + "/alt_text", 2000, required=True)
            if "title" in block:
                _check_text(errs, block["title"], p + "/title", max_len=2000, plain=True)
        elif kind == "input":
            # Slack itself would invent a block_id; Preceptor's forms must name theirs, because
            # submissions are read by block_id.
            if block_id is None:
                _err(errs, p + "/block_id", "missing required field (input blocks need one)")
            _check_text(errs, block.get("label"), p + "/label", max_len=2000, plain=True)
            if "hint" in block:
                _check_text(errs, block["hint"], p + "/hint", max_len=2000, plain=True)
            if "element" not in block:
                _err(errs, p + "/element", "missing required field")
            else:
                _check_element(errs, block["element"], p + "/element", _INPUT_ELEMENTS)
        elif kind == "rich_text":
            if not isinstance(block.get("elements"), list):
                _err(errs, p + "/elements", "must be an array")
        elif kind == "markdown":
            _check_str(errs, block.get("text"), p + "/text", 12000, required=True)
        elif kind not in _KNOWN_BLOCKS:
            _err(errs, p + "/type", f"unsupported block type {kind!r}")


def _check_view(errs: list[str], view: Any, *, kinds: tuple[str, ...]) -> None:
    ptr = "/view"
    if not isinstance(view, dict):
        _err(errs, ptr, "must be a view object")
        return
    kind = view.get("type")
    if kind not in kinds:
        _err(errs, ptr + "/type", f"must be one of {', '.join(kinds)}")
        return
    if kind == "modal":
        _check_text(errs, view.get("title"), ptr + "/title", max_len=24, plain=True)
    elif "title" in view:
        _check_text(errs, view["title"], ptr + "/title", max_len=24, plain=True)
    for key in ("submit", "close"):
        if view.get(key) is not None:
            _check_text(errs, view[key], f"{ptr}/{key}", max_len=24, plain=True)
    for key, limit in (("callback_id", 255), ("private_metadata", 3000), ("external_id", 255)):
        if key in view:
            _check_str(errs, view[key], f"{ptr}/{key}", limit, required=False)
    if "blocks" not in view:
        _err(errs, ptr + "/blocks", "missing required field")
        return
    _check_blocks(errs, view["blocks"], ptr + "/blocks", limit=100)
    has_input = any(isinstance(b, dict) and b.get("type") == "input" for b in view["blocks"])
    if kind == "modal" and has_input and view.get("submit") is None:
        _err(errs, ptr + "/submit", "a modal with input blocks must have submit")


def _walk_elements(blocks: list[dict[str, Any]]) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
    """(block, element) for every interactive element in the blocks."""
    for block in blocks:
        kind = block.get("type")
        if kind == "actions":
            for el in block.get("elements") or []:
                yield block, el
        elif kind == "section" and isinstance(block.get("accessory"), dict):
            yield block, block["accessory"]
        elif kind == "input" and isinstance(block.get("element"), dict):
            yield block, block["element"]


def _fill_ids(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Slack invents a block_id / action_id for every block / element that has none."""
    blocks = copy.deepcopy(blocks)
    for block in blocks:
        if "block_id" not in block:
            block["block_id"] = "".join(secrets.choice(string.ascii_letters) for _ in range(5))
    for _block, el in _walk_elements(blocks):
        if el.get("type") != "image" and "action_id" not in el:
            el["action_id"] = "".join(secrets.choice(string.ascii_letters) for _ in range(5))
    return blocks


def _all_options(el: dict[str, Any]) -> list[dict[str, Any]]:
    if "options" in el:
        return list(el["options"])
    out: list[dict[str, Any]] = []
    for group in el.get("option_groups") or []:
        out.extend(group.get("options") or [])
    return out


# ---------------------------------------------------------------------- internal state


@dataclass(eq=False)
class _Channel:
    id: str
    name: str
    kind: str  # "public", "private", "im", "mpim"
    members: set[str]
    created: int
    creator: str
    archived: bool = False
    user: str | None = None  # for "im": the other member
    topic: str = ""
    topic_creator: str = ""
    topic_set: int = 0


@dataclass(eq=False)
class _Trigger:
    user_id: str
    issued: float
    used: bool = False
    in_view: bool = False  # the interaction came from inside a modal


@dataclass(eq=False)
class _ResponseUrl:
    id: str
    url: str
    delivery: Delivery
    user_id: str
    channel_id: str | None
    created: float
    uses: int = 0
    original: tuple[str, str, bool] | None = None  # (channel, ts, ephemeral)


@dataclass(eq=False)
class _Upload:
    """A file between files.getUploadURLExternal and files.completeUploadExternal."""

    file_id: str
    filename: str
    length: int
    upload_id: str
    created: float
    alt_txt: str | None = None
    snippet_type: str | None = None
    content: bytes | None = None  # the bytes, once POSTed to the upload URL


@dataclass(eq=False)
class _SocketConn:
    ws: web.WebSocketResponse
    number: int
    opened_at: float
    ready: bool = False
    refreshing: bool = False  # a disconnect frame went out on it
    closed: bool = False


class Delivery:
    """Something the fake sent to the app (command, button press, submission, event)."""

    def __init__(
        self,
        fake: FakeSlack,
        kind: str,
        payload: dict[str, Any],
        *,
        user_id: str | None,
        channel_id: str | None = None,
        trigger_id: str | None = None,
        event_id: str | None = None,
        response_url: str | None = None,
        view_id: str | None = None,
        retry_num: int = 0,
        retry_reason: str | None = None,
    ) -> None:
        self._fake = fake
        # "command", "block_actions", "view_submission", "event" or "url_verification"
        self.kind = kind
        self.payload = payload
        self.user_id = user_id
        self.channel_id = channel_id
        self.trigger_id = trigger_id
        self.event_id = event_id
        self.response_url = response_url
        self.view_id = view_id
        self.retry_num = retry_num
        self.retry_reason = retry_reason
        self.envelope_id: str | None = None  # Socket Mode only
        self.mode = ""  # "socket" or "http"
        self.sent_at = 0.0
        self.ack: Ack | None = None

    @property
    def event_payload(self) -> dict[str, Any] | None:
        """For events: the inner event (payload["event"])."""
        event = self.payload.get("event")
        return event if isinstance(event, dict) else None

    async def acked(self, timeout: float = 10) -> Ack:
        """The app's ack (Socket Mode) or HTTP response."""
        return await self._fake._wait_for(lambda: self.ack, timeout, f"an ack of {self!r}")

    def responses(self) -> list[Call]:
        """POSTs to this delivery's response_url, in order."""
        if self.response_url is None:
            return []
        return [c for c in self._fake.responses if c.url == self.response_url]

    def __repr__(self) -> str:
        ident = self.envelope_id or self.event_id or self.trigger_id
        return f"<Delivery {self.kind} {ident} retry={self.retry_num}>"


# ---------------------------------------------------------------------- the fake


class FakeSlack(Waiting):
    """A local Slack workspace: users, channels, DMs, views, and the app's transports."""

    def __init__(
        self,
        *,
        team_id: str = "T0PRECEPT",
        bot_user_id: str = "UBOT0001",
        bot_id: str = "BBOT0001",
        bot_token: str = "xoxb-fake-bot-token",
        app_token: str = "xapp-fake-app-token",
        signing_secret: str = "fake-signing-secret",
        app_id: str = APP_ID,
        bot_name: str = "preceptor",
    ) -> None:
        self.team_id = team_id
        self.bot_user_id = bot_user_id
        self.bot_id = bot_id
        self.bot_token = bot_token
        self.app_token = app_token
        self.signing_secret = signing_secret
        self.app_id = app_id
        self.bot_name = bot_name

        # tunables (Slack's values by default)
        self.trigger_ttl = TRIGGER_TTL
        self.response_url_ttl = RESPONSE_URL_TTL
        self.response_url_uses = RESPONSE_URL_USES
        self.http_timeout = 10.0  # how long the fake waits for an HTTP-mode answer

        self.base_url = ""
        self.api_url = ""

        # records
        self.calls: list[Call] = []
        self.unknown: list[Call] = []
        self.responses: list[Call] = []
        self.uploads: list[Call] = []  # POSTs to upload URLs (args: sizes, never bytes)
        self.deliveries: list[Delivery] = []
        self.acks: list[Ack] = []
        self.socket_frames: list[SocketFrame] = []
        self.socket_connections = 0
        self.rejected: list[str] = []
        self.errors: list[str] = []

        self._runner: web.AppRunner | None = None
        self._client: aiohttp.ClientSession | None = None
        self._waiters: list[asyncio.Future[None]] = []
        self._tasks: set[asyncio.Task[None]] = set()
        self._mode: str | None = None
        self._http_url: str | None = None
        self._conns: list[_SocketConn] = []
        self._unacked: dict[str, list[Delivery]] = {}  # envelope_id -> socket deliveries
        self._tickets: set[str] = set()
        self._faults: list[tuple[str, int, float | None]] = []
        self.restricted: set[str] = set()  # methods a workspace preference forbids the app
        self._last_ts = 0.0
        self._counter = 0

        # world
        self._users: dict[str, dict[str, Any]] = {}
        self._dm_refusal: dict[str, str] = {}
        self._channels: dict[str, _Channel] = {}
        self._dms: dict[frozenset[str], str] = {}
        self._messages: dict[str, list[dict[str, Any]]] = {}
        self._ephemerals: list[dict[str, Any]] = []
        self._triggers: dict[str, _Trigger] = {}
        self._response_urls: dict[str, _ResponseUrl] = {}
        self._stacks: dict[str, list[dict[str, Any]]] = {}
        self._homes: dict[str, dict[str, Any]] = {}
        self._pending_uploads: dict[str, _Upload] = {}  # upload id -> upload
        self._files: dict[str, dict[str, Any]] = {}  # file id -> shared (or private) file

        self._users[bot_user_id] = self._new_user(bot_user_id, bot_name, is_bot=True)
        self._add_channel(GENERAL_CHANNEL_ID, "general", "public", creator=bot_user_id)

        self._methods: dict[str, tuple[Callable[[dict[str, Any]], dict[str, Any]], str]] = {
            "api.test": (self._m_api_test, "any"),
            "auth.test": (self._m_auth_test, "bot"),
            "apps.connections.open": (self._m_apps_connections_open, "app"),
            "chat.postMessage": (self._m_chat_post_message, "bot"),
            "chat.postEphemeral": (self._m_chat_post_ephemeral, "bot"),
            "chat.update": (self._m_chat_update, "bot"),
            "chat.delete": (self._m_chat_delete, "bot"),
            "chat.getPermalink": (self._m_chat_get_permalink, "bot"),
            "conversations.open": (self._m_conversations_open, "bot"),
            "files.getUploadURLExternal": (self._m_files_get_upload_url_external, "bot"),
            "files.completeUploadExternal": (self._m_files_complete_upload_external, "bot"),
            "conversations.info": (self._m_conversations_info, "bot"),
            "conversations.invite": (self._m_conversations_invite, "bot"),
            "conversations.kick": (self._m_conversations_kick, "bot"),
            "conversations.create": (self._m_conversations_create, "bot"),
            "conversations.join": (self._m_conversations_join, "bot"),
            "conversations.archive": (self._m_conversations_archive, "bot"),
            "conversations.setTopic": (self._m_conversations_set_topic, "bot"),
            "conversations.members": (self._m_conversations_members, "bot"),
            "conversations.history": (self._m_conversations_history, "bot"),
            "conversations.list": (self._m_conversations_list, "bot"),
            "users.info": (self._m_users_info, "bot"),
            "users.list": (self._m_users_list, "bot"),
            "views.open": (self._m_views_open, "bot"),
            "views.push": (self._m_views_push, "bot"),
            "views.update": (self._m_views_update, "bot"),
            "views.publish": (self._m_views_publish, "bot"),
        }

    # ------------------------------------------------------------------ lifecycle

    async def start(self) -> None:
        app = web.Application(client_max_size=16 * 1024 * 1024)
        app.router.add_route("*", "/api/{method}", self._api)
        app.router.add_post("/response/{rid}", self._response_url)
        app.router.add_post("/upload/v1/{uid}", self._upload_url)
        app.router.add_get("/socket", self._socket)
        app.router.add_route("*", "/{tail:.*}", self._not_found)
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = int(self._runner.addresses[0][1])
        self.base_url = f"http://127.0.0.1:{port}"
        self.api_url = f"{self.base_url}/api/"
        self._client = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=self.http_timeout))

    async def stop(self) -> None:
        for conn in list(self._conns):
            with contextlib.suppress(Exception):
                await conn.ws.close(code=1001, message=b"fake stopping")
        for task in list(self._tasks):
            task.cancel()
        for task in list(self._tasks):
            with contextlib.suppress(BaseException):
                await task
        if self._client is not None:
            await self._client.close()
            self._client = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        self._notify()

    async def __aenter__(self) -> FakeSlack:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # ------------------------------------------------------------------ ids

    def _next_ts(self) -> str:
        ts = max(time.time(), self._last_ts + 0.000001)
        self._last_ts = ts
        return f"{ts:.6f}"

    def _next_number(self) -> int:
        self._counter += 1
        return self._counter

    def _new_trigger(self, user_id: str, *, in_view: bool = False) -> str:
        trigger_id = (
            f"{self._next_number()}{secrets.randbelow(10**9):09d}."
            f"{secrets.randbelow(10**10):010d}.{secrets.token_hex(16)}"
        )
        self._triggers[trigger_id] = _Trigger(user_id, issued=_now(), in_view=in_view)
        return trigger_id

    def _new_response_url(
        self,
        delivery: Delivery,
        user_id: str,
        channel_id: str | None,
        original: tuple[str, str, bool] | None = None,
    ) -> str:
        rid = f"{self.team_id}-{self._next_number()}-{secrets.token_hex(12)}"
        url = f"{self.base_url}/response/{rid}"
        self._response_urls[rid] = _ResponseUrl(
            rid, url, delivery, user_id, channel_id, created=_now(), original=original
        )
        return url

    # ------------------------------------------------------------------ world

    def _new_user(
        self,
        user_id: str,
        name: str,
        *,
        is_admin: bool = False,
        is_owner: bool = False,
        is_bot: bool = False,
        display_name: str | None = None,
        tz: str = "America/New_York",
        deleted: bool = False,
    ) -> dict[str, Any]:
        shown = name if display_name is None else display_name
        image = "https://secure.gravatar.com/avatar/0000.jpg"
        profile: dict[str, Any] = {
            "title": "",
            "phone": "",
            "skype": "",
            "real_name": name,
            "real_name_normalized": name,
            "display_name": shown,
            "display_name_normalized": shown,
            "fields": None,
            "status_text": "",
            "status_emoji": "",
            "status_emoji_display_info": [],
            "status_expiration": 0,
            "avatar_hash": "g0000000000",
            "first_name": name,
            "last_name": "",
            "image_24": image,
            "image_32": image,
            "image_48": image,
            "image_72": image,
            "image_192": image,
            "image_512": image,
            "team": self.team_id,
        }
        if is_bot:
            profile["bot_id"] = self.bot_id if user_id == self.bot_user_id else _rand_id("B")
            profile["api_app_id"] = self.app_id if user_id == self.bot_user_id else ""
            profile["always_active"] = True
        return {
            "id": user_id,
            "team_id": self.team_id,
            "name": name,
            "deleted": deleted,
            "color": "9f69e7",
            "real_name": name,
            "tz": tz,
            "tz_label": "Eastern Standard Time" if tz == "America/New_York" else tz,
            "tz_offset": -18000 if tz == "America/New_York" else 0,
            "profile": profile,
            "is_admin": is_admin or is_owner,
            "is_owner": is_owner,
            "is_primary_owner": False,
            "is_restricted": False,
            "is_ultra_restricted": False,
            "is_bot": is_bot,
            "is_app_user": False,
            "updated": int(time.time()),
            "is_email_confirmed": not is_bot,
            "who_can_share_contact_card": "EVERYONE",
        }

    def add_user(
        self,
        user_id: str,
        name: str,
        *,
        is_admin: bool = False,
        is_owner: bool = False,
        blocks_dms: bool = False,
        dm_error: str = "user_disabled",
        is_bot: bool = False,
        display_name: str | None = None,
        tz: str = "America/New_York",
    ) -> None:
        """Add a workspace member (and put them in #general).

        `blocks_dms`: opening a DM with them fails with `dm_error` (see the module docstring).
        """
        if user_id in self._users:
            raise ValueError(f"user {user_id} already exists")
        self._users[user_id] = self._new_user(
            user_id,
            name,
            is_admin=is_admin,
            is_owner=is_owner,
            is_bot=is_bot,
            display_name=display_name,
            tz=tz,
        )
        if blocks_dms:
            self._dm_refusal[user_id] = dm_error
        self._channels[GENERAL_CHANNEL_ID].members.add(user_id)

    def _add_channel(
        self, channel_id: str, name: str, kind: str, *, creator: str, members: Iterable[str] = ()
    ) -> _Channel:
        channel = _Channel(
            id=channel_id,
            name=name,
            kind=kind,
            members={self.bot_user_id, *members},
            created=int(time.time()),
            creator=creator,
        )
        self._channels[channel_id] = channel
        self._messages[channel_id] = []
        return channel

    def add_channel(
        self,
        channel_id: str,
        name: str,
        *,
        private: bool = False,
        members: Iterable[str] = (),
        bot_member: bool = True,
    ) -> None:
        """Add a channel. The bot is a member unless `bot_member=False`."""
        if channel_id in self._channels:
            raise ValueError(f"channel {channel_id} already exists")
        channel = self._add_channel(
            channel_id,
            name,
            "private" if private else "public",
            creator=next(iter(self._users)),
            members=members,
        )
        if not bot_member:
            channel.members.discard(self.bot_user_id)

    def user(self, user_id: str) -> dict[str, Any] | None:
        found = self._users.get(user_id)
        return copy.deepcopy(found) if found is not None else None

    def channel(self, channel_id: str) -> dict[str, Any] | None:
        """The channel as conversations.info would show it."""
        found = self._channels.get(channel_id)
        return self._channel_payload(found) if found is not None else None

    def channel_members(self, channel_id: str) -> set[str]:
        found = self._channels.get(channel_id)
        return set(found.members) if found is not None else set()

    def channel_by_name(self, name: str) -> str | None:
        for channel in self._channels.values():
            if channel.name == name.lstrip("#") and channel.kind in ("public", "private"):
                return channel.id
        return None

    # ------------------------------------------------------------------ records

    def calls_to(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    async def wait_for_call(self, method: str, *, since: int = 0, timeout: float = 10) -> Call:
        def found() -> Call | None:
            return next((c for c in self.calls[since:] if c.method == method), None)

        return await self._wait_for(found, timeout, f"a {method} call")

    async def wait_for_response(self, *, since: int = 0, timeout: float = 10) -> Call:
        def found() -> Call | None:
            return self.responses[since] if len(self.responses) > since else None

        return await self._wait_for(found, timeout, "a response_url POST")

    async def wait_for_response_to(self, delivery: Delivery, *, timeout: float = 10) -> Call:
        """The first POST to this delivery's response_url."""

        def found() -> Call | None:
            posted = delivery.responses()
            return posted[0] if posted else None

        return await self._wait_for(found, timeout, "a response to this delivery")

    def messages(self, channel_id: str) -> list[dict[str, Any]]:
        """Messages in a channel or DM, oldest first (thread replies included)."""
        return copy.deepcopy(self._messages.get(channel_id, []))

    def ephemerals(
        self, user_id: str | None = None, channel_id: str | None = None
    ) -> list[dict[str, Any]]:
        """Ephemeral messages shown (chat.postEphemeral, command acks, response_urls).

        Each: {"channel", "user" (who sees it), "ts", "text", "blocks", "source"}.
        """
        return [
            copy.deepcopy(e)
            for e in self._ephemerals
            if (user_id is None or e["user"] == user_id)
            and (channel_id is None or e["channel"] == channel_id)
        ]

    def dm_channel_of(self, *user_ids: str) -> str | None:
        return self._dms.get(frozenset(u for u in user_ids if u != self.bot_user_id))

    def files(self, channel_id: str | None = None) -> list[dict[str, Any]]:
        """Completed uploads, oldest first; with `channel_id`, those shared there.

        Each: {"id", "name", "title", "mimetype", "size", "content" (the bytes),
        "channel" (the first it was shared in, or None: private), "channels",
        "thread_ts", "initial_comment", "alt_txt"}.
        """
        return [
            copy.deepcopy(f)
            for f in self._files.values()
            if channel_id is None or channel_id in f["channels"]
        ]

    async def wait_for_file(
        self, channel_id: str | None = None, *, count: int = 1, timeout: float = 10
    ) -> list[dict[str, Any]]:
        """The first `count` files shared (in `channel_id`), once there are that many."""

        def found() -> list[dict[str, Any]] | None:
            shared = self.files(channel_id)
            return shared[:count] if len(shared) >= count else None

        return await self._wait_for(found, timeout, f"{count} shared file(s)")

    def file(self, file_id: str) -> dict[str, Any] | None:
        found = self._files.get(file_id)
        return copy.deepcopy(found) if found is not None else None

    def home_view(self, user_id: str) -> dict[str, Any] | None:
        found = self._homes.get(user_id)
        return copy.deepcopy(found) if found is not None else None

    def open_views(self, user_id: str) -> list[dict[str, Any]]:
        """The user's modal stack, root first."""
        return copy.deepcopy(self._stacks.get(user_id, []))

    @property
    def reconnections(self) -> int:
        return max(0, self.socket_connections - 1)

    # ------------------------------------------------------------------ faults and modes

    def fail_once(self, method: str, *, status: int, retry_after: float | None = None) -> None:
        """The next call of `method` gets `status` (429 with Retry-After, or a 5xx).

        Retry-After is sent in whole seconds (rounded up), as Slack does; slack_sdk's
        handler does int() on it.
        """
        if status != 429 and not 500 <= status <= 599:
            raise ValueError("fail_once takes 429 or a 5xx status")
        self._faults.append((method, status, retry_after))

    def restrict(self, *methods: str) -> None:
        """A workspace preference forbids the app these actions ("who can create private
        channels", "who can remove members from private channels"): the methods answer
        `restricted_action`, as Slack does. Only the methods where Slack documents it."""
        for method in methods:
            if method not in _RESTRICTABLE:
                raise ValueError(f"Slack does not answer restricted_action to {method}")
        self.restricted.update(methods)

    def use_socket_mode(self) -> None:
        self._mode = "socket"
        self._http_url = None

    def use_http(self, url: str) -> None:
        self._mode = "http"
        self._http_url = url

    # ------------------------------------------------------------------ HTTP plumbing

    @staticmethod
    def _json(status: int, body: Any, headers: dict[str, str] | None = None) -> web.Response:
        return web.Response(
            status=status,
            text=_dumps(body),
            content_type="application/json",
            charset="utf-8",
            headers=headers,
        )

    async def _not_found(self, request: web.Request) -> web.StreamResponse:
        await request.read()
        call = Call(
            index=len(self.calls),
            method=f"{request.method} {request.path}",
            args=dict(request.query),
            at=_now(),
            status=404,
            response="not_found",
            token="none",
            http_method=request.method,
        )
        self.unknown.append(call)
        self._notify()
        return web.Response(status=404, text="not_found")

    @staticmethod
    def _token_kind(token: str | None) -> str:
        if not token:
            return "none"
        for prefix, kind in (("xoxb-", "bot"), ("xapp-", "app"), ("xoxp-", "user")):
            if token.startswith(prefix):
                return kind
        return "other"

    async def _read_args(self, request: web.Request) -> tuple[dict[str, Any], str | None, bool]:
        """(args, token, json_ok). Query arguments, then body arguments."""
        args: dict[str, Any] = dict(request.query)
        ctype = request.content_type
        ok = True
        if ctype.startswith("multipart/"):
            post = await request.post()
            for key, value in post.items():
                args[key] = value if isinstance(value, str) else "(file)"
        else:
            raw = await request.read()
            if raw and ctype == "application/json":
                try:
                    body = json.loads(raw)
                except ValueError:
                    body = None
                if isinstance(body, dict):
                    args.update(body)
                else:
                    ok = False
            elif raw:
                args.update(parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True))
        token: str | None = None
        auth = request.headers.get("Authorization", "")
        if auth.startswith("Bearer "):
            token = auth[len("Bearer ") :].strip()
        body_token = args.pop("token", None)
        if token is None and isinstance(body_token, str):
            token = body_token
        for key in ("blocks", "attachments", "view", "metadata", "files"):
            value = args.get(key)
            if isinstance(value, str) and value[:1] in ("[", "{"):
                with contextlib.suppress(ValueError):
                    args[key] = json.loads(value)
        return args, token, ok

    async def _api(self, request: web.Request) -> web.StreamResponse:
        at = _now()
        method = request.match_info["method"]
        args, token, json_ok = await self._read_args(request)
        kind = self._token_kind(token)
        headers = {"X-OAuth-Scopes": BOT_SCOPES, "X-Accepted-OAuth-Scopes": ""}
        status = 200
        unknown = False
        entry = self._methods.get(method)
        response: Any
        if entry is None:
            unknown = True
            response = {"ok": False, "error": "unknown_method", "req_method": method}
        elif not json_ok:
            response = {"ok": False, "error": "invalid_json"}
        elif token is None:
            response = {"ok": False, "error": "not_authed"}
        elif token not in (self.bot_token, self.app_token):
            response = {"ok": False, "error": "invalid_auth"}
        elif (
            entry[1] != "any" and token != {"app": self.app_token, "bot": self.bot_token}[entry[1]]
        ):
            response = {"ok": False, "error": "not_allowed_token_type"}
        elif (fault := self._take_fault(method)) is not None:
            status, retry_after = fault
            if status == 429:
                headers["Retry-After"] = str(max(1, math.ceil(retry_after or 1)))
                response = {"ok": False, "error": "ratelimited"}
            else:
                error = "service_unavailable" if status == 503 else "internal_error"
                response = {"ok": False, "error": error}
        else:
            try:
                response = entry[0](args)
            except _SlackError as exc:
                response = exc.body
            except Exception as exc:  # a bug in the fake: make it loud
                self.errors.append(f"{method}: {exc!r}")
                unknown = True
                response = {"ok": False, "error": f"fake_internal_error: {exc!r}"}
        call = Call(
            index=len(self.calls),
            method=method,
            args=args,
            at=at,
            status=status,
            response=copy.deepcopy(response),
            token=kind,
            http_method=request.method,
        )
        self.calls.append(call)
        if unknown:
            self.unknown.append(call)
        self._notify()
        return self._json(status, response, headers)

    def _take_fault(self, method: str) -> tuple[int, float | None] | None:
        for i, (m, status, retry_after) in enumerate(self._faults):
            if m == method:
                del self._faults[i]
                return status, retry_after
        return None

    # ------------------------------------------------------------------ argument helpers

    @staticmethod
    def _required(args: dict[str, Any], key: str, error: str = "invalid_arguments") -> Any:
        value = args.get(key)
        if value is None or value == "":
            raise _SlackError(error, messages=[f"missing required field: {key}"])
        return value

    def _user_or_error(self, user_id: Any) -> dict[str, Any]:
        if not isinstance(user_id, str) or user_id not in self._users:
            raise _SlackError("user_not_found")
        return self._users[user_id]

    def _visible_channel(self, channel_id: Any) -> _Channel:
        """A channel the bot can see (public, or private/DM it is in)."""
        if not isinstance(channel_id, str) or not channel_id:
            raise _SlackError("channel_not_found")
        channel = self._channels.get(channel_id)
        if channel is None and channel_id.startswith("#"):
            found = self.channel_by_name(channel_id)
            channel = self._channels.get(found) if found else None
        if channel is None:
            raise _SlackError("channel_not_found")
        if channel.kind != "public" and self.bot_user_id not in channel.members:
            raise _SlackError("channel_not_found")
        return channel

    def _refuse_dm(self, user_id: str) -> None:
        user = self._user_or_error(user_id)
        if user["is_bot"]:
            raise _SlackError("cannot_dm_bot")
        refusal = self._dm_refusal.get(user_id)
        if refusal is not None:
            raise _SlackError(refusal)

    def _open_dm(self, user_ids: tuple[str, ...]) -> tuple[str, bool]:
        """(channel id, already existed)."""
        key = frozenset(user_ids)
        existing = self._dms.get(key)
        if existing is not None:
            return existing, True
        number = self._next_number()
        if len(user_ids) == 1:
            channel_id = f"D{number:08d}"
            channel = self._add_channel(
                channel_id, user_ids[0], "im", creator=user_ids[0], members=user_ids
            )
            channel.user = user_ids[0]
        else:
            channel_id = f"G{number:08d}"
            names = "--".join(self._users[u]["name"] for u in sorted(user_ids))
            self._add_channel(
                channel_id, f"mpdm-{names}-1", "mpim", creator=self.bot_user_id, members=user_ids
            )
        self._dms[key] = channel_id
        return channel_id, False

    def _channel_payload(self, channel: _Channel) -> dict[str, Any]:
        if channel.kind == "im":
            return {
                "id": channel.id,
                "created": channel.created,
                "is_archived": False,
                "is_im": True,
                "is_org_shared": False,
                "context_team_id": self.team_id,
                "updated": channel.created * 1000,
                "user": channel.user,
                "is_user_deleted": bool(self._users[channel.user or ""]["deleted"]),
                "priority": 0,
            }
        is_mpim = channel.kind == "mpim"
        # A private channel made since March 2021 has a C id and is a channel; only the
        # older G-id private channels (and group DMs) say is_group.
        legacy_group = is_mpim or (channel.kind == "private" and channel.id.startswith("G"))
        payload: dict[str, Any] = {
            "id": channel.id,
            "name": channel.name,
            "is_channel": channel.kind in ("public", "private") and not legacy_group,
            "is_group": legacy_group,
            "is_im": False,
            "is_mpim": is_mpim,
            "is_private": channel.kind != "public",
            "created": channel.created,
            "is_archived": channel.archived,
            "is_general": channel.id == GENERAL_CHANNEL_ID,
            "unlinked": 0,
            "name_normalized": channel.name,
            "is_shared": False,
            "is_org_shared": False,
            "is_pending_ext_shared": False,
            "pending_shared": [],
            "context_team_id": self.team_id,
            "updated": channel.created * 1000,
            "parent_conversation": None,
            "creator": channel.creator,
            "is_ext_shared": False,
            "shared_team_ids": [self.team_id],
            "pending_connected_team_ids": [],
            "is_member": self.bot_user_id in channel.members,
            "topic": {
                "value": channel.topic,
                "creator": channel.topic_creator,
                "last_set": channel.topic_set,
            },
            "purpose": {"value": "", "creator": "", "last_set": 0},
            "previous_names": [],
        }
        if is_mpim:
            payload["is_open"] = True
        return payload

    def _bot_message(
        self,
        *,
        text: str,
        blocks: list[dict[str, Any]] | None,
        ts: str,
        thread_ts: str | None = None,
        attachments: Any = None,
    ) -> dict[str, Any]:
        message: dict[str, Any] = {
            "user": self.bot_user_id,
            "type": "message",
            "ts": ts,
            "bot_id": self.bot_id,
            "app_id": self.app_id,
            "text": text,
            "team": self.team_id,
            "bot_profile": {
                "id": self.bot_id,
                "deleted": False,
                "name": self.bot_name,
                "updated": int(time.time()),
                "app_id": self.app_id,
                "icons": {"image_36": "", "image_48": "", "image_72": ""},
                "team_id": self.team_id,
            },
        }
        if blocks:
            message["blocks"] = blocks
        if attachments:
            message["attachments"] = attachments
        if thread_ts is not None:
            message["thread_ts"] = thread_ts
        return message

    @staticmethod
    def _message_content(
        args: dict[str, Any], *, require: bool = True
    ) -> tuple[str, list[dict[str, Any]] | None]:
        """Validated (text, blocks with ids) for chat.* methods."""
        text = args.get("text")
        markdown = args.get("markdown_text")
        blocks = args.get("blocks")
        attachments = args.get("attachments")
        if text is not None and not isinstance(text, str):
            raise _SlackError("invalid_arguments", messages=["text must be a string"])
        has_blocks = isinstance(blocks, list) and len(blocks) > 0
        if require and not text and not markdown and not has_blocks and not attachments:
            raise _SlackError("no_text")
        if text and len(text) > 40000:
            raise _SlackError("msg_too_long")
        if markdown and (not isinstance(markdown, str) or len(markdown) > 12000):
            raise _SlackError("msg_too_long")
        if blocks is not None:
            if isinstance(blocks, str):
                raise _SlackError("invalid_blocks_format")
            errs: list[str] = []
            _check_blocks(errs, blocks, "/blocks", limit=50)
            if errs:
                raise _SlackError("invalid_blocks", errors=errs, messages=errs)
            return text or markdown or "", _fill_ids(blocks)
        return text or markdown or "", None

    def _find_message(self, channel_id: str, ts: str) -> dict[str, Any] | None:
        return next((m for m in self._messages.get(channel_id, []) if m["ts"] == ts), None)

    def _locate_message(self, ts: str) -> tuple[str, dict[str, Any]] | None:
        for channel_id, messages in self._messages.items():
            for message in messages:
                if message["ts"] == ts:
                    return channel_id, message
        return None

    # ------------------------------------------------------------------ Web API methods

    def _m_api_test(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "args": {k: v for k, v in args.items() if k != "token"}}

    def _m_auth_test(self, args: dict[str, Any]) -> dict[str, Any]:
        return {
            "ok": True,
            "url": f"https://{TEAM_DOMAIN}.slack.com/",
            "team": TEAM_NAME,
            "user": self.bot_name,
            "team_id": self.team_id,
            "user_id": self.bot_user_id,
            "bot_id": self.bot_id,
            "is_enterprise_install": False,
        }

    def _m_apps_connections_open(self, args: dict[str, Any]) -> dict[str, Any]:
        ticket = secrets.token_hex(16)
        self._tickets.add(ticket)
        port = self.base_url.rsplit(":", 1)[1]
        return {
            "ok": True,
            "url": f"ws://127.0.0.1:{port}/socket?ticket={ticket}&app_id={self.app_id}",
        }

    def _post_target(self, channel_arg: Any) -> _Channel:
        if isinstance(channel_arg, str) and channel_arg[:1] in ("U", "W"):
            # Posting to a user id posts in the app's DM with them.
            self._refuse_dm(channel_arg)
            channel_id, _ = self._open_dm((channel_arg,))
            return self._channels[channel_id]
        channel = self._visible_channel(channel_arg)
        if self.bot_user_id not in channel.members:
            raise _SlackError("not_in_channel")
        if channel.archived:
            raise _SlackError("is_archived")
        if channel.kind == "im" and channel.user in self._dm_refusal:
            raise _SlackError(self._dm_refusal[channel.user])
        return channel

    def _m_chat_post_message(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self._post_target(self._required(args, "channel", "channel_not_found"))
        text, blocks = self._message_content(args)
        thread_ts = args.get("thread_ts") or None
        if thread_ts is not None and self._find_message(channel.id, str(thread_ts)) is None:
            self.rejected.append(f"chat.postMessage: thread_ts {thread_ts} names no message")
        ts = self._next_ts()
        message = self._bot_message(
            text=text,
            blocks=blocks,
            ts=ts,
            thread_ts=str(thread_ts) if thread_ts else None,
            attachments=args.get("attachments"),
        )
        self._messages[channel.id].append(message)
        return {"ok": True, "channel": channel.id, "ts": ts, "message": copy.deepcopy(message)}

    def _m_chat_post_ephemeral(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self._post_target(self._required(args, "channel", "channel_not_found"))
        user_id = self._required(args, "user", "user_not_found")
        self._user_or_error(user_id)
        if user_id not in channel.members:
            raise _SlackError("user_not_in_channel")
        text, blocks = self._message_content(args)
        ts = self._next_ts()
        self._ephemerals.append(
            {
                "channel": channel.id,
                "user": user_id,
                "ts": ts,
                "text": text,
                "blocks": blocks or [],
                "source": "chat.postEphemeral",
            }
        )
        return {"ok": True, "message_ts": ts}

    def _m_chat_update(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self._visible_channel(self._required(args, "channel", "channel_not_found"))
        ts = str(self._required(args, "ts", "message_not_found"))
        message = self._find_message(channel.id, ts)
        if message is None:
            raise _SlackError("message_not_found")
        if message.get("bot_id") != self.bot_id:
            raise _SlackError("cant_update_message")
        if "text" not in args and "blocks" not in args and "attachments" not in args:
            raise _SlackError("no_text")
        text, blocks = self._message_content(args, require=False)
        if "text" in args or "markdown_text" in args:
            message["text"] = text
        if "blocks" in args:
            if blocks:
                message["blocks"] = blocks
            else:
                message.pop("blocks", None)
        if "attachments" in args:
            message["attachments"] = args["attachments"]
        message["edited"] = {"user": self.bot_user_id, "ts": self._next_ts()}
        return {
            "ok": True,
            "channel": channel.id,
            "ts": ts,
            "text": message["text"],
            "message": copy.deepcopy(message),
        }

    def _m_chat_delete(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self._visible_channel(self._required(args, "channel", "channel_not_found"))
        ts = str(self._required(args, "ts", "message_not_found"))
        message = self._find_message(channel.id, ts)
        if message is None:
            raise _SlackError("message_not_found")
        if message.get("bot_id") != self.bot_id:
            raise _SlackError("cant_delete_message")
        self._messages[channel.id].remove(message)
        return {"ok": True, "channel": channel.id, "ts": ts}

    def _m_chat_get_permalink(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self._visible_channel(self._required(args, "channel", "channel_not_found"))
        ts = str(self._required(args, "message_ts", "message_not_found"))
        if self._find_message(channel.id, ts) is None:
            raise _SlackError("message_not_found")
        link = f"https://{TEAM_DOMAIN}.slack.com/archives/{channel.id}/p{ts.replace('.', '')}"
        return {"ok": True, "channel": channel.id, "permalink": link}

    def _m_conversations_open(self, args: dict[str, Any]) -> dict[str, Any]:
        if args.get("channel"):
            channel = self._channels.get(str(args["channel"]))
            if channel is None or channel.kind not in ("im", "mpim"):
                raise _SlackError("channel_not_found")
            return {"ok": True, "no_op": True, "already_open": True, "channel": {"id": channel.id}}
        raw = args.get("users")
        if isinstance(raw, list):
            raw = ",".join(str(u) for u in raw)
        if not isinstance(raw, str) or not raw.strip():
            raise _SlackError("users_list_not_supplied")
        users: list[str] = []
        for part in raw.split(","):
            user_id = part.strip()
            if user_id and user_id != self.bot_user_id and user_id not in users:
                users.append(user_id)
        if not users:
            raise _SlackError("not_enough_users")
        if len(users) > 8:
            raise _SlackError("too_many_users")
        for user_id in users:
            user = self._user_or_error(user_id)
            if len(users) == 1 and user["is_bot"]:
                raise _SlackError("cannot_dm_bot")
            refusal = self._dm_refusal.get(user_id)
            if refusal is not None and refusal != "messages_tab_disabled":
                raise _SlackError(refusal)
        if _truthy(args.get("prevent_creation")) and self.dm_channel_of(*users) is None:
            return {"ok": True, "no_op": True, "channel": None}
        channel_id, existed = self._open_dm(tuple(users))
        body: dict[str, Any] = {"ok": True}
        if existed:
            body.update({"no_op": True, "already_open": True})
        if _truthy(args.get("return_im")):
            body["channel"] = self._channel_payload(self._channels[channel_id])
        else:
            body["channel"] = {"id": channel_id}
        return body

    def _m_files_get_upload_url_external(self, args: dict[str, Any]) -> dict[str, Any]:
        filename = self._required(args, "filename")
        raw_length = self._required(args, "length")
        if not isinstance(filename, str):
            raise _SlackError("invalid_arguments", messages=["filename must be a string"])
        try:
            length = int(raw_length)
        except (TypeError, ValueError):
            raise _SlackError("invalid_arguments", messages=["length must be an integer"]) from None
        if length < 0:
            raise _SlackError("invalid_arguments", messages=["length must be 0 or more"])
        upload = _Upload(
            file_id=_rand_id("F"),
            filename=filename,
            length=length,
            upload_id=secrets.token_urlsafe(24),
            created=_now(),
            alt_txt=args.get("alt_txt") or None,
            snippet_type=args.get("snippet_type") or None,
        )
        self._pending_uploads[upload.upload_id] = upload
        return {
            "ok": True,
            "upload_url": f"{self.base_url}/upload/v1/{upload.upload_id}",
            "file_id": upload.file_id,
        }

    def _m_files_complete_upload_external(self, args: dict[str, Any]) -> dict[str, Any]:
        entries = self._required(args, "files")
        if isinstance(entries, str):
            try:
                entries = json.loads(entries)
            except ValueError:
                raise _SlackError("invalid_arguments", messages=["files must be JSON"]) from None
        if (
            not isinstance(entries, list)
            or not entries
            or not all(isinstance(e, dict) and isinstance(e.get("id"), str) for e in entries)
        ):
            raise _SlackError(
                "invalid_arguments", messages=["files must be an array of objects with an id"]
            )
        pending = {u.file_id: u for u in self._pending_uploads.values()}
        uploads: list[_Upload] = []
        for entry in entries:
            upload = pending.get(entry["id"])
            if upload is None or upload.content is None:  # unknown, unsent or completed
                raise _SlackError("file_not_found")
            uploads.append(upload)
        targets: list[str] = []
        channel_id = args.get("channel_id") or None
        if channel_id is not None:
            targets.append(str(channel_id))
        raw = args.get("channels") or ""
        targets.extend(t.strip() for t in str(raw).split(",") if t.strip() and t not in targets)
        thread_ts = args.get("thread_ts") or None
        if thread_ts is not None and len(targets) != 1:
            raise _SlackError("invalid_arguments", messages=["thread_ts needs exactly one channel"])
        channels = [self._post_target(target) for target in targets]
        comment = args.get("initial_comment")
        if comment is not None and not isinstance(comment, str):
            raise _SlackError("invalid_arguments", messages=["initial_comment must be a string"])
        if comment and len(comment) > 40000:
            raise _SlackError("msg_too_long")
        for channel in channels:
            if thread_ts is not None and self._find_message(channel.id, str(thread_ts)) is None:
                self.rejected.append(
                    f"files.completeUploadExternal: thread_ts {thread_ts} names no message"
                )
        shared: list[dict[str, Any]] = []
        for entry, upload in zip(entries, uploads, strict=True):
            del self._pending_uploads[upload.upload_id]
            title = entry.get("title") or upload.filename
            record = {
                "id": upload.file_id,
                "name": upload.filename,
                "title": str(title),
                "mimetype": mimetypes.guess_type(upload.filename)[0] or "application/octet-stream",
                "size": len(upload.content or b""),
                "content": upload.content,
                "channel": channels[0].id if channels else None,
                "channels": [c.id for c in channels],
                "thread_ts": str(thread_ts) if thread_ts else None,
                "initial_comment": comment or None,
                "alt_txt": upload.alt_txt,
            }
            self._files[upload.file_id] = record
            shared.append(record)
        for channel in channels:
            message = self._bot_message(
                text=comment or "",
                blocks=None,
                ts=self._next_ts(),
                thread_ts=str(thread_ts) if thread_ts else None,
            )
            message["upload"] = True
            message["display_as_bot"] = False
            message["files"] = [self._file_object(f) for f in shared]
            self._messages[channel.id].append(message)
        return {"ok": True, "files": [{"id": f["id"], "title": f["title"]} for f in shared]}

    def _file_object(self, record: dict[str, Any]) -> dict[str, Any]:
        """A file as messages show it (the bytes are not in it)."""
        return {
            "id": record["id"],
            "created": int(time.time()),
            "name": record["name"],
            "title": record["title"],
            "mimetype": record["mimetype"],
            "filetype": record["name"].rsplit(".", 1)[-1].lower() if "." in record["name"] else "",
            "user": self.bot_user_id,
            "size": record["size"],
            "mode": "hosted",
            "is_external": False,
            "is_public": any(self._channels[c].kind == "public" for c in record["channels"]),
            "url_private": f"https://files.slack.com/files-pri/{self.team_id}-{record['id']}/"
            f"{record['name']}",
        }

    def _m_conversations_info(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self._visible_channel(args.get("channel"))
        payload = self._channel_payload(channel)
        if _truthy(args.get("include_num_members")) and channel.kind != "im":
            payload["num_members"] = len(channel.members)
        return {"ok": True, "channel": payload}

    def _member_channel(self, args: dict[str, Any]) -> _Channel:
        channel = self._visible_channel(args.get("channel"))
        if channel.kind in ("im", "mpim"):
            raise _SlackError("method_not_supported_for_channel_type")
        if self.bot_user_id not in channel.members:
            raise _SlackError("not_in_channel")
        if channel.archived:
            raise _SlackError("is_archived")
        return channel

    def _m_conversations_invite(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self._member_channel(args)
        raw = args.get("users")
        if isinstance(raw, list):
            raw = ",".join(str(u) for u in raw)
        if not isinstance(raw, str) or not raw.strip():
            raise _SlackError("no_user")
        users = [u.strip() for u in raw.split(",") if u.strip()]
        if len(users) > 1000:
            raise _SlackError("too_many_users")
        failures: list[dict[str, Any]] = []
        for user_id in users:
            error = None
            if user_id not in self._users:
                error = "user_not_found"
            elif user_id == self.bot_user_id:
                error = "cant_invite_self"
            elif user_id in channel.members:
                error = "already_in_channel"
            if error is not None:
                failures.append({"user": user_id, "ok": False, "error": error})
        if failures:
            raise _SlackError(failures[0]["error"], errors=failures)
        channel.members.update(users)
        return {"ok": True, "channel": self._channel_payload(channel)}

    def _m_conversations_kick(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self._member_channel(args)
        user_id = args.get("user")
        if not user_id:
            raise _SlackError("no_user")
        self._user_or_error(user_id)
        if "conversations.kick" in self.restricted:
            raise _SlackError("restricted_action")
        if user_id == self.bot_user_id:
            raise _SlackError("cant_kick_self")
        if channel.id == GENERAL_CHANNEL_ID:
            raise _SlackError("cant_kick_from_general")
        if user_id not in channel.members:
            raise _SlackError("not_in_channel")
        channel.members.discard(user_id)
        return {"ok": True}

    def _m_conversations_create(self, args: dict[str, Any]) -> dict[str, Any]:
        name = args.get("name")
        if not isinstance(name, str) or not name:
            raise _SlackError("invalid_name_required")
        if len(name) > _CHANNEL_NAME_MAX:
            raise _SlackError("invalid_name_maxlength")
        if not _CHANNEL_NAME.fullmatch(name):  # `$` alone would let a final newline in
            raise _SlackError("invalid_name_specials")
        if not name.strip("-_"):
            raise _SlackError("invalid_name_punctuation")
        if "conversations.create" in self.restricted:
            raise _SlackError("restricted_action")
        # Every channel's name counts: archived ones, and private ones the app cannot see.
        if any(c.name == name for c in self._channels.values() if c.kind in ("public", "private")):
            raise _SlackError("name_taken")
        private = _truthy(args.get("is_private"))
        channel_id = f"C{self._next_number():08d}"
        channel = self._add_channel(
            channel_id, name, "private" if private else "public", creator=self.bot_user_id
        )
        return {"ok": True, "channel": self._channel_payload(channel)}

    def _m_conversations_join(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self._visible_channel(args.get("channel"))
        if channel.kind != "public":
            raise _SlackError("method_not_supported_for_channel_type")
        if channel.archived:
            raise _SlackError("is_archived")
        body: dict[str, Any] = {"ok": True}
        if self.bot_user_id in channel.members:
            body["warning"] = "already_in_channel"
            body["response_metadata"] = {"warnings": ["already_in_channel"]}
        channel.members.add(self.bot_user_id)
        body["channel"] = self._channel_payload(channel)
        return body

    def _m_conversations_archive(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self._visible_channel(args.get("channel"))
        if channel.kind in ("im", "mpim"):
            raise _SlackError("method_not_supported_for_channel_type")
        if channel.id == GENERAL_CHANNEL_ID:
            raise _SlackError("cant_archive_general")
        if channel.archived:
            raise _SlackError("already_archived")
        if self.bot_user_id not in channel.members:
            raise _SlackError("not_in_channel")
        channel.archived = True
        return {"ok": True}

    def _m_conversations_set_topic(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self._visible_channel(args.get("channel"))
        if self.bot_user_id not in channel.members:
            raise _SlackError("not_in_channel")
        if channel.archived:
            raise _SlackError("is_archived")
        topic = args.get("topic")
        if not isinstance(topic, str):
            raise _SlackError("invalid_arguments", messages=["missing required field: topic"])
        if len(topic) > _TOPIC_MAX:
            raise _SlackError("too_long")
        channel.topic, channel.topic_creator, channel.topic_set = (
            topic,
            self.bot_user_id,
            int(time.time()),
        )
        return {"ok": True, "channel": self._channel_payload(channel)}

    @staticmethod
    def _page(items: list[Any], args: dict[str, Any], default_limit: int) -> tuple[list[Any], str]:
        cursor = str(args.get("cursor") or "")
        start = int(cursor[len("off:") :]) if cursor.startswith("off:") else 0
        try:
            limit = int(args.get("limit") or default_limit)
        except (TypeError, ValueError):
            raise _SlackError("invalid_limit") from None
        limit = max(1, min(limit, 1000))
        page = items[start : start + limit]
        nxt = f"off:{start + limit}" if start + limit < len(items) else ""
        return page, nxt

    def _m_conversations_members(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self._visible_channel(args.get("channel"))
        page, nxt = self._page(sorted(channel.members), args, 100)
        return {"ok": True, "members": page, "response_metadata": {"next_cursor": nxt}}

    def _m_conversations_history(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self._visible_channel(args.get("channel"))
        if self.bot_user_id not in channel.members:
            raise _SlackError("not_in_channel")
        top = [
            copy.deepcopy(m)
            for m in reversed(self._messages[channel.id])
            if m.get("thread_ts") in (None, m["ts"])
        ]
        page, nxt = self._page(top, args, 100)
        return {
            "ok": True,
            "messages": page,
            "has_more": bool(nxt),
            "pin_count": 0,
            "response_metadata": {"next_cursor": nxt},
        }

    def _m_conversations_list(self, args: dict[str, Any]) -> dict[str, Any]:
        raw_types = str(args.get("types") or "public_channel")
        wanted = {
            {"public_channel": "public", "private_channel": "private"}.get(t.strip(), t.strip())
            for t in raw_types.split(",")
        }
        exclude_archived = _truthy(args.get("exclude_archived"))
        found = [
            self._channel_payload(c)
            for c in self._channels.values()
            if c.kind in wanted
            and (c.kind == "public" or self.bot_user_id in c.members)
            and not (exclude_archived and c.archived)
        ]
        page, nxt = self._page(found, args, 100)
        return {"ok": True, "channels": page, "response_metadata": {"next_cursor": nxt}}

    def _m_users_info(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "user": copy.deepcopy(self._user_or_error(args.get("user")))}

    def _m_users_list(self, args: dict[str, Any]) -> dict[str, Any]:
        page, nxt = self._page([copy.deepcopy(u) for u in self._users.values()], args, 200)
        return {
            "ok": True,
            "members": page,
            "cache_ts": int(time.time()),
            "response_metadata": {"next_cursor": nxt},
        }

    # -- views

    def _checked_view(self, args: dict[str, Any], kinds: tuple[str, ...]) -> dict[str, Any]:
        view = args.get("view")
        if view is None:
            raise _SlackError("invalid_arguments", messages=["missing required field: view"])
        if isinstance(view, str):
            raise _SlackError("invalid_arguments", messages=["failed to parse view JSON"])
        errs: list[str] = []
        _check_view(errs, view, kinds=kinds)
        if errs:
            raise _SlackError("invalid_arguments", messages=errs)
        return view

    def _take_trigger(self, args: dict[str, Any]) -> _Trigger:
        trigger_id = args.get("trigger_id") or args.get("interactivity_pointer")
        if not trigger_id:
            raise _SlackError("invalid_arguments", messages=["missing required field: trigger_id"])
        trigger = self._triggers.get(str(trigger_id))
        if trigger is None:
            raise _SlackError("invalid_trigger_id")
        if trigger.used:
            raise _SlackError("exchanged_trigger_id")
        if _now() - trigger.issued > self.trigger_ttl:
            raise _SlackError("expired_trigger_id")
        trigger.used = True
        return trigger

    def _external_id_taken(self, external_id: str, but: str | None = None) -> bool:
        for view in self._all_views():
            if view.get("external_id") == external_id and view["id"] != but:
                return True
        return False

    def _all_views(self) -> Iterator[dict[str, Any]]:
        for stack in self._stacks.values():
            yield from stack
        yield from self._homes.values()

    def _full_view(
        self,
        definition: dict[str, Any],
        *,
        view_id: str | None = None,
        root_view_id: str | None = None,
        previous_view_id: str | None = None,
    ) -> dict[str, Any]:
        view_id = view_id or _rand_id("V")
        kind = definition["type"]
        return {
            "id": view_id,
            "team_id": self.team_id,
            "type": kind,
            "blocks": _fill_ids(definition.get("blocks") or []),
            "private_metadata": definition.get("private_metadata") or "",
            "callback_id": definition.get("callback_id") or "",
            "state": {"values": {}},
            "hash": f"{int(time.time())}.{secrets.token_hex(4)}",
            "title": copy.deepcopy(
                definition.get("title") or {"type": "plain_text", "text": "View Title"}
            ),
            "clear_on_close": bool(definition.get("clear_on_close", False)),
            "notify_on_close": bool(definition.get("notify_on_close", False)),
            "close": copy.deepcopy(definition.get("close")),
            "submit": copy.deepcopy(definition.get("submit")),
            "previous_view_id": previous_view_id,
            "root_view_id": root_view_id or view_id,
            "app_id": self.app_id,
            "external_id": definition.get("external_id") or "",
            "app_installed_team_id": self.team_id,
            "bot_id": self.bot_id,
        }

    def _m_views_open(self, args: dict[str, Any]) -> dict[str, Any]:
        view = self._checked_view(args, ("modal",))
        if view.get("external_id") and self._external_id_taken(view["external_id"]):
            raise _SlackError("duplicate_external_id")
        trigger = self._take_trigger(args)
        full = self._full_view(view)
        self._stacks[trigger.user_id] = [full]
        return {"ok": True, "view": copy.deepcopy(full)}

    def _m_views_push(self, args: dict[str, Any]) -> dict[str, Any]:
        view = self._checked_view(args, ("modal",))
        if view.get("external_id") and self._external_id_taken(view["external_id"]):
            raise _SlackError("duplicate_external_id")
        trigger = self._take_trigger(args)
        stack = self._stacks.get(trigger.user_id) or []
        if not stack:
            raise _SlackError("invalid_trigger_id")
        if len(stack) >= 3:
            raise _SlackError("push_limit_reached")
        full = self._full_view(view, root_view_id=stack[0]["id"], previous_view_id=stack[-1]["id"])
        stack.append(full)
        return {"ok": True, "view": copy.deepcopy(full)}

    def _m_views_update(self, args: dict[str, Any]) -> dict[str, Any]:
        view_id, external_id = args.get("view_id"), args.get("external_id")
        if not view_id and not external_id:
            raise _SlackError(
                "invalid_arguments", messages=["either view_id or external_id is required"]
            )
        target = next(
            (
                v
                for v in self._all_views()
                if (view_id and v["id"] == view_id)
                or (external_id and v.get("external_id") == external_id)
            ),
            None,
        )
        if target is None:
            raise _SlackError("not_found")
        view = self._checked_view(args, (target["type"],))
        if args.get("hash") and args["hash"] != target["hash"]:
            raise _SlackError("hash_conflict")
        if view.get("external_id") and self._external_id_taken(view["external_id"], target["id"]):
            raise _SlackError("duplicate_external_id")
        full = self._full_view(
            view,
            view_id=target["id"],
            root_view_id=target["root_view_id"],
            previous_view_id=target["previous_view_id"],
        )
        self._replace_view(target["id"], full)
        return {"ok": True, "view": copy.deepcopy(full)}

    def _replace_view(self, view_id: str, full: dict[str, Any]) -> None:
        for stack in self._stacks.values():
            for i, v in enumerate(stack):
                if v["id"] == view_id:
                    stack[i] = full
                    return
        for user_id, v in self._homes.items():
            if v["id"] == view_id:
                self._homes[user_id] = full
                return

    def _m_views_publish(self, args: dict[str, Any]) -> dict[str, Any]:
        user_id = self._required(args, "user_id")
        self._user_or_error(user_id)
        view = self._checked_view(args, ("home",))
        current = self._homes.get(user_id)
        if args.get("hash") and (current is None or args["hash"] != current["hash"]):
            raise _SlackError("hash_conflict")
        full = self._full_view(view, view_id=current["id"] if current else None)
        self._homes[user_id] = full
        return {"ok": True, "view": copy.deepcopy(full)}

    # ------------------------------------------------------------------ response_url

    async def _response_url(self, request: web.Request) -> web.StreamResponse:
        at = _now()
        rid = request.match_info["rid"]
        raw = await request.read()
        record = self._response_urls.get(rid)
        body: Any = None
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = None
        status, text = 200, "ok"
        if record is None:
            status, text = 404, "no_service"
        elif at - record.created > self.response_url_ttl:
            status, text = 404, "expired_url"
        elif record.uses >= self.response_url_uses:
            status, text = 404, "used_url"
        elif not isinstance(body, dict):
            status, text = 400, "invalid_payload"
        else:
            record.uses += 1
            try:
                self._apply_response(record, body)
            except _SlackError as exc:
                status, text = 400, exc.body["error"]
        call = Call(
            index=len(self.responses),
            method="response_url",
            args=body if isinstance(body, dict) else {"_raw": raw.decode("utf-8", "replace")},
            at=at,
            status=status,
            response=text,
            token="none",
            url=record.url if record is not None else f"{self.base_url}/response/{rid}",
        )
        self.responses.append(call)
        self._notify()
        return web.Response(status=status, text=text, content_type="text/plain")

    def _apply_response(self, record: _ResponseUrl, body: dict[str, Any]) -> None:
        original = record.original
        if _truthy(body.get("delete_original")):
            if original is None:
                raise _SlackError("message_not_found")
            self._delete_original(original)
            record.original = None
            return
        text, blocks = self._message_content(body)
        channel_id = record.channel_id or ""
        if _truthy(body.get("replace_original")) and original is not None:
            channel_id, ts, ephemeral = original
            if ephemeral:
                for e in self._ephemerals:
                    if e["ts"] == ts and e["channel"] == channel_id:
                        e.update({"text": text, "blocks": blocks or [], "source": "response_url"})
            else:
                message = self._find_message(channel_id, ts)
                if message is not None:
                    message["text"] = text
                    if blocks:
                        message["blocks"] = blocks
                    else:
                        message.pop("blocks", None)
                    message["edited"] = {"user": self.bot_user_id, "ts": self._next_ts()}
            return
        ts = self._next_ts()
        if body.get("response_type") == "in_channel":
            thread_ts = body.get("thread_ts")
            self._messages.setdefault(channel_id, []).append(
                self._bot_message(text=text, blocks=blocks, ts=ts, thread_ts=thread_ts)
            )
            record.original = (channel_id, ts, False)
        else:
            self._ephemerals.append(
                {
                    "channel": channel_id,
                    "user": record.user_id,
                    "ts": ts,
                    "text": text,
                    "blocks": blocks or [],
                    "source": "response_url",
                }
            )
            record.original = (channel_id, ts, True)

    def _delete_original(self, original: tuple[str, str, bool]) -> None:
        channel_id, ts, ephemeral = original
        if ephemeral:
            self._ephemerals = [
                e for e in self._ephemerals if not (e["ts"] == ts and e["channel"] == channel_id)
            ]
        else:
            message = self._find_message(channel_id, ts)
            if message is not None:
                self._messages[channel_id].remove(message)

    # ------------------------------------------------------------------ upload URLs

    async def _upload_url(self, request: web.Request) -> web.StreamResponse:
        """The bytes of a file, as `files.slack.com/upload/v1/...` takes them: the raw body
        (slack_sdk), or a multipart form's file part. Answers text/plain like Slack."""
        at = _now()
        uid = request.match_info["uid"]
        upload = self._pending_uploads.get(uid)
        ctype = request.content_type
        content: bytes | None = None
        if ctype.startswith("multipart/"):
            reader = await request.multipart()
            async for part in reader:
                if isinstance(part, aiohttp.BodyPartReader) and part.filename is not None:
                    content = await part.read()
                    break
                if isinstance(part, aiohttp.BodyPartReader):
                    await part.read()
        else:
            content = await request.read()
        status, text = 200, ""
        if upload is None:
            status, text = 404, "not_found"
        elif at - upload.created > UPLOAD_URL_TTL:
            status, text = 404, "expired"
        elif upload.content is not None:
            status, text = 400, "already_uploaded"
        elif content is None:
            status, text = 400, "no_file_data"
        else:
            upload.content = content
            text = f"OK - {len(content)}"
            if len(content) != upload.length:
                self.rejected.append(
                    f"upload: {len(content)} bytes for a declared length of {upload.length}"
                )
        auth = request.headers.get("Authorization", "")
        self.uploads.append(
            Call(
                index=len(self.uploads),
                method="upload_url",
                args={
                    "file_id": upload.file_id if upload else None,
                    "size": len(content) if content is not None else None,
                    "content_type": ctype,
                },
                at=at,
                status=status,
                response=text,
                token=self._token_kind(auth[7:].strip() if auth.startswith("Bearer ") else None),
                url=f"{self.base_url}/upload/v1/{uid}",
            )
        )
        self._notify()
        return web.Response(status=status, text=text, content_type="text/plain")

    # ------------------------------------------------------------------ Socket Mode server

    async def _socket(self, request: web.Request) -> web.StreamResponse:
        ticket = request.query.get("ticket", "")
        if ticket not in self._tickets:
            self.rejected.append("socket: connection with an unknown or already used ticket")
            self._notify()
            return web.Response(status=401, text="invalid_ticket")
        self._tickets.discard(ticket)
        ws = web.WebSocketResponse(autoping=True, max_msg_size=4 * 1024 * 1024)
        await ws.prepare(request)
        self.socket_connections += 1
        conn = _SocketConn(ws=ws, number=self.socket_connections, opened_at=_now())
        self._conns.append(conn)
        try:
            hello = {
                "type": "hello",
                "num_connections": sum(1 for c in self._conns if not c.closed),
                "debug_info": {
                    "host": f"applink-fake-{conn.number}",
                    "build_number": 1,
                    "approximate_connection_time": 18060,
                },
                "connection_info": {"app_id": self.app_id},
            }
            await ws.send_str(_dumps(hello))
            conn.ready = True
            self._notify()
            async for msg in ws:
                if msg.type is WSMsgType.TEXT:
                    self._on_socket_text(conn, msg.data)
                elif msg.type is WSMsgType.BINARY:
                    self.rejected.append(f"socket {conn.number}: binary frame")
        except ConnectionResetError:
            pass
        finally:
            conn.closed = True
            conn.ready = False
            if conn in self._conns:
                self._conns.remove(conn)
            self._notify()
        return ws

    def _on_socket_text(self, conn: _SocketConn, data: str) -> None:
        at = _now()
        try:
            frame = json.loads(data)
        except ValueError:
            frame = data
        self.socket_frames.append(SocketFrame(at=at, connection=conn.number, data=frame))
        envelope_id = frame.get("envelope_id") if isinstance(frame, dict) else None
        if envelope_id is None:
            self.rejected.append(f"socket {conn.number}: frame without envelope_id: {data[:200]}")
            self._notify()
            return
        waiting = self._unacked.get(envelope_id) or []
        delivery = waiting.pop(0) if waiting else None
        if not waiting:
            self._unacked.pop(envelope_id, None)
        if delivery is None:
            self.rejected.append(f"socket: ack for an unknown or already acked {envelope_id}")
            self._notify()
            return
        payload = frame.get("payload")
        ack = Ack(
            at=at,
            status=200,
            payload=payload,
            envelope_id=envelope_id,
            elapsed=at - delivery.sent_at,
        )
        self._ack_arrived(delivery, ack)

    def _live_conn(self) -> _SocketConn | None:
        live = [c for c in self._conns if c.ready and not c.closed and not c.ws.closed]
        fresh = [c for c in live if not c.refreshing]
        return (fresh or [None])[-1]

    async def wait_connected(self, timeout: float = 10, *, count: int | None = None) -> None:
        """A Socket Mode connection is open (after hello); with `count`, at least that many
        connections were made in total (count=2: the client reconnected once)."""

        def ready() -> bool | None:
            if count is not None and self.socket_connections < count:
                return None
            return True if self._live_conn() is not None else None

        await self._wait_for(ready, timeout, "a Socket Mode connection")

    async def disconnect(self, reason: str = "refresh_requested") -> None:
        """Ask every connected client to reconnect (Slack's periodic refresh)."""
        frame = _dumps(
            {
                "type": "disconnect",
                "reason": reason,
                "debug_info": {"host": "applink-fake"},
            }
        )
        for conn in list(self._conns):
            if conn.ready and not conn.closed:
                conn.refreshing = True
                with contextlib.suppress(ConnectionResetError, RuntimeError):
                    await conn.ws.send_str(frame)
        self._notify()

    async def drop_socket(self, code: int = 1011) -> None:
        """Close every Socket Mode connection from the server side, without warning."""
        for conn in list(self._conns):
            conn.refreshing = True
            with contextlib.suppress(Exception):
                await conn.ws.close(code=code, message=b"fake dropped the connection")
        self._notify()

    # ------------------------------------------------------------------ delivery

    def _user_ref(self, user_id: str) -> dict[str, Any]:
        user = self._users.get(user_id)
        if user is None:
            raise AssertionError(f"unknown user {user_id}")
        return {
            "id": user_id,
            "username": user["name"],
            "name": user["name"],
            "team_id": self.team_id,
        }

    def _team_ref(self) -> dict[str, Any]:
        return {"id": self.team_id, "domain": TEAM_DOMAIN}

    def _channel_name_for(self, channel: _Channel, *, command: bool) -> str:
        if channel.kind == "im":
            return "directmessage"
        if channel.kind == "private" and command:
            return "privategroup"
        return channel.name

    def _check_member(self, user_id: str, channel: _Channel) -> None:
        if channel.kind != "public" and user_id not in channel.members:
            raise AssertionError(f"{user_id} cannot see {channel.kind} channel {channel.id}")

    async def _send(self, delivery: Delivery, *, envelope_id: str | None = None) -> Delivery:
        if self._mode is None:
            raise AssertionError("FakeSlack: call use_socket_mode() or use_http(url) first")
        if self._runner is None:
            raise AssertionError("FakeSlack: start() it first")
        delivery.mode = self._mode
        if self._mode == "socket":
            if delivery.kind == "url_verification":
                raise AssertionError("url_verification is an HTTP-mode request")
            await self.wait_connected()
            conn = self._live_conn()
            assert conn is not None
            delivery.envelope_id = envelope_id or str(uuid.uuid4())
            envelope_type = {
                "command": "slash_commands",
                "block_actions": "interactive",
                "view_submission": "interactive",
                "event": "events_api",
            }[delivery.kind]
            envelope: dict[str, Any] = {
                "envelope_id": delivery.envelope_id,
                "payload": delivery.payload,
                "type": envelope_type,
                "accepts_response_payload": delivery.kind in ("command", "view_submission"),
            }
            if delivery.kind == "event" or delivery.retry_num:
                envelope["retry_attempt"] = delivery.retry_num
                envelope["retry_reason"] = delivery.retry_reason or ""
            self.deliveries.append(delivery)
            self._unacked.setdefault(delivery.envelope_id, []).append(delivery)
            delivery.sent_at = _now()
            self._touch_trigger(delivery)
            await conn.ws.send_str(_dumps(envelope))
        else:
            assert self._http_url is not None
            if delivery.kind == "command":
                body = urlencode(delivery.payload).encode()
                ctype = "application/x-www-form-urlencoded"
            elif delivery.kind in ("block_actions", "view_submission"):
                body = urlencode({"payload": _dumps(delivery.payload)}).encode()
                ctype = "application/x-www-form-urlencoded"
            else:
                body = _dumps(delivery.payload).encode()
                ctype = "application/json"
            ts = str(int(time.time()))
            headers = {
                "Content-Type": ctype,
                "User-Agent": "Slackbot 1.0 (+https://api.slack.com/robots)",
                "X-Slack-Request-Timestamp": ts,
                "X-Slack-Signature": sign(self.signing_secret, ts, body),
            }
            if delivery.retry_num:
                headers["X-Slack-Retry-Num"] = str(delivery.retry_num)
                headers["X-Slack-Retry-Reason"] = delivery.retry_reason or "http_timeout"
            self.deliveries.append(delivery)
            delivery.sent_at = _now()
            self._touch_trigger(delivery)
            task = asyncio.create_task(self._http_send(delivery, body, headers))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        self._notify()
        return delivery

    def _touch_trigger(self, delivery: Delivery) -> None:
        """A trigger's 3 seconds start when the interaction is sent (not on retries)."""
        trigger = self._triggers.get(delivery.trigger_id or "")
        if trigger is not None and not delivery.retry_num:
            trigger.issued = delivery.sent_at

    async def _http_send(self, delivery: Delivery, body: bytes, headers: dict[str, str]) -> None:
        assert self._client is not None and self._http_url is not None
        try:
            async with self._client.post(self._http_url, data=body, headers=headers) as resp:
                raw = await resp.text()
                status = resp.status
                ctype = resp.content_type
        except (aiohttp.ClientError, TimeoutError) as exc:
            raw, status, ctype = repr(exc), 0, ""
        at = _now()
        payload: Any = None
        if raw:
            if ctype == "application/json" or raw.startswith("{"):
                try:
                    payload = json.loads(raw)
                except ValueError:
                    payload = raw
            elif status == 200:
                payload = {"text": raw}
            else:
                payload = raw
        ack = Ack(at=at, status=status, payload=payload, raw=raw, elapsed=at - delivery.sent_at)
        self._ack_arrived(delivery, ack)

    def _ack_arrived(self, delivery: Delivery, ack: Ack) -> None:
        delivery.ack = ack
        self.acks.append(ack)
        try:
            if ack.status == 200 and ack.late:
                self.rejected.append(
                    f"{delivery!r}: acked after {ack.elapsed:.2f}s (Slack gives up after 3s)"
                )
            elif ack.status == 200 and delivery.kind == "command":
                self._apply_command_ack(delivery, ack.payload)
            elif ack.status == 200 and delivery.kind == "view_submission":
                self._apply_submission_ack(delivery, ack.payload)
        except Exception as exc:  # a bug in the fake
            self.errors.append(f"applying {delivery!r}: {exc!r}")
        self._notify()

    def _apply_command_ack(self, delivery: Delivery, payload: Any) -> None:
        if payload is None:
            return
        if not isinstance(payload, dict):
            self.rejected.append(f"{delivery!r}: ack body is not a message: {payload!r}")
            return
        try:
            text, blocks = self._message_content(payload)
        except _SlackError as exc:
            self.rejected.append(f"{delivery!r}: ack message rejected: {exc.body}")
            return
        channel_id = delivery.channel_id or ""
        ts = self._next_ts()
        if payload.get("response_type") == "in_channel":
            self._messages.setdefault(channel_id, []).append(
                self._bot_message(text=text, blocks=blocks, ts=ts)
            )
        else:
            self._ephemerals.append(
                {
                    "channel": channel_id,
                    "user": delivery.user_id,
                    "ts": ts,
                    "text": text,
                    "blocks": blocks or [],
                    "source": "ack",
                }
            )

    def _apply_submission_ack(self, delivery: Delivery, payload: Any) -> None:
        user_id = delivery.user_id or ""
        stack = self._stacks.get(user_id, [])
        index = next((i for i, v in enumerate(stack) if v["id"] == delivery.view_id), None)
        if index is None:
            return
        action = payload.get("response_action") if isinstance(payload, dict) else None
        if payload is not None and action is None:
            self.rejected.append(f"{delivery!r}: ack body without response_action: {payload!r}")
        if action is None:
            del stack[index:]
        elif action == "clear":
            stack.clear()
        elif action == "errors":
            errors = payload.get("errors")
            inputs = {b.get("block_id") for b in stack[index]["blocks"] if b.get("type") == "input"}
            if not isinstance(errors, dict) or not errors:
                self.rejected.append(f"{delivery!r}: response_action errors needs an errors object")
            elif set(errors) - inputs:
                self.rejected.append(
                    f"{delivery!r}: errors name blocks that are not inputs: "
                    f"{sorted(set(errors) - inputs)}"
                )
        elif action in ("update", "push"):
            errs: list[str] = []
            _check_view(errs, payload.get("view"), kinds=("modal",))
            if errs:
                self.rejected.append(f"{delivery!r}: response_action {action} view: {errs}")
                return
            if action == "update":
                old = stack[index]
                stack[index] = self._full_view(
                    payload["view"],
                    view_id=old["id"],
                    root_view_id=old["root_view_id"],
                    previous_view_id=old["previous_view_id"],
                )
            elif len(stack) >= 3:
                self.rejected.append(f"{delivery!r}: push_limit_reached")
            else:
                stack.append(
                    self._full_view(
                        payload["view"],
                        root_view_id=stack[0]["id"],
                        previous_view_id=stack[-1]["id"],
                    )
                )
        else:
            self.rejected.append(f"{delivery!r}: unknown response_action {action!r}")
        if not stack:
            self._stacks.pop(user_id, None)

    async def retry(self, delivery: Delivery) -> Delivery:
        """Send a delivery again, as Slack's retry: same envelope_id / event_id / trigger_id,
        retry_attempt (socket) or X-Slack-Retry-Num (HTTP) one higher."""
        return await self._retry(delivery)

    async def _retry(self, previous: Delivery) -> Delivery:
        again = Delivery(
            self,
            previous.kind,
            copy.deepcopy(previous.payload),
            user_id=previous.user_id,
            channel_id=previous.channel_id,
            trigger_id=previous.trigger_id,
            event_id=previous.event_id,
            response_url=previous.response_url,
            view_id=previous.view_id,
            retry_num=previous.retry_num + 1,
            retry_reason="timeout" if self._mode == "socket" else "http_timeout",
        )
        return await self._send(again, envelope_id=previous.envelope_id)

    # ------------------------------------------------------------------ inputs

    async def slash(
        self,
        user_id: str,
        command: str,
        text: str = "",
        *,
        channel_id: str = GENERAL_CHANNEL_ID,
        trigger_id: str | None = None,
        retry_of: Delivery | None = None,
    ) -> Delivery:
        """A member runs `/command text` in a channel (or in a D... DM with the app)."""
        if retry_of is not None:
            return await self._retry(retry_of)
        if not command.startswith("/"):
            raise AssertionError("a slash command starts with /")
        user = self._user_ref(user_id)
        channel = self._channels.get(channel_id)
        if channel is None:
            raise AssertionError(f"unknown channel {channel_id}")
        self._check_member(user_id, channel)
        if trigger_id is None:
            trigger_id = self._new_trigger(user_id)
        elif trigger_id not in self._triggers:
            self._triggers[trigger_id] = _Trigger(user_id, issued=_now())
        delivery = Delivery(
            self, "command", {}, user_id=user_id, channel_id=channel_id, trigger_id=trigger_id
        )
        response_url = self._new_response_url(delivery, user_id, channel_id)
        delivery.response_url = response_url
        delivery.payload = {
            "token": VERIFICATION_TOKEN,
            "team_id": self.team_id,
            "team_domain": TEAM_DOMAIN,
            "channel_id": channel_id,
            "channel_name": self._channel_name_for(channel, command=True),
            "user_id": user_id,
            "user_name": user["name"],
            "command": command,
            "text": text,
            "api_app_id": self.app_id,
            "is_enterprise_install": "false",
            "response_url": response_url,
            "trigger_id": trigger_id,
        }
        return await self._send(delivery)

    def _find_pressable(
        self, message: dict[str, Any], channel_id: str | None
    ) -> tuple[str, dict[str, Any], bool]:
        """(channel, stored message or ephemeral record, is_ephemeral)."""
        ts = message.get("ts") or message.get("message_ts")
        if ts:
            if channel_id is not None:
                found = self._find_message(channel_id, str(ts))
                if found is not None:
                    return channel_id, found, False
            else:
                located = self._locate_message(str(ts))
                if located is not None:
                    return located[0], located[1], False
            for e in self._ephemerals:
                if e["ts"] == ts and (channel_id is None or e["channel"] == channel_id):
                    return e["channel"], e, True
            raise AssertionError(f"no message or ephemeral with ts {ts} (deleted or replaced?)")
        # A response_url/ack body (no ts): the newest ephemeral/message with the same blocks.
        for e in reversed(self._ephemerals):
            if e.get("blocks") and _same_blocks(e["blocks"], message.get("blocks")):
                return e["channel"], e, True
        for cid, messages in self._messages.items():
            for m in reversed(messages):
                if m.get("blocks") and _same_blocks(m["blocks"], message.get("blocks")):
                    return cid, m, False
        raise AssertionError("message not found: pass one from messages() or ephemerals()")

    async def press(
        self,
        user_id: str,
        message: dict[str, Any],
        action_id: str,
        *,
        channel_id: str | None = None,
        retry_of: Delivery | None = None,
    ) -> Delivery:
        """A user clicks a button (by action_id) on a message, ephemeral or view.

        `message`: from messages(), ephemerals(), a response_url call's args, or a view from
        home_view()/open_views() (then it is a block_actions from inside the view).
        """
        if retry_of is not None:
            return await self._retry(retry_of)
        if message.get("type") in ("modal", "home") and str(message.get("id", "")).startswith("V"):
            return await self._press_in_view(user_id, message, action_id)
        found_channel, stored, ephemeral = self._find_pressable(message, channel_id)
        channel = self._channels.get(found_channel)
        if channel is None:
            raise AssertionError(f"unknown channel {found_channel}")
        if ephemeral and stored["user"] != user_id:
            raise AssertionError(f"only {stored['user']} sees that ephemeral message")
        self._check_member(user_id, channel)
        block, button = self._find_button(stored.get("blocks") or [], action_id)
        trigger_id = self._new_trigger(user_id)
        delivery = Delivery(
            self,
            "block_actions",
            {},
            user_id=user_id,
            channel_id=found_channel,
            trigger_id=trigger_id,
        )
        response_url = self._new_response_url(
            delivery, user_id, found_channel, original=(found_channel, stored["ts"], ephemeral)
        )
        delivery.response_url = response_url
        payload: dict[str, Any] = {
            "type": "block_actions",
            "user": self._user_ref(user_id),
            "api_app_id": self.app_id,
            "token": VERIFICATION_TOKEN,
            "container": {
                "type": "message",
                "message_ts": stored["ts"],
                "channel_id": found_channel,
                "is_ephemeral": ephemeral,
            },
            "trigger_id": trigger_id,
            "team": self._team_ref(),
            "enterprise": None,
            "is_enterprise_install": False,
            "channel": {
                "id": found_channel,
                "name": self._channel_name_for(channel, command=False),
            },
        }
        if not ephemeral:
            payload["message"] = copy.deepcopy(stored)
        payload["state"] = {"values": {}}
        payload["response_url"] = response_url
        payload["actions"] = [self._action_payload(block, button)]
        delivery.payload = payload
        return await self._send(delivery)

    @staticmethod
    def _find_button(
        blocks: list[dict[str, Any]], action_id: str
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        for block, el in _walk_elements(blocks):
            if el.get("action_id") == action_id:
                if el.get("type") != "button":
                    raise AssertionError(f"{action_id!r} is a {el.get('type')}, not a button")
                return block, el
        raise AssertionError(f"no button with action_id {action_id!r}")

    def _action_payload(self, block: dict[str, Any], button: dict[str, Any]) -> dict[str, Any]:
        action: dict[str, Any] = {
            "action_id": button["action_id"],
            "block_id": block["block_id"],
            "text": {**button["text"], "emoji": button["text"].get("emoji", True)},
        }
        if "value" in button:
            action["value"] = button["value"]
        if "style" in button:
            action["style"] = button["style"]
        action["type"] = "button"
        action["action_ts"] = f"{time.time():.6f}"
        return action

    def _stored_view(self, user_id: str, view: dict[str, Any]) -> dict[str, Any] | None:
        view_id = view.get("id")
        for v in self._stacks.get(user_id, []):
            if v["id"] == view_id:
                return v
        home = self._homes.get(user_id)
        if home is not None and home["id"] == view_id:
            return home
        if view_id is None and view.get("callback_id"):
            for v in reversed(self._stacks.get(user_id, [])):
                if v.get("callback_id") == view["callback_id"]:
                    return v
        return None

    async def _press_in_view(self, user_id: str, view: dict[str, Any], action_id: str) -> Delivery:
        stored = self._stored_view(user_id, view)
        if stored is None:
            raise AssertionError(f"view {view.get('id')} is not open for {user_id}")
        block, button = self._find_button(stored["blocks"], action_id)
        trigger_id = self._new_trigger(user_id, in_view=stored["type"] == "modal")
        full = copy.deepcopy(stored)
        full["state"] = {"values": self._state_values(stored, {}, check_required=False)}
        delivery = Delivery(
            self,
            "block_actions",
            {
                "type": "block_actions",
                "user": self._user_ref(user_id),
                "api_app_id": self.app_id,
                "token": VERIFICATION_TOKEN,
                "container": {"type": "view", "view_id": stored["id"]},
                "trigger_id": trigger_id,
                "team": self._team_ref(),
                "enterprise": None,
                "is_enterprise_install": False,
                "view": full,
                "actions": [self._action_payload(block, button)],
            },
            user_id=user_id,
            trigger_id=trigger_id,
            view_id=stored["id"],
        )
        return await self._send(delivery)

    def _state_values(
        self, view: dict[str, Any], values: dict[str, object], *, check_required: bool
    ) -> dict[str, dict[str, Any]]:
        state: dict[str, dict[str, Any]] = {}
        used: set[str] = set()
        for block in view.get("blocks") or []:
            if block.get("type") != "input":
                continue
            el = block["element"]
            block_id, action_id = block["block_id"], el["action_id"]
            key = block_id if block_id in values else action_id if action_id in values else None
            if key is not None:
                used.add(key)
            entry = _element_state(self, el, values.get(key) if key else None, key is not None)
            if check_required and not block.get("optional", False) and _is_empty(entry):
                raise AssertionError(f"input {block_id!r} is required (Slack would not submit)")
            state.setdefault(block_id, {})[action_id] = entry
        extra = set(values) - used
        if extra:
            raise AssertionError(f"the view has no inputs {sorted(extra)}")
        return state

    async def submit_view(
        self,
        user_id: str,
        view: dict[str, Any],
        values: dict[str, object],
        *,
        require_open: bool = True,
    ) -> Delivery:
        """A user submits a modal that is open for them (by view id, else callback_id).

        `values` are keyed by input block_id (or element action_id): a string for text
        inputs and single selects (the option value), a user/channel id for user/channel
        selects, a list for multi selects and checkboxes, an int for datetimepicker.
        """
        stored = self._stored_view(user_id, view)
        if stored is None:
            if require_open:
                raise AssertionError(f"no open view {view.get('id')!r} for {user_id}")
            stored = self._full_view(view) if "id" not in view else copy.deepcopy(view)
        if stored["type"] != "modal":
            raise AssertionError("only modals are submitted")
        full = copy.deepcopy(stored)
        full["state"] = {"values": self._state_values(stored, values, check_required=True)}
        trigger_id = self._new_trigger(user_id, in_view=True)
        delivery = Delivery(
            self,
            "view_submission",
            {},
            user_id=user_id,
            trigger_id=trigger_id,
            view_id=stored["id"],
        )
        response_urls: list[dict[str, Any]] = []
        for block in stored["blocks"]:
            el = block.get("element") or {}
            if block.get("type") == "input" and el.get("response_url_enabled"):
                selected = full["state"]["values"][block["block_id"]][el["action_id"]]
                chosen = selected.get("selected_conversation") or selected.get("selected_channel")
                if chosen:
                    response_urls.append(
                        {
                            "block_id": block["block_id"],
                            "action_id": el["action_id"],
                            "channel_id": chosen,
                            "response_url": self._new_response_url(delivery, user_id, chosen),
                        }
                    )
        delivery.payload = {
            "type": "view_submission",
            "team": self._team_ref(),
            "user": self._user_ref(user_id),
            "api_app_id": self.app_id,
            "token": VERIFICATION_TOKEN,
            "trigger_id": trigger_id,
            "view": full,
            "response_urls": response_urls,
            "is_enterprise_install": False,
            "enterprise": None,
        }
        return await self._send(delivery)

    async def event(
        self,
        event: dict[str, Any],
        *,
        event_id: str | None = None,
        retry_of: Delivery | None = None,
    ) -> Delivery:
        """Deliver an Events API event (wrapped in an event_callback)."""
        if retry_of is not None:
            return await self._retry(retry_of)
        if "type" not in event:
            raise AssertionError("an event needs a type")
        event = dict(event)
        event.setdefault("event_ts", f"{time.time():.6f}")
        event_id = event_id or _rand_id("Ev")
        payload = {
            "token": VERIFICATION_TOKEN,
            "team_id": self.team_id,
            "context_team_id": self.team_id,
            "context_enterprise_id": None,
            "api_app_id": self.app_id,
            "event": event,
            "type": "event_callback",
            "event_id": event_id,
            "event_time": int(time.time()),
            "authorizations": [
                {
                    "enterprise_id": None,
                    "team_id": self.team_id,
                    "user_id": self.bot_user_id,
                    "is_bot": True,
                    "is_enterprise_install": False,
                }
            ],
            "is_ext_shared_channel": False,
            "event_context": f"4-{secrets.token_urlsafe(24)}",
        }
        user = event.get("user")
        user_id = user.get("id") if isinstance(user, dict) else user
        delivery = Delivery(
            self,
            "event",
            payload,
            user_id=user_id if isinstance(user_id, str) else None,
            channel_id=event.get("channel") if isinstance(event.get("channel"), str) else None,
            event_id=event_id,
        )
        return await self._send(delivery)

    async def team_join(self, user_id: str, name: str) -> Delivery:
        """A new member joins the workspace (added to the world, then team_join sent)."""
        if user_id not in self._users:
            self.add_user(user_id, name)
        user = copy.deepcopy(self._users[user_id])
        return await self.event({"type": "team_join", "user": user, "cache_ts": int(time.time())})

    async def deactivate(self, user_id: str) -> Delivery:
        """An admin deactivates a member: Slack marks the user deleted and sends
        user_change (channel memberships stay on record)."""
        user = self._users[user_id]
        user["deleted"] = True
        return await self.event({"type": "user_change", "user": copy.deepcopy(user)})

    async def app_home_opened(self, user_id: str) -> Delivery:
        """The user opens the app's Home tab."""
        self._user_ref(user_id)
        channel_id, _ = self._open_dm((user_id,))
        event: dict[str, Any] = {
            "type": "app_home_opened",
            "user": user_id,
            "channel": channel_id,
            "tab": "home",
        }
        home = self._homes.get(user_id)
        if home is not None:
            event["view"] = copy.deepcopy(home)
        return await self.event(event)

    async def user_message(self, user_id: str, channel_id: str, text: str) -> Delivery:
        """A member posts a message (stored, then a `message` event is delivered)."""
        channel = self._channels.get(channel_id)
        if channel is None:
            raise AssertionError(f"unknown channel {channel_id}")
        self._check_member(user_id, channel)
        ts = self._next_ts()
        message = {
            "user": user_id,
            "type": "message",
            "ts": ts,
            "text": text,
            "team": self.team_id,
            "client_msg_id": str(uuid.uuid4()),
        }
        self._messages[channel_id].append(message)
        channel_type = {"public": "channel", "private": "group", "im": "im", "mpim": "mpim"}
        event = {**message, "channel": channel_id, "event_ts": ts}
        event["channel_type"] = channel_type[channel.kind]
        return await self.event(event)

    async def url_verification(self) -> Delivery:
        """The challenge Slack sends when an HTTP Request URL is configured."""
        delivery = Delivery(
            self,
            "url_verification",
            {
                "token": VERIFICATION_TOKEN,
                "challenge": secrets.token_urlsafe(24),
                "type": "url_verification",
            },
            user_id=None,
        )
        return await self._send(delivery)


# ---------------------------------------------------------------------- view state


def _same_blocks(a: Any, b: Any) -> bool:
    """Blocks equal, ignoring block_ids/action_ids Slack filled in."""
    if not isinstance(a, list) or not isinstance(b, list) or len(a) != len(b):
        return False

    def strip(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: strip(v) for k, v in value.items() if k not in ("block_id", "action_id")}
        if isinstance(value, list):
            return [strip(v) for v in value]
        return value

    return bool(strip(a) == strip(b))


def _is_empty(entry: dict[str, Any]) -> bool:
    for key, value in entry.items():
        if key == "type":
            continue
        if value not in (None, [], "", {}):
            return False
    return True


def _option_by_value(el: dict[str, Any], value: Any) -> dict[str, Any]:
    for option in _all_options(el):
        if option.get("value") == value:
            return copy.deepcopy(option)
    raise AssertionError(f"{el.get('action_id')!r} has no option with value {value!r}")


def _element_state(fake: FakeSlack, el: dict[str, Any], value: Any, given: bool) -> dict[str, Any]:
    kind = el["type"]
    out: dict[str, Any] = {"type": kind}
    if kind in _TEXT_INPUTS:
        v = value if given else el.get("initial_value")
        if v is not None:
            v = str(v)
            if kind == "plain_text_input":
                low = int(el.get("min_length") or 0)
                high = int(el.get("max_length") or 3000)
                if v and not low <= len(v) <= high:
                    raise AssertionError(
                        f"{el['action_id']!r}: length {len(v)} not in [{low}, {high}]"
                    )
            if v == "":
                v = None
        out["value"] = v
    elif kind in _SINGLE_OPTION:
        if given and value is not None:
            if kind == "external_select":
                opt = {"text": {"type": "plain_text", "text": str(value)}, "value": value}
            else:
                opt = _option_by_value(el, value)
        else:
            opt = copy.deepcopy(el.get("initial_option"))
        out["selected_option"] = opt
    elif kind in _MULTI_OPTION:
        if given:
            if not isinstance(value, list | tuple):
                raise AssertionError(f"{el['action_id']!r} takes a list of option values")
            if kind == "multi_external_select":
                opts = [{"text": {"type": "plain_text", "text": str(v)}, "value": v} for v in value]
            else:
                opts = [_option_by_value(el, v) for v in value]
        else:
            opts = copy.deepcopy(el.get("initial_options") or [])
        out["selected_options"] = opts
    elif kind in ("users_select", "conversations_select", "channels_select"):
        noun = {"users_select": "user", "conversations_select": "conversation"}.get(kind, "channel")
        v = value if given else el.get(f"initial_{noun}")
        if v is not None:
            if kind == "users_select" and v not in fake._users:
                raise AssertionError(f"unknown user {v}")
            if kind != "users_select" and v not in fake._channels:
                raise AssertionError(f"unknown conversation {v}")
        out[f"selected_{noun}"] = v
    elif kind in ("multi_users_select", "multi_conversations_select", "multi_channels_select"):
        noun = {"multi_users_select": "users", "multi_conversations_select": "conversations"}.get(
            kind, "channels"
        )
        v = value if given else el.get(f"initial_{noun}")
        out[f"selected_{noun}"] = list(v or [])
    elif kind == "datepicker":
        out["selected_date"] = value if given else el.get("initial_date")
    elif kind == "timepicker":
        out["selected_time"] = value if given else el.get("initial_time")
        if el.get("timezone"):
            out["timezone"] = el["timezone"]
    elif kind == "datetimepicker":
        v = value if given else el.get("initial_date_time")
        out["selected_date_time"] = int(v) if v is not None else None
    elif kind == "rich_text_input":
        v = value if given else None
        out["rich_text_value"] = (
            {
                "type": "rich_text",
                "elements": [
                    {"type": "rich_text_section", "elements": [{"type": "text", "text": str(v)}]}
                ],
            }
            if v
            else None
        )
    elif kind == "file_input":
        out["files"] = list(value or []) if given else []
    else:
        raise AssertionError(f"the fake cannot submit a {kind} element")
    return out

"""A strict local fake of Discord (REST API v10 + gateway) for end-to-end tests.

The real discord.py client talks to it unmodified once two class attributes point at it::

    discord.http.Route.BASE = fake.api_base
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(fake.gateway_url)

Payloads follow what Discord sends (and what discord.py 2.7 parses). The fake is strict:
any endpoint it does not implement answers 404 and is appended to ``fake.unknown``; bad
request bodies get Discord's 400 ``Invalid Form Body``; an interaction can be acknowledged
once, within 3 seconds of delivery, and its token works for 15 minutes.

Every REST request is recorded in ``fake.calls`` (the bot token itself is never stored).
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import hashlib
import json
import math
import re
import secrets
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from aiohttp import BodyPartReader, WSMsgType, web

from tests.fakes.waiting import Waiting

__all__ = [
    "API_PREFIX",
    "DISCORD_EPOCH_MS",
    "GENERAL_CHANNEL_ID",
    "Call",
    "FakeDiscord",
    "InteractionHandle",
    "snowflake_time",
]


DISCORD_EPOCH_MS = 1420070400000
API_PREFIX = "/api/v10"
GENERAL_CHANNEL_ID = 700000000000000001
OWNER_USER_ID = 600000000000000001
INTERACTION_TOKEN_TTL = 15 * 60.0
ATTACHMENT_SIZE_LIMIT = 10 * 1024 * 1024

# Gateway intents
GUILDS = 1 << 0
GUILD_MEMBERS = 1 << 1
GUILD_PRESENCES = 1 << 8
GUILD_MESSAGES = 1 << 9
GUILD_SCHEDULED_EVENTS = 1 << 16
DIRECT_MESSAGES = 1 << 12
MESSAGE_CONTENT = 1 << 15
ALL_INTENTS = (1 << 26) - 1
PRIVILEGED_INTENTS = GUILD_MEMBERS | GUILD_PRESENCES | MESSAGE_CONTENT

# Application flags that say a privileged intent is enabled (the "limited" variants).
_INTENT_APP_FLAGS = {
    GUILD_PRESENCES: 1 << 13,
    GUILD_MEMBERS: 1 << 15,
    MESSAGE_CONTENT: 1 << 19,
}
APPLICATION_COMMAND_BADGE = 1 << 23

# Permissions
ADMINISTRATOR = 1 << 3
ALL_PERMISSIONS = 8866461766385663  # discord.Permissions.all() in discord.py 2.7
MANAGE_CHANNELS = 1 << 4
VIEW_CHANNEL = 1 << 10
SEND_MESSAGES = 1 << 11
MANAGE_ROLES = 1 << 28  # "Manage Permissions" when it is set in a channel overwrite
MANAGE_EVENTS = 1 << 33
CREATE_EVENTS = 1 << 44
DEFAULT_EVERYONE_PERMISSIONS = (
    (1 << 0)  # create instant invite
    | (1 << 6)  # add reactions
    | (1 << 10)  # view channel
    | (1 << 11)  # send messages
    | (1 << 14)  # embed links
    | (1 << 15)  # attach files
    | (1 << 16)  # read message history
    | (1 << 18)  # use external emojis
    | (1 << 20)  # connect
    | (1 << 21)  # speak
    | (1 << 26)  # change nickname
    | (1 << 31)  # use application commands
    | (1 << 35)  # create public threads
    | (1 << 36)  # create private threads
    | (1 << 37)  # use external stickers
    | (1 << 38)  # send messages in threads
)
DM_APP_PERMISSIONS = (
    (1 << 6) | (1 << 10) | (1 << 11) | (1 << 14) | (1 << 15) | (1 << 16) | (1 << 18) | (1 << 31)
)

# Message flags
EPHEMERAL = 1 << 6
LOADING = 1 << 7
IS_COMPONENTS_V2 = 1 << 15

HEARTBEAT_INTERVAL_MS = 41250

# Guild scheduled events
EVENT_SCHEDULED, EVENT_ACTIVE, EVENT_COMPLETED, EVENT_CANCELED = 1, 2, 3, 4
EVENT_STAGE_INSTANCE, EVENT_VOICE, EVENT_EXTERNAL = 1, 2, 3
EVENT_GUILD_ONLY = 2
_EVENT_TRANSITIONS = {
    EVENT_SCHEDULED: {EVENT_ACTIVE, EVENT_CANCELED},
    EVENT_ACTIVE: {EVENT_COMPLETED},
}

# Guild channels
GUILD_CHANNEL_TYPES = (0, 2, 4, 5, 13, 14, 15, 16)  # what Create Guild Channel accepts
MAX_GUILD_CHANNELS = 500  # 30013 beyond this (threads do not count)
MAX_CHANNEL_OVERWRITES = 1000  # 30060 beyond this, @everyone and the bot included
CHANNEL_TOPIC_MAX = 1024

_CHAT_INPUT_NAME = re.compile(r"^[-_'\w]{1,32}$")


def snowflake_time(snowflake: int) -> float:
    """Unix time (seconds) encoded in a Discord snowflake."""
    return ((int(snowflake) >> 22) + DISCORD_EPOCH_MS) / 1000.0


def _iso(unix: float | None = None) -> str:
    moment = datetime.fromtimestamp(time.time() if unix is None else unix, UTC)
    return moment.isoformat(timespec="microseconds")


def _dumps(data: Any) -> str:
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False)


def _truthy(value: str | None) -> bool:
    return value is not None and value.lower() in ("1", "true", "yes")


def _walk_components(components: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for component in components:
        yield component
        yield from _walk_components(component.get("components") or [])
        for key in ("component", "accessory"):
            child = component.get(key)
            if isinstance(child, dict):
                yield from _walk_components([child])


@dataclass
class Call:
    """One REST request the fake received."""

    index: int
    method: str
    path: str  # without the /api/v10 prefix
    query: dict[str, str]
    json: Any  # JSON body, or a multipart request's payload_json
    files: list[tuple[str, bytes]]  # multipart files as (filename, content)
    at: float  # time.monotonic() on arrival
    status: int
    authorized: bool  # an "Authorization: Bot ..." header was present
    response: Any = None  # the JSON body the fake answered with (None for 204)


class _ApiError(Exception):
    def __init__(
        self, status: int, code: int, message: str, errors: dict[str, Any] | None = None
    ) -> None:
        super().__init__(f"{status} {code} {message}")
        self.status = status
        self.body: dict[str, Any] = {"message": message, "code": code}
        if errors is not None:
            self.body["errors"] = errors


class _FormErrors:
    """Collects Discord-style nested "Invalid Form Body" errors."""

    def __init__(self) -> None:
        self.errors: dict[str, Any] = {}

    def add(self, path: str, code: str, message: str) -> None:
        node = self.errors
        for part in path.split("."):
            node = node.setdefault(part, {})
        node.setdefault("_errors", []).append({"code": code, "message": message})

    def raise_if_any(self) -> None:
        if self.errors:
            raise _ApiError(400, 50035, "Invalid Form Body", self.errors)


@dataclass
class _Request:
    method: str
    path: str
    params: dict[str, str]
    query: dict[str, str]
    json: Any
    files: list[tuple[str, bytes]]
    authorized: bool
    interaction: _Interaction | None = None


Handler = Callable[[_Request], "tuple[int, Any]"]


@dataclass
class _Route:
    method: str
    pattern: re.Pattern[str]
    handler: Handler
    auth: bool
    bucket: str


@dataclass(eq=False)
class _Session:
    id: str
    shard: tuple[int, int]
    intents: int
    seq: int = 0
    log: list[tuple[int, str, Callable[[], None] | None]] = field(default_factory=list)
    conn: _Conn | None = None
    alive: bool = True


@dataclass(eq=False)
class _Conn:
    ws: web.WebSocketResponse
    kind: str  # "gateway" or "resume"
    query: dict[str, str]
    queue: asyncio.Queue[tuple[str, Callable[[], None] | None]] = field(
        default_factory=asyncio.Queue
    )
    session: _Session | None = None
    ready: bool = False
    closing: bool = False
    writer: asyncio.Task[None] | None = None


@dataclass(eq=False)
class _Interaction:
    id: int
    token: str
    type: int
    user_id: int
    guild_id: int | None
    channel_id: int
    payload: dict[str, Any]
    name: str | None = None  # command name ("group sub") for application commands
    message_id: int | None = None  # the message a component lives on
    origin: _Interaction | None = None  # for modal submits: the interaction that opened it
    sent_at: float | None = None
    sent: asyncio.Event = field(default_factory=asyncio.Event)
    response_type: int | None = None
    original_id: int | None = None
    message_ids: list[int] = field(default_factory=list)
    dead: bool = False
    calls: list[Call] = field(default_factory=list)

    @property
    def created(self) -> float:
        return snowflake_time(self.id)


class InteractionHandle:
    """What a test holds after the fake delivered an interaction."""

    def __init__(self, fake: FakeDiscord, record: _Interaction) -> None:
        self._fake = fake
        self._record = record
        self.id: int = record.id
        self.token: str = record.token
        self.payload: dict[str, Any] = record.payload

    @property
    def sent_at(self) -> float:
        """time.monotonic() when the INTERACTION_CREATE frame went out."""
        assert self._record.sent_at is not None
        return self._record.sent_at

    def responses(self) -> list[Call]:
        """The callback, followups and @original edits for this interaction, in order."""
        return list(self._record.calls)

    async def first_response(self, timeout: float = 10) -> Call:
        """The interaction callback call (whatever status it got)."""

        def found() -> Call | None:
            for call in self._record.calls:
                if call.path.endswith("/callback"):
                    return call
            return None

        return await self._fake._wait_for(found, timeout, f"a callback for interaction {self.id}")

    async def wait_responses(self, n: int, timeout: float = 10) -> list[Call]:
        def enough() -> list[Call] | None:
            return list(self._record.calls) if len(self._record.calls) >= n else None

        return await self._fake._wait_for(enough, timeout, f"{n} responses to {self.id}")

    def __repr__(self) -> str:
        return f"<InteractionHandle id={self.id} type={self._record.type}>"


class FakeDiscord(Waiting):
    """A local Discord: one guild, its members and channels, DMs, commands and a gateway."""

    def __init__(
        self,
        *,
        app_id: int = 900000000000000001,
        bot_user_id: int = 900000000000000001,
        guild_id: int = 800000000000000001,
        shards: int = 1,
        token: str | None = None,
        privileged_intents: int = GUILD_MEMBERS | MESSAGE_CONTENT,
        callback_deadline: float | None = 3.0,
        bot_permissions: int = ADMINISTRATOR,
        bot_name: str = "Preceptor",
    ) -> None:
        self.app_id = app_id
        self.bot_user_id = bot_user_id
        self.guild_id = guild_id
        self.shards = shards
        self.token = token  # if set, the only bot token accepted
        self.privileged_intents = privileged_intents
        self.callback_deadline = callback_deadline
        self.owner_id = OWNER_USER_ID
        self.base_url = ""
        self.api_base = ""
        self.gateway_url = ""
        self.resume_gateway_url = ""
        self.calls: list[Call] = []
        self.unknown: list[Call] = []
        self.errors: list[str] = []  # internal errors of the fake (also put in `unknown`)
        self.identifies = 0
        self.resumes = 0
        self.readies = 0  # READY frames sent
        self.gateway_connections: list[dict[str, str]] = []  # query of each gateway connection
        self.gateway_paths: list[str] = []  # "/gateway" or "/resume-gateway", per connection
        self.gateway_closes: list[int] = []  # close codes the fake sent
        self.presence: dict[str, Any] | None = None

        self._seq_ms = 0
        self._seq_inc = 0
        self._runner: web.AppRunner | None = None
        self._waiters: list[asyncio.Future[None]] = []
        self._sessions: dict[str, _Session] = {}
        self._conns: list[_Conn] = []
        self._ratelimits: list[tuple[str, re.Pattern[str], float]] = []
        self._routes: list[_Route] = []

        # world
        now = time.time()
        self._users: dict[int, dict[str, Any]] = {}
        self._members: dict[int, dict[str, Any]] = {}
        self._roles: dict[int, dict[str, Any]] = {}
        self._channels: dict[int, dict[str, Any]] = {}
        self._thread_members: dict[int, set[int]] = {}
        self._dms: dict[int, int] = {}
        self._refuse: set[int] = set()
        self._messages: dict[int, list[dict[str, Any]]] = {}
        self._message_index: dict[int, dict[str, Any]] = {}
        self._message_requests: dict[int, Any] = {}
        self._attachments: dict[int, bytes] = {}
        self._commands: dict[int | None, list[dict[str, Any]]] = {}
        self._command_ids: dict[tuple[int | None, str, int], int] = {}
        self._interactions: dict[str, _Interaction] = {}
        self._open_modals: dict[tuple[int, str], tuple[dict[str, Any], _Interaction]] = {}
        self._bot_joined = _iso(now)
        self._scheduled_events: dict[int, dict[str, Any]] = {}
        # Discord refuses a start in the past. The fake checks against real time, with this
        # much slack (seconds), so tests driving a manual clock near real now still pass.
        self.event_past_tolerance = 300.0

        self._roles[guild_id] = self._role_payload(
            guild_id, "@everyone", 0, DEFAULT_EVERYONE_PERMISSIONS
        )
        self._bot_role_id = self._snowflake()
        self._roles[self._bot_role_id] = self._role_payload(
            self._bot_role_id, bot_name, 1, bot_permissions, managed=True, bot_id=bot_user_id
        )
        self._users[bot_user_id] = self._new_user(bot_user_id, bot_name, bot=True)
        self._members[bot_user_id] = self._new_member(bot_user_id, [self._bot_role_id])
        self._users[OWNER_USER_ID] = self._new_user(OWNER_USER_ID, "owner")
        self._members[OWNER_USER_ID] = self._new_member(OWNER_USER_ID, [])
        self._add_guild_channel(GENERAL_CHANNEL_ID, "general", position=0)
        self._build_routes()

    # ------------------------------------------------------------------ lifecycle

    async def start(self) -> None:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/{tail:.*}", self._dispatch_http)
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = int(self._runner.addresses[0][1])
        self.base_url = f"http://127.0.0.1:{port}"
        self.api_base = f"{self.base_url}{API_PREFIX}"
        self.gateway_url = f"ws://127.0.0.1:{port}/gateway"
        self.resume_gateway_url = f"ws://127.0.0.1:{port}/resume-gateway"

    async def stop(self) -> None:
        for conn in list(self._conns):
            await self._close_conn(conn, 1001, "fake stopping")
        for conn in list(self._conns):
            if conn.writer is not None:
                conn.writer.cancel()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        self._notify()

    async def __aenter__(self) -> FakeDiscord:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # ------------------------------------------------------------------ ids and payloads

    def _snowflake(self, age: float = 0.0) -> int:
        ms = int((time.time() - age) * 1000) - DISCORD_EPOCH_MS
        self._seq_inc = (self._seq_inc + 1) & 0xFFF
        return (ms << 22) | (1 << 17) | (1 << 12) | self._seq_inc

    @staticmethod
    def _role_payload(
        role_id: int,
        name: str,
        position: int,
        permissions: int,
        *,
        managed: bool = False,
        bot_id: int | None = None,
    ) -> dict[str, Any]:
        role: dict[str, Any] = {
            "id": str(role_id),
            "name": name,
            "description": None,
            "color": 0,
            "colors": {"primary_color": 0, "secondary_color": None, "tertiary_color": None},
            "hoist": False,
            "icon": None,
            "unicode_emoji": None,
            "position": position,
            "permissions": str(permissions),
            "managed": managed,
            "mentionable": False,
            "flags": 0,
        }
        if bot_id is not None:
            role["tags"] = {"bot_id": str(bot_id)}
        return role

    @staticmethod
    def _new_user(user_id: int, name: str, *, bot: bool = False) -> dict[str, Any]:
        user: dict[str, Any] = {
            "id": str(user_id),
            "username": name,
            "global_name": None if bot else name,
            "discriminator": "0",
            "avatar": None,
            "avatar_decoration_data": None,
            "banner": None,
            "accent_color": None,
            "collectibles": None,
            "display_name_styles": None,
            "primary_guild": None,
            "public_flags": 0,
            "flags": 0,
        }
        if bot:
            user["bot"] = True
        return user

    def _new_member(self, user_id: int, roles: list[int]) -> dict[str, Any]:
        return {
            "user_id": user_id,
            "roles": roles,
            "joined_at": self._bot_joined if user_id == self.bot_user_id else _iso(),
            "nick": None,
        }

    def _user_payload(self, user_id: int) -> dict[str, Any]:
        return copy.deepcopy(self._users[user_id])

    def _me_payload(self) -> dict[str, Any]:
        me = self._user_payload(self.bot_user_id)
        me.update(
            {
                "verified": True,
                "mfa_enabled": False,
                "email": None,
                "locale": "en-US",
                "premium_type": 0,
                "bio": "",
            }
        )
        return me

    def _member_payload(
        self, user_id: int, *, with_user: bool = True, channel_id: int | None = None
    ) -> dict[str, Any]:
        member = self._members[user_id]
        payload: dict[str, Any] = {
            "avatar": None,
            "banner": None,
            "communication_disabled_until": None,
            "deaf": False,
            "mute": False,
            "flags": 0,
            "joined_at": member["joined_at"],
            "nick": member["nick"],
            "pending": False,
            "premium_since": None,
            "roles": [str(r) for r in member["roles"]],
            "unusual_dm_activity_until": None,
        }
        if with_user:
            payload["user"] = self._user_payload(user_id)
        if channel_id is not None:
            payload["permissions"] = str(self.channel_permissions(user_id, channel_id))
        return payload

    def _guild_channel_payload(self, channel_id: int, *, with_guild: bool = True) -> dict[str, Any]:
        payload = copy.deepcopy(self._channels[channel_id])
        if payload["type"] in (10, 11, 12):
            payload["member_count"] = len(self._thread_members.get(channel_id, ()))
        if with_guild and payload["type"] not in (1, 3):
            payload["guild_id"] = str(self.guild_id)
        return payload

    def _dm_channel_payload(self, channel_id: int) -> dict[str, Any]:
        return copy.deepcopy(self._channels[channel_id])

    def _channel_payload(self, channel_id: int) -> dict[str, Any]:
        if self._channels[channel_id]["type"] == 1:
            return self._dm_channel_payload(channel_id)
        return self._guild_channel_payload(channel_id)

    def _guild_payload(self, *, intents: int) -> dict[str, Any]:
        ordinary = [c for c in self._channels.values() if c["type"] not in (1, 3, 10, 11, 12)]
        threads = [
            self._guild_channel_payload(int(c["id"]))
            for c in self._channels.values()
            if c["type"] in (10, 11, 12) and not c["thread_metadata"]["archived"]
        ]
        if intents & GUILD_PRESENCES:
            members = [self._member_payload(uid) for uid in self._members]
        else:
            # Without GUILD_PRESENCES Discord only sends the bot itself; clients chunk.
            members = [self._member_payload(self.bot_user_id)]
        return {
            "id": str(self.guild_id),
            "name": "Preceptor Test Server",
            "icon": None,
            "icon_hash": None,
            "splash": None,
            "discovery_splash": None,
            "banner": None,
            "description": None,
            "owner_id": str(self.owner_id),
            "region": "deprecated",
            "afk_channel_id": None,
            "afk_timeout": 300,
            "widget_enabled": False,
            "widget_channel_id": None,
            "verification_level": 1,
            "default_message_notifications": 1,
            "explicit_content_filter": 2,
            "roles": [copy.deepcopy(r) for r in self._roles.values()],
            "emojis": [],
            "stickers": [],
            "features": [],
            "mfa_level": 0,
            "application_id": None,
            "system_channel_id": str(GENERAL_CHANNEL_ID),
            "system_channel_flags": 0,
            "rules_channel_id": None,
            "max_presences": None,
            "max_members": 500000,
            "vanity_url_code": None,
            "premium_tier": 0,
            "premium_subscription_count": 0,
            "preferred_locale": "en-US",
            "public_updates_channel_id": None,
            "safety_alerts_channel_id": None,
            "max_video_channel_users": 25,
            "max_stage_video_channel_users": 50,
            "nsfw": False,
            "nsfw_level": 0,
            "premium_progress_bar_enabled": False,
            "incidents_data": None,
            "hub_type": None,
            "latest_onboarding_question_id": None,
            "home_header": None,
            "inventory_settings": None,
            "version": int(time.time() * 1000),
            # GUILD_CREATE-only fields
            "joined_at": self._bot_joined,
            "large": len(self._members) >= 250,
            "lazy": True,
            "unavailable": False,
            "member_count": len(self._members),
            "members": members,
            "channels": [
                self._guild_channel_payload(int(c["id"]), with_guild=False) for c in ordinary
            ],
            "threads": threads,
            "presences": [],
            "voice_states": [],
            "stage_instances": [],
            "guild_scheduled_events": [
                self._scheduled_event_payload(e) for e in self._scheduled_events.values()
            ],
            "soundboard_sounds": [],
            "embedded_activities": [],
            "activity_instances": [],
            "application_command_counts": {},
        }

    def _application_payload(self) -> dict[str, Any]:
        flags = APPLICATION_COMMAND_BADGE
        for intent, flag in _INTENT_APP_FLAGS.items():
            if self.privileged_intents & intent:
                flags |= flag
        owner = self._user_payload(self.owner_id)
        return {
            "id": str(self.app_id),
            "name": self._users[self.bot_user_id]["username"],
            "icon": None,
            "description": "",
            "summary": "",
            "type": None,
            "is_monetized": False,
            "is_verified": False,
            "is_discoverable": False,
            "hook": True,
            "storefront_available": False,
            "bot_public": False,
            "bot_require_code_grant": False,
            "verify_key": hashlib.sha256(str(self.app_id).encode()).hexdigest(),
            "flags": flags,
            "owner": owner,
            "team": None,
            "bot": self._user_payload(self.bot_user_id),
            "rpc_origins": [],
            "redirect_uris": [],
            "interactions_endpoint_url": None,
            "role_connections_verification_url": None,
            "event_webhooks_url": None,
            "event_webhooks_status": 1,
            "event_webhooks_types": [],
            "tags": [],
            "terms_of_service_url": None,
            "privacy_policy_url": None,
            "custom_install_url": None,
            "install_params": None,
            "integration_types_config": {"0": {}},
            "approximate_guild_count": 1,
            "approximate_user_install_count": 0,
            "approximate_user_authorization_count": 0,
        }

    # ------------------------------------------------------------------ world

    def _perm_role(self, permissions: int) -> int:
        name = f"perms-{permissions}"
        for role in self._roles.values():
            if role["name"] == name:
                return int(role["id"])
        role_id = self._snowflake()
        self._roles[role_id] = self._role_payload(role_id, name, len(self._roles), permissions)
        if self._sessions:
            self._emit(
                "GUILD_ROLE_CREATE",
                {"guild_id": str(self.guild_id), "role": copy.deepcopy(self._roles[role_id])},
                guild_id=self.guild_id,
                intent=GUILDS,
            )
        return role_id

    def add_member(
        self, user_id: int, name: str, *, permissions: int = 0, dms_open: bool = True
    ) -> None:
        """Add a guild member. `permissions` are granted through a role of their own."""
        if user_id in self._members:
            raise ValueError(f"user {user_id} is already a member")
        self._users.setdefault(user_id, self._new_user(user_id, name))
        roles = [self._perm_role(permissions)] if permissions else []
        self._members[user_id] = self._new_member(user_id, roles)
        if not dms_open:
            self._refuse.add(user_id)
        if self._sessions:
            data = self._member_payload(user_id)
            data["guild_id"] = str(self.guild_id)
            self._emit("GUILD_MEMBER_ADD", data, guild_id=self.guild_id, intent=GUILD_MEMBERS)

    def remove_member(self, user_id: int) -> None:
        del self._members[user_id]
        self._emit(
            "GUILD_MEMBER_REMOVE",
            {"guild_id": str(self.guild_id), "user": self._user_payload(user_id)},
            guild_id=self.guild_id,
            intent=GUILD_MEMBERS,
        )

    async def member_join(self, user_id: int, name: str) -> None:
        """A user joins the guild (GUILD_MEMBER_ADD), waiting until the event went out."""
        before = self._sent_marker()
        self.add_member(user_id, name)
        await self._flush(before)

    def _add_guild_channel(self, channel_id: int, name: str, *, position: int) -> None:
        self._channels[channel_id] = {
            "id": str(channel_id),
            "type": 0,
            "name": name,
            "position": position,
            "parent_id": None,
            "topic": None,
            "nsfw": False,
            "rate_limit_per_user": 0,
            "last_message_id": None,
            "flags": 0,
            "icon_emoji": None,
            "theme_color": None,
            "permission_overwrites": [],
        }
        self._messages[channel_id] = []

    def add_channel(self, channel_id: int, name: str) -> None:
        """Add a guild text channel (type 0)."""
        if channel_id in self._channels:
            raise ValueError(f"channel {channel_id} already exists")
        position = sum(1 for c in self._channels.values() if c["type"] == 0)
        self._add_guild_channel(channel_id, name, position=position)
        if self._sessions:
            self._emit(
                "CHANNEL_CREATE",
                self._guild_channel_payload(channel_id),
                guild_id=self.guild_id,
                intent=GUILDS,
            )

    @property
    def bot_role_id(self) -> int:
        """The bot's own (managed) role, which holds the permissions it was invited with."""
        return self._bot_role_id

    def set_role_permissions(self, role_id: int, permissions: int) -> None:
        """An admin edits a role (GUILD_ROLE_UPDATE): the bot's own, to take Manage Roles
        away, or @everyone (the guild id). What members may do changes at once."""
        role = self._roles[role_id]
        role["permissions"] = str(permissions)
        if self._sessions:
            self._emit(
                "GUILD_ROLE_UPDATE",
                {"guild_id": str(self.guild_id), "role": copy.deepcopy(role)},
                guild_id=self.guild_id,
                intent=GUILDS,
            )

    def refuse_dms(self, user_id: int) -> None:
        self._refuse.add(user_id)

    def allow_dms(self, user_id: int) -> None:
        self._refuse.discard(user_id)

    def rate_limit_once(self, method: str, path_regex: str, retry_after: float = 0.5) -> None:
        """The next matching request gets a 429 (the client should wait and retry)."""
        self._ratelimits.append((method.upper(), re.compile(path_regex), retry_after))

    def _ensure_dm(self, user_id: int) -> int:
        channel_id = self._dms.get(user_id)
        if channel_id is None:
            channel_id = self._snowflake()
            self._channels[channel_id] = {
                "id": str(channel_id),
                "type": 1,
                "last_message_id": None,
                "flags": 0,
                "recipients": [self._user_payload(user_id)],
            }
            self._messages[channel_id] = []
            self._dms[user_id] = channel_id
        return channel_id

    def base_permissions(self, user_id: int) -> int:
        if user_id == self.owner_id:
            return ALL_PERMISSIONS
        perms = int(self._roles[self.guild_id]["permissions"])
        for role_id in self._members[user_id]["roles"]:
            perms |= int(self._roles[role_id]["permissions"])
        return ALL_PERMISSIONS if perms & ADMINISTRATOR else perms

    def channel_permissions(self, user_id: int, channel_id: int) -> int:
        """A member's permissions in a channel, overwrites applied (as Discord computes them)."""
        perms = self.base_permissions(user_id)
        if perms == ALL_PERMISSIONS:
            return perms
        channel = self._channels[channel_id]
        if channel["type"] in (10, 11, 12):
            channel = self._channels[int(channel["parent_id"])]
        overwrites = {int(o["id"]): o for o in channel.get("permission_overwrites", [])}
        everyone = overwrites.get(self.guild_id)
        if everyone is not None:
            perms = (perms & ~int(everyone["deny"])) | int(everyone["allow"])
        allow = deny = 0
        for role_id in self._members[user_id]["roles"]:
            ow = overwrites.get(role_id)
            if ow is not None and ow["type"] == 0:
                allow |= int(ow["allow"])
                deny |= int(ow["deny"])
        perms = (perms & ~deny) | allow
        own = overwrites.get(user_id)
        if own is not None and own["type"] == 1:
            perms = (perms & ~int(own["deny"])) | int(own["allow"])
        return perms

    # ------------------------------------------------------------------ records

    def calls_to(self, method: str, path_regex: str) -> list[Call]:
        pattern = re.compile(path_regex)
        return [c for c in self.calls if c.method == method.upper() and pattern.search(c.path)]

    async def wait_for_call(
        self, method: str, path_regex: str, *, since: int = 0, timeout: float = 10
    ) -> Call:
        pattern = re.compile(path_regex)
        upper = method.upper()

        def found() -> Call | None:
            for call in self.calls[since:]:
                if call.method == upper and pattern.search(call.path):
                    return call
            return None

        return await self._wait_for(found, timeout, f"{upper} {path_regex}")

    def commands(self, guild_id: int | None = None) -> list[dict[str, Any]]:
        return copy.deepcopy(self._commands.get(guild_id, []))

    def messages(self, channel_id: int) -> list[dict[str, Any]]:
        return copy.deepcopy(self._messages.get(channel_id, []))

    def message(self, message_id: int) -> dict[str, Any] | None:
        found = self._message_index.get(message_id)
        return copy.deepcopy(found) if found is not None else None

    def message_request(self, message_id: int) -> Any:
        """The request body (mentions, allowed_mentions, ...) that created a message."""
        return copy.deepcopy(self._message_requests.get(message_id))

    def dm_channel_of(self, user_id: int) -> int | None:
        return self._dms.get(user_id)

    def dm_messages(self, user_id: int) -> list[dict[str, Any]]:
        channel_id = self._dms.get(user_id)
        return self.messages(channel_id) if channel_id is not None else []

    def channel(self, channel_id: int) -> dict[str, Any] | None:
        return self._channel_payload(channel_id) if channel_id in self._channels else None

    def overwrites(self, channel_id: int) -> dict[int, dict[str, Any]]:
        """A guild channel's permission overwrites by role or member id, as Discord stores
        them: `{id, type (0 role, 1 member), allow, deny}` with the bit sets as strings."""
        channel = self._channels[channel_id]
        return {int(o["id"]): copy.deepcopy(o) for o in channel.get("permission_overwrites", [])}

    def channel_ids(self) -> list[int]:
        """The guild's channels (not threads, not DMs), oldest first."""
        return [
            int(c["id"]) for c in self._channels.values() if c["type"] not in (1, 3, 10, 11, 12)
        ]

    def can_view(self, user_id: int, channel_id: int) -> bool:
        return bool(self.channel_permissions(user_id, channel_id) & VIEW_CHANNEL)

    def role_ids(self) -> set[int]:
        """Every role in the guild (@everyone, the bot's own, and any added)."""
        return set(self._roles)

    def member_roles(self, user_id: int) -> list[int]:
        return list(self._members[user_id]["roles"])

    def thread_members(self, thread_id: int) -> set[int]:
        return set(self._thread_members.get(thread_id, ()))

    def member_ids(self) -> list[int]:
        return list(self._members)

    def scheduled_events(self, guild_id: int | None = None) -> list[dict[str, Any]]:
        """The guild's scheduled events as Discord returns them (deleted ones are gone)."""
        if guild_id is not None and guild_id != self.guild_id:
            return []
        return [self._scheduled_event_payload(e) for e in self._scheduled_events.values()]

    def scheduled_event(self, event_id: int) -> dict[str, Any] | None:
        found = self._scheduled_events.get(int(event_id))
        return self._scheduled_event_payload(found) if found is not None else None

    # ------------------------------------------------------------------ waiting

    def _ready_now(self) -> bool:
        live = [s for s in self._sessions.values() if s.alive]
        if not live:
            return False
        if any(s.conn is None or not s.conn.ready for s in live):
            return False
        return len(live) >= max(s.shard[1] for s in live)

    async def wait_ready(self, timeout: float = 10, *, count: int | None = None) -> None:
        """Every shard's session is connected and READY (or RESUMED) went out.

        With `count`, wait until at least that many READY frames were sent in total.
        """
        if count is not None:
            await self._wait_for(
                lambda: True if self.readies >= count else None, timeout, f"{count} READY"
            )
        await self._wait_for(lambda: True if self._ready_now() else None, timeout, "READY")

    # ------------------------------------------------------------------ gateway

    def _shard_of(self, guild_id: int | None, count: int) -> int:
        return 0 if guild_id is None else (guild_id >> 22) % count

    def _emit(
        self,
        event: str,
        data: dict[str, Any],
        *,
        guild_id: int | None,
        intent: int | None,
        on_sent: Callable[[], None] | None = None,
    ) -> bool:
        """Dispatch an event to every live session it is for. True if one took it."""
        taken = False
        for session in list(self._sessions.values()):
            if not session.alive:
                continue
            if self._shard_of(guild_id, session.shard[1]) != session.shard[0]:
                continue
            if intent is not None and not session.intents & intent:
                continue
            self._emit_to(session, event, data, on_sent)
            taken = True
        return taken

    def _emit_to(
        self,
        session: _Session,
        event: str,
        data: dict[str, Any],
        on_sent: Callable[[], None] | None = None,
    ) -> None:
        session.seq += 1
        frame = _dumps({"op": 0, "t": event, "s": session.seq, "d": data})
        session.log.append((session.seq, frame, on_sent))
        conn = session.conn
        if conn is not None and not conn.closing:
            conn.queue.put_nowait((frame, on_sent))

    def _sent_marker(self) -> int:
        return sum(len(s.log) for s in self._sessions.values())

    async def _flush(self, before: int, timeout: float = 10) -> None:
        """Wait until every connected session's queue drained (events sent)."""

        def drained() -> bool | None:
            for session in self._sessions.values():
                conn = session.conn
                if session.alive and conn is not None and not conn.queue.empty():
                    return None
            return True

        if self._sent_marker() > before:
            await self._wait_for(drained, timeout, "gateway events to be sent")
            await asyncio.sleep(0)

    @staticmethod
    def _op(op: int, d: Any) -> str:
        return _dumps({"op": op, "d": d, "s": None, "t": None})

    async def _writer(self, conn: _Conn) -> None:
        while True:
            frame, on_sent = await conn.queue.get()
            if conn.ws.closed or conn.closing:
                return
            try:
                await conn.ws.send_str(frame)
            except (ConnectionResetError, RuntimeError):
                return
            if on_sent is not None:
                on_sent()
            conn.queue.task_done()
            if conn.queue.empty():
                self._notify()

    async def _close_conn(self, conn: _Conn, code: int, reason: str) -> None:
        if conn.closing:
            return
        conn.closing = True
        conn.ready = False
        self.gateway_closes.append(code)
        if conn.session is not None and conn.session.conn is conn:
            conn.session.conn = None
        self._notify()
        with contextlib.suppress(Exception):
            await conn.ws.close(code=code, message=reason.encode())

    async def drop_gateway(self) -> None:
        """Close every gateway socket with 4000 (resumable): clients reconnect and RESUME."""
        for conn in list(self._conns):
            if not conn.closing and not conn.ws.closed:
                await self._close_conn(conn, 4000, "Unknown error.")

    async def _gateway(self, request: web.Request, kind: str) -> web.StreamResponse:
        ws = web.WebSocketResponse(autoping=True, max_msg_size=1024 * 1024)
        await ws.prepare(request)
        conn = _Conn(ws=ws, kind=kind, query=dict(request.query))
        self.gateway_connections.append(dict(request.query))
        self.gateway_paths.append(request.path)
        self._conns.append(conn)
        conn.writer = asyncio.create_task(self._writer(conn))
        try:
            if request.query.get("v") != "10" or request.query.get("encoding", "json") != "json":
                await self._close_conn(conn, 4012, "Invalid API version.")
                return ws
            if request.query.get("compress") not in (None, "zlib-stream", "zstd-stream"):
                await self._close_conn(conn, 4002, "Error while decoding payload.")
                return ws
            conn.queue.put_nowait(
                (
                    self._op(10, {"heartbeat_interval": HEARTBEAT_INTERVAL_MS, "_trace": ["fake"]}),
                    None,
                )
            )
            async for msg in ws:
                if conn.closing:
                    break
                if msg.type is not WSMsgType.TEXT:
                    await self._close_conn(conn, 4002, "Error while decoding payload.")
                    break
                try:
                    payload = json.loads(msg.data)
                except ValueError:
                    await self._close_conn(conn, 4002, "Error while decoding payload.")
                    break
                if not isinstance(payload, dict) or not isinstance(payload.get("op"), int):
                    await self._close_conn(conn, 4002, "Error while decoding payload.")
                    break
                await self._on_gateway_frame(conn, payload)
        finally:
            self._detach(conn)
        return ws

    def _detach(self, conn: _Conn) -> None:
        session = conn.session
        if session is not None and session.conn is conn:
            session.conn = None
            if not conn.closing and conn.ws.close_code in (1000, 1001):
                # A client's clean close ends its session for good (no RESUME).
                session.alive = False
        conn.ready = False
        conn.closing = True
        if conn.writer is not None:
            conn.writer.cancel()
        if conn in self._conns:
            self._conns.remove(conn)
        self._notify()

    def _valid_token(self, token: Any) -> bool:
        if not isinstance(token, str) or not token:
            return False
        return self.token is None or token.removeprefix("Bot ") == self.token

    async def _on_gateway_frame(self, conn: _Conn, payload: dict[str, Any]) -> None:
        op = payload["op"]
        d = payload.get("d")
        if op == 1:
            conn.queue.put_nowait((self._op(11, None), None))
            return
        if op == 2:
            await self._identify(conn, d if isinstance(d, dict) else {})
            return
        if op == 6:
            await self._resume(conn, d if isinstance(d, dict) else {})
            return
        if conn.session is None:
            await self._close_conn(conn, 4003, "Not authenticated.")
            return
        if op == 3:
            self.presence = d
        elif op == 4:
            pass  # voice state update: no voice in this fake
        elif op == 8:
            self._request_members(conn.session, d if isinstance(d, dict) else {})
        else:
            await self._close_conn(conn, 4001, "Unknown opcode.")

    async def _identify(self, conn: _Conn, d: dict[str, Any]) -> None:
        if conn.session is not None:
            await self._close_conn(conn, 4005, "Already authenticated.")
            return
        if not self._valid_token(d.get("token")):
            await self._close_conn(conn, 4004, "Authentication failed.")
            return
        intents = d.get("intents")
        if not isinstance(intents, int) or intents < 0 or intents & ~ALL_INTENTS:
            await self._close_conn(conn, 4013, "Invalid intent(s).")
            return
        if intents & PRIVILEGED_INTENTS & ~self.privileged_intents:
            await self._close_conn(conn, 4014, "Disallowed intent(s).")
            return
        shard = d.get("shard", [0, 1])
        if (
            not isinstance(shard, list)
            or len(shard) != 2
            or not all(isinstance(x, int) for x in shard)
            or not 0 <= shard[0] < shard[1]
        ):
            await self._close_conn(conn, 4010, "Invalid shard.")
            return
        props = d.get("properties")
        if not isinstance(props, dict) or not {"os", "browser", "device"} <= props.keys():
            await self._close_conn(conn, 4002, "Error while decoding payload.")
            return
        self.identifies += 1
        shard_t = (shard[0], shard[1])
        for old in self._sessions.values():
            if old.shard[0] == shard_t[0] and old.alive:
                old.alive = False
        session = _Session(id=secrets.token_hex(16), shard=shard_t, intents=intents)
        self._sessions[session.id] = session
        session.conn = conn
        conn.session = session
        has_guild = self._shard_of(self.guild_id, shard_t[1]) == shard_t[0]
        ready = {
            "v": 10,
            "user": self._me_payload(),
            "user_settings": {},
            "guilds": [{"id": str(self.guild_id), "unavailable": True}] if has_guild else [],
            "guild_join_requests": [],
            "relationships": [],
            "private_channels": [],
            "presences": [],
            "session_id": session.id,
            "session_type": "normal",
            "resume_gateway_url": self.resume_gateway_url,
            "shard": list(shard_t),
            "application": {"id": str(self.app_id), "flags": self._application_payload()["flags"]},
            "auth": {},
            "geo_ordered_rtc_regions": ["us-east", "us-central"],
            "_trace": ['["fake-gateway",{"micros":0}]'],
        }

        def on_ready() -> None:
            self.readies += 1
            conn.ready = True
            self._notify()

        self._emit_to(session, "READY", ready, on_ready)
        if has_guild and intents & GUILDS:
            self._emit_to(session, "GUILD_CREATE", self._guild_payload(intents=intents))

    async def _resume(self, conn: _Conn, d: dict[str, Any]) -> None:
        if conn.session is not None:
            await self._close_conn(conn, 4005, "Already authenticated.")
            return
        if not self._valid_token(d.get("token")):
            await self._close_conn(conn, 4004, "Authentication failed.")
            return
        session = self._sessions.get(str(d.get("session_id")))
        seq = d.get("seq")
        if session is None or not session.alive or not isinstance(seq, int) or seq > session.seq:
            conn.queue.put_nowait((self._op(9, False), None))
            return
        self.resumes += 1
        if session.conn is not None and session.conn is not conn:
            await self._close_conn(session.conn, 4000, "Session resumed elsewhere.")
        session.conn = conn
        conn.session = session
        for s, frame, on_sent in session.log:
            if s > seq:
                conn.queue.put_nowait((frame, on_sent))

        def on_resumed() -> None:
            conn.ready = True
            self._notify()

        self._emit_to(session, "RESUMED", {"_trace": ['["fake-gateway",{"micros":0}]']}, on_resumed)

    def _request_members(self, session: _Session, d: dict[str, Any]) -> None:
        guild_ids = d.get("guild_id")
        if not isinstance(guild_ids, list):
            guild_ids = [guild_ids]
        for raw in guild_ids:
            if str(raw) != str(self.guild_id):
                continue
            users = d.get("user_ids")
            query = d.get("query")
            limit = int(d.get("limit") or 0)
            chosen: list[int] = []
            not_found: list[str] = []
            if users is not None:
                for uid in users if isinstance(users, list) else [users]:
                    if int(uid) in self._members:
                        chosen.append(int(uid))
                    else:
                        not_found.append(str(uid))
            else:
                prefix = str(query or "").lower()
                for uid in self._members:
                    if self._users[uid]["username"].lower().startswith(prefix):
                        chosen.append(uid)
                if limit:
                    chosen = chosen[:limit]
            chunk: dict[str, Any] = {
                "guild_id": str(self.guild_id),
                "members": [self._member_payload(uid) for uid in chosen],
                "chunk_index": 0,
                "chunk_count": 1,
            }
            if users is not None:
                chunk["not_found"] = not_found
            if d.get("nonce"):
                chunk["nonce"] = d["nonce"]
            if d.get("presences"):
                chunk["presences"] = []
            self._emit_to(session, "GUILD_MEMBERS_CHUNK", chunk)

    # ------------------------------------------------------------------ HTTP plumbing

    def _build_routes(self) -> None:
        def add(method: str, pattern: str, handler: Handler, *, auth: bool = True) -> None:
            bucket = hashlib.md5(f"{method} {pattern}".encode(), usedforsecurity=False).hexdigest()
            self._routes.append(_Route(method, re.compile(pattern), handler, auth, bucket))

        sf = r"\d{1,20}"
        tok = r"[^/]+"
        add("GET", r"^/users/@me$", self._get_me)
        add("GET", rf"^/users/(?P<uid>{sf})$", self._get_user)
        add("POST", r"^/users/@me/channels$", self._create_dm)
        add("GET", r"^/oauth2/applications/@me$", self._get_application)
        add("GET", r"^/gateway$", self._get_gateway, auth=False)
        add("GET", r"^/gateway/bot$", self._get_gateway_bot)
        for method in ("GET", "PUT"):
            add(method, rf"^/applications/(?P<app>{sf})/commands$", self._commands_endpoint)
            add(
                method,
                rf"^/applications/(?P<app>{sf})/guilds/(?P<gid>{sf})/commands$",
                self._commands_endpoint,
            )
        add(
            "POST",
            rf"^/interactions/(?P<iid>{sf})/(?P<token>{tok})/callback$",
            self._callback,
            auth=False,
        )
        add("POST", rf"^/webhooks/(?P<app>{sf})/(?P<token>{tok})$", self._followup, auth=False)
        for method in ("GET", "PATCH", "DELETE"):
            add(
                method,
                rf"^/webhooks/(?P<app>{sf})/(?P<token>{tok})/messages/(?P<mid>@original|{sf})$",
                self._webhook_message,
                auth=False,
            )
        add("GET", rf"^/channels/(?P<cid>{sf})$", self._get_channel)
        add("POST", rf"^/channels/(?P<cid>{sf})/messages$", self._create_message)
        for method in ("GET", "PATCH", "DELETE"):
            add(method, rf"^/channels/(?P<cid>{sf})/messages/(?P<mid>{sf})$", self._channel_message)
        add("POST", rf"^/channels/(?P<cid>{sf})/threads$", self._create_thread)
        for method in ("PUT", "DELETE"):
            add(
                method,
                rf"^/channels/(?P<cid>{sf})/thread-members/(?P<uid>{sf}|@me)$",
                self._thread_member,
            )
            add(method, rf"^/channels/(?P<cid>{sf})/permissions/(?P<oid>{sf})$", self._overwrite)
        add("GET", rf"^/guilds/(?P<gid>{sf})/members/(?P<uid>{sf})$", self._get_member)
        add("POST", rf"^/guilds/(?P<gid>{sf})/channels$", self._create_guild_channel)
        for method in ("GET", "POST"):
            add(method, rf"^/guilds/(?P<gid>{sf})/scheduled-events$", self._scheduled_events_route)
        for method in ("GET", "PATCH", "DELETE"):
            add(
                method,
                rf"^/guilds/(?P<gid>{sf})/scheduled-events/(?P<eid>{sf})$",
                self._scheduled_event_route,
            )

    def _ratelimit_headers(
        self, bucket: str, *, remaining: int, reset_after: float
    ) -> dict[str, str]:
        return {
            "X-RateLimit-Limit": "5",
            "X-RateLimit-Remaining": str(remaining),
            "X-RateLimit-Reset": f"{time.time() + reset_after:.3f}",
            "X-RateLimit-Reset-After": f"{reset_after:.3f}",
            "X-RateLimit-Bucket": bucket,
        }

    @staticmethod
    def _json(status: int, body: Any, headers: dict[str, str] | None = None) -> web.Response:
        all_headers = {"Content-Type": "application/json"}
        all_headers.update(headers or {})
        return web.Response(status=status, body=_dumps(body).encode(), headers=all_headers)

    async def _read_body(self, request: web.Request) -> tuple[Any, list[tuple[str, bytes]]]:
        files: list[tuple[str, bytes]] = []
        if request.content_type == "multipart/form-data":
            body: Any = None
            reader = await request.multipart()
            while True:
                part = await reader.next()
                if part is None:
                    break
                if not isinstance(part, BodyPartReader):
                    continue
                raw = bytes(await part.read(decode=False))
                if part.name == "payload_json":
                    body = json.loads(raw)
                else:
                    files.append((part.filename or part.name or "", raw))
            return body, files
        raw_body = await request.read()
        if not raw_body:
            return None, files
        return json.loads(raw_body), files

    async def _dispatch_http(self, request: web.Request) -> web.StreamResponse:
        at = time.monotonic()
        path = request.path
        if (
            path in ("/gateway", "/resume-gateway")
            and request.headers.get("Upgrade", "").lower() == "websocket"
        ):
            return await self._gateway(request, "gateway" if path == "/gateway" else "resume")
        match_attachment = re.match(r"^/attachments/(\d+)/", path)
        if request.method == "GET" and match_attachment:
            content = self._attachments.get(int(match_attachment.group(1)))
            if content is not None:
                return web.Response(body=content, content_type="application/octet-stream")

        auth_header = request.headers.get("Authorization", "")
        authorized = auth_header.startswith("Bot ") and len(auth_header) > 4
        rel = path[len(API_PREFIX) :] if path.startswith(API_PREFIX + "/") else path
        query = dict(request.query)
        route: _Route | None = None
        params: dict[str, str] = {}
        if path.startswith(API_PREFIX + "/"):
            for candidate in self._routes:
                if candidate.method != request.method:
                    continue
                m = candidate.pattern.match(rel)
                if m is not None:
                    route, params = candidate, m.groupdict()
                    break

        headers: dict[str, str] = {}
        body: Any = None
        files: list[tuple[str, bytes]] = []
        req: _Request | None = None
        unknown = False
        try:
            body, files = await self._read_body(request)
        except ValueError:
            status, response = (
                400,
                {"message": "The request body contains invalid JSON.", "code": 50109},
            )
        else:
            if route is None:
                unknown = True
                status, response = 404, {"message": "404: Not Found", "code": 0}
            else:
                headers = self._ratelimit_headers(route.bucket, remaining=4, reset_after=1.0)
                req = _Request(request.method, rel, params, query, body, files, authorized)
                if route.auth and not (authorized and self._valid_token(auth_header[4:])):
                    status, response = 401, {"message": "401: Unauthorized", "code": 0}
                elif (limited := self._take_ratelimit(request.method, rel)) is not None:
                    status = 429
                    response = {
                        "message": "You are being rate limited.",
                        "retry_after": limited,
                        "global": False,
                    }
                    headers = self._ratelimit_headers(
                        route.bucket, remaining=0, reset_after=limited
                    )
                    headers.update(
                        {
                            "Retry-After": str(math.ceil(limited)),
                            "X-RateLimit-Scope": "user",
                            "Via": "1.1 google",
                        }
                    )
                else:
                    try:
                        status, response = route.handler(req)
                    except _ApiError as exc:
                        status, response = exc.status, exc.body
                    except Exception as exc:  # a bug in the fake: make it loud
                        self.errors.append(f"{request.method} {rel}: {exc!r}")
                        unknown = True
                        status = 400
                        response = {"message": f"FakeDiscord internal error: {exc!r}", "code": 0}

        call = Call(
            index=len(self.calls),
            method=request.method,
            path=rel,
            query=query,
            json=body,
            files=files,
            at=at,
            status=status,
            authorized=authorized,
            response=copy.deepcopy(response),
        )
        self.calls.append(call)
        if unknown:
            self.unknown.append(call)
        if req is not None and req.interaction is not None:
            req.interaction.calls.append(call)
        self._notify()
        if status == 204:
            return web.Response(status=204, headers=headers)
        return self._json(status, response, headers)

    def _take_ratelimit(self, method: str, path: str) -> float | None:
        for i, (m, pattern, retry_after) in enumerate(self._ratelimits):
            if m == method and pattern.search(path):
                del self._ratelimits[i]
                return retry_after
        return None

    # ------------------------------------------------------------------ simple endpoints

    def _get_me(self, req: _Request) -> tuple[int, Any]:
        return 200, self._me_payload()

    def _get_user(self, req: _Request) -> tuple[int, Any]:
        uid = int(req.params["uid"])
        if uid not in self._users:
            raise _ApiError(404, 10013, "Unknown User")
        return 200, self._user_payload(uid)

    def _get_application(self, req: _Request) -> tuple[int, Any]:
        return 200, self._application_payload()

    def _get_gateway(self, req: _Request) -> tuple[int, Any]:
        return 200, {"url": self.gateway_url}

    def _get_gateway_bot(self, req: _Request) -> tuple[int, Any]:
        return 200, {
            "url": self.gateway_url,
            "shards": self.shards,
            "session_start_limit": {
                "total": 1000,
                "remaining": 1000 - self.identifies,
                "reset_after": 14400000,
                "max_concurrency": 1,
            },
        }

    def _get_member(self, req: _Request) -> tuple[int, Any]:
        if int(req.params["gid"]) != self.guild_id:
            raise _ApiError(404, 10004, "Unknown Guild")
        uid = int(req.params["uid"])
        if uid not in self._members:
            raise _ApiError(404, 10007, "Unknown Member")
        return 200, self._member_payload(uid)

    def _get_channel(self, req: _Request) -> tuple[int, Any]:
        cid = int(req.params["cid"])
        if cid not in self._channels:
            raise _ApiError(404, 10003, "Unknown Channel")
        return 200, self._channel_payload(cid)

    def _create_dm(self, req: _Request) -> tuple[int, Any]:
        body = req.json if isinstance(req.json, dict) else {}
        raw = body.get("recipient_id")
        errors = _FormErrors()
        if raw is None or not str(raw).isdigit():
            errors.add("recipient_id", "NUMBER_TYPE_COERCE", "Value is not snowflake.")
        errors.raise_if_any()
        uid = int(str(raw))
        if uid not in self._users:
            raise _ApiError(404, 10013, "Unknown User")
        return 200, self._dm_channel_payload(self._ensure_dm(uid))

    # ------------------------------------------------------------------ commands

    def _commands_endpoint(self, req: _Request) -> tuple[int, Any]:
        if int(req.params["app"]) != self.app_id:
            raise _ApiError(403, 50001, "Missing Access")
        gid: int | None = None
        if req.params.get("gid") is not None:
            gid = int(req.params["gid"])
            if gid != self.guild_id:
                raise _ApiError(403, 50001, "Missing Access")
        if req.method == "GET":
            return 200, self.commands(gid)
        body = req.json
        errors = _FormErrors()
        if not isinstance(body, list):
            errors.add("_root", "LIST_TYPE_CONVERT", "Only iterables may be used in a ListType.")
            errors.raise_if_any()
        assert isinstance(body, list)
        if len(body) > 110:
            errors.add("_root", "BASE_TYPE_MAX_LENGTH", "Must be 110 or fewer in length.")
        seen: set[tuple[str, int]] = set()
        stored: list[dict[str, Any]] = []
        for i, command in enumerate(body):
            self._validate_command(command, f"{i}", errors)
            ctype = int(command.get("type") or 1)
            key = (str(command.get("name")), ctype)
            if key in seen:
                errors.add(
                    f"{i}.name",
                    "APPLICATION_COMMANDS_DUPLICATE_NAME",
                    "Application command names must be unique",
                )
            seen.add(key)
        errors.raise_if_any()
        version = self._snowflake()
        for command in body:
            ctype = int(command.get("type") or 1)
            # Discord derives `contexts` from the deprecated dm_permission when it is
            # absent; without either it defaults to GUILD + BOT_DM (not PRIVATE_CHANNEL).
            contexts = command.get("contexts")
            if contexts is None:
                contexts = [0] if command.get("dm_permission") is False else [0, 1]
            id_key = (gid, command["name"], ctype)
            cmd_id = self._command_ids.setdefault(id_key, self._snowflake())
            echoed: dict[str, Any] = {
                "id": str(cmd_id),
                "application_id": str(self.app_id),
                "version": str(version),
                "type": ctype,
                "name": command["name"],
                "name_localizations": command.get("name_localizations"),
                "description": command.get("description", ""),
                "description_localizations": command.get("description_localizations"),
                "default_member_permissions": command.get("default_member_permissions"),
                "nsfw": bool(command.get("nsfw", False)),
                "contexts": contexts,
                "integration_types": command.get("integration_types") or [0],
                "dm_permission": 1 in contexts,
            }
            if gid is not None:
                echoed["guild_id"] = str(gid)
            if command.get("options"):
                echoed["options"] = copy.deepcopy(command["options"])
            stored.append(echoed)
        self._commands[gid] = stored
        return 200, copy.deepcopy(stored)

    def _validate_command(self, command: Any, path: str, errors: _FormErrors) -> None:
        if not isinstance(command, dict):
            errors.add(path, "DICT_TYPE_CONVERT", "Only dictionaries may be used in a DictType")
            return
        ctype = command.get("type") or 1
        name = command.get("name")
        if not isinstance(name, str) or not 1 <= len(name) <= 32:
            errors.add(
                f"{path}.name", "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 32 in length."
            )
            return
        if ctype == 1:
            if not _CHAT_INPUT_NAME.match(name) or name != name.lower():
                errors.add(
                    f"{path}.name", "APPLICATION_COMMAND_INVALID_NAME", "Command name is invalid"
                )
            self._validate_description(command, path, errors)
            self._validate_options(command.get("options") or [], f"{path}.options", errors, depth=0)
        elif command.get("description"):
            errors.add(
                f"{path}.description",
                "APPLICATION_COMMAND_CONTEXT_MENU_DESCRIPTION",
                "Context menu commands cannot have description",
            )
        perms = command.get("default_member_permissions")
        if perms is not None and not str(perms).isdigit():
            errors.add(
                f"{path}.default_member_permissions",
                "NUMBER_TYPE_COERCE",
                "Value is not a valid number.",
            )

    @staticmethod
    def _validate_description(item: dict[str, Any], path: str, errors: _FormErrors) -> None:
        description = item.get("description")
        if not isinstance(description, str) or not 1 <= len(description) <= 100:
            errors.add(
                f"{path}.description",
                "BASE_TYPE_BAD_LENGTH",
                "Must be between 1 and 100 in length.",
            )

    def _validate_options(
        self, options: list[Any], path: str, errors: _FormErrors, *, depth: int
    ) -> None:
        if len(options) > 25:
            errors.add(path, "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.")
        names: set[str] = set()
        seen_optional = False
        for i, option in enumerate(options):
            here = f"{path}.{i}"
            if not isinstance(option, dict):
                errors.add(here, "DICT_TYPE_CONVERT", "Only dictionaries may be used in a DictType")
                continue
            otype = option.get("type")
            name = option.get("name")
            if not isinstance(otype, int) or not 1 <= otype <= 11:
                errors.add(f"{here}.type", "BASE_TYPE_CHOICES", "Value must be one of (1..11).")
                continue
            if (
                not isinstance(name, str)
                or not _CHAT_INPUT_NAME.match(name)
                or name != name.lower()
            ):
                errors.add(
                    f"{here}.name", "APPLICATION_COMMAND_INVALID_NAME", "Command name is invalid"
                )
            elif name in names:
                errors.add(
                    f"{here}.name",
                    "APPLICATION_COMMAND_OPTIONS_NAME_ALREADY_EXISTS",
                    "Option names must be unique",
                )
            names.add(str(name))
            self._validate_description(option, here, errors)
            if otype in (1, 2):
                if depth >= (1 if otype == 2 else 2):
                    errors.add(
                        f"{here}.type", "APPLICATION_COMMAND_OPTION_TYPE_INVALID", "Invalid nesting"
                    )
                inner = option.get("options") or []
                if otype == 2 and any(o.get("type") != 1 for o in inner if isinstance(o, dict)):
                    errors.add(
                        f"{here}.options",
                        "APPLICATION_COMMAND_OPTION_TYPE_INVALID",
                        "Groups hold sub-commands",
                    )
                self._validate_options(inner, f"{here}.options", errors, depth=depth + 1)
                continue
            if any(isinstance(o, dict) and o.get("type") in (1, 2) for o in options):
                errors.add(
                    f"{here}.type",
                    "APPLICATION_COMMAND_OPTIONS_TYPE_INVALID",
                    "Sub-command and sub-command group option types are mutually exclusive"
                    " to all other types",
                )
            if option.get("required"):
                if seen_optional:
                    errors.add(
                        f"{here}.required",
                        "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID",
                        "Required options must be placed before non-required options",
                    )
            else:
                seen_optional = True
            choices = option.get("choices")
            if choices:
                if otype not in (3, 4, 10):
                    errors.add(
                        f"{here}.choices",
                        "APPLICATION_COMMAND_OPTION_CHOICES_INVALID",
                        "Choices are only for strings and numbers",
                    )
                if len(choices) > 25:
                    errors.add(
                        f"{here}.choices", "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length."
                    )
                if option.get("autocomplete"):
                    errors.add(
                        f"{here}.autocomplete",
                        "APPLICATION_COMMAND_AUTOCOMPLETE_INVALID",
                        "Autocomplete cannot be set with choices",
                    )
                for j, choice in enumerate(choices):
                    cname = choice.get("name") if isinstance(choice, dict) else None
                    if not isinstance(cname, str) or not 1 <= len(cname) <= 100:
                        errors.add(
                            f"{here}.choices.{j}.name",
                            "BASE_TYPE_BAD_LENGTH",
                            "Must be between 1 and 100 in length.",
                        )
            max_length = option.get("max_length")
            if max_length is not None and not 1 <= int(max_length) <= 6000:
                errors.add(
                    f"{here}.max_length", "NUMBER_TYPE_MAX", "int value should be <= 6000 and >= 1."
                )

    def _find_command(self, group: str, *, in_dm: bool) -> dict[str, Any]:
        scopes: list[int | None] = [None] if in_dm else [self.guild_id, None]
        for scope in scopes:
            for command in self._commands.get(scope, []):
                if command["name"] == group and command["type"] == 1:
                    if in_dm:
                        contexts = command.get("contexts")
                        if contexts is not None and 1 not in contexts:
                            raise AssertionError(f"/{group} is not available in bot DMs (contexts)")
                        if command.get("dm_permission") is False:
                            raise AssertionError(f"/{group} has dm_permission false")
                    return command
        where = "global" if in_dm else f"guild {self.guild_id} or global"
        raise AssertionError(f"no synced chat command /{group} ({where})")

    # ------------------------------------------------------------------ messages

    def _validate_components(
        self, components: Any, path: str, errors: _FormErrors, *, v2: bool
    ) -> None:
        if not isinstance(components, list):
            errors.add(path, "LIST_TYPE_CONVERT", "Only iterables may be used in a ListType.")
            return
        if not v2 and len(components) > 5:
            errors.add(path, "BASE_TYPE_MAX_LENGTH", "Must be 5 or fewer in length.")
        custom_ids: set[str] = set()
        for c in _walk_components(components):
            custom_id = c.get("custom_id")
            if custom_id is not None:
                if not isinstance(custom_id, str) or not 1 <= len(custom_id) <= 100:
                    errors.add(
                        path,
                        "BASE_TYPE_BAD_LENGTH",
                        "custom_id must be between 1 and 100 in length.",
                    )
                elif custom_id in custom_ids:
                    errors.add(
                        path,
                        "COMPONENT_CUSTOM_ID_DUPLICATED",
                        f"Component custom id cannot be duplicated: {custom_id}",
                    )
                custom_ids.add(str(custom_id))
        for i, row in enumerate(components):
            here = f"{path}.{i}"
            if not isinstance(row, dict):
                errors.add(here, "DICT_TYPE_CONVERT", "Only dictionaries may be used in a DictType")
                continue
            if v2 or row.get("type") != 1:
                if not v2:
                    errors.add(
                        f"{here}.type",
                        "UNION_TYPE_CHOICES",
                        "Top-level components must be action rows",
                    )
                continue
            children = row.get("components") or []
            if not 1 <= len(children) <= 5:
                errors.add(
                    f"{here}.components",
                    "BASE_TYPE_BAD_LENGTH",
                    "Must be between 1 and 5 in length.",
                )
            for j, child in enumerate(children):
                where = f"{here}.components.{j}"
                ctype = child.get("type")
                if ctype == 2:
                    style = child.get("style")
                    if style == 5:
                        if not child.get("url") or child.get("custom_id"):
                            errors.add(
                                where,
                                "BUTTON_COMPONENT_URL_REQUIRED",
                                "Link buttons need a url and no custom_id",
                            )
                    elif style == 6:
                        if not child.get("sku_id"):
                            errors.add(
                                where, "BUTTON_COMPONENT_SKU_ID_REQUIRED", "A sku_id is required"
                            )
                    elif not child.get("custom_id"):
                        errors.add(
                            where, "BUTTON_COMPONENT_CUSTOM_ID_REQUIRED", "A custom id required"
                        )
                    label = child.get("label")
                    if label is not None and len(label) > 80:
                        errors.add(
                            f"{where}.label",
                            "BASE_TYPE_MAX_LENGTH",
                            "Must be 80 or fewer in length.",
                        )
                    if not label and not child.get("emoji") and style != 6:
                        errors.add(
                            where,
                            "BUTTON_COMPONENT_LABEL_OR_EMOJI_REQUIRED",
                            "A label or emoji is required",
                        )
                elif ctype in (3, 5, 6, 7, 8):
                    if len(children) != 1:
                        errors.add(
                            where,
                            "COMPONENT_LAYOUT_WIDTH_EXCEEDED",
                            "The specified component exceeds the maximum width",
                        )
                    if not child.get("custom_id"):
                        errors.add(
                            where, "SELECT_COMPONENT_CUSTOM_ID_REQUIRED", "A custom id required"
                        )
                    if ctype == 3 and not 1 <= len(child.get("options") or []) <= 25:
                        errors.add(
                            f"{where}.options",
                            "BASE_TYPE_BAD_LENGTH",
                            "Must be between 1 and 25 in length.",
                        )
                else:
                    errors.add(
                        f"{where}.type",
                        "COMPONENT_TYPE_INVALID",
                        f"Component type {ctype} is not allowed here",
                    )

    def _validate_message(
        self, raw: Any, files: list[tuple[str, bytes]], *, edit: bool = False
    ) -> dict[str, Any]:
        errors = _FormErrors()
        if not isinstance(raw, dict | None):
            errors.add("_root", "DICT_TYPE_CONVERT", "Only dictionaries may be used in a DictType")
            errors.raise_if_any()
        body: dict[str, Any] = raw or {}
        flags = int(body.get("flags") or 0)
        v2 = bool(flags & IS_COMPONENTS_V2)
        content = body.get("content")
        if content is not None:
            if not isinstance(content, str):
                errors.add("content", "STRING_TYPE_CONVERT", "Could not interpret value as string.")
            elif len(content) > 2000:
                errors.add("content", "BASE_TYPE_MAX_LENGTH", "Must be 2000 or fewer in length.")
            elif v2 and content:
                errors.add(
                    "content",
                    "MESSAGE_CANNOT_USE_LEGACY_FIELDS_WITH_COMPONENTS_V2",
                    "The 'content' field cannot be used when using MessageFlags.IS_COMPONENTS_V2",
                )
        embeds = body.get("embeds")
        if embeds is not None:
            if not isinstance(embeds, list) or len(embeds) > 10:
                errors.add("embeds", "BASE_TYPE_MAX_LENGTH", "Must be 10 or fewer in length.")
            else:
                for i, embed in enumerate(embeds):
                    title = embed.get("title") if isinstance(embed, dict) else None
                    if title is not None and len(title) > 256:
                        errors.add(
                            f"embeds.{i}.title",
                            "BASE_TYPE_MAX_LENGTH",
                            "Must be 256 or fewer in length.",
                        )
                    desc = embed.get("description") if isinstance(embed, dict) else None
                    if desc is not None and len(desc) > 4096:
                        errors.add(
                            f"embeds.{i}.description",
                            "BASE_TYPE_MAX_LENGTH",
                            "Must be 4096 or fewer in length.",
                        )
        components = body.get("components")
        if components is not None:
            self._validate_components(components, "components", errors, v2=v2)
        errors.raise_if_any()
        if not edit and not (
            content or embeds or components or files or body.get("sticker_ids") or body.get("poll")
        ):
            raise _ApiError(400, 50006, "Cannot send an empty message")
        return body

    def _echo_components(self, components: list[dict[str, Any]]) -> list[dict[str, Any]]:
        echoed = copy.deepcopy(components)
        next_id = 1
        for component in _walk_components(echoed):
            if "id" not in component:
                component["id"] = next_id
            next_id = max(next_id, int(component["id"])) + 1
        return echoed

    def _mentions(
        self, content: str, allowed: Any, reference: dict[str, Any] | None, in_guild: bool
    ) -> tuple[list[dict[str, Any]], list[str], bool]:
        """Who a message pings: mentions in the content filtered by allowed_mentions."""
        user_ids = [int(x) for x in re.findall(r"<@!?(\d+)>", content)]
        role_ids = [int(x) for x in re.findall(r"<@&(\d+)>", content)]
        everyone = "@everyone" in content or "@here" in content
        if isinstance(allowed, dict):
            parse = set(allowed.get("parse") or [])
            ok_users = {int(x) for x in allowed.get("users") or []}
            ok_roles = {int(x) for x in allowed.get("roles") or []}
            replied = bool(allowed.get("replied_user", False))
        else:
            parse, ok_users, ok_roles, replied = {"users", "roles", "everyone"}, set(), set(), True
        pinged = [u for u in dict.fromkeys(user_ids) if "users" in parse or u in ok_users]
        if reference is not None and replied:
            author = int(reference["author"]["id"])
            if author not in pinged:
                pinged.append(author)
        roles = [str(r) for r in dict.fromkeys(role_ids) if "roles" in parse or r in ok_roles]
        users = [self._user_payload(u) for u in pinged if u in self._users]
        if in_guild:
            for user in users:
                if int(user["id"]) in self._members:
                    user["member"] = self._member_payload(int(user["id"]), with_user=False)
        return users, roles if in_guild else [], everyone and "everyone" in parse and in_guild

    def _attachments_from(
        self, body: dict[str, Any], files: list[tuple[str, bytes]]
    ) -> list[dict[str, Any]]:
        attachments: list[dict[str, Any]] = []
        described = {
            str(a.get("id")): a for a in body.get("attachments") or [] if isinstance(a, dict)
        }
        for index, (filename, content) in enumerate(files):
            meta = described.get(str(index), {})
            att_id = self._snowflake()
            self._attachments[att_id] = content
            name = meta.get("filename") or filename
            url = f"{self.base_url}/attachments/{att_id}/{name}"
            attachment: dict[str, Any] = {
                "id": str(att_id),
                "filename": name,
                "size": len(content),
                "url": url,
                "proxy_url": url,
                "content_type": "application/octet-stream",
            }
            if meta.get("description"):
                attachment["description"] = meta["description"]
            attachments.append(attachment)
        return attachments

    def _new_message(
        self,
        channel_id: int,
        body: dict[str, Any],
        files: list[tuple[str, bytes]],
        *,
        interaction: _Interaction | None = None,
        loading: bool = False,
    ) -> dict[str, Any]:
        channel = self._channels[channel_id]
        in_guild = channel["type"] != 1
        message_id = self._snowflake()
        content = body.get("content") or ""
        reference = None
        ref = body.get("message_reference")
        if isinstance(ref, dict) and ref.get("message_id"):
            reference = self._message_index.get(int(ref["message_id"]))
            if reference is None and ref.get("fail_if_not_exists", True):
                raise _ApiError(
                    400,
                    50035,
                    "Invalid Form Body",
                    {
                        "message_reference": {
                            "_errors": [
                                {
                                    "code": "MESSAGE_REFERENCE_UNKNOWN_MESSAGE",
                                    "message": "Unknown message",
                                }
                            ]
                        }
                    },
                )
        mentions, mention_roles, mention_everyone = self._mentions(
            content, body.get("allowed_mentions"), reference, in_guild
        )
        flags = int(body.get("flags") or 0)
        if interaction is None:
            flags &= ~EPHEMERAL
        if loading:
            flags |= LOADING
        mtype = 0
        if interaction is not None and interaction.type == 2:
            mtype = 20
        elif reference is not None:
            mtype = 19
        message: dict[str, Any] = {
            "id": str(message_id),
            "type": mtype,
            "content": content,
            "channel_id": str(channel_id),
            "author": self._user_payload(self.bot_user_id),
            "attachments": self._attachments_from(body, files),
            "embeds": [dict(e, type=e.get("type", "rich")) for e in body.get("embeds") or []],
            "mentions": mentions,
            "mention_roles": mention_roles,
            "mention_everyone": mention_everyone,
            "pinned": False,
            "tts": bool(body.get("tts", False)),
            "timestamp": _iso(snowflake_time(message_id)),
            "edited_timestamp": None,
            "flags": flags,
            "components": self._echo_components(body.get("components") or []),
        }
        if in_guild:
            message["guild_id"] = str(self.guild_id)
        if body.get("nonce") is not None:
            message["nonce"] = body["nonce"]
        if body.get("poll"):
            message["poll"] = copy.deepcopy(body["poll"])
        if reference is not None:
            message["message_reference"] = {
                "type": 0,
                "message_id": reference["id"],
                "channel_id": reference["channel_id"],
                **({"guild_id": str(self.guild_id)} if in_guild else {}),
            }
            message["referenced_message"] = copy.deepcopy(reference)
        if interaction is not None:
            message["webhook_id"] = str(self.app_id)
            message["application_id"] = str(self.app_id)
            metadata: dict[str, Any] = {
                "id": str(interaction.id),
                "type": interaction.type,
                "user": self._user_payload(interaction.user_id),
                "authorizing_integration_owners": interaction.payload[
                    "authorizing_integration_owners"
                ],
            }
            if interaction.type == 2:
                metadata["name"] = interaction.name
                metadata["command_type"] = 1
            if interaction.type == 3 and interaction.message_id is not None:
                metadata["interacted_message_id"] = str(interaction.message_id)
            if interaction.original_id is not None:
                metadata["original_response_message_id"] = str(interaction.original_id)
            message["interaction_metadata"] = metadata
            if interaction.type == 2:
                message["interaction"] = {
                    "id": str(interaction.id),
                    "type": 2,
                    "name": interaction.name,
                    "user": self._user_payload(interaction.user_id),
                }
        self._messages[channel_id].append(message)
        self._message_index[message_id] = message
        self._message_requests[message_id] = copy.deepcopy(body)
        channel["last_message_id"] = str(message_id)
        if interaction is not None:
            interaction.message_ids.append(message_id)
        if not message["flags"] & EPHEMERAL:
            data = copy.deepcopy(message)
            if in_guild:
                data["member"] = self._member_payload(self.bot_user_id, with_user=False)
            self._emit(
                "MESSAGE_CREATE",
                data,
                guild_id=self.guild_id if in_guild else None,
                intent=GUILD_MESSAGES if in_guild else DIRECT_MESSAGES,
            )
        return message

    def _edit_message(
        self, message: dict[str, Any], body: Any, files: list[tuple[str, bytes]]
    ) -> dict[str, Any]:
        body = self._validate_message(body, files, edit=True)
        if "content" in body:
            message["content"] = body["content"] or ""
        if "embeds" in body:
            message["embeds"] = [dict(e, type=e.get("type", "rich")) for e in body["embeds"] or []]
        if "components" in body:
            message["components"] = self._echo_components(body["components"] or [])
        if "attachments" in body or files:
            keep = {str(a.get("id")) for a in body.get("attachments") or [] if isinstance(a, dict)}
            old = [a for a in message["attachments"] if a["id"] in keep]
            message["attachments"] = old + self._attachments_from(body, files)
        if "flags" in body and body["flags"] is not None:
            # Only SUPPRESS_EMBEDS can change on edit; other flags stay.
            message["flags"] = (message["flags"] & ~4) | (int(body["flags"]) & 4)
        if "allowed_mentions" in body or "content" in body:
            in_guild = "guild_id" in message
            users, roles, everyone = self._mentions(
                message["content"], body.get("allowed_mentions"), None, in_guild
            )
            message["mentions"], message["mention_roles"] = users, roles
            message["mention_everyone"] = everyone
        message["flags"] &= ~LOADING
        message["edited_timestamp"] = _iso()
        self._message_requests[int(message["id"])] = copy.deepcopy(body)
        if not message["flags"] & EPHEMERAL:
            in_guild = "guild_id" in message
            self._emit(
                "MESSAGE_UPDATE",
                copy.deepcopy(message),
                guild_id=self.guild_id if in_guild else None,
                intent=GUILD_MESSAGES if in_guild else DIRECT_MESSAGES,
            )
        return message

    def _delete_message(self, message: dict[str, Any]) -> None:
        channel_id = int(message["channel_id"])
        message_id = int(message["id"])
        self._messages[channel_id] = [
            m for m in self._messages[channel_id] if m["id"] != message["id"]
        ]
        self._message_index.pop(message_id, None)
        if not message["flags"] & EPHEMERAL:
            in_guild = "guild_id" in message
            data = {"id": message["id"], "channel_id": message["channel_id"]}
            if in_guild:
                data["guild_id"] = str(self.guild_id)
            self._emit(
                "MESSAGE_DELETE",
                data,
                guild_id=self.guild_id if in_guild else None,
                intent=GUILD_MESSAGES if in_guild else DIRECT_MESSAGES,
            )

    def _channel_or_404(self, cid: int) -> dict[str, Any]:
        channel = self._channels.get(cid)
        if channel is None:
            raise _ApiError(404, 10003, "Unknown Channel")
        return channel

    def _create_message(self, req: _Request) -> tuple[int, Any]:
        cid = int(req.params["cid"])
        channel = self._channel_or_404(cid)
        if channel["type"] == 1:
            recipient = int(channel["recipients"][0]["id"])
            if recipient in self._refuse or recipient not in self._members:
                raise _ApiError(403, 50007, "Cannot send messages to this user")
        elif channel["type"] in (10, 11, 12) and (
            channel["thread_metadata"]["locked"] or channel["thread_metadata"]["archived"]
        ):
            raise _ApiError(400, 50083, "Thread is archived")
        elif channel["type"] in (0, 5):
            # A channel the bot cannot see is 50001, one it may not post in 50013.
            self._bot_needs(cid, SEND_MESSAGES)
        body = self._validate_message(req.json, req.files)
        return 200, copy.deepcopy(self._new_message(cid, body, req.files))

    def _channel_message(self, req: _Request) -> tuple[int, Any]:
        cid = int(req.params["cid"])
        self._channel_or_404(cid)
        message = self._message_index.get(int(req.params["mid"]))
        if message is None or int(message["channel_id"]) != cid or message["flags"] & EPHEMERAL:
            raise _ApiError(404, 10008, "Unknown Message")
        if req.method == "GET":
            return 200, copy.deepcopy(message)
        if req.method == "DELETE":
            self._delete_message(message)
            return 204, None
        if int(message["author"]["id"]) != self.bot_user_id:
            raise _ApiError(403, 50005, "Cannot edit a message authored by another user")
        return 200, copy.deepcopy(self._edit_message(message, req.json, req.files))

    # ------------------------------------------------------------------ threads and overwrites

    def _create_thread(self, req: _Request) -> tuple[int, Any]:
        cid = int(req.params["cid"])
        parent = self._channel_or_404(cid)
        if parent["type"] not in (0, 5):
            raise _ApiError(400, 50024, "Cannot execute action on this channel type")
        body = req.json if isinstance(req.json, dict) else {}
        errors = _FormErrors()
        name = body.get("name")
        if not isinstance(name, str) or not 1 <= len(name) <= 100:
            errors.add("name", "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length.")
        ttype = body.get("type", 12)
        if ttype not in (10, 11, 12):
            errors.add("type", "BASE_TYPE_CHOICES", "Value must be one of (10, 11, 12).")
        archive = body.get("auto_archive_duration", 4320)
        if archive not in (60, 1440, 4320, 10080):
            errors.add(
                "auto_archive_duration",
                "BASE_TYPE_CHOICES",
                "Value must be one of (60, 1440, 4320, 10080).",
            )
        errors.raise_if_any()
        thread_id = self._snowflake()
        now = _iso()
        self._channels[thread_id] = {
            "id": str(thread_id),
            "type": ttype,
            "name": name,
            "parent_id": str(cid),
            "owner_id": str(self.bot_user_id),
            "last_message_id": None,
            "rate_limit_per_user": int(body.get("rate_limit_per_user") or 0),
            "flags": 0,
            "message_count": 0,
            "total_message_sent": 0,
            "member_count": 1,
            "member_ids_preview": [str(self.bot_user_id)],
            "thread_metadata": {
                "archived": False,
                "archive_timestamp": now,
                "auto_archive_duration": archive,
                "locked": False,
                "create_timestamp": now,
                **({"invitable": bool(body.get("invitable", True))} if ttype == 12 else {}),
            },
        }
        self._messages[thread_id] = []
        self._thread_members[thread_id] = {self.bot_user_id}
        payload = self._guild_channel_payload(thread_id)
        payload["member"] = {
            "id": str(thread_id),
            "user_id": str(self.bot_user_id),
            "join_timestamp": now,
            "flags": 1,
            "muted": False,
            "mute_config": None,
        }
        event = dict(copy.deepcopy(payload), newly_created=True)
        self._emit("THREAD_CREATE", event, guild_id=self.guild_id, intent=GUILDS)
        return 201, payload

    def _thread_member(self, req: _Request) -> tuple[int, Any]:
        cid = int(req.params["cid"])
        thread = self._channel_or_404(cid)
        if thread["type"] not in (10, 11, 12):
            raise _ApiError(400, 50024, "Cannot execute action on this channel type")
        raw = req.params["uid"]
        uid = self.bot_user_id if raw == "@me" else int(raw)
        if uid not in self._members:
            raise _ApiError(404, 10007, "Unknown Member")
        members = self._thread_members.setdefault(cid, set())
        if req.method == "PUT":
            members.add(uid)
        else:
            members.discard(uid)
        thread["member_count"] = len(members)
        return 204, None

    def _bot_needs(self, channel_id: int, needed: int) -> None:
        """Discord's answer when the bot lacks a permission in a channel: 50001 Missing
        Access if it cannot even see it, 50013 Missing Permissions otherwise."""
        perms = self.channel_permissions(self.bot_user_id, channel_id)
        if not perms & VIEW_CHANNEL:
            raise _ApiError(403, 50001, "Missing Access")
        if perms & needed != needed:
            raise _ApiError(403, 50013, "Missing Permissions")

    def _bot_manages_overwrites_in(self, channel: dict[str, Any]) -> bool:
        """An administrator, or a bot allowed MANAGE_ROLES by an overwrite in the channel
        itself, may set any bit there; otherwise only bits it has in the guild."""
        if self.base_permissions(self.bot_user_id) & ADMINISTRATOR:
            return True
        mine = {self.bot_user_id, self.guild_id, *self._members[self.bot_user_id]["roles"]}
        return any(
            int(o["id"]) in mine and int(o["allow"]) & MANAGE_ROLES
            for o in channel.get("permission_overwrites", [])
        )

    @staticmethod
    def _overwrite_fields(
        body: dict[str, Any], prefix: str, errors: _FormErrors
    ) -> dict[str, Any] | None:
        """An overwrite's `type`, `allow` and `deny` as Discord validates them (a missing
        allow or deny is 0); None after an error."""
        ok = True
        otype = body.get("type")
        if isinstance(otype, bool) or otype not in (0, 1):
            errors.add(f"{prefix}type", "BASE_TYPE_CHOICES", "Value must be one of (0, 1).")
            ok = False
        bits: dict[str, str] = {}
        for key in ("allow", "deny"):
            value = body.get(key)
            if value is None:
                bits[key] = "0"
            elif isinstance(value, bool) or not str(value).isdigit():
                errors.add(f"{prefix}{key}", "NUMBER_TYPE_COERCE", "Value is not a valid number.")
                ok = False
            else:
                bits[key] = str(int(str(value)))
        if not ok:
            return None
        return {"type": otype, "allow": bits["allow"], "deny": bits["deny"]}

    def _overwrite_target_exists(self, target: int, otype: int) -> None:
        if otype == 0 and target not in self._roles:
            raise _ApiError(404, 10011, "Unknown Role")
        if otype == 1 and target not in self._members:
            raise _ApiError(404, 10007, "Unknown Member")

    def _overwrite(self, req: _Request) -> tuple[int, Any]:
        """Edit or delete one overwrite. Both need MANAGE_ROLES in the channel ("Manage
        Permissions"); deleting one that is not there is 404 Unknown Overwrite."""
        cid = int(req.params["cid"])
        channel = self._channel_or_404(cid)
        if channel["type"] in (1, 3, 10, 11, 12):
            raise _ApiError(400, 50024, "Cannot execute action on this channel type")
        self._bot_needs(cid, MANAGE_ROLES)
        oid = int(req.params["oid"])
        overwrites: list[dict[str, Any]] = channel["permission_overwrites"]
        existing = any(o["id"] == str(oid) for o in overwrites)
        if req.method == "PUT":
            body = req.json if isinstance(req.json, dict) else {}
            errors = _FormErrors()
            fields = self._overwrite_fields(body, "", errors)
            errors.raise_if_any()
            assert fields is not None
            self._overwrite_target_exists(oid, fields["type"])
            bits = int(fields["allow"]) | int(fields["deny"])
            if not self._bot_manages_overwrites_in(channel) and bits & ~self.base_permissions(
                self.bot_user_id
            ):
                raise _ApiError(403, 50013, "Missing Permissions")
            if not existing and len(overwrites) >= MAX_CHANNEL_OVERWRITES:
                raise _ApiError(
                    400, 30060, "Maximum number of channel permission overwrites reached (1000)"
                )
            entry = {"id": str(oid), **fields}
            channel["permission_overwrites"] = [o for o in overwrites if o["id"] != str(oid)] + [
                entry
            ]
        else:
            if not existing:
                raise _ApiError(404, 10009, "Unknown Overwrite")
            channel["permission_overwrites"] = [o for o in overwrites if o["id"] != str(oid)]
        self._emit(
            "CHANNEL_UPDATE",
            self._guild_channel_payload(cid),
            guild_id=self.guild_id,
            intent=GUILDS,
        )
        return 204, None

    def _create_guild_channel(self, req: _Request) -> tuple[int, Any]:
        """Create Guild Channel (text and announcement channels; the fake has no voice,
        categories or forums). Needs MANAGE_CHANNELS. Overwrites in the body may only allow
        or deny bits the bot has in the guild, and only an administrator may put
        MANAGE_ROLES in one (50013 otherwise). Fires CHANNEL_CREATE."""
        if int(req.params["gid"]) != self.guild_id:
            raise _ApiError(404, 10004, "Unknown Guild")
        base = self.base_permissions(self.bot_user_id)
        admin = bool(base & ADMINISTRATOR)
        if not base & MANAGE_CHANNELS:
            raise _ApiError(403, 50013, "Missing Permissions")
        body = req.json if isinstance(req.json, dict) else {}
        errors = _FormErrors()
        name = body.get("name")
        if name is None:
            errors.add("name", "BASE_TYPE_REQUIRED", "This field is required")
        elif not isinstance(name, str) or not 1 <= len(name) <= 100:
            errors.add("name", "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length.")
        ctype = body.get("type")
        ctype = 0 if ctype is None else ctype
        if isinstance(ctype, bool) or ctype not in GUILD_CHANNEL_TYPES:
            errors.add("type", "BASE_TYPE_CHOICES", f"Value must be one of {GUILD_CHANNEL_TYPES}.")
        topic = body.get("topic")
        if topic is not None and not isinstance(topic, str):
            errors.add("topic", "STRING_TYPE_CONVERT", "Could not interpret as string.")
        elif topic is not None and len(topic) > CHANNEL_TOPIC_MAX:
            errors.add(
                "topic", "BASE_TYPE_MAX_LENGTH", f"Must be {CHANNEL_TOPIC_MAX} or fewer in length."
            )
        raw = body.get("permission_overwrites")
        raw = [] if raw is None else raw
        if not isinstance(raw, list):
            errors.add(
                "permission_overwrites",
                "LIST_TYPE_CONVERT",
                "Only iterables may be used in a ListType.",
            )
            raw = []
        overwrites: dict[int, dict[str, Any]] = {}
        for i, item in enumerate(raw):
            prefix = f"permission_overwrites.{i}."
            if not isinstance(item, dict):
                errors.add(
                    prefix.rstrip("."),
                    "DICT_TYPE_CONVERT",
                    "Only dictionaries may be used in a DictType.",
                )
                continue
            target = item.get("id")
            if isinstance(target, bool) or not str(target or "").isdigit():
                errors.add(
                    f"{prefix}id", "NUMBER_TYPE_COERCE", f'Value "{target}" is not snowflake.'
                )
                continue
            fields = self._overwrite_fields(item, prefix, errors)
            if fields is not None:
                overwrites[int(str(target))] = {"id": str(int(str(target))), **fields}
        errors.raise_if_any()
        if ctype not in (0, 5) or body.get("parent_id") is not None:
            raise NotImplementedError("FakeDiscord creates only text channels, outside categories")
        for target, entry in overwrites.items():
            self._overwrite_target_exists(target, entry["type"])
            bits = int(entry["allow"]) | int(entry["deny"])
            if not admin and (bits & ~base or bits & MANAGE_ROLES):
                raise _ApiError(403, 50013, "Missing Permissions")
        if len(overwrites) > MAX_CHANNEL_OVERWRITES:
            raise _ApiError(
                400, 30060, "Maximum number of channel permission overwrites reached (1000)"
            )
        ordinary = [c for c in self._channels.values() if c["type"] not in (1, 3, 10, 11, 12)]
        if len(ordinary) >= MAX_GUILD_CHANNELS:
            raise _ApiError(400, 30013, "Maximum number of guild channels reached (500)")
        channel_id = self._snowflake()
        self._add_guild_channel(
            channel_id, name, position=sum(1 for c in ordinary if c["type"] == ctype)
        )
        channel = self._channels[channel_id]
        channel.update(
            {
                "type": ctype,
                "topic": topic,
                "nsfw": bool(body.get("nsfw") or False),
                "rate_limit_per_user": int(body.get("rate_limit_per_user") or 0),
                "permission_overwrites": list(overwrites.values()),
            }
        )
        self._emit(
            "CHANNEL_CREATE",
            self._guild_channel_payload(channel_id),
            guild_id=self.guild_id,
            intent=GUILDS,
        )
        return 201, self._guild_channel_payload(channel_id)

    # ------------------------------------------------------------------ scheduled events

    def _scheduled_event_payload(
        self, event: dict[str, Any], *, with_user_count: bool = False
    ) -> dict[str, Any]:
        payload = copy.deepcopy(event)
        creator_id = int(payload["creator_id"])
        if creator_id in self._users:
            payload["creator"] = self._user_payload(creator_id)
        if with_user_count:
            payload["user_count"] = 0  # nobody marks "Interested" in the fake
        return payload

    def _check_event_permission(self, event: dict[str, Any] | None) -> None:
        """Creating needs CREATE_EVENTS or MANAGE_EVENTS; changing or deleting needs
        MANAGE_EVENTS, or CREATE_EVENTS for an event the bot created itself."""
        perms = self.base_permissions(self.bot_user_id)
        if perms & MANAGE_EVENTS:
            return
        if perms & CREATE_EVENTS and (
            event is None or int(event["creator_id"]) == self.bot_user_id
        ):
            return
        raise _ApiError(403, 50013, "Missing Permissions")

    @staticmethod
    def _parse_event_time(value: Any, path: str, errors: _FormErrors) -> datetime | None:
        if isinstance(value, str):
            with contextlib.suppress(ValueError):
                moment = datetime.fromisoformat(value)
                return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
        errors.add(path, "DATE_TIME_TYPE_PARSE", f"Could not parse {value}. Should be ISO8601.")
        return None

    def _validate_event_fields(
        self, body: dict[str, Any], current: dict[str, Any] | None
    ) -> dict[str, Any]:
        """Check a create (current None) or edit body; returns the fields to store."""
        errors = _FormErrors()
        out: dict[str, Any] = {}
        creating = current is None
        base: dict[str, Any] = current or {}

        def required(key: str) -> bool:
            if body.get(key) is None:
                if creating:
                    errors.add(key, "BASE_TYPE_REQUIRED", "This field is required")
                return False
            return True

        if "name" in body or creating:
            name = body.get("name")
            if not isinstance(name, str) or not 1 <= len(name) <= 100:
                errors.add("name", "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length.")
            else:
                out["name"] = name
        if "description" in body:
            description = body["description"]
            if description is not None and not isinstance(description, str):
                errors.add("description", "STRING_TYPE_CONVERT", "Could not interpret as string.")
            elif description is not None and len(description) > 1000:
                errors.add(
                    "description", "BASE_TYPE_MAX_LENGTH", "Must be 1000 or fewer in length."
                )
            else:
                out["description"] = description or None
        if "privacy_level" in body or creating:
            if body.get("privacy_level") != EVENT_GUILD_ONLY:
                errors.add("privacy_level", "BASE_TYPE_CHOICES", "Value must be one of (2,).")
            else:
                out["privacy_level"] = EVENT_GUILD_ONLY
        entity_type = body.get("entity_type", None if creating else base["entity_type"])
        if entity_type not in (EVENT_STAGE_INSTANCE, EVENT_VOICE, EVENT_EXTERNAL):
            errors.add("entity_type", "BASE_TYPE_CHOICES", "Value must be one of (1, 2, 3).")
        else:
            out["entity_type"] = entity_type

        start = end = None
        if required("scheduled_start_time") or "scheduled_start_time" in body:
            start = self._parse_event_time(
                body.get("scheduled_start_time"), "scheduled_start_time", errors
            )
        if "scheduled_end_time" in body and body["scheduled_end_time"] is not None:
            end = self._parse_event_time(body["scheduled_end_time"], "scheduled_end_time", errors)

        if entity_type == EVENT_EXTERNAL:
            if body.get("channel_id") is not None:
                errors.add(
                    "channel_id",
                    "GUILD_SCHEDULED_EVENT_CHANNEL_FORBIDDEN",
                    "An external event cannot have a channel.",
                )
            meta_given = "entity_metadata" in body
            meta = body.get("entity_metadata")
            location = meta.get("location") if isinstance(meta, dict) else None
            if meta_given or creating or entity_type != base["entity_type"]:
                if not isinstance(location, str) or not 1 <= len(location) <= 100:
                    errors.add(
                        "entity_metadata.location",
                        "BASE_TYPE_BAD_LENGTH",
                        "Must be between 1 and 100 in length.",
                    )
                else:
                    out["entity_metadata"] = {"location": location}
                    out["channel_id"] = None
            if end is None and (
                creating or "scheduled_end_time" in body or base.get("scheduled_end_time") is None
            ):
                errors.add("scheduled_end_time", "BASE_TYPE_REQUIRED", "This field is required")
        elif entity_type in (EVENT_STAGE_INSTANCE, EVENT_VOICE):
            raw = body.get("channel_id", None if creating else base["channel_id"])
            channel = self._channels.get(int(str(raw))) if str(raw or "").isdigit() else None
            wanted = 13 if entity_type == EVENT_STAGE_INSTANCE else 2
            if channel is None or channel["type"] != wanted:
                errors.add("channel_id", "CHANNEL_TYPE_INVALID", "Invalid channel type.")
            else:
                out["channel_id"] = str(raw)
                out["entity_metadata"] = None
        errors.raise_if_any()

        if start is not None:
            changed = creating or start != datetime.fromisoformat(base["scheduled_start_time"])
            scheduled = creating or base["status"] == EVENT_SCHEDULED
            if (
                changed
                and scheduled
                and start.timestamp() < time.time() - self.event_past_tolerance
            ):
                errors.add(
                    "scheduled_start_time",
                    "GUILD_SCHEDULED_EVENT_SCHEDULE_PAST",
                    "Cannot schedule event in the past.",
                )
            out["scheduled_start_time"] = start.astimezone(UTC).isoformat()
        if end is not None:
            out["scheduled_end_time"] = end.astimezone(UTC).isoformat()
        effective_start = start or (
            None if creating else datetime.fromisoformat(base["scheduled_start_time"])
        )
        effective_end = end
        if end is None and not creating and base.get("scheduled_end_time"):
            effective_end = datetime.fromisoformat(base["scheduled_end_time"])
        if effective_start and effective_end and effective_end <= effective_start:
            errors.add(
                "scheduled_end_time",
                "GUILD_SCHEDULED_EVENT_END_BEFORE_START",
                "Cannot schedule event to end before starting.",
            )
        errors.raise_if_any()
        return out

    def _scheduled_events_route(self, req: _Request) -> tuple[int, Any]:
        if int(req.params["gid"]) != self.guild_id:
            raise _ApiError(404, 10004, "Unknown Guild")
        if req.method == "GET":
            counts = _truthy(req.query.get("with_user_count"))
            return 200, [
                self._scheduled_event_payload(e, with_user_count=counts)
                for e in self._scheduled_events.values()
            ]
        self._check_event_permission(None)
        body = req.json if isinstance(req.json, dict) else {}
        fields = self._validate_event_fields(body, None)
        event_id = self._snowflake()
        event: dict[str, Any] = {
            "id": str(event_id),
            "guild_id": str(self.guild_id),
            "channel_id": None,
            "creator_id": str(self.bot_user_id),
            "name": "",
            "description": None,
            "scheduled_start_time": "",
            "scheduled_end_time": None,
            "privacy_level": EVENT_GUILD_ONLY,
            "status": EVENT_SCHEDULED,
            "entity_type": EVENT_EXTERNAL,
            "entity_id": None,
            "entity_metadata": None,
            "image": None,
            "recurrence_rule": None,
            "sku_ids": [],
        }
        event.update(fields)
        self._scheduled_events[event_id] = event
        self._emit(
            "GUILD_SCHEDULED_EVENT_CREATE",
            self._scheduled_event_payload(event),
            guild_id=self.guild_id,
            intent=GUILD_SCHEDULED_EVENTS,
        )
        return 200, self._scheduled_event_payload(event)

    def _scheduled_event_route(self, req: _Request) -> tuple[int, Any]:
        if int(req.params["gid"]) != self.guild_id:
            raise _ApiError(404, 10004, "Unknown Guild")
        event = self._scheduled_events.get(int(req.params["eid"]))
        if event is None:
            raise _ApiError(404, 10070, "Unknown Guild Scheduled Event")
        if req.method == "GET":
            counts = _truthy(req.query.get("with_user_count"))
            return 200, self._scheduled_event_payload(event, with_user_count=counts)
        self._check_event_permission(event)
        if req.method == "DELETE":
            del self._scheduled_events[int(event["id"])]
            self._emit(
                "GUILD_SCHEDULED_EVENT_DELETE",
                self._scheduled_event_payload(event),
                guild_id=self.guild_id,
                intent=GUILD_SCHEDULED_EVENTS,
            )
            return 204, None
        if event["status"] in (EVENT_COMPLETED, EVENT_CANCELED):
            raise _ApiError(400, 180000, "Cannot update a finished event")
        body = req.json if isinstance(req.json, dict) else {}
        fields = self._validate_event_fields(body, event)
        if "status" in body:
            status = body["status"]
            if status != event["status"] and status not in _EVENT_TRANSITIONS[event["status"]]:
                errors = _FormErrors()
                errors.add(
                    "status",
                    "GUILD_SCHEDULED_EVENT_INVALID_STATUS_TRANSITION",
                    "Invalid Guild Scheduled Event Status Transition",
                )
                errors.raise_if_any()
            fields["status"] = status
        event.update(fields)
        self._emit(
            "GUILD_SCHEDULED_EVENT_UPDATE",
            self._scheduled_event_payload(event),
            guild_id=self.guild_id,
            intent=GUILD_SCHEDULED_EVENTS,
        )
        return 200, self._scheduled_event_payload(event)

    # ------------------------------------------------------------------ interaction responses

    def _expired(self, record: _Interaction) -> bool:
        return time.time() - record.created > INTERACTION_TOKEN_TTL

    def _callback(self, req: _Request) -> tuple[int, Any]:
        record = self._interactions.get(req.params["token"])
        if record is not None and record.id == int(req.params["iid"]):
            req.interaction = record
        else:
            raise _ApiError(404, 10062, "Unknown interaction")
        if record.dead or self._expired(record):
            raise _ApiError(404, 10062, "Unknown interaction")
        if record.response_type is not None:
            raise _ApiError(400, 40060, "Interaction has already been acknowledged.")
        if (
            self.callback_deadline is not None
            and record.sent_at is not None
            and time.monotonic() - record.sent_at > self.callback_deadline
        ):
            record.dead = True
            raise _ApiError(404, 10062, "Unknown interaction")
        body = req.json if isinstance(req.json, dict) else {}
        rtype = body.get("type")
        data = body.get("data") or {}
        allowed = {2: {4, 5, 9}, 3: {4, 5, 6, 7, 9}, 4: {8}, 5: {4, 5}}[record.type]
        if record.type == 5 and record.message_id is not None:
            allowed = {4, 5, 6, 7}
        if rtype not in allowed:
            errors = _FormErrors()
            errors.add(
                "type",
                "INTERACTION_RESPONSE_TYPE_INVALID",
                f"Interaction response type {rtype} is not valid"
                f" for interaction type {record.type}",
            )
            errors.raise_if_any()
        resource: dict[str, Any] = {"type": rtype}
        message: dict[str, Any] | None = None
        if rtype == 4:
            body_data = self._validate_message(data, req.files)
            message = self._new_message(record.channel_id, body_data, req.files, interaction=record)
            record.original_id = int(message["id"])
        elif rtype == 5:
            message = self._new_message(
                record.channel_id,
                {"content": "", "flags": int(data.get("flags") or 0) & EPHEMERAL},
                [],
                interaction=record,
                loading=True,
            )
            record.original_id = int(message["id"])
        elif rtype == 6:
            record.original_id = record.message_id
        elif rtype == 7:
            assert record.message_id is not None
            target = self._message_index.get(record.message_id)
            if target is None:
                raise _ApiError(404, 10008, "Unknown Message")
            message = self._edit_message(target, data, req.files)
            record.original_id = record.message_id
        elif rtype == 8:
            self._validate_choices(data)
        elif rtype == 9:
            self._validate_modal(data)
            self._open_modals[(record.user_id, data["custom_id"])] = (copy.deepcopy(data), record)
        record.response_type = rtype
        if message is not None:
            resource["message"] = copy.deepcopy(message)
        if not _truthy(req.query.get("with_response")):
            return 204, None
        info: dict[str, Any] = {"id": str(record.id), "type": record.type}
        if message is not None:
            info["response_message_id"] = message["id"]
            info["response_message_loading"] = rtype == 5
            info["response_message_ephemeral"] = bool(message["flags"] & EPHEMERAL)
        return 200, {"interaction": info, "resource": resource}

    @staticmethod
    def _validate_choices(data: Any) -> None:
        errors = _FormErrors()
        choices = data.get("choices") if isinstance(data, dict) else None
        if not isinstance(choices, list):
            errors.add("data.choices", "BASE_TYPE_REQUIRED", "This field is required")
        elif len(choices) > 25:
            errors.add("data.choices", "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.")
        else:
            for i, choice in enumerate(choices):
                name = choice.get("name") if isinstance(choice, dict) else None
                if not isinstance(name, str) or not 1 <= len(name) <= 100:
                    errors.add(
                        f"data.choices.{i}.name",
                        "BASE_TYPE_BAD_LENGTH",
                        "Must be between 1 and 100 in length.",
                    )
                if not isinstance(choice, dict) or "value" not in choice:
                    errors.add(
                        f"data.choices.{i}.value", "BASE_TYPE_REQUIRED", "This field is required"
                    )
        errors.raise_if_any()

    @staticmethod
    def _modal_inputs(modal: dict[str, Any]) -> list[dict[str, Any]]:
        return [
            c
            for c in _walk_components(modal.get("components") or [])
            if c.get("type") in (3, 4, 5, 6, 7, 8, 19, 21, 22, 23) and c.get("custom_id")
        ]

    def _validate_modal(self, data: Any) -> None:
        errors = _FormErrors()
        if not isinstance(data, dict):
            errors.add("data", "DICT_TYPE_CONVERT", "Only dictionaries may be used in a DictType")
            errors.raise_if_any()
        custom_id = data.get("custom_id")
        if not isinstance(custom_id, str) or not 1 <= len(custom_id) <= 100:
            errors.add(
                "data.custom_id", "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length."
            )
        title = data.get("title")
        if not isinstance(title, str) or not 1 <= len(title) <= 45:
            errors.add("data.title", "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 45 in length.")
        components = data.get("components")
        if not isinstance(components, list) or not 1 <= len(components) <= 5:
            errors.add(
                "data.components", "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 5 in length."
            )
            errors.raise_if_any()
        assert isinstance(components, list)
        for i, top in enumerate(components):
            here = f"data.components.{i}"
            ttype = top.get("type") if isinstance(top, dict) else None
            if ttype == 1:
                inner = top.get("components") or []
                if len(inner) != 1 or inner[0].get("type") != 4:
                    errors.add(here, "MODAL_ROW_INVALID", "Modal action rows hold one text input")
                    continue
                child, label_limit = inner[0], True
            elif ttype == 18:
                label = top.get("label")
                if not isinstance(label, str) or not 1 <= len(label) <= 45:
                    errors.add(
                        f"{here}.label",
                        "BASE_TYPE_BAD_LENGTH",
                        "Must be between 1 and 45 in length.",
                    )
                child, label_limit = top.get("component") or {}, False
            elif ttype == 10:
                continue
            else:
                errors.add(
                    f"{here}.type",
                    "COMPONENT_TYPE_INVALID",
                    f"Component type {ttype} is not allowed in a modal",
                )
                continue
            if child.get("type") == 4:
                if label_limit:
                    label = child.get("label")
                    if not isinstance(label, str) or not 1 <= len(label) <= 45:
                        errors.add(
                            f"{here}.components.0.label",
                            "BASE_TYPE_BAD_LENGTH",
                            "Must be between 1 and 45 in length.",
                        )
                if child.get("style") not in (1, 2):
                    errors.add(f"{here}.style", "BASE_TYPE_CHOICES", "Value must be one of (1, 2).")
                for key in ("min_length", "max_length"):
                    value = child.get(key)
                    if value is not None and not 0 <= int(value) <= 4000:
                        errors.add(
                            f"{here}.{key}",
                            "NUMBER_TYPE_MAX",
                            "int value should be <= 4000 and >= 0.",
                        )
                value = child.get("value")
                if value is not None and len(value) > 4000:
                    errors.add(
                        f"{here}.value", "BASE_TYPE_MAX_LENGTH", "Must be 4000 or fewer in length."
                    )
            if not child.get("custom_id"):
                errors.add(f"{here}.custom_id", "BASE_TYPE_REQUIRED", "This field is required")
        errors.raise_if_any()

    def _webhook_interaction(self, req: _Request) -> _Interaction:
        record = self._interactions.get(req.params["token"])
        if record is not None:
            req.interaction = record
        if (
            record is None
            or int(req.params["app"]) != self.app_id
            or record.dead
            or self._expired(record)
            or record.response_type is None
        ):
            raise _ApiError(404, 10015, "Unknown Webhook")
        return record

    def _followup(self, req: _Request) -> tuple[int, Any]:
        record = self._webhook_interaction(req)
        body = self._validate_message(req.json, req.files)
        original = (
            self._message_index.get(record.original_id) if record.original_id is not None else None
        )
        if record.response_type == 5 and original is not None and original["flags"] & LOADING:
            # Discord: the first followup after a "thinking" defer replaces the loading
            # message (it keeps the defer's ephemerality).
            edit = {k: v for k, v in body.items() if k != "flags"}
            message = self._edit_message(original, edit, req.files)
            message["edited_timestamp"] = None
        else:
            message = self._new_message(record.channel_id, body, req.files, interaction=record)
        if not _truthy(req.query.get("wait")):
            return 204, None
        return 200, copy.deepcopy(message)

    def _webhook_message(self, req: _Request) -> tuple[int, Any]:
        record = self._webhook_interaction(req)
        raw = req.params["mid"]
        if raw == "@original":
            message_id = record.original_id
        else:
            message_id = int(raw)
            if message_id not in record.message_ids and message_id != record.original_id:
                message_id = None
        message = self._message_index.get(message_id) if message_id is not None else None
        if message is None:
            raise _ApiError(404, 10008, "Unknown Message")
        if req.method == "GET":
            return 200, copy.deepcopy(message)
        if req.method == "DELETE":
            self._delete_message(message)
            return 204, None
        return 200, copy.deepcopy(self._edit_message(message, req.json, req.files))

    # ------------------------------------------------------------------ interactions (user side)

    def _new_interaction(
        self,
        itype: int,
        user_id: int,
        data: dict[str, Any],
        *,
        channel_id: int | None,
        in_dm: bool,
        age: float,
        name: str | None = None,
        message: dict[str, Any] | None = None,
        origin: _Interaction | None = None,
    ) -> _Interaction:
        if user_id not in self._users:
            raise AssertionError(f"unknown user {user_id}: add_member() first")
        interaction_id = self._snowflake(age)
        token = "aW50ZXJhY3Rpb246" + secrets.token_urlsafe(96)
        payload: dict[str, Any] = {
            "id": str(interaction_id),
            "application_id": str(self.app_id),
            "type": itype,
            "data": data,
            "token": token,
            "version": 1,
            "locale": "en-US",
            "entitlements": [],
            "entitlement_sku_ids": [],
            "attachment_size_limit": ATTACHMENT_SIZE_LIMIT,
        }
        guild_id: int | None
        if in_dm:
            channel_id = self._ensure_dm(user_id)
            guild_id = None
            payload.update(
                {
                    "channel_id": str(channel_id),
                    "channel": self._dm_channel_payload(channel_id),
                    "user": self._user_payload(user_id),
                    "context": 1,
                    # guild install used from the bot's DM: the owner id is "0"
                    "authorizing_integration_owners": {"0": "0"},
                    "app_permissions": str(DM_APP_PERMISSIONS),
                }
            )
        else:
            if user_id not in self._members:
                raise AssertionError(f"user {user_id} is not a member of the guild")
            channel_id = channel_id or GENERAL_CHANNEL_ID
            channel = self._channels.get(channel_id)
            if channel is None or channel["type"] == 1:
                raise AssertionError(f"{channel_id} is not a guild channel")
            guild_id = self.guild_id
            channel_payload = self._guild_channel_payload(channel_id)
            channel_payload.pop("permission_overwrites", None)
            channel_payload["permissions"] = str(self.channel_permissions(user_id, channel_id))
            payload.update(
                {
                    "guild_id": str(self.guild_id),
                    "guild": {"id": str(self.guild_id), "locale": "en-US", "features": []},
                    "guild_locale": "en-US",
                    "channel_id": str(channel_id),
                    "channel": channel_payload,
                    "member": self._member_payload(user_id, channel_id=channel_id),
                    "context": 0,
                    "authorizing_integration_owners": {"0": str(self.guild_id)},
                    "app_permissions": str(self.channel_permissions(self.bot_user_id, channel_id)),
                }
            )
        if message is not None:
            payload["message"] = copy.deepcopy(message)
        record = _Interaction(
            id=interaction_id,
            token=token,
            type=itype,
            user_id=user_id,
            guild_id=guild_id,
            channel_id=channel_id,
            payload=payload,
            name=name,
            message_id=int(message["id"]) if message is not None else None,
            origin=origin,
        )
        self._interactions[token] = record
        return record

    async def _deliver(self, record: _Interaction, timeout: float = 10) -> InteractionHandle:
        def on_sent() -> None:
            if record.sent_at is None:
                record.sent_at = time.monotonic()
                record.sent.set()
                self._notify()

        if not self._emit(
            "INTERACTION_CREATE",
            record.payload,
            guild_id=record.guild_id,
            intent=None,
            on_sent=on_sent,
        ):
            raise AssertionError("no gateway session to deliver the interaction to")
        await self._wait_for(
            lambda: True if record.sent_at is not None else None,
            timeout,
            "INTERACTION_CREATE to be sent",
        )
        return InteractionHandle(self, record)

    def _resolve_value(
        self,
        definition: dict[str, Any],
        value: object,
        resolved: dict[str, dict[str, Any]],
        *,
        in_dm: bool,
        channel_id: int | None,
    ) -> dict[str, Any]:
        otype = definition["type"]
        name = definition["name"]
        option: dict[str, Any] = {"type": otype, "name": name}
        choices = definition.get("choices")

        def check_choice(v: object) -> None:
            if choices and v not in [c["value"] for c in choices]:
                raise AssertionError(f"option {name}: {v!r} is not one of the choices")

        if otype == 3:
            if not isinstance(value, str):
                raise AssertionError(f"option {name} is a STRING, got {value!r}")
            if len(value) < int(definition.get("min_length") or 0) or len(value) > int(
                definition.get("max_length") or 6000
            ):
                raise AssertionError(f"option {name}: length out of bounds")
            check_choice(value)
            option["value"] = value
        elif otype in (4, 10):
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise AssertionError(f"option {name} is numeric, got {value!r}")
            if otype == 4 and not isinstance(value, int):
                raise AssertionError(f"option {name} is an INTEGER, got {value!r}")
            low, high = definition.get("min_value"), definition.get("max_value")
            if (low is not None and value < low) or (high is not None and value > high):
                raise AssertionError(f"option {name}: {value} outside [{low}, {high}]")
            check_choice(value)
            option["value"] = value
        elif otype == 5:
            if not isinstance(value, bool):
                raise AssertionError(f"option {name} is a BOOLEAN, got {value!r}")
            option["value"] = value
        elif otype in (6, 9) and isinstance(value, int) and value in self._users:
            resolved.setdefault("users", {})[str(value)] = self._user_payload(value)
            if not in_dm and value in self._members:
                resolved.setdefault("members", {})[str(value)] = self._member_payload(
                    value, with_user=False, channel_id=channel_id
                )
            option["value"] = str(value)
        elif otype in (8, 9) and isinstance(value, int) and value in self._roles and not in_dm:
            resolved.setdefault("roles", {})[str(value)] = copy.deepcopy(self._roles[value])
            option["value"] = str(value)
        elif otype == 7 and isinstance(value, int) and value in self._channels and not in_dm:
            channel = self._channels[value]
            types = definition.get("channel_types")
            if types and channel["type"] not in types:
                raise AssertionError(f"option {name}: channel type {channel['type']} not allowed")
            entry: dict[str, Any] = {
                "id": str(value),
                "type": channel["type"],
                "name": channel.get("name"),
                "guild_id": str(self.guild_id),
                "parent_id": channel.get("parent_id"),
                "flags": channel.get("flags", 0),
                "last_message_id": channel.get("last_message_id"),
                "rate_limit_per_user": channel.get("rate_limit_per_user", 0),
                "topic": channel.get("topic"),
                "position": channel.get("position", 0),
                "nsfw": channel.get("nsfw", False),
                "permissions": "0",
            }
            if "thread_metadata" in channel:
                entry["thread_metadata"] = copy.deepcopy(channel["thread_metadata"])
            resolved.setdefault("channels", {})[str(value)] = entry
            option["value"] = str(value)
        elif otype == 11 and isinstance(value, tuple) and len(value) == 2:
            filename, content = value
            att_id = self._snowflake()
            self._attachments[att_id] = bytes(content)
            url = f"{self.base_url}/attachments/{att_id}/{filename}"
            resolved.setdefault("attachments", {})[str(att_id)] = {
                "id": str(att_id),
                "filename": filename,
                "size": len(content),
                "url": url,
                "proxy_url": url,
                "content_type": "application/octet-stream",
                "ephemeral": True,
            }
            option["value"] = str(att_id)
        else:
            raise AssertionError(f"option {name} (type {otype}) cannot take {value!r}")
        return option

    def _build_command_data(
        self,
        user_id: int,
        group: str,
        sub: str | None,
        options: dict[str, object] | None,
        *,
        in_dm: bool,
        channel_id: int | None,
        focused: str | None = None,
    ) -> tuple[dict[str, Any], str]:
        del user_id
        command = self._find_command(group, in_dm=in_dm)
        definitions: list[dict[str, Any]] = command.get("options") or []
        layers: list[tuple[int, str]] = []
        for part in (sub or "").split():
            found = next(
                (d for d in definitions if d["name"] == part and d["type"] in (1, 2)), None
            )
            if found is None:
                raise AssertionError(f"/{group} has no sub-command {part!r}")
            layers.append((found["type"], part))
            definitions = found.get("options") or []
        if layers and layers[-1][0] != 1:
            raise AssertionError(f"/{group} {sub}: a group is not invokable")
        if any(d["type"] in (1, 2) for d in definitions):
            raise AssertionError(f"/{group} {sub or ''} needs a sub-command")
        by_name = {d["name"]: d for d in definitions}
        resolved: dict[str, dict[str, Any]] = {}
        leaf: list[dict[str, Any]] = []
        for key, value in (options or {}).items():
            definition = by_name.get(key)
            if definition is None:
                raise AssertionError(f"/{group} {sub or ''} has no option {key!r}")
            if focused == key:
                if not definition.get("autocomplete"):
                    raise AssertionError(f"option {key} has no autocomplete")
                leaf.append(
                    {"type": definition["type"], "name": key, "value": str(value), "focused": True}
                )
            elif focused is not None:
                leaf.append(
                    {
                        "type": definition["type"],
                        "name": key,
                        "value": str(value) if definition["type"] in (6, 7, 8, 9) else value,
                    }
                )
            else:
                leaf.append(
                    self._resolve_value(
                        definition, value, resolved, in_dm=in_dm, channel_id=channel_id
                    )
                )
        if focused is None:
            missing = [
                d["name"]
                for d in definitions
                if d.get("required") and d["name"] not in (options or {})
            ]
            if missing:
                raise AssertionError(f"/{group} {sub or ''}: required options missing: {missing}")
        elif focused not in (options or {}):
            raise AssertionError(f"focused option {focused!r} needs a value in options")
        nested = leaf
        for ltype, lname in reversed(layers):
            nested = [{"type": ltype, "name": lname, "options": nested}]
        data: dict[str, Any] = {"id": command["id"], "name": group, "type": 1}
        if nested:
            data["options"] = nested
        if resolved:
            data["resolved"] = resolved
        if command.get("guild_id"):
            data["guild_id"] = command["guild_id"]
        full_name = " ".join([group, *[n for _, n in layers]])
        return data, full_name

    async def slash(
        self,
        user_id: int,
        group: str,
        sub: str | None = None,
        options: dict[str, object] | None = None,
        *,
        channel_id: int | None = None,
        age: float = 0.0,
        in_dm: bool = False,
    ) -> InteractionHandle:
        """A member runs /group [sub] with options.

        Option values: str/int/float/bool, or user/channel/role ids for those types,
        or (filename, bytes) for an attachment.
        """
        target = None if in_dm else (channel_id or GENERAL_CHANNEL_ID)
        data, full_name = self._build_command_data(
            user_id, group, sub, options, in_dm=in_dm, channel_id=target
        )
        record = self._new_interaction(
            2, user_id, data, channel_id=channel_id, in_dm=in_dm, age=age, name=full_name
        )
        return await self._deliver(record)

    async def autocomplete(
        self,
        user_id: int,
        group: str,
        sub: str | None,
        options: dict[str, object] | None,
        focused: str,
        *,
        channel_id: int | None = None,
        in_dm: bool = False,
    ) -> InteractionHandle:
        data, full_name = self._build_command_data(
            user_id, group, sub, options, in_dm=in_dm, channel_id=channel_id, focused=focused
        )
        record = self._new_interaction(
            4, user_id, data, channel_id=channel_id, in_dm=in_dm, age=0.0, name=full_name
        )
        return await self._deliver(record)

    def _component_interaction_target(
        self, user_id: int, message: dict[str, Any], custom_id: str
    ) -> tuple[dict[str, Any], dict[str, Any], bool]:
        stored = self._message_index.get(int(message["id"]))
        if stored is None:
            raise AssertionError(f"message {message['id']} is unknown (or deleted)")
        component = next(
            (c for c in _walk_components(stored["components"]) if c.get("custom_id") == custom_id),
            None,
        )
        if component is None:
            raise AssertionError(f"message {message['id']} has no component {custom_id!r}")
        if component.get("disabled"):
            raise AssertionError(f"component {custom_id!r} is disabled")
        in_dm = "guild_id" not in stored
        if in_dm and self._dms.get(user_id) != int(stored["channel_id"]):
            raise AssertionError(f"message {message['id']} is not in {user_id}'s DMs")
        return stored, component, in_dm

    async def press(
        self, user_id: int, message: dict[str, Any], custom_id: str, *, age: float = 0.0
    ) -> InteractionHandle:
        """A user clicks a button on a message the bot sent (guild or DM)."""
        stored, component, in_dm = self._component_interaction_target(user_id, message, custom_id)
        if component.get("type") != 2:
            raise AssertionError(f"{custom_id!r} is not a button")
        data = {"custom_id": custom_id, "component_type": 2, "id": component.get("id")}
        record = self._new_interaction(
            3,
            user_id,
            data,
            channel_id=None if in_dm else int(stored["channel_id"]),
            in_dm=in_dm,
            age=age,
            message=stored,
        )
        return await self._deliver(record)

    async def select(
        self, user_id: int, message: dict[str, Any], custom_id: str, values: list[str]
    ) -> InteractionHandle:
        """A user picks values in a string select on a message the bot sent."""
        stored, component, in_dm = self._component_interaction_target(user_id, message, custom_id)
        if component.get("type") != 3:
            raise AssertionError(f"{custom_id!r} is not a string select")
        options = [o["value"] for o in component.get("options") or []]
        if any(v not in options for v in values):
            raise AssertionError(f"{values} not all in {options}")
        data = {
            "custom_id": custom_id,
            "component_type": 3,
            "values": values,
            "id": component.get("id"),
        }
        record = self._new_interaction(
            3,
            user_id,
            data,
            channel_id=None if in_dm else int(stored["channel_id"]),
            in_dm=in_dm,
            age=0.0,
            message=stored,
        )
        return await self._deliver(record)

    def open_modal(self, user_id: int, custom_id: str) -> dict[str, Any] | None:
        """The modal the bot last opened for this user with this custom_id."""
        found = self._open_modals.get((user_id, custom_id))
        return copy.deepcopy(found[0]) if found is not None else None

    async def submit_modal(
        self,
        user_id: int,
        custom_id: str,
        values: dict[str, str] | dict[str, str | list[str]],
        *,
        channel_id: int | None = None,
        in_dm: bool = False,
        require_open: bool = True,
        check_limits: bool = True,
    ) -> InteractionHandle:
        """A user submits a modal.

        By default the bot must have opened it for this user (`require_open`), and the
        values must fit what Discord's client lets a user type: required inputs filled,
        min/max lengths, known custom_ids (`check_limits`). The submit comes from where
        the modal was opened (channel, DM, message).
        """
        opened = self._open_modals.pop((user_id, custom_id), None)
        if opened is None and require_open:
            raise AssertionError(f"no modal {custom_id!r} was opened for user {user_id}")
        message: dict[str, Any] | None = None
        if opened is not None:
            modal, origin = opened
            in_dm = in_dm or origin.guild_id is None
            if channel_id is None and not in_dm:
                channel_id = origin.channel_id
            if origin.type == 3 and origin.message_id is not None:
                message = self._message_index.get(origin.message_id)
            components = self._submitted_components(modal, values, check_limits=check_limits)
        else:
            origin = None
            components = [
                {
                    "type": 1,
                    "id": i * 2 + 1,
                    "components": [{"type": 4, "id": i * 2 + 2, "custom_id": key, "value": value}],
                }
                for i, (key, value) in enumerate(values.items())
            ]
        data = {"custom_id": custom_id, "components": components}
        record = self._new_interaction(
            5,
            user_id,
            data,
            channel_id=channel_id,
            in_dm=in_dm,
            age=0.0,
            message=message,
            origin=origin,
        )
        return await self._deliver(record)

    def _submitted_components(
        self,
        modal: dict[str, Any],
        values: dict[str, str] | dict[str, str | list[str]],
        *,
        check_limits: bool = True,
    ) -> list[dict[str, Any]]:
        inputs = {c["custom_id"]: c for c in self._modal_inputs(modal)}
        extra = set(values) - set(inputs)
        if extra:
            raise AssertionError(f"modal has no inputs {sorted(extra)} (has {sorted(inputs)})")
        for key, component in inputs.items() if check_limits else ():
            value = values.get(key)
            if component.get("type") == 4:
                if value is None and component.get("required", True):
                    raise AssertionError(f"modal input {key!r} is required")
                if value is not None:
                    if not isinstance(value, str):
                        raise AssertionError(f"modal input {key!r} takes a string")
                    low = int(component.get("min_length") or 0)
                    high = int(component.get("max_length") or 4000)
                    if value and not low <= len(value) <= high:
                        raise AssertionError(f"modal input {key!r}: length not in [{low}, {high}]")
                    if not value and component.get("required", True):
                        raise AssertionError(f"modal input {key!r} is required")

        def submitted(component: dict[str, Any]) -> dict[str, Any]:
            key = component["custom_id"]
            out: dict[str, Any] = {
                "type": component["type"],
                "id": component.get("id"),
                "custom_id": key,
            }
            value = values.get(key)
            if component["type"] == 4:
                out["value"] = value if value is not None else ""
            else:
                out["values"] = (
                    list(value) if isinstance(value, list) else ([value] if value else [])
                )
            return out

        result: list[dict[str, Any]] = []
        next_id = 1
        for top in modal.get("components") or []:
            top_id = top.get("id", next_id)
            if top.get("type") == 1:
                children = [submitted(c) for c in top.get("components") or [] if c.get("custom_id")]
                result.append({"type": 1, "id": top_id, "components": children})
            elif top.get("type") == 18:
                inner = top.get("component") or {}
                if inner.get("custom_id"):
                    result.append({"type": 18, "id": top_id, "component": submitted(inner)})
            elif top.get("type") == 10:
                result.append({"type": 10, "id": top_id})
            next_id += 2
        for item in result:
            if item.get("type") == 1:
                for child in item["components"]:
                    if child.get("id") is None:
                        child["id"] = next_id
                        next_id += 1
            elif item.get("type") == 18 and item["component"].get("id") is None:
                item["component"]["id"] = next_id
                next_id += 1
        return result

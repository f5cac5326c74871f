"""The delivery ports on Slack (DMs, group DMs, posts, edits, ephemeral fallbacks), the
resolver for typed member and channel names, and moderator rights from `users.info`.

Message references are `channel/ts`, so an edit works after a restart. Posts to one
channel are paced to about one a second, Slack's limit for chat.postMessage.

A Slack message cannot carry a file: a reply's file is uploaded (`files_upload_v2`, scope
`files:write`) into the same conversation right after the message. An ephemeral message
cannot show one at all, so there the file goes to the member's DM and the message says so.

A private group's space is a private channel (`groups:write`): created by the app, which is
then its only member, and entered only by invitation. Leaving the group kicks the member at
once. Logs name the channel, never who joined or left it, nor the group's name or topic.
"""

from __future__ import annotations

import logging
import re
import secrets
import string
import time
import unicodedata
from collections.abc import Sequence
from datetime import datetime

import aiohttp
from aiolimiter import AsyncLimiter
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web.async_client import AsyncWebClient

from bot.model import Attachment, ChannelRef, MemberRef, Reply
from bot.slack import blocks
from bot.transport import DeliveryFailed, DmRefused
from storage.models import Scope

log = logging.getLogger(__name__)

# Errors that mean "this member cannot get a DM from the app" rather than a fault.
DM_REFUSALS = frozenset(
    {"cannot_dm_bot", "user_disabled", "user_not_found", "messages_tab_disabled", "not_allowed"}
)
RIGHTS_TTL = 300.0  # seconds a users.info answer about admin rights is trusted
_MENTION = re.compile(r"<@([UW][A-Z0-9]{2,20})(?:\|[^>]*)?>")
_USER_ID = re.compile(r"[UW][A-Z0-9]{2,20}")
_CHANNEL = re.compile(r"<#([CG][A-Z0-9]{2,20})(?:\|[^>]*)?>")
_CHANNEL_ID = re.compile(r"[CG][A-Z0-9]{2,20}")

SPACE_NAME_MAX = 80  # Slack's limit for a channel name
SPACE_NAME_TRIES = 4  # the name itself, then with a random suffix when it is taken
SPACE_FALLBACK_NAME = "peer-group"  # when nothing of the group's name can be spelled
SPACE_SUFFIX_LENGTH = 4
TOPIC_MAX = 250  # Slack refuses a longer topic (too_long)
# Letters NFKD does not take apart, and signs worth a word, for channel names.
_FOLD = str.maketrans(
    {
        "ß": "ss",
        "æ": "ae",
        "œ": "oe",
        "ø": "o",
        "ł": "l",
        "đ": "d",
        "ð": "d",
        "þ": "th",
        "\u0131": "i",  # dotless i
        "&": " and ",
        "'": "",
        "\u2019": "",  # right single quotation mark, the typographic apostrophe
        "\u02bc": "",  # modifier letter apostrophe
    }
)
_NOT_IN_NAME = re.compile(r"[^a-z0-9_]+")
_SUFFIX_ALPHABET = string.ascii_lowercase + string.digits


def _error(exc: SlackApiError) -> str:
    return str(exc.response.get("error", "unknown_error"))


def space_name(text: str, *, room: int = 0) -> str:
    """A valid Slack channel name for a group's name: lowercase ASCII letters, digits, `_`
    and `-` between words, at most SPACE_NAME_MAX - `room` characters, never empty.
    Accents are dropped (é → e, ß → ss); a name with nothing Latin in it becomes
    SPACE_FALLBACK_NAME (the suffix added when a name is taken keeps such names apart)."""
    folded = unicodedata.normalize("NFKD", text.lower().translate(_FOLD))
    plain = "".join(c for c in folded if not unicodedata.combining(c))
    name = _NOT_IN_NAME.sub("-", plain).strip("-_")
    name = name[: SPACE_NAME_MAX - room].rstrip("-_")
    return name or SPACE_FALLBACK_NAME[: SPACE_NAME_MAX - room]


def _suffix() -> str:
    return "".join(secrets.choice(_SUFFIX_ALPHABET) for _ in range(SPACE_SUFFIX_LENGTH))


def _topic(text: str) -> str:
    """A topic is one line of plain text, TOPIC_MAX characters at most."""
    line = " ".join(text.split())
    return line if len(line) <= TOPIC_MAX else line[: TOPIC_MAX - 1].rstrip() + "…"


class SlackTransport:
    platform = "slack"

    def __init__(self, client: AsyncWebClient) -> None:
        self.client = client
        self._pace: dict[str, AsyncLimiter] = {}
        self._rights: dict[tuple[str, str], tuple[float, bool]] = {}

    async def _post(self, channel: str, reply: Reply) -> str:
        limiter = self._pace.setdefault(channel, AsyncLimiter(1, 1.0))
        async with limiter:
            response = await self.client.chat_postMessage(channel=channel, **blocks.message(reply))
        posted, ts = str(response["channel"]), str(response["ts"])
        if reply.file is not None:
            await self._attach(posted, ts, reply, reply.file)
        return f"{posted}/{ts}"

    async def _attach(
        self, channel: str, ts: str, reply: Reply, file: Attachment, *, thread: bool = False
    ) -> None:
        """Upload a posted message's file next to it (in its thread when `thread`). The
        message stands either way; if the file cannot follow, the message says so."""
        try:
            await self.upload(channel, file, thread_ts=ts if thread else None)
        except DeliveryFailed as exc:
            log.warning("file upload to %s failed (%s)", channel, exc.code)
            note = f"The file {blocks.escape(file.filename)} could not be attached ({exc.code})."
            try:
                await self.client.chat_update(
                    channel=channel, ts=ts, **blocks.message(reply, note=note)
                )
            except SlackApiError as update:
                log.warning("could not note the missing file (%s)", _error(update))

    async def upload(
        self, channel_id: str, file: Attachment, *, thread_ts: str | None = None
    ) -> None:
        """Share a file in a conversation: files.getUploadURLExternal, the bytes to the URL
        it gives, then files.completeUploadExternal. Raises DeliveryFailed."""
        try:
            await self.client.files_upload_v2(
                channel=channel_id,
                content=file.content,
                filename=file.filename,
                title=file.filename,
                thread_ts=thread_ts,
            )
        except SlackApiError as exc:
            raise DeliveryFailed(_error(exc)) from None
        except (SlackClientError, aiohttp.ClientError, TimeoutError):
            # The upload URL refused the bytes (the library's message quotes its answer).
            raise DeliveryFailed("upload_failed") from None

    async def send_file_privately(self, user_id: str, file: Attachment) -> tuple[bool, str]:
        """For a reply only this member may see (an ephemeral one cannot show a file): the
        file in their DM with the app. Never raises: (sent, a line saying what happened)."""
        name = blocks.escape(file.filename)
        try:
            opened = await self.client.conversations_open(users=user_id)
            await self.upload(str(opened["channel"]["id"]), file)
        except SlackApiError as exc:
            error = _error(exc)
        except DeliveryFailed as exc:
            error = exc.code
        else:
            return True, f"I sent {name} to you in a DM."
        log.info("file for a private reply not delivered by DM (%s)", error)
        if error in DM_REFUSALS:
            return False, (
                f"I couldn't send you {name}: Slack refused a direct message from this app "
                f"to you ({blocks.escape(error)})."
            )
        return False, f"I couldn't send you {name} ({blocks.escape(error)}). Please try again."

    # ----- Transport ----------------------------------------------------------------------

    async def send_dm(self, scope: Scope, user_ids: Sequence[str], reply: Reply) -> str:
        """One member, or a group DM with several (a mentor and mentee introduction)."""
        try:
            opened = await self.client.conversations_open(users=",".join(user_ids))
            return await self._post(str(opened["channel"]["id"]), reply)
        except SlackApiError as exc:
            error = _error(exc)
            if error in DM_REFUSALS:
                raise DmRefused(error) from None
            raise DeliveryFailed(error) from None

    async def post(self, scope: Scope, channel_id: str, reply: Reply) -> str:
        try:
            return await self._post(channel_id, reply)
        except SlackApiError as exc:
            raise DeliveryFailed(_error(exc)) from None

    async def edit(self, scope: Scope, message_ref: str, reply: Reply) -> None:
        channel, _, ts = message_ref.partition("/")
        try:
            await self.client.chat_update(channel=channel, ts=ts, **blocks.message(reply))
        except SlackApiError as exc:
            raise DeliveryFailed(_error(exc)) from None
        if reply.file is not None:  # an edit cannot swap a file: the new one goes in the thread
            await self._attach(channel, ts, reply, reply.file, thread=True)

    async def delete(self, scope: Scope, message_ref: str) -> None:
        channel, _, ts = message_ref.partition("/")
        try:
            await self.client.chat_delete(channel=channel, ts=ts)
        except SlackApiError as exc:
            if _error(exc) != "message_not_found":
                raise DeliveryFailed(_error(exc)) from None

    async def post_private(self, scope: Scope, channel_id: str, user_id: str, reply: Reply) -> str:
        """An ephemeral message only this member sees, for when DMs are closed. It cannot
        show a file: the file is still tried by DM, and the message says how that went."""
        note = None
        if reply.file is not None:
            _, note = await self.send_file_privately(user_id, reply.file)
        try:
            response = await self.client.chat_postEphemeral(
                channel=channel_id, user=user_id, **blocks.message(reply, note=note)
            )
        except SlackApiError as exc:
            raise DeliveryFailed(_error(exc)) from None
        return f"{channel_id}/{response.get('message_ts', '')}"

    def mention(self, user_id: str) -> str:
        return f"<@{user_id}>"

    def channel_label(self, channel_id: str) -> str:
        return f"<#{channel_id}>"

    def format_time(self, when: datetime, timezone: str) -> str:
        """Each reader sees their own local time; the fallback is UTC."""
        stamp = int(when.timestamp())
        fallback = when.strftime("%Y-%m-%d %H:%M UTC")
        return f"<!date^{stamp}^{{date_long_pretty}} at {{time}}|{fallback}>"

    # ----- PrivateSpaces (private channels for private groups) -----------------------------

    async def create_space(self, scope: Scope, name: str, topic: str) -> str:
        """conversations.create with is_private: the app creates the channel and is its
        only member. A taken name is tried again with a random suffix, never reused: a
        channel that already has the name may hold people who are not in the group."""
        channel: dict[str, object] | None = None
        for attempt in range(SPACE_NAME_TRIES):
            if attempt == 0:
                candidate = space_name(name)
            else:
                suffix = _suffix()
                candidate = f"{space_name(name, room=len(suffix) + 1)}-{suffix}"
            try:
                response = await self.client.conversations_create(name=candidate, is_private=True)
            except SlackApiError as exc:
                error = _error(exc)
                if error == "name_taken":
                    continue
                raise DeliveryFailed(error) from None
            channel = response.get("channel") or {}
            break
        if channel is None:
            raise DeliveryFailed("name_taken")
        channel_id = str(channel.get("id") or "")
        if not channel_id:
            raise DeliveryFailed("no_channel")
        if channel.get("is_private") is not True:
            # Anyone could join a public channel and see who is in it: never use one.
            await self._archive(channel_id)
            raise DeliveryFailed("not_private")
        if topic.strip():
            try:
                await self.client.conversations_setTopic(channel=channel_id, topic=_topic(topic))
            except SlackApiError as exc:  # the space works without it
                log.warning("could not set the topic of %s (%s)", channel_id, _error(exc))
        return channel_id

    async def grant_space(self, scope: Scope, space_id: str, user_id: str) -> None:
        """conversations.invite; a member who is already in counts as let in."""
        try:
            await self.client.conversations_invite(channel=space_id, users=user_id)
        except SlackApiError as exc:
            error = _error(exc)
            if error != "already_in_channel":
                raise DeliveryFailed(error) from None

    async def revoke_space(self, scope: Scope, space_id: str, user_id: str) -> None:
        """conversations.kick; a member who is not in counts as removed. (Slack's
        not_in_channel here is about the member: were the app out of the private channel,
        Slack would not show it the channel at all and answer channel_not_found.)"""
        try:
            await self.client.conversations_kick(channel=space_id, user=user_id)
        except SlackApiError as exc:
            error = _error(exc)
            if error != "not_in_channel":
                raise DeliveryFailed(error) from None

    async def _archive(self, channel_id: str) -> None:
        try:
            await self.client.conversations_archive(channel=channel_id)
        except SlackApiError as exc:
            log.warning("could not archive %s (%s)", channel_id, _error(exc))
        else:
            log.warning("archived %s: Slack made it public", channel_id)

    # ----- rights -------------------------------------------------------------------------

    async def is_admin(self, scope: Scope, user_id: str) -> bool:
        """Workspace admin or owner, from users.info, trusted for five minutes. Any error
        counts as "no": moderator rights fail closed."""
        key = (scope.workspace_id, user_id)
        cached = self._rights.get(key)
        now = time.monotonic()
        if cached is not None and now - cached[0] < RIGHTS_TTL:
            return cached[1]
        try:
            response = await self.client.users_info(user=user_id)
            user = response.get("user") or {}
            admin = bool(user.get("is_admin") or user.get("is_owner"))
        except Exception as exc:  # noqa: BLE001 - any failure: never grant rights
            log.warning(
                "users.info failed (%s); treating the member as not an admin", type(exc).__name__
            )
            return False
        self._rights[key] = (now, admin)
        return admin

    # ----- Resolver -----------------------------------------------------------------------

    async def resolve_member(self, scope: Scope, text: str) -> MemberRef | None:
        typed = text.strip()
        found = _MENTION.fullmatch(typed)
        user_id = found.group(1) if found else (typed if _USER_ID.fullmatch(typed) else None)
        if user_id is None:
            return None
        try:
            response = await self.client.users_info(user=user_id)
        except SlackApiError:
            return None
        user = response.get("user") or {}
        if user.get("deleted") or user.get("team_id", scope.workspace_id) != scope.workspace_id:
            return None
        profile = user.get("profile") or {}
        return MemberRef(user_id, profile.get("display_name") or user.get("name") or "")

    async def resolve_channel(self, scope: Scope, text: str) -> ChannelRef | None:
        typed = text.strip()
        found = _CHANNEL.fullmatch(typed)
        channel_id = found.group(1) if found else (typed if _CHANNEL_ID.fullmatch(typed) else None)
        if channel_id is None:
            return None
        try:
            response = await self.client.conversations_info(channel=channel_id)
        except SlackApiError:
            return None
        return ChannelRef(channel_id, str((response.get("channel") or {}).get("name", "")))

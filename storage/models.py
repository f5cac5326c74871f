"""Typed models that repositories return. Rows never leave `storage/` as raw tuples."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True, slots=True)
class Scope:
    """One community: a Discord guild, a Slack workspace or the local console."""

    platform: str
    workspace_id: str

    def __str__(self) -> str:
        return f"{self.platform}:{self.workspace_id}"


@dataclass(frozen=True, slots=True)
class Community:
    scope: Scope
    introductions_channel: str | None = None
    announcements_channel: str | None = None
    modlog_channel: str | None = None
    timezone: str | None = None
    welcome_text: str | None = None


@dataclass(frozen=True, slots=True)
class Member:
    scope: Scope
    user_id: str
    display_name: str


@dataclass(frozen=True, slots=True)
class Channel:
    scope: Scope
    channel_id: str
    name: str


@dataclass(frozen=True, slots=True)
class OutboxEntry:
    id: int
    scope: Scope
    kind: str
    recipient: str
    purpose: str
    status: str
    detail: str | None
    message_ref: str | None
    created_at: datetime
    held_payload: dict[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class Job:
    id: int
    scope: Scope
    kind: str
    key: str
    due_at: datetime
    status: str
    payload: dict[str, Any] = field(default_factory=dict)
    detail: str | None = None


@dataclass(frozen=True, slots=True)
class AuditEntry:
    id: int
    scope: Scope
    actor_id: str
    action: str
    target: str | None
    detail: dict[str, Any]
    created_at: datetime

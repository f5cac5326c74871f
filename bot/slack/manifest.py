"""The Slack app manifest, derived from the loaded features: one slash command each,
the scopes the surface uses and the events it listens to. `python -m bot manifest`
prints it; `slack-manifest.yml` is that output, checked by a test."""

from __future__ import annotations

import json
from typing import Any

from bot.registry import Registry

BOT_SCOPES = (
    "commands",  # the slash commands
    "chat:write",  # replies, posts, DMs
    "im:write",  # conversations.open with one member
    "files:write",  # files in replies: charts, calendar (.ics) files
    "mpim:write",  # a group DM (mentor and mentee together)
    "users:read",  # users.info: names and admin rights
    "channels:read",  # conversations.info for channel options
    "groups:read",
    "groups:write",  # private channels for private groups
    "channels:manage",
)
BOT_EVENTS = ("team_join", "user_change", "app_home_opened")


def manifest(registry: Registry, *, name: str = "Preceptor") -> dict[str, Any]:
    commands = [
        {
            "command": f"/{feature.group}",
            "description": feature.description[:100],
            "usage_hint": _usage(feature.group, [c.name for c in feature.commands]),
            "should_escape": False,
        }
        for feature in registry.features.values()
        if feature.commands
    ]
    return {
        "display_information": {
            "name": name,
            "description": "Mentors, peers and physician Q&A for people underrepresented "
            "in medicine",
            "background_color": "#2c2d30",
        },
        "features": {
            "app_home": {
                "home_tab_enabled": True,
                "messages_tab_enabled": True,
                "messages_tab_read_only_enabled": False,
            },
            "bot_user": {"display_name": name, "always_online": True},
            "slash_commands": commands,
        },
        "oauth_config": {"scopes": {"bot": list(BOT_SCOPES)}},
        "settings": {
            "event_subscriptions": {"bot_events": list(BOT_EVENTS)},
            "interactivity": {"is_enabled": True},
            "org_deploy_enabled": False,
            "socket_mode_enabled": True,
            "token_rotation_enabled": False,
        },
    }


def _usage(group: str, names: list[str]) -> str:
    subs = [n for n in names if n]
    return (f"[{' | '.join(subs)}] key:value ..." if subs else "key:value ...")[:100]


def to_yaml(value: Any, indent: int = 0) -> str:
    """A small YAML writer for the manifest's plain shapes (maps, lists, text, booleans);
    strings are written as JSON strings, which YAML reads the same."""
    pad = "  " * indent
    lines: list[str] = []
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(item, dict | list) and item:
                lines.append(f"{pad}{key}:")
                lines.append(to_yaml(item, indent + 1))
            else:
                lines.append(f"{pad}{key}: {_scalar(item)}")
    elif isinstance(value, list):
        for item in value:
            if isinstance(item, dict):
                first, *rest = to_yaml(item, indent + 1).split("\n")
                lines.append(f"{pad}- {first.strip()}")
                lines.extend(rest)
            else:
                lines.append(f"{pad}- {_scalar(item)}")
    return "\n".join(lines)


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return "{}" if isinstance(value, dict) else "[]"
    return json.dumps(value, ensure_ascii=False)

"""The Slack surface (slack-bolt). Nothing outside this package imports slack_bolt or
slack_sdk."""

from __future__ import annotations

from bot.core import Core
from bot.slack.surface import SlackSurface


def build_surface(core: Core) -> SlackSurface:
    return SlackSurface(core)


__all__ = ["SlackSurface", "build_surface"]

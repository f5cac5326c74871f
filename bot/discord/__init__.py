"""The Discord surface (discord.py). Nothing outside this package imports discord."""

from __future__ import annotations

from bot.core import Core
from bot.discord.surface import DiscordSurface


def build_surface(core: Core) -> DiscordSurface:
    return DiscordSurface(core)


__all__ = ["DiscordSurface", "build_surface"]

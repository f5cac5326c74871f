"""The seam a surface plugs into. Discord, Slack and the console each implement it."""

from __future__ import annotations

from typing import Protocol


class Surface(Protocol):
    name: str

    async def start(self) -> None:
        """Connect and register commands; return once the surface takes input."""
        ...

    async def wait(self) -> None:
        """Return when the surface has finished by itself (the console at end of input)."""
        ...

    async def stop(self) -> None:
        """Stop taking input; in-flight work is drained by the app afterwards."""
        ...

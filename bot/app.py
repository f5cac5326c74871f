"""The composition root: settings in, one database, one core, the surfaces, one event loop.

start:    open and migrate the database, load features, start the scheduler, surfaces
run:      until a surface finishes (the console at end of input) or a stop signal
shutdown: surfaces stop taking input, the scheduler stops, background work drains,
          and only then is the database closed
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Callable
from typing import TextIO

from bot.clock import Clock
from bot.core import Core
from bot.registry import load_features, selected_features
from bot.surface import Surface
from config.settings import Settings, SettingsError
from storage import Database
from storage.db import sqlite_url

log = logging.getLogger(__name__)

SurfaceFactory = Callable[[Core], list[Surface]]


def database_for(settings: Settings) -> Database:
    if settings.database_url is not None:
        return Database(settings.database_url.get_secret_value())
    return Database(sqlite_url(settings.sqlite_path.resolve()))


class App:
    def __init__(
        self,
        settings: Settings,
        *,
        clock: Clock | None = None,
        surfaces: SurfaceFactory | None = None,
        stdin: TextIO | None = None,
        stdout: TextIO | None = None,
    ) -> None:
        self.settings = settings
        self.core = Core.build(settings, database_for(settings), clock)
        self._surface_factory = surfaces
        self._stdin = stdin
        self._stdout = stdout
        self.surfaces: list[Surface] = []
        self._stopping = asyncio.Event()

    async def start(self, *, with_surfaces: bool = True) -> None:
        names = selected_features(self.settings.features, self.settings.wants_all_features())
        await self.core.db.open()
        await self.core.db.migrate()
        self.core.use(load_features(self.core, names))
        if with_surfaces:
            factory = self._surface_factory or self._default_surfaces
            self.surfaces = factory(self.core)
            # Attach transports before jobs run: a job due at start may send a DM.
            for surface in self.surfaces:
                await surface.start()
        await self.core.scheduler.start()

    def _default_surfaces(self, core: Core) -> list[Surface]:
        surfaces: list[Surface] = []
        if self.settings.discord_token is not None:
            surfaces.append(_platform_surface("discord", "DISCORD_TOKEN", core))
        if self.settings.slack_bot_token is not None:
            surfaces.append(_platform_surface("slack", "SLACK_BOT_TOKEN", core))
        if not surfaces:
            from bot.console import ConsoleSurface

            surfaces.append(ConsoleSurface(core, stdin=self._stdin, stdout=self._stdout))
        return surfaces

    def request_stop(self) -> None:
        self._stopping.set()

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError):  # not on every OS
                loop.add_signal_handler(sig, self.request_stop)
        try:
            # Inside the try: a surface that fails to start still gets the database closed.
            await self.start()
            waits = [asyncio.ensure_future(s.wait()) for s in self.surfaces]
            stop = asyncio.ensure_future(self._stopping.wait())
            done, _ = await asyncio.wait([*waits, stop], return_when=asyncio.FIRST_COMPLETED)
            for task in [*waits, stop]:
                if task not in done:
                    task.cancel()
            for task in done:
                if not task.cancelled() and task.exception() is not None:
                    raise task.exception()  # type: ignore[misc]
        finally:
            await self.shutdown()

    async def shutdown(self) -> None:
        for surface in self.surfaces:
            try:
                await surface.stop()
            except Exception:
                log.exception("surface %s did not stop cleanly", surface.name)
        await self.core.scheduler.stop()
        await self.core.tasks.drain()
        await self.core.db.close()


def _platform_surface(name: str, setting: str, core: Core) -> Surface:
    import importlib

    try:
        module = importlib.import_module(f"bot.{name}")
    except ModuleNotFoundError as exc:
        if exc.name != f"bot.{name}":
            raise
        raise SettingsError(
            f"Invalid setting {setting}: the {name} surface is not part of this "
            "build yet; unset it to use the console."
        ) from None
    surface: Surface = module.build_surface(core)
    return surface

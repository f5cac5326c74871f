"""The composition root: surfaces side by side on one database, and an orderly shutdown."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bot.app import App
from bot.clock import ManualClock
from bot.context import SilentResponder
from bot.core import Core
from bot.dispatch import Dispatcher
from bot.model import Actor, Reply
from bot.surface import Surface
from config.settings import Settings
from storage.models import Scope
from tests.conftest import START
from tests.support import RecordingSurface


async def test_two_surfaces_run_in_one_loop_on_one_database(tmp_path: Path) -> None:
    settings = Settings(_env_file=None, data_dir=tmp_path)  # type: ignore[call-arg]
    made: list[RecordingSurface] = []

    def surfaces(core: Core) -> list[Surface]:
        made.extend(
            [RecordingSurface(core, platform="alpha"), RecordingSurface(core, platform="beta")]
        )
        return list(made)

    app = App(settings, clock=ManualClock(START), surfaces=surfaces)
    await app.start()
    try:
        alpha, beta = Scope("alpha", "A1"), Scope("beta", "B1")
        for scope, surface in ((alpha, made[0]), (beta, made[1])):
            ctx = await Dispatcher(app.core, surface).context(
                Actor(scope, "mod"), responder=SilentResponder(), platform_admin=True
            )
            await Dispatcher(app.core, surface).run_text(
                ctx, f"/setup channels modlog:#log-{scope.platform}"
            )
        await app.core.tasks.settle()  # moderator-log lines are posted in the background
        # Each community keeps its own setup, and each surface delivered only its own.
        assert (await app.core.repos.communities.get(alpha)).modlog_channel == "log-alpha"
        assert (await app.core.repos.communities.get(beta)).modlog_channel == "log-beta"
        assert [s.to for s in made[0].of_kind("post")] == [("log-alpha",)]
        assert [s.to for s in made[1].of_kind("post")] == [("log-beta",)]
    finally:
        await app.shutdown()


async def test_shutdown_drains_background_work_before_closing_the_database(tmp_path: Path) -> None:
    settings = Settings(_env_file=None, data_dir=tmp_path)  # type: ignore[call-arg]
    app = App(settings, clock=ManualClock(START), surfaces=lambda core: [RecordingSurface(core)])
    await app.start()
    scope = Scope("test", "w1")

    async def slow_write() -> None:
        await asyncio.sleep(0.2)
        await app.core.repos.audit.record(scope, "bot", "late.write", START)

    app.core.tasks.spawn(slow_write(), name="slow")
    await app.shutdown()
    assert app.core.tasks.pending == 0

    reopened = App(settings, clock=ManualClock(START), surfaces=lambda core: [])
    await reopened.start()
    try:
        assert [e.action for e in await reopened.core.repos.audit.recent(scope)] == ["late.write"]
    finally:
        await reopened.shutdown()


async def test_a_failing_background_task_is_logged_not_lost(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    settings = Settings(_env_file=None, data_dir=tmp_path)  # type: ignore[call-arg]
    app = App(settings, clock=ManualClock(START), surfaces=lambda core: [RecordingSurface(core)])
    await app.start()
    try:

        async def fails() -> None:
            raise ValueError("broken handler")

        app.core.tasks.spawn(fails(), name="event:test")
        await app.core.tasks.settle()
        assert any(
            "background task event:test failed" in r.getMessage() and r.exc_info
            for r in caplog.records
        )
    finally:
        await app.shutdown()


async def test_member_joined_events_reach_feature_handlers(tmp_path: Path) -> None:
    settings = Settings(_env_file=None, data_dir=tmp_path)  # type: ignore[call-arg]
    seen: list[str] = []

    def surfaces(core: Core) -> list[Surface]:
        from bot.feature import Feature

        feature = Feature("greeter", group="greeter", description="test")

        @feature.on("member_joined")
        async def welcome(actor: Actor) -> None:
            seen.append(actor.user_id)
            await core.delivery.dm(actor.scope, actor.user_id, Reply("welcome"), purpose="welcome")

        core.registry.add(feature)
        core.use(core.registry)
        return [RecordingSurface(core)]

    app = App(settings, clock=ManualClock(START), surfaces=surfaces)
    await app.start()
    try:
        # Every listener gets it: this greeter and the introductions feature's welcome.
        handlers = app.core.registry.event_handlers("member_joined")
        assert len(handlers) == 2
        reached = app.core.events.emit("member_joined", actor=Actor(Scope("test", "w1"), "newbie"))
        assert reached == len(handlers)
        await app.core.tasks.settle()
        assert seen == ["newbie"]
    finally:
        await app.shutdown()


async def test_a_button_from_before_a_restart_still_works_and_is_reauthorised(
    tmp_path: Path,
) -> None:
    from tests.probe import build_probe
    from tests.support import TestHarness

    settings = Settings(_env_file=None, data_dir=tmp_path)  # type: ignore[call-arg]
    first = TestHarness(settings, ManualClock(START))
    await first.start()
    first.add_feature(build_probe(first.core))
    [posted] = await first.run("alice", '/probe note subject:Hi text:"before restart"')
    assert isinstance(posted, Reply)
    ids = [button.action_id for button in posted.buttons]
    await first.stop()

    second = TestHarness(settings, ManualClock(START))
    await second.start()
    second.add_feature(build_probe(second.core))
    try:
        [liked] = await second.press("bob", ids[0])
        assert isinstance(liked, Reply) and liked.text == "bob liked 42"
        [refused] = await second.press("bob", ids[1])
        assert isinstance(refused, Reply) and "Only moderators" in refused.text
    finally:
        await second.stop()


async def test_a_surface_that_fails_to_start_still_closes_the_database(tmp_path: Path) -> None:
    settings = Settings(_env_file=None, data_dir=tmp_path)  # type: ignore[call-arg]

    class Broken(RecordingSurface):
        async def start(self) -> None:
            raise ConnectionError("gateway unreachable")

    app = App(settings, clock=ManualClock(START), surfaces=lambda core: [Broken(core)])
    with pytest.raises(ConnectionError):
        await app.run()
    assert app.core.db._engine is None  # closed, not leaked


def test_a_new_data_dir_is_private_to_its_owner(tmp_path: Path) -> None:
    from storage import Database
    from storage.db import sqlite_url

    Database(sqlite_url(tmp_path / "fresh" / "preceptor.sqlite3"))
    assert (tmp_path / "fresh").stat().st_mode & 0o777 == 0o700

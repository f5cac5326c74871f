"""Feature loading: FEATURES selects, a broken feature is logged and the rest still run."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

import cogs
from bot.app import App
from bot.clock import ManualClock
from bot.feature import Feature
from bot.registry import CORE_FEATURES, Registry, available_features, selected_features
from config.settings import Settings, SettingsError
from tests.conftest import START


def test_core_features_always_load() -> None:
    assert selected_features(["nothing-else"], wants_all=True)[:2] == list(CORE_FEATURES)
    assert selected_features([], wants_all=False) == list(CORE_FEATURES)


def test_an_unknown_feature_name_stops_the_start() -> None:
    with pytest.raises(SettingsError, match="Invalid setting FEATURES: unknown feature bogus"):
        selected_features(["bogus"], wants_all=False)


@pytest.fixture
def extra_cogs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A second folder of feature packages, searched like cogs/."""
    folder = tmp_path / "more_cogs"
    folder.mkdir()
    monkeypatch.setattr(cogs, "__path__", [*cogs.__path__, str(folder)])
    return folder


def add_feature(folder: Path, name: str, body: str) -> None:
    (folder / name).mkdir()
    (folder / name / "__init__.py").write_text(body)


GOOD = """
from bot.feature import Feature
from bot.model import Reply

def setup(core):
    feature = Feature("{name}", group="{name}", description="works")

    @feature.command("ping", "Answer pong")
    async def ping(ctx, args):
        return Reply("pong")

    return feature
"""


async def test_a_feature_that_fails_to_load_is_logged_and_the_rest_run(
    tmp_path: Path, extra_cogs: Path, caplog: pytest.LogCaptureFixture
) -> None:
    add_feature(extra_cogs, "zz_good", GOOD.format(name="zz_good"))
    add_feature(extra_cogs, "zz_broken", "def setup(core):\n    raise KeyError('no config')\n")
    add_feature(extra_cogs, "zz_clash", GOOD.format(name="setup"))
    assert {"zz_good", "zz_broken", "zz_clash"} <= set(available_features())
    settings = Settings(_env_file=None, data_dir=tmp_path)  # type: ignore[call-arg]
    app = App(settings, clock=ManualClock(START))
    with caplog.at_level(logging.ERROR, logger="bot.registry"):
        await app.start(with_surfaces=False)
    try:
        registry = app.core.registry
        assert "zz_good" in registry.features and registry.command("zz_good", "ping")
        assert set(registry.failed) == {"zz_broken", "zz_clash"}
        broken = [r for r in caplog.records if "zz_broken failed to load" in r.getMessage()]
        assert broken and broken[0].exc_info is not None  # logged with its traceback
        assert registry.command("setup", "show") is not None  # the clash did not replace it
    finally:
        await app.shutdown()


async def test_features_setting_limits_what_loads(tmp_path: Path, extra_cogs: Path) -> None:
    add_feature(extra_cogs, "zz_one", GOOD.format(name="zz_one"))
    add_feature(extra_cogs, "zz_two", GOOD.format(name="zz_two"))
    settings = Settings(_env_file=None, data_dir=tmp_path, features=["zz_two"])  # type: ignore[call-arg]
    app = App(settings, clock=ManualClock(START))
    await app.start(with_surfaces=False)
    try:
        assert list(app.core.registry.features) == ["help", "setup", "zz_two"]
    finally:
        await app.shutdown()


async def test_a_dotted_feature_name_loads_a_package_outside_cogs(tmp_path: Path) -> None:
    settings = Settings(_env_file=None, data_dir=tmp_path, features=["all", "tests.greeter"])  # type: ignore[call-arg]
    assert selected_features(settings.features, settings.wants_all_features())[-1] == (
        "tests.greeter"
    )
    app = App(settings, clock=ManualClock(START))
    await app.start(with_surfaces=False)
    try:
        assert "greeter" in app.core.registry.features
        assert not app.core.registry.failed
    finally:
        await app.shutdown()


async def test_a_missing_plugin_module_is_reported_not_fatal(tmp_path: Path) -> None:
    settings = Settings(_env_file=None, data_dir=tmp_path, features=["tests.nope"])  # type: ignore[call-arg]
    app = App(settings, clock=ManualClock(START))
    await app.start(with_surfaces=False)
    try:
        assert list(app.core.registry.features) == ["help", "setup"]
        assert app.core.registry.failed == {"tests.nope": "ModuleNotFoundError"}
    finally:
        await app.shutdown()


async def _noop(ctx: object, args: object) -> None:
    return None


def test_a_feature_adds_its_settings_to_another_group() -> None:
    registry = Registry()
    registry.add(Feature("setup", group="setup", description="Configure"))
    sessions = Feature("sessions", group="ama", description="Sessions")
    sessions.command("settings", "Session settings", group="setup", moderator_only=True)(_noop)
    sessions.command("list", "Upcoming")(_noop)
    registry.add(sessions)
    contributed = registry.command("setup", "settings")
    assert contributed is not None and contributed.moderator_only
    assert registry.command("ama", "settings") is None
    assert [c.path for c in registry.feature_for_group("ama").commands] == ["/ama list"]  # type: ignore[union-attr]


def test_a_contribution_to_a_missing_group_or_a_taken_name_is_refused() -> None:
    registry = Registry()
    setup = Feature("setup", group="setup", description="Configure")
    setup.command("show", "Show")(_noop)
    registry.add(setup)
    stray = Feature("stray", group="stray", description="Stray")
    stray.command("x", "X", group="nowhere")(_noop)
    with pytest.raises(ValueError, match="no group /nowhere"):
        registry.add(stray)
    clash = Feature("clash", group="clash", description="Clash")
    clash.command("show", "Show again", group="setup")(_noop)
    with pytest.raises(ValueError, match="command /setup show"):
        registry.add(clash)
    assert "clash" not in registry.features and [c.name for c in setup.commands] == ["show"]

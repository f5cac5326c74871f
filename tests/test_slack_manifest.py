"""The shipped Slack manifest declares every feature's slash command, and stays current."""

from __future__ import annotations

from pathlib import Path

from bot.__main__ import slack_manifest
from config.settings import Settings

ROOT = Path(__file__).resolve().parent.parent


def test_the_shipped_manifest_is_what_the_features_declare(tmp_path: Path) -> None:
    generated = slack_manifest(Settings(_env_file=None, data_dir=tmp_path))  # type: ignore[call-arg]
    shipped = (ROOT / "slack-manifest.yml").read_text()
    assert shipped == generated, "regenerate it: python3 dev.py run manifest > slack-manifest.yml"


def test_the_manifest_has_each_command_its_events_and_socket_mode(tmp_path: Path) -> None:
    text = slack_manifest(Settings(_env_file=None, data_dir=tmp_path))  # type: ignore[call-arg]
    for name in ("help", "setup"):
        assert f'- command: "/{name}"' in text
    for needed in ('"team_join"', '"app_home_opened"', "socket_mode_enabled: true", '"commands"'):
        assert needed in text

"""Settings: read once, wrong values named in one line, secrets never shown."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from bot.logs import RedactSecrets
from config.settings import Settings, SettingsError, load_settings


def make(**values: object) -> Settings:
    return load_settings(_env_file=None, **values)


def test_defaults_need_nothing() -> None:
    settings = make()
    assert settings.discord_token is None and settings.slack_bot_token is None
    assert settings.wants_all_features()
    assert settings.log_level == "INFO"
    assert settings.sqlite_path == Path("data") / "preceptor.sqlite3"


def test_environment_values_are_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FEATURES", "intros, mentorship")
    monkeypatch.setenv("DISCORD_GUILD_IDS", "1,22")
    monkeypatch.setenv("LOG_LEVEL", "debug")
    settings = make()
    assert settings.features == ["intros", "mentorship"]
    assert settings.discord_guild_ids == [1, 22]
    assert settings.log_level == "DEBUG"


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("LOG_LEVEL", "LOUD", "Invalid setting LOG_LEVEL: use DEBUG, INFO"),
        ("SLACK_HTTP_PORT", "70000", "Invalid setting SLACK_HTTP_PORT:"),
        ("DISCORD_GUILD_IDS", "12,abc", "Invalid setting DISCORD_GUILD_IDS:"),
        ("DEFAULT_TIMEZONE", "Mars/Olympus", "Invalid setting DEFAULT_TIMEZONE: not an IANA"),
        ("DATABASE_URL", "mysql://x@y/z", "Invalid setting DATABASE_URL: use sqlite"),
        ("DISCORD_SHARDS", "0", "Invalid setting DISCORD_SHARDS:"),
    ],
)
def test_a_wrong_value_names_the_setting_in_one_line(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, message: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError) as caught:
        make()
    text = str(caught.value)
    assert text.startswith(message)
    assert "\n" not in text


def test_an_unknown_setting_in_the_env_file_is_refused(tmp_path: Path) -> None:
    env = tmp_path / ".env"
    env.write_text("DISCORD_TOKN=abc\n")
    with pytest.raises(SettingsError) as caught:
        load_settings(_env_file=env)
    assert str(caught.value).startswith("Unknown setting DISCORD_TOKN")
    assert "abc" not in str(caught.value)


def test_secrets_are_never_shown(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DISCORD_TOKEN", "discord-secret-token-123")
    monkeypatch.setenv("DATA_KEY", "data-key-secret-456")
    monkeypatch.setenv("DATABASE_URL", "postgresql://u:pg-password-789@h/db")
    settings = make()
    shown = repr(settings) + str(settings) + settings.model_dump_json()
    for secret in ("discord-secret-token-123", "data-key-secret-456", "pg-password-789"):
        assert secret not in shown
    monkeypatch.setenv("SLACK_HTTP_PORT", "discord-secret-token-123")
    with pytest.raises(SettingsError) as caught:
        make()
    assert "discord-secret-token-123" not in str(caught.value)


def test_a_secret_that_reaches_a_log_line_is_redacted(caplog: pytest.LogCaptureFixture) -> None:
    logger = logging.getLogger("test.redact")
    logger.addFilter(RedactSecrets(["xoxb-very-secret"]))
    try:
        with caplog.at_level(logging.INFO, logger="test.redact"):
            logger.info("calling with token %s", "xoxb-very-secret")
    finally:
        logger.filters.clear()
    assert "xoxb-very-secret" not in caplog.text
    assert "[redacted]" in caplog.text

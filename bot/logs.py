"""Logging set-up: levels from settings, platform libraries kept quiet, secrets redacted."""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterable
from pathlib import Path

# These libraries log request bodies, interaction tokens and webhook URLs at DEBUG; the
# database drivers log every statement with its parameters (member ids, group names).
QUIET_LIBRARIES = (
    "aiosqlite",
    "asyncpg",
    "discord",
    "slack_sdk",
    "slack_bolt",
    "aiohttp.access",
    "apscheduler",
    "sqlalchemy",
    "alembic",
    "asyncio",
)

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class RedactSecrets(logging.Filter):
    """Replace any configured secret that slips into a log line with `[redacted]`."""

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        self._secrets = [s for s in secrets if s and len(s) >= 6]

    def filter(self, record: logging.LogRecord) -> bool:
        if not self._secrets:
            return True
        message = record.getMessage()
        redacted = message
        for secret in self._secrets:
            redacted = redacted.replace(secret, "[redacted]")
        if redacted != message:
            record.msg, record.args = redacted, None
        return True


def configure_logging(level: str, secrets: Iterable[str], log_file: Path | None = None) -> None:
    """Log to stderr, or to `log_file` with only warnings on stderr (the console's terminal
    stays readable)."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        root.removeHandler(handler)
    redactor = RedactSecrets(secrets)
    handlers: list[logging.Handler] = []
    if log_file is not None:
        log_file.parent.mkdir(parents=True, exist_ok=True)
        to_file = logging.FileHandler(log_file, encoding="utf-8")
        to_file.setLevel(level)
        handlers.append(to_file)
        to_stderr = logging.StreamHandler(sys.stderr)
        to_stderr.setLevel(max(logging.WARNING, logging.getLevelName(level)))
        handlers.append(to_stderr)
    else:
        handlers.append(logging.StreamHandler(sys.stderr))
    for handler in handlers:
        handler.setFormatter(logging.Formatter(FORMAT))
        handler.addFilter(redactor)
        root.addHandler(handler)
    root.setLevel(level)
    for name in QUIET_LIBRARIES:
        logging.getLogger(name).setLevel(max(logging.WARNING, logging.getLevelName(level)))

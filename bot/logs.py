"""Logging set-up: levels from settings, platform libraries kept quiet, secrets redacted,
and no exception message in the log.

An exception's message can quote what a member wrote: a database driver's error quotes the
statement's parameters, a KeyError its key, a validation error its input. So the log keeps
what an operator debugs with, the exception's type, any error code, every frame of the
traceback and the reference the member was given, and withholds the message and its notes.
"""

from __future__ import annotations

import logging
import sys
import traceback
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

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
    # Slack's Socket Mode client, which the Slack surface hands a logger under our name: at
    # DEBUG it logs every envelope whole (slash command text, every dialog field typed).
    "bot.slack.socket",
)

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class RedactSecrets(logging.Filter):
    """Replace any configured secret that slips into a log line with `[redacted]`.
    (`configure_logging` redacts in `PrivateFormatter` instead, tracebacks included.)"""

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


WITHHELD = "message withheld"
# Attributes that hold an error code, not text: shown when short (Discord's 50013, HTTP 403,
# an errno, our transports' `DeliveryFailed.code`, SQLAlchemy's error code).
_CODE_ATTRIBUTES = ("status", "code", "errno")
_CODE_MAX = 40


def describe_exception(exc: BaseException) -> str:
    """The exception as the log shows it: `module.Type [code ...]: (message withheld)`."""
    kind = type(exc)
    name = kind.__qualname__
    if kind.__module__ not in ("builtins", "__main__"):
        name = f"{kind.__module__}.{name}"
    codes = []
    for attribute in _CODE_ATTRIBUTES:
        try:
            value = getattr(exc, attribute, None)
        except Exception:  # noqa: BLE001, S112 - a property that fails shows nothing
            continue
        if isinstance(value, int) and not isinstance(value, bool):
            codes.append(f"{attribute} {value}")
        elif isinstance(value, str) and 0 < len(value) <= _CODE_MAX and value.isprintable():
            codes.append(f"{attribute} {value!r}")
    if codes:
        name += f" [{', '.join(codes)}]"
    try:
        has_text = bool(str(exc)) or bool(getattr(exc, "__notes__", None))
    except Exception:  # noqa: BLE001 - an exception whose str() fails is still logged
        has_text = True
    return f"{name}: ({WITHHELD})" if has_text else name


def private_traceback(exc: BaseException) -> str:
    """A traceback as Python prints it (causes and contexts first, groups indented), with
    each exception's message and notes withheld: the frames say where, not what."""
    lines: list[str] = []
    seen: set[int] = set()

    def walk(current: BaseException, indent: str) -> None:
        seen.add(id(current))
        cause, context = current.__cause__, current.__context__
        if cause is not None and id(cause) not in seen:
            walk(cause, indent)
            lines.append(
                f"\n{indent}The above exception was the direct cause of the following "
                "exception:\n\n"
            )
        elif context is not None and not current.__suppress_context__ and id(context) not in seen:
            walk(context, indent)
            lines.append(
                f"\n{indent}During handling of the above exception, another exception occurred:\n\n"
            )
        if current.__traceback__ is not None:
            lines.append(f"{indent}Traceback (most recent call last):\n")
            frames = traceback.StackSummary.extract(
                traceback.walk_tb(current.__traceback__), capture_locals=False
            )
            lines.extend(indent + line for line in frames.format())
        lines.append(f"{indent}{describe_exception(current)}\n")
        if isinstance(current, BaseExceptionGroup):
            for number, inner in enumerate(current.exceptions, 1):
                lines.append(f"{indent}+---- {number} of {len(current.exceptions)} ----\n")
                if id(inner) not in seen:
                    walk(inner, indent + "  ")

    walk(exc, "")
    return "".join(lines).rstrip("\n")


class PrivateFormatter(logging.Formatter):
    """Formats like `logging.Formatter`, but: exceptions passed as arguments show as their
    type and code, tracebacks come without messages (`private_traceback`), an exception's
    repr quoted inside a message (asyncio's "Task exception was never retrieved") is
    replaced too, and any configured secret left in the line is redacted."""

    def __init__(self, fmt: str, secrets: Iterable[str] = ()) -> None:
        super().__init__(fmt)
        self._secrets = [s for s in secrets if s and len(s) >= 6]

    def formatException(self, ei: Any) -> str:
        exc = ei[1] if isinstance(ei, tuple) else None
        if exc is None:
            return super().formatException(ei)
        return private_traceback(exc)

    def format(self, record: logging.LogRecord) -> str:
        saved = record.args, record.exc_text
        record.args = _safe_args(record.args)
        record.exc_text = None  # never reuse a traceback another formatter rendered
        try:
            text = super().format(record)
        finally:
            record.args, record.exc_text = saved
        exc = record.exc_info[1] if record.exc_info else None
        for quoted in _chain(exc):
            try:
                text = text.replace(repr(quoted), describe_exception(quoted))
            except Exception:  # noqa: BLE001, S112 - a repr that fails cannot be in the text
                continue
        for secret in self._secrets:
            text = text.replace(secret, "[redacted]")
        return text


def _safe_args(args: Any) -> Any:
    if isinstance(args, tuple):
        return tuple(_Described(a) if isinstance(a, BaseException) else a for a in args)
    if isinstance(args, Mapping):
        return {k: _Described(v) if isinstance(v, BaseException) else v for k, v in args.items()}
    return args


class _Described:
    """An exception given as a log argument: `%s` and `%r` both show its type and code."""

    def __init__(self, exc: BaseException) -> None:
        self._text = describe_exception(exc)

    def __str__(self) -> str:
        return self._text

    __repr__ = __str__


def _chain(exc: BaseException | None) -> list[BaseException]:
    found: dict[int, BaseException] = {}
    while exc is not None and id(exc) not in found:
        found[id(exc)] = exc
        exc = exc.__cause__ or exc.__context__
    return list(found.values())


def configure_logging(level: str, secrets: Iterable[str], log_file: Path | None = None) -> None:
    """Log to stderr, or to `log_file` with only warnings on stderr (the console's terminal
    stays readable)."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        root.removeHandler(handler)
    # The formatter redacts secrets in the whole line, the traceback included.
    formatter = PrivateFormatter(FORMAT, secrets)
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
        handler.setFormatter(formatter)
        root.addHandler(handler)
    root.setLevel(level)
    for name in QUIET_LIBRARIES:
        logging.getLogger(name).setLevel(max(logging.WARNING, logging.getLevelName(level)))

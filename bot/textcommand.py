"""The text form of a command, shared by the console and Slack:

/group sub key:value key:"value with spaces" positional words
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field

from bot.errors import UserError

_KEY = re.compile(r"^([a-z][a-z0-9_]*):(.*)$", re.DOTALL)


@dataclass(slots=True)
class CommandLine:
    group: str
    words: list[str] = field(default_factory=list)  # the subcommand and positional words
    options: dict[str, str] = field(default_factory=dict)


def split_words(text: str) -> list[str]:
    try:
        return shlex.split(text, posix=True)
    except ValueError as exc:
        raise UserError(f"Could not read that command: {exc} (check your quotes).") from None


def parse_command_line(text: str) -> CommandLine:
    """Split a `/group ...` line. Keys are recognised by `name:`; repeats are refused."""
    stripped = text.strip()
    if not stripped.startswith("/") or len(stripped) < 2:
        raise UserError("Commands start with `/`. Type /help to see them.")
    words = split_words(stripped[1:])
    if not words:
        raise UserError("Commands start with `/`. Type /help to see them.")
    line = CommandLine(group=words[0].lower())
    for word in words[1:]:
        match = _KEY.match(word)
        if match and not match.group(2).startswith("//"):  # a URL is a word, not a key
            key, value = match.group(1), match.group(2)
            if key in line.options:
                raise UserError(f"Option `{key}` is given twice.")
            line.options[key] = value
        else:
            line.words.append(word)
    return line


def quote(value: str) -> str:
    """Quote a value so `parse_command_line` reads it back unchanged."""
    return shlex.quote(value) if value else '""'

"""The neutral model: what a feature declares and returns, with no platform in sight.

Surfaces (console, Discord, Slack) derive their native commands, buttons and dialogs from
these declarations and render `Reply` natively. Features never see a platform object.
"""

from __future__ import annotations

import enum
from collections.abc import Awaitable, Callable, Coroutine, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlencode

from storage.models import Scope

if TYPE_CHECKING:
    from bot.context import Context


@dataclass(frozen=True, slots=True)
class Actor:
    """Who acts: a member of one community on one platform."""

    scope: Scope
    user_id: str
    display_name: str = ""

    @property
    def platform(self) -> str:
        return self.scope.platform

    @property
    def label(self) -> str:
        return self.display_name or self.user_id


class OptionType(enum.Enum):
    TEXT = "text"
    LONG_TEXT = "long text"
    INTEGER = "integer"
    CHOICE = "choice"
    MEMBER = "member"
    MEMBERS = "members"  # several members in one option: "@ana, @ben"
    CHANNEL = "channel"
    DATETIME = "date-time"
    BOOLEAN = "boolean"


# Defaults that match what Discord and Slack modals accept for one field.
TEXT_MAX = 200
LONG_TEXT_MAX = 2000


@dataclass(frozen=True, slots=True)
class Choice:
    value: str
    label: str = ""

    @property
    def shown(self) -> str:
        return self.label or self.value


AutocompleteSource = Callable[["Context", str], Awaitable[list[Choice]]]


@dataclass(frozen=True, slots=True)
class Option:
    name: str
    description: str
    type: OptionType = OptionType.TEXT
    required: bool = False
    choices: tuple[Choice, ...] = ()
    min_value: int | None = None
    max_value: int | None = None  # for MEMBERS: how many may be named (default 10)
    max_length: int | None = None
    default: Any = None
    # Where the values come from data (group names, session ids) rather than a fixed list.
    autocomplete: AutocompleteSource | None = None

    @property
    def length_limit(self) -> int:
        if self.max_length is not None:
            return self.max_length
        return LONG_TEXT_MAX if self.type is OptionType.LONG_TEXT else TEXT_MAX


@dataclass(frozen=True, slots=True)
class MemberRef:
    """A member named in an option, resolved by the surface to a platform user id."""

    user_id: str
    display_name: str = ""

    @property
    def label(self) -> str:
        return self.display_name or self.user_id


@dataclass(frozen=True, slots=True)
class ChannelRef:
    channel_id: str
    name: str = ""

    @property
    def label(self) -> str:
        return "#" + (self.name or self.channel_id)


class Args(Mapping[str, Any]):
    """Parsed, typed option values. Missing optional options read as their default."""

    def __init__(self, values: Mapping[str, Any]) -> None:
        self._values = dict(values)

    def __getitem__(self, key: str) -> Any:
        return self._values[key]

    def __iter__(self) -> Any:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def text(self, key: str) -> str | None:
        value = self._values.get(key)
        return None if value is None else str(value)

    def member(self, key: str) -> MemberRef | None:
        value = self._values.get(key)
        return value if isinstance(value, MemberRef) else None

    def members(self, key: str) -> tuple[MemberRef, ...]:
        value = self._values.get(key)
        return tuple(value) if isinstance(value, tuple) else ()

    def channel(self, key: str) -> ChannelRef | None:
        value = self._values.get(key)
        return value if isinstance(value, ChannelRef) else None

    def integer(self, key: str) -> int | None:
        value = self._values.get(key)
        return value if isinstance(value, int) and not isinstance(value, bool) else None

    def boolean(self, key: str) -> bool | None:
        value = self._values.get(key)
        return value if isinstance(value, bool) else None

    def when(self, key: str) -> datetime | None:
        value = self._values.get(key)
        return value if isinstance(value, datetime) else None


class ButtonStyle(enum.Enum):
    PRIMARY = "primary"
    SECONDARY = "secondary"
    DANGER = "danger"
    SUCCESS = "success"


ACTION_ID_MAX = 100  # Discord's custom_id limit; Slack allows more


@dataclass(frozen=True, slots=True)
class Button:
    """A button whose id names a registered action and the thing it acts on.

    The id (`feature.action:target`) is all a press carries, so a button posted before a
    restart still works after it.
    """

    label: str
    action: str
    target: str = ""
    style: ButtonStyle = ButtonStyle.SECONDARY

    @property
    def action_id(self) -> str:
        return f"{self.action}:{self.target}"


# A built-in action every surface knows: the button opens the form named by its target.
# Discord can then show the dialog at once, without waiting on any handler.
OPEN_FORM = "form.open"


def form_button(
    label: str,
    form_id: str,
    style: ButtonStyle = ButtonStyle.PRIMARY,
    prefill: Mapping[str, str] | None = None,
) -> Button:
    """A button that opens a form at once, some fields filled in (which session to ask
    about): the values ride in the button's id, so keep them short."""
    target = form_id + ("?" + urlencode(prefill) if prefill else "")
    return Button(label, OPEN_FORM, target, style)


def form_request(target: str) -> OpenForm:
    """The form (and prefilled values) a form button names."""
    form_id, _, query = target.partition("?")
    return OpenForm(form_id, dict(parse_qsl(query)))


def split_action_id(action_id: str) -> tuple[str, str]:
    action, _, target = action_id.partition(":")
    return action, target


@dataclass(frozen=True, slots=True)
class Field:
    name: str
    value: str
    inline: bool = False


@dataclass(frozen=True, slots=True)
class Attachment:
    filename: str
    content: bytes
    content_type: str = "application/octet-stream"


@dataclass(slots=True)
class Reply:
    """What a handler answers. Private replies are seen only by the member who acted."""

    text: str = ""
    title: str | None = None
    fields: list[Field] = field(default_factory=list)
    buttons: list[Button] = field(default_factory=list)
    file: Attachment | None = None
    private: bool = True

    @classmethod
    def public(cls, text: str = "", **kwargs: Any) -> Reply:
        return cls(text=text, private=False, **kwargs)

    def to_payload(self) -> dict[str, Any]:
        """A JSON-safe form, for replies kept in the outbox until the next interaction."""
        return {
            "text": self.text,
            "title": self.title,
            "fields": [[f.name, f.value, f.inline] for f in self.fields],
            "buttons": [[b.label, b.action, b.target, b.style.value] for b in self.buttons],
            "private": self.private,
        }

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any]) -> Reply:
        return cls(
            text=payload.get("text", ""),
            title=payload.get("title"),
            fields=[Field(n, v, bool(i)) for n, v, i in payload.get("fields", [])],
            buttons=[
                Button(label, action, target, ButtonStyle(style))
                for label, action, target, style in payload.get("buttons", [])
            ],
            private=bool(payload.get("private", True)),
        )


@dataclass(slots=True)
class Refusal(Reply):
    """A reply that refuses the input (bad input, no permission): nothing was changed.
    Surfaces may keep what the member typed so they can fix it and resend."""


@dataclass(frozen=True, slots=True)
class OpenForm:
    """Answer a command or button by opening a form (a modal, or prompts on the console)."""

    form_id: str
    prefill: Mapping[str, str] = field(default_factory=dict)


Handler = Callable[["Context", Args], Awaitable["Reply | OpenForm | None"]]
ActionHandler = Callable[["Context", str], Awaitable["Reply | OpenForm | None"]]
EventHandler = Callable[..., Coroutine[Any, Any, None]]

# What a dialog shows natively; any other option type is shown as short text and parsed.
FORM_FIELD_TYPES = frozenset({OptionType.TEXT, OptionType.LONG_TEXT, OptionType.CHOICE})


@dataclass(frozen=True, slots=True)
class Form:
    """A dialog of short text, long text and choice fields.

    Every form can also be filled inline, as `key:value` options of its command, and its
    values go through the same option parsing as a typed command.
    """

    id: str
    title: str
    fields: tuple[Option, ...]
    handler: Handler
    moderator_only: bool = False


@dataclass(frozen=True, slots=True)
class Command:
    """One slash command: `/group name key:value ...`. An empty name is the group itself."""

    group: str
    name: str
    description: str
    handler: Handler
    options: tuple[Option, ...] = ()
    moderator_only: bool = False
    # When required options are missing, open this form instead of refusing.
    form_id: str | None = None

    @property
    def path(self) -> str:
        return f"/{self.group} {self.name}".rstrip()

    def option(self, name: str) -> Option | None:
        for option in self.options:
            if option.name == name:
                return option
        return None


@dataclass(frozen=True, slots=True)
class Action:
    """A button press handler, looked up by the button's action name."""

    name: str
    handler: ActionHandler
    moderator_only: bool = False

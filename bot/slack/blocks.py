"""Neutral replies and forms drawn as Block Kit messages and modals, and modal values read
back into neutral values.

A button's `value` is the neutral action id (`feature.action:target`); its `action_id` only
has to be unique in the message. A press therefore carries everything it needs and works
after a restart.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

from bot.model import Button, ButtonStyle, ChannelRef, Form, MemberRef, Option, OptionType, Reply

BUTTON_PREFIX = "pc:"
FORM_PREFIX = "pf:"
SECTION_TEXT_MAX = 3000
HEADER_MAX = 150
BUTTON_TEXT_MAX = 75
VALUE_MAX = 2000
FIELDS_PER_SECTION = 10
FIELD_TEXT_MAX = 2000
BLOCKS_MAX = 50
BUTTONS_PER_BLOCK = 25
MODAL_TITLE_MAX = 24
LABEL_MAX = 2000
OPTIONS_MAX = 100
METADATA_MAX = 3000
FALLBACK_TEXT_MAX = 3000

_STYLES = {ButtonStyle.PRIMARY: "primary", ButtonStyle.DANGER: "danger"}
_YES_NO = (("yes", "Yes"), ("no", "No"))
_BOLD = re.compile(r"\*\*(.+?)\*\*")
_LINK = re.compile(r"\[([^\]]+)\]\((https?://[^)\s]+)\)")


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def mrkdwn(text: str) -> str:
    """The neutral light markdown in Slack's dialect (**bold** → *bold*, links)."""
    return _LINK.sub(r"<\2|\1>", _BOLD.sub(r"*\1*", text))


def _plain(text: str, limit: int) -> dict[str, Any]:
    return {"type": "plain_text", "text": clip(text, limit) or " ", "emoji": True}


def message(reply: Reply, *, note: str | None = None) -> dict[str, Any]:
    """`text` (notifications and screen readers) plus `blocks` for chat.postMessage,
    chat.update, chat.postEphemeral and response_url.

    A reply's file is never drawn: a Slack message cannot carry one, so the transport
    uploads it next to the message. `note` is a context line saying where the file went
    when that is not next to the message (a DM, for an ephemeral reply), or why it did
    not arrive.
    """
    return {
        "text": clip(mrkdwn(_fallback(reply, note)), FALLBACK_TEXT_MAX),
        "blocks": blocks(reply, note=note),
    }


def escape(text: str) -> str:
    """Plain text (a filename, an error code) made safe inside mrkdwn."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _fallback(reply: Reply, note: str | None = None) -> str:
    parts = [reply.title or "", reply.text, note or ""]
    return "\n".join(p for p in parts if p) or "(no text)"


def blocks(reply: Reply, *, note: str | None = None) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    if reply.title:
        out.append({"type": "header", "text": _plain(reply.title, HEADER_MAX)})
    text = mrkdwn(reply.text)
    while text:  # long text becomes several sections rather than being cut
        out.append({"type": "section", "text": {"type": "mrkdwn", "text": text[:SECTION_TEXT_MAX]}})
        text = text[SECTION_TEXT_MAX:]
    for start in range(0, len(reply.fields), FIELDS_PER_SECTION):
        chunk = reply.fields[start : start + FIELDS_PER_SECTION]
        out.append(
            {
                "type": "section",
                "fields": [
                    {
                        "type": "mrkdwn",
                        "text": clip(f"*{f.name}*\n{mrkdwn(f.value)}", FIELD_TEXT_MAX),
                    }
                    for f in chunk
                ],
            }
        )
    if note:
        out.append({"type": "context", "elements": [{"type": "mrkdwn", "text": clip(note, 3000)}]})
    if reply.buttons:
        out.append(actions(reply.buttons))
    return out[:BLOCKS_MAX]


def actions(buttons: Sequence[Button]) -> dict[str, Any]:
    elements = []
    for index, button in enumerate(buttons[:BUTTONS_PER_BLOCK]):
        element: dict[str, Any] = {
            "type": "button",
            "text": _plain(button.label, BUTTON_TEXT_MAX),
            "action_id": f"{BUTTON_PREFIX}{index}",
            "value": button.action_id[:VALUE_MAX],
        }
        if button.style in _STYLES:
            element["style"] = _STYLES[button.style]
        elements.append(element)
    return {"type": "actions", "elements": elements}


def modal(form: Form, *, prefill: Mapping[str, str], metadata: Mapping[str, str]) -> dict[str, Any]:
    return {
        "type": "modal",
        "callback_id": f"{FORM_PREFIX}{form.id}",
        "title": _plain(form.title, MODAL_TITLE_MAX),
        "submit": _plain("Submit", 24),
        "close": _plain("Cancel", 24),
        "private_metadata": clip(json.dumps(dict(metadata)), METADATA_MAX),
        "blocks": [_input(option, prefill.get(option.name)) for option in form.fields],
    }


def _input(option: Option, current: str | None) -> dict[str, Any]:
    return {
        "type": "input",
        "block_id": option.name,
        "optional": not option.required,
        "label": _plain(option.name.replace("_", " ").capitalize(), LABEL_MAX),
        "hint": _plain(option.description, LABEL_MAX),
        "element": _element(option, current),
    }


def _element(option: Option, current: str | None) -> dict[str, Any]:
    kind = option.type
    element: dict[str, Any]
    choices: Sequence[tuple[str, str]] = ()
    if kind is OptionType.CHOICE:
        choices = [(c.value, c.shown) for c in option.choices][:OPTIONS_MAX]
    elif kind is OptionType.BOOLEAN:
        choices = _YES_NO
    if choices:
        options = [{"text": _plain(label, 75), "value": value} for value, label in choices]
        element = {"type": "static_select", "action_id": option.name, "options": options}
        initial = next((o for o in options if o["value"] == current), None)
        if initial is not None:
            element["initial_option"] = initial
        return element
    if kind is OptionType.MEMBER:
        element = {"type": "users_select", "action_id": option.name}
        if current:
            element["initial_user"] = current
        return element
    if kind is OptionType.MEMBERS:
        element = {"type": "multi_users_select", "action_id": option.name}
        if current:
            element["initial_users"] = [u for u in current.split(",") if u]
        return element
    if kind is OptionType.CHANNEL:
        element = {"type": "conversations_select", "action_id": option.name}
        element["filter"] = {"include": ["public", "private"], "exclude_bot_users": True}
        if current:
            element["initial_conversation"] = current
        return element
    if kind is OptionType.INTEGER:
        element = {"type": "number_input", "action_id": option.name, "is_decimal_allowed": False}
        if option.min_value is not None:
            element["min_value"] = str(option.min_value)
        if option.max_value is not None:
            element["max_value"] = str(option.max_value)
        if current:
            element["initial_value"] = current
        return element
    element = {
        "type": "plain_text_input",
        "action_id": option.name,
        "multiline": kind is OptionType.LONG_TEXT,
    }
    if kind in (OptionType.TEXT, OptionType.LONG_TEXT):
        element["max_length"] = min(option.length_limit, 3000)
    if kind is OptionType.DATETIME:
        element["placeholder"] = _plain("2026-12-01 19:00, or 2026-12-01T19:00-05:00", 150)
    if current:
        element["initial_value"] = clip(current, 3000)
    return element


def submitted(view: Mapping[str, Any]) -> dict[str, Any]:
    """Neutral values from a view_submission: text, or a MemberRef / ChannelRef."""
    values: dict[str, Any] = {}
    state = view.get("state", {}).get("values", {})
    for block_id, elements in state.items():
        for element in elements.values():
            value = _element_value(element)
            if value is not None:
                values[block_id] = value
    return values


def _element_value(element: Mapping[str, Any]) -> Any:
    kind = element.get("type")
    if kind == "static_select":
        chosen = element.get("selected_option")
        return chosen.get("value") if chosen else None
    if kind == "users_select":
        user = element.get("selected_user")
        return MemberRef(user) if user else None
    if kind == "multi_users_select":
        users = element.get("selected_users") or []
        return [MemberRef(u) for u in users] or None
    if kind == "conversations_select":
        channel = element.get("selected_conversation")
        return ChannelRef(channel) if channel else None
    value = element.get("value")
    return value if isinstance(value, str) and value.strip() else None


def drafted(values: Mapping[str, Any]) -> dict[str, str]:
    """Submitted values as the text a re-opened modal is prefilled with."""
    out: dict[str, str] = {}
    for name, value in values.items():
        if isinstance(value, MemberRef):
            out[name] = value.user_id
        elif isinstance(value, list):
            out[name] = ",".join(v.user_id for v in value if isinstance(v, MemberRef))
        elif isinstance(value, ChannelRef):
            out[name] = value.channel_id
        else:
            out[name] = str(value)
    return out


def home(sections: Sequence[Reply]) -> dict[str, Any]:
    out: list[dict[str, Any]] = []
    for section in sections:
        if out:
            out.append({"type": "divider"})
        out.extend(blocks(section))
    if not out:
        out.append({"type": "section", "text": {"type": "mrkdwn", "text": "Nothing here yet."}})
    return {"type": "home", "blocks": out[:100]}

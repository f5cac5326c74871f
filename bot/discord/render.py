"""Neutral replies and forms drawn as Discord messages, embeds, buttons and modals.

Views and modals are sent *stopped*: discord.py then keeps no copy in memory, and every
press or submit is handled from its `custom_id` alone (see `bot.discord.ids`), the same
before and after a restart.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from typing import Any

import discord

from bot.discord.ids import button_id, form_page_id
from bot.model import Button, ButtonStyle, Form, Option, OptionType, Reply

CONTENT_MAX = 2000
DESCRIPTION_MAX = 4096
TITLE_MAX = 256
FIELD_NAME_MAX = 256
FIELD_VALUE_MAX = 1024
FIELDS_MAX = 25
BUTTONS_MAX = 25  # five rows of five
MODAL_TITLE_MAX = 45
MODAL_FIELDS_MAX = 5
LABEL_MAX = 45
INPUT_MAX = 4000
SELECT_OPTIONS_MAX = 25

_STYLES = {
    ButtonStyle.PRIMARY: discord.ButtonStyle.primary,
    ButtonStyle.SECONDARY: discord.ButtonStyle.secondary,
    ButtonStyle.DANGER: discord.ButtonStyle.danger,
    ButtonStyle.SUCCESS: discord.ButtonStyle.success,
}
_YES_NO = (("yes", "Yes"), ("no", "No"))


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def message_kwargs(reply: Reply, *, guild_id: str | None = None) -> dict[str, Any]:
    """`send()`/`edit()` arguments for a reply. `guild_id` goes into the buttons of
    messages outside the guild (DMs), where a press does not say which community."""
    kwargs: dict[str, Any] = {}
    if reply.title or reply.fields or len(reply.text) > CONTENT_MAX:
        embed = discord.Embed(
            title=clip(reply.title, TITLE_MAX) if reply.title else None,
            description=clip(reply.text, DESCRIPTION_MAX) if reply.text else None,
            colour=discord.Colour.blurple(),
        )
        for item in reply.fields[:FIELDS_MAX]:
            embed.add_field(
                name=clip(item.name, FIELD_NAME_MAX) or "\u200b",
                value=clip(item.value, FIELD_VALUE_MAX) or "\u200b",
                inline=item.inline,
            )
        kwargs["embed"] = embed
    else:
        kwargs["content"] = reply.text or "\u200b"
    if reply.buttons:
        kwargs["view"] = button_view(reply.buttons, guild_id)
    if reply.file is not None:
        kwargs["file"] = discord.File(io.BytesIO(reply.file.content), reply.file.filename)
    return kwargs


def button_view(buttons: Sequence[Button], guild_id: str | None) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    for button in buttons[:BUTTONS_MAX]:
        view.add_item(
            discord.ui.Button(
                label=clip(button.label, 80),
                style=_STYLES[button.style],
                custom_id=button_id(button.action_id, guild_id),
            )
        )
    view.stop()  # stateless: presses are routed by custom_id, not by this object
    return view


def form_pages(form: Form) -> list[tuple[Option, ...]]:
    """A modal holds five fields, so a longer form is shown as several pages."""
    fields = form.fields
    return [fields[i : i + MODAL_FIELDS_MAX] for i in range(0, len(fields), MODAL_FIELDS_MAX)]


def modal_for(
    form: Form, page: int, *, prefill: Mapping[str, str], guild_id: str | None
) -> discord.ui.Modal:
    pages = form_pages(form)
    title = form.title if len(pages) == 1 else f"{form.title} ({page + 1}/{len(pages)})"
    modal = discord.ui.Modal(
        title=clip(title, MODAL_TITLE_MAX),
        custom_id=form_page_id(form.id, page, guild_id),
        timeout=None,
    )
    for option in pages[page]:
        modal.add_item(
            discord.ui.Label(
                text=clip(option.name.replace("_", " ").capitalize(), LABEL_MAX),
                description=clip(option.description, 100),
                component=_field_input(option, prefill.get(option.name)),
            )
        )
    modal.stop()  # stateless, like views: the submit is handled from its custom_id
    return modal


def _field_input(option: Option, current: str | None) -> discord.ui.Item[Any]:
    choices: Sequence[tuple[str, str]] = ()
    if option.type is OptionType.CHOICE and len(option.choices) <= SELECT_OPTIONS_MAX:
        choices = [(choice.value, choice.shown) for choice in option.choices]
    elif option.type is OptionType.BOOLEAN:
        choices = _YES_NO
    if choices:
        return discord.ui.Select(
            custom_id=option.name,
            required=option.required,
            min_values=1 if option.required else 0,
            max_values=1,
            options=[
                discord.SelectOption(label=clip(label, 100), value=value, default=current == value)
                for value, label in choices
            ],
        )
    long = option.type is OptionType.LONG_TEXT
    limit = min(option.length_limit, INPUT_MAX) if option.type in _TEXTS else 100
    return discord.ui.TextInput(
        custom_id=option.name,
        style=discord.TextStyle.paragraph if long else discord.TextStyle.short,
        required=option.required,
        max_length=limit,
        default=clip(current, limit) if current else None,
        placeholder=clip(_placeholder(option), 100) or None,
    )


_TEXTS = frozenset({OptionType.TEXT, OptionType.LONG_TEXT})


def _placeholder(option: Option) -> str:
    if option.type is OptionType.DATETIME:
        return "2026-12-01 19:00, or 2026-12-01T19:00-05:00"
    if option.type is OptionType.MEMBER:
        return "@name or member id"
    if option.type is OptionType.MEMBERS:
        return "@name, @name (or member ids)"
    if option.type is OptionType.CHANNEL:
        return "#channel or channel id"
    if option.type is OptionType.INTEGER:
        low = option.min_value if option.min_value is not None else ""
        high = option.max_value if option.max_value is not None else ""
        return (
            f"a whole number from {low} to {high}" if low != "" or high != "" else "a whole number"
        )
    if option.type is OptionType.CHOICE:
        return ", ".join(choice.value for choice in option.choices)
    return ""


def submitted_values(components: Sequence[Mapping[str, Any]]) -> dict[str, str]:
    """Field values from a modal submit, whatever the nesting (labels or action rows)."""
    values: dict[str, str] = {}

    def walk(items: Sequence[Mapping[str, Any]]) -> None:
        for item in items:
            custom_id = item.get("custom_id")
            if custom_id is not None and "value" in item:
                values[custom_id] = str(item["value"])
            elif custom_id is not None and "values" in item:
                picked = item["values"]
                if picked:
                    values[custom_id] = str(picked[0])
            if "component" in item:
                walk([item["component"]])
            if "components" in item:
                walk(item["components"])

    walk(components)
    return values

"""The `custom_id`s the Discord surface puts on buttons and dialogs.

A press or a submit carries nothing but its `custom_id`, so the id holds everything needed
to act on it after a restart: the neutral action id (`feature.action:target`) or form id,
and, for messages in DMs (which have no guild), the community the message belongs to.

    button        pc:<action_id>            in a guild channel
                  pc@<guild_id>:<action_id> in a DM
    dialog page   pf[@<guild_id>]:<form_id>:<page>
    next page     pn[@<guild_id>]:<form_id>:<page>
"""

from __future__ import annotations

import re
from dataclasses import dataclass

CUSTOM_ID_MAX = 100  # Discord's limit

BUTTON = re.compile(r"pc(?:@(?P<guild>[0-9]{1,20}))?:(?P<action_id>.+)", re.DOTALL)
FORM_PAGE = re.compile(r"pf(?:@(?P<guild>[0-9]{1,20}))?:(?P<form_id>[^:]+):(?P<page>[0-9]{1,2})")
NEXT_PAGE = re.compile(r"pn(?:@(?P<guild>[0-9]{1,20}))?:(?P<form_id>[^:]+):(?P<page>[0-9]{1,2})")


class CustomIdTooLong(ValueError):
    pass


def _guild_part(guild_id: str | None) -> str:
    return f"@{guild_id}" if guild_id else ""


def _checked(custom_id: str) -> str:
    if len(custom_id) > CUSTOM_ID_MAX:
        # A feature bug, not bad input: its target ids must be short enough for Discord.
        raise CustomIdTooLong(f"custom_id over {CUSTOM_ID_MAX} characters: {custom_id[:40]}...")
    return custom_id


def button_id(action_id: str, guild_id: str | None = None) -> str:
    return _checked(f"pc{_guild_part(guild_id)}:{action_id}")


def form_page_id(form_id: str, page: int, guild_id: str | None = None) -> str:
    return _checked(f"pf{_guild_part(guild_id)}:{form_id}:{page}")


def next_page_id(form_id: str, page: int, guild_id: str | None = None) -> str:
    return _checked(f"pn{_guild_part(guild_id)}:{form_id}:{page}")


@dataclass(frozen=True, slots=True)
class FormPage:
    form_id: str
    page: int
    guild_id: str | None


def parse_form_page(custom_id: str, pattern: re.Pattern[str] = FORM_PAGE) -> FormPage | None:
    match = pattern.fullmatch(custom_id)
    if match is None:
        return None
    return FormPage(match["form_id"], int(match["page"]), match["guild"])

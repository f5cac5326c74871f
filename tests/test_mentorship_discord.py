"""End to end: /mentor through the real discord.py client, against a fake Discord.

A mentor offers, a mentee requests, the mentor gets a DM with Accept and Decline, and
answers it after the bot restarted. Every assertion is on what the fake received, that is,
on what the members would see.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.discord_bot import ALICE, BOB, TOKEN, BotProcess, serve_fake
from tests.fakes.discord import FakeDiscord, InteractionHandle
from tests.test_discord_surface import answer, shown

OFFER = {
    "specialties": "pediatric anesthesiology, critical care",
    "stages": "medical student, resident",
    "capacity": 2,
    "institution": "UCSF",
    "timezone": "America/Chicago",
    "languages": "English, Spanish",
    "bio": "Pediatric anesthesiologist who loves teaching.",
    "identities": "URiM",
}
REQUEST = {
    "interests": "pediatric anesthesiology",
    "stage": "medical student",
    "goals": "Learn what anesthesiology residency is like.",
    "outside_institution": "no",
    "language": "Spanish",
    "timezone": "America/Chicago",
    "identities": "URiM, first-generation",
    "same_identity": "yes",
}


fake = pytest.fixture(serve_fake)


def message_text(message: dict[str, Any]) -> str:
    """What a member reads in a stored message: content and embed text."""
    parts = [message.get("content") or ""]
    for embed in message.get("embeds") or []:
        parts += [embed.get("title") or "", embed.get("description") or ""]
        parts += [f"{f['name']}: {f['value']}" for f in embed.get("fields", [])]
    return "\n".join(parts)


def buttons_of(message: dict[str, Any]) -> list[tuple[str, str]]:
    """(label, custom_id) of every button on a stored message."""
    return [
        (button.get("label") or "", button.get("custom_id") or "")
        for row in message.get("components") or []
        for button in row.get("components", [])
        if button.get("type") == 2
    ]


def titled(messages: list[dict[str, Any]], title: str) -> list[dict[str, Any]]:
    return [m for m in messages if any(e.get("title") == title for e in m.get("embeds") or [])]


async def answered(handle: InteractionHandle) -> str:
    return shown(await answer(handle))


async def test_a_mentor_accepts_a_proposal_by_dm_after_a_restart(
    fake: FakeDiscord, tmp_path: Path
) -> None:
    process = BotProcess(fake, tmp_path)
    await process.start()
    try:
        offered = await answered(await fake.slash(BOB, "mentor", "offer", OFFER))
        assert "Your mentor offer is saved" in offered and "Thank you for mentoring!" in offered
        assert "0 of 2 places taken" in offered

        requested = await answered(await fake.slash(ALICE, "mentor", "request", REQUEST))
        assert "We found a mentor who fits" in requested and "and asked them" in requested
        assert "shared interests: pediatric anesthesiology" in requested

        # The mentor is asked in a DM with two buttons; the mentee hears nothing more there
        # (she was answered in her own command).
        [proposal] = titled(fake.dm_messages(BOB), "A mentee for you")
        text = message_text(proposal)
        assert f"<@{ALICE}> is looking for a mentor, and you fit" in text
        assert "Would you mentor them?" in text and "72 hours" in text
        assert "Learn what anesthesiology residency is like." in text  # her goals, shown
        assert "URiM" not in text and "first-generation" not in text  # identities: private
        labels = [label for label, _ in buttons_of(proposal)]
        assert labels == ["Accept", "Decline"]
        accept_id, decline_id = (custom_id for _, custom_id in buttons_of(proposal))
        assert accept_id.split(":", 1)[1].startswith("mentorship.accept:")
        assert decline_id.split(":", 1)[1].startswith("mentorship.decline:")
        assert accept_id.rsplit(":", 1)[1] == decline_id.rsplit(":", 1)[1]  # one proposal
        assert fake.dm_messages(ALICE) == []

        assert await process.stop() == 0
        await process.start()  # a new process: the proposal lives only in the database

        accepted = await answered(await fake.press(BOB, proposal, accept_id))
        assert "Match made" in accepted
        assert f"You are now <@{ALICE}>'s mentor" in accepted

        # The proposal DM now says what happened, without buttons to press again.
        edited = fake.message(int(proposal["id"]))
        assert edited is not None
        assert "You accepted this mentee. Thank you!" in message_text(edited)
        assert buttons_of(edited) == []

        # Discord bots cannot open group DMs: each gets the introduction in their own DM.
        for member in (BOB, ALICE):
            [intro] = titled(fake.dm_messages(member), "Meet your mentorship match")
            intro_text = message_text(intro)
            assert f"<@{BOB}>, meet <@{ALICE}>" in intro_text
            assert "shared interests: pediatric anesthesiology" in intro_text
            assert "30-minute video call" in intro_text and "In 14 days" in intro_text
            assert "URiM" not in intro_text and "first-generation" not in intro_text
    finally:
        code = await process.stop()
    log = process.log()
    assert code == 0, log
    assert TOKEN not in log
    assert "Ignoring exception" not in log and "never retrieved" not in log, log
    assert "Traceback" not in log, log

"""End to end: /mentor through the real Bolt app, against a fake Slack.

A mentor offers, a mentee requests, the mentor gets a DM with Accept and Decline, and
answers it after the bot restarted. Every assertion is on what the fake received, that is,
on what the members would see.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.fakes.slack import FakeSlack
from tests.slack_bot import ALICE, BOB, SlackBot, serve_fake
from tests.test_slack_surface import buttons, check_log, text_of

OFFER = (
    'offer specialties:"pediatric anesthesiology, critical care" '
    'stages:"medical student, resident" capacity:2 institution:UCSF '
    'timezone:America/Chicago languages:"English, Spanish" '
    'bio:"Pediatric anesthesiologist who loves teaching." identities:URiM'
)
REQUEST = (
    'request interests:"pediatric anesthesiology" stage:"medical student" '
    'goals:"Learn what anesthesiology residency is like." outside_institution:no '
    'language:Spanish timezone:America/Chicago identities:"URiM, first-generation" '
    "same_identity:yes"
)


fake = pytest.fixture(serve_fake)


async def run(fake: FakeSlack, user: str, text: str) -> str:
    """Run `/mentor text` as `user`; what the member reads in the answer."""
    since = len(fake.responses)
    await fake.slash(user, "/mentor", text)
    return text_of((await fake.wait_for_response(since=since)).args)


def titled(messages: list[dict[str, Any]], title: str) -> list[dict[str, Any]]:
    return [m for m in messages if title in text_of(m)]


async def test_a_mentor_accepts_a_proposal_by_dm_after_a_restart(
    fake: FakeSlack, tmp_path: Path
) -> None:
    process = SlackBot(fake, tmp_path)
    await process.start()
    try:
        offered = await run(fake, BOB, OFFER)
        assert "Your mentor offer is saved" in offered and "0 of 2 places taken" in offered

        requested = await run(fake, ALICE, REQUEST)
        assert "We found a mentor who fits" in requested and "and asked them" in requested
        assert "shared interests: pediatric anesthesiology" in requested

        # The mentor is asked in a DM with two buttons.
        bob_dm = fake.dm_channel_of(BOB)
        assert bob_dm is not None
        [proposal] = titled(fake.messages(bob_dm), "A mentee for you")
        text = text_of(proposal)
        assert f"<@{ALICE}> is looking for a mentor, and you fit" in text
        assert "Would you mentor them?" in text and "72 hours" in text
        assert "Learn what anesthesiology residency is like." in text  # her goals, shown
        assert "URiM" not in text and "first-generation" not in text  # identities: private
        shown = buttons(proposal)
        assert [b["text"]["text"] for b in shown] == ["Accept", "Decline"]
        accept, decline = shown
        assert accept["value"].startswith("mentorship.accept:")
        assert decline["value"].startswith("mentorship.decline:")
        assert accept["value"].split(":")[1] == decline["value"].split(":")[1]
        # The mentee was answered in her own command: no DM for her yet.
        alice_dm = fake.dm_channel_of(ALICE)
        assert alice_dm is None or fake.messages(alice_dm) == []

        assert await process.stop() == 0
        await process.start()  # a new process: the proposal lives only in the database

        since = len(fake.responses)
        await fake.press(BOB, proposal, accept["action_id"])
        accepted = text_of((await fake.wait_for_response(since=since)).args)
        assert "Match made" in accepted and f"You are now <@{ALICE}>'s mentor" in accepted

        # The proposal DM now says what happened, without buttons to press again.
        [update] = [c for c in fake.calls_to("chat.update") if c.args.get("ts") == proposal["ts"]]
        assert update.args["channel"] == bob_dm
        [edited] = [m for m in fake.messages(bob_dm) if m["ts"] == proposal["ts"]]
        assert "You accepted this mentee. Thank you!" in text_of(edited)
        assert buttons(edited) == []

        # One introduction, in a conversation with both of them.
        [opened] = [
            c
            for c in fake.calls_to("conversations.open")
            if set(str(c.args.get("users", "")).split(",")) == {ALICE, BOB}
        ]
        assert opened.status == 200
        group = fake.dm_channel_of(ALICE, BOB)
        assert group is not None and group not in (bob_dm, fake.dm_channel_of(ALICE))
        [intro] = titled(fake.messages(group), "Meet your mentorship match")
        intro_text = text_of(intro)
        assert f"<@{BOB}>, meet <@{ALICE}>" in intro_text
        assert "shared interests: pediatric anesthesiology" in intro_text
        assert "30-minute video call" in intro_text and "In 14 days" in intro_text
        assert "URiM" not in intro_text and "first-generation" not in intro_text
        intros = titled([c.args for c in fake.calls_to("chat.postMessage")], "Meet your mentor")
        assert [c["channel"] for c in intros] == [group]  # not also one by one
    finally:
        assert await process.stop() == 0
    check_log(process, fake)

"""End to end: an AMA session through the real discord.py client, against a fake Discord.

The whole app runs in this process (so its manual clock can be moved and the due jobs
run), with the Discord surface's REST and gateway pointed at the fake on 127.0.0.1 and a
real SQLite file. A moderator schedules a session with /ama; the fake gets the announcement
with its buttons, the guild's scheduled event and the host's DM. Members RSVP, ask
anonymously through the dialog and get the calendar file; the host reads the questions.
Then time moves: a reminder, "starting now", the recap, the event going active then
completed, and the announcement closed. Every assertion is on what the fake received.
"""

from __future__ import annotations

import logging
import math
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import discord
import pytest
from icalendar import Calendar

from bot.app import App
from bot.clock import ManualClock
from config.settings import Settings
from storage.models import Scope
from tests.conftest import START
from tests.discord_bot import ALICE, ANNOUNCEMENTS, BOB, MODERATOR, TOKEN, serve_fake
from tests.fakes.discord import GENERAL_CHANNEL_ID, Call, FakeDiscord, InteractionHandle
from tests.test_discord_surface import DEFERRED, EPHEMERAL, MODAL, answer, shown
from tests.test_mentorship_discord import buttons_of, message_text, titled

HOST = 500000000000000009  # the physician answering questions
# START is Sunday 2026-11-22 15:00 UTC; the session is the Friday after, days ahead of the
# real now too, so the fake (which checks event starts against real time) accepts it.
FRIDAY_7PM_UTC = datetime(2026, 11, 27, 19, 0, tzinfo=UTC)
ENDS = FRIDAY_7PM_UTC + timedelta(minutes=90)
QUESTION = "Is it OK to take a research year before applying?"

fake = pytest.fixture(serve_fake)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
async def app(
    fake: FakeDiscord, tmp_path: Path, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[App]:
    """The bot in this process: every feature, the Discord surface, a SQLite file."""
    fake.add_member(HOST, "dr_host")
    # The fake refuses an event start in the real past; the app's clock stands at START
    # whatever the date, so without this the test would start failing on 2026-11-27.
    fake.event_past_tolerance = math.inf
    # The surface points discord.py's class-level REST base and gateway at the fake;
    # monkeypatch puts the originals back afterwards for the rest of the session.
    monkeypatch.setattr(discord.http.Route, "BASE", discord.http.Route.BASE)
    monkeypatch.setattr(
        discord.gateway.DiscordWebSocket,
        "DEFAULT_GATEWAY",
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY,
    )
    settings = Settings(
        _env_file=None,
        data_dir=tmp_path,
        discord_token=TOKEN,
        discord_api_base=fake.api_base,
        discord_gateway_url=fake.gateway_url,
        discord_guild_ids=[fake.guild_id],
        discord_guild_ready_timeout=0.1,
    )
    running = App(settings, clock=clock)
    await running.start()
    try:
        yield running
    finally:
        await running.shutdown()
    assert fake.errors == []


def stamp(when: datetime) -> int:
    return int(when.timestamp())


def ephemeral_answer_flags(handle: InteractionHandle) -> int:
    """The flags of the deferral that the final answer edits (64: only the member sees it)."""
    [callback] = [c for c in handle.responses() if c.path.endswith("/callback")]
    assert callback.json["type"] == DEFERRED, callback.json
    return int(callback.json["data"]["flags"])


async def answered(handle: InteractionHandle) -> Call:
    final = await answer(handle)
    assert final.method == "PATCH" and final.path.endswith("/messages/@original"), final
    assert ephemeral_answer_flags(handle) & EPHEMERAL
    return final


async def advance(app: App, clock: ManualClock, to: datetime) -> None:
    clock.advance(to - clock.now())
    await app.core.scheduler.run_due()
    await app.core.tasks.settle()


def modal_inputs(modal: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """A dialog's inputs by custom_id, whether in labels (type 18) or action rows."""
    found: dict[str, dict[str, Any]] = {}
    for top in modal["components"]:
        for item in [top.get("component") or {}, *(top.get("components") or [])]:
            if item.get("custom_id"):
                found[item["custom_id"]] = item
    return found


async def test_an_ama_from_schedule_to_recap_with_its_scheduled_event(
    fake: FakeDiscord,
    app: App,
    clock: ManualClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    gid = fake.guild_id
    scope = Scope("discord", str(gid))

    # ----- a moderator sets the announcements channel, then schedules ---------------------
    setup = await answered(
        await fake.slash(MODERATOR, "setup", "channels", {"announcements": ANNOUNCEMENTS})
    )
    assert "Channels updated" in shown(setup)
    scheduled = await answered(
        await fake.slash(
            MODERATOR,
            "ama",
            "schedule",
            {
                "title": "Residency interviews",
                "host": HOST,
                "start": "2026-11-27 19:00",
                "duration": "90m",
                "description": "Bring your questions about interview season.",
            },
        )
    )
    said = shown(scheduled)
    assert "AMA scheduled" in said, said
    assert f"<t:{stamp(FRIDAY_7PM_UTC)}:F>" in said and f"<#{ANNOUNCEMENTS}>" in said

    [session] = await app.core.repos.ama.upcoming(scope, clock.now())
    sid = session.short_id
    assert (session.starts_at, session.ends_at) == (FRIDAY_7PM_UTC, ENDS)

    # The announcement, in the announcements channel, with its three buttons.
    [announcement] = titled(fake.messages(ANNOUNCEMENTS), "AMA: Residency interviews")
    text = message_text(announcement)
    assert f"Session id: `{sid}`" in text
    assert "Bring your questions about interview season." in text
    assert f"Host: <@{HOST}>" in text and f"Where: <#{ANNOUNCEMENTS}>" in text
    assert f"When: <t:{stamp(FRIDAY_7PM_UTC)}:F> (<t:{stamp(FRIDAY_7PM_UTC)}:R>)" in text
    assert "for 1 hour 30 minutes" in text
    assert buttons_of(announcement) == [
        ("RSVP", f"pc:ama.rsvp:{sid}"),
        ("Ask a question", f"pc:form.open:ama.ask?session={sid}"),
        ("Add to calendar", f"pc:ama.calendar:{sid}"),
    ]
    # The commands' answers, where they were run, were for the moderator's eyes only.
    assert all(m["flags"] & EPHEMERAL for m in fake.messages(GENERAL_CHANNEL_ID))

    # The guild's event list: an EXTERNAL, guild-only event whose place names the channel.
    [created] = fake.calls_to("POST", rf"^/guilds/{gid}/scheduled-events$")
    assert created.status == 200, created.response
    sent = created.json
    assert sent["entity_type"] == 3 and sent["privacy_level"] == 2
    assert sent["channel_id"] is None
    assert sent["name"] == "Residency interviews"
    assert datetime.fromisoformat(sent["scheduled_start_time"]) == FRIDAY_7PM_UTC
    assert datetime.fromisoformat(sent["scheduled_end_time"]) == ENDS
    assert sent["entity_metadata"] == {"location": "#announcements"}  # not a raw <#id>
    assert f"/ama ask session:{sid}" in sent["description"]
    [event] = fake.scheduled_events(gid)
    assert event["status"] == 1 and event["creator_id"] == str(fake.bot_user_id)
    saved = await app.core.repos.ama.get(scope, sid)
    assert saved is not None and saved.event_ref == event["id"]
    assert saved.announce_ref == f"{ANNOUNCEMENTS}/{announcement['id']}"

    # The host is told in a DM.
    [host_dm] = titled(fake.dm_messages(HOST), "You are hosting an AMA")
    assert sid in message_text(host_dm) and f"<#{ANNOUNCEMENTS}>" in message_text(host_dm)

    # ----- a member RSVPs with the button ------------------------------------------------
    rsvp = await answered(await fake.press(ALICE, announcement, f"pc:ama.rsvp:{sid}"))
    assert "RSVP saved" in shown(rsvp) and "Residency interviews" in shown(rsvp)
    assert await app.core.repos.ama.rsvps(session.id) == [str(ALICE)]

    # ----- another asks anonymously through the dialog -----------------------------------
    opened = await fake.press(BOB, announcement, f"pc:form.open:ama.ask?session={sid}")
    modal = await opened.first_response()
    assert modal.json["type"] == MODAL, modal.json
    dialog = modal.json["data"]
    assert dialog["custom_id"] == "pf:ama.ask:0"
    inputs = modal_inputs(dialog)
    assert inputs["session"]["value"] == sid  # filled in from the button
    assert inputs["anonymous"]["type"] == 3  # a yes/no select, not free text
    submitted = await fake.submit_modal(
        BOB, dialog["custom_id"], {"session": sid, "question": QUESTION, "anonymous": "yes"}
    )
    asked = shown(await answered(submitted))
    assert "Question sent" in asked and "Nobody but you will see that you asked it" in asked
    [question] = await app.core.repos.ama.questions(session.id)
    assert question.text == QUESTION

    # The host sees the question, and "anonymous" in place of the asker.
    listed = shown(await answered(await fake.slash(HOST, "ama", "questions", {"session": sid})))
    assert QUESTION in listed and "asked by anonymous" in listed
    assert str(BOB) not in listed and "bob" not in listed.lower()

    # ----- the calendar button sends an .ics file, privately ------------------------------
    calendar = await answered(await fake.press(ALICE, announcement, f"pc:ama.calendar:{sid}"))
    assert "for your calendar" in shown(calendar)
    [(filename, content)] = calendar.files
    assert filename.endswith(".ics") and b"BEGIN:VCALENDAR" in content
    [vevent] = Calendar.from_ical(content).walk("VEVENT")
    assert vevent.decoded("DTSTART") == FRIDAY_7PM_UTC
    assert vevent.decoded("DTEND") == ENDS
    assert str(vevent["SUMMARY"]) == "AMA: Residency interviews"
    kept = fake.message(int(calendar.response["id"]))
    assert kept is not None and [a["filename"] for a in kept["attachments"]] == [filename]

    # ----- a day and 15 minutes before: reminder DMs to the member who RSVP'd and the host -
    await advance(app, clock, FRIDAY_7PM_UTC - timedelta(hours=24))
    [reminder] = titled(fake.dm_messages(ALICE), "AMA reminder")
    assert "starting in about 24 hours" in message_text(reminder)
    # A button in a DM names its guild, since a press there does not say which community.
    assert (
        "Questions so far",
        f"pc@{gid}:ama.questions:{sid}",
    ) in buttons_of(reminder)
    assert titled(fake.dm_messages(HOST), "AMA reminder")
    assert titled(fake.dm_messages(BOB), "AMA reminder") == []  # Bob did not RSVP
    await advance(app, clock, FRIDAY_7PM_UTC - timedelta(minutes=15))
    [_, soon] = titled(fake.dm_messages(ALICE), "AMA reminder")
    assert "starting in about 15 minutes" in message_text(soon)

    # ----- the start: "starting now" in the channel, the event goes active ----------------
    await advance(app, clock, FRIDAY_7PM_UTC)
    [starting] = titled(fake.messages(ANNOUNCEMENTS), "Starting now: Residency interviews")
    starting_text = message_text(starting)
    assert f"<@{HOST}> is taking questions now" in starting_text
    assert QUESTION in starting_text and str(BOB) not in starting_text
    assert (fake.scheduled_event(int(event["id"])) or {})["status"] == 2
    # The host marks the question answered, for the recap.
    done = shown(
        await answered(await fake.slash(HOST, "ama", "answered", {"question": str(question.id)}))
    )
    assert "marked answered" in done

    # ----- the end: the recap, the event completed, the announcement closed ---------------
    await advance(app, clock, ENDS)
    [recap] = titled(fake.messages(ANNOUNCEMENTS), "Recap: Residency interviews")
    recap_text = message_text(recap)
    assert "1 question answered" in recap_text and QUESTION in recap_text
    assert str(BOB) not in recap_text
    event_patches = fake.calls_to("PATCH", rf"^/guilds/{gid}/scheduled-events/{event['id']}$")
    assert [(c.json, c.status) for c in event_patches] == [
        ({"status": 2}, 200),
        ({"status": 3}, 200),
    ]
    assert (fake.scheduled_event(int(event["id"])) or {})["status"] == 3
    [closing] = fake.calls_to(
        "PATCH", rf"^/channels/{ANNOUNCEMENTS}/messages/{announcement['id']}$"
    )
    assert closing.status == 200 and not closing.json.get("components")
    closed = fake.message(int(announcement["id"]))
    assert closed is not None and buttons_of(closed) == []
    assert "This session has ended" in message_text(closed)

    # Nothing public ever named the anonymous asker, and nothing went wrong on the way.
    for message in fake.messages(ANNOUNCEMENTS):
        assert str(BOB) not in message_text(message)
    # (A failed event call or a reminder recorded as missed would be a warning.)
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING], caplog.text
    assert TOKEN not in caplog.text


async def test_a_session_in_a_given_channel_cancelled_by_its_host(
    fake: FakeDiscord, app: App, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    gid = fake.guild_id
    options: dict[str, object] = {
        "title": "Match day",
        "host": HOST,
        "start": "2026-11-27 19:00",
        "channel": GENERAL_CHANNEL_ID,
    }
    # Scheduling is for moderators: a member is refused, and nothing is posted or listed.
    refused = shown(await answered(await fake.slash(ALICE, "ama", "schedule", options)))
    assert "moderator" in refused.lower(), refused
    assert fake.scheduled_events(gid) == [] and fake.calls_to("POST", r"/messages$") == []

    # No announcements channel is set up: `channel:` says where it happens.
    scheduled = shown(await answered(await fake.slash(MODERATOR, "ama", "schedule", options)))
    assert "AMA scheduled" in scheduled, scheduled
    [announcement] = titled(fake.messages(GENERAL_CHANNEL_ID), "AMA: Match day")
    assert "for 1 hour" in message_text(announcement)  # the default length
    sid = buttons_of(announcement)[0][1].rsplit(":", 1)[1]
    [event] = fake.scheduled_events(gid)
    assert event["entity_metadata"] == {"location": "#general"}
    assert datetime.fromisoformat(event["scheduled_end_time"]) == FRIDAY_7PM_UTC + timedelta(
        hours=1
    )
    await answered(await fake.press(ALICE, announcement, f"pc:ama.rsvp:{sid}"))

    cancelled = shown(
        await answered(
            await fake.slash(HOST, "ama", "cancel", {"session": sid, "note": "Called into surgery"})
        )
    )
    assert "Cancelled" in cancelled, cancelled
    [told] = titled(fake.dm_messages(ALICE), "AMA cancelled")
    assert "Called into surgery" in message_text(told)
    assert (fake.scheduled_event(int(event["id"])) or {})["status"] == 4
    closed = fake.message(int(announcement["id"]))
    assert closed is not None and buttons_of(closed) == []
    assert "This session was cancelled" in message_text(closed)
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING], caplog.text

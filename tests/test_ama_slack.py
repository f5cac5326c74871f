"""End to end: an AMA session's whole life on Slack, against the fake Slack.

The real Bolt app (bot/slack/) runs in this process, in Socket Mode, with every feature and
a real SQLite file, so the test can hold the app's ManualClock: a moderator schedules, the
host is told, a member RSVPs, asks anonymously through the modal and takes the .ics file;
the bot restarts; then the clock moves across the reminders, the start and the end. Every
assertion about members is on what the fake received, that is, on what they would see.
"""

from __future__ import annotations

import json
import logging
import re
import sqlite3
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from icalendar import Calendar

from bot.app import App
from bot.clock import ManualClock
from config.settings import Settings
from storage.models import Scope
from tests.conftest import START
from tests.fakes.slack import GENERAL_CHANNEL_ID, FakeSlack
from tests.slack_bot import ALICE, ANNOUNCEMENTS, BOB, MODERATOR, serve_fake
from tests.test_slack_surface import buttons, text_of

HOST = BOB
MEMBER = ALICE
TITLE = "Residency interviews"
QUESTION = "How many programs should I apply to?"
STARTS = datetime(2026, 11, 27, 19, 0, tzinfo=UTC)  # a Friday; the clock stands at START
ENDS = STARTS + timedelta(minutes=90)
# Slack date formatting: each reader sees their own local time, the fallback is UTC.
WHEN = f"<!date^{int(STARTS.timestamp())}^{{date_long_pretty}} at {{time}}|2026-11-27 19:00 UTC>"

fake = pytest.fixture(serve_fake)


class SlackApp:
    """The bot as `python -m bot run` builds it (App, Slack surface from settings), but in
    this process, on a manual clock; `start()` again after `stop()` is a restart."""

    def __init__(self, fake: FakeSlack, data_dir: Path, clock: ManualClock) -> None:
        fake.use_socket_mode()
        self.clock = clock
        self.data_dir = data_dir
        self.settings = Settings(
            _env_file=None,
            data_dir=data_dir,
            database_url=None,
            features=["all"],
            slack_bot_token=fake.bot_token,
            slack_app_token=fake.app_token,
            slack_api_url=fake.api_url,
        )
        self.app: App | None = None

    @property
    def core(self) -> Any:
        assert self.app is not None
        return self.app.core

    async def start(self) -> None:
        self.app = App(self.settings, clock=self.clock)
        await self.app.start()

    async def stop(self) -> None:
        if self.app is not None:
            await self.app.shutdown()
            self.app = None

    async def advance(self, to: datetime) -> None:
        """Move the clock to `to` and run what came due, as the scheduler would."""
        self.clock.advance(to - self.clock.now())
        await self.core.scheduler.run_due()
        await self.core.tasks.settle()

    def jobs(self) -> list[tuple[str, str]]:
        with sqlite3.connect(self.data_dir / "preceptor.sqlite3") as conn:
            rows = conn.execute(
                "SELECT kind, status FROM scheduled_jobs WHERE kind LIKE 'ama.%' ORDER BY id"
            ).fetchall()
        return [(str(kind), str(status)) for kind, status in rows]


@pytest.fixture
async def bot(fake: FakeSlack, tmp_path: Path) -> AsyncIterator[SlackApp]:
    process = SlackApp(fake, tmp_path, ManualClock(START))
    await process.start()
    try:
        yield process
    finally:
        await process.stop()
    assert fake.rejected == [], fake.rejected
    assert fake.errors == [], fake.errors


async def run(fake: FakeSlack, user: str, command: str, text: str) -> dict[str, Any]:
    """`command text` as `user` in #general; the response_url answer's body."""
    since = len(fake.responses)
    await fake.slash(user, command, text, channel_id=GENERAL_CHANNEL_ID)
    return (await fake.wait_for_response(since=since)).args


def titled(messages: list[dict[str, Any]], title: str) -> list[dict[str, Any]]:
    return [
        m
        for m in messages
        if any(b.get("type") == "header" and title in text_of(b) for b in m.get("blocks") or [])
    ]


def button(message: dict[str, Any], label: str) -> dict[str, Any]:
    [found] = [b for b in buttons(message) if b["text"]["text"] == label]
    return found


async def test_an_ama_is_scheduled_attended_asked_anonymously_reminded_started_and_recapped(
    fake: FakeSlack, bot: SlackApp, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    scope = Scope("slack", fake.team_id)

    # ----- a moderator sets the channel and schedules ------------------------------------
    answer = await run(
        fake, MODERATOR, "/setup", f"channels announcements:<#{ANNOUNCEMENTS}|announcements>"
    )
    assert "Channels updated" in text_of(answer)
    answer = await run(
        fake,
        MODERATOR,
        "/ama",
        f'schedule title:"{TITLE}" host:<@{HOST}> start:"2026-11-27 19:00" duration:90m '
        'description:"Bring your questions about interview season."',
    )
    scheduled = text_of(answer)
    assert answer["response_type"] == "ephemeral"
    assert "AMA scheduled" in scheduled and WHEN in scheduled, scheduled
    assert f"hosted by <@{HOST}>" in scheduled and f"<#{ANNOUNCEMENTS}>" in scheduled

    [announcement] = fake.messages(ANNOUNCEMENTS)
    shown = text_of(announcement)
    found = re.search(r"Session id: `([a-z0-9]+)`", shown)
    assert found is not None, shown
    sid = found.group(1)
    assert sid in scheduled
    assert f"AMA: {TITLE}" in shown and "Bring your questions about interview season." in shown
    assert WHEN in shown and "for 1 hour 30 minutes" in shown and f"<@{HOST}>" in shown
    assert [(b["text"]["text"], b["value"]) for b in buttons(announcement)] == [
        ("RSVP", f"ama.rsvp:{sid}"),
        ("Ask a question", f"form.open:ama.ask?session={sid}"),
        ("Add to calendar", f"ama.calendar:{sid}"),
    ]
    [posted] = [c for c in fake.calls_to("chat.postMessage") if c.args["channel"] == ANNOUNCEMENTS]
    assert posted.status == 200

    host_dm = fake.dm_channel_of(HOST)
    assert host_dm is not None
    [hosting] = titled(fake.messages(host_dm), "You are hosting an AMA")
    assert f"`{sid}`" in text_of(hosting) and WHEN in text_of(hosting)

    # ----- a member RSVPs: the answer is for her alone ------------------------------------
    since = len(fake.responses)
    await fake.press(MEMBER, announcement, button(announcement, "RSVP")["action_id"])
    rsvp = (await fake.wait_for_response(since=since)).args
    assert rsvp["response_type"] == "ephemeral"
    said = text_of(rsvp)
    assert "RSVP saved" in said and f"You are going to *{TITLE}*, {WHEN}" in said
    assert "We will DM you 24 hours and 15 minutes before" in said
    assert [e["source"] for e in fake.ephemerals(MEMBER)] == ["response_url"]

    # ----- she asks anonymously, through the modal the button opens -----------------------
    since_calls = len(fake.calls)
    await fake.press(MEMBER, announcement, button(announcement, "Ask a question")["action_id"])
    opened = await fake.wait_for_call("views.open", since=since_calls)
    assert opened.status == 200
    view = opened.args["view"]
    view = json.loads(view) if isinstance(view, str) else view
    assert view["callback_id"] == "pf:ama.ask"
    fields = {b["block_id"]: b["element"] for b in view["blocks"]}
    assert fields["session"]["initial_value"] == sid
    assert fields["anonymous"]["type"] == "static_select"
    [modal] = fake.open_views(MEMBER)
    since = len(fake.responses)
    submitted = await fake.submit_view(MEMBER, modal, {"question": QUESTION, "anonymous": "yes"})
    assert not (await submitted.acked()).payload  # an empty ack closes the modal
    sent = (await fake.wait_for_response(since=since)).args
    confirmed = text_of(sent)
    assert sent["response_type"] == "ephemeral"
    assert "Question sent" in confirmed and "Nobody but you will see that you asked it" in confirmed
    number_found = re.search(r"question #(\d+)", confirmed)
    assert number_found is not None, confirmed
    number = number_found.group(1)

    # The host sees the question, asked by "anonymous", never by whom.
    listed = text_of(await run(fake, HOST, "/ama", f"questions session:{sid}"))
    assert f"#{number}" in listed and QUESTION in listed and "asked by anonymous" in listed
    assert MEMBER not in listed and "alice" not in listed.lower()

    # ----- the calendar button: an .ics file in her DM, and a line saying so ---------------
    since = len(fake.responses)
    await fake.press(MEMBER, announcement, button(announcement, "Add to calendar")["action_id"])
    calendar = (await fake.wait_for_response(since=since)).args
    assert calendar["response_type"] == "ephemeral"
    assert f"Here is *{TITLE}* for your calendar." in text_of(calendar)
    member_dm = fake.dm_channel_of(MEMBER)
    assert member_dm is not None
    [ics] = await fake.wait_for_file(member_dm)
    assert f"I sent {ics['name']} to you in a DM." in text_of(calendar)
    assert ics["name"].endswith(".ics") and ics["channel"] == member_dm
    assert ics["mimetype"] == "text/calendar"
    assert b"BEGIN:VCALENDAR" in ics["content"]
    [event] = Calendar.from_ical(ics["content"]).walk("VEVENT")
    assert str(event["SUMMARY"]) == f"AMA: {TITLE}"
    assert event.decoded("DTSTART") == STARTS and event.decoded("DTEND") == ENDS
    assert f"/ama ask session:{sid}" in str(event["DESCRIPTION"])
    assert [f["channel"] for f in fake.files()] == [member_dm]  # never in a channel

    # ----- a restart: what comes next lives only in the database --------------------------
    await bot.stop()
    await bot.start()

    # ----- 24 hours before: a reminder DM to her and to the host --------------------------
    await bot.advance(STARTS - timedelta(hours=24))
    [reminded] = titled(fake.messages(member_dm), "AMA reminder")
    assert f"You RSVP'd to *{TITLE}*, starting in about 24 hours: {WHEN}" in text_of(reminded)
    assert [b["value"] for b in buttons(reminded)] == [
        f"form.open:ama.ask?session={sid}",
        f"ama.questions:{sid}",
    ]
    [host_reminded] = titled(fake.messages(host_dm), "AMA reminder")
    assert f"You are hosting *{TITLE}*, starting in about 24 hours" in text_of(host_reminded)
    await bot.advance(STARTS - timedelta(minutes=15))
    assert len(titled(fake.messages(member_dm), "AMA reminder")) == 2
    assert "starting in about 15 minutes" in text_of(
        titled(fake.messages(member_dm), "AMA reminder")[1]
    )
    assert len(titled(fake.messages(host_dm), "AMA reminder")) == 2

    # ----- the start: "Starting now" in the channel, with the question but not its asker ---
    await bot.advance(STARTS)
    [starting] = titled(fake.messages(ANNOUNCEMENTS), f"Starting now: {TITLE}")
    started = text_of(starting)
    assert f"<@{HOST}> is taking questions now" in started and QUESTION in started
    assert [b["value"] for b in buttons(starting)] == [
        f"form.open:ama.ask?session={sid}",
        f"ama.questions:{sid}",
    ]
    marked = text_of(await run(fake, HOST, "/ama", f"answered question:{number}"))
    assert f"Question #{number} is marked answered" in marked

    # ----- the end: a recap, and the announcement closed without buttons -------------------
    await bot.advance(ENDS)
    [recap] = titled(fake.messages(ANNOUNCEMENTS), f"Recap: {TITLE}")
    assert "1 question answered" in text_of(recap) and QUESTION in text_of(recap)
    assert f"Thank you to <@{HOST}>" in text_of(recap)
    [update] = [c for c in fake.calls_to("chat.update") if c.args.get("ts") == announcement["ts"]]
    assert update.status == 200 and update.args["channel"] == ANNOUNCEMENTS
    [closed] = [m for m in fake.messages(ANNOUNCEMENTS) if m["ts"] == announcement["ts"]]
    assert "This session has ended." in text_of(closed) and buttons(closed) == []
    assert [m["ts"] for m in fake.messages(ANNOUNCEMENTS)] == [
        announcement["ts"],
        starting["ts"],
        recap["ts"],
    ]

    # ----- nothing twice, nothing failed; Slack has no event list and needs none ----------
    await bot.advance(ENDS + timedelta(days=2))
    assert len(titled(fake.messages(member_dm), "AMA reminder")) == 2
    assert len(fake.messages(ANNOUNCEMENTS)) == 3
    jobs = bot.jobs()
    assert sorted(jobs) == sorted(
        [("ama.remind", "done"), ("ama.remind", "done"), ("ama.start", "done"), ("ama.end", "done")]
    ), jobs
    saved = await bot.core.repos.ama.get(scope, sid)
    assert saved is not None and saved.event_ref is None and saved.announce_ref is not None
    assert "slack ready (Socket Mode)" in caplog.text  # the restart's: the log is captured
    problems = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert problems == [], [r.getMessage() for r in problems]

    # The anonymous asker never shows where others look.
    for channel in (ANNOUNCEMENTS, GENERAL_CHANNEL_ID, host_dm):
        for message in fake.messages(channel):
            assert MEMBER not in text_of(message), message
    for shown_to_others in fake.ephemerals():
        if shown_to_others["user"] != MEMBER:
            assert MEMBER not in text_of(shown_to_others), shown_to_others

"""AMA sessions as moderators, hosts and members live them, on a manual clock: scheduling
across zones and clock changes, series, reminders (and a restart in the middle), start and
recap, cancel, anonymous questions, approval, merges and votes, and bad input."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import pytest
from icalendar import Calendar
from sqlalchemy import select

from bot.clock import ManualClock
from bot.model import Reply
from config.settings import Settings
from storage.ama import Session
from storage.schema import ama_askers, audit_log
from tests.support import SCOPE, Sent, TestHarness

MOD = "mod_mia"
HOST = "dr_lee"
# START is Sunday 2026-11-22 15:00 UTC.
FRIDAY_7PM_UTC = datetime(2026, 11, 27, 19, 0, tzinfo=UTC)


def said(responses: list[object]) -> str:
    parts: list[str] = []
    for r in responses:
        assert isinstance(r, Reply), r
        parts += [r.title or "", r.text, *(f"{f.name}: {f.value}" for f in r.fields)]
    return "\n".join(parts)


def dms(h: TestHarness, user: str, title: str | None = None) -> list[Sent]:
    return [
        s
        for s in h.recorder.sent
        if s.kind == "dm" and user in s.to and (title is None or s.reply.title == title)
    ]


def posts(h: TestHarness, channel: str, title_start: str = "") -> list[Sent]:
    return [
        s
        for s in h.recorder.of_kind("post")
        if s.to == (channel,) and (s.reply.title or "").startswith(title_start)
    ]


async def advance(h: TestHarness, clock: ManualClock, to: datetime) -> None:
    clock.advance(to - clock.now())
    await h.core.scheduler.run_due()
    await h.core.tasks.settle()


async def community(h: TestHarness) -> None:
    """A moderator sets the channels; the host and members have been seen."""
    await h.run(MOD, "/setup channels announcements:#ama modlog:#mods", admin=True)
    for user in (HOST, "ana", "ben", "cy"):
        await h.run(user, "/help")


async def schedule(h: TestHarness, line: str = "") -> Session:
    answer = await h.run(
        MOD,
        f'/ama schedule title:"Residency interviews" host:@{HOST} '
        f'start:"2026-11-27 19:00" duration:90m description:"Bring your questions." {line}',
        admin=True,
    )
    text = said(answer)
    assert "AMA scheduled" in text, text
    [session] = (await h.core.repos.ama.upcoming(SCOPE, h.core.clock.now()))[:1]
    return session


async def test_a_session_is_announced_with_its_id_buttons_event_and_host_told(
    harness: TestHarness,
) -> None:
    h = harness
    await community(h)
    session = await schedule(h)
    assert session.starts_at == FRIDAY_7PM_UTC
    assert session.ends_at == FRIDAY_7PM_UTC + timedelta(minutes=90)
    [post] = posts(h, "ama", "AMA:")
    assert post.reply.title == "AMA: Residency interviews"
    assert f"Session id: `{session.short_id}`" in post.reply.text
    assert "Bring your questions." in post.reply.text
    assert [b.label for b in post.reply.buttons] == ["RSVP", "Ask a question", "Add to calendar"]
    assert post.reply.buttons[0].action_id == f"ama.rsvp:{session.short_id}"
    assert post.reply.buttons[1].action_id == f"form.open:ama.ask?session={session.short_id}"
    assert f"When: {FRIDAY_7PM_UTC.isoformat()}, for 1 hour 30 minutes" in said([post.reply])
    [host_dm] = dms(h, HOST, "You are hosting an AMA")
    assert session.short_id in host_dm.reply.text
    [(event, status)] = h.recorder.events.values()
    assert (event.title, event.starts_at, status) == (
        "Residency interviews",
        FRIDAY_7PM_UTC,
        "scheduled",
    )
    assert "/ama ask session:" + session.short_id in event.description
    saved = await h.core.repos.ama.get(SCOPE, session.short_id.upper())
    assert saved is not None and saved.announce_ref == post.ref and saved.event_ref == "e1"
    listed = await h.text("ana", "/ama list")
    assert session.short_id in listed and "0 going" in listed


@pytest.mark.parametrize(
    ("start", "zone", "expected"),
    [
        # Read in the community's zone; New York is UTC-5 in winter, UTC-4 in summer.
        ("2026-12-01 19:00", "America/New_York", datetime(2026, 12, 2, 0, 0, tzinfo=UTC)),
        ("2027-06-01 19:00", "America/New_York", datetime(2027, 6, 1, 23, 0, tzinfo=UTC)),
        # A zone typed after the time wins over the community's.
        (
            "2026-12-01 19:00 America/Chicago",
            "America/New_York",
            datetime(2026, 12, 2, 1, 0, tzinfo=UTC),
        ),
        ("2026-12-01T19:00+01:00", "America/New_York", datetime(2026, 12, 1, 18, 0, tzinfo=UTC)),
        ("tomorrow 7pm", "Europe/London", datetime(2026, 11, 23, 19, 0, tzinfo=UTC)),
        ("next friday 7pm PT", "UTC", datetime(2026, 11, 28, 3, 0, tzinfo=UTC)),
        # The day after London's clocks go back (2027-10-31), 19:00 is UTC+0 again.
        ("2027-11-01 19:00", "Europe/London", datetime(2027, 11, 1, 19, 0, tzinfo=UTC)),
    ],
)
async def test_start_times_are_read_in_the_right_zone(
    harness: TestHarness, start: str, zone: str, expected: datetime
) -> None:
    h = harness
    await community(h)
    await h.run(MOD, f"/setup timezone zone:{zone}", admin=True)
    answer = await h.text(MOD, f'/ama schedule title:T host:@{HOST} start:"{start}"', admin=True)
    assert "AMA scheduled" in answer, answer
    [session] = await h.core.repos.ama.upcoming(SCOPE, h.core.clock.now())
    assert session.starts_at == expected


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ('start:"2026-11-20 19:00"', "`start` is in the past"),
        ('start:"2028-01-01 19:00"', "more than a year away"),
        ('start:"friday 7pm America/Chicgo"', "time zone I don't know"),
        ('start:"2027-03-14 02:30 ET"', "does not exist in America/New_York"),
        ('start:"someday"', "`start` is not a date and time I can read"),
        ('start:"friday 7pm" duration:5', "from 10 minutes to 8 hours"),
        ('start:"friday 7pm" duration:forever', "can't read `forever`"),
        ('start:"friday 7pm" repeat:weekly', "Say how long it runs"),
        ('start:"friday 7pm" repeat:"weekly x99"', "52"),
        ('start:"friday 7pm" title:"@everyone come"', "title"),
    ],
)
async def test_bad_schedules_get_a_clear_message_and_change_nothing(
    harness: TestHarness, options: str, message: str
) -> None:
    h = harness
    await community(h)
    line = f"/ama schedule title:T host:@{HOST} {options}"
    if "title:" in options:
        line = f"/ama schedule host:@{HOST} {options}"
    answer = await h.text(MOD, line, admin=True)
    assert message in answer, answer
    assert await h.core.repos.ama.upcoming(SCOPE, h.core.clock.now()) == []
    assert not posts(h, "ama")


async def test_without_an_announcements_channel_the_moderator_is_told_how(
    harness: TestHarness,
) -> None:
    h = harness
    await h.run(HOST, "/help")
    answer = await h.text(MOD, f'/ama schedule title:T host:@{HOST} start:"friday 7pm"', admin=True)
    assert "/setup channels announcements:" in answer


async def test_moderator_only_actions_are_refused_to_members(harness: TestHarness) -> None:
    h = harness
    await community(h)
    session = await schedule(h)
    asked = await h.text("ana", f"/ama ask session:{session.short_id} question:Hi? anonymous:yes")
    number = asked.split("#")[1].split(" ")[0]
    refusals = [
        await h.text("ana", f'/ama schedule title:T host:@{HOST} start:"friday 7pm"'),
        await h.text("ana", "/ama queue"),
        await h.text("ana", f"/ama approve question:{number}"),
        await h.text("ana", f"/ama reject question:{number}"),
        await h.text("ana", f"/ama reveal question:{number} reason:spam"),
        await h.text("ana", "/setup ama approval:on"),
        said(await h.press("ana", f"ama.approve:{number}")),
    ]
    for refusal in refusals:
        assert "moderator" in refusal.lower(), refusal
    # The host and moderators run the session; other members cannot.
    assert "Only the host or a moderator" in await h.text(
        "ben", f"/ama cancel session:{session.short_id}"
    )
    assert "Only the host or a moderator" in await h.text(
        "ben", f"/ama edit session:{session.short_id} title:Mine"
    )
    assert "Only the host or a moderator" in await h.text("ben", f"/ama answered question:{number}")
    assert (await h.core.repos.ama.get(SCOPE, session.short_id)).title == "Residency interviews"  # type: ignore[union-attr]
    assert "AMA updated" in await h.text(
        HOST, f'/ama edit session:{session.short_id} title:"Match day"'
    )


async def test_reminders_go_to_rsvps_and_host_once_then_start_and_recap(
    harness: TestHarness, clock: ManualClock
) -> None:
    h = harness
    await community(h)
    session = await schedule(h)
    sid = session.short_id
    assert "RSVP saved" in said(await h.press("ana", f"ama.rsvp:{sid}"))
    assert "RSVP saved" in await h.text("ben", f"/ama rsvp session:{sid}")
    await h.press("cy", f"ama.rsvp:{sid}")
    assert "withdrawn" in said(await h.press("cy", f"ama.rsvp:{sid}"))  # a toggle
    await h.run("ana", f'/ama ask session:{sid} question:"How many programs should I apply to?"')
    await h.run("ben", f'/ama ask session:{sid} question:"What about couples match?"')
    questions = await h.core.repos.ama.questions(session.id)
    second = next(q for q in questions if "couples" in q.text)
    await h.run("cy", f"/ama upvote question:{second.id}")

    day_before = FRIDAY_7PM_UTC - timedelta(hours=24)
    await advance(h, clock, day_before - timedelta(minutes=1))
    assert not dms(h, "ana", "AMA reminder")
    await advance(h, clock, day_before)
    for user in ("ana", "ben", HOST):
        [reminder] = dms(h, user, "AMA reminder")
        assert "starting in about 24 hours" in reminder.reply.text
    assert not dms(h, "cy", "AMA reminder")
    assert "You are hosting" in dms(h, HOST, "AMA reminder")[0].reply.text
    await h.core.scheduler.run_due()  # nothing runs twice
    assert len(dms(h, "ana", "AMA reminder")) == 1

    await advance(h, clock, FRIDAY_7PM_UTC - timedelta(minutes=15))
    [_, soon] = dms(h, "ana", "AMA reminder")
    assert "starting in about 15 minutes" in soon.reply.text
    tally = await h.core.repos.ama.reminder_tally(session.id, session.starts_at)
    assert tally == {(1440, "sent"): 3, (15, "sent"): 3}

    await advance(h, clock, FRIDAY_7PM_UTC)
    [start] = posts(h, "ama", "Starting now")
    lines = start.reply.text.splitlines()
    assert "couples match" in lines[1] and "(1 vote)" in lines[1]  # most votes first
    assert "How many programs" in lines[2]
    assert h.recorder.events["e1"][1] == "active"

    couples = second.id
    assert "marked answered" in await h.text(HOST, f"/ama answered question:{couples}")
    assert "already marked answered" in await h.text(HOST, f"/ama answered question:{couples}")
    await advance(h, clock, FRIDAY_7PM_UTC + timedelta(minutes=90))
    [recap] = posts(h, "ama", "Recap")
    assert "1 question answered" in recap.reply.text and "couples match" in recap.reply.text
    assert "1 question did not get to an answer" in recap.reply.text
    [closed] = [s for s in h.recorder.of_kind("edit") if s.to == (session.announce_ref or "r?",)][
        -1:
    ]
    assert not closed.reply.buttons and "has ended" in closed.reply.text
    assert h.recorder.events["e1"][1] == "completed"
    assert "RSVPs are closed" in said(await h.press("ana", f"ama.rsvp:{sid}"))
    assert "takes no more questions" in await h.text(
        "ana", f"/ama ask session:{sid} question:Late?"
    )


async def test_a_restart_sends_a_reminder_missed_while_down_once_or_records_it_missed(
    settings: Settings, clock: ManualClock
) -> None:
    first = TestHarness(settings, clock)
    await first.start()
    await community(first)
    session = await schedule(first)
    await first.press("ana", f"ama.rsvp:{session.short_id}")
    await first.stop()

    # Down across the 24-hour reminder: it still goes out at start, once.
    clock.advance(FRIDAY_7PM_UTC - timedelta(hours=20) - clock.now())
    second = TestHarness(settings, clock)
    await second.start()
    await second.core.tasks.settle()
    [late] = dms(second, "ana", "AMA reminder")
    assert "starting in about 20 hours" in late.reply.text
    await second.core.scheduler.run_due()
    assert len(dms(second, "ana", "AMA reminder")) == 1
    await second.stop()

    # Down across the 15-minute reminder and the start: the reminder is recorded as
    # missed, not sent; "starting now" still comes while the session runs.
    clock.advance(FRIDAY_7PM_UTC + timedelta(minutes=10) - clock.now())
    third = TestHarness(settings, clock)
    await third.start()
    await third.core.tasks.settle()
    assert dms(third, "ana", "AMA reminder") == []
    tally = await third.core.repos.ama.reminder_tally(session.id, session.starts_at)
    assert tally == {(1440, "sent"): 2, (15, "missed"): 2}  # ana and the host
    assert len(posts(third, "ama", "Starting now")) == 1
    await third.stop()


async def test_two_reminders_due_during_downtime_send_only_the_closer_one(
    settings: Settings, clock: ManualClock
) -> None:
    first = TestHarness(settings, clock)
    await first.start()
    await community(first)
    session = await schedule(first)
    await first.press("ana", f"ama.rsvp:{session.short_id}")
    await first.stop()
    clock.advance(FRIDAY_7PM_UTC - timedelta(minutes=5) - clock.now())
    second = TestHarness(settings, clock)
    await second.start()
    try:
        await second.core.tasks.settle()
        [reminder] = dms(second, "ana", "AMA reminder")
        assert "starting in about 5 minutes" in reminder.reply.text
        tally = await second.core.repos.ama.reminder_tally(session.id, session.starts_at)
        assert tally == {(1440, "missed"): 2, (15, "sent"): 2}
    finally:
        await second.stop()


async def test_a_weekly_series_keeps_local_time_across_the_clock_change_and_announces_in_turn(
    harness: TestHarness, clock: ManualClock
) -> None:
    h = harness
    await community(h)
    await h.run(MOD, "/setup timezone zone:America/New_York", admin=True)
    answer = await h.text(
        MOD,
        f'/ama schedule title:Series host:@{HOST} start:"2027-03-07 19:00" repeat:"weekly x3"',
        admin=True,
    )
    assert "a series of 3 (weekly, 3 sessions)" in answer, answer
    sessions = await h.core.repos.ama.upcoming(SCOPE, clock.now())
    assert [s.starts_at for s in sessions] == [
        datetime(2027, 3, 8, 0, 0, tzinfo=UTC),  # 19:00 EST
        datetime(2027, 3, 14, 23, 0, tzinfo=UTC),  # 19:00 EDT: clocks went forward that day
        datetime(2027, 3, 21, 23, 0, tzinfo=UTC),
    ]
    assert [s.seq for s in sessions] == [1, 2, 3]
    assert len(posts(h, "ama", "AMA:")) == 1  # only the first is announced now
    assert "Session 1 of 3: weekly, 3 sessions" in said([posts(h, "ama", "AMA:")[0].reply])
    await advance(h, clock, sessions[0].starts_at)
    await advance(h, clock, sessions[0].ends_at)
    announced = posts(h, "ama", "AMA:")
    assert len(announced) == 2 and sessions[1].short_id in announced[1].reply.text
    # Cancelling the second with series:yes takes the third too, and its announcement job.
    answer = await h.text(MOD, f"/ama cancel session:{sessions[1].short_id} series:yes", admin=True)
    assert sessions[1].short_id in answer and sessions[2].short_id in answer
    await advance(h, clock, sessions[2].ends_at + timedelta(days=1))
    assert len(posts(h, "ama", "AMA:")) == 2
    assert len(posts(h, "ama", "Starting now")) == 1  # only the first session ran
    assert await h.core.repos.ama.upcoming(SCOPE, clock.now()) == []


async def test_cancel_tells_everyone_who_rsvpd_and_stops_its_reminders(
    harness: TestHarness, clock: ManualClock
) -> None:
    h = harness
    await community(h)
    session = await schedule(h)
    await h.press("ana", f"ama.rsvp:{session.short_id}")
    answer = await h.text(
        HOST, f'/ama cancel session:{session.short_id} note:"Called into surgery"'
    )
    assert "Cancelled" in answer
    for user in ("ana", HOST):
        [told] = dms(h, user, "AMA cancelled")
        assert "Called into surgery" in told.reply.text
    [closed] = [s for s in h.recorder.of_kind("edit") if s.to == (session.announce_ref,)]
    assert "was cancelled" in closed.reply.text and not closed.reply.buttons
    assert h.recorder.events["e1"][1] == "cancelled"
    await advance(h, clock, FRIDAY_7PM_UTC + timedelta(hours=3))
    assert not dms(h, "ana", "AMA reminder") and not posts(h, "ama", "Starting now")
    assert not posts(h, "ama", "Recap")
    assert "cancelled" in await h.text("ana", f"/ama rsvp session:{session.short_id}")
    audit = [e.action for e in await h.core.repos.audit.recent(SCOPE)]
    assert "ama.cancel" in audit and "ama.schedule" in audit


async def test_an_edit_moves_reminders_and_tells_attendees(
    harness: TestHarness, clock: ManualClock
) -> None:
    h = harness
    await community(h)
    session = await schedule(h)
    await h.press("ana", f"ama.rsvp:{session.short_id}")
    answer = await h.text(
        MOD, f'/ama edit session:{session.short_id} start:"2026-11-28 19:00"', admin=True
    )
    assert "AMA updated" in answer
    [told] = dms(h, "ana", "AMA changed")
    assert "2026-11-28T19:00:00+00:00" in told.reply.text
    edited = [s for s in h.recorder.of_kind("edit") if s.to == (session.announce_ref,)]
    assert edited and "2026-11-28T19:00" in said([edited[-1].reply])
    assert h.recorder.events["e1"][0].starts_at == datetime(2026, 11, 28, 19, tzinfo=UTC)
    # The old time's reminder never fires; the new one does, once.
    await advance(h, clock, FRIDAY_7PM_UTC - timedelta(hours=23))
    assert not dms(h, "ana", "AMA reminder")
    await advance(h, clock, datetime(2026, 11, 27, 19, 0, tzinfo=UTC))
    assert len(dms(h, "ana", "AMA reminder")) == 1
    assert not posts(h, "ama", "Starting now")


async def test_an_anonymous_asker_never_appears_to_the_host_or_in_public(
    harness: TestHarness, clock: ManualClock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)  # what a deployment logs
    h = harness
    await community(h)
    await h.run(MOD, "/setup ama approval:on", admin=True)
    session = await schedule(h)
    sid = session.short_id
    asked = await h.text(
        "ana", f'/ama ask session:{sid} question:"Is it OK to be out on the trail?" anonymous:yes'
    )
    assert "Nobody but you will see that you asked it" in asked and "waiting" in asked
    [question] = await h.core.repos.ama.pending(SCOPE)
    # The moderators' queue post, the host's view and every public post leave ana out.
    [queued] = posts(h, "mods", "A question is waiting")
    assert "ana" not in said([queued.reply]) and "anonymous" in queued.reply.text
    await h.press(MOD, f"ama.approve:{question.id}", admin=True)
    host_view = await h.run(HOST, f"/ama questions session:{sid}")
    assert "anonymous" in said(host_view) and "ana" not in said(host_view)
    await h.run("ben", f"/ama upvote question:{question.id}")
    await advance(h, clock, FRIDAY_7PM_UTC + timedelta(minutes=1))
    await h.run(HOST, f"/ama answered question:{question.id}")
    await advance(h, clock, FRIDAY_7PM_UTC + timedelta(hours=2))
    for sent in h.recorder.sent:
        if "ana" in sent.to:
            continue  # what ana herself is told
        assert "ana" not in said([sent.reply]), sent
    assert "ana" not in caplog.text
    async with h.core.db.read() as conn:
        [row] = (await conn.execute(select(ama_askers))).all()
    assert row.user_id is None and row.anonymous and "ana" not in row.user_sealed

    # Only a moderator can reveal, with a reason, and the reveal is audited.
    assert (
        "moderator"
        in (await h.text(HOST, f"/ama reveal question:{question.id} reason:harassment")).lower()
    )
    revealed = await h.text(
        MOD, f"/ama reveal question:{question.id} reason:harassment", admin=True
    )
    assert "<@ana>" in revealed
    async with h.core.db.read() as conn:
        reveals = (
            await conn.execute(select(audit_log).where(audit_log.c.action == "ama.reveal"))
        ).all()
    assert (
        len(reveals) == 1 and reveals[0].actor_id == MOD and "ana" not in (reveals[0].detail or "")
    )


async def test_merge_adds_votes_once_each_and_moves_the_askers(harness: TestHarness) -> None:
    h = harness
    await community(h)
    session = await schedule(h)
    sid = session.short_id
    await h.run("ana", f'/ama ask session:{sid} question:"How do I choose a specialty?"')
    await h.run(
        "ben", f'/ama ask session:{sid} question:"How did you pick your specialty?" anonymous:yes'
    )
    first, dup = sorted(await h.core.repos.ama.questions(session.id), key=lambda q: q.id)
    for voter in ("cy", "ana"):
        await h.run(voter, f"/ama upvote question:{first.id}")
    for voter in ("cy", "dee", "eve"):
        await h.run(voter, f"/ama upvote question:{dup.id}")
    assert "taken back" in await h.text("eve", f"/ama upvote question:{dup.id}")  # toggle
    assert (await h.core.repos.ama.question(SCOPE, dup.id)).votes == 2  # type: ignore[union-attr]

    answer = await h.text(MOD, f"/ama merge question:{dup.id} into:{first.id}", admin=True)
    merged = await h.core.repos.ama.question(SCOPE, first.id)
    assert merged is not None
    # {cy, ana} plus {cy, dee} = 3 voters; cy counts once.
    assert merged.votes == 3 and "3 vote(s) and 2 asker(s)" in answer
    assert [(a.user_id, a.anonymous) for a in merged.askers] == [("ana", False), (None, True)]
    gone = await h.core.repos.ama.question(SCOPE, dup.id)
    assert gone is not None and gone.status == "merged" and gone.votes == 0
    assert "merged with a similar one" in dms(h, "ben", "Your AMA question")[0].reply.text
    assert "not open for votes" in await h.text("cy", f"/ama upvote question:{dup.id}")
    assert "Only open questions" in await h.text(
        MOD, f"/ama merge question:{dup.id} into:{first.id}", admin=True
    )
    assert "into itself" in await h.text(
        MOD, f"/ama merge question:{first.id} into:{first.id}", admin=True
    )
    listed = await h.text("eve", f"/ama questions session:{sid}")
    assert "(3 votes)" in listed and "asked by <@ana>, anonymous" in listed


async def test_approval_queue_approve_and_reject_with_the_asker_told_privately(
    harness: TestHarness,
) -> None:
    h = harness
    await community(h)
    assert "approval is on" in await h.text(
        MOD, '/setup ama approval:on reminders:"2h, 10m"', admin=True
    )
    session = await schedule(h)
    sid = session.short_id
    await h.run("ana", f"/ama ask session:{sid} question:Good?")
    await h.run("ben", f"/ama ask session:{sid} question:Spam!")
    good, spam = sorted(await h.core.repos.ama.pending(SCOPE), key=lambda q: q.id)
    assert "No questions yet" in await h.text("cy", f"/ama questions session:{sid}")
    assert "not open for votes" in await h.text("cy", f"/ama upvote question:{good.id}")
    queue = await h.run(MOD, "/ama queue", admin=True)
    assert "2 waiting" in said(queue)
    assert [b.label for b in queue[0].buttons][:3] == [
        f"Approve #{good.id}",
        f"Reject #{good.id}",
        f"Merge #{good.id}…",
    ]  # type: ignore[union-attr]
    await h.press(MOD, f"ama.approve:{good.id}", admin=True)
    assert "not waiting for approval" in said(
        await h.press(MOD, f"ama.approve:{good.id}", admin=True)
    )
    await h.run(MOD, f'/ama reject question:{spam.id} reason:"Off topic"', admin=True)
    [told] = dms(h, "ben", "Your AMA question")
    assert "not accepted" in told.reply.text and "Off topic" in told.reply.text
    listed = await h.text("cy", f"/ama questions session:{sid}")
    assert "Good?" in listed and "Spam!" not in listed
    settings = await h.core.repos.ama.settings(SCOPE)
    assert settings.require_approval and settings.reminder_minutes == (120, 10)
    actions = [e.action for e in await h.core.repos.audit.recent(SCOPE)]
    assert {"setup.ama", "ama.approve", "ama.reject"} <= set(actions)


async def test_changing_reminder_times_replans_upcoming_sessions(
    harness: TestHarness, clock: ManualClock
) -> None:
    h = harness
    await community(h)
    session = await schedule(h)
    await h.press("ana", f"ama.rsvp:{session.short_id}")
    assert "re-planned for 1 upcoming" in await h.text(MOD, "/setup ama reminders:1h", admin=True)
    await advance(h, clock, FRIDAY_7PM_UTC - timedelta(hours=1))
    [reminder] = dms(h, "ana", "AMA reminder")
    assert "about 60 minutes" in reminder.reply.text
    await advance(h, clock, FRIDAY_7PM_UTC - timedelta(minutes=15))
    assert len(dms(h, "ana", "AMA reminder")) == 1  # the old 15-minute one is gone
    for bad in ("reminders:2m", "reminders:soon", 'reminders:"1h,2h,3h,4h,5h"'):
        assert "`reminders`" in await h.text(MOD, f"/setup ama {bad}", admin=True)


async def test_the_calendar_file_holds_the_session(harness: TestHarness) -> None:
    h = harness
    await community(h)
    session = await schedule(h)
    [reply] = await h.press("ana", f"ama.calendar:{session.short_id}")
    assert isinstance(reply, Reply) and reply.file is not None and reply.private
    assert reply.file.filename.endswith(".ics") and reply.file.content_type == "text/calendar"
    [event] = Calendar.from_ical(reply.file.content).walk("VEVENT")
    assert str(event["SUMMARY"]) == "AMA: Residency interviews"
    assert event.decoded("DTSTART") == FRIDAY_7PM_UTC
    assert f"/ama ask session:{session.short_id}" in str(event["DESCRIPTION"])
    same = await h.run("ana", f"/ama calendar session:{session.short_id}")
    assert isinstance(same[0], Reply) and same[0].file is not None


async def test_unknown_sessions_and_questions_are_named_in_the_message(
    harness: TestHarness,
) -> None:
    h = harness
    await community(h)
    assert "no session `zzzz`" in await h.text("ana", "/ama rsvp session:zzzz")
    assert "no question `99`" in await h.text("ana", "/ama upvote question:99")
    assert "no question `abc`" in await h.text("ana", "/ama upvote question:abc")
    assert "no question `99999999999`" in await h.text("ana", "/ama upvote question:99999999999")
    session = await schedule(h)
    long = "x" * 501
    assert "question" in await h.text("ana", f"/ama ask session:{session.short_id} question:{long}")
    assert await h.core.repos.ama.questions(session.id) == []


async def test_a_question_with_a_ping_is_refused_before_anything_is_stored(
    harness: TestHarness,
) -> None:
    h = harness
    await community(h)
    session = await schedule(h)
    answer = await h.text("ana", f'/ama ask session:{session.short_id} question:"@everyone look"')
    assert "@everyone" in answer
    assert await h.core.repos.ama.questions(session.id, ("pending", "approved")) == []


async def test_the_home_screen_lists_sessions_you_host_or_go_to_with_their_counts(
    harness: TestHarness,
) -> None:
    h = harness
    await community(h)
    session = await schedule(h)
    await h.press("ana", f"ama.rsvp:{session.short_id}")
    [section] = h.core.registry.features["ama"].home_sections
    hosting = await section(await h.context(HOST))
    going = await section(await h.context("ana"))
    assert hosting is not None and going is not None
    assert "1 going" in said([hosting]) and "you're going" not in said([hosting])
    assert "1 going · you're going" in said([going])
    assert await section(await h.context("ben")) is None

"""Every repository method on SQLite and PostgreSQL, with community scoping and UTC times."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import select
from sqlalchemy.exc import StatementError

from bot.clock import ManualClock
from storage import Repositories, Scope
from storage import jobs as job_status
from storage import outbox as outbox_status
from storage.members import ChannelRepository
from storage.models import Channel, Community, Member
from storage.schema import communities, members, outbox, scheduled_jobs

G1 = Scope("discord", "g1")
G2 = Scope("discord", "g2")
T1 = Scope("slack", "T1")
OTHERS = (G2, T1)


def assert_utc(value: datetime, expected: datetime) -> None:
    assert value.tzinfo is not None
    assert value.utcoffset() == timedelta(0)
    assert value == expected


# --- communities -----------------------------------------------------------------------


async def test_community_unconfigured_has_every_value_unset(repos: Repositories) -> None:
    assert await repos.communities.get(G1) == Community(scope=G1)


async def test_community_update_creates_then_changes_only_given_fields(
    repos: Repositories, clock: ManualClock
) -> None:
    created = clock.now()
    first = await repos.communities.update(
        G1, created, introductions_channel="c-intro", timezone="America/Chicago"
    )
    assert first == Community(G1, introductions_channel="c-intro", timezone="America/Chicago")
    assert await repos.communities.get(G1) == first

    clock.advance(timedelta(hours=2))
    second = await repos.communities.update(G1, clock.now(), modlog_channel="c-mod", timezone=None)
    assert second == Community(G1, introductions_channel="c-intro", modlog_channel="c-mod")
    assert await repos.communities.get(G1) == second

    async with repos.db.read() as conn:
        row = (
            await conn.execute(select(communities).where(communities.c.workspace_id == "g1"))
        ).one()
    assert_utc(row.created_at, created)
    assert_utc(row.updated_at, clock.now())


async def test_community_update_without_values_creates_an_empty_row(
    repos: Repositories, clock: ManualClock
) -> None:
    assert await repos.communities.update(G1, clock.now()) == Community(G1)
    async with repos.db.read() as conn:
        rows = (await conn.execute(select(communities.c.workspace_id))).scalars().all()
    assert rows == ["g1"]


async def test_community_update_rejects_unknown_fields(
    repos: Repositories, clock: ManualClock
) -> None:
    with pytest.raises(ValueError, match="unknown community fields"):
        await repos.communities.update(G1, clock.now(), timezone="UTC", owner="x")
    assert await repos.communities.get(G1) == Community(G1)


async def test_community_setup_is_scoped(repos: Repositories, clock: ManualClock) -> None:
    await repos.communities.update(
        G1,
        clock.now(),
        introductions_channel="c1",
        announcements_channel="c2",
        modlog_channel="c3",
        timezone="Europe/Berlin",
    )
    await repos.communities.update(T1, clock.now(), timezone="Asia/Tokyo")
    assert await repos.communities.get(G2) == Community(G2)
    assert await repos.communities.get(T1) == Community(T1, timezone="Asia/Tokyo")
    assert (await repos.communities.get(G1)).timezone == "Europe/Berlin"


async def test_moderators_add_remove_and_check(repos: Repositories, clock: ManualClock) -> None:
    assert await repos.communities.moderators(G1) == []
    assert await repos.communities.add_moderator(G1, "zed", "owner", clock.now()) is True
    clock.advance(timedelta(minutes=1))
    assert await repos.communities.add_moderator(G1, "amy", "zed", clock.now()) is True
    assert await repos.communities.add_moderator(G1, "zed", "amy", clock.now()) is False

    assert await repos.communities.moderators(G1) == ["zed", "amy"]  # by added_at
    assert await repos.communities.is_moderator(G1, "amy") is True
    assert await repos.communities.is_moderator(G1, "bob") is False

    assert await repos.communities.remove_moderator(G1, "zed") is True
    assert await repos.communities.remove_moderator(G1, "zed") is False
    assert await repos.communities.moderators(G1) == ["amy"]
    assert await repos.communities.is_moderator(G1, "zed") is False


async def test_moderators_are_scoped(repos: Repositories, clock: ManualClock) -> None:
    await repos.communities.add_moderator(G1, "amy", "owner", clock.now())
    for other in OTHERS:
        assert await repos.communities.moderators(other) == []
        assert await repos.communities.is_moderator(other, "amy") is False
        assert await repos.communities.remove_moderator(other, "amy") is False
    # The same user can moderate another community independently.
    assert await repos.communities.add_moderator(T1, "amy", "owner", clock.now()) is True
    assert await repos.communities.remove_moderator(T1, "amy") is True
    assert await repos.communities.is_moderator(G1, "amy") is True


# --- members ---------------------------------------------------------------------------


async def test_members_remember_get_and_count(repos: Repositories, clock: ManualClock) -> None:
    assert await repos.members.get(G1, "u1") is None
    assert await repos.members.count(G1) == 0

    first_seen = clock.now()
    assert await repos.members.remember(G1, "u1", "Ada", first_seen) == Member(G1, "u1", "Ada")
    await repos.members.remember(G1, "u2", "Grace", first_seen)
    clock.advance(timedelta(days=1))
    renamed = await repos.members.remember(G1, "u1", "Ada L.", clock.now())

    assert renamed == Member(G1, "u1", "Ada L.")
    assert await repos.members.get(G1, "u1") == Member(G1, "u1", "Ada L.")
    assert await repos.members.count(G1) == 2

    async with repos.db.read() as conn:
        seen = (
            await conn.execute(select(members.c.first_seen_at).where(members.c.user_id == "u1"))
        ).scalar_one()
    assert_utc(seen, first_seen)  # a rename does not reset when we first saw them


async def test_members_are_scoped(repos: Repositories, clock: ManualClock) -> None:
    await repos.members.remember(G1, "u1", "Ada", clock.now())
    for other in OTHERS:
        assert await repos.members.get(other, "u1") is None
        assert await repos.members.count(other) == 0
    await repos.members.remember(T1, "u1", "Someone else", clock.now())
    assert await repos.members.get(G1, "u1") == Member(G1, "u1", "Ada")
    assert await repos.members.get(T1, "u1") == Member(T1, "u1", "Someone else")
    assert await repos.members.count(G1) == 1


# --- channels --------------------------------------------------------------------------


async def test_channels_get_or_create_and_lookups(repos: Repositories, clock: ManualClock) -> None:
    assert await repos.channels.by_name(G1, "general") is None
    assert await repos.channels.by_id(G1, "general") is None

    created = await repos.channels.get_or_create(G1, "general", clock.now())
    assert created == Channel(G1, "general", "general")
    assert await repos.channels.get_or_create(G1, "general", clock.now()) == created
    await repos.channels.get_or_create(G1, "mentors_2026", clock.now())

    assert await repos.channels.by_name(G1, "general") == created
    assert await repos.channels.by_id(G1, "general") == created
    assert await repos.channels.by_name(G1, "mentors_2026") == Channel(
        G1, "mentors_2026", "mentors_2026"
    )
    assert await repos.channels.by_name(G1, "random") is None


async def test_channels_are_scoped(repos: Repositories, clock: ManualClock) -> None:
    await repos.channels.get_or_create(G1, "general", clock.now())
    for other in OTHERS:
        assert await repos.channels.by_name(other, "general") is None
        assert await repos.channels.by_id(other, "general") is None
    assert await repos.channels.get_or_create(T1, "general", clock.now()) == Channel(
        T1, "general", "general"
    )


@pytest.mark.parametrize(
    "name",
    ["", "General", "-general", "_general", "has space", "#general", "caf\u00e9", "a" * 81],
)
async def test_channels_reject_invalid_names(
    repos: Repositories, clock: ManualClock, name: str
) -> None:
    assert ChannelRepository.valid_name(name) is False
    with pytest.raises(ValueError, match="invalid channel name"):
        await repos.channels.get_or_create(G1, name, clock.now())
    assert await repos.channels.by_name(G1, name) is None


@pytest.mark.parametrize("name", ["a", "0", "general", "intro-2_x", "a" * 80])
def test_channels_accept_valid_names(name: str) -> None:
    assert ChannelRepository.valid_name(name) is True


def test_channels_reject_a_trailing_newline() -> None:
    assert ChannelRepository.valid_name("general\n") is False


# --- outbox ----------------------------------------------------------------------------


async def test_outbox_create_settle_and_list(repos: Repositories, clock: ManualClock) -> None:
    created = clock.now()
    dm = await repos.outbox.create(G1, "dm", "u1", "welcome", created)
    post = await repos.outbox.create(G1, "post", "c-intro", "intro", created)
    failed = await repos.outbox.create(G1, "dm", "u2", "match", created)
    assert len({dm, post, failed}) == 3

    pending = await repos.outbox.list(G1)
    assert [e.id for e in pending] == [failed, post, dm]  # newest first
    assert {e.status for e in pending} == {outbox_status.PENDING}
    entry = await repos.outbox.get(dm)
    assert entry is not None
    assert (entry.scope, entry.kind, entry.recipient, entry.purpose) == (G1, "dm", "u1", "welcome")
    assert (entry.detail, entry.message_ref, entry.held_payload) == (None, None, None)
    assert_utc(entry.created_at, created)

    clock.advance(timedelta(seconds=5))
    await repos.outbox.settle(dm, outbox_status.SENT, clock.now(), message_ref="m-1")
    await repos.outbox.settle(post, outbox_status.FALLBACK, clock.now(), detail="dm refused")
    await repos.outbox.settle(failed, outbox_status.FAILED, clock.now(), detail="50007")

    sent = await repos.outbox.get(dm)
    assert sent is not None
    assert (sent.status, sent.message_ref, sent.detail) == ("sent", "m-1", None)
    assert_utc(sent.created_at, created)  # settling does not move created_at
    problems = await repos.outbox.list(G1, statuses=(outbox_status.FAILED, outbox_status.FALLBACK))
    assert [(e.id, e.status, e.detail) for e in problems] == [
        (failed, "failed", "50007"),
        (post, "fallback", "dm refused"),
    ]
    assert await repos.outbox.list(G1, statuses=(outbox_status.HELD,)) == []
    assert [e.id for e in await repos.outbox.list(G1, limit=2)] == [failed, post]

    async with repos.db.read() as conn:
        updated = (
            await conn.execute(select(outbox.c.updated_at).where(outbox.c.id == dm))
        ).scalar_one()
    assert_utc(updated, clock.now())


async def test_outbox_take_held_returns_payload_once(
    repos: Repositories, clock: ManualClock
) -> None:
    first = await repos.outbox.create(G1, "dm", "u1", "match", clock.now())
    second = await repos.outbox.create(G1, "dm", "u1", "reminder", clock.now())
    other_user = await repos.outbox.create(G1, "dm", "u2", "match", clock.now())
    sent = await repos.outbox.create(G1, "dm", "u1", "welcome", clock.now())
    payload = {"text": "You were matched with Grace", "fields": [["When", "Tue"]], "n": 3}
    await repos.outbox.settle(first, outbox_status.HELD, clock.now(), held_payload=payload)
    await repos.outbox.settle(second, outbox_status.HELD, clock.now(), held_payload={"text": "2"})
    await repos.outbox.settle(other_user, outbox_status.HELD, clock.now(), held_payload={"x": 1})
    await repos.outbox.settle(sent, outbox_status.SENT, clock.now(), message_ref="m")

    held = await repos.outbox.list(G1, statuses=(outbox_status.HELD,))
    assert {e.id for e in held} == {first, second, other_user}
    assert next(e for e in held if e.id == first).held_payload == payload

    for other in OTHERS:
        assert await repos.outbox.take_held(other, "u1", clock.now()) == []

    clock.advance(timedelta(hours=1))
    taken = await repos.outbox.take_held(G1, "u1", clock.now())
    assert [(e.id, e.held_payload) for e in taken] == [(first, payload), (second, {"text": "2"})]
    assert await repos.outbox.take_held(G1, "u1", clock.now()) == []

    for entry_id in (first, second):
        entry = await repos.outbox.get(entry_id)
        assert entry is not None
        assert (entry.status, entry.held_payload) == (outbox_status.DELIVERED_LATER, None)
    still_held = await repos.outbox.get(other_user)
    assert still_held is not None
    assert (still_held.status, still_held.held_payload) == ("held", {"x": 1})
    later = await repos.outbox.list(G1, statuses=(outbox_status.DELIVERED_LATER,))
    assert [e.id for e in later] == [second, first]


async def test_outbox_is_scoped(repos: Repositories, clock: ManualClock) -> None:
    entry_id = await repos.outbox.create(G1, "dm", "u1", "welcome", clock.now())
    for other in OTHERS:
        assert await repos.outbox.list(other) == []
    assert await repos.outbox.get(entry_id + 1000) is None


# --- jobs ------------------------------------------------------------------------------


async def test_jobs_put_creates_then_reschedules_while_pending(
    repos: Repositories, clock: ManualClock
) -> None:
    due = clock.now() + timedelta(days=1)
    job = await repos.jobs.put(G1, "ama.reminder", "ama-7", due, {"ama": 7}, clock.now())
    assert (job.scope, job.kind, job.key, job.status, job.payload, job.detail) == (
        G1,
        "ama.reminder",
        "ama-7",
        job_status.PENDING,
        {"ama": 7},
        None,
    )
    assert_utc(job.due_at, due)

    later = due + timedelta(hours=3)
    moved = await repos.jobs.put(
        G1, "ama.reminder", "ama-7", later, {"ama": 7, "v": 2}, clock.now()
    )
    assert moved.id == job.id
    assert moved.payload == {"ama": 7, "v": 2}
    assert_utc(moved.due_at, later)
    assert await repos.jobs.get(job.id) == moved
    assert await repos.jobs.by_key(G1, "ama.reminder", "ama-7") == moved
    assert [j.id for j in await repos.jobs.pending()] == [job.id]


async def test_jobs_claim_finish_and_leave_done_jobs_alone(
    repos: Repositories, clock: ManualClock
) -> None:
    due = clock.now() + timedelta(minutes=5)
    job = await repos.jobs.put(G1, "nudge", "u1", due, {"u": "u1"}, clock.now())

    claimed = await repos.jobs.claim(job.id)
    assert claimed is not None
    assert (claimed.id, claimed.status) == (job.id, job_status.RUNNING)
    assert await repos.jobs.claim(job.id) is None
    assert await repos.jobs.pending() == []

    # While it runs, scheduling the same job again must not reset it to pending.
    running = await repos.jobs.put(G1, "nudge", "u1", due + timedelta(days=1), {"u": 2}, due)
    assert (running.status, running.payload) == (job_status.RUNNING, {"u": "u1"})

    clock.advance(timedelta(minutes=5))
    await repos.jobs.finish(job.id, job_status.DONE, clock.now())
    done = await repos.jobs.get(job.id)
    assert done is not None
    assert (done.status, done.detail) == (job_status.DONE, None)

    again = await repos.jobs.put(
        G1, "nudge", "u1", clock.now() + timedelta(days=7), {"u": "again"}, clock.now()
    )
    assert again == done  # scheduling a finished job twice never runs it twice
    assert_utc(again.due_at, due)
    assert await repos.jobs.claim(job.id) is None
    assert await repos.jobs.pending() == []

    async with repos.db.read() as conn:
        row = (
            await conn.execute(
                select(scheduled_jobs.c.created_at, scheduled_jobs.c.finished_at).where(
                    scheduled_jobs.c.id == job.id
                )
            )
        ).one()
    assert_utc(row.created_at, clock.now() - timedelta(minutes=5))
    assert_utc(row.finished_at, clock.now())


async def test_jobs_finish_records_failure_detail(repos: Repositories, clock: ManualClock) -> None:
    job = await repos.jobs.put(G1, "digest", "weekly", clock.now(), {}, clock.now())
    assert await repos.jobs.claim(job.id) is not None
    await repos.jobs.finish(job.id, job_status.FAILED, clock.now(), detail="KeyError")
    failed = await repos.jobs.get(job.id)
    assert failed is not None
    assert (failed.status, failed.detail) == (job_status.FAILED, "KeyError")


async def test_jobs_cancel(repos: Repositories, clock: ManualClock) -> None:
    job = await repos.jobs.put(G1, "nudge", "u1", clock.now(), {}, clock.now())
    done = await repos.jobs.put(G1, "nudge", "u2", clock.now(), {}, clock.now())
    await repos.jobs.claim(done.id)
    await repos.jobs.finish(done.id, job_status.DONE, clock.now())

    assert await repos.jobs.cancel(T1, "nudge", "u1", clock.now()) is False  # other scope
    assert await repos.jobs.cancel(G1, "nudge", "u1", clock.now()) is True
    assert await repos.jobs.cancel(G1, "nudge", "u1", clock.now()) is False
    assert await repos.jobs.cancel(G1, "nudge", "u2", clock.now()) is False  # already ran
    assert await repos.jobs.cancel(G1, "nudge", "missing", clock.now()) is False

    cancelled = await repos.jobs.get(job.id)
    assert cancelled is not None
    assert cancelled.status == job_status.CANCELLED
    finished = await repos.jobs.get(done.id)
    assert finished is not None
    assert finished.status == job_status.DONE
    assert await repos.jobs.claim(job.id) is None
    assert await repos.jobs.pending() == []


async def test_jobs_mark_interrupted(repos: Repositories, clock: ManualClock) -> None:
    running = [
        await repos.jobs.put(scope, "nudge", key, clock.now(), {}, clock.now())
        for scope, key in ((G1, "a"), (T1, "b"))
    ]
    waiting = await repos.jobs.put(G1, "nudge", "c", clock.now(), {}, clock.now())
    for job in running:
        assert await repos.jobs.claim(job.id) is not None

    clock.advance(timedelta(minutes=1))
    assert await repos.jobs.mark_interrupted(clock.now()) == 2
    assert await repos.jobs.mark_interrupted(clock.now()) == 0

    for job in running:
        after = await repos.jobs.get(job.id)
        assert after is not None
        assert after.status == job_status.INTERRUPTED
        assert after.detail == "process stopped while running"
        assert await repos.jobs.claim(job.id) is None  # never silently re-run
    assert [j.id for j in await repos.jobs.pending()] == [waiting.id]


async def test_jobs_pending_due_by(repos: Repositories, clock: ManualClock) -> None:
    now = clock.now()
    late = await repos.jobs.put(G1, "k", "late", now + timedelta(hours=5), {}, now)
    soon = await repos.jobs.put(T1, "k", "soon", now + timedelta(minutes=5), {}, now)
    overdue = await repos.jobs.put(G2, "k", "overdue", now - timedelta(days=1), {}, now)
    exact = await repos.jobs.put(G1, "k", "exact", now + timedelta(hours=1), {}, now)

    assert [j.id for j in await repos.jobs.pending()] == [overdue.id, soon.id, exact.id, late.id]
    assert [j.id for j in await repos.jobs.pending(due_by=now)] == [overdue.id]
    in_an_hour = await repos.jobs.pending(due_by=now + timedelta(hours=1))
    assert [j.id for j in in_an_hour] == [overdue.id, soon.id, exact.id]  # inclusive
    # The same instant written in another zone selects the same jobs.
    chicago = timezone(timedelta(hours=-6))
    shifted = await repos.jobs.pending(due_by=(now + timedelta(hours=1)).astimezone(chicago))
    assert [j.id for j in shifted] == [overdue.id, soon.id, exact.id]
    for job in in_an_hour:
        assert job.due_at.tzinfo is not None and job.due_at.utcoffset() == timedelta(0)


async def test_jobs_are_scoped(repos: Repositories, clock: ManualClock) -> None:
    mine = await repos.jobs.put(G1, "nudge", "u1", clock.now(), {"s": "g1"}, clock.now())
    theirs = await repos.jobs.put(T1, "nudge", "u1", clock.now(), {"s": "t1"}, clock.now())
    assert mine.id != theirs.id
    assert await repos.jobs.by_key(G2, "nudge", "u1") is None
    found = await repos.jobs.by_key(T1, "nudge", "u1")
    assert found is not None
    assert (found.id, found.scope, found.payload) == (theirs.id, T1, {"s": "t1"})
    assert await repos.jobs.get(theirs.id + 1000) is None


# --- audit -----------------------------------------------------------------------------


async def test_audit_record_recent_count(repos: Repositories, clock: ManualClock) -> None:
    first_at = clock.now()
    first = await repos.audit.record(G1, "mod1", "moderator.add", first_at, target="u2")
    clock.advance(timedelta(seconds=1, microseconds=250))
    second = await repos.audit.record(
        G1, "mod1", "setup.channels", clock.now(), detail={"channel": "c1", "n": 2}
    )
    other = await repos.audit.record(T1, "boss", "moderator.add", clock.now(), target="u9")

    recent = await repos.audit.recent(G1)
    assert [e.id for e in recent] == [second, first]
    newest, oldest = recent
    assert (newest.scope, newest.actor_id, newest.action, newest.target, newest.detail) == (
        G1,
        "mod1",
        "setup.channels",
        None,
        {"channel": "c1", "n": 2},
    )
    assert (oldest.target, oldest.detail) == ("u2", {})
    assert_utc(newest.created_at, clock.now())
    assert_utc(oldest.created_at, first_at)

    assert [e.id for e in await repos.audit.recent(G1, limit=1)] == [second]
    assert [e.id for e in await repos.audit.recent(T1)] == [other]
    assert await repos.audit.recent(G2) == []
    assert await repos.audit.count(G1) == 2
    assert await repos.audit.count(T1) == 1
    assert await repos.audit.count(G2) == 0
    assert await repos.audit.count() == 3
    assert await repos.audit.ids() == {first, second, other}


# --- datetimes -------------------------------------------------------------------------


async def test_datetimes_round_trip_as_aware_utc(repos: Repositories) -> None:
    eastern = timezone(timedelta(hours=-5), "EST")
    local = datetime(2026, 3, 8, 1, 59, 59, 999_999, tzinfo=eastern)
    utc = local.astimezone(UTC)

    audit_id = await repos.audit.record(G1, "a", "b", local)
    job = await repos.jobs.put(G1, "k", "key", local, {}, local)
    entry_id = await repos.outbox.create(G1, "dm", "u1", "p", local)

    (entry,) = await repos.audit.recent(G1)
    assert entry.id == audit_id
    outbox_entry = await repos.outbox.get(entry_id)
    assert outbox_entry is not None
    for value in (entry.created_at, job.due_at, outbox_entry.created_at):
        assert value.tzinfo is UTC
        assert value == utc
        assert (value.hour, value.microsecond) == (6, 999_999)


async def test_naive_datetimes_are_refused(repos: Repositories) -> None:
    with pytest.raises(StatementError) as caught:
        await repos.audit.record(G1, "a", "b", datetime(2026, 11, 22, 15, 0))
    assert isinstance(caught.value.orig, ValueError)
    assert await repos.audit.count() == 0


async def test_a_delivery_is_seen_once_per_community_and_forgotten_later(
    repos: Repositories, clock: ManualClock
) -> None:
    now = clock.now()
    assert await repos.seen.first_sighting(T1, "event:Ev1", now) is True
    assert await repos.seen.first_sighting(T1, "event:Ev1", now) is False
    assert await repos.seen.first_sighting(G2, "event:Ev1", now) is True
    assert await repos.seen.forget_before(now + timedelta(seconds=1)) == 2
    assert await repos.seen.first_sighting(T1, "event:Ev1", now) is True

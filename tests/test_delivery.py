"""The delivery ladder: DM, then a private fallback in a channel, then held for later."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.model import Reply
from storage import outbox as status
from storage.schema import outbox
from tests.probe import build_probe
from tests.support import SCOPE, TestHarness


@pytest.fixture
async def probe(harness: TestHarness) -> TestHarness:
    harness.add_feature(build_probe(harness.core))
    for user in ("alice", "bob"):
        await harness.context(user)
    return harness


async def test_a_dm_is_sent_and_recorded(probe: TestHarness) -> None:
    assert "dm sent" in await probe.text("alice", "/probe dm who:bob")
    [sent] = probe.recorder.of_kind("dm")
    assert sent.to == ("bob",) and sent.reply.text == "hello from probe"
    [entry] = await probe.core.repos.outbox.list(SCOPE, statuses=(status.SENT,))
    assert (entry.kind, entry.recipient, entry.purpose) == ("dm", "bob", "probe")


async def test_a_refused_dm_falls_back_to_a_private_thread_and_is_recorded(
    probe: TestHarness,
) -> None:
    await probe.run("mod", "/setup channels announcements:#news modlog:#mods", admin=True)
    probe.recorder.refuse_dms.add("bob")
    assert "dm fallback" in await probe.text("alice", "/probe dm who:bob")
    assert probe.recorder.of_kind("dm") == []
    [private] = probe.recorder.of_kind("private")
    assert private.to == ("news", "bob") and private.reply.text == "hello from probe"
    [entry] = await probe.core.repos.outbox.list(SCOPE, statuses=(status.FALLBACK,))
    assert entry.recipient == "bob"
    assert entry.detail is not None and "dm refused (50007)" in entry.detail


async def test_with_no_channel_to_fall_back_to_the_message_waits_for_the_next_command(
    probe: TestHarness,
) -> None:
    await probe.run("mod", "/setup channels modlog:#mods", admin=True)
    probe.recorder.refuse_dms.add("bob")
    assert "dm held" in await probe.text("alice", "/probe dm who:bob")
    # What waits is sealed: a held message can name a private group or quote a member.
    async with probe.core.db.read() as conn:
        [stored] = (
            (
                await conn.execute(
                    select(outbox.c.held_payload).where(outbox.c.status == status.HELD)
                )
            )
            .scalars()
            .all()
        )
    assert stored and "hello from probe" not in stored and not stored.startswith("{")
    [waiting] = await probe.core.repos.outbox.list(SCOPE, statuses=(status.HELD,))
    assert waiting.held_payload and waiting.held_payload["text"] == "hello from probe"
    # Moderators learn that something did not arrive, but not what it said.
    notes = [s for s in probe.recorder.of_kind("post") if s.to == ("mods",)]
    assert any("could not be delivered" in s.reply.text for s in notes)
    assert all("hello from probe" not in s.reply.text for s in notes)
    # Bob sees it with his next command, exactly once.
    first = await probe.run("bob", "/help")
    assert [r.text for r in first if isinstance(r, Reply)][-1] == "hello from probe"
    again = await probe.run("bob", "/help")
    assert all(r.text != "hello from probe" for r in again if isinstance(r, Reply))
    [entry] = await probe.core.repos.outbox.list(SCOPE, statuses=(status.DELIVERED_LATER,))
    assert entry.recipient == "bob" and entry.held_payload is None


async def test_a_failed_private_fallback_moves_down_the_ladder(probe: TestHarness) -> None:
    await probe.run("mod", "/setup channels announcements:#news introductions:#intros", admin=True)
    probe.recorder.refuse_dms.add("bob")
    probe.recorder.failing_channels.add("news")
    assert "dm fallback" in await probe.text("alice", "/probe dm who:bob")
    [private] = probe.recorder.of_kind("private")
    assert private.to == ("intros", "bob")


async def test_a_failed_post_is_recorded(probe: TestHarness) -> None:
    probe.recorder.failing_channels.add("news")
    outcome = await probe.core.delivery.post(SCOPE, "news", Reply.public("hi"), purpose="test")
    assert outcome.status == status.FAILED
    entry = await probe.core.repos.outbox.get(outcome.entry_id)
    assert entry is not None and entry.detail == "missing_access"


async def test_group_dm_reaches_everyone_or_falls_back_per_member(probe: TestHarness) -> None:
    await probe.run("mod", "/setup channels announcements:#news", admin=True)
    outcomes = await probe.core.delivery.group_dm(
        SCOPE, ["alice", "bob"], Reply("intro"), purpose="match"
    )
    assert [o.status for o in outcomes] == [status.SENT]
    assert probe.recorder.of_kind("dm")[-1].to == ("alice", "bob")
    probe.recorder.refuse_dms.add("bob")
    outcomes = await probe.core.delivery.group_dm(
        SCOPE, ["alice", "bob"], Reply("intro"), purpose="match"
    )
    assert [o.status for o in outcomes] == [status.SENT, status.FALLBACK]


async def test_a_message_held_before_sealing_began_is_still_shown(probe: TestHarness) -> None:
    entry = await probe.core.repos.outbox.create(
        SCOPE, "dm", "bob", "probe", probe.core.clock.now()
    )
    async with probe.core.db.transaction() as conn:
        await conn.execute(
            outbox.update()
            .where(outbox.c.id == entry)
            .values(status=status.HELD, held_payload='{"text": "from an older version"}')
        )
    shown = await probe.run("bob", "/help")
    assert any(r.text == "from an older version" for r in shown if isinstance(r, Reply))

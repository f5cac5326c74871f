"""/privacy: what is stored and why, an export by DM, and an erasure that leaves no trace."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import select

import cogs.privacy as privacy
from bot.model import Reply
from storage.schema import audit_log
from tests.support import SCOPE, Sent, TestHarness

MOD, STEW, DR, BEN = "mod_mia", "stew_sam", "dr_fit", "ben_b"
ANA = "ana_canary_d41c7e93b2"  # long, so a hit in the file cannot be chance
TEXTS = {
    "intro": "Introcanary about my residency path 7e1f",
    "identity": "identitycanary5a0c",
    "goals": "Goalscanary learn peds anesthesia 9c2b",
    "question": "Questioncanary about interviews 3f8a",
    "note": "Notecanary out to few 6d1e",
    "feedback": "Feedbackcanary kind and clear 0a4b",
}


def said(responses: list[object]) -> str:
    return "\n".join(
        "\n".join([r.title or "", r.text, *(f"{f.name}: {f.value}" for f in r.fields)])
        for r in responses
        if isinstance(r, Reply)
    )


def dms_to(h: TestHarness, user: str) -> list[Sent]:
    return [s for s in h.recorder.sent if s.kind == "dm" and user in s.to]


async def ana_everywhere(h: TestHarness) -> None:
    """Ana in every feature: an intro, a request matched and ended with feedback, a new
    open request, an AMA question (and a vote), a private group with a join note and a post."""
    t = TEXTS
    await h.run(
        MOD, "/setup channels introductions:#intros announcements:#ama modlog:#mods", admin=True
    )
    for user in (STEW, DR, BEN):
        await h.run(user, "/help")
    await h.run(
        ANA,
        f'/intro post name:"Ana R" stage:resident about:"{t["intro"]}" '
        f'identities:"{t["identity"]}"',
    )
    await h.run(
        DR,
        '/mentor offer specialties:"pediatrics" stages:"resident" capacity:2 bio:"Peds doc"',
    )
    await h.run(
        ANA,
        f'/mentor request interests:"pediatrics" stage:resident goals:"{t["goals"]}" '
        f'identities:"{t["identity"]}" same_identity:yes',
    )
    [proposal] = [s for s in dms_to(h, DR) if s.reply.title == "A mentee for you"]
    await h.press(DR, proposal.reply.buttons[0].action_id)
    ended = said(await h.run(ANA, f'/mentor end member:@{DR} rating:5 feedback:"{t["feedback"]}"'))
    assert "is closed" in ended, ended
    # A second match that is still running when she erases.
    await h.run(ANA, f'/mentor request interests:"pediatrics" stage:resident goals:"{t["goals"]}"')
    proposal = [s for s in dms_to(h, DR) if s.reply.title == "A mentee for you"][-1]
    await h.press(DR, proposal.reply.buttons[0].action_id)
    assert len(await h.core.repos.mentorship.matches(SCOPE, statuses=("active",))) == 1
    await h.run(MOD, '/ama schedule title:"Q&A" host:@dr_fit start:"in 2 days"', admin=True)
    [session] = await h.core.repos.ama.upcoming(SCOPE, h.core.clock.now())
    await h.run(
        ANA, f'/ama ask session:{session.short_id} question:"{t["question"]}" anonymous:yes'
    )
    await h.run(BEN, f'/ama ask session:{session.short_id} question:"Ben asks"')
    await h.run(ANA, "/ama upvote question:2")
    await h.run(
        MOD,
        f'/group create name:"Quiet" description:"x" visibility:private join:open stewards:@{STEW}',
        admin=True,
    )
    await h.run(ANA, f'/group join name:"Quiet" note:"{t["note"]}"')
    await h.run(BEN, '/group join name:"Quiet"')
    await h.run(ANA, '/group post name:"Quiet" message:"hello" anonymous:yes')


async def test_privacy_says_what_is_stored_and_what_identities_are_for(
    harness: TestHarness,
) -> None:
    h = harness
    await ana_everywhere(h)
    [reply] = await h.run(ANA, "/privacy")
    assert isinstance(reply, Reply) and reply.private
    shown = said([reply])
    assert "Stored about you here:" in shown
    for use in ("Intro identities", "Mentor and mentee identities", "Private and secret groups"):
        assert use in shown
    assert said(await h.run(ANA, "/privacy show")) == shown  # Discord's spelling


async def test_export_is_a_json_file_in_a_dm_with_every_feature(harness: TestHarness) -> None:
    h = harness
    await ana_everywhere(h)
    answer = said(await h.run(ANA, "/privacy export"))
    assert "in your DMs" in answer
    [sent] = [s for s in dms_to(h, ANA) if s.reply.title == "Your data export"]
    assert sent.reply.file is not None and sent.reply.file.filename.endswith(".json")
    document = json.loads(sent.reply.file.content)
    assert document["you"] == ANA
    flat = json.dumps(document)
    for name, text in TEXTS.items():
        if name != "note":  # a join note is dropped once the request is decided
            assert text in flat, text  # sealed fields are opened for their owner
    # A question she voted on is named by its (public) text, but nobody else is named.
    assert "Ben asks" in flat and BEN not in flat


async def test_with_dms_closed_the_export_comes_in_the_private_reply_and_is_not_kept(
    harness: TestHarness,
) -> None:
    h = harness
    await ana_everywhere(h)
    h.recorder.refuse_dms.add(ANA)
    [reply] = await h.run(ANA, "/privacy export")
    assert isinstance(reply, Reply) and reply.private and reply.file is not None
    assert TEXTS["goals"] in reply.file.content.decode()
    held = await h.core.repos.outbox.list(SCOPE, statuses=("held",))
    assert all(e.purpose != "privacy.export" for e in held)
    assert not [s for s in h.recorder.sent if s.kind == "private" and ANA in s.to]


async def erase(h: TestHarness, user: str) -> str:
    [confirm] = await h.run(user, "/privacy delete")
    assert isinstance(confirm, Reply) and confirm.private
    [button] = [b for b in confirm.buttons if b.action == "privacy.erase"]
    return said(await h.press(user, button.action_id))


async def test_delete_confirms_then_erases_everything_and_leaves_no_trace(
    harness: TestHarness,
) -> None:
    h = harness
    await ana_everywhere(h)
    [confirm] = await h.run(ANA, "/privacy delete")
    assert isinstance(confirm, Reply) and "can't be undone" in confirm.text
    cancel = next(b for b in confirm.buttons if b.action == "privacy.cancel")
    assert "Nothing was erased" in said(await h.press(ANA, cancel.action_id))
    assert await h.core.repos.profiles.get(SCOPE, ANA) is not None
    matches_before = len(await h.core.repos.mentorship.matches(SCOPE, statuses=("active", "ended")))
    space = next(iter(h.recorder.spaces))
    assert ANA in h.recorder.spaces[space]

    done = await erase(h, ANA)
    assert "Your data is erased" in done
    # Each feature wound down on the platform first.
    assert ANA not in h.recorder.spaces[space] and BEN in h.recorder.spaces[space]
    assert h.recorder.of_kind("delete"), "the intro post was not taken down"
    assert len([s for s in dms_to(h, DR) if s.reply.title == "Match ended"]) == 2
    # Counts stay; the member does not.
    assert (
        len(await h.core.repos.mentorship.matches(SCOPE, statuses=("active", "ended")))
        == matches_before
    )
    assert await h.core.repos.profiles.get(SCOPE, ANA) is None
    # One audit row says an erasure happened, with nothing about whom or what.
    async with h.core.db.read() as conn:
        [row] = (
            await conn.execute(select(audit_log).where(audit_log.c.action == "privacy.delete"))
        ).all()
    assert row.actor_id.startswith("erased-") and row.target is None and row.detail in ("{}", None)
    modlog = [s for s in h.recorder.of_kind("post") if s.to == ("mods",)]
    assert any("erased their data" in s.reply.text for s in modlog)
    assert all(ANA not in s.reply.text for s in modlog if "erased" in s.reply.text)
    # Nothing left in the file: not the id, not a word she wrote.
    await h.core.tasks.settle()
    path = h.core.db.sqlite_path
    assert path is not None
    for file in (path, path.with_name(path.name + "-wal")):
        if file.exists():
            blob = file.read_bytes()
            for needle in (ANA, *TEXTS.values()):
                assert needle.encode() not in blob, (file.name, needle)
    # Ben is untouched.
    assert "Ben asks" in said(
        await h.run(
            BEN,
            "/ama questions session:"
            + (await h.core.repos.ama.upcoming(SCOPE, h.core.clock.now()))[0].short_id,
        )
    )


async def test_an_old_confirmation_no_longer_erases(harness: TestHarness) -> None:
    h = harness
    await h.run(ANA, '/intro post name:Ana stage:resident about:"Hi"')
    [confirm] = await h.run(ANA, "/privacy delete")
    assert isinstance(confirm, Reply)
    [button] = [b for b in confirm.buttons if b.action == "privacy.erase"]
    h.core.clock.advance(timedelta(minutes=16))
    assert "expired" in said(await h.press(ANA, button.action_id))
    assert await h.core.repos.profiles.get(SCOPE, ANA) is not None
    assert "no longer works" in said(await h.press(ANA, "privacy.erase:soon"))


async def test_a_refused_revoke_stops_the_erasure_so_access_is_not_forgotten(
    harness: TestHarness,
) -> None:
    h = harness
    await ana_everywhere(h)
    h.recorder.refuse_spaces = True
    answer = await erase(h, ANA)
    assert "nothing was erased" in answer.lower()
    assert await h.core.repos.profiles.get(SCOPE, ANA) is not None
    h.recorder.refuse_spaces = False
    assert "Your data is erased" in await erase(h, ANA)


async def test_a_checkpoint_held_off_by_a_reader_is_retried(
    harness: TestHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    h = harness
    await h.run(ANA, '/intro post name:Ana stage:resident about:"Hi"')
    results = iter([False, False, True])
    calls: list[bool] = []

    async def scrub() -> bool:
        calls.append(next(results))
        return calls[-1]

    monkeypatch.setattr(privacy, "SCRUB_PAUSE_SECONDS", 0.0)
    monkeypatch.setattr(h.core.db, "scrub", scrub)
    assert "Your data is erased" in await erase(h, ANA)
    await h.core.tasks.settle()
    assert calls == [False, False, True]

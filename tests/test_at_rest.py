"""Sensitive fields are sealed at rest: canaries written through the real commands never
appear in plain text in the SQLite file, its write-ahead log, or a backup."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from bot.model import Reply
from storage.schema import ama_askers, group_members, group_posts
from tests.support import SCOPE, TestHarness

MOD, STEW, ANA, BEN, DR = "mod_mia", "stew_sam", "ana_a", "ben_b", "dr_fit"
HIDDEN = "hidden_member_5c0e71d2a9"  # in a secret group and an anonymous author
CANARIES = {
    "intro identity": "idcanaryintro4f1d",
    "mentor identity": "idcanarymentor92ab",
    "mentee identity": "idcanarymentee7c3e",
    "feedback": "feedbackcanary55e1",
    "decline reason": "declinecanary0b7f",
    "join note": "joinnotecanary3a9d",
}


def said(responses: list[object]) -> str:
    return "\n".join(f"{r.title or ''}\n{r.text}" for r in responses if isinstance(r, Reply))


async def test_sensitive_canaries_never_reach_the_file_or_a_backup(
    harness: TestHarness, tmp_path: Path
) -> None:
    h = harness
    c = CANARIES
    await h.run(
        MOD, "/setup channels introductions:#intros announcements:#ama modlog:#mods", admin=True
    )
    for user in (STEW, ANA, BEN, DR, HIDDEN):
        await h.run(user, "/help")
    await h.run(ANA, f'/intro post name:Ana stage:resident identities:"{c["intro identity"]}"')
    offer = '/mentor offer specialties:"pediatrics" stages:"resident" capacity:1 bio:"Peds"'
    await h.run("dr_no", f'{offer} identities:"{c["mentor identity"]}"')
    await h.run(DR, offer)
    await h.run(
        ANA,
        '/mentor request interests:"pediatrics" stage:resident goals:"Learn" '
        f'identities:"{c["mentee identity"]}" same_identity:yes',
    )
    # Whoever got the proposal declines with a reason; the next one accepts.
    for mentor in ("dr_no", DR):
        asked = [
            s for s in h.recorder.sent if s.reply.title == "A mentee for you" and mentor in s.to
        ]
        if not asked:
            continue
        if mentor == "dr_no":
            await h.press(mentor, asked[-1].reply.buttons[1].action_id)
            await h.submit(mentor, "mentor.decline_reason", {"reason": c["decline reason"]})
        else:
            await h.press(mentor, asked[-1].reply.buttons[0].action_id)
    ended = said(await h.run(ANA, f'/mentor end member:@{DR} rating:5 feedback:"{c["feedback"]}"'))
    assert "is closed" in ended, ended
    await h.run(MOD, '/ama schedule title:"Q&A" host:@dr_fit start:"in 2 days"', admin=True)
    [session] = await h.core.repos.ama.upcoming(SCOPE, h.core.clock.now())
    await h.run(HIDDEN, f'/ama ask session:{session.short_id} question:"Hard one?" anonymous:yes')
    await h.run(
        MOD,
        f'/group create name:"Quiet Room" description:"x" visibility:secret stewards:@{STEW}',
        admin=True,
    )
    await h.run(STEW, f'/group invite name:"Quiet Room" member:@{HIDDEN}')
    await h.run(HIDDEN, f'/group join name:"Quiet Room" note:"{c["join note"]}"')
    posted = said(await h.run(HIDDEN, '/group post name:"Quiet Room" message:"hi" anonymous:yes'))
    assert "posted" in posted.lower(), posted

    # Rows exist (so the scan is meaningful) and the anonymous or hidden member's id is
    # in none of the rows that say what they did.
    async with h.core.db.read() as conn:
        for table in (ama_askers, group_members, group_posts):
            found = [tuple(map(str, row)) for row in await conn.execute(select(table))]
            assert found, table.name
            assert not any(HIDDEN in cell for row in found for cell in row), table.name

    backup = tmp_path / "backup.sqlite3"
    await h.core.db.backup(backup)
    database = h.core.db.sqlite_path
    assert database is not None
    files = [database, database.with_name(database.name + "-wal"), backup]
    blobs = {path.name: path.read_bytes() for path in files if path.exists()}
    assert database.name in blobs and backup.name in blobs
    for name, blob in blobs.items():
        for field, canary in CANARIES.items():
            assert canary.encode() not in blob, f"{field} in plain text in {name}"

"""A member's own data on SQLite and PostgreSQL: every table is accounted for, the export
holds everything about them (and nothing private of others), erasing leaves not a byte of
their id or words in the database files, other members' data survives with the counts,
and an erasure that fails half-way leaves everything as it was."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import String, Text, func, select, text

from bot.clock import ManualClock
from storage import Database, Repositories, Scope, Sealer, StorageError
from storage.ama import APPROVED, PENDING, REJECTED, SENDING, SessionDraft
from storage.crypto import SealError
from storage.groups import ACTIVE, MEMBER, PRIVATE, REQUESTED, GroupDraft
from storage.jobs import DONE
from storage.member_data import (
    EXPORT_SECTIONS,
    MEMBER_COLUMNS,
    NO_MEMBER_DATA,
    NOT_MEMBER_COLUMNS,
    SECTIONS,
    TOMBSTONE,
    MemberDataRepository,
)
from storage.mentorship import (
    CANCELLED,
    DECLINED,
    ENDED,
    MATCHED,
    WAITING,
    WITHDRAWN,
    MenteeRequest,
    MentorOffer,
)
from storage.outbox import HELD, SENT
from storage.profiles import IntroProfile
from storage.schema import metadata

T = Scope("discord", "G_privacy_01")
ME = "U_CANARY_7f3a9c2e41"  # long on purpose: a short id turns up in random bytes
OTHER = "U_SURVIVOR_b81d0c55e2"
THIRD = "U_THIRD_member_93e0a1"
X = "U_MENTEE_x_4c2f7d18"
Y = "U_MENTEE_y_0a9be3c6"
# Every free-text field the member can fill, each with its own canary.
TEXTS = {
    "display name": "displaycanary_31c9e0",
    "intro about": "aboutcanary_8b2e44",
    "intro identity": "introidentitycanary_1f7a",
    "intro institution": "institutioncanary_c0d3",
    "intro post": "introrefcanary_0c9f",
    "mentor bio": "biocanary_55a0f2",
    "mentor identity": "mentoridentitycanary_e9b1",
    "request goals": "goalscanary_2d6c81",
    "request identity": "requestidentitycanary_7e05",
    "request institution": "requestinstcanary_5b1a",
    "decline reason": "declinecanary_a4f9c3",
    "feedback": "feedbackcanary_0b5e77",
    "named question": "namedquestioncanary_6c1d",
    "anonymous question": "anonquestioncanary_3f8b",
    "duplicate question": "dupquestioncanary_91aa",
    "pending question": "pendingquestioncanary_4e2f",
    "join note": "joinnotecanary_d27e",
    "post ref": "postrefcanary_48b6",
    "held payload": "heldcanary_e5c2",
    "job payload": "jobcanary_7a3d",
}
OTHER_QUESTION = "What did your first night on call teach you?"
OTHER_DUPLICATE = "How do you survive nights?"
ID_PATTERN = re.compile(r"(_id|_by|_key|_keys|sealed|recipient|_ref|_refs)$|^user")


@pytest.fixture
def sealer() -> Sealer:
    return Sealer.ephemeral()


@pytest.fixture
def repos(db: Database, sealer: Sealer) -> Repositories:
    return Repositories.build(db, sealer)


@dataclass
class Seeded:
    s1: int
    q: dict[str, int]
    g1: int
    g2: int
    round_id: int
    match_b: int
    match_c: int
    match_x: int
    y_request: int
    keys: dict[str, str]  # blind keys of the member that must be gone after erasing
    other_keys: dict[str, str]


async def seed(repos: Repositories, clock: ManualClock, scope: Scope = T) -> Seeded:
    now = clock.now()
    c = TEXTS
    for user, name in ((ME, c["display name"]), (OTHER, "Olu"), (THIRD, "Tam"), (X, "Xi")):
        await repos.members.remember(scope, user, name, now)
    await repos.communities.add_moderator(scope, ME, OTHER, now)
    await repos.communities.add_moderator(scope, THIRD, ME, now)

    # Introductions.
    await repos.profiles.save(
        IntroProfile(
            scope,
            ME,
            "Canary",
            "resident",
            c["intro about"],
            institution=c["intro institution"],
            identities=(c["intro identity"],),
        ),
        now,
    )
    await repos.profiles.set_post_ref(scope, ME, f"C_INTROS/{c['intro post']}")
    await repos.profiles.save(IntroProfile(scope, OTHER, "Olu", "attending", "Peds."), now)

    # Mentorship: the member as mentor and as mentee, answered and pending both ways.
    m = repos.mentorship
    for user, bio, identities in (
        (ME, c["mentor bio"], (c["mentor identity"],)),
        (OTHER, "Other bio.", ()),
    ):
        await m.save_offer(
            MentorOffer(scope, user, ("cardiology",), ("resident",), 3, bio, identities=identities),
            now,
        )
    later = now + timedelta(hours=72)

    def request(user: str, goals: str = "Grow.", **extra: Any) -> MenteeRequest:
        return MenteeRequest(scope, user, ("cardiology",), "resident", goals, **extra)

    x_request = await m.save_request(request(X), now)
    declined = await m.propose(x_request, ME, 40, ("shared interests: cardiology",), now, later)
    assert declined is not None
    await m.close_proposal(scope, declined.id, DECLINED, now)
    await m.set_decline_reason(declined.id, c["decline reason"])
    to_other = await m.propose(x_request, OTHER, 40, ("cardiology",), now, later)
    assert to_other is not None
    match_x = await m.accept(scope, to_other.id, now)
    mine = request(
        ME,
        c["request goals"],
        identities=(c["request identity"],),
        institution=c["request institution"],
        same_identity=True,
    )
    my_request = await m.save_request(mine, now)
    proposal_b = await m.propose(my_request, OTHER, 50, ("cardiology",), now, later)
    assert proposal_b is not None
    match_b = await m.accept(scope, proposal_b.id, now)
    assert match_b is not None and match_x is not None
    await m.record_checkin(match_b.id, ME, 1, "yes", now)
    await m.record_checkin(match_b.id, OTHER, 1, "yes", now)
    await m.end_match(scope, match_b.id, ME, now)
    await m.add_feedback(scope, match_b.id, ME, 5, c["feedback"], now)
    await m.add_feedback(scope, match_b.id, OTHER, 4, "Kind and on time.", now)
    third_request = await m.save_request(request(THIRD), now)
    proposal_c = await m.propose(third_request, ME, 45, ("cardiology",), now, later)
    assert proposal_c is not None
    match_c = await m.accept(scope, proposal_c.id, now)  # still active when erased
    assert match_c is not None
    open_request = await m.save_request(mine, now)  # a second, open request
    assert await m.propose(open_request, OTHER, 30, ("cardiology",), now, later) is not None
    y_request = await m.save_request(request(Y), now)
    assert await m.propose(y_request, ME, 30, ("cardiology",), now, later) is not None

    # AMA: hosts one session, scheduled a series, RSVPs, asks (named, anonymous, a
    # duplicate merged into another's, a pending one), votes and marks an answer.
    start = now + timedelta(days=2)

    def draft(host: str, weeks: int = 0) -> SessionDraft:
        at = start + timedelta(weeks=weeks)
        return SessionDraft(
            "Match day", "Ask away", host, "C_AMA", at, at + timedelta(hours=1), "UTC"
        )

    [s1] = await repos.ama.create(scope, [draft(ME)], OTHER, now)
    await repos.ama.create(
        scope,
        [draft(OTHER, 1), draft(OTHER, 2)],
        ME,
        now,
        series=("weekly, 2 sessions", "FREQ=WEEKLY;COUNT=2"),
    )
    await repos.ama.toggle_rsvp(s1.id, ME, now)
    await repos.ama.toggle_rsvp(s1.id, OTHER, now)
    assert await repos.ama.claim_reminder(s1.id, ME, 15, s1.starts_at, SENDING, now)
    assert await repos.ama.claim_reminder(s1.id, OTHER, 15, s1.starts_at, SENDING, now)
    q: dict[str, int] = {}

    async def ask(name: str, words: str, user: str, anonymous: bool, status: str) -> None:
        clock.advance(timedelta(seconds=1))  # a merged duplicate is known by its moment
        asked = await repos.ama.ask(
            s1, words, user, anonymous=anonymous, status=status, now=clock.now()
        )
        q[name] = asked.id

    await ask("named", c["named question"], ME, False, APPROVED)
    await ask("anonymous", c["anonymous question"], ME, True, APPROVED)
    await ask("other", OTHER_QUESTION, OTHER, False, APPROVED)
    await ask("duplicate", c["duplicate question"], ME, True, APPROVED)
    assert await repos.ama.merge(q["duplicate"], q["other"], clock.now())
    await ask("other duplicate", OTHER_DUPLICATE, OTHER, False, APPROVED)
    assert await repos.ama.merge(q["other duplicate"], q["named"], clock.now())
    await ask("pending", c["pending question"], ME, True, PENDING)
    assert await repos.ama.toggle_vote(q["other"], ME, now)
    assert await repos.ama.toggle_vote(q["named"], OTHER, now)
    assert await repos.ama.mark_answered(q["other"], ME, now)

    # Groups: created one, asked to join it with a note; in another with access to its
    # space, coffee-chat pairing, a check-in and an anonymous post.
    g1 = await repos.groups.create(
        scope, GroupDraft("Canary Circle", "Peers", PRIVATE, "approval", None), [OTHER], ME, now
    )
    g2 = await repos.groups.create(
        scope, GroupDraft("Night Float", "Nights", PRIVATE, "open", None), [OTHER], OTHER, now
    )
    assert g1 is not None and g2 is not None
    await repos.groups.update(g2.id, now, space_ref="C_SPACE_NF")
    await repos.groups.add(g1.id, ME, role=MEMBER, status=REQUESTED, note=c["join note"], now=now)
    for user in (ME, THIRD):
        await repos.groups.add(g2.id, user, role=MEMBER, status=ACTIVE, note=None, now=now)
    mine_g2 = await repos.groups.membership(g2.id, ME)
    assert mine_g2 is not None
    await repos.groups.set_access(mine_g2.id, True, now)
    await repos.groups.set_pairing_opt(mine_g2.id, True, now)
    await repos.groups.add_post(
        mine_g2, anonymous=True, message_ref=f"C_SPACE_NF/{c['post ref']}", now=now
    )
    k = {user: await repos.groups.member_key(g2.id, user) for user in (ME, OTHER, THIRD)}
    made = await repos.groups.start_round(g2.id, 1, now, now + timedelta(days=7), now)
    assert made is not None
    [pair] = await repos.groups.save_pairs(made, [(k[ME], k[OTHER], k[THIRD])], 0, now)
    await repos.groups.check_in(pair.id, k[ME], "met", now)
    await repos.groups.check_in(pair.id, k[OTHER], "met", now)
    assert await repos.groups.avoid(scope, ME, OTHER, now)
    assert await repos.groups.avoid(scope, OTHER, ME, now)
    assert await repos.groups.avoid(scope, OTHER, THIRD, now)

    # Deliveries: a reply held for them, one held for another that names them, a group
    # DM, and a group DM whose recipient list was cut in the middle of their id.
    held = await repos.outbox.create(scope, "dm", ME, "mentorship.status", now)
    await repos.outbox.settle(held, HELD, now, held_payload={"text": c["held payload"]})
    naming = await repos.outbox.create(scope, "dm", OTHER, "mentorship.intro", now)
    await repos.outbox.settle(
        naming, HELD, now, held_payload={"text": f"You are now <@{ME}>'s mentor."}
    )
    for recipients in (f"{OTHER},{ME}", f"{'U_LONG_' + 'a' * 20},{OTHER},{ME}"[:64]):
        group_dm = await repos.outbox.create(scope, "group_dm", recipients, "mentorship.intro", now)
        await repos.outbox.settle(group_dm, SENT, now, message_ref="D1/1")
    sent = await repos.outbox.create(scope, "dm", ME, "ama.reminder", now)
    await repos.outbox.settle(sent, SENT, now, message_ref="D2/2")
    post = await repos.outbox.create(scope, "post", "C_AMA", "ama.announce", now)
    await repos.outbox.settle(post, SENT, now, message_ref="C_AMA/3")

    # Jobs about them (one still pending, one done) and one that is not.
    payload = {"member": ME, "note": c["job payload"]}
    await repos.jobs.put(
        scope, "test.remind", f"remind:{ME}", now + timedelta(days=1), payload, now
    )
    done = await repos.jobs.put(scope, "test.done", "done:1", now, payload, now)
    assert await repos.jobs.claim(done.id) is not None
    await repos.jobs.finish(done.id, DONE, now)
    await repos.jobs.put(scope, "test.other", "other:1", now, {"member": OTHER}, now)

    # The audit log: an action of theirs, and rows naming them.
    await repos.audit.record(
        scope, ME, "groups.reveal", now, target="post:1", detail={"reason": "harassment report"}
    )
    await repos.audit.record(scope, OTHER, "setup.moderator_added", now, target=ME)
    await repos.audit.record(scope, OTHER, "test.detail", now, detail={"member": ME, "n": 2})
    await repos.audit.record(scope, OTHER, "setup.timezone", now, detail={"timezone": "UTC"})

    index = await repos.keyring.blind_index()
    p, w = scope.platform, scope.workspace_id
    keys = {
        "g1": await repos.groups.member_key(g1.id, ME),
        "g2": k[ME],
        "avoid owner": index.of("avoid", p, w, ME),
        "avoid entry": index.of("avoid-entry", p, w, ME, OTHER),
        "avoided entry": index.of("avoid-entry", p, w, OTHER, ME),
    }
    return Seeded(
        s1=s1.id,
        q=q,
        g1=g1.id,
        g2=g2.id,
        round_id=made.id,
        match_b=match_b.id,
        match_c=match_c.id,
        match_x=match_x.id,
        y_request=y_request.id,
        keys=keys,
        other_keys={"other": k[OTHER], "third": k[THIRD]},
    )


# ----- every table is accounted for ------------------------------------------------------


def test_every_table_and_id_like_column_is_accounted_for() -> None:
    tables = set(metadata.tables)
    for name in tables:
        assert (name in MEMBER_COLUMNS) != (name in NO_MEMBER_DATA), (
            f"{name}: say in storage/member_data.py whether it can hold a member"
        )
    assert set(MEMBER_COLUMNS) <= tables
    assert NO_MEMBER_DATA - {"alembic_version"} <= tables
    for name, columns in MEMBER_COLUMNS.items():
        assert set(columns) <= set(metadata.tables[name].columns.keys()), name
    for qualified in NOT_MEMBER_COLUMNS:
        owner, name = qualified.split(".")
        if owner == "*":
            assert any(name in t.columns for t in metadata.tables.values()), qualified
        else:
            assert name in metadata.tables[owner].columns, qualified
    for table in metadata.tables.values():
        for column in table.columns:
            if not ID_PATTERN.search(column.name):
                continue
            listed = column.name in MEMBER_COLUMNS.get(table.name, ())
            exempt = (
                f"{table.name}.{column.name}" in NOT_MEMBER_COLUMNS
                or f"*.{column.name}" in NOT_MEMBER_COLUMNS
            )
            assert listed != exempt, (
                f"{table.name}.{column.name}: list it in MEMBER_COLUMNS or say why not "
                "in NOT_MEMBER_COLUMNS"
            )
    # Every table that can hold a member shows in the export, in a known section.
    assert set(EXPORT_SECTIONS) == set(MEMBER_COLUMNS)
    assert {s for sections in EXPORT_SECTIONS.values() for s in sections} <= set(SECTIONS)


# ----- export, erase, and what is left ---------------------------------------------------


async def test_export_holds_everything_and_erasing_leaves_no_trace(
    db: Database, repos: Repositories, sealer: Sealer, clock: ManualClock
) -> None:
    seeded = await seed(repos, clock)
    data = repos.member_data
    other_before = await _survivor_view(repos, seeded)
    counts_before = await _counts(db)

    exported = await data.export(T, ME)
    assert list(exported) == list(SECTIONS)
    for table, sections in EXPORT_SECTIONS.items():
        assert any(exported[s] for s in sections), f"{table} was seeded but is not exported"
    document = json.dumps(exported, ensure_ascii=False)  # JSON-ready as it is
    for what, canary in TEXTS.items():
        assert canary in document, f"{what} is missing from the export"
    # Nothing private of others: who listed them, others' feedback, a mentee's mentors.
    assert exported["avoid_list"] == [OTHER]
    assert "Kind and on time." not in document
    assert all("mentor" not in p for p in exported["mentor_proposals"] if p["role"] == "mentee")
    assert exported["audit_entries_about_you"] and all(
        set(e) == {"action", "at"} for e in exported["audit_entries_about_you"]
    )
    questions = {q["text"]: q for q in exported["ama_questions"]}
    assert questions[TEXTS["anonymous question"]]["anonymous"] is True
    assert questions[TEXTS["named question"]]["anonymous"] is False
    assert questions[TEXTS["duplicate question"]]["status"] == "merged"
    assert any(g["note"] == TEXTS["join note"] for g in exported["groups"])

    assert await data.spaces_of(T, ME) == [(seeded.g2, "C_SPACE_NF")]
    assert await data.spaces_of(T, OTHER) == []
    needles = [ME, *TEXTS.values(), *seeded.keys.values()]
    if db.is_sqlite:
        assert await db.scrub()  # everything so far is in the file itself, not only the WAL
        assert ME.encode() in _sqlite_bytes(db)  # the check below has something to find

    # As /privacy does it: the erasure and its audit row in one transaction.
    async with db.transaction():
        report = await data.erase(T, ME, clock.now())
        await repos.audit.record(T, report.pseudonym, "privacy.delete", clock.now())
    assert await db.scrub()

    assert re.fullmatch(r"erased-[0-9a-f]{12}", report.pseudonym)
    assert report.spaces == ((seeded.g2, "C_SPACE_NF"),)
    assert report.deleted["group_members"] == 2 and report.deleted["ama_votes"] == 1

    # Not a byte of them is left: not in the files, not in any column, not sealed.
    if db.is_sqlite:
        raw = _sqlite_bytes(db)
        for needle in needles:
            assert needle.encode() not in raw, f"{needle} is still in the SQLite files"
        assert b"U_CANARY" not in raw  # not even the start of the id (a cut group DM)
    values = await _all_text(db)
    opened = _opened(values, sealer)
    for needle in needles:
        for where, value in values + opened:
            assert needle not in value, f"{needle} is still in {where}"
    assert not any("U_CANARY" in value for _, value in values + opened)

    # Nothing is exported or counted for them any more.
    after = await data.export(T, ME)
    assert not any(after.values())
    assert not any((await data.summary(T, ME)).values())

    # The others' data survives, and the counts stay.
    assert await _survivor_view(repos, seeded) == other_before
    assert await repos.groups.avoided_by(T, [OTHER, THIRD]) == {OTHER: {THIRD}}
    counts_after = await _counts(db)
    assert counts_after.pop("audit_log") == counts_before.pop("audit_log") + 1
    assert counts_after == counts_before
    await _check_anonymised(repos, seeded, report.pseudonym)


async def _check_anonymised(repos: Repositories, seeded: Seeded, pseudonym: str) -> None:
    m = repos.mentorship
    mine = [r for r in await m.requests(T, (WAITING, "proposed", MATCHED, WITHDRAWN))]
    requests = {r.user_id: r for r in mine}
    assert requests[Y].status == WAITING  # their pending proposal went; Y is queued again
    erased = [r for r in mine if r.user_id == pseudonym]
    assert sorted(r.status for r in erased) == [MATCHED, WITHDRAWN]
    assert all(r.goals == "" and r.interests == () and r.identities == () for r in erased)
    assert all(r.institution is None for r in erased)
    proposals = await m.proposals(T)
    assert all(ME not in (p.mentor_id, p.mentee_id) for p in proposals)
    assert [p.status for p in proposals if p.request_id == seeded.y_request] == [CANCELLED]
    assert await m.decline_reasons(T) == []
    match_c = await m.get_match(T, seeded.match_c)
    assert match_c is not None and match_c.status == ENDED
    assert (match_c.mentor_id, match_c.ended_by) == (pseudonym, pseudonym)
    match_b = await m.get_match(T, seeded.match_b)
    assert match_b is not None and (match_b.mentee_id, match_b.ended_by) == (pseudonym, pseudonym)
    assert await m.checkin_answers(seeded.match_b) == {(pseudonym, 1): "yes", (OTHER, 1): "yes"}
    feedback = {f.user_id: f for f in await m.feedback(T)}
    assert feedback[pseudonym].text is None and feedback[pseudonym].rating == 5
    assert feedback[OTHER].text == "Kind and on time."

    q = seeded.q
    questions = {
        x.id: x
        for x in await repos.ama.questions(seeded.s1, (APPROVED, PENDING, REJECTED, "merged"))
    }
    for name in ("named", "anonymous", "duplicate", "pending"):
        assert questions[q[name]].text == TOMBSTONE, name
    assert questions[q["pending"]].status == REJECTED
    assert questions[q["other"]].text == OTHER_QUESTION
    assert questions[q["other duplicate"]].text == OTHER_DUPLICATE
    assert await repos.ama.asker_ids(q["named"]) == [OTHER]  # the other asker stays
    assert await repos.ama.asker_ids(q["other"]) == [OTHER]
    assert questions[q["named"]].votes == 1 and questions[q["other"]].votes == 0
    assert questions[q["other"]].answered_by == pseudonym
    session = await repos.ama.by_id(seeded.s1)
    assert session is not None and session.host_id == pseudonym
    assert await repos.ama.rsvps(seeded.s1) == [OTHER]

    assert await repos.communities.moderators(T) == [THIRD]
    assert (await repos.groups.get(seeded.g1)).created_by == pseudonym  # type: ignore[union-attr]
    [pair] = await repos.groups.pairs(seeded.round_id)
    assert set(seeded.other_keys.values()) < set(pair.member_keys)
    [token] = set(pair.member_keys) - set(seeded.other_keys.values())
    assert token.startswith("erased-") and token != pseudonym

    entries = {e.recipient: e for e in await repos.outbox.list(T)}
    assert ME not in entries
    assert f"{OTHER},{pseudonym}" in entries
    assert entries[OTHER].held_payload is None and entries[OTHER].status == HELD
    jobs = {j.kind: j for j in await _jobs(repos)}
    assert set(jobs) == {"test.done", "test.other"}
    assert jobs["test.done"].payload == {} and jobs["test.other"].payload == {"member": OTHER}
    audit = {e.action: e for e in await repos.audit.recent(T, 50)}
    assert audit["groups.reveal"].actor_id == pseudonym
    assert audit["groups.reveal"].detail == {"reason": "harassment report"}
    assert audit["setup.moderator_added"].target == pseudonym
    assert audit["test.detail"].detail == {"member": pseudonym, "n": 2}
    assert audit["privacy.delete"].actor_id == pseudonym


async def _jobs(repos: Repositories) -> list[Any]:
    found = []
    for kind in ("test.remind", "test.done", "test.other"):
        for key in (f"remind:{ME}", "done:1", "other:1"):
            job = await repos.jobs.by_key(T, kind, key)
            if job is not None:
                found.append(job)
    return found


async def _survivor_view(repos: Repositories, seeded: Seeded) -> dict[str, Any]:
    """What the other members have that erasing the member must not touch."""
    m = repos.mentorship
    g2_other = await repos.groups.membership(seeded.g2, OTHER)
    history = await repos.groups.history(seeded.g2)
    keys = set(seeded.other_keys.values())
    return {
        "intro": await repos.profiles.get(T, OTHER),
        "offer": await m.get_offer(T, OTHER),
        "match_x": await m.get_match(T, seeded.match_x),
        "x_request": [r for r in await m.requests(T, (MATCHED,)) if r.user_id == X],
        "membership": g2_other,
        "third": await repos.groups.membership(seeded.g2, THIRD),
        "history": {pair: n for pair, n in history.items() if pair <= keys},
        "g1 steward": await repos.groups.membership(seeded.g1, OTHER),
        "other intro": await repos.members.get(T, OTHER),
    }


async def _counts(db: Database) -> dict[str, int]:
    """Rows per table that counts rest on (the rest may lose the member's rows)."""
    names = (
        "mentor_matches",
        "mentee_requests",
        "mentor_proposals",
        "match_checkins",
        "match_feedback",
        "ama_questions",
        "ama_sessions",
        "ama_series",
        "peer_groups",
        "pairing_pairs",
        "pairing_rounds",
        "audit_log",
    )
    async with db.read() as conn:
        return {
            name: int(
                await conn.scalar(select(func.count()).select_from(metadata.tables[name])) or 0
            )
            for name in names
        }


def _sqlite_bytes(db: Database) -> bytes:
    assert db.sqlite_path is not None
    raw = db.sqlite_path.read_bytes()
    for suffix in ("-wal", "-journal"):
        extra = Path(f"{db.sqlite_path}{suffix}")
        if extra.exists():
            raw += extra.read_bytes()
    return raw


async def _all_text(db: Database) -> list[tuple[str, str]]:
    """Every text value of every table (Alembic's own too), as (table.column, value)."""
    found: list[tuple[str, str]] = []
    async with db.read() as conn:
        for table in metadata.tables.values():
            columns = [c for c in table.columns if isinstance(c.type, String | Text)]
            if not columns:
                continue
            for row in (await conn.execute(select(*columns))).all():
                for column, value in zip(columns, row, strict=True):
                    if value is not None:
                        found.append((f"{table.name}.{column.name}", str(value)))
        for (value,) in (await conn.execute(text("SELECT version_num FROM alembic_version"))).all():
            found.append(("alembic_version.version_num", str(value)))
    return found


def _opened(values: list[tuple[str, str]], sealer: Sealer) -> list[tuple[str, str]]:
    """Sealed values opened: what a holder of DATA_KEY could read."""
    opened = []
    for where, value in values:
        if where.endswith("sealed") or where == "outbox.held_payload":
            try:
                opened.append((f"{where} (opened)", sealer.open(value)))
            except SealError:
                assert where == "outbox.held_payload" and value.startswith("{")
    return opened


# ----- never half-done -------------------------------------------------------------------


async def test_an_erasure_that_fails_half_way_changes_nothing(
    db: Database, repos: Repositories, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    await seed(repos, clock)
    before = await _snapshot(db)
    exported = await repos.member_data.export(T, ME)

    async def broken(self: MemberDataRepository, e: Any) -> None:
        raise RuntimeError("the disk is full")

    # The last step fails: every step before it has run inside the transaction.
    monkeypatch.setattr(MemberDataRepository, "_erase_audit", broken)
    with pytest.raises(RuntimeError):
        await repos.member_data.erase(T, ME, clock.now())
    assert await _snapshot(db) == before
    assert await repos.member_data.export(T, ME) == exported
    monkeypatch.undo()
    await repos.member_data.erase(T, ME, clock.now())  # and it can be done afterwards
    assert not any((await repos.member_data.export(T, ME)).values())


async def _snapshot(db: Database) -> dict[str, list[str]]:
    async with db.read() as conn:
        return {
            name: sorted(repr(tuple(row)) for row in (await conn.execute(select(table))).all())
            for name, table in metadata.tables.items()
        }


# ----- summary, scope --------------------------------------------------------------------


async def test_summary_counts_each_section(repos: Repositories, clock: ManualClock) -> None:
    await seed(repos, clock)
    counts = await repos.member_data.summary(T, ME)
    assert list(counts) == list(SECTIONS.values())
    expected = {
        "Member record": 1,
        "Moderator role": 1,
        "Moderators you added": 1,
        "Introduction": 1,
        "Mentor offer": 1,
        "Mentor requests": 2,
        "Mentor proposals": 5,  # declined, accepted (mentee), accepted (mentor), 2 pending
        "Mentor matches": 2,
        "Match check-ins": 1,
        "Match feedback you wrote": 1,
        "AMA RSVPs": 1,
        "AMA reminders": 1,
        "AMA questions": 4,  # named, anonymous, the merged duplicate, pending
        "AMA votes": 1,
        "AMA questions you marked answered": 1,
        "AMA sessions you host": 1,
        "AMA sessions you scheduled": 2,
        "AMA series you scheduled": 1,
        "Group memberships": 2,
        "Groups you created": 1,
        "Coffee-chat history": 1,
        "Coffee-chat check-ins": 1,
        "Group posts": 1,
        "Don't-pair-me-with list": 1,
        "Messages held for you": 1,
        "Delivery records": 4,  # held, sent, and two group DMs
        "Scheduled jobs": 2,
        "Audit log entries by you": 1,
        "Audit log entries about you": 2,
    }
    assert counts == expected
    other = await repos.member_data.summary(T, OTHER)
    assert other["Mentor matches"] == 2 and other["Don't-pair-me-with list"] == 2
    assert not any((await repos.member_data.summary(T, "U_NOBODY_0000000")).values())


async def test_only_the_words_they_wrote_become_a_tombstone(
    repos: Repositories, clock: ManualClock
) -> None:
    """A merge moves askers without saying from where: an earlier duplicate of theirs
    merged into a later question of someone else's leaves that question's words alone."""
    start = clock.now() + timedelta(days=1)
    draft = SessionDraft("Q&A", "", OTHER, "C1", start, start + timedelta(hours=1), "UTC")
    [session] = await repos.ama.create(T, [draft], OTHER, clock.now())
    mine = await repos.ama.ask(
        session, TEXTS["duplicate question"], ME, anonymous=False, status=APPROVED, now=clock.now()
    )
    clock.advance(timedelta(seconds=1))
    theirs = await repos.ama.ask(
        session, OTHER_QUESTION, OTHER, anonymous=False, status=APPROVED, now=clock.now()
    )
    assert await repos.ama.merge(mine.id, theirs.id, clock.now())
    exported = await repos.member_data.export(T, ME)
    assert [q["text"] for q in exported["ama_questions"]] == [TEXTS["duplicate question"]]
    await repos.member_data.erase(T, ME, clock.now())
    kept = await repos.ama.question(T, theirs.id)
    gone = await repos.ama.question(T, mine.id)
    assert kept is not None and kept.text == OTHER_QUESTION
    assert gone is not None and gone.text == TOMBSTONE
    assert await repos.ama.asker_ids(theirs.id) == [OTHER]


async def test_sqlite_zeroes_what_it_frees_and_scrubs_only_after_commit(
    sqlite_db: Database,
) -> None:
    # Some SQLite builds zero freed bytes by default, others do not: the bot always asks.
    async with sqlite_db.read() as conn:
        assert (await conn.exec_driver_sql("PRAGMA secure_delete")).scalar_one() == 1
    async with sqlite_db.transaction() as conn:
        assert (await conn.exec_driver_sql("PRAGMA secure_delete")).scalar_one() == 1
        with pytest.raises(StorageError):
            await sqlite_db.scrub()  # the WAL cannot be emptied of a transaction still open
    assert await sqlite_db.scrub()
    assert sqlite_db.sqlite_path is not None
    assert Path(f"{sqlite_db.sqlite_path}-wal").stat().st_size == 0


async def test_erasing_in_one_community_leaves_the_member_in_another(
    repos: Repositories, clock: ManualClock
) -> None:
    elsewhere = Scope("slack", "T_elsewhere")
    await seed(repos, clock)
    await seed(repos, clock, elsewhere)
    before = await repos.member_data.export(elsewhere, ME)
    await repos.member_data.erase(T, ME, clock.now())
    assert not any((await repos.member_data.export(T, ME)).values())
    assert await repos.member_data.export(elsewhere, ME) == before
    with pytest.raises(ValueError):
        await repos.member_data.erase(T, "erased-0123456789ab", clock.now())

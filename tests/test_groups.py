"""Peer groups as stewards, members and moderators live them: creating groups and chapters,
joining by approval, invitations, leaving and removal (access revoked at once, and retried
when the platform refuses), anonymous posts and their audited reveal, announcements, what
is stored (nothing in the clear about who is in a group), what is logged, and bad input."""

from __future__ import annotations

import logging
import re
import sqlite3

import pytest

from bot.events import MEMBER_LEFT
from bot.model import Actor, Reply
from storage.groups import LEAVING
from storage.schema import audit_log
from tests.support import SCOPE, Sent, TestHarness

MOD = "mod_mia"
STEW = "stew_sam"
STEW2 = "stew_sol"
ANA = "ana_canary_7"  # a member: her id must never show where it should not
BEN = "ben_canary_8"
CY = "cy_c"


def said(responses: list[object]) -> str:
    parts: list[str] = []
    for r in responses:
        assert isinstance(r, Reply), r
        parts += [r.title or "", r.text, *(f"{f.name}: {f.value}" for f in r.fields)]
    return "\n".join(p for p in parts if p)


def dms(h: TestHarness, user: str, title: str | None = None) -> list[Sent]:
    return [
        s
        for s in h.recorder.sent
        if s.kind == "dm" and user in s.to and (title is None or s.reply.title == title)
    ]


async def community(h: TestHarness) -> None:
    await h.run(MOD, "/setup channels announcements:#general modlog:#mods", admin=True)
    for user in (STEW, STEW2, ANA, BEN, CY):
        await h.run(user, "/help")


async def create(h: TestHarness, extra: str = "", name: str = "SGM Alliance") -> str:
    text = said(
        await h.run(
            MOD,
            f'/group create name:"{name}" description:"Sexual and gender minority students" '
            f"stewards:@{STEW},@{STEW2} {extra}",
            admin=True,
        )
    )
    assert "Group created" in text, text
    return text


async def group_of(h: TestHarness, name: str = "SGM Alliance"):  # type: ignore[no-untyped-def]
    group = await h.core.repos.groups.by_name(SCOPE, name)
    assert group is not None
    return group


async def test_a_private_group_gets_a_space_its_stewards_and_an_audit_row(
    harness: TestHarness,
) -> None:
    h = harness
    await community(h)
    text = await create(h)
    group = await group_of(h)
    assert (group.visibility, group.join_policy) == ("private", "approval")  # the defaults
    assert group.space_ref is not None
    assert h.recorder.spaces[group.space_ref] == {STEW, STEW2}
    assert h.recorder.space_names[group.space_ref] == "SGM Alliance"
    assert "Stewards: <@stew_sam>, <@stew_sol>" in text
    assert len(dms(h, STEW, "You are a group steward")) == 1
    [row] = await h.core.repos.audit.recent(SCOPE, 1)
    assert (row.action, row.target) == ("groups.create", f"group:{group.id}")
    assert row.detail == {
        "visibility": "private",
        "join": "approval",
        "chapter_of": None,
        "stewards": 2,
    }


async def test_joining_by_approval_from_request_to_access(harness: TestHarness) -> None:
    h = harness
    await community(h)
    await create(h)
    group = await group_of(h)
    answer = said(await h.run(ANA, '/group join name:"sgm  alliance" note:"MS2, out to few"'))
    assert "with its stewards" in answer and "nobody else is told" in answer
    # Each steward gets the request with the note and the two buttons.
    for steward in (STEW, STEW2):
        [request] = dms(h, steward, "A request to join SGM Alliance")
        assert "MS2, out to few" in request.reply.text
        assert [b.label for b in request.reply.buttons] == ["Approve", "Deny"]
    assert ANA not in h.recorder.spaces[group.space_ref or ""]
    # Someone who is not a steward cannot use the button, even with its id.
    [request] = dms(h, STEW, "A request to join SGM Alliance")
    approve = request.reply.buttons[0].action_id
    assert said(await h.press(BEN, approve)) == "This request was already decided, or withdrawn."
    # The first steward decides; the second finds nothing left to decide.
    assert "now a member" in said(await h.press(STEW, approve))
    assert said(await h.press(STEW2, approve)) == "This request was already decided, or withdrawn."
    assert ANA in h.recorder.spaces[group.space_ref or ""]
    [welcome] = dms(h, ANA, "You're in")
    assert "<#space1>" in welcome.reply.text
    edits = [s for s in h.recorder.of_kind("edit") if "approved by <@stew_sam>" in s.reply.text]
    assert len(edits) == 2 and all(not e.reply.buttons for e in edits)
    # The note is not kept once the request is decided.
    assert (
        await h.core.repos.groups.note((await h.core.repos.groups.membership(group.id, ANA)).id)
        is None
    )  # type: ignore[union-attr]
    [row] = await h.core.repos.audit.recent(SCOPE, 1)
    assert row.action == "groups.approve" and ANA not in str(row)


async def test_a_denied_request_leaves_nothing_and_is_told_privately(harness: TestHarness) -> None:
    h = harness
    await community(h)
    await create(h)
    group = await group_of(h)
    await h.run(ANA, '/group join name:"SGM Alliance"')
    [request] = dms(h, STEW, "A request to join SGM Alliance")
    assert "declined" in said(await h.press(STEW, request.reply.buttons[1].action_id))
    assert await h.core.repos.groups.membership(group.id, ANA) is None
    [told] = dms(h, ANA, "Your request to join a group")
    assert "not approved" in told.reply.text
    assert not [s for s in h.recorder.of_kind("grant") if ANA in s.to]
    # She may ask again later.
    assert "with its stewards" in said(await h.run(ANA, '/group join name:"SGM Alliance"'))


async def test_requests_can_be_decided_from_the_list_and_withdrawn(harness: TestHarness) -> None:
    h = harness
    await community(h)
    await create(h)
    await h.run(ANA, '/group join name:"SGM Alliance" note:"hi"')
    await h.run(BEN, '/group join name:"SGM Alliance"')
    [listed] = await h.run(STEW, '/group requests name:"SGM Alliance"')
    assert isinstance(listed, Reply)
    assert [b.label for b in listed.buttons] == ["Approve 1", "Deny 1", "Approve 2", "Deny 2"]
    assert "<@ana_canary_7>: hi" in listed.text
    assert "withdrawn" in said(await h.run(BEN, '/group leave name:"SGM Alliance"'))
    closed = [s for s in h.recorder.of_kind("edit") if "withdrawn" in s.reply.text]
    assert len(closed) == 2  # both stewards' copies of Ben's request
    assert said(await h.press(STEW, listed.buttons[2].action_id)) == (
        "This request was already decided, or withdrawn."
    )


async def test_an_open_group_lets_members_in_at_once(harness: TestHarness) -> None:
    h = harness
    await community(h)
    await create(h, "visibility:public", name="Premed Pathways")
    group = await group_of(h, "Premed Pathways")
    assert group.join_policy == "open"  # public groups are open unless told otherwise
    assert "You joined **Premed Pathways**" in said(
        await h.run(ANA, '/group join name:"Premed Pathways"')
    )
    assert ANA in h.recorder.spaces[group.space_ref or ""]
    assert "already in" in said(await h.run(ANA, '/group join name:"Premed Pathways"'))
    # Public: anyone may see who is in it.
    assert "<@ana_canary_7>" in said(await h.run(CY, '/group members name:"Premed Pathways"'))


async def test_an_invitation_is_answered_privately(harness: TestHarness) -> None:
    h = harness
    await community(h)
    await create(h, "visibility:secret")
    group = await group_of(h)
    assert "invited" in said(await h.run(STEW, f'/group invite name:"SGM Alliance" member:@{ANA}'))
    [invitation] = dms(h, ANA, "An invitation to SGM Alliance")
    accept, decline = (b.action_id for b in invitation.reply.buttons)
    assert "You joined" in said(await h.press(ANA, accept))
    assert ANA in h.recorder.spaces[group.space_ref or ""]
    assert "already answered" in said(await h.press(ANA, decline))
    # A second invitation, declined: nothing stays and nobody is told.
    await h.run(STEW, f'/group invite name:"SGM Alliance" member:@{BEN}')
    [invitation] = dms(h, BEN, "An invitation to SGM Alliance")
    before = len(h.recorder.sent)
    assert "Nobody is told" in said(await h.press(BEN, invitation.reply.buttons[1].action_id))
    assert await h.core.repos.groups.membership(group.id, BEN) is None
    assert [s for s in h.recorder.sent[before:] if s.kind == "dm"] == []
    # An invited member can also accept by joining the secret group by name.
    await h.run(STEW, f'/group invite name:"SGM Alliance" member:@{CY}')
    assert "You joined" in said(await h.run(CY, '/group join name:"SGM Alliance"'))


async def test_an_invitation_button_pressed_by_someone_else_does_nothing(
    harness: TestHarness,
) -> None:
    h = harness
    await community(h)
    await create(h)
    group = await group_of(h)
    await h.run(STEW, f'/group invite name:"SGM Alliance" member:@{ANA}')
    [invitation] = dms(h, ANA, "An invitation to SGM Alliance")
    answer = said(await h.press(BEN, invitation.reply.buttons[0].action_id))
    assert answer == "This invitation was already answered, or withdrawn."
    assert await h.core.repos.groups.membership(group.id, BEN) is None
    membership = await h.core.repos.groups.membership(group.id, ANA)
    assert membership is not None and membership.status == "invited"


async def test_leaving_and_removal_revoke_access_at_once(harness: TestHarness) -> None:
    h = harness
    await community(h)
    await create(h, "join:open")
    group = await group_of(h)
    space = group.space_ref or ""
    for user in (ANA, BEN):
        await h.run(user, '/group join name:"SGM Alliance"')
    assert {ANA, BEN} <= h.recorder.spaces[space]
    assert "You left" in said(await h.run(ANA, '/group leave name:"SGM Alliance"'))
    assert ANA not in h.recorder.spaces[space]
    assert await h.core.repos.groups.membership(group.id, ANA) is None
    # Removal: revoked, told privately with the reason, audited without naming anyone.
    answer = said(
        await h.run(STEW, f'/group remove name:"SGM Alliance" member:@{BEN} reason:"Repeated spam"')
    )
    assert "removed" in answer
    assert BEN not in h.recorder.spaces[space]
    [told] = dms(h, BEN, "Removed from a group")
    assert "Repeated spam" in told.reply.text
    [row] = await h.core.repos.audit.recent(SCOPE, 1)
    assert row.action == "groups.remove" and BEN not in str(row)
    # Leaving twice, or a group never joined, reads like a group that does not exist.
    again = said(await h.run(ANA, '/group leave name:"SGM Alliance"'))
    assert again == said(await h.run(ANA, '/group leave name:"SGM Alliance"'))
    assert again.startswith("I can't find a group called `SGM Alliance`")


async def test_a_revoke_the_platform_refuses_is_retried_until_it_lands(
    harness: TestHarness,
) -> None:
    h = harness
    await community(h)
    await create(h, "join:open")
    group = await group_of(h)
    await h.run(ANA, '/group join name:"SGM Alliance"')
    h.recorder.refuse_spaces = True
    left = said(await h.run(ANA, '/group leave name:"SGM Alliance"'))
    assert "You left" in left and "still pending" in left  # never "closed" when it is not
    membership = await h.core.repos.groups.membership(group.id, ANA)
    assert membership is not None and membership.status == LEAVING
    [note] = [s for s in h.recorder.of_kind("post") if "refused to take away" in s.reply.text]
    assert note.to == ("mods",) and ANA not in note.reply.text
    # No longer a member anywhere it counts, though the platform still lets her in.
    members = said(await h.run(STEW, '/group members name:"SGM Alliance"'))
    assert ANA not in members and "1 member(s) who left still have access" in members
    assert (await h.core.repos.groups.counts([group.id]))[group.id] == 2
    [job] = await h.core.repos.jobs.pending_with_prefix(SCOPE, "groups.sync", f"{group.id}:")
    h.core.clock.advance(job.due_at - h.core.clock.now())  # type: ignore[attr-defined]
    h.recorder.refuse_spaces = False
    assert await h.core.scheduler.run_due() == 1
    assert ANA not in h.recorder.spaces[group.space_ref or ""]
    assert await h.core.repos.groups.membership(group.id, ANA) is None
    assert await h.core.repos.jobs.pending_with_prefix(SCOPE, "groups.sync", "") == []


async def test_a_space_the_platform_would_not_make_comes_later(harness: TestHarness) -> None:
    h = harness
    await community(h)
    h.recorder.refuse_spaces = True
    text = await create(h, "join:open")
    assert "private space" not in text
    group = await group_of(h)
    assert group.space_ref is None
    await h.run(ANA, '/group join name:"SGM Alliance"')
    refused = said(await h.run(ANA, '/group post name:"SGM Alliance" message:"hello"'))
    assert "no private space here yet" in refused
    h.recorder.refuse_spaces = False
    [job] = await h.core.repos.jobs.pending_with_prefix(SCOPE, "groups.sync", f"{group.id}:")
    h.core.clock.advance(job.due_at - h.core.clock.now())  # type: ignore[attr-defined]
    await h.core.scheduler.run_due()
    group = await group_of(h)
    assert group.space_ref is not None
    assert h.recorder.spaces[group.space_ref] == {STEW, STEW2, ANA}


async def test_anonymous_posts_hide_the_author_until_an_audited_reveal(
    harness: TestHarness,
) -> None:
    h = harness
    await community(h)
    await create(h, "join:open")
    group = await group_of(h)
    await h.run(ANA, '/group join name:"SGM Alliance"')
    answer = said(
        await h.run(
            ANA,
            '/group post name:"SGM Alliance" message:"Is anyone else not out at their '
            'rotation site?" anonymous:yes',
        )
    )
    number = int(re.search(r"post #(\d+)", answer).group(1))  # type: ignore[union-attr]
    [post] = [s for s in h.recorder.of_kind("post") if s.to == (group.space_ref,)]
    assert "not out at their rotation site" in post.reply.text
    assert ANA not in said([post.reply]) and "an anonymous member" in said([post.reply])
    assert f"#{number}" in said([post.reply])
    # The author is sealed at rest.
    path = h.core.db.sqlite_path
    assert path is not None
    with sqlite3.connect(path) as raw:
        rows = raw.execute("SELECT * FROM group_posts").fetchall()
    assert rows and ANA not in repr(rows)
    # Members (and a steward of nothing here) cannot reveal; the answer is the same as for
    # a post that does not exist.
    missing = said(await h.run(BEN, "/group reveal post:99999 reason:safety"))
    await h.run(BEN, '/group join name:"SGM Alliance"')
    assert said(await h.run(BEN, f"/group reveal post:{number} reason:safety")) == (
        missing.replace("99999", str(number))
    )
    audits_before = await h.core.repos.audit.count(SCOPE)
    revealed = said(await h.run(STEW, f"/group reveal post:{number} reason:harassment"))
    assert "<@ana_canary_7>" in revealed and "audit log" in revealed
    assert await h.core.repos.audit.count(SCOPE) == audits_before + 1
    [row] = await h.core.repos.audit.recent(SCOPE, 1)
    assert (row.action, row.target, row.detail["reason"]) == (
        "groups.reveal",
        f"post:{number}",
        "harassment",
    )
    assert ANA not in str(row)


async def test_a_named_post_shows_its_author_and_cannot_be_revealed(
    harness: TestHarness,
) -> None:
    h = harness
    await community(h)
    await create(h, "join:open")
    await h.run(ANA, '/group join name:"SGM Alliance"')
    answer = said(await h.run(ANA, '/group post name:"SGM Alliance" message:"Study tonight?"'))
    number = re.search(r"post #(\d+)", answer).group(1)  # type: ignore[union-attr]
    post = h.recorder.of_kind("post")[-1]
    assert "<@ana_canary_7>" in said([post.reply])
    assert "was not anonymous" in said(
        await h.run(STEW, f"/group reveal post:{number} reason:spam")
    )


async def test_stewards_announce_in_the_space_or_by_dm(harness: TestHarness) -> None:
    h = harness
    await community(h)
    await create(h, "join:open")
    group = await group_of(h)
    for user in (ANA, BEN):
        await h.run(user, '/group join name:"SGM Alliance"')
    assert "Announced" in said(
        await h.run(STEW, '/group announce name:"SGM Alliance" message:"Mixer on Friday"')
    )
    [post] = [s for s in h.recorder.of_kind("post") if s.to == (group.space_ref,)]
    assert post.reply.title == "From the stewards of SGM Alliance"
    assert "4 member(s) by DM" in said(
        await h.run(STEW, '/group announce name:"SGM Alliance" message:"Room change" dm:yes')
    )
    for user in (ANA, BEN, STEW, STEW2):
        assert len(dms(h, user, "From the stewards of SGM Alliance")) == 1
    # Members may not announce.
    assert said(await h.run(ANA, '/group announce name:"SGM Alliance" message:"hi"')).startswith(
        "I can't find a group called"
    )


async def test_chapters_belong_to_top_level_groups_and_are_never_more_open(
    harness: TestHarness,
) -> None:
    h = harness
    await community(h)
    await create(h)
    refused = said(
        await h.run(
            MOD,
            '/group create name:"SGM UCSF" description:"UCSF" parent:"SGM Alliance" '
            "visibility:public",
            admin=True,
        )
    )
    assert "cannot be more open than its group" in refused
    ok = said(
        await h.run(
            MOD,
            '/group create name:"SGM UCSF" description:"UCSF" parent:"SGM Alliance"',
            admin=True,
        )
    )
    assert "a chapter of **SGM Alliance**" in ok
    chapter = await group_of(h, "SGM UCSF")
    assert chapter.visibility == "private" and chapter.parent_id == (await group_of(h)).id
    nested = said(
        await h.run(
            MOD,
            '/group create name:"SGM UCSF Peds" description:"x" parent:"SGM UCSF"',
            admin=True,
        )
    )
    assert "is itself a chapter" in nested
    # Making the group stricter than its chapter is refused; the chapter first.
    refused = said(
        await h.run(MOD, '/group edit name:"SGM Alliance" visibility:secret', admin=True)
    )
    assert "Its chapters SGM UCSF would be more open" in refused
    listed = said(await h.run(CY, "/group list"))
    assert listed.index("SGM Alliance") < listed.index("↳ SGM UCSF")
    # The parent's stewards run the chapter: a join request reaches them.
    await h.run(ANA, '/group join name:"SGM UCSF"')
    assert dms(h, STEW, "A request to join SGM UCSF")


async def test_visibility_only_tightens_and_only_moderators_rename(harness: TestHarness) -> None:
    h = harness
    await community(h)
    await create(h)
    assert "only be made more private" in said(
        await h.run(MOD, '/group edit name:"SGM Alliance" visibility:public', admin=True)
    )
    assert "Only moderators can rename" in said(
        await h.run(STEW, '/group edit name:"SGM Alliance" rename:"SGM Club"')
    )
    assert "secret" in said(
        await h.run(MOD, '/group edit name:"SGM Alliance" visibility:secret', admin=True)
    )
    assert "open" in said(await h.run(STEW, '/group edit name:"SGM Alliance" join:open'))
    assert (await group_of(h)).join_policy == "open"


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ('/group create name:"@everyone" description:"x"', "`name`"),
        ('/group create name:"SGM https://evil.example" description:"x"', "link"),
        ('/group create name:"' + "x" * 61 + '" description:"x"', "too long"),
        ('/group create name:"SGM Alliance" description:"again"', "already exists"),
        ('/group create name:"New" description:"x" parent:"Nowhere"', "can't find a group"),
        ('/group create name:"New" description:"x" visibility:hidden', "must be one of"),
        ('/group create name:"New" description:"x" stewards:"@ghost"', "names no member"),
        ('/group create name:"New" description:"<!channel> hi"', "`description`"),
    ],
)
async def test_bad_input_to_create_names_the_problem_and_writes_nothing(
    harness: TestHarness, line: str, problem: str
) -> None:
    h = harness
    await community(h)
    await create(h)
    before = [g.name for g in await h.core.repos.groups.all(SCOPE)]
    audits = await h.core.repos.audit.count(SCOPE)
    answer = said(await h.run(MOD, line, admin=True))
    assert problem in answer, answer
    assert "Traceback" not in answer and "went wrong" not in answer
    assert [g.name for g in await h.core.repos.groups.all(SCOPE)] == before
    assert await h.core.repos.audit.count(SCOPE) == audits


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ('/group post name:"SGM Alliance" message:"@everyone look"', "`message`"),
        ('/group post name:"SGM Alliance" message:"hi" anonymous:maybe', "yes or no"),
        ('/group join name:"SGM Alliance" note:"' + "n" * 301 + '"', "too long"),
        ("/group reveal post:abc reason:safety", "There is no post"),
        ("/group reveal post:999999999999 reason:safety", "There is no post"),
        ('/group pairing sometimes name:"SGM Alliance"', "must be one of"),
        ("/group avoid member:@ana_canary_7", "cannot avoid yourself"),
        ('/group members name:""', "`name` is required"),
    ],
)
async def test_bad_input_from_members_names_the_problem(
    harness: TestHarness, line: str, problem: str
) -> None:
    h = harness
    await community(h)
    await create(h, "join:open")
    await h.run(ANA, '/group join name:"SGM Alliance"')
    posts = len(h.recorder.of_kind("post"))
    answer = said(await h.run(ANA, line))
    assert problem in answer, answer
    assert len(h.recorder.of_kind("post")) == posts


async def test_members_cannot_create_groups(
    harness: TestHarness,
) -> None:
    """Moderator-only commands are refused to members on the server, every time."""
    h = harness
    await community(h)
    answer = said(await h.run(ANA, '/group create name:"Mine" description:"x"'))
    assert "Only moderators" in answer
    assert await h.core.repos.groups.all(SCOPE) == []


async def test_membership_is_never_stored_or_logged_in_the_clear(
    harness: TestHarness, caplog: pytest.LogCaptureFixture
) -> None:
    h = harness
    caplog.set_level(logging.INFO)
    await community(h)
    await create(h, "visibility:secret")
    await h.run(STEW, f'/group invite name:"SGM Alliance" member:@{ANA}')
    [invitation] = dms(h, ANA, "An invitation to SGM Alliance")
    await h.press(ANA, invitation.reply.buttons[0].action_id)
    await h.run(ANA, f"/group avoid member:@{BEN}")
    await h.run(ANA, '/group post name:"SGM Alliance" message:"hello" anonymous:yes')
    await h.run(ANA, '/group leave name:"SGM Alliance"')
    await h.run(STEW, f'/group invite name:"SGM Alliance" member:@{ANA}')
    path = h.core.db.sqlite_path
    assert path is not None
    with sqlite3.connect(path) as raw:
        for table in ("group_members", "group_posts", "pairing_avoid", "scheduled_jobs"):
            rows = raw.execute(f"SELECT * FROM {table}").fetchall()
            assert ANA not in repr(rows) and BEN not in repr(rows), table
        # The audit log says what was done in which group, never to whom.
        audit = raw.execute(f"SELECT * FROM {audit_log.name}").fetchall()
        assert ANA not in repr(audit)
        # Delivery records say a message was about groups, never which group.
        purposes = {p for (p,) in raw.execute("SELECT purpose FROM outbox")}
        assert "groups" in purposes and not any("SGM" in p for p in purposes)
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert ANA not in logged and "SGM Alliance" not in logged


async def test_home_shows_my_groups_only_to_me(harness: TestHarness) -> None:
    h = harness
    await community(h)
    await create(h, "visibility:secret")
    await h.run(STEW, f'/group invite name:"SGM Alliance" member:@{ANA}')
    ctx = await h.context(ANA)
    [section] = [s for s in await h.dispatcher.home(ctx) if s.title == "Your groups"]
    assert section.private and "invited" in said([section])
    assert [
        s for s in await h.dispatcher.home(await h.context(BEN)) if s.title == "Your groups"
    ] == []


async def test_leaving_the_community_leaves_every_group_and_space(harness: TestHarness) -> None:
    h = harness
    await community(h)
    await create(h, "join:open")
    await create(h, "join:open", name="Latinx in Med")
    first, second = await group_of(h), await group_of(h, "Latinx in Med")
    for name in ("SGM Alliance", "Latinx in Med"):
        await h.run(ANA, f'/group join name:"{name}"')
    await h.run(STEW, f'/group invite name:"SGM Alliance" member:@{BEN}')
    h.core.events.emit(MEMBER_LEFT, actor=Actor(SCOPE, ANA))
    h.core.events.emit(MEMBER_LEFT, actor=Actor(SCOPE, BEN))
    await h.core.tasks.settle()
    for group in (first, second):
        assert ANA not in h.recorder.spaces[group.space_ref or ""]
        assert await h.core.repos.groups.membership(group.id, ANA) is None
    assert await h.core.repos.groups.membership(first.id, BEN) is None  # the invitation too
    assert {s.to for s in h.recorder.of_kind("revoke")} >= {
        (first.space_ref, ANA),
        (second.space_ref, ANA),
    }


async def test_a_space_made_at_the_first_join_is_named_in_the_welcome(
    harness: TestHarness,
) -> None:
    h = harness
    await community(h)
    h.recorder.refuse_spaces = True
    await create(h, "join:open")
    h.recorder.refuse_spaces = False
    welcome = said(await h.run(ANA, '/group join name:"SGM Alliance"'))
    group = await group_of(h)
    assert group.space_ref is not None and len(h.recorder.spaces) == 1
    assert f"Its private space: <#{group.space_ref}>" in welcome

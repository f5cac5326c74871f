"""Introductions: profiles and intro posts, privacy of identities, search, welcome, bad input."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from bot.events import MEMBER_JOINED
from bot.model import OPEN_FORM, Actor, OpenForm, Reply
from storage.schema import intro_profiles
from tests.support import SCOPE, Sent, TestHarness

ANA = (
    '/intro post name:"Ana Reyes" pronouns:she/her stage:resident institution:UCSF '
    'interests:"pediatric anesthesiology, critical care" about:"Anesthesia resident who loves '
    'teaching." looking_for:"mentee, peers" identities:"first-generation, SGM"'
)


@pytest.fixture
async def intros(harness: TestHarness) -> TestHarness:
    await harness.run("mod", "/setup channels introductions:#introductions", admin=True)
    harness.recorder.sent.clear()
    return harness


def posts(h: TestHarness, kind: str = "post") -> list[Sent]:
    return [s for s in h.recorder.sent if s.kind == kind]


def shown(reply: Reply) -> str:
    return "\n".join(
        [reply.title or "", reply.text, *(f"{f.name}: {f.value}" for f in reply.fields)]
    )


async def profile_rows(h: TestHarness) -> int:
    async with h.core.db.read() as conn:
        return int(
            (await conn.execute(select(func.count()).select_from(intro_profiles))).scalar_one()
        )


async def test_posting_saves_the_profile_and_posts_once_then_edits(intros: TestHarness) -> None:
    said = await intros.text("ana", ANA)
    assert "Your intro is posted in <#introductions>." in said
    assert "Your identities stay private." in said
    [post] = posts(intros)
    assert post.to == ("introductions",) and not post.reply.private
    text = shown(post.reply)
    assert "Ana Reyes (she/her)" in text and "Stage: resident" in text
    assert "Interests: pediatric anesthesiology, critical care" in text
    assert "Looking for: mentee, peers" in text
    assert "SGM" not in text and "first-generation" not in text  # private by default

    edited = await intros.text("ana", ANA.replace("UCSF", "Stanford"))
    assert "Your intro post is updated." in edited
    assert len(posts(intros)) == 1  # the same message, edited
    [edit] = posts(intros, "edit")
    assert edit.to == (post.ref,) and "Institution: Stanford" in shown(edit.reply)
    assert await profile_rows(intros) == 1


async def test_identities_show_only_when_the_member_chooses(intros: TestHarness) -> None:
    await intros.run("ana", ANA + " show_identities:yes")
    assert "Identifies as: first-generation, SGM" in shown(posts(intros)[0].reply)
    await intros.run("ana", ANA + " show_identities:no")
    assert "SGM" not in shown(posts(intros, "edit")[0].reply)
    # Others see the public intro only; the member sees their private identities marked.
    other = await intros.text("bob", "/intro show member:ana")
    assert "Ana Reyes" in other and "SGM" not in other
    own = await intros.text("ana", "/intro show")
    assert "Only you see this: Private identities: first-generation, SGM" in own
    found = await intros.text("bob", "/intro find SGM")
    assert "No public intro matches" in found


async def test_search_ranks_public_intros_and_pages(intros: TestHarness) -> None:
    await intros.run("ana", ANA)
    await intros.run(
        "ben",
        '/intro post name:Ben stage:"medical student" interests:"anesthesiology, pediatrics" '
        'about:"MS2 curious about anesthesia."',
    )
    await intros.run(
        "cy", '/intro post name:Cy stage:attending interests:dermatology about:"Skin doc."'
    )
    found = await intros.text("dee", '/intro find "pediatric anesthesiology"')
    assert found.index("Ana Reyes") < found.index("Ben")
    assert "Cy" not in found
    for n in range(7):
        await intros.run(
            f"m{n}", f'/intro post name:Member{n} stage:fellow interests:cardiology about:"Hi {n}"'
        )
    [first] = await intros.run("dee", "/intro find cardiology")
    assert isinstance(first, Reply) and "7 member(s) match" in first.text
    assert len(first.fields) == 5 and [b.label for b in first.buttons] == ["Next"]
    [second] = await intros.press("dee", first.buttons[0].action_id)
    assert isinstance(second, Reply) and len(second.fields) == 2
    assert [b.label for b in second.buttons] == ["Previous"]
    assert {f.name for f in first.fields}.isdisjoint({f.name for f in second.fields})


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ("name:@everyone stage:resident about:hi", "`name` can't mention @everyone or @here"),
        ('name:Ana stage:resident about:"hello <!channel> all"', "`about`"),
        ('name:Ana stage:resident about:"hi <@&123456789012345678>"', "`about`"),
        ("name:https://evil.example stage:resident about:hi", "`name` can't contain links"),
        ("name:evil.com stage:resident about:hi", "`name` can't contain links"),
        (f"name:Ana stage:resident about:{'x' * 1501}", "`about` is too long"),
        ("name:Ana stage:resident about:hi looking_for:dates", "`looking_for` has 'dates'"),
        ("name:Ana stage:wizard about:hi", "`stage` must be one of premed"),
    ],
)
async def test_bad_input_is_refused_by_field_and_nothing_is_kept(
    intros: TestHarness, options: str, message: str
) -> None:
    said = await intros.text("ana", f"/intro post {options}")
    assert message in said
    assert await profile_rows(intros) == 0
    assert posts(intros) == []


async def test_an_empty_required_field_in_the_form_is_named(intros: TestHarness) -> None:
    [refused] = await intros.submit(
        "ana", "intro.post", {"name": "   ", "stage": "resident", "about": "hi"}
    )
    assert isinstance(refused, Reply) and "`name` is required" in refused.text
    assert await profile_rows(intros) == 0


async def test_mentions_in_intro_text_are_made_inert(intros: TestHarness) -> None:
    await intros.run(
        "ana", '/intro post name:Ana stage:resident about:"thanks <@U123> and <#C1> folks"'
    )
    text = shown(posts(intros)[0].reply)
    assert "<@U123>" not in text and "<#C1>" not in text
    assert "thanks" in text and "U123" in text  # still reads the same


async def test_delete_removes_the_post_and_the_profile(intros: TestHarness) -> None:
    await intros.run("ana", ANA)
    [post] = posts(intros)
    assert "are removed" in await intros.text("ana", "/intro delete")
    assert posts(intros, "delete")[0].to == (post.ref,)
    assert await profile_rows(intros) == 0
    assert "no intro to remove" in await intros.text("ana", "/intro delete")


async def test_without_an_introductions_channel_the_intro_is_saved_for_later(
    harness: TestHarness,
) -> None:
    said = await harness.text("ana", ANA)
    assert "posted once moderators choose an introductions channel" in said
    assert await profile_rows(harness) == 1


async def test_a_bare_post_opens_the_form(intros: TestHarness) -> None:
    [opened] = await intros.run("ana", "/intro post")
    assert opened == OpenForm("intro.post", {})


async def test_new_members_get_a_welcome_dm_with_the_intro_button(intros: TestHarness) -> None:
    intros.core.events.emit(MEMBER_JOINED, actor=Actor(SCOPE, "newbie", "Newbie"))
    await intros.core.tasks.settle()
    [dm] = posts(intros, "dm")
    assert dm.to == ("newbie",) and "Welcome!" in dm.reply.text
    assert [b.action_id for b in dm.reply.buttons] == [f"{OPEN_FORM}:intro.post"]

    said = await intros.text(
        "mod", '/setup welcome text:"Hello from the Pride Alliance!"', admin=True
    )
    assert "New members will get this welcome" in said
    assert "only moderators" in (await intros.text("bob", "/setup welcome text:hi")).lower()
    intros.core.events.emit(MEMBER_JOINED, actor=Actor(SCOPE, "second", "Second"))
    await intros.core.tasks.settle()
    assert posts(intros, "dm")[-1].reply.text == "Hello from the Pride Alliance!"


async def test_home_section_shows_my_intro_or_invites_one(intros: TestHarness) -> None:
    ctx = await intros.context("ana")

    async def intro_section() -> Reply:
        sections = await intros.dispatcher.home(ctx)
        return next(s for s in sections if (s.title or "").startswith("Your intro"))

    before = await intro_section()
    assert before.title == "Your intro" and before.buttons[0].label == "Write my intro"
    await intros.run("ana", ANA)
    after = await intro_section()
    assert after.title == "Your intro: Ana Reyes (she/her)"
    assert "SGM" not in shown(after)

"""The patient-information guard in the real commands: on a hit nothing is stored or posted,
and only the author is told which parts were flagged, so they can edit and resend."""

from __future__ import annotations

import pytest

from bot.model import Refusal, Reply
from tests.support import SCOPE, TestHarness

MOD, ANA, STEW = "mod_mia", "ana_a", "stew_sam"
PHI = "my pt Maria Lopez in room 412, MRN 00482913"


def said(responses: list[object]) -> str:
    return "\n".join(f"{r.title or ''}\n{r.text}" for r in responses if isinstance(r, Reply))


@pytest.fixture
async def h(harness: TestHarness) -> TestHarness:
    await harness.run(
        MOD, "/setup channels introductions:#intros announcements:#ama modlog:#mods", admin=True
    )
    for user in (ANA, STEW):
        await harness.run(user, "/help")
    return harness


async def refused_privately(h: TestHarness, user: str, line: str) -> str:
    before = len(h.recorder.sent)
    responses = await h.run(user, line)
    assert responses and all(isinstance(r, Refusal) and r.private for r in responses), responses
    assert h.recorder.sent[before:] == [], "something was posted"
    text = said(responses)
    assert "patient information" in text
    for part in ("room 412", "00482913"):
        assert part in text, text  # the author sees which parts to change
    return text


async def test_an_intro_with_patient_details_is_refused_and_not_stored(h: TestHarness) -> None:
    await refused_privately(h, ANA, f'/intro post name:Ana stage:resident about:"{PHI}"')
    assert await h.core.repos.profiles.get(SCOPE, ANA) is None
    # Edited, it goes through.
    assert (
        "intro"
        in said(
            await h.run(ANA, '/intro post name:Ana stage:resident about:"Peds resident, hi all"')
        ).lower()
    )


async def test_a_question_with_patient_details_is_refused_and_not_stored(h: TestHarness) -> None:
    await h.run(MOD, '/ama schedule title:"Q&A" host:@stew_sam start:"in 2 days"', admin=True)
    [session] = await h.core.repos.ama.upcoming(SCOPE, h.core.clock.now())
    await refused_privately(h, ANA, f'/ama ask session:{session.short_id} question:"{PHI}?"')
    everything = ("pending", "approved", "rejected", "merged")
    assert await h.core.repos.ama.questions(session.id, everything) == []


async def test_a_group_post_with_patient_details_is_refused(h: TestHarness) -> None:
    await h.run(
        MOD, f'/group create name:"Peers" description:"x" join:open stewards:@{STEW}', admin=True
    )
    await h.run(ANA, '/group join name:"Peers"')
    await refused_privately(h, ANA, f'/group post name:"Peers" message:"{PHI}"')


async def test_a_mentor_bio_with_patient_details_is_refused(h: TestHarness) -> None:
    await refused_privately(
        h, ANA, f'/mentor offer specialties:"peds" stages:"resident" capacity:1 bio:"{PHI}"'
    )
    assert await h.core.repos.mentorship.get_offer(SCOPE, ANA) is None


async def test_ordinary_clinical_teaching_passes(h: TestHarness) -> None:
    ok = said(
        await h.run(
            ANA,
            '/intro post name:Ana stage:resident about:"Ask me about a 45 year old with chest '
            'pain, troponin 0.04, or what my pediatric anesthesiology interview was like"',
        )
    )
    assert "patient information" not in ok
    assert await h.core.repos.profiles.get(SCOPE, ANA) is not None

"""Nothing a member writes can ping anyone when the bot posts it on their behalf.

Mass and role pings are refused before anything is stored (the guard); a user or channel
ping that a member may quote is posted inert (a zero-width space breaks the syntax). This
script puts a ping into every free-text field that reaches other people, then scans every
message the bot sent for the raw syntax.
"""

from __future__ import annotations

import re

import pytest

from bot.model import Reply
from tests.support import SCOPE, Sent, TestHarness

MOD, STEW, ANA, BEN, DR = "mod_mia", "stew_sam", "ana_a", "ben_b", "dr_fit"
PING = "<@U666666> <#C999999>"  # what the guard lets through, to be made inert
RAW = re.compile(r"<@U666666>|<#C999999>")
MASS = ["@everyone", "@here", "<!channel>", "<!here>", "<@&123456>", "<!subteam^S123>"]


def shown(sent: Sent) -> str:
    reply = sent.reply
    return "\n".join(
        [reply.title or "", reply.text, *(f"{f.name}\n{f.value}" for f in reply.fields)]
    )


def said(responses: list[object]) -> str:
    return "\n".join(f"{r.title or ''}\n{r.text}" for r in responses if isinstance(r, Reply))


async def test_pings_in_every_member_text_are_posted_inert(harness: TestHarness) -> None:
    h = harness
    await h.run(
        MOD, "/setup channels introductions:#intros announcements:#ama modlog:#mods", admin=True
    )
    for user in (STEW, ANA, BEN, DR):
        await h.run(user, "/help")
    # Intro post (public).
    await h.run(ANA, f'/intro post name:"Ana {PING}" stage:resident about:"Hi {PING}"')
    # Mentor bio and mentee goals, shown to the other person on a proposal and a match.
    await h.run(
        DR,
        '/mentor offer specialties:"pediatrics" stages:"resident" capacity:1 '
        f'bio:"Pediatrician {PING}"',
    )
    await h.run(ANA, f'/mentor request interests:"pediatrics" stage:resident goals:"Learn {PING}"')
    [proposal] = [s for s in h.recorder.sent if s.reply.title == "A mentee for you"]
    await h.press(DR, proposal.reply.buttons[0].action_id)
    # An AMA question, posted when approved; the host sees it.
    await h.run(MOD, '/ama schedule title:"Q&A" host:@dr_fit start:"in 2 days"', admin=True)
    [session] = await h.core.repos.ama.upcoming(SCOPE, h.core.clock.now())
    await h.run(BEN, f'/ama ask session:{session.short_id} question:"What about {PING}?"')
    # Questions are read in replies to other members, so replies are scanned too.
    replies = said(await h.run(ANA, f"/ama questions session:{session.short_id}"))
    replies += said(await h.run(ANA, "/intro show member:@ana_a"))
    # A group: a join note (sent to stewards), a post and an announcement in its space.
    await h.run(
        MOD,
        f'/group create name:"Peers" description:"Peers" join:approval stewards:@{STEW}',
        admin=True,
    )
    await h.run(BEN, f'/group join name:"Peers" note:"Hello {PING}"')
    [request] = [
        s for s in h.recorder.sent if any(b.action == "groups.approve" for b in s.reply.buttons)
    ]
    approve = next(b for b in request.reply.buttons if b.action == "groups.approve")
    await h.press(STEW, approve.action_id)
    await h.run(BEN, f'/group post name:"Peers" message:"Study {PING}"')
    await h.run(BEN, f'/group post name:"Peers" message:"Anon {PING}" anonymous:yes')
    await h.run(STEW, f'/group announce name:"Peers" message:"Mixer {PING}" dm:yes')

    texts = [shown(s) for s in h.recorder.sent] + [replies]
    carried = [t for t in texts if "U666666" in t]
    # Every field above reached someone (so the scan below means something) ...
    for word in ("Hi", "Pediatrician", "Learn", "What about", "Hello", "Study", "Anon", "Mixer"):
        assert any(word in t for t in carried), f"{word!r} never reached anyone"
    # ... and none of it can ping.
    leaks = [t for t in texts if RAW.search(t)]
    assert not leaks, leaks


@pytest.mark.parametrize("ping", MASS)
async def test_mass_and_role_pings_are_refused_before_anything_is_stored(
    harness: TestHarness, ping: str
) -> None:
    h = harness
    await h.run(MOD, "/setup channels introductions:#intros modlog:#mods", admin=True)
    before = len(h.recorder.sent)
    answer = said(await h.run(ANA, f'/intro post name:Ana stage:resident about:"hey {ping}"'))
    assert "can't mention" in answer, answer
    assert await h.core.repos.profiles.get(SCOPE, ANA) is None
    assert all(ping not in shown(s) for s in h.recorder.sent[before:])

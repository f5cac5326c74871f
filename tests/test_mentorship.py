"""Mentor matching as members and moderators live it: offers, requests, proposals by DM,
expiry and cascade, pause, restart, check-ins, ending, the moderator views, bad input."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.clock import ManualClock
from bot.model import Reply
from config.settings import Settings
from storage.mentorship import PENDING
from storage.schema import match_feedback, mentee_requests, mentor_offers
from tests.support import SCOPE, Sent, TestHarness

RESPONSE = timedelta(hours=72)


def offer_line(**values: object) -> str:
    fields: dict[str, object] = {
        "specialties": "pediatric anesthesiology, critical care",
        "stages": "medical student, resident",
        "capacity": 1,
        "institution": "Stanford",
        "timezone": "America/Chicago",
        "bio": "Pediatric anesthesiologist.",
    }
    fields.update(values)
    return "/mentor offer " + " ".join(f'{k}:"{v}"' for k, v in fields.items() if v is not None)


def request_line(**values: object) -> str:
    fields: dict[str, object] = {
        "interests": "pediatric anesthesiology",
        "stage": "medical student",
        "goals": "Learn what the fellowship is like.",
        "timezone": "America/Chicago",
    }
    fields.update(values)
    return "/mentor request " + " ".join(f'{k}:"{v}"' for k, v in fields.items() if v is not None)


def dms(h: TestHarness, user: str, title: str | None = None) -> list[Sent]:
    return [
        s
        for s in h.recorder.sent
        if s.kind in ("dm", "private")
        and user in s.to
        and (title is None or s.reply.title == title)
    ]


def proposals_to(h: TestHarness, mentor: str) -> list[Sent]:
    return dms(h, mentor, "A mentee for you")


def proposal_id(sent: Sent) -> str:
    [accept, decline] = sent.reply.buttons
    assert (accept.label, decline.label) == ("Accept", "Decline")
    return accept.target


def said(responses: list[object]) -> str:
    parts: list[str] = []
    for r in responses:
        assert isinstance(r, Reply)
        parts += [r.title or "", r.text, *(f"{f.name}: {f.value}" for f in r.fields)]
    return "\n".join(parts)


async def run_due(h: TestHarness, clock: ManualClock, delta: timedelta) -> None:
    clock.advance(delta)
    await h.core.scheduler.run_due()
    await h.core.tasks.settle()


async def test_a_request_is_proposed_to_the_best_mentor_and_accepted(
    harness: TestHarness,
) -> None:
    h = harness
    await h.run("dr_far", offer_line(specialties="dermatology", stages="resident"))
    await h.run("dr_fit", offer_line())
    answer = await h.text("ana", request_line(outside_institution="preferred"))
    assert "We found a mentor who fits (shared interests: pediatric anesthesiology" in answer
    assert "outside your institution" not in answer  # ana has no intro institution
    assert not proposals_to(h, "dr_far")
    [proposal] = proposals_to(h, "dr_fit")
    text = proposal.reply.text
    assert "<@ana> is looking for a mentor" in text and "within 72 hours" in text
    assert "Goals: Learn what the fellowship is like." in said([proposal.reply])
    assert not dms(h, "ana")  # ana was answered in the command itself

    accepted = await h.press("dr_fit", f"mentorship.accept:{proposal_id(proposal)}")
    assert "You are now <@ana>'s mentor" in said(accepted)
    [intro] = dms(h, "ana", "Meet your mentorship match")
    assert intro.to == ("dr_fit", "ana")  # one conversation with both
    assert "Mentor's bio: Pediatric anesthesiologist." in said([intro.reply])
    assert "A first step: a 30-minute video call" in intro.reply.text
    # The proposal DM loses its buttons, and a second press changes nothing.
    [edit] = [s for s in h.recorder.sent if s.kind == "edit"]
    assert edit.to == (proposal.ref,) and not edit.reply.buttons
    again = await h.press("dr_fit", f"mentorship.accept:{proposal_id(proposal)}")
    assert "You already accepted this mentee." in said(again)
    assert len(dms(h, "ana", "Meet your mentorship match")) == 1
    status = await h.text("ana", "/mentor status")
    assert "Your mentors: <@dr_fit>" in status


async def test_capacity_is_never_exceeded_and_a_full_mentor_is_not_shown_available(
    harness: TestHarness,
) -> None:
    h = harness
    await h.run("dr_a", offer_line(capacity=2))
    await h.run("dr_b", offer_line(capacity=1))
    for mentee in ("m1", "m2", "m3", "m4", "m5"):
        await h.run(mentee, request_line())
    assert len(proposals_to(h, "dr_a")) == 2 and len(proposals_to(h, "dr_b")) == 1
    loads = await h.core.repos.mentorship.loads(SCOPE)
    assert loads == {"dr_a": 2, "dr_b": 1}
    status = await h.text("dr_b", "/mentor status")
    assert "1 of 1 places taken; full" in status
    waiting = await h.text("m5", "/mentor status")
    assert "still searching" in waiting


async def test_fairness_spreads_load_instead_of_filling_one_mentor(
    harness: TestHarness,
) -> None:
    h = harness
    # Two mentors who fit equally: each new mentee goes to the one with less load.
    await h.run("dr_a", offer_line(capacity=3))
    await h.run("dr_b", offer_line(capacity=3))
    for mentee in ("m1", "m2", "m3", "m4"):
        await h.run(mentee, request_line())
    assert len(proposals_to(h, "dr_a")) == 2
    assert len(proposals_to(h, "dr_b")) == 2


async def test_outside_institution_required_never_proposes_the_same_place(
    harness: TestHarness,
) -> None:
    h = harness
    await h.run(
        "ana",
        '/intro post name:Ana stage:"medical student" institution:UCSF about:"Hi there."',
    )
    await h.run("dr_same", offer_line(institution="UCSF School of Medicine", capacity=5))
    await h.run("dr_unknown", offer_line(institution=None, capacity=5))
    answer = await h.text("ana", request_line(outside_institution="required"))
    assert "No mentor who fits has room right now" in answer
    assert not proposals_to(h, "dr_same") and not proposals_to(h, "dr_unknown")
    await h.run("dr_away", offer_line(institution="Howard University"))
    [proposal] = proposals_to(h, "dr_away")
    assert "outside your institution" in proposal.reply.text
    [told] = dms(h, "ana", "Mentor request: a mentor was asked")
    assert "outside your institution" in told.reply.text


async def test_a_shared_identity_is_preferred_only_when_the_mentee_asks(
    harness: TestHarness,
) -> None:
    h = harness
    # dr_a sorts first and would win a tie; dr_sgm shares an identity.
    await h.run("dr_a", offer_line(capacity=5))
    await h.run("dr_sgm", offer_line(capacity=5, identities="SGM"))
    await h.run("m1", request_line(identities="SGM", same_identity="no"))
    assert len(proposals_to(h, "dr_a")) == 1
    await h.run("m2", request_line(identities="SGM", same_identity="yes"))
    [proposal] = proposals_to(h, "dr_sgm")
    assert "<@m2>" in proposal.reply.text
    # The identity is weighed, never written anywhere anyone else reads.
    assert all("SGM" not in said([s.reply]) for s in h.recorder.sent)
    async with h.core.db.read() as conn:
        sealed = (await conn.execute(select(mentee_requests.c.identities_sealed))).all()
        offered = (await conn.execute(select(mentor_offers.c.identities_sealed))).all()
    assert all("SGM" not in (row[0] or "") for row in [*sealed, *offered])


async def test_an_unanswered_proposal_expires_and_cascades(
    harness: TestHarness, clock: ManualClock
) -> None:
    h = harness
    await h.run("dr_first", offer_line(languages="Spanish"))
    await h.run("dr_second", offer_line())
    await h.run("ana", request_line(language="Spanish"))
    [first] = proposals_to(h, "dr_first")
    await run_due(h, clock, RESPONSE - timedelta(minutes=1))
    assert not proposals_to(h, "dr_second")  # not yet
    await run_due(h, clock, timedelta(minutes=2))
    [expired] = dms(h, "dr_first", "Proposal expired")
    assert "<@ana>" in expired.reply.text
    [second] = proposals_to(h, "dr_second")
    assert "<@ana>" in second.reply.text
    [told] = dms(h, "ana", "Mentor request: a mentor was asked")
    assert "We will tell you as soon as they answer" in told.reply.text
    late = await h.press("dr_first", f"mentorship.accept:{proposal_id(first)}")
    assert "This proposal expired" in said(late)
    assert not dms(h, "ana", "Meet your mentorship match")


async def test_a_decline_cascades_and_the_mentee_hears_we_keep_searching(
    harness: TestHarness,
) -> None:
    h = harness
    await h.run("dr_one", offer_line())
    await h.run("dr_two", offer_line())
    await h.run("ana", request_line())
    [first] = proposals_to(h, "dr_one") or proposals_to(h, "dr_two")
    mentor = first.to[0]
    other = "dr_two" if mentor == "dr_one" else "dr_one"
    declined = await h.press(mentor, f"mentorship.decline:{proposal_id(first)}")
    assert "Declined" in said(declined)
    assert [b.label for r in declined if isinstance(r, Reply) for b in r.buttons] == [
        "Add a reason"
    ]
    [second] = proposals_to(h, other)
    await h.submit(mentor, "mentor.decline_reason", {"reason": "On leave this month."})
    # The second mentor declines too: nobody is left, and ana is told so.
    await h.press(other, f"mentorship.decline:{proposal_id(second)}")
    [searching] = dms(h, "ana", "Mentor request: still searching")
    assert "we keep looking" in searching.reply.text.lower()
    assert len(proposals_to(h, mentor)) == 1  # never asked twice for one request
    report = said(await h.run("mod", "/mentor report", admin=True))
    assert "declined 2" in report and "On leave this month." in report


async def test_a_paused_mentor_gets_no_proposals_until_the_pause_ends(
    harness: TestHarness, clock: ManualClock
) -> None:
    h = harness
    await h.run("dr_busy", offer_line(languages="Spanish"))
    await h.run("dr_free", offer_line(capacity=2))
    paused = await h.text("dr_busy", '/mentor pause until:"2026-12-01 09:00"')
    assert "Paused until" in paused
    await h.run("m1", request_line(language="Spanish"))
    assert not proposals_to(h, "dr_busy") and len(proposals_to(h, "dr_free")) == 1
    await run_due(h, clock, timedelta(days=10))
    await h.run("m2", request_line(language="Spanish"))
    assert len(proposals_to(h, "dr_busy")) == 1  # the pause ran out
    await h.run("dr_busy", "/mentor pause")
    await h.run("m3", request_line(language="Spanish"))
    assert len(proposals_to(h, "dr_busy")) == 1
    await h.run("dr_busy", "/mentor resume")
    # dr_busy is full now (capacity 1), so resuming proposes nothing more.
    assert len(proposals_to(h, "dr_busy")) == 1


async def test_a_new_offer_matches_waiting_requests_and_the_batch_runs_on_schedule(
    harness: TestHarness, clock: ManualClock, settings: Settings
) -> None:
    h = harness
    answer = await h.text("ana", request_line())
    assert "No mentor who fits has room right now" in answer
    assert not dms(h, "ana")  # answered in the command, not DMed again
    await h.run("dr_new", offer_line())
    assert len(proposals_to(h, "dr_new")) == 1
    # A request nobody fits waits for the batch, which runs every MATCH_INTERVAL.
    await h.run("ben", request_line(interests="dermatology", stage="fellow"))
    pending = [j for j in await h.core.repos.jobs.pending() if j.kind == "mentorship.batch"]
    assert pending and pending[0].due_at - clock.now() <= settings.match_interval
    await h.run("dr_derm", offer_line(specialties="dermatology", stages="fellow"))
    assert len(proposals_to(h, "dr_derm")) == 1


async def test_a_restart_keeps_a_pending_proposal_its_buttons_and_its_expiry(
    settings: Settings, clock: ManualClock, tmp_path: Path
) -> None:
    first = TestHarness(settings, clock)
    await first.start()
    await first.run("dr_one", offer_line())
    await first.run("dr_two", offer_line())
    await first.run("ana", request_line())
    await first.run("ben", request_line())
    by_mentor = {s.to[0]: proposal_id(s) for s in first.recorder.sent if s.reply.buttons}
    await first.stop()

    second = TestHarness(settings, clock)
    await second.start()
    try:
        accepted = await second.press("dr_one", f"mentorship.accept:{by_mentor['dr_one']}")
        assert "Match made" in said(accepted)
        # The other proposal's expiry still fires after the restart.
        await run_due(second, clock, RESPONSE + timedelta(minutes=1))
        assert len(dms(second, "dr_two", "Proposal expired")) == 1
        proposals = await second.core.repos.mentorship.proposals(SCOPE)
        assert [p.status for p in proposals] == ["accepted", "expired"]
    finally:
        await second.stop()


async def test_check_ins_ask_both_re_ask_once_and_end_closes_the_match(
    harness: TestHarness, clock: ManualClock
) -> None:
    h = harness
    await h.run("dr_m", offer_line())
    await h.run("ana", request_line())
    [proposal] = proposals_to(h, "dr_m")
    await h.press("dr_m", f"mentorship.accept:{proposal_id(proposal)}")
    await run_due(h, clock, timedelta(days=13))
    assert not dms(h, "ana", "Mentorship check-in")
    await run_due(h, clock, timedelta(days=1, minutes=1))
    [to_ana] = dms(h, "ana", "Mentorship check-in")
    [to_mentor] = dms(h, "dr_m", "Mentorship check-in")
    assert [b.label for b in to_ana.reply.buttons] == ["Yes", "Not yet", "End"]
    assert "Have you met <@dr_m> yet?" in to_ana.reply.text
    not_yet = next(b for b in to_ana.reply.buttons if b.label == "Not yet")
    assert "ask once more in a week" in said(await h.press("ana", not_yet.action_id))
    assert "already answered" in said(await h.press("ana", not_yet.action_id))
    await run_due(h, clock, timedelta(days=7, minutes=1))
    assert len(dms(h, "ana", "Mentorship check-in")) == 2  # asked once more
    await run_due(h, clock, timedelta(days=30))
    assert len(dms(h, "ana", "Mentorship check-in")) == 2  # and never a third time

    end = next(b for b in to_mentor.reply.buttons if b.label == "End")
    ended = await h.press("dr_m", end.action_id)
    assert "is closed" in said(ended)
    assert len(dms(h, "ana", "Match ended")) == 1
    status = await h.text("dr_m", "/mentor status")
    assert "0 of 1 places taken" in status
    report = said(await h.run("mod", "/mentor report", admin=True))
    assert "not yet 1" in report and "end 1" in report


async def test_ending_a_match_keeps_feedback_sealed_and_for_moderators_only(
    harness: TestHarness,
) -> None:
    h = harness
    await h.run("dr_m", offer_line())
    await h.run("ana", request_line())
    [proposal] = proposals_to(h, "dr_m")
    await h.press("dr_m", f"mentorship.accept:{proposal_id(proposal)}")
    ended = await h.text(
        "ana", '/mentor end member:dr_m rating:4 feedback:"Canary-feedback-7731 was kind."'
    )
    assert "is closed" in ended and "moderators only" in ended
    [told] = dms(h, "dr_m", "Match ended")
    assert "Canary" not in told.reply.text and "4" not in told.reply.text
    async with h.core.db.read() as conn:
        rows = (await conn.execute(select(match_feedback))).all()
    assert len(rows) == 1 and rows[0].rating == 4
    assert "Canary" not in rows[0].feedback_sealed
    refused = await h.text("ana", "/mentor report")
    assert "Only moderators" in refused
    report = said(await h.run("mod", "/mentor report", admin=True))
    assert "4/5 Canary-feedback-7731 was kind." in report
    again = await h.text("ana", "/mentor end member:dr_m")
    assert "You have no active match with" in again


async def test_moderator_views_suppress_small_groups(harness: TestHarness) -> None:
    h = harness
    for n in range(5):
        await h.run(f"dr_id{n}", offer_line(capacity=2, identities="URiM"))
    for n in range(4):
        await h.run(f"dr_no{n}", offer_line(capacity=2))
    await h.run("ana", request_line())
    responses = await h.run("mod", "/mentor report", admin=True)
    report = said(responses)
    assert "Not shown: a group has fewer than 5 mentors." in report
    [reply] = responses
    assert isinstance(reply, Reply) and reply.file is not None
    assert reply.file.content.startswith(b"\x89PNG") and reply.file.filename.endswith(".png")
    await h.run("dr_no4", offer_line(capacity=2))
    report = said(await h.run("mod", "/mentor report", admin=True))
    assert "Mentors who consented (5) carry" in report and "URiM" not in report
    queue = said(await h.run("mod", "/mentor queue", admin=True))
    assert "Pending proposals (1)" in queue and "<@ana> →" in queue


async def test_moderator_commands_are_refused_to_members(harness: TestHarness) -> None:
    h = harness
    for line in ("/mentor queue", "/mentor report", "/mentor match-now"):
        assert "Only moderators" in await h.text("ana", line)
    assert "Only moderators" in await h.text("ana", "/mentor settings fairness:0")
    assert await h.core.repos.mentorship.fairness(SCOPE) is None
    changed = await h.text("mod", "/mentor settings fairness:2.5", admin=True)
    assert "Matching fairness is now 2.5." in changed
    [entry] = await h.core.repos.audit.recent(SCOPE)
    assert entry.action == "mentorship.settings"


@pytest.mark.parametrize(
    ("user", "line", "message"),
    [
        ("u", offer_line(capacity=0), "`capacity`"),
        ("u", offer_line(stages="wizards"), "choose from premed"),
        ("u", offer_line(timezone="Chicago"), "is not a time zone I know"),
        ("u", request_line(outside_institution="always"), "`outside_institution`"),
        ("u", request_line(timezone="America/Chicago soon"), "window 'soon'"),
        ("u", request_line(goals="@everyone please"), "can't mention @everyone"),
        ("u", "/mentor pause", "no mentor offer to pause"),
        ("u", "/mentor pause until:tomorrowish", "is not a date and time I can read"),
        ("u", '/mentor pause until:"2026-11-01 09:00"', "in the past"),
        ("u", "/mentor withdraw", "no open mentor request"),
        ("u", "/mentor settings fairness:lots", "must be a number"),
    ],
)
async def test_bad_input_gets_a_clear_message_and_changes_nothing(
    harness: TestHarness, user: str, line: str, message: str
) -> None:
    h = harness
    admin = "settings" in line
    if "pause until" in line:
        await h.run(user, offer_line())
    answer = await h.text(user, line, admin=admin)
    assert message in answer, answer
    assert "Traceback" not in answer and "went wrong" not in answer
    async with h.core.db.read() as conn:
        requests = (await conn.execute(select(mentee_requests))).all()
    assert requests == []


async def test_buttons_are_reauthorised_on_every_press(harness: TestHarness) -> None:
    h = harness
    await h.run("dr_m", offer_line())
    await h.run("ana", request_line())
    [proposal] = proposals_to(h, "dr_m")
    target = proposal_id(proposal)
    for user in ("ana", "mallory"):
        answer = said(await h.press(user, f"mentorship.accept:{target}"))
        assert "not addressed to you" in answer
        answer = said(await h.press(user, f"mentorship.decline:{target}"))
        assert "not addressed to you" in answer
    assert "no longer works" in said(await h.press("dr_m", "mentorship.accept:abc"))
    [pending] = await h.core.repos.mentorship.proposals(
        SCOPE,
        statuses=(PENDING,),
    )
    assert str(pending.id) == target


async def test_withdrawing_a_request_frees_the_mentor(harness: TestHarness) -> None:
    h = harness
    await h.run("dr_m", offer_line())
    await h.run("ana", request_line())
    [proposal] = proposals_to(h, "dr_m")
    assert "withdrawn" in await h.text("ana", "/mentor withdraw")
    [edit] = [s for s in h.recorder.sent if s.kind == "edit"]
    assert edit.to == (proposal.ref,) and "withdrew" in edit.reply.text
    assert "withdrew this request" in said(
        await h.press("dr_m", f"mentorship.accept:{proposal_id(proposal)}")
    )
    await h.run("ben", request_line())
    assert len(proposals_to(h, "dr_m")) == 2  # the slot is free again


async def test_a_refused_dm_still_delivers_the_proposal_with_its_buttons(
    harness: TestHarness,
) -> None:
    h = harness
    await h.run("mod", "/setup channels announcements:#announcements", admin=True)
    h.recorder.refuse_dms.add("dr_m")
    await h.run("dr_m", offer_line())
    await h.run("ana", request_line())
    [proposal] = proposals_to(h, "dr_m")
    assert proposal.kind == "private" and proposal.to == ("announcements", "dr_m")
    accepted = await h.press("dr_m", f"mentorship.accept:{proposal_id(proposal)}")
    assert "Match made" in said(accepted)

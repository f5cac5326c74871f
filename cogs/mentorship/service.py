"""Mentor matching as a service: match, propose, answer, expire and cascade, check in, end.

The tables are the truth. A proposal holds one of the mentor's slots until it is answered
or expires; its expiry and every check-in are scheduled jobs, so a restart in the middle
keeps them, and a button pressed after a restart still finds its proposal by id.
Members always hear what happened: the mentee is told when a mentor is asked, while we
keep searching, and when they are matched.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import numpy as np

from bot.core import Core
from bot.errors import UserError
from bot.guard import inert
from bot.model import Button, ButtonStyle, Field, Reply, form_button
from cogs.intros.profile import intro_post
from cogs.mentorship import matching
from cogs.mentorship.profile import request_fields
from cogs.mentorship.scoring import Fit, fit
from cogs.mentorship.timing import first_meeting
from storage import Scope
from storage.mentorship import (
    ACCEPTED,
    ACTIVE,
    CANCELLED,
    DECLINED,
    ENDED,
    EXPIRED,
    PENDING,
    WAITING,
    Match,
    MenteeRequest,
    MentorOffer,
    Proposal,
)
from storage.models import Job

log = logging.getLogger(__name__)

EXPIRE_JOB = "mentorship.expire"
CHECKIN_JOB = "mentorship.checkin"
BATCH_JOB = "mentorship.batch"
DECLINE_REASON_FORM = "mentor.decline_reason"
FEEDBACK_FORM = "mentor.feedback"
SECOND_CHECKIN_AFTER = timedelta(days=7)
CHECKIN_ANSWERS = {"yes": "Yes", "not_yet": "Not yet", "end": "End"}


@dataclass
class Outcome:
    """What one matching run did."""

    proposed: dict[int, Proposal] = field(default_factory=dict)  # request id -> proposal
    waiting: list[int] = field(default_factory=list)  # request ids still without a mentor


class MentorshipService:
    def __init__(self, core: Core) -> None:
        self.core = core
        self.repo = core.repos.mentorship
        self._locks: dict[Scope, asyncio.Lock] = {}

    # ----- matching -------------------------------------------------------------------------

    async def run_matching(
        self, scope: Scope, *, only: set[int] | None = None, quiet_for: str | None = None
    ) -> Outcome:
        """Match waiting requests (all, or `only` these) to mentors with room, propose,
        and tell everyone concerned. `quiet_for` is a mentee answered in the interaction
        itself, who needs no DM. Runs of one community never overlap."""
        lock = self._locks.setdefault(scope, asyncio.Lock())
        async with lock:
            now = self.core.clock.now()
            requests = await self.repo.requests(scope, (WAITING,))
            if only is not None:
                requests = [r for r in requests if r.id in only]
            outcome = Outcome()
            if not requests:
                return outcome
            offers = [o for o in await self.repo.offers(scope) if not o.is_paused(now)]
            loads = await self.repo.loads(scope)
            offers = [o for o in offers if loads.get(o.user_id, 0) < o.capacity]
            excluded = await self._excluded_pairs(scope)
            fairness = await self.fairness(scope)
            chosen = await asyncio.to_thread(
                _choose, requests, offers, loads, excluded, now, fairness
            )
            response_time = timedelta(hours=self.core.settings.match_response_hours)
            for request in requests:
                pick = chosen.get(request.id)
                proposal = None
                if pick is not None:
                    offer, why = pick
                    proposal = await self.repo.propose(
                        request, offer.user_id, why.points, why.reasons, now, now + response_time
                    )
                if proposal is None:
                    outcome.waiting.append(request.id)
                    if request.user_id != quiet_for:
                        await self._tell_searching(request)
                    continue
                outcome.proposed[request.id] = proposal
                await self._send_proposal(request, proposal)
                if request.user_id != quiet_for:
                    await self._tell_mentee_proposed(request, proposal)
            if outcome.waiting:
                await self.ensure_batch(scope)
            return outcome

    async def _excluded_pairs(self, scope: Scope) -> set[tuple[str, str]]:
        """(mentee, mentor) pairs never to propose: already asked for the mentee's open
        request (pending, declined, expired or cancelled), or already matched."""
        open_ids = {r.id for r in await self.repo.requests(scope)}
        excluded = {
            (p.mentee_id, p.mentor_id)
            for p in await self.repo.proposals(scope)
            if p.request_id in open_ids and p.status != ACCEPTED
        }
        for match in await self.repo.matches(scope):
            excluded.add((match.mentee_id, match.mentor_id))
        return excluded

    async def fairness(self, scope: Scope) -> float:
        weight = await self.repo.fairness(scope)
        return matching.DEFAULT_FAIRNESS if weight is None else weight

    async def ensure_batch(self, scope: Scope) -> None:
        """Arm the next batch run for this community (idempotent: one per interval)."""
        interval = self.core.settings.match_interval
        now = self.core.clock.now()
        epoch = datetime(2000, 1, 1, tzinfo=UTC)
        slot = (now - epoch) // interval + 1
        due = epoch + slot * interval
        await self.core.scheduler.schedule(scope, BATCH_JOB, f"batch:{slot}", due)

    async def batch(self, job: Job) -> None:
        outcome = await self.run_matching(job.scope)
        if outcome.proposed or outcome.waiting:
            log.info(
                "batch matching in %s: %d proposed, %d waiting",
                job.scope,
                len(outcome.proposed),
                len(outcome.waiting),
            )

    def rematch_soon(self, scope: Scope) -> None:
        """A slot opened (new offer, resume, an ended match): match waiting requests in the
        background, so the member's own reply is not held up."""
        self.core.tasks.spawn(self.run_matching(scope), name="mentorship.rematch")

    # ----- proposals ------------------------------------------------------------------------

    async def _send_proposal(self, request: MenteeRequest, proposal: Proposal) -> None:
        scope = request.scope
        hours = self.core.settings.match_response_hours
        deadline = await self._time(scope, proposal.expires_at)
        reply = Reply(
            f"{self._mention(scope, request.user_id)} is looking for a mentor, and you fit: "
            f"{_because(proposal)}.\n\nWould you mentor them? Please answer within {hours} "
            f"hours (by {deadline}); after that we ask the next mentor.",
            title="A mentee for you",
            fields=request_fields(request),
            buttons=proposal_buttons(proposal.id),
        )
        outcome = await self.core.delivery.dm(
            scope, proposal.mentor_id, reply, purpose="mentorship.proposal"
        )
        if outcome.message_ref:
            await self.repo.set_message_ref(proposal.id, outcome.message_ref)
        await self.core.scheduler.schedule(
            scope, EXPIRE_JOB, str(proposal.id), proposal.expires_at, {"proposal": proposal.id}
        )

    async def _tell_mentee_proposed(self, request: MenteeRequest, proposal: Proposal) -> None:
        await self.core.delivery.dm(
            request.scope,
            request.user_id,
            Reply(
                f"We found a mentor who fits ({_because(proposal)}) and asked them. "
                "We will tell you as soon as they answer.",
                title="Mentor request: a mentor was asked",
            ),
            purpose="mentorship.status",
        )

    async def _tell_searching(self, request: MenteeRequest) -> None:
        """Tell a waiting mentee once, not at every batch run."""
        if request.searching_told:
            return
        await self.core.delivery.dm(
            request.scope,
            request.user_id,
            Reply(
                "No mentor who fits has room right now. Your request stays open and we "
                "keep looking; you will hear from us as soon as we ask someone.",
                title="Mentor request: still searching",
            ),
            purpose="mentorship.status",
        )
        await self.repo.set_searching_told(request.id, True)

    async def proposal_for(self, scope: Scope, target: str, user_id: str) -> Proposal:
        if not target.isdigit():
            raise UserError("This button no longer works.")
        proposal = await self.repo.get_proposal(scope, int(target))
        if proposal is None or proposal.mentor_id != user_id:
            raise UserError("This proposal is not addressed to you.")
        return proposal

    async def accept(self, scope: Scope, user_id: str, target: str) -> Reply:
        proposal = await self.proposal_for(scope, target, user_id)
        now = self.core.clock.now()
        match = await self.repo.accept(scope, proposal.id, now)
        if match is None:
            return _already(await self.repo.get_proposal(scope, proposal.id) or proposal)
        await self.core.scheduler.cancel(scope, EXPIRE_JOB, str(proposal.id))
        await self._settle_message(proposal, "You accepted this mentee. Thank you!")
        await self._introduce(match, proposal)
        due = now + timedelta(days=self.core.settings.match_checkin_days)
        await self.core.scheduler.schedule(
            scope, CHECKIN_JOB, f"{match.id}:1", due, {"match": match.id, "round": 1}
        )
        return Reply(
            f"You are now {self._mention(scope, match.mentee_id)}'s mentor. "
            "We sent you both an introduction.",
            title="Match made",
        )

    async def decline(self, scope: Scope, user_id: str, target: str) -> Reply:
        proposal = await self.proposal_for(scope, target, user_id)
        closed = await self.repo.close_proposal(scope, proposal.id, DECLINED, self.core.clock.now())
        if closed is None:
            return _already(await self.repo.get_proposal(scope, proposal.id) or proposal)
        await self.core.scheduler.cancel(scope, EXPIRE_JOB, str(proposal.id))
        await self._settle_message(closed, "You declined this mentee.")
        await self._cascade(closed)
        return Reply(
            "Declined; thank you for answering. We will ask another mentor. "
            "If you like, tell the moderators why (only they see it).",
            title="Proposal declined",
            buttons=[form_button("Add a reason", DECLINE_REASON_FORM, ButtonStyle.SECONDARY)],
        )

    async def add_decline_reason(self, scope: Scope, user_id: str, reason: str) -> Reply:
        declined = [
            p
            for p in await self.repo.proposals(scope, statuses=(DECLINED,), user_id=user_id)
            if p.mentor_id == user_id
        ]
        if not declined:
            raise UserError("You have not declined a proposal, so there is nothing to explain.")
        await self.repo.set_decline_reason(declined[-1].id, reason)
        return Reply("Thank you. Only moderators see your reason.")

    async def expire(self, job: Job) -> None:
        proposal_id = int(job.payload["proposal"])
        closed = await self.repo.close_proposal(
            job.scope, proposal_id, EXPIRED, self.core.clock.now()
        )
        if closed is None:
            return  # answered in the meantime
        await self._settle_message(closed, "This proposal expired: we asked another mentor.")
        await self.core.delivery.dm(
            job.scope,
            closed.mentor_id,
            Reply(
                f"A proposal to mentor {self._mention(job.scope, closed.mentee_id)} expired "
                "without an answer, so we asked another mentor. If you are busy, "
                "`/mentor pause` stops proposals until you are back.",
                title="Proposal expired",
            ),
            purpose="mentorship.expired",
        )
        await self._cascade(closed)

    async def _cascade(self, closed: Proposal) -> None:
        """The next best mentor for a declined or expired proposal's request."""
        request = await self.repo.get_request(closed.scope, closed.request_id)
        if request is None or request.status != WAITING:
            return
        # The mentee hears either that another mentor was asked, or that we keep looking.
        await self.run_matching(closed.scope, only={request.id})

    async def _settle_message(self, proposal: Proposal, text: str) -> None:
        """Replace the proposal DM's buttons with its outcome (best effort)."""
        if proposal.message_ref:
            await self.core.delivery.edit(
                proposal.scope, proposal.message_ref, Reply(text, title="A mentee for you")
            )

    async def withdraw(self, scope: Scope, user_id: str) -> Reply:
        request = await self.repo.open_request(scope, user_id)
        if request is None:
            raise UserError("You have no open mentor request to withdraw.")
        cancelled = await self.repo.withdraw_request(scope, request.id, self.core.clock.now())
        for proposal_id in cancelled:
            await self.core.scheduler.cancel(scope, EXPIRE_JOB, str(proposal_id))
            proposal = await self.repo.get_proposal(scope, proposal_id)
            if proposal is not None:
                await self._settle_message(proposal, "The mentee withdrew their request.")
        return Reply("Your mentor request is withdrawn. `/mentor request` opens a new one.")

    async def forget_member(self, scope: Scope, user_id: str) -> None:
        """Before a member's data is erased: no more proposals to them, their open request
        withdrawn, proposals waiting on them passed to the next mentor, matches ended (the
        other person is told, as when a match is closed by hand)."""
        now = self.core.clock.now()
        await self.repo.set_pause(scope, user_id, True, None, now)
        if await self.repo.open_request(scope, user_id) is not None:
            await self.withdraw(scope, user_id)
        for proposal in await self.repo.proposals(scope, statuses=(PENDING,), user_id=user_id):
            if proposal.mentor_id != user_id:
                continue
            closed = await self.repo.close_proposal(scope, proposal.id, CANCELLED, now)
            if closed is not None:
                await self.core.scheduler.cancel(scope, EXPIRE_JOB, str(proposal.id))
                await self._cascade(closed)
        for match in await self.repo.matches(scope, user_id=user_id, statuses=(ACTIVE,)):
            await self.end(match, user_id, None, None)

    # ----- matches --------------------------------------------------------------------------

    async def _introduce(self, match: Match, proposal: Proposal) -> None:
        scope = match.scope
        request = await self.repo.get_request(scope, match.request_id)
        offer = await self.repo.get_offer(scope, match.mentor_id)
        mentor, mentee = (
            self._mention(scope, match.mentor_id),
            self._mention(scope, match.mentee_id),
        )
        fields: list[Field] = []
        for user_id, role in ((match.mentor_id, "Mentor"), (match.mentee_id, "Mentee")):
            fields.extend(await self._intro_fields(scope, user_id, role))
        if offer is not None:
            fields.append(Field("Mentor's specialties", inert(", ".join(offer.specialties))))
            fields.append(Field("Mentor's bio", inert(offer.bio)))
        if request is not None:
            fields.append(Field("Mentee's goals", inert(request.goals)))
        zone = await self.core.community_timezone(scope)
        mentor_zone = (offer.timezone if offer else None) or zone
        mentee_zone = (request.timezone if request else None) or zone
        slot = first_meeting(self.core.clock.now(), mentor_zone, mentee_zone)
        transport = self.core.delivery.transport(scope)
        when = transport.format_time(slot, mentee_zone) if transport else slot.isoformat()
        text = (
            f"{mentor}, meet {mentee}: you are now mentor and mentee. Why we matched you: "
            f"{_because(proposal)}.\n\nA first step: a 30-minute video call within the next "
            f"week. One time that suits both your working hours: {when}. "
            f"In {self.core.settings.match_checkin_days} days we will ask you both how it went."
        )
        await self.core.delivery.group_dm(
            scope,
            [match.mentor_id, match.mentee_id],
            Reply(text, title="Meet your mentorship match", fields=fields),
            purpose="mentorship.introduction",
        )

    async def _intro_fields(self, scope: Scope, user_id: str, role: str) -> list[Field]:
        profile = await self.core.repos.profiles.get(scope, user_id)
        if profile is None:
            return [Field(role, self._mention(scope, user_id))]
        post = intro_post(profile.as_public(), self._mention(scope, user_id))
        summary = [post.title or "", inert(profile.stage)]
        if profile.institution:
            summary.append(inert(profile.institution))
        return [Field(role, " · ".join(summary) + "\n" + post.text)]

    async def checkin(self, job: Job) -> None:
        match = await self.repo.get_match(job.scope, int(job.payload["match"]))
        if match is None or match.status != ACTIVE:
            return
        round_ = int(job.payload["round"])
        for user_id in (match.mentor_id, match.mentee_id):
            other = self._mention(job.scope, match.other(user_id))
            again = " (we asked once before)" if round_ > 1 else ""
            await self.core.delivery.dm(
                job.scope,
                user_id,
                Reply(
                    f"Have you met {other} yet?{again}",
                    title="Mentorship check-in",
                    buttons=[
                        Button(
                            label,
                            "mentorship.checkin",
                            f"{match.id}:{round_}:{answer}",
                            ButtonStyle.DANGER if answer == "end" else ButtonStyle.PRIMARY,
                        )
                        for answer, label in CHECKIN_ANSWERS.items()
                    ],
                ),
                purpose="mentorship.checkin",
            )

    async def answer_checkin(self, scope: Scope, user_id: str, target: str) -> Reply:
        match_text, _, rest = target.partition(":")
        round_text, _, answer = rest.partition(":")
        if not (match_text.isdigit() and round_text.isdigit()) or answer not in CHECKIN_ANSWERS:
            raise UserError("This button no longer works.")
        match = await self.repo.get_match(scope, int(match_text))
        if match is None or user_id not in (match.mentor_id, match.mentee_id):
            raise UserError("This check-in is not addressed to you.")
        if match.status != ACTIVE:
            return Reply("This match has already ended.", title="Mentorship check-in")
        round_ = int(round_text)
        now = self.core.clock.now()
        if not await self.repo.record_checkin(match.id, user_id, round_, answer, now):
            return Reply("You already answered this check-in.", title="Mentorship check-in")
        other = self._mention(scope, match.other(user_id))
        if answer == "yes":
            return Reply("Wonderful, thank you! Keep going.", title="Mentorship check-in")
        if answer == "not_yet":
            if round_ == 1:
                await self.core.scheduler.schedule(
                    scope,
                    CHECKIN_JOB,
                    f"{match.id}:2",
                    now + SECOND_CHECKIN_AFTER,
                    {"match": match.id, "round": 2},
                )
                return Reply(
                    f"Thanks for telling us. Why not send {other} a message with two times "
                    "that suit you? We will ask once more in a week.",
                    title="Mentorship check-in",
                )
            return Reply(
                f"Thanks. If it is not working out, `/mentor end member:` with {other} closes "
                "the match, and you can tell the moderators why in private.",
                title="Mentorship check-in",
            )
        await self.end(match, user_id, None, None)
        return Reply(
            f"Your match with {other} is closed. Thank you for taking part.",
            title="Match ended",
            buttons=[form_button("Leave private feedback", FEEDBACK_FORM, ButtonStyle.SECONDARY)],
        )

    async def end(self, match: Match, by: str, rating: int | None, feedback: str | None) -> bool:
        scope = match.scope
        now = self.core.clock.now()
        if not await self.repo.end_match(scope, match.id, by, now):
            return False
        if rating is not None or feedback:
            await self.repo.add_feedback(scope, match.id, by, rating, feedback, now)
        for round_ in (1, 2):
            await self.core.scheduler.cancel(scope, CHECKIN_JOB, f"{match.id}:{round_}")
        await self.core.delivery.dm(
            scope,
            match.other(by),
            Reply(
                f"{self._mention(scope, by)} closed your mentorship match. "
                "Thank you for taking part.",
                title="Match ended",
            ),
            purpose="mentorship.ended",
        )
        self.rematch_soon(scope)  # the mentor has a free slot again
        return True

    async def add_feedback(
        self, scope: Scope, user_id: str, rating: int | None, feedback: str | None
    ) -> Reply:
        ended = await self.repo.matches(scope, user_id=user_id, statuses=(ENDED,))
        if not ended:
            raise UserError("You have no ended match to give feedback on.")
        await self.repo.add_feedback(
            scope, ended[-1].id, user_id, rating, feedback, self.core.clock.now()
        )
        return Reply("Thank you. Only moderators see your feedback.")

    # ----- helpers --------------------------------------------------------------------------

    def _mention(self, scope: Scope, user_id: str) -> str:
        transport = self.core.delivery.transport(scope)
        return transport.mention(user_id) if transport else user_id

    async def _time(self, scope: Scope, when: datetime) -> str:
        transport = self.core.delivery.transport(scope)
        zone = await self.core.community_timezone(scope)
        return transport.format_time(when, zone) if transport else when.isoformat()


def _choose(
    requests: list[MenteeRequest],
    offers: list[MentorOffer],
    loads: dict[str, int],
    excluded: set[tuple[str, str]],
    now: datetime,
    fairness: float,
) -> dict[int, tuple[MentorOffer, Fit]]:
    """Score every feasible pair and solve the assignment (CPU work: runs in a thread)."""
    mentees: list[int] = []
    mentors: list[int] = []
    scores: list[int] = []
    fits: dict[tuple[int, int], Fit] = {}
    for i, request in enumerate(requests):
        for j, offer in enumerate(offers):
            if (request.user_id, offer.user_id) in excluded:
                continue
            found = fit(request, offer, now)
            if found is None:
                continue
            mentees.append(i)
            mentors.append(j)
            scores.append(found.points)
            fits[(i, j)] = found
    if not scores:
        return {}
    capacity = np.array([o.capacity for o in offers], dtype=np.int64)
    load = np.array([loads.get(o.user_id, 0) for o in offers], dtype=np.int64)
    problem = matching.MatchProblem(
        n_mentees=len(requests),
        remaining=np.maximum(capacity - load, 0),
        capacity=capacity,
        mentee=np.array(mentees, dtype=np.int64),
        mentor=np.array(mentors, dtype=np.int64),
        score=np.array(scores, dtype=np.int64),
    )
    assignment = matching.assign(problem, fairness)
    return {
        requests[i].id: (offers[int(j)], fits[(i, int(j))])
        for i, j in enumerate(assignment)
        if j >= 0
    }


def _because(proposal: Proposal) -> str:
    return "; ".join(inert(r) for r in proposal.reasons) or "your request fits what they offer"


def proposal_buttons(proposal_id: int) -> list[Button]:
    return [
        Button("Accept", "mentorship.accept", str(proposal_id), ButtonStyle.SUCCESS),
        Button("Decline", "mentorship.decline", str(proposal_id), ButtonStyle.DANGER),
    ]


def _already(proposal: Proposal) -> Reply:
    said = {
        ACCEPTED: "You already accepted this mentee.",
        DECLINED: "You already declined this proposal.",
        EXPIRED: "This proposal expired, so we asked another mentor. Thank you anyway!",
        CANCELLED: "The mentee withdrew this request.",
    }
    return Reply(said.get(proposal.status, "This proposal is closed."), title="Proposal")

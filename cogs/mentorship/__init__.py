"""/mentor: mentor offers, mentee requests, fair matching, proposals by DM, check-ins.

The flows live in `service.py`; this module declares the commands, buttons and forms.
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any

from bot.context import Context
from bot.core import Core
from bot.errors import UserError
from bot.events import MEMBER_ERASING
from bot.feature import Feature
from bot.guard import check_text, inert
from bot.model import Actor, Args, Choice, Field, Option, OptionType, Reply, form_button
from cogs.intros.profile import IDENTITY_SUGGESTIONS, SPECIALTIES, STAGES, suggest_in_list
from cogs.mentorship import matching
from cogs.mentorship.profile import build_offer, build_request, offer_fields, zone_choices
from cogs.mentorship.report import load_report, queue_report
from cogs.mentorship.service import (
    BATCH_JOB,
    CHECKIN_JOB,
    DECLINE_REASON_FORM,
    EXPIRE_JOB,
    FEEDBACK_FORM,
    MentorshipService,
    proposal_buttons,
)
from storage.mentorship import PENDING, PROPOSED, WAITING, MentorOffer

OFFER_FORM = "mentor.offer"
REQUEST_FORM = "mentor.request"
FAIRNESS_MAX = 10.0
DEMO_MENTORS = (
    ("dr_lee", ("pediatric anesthesiology", "anesthesiology"), "UCSF", "America/Los_Angeles"),
    ("dr_okafor", ("internal medicine", "cardiology"), "Howard University", "America/New_York"),
    ("dr_santos", ("family medicine", "public health"), "UT Southwestern", "America/Chicago"),
)


async def _specialties(ctx: Context, typed: str) -> list[Choice]:
    return suggest_in_list(typed, SPECIALTIES)


async def _stages(ctx: Context, typed: str) -> list[Choice]:
    return suggest_in_list(typed, STAGES)


async def _identities(ctx: Context, typed: str) -> list[Choice]:
    return suggest_in_list(typed, IDENTITY_SUGGESTIONS)


async def _zones(ctx: Context, typed: str) -> list[Choice]:
    return await zone_choices(typed)


OFFER_OPTIONS = (
    Option(
        "specialties",
        "Your specialties, comma-separated",
        required=True,
        max_length=400,
        autocomplete=_specialties,
    ),
    Option(
        "stages",
        "Career stages you mentor: premed, medical student, resident, fellow, attending",
        required=True,
        max_length=200,
        autocomplete=_stages,
    ),
    Option(
        "capacity",
        "How many mentees at once (1-10, default 2)",
        OptionType.INTEGER,
        min_value=1,
        max_value=10,
    ),
    Option("institution", "Your institution (optional)", max_length=120),
    Option("timezone", "Your time zone, e.g. America/Chicago", max_length=64, autocomplete=_zones),
    Option("languages", "Languages you mentor in, comma-separated", max_length=200),
    Option("bio", "A short bio for mentees", OptionType.LONG_TEXT, required=True, max_length=600),
    Option(
        "identities",
        "Optional and private: identities you are willing to match on (e.g. URiM, SGM)",
        max_length=200,
        autocomplete=_identities,
    ),
)

REQUEST_OPTIONS = (
    Option(
        "interests",
        "Specialties you are interested in, comma-separated",
        required=True,
        max_length=400,
        autocomplete=_specialties,
    ),
    Option(
        "stage",
        "Where you are in training",
        OptionType.CHOICE,
        required=True,
        choices=tuple(Choice(stage) for stage in STAGES),
    ),
    Option(
        "goals",
        "What you hope to get from a mentor",
        OptionType.LONG_TEXT,
        required=True,
        max_length=1000,
    ),
    Option(
        "identities",
        "Optional and private: yours, to match on (default: the ones in your intro)",
        max_length=200,
        autocomplete=_identities,
    ),
    Option(
        "same_identity",
        "Prefer a mentor who shares an identity of yours (private)",
        OptionType.CHOICE,
        choices=(Choice("no"), Choice("yes")),
    ),
    Option(
        "outside_institution",
        "A mentor outside your institution",
        OptionType.CHOICE,
        choices=(Choice("no"), Choice("preferred"), Choice("required")),
    ),
    Option("language", "A language you would like to be mentored in", max_length=40),
    Option(
        "timezone",
        "Your time zone, optionally with a window: America/Chicago ±3",
        max_length=80,
        autocomplete=_zones,
    ),
)


def setup(core: Core) -> Feature:
    feature = Feature("mentorship", group="mentor", description="Find a mentor, or mentor others")
    service = MentorshipService(core)

    @feature.command(
        "offer", "Offer to mentor, or change your offer", options=OFFER_OPTIONS, form="auto"
    )
    async def offer(ctx: Context, args: Args) -> Reply:
        built = build_offer(ctx.scope, ctx.actor.user_id, args)
        saved = await core.repos.mentorship.save_offer(built, ctx.now())
        load = (await core.repos.mentorship.loads(ctx.scope)).get(saved.user_id, 0)
        service.rematch_soon(ctx.scope)
        private = (
            " The identities you gave are private and used only for matching."
            if (saved.identities)
            else ""
        )
        paused = (
            " You are paused, so no proposals come until `/mentor resume`."
            if (saved.is_paused(ctx.now()))
            else ""
        )
        return Reply(
            f"Thank you for mentoring! You have {load} of {saved.capacity} places taken. "
            f"We will DM you when a mentee fits.{private}{paused}",
            title="Your mentor offer is saved",
            fields=offer_fields(saved),
        )

    @feature.command(
        "request", "Ask for a mentor, or change your request", options=REQUEST_OPTIONS, form="auto"
    )
    async def request(ctx: Context, args: Args) -> Reply:
        intro = await core.repos.profiles.get(ctx.scope, ctx.actor.user_id)
        built = build_request(ctx.scope, ctx.actor.user_id, args, intro)
        repo = core.repos.mentorship
        existing = await repo.open_request(ctx.scope, ctx.actor.user_id)
        saved = await repo.save_request(built, ctx.now())
        if existing is not None and existing.status != WAITING:
            return Reply(
                "Your request is updated. A mentor is considering it now; we will tell you "
                "as soon as they answer.",
                title="Mentor request",
            )
        outcome = await service.run_matching(
            ctx.scope, only={saved.id}, quiet_for=ctx.actor.user_id
        )
        proposal = outcome.proposed.get(saved.id)
        if proposal is None:
            await repo.set_searching_told(saved.id, True)
            return Reply(
                "Your request is saved. No mentor who fits has room right now; we keep "
                "looking and will DM you as soon as we ask someone.",
                title="Mentor request",
            )
        because = "; ".join(inert(r) for r in proposal.reasons) or "your request fits"
        return Reply(
            f"We found a mentor who fits ({because}) and asked them. They have "
            f"{core.settings.match_response_hours} hours to answer; we will tell you "
            "either way, and ask the next mentor if needed.",
            title="Mentor request",
        )

    @feature.command("withdraw", "Withdraw your open mentor request")
    async def withdraw(ctx: Context, args: Args) -> Reply:
        return await service.withdraw(ctx.scope, ctx.actor.user_id)

    @feature.command(
        "pause",
        "Stop getting proposals for a while (until a date, or until /mentor resume)",
        options=(
            Option("until", "When to start again, e.g. 2027-01-05 09:00", OptionType.DATETIME),
        ),
    )
    async def pause(ctx: Context, args: Args) -> Reply:
        until = args.when("until")
        if until is not None and until <= ctx.now():
            raise UserError("`until` is in the past; give a later date, or leave it out.")
        if not await core.repos.mentorship.set_pause(
            ctx.scope, ctx.actor.user_id, True, until, ctx.now()
        ):
            raise UserError("You have no mentor offer to pause. `/mentor offer` makes one.")
        when = f" until {await _time(core, ctx, until)}" if until else " until `/mentor resume`"
        return Reply(
            f"Paused{when}: you get no new proposals. Mentees you have stay yours, and a "
            "proposal already sent to you can still be answered.",
            title="Mentoring paused",
        )

    @feature.command("resume", "Start getting proposals again")
    async def resume(ctx: Context, args: Args) -> Reply:
        if not await core.repos.mentorship.set_pause(
            ctx.scope, ctx.actor.user_id, False, None, ctx.now()
        ):
            raise UserError("You have no mentor offer to resume. `/mentor offer` makes one.")
        service.rematch_soon(ctx.scope)
        return Reply("Welcome back: you can get proposals again.", title="Mentoring resumed")

    @feature.command("status", "Your mentors, mentees, proposals and requests")
    async def status(ctx: Context, args: Args) -> Reply:
        return await _status(core, service, ctx)

    @feature.command(
        "end",
        "End a mentorship match, with optional private feedback for moderators",
        options=(
            Option("member", "Your mentor or mentee", OptionType.MEMBER, required=True),
            Option(
                "rating",
                "How it went, 1 (poor) to 5 (great)",
                OptionType.INTEGER,
                min_value=1,
                max_value=5,
            ),
            Option(
                "feedback",
                "Private feedback (moderators only)",
                OptionType.LONG_TEXT,
                max_length=1000,
            ),
        ),
    )
    async def end(ctx: Context, args: Args) -> Reply:
        member = args.member("member")
        assert member is not None
        feedback = _checked_feedback(args.text("feedback"))
        matches = await core.repos.mentorship.matches(ctx.scope, user_id=ctx.actor.user_id)
        found = [m for m in matches if m.other(ctx.actor.user_id) == member.user_id]
        if not found:
            raise UserError(f"You have no active match with {inert(member.label)}.")
        await service.end(found[0], ctx.actor.user_id, args.integer("rating"), feedback)
        thanks = (
            " Your feedback goes to the moderators only."
            if feedback or args.integer("rating")
            else ""
        )
        return Reply(
            f"Your match with {inert(member.label)} is closed.{thanks}", title="Match ended"
        )

    # ----- moderators -------------------------------------------------------------------

    @feature.command("queue", "Waiting requests and pending proposals", moderator_only=True)
    async def queue(ctx: Context, args: Args) -> Reply:
        return await queue_report(core, ctx)

    @feature.command("report", "The matching funnel, mentor load and fairness", moderator_only=True)
    async def report(ctx: Context, args: Args) -> Reply:
        return await load_report(core, ctx, await service.fairness(ctx.scope))

    @feature.command("match-now", "Match waiting requests now", moderator_only=True)
    async def match_now(ctx: Context, args: Args) -> Reply:
        outcome = await service.run_matching(ctx.scope)
        await ctx.audit(
            "mentorship.match_now",
            detail={"proposed": len(outcome.proposed), "waiting": len(outcome.waiting)},
            summary=f"ran mentor matching: {len(outcome.proposed)} proposed",
        )
        return Reply(
            f"{len(outcome.proposed)} proposal(s) sent; {len(outcome.waiting)} request(s) "
            "still waiting for a mentor with room.",
            title="Mentor matching",
        )

    @feature.command(
        "settings",
        "Set how strongly matching spreads load across mentors",
        options=(
            Option(
                "fairness",
                f"0 (best fit only) to {FAIRNESS_MAX:g}; 'default' resets "
                f"({matching.DEFAULT_FAIRNESS:g})",
                required=True,
                max_length=10,
            ),
        ),
        moderator_only=True,
    )
    async def settings(ctx: Context, args: Args) -> Reply:
        typed = (args.text("fairness") or "").strip().lower()
        weight: float | None
        if typed == "default":
            weight = None
        else:
            try:
                weight = float(typed)
            except ValueError:
                weight = math.nan
            if not 0 <= weight <= FAIRNESS_MAX:
                raise UserError(
                    f"`fairness` must be a number from 0 to {FAIRNESS_MAX:g}, or `default` "
                    f"(got {inert(typed)!r})."
                )
        await core.repos.mentorship.set_fairness(ctx.scope, weight, ctx.now())
        shown = f"{matching.DEFAULT_FAIRNESS:g} (default)" if weight is None else f"{weight:g}"
        await ctx.audit(
            "mentorship.settings",
            detail={"fairness": weight},
            summary=f"set mentor matching fairness to {shown}",
        )
        return Reply(f"Matching fairness is now {shown}.", title="Mentor matching")

    # ----- buttons and forms ------------------------------------------------------------

    @feature.action("accept")
    async def accept(ctx: Context, target: str) -> Reply:
        return await service.accept(ctx.scope, ctx.actor.user_id, target)

    @feature.action("decline")
    async def decline(ctx: Context, target: str) -> Reply:
        return await service.decline(ctx.scope, ctx.actor.user_id, target)

    @feature.action("checkin")
    async def checkin(ctx: Context, target: str) -> Reply:
        return await service.answer_checkin(ctx.scope, ctx.actor.user_id, target)

    @feature.form(
        DECLINE_REASON_FORM,
        "Why you declined (moderators only)",
        (Option("reason", "Your reason", OptionType.LONG_TEXT, required=True, max_length=500),),
    )
    async def decline_reason(ctx: Context, args: Args) -> Reply:
        reason = _checked_feedback(args.text("reason"), "reason", 500)
        if not reason:
            raise UserError("`reason` is empty.")
        return await service.add_decline_reason(ctx.scope, ctx.actor.user_id, reason)

    @feature.form(
        FEEDBACK_FORM,
        "Private feedback (moderators only)",
        (
            Option(
                "rating",
                "1 (poor) to 5 (great)",
                OptionType.CHOICE,
                choices=tuple(Choice(str(n)) for n in range(1, 6)),
            ),
            Option("feedback", "What went well or not", OptionType.LONG_TEXT, max_length=1000),
        ),
    )
    async def feedback_form(ctx: Context, args: Args) -> Reply:
        rating_text = args.text("rating")
        rating = int(rating_text) if rating_text and rating_text.isdigit() else None
        feedback = _checked_feedback(args.text("feedback"))
        if rating is None and not feedback:
            raise UserError("Give a `rating` or some `feedback`.")
        return await service.add_feedback(ctx.scope, ctx.actor.user_id, rating, feedback)

    # ----- jobs -------------------------------------------------------------------------

    feature.job(EXPIRE_JOB)(service.expire)
    feature.job(CHECKIN_JOB)(service.checkin)
    feature.job(BATCH_JOB)(service.batch)

    @feature.on(MEMBER_ERASING)
    async def erasing(actor: Actor) -> None:
        await service.forget_member(actor.scope, actor.user_id)

    @feature.demo
    async def demo(community: Any) -> None:
        """Three physicians offering to mentor, so a newcomer can request and be matched."""
        repo = core.repos.mentorship
        now = core.clock.now()
        for user_id, specialties, institution, zone in DEMO_MENTORS:
            if await repo.get_offer(community.scope, user_id) is None:
                await repo.save_offer(
                    MentorOffer(
                        community.scope,
                        user_id,
                        specialties,
                        ("medical student", "resident"),
                        2,
                        f"Happy to talk about {specialties[0]} and the road there.",
                        institution=institution,
                        timezone=zone,
                        languages=("English",),
                    ),
                    now,
                )

    @feature.home
    async def home(ctx: Context) -> Reply | None:
        reply = await _status(core, service, ctx)
        reply.title = "Mentoring"
        return reply

    return feature


def _checked_feedback(text: str | None, name: str = "feedback", most: int = 1000) -> str | None:
    if not text or not text.strip():
        return None
    problems = check_text(name, text, max_length=most)
    if problems:
        raise UserError("\n".join(f"• {p.message}" for p in problems))
    return text.strip()


async def _time(core: Core, ctx: Context, when: datetime) -> str:
    transport = core.delivery.transport(ctx.scope)
    zone = await ctx.timezone()
    return transport.format_time(when, zone) if transport else when.isoformat()


async def _status(core: Core, service: MentorshipService, ctx: Context) -> Reply:
    repo = core.repos.mentorship
    me = ctx.actor.user_id
    now = ctx.now()
    transport = core.delivery.transport(ctx.scope)

    def who(user_id: str) -> str:
        return transport.mention(user_id) if transport else user_id

    fields: list[Field] = []
    buttons = []
    offer = await repo.get_offer(ctx.scope, me)
    matches = await repo.matches(ctx.scope, user_id=me)
    mentees = [m.mentee_id for m in matches if m.mentor_id == me]
    mentors = [m.mentor_id for m in matches if m.mentee_id == me]
    if offer is not None:
        load = (await repo.loads(ctx.scope)).get(me, 0)
        state = (
            "paused"
            if offer.is_paused(now)
            else ("full" if load >= offer.capacity else "open to proposals")
        )
        fields.append(Field("Mentoring", f"{load} of {offer.capacity} places taken; {state}"))
        fields.append(Field("Your mentees", ", ".join(who(u) for u in mentees) or "none yet"))
        pending = [
            p
            for p in await repo.proposals(ctx.scope, statuses=(PENDING,), user_id=me)
            if p.mentor_id == me
        ]
        for proposal in pending:
            fields.append(
                Field(
                    f"Waiting for your answer (proposal {proposal.id})",
                    f"{who(proposal.mentee_id)}: "
                    + ("; ".join(inert(r) for r in proposal.reasons) or "fits your offer"),
                )
            )
            buttons.extend(proposal_buttons(proposal.id))
    if mentors:
        fields.append(Field("Your mentors", ", ".join(who(u) for u in mentors)))
    request = await repo.open_request(ctx.scope, me)
    if request is not None:
        state = "a mentor is considering it" if request.status == PROPOSED else "still searching"
        fields.append(
            Field("Your mentor request", f"Open since {request.created_at:%Y-%m-%d}: {state}")
        )
    if not fields:
        return Reply(
            "You are not mentoring or looking for a mentor yet.",
            title="Mentorship",
            buttons=[
                form_button("Find a mentor", REQUEST_FORM),
                form_button("Offer to mentor", OFFER_FORM),
            ],
        )
    return Reply("", title="Mentorship", fields=fields, buttons=buttons)

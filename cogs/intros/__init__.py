"""/intro: member profiles, intro posts, a welcome for new members, and member search.

Identities are optional, sealed at rest, and shown in the public intro only when the
member ticks "show publicly". Search and `/intro show` only ever see the public intro.
"""

from __future__ import annotations

import asyncio

from bot.context import Context
from bot.core import Core
from bot.errors import UserError
from bot.events import MEMBER_ERASING, MEMBER_JOINED
from bot.feature import Feature
from bot.guard import inert
from bot.model import (
    Actor,
    Args,
    Button,
    ButtonStyle,
    Choice,
    Field,
    Option,
    OptionType,
    Reply,
    form_button,
)
from cogs.intros.profile import (
    IDENTITY_SUGGESTIONS,
    LOOKING_FOR,
    SPECIALTIES,
    STAGES,
    build_profile,
    intro_post,
    suggest_in_list,
)
from cogs.intros.search import Document, rank
from storage import IntroProfile

FORM_ID = "intro.post"
PAGE_SIZE = 5
QUERY_MAX = 60  # the query rides in the page buttons' ids, which Discord caps at 100
DEFAULT_WELCOME = (
    "Welcome! This is a community for people underrepresented in medicine, from premeds "
    "to attendings. Introduce yourself so mentors and peers can find you."
)


async def interest_suggestions(ctx: Context, typed: str) -> list[Choice]:
    return suggest_in_list(typed, SPECIALTIES)


async def looking_suggestions(ctx: Context, typed: str) -> list[Choice]:
    return suggest_in_list(typed, LOOKING_FOR)


async def identity_suggestions(ctx: Context, typed: str) -> list[Choice]:
    return suggest_in_list(typed, IDENTITY_SUGGESTIONS)


OPTIONS = (
    Option("name", "The name you go by", required=True, max_length=80),
    Option("pronouns", "Your pronouns (optional)", max_length=40),
    Option(
        "stage",
        "Where you are in training",
        OptionType.CHOICE,
        required=True,
        choices=tuple(Choice(stage) for stage in STAGES),
    ),
    Option("institution", "Your school or institution (optional)", max_length=120),
    Option(
        "interests",
        "Specialty interests, comma-separated",
        max_length=400,
        autocomplete=interest_suggestions,
    ),
    Option("about", "A few lines about you", OptionType.LONG_TEXT, required=True, max_length=1500),
    Option(
        "looking_for",
        "mentor, mentee, peers, study partners, AMA sessions (comma-separated)",
        max_length=200,
        autocomplete=looking_suggestions,
    ),
    Option(
        "identities",
        "Optional, private unless shown: e.g. URiM, first-generation, SGM",
        max_length=200,
        autocomplete=identity_suggestions,
    ),
    Option("show_identities", "Show your identities in your public intro", OptionType.BOOLEAN),
)


def setup(core: Core) -> Feature:
    feature = Feature("intros", group="intro", description="Introduce yourself and find members")

    async def author(ctx: Context, user_id: str) -> str:
        transport = core.delivery.transport(ctx.scope)
        return transport.mention(user_id) if transport else user_id

    @feature.command("post", "Post or update your intro", options=OPTIONS, form="auto")
    async def post(ctx: Context, args: Args) -> Reply:
        profile = build_profile(ctx.scope, ctx.actor.user_id, args)
        saved = await core.repos.profiles.save(profile, ctx.now())
        reply = intro_post(saved, await author(ctx, saved.user_id))
        where = await _publish(core, ctx, saved, reply)
        private = (
            " Your identities stay private."
            if saved.identities and not saved.show_identities
            else ""
        )
        return Reply(f"{where}{private}", title="Your intro is saved")

    @feature.command(
        "show",
        "Show a member's intro (yours if no member is given)",
        options=(Option("member", "Whose intro", OptionType.MEMBER),),
    )
    async def show(ctx: Context, args: Args) -> Reply:
        member = args.member("member")
        user_id = member.user_id if member else ctx.actor.user_id
        found = await core.repos.profiles.get(ctx.scope, user_id)
        if found is None:
            who = (
                "You have"
                if user_id == ctx.actor.user_id
                else f"{member.label if member else user_id} has"
            )
            raise UserError(f"{inert(who)} not posted an intro yet. `/intro post` writes one.")
        reply = intro_post(found.as_public(), await author(ctx, user_id))
        reply.private = True
        if user_id == ctx.actor.user_id and found.identities and not found.show_identities:
            reply.fields.append(
                Field(
                    "Only you see this", "Private identities: " + inert(", ".join(found.identities))
                )
            )
        return reply

    @feature.command("delete", "Remove your intro post and profile")
    async def delete(ctx: Context, args: Args) -> Reply:
        found = await core.repos.profiles.get(ctx.scope, ctx.actor.user_id)
        if found is None:
            raise UserError("You have no intro to remove.")
        if found.post_ref:
            await core.delivery.delete(ctx.scope, found.post_ref)
        await core.repos.profiles.delete(ctx.scope, ctx.actor.user_id)
        return Reply("Your intro post and profile are removed.")

    @feature.command(
        "find",
        "Search public intros by interest, stage, institution or words",
        options=(Option("query", "What to look for", required=True, max_length=QUERY_MAX),),
    )
    async def find(ctx: Context, args: Args) -> Reply:
        return await _results(core, ctx, args.text("query") or "", 0)

    @feature.action("page")
    async def page(ctx: Context, target: str) -> Reply:
        number, _, query = target.partition("|")
        if not number.isdigit():
            raise UserError("This button no longer works. Run `/intro find` again.")
        return await _results(core, ctx, query, int(number))

    @feature.on(MEMBER_ERASING)
    async def erasing(actor: Actor) -> None:
        # The post lives on the platform, outside our database: take it down first.
        found = await core.repos.profiles.get(actor.scope, actor.user_id)
        if found is not None and found.post_ref:
            await core.delivery.delete(actor.scope, found.post_ref)

    @feature.on(MEMBER_JOINED)
    async def welcome(actor: Actor) -> None:
        community = await core.repos.communities.get(actor.scope)
        await core.delivery.dm(
            actor.scope,
            actor.user_id,
            Reply(
                community.welcome_text or DEFAULT_WELCOME,
                title="Welcome",
                buttons=[form_button("Write my intro", FORM_ID)],
            ),
            purpose="intros.welcome",
        )

    @feature.home
    async def home(ctx: Context) -> Reply:
        found = await core.repos.profiles.get(ctx.scope, ctx.actor.user_id)
        if found is None:
            return Reply(
                "You have not introduced yourself yet.",
                title="Your intro",
                buttons=[form_button("Write my intro", FORM_ID)],
            )
        reply = intro_post(found.as_public(), await author(ctx, found.user_id))
        reply.title = f"Your intro: {reply.title}"
        reply.buttons = [form_button("Edit my intro", FORM_ID)]
        return reply

    return feature


async def _publish(core: Core, ctx: Context, profile: IntroProfile, reply: Reply) -> str:
    """Edit the earlier intro post when there is one; post a new one otherwise."""
    if profile.post_ref and await core.delivery.edit(ctx.scope, profile.post_ref, reply):
        return "Your intro post is updated."
    community = await core.repos.communities.get(ctx.scope)
    channel = community.introductions_channel
    if not channel:
        return "Saved. It will be posted once moderators choose an introductions channel."
    outcome = await ctx.post(channel, reply, purpose="intros.post")
    if outcome.message_ref is None:
        return "Saved, but posting it failed; moderators can see why in the outbox."
    await core.repos.profiles.set_post_ref(ctx.scope, profile.user_id, outcome.message_ref)
    transport = core.delivery.transport(ctx.scope)
    label = transport.channel_label(channel) if transport else channel
    return f"Your intro is posted in {label}."


async def _results(core: Core, ctx: Context, query: str, page: int) -> Reply:
    query = " ".join(query.split())[:QUERY_MAX]
    profiles = await core.repos.profiles.public(ctx.scope)
    documents = [
        Document(
            key=p.user_id,
            name=p.name,
            stage=p.stage,
            institution=p.institution or "",
            interests=p.interests,
            looking_for=p.looking_for,
            about=p.about,
        )
        for p in profiles
    ]
    # Ranking thousands of intros takes tens of milliseconds or more: keep the loop free
    # for other members' interactions (Discord's 3-second deadline).
    hits = await asyncio.to_thread(rank, query, documents)
    if not hits:
        return Reply(f"No public intro matches {inert(query)!r}.", title="Member search")
    pages = (len(hits) + PAGE_SIZE - 1) // PAGE_SIZE
    page = min(max(page, 0), pages - 1)
    by_key = {p.user_id: p for p in profiles}
    transport = core.delivery.transport(ctx.scope)
    fields = []
    for hit in hits[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]:
        found = by_key[hit.key]
        who = transport.mention(found.user_id) if transport else found.user_id
        where = f", {inert(found.institution)}" if found.institution else ""
        fields.append(
            Field(
                inert(found.name),
                f"{who} · {found.stage}{where}\n" + "; ".join(inert(m) for m in hit.matched),
            )
        )
    buttons = []
    if page > 0:
        buttons.append(Button("Previous", "intros.page", f"{page - 1}|{query}"))
    if page + 1 < pages:
        buttons.append(Button("Next", "intros.page", f"{page + 1}|{query}", ButtonStyle.PRIMARY))
    return Reply(
        f"{len(hits)} member(s) match {inert(query)!r} (page {page + 1} of {pages}).",
        title="Member search",
        fields=fields,
        buttons=buttons,
    )

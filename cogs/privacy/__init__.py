"""/privacy: what is stored about me and what it is used for, a copy of it, and erasing it.

The export goes only by DM (or, when DMs are closed, as a file in the private reply); it is
never posted in a thread or kept in the outbox. Erasing asks for a confirmation button,
lets every feature wind down on the platform first (MEMBER_ERASING: group access revoked,
matches ended, the intro post taken down), then removes or anonymises every row about the
member in one transaction. The audit row says only that an erasure happened.
"""

from __future__ import annotations

import asyncio
import json
import logging
from datetime import datetime, timedelta

from bot.context import Context
from bot.core import Core
from bot.errors import UserError
from bot.events import MEMBER_ERASING
from bot.feature import Feature
from bot.model import Args, Attachment, Button, ButtonStyle, Field, Reply

log = logging.getLogger(__name__)

ERASE = "privacy.erase"
CANCEL = "privacy.cancel"
CONFIRM_FOR = timedelta(minutes=15)  # an old confirmation button stops working

# What each identity or private field is used for, as the member reads it.
USES = (
    (
        "Intro identities",
        "Encrypted. Shown on your intro only if you chose `show_identities:yes`; "
        "never searchable otherwise.",
    ),
    (
        "Mentor and mentee identities",
        "Encrypted. Used only to add a small bonus when a mentee asked for a mentor who "
        "shares an identity (`same_identity:yes`); never shown, never written into a reason.",
    ),
    (
        "Private and secret groups",
        "Who is in a group is stored encrypted; membership of a private or secret group is "
        "never shown outside it.",
    ),
    (
        "Anonymous questions and posts",
        "The author is stored encrypted. A moderator can reveal it only with a stated "
        "reason, and every reveal is in the audit log.",
    ),
    (
        "Feedback and decline reasons",
        "Encrypted; read by moderators only, in the mentor report.",
    ),
)


SCRUB_TRIES = 10
SCRUB_PAUSE_SECONDS = 3.0


async def _scrub_until_done(core: Core) -> None:
    """A long read held off the checkpoint: the erased rows' old pages may still sit in the
    write-ahead log, so try again a few times before leaving it to the next checkpoint."""
    for _ in range(SCRUB_TRIES):
        await asyncio.sleep(SCRUB_PAUSE_SECONDS)
        if await core.db.scrub():
            return
    log.warning(
        "the write-ahead log could not be checkpointed after an erasure; "
        "the next checkpoint will clear it"
    )


def setup(core: Core) -> Feature:
    feature = Feature("privacy", group="privacy", description="See, export or erase your data")

    # `/privacy` alone on Slack and the console; Discord cannot run a group by itself, so
    # `/privacy show` is the same command there.
    @feature.command("", "What is stored about you and what it is used for")
    @feature.command("show", "What is stored about you and what it is used for")
    async def overview(ctx: Context, args: Args) -> Reply:
        counts = await core.repos.member_data.summary(ctx.scope, ctx.actor.user_id)
        stored = [f"{name}: {count}" for name, count in counts.items() if count]
        fields = [Field(name, use) for name, use in USES]
        return Reply(
            ("Stored about you here: " + "; ".join(stored) + "." if stored else "")
            + ("\n" if stored else "Nothing is stored about you here yet.\n")
            + "`/privacy export` sends you all of it as a file; "
            "`/privacy delete` erases it.",
            title="Your data",
            fields=fields,
        )

    @feature.command("export", "Get everything stored about you, as a file in a DM")
    async def export(ctx: Context, args: Args) -> Reply:
        await ctx.defer()  # gathering every feature's rows can outlast a platform deadline
        data = await core.repos.member_data.export(ctx.scope, ctx.actor.user_id)
        document = {
            "about": "Everything Preceptor stores about you in this community.",
            "exported_at": ctx.now().isoformat(),
            "community": {"platform": ctx.scope.platform, "id": ctx.scope.workspace_id},
            "you": ctx.actor.user_id,
            **data,
        }
        file = Attachment(
            f"preceptor-data-{ctx.now():%Y-%m-%d}.json",
            json.dumps(document, indent=2, ensure_ascii=False, default=str).encode("utf-8"),
            "application/json",
        )
        outcome = await core.delivery.dm_only(
            ctx.scope,
            ctx.actor.user_id,
            Reply("Everything stored about you here.", title="Your data export", file=file),
            purpose="privacy.export",
        )
        if outcome.reached:
            return Reply("Your data export is in your DMs.")
        # DMs closed: the private reply is the only place only they can see.
        return Reply(
            "Your DMs are closed, so here is your data export (only you see this).",
            title="Your data export",
            file=file,
        )

    @feature.command("delete", "Erase your data from this community (asks to confirm)")
    async def delete(ctx: Context, args: Args) -> Reply:
        issued = int(ctx.now().timestamp())
        return Reply(
            "This erases your intro, mentor offer and requests, your group memberships "
            "(your access to group channels goes too), your questions and votes, and "
            "anything else stored about you. Matches and questions stay counted, with your "
            "name removed. It can't be undone. `/privacy export` first if you want a copy.",
            title="Erase your data?",
            buttons=[
                Button("Erase my data", ERASE, str(issued), ButtonStyle.DANGER),
                Button("Cancel", CANCEL, "", ButtonStyle.SECONDARY),
            ],
        )

    @feature.action("cancel")
    async def cancel(ctx: Context, target: str) -> Reply:
        return Reply("Nothing was erased.")

    @feature.action("erase")
    async def erase(ctx: Context, target: str) -> Reply:
        if not target.isdigit():
            raise UserError("This button no longer works. Run `/privacy delete` again.")
        issued = datetime.fromtimestamp(int(target), tz=ctx.now().tzinfo)
        if not timedelta(0) <= ctx.now() - issued <= CONFIRM_FOR:
            raise UserError("This confirmation has expired. Run `/privacy delete` again.")
        await ctx.defer()
        # Each feature takes down what lives on the platform while it still knows where.
        for handler in core.registry.event_handlers(MEMBER_ERASING):
            await handler(actor=ctx.actor)
        if await core.repos.member_data.spaces_of(ctx.scope, ctx.actor.user_id):
            # A platform refused to revoke a group channel; erasing now would forget who
            # still has access. The sync job keeps retrying; erasing waits for it.
            raise UserError(
                "Your access to a group channel could not be removed yet, so nothing was "
                "erased. Please try `/privacy delete` again in a few minutes."
            )
        async with core.db.transaction():  # the erasure and its audit row, together
            report = await core.repos.member_data.erase(ctx.scope, ctx.actor.user_id, ctx.now())
            await ctx.audit(
                "privacy.delete",
                summary="A member erased their data with /privacy delete.",
                recorded_as=report.pseudonym,
            )
        if not await core.db.scrub():
            core.tasks.spawn(_scrub_until_done(core), name="privacy.scrub")
        log.info("a member's data was erased (%s)", report.pseudonym)
        return Reply(
            "Your data is erased. If you use the bot again, only what you then give it is stored.",
            title="Erased",
        )

    return feature

"""/audit recent: the community's audit log, for moderators.

Every privileged action writes one row (who acted, what, on which object, non-sensitive
facts); this lists them newest first, so moderators can check each other's work.
"""

from __future__ import annotations

import json

from bot.context import Context
from bot.core import Core
from bot.errors import UserError
from bot.feature import Feature
from bot.guard import inert
from bot.model import Args, Option, OptionType, Reply
from storage.member_data import PSEUDONYM_PREFIX
from storage.models import AuditEntry

DEFAULT_ROWS = 20
MOST_ROWS = 50
LINE_MAX = 180  # one row per line, so a page stays readable on a phone


def setup(core: Core) -> Feature:
    feature = Feature("audit", group="audit", description="The moderators' audit log")

    @feature.command(
        "recent",
        "List recent privileged actions (newest first)",
        options=(
            Option(
                "limit",
                f"How many rows (1-{MOST_ROWS}, default {DEFAULT_ROWS})",
                OptionType.INTEGER,
                min_value=1,
                max_value=MOST_ROWS,
            ),
            Option("action", "Only this feature or action, e.g. groups or ama.reveal"),
        ),
        moderator_only=True,
    )
    async def recent(ctx: Context, args: Args) -> Reply:
        wanted = (args.text("action") or "").strip().lower()
        if wanted and not all(ch.isalnum() or ch in "._" for ch in wanted):
            raise UserError("`action` is a feature or action name, such as groups or ama.reveal.")
        rows = await core.repos.audit.recent(
            ctx.scope, args.integer("limit") or DEFAULT_ROWS, action_prefix=wanted or None
        )
        if not rows:
            found = f" for `{wanted}`" if wanted else ""
            return Reply(f"No audit rows{found} yet.", title="Audit log")
        zone = await ctx.timezone()
        lines = [await _line(ctx, row, zone) for row in rows]
        return Reply("\n".join(lines), title=f"Audit log: the latest {len(rows)}")

    return feature


async def _line(ctx: Context, row: AuditEntry, zone: str) -> str:
    transport = ctx.core.delivery.transport(ctx.scope)
    when = transport.format_time(row.created_at, zone) if transport else row.created_at.isoformat()
    # An erased member's rows carry a pseudonym, not an id anyone could mention.
    erased = row.actor_id.startswith(PSEUDONYM_PREFIX)
    who = row.actor_id if erased or transport is None else transport.mention(row.actor_id)
    parts = [f"#{row.id}", when, f"`{row.action}`", who]
    if row.target:
        parts.append(f"on {inert(row.target)}")
    if row.detail:
        parts.append(inert(json.dumps(row.detail, sort_keys=True, ensure_ascii=False)))
    line = " · ".join(parts)
    return line if len(line) <= LINE_MAX else line[: LINE_MAX - 1] + "…"

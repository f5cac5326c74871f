"""What moderators see: the queue, and the report on the funnel, load and fairness.

The report never lets a small group be picked out: any group of fewer than 5 mentors is
suppressed. Identities themselves never appear, only whether a mentor consented to
identity-aware matching, counted in aggregate.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime, timedelta

from bot.context import Context
from bot.core import Core
from bot.guard import inert
from bot.model import Attachment, Field, Reply
from cogs.mentorship.chart import MentorLoad, load_chart
from storage.mentorship import PENDING, WAITING, MentorOffer

SMALLEST_GROUP = 5
QUEUE_ROWS = 15


async def queue_report(core: Core, ctx: Context) -> Reply:
    repo = core.repos.mentorship
    now = ctx.now()
    who = _namer(core, ctx)
    waiting = [r for r in await repo.requests(ctx.scope) if r.status == WAITING]
    pending = await repo.proposals(ctx.scope, statuses=(PENDING,))
    lines = [
        f"{who(r.user_id)} · {r.stage} · waiting {age(now, r.created_at)}"
        for r in waiting[:QUEUE_ROWS]
    ]
    proposals = [
        f"{who(p.mentee_id)} → {who(p.mentor_id)} · sent {age(now, p.created_at)} ago · "
        f"expires in {age(p.expires_at, now)}"
        for p in pending[:QUEUE_ROWS]
    ]
    fields = [
        Field(f"Waiting requests ({len(waiting)})", _listed(lines, len(waiting))),
        Field(f"Pending proposals ({len(pending)})", _listed(proposals, len(pending))),
    ]
    return Reply("", title="Mentor queue", fields=fields)


async def load_report(core: Core, ctx: Context, fairness: float) -> Reply:
    repo = core.repos.mentorship
    now = ctx.now()
    funnel = await repo.funnel(ctx.scope)
    offers = await repo.offers(ctx.scope)
    loads = await repo.loads(ctx.scope)
    checkins = ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in sorted(funnel.checkins.items()))
    pending = funnel.proposals - funnel.accepted - funnel.declined - funnel.expired
    fields = [
        Field(
            "Funnel",
            f"Requests {funnel.requests} → proposals {funnel.proposals} (accepted "
            f"{funnel.accepted}, declined {funnel.declined}, expired {funnel.expired}, "
            f"open or withdrawn {pending}) → matches {funnel.matches}\n"
            f"Check-in answers: {checkins or 'none yet'}",
        ),
        Field("Mentor load", _load_summary(offers, loads, now)),
        Field("Identity-aware matching", identity_share(offers, loads)),
        Field("Fairness weight", f"{fairness:g} (`/mentor settings fairness:` changes it)"),
    ]
    who = _namer(core, ctx)
    feedback = await repo.feedback(ctx.scope, limit=5)
    if feedback:
        fields.append(
            Field(
                "Recent private feedback",
                "\n".join(
                    f"{who(f.user_id)}: {f.rating or '-'}/5 {inert(f.text or '')}".rstrip()
                    for f in feedback
                ),
            )
        )
    reasons = await repo.decline_reasons(ctx.scope, limit=5)
    if reasons:
        fields.append(
            Field(
                "Recent decline reasons",
                "\n".join(f"proposal {pid}: {inert(text)}" for pid, text in reasons),
            )
        )
    rows = []
    for o in offers:
        member = await core.repos.members.get(ctx.scope, o.user_id)
        label = member.display_name if member else o.user_id
        rows.append(MentorLoad(label, loads.get(o.user_id, 0), o.capacity))
    file = None
    if rows:
        png = await asyncio.to_thread(load_chart, rows)
        file = Attachment("mentor-load.png", png, "image/png")
    return Reply("", title="Mentor matching report", fields=fields, file=file)


def _load_summary(offers: list[MentorOffer], loads: dict[str, int], now: datetime) -> str:
    if not offers:
        return "No mentor offers yet."
    capacity = sum(o.capacity for o in offers)
    load = sum(min(loads.get(o.user_id, 0), o.capacity) for o in offers)
    full = sum(1 for o in offers if loads.get(o.user_id, 0) >= o.capacity)
    paused = sum(1 for o in offers if o.is_paused(now))
    highest = max(loads.get(o.user_id, 0) / o.capacity for o in offers)
    return (
        f"{len(offers)} mentors ({paused} paused): {load} of {capacity} places taken "
        f"({load / capacity:.0%}); {full} full; the busiest at {highest:.0%} of capacity."
    )


def identity_share(offers: list[MentorOffer], loads: dict[str, int]) -> str:
    """The share of load carried by mentors who consented to identity-aware matching,
    against their share of capacity: the minority tax, measured."""
    consented = [o for o in offers if o.identities]
    others = [o for o in offers if not o.identities]
    if len(consented) < SMALLEST_GROUP or len(others) < SMALLEST_GROUP:
        return f"Not shown: a group has fewer than {SMALLEST_GROUP} mentors."
    total_load = sum(loads.get(o.user_id, 0) for o in offers)
    total_capacity = sum(o.capacity for o in offers)
    load_share = sum(loads.get(o.user_id, 0) for o in consented) / total_load if total_load else 0
    capacity_share = sum(o.capacity for o in consented) / total_capacity

    def full(group: list[MentorOffer]) -> float:
        return sum(1 for o in group if loads.get(o.user_id, 0) >= o.capacity) / len(group)

    return (
        f"Mentors who consented ({len(consented)}) carry {load_share:.0%} of the load with "
        f"{capacity_share:.0%} of the capacity. Full: {full(consented):.0%} of them, "
        f"{full(others):.0%} of the other {len(others)}."
    )


def age(later: datetime, earlier: datetime | None) -> str:
    if earlier is None:
        return "?"
    delta = max(later - earlier, timedelta(0))
    if delta >= timedelta(days=1):
        return f"{delta.days} d"
    if delta >= timedelta(hours=1):
        return f"{delta.seconds // 3600} h"
    return f"{delta.seconds // 60} min"


def _listed(lines: list[str], total: int) -> str:
    if not lines:
        return "none"
    more = total - len(lines)
    return "\n".join(lines) + (f"\n… and {more} more" if more > 0 else "")


def _namer(core: Core, ctx: Context) -> Callable[[str], str]:
    transport = core.delivery.transport(ctx.scope)

    def who(user_id: str) -> str:
        return transport.mention(user_id) if transport else user_id

    return who

"""Interactions per second and time-to-first-response through the Discord surface.

    .venv/bin/python -m bench.discord_bench [--members N] [--per-member K]

The bot runs as users run it (`python -m bot run`, SQLite in a temporary folder) against
the local fake Discord (`tests/fakes/discord.py`) on 127.0.0.1. The fake sends each
INTERACTION_CREATE over the gateway and records when the bot's answers arrive.

One run measures, in order:

1. baseline: one member alone, K_solo interactions one after another (no queueing);
2. load: N members at once, each sending K interactions back to back (the next one
   when the previous was answered).

For each it reports time-to-first-response (INTERACTION_CREATE sent until the deferral
arrives: Discord's 3-second deadline) and time-to-answer (until the final message), p50
and p99, and interactions per second (`per_s`); then the load figures as ratios of the
baseline. It asserts nothing: it is a measurement, not a test.
"""

from __future__ import annotations

import argparse
import random
from typing import Any

from bench.surface_load import Samples, main, measure_against
from tests.discord_bot import SEND_MESSAGES, BotProcess, populate
from tests.fakes.discord import FakeDiscord

FIRST_MEMBER = 610000000000000000


def command_for(rng: random.Random) -> tuple[str, str | None, dict[str, Any]]:
    """A seeded mix: half write (an audit row), half read-only help."""
    if rng.random() < 0.5:
        return "probe", "all", {"title": f"t{rng.randrange(1000)}", "count": rng.randint(1, 10)}
    return "help", None, {"topic": rng.choice(["setup", "probe", "help"])}


async def run(args: argparse.Namespace) -> dict[str, Any]:
    fake = FakeDiscord()
    populate(fake)
    members = [FIRST_MEMBER + i for i in range(args.members)]
    for member in members:
        fake.add_member(member, f"member{member - FIRST_MEMBER}", permissions=SEND_MESSAGES)

    async def one(member: int, rng: random.Random, samples: Samples) -> None:
        group, sub, options = command_for(rng)
        handle = await fake.slash(member, group, sub, options)
        try:
            first = await handle.first_response(timeout=60)
            answers = await handle.wait_responses(2, timeout=60)
        except (TimeoutError, AssertionError) as exc:
            samples.failures.append(f"{group} {sub}: {exc!r}"[:200])
            return
        samples.first.append(first.at - handle.sent_at)
        samples.answer.append(answers[-1].at - handle.sent_at)

    return await measure_against(
        fake,
        lambda folder: BotProcess(fake, folder),
        members,
        one,
        args,
        first_name="first_response",
    )


if __name__ == "__main__":
    main(__doc__.split("\n\n")[0], "discord", run)

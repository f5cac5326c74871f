"""Acks per second and time-to-ack through the Slack surface.

    .venv/bin/python -m bench.slack_bench [--members N] [--per-member K] [--solo S]

The bot runs as users run it (`python -m bot run`, Socket Mode, SQLite in a temporary
folder) against the local fake Slack (`tests/fakes/slack.py`) on 127.0.0.1. The fake sends
each slash command as a Socket Mode envelope and records when the bot's ack and its
answer (a post to the command's response_url) arrive.

One run measures a baseline (one member alone, S commands back to back) and then N
members at once, each sending K commands (the next when the previous was answered). It
reports time-to-ack (Slack's 3-second deadline) and time-to-answer, p50 and p99, and acks
per second (`per_s`), with the load figures as ratios of the baseline. It asserts
nothing: it is a measurement, not a test.
"""

from __future__ import annotations

import argparse
import random
from typing import Any

from bench.surface_load import Samples, main, measure_against
from tests.fakes.slack import FakeSlack
from tests.slack_bot import SlackBot, populate


def command_for(rng: random.Random) -> tuple[str, str]:
    """A seeded mix: half write (an audit row), half read-only help."""
    if rng.random() < 0.5:
        return "/probe", f"all title:t{rng.randrange(1000)} count:{rng.randint(1, 10)}"
    return "/help", rng.choice(["setup", "probe", "help"])


async def run(args: argparse.Namespace) -> dict[str, Any]:
    fake = FakeSlack()
    populate(fake)
    members = [f"UBENCH{i:05d}" for i in range(args.members)]
    for member in members:
        fake.add_user(member, member.lower())

    async def one(member: str, rng: random.Random, samples: Samples) -> None:
        command, text = command_for(rng)
        sent = await fake.slash(member, command, text)
        try:
            ack = await sent.acked(timeout=60)
            answer = await fake.wait_for_response_to(sent, timeout=60)
        except (TimeoutError, AssertionError) as exc:
            samples.failures.append(f"{command} {text}: {exc!r}"[:200])
            return
        samples.first.append(ack.at - sent.sent_at)
        samples.answer.append(answer.at - sent.sent_at)

    return await measure_against(
        fake, lambda folder: SlackBot(fake, folder), members, one, args, first_name="ack"
    )


if __name__ == "__main__":
    main(__doc__.split("\n\n")[0], "slack", run)

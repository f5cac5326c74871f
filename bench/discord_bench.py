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
or dialog arrives: Discord's 3-second deadline) and time-to-answer (until the final
message), p50 and p99, and interactions per second; then the load figures as ratios of
the baseline. It asserts nothing: it is a measurement, not a test.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import resource
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.core_bench import percentile
from tests.discord_bot import MODERATOR, SEND_MESSAGES, BotProcess, populate
from tests.fakes.discord import FakeDiscord

RESULTS_DIR = Path(__file__).resolve().parent / "results"
DEADLINE = 3.0
FIRST_MEMBER = 610000000000000000


@dataclass
class Samples:
    first: list[float] = field(default_factory=list)  # seconds to the deferral
    answer: list[float] = field(default_factory=list)  # seconds to the final message
    failures: list[str] = field(default_factory=list)
    wall: float = 0.0

    def figures(self) -> dict[str, Any]:
        count = len(self.answer)
        return {
            "interactions": count,
            "failures": len(self.failures),
            "wall_s": round(self.wall, 3),
            "interactions_per_s": round(count / self.wall, 1) if self.wall else None,
            "first_response_p50_ms": round(1000 * percentile(self.first, 50), 1),
            "first_response_p99_ms": round(1000 * percentile(self.first, 99), 1),
            "first_response_max_ms": round(1000 * max(self.first), 1) if self.first else None,
            "over_deadline": sum(1 for s in self.first if s >= DEADLINE),
            "answer_p50_ms": round(1000 * percentile(self.answer, 50), 1),
            "answer_p99_ms": round(1000 * percentile(self.answer, 99), 1),
        }


def command_for(rng: random.Random, member: int) -> tuple[str, str | None, dict[str, Any]]:
    """A seeded mix: half write (an audit row), half read-only help."""
    if rng.random() < 0.5:
        return "probe", "all", {"title": f"t{rng.randrange(1000)}", "count": rng.randint(1, 10)}
    return "help", None, {"topic": rng.choice(["setup", "probe", "help"])}


async def one(fake: FakeDiscord, member: int, rng: random.Random, samples: Samples) -> None:
    group, sub, options = command_for(rng, member)
    handle = await fake.slash(member, group, sub, options)
    try:
        first = await handle.first_response(timeout=60)
        answers = await handle.wait_responses(2, timeout=60)
    except (TimeoutError, AssertionError) as exc:
        samples.failures.append(f"{group} {sub}: {exc!r}"[:200])
        return
    samples.first.append(first.at - handle.sent_at)
    samples.answer.append(answers[-1].at - handle.sent_at)


async def member_session(
    fake: FakeDiscord, member: int, count: int, seed: int, samples: Samples, gate: asyncio.Event
) -> None:
    rng = random.Random(seed)
    await gate.wait()
    for _ in range(count):
        await one(fake, member, rng, samples)


async def run(members: int, per_member: int, solo: int, seed: int) -> dict[str, Any]:
    fake = FakeDiscord()
    populate(fake)
    ids = [FIRST_MEMBER + i for i in range(members)]
    for member in ids:
        fake.add_member(member, f"member{member - FIRST_MEMBER}", permissions=SEND_MESSAGES)
    await fake.start()
    with tempfile.TemporaryDirectory(prefix="preceptor-bench-") as folder:
        bot = BotProcess(fake, Path(folder))
        await bot.start()
        try:
            warm = Samples()
            for _ in range(10):
                await one(fake, MODERATOR, random.Random(seed), warm)

            baseline = Samples()
            rng = random.Random(seed)
            started = time.perf_counter()
            for _ in range(solo):
                await one(fake, ids[0], rng, baseline)
            baseline.wall = time.perf_counter() - started

            bot_cpu, fake_cpu = _cpu_seconds(bot), _own_cpu_seconds()
            load = Samples()
            gate = asyncio.Event()
            sessions = [
                asyncio.create_task(member_session(fake, m, per_member, seed + i, load, gate))
                for i, m in enumerate(ids)
            ]
            await asyncio.sleep(0)
            started = time.perf_counter()
            gate.set()
            await asyncio.gather(*sessions)
            load.wall = time.perf_counter() - started
            bot_cpu, fake_cpu = _cpu_seconds(bot) - bot_cpu, _own_cpu_seconds() - fake_cpu
        finally:
            await bot.stop()
            await fake.stop()
    base, loaded = baseline.figures(), load.figures()
    return {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"python": sys.version.split()[0], "platform": platform.platform()},
        "members": members,
        "per_member": per_member,
        "baseline": base,
        "load": loaded,
        "ratios": {
            "first_response_p50_load_over_solo": _ratio(
                loaded["first_response_p50_ms"], base["first_response_p50_ms"]
            ),
            "first_response_p99_load_over_solo_p50": _ratio(
                loaded["first_response_p99_ms"], base["first_response_p50_ms"]
            ),
            "throughput_load_over_solo": _ratio(
                loaded["interactions_per_s"], base["interactions_per_s"]
            ),
        },
        # Where the time went under load: one core is 1.0 per second of wall time.
        "cpu_under_load": {
            "bot_process_cores": round(bot_cpu / load.wall, 2),
            "fake_and_load_generator_cores": round(fake_cpu / load.wall, 2),
            "bot_cpu_ms_per_interaction": round(1000 * bot_cpu / max(1, len(load.answer)), 2),
        },
        "failure_examples": (baseline.failures + load.failures)[:5],
    }


def _cpu_seconds(bot: BotProcess) -> float:
    """User + system CPU of the bot process so far (Linux /proc)."""
    assert bot.proc is not None
    fields = Path(f"/proc/{bot.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _own_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _ratio(a: float | None, b: float | None) -> float | None:
    return round(a / b, 2) if a and b else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--members", type=int, default=200)
    parser.add_argument("--per-member", type=int, default=5)
    parser.add_argument("--solo", type=int, default=100, help="baseline interactions")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--no-json", action="store_true")
    args = parser.parse_args()
    result = asyncio.run(run(args.members, args.per_member, args.solo, args.seed))
    print(json.dumps(result, indent=2))
    if not args.no_json:
        RESULTS_DIR.mkdir(exist_ok=True)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
        (RESULTS_DIR / f"discord-{stamp}.json").write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()

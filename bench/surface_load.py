"""What the surface benchmarks share: samples, the solo-then-load run, CPU and the report.

A surface bench supplies `one(member, rng, samples)`, which sends one interaction through
its fake and records when the first answer (deferral or ack) and the final answer came.
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
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol, TypeVar

from bench.core_bench import percentile
from tests.bot_process import BotProcess

RESULTS_DIR = Path(__file__).resolve().parent / "results"
DEADLINE = 3.0
Member = TypeVar("Member")


@dataclass
class Samples:
    first: list[float] = field(default_factory=list)  # seconds to the deferral or ack
    answer: list[float] = field(default_factory=list)  # seconds to the final message
    failures: list[str] = field(default_factory=list)
    wall: float = 0.0

    def figures(self, first_name: str) -> dict[str, Any]:
        count = len(self.answer)
        return {
            "interactions": count,
            "failures": len(self.failures),
            "wall_s": round(self.wall, 3),
            "per_s": round(count / self.wall, 1) if self.wall else None,
            f"{first_name}_p50_ms": round(1000 * percentile(self.first, 50), 1),
            f"{first_name}_p99_ms": round(1000 * percentile(self.first, 99), 1),
            f"{first_name}_max_ms": round(1000 * max(self.first), 1) if self.first else None,
            "over_deadline": sum(1 for s in self.first if s >= DEADLINE),
            "answer_p50_ms": round(1000 * percentile(self.answer, 50), 1),
            "answer_p99_ms": round(1000 * percentile(self.answer, 99), 1),
        }


One = Callable[[Any, random.Random, Samples], Awaitable[None]]


async def measure(
    bot: BotProcess,
    members: Sequence[Any],
    one: One,
    *,
    per_member: int,
    solo: int,
    seed: int,
    first_name: str,
) -> dict[str, Any]:
    """Warm up; one member alone (the baseline); then every member at once."""
    warm = Samples()
    for _ in range(10):
        await one(members[0], random.Random(seed), warm)

    baseline = Samples()
    rng = random.Random(seed)
    started = time.perf_counter()
    for _ in range(solo):
        await one(members[0], rng, baseline)
    baseline.wall = time.perf_counter() - started

    bot_cpu, own_cpu = cpu_seconds(bot), own_cpu_seconds()
    load = Samples()
    gate = asyncio.Event()

    async def session(member: Any, member_seed: int) -> None:
        member_rng = random.Random(member_seed)
        await gate.wait()
        for _ in range(per_member):
            await one(member, member_rng, load)

    sessions = [asyncio.create_task(session(m, seed + i)) for i, m in enumerate(members)]
    await asyncio.sleep(0)
    started = time.perf_counter()
    gate.set()
    await asyncio.gather(*sessions)
    load.wall = time.perf_counter() - started
    bot_cpu, own_cpu = cpu_seconds(bot) - bot_cpu, own_cpu_seconds() - own_cpu

    base, loaded = baseline.figures(first_name), load.figures(first_name)
    first_p50, first_p99 = f"{first_name}_p50_ms", f"{first_name}_p99_ms"
    return {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"python": sys.version.split()[0], "platform": platform.platform()},
        "members": len(members),
        "per_member": per_member,
        "baseline": base,
        "load": loaded,
        "ratios": {
            f"{first_name}_p50_load_over_solo": ratio(loaded[first_p50], base[first_p50]),
            f"{first_name}_p99_load_over_solo_p50": ratio(loaded[first_p99], base[first_p50]),
            "throughput_load_over_solo": ratio(loaded["per_s"], base["per_s"]),
        },
        # Where the time went under load: one core is 1.0 per second of wall time.
        "cpu_under_load": {
            "bot_process_cores": round(bot_cpu / load.wall, 2),
            "fake_and_load_generator_cores": round(own_cpu / load.wall, 2),
            "bot_cpu_ms_per_interaction": round(1000 * bot_cpu / max(1, len(load.answer)), 2),
        },
        "failure_examples": (baseline.failures + load.failures)[:5],
    }


class Fake(Protocol):
    async def start(self) -> None: ...

    async def stop(self) -> None: ...


async def measure_against(
    fake: Fake,
    make_bot: Callable[[Path], BotProcess],
    members: Sequence[Any],
    one: One,
    args: argparse.Namespace,
    *,
    first_name: str,
) -> dict[str, Any]:
    """Start the fake, then the bot process with its data in a temporary folder, measure,
    and stop both whatever happens."""
    await fake.start()
    try:
        with tempfile.TemporaryDirectory(prefix="preceptor-bench-") as folder:
            bot = make_bot(Path(folder))
            await bot.start()
            try:
                return await measure(
                    bot,
                    members,
                    one,
                    per_member=args.per_member,
                    solo=args.solo,
                    seed=args.seed,
                    first_name=first_name,
                )
            finally:
                await bot.stop()
    finally:
        await fake.stop()


def cpu_seconds(bot: BotProcess) -> float:
    """User + system CPU of the bot process so far (Linux /proc)."""
    assert bot.proc is not None
    fields = Path(f"/proc/{bot.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def own_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def ratio(a: float | None, b: float | None) -> float | None:
    return round(a / b, 2) if a and b else None


def main(
    description: str, name: str, run: Callable[[argparse.Namespace], Awaitable[dict[str, Any]]]
) -> None:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--members", type=int, default=200)
    parser.add_argument("--per-member", type=int, default=5)
    parser.add_argument("--solo", type=int, default=100, help="baseline interactions")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--no-json", action="store_true")
    args = parser.parse_args()
    result = asyncio.run(run(args))
    print(json.dumps(result, indent=2))
    if not args.no_json:
        RESULTS_DIR.mkdir(exist_ok=True)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
        (RESULTS_DIR / f"{name}-{stamp}.json").write_text(json.dumps(result, indent=2))

"""Coffee-chat pairing: `pair_members` against a seeded shuffle-and-pair, round after round.

    .venv/bin/python -m bench.pairing_bench [--sizes 20:40,21:25,100:110,300:40,1000:15]
                                            [--skip 0.1]

For each group size N:R it runs R consecutive rounds of N opted-in members twice, each
method feeding its own rounds back as history:

1. ours, `cogs.groups.pairing.pair_members` (seed = crc32 of the size and the round, as
   the groups feature does);
2. the baseline many coffee bots use: shuffle the members with a seeded RNG and pair
   them in order, the last three as a triple when the count is odd.

It prints, per method, the time per round (median and max, and the median ratio ours ÷
baseline in the same run), the first round with a repeated pair and how many of the
group's pairs had met by then, repeats per round, and the most recent repeat (in rounds
since that pair last met). `--skip` makes a share of the members sit a round out, drawn
afresh each round. It asserts nothing about timings: it is a measurement, not a test.
"""

from __future__ import annotations

import argparse
import itertools
import platform
import random
import statistics
import sys
import time
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import ortools

from cogs.groups.pairing import pair_members

Groups = list[tuple[str, ...]]
Pairer = Callable[[list[str], dict[frozenset[str], int], int, int], Groups]


def ours(
    members: list[str], history: dict[frozenset[str], int], round_no: int, seed: int
) -> Groups:
    return pair_members(members, history=history, excluded=(), round_no=round_no, seed=seed).groups


def shuffled(
    members: list[str], history: dict[frozenset[str], int], round_no: int, seed: int
) -> Groups:
    """The baseline: a seeded shuffle, paired in order; an odd one out joins the last pair."""
    order = sorted(members)
    random.Random(seed).shuffle(order)
    groups = [tuple(order[k : k + 2]) for k in range(0, len(order) - 1, 2)]
    if len(order) % 2 and groups:
        groups[-1] = (*groups[-1], order[-1])
    return groups


@dataclass
class Run:
    """One method's rounds on one group."""

    name: str
    seconds: list[float] = field(default_factory=list)
    repeats: list[int] = field(default_factory=list)
    ages: list[int] = field(default_factory=list)  # of every repeated pair, in rounds
    first_repeat: int | None = None
    met_before_first: int = 0


def simulate(name: str, pairer: Pairer, n: int, rounds: int, skip: float) -> Run:
    members = [f"member-{i:04d}" for i in range(n)]
    sitting_out = random.Random(n)  # the same absences for both methods
    history: dict[frozenset[str], int] = {}
    run = Run(name)
    for round_no in range(1, rounds + 1):
        present = [m for m in members if sitting_out.random() >= skip]
        seed = zlib.crc32(f"{n}:{round_no}".encode())
        started = time.perf_counter()
        groups = pairer(present, history, round_no, seed)
        run.seconds.append(time.perf_counter() - started)
        placed = sorted(m for g in groups for m in g)
        if placed != sorted(present):
            raise RuntimeError(f"{name} did not place every member once in round {round_no}")
        pairs = [frozenset(p) for g in groups for p in itertools.combinations(g, 2)]
        ages = [round_no - history[p] for p in pairs if p in history]
        run.repeats.append(len(ages))
        run.ages.extend(ages)
        if ages and run.first_repeat is None:
            run.first_repeat, run.met_before_first = round_no, len(history)
        history.update((p, round_no) for p in pairs)
    return run


def report(n: int, rounds: int, skip: float, runs: list[Run]) -> None:
    total = n * (n - 1) // 2
    absent = f", {skip:.0%} sit out each round" if skip else ""
    print(f"\n{n} members, {rounds} rounds{absent} ({total:,} possible pairs)")
    print(
        f"  {'method':<16} {'median/round':>12} {'mean/round':>11} {'max/round':>10}"
        f" {'first repeat':>13} {'pairs met by then':>18} {'repeats/round':>14}"
        f" {'most recent':>12}"
    )
    for run in runs:
        first = f"round {run.first_repeat}" if run.first_repeat else f"none in {rounds}"
        met = run.met_before_first if run.first_repeat else None
        met_text = f"{met:,} ({met / total:.0%})" if met is not None else "-"
        recent = f"{min(run.ages)} rounds" if run.ages else "-"
        print(
            f"  {run.name:<16} {_ms(statistics.median(run.seconds)):>12}"
            f" {_ms(statistics.mean(run.seconds)):>11} {_ms(max(run.seconds)):>10}"
            f" {first:>13} {met_text:>18}"
            f" {statistics.mean(run.repeats):>14.2f} {recent:>12}"
        )
    median, mean = (
        statistics.median(runs[0].seconds) / statistics.median(runs[1].seconds),
        statistics.mean(runs[0].seconds) / statistics.mean(runs[1].seconds),
    )
    print(f"  ratio ours ÷ baseline, time per round: median {median:,.0f}, mean {mean:,.0f}")


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:,.2f} ms" if seconds < 1 else f"{seconds:,.2f} s"


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.pairing_bench", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument(
        "--sizes",
        default="20:40,21:25,100:110,300:40,1000:15",
        help="MEMBERS:ROUNDS, comma-separated",
    )
    parser.add_argument(
        "--skip", type=float, default=0.0, help="share of members sitting out each round"
    )
    args = parser.parse_args(argv)
    try:
        args.sizes = [tuple(int(v) for v in s.split(":")) for s in args.sizes.split(",") if s]
    except ValueError as exc:
        parser.error(str(exc))
    if any(len(s) != 2 or s[0] < 2 or s[1] < 1 for s in args.sizes):
        parser.error("--sizes are MEMBERS:ROUNDS with at least 2 members and 1 round")
    if not 0 <= args.skip < 1:
        parser.error("--skip must be in [0, 1)")
    return args


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    print(
        f"Python {sys.version.split()[0]}, OR-tools {ortools.__version__}, "
        f"{platform.machine()}, {platform.system()}"
    )
    for n, rounds in args.sizes:
        runs = [
            simulate("ours", ours, n, rounds, args.skip),
            simulate("shuffle-and-pair", shuffled, n, rounds, args.skip),
        ]
        report(n, rounds, args.skip, runs)


if __name__ == "__main__":
    main()

"""Mentor matching: OR-tools min-cost flow with a fairness term against greedy and stable.

    .venv/bin/python -m bench.matching_bench [--sizes 1000x300,10000x3000,50000x10000]

For each community size and each demand (the share of the community's mentees asking for
a mentor this round) it generates a seeded community with an identity structure that
reproduces the minority tax, and runs on the same problem:

1. our matcher, `assign(problem)` with `DEFAULT_FAIRNESS` (and any `--sweep` weights);
2. our matcher with `fairness=0`: the plain optimum, the reference for total fit;
3. greedy best-first: pairs by score, best first, taken when both sides are free;
4. stable matching: mentee-proposing deferred acceptance with capacities, mentors
   ranking mentees by score.

It prints one table per problem (time, fit ÷ optimum, load ÷ capacity, unmatched mentees,
identity mentors at full capacity) and writes the figures as JSON to bench/results/
(git-ignored). It asserts nothing about timings: it is a measurement, not a test.
"""

from __future__ import annotations

import argparse
import heapq
import json
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import ortools

from cogs.mentorship.matching import (
    DEFAULT_FAIRNESS,
    MatchProblem,
    assign,
    gini,
    load_ratio,
    matched_count,
    total_fit,
)

RESULTS_DIR = Path(__file__).resolve().parent / "results"

# The score model: integer points, the way the lead's scorer adds up matched criteria.
SPECIALTIES = 12
REGIONS = 4
STAGES = 4  # a mentor fits a mentee's stage best one or two stages ahead
SPECIALTY_POINTS = 40
STAGE_POINTS = 20
REGION_POINTS = 10
INTEREST_POINTS = 3  # per shared interest, 0-5 of them
BASE_POINTS = 5


@dataclass(frozen=True)
class Community:
    problem: MatchProblem
    mentor_identity: np.ndarray  # bool per mentor: in the identity group
    mentee_identity: np.ndarray  # bool per mentee
    size: str
    demand: float


def generate(
    n_mentees: int,
    n_mentors: int,
    *,
    demand: float,
    k: int,
    identity_mentors: float,
    identity_mentees: float,
    identity_bonus: int,
    existing_load: float,
    seed: int,
) -> Community:
    """A seeded community; only `demand` of its mentees ask this round.

    Every mentor offers 1-5 slots and already carries Binomial(capacity, existing_load)
    mentees. Each asking mentee has about k candidate mentors, drawn uniformly. A pair's
    fit is integer points: specialty, stage and region matches, shared interests, and
    `identity_bonus` when both are in the identity group.
    """
    rng = np.random.default_rng(seed)
    capacity = rng.integers(1, 6, n_mentors)
    load = np.minimum(rng.binomial(capacity, existing_load), capacity)
    remaining = capacity - load
    mentor_identity = rng.random(n_mentors) < identity_mentors
    mentor_specialty = rng.integers(0, SPECIALTIES, n_mentors)
    mentor_region = rng.integers(0, REGIONS, n_mentors)
    mentor_stage = rng.integers(1, STAGES + 1, n_mentors)

    n = max(1, round(n_mentees * demand))  # the mentees asking now
    mentee_identity = rng.random(n) < identity_mentees
    mentee_specialty = rng.integers(0, SPECIALTIES, n)
    mentee_region = rng.integers(0, REGIONS, n)
    mentee_stage = rng.integers(0, STAGES, n)

    # k candidates per mentee, drawn with replacement, duplicates dropped: about k each.
    k = min(k, n_mentors)
    drawn = np.sort(rng.integers(0, n_mentors, (n, k)), axis=1)
    fresh = np.ones_like(drawn, dtype=bool)
    fresh[:, 1:] = drawn[:, 1:] != drawn[:, :-1]
    mentee = np.repeat(np.arange(n), k)[fresh.ravel()]
    mentor = drawn.ravel()[fresh.ravel()]

    gap = mentor_stage[mentor] - mentee_stage[mentee]
    score = (
        BASE_POINTS
        + SPECIALTY_POINTS * (mentor_specialty[mentor] == mentee_specialty[mentee])
        + STAGE_POINTS * ((gap >= 1) & (gap <= 2))
        + REGION_POINTS * (mentor_region[mentor] == mentee_region[mentee])
        + INTEREST_POINTS * rng.binomial(5, 0.3, mentee.size)
        + identity_bonus * (mentor_identity[mentor] & mentee_identity[mentee])
    )
    problem = MatchProblem(
        n_mentees=n,
        remaining=remaining,
        capacity=capacity,
        mentee=mentee,
        mentor=mentor,
        score=score.astype(np.int64),
    )
    return Community(problem, mentor_identity, mentee_identity, f"{n_mentees}x{n_mentors}", demand)


# ----- the baselines ----------------------------------------------------------------------


def _tiebreak(problem: MatchProblem, seed: int) -> np.ndarray:
    """A seeded random rank per pair, so ties are not broken by index (which would pile
    load onto the lowest-numbered mentors and flatter or wrong the baselines)."""
    return np.random.default_rng(seed).permutation(problem.mentee.size)


def greedy(problem: MatchProblem, seed: int) -> np.ndarray:
    """Best-first: pairs by score (ties at random), taken while both sides are free."""
    order = np.lexsort((_tiebreak(problem, seed), -problem.score))
    remaining = problem.remaining.tolist()
    result = [-1] * problem.n_mentees
    mentees, mentors = problem.mentee[order].tolist(), problem.mentor[order].tolist()
    for i, j in zip(mentees, mentors, strict=True):
        if result[i] < 0 and remaining[j] > 0:
            result[i] = j
            remaining[j] -= 1
    return np.asarray(result, dtype=np.int64)


def stable(problem: MatchProblem, seed: int) -> np.ndarray:
    """Mentee-proposing deferred acceptance with capacities.

    Mentees propose down their list (score, ties at random); a mentor holds its best
    `remaining` proposals by score (the same tie-break) and rejects the rest.
    """
    rank = _tiebreak(problem, seed)
    order = np.lexsort((rank, -problem.score, problem.mentee))  # per mentee, best first
    mentors = problem.mentor[order].tolist()
    scores = problem.score[order].tolist()
    ranks = rank[order].tolist()
    starts = np.searchsorted(problem.mentee[order], np.arange(problem.n_mentees + 1)).tolist()
    nxt = starts[:-1]
    remaining = problem.remaining.tolist()
    held: list[list[tuple[int, int, int]]] = [[] for _ in remaining]  # min-heaps
    result = [-1] * problem.n_mentees
    free = [i for i in range(problem.n_mentees) if starts[i] < starts[i + 1]]
    while free:
        i = free.pop()
        while nxt[i] < starts[i + 1]:
            e = nxt[i]
            nxt[i] += 1
            j = mentors[e]
            if remaining[j] == 0:
                continue
            offer = (scores[e], -ranks[e], i)
            heap = held[j]
            if len(heap) < remaining[j]:
                heapq.heappush(heap, offer)
                result[i] = j
                break
            if offer > heap[0]:
                loser = heapq.heapreplace(heap, offer)[2]
                result[loser] = -1
                free.append(loser)
                result[i] = j
                break
    return np.asarray(result, dtype=np.int64)


# ----- measuring --------------------------------------------------------------------------


def timed(run: Callable[[], np.ndarray], repeats: int) -> tuple[np.ndarray, float, list[float]]:
    """Run `repeats` times; the median time is the figure. Results must agree."""
    times: list[float] = []
    result: np.ndarray | None = None
    for _ in range(repeats):
        started = time.perf_counter()
        out = run()
        times.append(time.perf_counter() - started)
        if result is not None and not np.array_equal(result, out):
            raise RuntimeError("a matcher gave two different answers to the same problem")
        result = out
    assert result is not None
    return result, statistics.median(times), times


def measure(
    community: Community, assignment: np.ndarray, optimum_fit: int, best_matched: int
) -> dict[str, Any]:
    problem = community.problem
    ratio = load_ratio(problem, assignment)
    full = ratio >= 1.0
    ident = community.mentor_identity
    usable = problem.remaining[problem.mentor] > 0
    askers_with_room = np.zeros(problem.n_mentees, dtype=bool)
    askers_with_room[problem.mentee[usable]] = True
    matched = matched_count(assignment)
    fit = total_fit(problem, assignment)
    return {
        "fit": fit,
        "fit_ratio": fit / optimum_fit if optimum_fit else 1.0,
        "matched": matched,
        "unmatched_with_feasible_mentor": int(
            np.count_nonzero(askers_with_room & (assignment < 0))
        ),
        "short_of_max_matching": best_matched - matched,
        "max_load_ratio": float(ratio.max()) if ratio.size else 0.0,
        "gini_load_ratio": gini(ratio),
        "identity_full_share": float(full[ident].mean()) if ident.any() else 0.0,
        "others_full_share": float(full[~ident].mean()) if (~ident).any() else 0.0,
        "identity_mean_load_ratio": float(ratio[ident].mean()) if ident.any() else 0.0,
        "others_mean_load_ratio": float(ratio[~ident].mean()) if (~ident).any() else 0.0,
    }


def bench_one(community: Community, args: argparse.Namespace) -> dict[str, Any]:
    problem = community.problem
    n = problem.n_mentees
    repeats = args.repeats if n <= args.repeat_up_to else 1
    fast: list[tuple[str, Callable[[], np.ndarray]]] = [
        ("plain optimum (fairness=0)", lambda: assign(problem, 0.0)),
        (f"ours (fairness={DEFAULT_FAIRNESS:g}, default)", lambda: assign(problem)),
    ]
    for weight in args.sweep:
        fast.append((f"ours (fairness={weight:g})", partial(assign, problem, weight)))
    rows: list[tuple[str, np.ndarray, float, list[float]]] = []
    for name, run in fast:
        print(f"  {name} ...", flush=True)
        rows.append((name, *timed(run, repeats)))
    if n <= args.baselines_up_to:
        for name, base in (("greedy best-first", greedy), ("stable (mentee-proposing)", stable)):
            print(f"  {name} ...", flush=True)
            rows.append((name, *timed(partial(base, problem, args.seed), repeats)))
    optimum = rows[0][1]
    optimum_fit, best_matched = total_fit(problem, optimum), matched_count(optimum)
    methods = []
    for name, assignment, median_s, times in rows:
        check(problem, assignment)
        figures = measure(community, assignment, optimum_fit, best_matched)
        methods.append({"method": name, "seconds": median_s, "runs": times, **figures})
    slots = int(problem.remaining.sum())
    return {
        "size": community.size,
        "demand": community.demand,
        "mentees_asking": n,
        "mentors": problem.n_mentors,
        "pairs": int(problem.mentee.size),
        "free_slots": slots,
        "identity_mentors": int(community.mentor_identity.sum()),
        "identity_mentees": int(community.mentee_identity.sum()),
        "repeats": repeats,
        "baselines": n <= args.baselines_up_to,
        "methods": methods,
    }


def check(problem: MatchProblem, assignment: np.ndarray) -> None:
    """Every matcher's answer must be a valid assignment (total_fit checks the pairs)."""
    total_fit(problem, assignment)
    used = np.bincount(assignment[assignment >= 0], minlength=problem.n_mentors)
    if np.any(used > problem.remaining):
        raise RuntimeError("an assignment exceeds a mentor's remaining capacity")


# ----- the report -------------------------------------------------------------------------


def machine() -> dict[str, Any]:
    return {
        "nproc": os.cpu_count(),
        "usable_cpus": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "python": sys.version.split()[0],
        "numpy": np.__version__,
        "ortools": ortools.__version__,
        "platform": platform.platform(),
    }


def report(result: dict[str, Any]) -> None:
    print()
    print(
        f"{result['size']}, demand {result['demand']:g}: {result['mentees_asking']:,} mentees "
        f"asking, {result['mentors']:,} mentors with {result['free_slots']:,} free slots, "
        f"{result['pairs']:,} pairs; identity group {result['identity_mentors']} mentors, "
        f"{result['identity_mentees']} mentees; median of {result['repeats']} run(s)"
    )
    header = (
        f"  {'method':<30} {'time s':>8} {'fit/opt':>8} {'matched':>8} {'unm.feas':>8} {'short':>5}"
        f" {'max L/C':>7} {'Gini L/C':>8} {'id full':>7} {'oth full':>8}"
    )
    print(header)
    for m in result["methods"]:
        print(
            f"  {m['method']:<30} {m['seconds']:>8.3f} {m['fit_ratio']:>8.4f} {m['matched']:>8,}"
            f" {m['unmatched_with_feasible_mentor']:>8,} {m['short_of_max_matching']:>5,}"
            f" {m['max_load_ratio']:>7.2f}"
            f" {m['gini_load_ratio']:>8.4f} {m['identity_full_share']:>7.1%}"
            f" {m['others_full_share']:>8.1%}"
        )
    if not result["baselines"]:
        print("  (greedy and stable skipped at this size: pure Python, see --baselines-up-to)")


def scipy_line(community: Community) -> str:
    """One comparison with SciPy's dense assignment solver, when SciPy happens to be there.

    SciPy is not a project dependency. Each free slot becomes a column; pairs that do not
    exist score 0 and are dropped from the answer, so this is the plain optimum only.
    """
    try:
        from scipy.optimize import (  # type: ignore[import-untyped, import-not-found, unused-ignore]
            linear_sum_assignment,
        )
    except ImportError:
        return "scipy: not importable here, comparison skipped"
    p = community.problem
    slot_owner = np.repeat(np.arange(p.n_mentors), p.remaining)
    first = np.cumsum(p.remaining) - p.remaining
    started = time.perf_counter()
    weights = np.zeros((p.n_mentees, slot_owner.size))
    for offset in range(int(p.remaining.max(initial=0))):  # at most 5 passes, not per edge
        room = p.remaining[p.mentor] > offset
        weights[p.mentee[room], first[p.mentor[room]] + offset] = p.score[room]
    rows, cols = linear_sum_assignment(weights, maximize=True)
    fit = int(weights[rows, cols].sum())
    seconds = time.perf_counter() - started
    return f"scipy linear_sum_assignment (dense, slots as columns): {seconds:.3f} s, fit {fit:,}"


def parse_size(text: str) -> tuple[int, int]:
    mentees, _, mentors = text.lower().partition("x")
    return int(mentees), int(mentors)


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.matching_bench", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument(
        "--sizes",
        default="1000x300,10000x3000,50000x10000",
        help="communities as MENTEESxMENTORS, comma-separated",
    )
    parser.add_argument(
        "--demand",
        default="1,0.5",
        help="shares of the mentees asking this round, comma-separated",
    )
    parser.add_argument("--k", type=int, default=50, help="candidate mentors per mentee")
    parser.add_argument("--identity-mentors", type=float, default=0.15)
    parser.add_argument("--identity-mentees", type=float, default=0.30)
    parser.add_argument(
        "--identity-bonus", type=int, default=25, help="points for a shared identity"
    )
    parser.add_argument(
        "--existing-load",
        type=float,
        default=0.0,
        help="mean share of each mentor's capacity already in use (Binomial)",
    )
    parser.add_argument(
        "--sweep", default="2,16", help="other fairness weights to run, comma-separated"
    )
    parser.add_argument("--repeats", type=int, default=5, help="runs per method; median is shown")
    parser.add_argument(
        "--repeat-up-to", type=int, default=10_000, help="larger problems run once per method"
    )
    parser.add_argument(
        "--baselines-up-to",
        type=int,
        default=50_000,
        help="skip greedy and stable (pure Python) for more asking mentees than this",
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", type=Path, default=None, help="where to write the JSON")
    parser.add_argument("--no-json", action="store_true", help="do not write JSON")
    args = parser.parse_args(argv)
    try:
        args.sizes = [parse_size(s) for s in args.sizes.split(",") if s]
        args.demand = [float(d) for d in args.demand.split(",") if d]
        args.sweep = [float(w) for w in args.sweep.split(",") if w]
    except ValueError as exc:
        parser.error(str(exc))
    if any(a < 1 or b < 1 for a, b in args.sizes):
        parser.error("--sizes need at least 1 mentee and 1 mentor")
    if any(not 0 < d <= 1 for d in args.demand):
        parser.error("--demand must be in (0, 1]")
    if args.repeats < 1 or args.k < 1:
        parser.error("--repeats and --k must be at least 1")
    return args


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    results = []
    for n_mentees, n_mentors in args.sizes:
        for demand in args.demand:
            print(f"{n_mentees}x{n_mentors}, demand {demand:g}: generating ...", flush=True)
            community = generate(
                n_mentees,
                n_mentors,
                demand=demand,
                k=args.k,
                identity_mentors=args.identity_mentors,
                identity_mentees=args.identity_mentees,
                identity_bonus=args.identity_bonus,
                existing_load=args.existing_load,
                seed=args.seed,
            )
            result = bench_one(community, args)
            report(result)
            results.append(result)
            if n_mentees == args.sizes[0][0] and demand == args.demand[0]:
                line = scipy_line(community)
                print(f"  {line}")
                result["scipy"] = line
            print()
    payload = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": " ".join(
            [Path(sys.executable).name, "-m", "bench.matching_bench", *sys.argv[1:]]
        ),
        "machine": machine(),
        "default_fairness": DEFAULT_FAIRNESS,
        "settings": {
            key: value for key, value in vars(args).items() if key not in ("json", "no_json")
        },
        "results": results,
    }
    if not args.no_json:
        target = args.json or RESULTS_DIR / (
            f"matching_bench-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.json"
        )
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
        print(f"wrote {target}")


if __name__ == "__main__":
    main()

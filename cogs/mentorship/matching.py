"""The optimisation core of mentor matching: who gets which mentor, as a min-cost flow.

Pure: no I/O, no platform, no database. The caller scores each feasible (mentee, mentor)
pair with an integer fit > 0 and says how many free slots each mentor has; `assign`
returns one mentor per mentee (or -1).

The network, one unit of flow per matched mentee::

    source --(1, 0)--> mentee --(1, top - fit)--> mentor --(1, slot cost)--> sink
                                                         (one arc per free slot)

Solved with OR-tools' `SimpleMinCostFlow.solve_max_flow_with_min_cost`, so:

1. **Cardinality first.** The flow is a maximum flow: no assignment matches more
   mentees. Fit and fairness only choose among maximum-cardinality assignments, so no
   weight can leave a mentee without a mentor to make someone else's match better.
   (The alternative, a large per-match bonus, needs a bonus bigger than any path's cost,
   which widens the cost range and made the solver about 1.6x slower in our tests.)
2. **Then total fit minus the fairness cost.** The arc cost of a pair is `top - fit`
   (`top` = the largest fit in the problem), so costs are >= 0 and, with the number of
   matches fixed, the least cost is the greatest total fit.
3. **Fairness: convex per-slot costs.** A mentor with `load` mentees already (capacity
   minus remaining) pays `fairness * u**2` points for its k-th new slot, where
   `u = (load + k) / capacity`. The cost grows with the mentor's share of capacity in use,
   so the cheapest slots are always taken first and the solver spreads mentees across
   mentors, by load ÷ capacity, whenever fits are close. `fairness` is in fit points: a
   mentee moves from a full mentor to an empty one only if it loses less than about
   `fairness` points of fit. With `fairness=0` each mentor has one arc of its whole
   remaining capacity at cost 0, and the result is a maximum-fit assignment.

Costs are integers (OR-tools uses int64): fits are exact points times `_SCALE`, and slot
costs are rounded to 1/`_SCALE` of a point. Rounding an increasing function keeps the slot
costs non-decreasing, so the flow stays optimal for the rounded convex costs. The bounds
`MAX_SCORE` and `MAX_FAIRNESS` keep every cost far from int64 overflow, including the
solver's internal scaling (costs times the number of nodes).

Determinism: the edges are deduplicated (a repeated pair keeps its best fit) and sorted
by (mentee, mentor) before the network is built, and the solver is single-threaded and
deterministic, so the same problem gives the same assignment whatever the order of its
edges.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt
from ortools.graph.python import min_cost_flow

__all__ = [
    "DEFAULT_FAIRNESS",
    "MAX_FAIRNESS",
    "MAX_SCORE",
    "MatchProblem",
    "assign",
    "gini",
    "load_ratio",
    "matched_count",
    "total_fit",
]

IntArray = npt.NDArray[np.int64]

# In fit points: the cost of the slot that fills a mentor. Chosen with bench.matching_bench
# (see bench/README.md): on integer scores like the lead's it keeps >= 99.9 % of the best
# total fit while filling fewer identity-group mentors than the plain optimum, greedy or
# stable matching. Larger weights spread more but cost fit quickly (16: about 99.1 %).
DEFAULT_FAIRNESS: Final[float] = 4.0

MAX_SCORE: Final = 1_000_000  # < 2**20, which the edge sort relies on
MAX_FAIRNESS: Final = 1_000_000.0
# Slot costs are rounded to 1/_SCALE of a fit point. (MAX_SCORE + MAX_FAIRNESS) * _SCALE
# is about 2e9, and the solver multiplies costs by the number of nodes (< 2**31), so every
# cost it handles stays below about 4.3e18 < 2**63.
_SCALE: Final = 1_000


@dataclass(frozen=True)
class MatchProblem:
    """One matching round: mentees, mentors' free slots, and the feasible scored pairs.

    Mentors and mentees are numbered from 0. `mentee`, `mentor` and `score` are an edge
    list: one entry per feasible pair. A pair listed twice keeps its best score. Arrays
    are converted with `np.asarray` and checked here; a bad problem raises ValueError.
    """

    n_mentees: int
    remaining: np.ndarray  # int, per mentor: free slots now (>= 0)
    capacity: np.ndarray  # int, per mentor: full capacity (>= remaining, >= 1)
    mentee: np.ndarray  # int, edge list: mentee index of each feasible pair
    mentor: np.ndarray  # int, edge list: mentor index
    score: np.ndarray  # int > 0, fit of the pair

    def __post_init__(self) -> None:
        if isinstance(self.n_mentees, bool) or not isinstance(self.n_mentees, int | np.integer):
            raise ValueError(f"n_mentees must be an int, not {type(self.n_mentees).__name__}")
        if self.n_mentees < 0:
            raise ValueError(f"n_mentees must be >= 0, not {self.n_mentees}")
        for name in ("remaining", "capacity", "mentee", "mentor", "score"):
            object.__setattr__(self, name, _int_vector(name, getattr(self, name)))
        n_mentors = self.remaining.size
        if self.capacity.size != n_mentors:
            raise ValueError(
                f"remaining and capacity must have one entry per mentor: "
                f"{n_mentors} != {self.capacity.size}"
            )
        if not (self.mentee.size == self.mentor.size == self.score.size):
            raise ValueError(
                "mentee, mentor and score must have one entry per pair: "
                f"{self.mentee.size}, {self.mentor.size}, {self.score.size}"
            )
        _check_range("capacity", self.capacity, 1, None)
        _check_range("remaining", self.remaining, 0, None)
        if np.any(self.remaining > self.capacity):
            raise ValueError("remaining must not exceed capacity")
        _check_range("mentee", self.mentee, 0, self.n_mentees - 1)
        _check_range("mentor", self.mentor, 0, n_mentors - 1)
        _check_range("score", self.score, 1, MAX_SCORE)

    @property
    def n_mentors(self) -> int:
        """How many mentors the problem has (the length of `remaining`)."""
        return int(self.remaining.size)

    @property
    def load(self) -> IntArray:
        """Mentees each mentor already has: capacity - remaining."""
        return np.asarray(self.capacity - self.remaining, dtype=np.int64)


def _int_vector(name: str, value: object) -> IntArray:
    array = np.asarray(value)
    if array.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional, not of shape {array.shape}")
    if array.size == 0:
        return np.zeros(0, dtype=np.int64)  # np.asarray([]) is float64
    if not np.issubdtype(array.dtype, np.integer):
        raise ValueError(f"{name} must hold integers, not {array.dtype}")
    if array.dtype == np.uint64 and array.max() > np.iinfo(np.int64).max:
        raise ValueError(f"{name} holds values too large for int64")
    return np.ascontiguousarray(array, dtype=np.int64)


def _check_range(name: str, array: IntArray, low: int, high: int | None) -> None:
    if array.size == 0:
        return
    smallest, largest = int(array.min()), int(array.max())
    if smallest < low:
        raise ValueError(f"{name} must be >= {low}, found {smallest}")
    if high is not None and largest > high:
        raise ValueError(f"{name} must be <= {high}, found {largest}")


def assign(problem: MatchProblem, fairness: float = DEFAULT_FAIRNESS) -> np.ndarray:
    """Mentor index for each mentee, -1 when unmatched.

    Matches as many mentees as any assignment can; among those assignments, maximises
    total fit minus the fairness cost (`fairness * ((load + k) / capacity)**2` fit points
    for each mentor's k-th new slot). With `fairness=0` the total fit is the maximum.
    Never exceeds a mentor's `remaining`, uses only the given pairs, and gives each mentee
    at most one mentor. Raises ValueError for a bad `fairness`.
    """
    if isinstance(fairness, bool) or not isinstance(fairness, int | float | np.number):
        raise ValueError(f"fairness must be a number, not {type(fairness).__name__}")
    fairness = float(fairness)
    if not math.isfinite(fairness) or not 0.0 <= fairness <= MAX_FAIRNESS:
        raise ValueError(f"fairness must be finite and in [0, {MAX_FAIRNESS:g}], not {fairness}")

    n, m = problem.n_mentees, problem.n_mentors
    result = np.full(n, -1, dtype=np.int64)
    mentee, mentor, score = _usable_edges(problem)
    if mentee.size == 0:
        return result

    # Nodes: mentees 0..n-1, mentors n..n+m-1, then the source and the sink.
    source, sink = n + m, n + m + 1
    if source + 1 >= np.iinfo(np.int32).max:
        raise ValueError("too many mentees and mentors for one problem")
    scale = _SCALE if fairness > 0 else 1  # no rounding to do without fairness: exact fits
    top = int(score.max())
    flow = min_cost_flow.SimpleMinCostFlow()

    # Pair arcs first, so their arc ids are 0..E-1 for reading the flows back.
    n_pairs = mentee.size
    flow.add_arcs_with_capacity_and_unit_cost(
        mentee.astype(np.int32),
        (mentor + n).astype(np.int32),
        np.ones(n_pairs, dtype=np.int64),
        (top - score) * scale,
    )

    # Source arcs only for mentees with a usable pair (mentee is sorted).
    starts = np.flatnonzero(np.diff(mentee, prepend=-1))
    askers = mentee[starts]
    flow.add_arcs_with_capacity_and_unit_cost(
        np.full(askers.size, source, dtype=np.int32),
        askers.astype(np.int32),
        np.ones(askers.size, dtype=np.int64),
        np.zeros(askers.size, dtype=np.int64),
    )

    # Slot arcs only for mentors some usable pair reaches.
    reached = np.flatnonzero(np.bincount(mentor, minlength=m))
    free = problem.remaining[reached]
    if fairness > 0:
        slots = _slot_costs(problem, reached, fairness * scale)
        owner = np.repeat(reached, free)
        flow.add_arcs_with_capacity_and_unit_cost(
            (owner + n).astype(np.int32),
            np.full(owner.size, sink, dtype=np.int32),
            np.ones(owner.size, dtype=np.int64),
            slots,
        )
    else:
        flow.add_arcs_with_capacity_and_unit_cost(
            (reached + n).astype(np.int32),
            np.full(reached.size, sink, dtype=np.int32),
            free,
            np.zeros(reached.size, dtype=np.int64),
        )

    # Supply every asker; solve_max_flow_with_min_cost sends as much of it as can reach
    # the sink (the maximum matching), at the least cost among maximum flows.
    flow.set_node_supply(source, int(askers.size))
    flow.set_node_supply(sink, -int(askers.size))
    status = flow.solve_max_flow_with_min_cost()
    if status != min_cost_flow.SimpleMinCostFlow.OPTIMAL:
        raise RuntimeError(f"the min-cost flow solver failed: {status}")

    used = np.asarray(flow.flows(np.arange(n_pairs, dtype=np.int32))) > 0
    result[mentee[used]] = mentor[used]
    return result


def _usable_edges(problem: MatchProblem) -> tuple[IntArray, IntArray, IntArray]:
    """Pairs to mentors with room, one per (mentee, mentor) with its best score, sorted."""
    keep = problem.remaining[problem.mentor] > 0
    mentee, mentor, score = problem.mentee[keep], problem.mentor[keep], problem.score[keep]
    if mentee.size == 0:
        return mentee, mentor, score
    key = mentee * max(problem.n_mentors, 1) + mentor
    # Already sorted and unique (the usual case when the caller builds pairs per mentee):
    # skip the sort. Otherwise sort by key, best score first, and keep the first of each key.
    if mentee.size > 1 and not bool(np.all(key[1:] > key[:-1])):
        pairs = max(problem.n_mentees, 1) * max(problem.n_mentors, 1)
        if pairs < 2**42:  # one int64 sort key, (pair, best score first): 4x faster
            order = np.argsort(key * 2**20 + (MAX_SCORE - score))  # equal keys: same pair
        else:
            order = np.lexsort((-score, key))
        key, mentee, mentor, score = key[order], mentee[order], mentor[order], score[order]
        first = np.diff(key, prepend=-1) != 0
        mentee, mentor, score = mentee[first], mentor[first], score[first]
    return mentee, mentor, score


def _slot_costs(problem: MatchProblem, mentors: IntArray, weight: float) -> IntArray:
    """Cost of each free slot of `mentors`, in order: weight * ((load + k) / capacity)**2."""
    free = problem.remaining[mentors]
    total = int(free.sum())
    # k = 1..free for each mentor, without a Python loop: position minus the group start.
    first = np.repeat(np.cumsum(free) - free, free)
    k = np.arange(1, total + 1, dtype=np.int64) - first
    capacity = np.repeat(problem.capacity[mentors], free)
    load = np.repeat(problem.capacity[mentors] - free, free)
    share = (load + k) / capacity
    return np.asarray(np.rint(weight * share * share), dtype=np.int64)


def total_fit(problem: MatchProblem, assignment: np.ndarray) -> int:
    """Sum of the scores of the assigned pairs (the best score when a pair is listed twice).

    Raises ValueError if the assignment uses a pair the problem does not list.
    """
    assignment = np.asarray(assignment, dtype=np.int64)
    if assignment.shape != (problem.n_mentees,):
        raise ValueError(f"assignment must have shape ({problem.n_mentees},)")
    matched = np.flatnonzero(assignment >= 0)
    if matched.size == 0:
        return 0
    m = max(problem.n_mentors, 1)
    pair_key = problem.mentee * m + problem.mentor
    order = np.lexsort((-problem.score, pair_key))
    sorted_key, sorted_score = pair_key[order], problem.score[order]
    wanted = matched * m + assignment[matched]
    at = np.searchsorted(sorted_key, wanted)
    found = at < sorted_key.size
    found[found] = sorted_key[at[found]] == wanted[found]
    if not bool(np.all(found)):
        raise ValueError("the assignment uses a pair that is not in the problem")
    return int(sorted_score[at].sum())


def matched_count(assignment: np.ndarray) -> int:
    """How many mentees have a mentor (entries >= 0)."""
    return int(np.count_nonzero(np.asarray(assignment) >= 0))


def load_ratio(problem: MatchProblem, assignment: np.ndarray) -> npt.NDArray[np.float64]:
    """Per mentor, (existing load + newly assigned mentees) ÷ capacity after `assignment`."""
    assignment = np.asarray(assignment, dtype=np.int64)
    new = np.bincount(assignment[assignment >= 0], minlength=problem.n_mentors)
    return np.asarray((problem.load + new) / problem.capacity, dtype=np.float64)


def gini(values: np.ndarray) -> float:
    """Gini coefficient of non-negative values: 0 when all equal, near 1 when one has all.

    Uses the sorted-values formula G = sum_i (2i - n - 1) x_i / (n * sum x), i = 1..n.
    Returns 0.0 for an empty vector or one that is all zeros. Raises ValueError for
    negative or non-finite values.
    """
    x = np.sort(np.asarray(values, dtype=np.float64).ravel())
    if x.size == 0:
        return 0.0
    if not bool(np.all(np.isfinite(x))) or x[0] < 0:
        raise ValueError("gini needs finite, non-negative values")
    total = float(x.sum())
    if total == 0.0:
        return 0.0
    n = x.size
    ranks = np.arange(1, n + 1, dtype=np.float64)
    return float(np.dot(2 * ranks - n - 1, x) / (n * total))

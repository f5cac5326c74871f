"""Peer pairing ("coffee chats") for one round of a group: who meets whom.

Pure: no I/O, no platform, no database. `pair_members` puts the members who opted in into
pairs, with one triple when an odd number are placed, in this order of priority:

1. **Never an excluded pair** in the same group (a hard rule), and as few members
   unpaired as the exclusions allow. At most one triple, so a lone member joins a pair.
2. **As few repeats as possible.** A repeat is a pair that met before; a triple counts
   its three pairs.
3. **Among necessary repeats, the pairs that met longest ago.** A repeat whose last
   meeting was `age` rounds ago costs `ceil(4096 / age)`, summed over the round: meeting
   again after 1 round costs twice as much as after 2, so one very recent repeat is worse
   than two older ones. Beyond about 60 rounds, neighbouring ages may cost the same.
4. **Keep the rest of the round robin possible.** Choosing each round's pairs on their own
   can strand the group: in a group of 6, the third round's pairs can leave two fresh
   triangles, so the fourth round repeats a pair while 6 pairs never met. When all the
   rounds the fresh pairs can still fill fit `_LOOKAHEAD_BUDGET`, the solver plans them
   too and prefers a round that leaves them repeat-free. In our runs every even group
   tried (6 to 40 members, and 100 in the bench) met everyone before anyone met twice;
   odd groups of 7 to 13 had as many repeat-free rounds as their pairs allow (9: six
   rounds, all 36 pairs), 21 that many or one fewer (16-17), 31 fewer than the bound
   (22-23 of at most 27). `bench/pairing_bench.py` measures it.
5. **A seeded tie-break** among equally good rounds, so members do not always meet in
   the same order. Pass a stable seed, e.g. from `zlib.crc32` of the group id and the
   round; Python's `hash()` of a string changes between processes.

How: a seeded greedy round (the most constrained member first) is kept when it places
everyone with no repeat and there is nothing to plan ahead: no round can do better. Else
OR-tools CP-SAT solves it, with one boolean per allowed pair (all of them up to
`_FULL_EDGES` allowed pairs, else each member's `_SPARSE_K` cheapest partners plus the
greedy's), the greedy round as a hint, one worker and a deterministic time limit, so the
same inputs give the same answer on the same OR-tools version. The priorities are integer
weights far enough apart that each dominates all those after it; a plan is a second solve,
held to the first's cost. With all pairs in the model, priorities 1-3 are optimal (the
tests check it by brute force); the sparse model of a large group is a heuristic, and a
solve that finds nothing in time returns the greedy round.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

import numpy as np
import numpy.typing as npt
from ortools.sat.python import cp_model

__all__ = ["Pairing", "pair_members"]

IntMatrix = npt.NDArray[np.int64]
BoolMatrix = npt.NDArray[np.bool_]
Group = tuple[int, ...]

_RECENCY: Final = 4096  # a repeat after `age` rounds costs ceil(_RECENCY / age)
_TIE_LEVELS: Final = 16  # the seeded tie-break is 0.._TIE_LEVELS-1 per pair
_FULL_EDGES: Final = 20_000  # up to this many allowed pairs the model has them all
_SPARSE_K: Final = 12  # else each member's cheapest partners
_LOOKAHEAD_BUDGET: Final = 4_000  # planned later rounds x fresh pairs, at most
# CP-SAT's deterministic time is close to seconds; the wall limit is only a safety net
# (reaching it would make the answer depend on the machine's speed).
_DETERMINISTIC_LIMIT: Final = 3.0
_WALL_LIMIT: Final = 20.0
_LARGEST_OBJECTIVE: Final = 2**56  # CP-SAT refused a model near 2**60 (3,000 members)


@dataclass(frozen=True, slots=True)
class Pairing:
    """One round: `groups` are pairs and at most one triple, each sorted, in sorted order.

    `unpaired` lists who could not be placed (exclusions, or a group of one); `repeats`
    counts the pairs inside `groups` that had met before (three for a repeated triple).
    """

    groups: list[tuple[str, ...]]
    unpaired: list[str]
    repeats: int


def pair_members(
    members: Sequence[str],
    *,
    history: Mapping[frozenset[str], int],
    excluded: Collection[frozenset[str]],
    round_no: int,
    seed: int,
) -> Pairing:
    """Pair `members` for round `round_no` (see the module docstring for the rules).

    `history` maps a pair to the last round it was grouped (a round >= `round_no` counts
    as the round before); `excluded` pairs are never grouped. Pairs naming someone not in
    `members` are ignored. The order of `members` does not matter. Raises ValueError for
    a repeated member or a pair that is not two distinct members.
    """
    ids = sorted(members)
    if len(set(ids)) != len(ids):
        raise ValueError("a member is listed twice")
    if len(ids) < 2:
        return Pairing([], ids, 0)
    problem = _Problem.build(ids, history, excluded, round_no, seed)
    groups = problem.solve()
    named = sorted(tuple(ids[i] for i in sorted(group)) for group in groups)
    placed = {i for group in groups for i in group}
    repeats = sum(int(problem.met[e]) for e in _pairs(groups))
    return Pairing(named, [ids[i] for i in range(len(ids)) if i not in placed], repeats)


@dataclass
class _Problem:
    """Members as indices 0..n-1 and the cost of grouping each pair."""

    n: int
    allowed: BoolMatrix  # may be grouped: not excluded, not the same member
    met: BoolMatrix  # grouped in some earlier round
    primary: IntMatrix  # 0 for a fresh pair, else a repeat's cost (priorities 2 and 3)
    tie: IntMatrix  # seeded, symmetric, 0.._TIE_LEVELS-1
    order: IntMatrix  # seeded rank of each member, for the greedy's ties
    unpaired_cost: int
    seed: int

    @classmethod
    def build(
        cls,
        ids: list[str],
        history: Mapping[frozenset[str], int],
        excluded: Collection[frozenset[str]],
        round_no: int,
        seed: int,
    ) -> _Problem:
        n = len(ids)
        index = {member: i for i, member in enumerate(ids)}
        allowed = ~np.eye(n, dtype=bool)
        for pair in excluded:
            ends = _ends(pair, index)
            if ends:
                allowed[ends] = allowed[ends[::-1]] = False
        # The most pairs a round can have: all placed, (n - 3) / 2 pairs and a triple's 3.
        most = n // 2 + 2
        repeat = most * _RECENCY + 1  # one repeat outweighs any recency a round can add
        met = np.zeros((n, n), dtype=bool)
        primary = np.zeros((n, n), dtype=np.int64)
        for pair, last in history.items():
            ends = _ends(pair, index)
            if ends:
                cost = repeat - (-_RECENCY // max(1, round_no - last))  # ceil division
                met[ends] = met[ends[::-1]] = True
                primary[ends] = primary[ends[::-1]] = cost
        # Zigzag maps every int, negative too, to a distinct seed for numpy.
        rng = np.random.default_rng(abs(seed) * 2 + (seed < 0))
        tie = np.triu(rng.integers(0, _TIE_LEVELS, (n, n), dtype=np.int64), 1)
        unpaired_cost = most * (repeat + _RECENCY) + 1  # outweighs every pair cost
        order = rng.permutation(n).astype(np.int64)
        return cls(n, allowed, met, primary, tie + tie.T, order, unpaired_cost, seed)

    def solve(self) -> list[Group]:
        greedy = _greedy(self.allowed, self.allowed & ~self.met, self.primary, self.tie, self.order)
        perfect = self.cost(greedy) == 0
        edges = self._candidates(greedy)
        ahead = self._lookahead(edges)
        if perfect and not ahead:
            return greedy  # no repeat, nobody unpaired, nothing to plan: nothing does better
        return _Solver(self, edges).run(greedy, perfect, ahead)

    def cost(self, groups: list[Group]) -> int:
        """Priorities 1-3 as one number (the tie-break not included)."""
        pairs = sum(int(self.primary[e]) for e in _pairs(groups))
        return pairs + self.unpaired_cost * (self.n - sum(len(g) for g in groups))

    def _candidates(self, greedy: list[Group]) -> list[tuple[int, int]]:
        """The pairs the model may use: all allowed ones, or the cheapest per member."""
        upper = np.triu(self.allowed, 1)
        if int(upper.sum()) <= _FULL_EDGES:
            rows, cols = np.nonzero(upper)
            return list(zip(rows.tolist(), cols.tolist(), strict=True))
        never = np.iinfo(np.int64).max
        key = np.where(self.allowed, self.primary * _TIE_LEVELS + self.tie, never)
        k = min(_SPARSE_K, self.n - 1)
        cheapest = np.argpartition(key, k - 1, axis=1)[:, :k]
        chosen = set(_pairs(greedy))
        for i, row in enumerate(cheapest.tolist()):
            chosen.update((min(i, j), max(i, j)) for j in row if self.allowed[i, j])
        return sorted(chosen)

    def _lookahead(self, edges: list[tuple[int, int]]) -> int:
        """How many later rounds to plan from the fresh pairs (0: none).

        All the rounds the fresh pairs can fill, or none: a plan of a few rounds of a
        dense graph always succeeds and only costs time (a second a round at 100
        members); strandings happen near the end, where the whole plan fits the budget.
        """
        allowed = int(np.triu(self.allowed, 1).sum())
        fresh = sum(1 for e in edges if not self.met[e])
        if len(edges) < allowed:
            return 0  # a sparse model cannot see the whole round robin
        if fresh == allowed == self.n * (self.n - 1) // 2:
            return 0  # nobody met and nobody excluded: every first round is alike
        per_round = self.n // 2 + (self.n % 2) * 2  # (n - 3) / 2 pairs and a triple's 3
        later = max(0, (fresh - per_round) // per_round)
        return later if later * fresh <= _LOOKAHEAD_BUDGET else 0


class _Solver:
    """The CP-SAT model of this round, and of planned later rounds of fresh pairs."""

    def __init__(self, problem: _Problem, edges: list[tuple[int, int]]) -> None:
        self.p = problem
        self.edges = edges
        self.model = cp_model.CpModel()
        # Triples are modelled when the group is odd or exclusions may strand someone.
        some_excluded = int(problem.allowed.sum()) < problem.n * (problem.n - 1)
        self.odd = problem.n % 2 == 1 or some_excluded
        self.x, self.lone = self._round(edges)
        self.primary = cp_model.LinearExpr.weighted_sum(
            [*self.x, *self.lone],
            [int(problem.primary[e]) for e in edges] + [problem.unpaired_cost] * problem.n,
        )
        # A round's tie-break adds at most `self.ties`; with one unit of what is weighed
        # above it worth more than twice that, a solution within `self.ties` of the bound
        # is proven best above the tie-break (see _solve). In groups of thousands that
        # would take the objective near int64's limits, so there the tie-break is left out.
        self.ties = (problem.n // 2 + 2) * (_TIE_LEVELS - 1)
        self.scale = 2 * self.ties + 1
        if problem.unpaired_cost * problem.n * self.scale > _LARGEST_OBJECTIVE:
            self.ties, self.scale = 0, 1
        weights = [int(problem.tie[e]) if self.ties else 0 for e in edges]
        self.tie = cp_model.LinearExpr.weighted_sum(self.x, weights)

    def run(self, greedy: list[Group], perfect: bool, ahead: int) -> list[Group]:
        """The best round (priorities 1-3), then within those the one that plans best."""
        self._hint(self.x, self.lone, self.edges, greedy)
        current = greedy
        if not perfect:
            self.model.minimize(self.primary * self.scale + self.tie)
            current = self._solve(gap=self.ties) or greedy
            if ahead:
                self.model.clear_hints()  # type: ignore[no-untyped-call]
                self._hint(self.x, self.lone, self.edges, current)
        if not ahead:
            return current
        self.model.add(self.primary <= self.p.cost(current))
        # The plan alone: a tie-break here made planning twice as slow, and the seeded
        # hint already varies the round.
        self.model.minimize(self._plan(current, ahead))
        return self._solve(gap=0) or current

    def _round(self, edges: list[tuple[int, int]]) -> tuple[list[Any], list[Any]]:
        """One round over `edges`: a boolean per pair, and per member one for unplaced."""
        model, n = self.model, self.p.n
        x = [model.new_bool_var("") for _ in edges]
        lone = [model.new_bool_var("") for _ in range(n)]
        touching: list[list[Any]] = [[] for _ in range(n)]
        for var, (a, b) in zip(x, edges, strict=True):
            touching[a].append(var)
            touching[b].append(var)
        if not self.odd:  # an even group that can pair everyone never needs a triple
            for i in range(n):
                model.add(sum(touching[i]) + lone[i] == 1)
            return x, lone
        # Degree 2 marks the triple's three members; a pair joins only members of the
        # same degree, so those three form a triangle.
        third = [model.new_bool_var("") for _ in range(n)]
        model.add(sum(third) == 3 * model.new_bool_var(""))
        for i in range(n):
            model.add(lone[i] + third[i] <= 1)
            model.add(sum(touching[i]) == 1 + third[i] - lone[i])
        for var, (a, b) in zip(x, edges, strict=True):
            model.add(third[a] == third[b]).only_enforce_if(var)
        return x, lone

    def _plan(self, current: list[Group], ahead: int) -> Any:
        """`ahead` later rounds of the fresh pairs; how many members they leave out.

        Each is hinted with a greedy round of the fresh pairs the rounds before it left.
        """
        p = self.p
        fresh = [k for k, e in enumerate(self.edges) if not p.met[e]]
        edges = [self.edges[k] for k in fresh]
        uses: list[list[Any]] = [[self.x[k]] for k in fresh]
        left = np.zeros((p.n, p.n), dtype=bool)
        for a, b in edges:
            left[a, b] = left[b, a] = True
        hint, zero = current, np.zeros((p.n, p.n), dtype=np.int64)
        stranded: list[Any] = []
        for _ in range(ahead):
            for a, b in _pairs(hint):
                left[a, b] = left[b, a] = False
            x, lone = self._round(edges)
            hint = _greedy(left, left, zero, p.tie, p.order)
            self._hint(x, lone, edges, hint)
            for used, var in zip(uses, x, strict=True):
                used.append(var)
            stranded.extend(lone)
        for used in uses:
            self.model.add_at_most_one(used)
        return sum(stranded)

    def _hint(
        self, x: list[Any], lone: list[Any], edges: list[tuple[int, int]], groups: list[Group]
    ) -> None:
        chosen = set(_pairs(groups))
        placed = {i for g in groups for i in g}
        for var, edge in zip(x, edges, strict=True):
            self.model.add_hint(var, edge in chosen)
        for i, var in enumerate(lone):
            self.model.add_hint(var, i not in placed)

    def _solve(self, gap: int) -> list[Group] | None:
        solver = cp_model.CpSolver()
        solver.parameters.num_workers = 1
        solver.parameters.random_seed = self.p.seed % 2**31
        solver.parameters.max_deterministic_time = _DETERMINISTIC_LIMIT
        solver.parameters.max_time_in_seconds = _WALL_LIMIT
        # With gap = ties, stop once what is above the tie-break is proven best: proving
        # the best tie-break too took seconds, and the one found varies enough.
        solver.parameters.absolute_gap_limit = gap
        status = solver.solve(self.model)
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return None
        return _groups([e for var, e in zip(self.x, self.edges, strict=True) if solver.value(var)])


def _greedy(
    usable: BoolMatrix, fresh: BoolMatrix, cost: IntMatrix, tie: IntMatrix, order: IntMatrix
) -> list[Group]:
    """A quick round over `usable` pairs.

    The member with the fewest fresh free partners (ties by `order`) takes the cheapest
    partner, the most constrained among equals; then one member left over joins the pair
    where it costs least.
    """
    n = usable.shape[0]
    free = np.ones(n, dtype=bool)
    options = fresh.sum(axis=1)
    groups: list[Group] = []
    left: list[int] = []
    for _ in range(n):
        waiting = np.flatnonzero(free)
        if waiting.size == 0:
            break
        i = int(waiting[np.lexsort((order[waiting], options[waiting]))[0]])
        free[i] = False
        partners = np.flatnonzero(free & usable[i])
        if partners.size == 0:
            left.append(i)
            continue
        j = int(partners[np.lexsort((tie[i, partners], options[partners], cost[i, partners]))[0]])
        free[j] = False
        options -= fresh[i].astype(np.int64) + fresh[j]
        groups.append((i, j))
    for x in left:  # one member left over may join a pair: at most one triple
        fits = [k for k, g in enumerate(groups) if usable[x, list(g)].all()]
        if fits:
            k = min(fits, key=lambda k: (int(cost[x, list(groups[k])].sum()), k))
            groups[k] = (*groups[k], x)
            break
    return groups


def _pairs(groups: list[Group]) -> list[tuple[int, int]]:
    """Every pair inside the groups, smaller index first (a triple has three)."""
    return [(min(a, b), max(a, b)) for g in groups for k, a in enumerate(g) for b in g[k + 1 :]]


def _groups(edges: list[tuple[int, int]]) -> list[Group]:
    """Pairs as they are; the three edges of a triangle as one triple."""
    degree: dict[int, int] = {}
    for a, b in edges:
        degree[a] = degree.get(a, 0) + 1
        degree[b] = degree.get(b, 0) + 1
    triple = tuple(sorted(i for i, d in degree.items() if d == 2))
    pairs: list[Group] = [e for e in edges if degree[e[0]] == 1]
    return pairs + ([triple] if triple else [])


def _ends(pair: frozenset[str], index: Mapping[str, int]) -> tuple[int, int] | None:
    """The pair's two indices, or None when someone in it is not a member this round."""
    if len(pair) != 2:
        raise ValueError(f"a pair must be two distinct members, not {sorted(pair)!r}")
    a, b = pair
    if a not in index or b not in index:
        return None
    return index[a], index[b]

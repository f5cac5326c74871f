"""The mentor-matching core: optimal, valid, fair where fits are close, deterministic."""

from __future__ import annotations

import itertools
import random

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cogs.mentorship.matching import (
    DEFAULT_FAIRNESS,
    MAX_FAIRNESS,
    MAX_SCORE,
    MatchProblem,
    assign,
    gini,
    load_ratio,
    matched_count,
    total_fit,
)


def problem(
    n_mentees: int,
    remaining: list[int],
    edges: list[tuple[int, int, int]],
    capacity: list[int] | None = None,
) -> MatchProblem:
    """edges: (mentee, mentor, score)."""
    mentee = [e[0] for e in edges]
    mentor = [e[1] for e in edges]
    score = [e[2] for e in edges]
    return MatchProblem(
        n_mentees=n_mentees,
        remaining=np.array(remaining, dtype=np.int64),
        capacity=np.array(capacity if capacity is not None else remaining, dtype=np.int64),
        mentee=np.array(mentee, dtype=np.int64),
        mentor=np.array(mentor, dtype=np.int64),
        score=np.array(score, dtype=np.int64),
    )


def random_problem(rng: random.Random, n: int, m: int, density: float) -> MatchProblem:
    capacity = [rng.randint(1, 4) for _ in range(m)]
    remaining = [rng.randint(0, c) for c in capacity]
    edges = [
        (i, j, rng.randint(1, 6)) for i in range(n) for j in range(m) if rng.random() < density
    ]
    edges += [(i, j, rng.randint(1, 6)) for i, j, _ in rng.sample(edges, len(edges) // 5)]
    rng.shuffle(edges)
    return problem(n, remaining, edges, capacity)


def best_scores(p: MatchProblem) -> dict[tuple[int, int], int]:
    best: dict[tuple[int, int], int] = {}
    for i, j, s in zip(p.mentee.tolist(), p.mentor.tolist(), p.score.tolist(), strict=True):
        best[(i, j)] = max(s, best.get((i, j), 0))
    return best


def fairness_cost(p: MatchProblem, assignment: tuple[int, ...], fairness: float) -> float:
    """The documented slot costs, rounded to 1/1000 point as the module does."""
    new = [0] * p.n_mentors
    for j in assignment:
        if j >= 0:
            new[j] += 1
    cost = 0
    for j, count in enumerate(new):
        load, cap = int(p.load[j]), int(p.capacity[j])
        for k in range(1, count + 1):
            cost += int(np.rint(fairness * 1000 * ((load + k) / cap) ** 2))
    return cost / 1000


def brute_force(p: MatchProblem, fairness: float) -> tuple[int, float]:
    """(most mentees matched, best fit - fairness cost among those), by enumeration."""
    best = best_scores(p)
    options = [
        [-1, *sorted(j for i2, j in best if i2 == i and p.remaining[j] > 0)]
        for i in range(p.n_mentees)
    ]
    top: tuple[int, float] = (0, 0.0)
    for choice in itertools.product(*options):
        used = [0] * p.n_mentors
        for j in choice:
            if j >= 0:
                used[j] += 1
        if any(used[j] > p.remaining[j] for j in range(p.n_mentors)):
            continue
        fit = sum(best[(i, j)] for i, j in enumerate(choice) if j >= 0)
        value = (sum(1 for j in choice if j >= 0), fit - fairness_cost(p, choice, fairness))
        top = max(top, value)
    return top


def assert_valid(p: MatchProblem, result: np.ndarray) -> None:
    assert result.shape == (p.n_mentees,)
    assert result.dtype == np.int64
    assert np.all((result >= -1) & (result < p.n_mentors))
    pairs = set(best_scores(p))
    for i, j in enumerate(result.tolist()):
        if j >= 0:
            assert (i, j) in pairs, f"mentee {i} got mentor {j} without an edge"
    used = np.bincount(result[result >= 0], minlength=p.n_mentors)
    assert np.all(used <= p.remaining), "a mentor got more mentees than it has room for"


# ----- optimality -------------------------------------------------------------------------


def test_plain_optimum_matches_brute_force() -> None:
    rng = random.Random(6)
    for _ in range(150):
        p = random_problem(rng, rng.randint(1, 5), rng.randint(1, 3), density=0.6)
        result = assign(p, fairness=0)
        assert_valid(p, result)
        cardinality, fit = brute_force(p, 0.0)
        assert matched_count(result) == cardinality
        assert total_fit(p, result) == fit


@pytest.mark.parametrize("fairness", [1.0, DEFAULT_FAIRNESS, 7.5])
def test_fair_optimum_matches_brute_force(fairness: float) -> None:
    rng = random.Random(int(fairness * 10))
    for _ in range(60):
        p = random_problem(rng, rng.randint(1, 5), rng.randint(1, 3), density=0.7)
        result = assign(p, fairness=fairness)
        assert_valid(p, result)
        cardinality, objective = brute_force(p, fairness)
        assert matched_count(result) == cardinality
        mine = total_fit(p, result) - fairness_cost(p, tuple(result.tolist()), fairness)
        assert mine == pytest.approx(objective, abs=1e-9)


def test_cardinality_comes_before_fit() -> None:
    # Mentee 0 prefers A (10 vs 1), but only A can take mentee 1: both must be matched.
    p = problem(2, [1, 1], [(0, 0, 10), (0, 1, 1), (1, 0, 5)])
    for fairness in (0.0, DEFAULT_FAIRNESS, 1000.0):
        assert assign(p, fairness).tolist() == [1, 0]


@settings(max_examples=40, deadline=None)
@given(
    n=st.integers(0, 30),
    m=st.integers(0, 8),
    seed=st.integers(0, 2**32 - 1),
    fairness=st.sampled_from([0.0, 0.5, DEFAULT_FAIRNESS, 50.0]),
)
def test_assignments_are_always_valid(n: int, m: int, seed: int, fairness: float) -> None:
    rng = random.Random(seed)
    p = random_problem(rng, n, m, density=rng.random()) if m else problem(n, [], [])
    result = assign(p, fairness)
    assert_valid(p, result)
    # Maximal: nobody is left out while one of their mentors still has room.
    used = np.bincount(result[result >= 0], minlength=m)
    for i, j in best_scores(p):
        assert result[i] >= 0 or used[j] >= p.remaining[j]


# ----- fairness ---------------------------------------------------------------------------


def test_fairness_spreads_close_scores() -> None:
    # A scores 10 for everyone and B 9; both have 4 free slots of 4.
    edges = [(i, j, 10 - j) for i in range(4) for j in (0, 1)]
    p = problem(4, [4, 4], edges)
    plain = assign(p, fairness=0)
    assert plain.tolist() == [0, 0, 0, 0]  # the optimum piles everyone onto A
    fair = assign(p, fairness=4.0)
    # 2 + 2: fit 38 - slot costs 2 * (0.25 + 1) = 35.5 beats 4 + 0 (40 - 7.5) and 3 + 1.
    assert np.bincount(fair, minlength=2).tolist() == [2, 2]
    assert sorted(np.bincount(assign(p), minlength=2).tolist()) == [2, 2]


def test_fairness_breaks_ties_by_load_over_capacity() -> None:
    # Tied scores: the mentor with more capacity takes more, in proportion.
    edges = [(i, j, 7) for i in range(6) for j in (0, 1)]
    p = problem(6, [2, 4], edges)
    counts = np.bincount(assign(p), minlength=2).tolist()
    assert counts == [2, 4]
    ratio = load_ratio(p, assign(p))
    assert ratio.tolist() == [1.0, 1.0]
    p = problem(3, [2, 4], [(i, j, 7) for i in range(3) for j in (0, 1)])
    assert np.bincount(assign(p), minlength=2).tolist() == [1, 2]


def test_fairness_does_not_override_a_large_fit_difference() -> None:
    edges = [(i, j, 50 if j == 0 else 10) for i in range(4) for j in (0, 1)]
    p = problem(4, [4, 4], edges)
    for fairness in (DEFAULT_FAIRNESS, 16.0, 39.0):
        assert assign(p, fairness).tolist() == [0, 0, 0, 0]
    assert set(assign(p, 200.0).tolist()) == {0, 1}  # only a weight near the gap moves them


@pytest.mark.parametrize("loaded", [0, 1])
def test_existing_load_counts(loaded: int) -> None:
    # Both mentors have capacity 3; one already has 2 mentees. Equal scores.
    remaining = [3, 3]
    remaining[loaded] = 1
    p = problem(1, remaining, [(0, 0, 9), (0, 1, 9)], capacity=[3, 3])
    assert assign(p).tolist() == [1 - loaded]
    # Two mentees: the loaded mentor (2/3) would reach 3/3; the other reaches 2/3 instead.
    p = problem(2, remaining, [(i, j, 9) for i in (0, 1) for j in (0, 1)], capacity=[3, 3])
    assert np.bincount(assign(p), minlength=2)[loaded] == 0


# ----- determinism and degenerate inputs --------------------------------------------------


def test_deterministic_and_independent_of_edge_order() -> None:
    rng = random.Random(11)
    p = random_problem(rng, 60, 15, density=0.4)
    first = assign(p)
    for _ in range(3):
        assert np.array_equal(assign(p), first)
    order = np.random.default_rng(3).permutation(p.mentee.size)
    shuffled = MatchProblem(
        p.n_mentees, p.remaining, p.capacity, p.mentee[order], p.mentor[order], p.score[order]
    )
    assert np.array_equal(assign(shuffled), first)


def test_empty_and_degenerate_inputs() -> None:
    assert assign(problem(0, [], [])).tolist() == []
    assert assign(problem(3, [], [])).tolist() == [-1, -1, -1]
    assert assign(problem(2, [2, 1], [])).tolist() == [-1, -1]
    full = problem(2, [0, 0], [(0, 0, 5), (1, 1, 5)], capacity=[2, 1])
    assert assign(full).tolist() == [-1, -1]
    # A mentor with no room is skipped; a mentee without edges stays unmatched.
    p = problem(3, [0, 2], [(0, 0, 9), (0, 1, 1), (2, 0, 9)], capacity=[1, 2])
    assert assign(p, 0).tolist() == [1, -1, -1]
    empty = MatchProblem(0, np.array([]), np.array([]), np.array([]), np.array([]), np.array([]))
    assert assign(empty).shape == (0,)


def test_duplicate_edges_keep_the_best_score() -> None:
    p = problem(1, [1, 1], [(0, 0, 1), (0, 1, 5), (0, 0, 9), (0, 0, 2)])
    result = assign(p, 0)
    assert result.tolist() == [0]
    assert total_fit(p, result) == 9


def test_extreme_values_do_not_overflow() -> None:
    edges = [(i, j, MAX_SCORE - j) for i in range(5) for j in range(3)]
    p = problem(5, [2, 2, 1], edges, capacity=[10, 2, 3])
    for fairness in (0.0, MAX_FAIRNESS):
        result = assign(p, fairness)
        assert_valid(p, result)
        assert matched_count(result) == 5


def test_accepts_lists_and_narrow_ints() -> None:
    p = MatchProblem(
        2,
        np.array([1, 1], dtype=np.int8),
        [1, 2],  # type: ignore[arg-type]
        np.array([0, 1], dtype=np.uint16),
        [0, 1],  # type: ignore[arg-type]
        np.array([3, 4], dtype=np.int32),
    )
    assert assign(p).tolist() == [0, 1]
    assert p.load.tolist() == [0, 1]


BAD_PROBLEMS = {
    "negative mentees": dict(n_mentees=-1),
    "bool mentees": dict(n_mentees=True),
    "float mentees": dict(n_mentees=2.0),
    "float scores": dict(score=np.array([1.5, 2.0])),
    "2-D remaining": dict(remaining=np.array([[1, 1]])),
    "capacity length": dict(capacity=np.array([1])),
    "edge lengths": dict(mentor=np.array([0])),
    "zero capacity": dict(capacity=np.array([0, 1]), remaining=np.array([0, 1])),
    "remaining above capacity": dict(remaining=np.array([2, 1])),
    "negative remaining": dict(remaining=np.array([-1, 1])),
    "mentee out of range": dict(mentee=np.array([0, 2])),
    "negative mentee": dict(mentee=np.array([-1, 0])),
    "mentor out of range": dict(mentor=np.array([0, 2])),
    "zero score": dict(score=np.array([0, 1])),
    "score too large": dict(score=np.array([MAX_SCORE + 1, 1])),
    "strings": dict(mentor=np.array(["a", "b"])),
}


@pytest.mark.parametrize("change", BAD_PROBLEMS.values(), ids=BAD_PROBLEMS.keys())
def test_bad_problems_raise(change: dict[str, object]) -> None:
    fields: dict[str, object] = dict(
        n_mentees=2,
        remaining=np.array([1, 1]),
        capacity=np.array([1, 2]),
        mentee=np.array([0, 1]),
        mentor=np.array([0, 1]),
        score=np.array([3, 4]),
    )
    fields.update(change)
    with pytest.raises(ValueError):
        MatchProblem(**fields)  # type: ignore[arg-type]


@pytest.mark.parametrize("fairness", [-1.0, float("nan"), float("inf"), MAX_FAIRNESS * 2, "4"])
def test_bad_fairness_raises(fairness: object) -> None:
    p = problem(1, [1], [(0, 0, 1)])
    with pytest.raises(ValueError, match="fairness"):
        assign(p, fairness)  # type: ignore[arg-type]


def test_total_fit_rejects_pairs_not_in_the_problem() -> None:
    p = problem(2, [1, 1], [(0, 0, 3), (1, 1, 4)])
    assert total_fit(p, np.array([0, 1])) == 7
    assert total_fit(p, np.array([-1, -1])) == 0
    with pytest.raises(ValueError, match="not in the problem"):
        total_fit(p, np.array([1, -1]))
    with pytest.raises(ValueError, match="shape"):
        total_fit(p, np.array([0]))


# ----- gini -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([1, 1, 1, 1], 0.0),
        ([0, 0, 0, 1], 0.75),
        ([1, 2, 3, 4], 0.25),
        ([4, 3, 2, 1], 0.25),
        ([5], 0.0),
        ([], 0.0),
        ([0, 0], 0.0),
        ([0.5, 1.0], 1 / 6),
    ],
)
def test_gini_known_vectors(values: list[float], expected: float) -> None:
    assert gini(np.array(values, dtype=np.float64)) == pytest.approx(expected)


def test_gini_rejects_negative_and_nan() -> None:
    with pytest.raises(ValueError):
        gini(np.array([1.0, -1.0]))
    with pytest.raises(ValueError):
        gini(np.array([1.0, np.nan]))

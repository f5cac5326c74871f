"""The patient-information detector (`bot.phi`): corpus figures, and speed against a baseline.

    .venv/bin/python -m bench.phi_bench [--repeats 7] [--misses]

For each labelled corpus (`tests/data/phi_corpus.jsonl`, tuned against, and
`tests/data/phi_heldout.jsonl`, kept aside) it prints:

* recall on the posts with structured identifiers (mrn, dob, age_over_89, phone, email,
  address, ssn, room_bed): a post counts as caught when `find_patient_info` finds anything;
* recall over all posts with patient information (names and details too);
* precision over posts, and the false-positive rate on the ordinary posts;
* recall per kind: posts labelled with the kind that are caught at all, and those where a
  finding of that very kind came up.

Speed is a ratio, measured in the same run: the time of `find_patient_info` over every post
of both files against a baseline pass of `re.search(r"\\d{7,}", text)` over the same posts,
median of `--repeats` rounds each. `--misses` lists the posts each file gets wrong.
It asserts nothing about timings: it is a measurement, not a test.
"""

from __future__ import annotations

import argparse
import json
import platform
import re
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from bot.phi import KINDS, find_patient_info

DATA = Path(__file__).resolve().parent.parent / "tests" / "data"
CORPUS = DATA / "phi_corpus.jsonl"
HELDOUT = DATA / "phi_heldout.jsonl"
STRUCTURED = frozenset(KINDS) - {"patient_detail"}


@dataclass(frozen=True)
class Post:
    text: str
    phi: bool
    kinds: frozenset[str]


@dataclass(frozen=True)
class Figures:
    positives: int
    negatives: int
    recall_structured: float
    recall_overall: float
    precision: float
    false_positive_rate: float
    per_kind: dict[str, tuple[int, int]]  # kind -> (posts caught at all, posts labelled)
    per_kind_found: dict[str, int]  # kind -> posts where a finding of that very kind came up
    missed: list[Post]
    false_positives: list[Post]


def load(path: Path) -> list[Post]:
    posts = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            posts.append(Post(row["text"], bool(row["phi"]), frozenset(row["kinds"])))
    return posts


def figures(posts: Sequence[Post]) -> Figures:
    found = [{f.kind for f in find_patient_info(post.text)} for post in posts]
    flagged = [bool(kinds) for kinds in found]
    positives = [(p, f) for p, f in zip(posts, flagged, strict=True) if p.phi]
    negatives = [(p, f) for p, f in zip(posts, flagged, strict=True) if not p.phi]
    structured = [(p, f) for p, f in positives if p.kinds & STRUCTURED]
    true_pos = sum(f for _, f in positives)
    false_pos = sum(f for _, f in negatives)
    per_kind = {
        kind: (
            sum(f for p, f in positives if kind in p.kinds),
            sum(kind in p.kinds for p, _ in positives),
        )
        for kind in KINDS
    }
    per_kind_found = {
        kind: sum(
            kind in kinds for post, kinds in zip(posts, found, strict=True) if kind in post.kinds
        )
        for kind in KINDS
    }
    return Figures(
        positives=len(positives),
        negatives=len(negatives),
        recall_structured=_share(sum(f for _, f in structured), len(structured)),
        recall_overall=_share(true_pos, len(positives)),
        precision=_share(true_pos, true_pos + false_pos),
        false_positive_rate=_share(false_pos, len(negatives)),
        per_kind=per_kind,
        per_kind_found=per_kind_found,
        missed=[p for p, f in positives if not f],
        false_positives=[p for p, f in negatives if f],
    )


def _share(part: int, whole: int) -> float:
    return part / whole if whole else 1.0


def report(name: str, fig: Figures, *, misses: bool) -> None:
    print(f"\n{name}: {fig.positives} posts with patient information, {fig.negatives} without")
    print(f"  recall, structured identifiers  {fig.recall_structured:.3f}")
    print(f"  recall, all patient information {fig.recall_overall:.3f}")
    print(f"  precision                       {fig.precision:.3f}")
    print(f"  false-positive rate             {fig.false_positive_rate:.3f}")
    print("  recall per kind: post caught at all / that kind found")
    for kind, (caught, labelled) in fig.per_kind.items():
        exact = fig.per_kind_found[kind]
        caught_of = f"({caught}/{labelled})"
        print(
            f"    {kind:<15} {_share(caught, labelled):.3f} {caught_of:<9}"
            f" {_share(exact, labelled):.3f} ({exact}/{labelled})"
        )
    if misses:
        for post in fig.missed:
            print(f"  MISSED {sorted(post.kinds)}: {post.text!r}")
        for post in fig.false_positives:
            found = [(f.kind, f.excerpt) for f in find_patient_info(post.text)]
            print(f"  FALSE POSITIVE {found}: {post.text!r}")


def _median_time(fn: Callable[[str], object], texts: Sequence[str], repeats: int) -> float:
    rounds = []
    for _ in range(repeats):
        began = time.perf_counter()
        for text in texts:
            fn(text)
        rounds.append(time.perf_counter() - began)
    return statistics.median(rounds)


def speed(texts: Sequence[str], repeats: int) -> None:
    digits = re.compile(r"\d{7,}")
    baseline = _median_time(digits.search, texts, repeats)
    ours = _median_time(find_patient_info, texts, repeats)
    chars = sum(len(text) for text in texts)
    print(f"\nspeed over {len(texts)} posts ({chars:,} characters), median of {repeats} rounds:")
    print(f"  baseline re.search(r'\\d{{7,}}')  {baseline * 1e3:8.2f} ms")
    print(f"  find_patient_info              {ours * 1e3:8.2f} ms")
    print(f"  per post                       {ours / len(texts) * 1e6:8.1f} µs")
    print(f"  ratio ours ÷ baseline          {ours / baseline:8.1f}")
    long_text = " ".join(texts) * 5
    long_time = _median_time(find_patient_info, [long_text], repeats)
    print(f"  one text of {len(long_text):,} characters: {long_time * 1e3:.1f} ms")


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--repeats", type=int, default=7, help="timing rounds (median)")
    parser.add_argument("--misses", action="store_true", help="list the posts gotten wrong")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    print(f"Python {platform.python_version()} on {platform.machine()}, {sys.platform}")
    corpus, heldout = load(CORPUS), load(HELDOUT)
    report("corpus (tuned against)", figures(corpus), misses=args.misses)
    report("held-out", figures(heldout), misses=args.misses)
    speed([post.text for post in corpus + heldout], args.repeats)


if __name__ == "__main__":
    main()

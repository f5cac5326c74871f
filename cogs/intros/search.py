"""Member search over public intros: BM25 per field, plus a bonus for whole interests.

Pure standard library; nothing here touches a platform or the database. `rank` scores a
query against the documents it is given and keeps nothing between calls.

Text analysis, the same for queries and documents:

* Folding: case-folded, compatibility-decomposed (NFKD), accents dropped ("José" is
  "jose", "ﬁ" is "fi"). Punctuation and symbols in U+2000-U+2FFF (curly quotes, dashes,
  bullets, "™") and everything past U+FFFF (emoji) only ever separate words.
* Tokens: runs of Unicode letters and digits (`[^\\W_]+`); anything else separates
  words, so "pre-med" is "pre med", "ob/gyn" is "ob gyn" and "O'Brien" is "o brien".
* Stop words: a short English list plus words typed around a search ("looking",
  "interested", "find", "someone"...), dropped before anything else.
* Stemming, light and suffix-only: plurals ("residents", "studies", "classes"), "-ing"
  ("mentoring", "nursing", "running"), a final "e" ("nurse" and "nursing" meet at
  "nurs"), and three specialist rules: "-ologist(s)" -> "-ology" ("anesthesiologists"
  matches "anesthesiology"), "-iatrist(s)" -> "-iatry" ("psychiatrist"), "-ician(s)" ->
  "-ic" ("pediatricians" matches "pediatrics"; "physician" is exempt). No "-ed" rule.
* Synonyms, longest spelling first, for specialty shorthand ("peds", "gas",
  "anesthesia", "em", "ob/gyn", "im", "ccm", "icu"... see `_SYNONYM_SOURCE`). In the
  free-text `about` only single-word, unambiguous ones apply: "im", "em", "gas", "ent",
  "fm" and "cards" are too often plain words there.
* Stage words in the query ("ms3", "pgy-2", "residency", "faculty", "pre-med"...; see
  `_STAGE_SOURCE`) name a career stage and match the stage field only.

Scoring: BM25 per field (k1 = 1.2, b = 0.75, idf = ln(1 + (N - df + 0.5) / (df + 0.5)),
which is always positive) times the field's weight: interests 3, stage 2, institution 2,
name 1.5, looking for 1, about 0.5. Name and institution match the query's words as typed
(stemmed, without synonyms, so the name "Em" is not emergency medicine). An interest of
two or more words that the query holds whole and in order earns a bonus equal to the
most BM25 can give those words, so "pediatric anesthesiology" ranks the member with that
interest above members who list "pediatrics" and "anesthesiology" separately.

Speed, without any cache between calls: each field of every document is folded once per
call as one UTF-8 string (ASCII at C speed, only non-ASCII runs one by one), the query's
stems are looked for as word prefixes in it, and only the words found are analysed. Field
length for BM25 is the folded field's size in bytes, a proxy for its word count.
Single-character query words are not looked for in `about`.
"""

from __future__ import annotations

import heapq
import math
import re
import unicodedata
from bisect import bisect_right
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from itertools import accumulate
from operator import attrgetter
from types import MappingProxyType
from typing import Final, TypeVar

__all__ = ["Document", "Hit", "rank"]


@dataclass(frozen=True)
class Document:
    key: str  # the member's user id
    name: str
    stage: str  # one of: premed, medical student, resident, fellow, attending, other
    institution: str  # may be ""
    interests: tuple[str, ...]  # e.g. ("pediatric anesthesiology", "critical care")
    looking_for: tuple[str, ...]  # subset of: mentor, mentee, peers, study partners, AMA sessions
    about: str


@dataclass(frozen=True)
class Hit:
    key: str
    score: float
    matched: tuple[str, ...]  # e.g. ("interest: pediatric anesthesiology", "stage: resident")


K1: Final = 1.2
B: Final = 0.75
MAX_REASONS: Final = 3

W_INTERESTS: Final = 3.0
W_STAGE: Final = 2.0
W_INSTITUTION: Final = 2.0
W_NAME: Final = 1.5
W_LOOKING_FOR: Final = 1.0
W_ABOUT: Final = 0.5

_WORD: Final = re.compile(r"[^\W_]+")
# The combining marks NFKD splits off accented letters.
_COMBINING: Final = re.compile(
    "[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]"
)
_SEPARATORS: Final = re.compile("[\u2000-\u2fff\U00010000-\U0010ffff]")

_STOP_TEXT: Final = """
    a about after all also am an and any anybody anyone are as at be been being both but by
    can could d did do does doing for from had has have having he her hers him his how i if
    in into is it its just like ll m me more most my no nor not of on onto or other others
    our ours own re s same she should so some somebody someone something such t than that
    the their theirs them then there these they this those to too us ve very was we were
    what when where which who whom whose why will with would you your yours
    find search searching seeking look looking want wants wanting need needs interested
"""
STOP_WORDS: Final = frozenset(_STOP_TEXT.split())

# Kept whole before the suffix rules ("physician" is not "physic").
_EXEMPT: Final = MappingProxyType({"physician": "physician", "physicians": "physician"})
_SPECIALIST_SUFFIXES: Final = (
    ("ologists", "ology"),
    ("ologist", "ology"),
    ("iatrists", "iatry"),
    ("iatrist", "iatry"),
    ("icians", "ic"),
    ("ician", "ic"),
)
_MERGE_PREFIX: Final = 4
_UNDOUBLE: Final = frozenset("bgmnprt")  # running -> run, planning -> plan; staffing stays

_STAGE_SOURCE: Final = (
    ("premed", ("premed", "pre med", "premedical", "pre medical")),
    (
        "medical student",
        (
            "medical student",
            "med student",
            *(f"ms{n}" for n in range(1, 5)),
            *(f"ms {n}" for n in range(1, 5)),
            *(f"m{n}" for n in range(1, 5)),
        ),
    ),
    (
        "resident",
        (
            "resident",
            "residency",
            "intern",
            "internship",
            *(f"pgy{n}" for n in range(1, 8)),
            *(f"pgy {n}" for n in range(1, 8)),
        ),
    ),
    ("fellow", ("fellow", "fellowship")),
    ("attending", ("attending", "attending physician", "faculty", "physician")),
)

# (spellings, canonical text, applies in the free-text `about` too)
_SYNONYM_SOURCE: Final = (
    (("peds", "ped", "paeds", "paediatric", "paediatrics"), "pediatric", True),
    (("anesthesia", "anaesthesia", "anaesthesiology"), "anesthesiology", True),
    (("anesthetist", "anaesthetist"), "anesthesiology", True),
    (("gas",), "anesthesiology", False),
    (("em",), "emergency medicine", False),
    (("ob", "obgyn", "obg"), "obstetrics gynecology", True),
    (("ob gyn", "ob gyne"), "obstetrics gynecology", False),
    (("gyn", "gynaecology"), "gynecology", True),
    (("im",), "internal medicine", False),
    (("ccm", "icu"), "critical care", True),
    (("intensive care",), "critical care", False),
    (("picu",), "pediatric critical care", True),
    (("fm",), "family medicine", False),
    (("psych",), "psychiatry", True),
    (("derm",), "dermatology", True),
    (("rads",), "radiology", True),
    (("cards",), "cardiology", False),
    (("gi",), "gastroenterology", True),
    (("ent",), "otolaryngology", False),
    (("onc",), "oncology", True),
    (("heme onc", "hemeonc"), "hematology oncology", False),
    (("pulm",), "pulmonology", True),
    (("rheum",), "rheumatology", True),
    (("ortho", "orthopaedic", "orthopaedics"), "orthopedic", True),
    (("pm r", "pmr", "physiatry"), "physical medicine rehabilitation", False),
    (("gen surg",), "general surgery", False),
    (("surgeon", "surgical", "surg"), "surgery", True),
    (("mentorship",), "mentor", True),
)


def _is_separator(char: str) -> bool:
    """Punctuation and symbols (U+2000-U+2FFF: quotes, dashes, bullets, arrows, "™") and
    everything past U+FFFF (emoji) separate words and are never folded into letters."""
    return "\u2000" <= char <= "\u2fff" or char > "\uffff"


def _fold_text(text: str) -> str:
    """Case-folded, compatibility-decomposed (NFKD), without accents. A non-ASCII
    character that is not a letter or digit, or is a separator, becomes a space."""
    text = _SEPARATORS.sub(" ", text)
    folded = _COMBINING.sub("", unicodedata.normalize("NFKD", text).casefold())
    if folded.isascii():
        return folded
    return "".join(
        c if c.isascii() or (c.isalnum() and not _is_separator(c)) else " " for c in folded
    )


def _fold(text: str) -> str:
    return text.lower() if text.isascii() else _fold_text(text)


def stem(word: str) -> str:
    """Light suffix stemming of one folded token (see the module docstring)."""
    if len(word) <= 3 or not word.isalpha():
        return word
    exempt = _EXEMPT.get(word)
    if exempt is not None:
        return exempt
    for suffix, replacement in _SPECIALIST_SUFFIXES:
        if word.endswith(suffix) and len(word) > len(suffix) + 1:
            return word[: -len(suffix)] + replacement
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith("s") and not word.endswith(("ss", "us", "is")):
        word = word[:-1]
    if word.endswith("ing") and len(word) >= 6:
        word = word[:-3]
        if word[-1] == word[-2] and word[-1] in _UNDOUBLE:
            word = word[:-1]
    if word.endswith("e") and len(word) >= 4:
        word = word[:-1]
    return word


def _words(folded: str, stemmer: Callable[[str], str] = stem) -> list[str]:
    """Stemmed tokens of folded text, stop words dropped."""
    return [stemmer(w) for w in _WORD.findall(folded) if w not in STOP_WORDS]


def _build_stages() -> Mapping[tuple[str, ...], str]:
    table: dict[tuple[str, ...], str] = {}
    for key, spellings in _STAGE_SOURCE:
        for spelling in spellings:
            table[tuple(_words(_fold(spelling)))] = key
    return MappingProxyType(table)


def _build_synonyms(prose_only: bool) -> Mapping[tuple[str, ...], tuple[str, ...]]:
    table: dict[tuple[str, ...], tuple[str, ...]] = {}
    for spellings, canonical, in_prose in _SYNONYM_SOURCE:
        target = tuple(_words(_fold(canonical)))
        for spelling in spellings:
            key = tuple(_words(_fold(spelling)))
            if not prose_only or (in_prose and len(key) == 1):
                table[key] = target
    return MappingProxyType(table)


_STAGES: Final = _build_stages()
_SYNONYMS: Final = _build_synonyms(prose_only=False)
_PROSE_SYNONYMS: Final = _build_synonyms(prose_only=True)
_LONGEST_STAGE: Final = max(len(key) for key in _STAGES)
_LONGEST_SYNONYM: Final = max(len(key) for key in _SYNONYMS)

_V = TypeVar("_V")


def _longest_match(
    words: Sequence[str], start: int, table: Mapping[tuple[str, ...], _V], longest: int
) -> tuple[_V, int] | None:
    for size in range(min(longest, len(words) - start), 0, -1):
        found = table.get(tuple(words[start : start + size]))
        if found is not None:
            return found, size
    return None


def _expand(words: Sequence[str]) -> tuple[str, ...]:
    """Apply the synonym table, longest spelling first."""
    out: list[str] = []
    i = 0
    while i < len(words):
        found = _longest_match(words, i, _SYNONYMS, _LONGEST_SYNONYM)
        if found is None:
            out.append(words[i])
            i += 1
        else:
            out.extend(found[0])
            i += found[1]
    return tuple(out)


def _holds_run(haystack: Sequence[str], run: Sequence[str]) -> bool:
    size = len(run)
    return any(tuple(haystack[i : i + size]) == tuple(run) for i in range(len(haystack) - size + 1))


@dataclass(frozen=True)
class _Query:
    literal: frozenset[str]  # stemmed words as typed: for name and institution
    topic: frozenset[str]  # after synonyms, without stage words: interests, looking for, about
    runs: tuple[tuple[str, ...], ...]  # the topic words in order, split where a stage word was
    stages: frozenset[str]
    order: Mapping[str, int]  # where each topic word first comes in the query


def _parse_query(query: str) -> _Query | None:
    words = _words(_fold(query))
    if not words:
        return None
    stages: set[str] = set()
    runs: list[tuple[str, ...]] = []
    current: list[str] = []
    i = 0
    while i < len(words):
        found = _longest_match(words, i, _STAGES, _LONGEST_STAGE)
        if found is None:
            current.append(words[i])
            i += 1
            continue
        stages.add(found[0])
        i += found[1]
        if current:
            runs.append(_expand(current))
            current = []
    if current:
        runs.append(_expand(current))
    order: dict[str, int] = {}
    for term in (term for run in runs for term in run):
        order.setdefault(term, len(order))
    return _Query(
        literal=frozenset(words),
        topic=frozenset(order),
        runs=tuple(runs),
        stages=frozenset(stages),
        order=MappingProxyType(order),
    )


def _needle(term: str) -> str:
    """A prefix of every token that stems to `term` ("study" <- "studies": "stud")."""
    return term[:-1] if term.endswith("y") and len(term) > 1 else term


def _needles(
    terms: Iterable[str],
    table: Mapping[tuple[str, ...], tuple[str, ...]],
    shortest: int = 1,
    order: Mapping[str, int] | None = None,
) -> tuple[bytes, ...]:
    """Prefixes that every word leading to one of `terms` starts with, in `order` of the
    terms they find when given (so that words are found in the order the query has them).

    Needles that share a start of _MERGE_PREFIX or more characters become that start: one
    search then finds the words of both, and the exact test sorts them out.
    """
    wanted = set(terms)
    rank = order or {}
    found: dict[str, int] = {}
    for needle, at in [
        *((_needle(t), rank.get(t, 0)) for t in wanted),
        *(
            (_needle(key[0]), min(rank.get(t, 0) for t in wanted.intersection(target)))
            for key, target in table.items()
            if wanted.intersection(target)
        ),
    ]:
        found[needle] = min(at, found.get(needle, at))
    kept: list[tuple[str, int]] = []
    for needle in sorted(n for n in found if len(n) >= shortest):
        shared = _shared_prefix(kept[-1][0], needle) if kept else ""
        if kept and (len(shared) >= _MERGE_PREFIX or shared == kept[-1][0]):
            kept[-1] = (shared, min(kept[-1][1], found[needle]))  # one search finds both
        else:
            kept.append((needle, found[needle]))
    kept.sort(key=lambda k: k[1])
    return tuple(n.encode("utf-8", "surrogatepass") for n, _ in kept)


def _shared_prefix(a: str, b: str) -> str:
    size = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        size += 1
    return a[:size]


# Folding one field of every document at once, as UTF-8: bytes.lower() folds ASCII at C
# speed. Separators (UTF-8 lead bytes E2 and F0-F4) stay as they are, since the word
# pattern skips them; every other run of non-ASCII characters goes through _fold_text, so
# what is left outside ASCII is letters and digits, and _WORD_BYTES finds exactly the
# words that _WORD finds in _fold() of the same text.
_RUN_START: Final = 0x80
_RUN_END: Final = 0x00
_MASK: Final = bytes(
    _RUN_END if b < 0x80 or b == 0xE2 or b >= 0xF0 else 0x01 if b < 0xC0 else _RUN_START
    for b in range(256)
)
_WORD_BYTES: Final = re.compile(
    rb"(?:[a-zA-Z0-9]|[\xc2-\xdf][\x80-\xbf]|[\xe0\xe1\xe3-\xef][\x80-\xbf][\x80-\xbf])+"
)
_IN_WORD: Final = tuple(b < 0x80 and chr(b).isalnum() for b in range(256))  # ASCII only
_SPACED: Final = bytes(b if _IN_WORD[b] else 0x20 for b in range(256))


def _after_separator(data: bytes, pos: int) -> bool:
    """Whether the multi-byte character that ends just before `pos` is a separator."""
    lead = max(pos - 2, 0)
    while lead > 0 and 0x80 <= data[lead] < 0xC0:
        lead -= 1
    return data[lead] == 0xE2 or data[lead] >= 0xF0


@dataclass(frozen=True)
class _Blob:
    """One field of every document, folded and joined by NUL."""

    data: bytes
    ends: list[int]  # the end (after its NUL) of each document's text
    lengths: list[int]  # folded length in bytes: the field length for BM25

    def words(self, needles: Iterable[bytes]) -> tuple[list[int], list[bytes]]:
        """The document and the word, for each word that starts with one of the needles."""
        data = self.data
        # In `spaced`, whatever is not an ASCII letter or digit is a space, and one more
        # leads, so spaced[i] is the byte before data[i]: " " + needle finds every word start,
        # and a few that follow a non-ASCII letter, which are skipped.
        spaced = b" " + data.translate(_SPACED)
        find = spaced.find
        size = len(data)
        positions: list[int] = []
        words: list[bytes] = []
        for needle in needles:
            if not needle.isascii():
                self._find_slowly(needle, positions, words)
                continue
            key = b" " + needle
            pos = find(key)
            while pos >= 0:
                if pos and data[pos - 1] >= 0x80 and not _after_separator(data, pos):
                    pos = find(key, pos + 1)
                    continue
                after = find(b" ", pos + 1)
                end = after - 1 if after >= 0 else size
                if end < size and data[end] >= 0x80:  # the word may go on past ASCII
                    match = _WORD_BYTES.match(data, pos)
                    end = match.end() if match else end
                positions.append(pos)
                words.append(data[pos:end])
                pos = find(key, end + 1)
        return list(map(partial(bisect_right, self.ends), positions)), words

    def _find_slowly(self, needle: bytes, positions: list[int], words: list[bytes]) -> None:
        """Word starts of a needle that is not ASCII, found in data itself."""
        data = self.data
        pos = data.find(needle)
        while pos >= 0:
            if pos:
                before = data[pos - 1]
                if _IN_WORD[before] or (before >= 0x80 and not _after_separator(data, pos)):
                    pos = data.find(needle, pos + 1)
                    continue
            match = _WORD_BYTES.match(data, pos)
            if match is None:  # needles are letters and digits: cannot happen
                break
            positions.append(pos)
            words.append(match.group())
            pos = data.find(needle, match.end())


def _blob(texts: Sequence[str], folds: dict[bytes, bytes]) -> _Blob:
    joined = "\x00".join(texts)
    if joined.count("\x00") != len(texts) - 1:  # a text holds NUL itself
        joined = "\x00".join(t.replace("\x00", " ") for t in texts)
    data = joined.encode("utf-8", "surrogatepass").lower()
    if not data.isascii():
        mask = data.translate(_MASK)
        find_start = mask.find
        pieces: list[bytes] = []
        done = 0
        start = find_start(_RUN_START)
        while start >= 0:
            end = find_start(_RUN_END, start)
            if end < 0:
                end = len(data)
            run = data[start:end]
            folded = folds.get(run)
            if folded is None:
                text = run.decode("utf-8", "surrogatepass")
                folded = folds[run] = _fold_text(text).encode("utf-8", "surrogatepass")
            pieces += (data[done:start], folded)
            done = end
            start = find_start(_RUN_START, end)
        pieces.append(data[done:])
        data = b"".join(pieces)
    lengths = list(map(len, data.split(b"\x00")))
    return _Blob(data, list(accumulate(n + 1 for n in lengths)), lengths)


@dataclass(frozen=True)
class _Item:
    """One interest or looking-for entry, analysed against the query."""

    tf: Mapping[str, int]
    phrase: tuple[str, ...]  # the entry's words, when the query holds them all in a row


@dataclass
class _Field:
    """BM25 statistics of one field for one call."""

    weight: float
    lengths: list[int]
    tfs: dict[int, dict[str, int]] = field(default_factory=dict)
    idf: dict[str, float] = field(default_factory=dict)
    avgdl: float = 1.0

    def finish(self, count: int) -> None:
        df: dict[str, int] = {}
        for tf in self.tfs.values():
            for term in tf:
                df[term] = df.get(term, 0) + 1
        self.idf = {t: math.log(1.0 + (count - n + 0.5) / (n + 0.5)) for t, n in df.items()}
        # Over the documents that fill the field in: most leave `looking_for` or
        # `institution` empty, and counting those would make every filled one look long.
        filled = count - self.lengths.count(0)
        self.avgdl = sum(self.lengths) / filled if filled else 1.0

    def contributions(self) -> dict[int, dict[str, float]]:
        """Weighted BM25 of each term, for each document that matches in this field."""
        idf, lengths = self.idf, self.lengths
        base, slope = K1 * (1.0 - B), K1 * B / self.avgdl
        scale = self.weight * (K1 + 1.0)
        return {
            index: {
                t: scale * idf[t] * n / (n + base + slope * lengths[index]) for t, n in tf.items()
            }
            for index, tf in self.tfs.items()
        }


class _Search:
    """One `rank` call: memos and statistics that are dropped when it returns."""

    def __init__(self, query: _Query, documents: Sequence[Document]) -> None:
        self.query = query
        self.documents = documents
        self.count = len(documents)
        self._folds: dict[bytes, bytes] = {}
        self._stems: dict[str, str] = {}
        self._items: dict[str, _Item] = {}
        self._literal: dict[str, dict[str, int]] = {}
        self._prose: dict[bytes, tuple[str, tuple[str, ...]]] = {}
        self._stages: dict[str, str | None] = {}

    # analysis, memoised for the call

    def stem(self, word: str) -> str:
        found = self._stems.get(word)
        if found is None:
            found = self._stems[word] = stem(word)
        return found

    def item(self, text: str) -> _Item:
        """An interest or looking-for entry: its query terms, and whether it is a phrase."""
        found = self._items.get(text)
        if found is None:
            topic = self.query.topic
            words = _expand(_words(_fold(text), self.stem))
            tf = {w: words.count(w) for w in words if w in topic}
            whole = len(words) >= 2 and any(_holds_run(run, words) for run in self.query.runs)
            found = self._items[text] = _Item(tf, words if whole else ())
        return found

    def literal(self, text: str) -> dict[str, int]:
        """Name or institution: the query's words as typed."""
        found = self._literal.get(text)
        if found is None:
            literal = self.query.literal
            words = [w for w in _words(_fold(text), self.stem) if w in literal]
            found = self._literal[text] = {w: words.count(w) for w in words}
        return found

    def prose_word(self, word: bytes) -> tuple[str, tuple[str, ...]]:
        """A word of `about` as text, and the query terms it stands for."""
        text = word.decode("utf-8", "surrogatepass")
        if text in STOP_WORDS:
            return text, ()
        stemmed = self.stem(text)
        expanded = _PROSE_SYNONYMS.get((stemmed,), (stemmed,))
        return text, tuple(t for t in expanded if t in self.query.topic)

    def stage(self, text: str) -> str | None:
        if text in self._stages:
            return self._stages[text]
        words = _words(_fold(text), self.stem)
        found: str | None = None
        for i in range(len(words)):
            match = _longest_match(words, i, _STAGES, _LONGEST_STAGE)
            if match is not None:
                found = match[0]
                break
        self._stages[text] = found
        return found

    # the fields

    def stage_field(self) -> _Field:
        stage = _Field(W_STAGE, [1] * self.count)
        wanted = self.query.stages
        if wanted:
            for index, doc in enumerate(self.documents):
                key = self.stage(doc.stage)
                if key is not None and key in wanted:
                    stage.tfs[index] = {key: 1}
        return stage

    def literal_field(self, weight: float, texts: Sequence[str]) -> _Field:
        blob = _blob(texts, self._folds)
        result = _Field(weight, blob.lengths)
        needles = _needles(self.query.literal, {})
        for index in sorted(set(blob.words(needles)[0])):
            tf = self.literal(texts[index])
            if tf:
                result.tfs[index] = tf
        return result

    def list_field(
        self, weight: float, lists: Sequence[tuple[str, ...]]
    ) -> tuple[_Field, dict[int, tuple[str, ...]]]:
        """Interests or looking for; also which entries matched, for each document."""
        blob = _blob(list(map("\n".join, lists)), self._folds)
        result = _Field(weight, blob.lengths)
        matched: dict[int, tuple[str, ...]] = {}
        needles = _needles(self.query.topic, _SYNONYMS)
        for index in sorted(set(blob.words(needles)[0])):
            found = tuple(text for text in lists[index] if self.item(text).tf)
            if found:
                matched[index] = found
                tf: dict[str, int] = {}
                for text in found:
                    for term, n in self.item(text).tf.items():
                        tf[term] = tf.get(term, 0) + n
                result.tfs[index] = tf
        return result, matched

    def prose_field(self, weight: float, texts: Sequence[str]) -> tuple[_Field, dict[int, str]]:
        """About; also the words that matched, for each document ("peds, equity")."""
        blob = _blob(texts, self._folds)
        result = _Field(weight, blob.lengths)
        tfs = result.tfs
        words: dict[int, str] = {}
        memo = self._prose
        needles = _needles(self.query.topic, _PROSE_SYNONYMS, 2, self.query.order)
        indices, found = blob.words(needles)
        for index, word in zip(indices, found, strict=True):
            known = memo.get(word)
            if known is None:
                known = memo[word] = self.prose_word(word)
            text, terms = known
            if not terms:
                continue
            tf = tfs.get(index)
            if tf is None:
                tfs[index] = dict.fromkeys(terms, 1)
                words[index] = text
                continue
            for term in terms:
                tf[term] = tf.get(term, 0) + 1
            listed = words[index]  # needles go in query order, so the words do too
            if listed.count(", ") < MAX_REASONS - 1 and text not in listed.split(", "):
                words[index] = listed + ", " + text
        return result, words

    def hits(self) -> list[Hit]:
        docs = self.documents
        interests, interest_items = self.list_field(
            W_INTERESTS, list(map(attrgetter("interests"), docs))
        )
        stage = self.stage_field()
        institution = self.literal_field(W_INSTITUTION, list(map(attrgetter("institution"), docs)))
        name = self.literal_field(W_NAME, list(map(attrgetter("name"), docs)))
        looking, looking_items = self.list_field(
            W_LOOKING_FOR, list(map(attrgetter("looking_for"), docs))
        )
        about, about_words = self.prose_field(W_ABOUT, list(map(attrgetter("about"), docs)))
        for each in (interests, stage, institution, name, looking, about):
            each.finish(self.count)

        # Each field's part of a score is the fsum of its terms, correctly rounded in any
        # order, and the fields are added in one fixed order: equally relevant documents
        # tie exactly, and their keys decide.
        fields = (
            (interests, interest_items),
            (looking, looking_items),
            (stage, None),
            (institution, None),
            (name, None),
            (about, None),
        )
        per_field = [each.contributions() for each, _ in fields]
        bonus = self._phrase_bonuses(interests, interest_items)
        scores: dict[int, float] = {}
        for (_, items), contributions in zip(fields, per_field, strict=True):
            for index, per_term in contributions.items():
                values = list(per_term.values())
                if items is interest_items:
                    values += (bonus[text] for text in interest_items[index] if text in bonus)
                scores[index] = scores.get(index, 0.0) + math.fsum(values)

        best: dict[str, tuple[float, int]] = {}
        for index, score in scores.items():
            if not score > 0:
                continue
            key = docs[index].key
            previous = best.get(key)
            if previous is None or (score, -index) > (previous[0], -previous[1]):
                best[key] = (score, index)

        single = (
            (1, per_field[2], "stage: ", attrgetter("stage")),
            (2, per_field[3], "institution: ", attrgetter("institution")),
            (3, per_field[4], "name: ", attrgetter("name")),
        )

        def explain(index: int) -> tuple[str, ...]:
            """Reasons as (-weight, field order, text), strongest first."""
            reasons: list[tuple[float, int, str]] = []
            for order, (label, items) in enumerate(
                (("interest: ", interest_items), ("looking for: ", looking_items))
            ):
                per_term = per_field[order].get(index)
                if per_term is None:
                    continue
                for text in items[index]:
                    weight = [per_term[t] for t in self.item(text).tf]
                    if order == 0 and text in bonus:
                        weight.append(bonus[text])
                    reasons.append((-math.fsum(weight), 0 if order == 0 else 4, label + text))
            for order, contributions, label, value in single:
                per_term = contributions.get(index)
                if per_term is not None:
                    text = label + value(docs[index])
                    reasons.append((-math.fsum(per_term.values()), order, text))
            per_term = per_field[5].get(index)
            if per_term is not None:
                text = "about: " + about_words[index]
                reasons.append((-math.fsum(per_term.values()), 5, text))
            return _explain(reasons)

        return [Hit(key, score, explain(index)) for key, (score, index) in best.items()]

    def _phrase_bonuses(
        self, interests: _Field, matched: dict[int, tuple[str, ...]]
    ) -> dict[str, float]:
        """For each matched interest the query holds whole: the most BM25 gives its words."""
        scale = W_INTERESTS * (K1 + 1.0)
        texts = set().union(*matched.values())
        return {
            text: scale * math.fsum(interests.idf[t] for t in set(item.phrase))
            for text in texts
            if (item := self.item(text)).phrase
        }


def _explain(reasons: list[tuple[float, int, str]]) -> tuple[str, ...]:
    """Reasons as (-weight, field order, text): the strongest first, at most MAX_REASONS."""
    if len(reasons) == 1:
        return (reasons[0][2],)
    reasons.sort()
    explained: list[str] = []
    for _, _, text in reasons:
        if text not in explained:
            explained.append(text)
            if len(explained) == MAX_REASONS:
                break
    return tuple(explained)


def _hit_order(hit: Hit) -> tuple[float, str]:
    return (-hit.score, hit.key)


def rank(query: str, documents: Sequence[Document], *, limit: int | None = None) -> list[Hit]:
    """The documents that match `query`, best first, ties by key; at most `limit` of them.

    An empty or stop-word-only query, no documents, or a `limit` below 1 give [].
    A key that appears in several documents is returned once, with its best score.
    """
    if limit is not None and limit <= 0:
        return []
    parsed = _parse_query(query)
    if parsed is None or not documents:
        return []
    hits = _Search(parsed, documents).hits()
    if limit is not None and limit < len(hits):
        return heapq.nsmallest(limit, hits, key=_hit_order)
    return sorted(hits, key=_hit_order)

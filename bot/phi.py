"""Patient information (HIPAA identifiers) in free text, found offline with regular expressions.

`find_patient_info(text)` returns `Finding`s: the kind of identifier, a label a member can read
("a medical record number"), the span and the flagged words. It is pure, never raises on any
str, and runs in time linear in the text: every pattern starts at a token boundary (a
look-behind) and every repetition is bounded, runs of whitespace too (at most four),
so no input can make a pattern backtrack across a long run of characters.

It guards against *accidental* disclosure by well-meaning trainees; it is not a
de-identification tool. It looks for the identifiers that show up when someone describes a real
patient, and lets ordinary medical-education talk through: case discussions with ages under 90,
lab values, doses, their own interview and exam dates, "the call room", "Step 2 CK 260".

What is flagged always, and what only in a patient context
-----------------------------------------------------------
A *patient context* is a patient word ("patient", "pt", common misspellings; not
"standardized/simulated/mock patient") or a patient's relative or carer ("the family",
"caregiver", "daughter", "his wife"; not after "my"/"our") within `_WINDOW` words. A *clinical
context* also counts ward words (admitted, ICU, ED, floor, chart, HPI, s/p, left AMA...).

Always: the shape alone says it is about a patient, or it is never fine to post.
  * ssn: 3-2-4 digits ("123-45-6789"), or 9 digits (or the last 4) after an SSN label.
  * mrn: a number after a record label (MRN, MR#, acct, FIN, CSN, encounter #, Medicaid ID,
    accession #...), and any other run of 7+ digits (dashes allowed) that is not obviously
    something else: a year range, a date, an ISBN, a phone number, part of a link, mention or
    DOI, a count ("n=", "2345678 veterans", "grams"), money, or a number labelled as not a
    patient's (PMID, NCT, IRB protocol, AAMC ID, Zoom meeting ID, pager...). The member's own
    NPI passes: it is public in the NPPES registry and identifies a clinician, not a patient.
  * age_over_89: an exact age of 90 or more ("92 year old", "92yo F", "aged 95", "she's 93",
    "her 95th birthday"). Aggregates pass, as HIPAA's safe harbor allows: "90+", "in her 90s",
    "aged 90 or older", ranges ("aged 85-95") and cohorts ("95 year olds"); so do the ages of
    things ("a 100-year-old hospital") and of the member's own family ("my 94-year-old
    abuela"), which are not patient information.
  * dob: a full date (with the year) after a birth label (DOB, born, birthday) unless it is
    the member's own ("I was born", "my birthday"); any date after a label that only names a
    date of care (DOS, DOD, date of death, admit/discharge date).
  * room_bed: "bed 3", "bay 4 bed 2", "stretcher 9" (not in a sim lab or OSCE), and ward-bed
    codes ("4West-12", "5N-12", "MICU-7") unless a meeting room ("team room is 5W-210").

Only in context:
  * dob: a birth date without a year ("born 3/14") needs a clinical context: otherwise it is
    a colleague's birthday. A date after a care event (admitted, discharged, seen, died,
    surgery...) needs a clinical context, and a patient word too when it has no year; the
    member's own ("I was admitted [to med school] on 3/1", "my appt 3/7") passes.
  * room_bed: "room 412" / "rm 12B" / "bay 4" need a clinical context or a titled name next to
    them, and never a meeting room ("call room", "breakout room 4", "conference room", "OSCE
    room", "hotel room") or a simulation.
  * phone, email: only in a patient context. Members put their own e-mail in intros, ask
    mentees to text them and pass on coordinators' addresses; a bare number or address says
    nothing about whose it is, and flagging all of them failed ordinary posts. Toll-free
    numbers (hotlines, poison control) never count; a number without separators or without
    an area code also needs a phone word before it ("cell", "call", "#").
  * address: a street address (number, name, suffix, unit) in a patient context, or next to a
    home word (lives at, her house, apartment) or with an apartment/unit number, unless the
    member says it is theirs ("my new place"). Venues and hospitals pass.
  * patient_detail: a name or initials right after a patient word ("my patient Maria Lopez",
    "pt Mr. Johnson", "pt J.D.", "patient named tyrone"), a relative's name after one
    ("pt's daughter Ana"), a named employer in a patient context ("pt works at the Ford
    plant"), and "Mr./Mrs./Ms. Name" in a clinical context or next to a room or bed. "Dr." is
    never taken for a patient.

Known limits: names with no patient word or title before them ("Maria Lopez came in"), names
typed in lower case without "named" ("my pt maria"), small towns, a bare age ("Ms. Franklin,
94"), a relative's contact with no patient word near ("rm 708 family upset"), and disguised
text (digits spelled out, invisible characters inside numbers) are not found. The figures and
the speed are printed by `bench/phi_bench.py`.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cached_property
from itertools import chain

__all__ = ["KINDS", "LABELS", "Finding", "find_patient_info"]

KINDS = (
    "mrn",
    "dob",
    "age_over_89",
    "phone",
    "email",
    "address",
    "ssn",
    "room_bed",
    "patient_detail",
)

LABELS = {
    "mrn": "a medical record number",
    "dob": "a patient's date of birth or date of care",
    "age_over_89": "an exact age over 89",
    "phone": "a patient's phone number",
    "email": "a patient's e-mail address",
    "address": "a street address",
    "ssn": "a Social Security number",
    "room_bed": "a room or bed number",
    "patient_detail": "a patient's name or initials",
}

EXCERPT_MAX = 40
_WINDOW = 12  # words either side that count as "near"
_I = re.IGNORECASE


@dataclass(frozen=True)
class Finding:
    """One identifier found in a text."""

    kind: str  # one of KINDS
    label: str  # what a member reads, e.g. "a medical record number"
    start: int
    end: int  # text[start:end] is the flagged text
    excerpt: str  # text[start:end], cut to EXCERPT_MAX characters with "…"


def find_patient_info(text: str) -> list[Finding]:
    """The patient identifiers in `text`, in order of position and never overlapping."""
    ctx = _Context(text)
    candidates = [cand for detector in _DETECTORS for cand in detector(ctx)]
    return [_finding(text, cand) for cand in _non_overlapping(candidates)]


# --- Candidates and overlaps ---------------------------------------------------------------

# A candidate: (priority, start, end, kind). A lower priority wins an overlap: labelled and
# more specific shapes first, the catch-all digit run last.
_Cand = tuple[int, int, int, str]
_PRIORITY = {
    "ssn": 0,
    "mrn": 1,
    "dob": 2,
    "email": 3,
    "phone": 4,
    "address": 5,
    "age_over_89": 6,
    "room_bed": 7,
    "patient_detail": 8,
}
_LOOSE_ID = 9  # an unlabelled digit run: any other reading of the same digits wins


def _cand(kind: str, start: int, end: int, priority: int | None = None) -> _Cand:
    return (_PRIORITY[kind] if priority is None else priority, start, end, kind)


def _non_overlapping(candidates: list[_Cand]) -> list[_Cand]:
    # Best first (priority, then longest), each kept if it overlaps nothing kept so far;
    # `starts`/`ends` stay sorted, so each check is a bisect, not a scan.
    starts: list[int] = []
    ends: list[int] = []
    kept: list[_Cand] = []
    for cand in sorted(candidates, key=lambda c: (c[0], c[1] - c[2], c[1])):
        _, start, end, _ = cand
        if end <= start:
            continue
        i = bisect.bisect_left(starts, start)
        if i < len(starts) and starts[i] < end:
            continue  # the next kept span starts inside this one
        if i > 0 and ends[i - 1] > start:
            continue  # the previous kept span runs into this one
        starts.insert(i, start)
        ends.insert(i, end)
        kept.append(cand)
    return sorted(kept, key=lambda c: c[1])


def _finding(text: str, cand: _Cand) -> Finding:
    _, start, end, kind = cand
    flagged = text[start:end]
    if len(flagged) > EXCERPT_MAX:
        flagged = flagged[: EXCERPT_MAX - 1] + "…"
    return Finding(kind, LABELS[kind], start, end, flagged)


# --- Context: who and what is near a span -------------------------------------------------

# Words that mean a real patient is being talked about. "pt" after a number is a point
# ("5 pt scale"); "PT/INR", "PT 13.5" and "PT/OT" are a lab and physical therapy.
_PT = r"(?:p(?:atient|ateint|atinet|aitent|tient)s?|pts?|ptnt)"
_NOT_REAL = (
    r"(?:standardi[sz]ed|simulated|sim|mock|virtual|fake|hypothetical|practice|sample|"
    r"pretend|test|model)"
)
_PATIENT_WORD = re.compile(
    rf"(?<!\d)(?<!\d )(?<![\w/-]){_PT}(?:['\u2019]s?)?(?![\w/-])(?!\s{{0,4}}(?:/|\d|INR\b|OT\b))",
    _I,
)
_NOT_REAL_BEFORE = re.compile(rf"\b{_NOT_REAL}[\s-]{{0,4}}$", _I)
# A patient's people. After "my"/"our" they are the member's own family, so they do not count.
_RELATIVE = (
    r"(?:wife|husband|spouse|partner|daughters?|sons?|mother|father|mom|mum|dad|parents|"
    r"grand(?:daughter|son|child|children|mother|father|ma|pa)|sister|brother|niece|nephew|"
    r"aunt|uncle|boyfriend|girlfriend|fianc[eé]e?|caregivers?|guardians?|next\s{1,4}of\s{1,4}kin|"
    r"NOK|POA|health\s{0,4}care\s{1,4}proxy|surrogate|roommate|landlord|employer)"
)
_PERSON_WORD = re.compile(
    rf"(?<![\w-])(?:{_RELATIVE}|the\s{{1,4}}family|family\s{{1,4}}members?|kiddo|infant|newborn|"
    r"neonate|toddler|this\s{1,4}(?:lady|gentleman|man|woman|guy|gal|kid|girl|boy)|"
    r"the\s{1,4}(?:lady|gentleman|man|woman|guy|gal|kid|girl|boy)\s{1,4}(?:in|from)\b)(?![\w-])",
    _I,
)
_OWN_BEFORE = re.compile(r"\b(?:my|our)\s{1,4}(?:\w+\s{1,4})?$", _I)
# Ward words: enough to make "room 412" or "admitted 2/3" about a patient.
_CLINICAL_WORD = re.compile(
    r"(?<![\w-])(?:admit(?:s|ted)?|admission|discharged?|d/c'?d|inpatient|hospitali[sz]ed|"
    r"floor|ward|telemetry|tele|consult(?:ed)?|census|sign-?out|hand-?off|chart|rounds|"
    r"hx|h/o|s/p|c/o|pmhx?|hpi|h&p|dx|diagnosed|present(?:ed|s|ing)|septic|sepsis|"
    r"intubated|extubated|post-?op|pre-?op|NPO|DNR|DNI|code\s{1,4}status|goals\s{1,4}of\s{1,4}care|"
    r"hospice|dialysis|chemo|biopsy|labs|vitals|rapid\s{1,4}response|transfer(?:red)?|"
    r"step-?down|left\s{1,4}AMA|eloped|sitter|restraints|"
    r"(?:M|S|N|P|CV|CT|Neuro|Trauma)?ICU|CCU|PACU|L&D|ED|ER|OR)(?![\w-])",
    _I,
)
# Teaching with pretend patients: a "bed 2" or "room 4" there is nobody's.
_SIMULATION_WORD = re.compile(
    r"(?<![\w-])(?:sim|simulation|mannequin|manikin|OSCE|SP|standardi[sz]ed\s{1,4}patients?|"
    r"scenario|mock\s{1,4}code|skills\s{1,4}lab|task\s{1,4}trainer|role[\s-]?play)(?![\w-])",
    _I,
)
_SIMULATION_WINDOW = 8
# ED, ER, OR are words in lower case ("or", "er", "ed"): count them only in capitals.
_CLINICAL_CAPS_ONLY = frozenset({"ed", "er", "or"})


_ANY_DIGIT = re.compile(r"\d")


class _Context:
    """The text with its word positions and where patient and clinical words are.

    Each cue list is worked out the first time a candidate needs it: most posts have no
    candidate at all, and then none is."""

    def __init__(self, text: str) -> None:
        self.text = text

    @cached_property
    def has_digit(self) -> bool:
        """Every identifier but a name or a spelled-out age has a digit: a cheap first test."""
        return _ANY_DIGIT.search(self.text) is not None

    @cached_property
    def _word_starts(self) -> list[int]:
        return [m.start() for m in re.finditer(r"\S+", self.text)]

    @cached_property
    def person(self) -> list[int]:
        return self._indices(chain(self._patient_spans(), self._person_spans()))

    @cached_property
    def clinical(self) -> list[int]:
        return sorted(set(self.person) | set(self._indices(self._clinical_spans())))

    @cached_property
    def simulation(self) -> list[int]:
        return self._indices(m.start() for m in _SIMULATION_WORD.finditer(self.text))

    @cached_property
    def shields(self) -> list[tuple[int, int]]:
        return _shields(self.text)

    def _patient_spans(self) -> Iterator[int]:
        for m in _PATIENT_WORD.finditer(self.text):
            if not _NOT_REAL_BEFORE.search(self.text, max(0, m.start() - 20), m.start()):
                yield m.start()

    def _person_spans(self) -> Iterator[int]:
        for m in _PERSON_WORD.finditer(self.text):
            if not _OWN_BEFORE.search(self.text, max(0, m.start() - 30), m.start()):
                yield m.start()

    def _clinical_spans(self) -> Iterator[int]:
        for m in _CLINICAL_WORD.finditer(self.text):
            word = m.group(0)
            if word.lower() in _CLINICAL_CAPS_ONLY and not word.isupper():
                continue
            yield m.start()

    def _indices(self, offsets: Iterable[int]) -> list[int]:
        return sorted({self.word_index(offset) for offset in offsets})

    def word_index(self, offset: int) -> int:
        return max(0, bisect.bisect_right(self._word_starts, offset) - 1)

    def _near(self, cues: list[int], start: int, end: int, window: int) -> bool:
        first = self.word_index(start) - window
        last = self.word_index(max(start, end - 1)) + window
        i = bisect.bisect_left(cues, first)
        return i < len(cues) and cues[i] <= last

    def near_patient(self, start: int, end: int, window: int = _WINDOW) -> bool:
        """A patient word or a patient's relative is near."""
        return self._near(self.person, start, end, window)

    def near_clinical(self, start: int, end: int, window: int = _WINDOW) -> bool:
        """A patient word, a relative or a ward word is near."""
        return self._near(self.clinical, start, end, window)

    def near_simulation(self, start: int, end: int) -> bool:
        """A simulation word (sim lab, OSCE, mannequin) is near: pretend patients."""
        return self._near(self.simulation, start, end, _SIMULATION_WINDOW)

    def shielded(self, start: int, end: int) -> bool:
        """The span is part of a link, a mention, a DOI or an e-mail address."""
        shields = self.shields
        i = bisect.bisect_right(shields, (start, 1 << 62))  # the first shield after start
        if i > 0 and shields[i - 1][1] > start:
            return True  # one that starts before runs into the span
        return i < len(shields) and shields[i][0] < end

    def before(self, start: int, width: int) -> str:
        """Up to `width` characters before `start`, on the same line."""
        chunk = self.text[max(0, start - width) : start]
        return chunk[chunk.rfind("\n") + 1 :]

    def after(self, end: int, width: int) -> str:
        chunk = self.text[end : end + width]
        newline = chunk.find("\n")
        return chunk if newline < 0 else chunk[:newline]


# Links, Discord/Slack mentions, channels, custom emoji and timestamps, DOIs and e-mail
# addresses: digits inside them are not identifiers of a patient.
_SHIELD = re.compile(
    r"<(?:@[!&]?|#|!|a?:\w{1,40}:|t:)[^<>\s]{0,80}>"
    r"|(?<![\w.+-])(?:https?|ftp)://[^\s<>]{1,2000}"
    r"|(?<![\w.-])www\.[^\s<>]{1,2000}"
    r"|(?<![\w.-])10\.\d{4,9}/[^\s<>]{1,300}"
    r"|(?<![\w.-])[\w-]{1,63}(?:\.[\w-]{1,63}){0,8}\.(?:com|org|edu|gov|net|io|ly|gg"
    r"|me)/[^\s<>]{0,2000}",
    _I,
)
_EMAIL = re.compile(
    r"(?<![\w.+%'-])[\w.+%'-]{1,64}@(?:[\w-]{1,63}\.){1,8}[A-Za-z]{2,24}(?![\w-])",
)


def _shields(text: str) -> list[tuple[int, int]]:
    spans = [m.span() for m in _SHIELD.finditer(text)]
    spans += [m.span() for m in _EMAIL.finditer(text)]
    spans.sort()
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged and start < merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


# --- SSN -----------------------------------------------------------------------------------

_SSN_SHAPE = re.compile(r"(?<![\w./-])\d{3}([-.])\d{2}\1\d{4}(?![\w/]|[-.]\d)")
_SSN_LABELLED = re.compile(
    r"(?<![\w-])(?:SSN|SS\s?#|SS\s{1,4}no\.?|social(?:\s{1,4}security)?(?:\s{1,4}(?:number|no\.?"
    r"|#))?)"
    r"\s{0,4}(?:#|no\.?|number|is|:|=|-)?[\s:#=-]{0,3}"
    r"(?:(?:last\s{1,4}(?:4|four)\s{1,4}(?:is|are|digits)?\s{0,4}:?\s{0,4})?)"
    r"(\d{3}[\s.-]?\d{2}[\s.-]?\d{4}|\d{4})(?![\w-])",
    _I,
)


def _ssn(ctx: _Context) -> Iterator[_Cand]:
    if not ctx.has_digit:
        return
    for m in _SSN_SHAPE.finditer(ctx.text):
        yield _cand("ssn", m.start(), m.end())
    for m in _SSN_LABELLED.finditer(ctx.text):
        # "social" alone is a common word: only with a full 9 digits does it count.
        digits = sum(ch.isdigit() for ch in m.group(1))
        if digits == 9 or not m.group(0).lower().startswith("social "):
            yield _cand("ssn", m.start(), m.end())


# --- Record numbers and other long identifiers ---------------------------------------------

_RECORD_LABEL = (
    r"(?:MRN|MR\s?#|MR\s?no\.?|med(?:ical)?\s{0,4}rec(?:ord)?s?(?:\s{0,4}(?:#|no\.?|num(?:ber)?))?|"
    r"acct|a/c|account\s{0,4}(?:#|no\.?|num(?:ber)?)|FIN|CSN|HAR|EMPI|MPI|"
    r"encounter\s{0,4}(?:#|no\.?|num(?:ber)?|id)|visit\s{0,4}(?:#|no\.?|num(?:ber)?|id)|"
    r"(?:patient|pt)\s{0,4}(?:id|#|no\.?|number)|chart\s{0,4}(?:#|no\.?|num(?:ber)?)|"
    r"medicaid(?:\s{0,4}(?:id|#|no\.?|number))?|medicare(?:\s{0,4}(?:id|#|no\.?|number))?|MBI|HICN|"
    r"(?:member|insurance|subscriber|policy|group)\s{0,4}(?:id|#|no\.?|number)|"
    r"accession\s{0,4}(?:#|no\.?|number)?|specimen\s{0,4}(?:#|no\.?|number|id)|case\s{0,4}(?:#"
    r"|no\.?)|"
    r"bed\s{0,4}board\s{0,4}#|wristband|armband)"
)
_RECORD = re.compile(
    rf"(?<![\w-]){_RECORD_LABEL}(?:(?<=#)|(?![A-Za-z_]))"
    r"[\s:#=.-]{0,4}(?:(?:is|was|of|number|no\.?|#)[\s:#=.-]{0,3}){0,2}"
    # digits, with letters and dashes as some systems print them: 22-SP-10392, 1EG4-TE5-MK72
    r"(?P<id>[A-Z]{0,4}\d[\dA-Z]{0,20}(?:[.-][\dA-Z]{1,20}){0,5}(?:\s\d{1,20}){0,3})(?![\w])",
    _I,
)
_RECORD_MIN_DIGITS = 4  # "FIN 12345" counts; "visit #2" does not

# Digits (dashes allowed) long enough to be an identifier, not glued to a word, a decimal, a
# fraction, a currency sign or a mention.
_DIGIT_RUN = re.compile(r"(?<![\w.,/@:$€£¥-])\d{1,64}(?:-\d{1,20}){0,5}(?![\w@/]|[.,]\d|-\d)")
_LONG_ID_DIGITS = 7
# Labels that say the number is not about a patient (and the member's own IDs).
_NOT_PATIENT_ID = re.compile(
    r"\b(?:NPI|DEA|PMID|PMCID|PMC|ISBN(?:-1[03])?|ISSN|NCT|DOI|ORCID|AAMC|ERAS|NRMP|USMLE|"
    r"ECFMG|NBME|AMCAS|AACOMAS|CAS|LizzyM|IRB|protocol|study|UWorld|Amboss|question|QID|item"
    r"|zoom|meeting|webinar|passcode|pass\s{0,4}code|"
    r"password|access\s{0,4}code|dial[\s-]{0,4}in|conf(?:erence)?\s{0,4}(?:id|#)|tracking"
    r"|confirmation|"
    r"order|invoice|ticket|flight|booking|reservation|ref(?:erence)?|grant|award|license|"
    r"licence|certificate|cert|badge|employee|student|application|app|serial|"
    r"pager|ext|extension|fax)\b[^.!?\n]{0,30}$",
    _I,
)
_COUNT_BEFORE = re.compile(r"\b[nN]\s{0,4}[=:]\s{0,4}$|~\s{0,4}$|\bx\s{0,4}$")
_COUNT_AFTER = re.compile(
    r"^\s{0,4}(?:%|people|persons|patients|pts|participants|subjects|cases|visits|admissions|"
    r"encounters|records|charts|residents|physicians|doctors|nurses|students|applicants|"
    r"members|users|views|downloads|deaths|births|cells|copies|units|dollars|USD|usd|"
    r"bucks|steps|words|lives|americans|adults|children|kids|infants|veterans|years|"
    r"g|grams?|kg|mg|mcg|ug|ng|ml|mL|L|IU|mmol|mEq|cells?/\w+|copies/\w+|bp|base\s{1,4}pairs)\b"
)
_YEAR = re.compile(r"(?:19|20)\d\d")
_PHONE_GROUPS = ((3, 3, 4), (1, 3, 3, 4), (3, 4))


def _mrn(ctx: _Context) -> Iterator[_Cand]:
    if not ctx.has_digit:
        return
    for m in _RECORD.finditer(ctx.text):
        if sum(ch.isdigit() for ch in m.group("id")) >= _RECORD_MIN_DIGITS:
            yield _cand("mrn", m.start(), m.end())
    for m in _DIGIT_RUN.finditer(ctx.text):
        if _is_loose_id(ctx, m):
            yield _cand("mrn", m.start(), m.end(), _LOOSE_ID)


def _is_loose_id(ctx: _Context, m: re.Match[str]) -> bool:
    groups = m.group(0).split("-")
    if sum(len(g) for g in groups) < _LONG_ID_DIGITS:
        return False
    lengths = tuple(len(g) for g in groups)
    if lengths in _PHONE_GROUPS or lengths == (3, 2, 4):
        return False  # phone and SSN detectors decide these
    if all(_YEAR.fullmatch(g) for g in groups):
        return False  # "2024-2025", "2019-2020-2021"
    if lengths == (4, 2, 2) or (len(groups) > 1 and groups[0] in ("978", "979")):
        return False  # an ISO date; an ISBN
    if len(groups) == 1 and len(groups[0]) == 13 and groups[0][:3] in ("978", "979"):
        return False  # an ISBN-13 without dashes
    if ctx.shielded(m.start(), m.end()):
        return False
    before = ctx.before(m.start(), 40)
    if _NOT_PATIENT_ID.search(before) or _COUNT_BEFORE.search(before):
        return False
    return not _COUNT_AFTER.match(ctx.after(m.end(), 20))


# --- Phone numbers and e-mail addresses -----------------------------------------------------

_PHONE = re.compile(
    r"(?<![\w+/.#-])"
    r"(?:"
    r"\+\d{1,3}[\s.-]?\(?\d{1,4}\)?(?:[\s.-]?\d{2,4}){2,4}"  # international
    r"|(?:\+?1[\s.-]?)?(?:\(\d{3}\)\s?|\d{3}[\s.-])\d{3}[\s.-]\d{4}"  # (312) 555-0147
    r"|(?:\+?1[\s.-]?)?\d{10}"  # 3125550147, needs a phone word (below)
    r"|\d{3}[\s.-]\d{4}"  # 555-0147, needs a phone word (below)
    r")"
    r"(?:\s{0,4}(?:x|ext\.?|extension)\s{0,4}\d{1,6})?"
    r"(?![\w]|[-./]\d)",
    _I,
)
_PHONE_WORD = re.compile(
    r"\b(?:phone|cell|cellphone|mobile|tel|telephone|number|num|#|call|called|calling|text|"
    r"txt|reach|contact|landline|home|work|voicemail|vm|callback|call\s{0,4}back)\b[^.!?\n]{0,25}$",
    _I,
)
_TOLL_FREE = re.compile(r"^(?:\+?1[\s.-]?)?\(?8(?:00|33|44|55|66|77|88)\b")


def _phone(ctx: _Context) -> Iterator[_Cand]:
    if not ctx.has_digit:
        return
    for m in _PHONE.finditer(ctx.text):
        start, end = m.span()
        digits = sum(ch.isdigit() for ch in m.group(0))
        loose = m.group(0).isdigit() or digits == 7  # no separators, or no area code
        if digits < 7 or ctx.shielded(start, end) or _TOLL_FREE.match(m.group(0)):
            continue
        if loose and not _PHONE_WORD.search(ctx.before(start, 40)):
            continue
        if ctx.near_patient(start, end):
            yield _cand("phone", start, end)


def _email(ctx: _Context) -> Iterator[_Cand]:
    if "@" not in ctx.text:
        return
    for m in _EMAIL.finditer(ctx.text):
        if ctx.near_patient(m.start(), m.end()):
            yield _cand("email", m.start(), m.end())


# --- Street addresses -----------------------------------------------------------------------

# Suffixes that are also everyday words ("a 4 hour drive", "no way") count only capitalised.
_SUFFIX_ANY_CASE = (
    r"st|str|street|ave|av|avenue|blvd|boulevard|rd|road|ln|pkwy|parkway|hwy|highway|"
    r"ct|crt|cir|dr|ter|terr|pl|trl|sq|expy|fwy"
)
_SUFFIX_CAPITALISED = (
    r"Drive|Lane|Way|Court|Place|Circle|Terrace|Trail|Square|Row|Loop|Path|Pike|Plaza|Park|"
    r"Crescent|Close|Run|Walk|Alley|Heights|Point|Grove|Ridge|Hill|Commons|Crossing|Bend"
)
_UNIT = (
    r"(?:,?\s{0,4}(?:apt|apartment|unit|suite|ste|fl|floor|#)\.?\s{0,4}#?\s{0,4}[A-Z0-9]{1,5}\b)"
)
_ADDRESS = re.compile(
    r"(?<![\w$€£.,/:#-])(?P<num>\d{1,6}[A-Z]?)(?:-\d{1,4})?"
    r"(?:\s{1,4}(?:[NSEW]\.?|north|south|east|west|N\.?[EW]\.?|S\.?[EW]\.?))?"
    r"(?P<name>(?:\s{1,4}(?!(?:and|or|to|of|the|in|at|on|for|with|by|from)\b)"
    r"(?:[A-Za-z][A-Za-z'\u2019.-]{0,24}|\d{1,3}(?:st|nd|rd|th)\b)){1,3}?)"
    rf"\s{{1,4}}(?P<suffix>(?i:{_SUFFIX_ANY_CASE})\b\.?|(?:{_SUFFIX_CAPITALISED}|"
    rf"{_SUFFIX_CAPITALISED.upper()})\b)"
    rf"(?P<unit>(?i:{_UNIT}))?",
)
_PO_BOX = re.compile(r"(?<![\w])P\.?\s?O\.?\s{0,4}Box\s{1,4}\d{1,6}\b", _I)
# "Dr." and "St." before a name are a title and a saint: "4 on Dr. Kim's list", "3 St. Mary's".
_TITLE_AFTER = re.compile(r"^\s{1,4}(?!(?i:apt|unit|suite|ste|fl|floor)\b)[A-Z][a-z]")
_HOME_WORD = re.compile(
    r"\b(?:lives?|living|resides?|residing|stays?|staying|home|house|apartment|apt|address|"
    r"addr|moved|shelter|motel|trailer|SNF|group\s{1,4}home|nursing\s{1,4}home)\b",
    _I,
)
_OWN_ADDRESS = re.compile(
    r"\b(?:my|our)\s{1,4}(?:new\s{1,4}|old\s{1,4})?(?:place|house|home|apartment|apt|address"
    r"|office|"
    r"building|lab)\b|\bI\s{1,4}(?:live|am|'m|stay)\b|\bI'm\s{1,4}at\b|\bwe\s{1,4}live\b",
    _I,
)


def _address(ctx: _Context) -> Iterator[_Cand]:
    if not ctx.has_digit:
        return
    for m in _ADDRESS.finditer(ctx.text):
        start, end = m.span()
        suffix = m.group("suffix").rstrip(".").lower()
        if suffix in ("dr", "st") and not m.group("unit") and _TITLE_AFTER.match(ctx.after(end, 8)):
            continue
        if _is_home(ctx, start, end, has_unit=bool(m.group("unit"))):
            yield _cand("address", start, end)
    for m in _PO_BOX.finditer(ctx.text):
        if ctx.near_patient(m.start(), m.end()):
            yield _cand("address", m.start(), m.end())


def _is_home(ctx: _Context, start: int, end: int, *, has_unit: bool) -> bool:
    if ctx.near_patient(start, end):
        return True
    around = ctx.before(start, 60) + " " + ctx.after(end, 40)
    if _OWN_ADDRESS.search(around):
        return False  # the member's own place
    return has_unit or bool(_HOME_WORD.search(around))


# --- Ages over 89 -------------------------------------------------------------------------

_AGE_UNIT = (
    r"(?:\s{0,4}-?\s{0,4}(?:years?|yrs?|yr|y)\s{0,4}-?\s{0,4}(?:old|o\b)"
    r"|\s{0,4}-?\s{0,4}y\s{0,4}/\s{0,4}o\b|\s{0,4}y\.\s?o\.?"
    r"|\s{0,4}-?\s{0,4}yo(?=[MF]?\b)|\s{1,4}years?\s{1,4}of\s{1,4}age)"
)
_AGE_NUMBER = r"(?P<n>\d{2,3})"
_ONES = r"(?:one|two|three|four|five|six|seven|eight|nine)"
_AGE_WORDS = (
    rf"(?:ninety(?:[\s-]{_ONES})?"
    rf"|(?:one\s{{1,4}}|a\s{{1,4}})?hundred(?:\s{{1,4}}and)?(?:[\s-](?:{_ONES}|ten))?)"
)
_AGE = re.compile(
    # "92 year old", "92yo F", "92 y/o", "92-year-old" (not "92 year olds", a cohort)
    rf"(?<![\w.,$€£/]){_AGE_NUMBER}{_AGE_UNIT}(?P<sex>\s?[MF]\b)?"
    r"(?!\s{0,4}-?\s{0,4}olds?\b|s\b)"
    # "aged 95", "age: 93", "age of 91"
    r"|\b(?:aged?|ages?\s{1,4}of|age\s{1,4}is|age\s{0,4}[:=])\s{0,4}(?P<n2>\d{2,3})"
    r"(?![\w%+/]|[.,]\d|\s{0,4}(?:-|\u2013|to|or|and|\+)\s{0,4}\w)"
    # "92F with ...", "a 93 M presenting": sex after the number, then a case opening
    r"|(?<![\w.,$€£/°])(?P<n3>\d{2,3})\s?[MF]\b(?=\s{0,4}(?:w/|with|presenting|presents|pmh|hx|h/o|"
    r"s/p|c/o|who|admitted|brought|BIBA|from|[,(]))"
    # "she's 93", "pt is 94", "he just turned 96", "she's ninety two"
    r"|\b(?:pt|patient|he|she)(?:['\u2019]s|\s{1,4}is|\s{1,4}was"
    r"|\s{1,4}(?:just\s{1,4}|is\s{1,4}|will\s{1,4}be\s{1,4})?(?:turned|turning|turns))\s{1,4}"
    rf"(?:(?P<n4>\d{{2,3}})\b|(?P<words2>{_AGE_WORDS})\b)"
    r"(?![.,]\d|\s{0,4}(?:%|/|mg|kg|lb|cm|mm|bpm|degrees|°|\+|-\s{0,4}\d|or\s"
    r"|and\s{1,4}(?:over|older|up)))"
    # "the patient, 92, lives alone"
    r"|\b(?:pt|patient)\s{0,4}[,(]\s{0,4}(?P<n6>\d{2,3})\s{0,4}[,)]"
    # "her 95th birthday"
    r"|(?<![\w.])(?P<n5>\d{2,3})(?:th|st|nd|rd)\s{1,4}(?:birthday|bday|b-day)"
    # "ninety-two year old", "a hundred and one year old", "ninety-one yo"
    rf"|\b(?P<words>{_AGE_WORDS})"
    r"[\s-]{0,4}(?:(?:years?|yrs?)[\s-]{0,4}old|yo\b|y/o)(?![\s-]{0,4}olds?\b|s\b)",
    _I,
)
_AGE_WORD_HINT = re.compile(r"ninety|hundred", _I)
_AGE_GROUPS = ("n", "n2", "n3", "n4", "n5", "n6", "words", "words2")
_AGE_MIN, _AGE_MAX = 90, 125
_AGE_RANGE_BEFORE = re.compile(
    r"(?:\d\s{0,4}(?:-|\u2013|to)|\bover|\bolder\s{1,4}than|[>≥]|\band)\s{0,4}$", _I
)
# The age of a thing, not a person: "a 100-year-old hospital", "the program is 90 years old".
_THINGS = (
    r"(?:hospital|building|institution|program|school|tradition|church|house|journal|"
    r"textbook|book|law|company|tree|bridge|theater|theatre|clinic|practice|organization|"
    r"society|university|college|museum|paper|study|trial|cohort|brand|recipe|song|city|town)"
)
_THING_AFTER = re.compile(rf"^[\s-]{{0,4}}{_THINGS}\b", _I)
_THING_BEFORE = re.compile(
    rf"\b{_THINGS}\s{{1,4}}(?:is|was|turned|turns|will\s{{1,4}}be)\s{{1,4}}(?:now\s{{1,4}})?$", _I
)
_FAMILY_WORD = re.compile(
    r"(?:grand\w*|great-?\w*|abuel[ao]|nana|nonna|nonno|lola|lolo|granny|gran|oma|opa|bubbe|"
    r"zayde|aunt|auntie|uncle|t[ií]a|t[ií]o|neighbou?r|mom|mother|dad|father)",
    _I,
)


def _age(ctx: _Context) -> Iterator[_Cand]:
    if not ctx.has_digit and not _AGE_WORD_HINT.search(ctx.text):
        return
    for m in _AGE.finditer(ctx.text):
        number = next(g for g in m.group(*_AGE_GROUPS) if g)
        if not (_AGE_MIN <= _age_value(number) <= _AGE_MAX):
            continue
        start, end = m.span("n6") if m.group("n6") else m.span()
        before = ctx.before(start, 40)
        if _AGE_RANGE_BEFORE.search(before) or _THING_BEFORE.search(before):
            continue  # "aged 85-95", "over 90", "the program is 90 years old"
        if _THING_AFTER.match(ctx.after(end, 20)):
            continue
        if _own_family(before, ctx.after(end, 30)):
            continue
        yield _cand("age_over_89", start, end)


_MY = re.compile(r"\b(?:my|our)\b", _I)


def _own_family(before: str, after: str) -> bool:
    """'my 94-year-old abuela', 'my abuela is 94 years old': the member's own family."""
    mine = _MY.search(before[-30:])
    if not mine:
        return False
    between = before[mine.end() :]
    return bool(_FAMILY_WORD.search(between) or _FAMILY_WORD.match(after.lstrip(" -")))


_NUMBER_WORDS = {
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
}


def _age_value(number: str) -> int:
    """The age a matched number says: digits, or "ninety-two" / "a hundred and one"."""
    if number.isdigit():
        return int(number)  # at most 3 digits: the patterns bound it
    words = re.findall(r"[a-z]+", number.lower())
    base = 90 if words and words[0] == "ninety" else 100
    return base + sum(_NUMBER_WORDS.get(word, 0) for word in words)


# --- Dates of birth and dates of care -------------------------------------------------------

_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_DATE = re.compile(
    r"(?<![\w/.-])(?:"
    # 3/14/1952, 03-14-52, 3.14.52, 3/14 (a day and month alone only with a slash)
    r"(?P<m>\d{1,2})(?P<sep>[/.-])(?P<d>\d{1,2})(?:(?P=sep)(?P<y>\d{4}|\d{2}))?"
    r"|(?P<iy>\d{4})-(?P<im>\d{1,2})-(?P<id>\d{1,2})"  # 1952-03-14
    # March 14, 1952; 14 March 1952
    rf"|{_MONTH}\s{{1,4}}\d{{1,2}}(?:st|nd|rd|th)?(?:,?\s{{1,4}}\d{{4}}|,?\s{{1,4}}'\d\d)?"
    rf"|\d{{1,2}}(?:st|nd|rd|th)?\s{{1,4}}(?:of\s{{1,4}})?{_MONTH}(?:,?\s{{1,4}}\d{{4}})?"
    r")(?![\w/]|[.-]\d)",
    _I,
)
_BIRTH_LABEL = re.compile(
    r"(?<![\w])(?:DOB|D\.O\.B\.?|date\s{1,4}of\s{1,4}birth|birth\s{0,4}date|birthday|bday|b-day"
    r"|born|b\.)"
    r"(?![\w])",
    _I,
)
# Labels that only ever name a date of care.
_CARE_LABEL = re.compile(
    r"(?<![\w])(?:DOS|date\s{1,4}of\s{1,4}service|DOD|date\s{1,4}of\s{1,4}death"
    r"|time\s{1,4}of\s{1,4}death|TOD|"
    r"(?:admit|admission|discharge|d/c|surgery|procedure|op|delivery|visit)\s{1,4}date|"
    r"DOA|LKW|last\s{1,4}known\s{1,4}well)(?![\w])",
    _I,
)
# Care events: a date after them is a date of care when a patient or ward is near.
_EVENT = re.compile(
    r"(?<![\w])(?:admit(?:s|ted)?|readmitted|discharged?|d/c'?d|seen|saw\s{1,4}(?:him|her|them)|"
    r"presented|came\s{1,4}in|brought\s{1,4}in|transferred|operated|surgery|procedure|delivered|"
    r"died|expired|passed(?:\s{1,4}away)?|coded|intubated|extubated|hospitali[sz]ed|"
    r"(?:ED|ER|clinic)\s{1,4}visit|follow[\s-]{0,4}up|f/u|appt|appointment|scheduled|biopsy|"
    r"scan|MRI|CT|labs\s{1,4}drawn)(?![\w])",
    _I,
)
_FIRST_PERSON_BEFORE = re.compile(
    r"(?:\b(?:my|our)|\bI(?:'m|\s{1,4}am|\s{1,4}was|\s{1,4}got|\s{1,4}get|\s{1,4}have\s{1,4}been"
    r"|\s{1,4}will\s{1,4}be)?|"
    r"\bwe(?:\s{1,4}were|'re|\s{1,4}are)?|\bme)\s{1,4}(?:\w+\s{1,4})?$",
    _I,
)
# Between a birth label and its date: punctuation, Discord/Slack markdown ("**DOB:** 1/2/34")
# and a few small words.
_LABEL_GAP = re.compile(
    r"^[\s:#=,()\-\u2013—*_~`|]{0,8}"
    r"(?:(?:is|was|of|on|the|listed\s{1,4}as|as|=|in|:)[\s:,*_~`|]{0,6}){0,3}$",
    _I,
)
_GAP_MAX = 40
_DATE_MAX = 30  # the longest date: "September 14th, 1952" and spaces


def _dob(ctx: _Context) -> Iterator[_Cand]:
    if not ctx.has_digit or not _DATE.search(ctx.text):
        return
    for label in _BIRTH_LABEL.finditer(ctx.text):
        if not _FIRST_PERSON_BEFORE.search(ctx.before(label.start(), 30)):
            yield from _date_after(ctx, label, birth=True)
    for label in _CARE_LABEL.finditer(ctx.text):
        yield from _date_after(ctx, label)
    for label in _EVENT.finditer(ctx.text):
        if _FIRST_PERSON_BEFORE.search(ctx.before(label.start(), 30)):
            continue  # "I was admitted to med school on 3/1", "my appt 3/14"
        if ctx.near_clinical(label.start(), label.end()):
            yield from _date_after(ctx, label, event=True)


def _date_after(
    ctx: _Context, label: re.Match[str], *, birth: bool = False, event: bool = False
) -> Iterator[_Cand]:
    """The date right after a label, with the label in the span ("DOB 3/14/1952")."""
    date = _DATE.search(ctx.text, label.end(), label.end() + _GAP_MAX + _DATE_MAX)
    if not date or date.start() - label.end() > _GAP_MAX or not _valid_date(date):
        return
    gap = ctx.text[label.end() : date.start()]
    # A birth label is followed by its date; a care event may have a few words between
    # ("admitted to 5 West on 2/3"), but no sentence break.
    if birth and not _LABEL_GAP.match(gap):
        return
    if not birth and (re.search(r"[.!?;\n]", gap) or len(gap.split()) > 5):
        return
    start, end = label.start(), date.end()
    if not _has_year(date):
        # A bare "3/14" is too often someone's own schedule or a colleague's birthday
        # ("born 3/14! happy birthday chief", "biopsy lab on 2/3"): it needs a patient near.
        near = ctx.near_patient if event else ctx.near_clinical
        if (birth or event) and not near(start, end):
            return
    yield _cand("dob", start, end)


def _has_year(date: re.Match[str]) -> bool:
    return bool(date.group("y") or date.group("iy") or re.search(r"\d{4}|'\d\d", date.group(0)))


def _valid_date(date: re.Match[str]) -> bool:
    if date.group("m"):
        month, day = int(date.group("m")), int(date.group("d"))
        if date.group("sep") != "/" and not date.group("y"):
            return False  # "3.2" is a lab value, "2-3" a range
        return 1 <= month <= 12 and 1 <= day <= 31
    if date.group("iy"):
        return 1 <= int(date.group("im")) <= 12 and 1 <= int(date.group("id")) <= 31
    return True  # a month's name with a day


# --- Rooms and beds -------------------------------------------------------------------------

# Not a place when a unit, a time or a range follows: "in bed 10 hours", "bed 2am", "room 2-3".
_NOT_A_PLACE_AFTER = (
    r"(?!\s{0,4}(?:%|/|:\d|\.\d|-\s{0,4}\d"
    r"|(?:hours?|hrs?|h|mins?|minutes|days?|d|weeks?|wks?|months?|years?|yrs?|times|x"
    r"|am|pm|a\.m|p\.m|o'?clock|mg|ml|units?|people|students|of\s{1,4}\d)\b))"
)
_ROOM = re.compile(
    r"(?<![\w-])(?:room|rm|rm\.|rm#)\s{0,4}(?:#|no\.?|number)?"
    r"\s{0,4}(?:\d{1,4}[A-Z]?|[A-Z]\d{1,4})\b" + _NOT_A_PLACE_AFTER,
    _I,
)
_BED = re.compile(
    # "bed 3", "bay 4 bed 2", "pod B bed 3", "stretcher 9"
    r"(?<![\w-])(?:(?:bay|pod|hall(?:way)?|room|rm)\s{0,4}#?\s{0,4}[A-Z0-9]{1,4}\s{0,4},?\s{0,4})?"
    r"(?:bed|bd|stretcher|gurney|crib|isolette|cubicle)"
    r"\s{0,4}(?:#|no\.?|number)?\s{0,4}\d{1,3}[A-Z]?\b" + _NOT_A_PLACE_AFTER,
    _I,
)
_WARD_BED = re.compile(
    r"(?<![\w-])(?:\d{1,2}\s?(?i:west|east|north|south)|\d{1,2}[NSEWnsew]|"
    r"(?:M|S|N|P|CV|CT|Neuro|Trauma|Burn)?ICU|CCU|PACU|SDU|ED|ER)"
    r"\s?(?:-|#|/)\s?(?P<bed>\d{1,3}[A-Z]?)\b(?![-/.]\d)",
)
_BAY = re.compile(r"(?<![\w-])bay\s{0,4}#?\s{0,4}\d{1,2}[A-Z]?\b" + _NOT_A_PLACE_AFTER, _I)
# Rooms that are not a patient's: "call room 3", "breakout room 4", "OSCE room 2".
_MEETING_ROOM_BEFORE = re.compile(
    r"\b(?:call|conference|conf|breakout|break-out|lecture|study|class|seminar|sim|"
    r"simulation|OSCE|zoom|meeting|team|work|resident|residents|break|locker|hotel|dorm|"
    r"lounge|library|board|storage|supply|waiting|dining|ballroom|exhibit|poster|lab|"
    r"interview|huddle|escape|chat|call-room|office|standardized\s{1,4}patient|SP)"
    # "team room is 5W-210"
    r"(?:\s{1,4}(?:room|rm|office)(?:\s{1,4}(?:is|in|at))?)?\s{0,4}[:=]?\s{0,4}$",
    _I,
)
# A titled name next to a room makes it a patient's room, and the other way round:
# "Mr. Thompson (rm 12)".
_TITLE_NEAR = 40  # characters


def _room_bed(ctx: _Context) -> Iterator[_Cand]:
    if not ctx.has_digit:
        return
    for m in _BED.finditer(ctx.text):
        if not ctx.near_simulation(m.start(), m.end()):
            yield _cand("room_bed", m.start(), m.end())
    for m in _WARD_BED.finditer(ctx.text):
        if not _meeting_room(ctx, m.start()):
            yield _cand("room_bed", m.start(), m.end())
    for pattern in (_ROOM, _BAY):
        for m in pattern.finditer(ctx.text):
            if _meeting_room(ctx, m.start()):
                continue
            if ctx.near_clinical(m.start(), m.end()) or _titled_name_near(ctx, m.start(), m.end()):
                yield _cand("room_bed", m.start(), m.end())


def _meeting_room(ctx: _Context, start: int) -> bool:
    return bool(_MEETING_ROOM_BEFORE.search(ctx.before(start, 30))) or ctx.near_simulation(
        start, start + 1
    )


def _titled_name_near(ctx: _Context, start: int, end: int) -> bool:
    around = ctx.before(start, _TITLE_NEAR) + " " + ctx.after(end, _TITLE_NEAR)
    return any(_is_surname(m.group(0).split()[1]) for m in _TITLE_NAME.finditer(around))


def _room_near(ctx: _Context, start: int, end: int) -> bool:
    around = ctx.before(start, _TITLE_NEAR) + " " + ctx.after(end, _TITLE_NEAR)
    for pattern in (_ROOM, _BED, _WARD_BED):
        m = pattern.search(around)
        if m and not _MEETING_ROOM_BEFORE.search(around[: m.start()]):
            return True
    return False


# --- Names and other details after a patient word ---------------------------------------------


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Capitalised words that follow "patient" and are not a name: function words, headings
# ("Patient Safety"), languages, days and months.
_NOT_A_NAME = _words(
    """
    a an the and or but so if of in on at to for with by from as is was are were be been has
    had have do did does not no yes i i'm im he she they we you it his her their our my your
    this that these those who whom which what when where why how here there then today
    tonight yesterday tomorrow now also just still again only very really too all any some
    every each both either neither one two three first second third last next new old
    safety care centered centred experience portal advocate advocacy education navigator
    satisfaction access services relations rights family partners protection outcomes
    quality privacy presentation presentations list lists census note notes chart charts
    case cases interview interviews encounter encounters history physical exam exams
    evaluation eval assessment plan update updates handoff signout signouts zero load
    volume volumes population populations panel panels satisfaction survey surveys
    doe doctor dr nurse np pa md do rn attending resident residents intern interns
    student students team teams room rooms bed beds unit units floor floors icu ed er or
    english spanish french portuguese mandarin cantonese chinese vietnamese korean
    japanese arabic hindi urdu bengali punjabi tagalog filipino russian polish haitian
    creole somali amharic swahili farsi persian hmong navajo asl deaf black white asian
    latino latina latinx latine hispanic indigenous native african american caucasian
    jewish muslim christian catholic hindu buddhist sikh jehovah's jehovah witness
    monday tuesday wednesday thursday friday saturday sunday
    january february march april may june july august september october november december
    jan feb mar apr jun jul aug sep sept oct nov dec
    medicare medicaid tricare va covid hiv aids cancer copd chf ckd esrd dm htn hld cad
    afib mi pe dvt uti cva tia gi gu ent ob gyn ob/gyn peds psych neuro cards pulm renal
    heme onc id im em fm ams ama dnr dni npo loc sob cp abd n/v
    """
)
# Two or three capitals after "pt" are usually an abbreviation ("pt CHF", "pt AMA"), not
# initials; dotted initials ("J.D.") always count.
_INITIALS_OK_AFTER = re.compile(
    r"^\s{0,4}(?:['\u2019]s\b|,|\)|is\b|was\b|has\b|had\b|who\b|came\b|said\b|$)"
)
# "Maria", "Lopez-Garcia", "O'Neil", "McDonald", "DeShawn"; not "SpO2" or "ICU"
_NAME_PART = r"[A-Z][a-z]?(?:['\u2019]?[A-Z])?[a-z]{1,30}"
_NAME_WORD = rf"{_NAME_PART}(?:-{_NAME_PART}){{0,3}}"
_TITLE = r"(?:Mr|Mrs|Ms|Miss|Mx|Mister|Sr|Sra|Srta)"
_TITLED = rf"{_TITLE}\.?\s{{1,4}}(?:{_NAME_WORD}|[A-Z])(?:\s{{1,4}}{_NAME_WORD})?(?!\w)"  # "Mrs. G"
_NAMED = (
    r"(?:named|name\s{1,4}is|name's|names\s{1,4}are|called|goes\s{1,4}by|aka|a\.k\.a\.?|initials)"
)
_AFTER_PATIENT = re.compile(
    # "my patient's daughter Ana", "pt (Mr. Johnson)", "patient: Lopez, Maria", "pt named jo"
    rf"(?:(?:['\u2019]s?)?\s{{1,4}}(?P<rel>{_RELATIVE})\b)?"
    r"\s{0,4}(?:[,:(\[\-\u2013—\"'“]\s{0,4})?"
    rf"(?:(?P<named>{_NAMED})\s{{0,4}}[,:\"'“]?\s{{0,4}})?"
    r"(?P<name>"
    rf"{_TITLED}"  # a title and a name
    r"|[A-Z]\.\s?[A-Z]\.(?:\s?[A-Z]\.)?"  # dotted initials
    rf"|{_NAME_WORD}(?:,?\s{{1,4}}(?:{_NAME_WORD}|[A-Z]\.))?(?!\w)"  # a capitalised name
    r"|[A-Z]{2,3}\b"  # undotted initials
    r"|[a-z][a-z'\u2019-]+\b"  # lower case: only after "named"
    r")",
)
_TITLE_NAME = re.compile(rf"(?<![\w.]){_TITLED}")
_FULL_NAME = re.compile(
    r"\b(?:(?:first|last|full|sur)\s{0,4}name|surname)\s{0,4}(?:is|:|=|-)?\s{0,4}"
    r"[A-Z][a-z'\u2019-]{1,30}",
    _I,
)
# A named employer: "works at the Ford plant", "employer, Amazon", "a teacher at Roosevelt
# High", "from the Tyson plant".
_ORG = r"(?P<org>[A-Z][\w&'\u2019-]{0,30}(?:\s{1,4}[A-Z][\w&'\u2019-]{0,30}){0,3})"
_EMPLOYER = re.compile(
    r"\b(?:(?:works?|working|worked|employed|job)\s{1,4}(?:at|for"
    r"|as\s{1,4}(?:an?\s{1,4})?\w+\s{1,4}(?:at|for))"
    r"|employer\s{0,4}(?:is|,|:|-)?|(?:an?|the)\s{1,4}[a-z]+\s{1,4}at)\s{1,4}(?:the\s{1,4})?"
    rf"{_ORG}"
    rf"|\bfrom\s{{1,4}}the\s{{1,4}}{_ORG.replace('org', 'org2')}(?:\s{{1,4}}[a-z]+)?\s{{1,4}}"
    r"(?:plant|factory|mill|warehouse|mine|store|shop|restaurant|farm|refinery|depot|yard)\b"
)
_ABBREVIATIONS = _words(
    """
    ED ER OR ICU CCU CHF COPD CKD AKI ESRD DM HTN HLD CAD MI PE DVT UTI CVA TIA GI GU ENT AMA
    DNR DNI NPO SOB CP HIV TB MS ALS RA SLE IBD UC CF OSA BPH ADHD PTSD OCD MDD GAD SI HI AVH
    IV IM PO PR SQ ICD CPT OT PT SLP SW CM PCP NP PA RN MD DO HPI PMH ROS CT MRI EKG ECG ABG
    CBC BMP CMP LFT TSH INR PTT BNP EF AF VT VF SVT NSR GCS LOC AMS DKA HHS GERD PUD SBO LGIB
    UGIB CAP HAP VAP SIRS ARDS BIBA BIBEMS EMS SNF LTC ALF HH OB GYN ANC IUP LMP EDD GBS NICU
    PICU MICU SICU NAD WNL PRN BID TID QID QD HS AM PM US USA UK ID IS IT AND THE BUT
    HR RR BP SBP DBP MAP SPO2 O2 UOP BMI LOS ETOH
    """
)


def _patient_detail(ctx: _Context) -> Iterator[_Cand]:
    for m in _PATIENT_WORD.finditer(ctx.text):
        if _NOT_REAL_BEFORE.search(ctx.text, max(0, m.start() - 20), m.start()):
            continue
        found = _name_after(ctx.text, m)
        if found:
            yield _cand("patient_detail", *found)
    for m in _TITLE_NAME.finditer(ctx.text):
        if not _is_surname(m.group(0).split()[1]):
            continue
        if ctx.near_clinical(m.start(), m.end()) or _room_near(ctx, m.start(), m.end()):
            yield _cand("patient_detail", m.start(), m.end())
    for m in _FULL_NAME.finditer(ctx.text):
        if ctx.near_patient(m.start(), m.end()):
            yield _cand("patient_detail", m.start(), m.end())
    for m in _EMPLOYER.finditer(ctx.text):
        org = m.group("org") or m.group("org2") or ""
        if _is_name(org.split()[0]) and ctx.near_patient(m.start(), m.end()):
            yield _cand("patient_detail", m.start(), m.end())


def _name_after(text: str, cue: re.Match[str]) -> tuple[int, int] | None:
    """The span of a name or initials right after a patient word, if there is one."""
    m = _AFTER_PATIENT.match(text, cue.end(), min(len(text), cue.end() + 80))
    if not m:
        return None
    name = m.group("name")
    start, end = m.span("name")
    if name[0].islower():
        return (start, end) if m.group("named") else None
    if re.fullmatch(r"[A-Z]{2,3}", name):
        after = text[end : end + 12]
        if name in _ABBREVIATIONS or not _INITIALS_OK_AFTER.match(after):
            return None
        return start, end
    if "." in name[:3] and re.match(r"[A-Z]\.", name):
        return start, end  # dotted initials
    words = re.findall(r"[\w'\u2019-]+", name)
    if re.match(_TITLE, name):
        return (start, end) if len(words) > 1 and _is_surname(words[1]) else None
    if not _is_name(words[0]):
        return None
    # "our Patient Experience Week": a capitalised cue mid-sentence is a heading.
    if cue.group(0)[0].isupper() and not m.group("named") and not _line_start(text, cue.start()):
        return (start, end) if len(words) > 1 and _is_name(words[-1]) else None
    return start, end


def _is_name(word: str) -> bool:
    return word.lower().strip("'\u2019.-") not in _NOT_A_NAME and not word.isupper()


def _is_surname(word: str) -> bool:
    """After a title one capital is enough: "Mrs. G", "Mr. O'Neil"."""
    return word.lower().strip("'\u2019.-") not in _NOT_A_NAME


def _line_start(text: str, offset: int) -> bool:
    before = text[max(0, offset - 3) : offset].strip(" *_>`-#")
    return not before or before[-1] in ".!?\n:"


# --- All detectors ---------------------------------------------------------------------------

_DETECTORS = (_ssn, _mrn, _phone, _email, _address, _age, _dob, _room_bed, _patient_detail)

"""The patient-information detector: corpus figures, one example per rule (flagged and
passing, with spans), and properties over any text."""

from __future__ import annotations

import dataclasses
import json

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from bench.phi_bench import CORPUS, HELDOUT, STRUCTURED, Figures, figures, load
from bot.phi import EXCERPT_MAX, KINDS, LABELS, Finding, find_patient_info

# --- The labelled corpus ---------------------------------------------------------------------

RECALL_STRUCTURED_MIN = 0.95
FALSE_POSITIVE_RATE_MAX = 0.02
# The held-out file was not tuned against: its figures are the honest ones, with some room.
HELDOUT_RECALL_STRUCTURED_MIN = 0.90
HELDOUT_FALSE_POSITIVE_RATE_MAX = 0.04


def show(name: str, fig: Figures) -> str:
    kinds = ", ".join(f"{kind} {caught}/{total}" for kind, (caught, total) in fig.per_kind.items())
    text = (
        f"{name}: recall structured {fig.recall_structured:.3f}, overall "
        f"{fig.recall_overall:.3f}, precision {fig.precision:.3f}, "
        f"FPR {fig.false_positive_rate:.3f} ({kinds})"
        f"\n  missed: {[post.text for post in fig.missed]}"
        f"\n  false positives: {[post.text for post in fig.false_positives]}"
    )
    print(text)
    return text


def test_the_corpus_is_well_formed() -> None:
    rows = []
    for path in (CORPUS, HELDOUT):
        for line in path.read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            assert set(row) == {"text", "phi", "kinds"}
            assert isinstance(row["text"], str) and row["text"].strip()
            assert set(row["kinds"]) <= set(KINDS)
            assert bool(row["kinds"]) == row["phi"]
            rows.append(row)
    texts = [row["text"] for row in rows]
    assert len(texts) == len(set(texts)), "a post is in the corpus twice"

    corpus = load(CORPUS)
    assert sum(post.phi for post in corpus) >= 220
    assert sum(not post.phi for post in corpus) >= 220
    for kind in KINDS:
        assert sum(kind in post.kinds for post in corpus) >= 15, kind
    heldout = load(HELDOUT)
    for phi in (True, False):
        kept = sum(post.phi == phi for post in heldout)
        total = kept + sum(post.phi == phi for post in corpus)
        assert 0.2 <= kept / total <= 0.3  # about a quarter of each class is held out


def test_corpus_figures_meet_the_targets() -> None:
    fig = figures(load(CORPUS))
    text = show("corpus", fig)
    assert fig.recall_structured >= RECALL_STRUCTURED_MIN, text
    assert fig.false_positive_rate < FALSE_POSITIVE_RATE_MAX, text


def test_heldout_figures_meet_the_targets() -> None:
    fig = figures(load(HELDOUT))
    text = show("held-out", fig)
    assert fig.recall_structured >= HELDOUT_RECALL_STRUCTURED_MIN, text
    assert fig.false_positive_rate < HELDOUT_FALSE_POSITIVE_RATE_MAX, text


def test_structured_kinds_are_all_but_names() -> None:
    assert frozenset(KINDS) - STRUCTURED == {"patient_detail"}


# --- Examples: flagged, with the flagged words -------------------------------------------------

FLAGGED = [
    # mrn: labelled, any format; and long bare numbers
    ("mrn", "pls check MRN 12345678 before rounds", "MRN 12345678"),
    ("mrn", "MRN: 00-123-456 needs a repeat lactate", "MRN: 00-123-456"),
    ("mrn", "cosign the note for acct #4455667788 pls", "acct #4455667788"),
    ("mrn", "FIN 12345 keeps bouncing back", "FIN 12345"),
    ("mrn", "mrn1029384 chest pain r/o", "mrn1029384"),
    ("mrn", "accession # 22-SP-10392 is mislabeled", "accession # 22-SP-10392"),
    ("mrn", "can you look up 10384756 in cerner", "10384756"),
    ("mrn", "pt #4471920 left AMA", "pt #4471920"),
    # dob: birth labels always, care dates near a patient or ward word
    ("dob", "DOB 3/14/1952 on the wristband", "DOB 3/14/1952"),
    ("dob", "she was born 03/14/52, so renal dosing", "born 03/14/52"),
    ("dob", "Date of birth: January 5, 1961.", "Date of birth: January 5, 1961"),
    ("dob", "my pt was admitted on 2/3/2024 w/ sepsis", "admitted on 2/3/2024"),
    ("dob", "DOS 10/12/2023 for the clinic visit", "DOS 10/12/2023"),
    ("dob", "pt expired 1/15/24 at 0342", "expired 1/15/24"),
    # age_over_89: exact ages of 90 or more
    ("age_over_89", "had a 92 year old with a hip fx", "92 year old"),
    ("age_over_89", "92yo F w/ AMS", "92yo F"),
    ("age_over_89", "92 y/o F from SNF", "92 y/o F"),
    ("age_over_89", "pt aged 95 wants full code", "aged 95"),
    ("age_over_89", "She's 93 and lives alone", "She's 93"),
    ("age_over_89", "a ninety-six year old patient", "ninety-six year old"),
    ("age_over_89", "CC: 93F with SOB", "93F"),
    ("age_over_89", "celebrated my pt's 99th birthday", "99th birthday"),
    # phone: near a patient or a patient's family
    ("phone", "pt's daughter wants a callback at 312-555-0147", "312-555-0147"),
    ("phone", "call the family at (617) 555-0199", "(617) 555-0199"),
    ("phone", "pt's son in Mexico, +52 55 1234 5678", "+52 55 1234 5678"),
    ("phone", "the pt gave me his cell 4155550136", "4155550136"),
    # email: near a patient or a patient's family
    ("email", "the pt emailed me from maria.lopez62@gmail.com", "maria.lopez62@gmail.com"),
    ("email", "pt's guardian email - g.ortega@comcast.net", "g.ortega@comcast.net"),
    # address: near a patient, or a home
    ("address", "pt lives at 4500 W Elm Avenue Apt 3", "4500 W Elm Avenue Apt 3"),
    ("address", "pt gets mail at 123 Main St", "123 Main St"),
    ("address", "he lives at 501 e 12th st, 3rd floor", "501 e 12th st"),
    ("address", "the family lives at 4 Elm Street apt 2", "4 Elm Street apt 2"),
    # ssn: always
    ("ssn", "there's an SSN 123-45-6789 in the doc", "SSN 123-45-6789"),
    ("ssn", "pt gave 555-12-3456 as her social", "555-12-3456"),
    ("ssn", "SSN 123456789", "SSN 123456789"),
    ("ssn", "his social: 723-01-4456", "social: 723-01-4456"),
    # room_bed: beds and ward codes always, rooms near a patient or ward word
    ("room_bed", "my pt in room 412 keeps pulling her IV", "room 412"),
    ("room_bed", "rm 12B needs a sitter", "rm 12B"),
    ("room_bed", "bed 3 has been boarding 40 hrs", "bed 3"),
    ("room_bed", "bay 4 bed 2 needs a glucose", "bay 4 bed 2"),
    ("room_bed", "4West-12 is refusing labs", "4West-12"),
    ("room_bed", "MICU-7 extubated this AM", "MICU-7"),
    # patient_detail: names and initials after a patient word
    ("patient_detail", "my patient Maria Lopez asked about her meds", "Maria Lopez"),
    ("patient_detail", "pt Mr. Johnson is refusing", "Mr. Johnson"),
    ("patient_detail", "pt J.D. came back", "J.D."),
    ("patient_detail", "patient named keisha wants a female provider", "keisha"),
    ("patient_detail", "my patient's daughter Ana translates", "Ana"),
    ("patient_detail", "patient: Garcia, Luis needs an interpreter", "Garcia, Luis"),
    ("patient_detail", "Mrs. Washington's biopsy was benign", "Mrs. Washington"),
    ("patient_detail", "my pt works at the Ford plant", "works at the Ford"),
]


@pytest.mark.parametrize(("kind", "text", "flagged"), FLAGGED)
def test_flagged(kind: str, text: str, flagged: str) -> None:
    findings = find_patient_info(text)
    assert [f.kind for f in findings] == [kind], findings
    finding = findings[0]
    assert text[finding.start : finding.end] == flagged
    assert finding.excerpt == flagged
    assert finding.label == LABELS[kind]


def test_every_kind_has_flagged_examples() -> None:
    assert {kind for kind, _, _ in FLAGGED} == set(KINDS)


def test_digits_of_any_script_count() -> None:
    # \d is Unicode: fullwidth digits are digits too, and the spans stay in the original text.
    text = "MRN \uff11\uff12\uff13\uff14\uff15\uff16\uff17\uff18"
    assert [(f.kind, f.start, f.end) for f in find_patient_info(text)] == [("mrn", 0, len(text))]


def test_several_findings_come_in_order() -> None:
    text = "> **pt:** Mr. Diaz, 91yo, rm 14, MRN 4403921, DOB 5/5/1931"
    findings = find_patient_info(text)
    assert [(f.kind, f.excerpt) for f in findings] == [
        ("patient_detail", "Mr. Diaz"),
        ("age_over_89", "91yo"),
        ("room_bed", "rm 14"),
        ("mrn", "MRN 4403921"),
        ("dob", "DOB 5/5/1931"),
    ]


def test_a_long_span_is_cut_in_the_excerpt() -> None:
    text = "pt lives at 12345 North Whispering Pines Boulevard Apt 12B now"
    (finding,) = find_patient_info(text)
    assert finding.kind == "address"
    assert text[finding.start : finding.end] == "12345 North Whispering Pines Boulevard Apt 12B"
    assert len(finding.excerpt) == EXCERPT_MAX
    assert finding.excerpt == text[finding.start : finding.end][: EXCERPT_MAX - 1] + "…"


def test_findings_are_frozen_values() -> None:
    (finding,) = find_patient_info("MRN 12345678")
    assert finding == Finding("mrn", LABELS["mrn"], 0, 12, "MRN 12345678")
    with pytest.raises(dataclasses.FrozenInstanceError):
        finding.kind = "ssn"  # type: ignore[misc]


# --- Examples: ordinary posts that pass -----------------------------------------------------

PASSING = [
    # mrn near-misses: years, counts, links, mentions, IDs that are not a patient's
    "the 2024-2025 cycle was brutal",
    "ISBN 978-0-12-345678-9 is the new edition",
    "ISBN 9780123456789",
    "PMID: 31234567 is the trial everyone cites",
    "see doi 10.1056/NEJMoa2034577",
    "my NPI is 1234567890, do I need it for the VA app?",
    "Zoom meeting ID 891 2345 6789, passcode 123456",
    "<@123456789012345678> congrats on matching!!",
    "https://pubmed.ncbi.nlm.nih.gov/31234567/",
    "a cohort of 2345678 veterans",
    "n=1234567 in the pooled sample",
    "1,234,567 patients across 3 years",
    "our IRB protocol # is 2023-0456",
    "PGY-2, USMLE, CBSE, Step 1 score 250",
    "Step 2 CK 260 — competitive for derm?",
    "HbA1c 7.2, BP 120/80, K 3.2, troponin 0.04",
    "vanc 15-20 mg/kg q8-12h, 10 mg/kg for peds",
    "ICD-10 code I21.4 for NSTEMI, CPT 99213 for the visit",
    # dob near-misses: the member's own schedule and birthday
    "my shelf exam is on 3/14",
    "interview on Nov 5 with Hopkins",
    "ERAS opens 6/5, my interview on 10/21",
    "I was born 3/14/1996 so my birthday is on pi day",
    "I was admitted to med school off the waitlist on 5/2",
    "Happy birthday to our chief, born 3/14!",
    "born and raised in Chicago, born in 1962",
    # ages under 90, aggregates, things, the member's family
    "a 45 year old with chest pain",
    "65 yo M with painless jaundice",
    "in her 90s you don't chase an A1c",
    "patients aged 90 or older were excluded",
    "write 90+ in the case presentation",
    "the trial enrolled adults aged 18-95",
    "95 year olds in that cohort did best",
    "our hospital is a 100-year-old institution",
    "my 94-year-old abuela is why I chose geriatrics",
    "her sat is 92 on 2L, temp 96.8, HR 92",
    "I got 92 on the practice NBME",
    # contact details of members, staff and hotlines
    "text me at 312-555-0147 if you want to join the study group",
    "email me at jdoe@uic.edu about applying EM as a URiM student",
    "Dr. Kim is super approachable, her email is kim.j@med.edu",
    "poison control: 1-800-222-1222",
    "my partner and I are couples matching, email us at smiths2025@gmail.com",
    # venues and the member's own place
    "the mixer is at 1520 Harbor Blvd on friday",
    "moved into my new place at 45 Elm St Apt 2, housewarming saturday!",
    "it's a 4 hour drive to the interview",
    "took 2 sick days this block",
    "my apt at 3 with the dean got moved to 4",
    # rooms and beds that are not a patient's
    "room for improvement",
    "the call room on 6 has the worst mattress",
    "we're in breakout room 4 for small group",
    "OSCE room 12 had the broken BP cuff",
    "the standardized patient in room 4 gave great feedback",
    "In the sim lab, bed 2 mannequin is broken",
    "hotel room 412 if anyone wants to pregame",
    "bed rest for 2 weeks, bedside teaching, a 300 bed hospital",
    "went to bed 2am, woke up 5am",
    "our team room is 5W-210",
    "page me at the nurses station",
    # names that are not a patient's
    "Patient Safety Week starts Monday",
    "Dr. Smith is the best attending",
    "Ms. Rivera, our program coordinator, is the best",
    "the pt's HR is 95 and BP 100/60",
    "the patient's SpO2 was 92 on room air",
    "I have 5 pt on the Likert scale",
    "PT/INR 14.2/1.1, PT and OT recommend home",
    "had a patient today who taught me more than any lecture",
]


@pytest.mark.parametrize("text", PASSING)
def test_passing(text: str) -> None:
    assert find_patient_info(text) == []


def test_own_family_and_colleagues_differ_from_patients() -> None:
    assert find_patient_info("my mom's email is mom1965@gmail.com") == []
    assert [f.kind for f in find_patient_info("pt's mom's email is mom1965@gmail.com")] == ["email"]
    assert find_patient_info("I was discharged on 2/3 after my appendectomy") == []
    assert [f.kind for f in find_patient_info("she was discharged on 2/3, pt is back")] == ["dob"]


# --- Properties over any text ------------------------------------------------------------------

FRAGMENTS = [
    *("MRN", "mrn:", "#", "acct", "FIN", "1234567", "99999999999", "0", "1", "7", "9"),
    *("pt", "pt's", "patient", "my patient", "Mr.", "Mrs.", "J.D.", "JD", "named", "works at"),
    *("room", "rm", "bed", "bay", "4West-", "5N-", "MICU-", "the family", "daughter"),
    *("DOB", "born", "admitted on", "3/14/1952", "2/3", "12-31-99", "2024-03-14", "March 14,"),
    *("92", "92yo", "y/o", "year old", "aged", "ninety-", "SSN", "123-45-6789"),
    *("312-555-0147", "(617)", "+44", "@", ".com", "gmail", "St", "Ave", "Apt", "lives at"),
    *("PO Box", "<@", ">", "https://", "10.", "/", "-", ".", ",", ":", "'", "\n", " ", "  "),
    *("\u200b", "\u2026", "\u0663", "\uff11"),  # invisible, ellipsis, Arabic-Indic, fullwidth
]
pieces = st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=4))
mixed_texts = st.lists(pieces, max_size=16).map("".join)
any_text = st.one_of(st.text(), mixed_texts)
EXAMPLES = 10_000  # about 10 s on 2 cores
seen: list[str] = []


def check_findings(text: str) -> None:
    findings = find_patient_info(text)
    previous_end = 0
    for finding in findings:
        assert finding.kind in KINDS
        assert finding.label == LABELS[finding.kind]
        assert 0 <= previous_end <= finding.start < finding.end <= len(text)
        flagged = text[finding.start : finding.end]
        if len(flagged) <= EXCERPT_MAX:
            assert finding.excerpt == flagged
        else:
            assert finding.excerpt == flagged[: EXCERPT_MAX - 1] + "…"
        previous_end = finding.end


@settings(max_examples=EXAMPLES, deadline=None)
@given(any_text)
@example("")
@example("\x00\ud800 MRN pt DOB 99/99/9999 bed 999 @@")
@example("1" * 5000)
def test_any_text_gives_sound_findings(text: str) -> None:
    check_findings(text)
    seen.append(text)


def test_the_property_saw_ten_thousand_texts() -> None:
    # Runs after the property above (pytest keeps file order); skipped when run alone.
    if not seen:
        pytest.skip("run with test_any_text_gives_sound_findings")
    assert len(seen) >= EXAMPLES
    assert sum(bool(find_patient_info(text)) for text in seen) > 0  # the fragments found some


@pytest.mark.parametrize(
    "text",
    [
        "1" * 100_000,
        "1 " * 50_000,
        "a" * 100_000 + "@",
        "pt " * 30_000,
        "room 4 pt " * 10_000,
        "Mr. " * 25_000,
        "1-" * 50_000,
        "#" * 100_000,
        "DOB 3/14/1952 " * 5_000,
        "92" + " " * 100_000 + "x",
        "12" + "\t" * 100_000 + "Main",
        "room" + " " * 100_000 + "4",
    ],
    ids=[
        *("digits", "spaced-digits", "at", "pt", "room", "titles", "dashes", "hashes", "dobs"),
        *("age-spaces", "address-tabs", "room-spaces"),
    ],
)
def test_long_adversarial_text_finishes(text: str) -> None:
    # No timing assertion: the suite's timeout is the guard against backtracking blow-ups.
    check_findings(text)

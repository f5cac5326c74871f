"""Member search: what ranks first, what counts as a match, and that any input is safe."""

from __future__ import annotations

import random

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from cogs.intros.search import _WORD, _WORD_BYTES, Document, Hit, _blob, _fold, rank


def doc(
    key: str,
    *,
    name: str = "Sam Doe",
    stage: str = "other",
    institution: str = "",
    interests: tuple[str, ...] = (),
    looking_for: tuple[str, ...] = (),
    about: str = "Hello everyone.",
) -> Document:
    return Document(key, name, stage, institution, interests, looking_for, about)


def keys(hits: list[Hit]) -> list[str]:
    return [hit.key for hit in hits]


# A community with a little of everything, so that idf is not degenerate.
CROWD = [
    doc("c1", stage="premed", interests=("cardiology",), about="Biology major, love to run."),
    doc("c2", stage="attending", interests=("family medicine",), institution="Meharry"),
    doc("c3", stage="fellow", interests=("nephrology",), about="I teach and do research."),
    doc("c4", stage="medical student", interests=("dermatology", "public health")),
    doc("c5", stage="resident", interests=("urology",), institution="UCLA"),
]


# --- relevance ------------------------------------------------------------------------------


def test_a_whole_interest_in_the_query_beats_the_same_words_split_across_interests() -> None:
    docs = [
        *CROWD,
        doc("split", interests=("anesthesiology", "pediatrics")),
        doc("exact", interests=("pediatric anesthesiology", "global health", "medical education")),
        doc("half", interests=("pediatrics",)),
        doc("other-half", interests=("anesthesiology",)),
    ]
    hits = rank("pediatric anesthesiology", docs)
    assert keys(hits)[:2] == ["exact", "split"]
    assert set(keys(hits)) == {"exact", "split", "half", "other-half"}
    assert hits[0].matched[0] == "interest: pediatric anesthesiology"
    # Shorthand reaches the same phrase.
    assert keys(rank("peds gas", docs))[:2] == ["exact", "split"]
    assert keys(rank("Pediatric Anesthesia", docs))[:2] == ["exact", "split"]


@pytest.mark.parametrize(
    ("query", "stage"),
    [
        ("med student", "medical student"),
        ("medical students", "medical student"),
        ("MS3", "medical student"),
        ("ms-1", "medical student"),
        ("ms 4", "medical student"),
        ("resident", "resident"),
        ("residents", "resident"),
        ("residency", "resident"),
        ("PGY-2", "resident"),
        ("pgy7", "resident"),
        ("attending", "attending"),
        ("faculty", "attending"),
        ("physicians", "attending"),
        ("premed", "premed"),
        ("pre-med", "premed"),
        ("Pre Meds", "premed"),
        ("fellow", "fellow"),
        ("fellowship", "fellow"),
    ],
)
def test_stage_synonyms_find_members_at_that_stage(query: str, stage: str) -> None:
    docs = [doc(s, stage=s) for s in ("premed", "medical student", "resident", "fellow")]
    docs += [doc("attending", stage="attending"), doc("other", stage="other")]
    hits = rank(query, docs)
    assert keys(hits) == [stage]
    assert hits[0].matched == (f"stage: {stage}",)


@pytest.mark.parametrize(
    ("query", "interest"),
    [
        ("peds", "Pediatrics"),
        ("ped", "Pediatrics"),
        ("gas", "Anesthesiology"),
        ("anesthesia", "Anesthesiology"),
        ("anesthesiologist", "Anesthesiology"),
        ("em", "Emergency Medicine"),
        ("EM", "Emergency Medicine"),
        ("ob", "Obstetrics and Gynecology"),
        ("obgyn", "Obstetrics and Gynecology"),
        ("ob/gyn", "Obstetrics and Gynecology"),
        ("OB-GYN", "Obstetrics and Gynecology"),
        ("im", "Internal Medicine"),
        ("ccm", "Critical Care"),
        ("icu", "Critical Care"),
        ("intensive care", "Critical Care"),
    ],
)
def test_specialty_abbreviations_find_the_full_interest(query: str, interest: str) -> None:
    docs = [
        *CROWD,
        *(
            doc(f"k{i}", interests=(text,))
            for i, text in enumerate(
                (
                    "Pediatrics",
                    "Anesthesiology",
                    "Emergency Medicine",
                    "Obstetrics and Gynecology",
                    "Internal Medicine",
                    "Critical Care",
                )
            )
        ),
    ]
    hits = rank(query, docs)
    assert hits[0].matched == (f"interest: {interest}",)
    # Others may share a word ("medicine"), but far behind the whole interest.
    assert all(hit.score * 2 < hits[0].score for hit in hits[1:]), hits


def test_abbreviations_match_the_other_way_round_too() -> None:
    docs = [*CROWD, doc("short", interests=("peds", "EM")), doc("none", interests=("surgery",))]
    assert keys(rank("pediatrics", docs)) == ["short"]
    hits = rank("emergency medicine", docs)
    assert keys(hits) == ["short", "c2"]  # c2: "family medicine", far behind
    assert hits[0].matched == ("interest: EM",)
    assert hits[1].score * 2 < hits[0].score


def test_ambiguous_abbreviations_are_not_read_into_free_text() -> None:
    docs = [doc("casual", about="im so excited, em dash fan"), doc("im", interests=("IM",))]
    assert keys(rank("internal medicine", docs)) == ["im"]
    assert keys(rank("emergency", docs)) == []


def test_the_name_em_is_found_as_written() -> None:
    docs = [*CROWD, doc("em-name", name="Em Okafor"), doc("em-doc", interests=("EM",))]
    hits = rank("em", docs)
    assert keys(hits)[0] == "em-doc"
    assert set(keys(hits)) == {"em-doc", "em-name", "c2"}  # c2: "family medicine"
    assert next(h for h in hits if h.key == "em-name").matched == ("name: Em Okafor",)


def test_accents_and_case_do_not_matter_either_way() -> None:
    docs = [
        *CROWD,
        doc("jose", name="José Núñez", institution="Université de Montréal"),
        doc("plain", name="Jose Nunez", about="Equite in rural care."),
        doc("accented", about="ÉQUITÉ en santé, médecine familiale."),
    ]
    assert set(keys(rank("jose nunez", docs))) == {"jose", "plain"}
    assert set(keys(rank("JOSÉ", docs))) == {"jose", "plain"}
    assert keys(rank("montreal", docs)) == ["jose"]
    assert keys(rank("Montréal", docs)) == ["jose"]
    assert set(keys(rank("equité", docs))) == {"plain", "accented"}
    hits = rank("medecine", docs)
    assert keys(hits) == ["accented"]
    assert hits[0].matched == ("about: medecine",)


def test_decomposed_accents_compatibility_forms_and_curly_quotes() -> None:
    docs = [
        doc("decomposed", name="Jose\u0301"),  # e + combining acute
        doc("fullwidth", institution="\uff35\uff23\uff33\uff26"),  # UCSF, full width
        doc("ligature", about="I love \ufb01eld work and the ICU\u2019s team\u2014peds too."),
    ]
    assert keys(rank("josé", docs)) == ["decomposed"]
    assert keys(rank("ucsf", docs)) == ["fullwidth"]
    assert keys(rank("field", docs)) == ["ligature"]
    assert keys(rank("critical care", docs)) == ["ligature"]
    assert keys(rank("pediatrics", docs)) == ["ligature"]


def test_plurals_and_light_stemming() -> None:
    docs = [
        *CROWD,
        doc("anes", interests=("anesthesiology",)),
        doc("peds", interests=("pediatrics",)),
        doc("mentor", looking_for=("mentor",)),
        doc("study", looking_for=("study partners",)),
        doc("nursing", about="Nursing background before medicine."),
    ]
    assert keys(rank("anesthesiologists", docs)) == ["anes"]
    assert keys(rank("pediatricians", docs)) == ["peds"]
    assert keys(rank("pediatric", docs)) == ["peds"]
    assert keys(rank("mentors", docs)) == ["mentor"]
    assert keys(rank("mentorship", docs)) == ["mentor"]
    assert keys(rank("mentoring", docs)) == ["mentor"]
    assert keys(rank("study partner", docs)) == ["study"]
    assert keys(rank("nurse", docs)) == ["nursing"]


def test_a_looking_for_entry_the_query_holds_whole_is_found() -> None:
    # A looking-for phrase is not an interest: it gets no bonus, and must not break anything.
    docs = [*CROWD, doc("s", looking_for=("study partners",), interests=("anatomy",))]
    hits = rank("study partners for anatomy", docs)
    assert keys(hits) == ["s"]
    assert hits[0].matched == ("interest: anatomy", "looking for: study partners")


def test_institutions_match_on_their_words() -> None:
    docs = [
        *CROWD,
        doc("jhu", institution="Johns Hopkins University"),
        doc("ucsf", institution="UCSF"),
        doc("hopkins-fan", about="I admire Johns Hopkins."),
    ]
    hits = rank("Johns Hopkins", docs)
    assert keys(hits) == ["jhu", "hopkins-fan"]
    assert hits[0].matched == ("institution: Johns Hopkins University",)
    assert keys(rank("hopkins", docs)) == ["jhu", "hopkins-fan"]
    assert keys(rank("ucsf", docs)) == ["ucsf"]
    assert rank("ucsf", docs)[0].matched == ("institution: UCSF",)


def test_fields_weigh_interests_then_stage_and_institution_then_name_then_looking_then_about() -> (
    None
):
    docs = [
        *CROWD,
        doc("about", about="Research on surgery outcomes."),
        doc("looking", looking_for=("mentor",)),
        doc("interest", interests=("surgery",)),
    ]
    assert keys(rank("surgery", docs)) == ["interest", "about"]
    word_docs = [
        *CROWD,
        doc("in-about", about="Howard alum, proud of it."),
        doc("in-name", name="Howard Lee"),
        doc("in-institution", institution="Howard University"),
        doc("in-interest", interests=("howard health policy",)),
    ]
    expected = ["in-interest", "in-institution", "in-name", "in-about"]
    assert keys(rank("howard", word_docs)) == expected
    stage_docs = [*CROWD, doc("stage", stage="fellow"), doc("looks", looking_for=("mentor",))]
    both = rank("fellow mentor", stage_docs)
    assert keys(both)[:2] == ["c3", "stage"]  # c3 is a fellow too
    assert keys(both)[-1] == "looks"


def test_matched_explains_a_hit_in_at_most_three_reasons_strongest_first() -> None:
    docs = [
        *CROWD,
        doc(
            "all",
            name="Ada Pediatrics",
            stage="resident",
            institution="UCSF",
            interests=("pediatric cardiology", "pediatrics"),
            looking_for=("mentor",),
            about="Peds all the way; mentoring matters.",
        ),
    ]
    hits = rank("pediatrics resident ucsf mentor", docs)
    assert hits[0].key == "all"
    assert len(hits[0].matched) == 3
    assert hits[0].matched[0].startswith("interest: pediatric")
    assert all(len(hit.matched) >= 1 and len(hit.matched) <= 3 for hit in hits)
    assert all(len(reason) <= 100 for hit in hits for reason in hit.matched)
    stage_only = [h for h in hits if h.key == "c5"]
    assert stage_only and stage_only[0].matched == ("stage: resident",)


def test_about_reasons_name_up_to_three_of_the_words_that_matched() -> None:
    docs = [doc("a", about="Health equity, community health, research and mentors.")]
    hits = rank("health equity research mentor", docs)
    assert hits[0].key == "a"
    assert hits[0].matched == ("about: health, equity, research",)


# --- order, empties, limits -----------------------------------------------------------------


def test_ties_are_broken_by_key_whatever_the_input_order() -> None:
    same = [doc(k, interests=("cardiology", "critical care", "global health")) for k in "dbca"]
    swapped = [doc("e", interests=("global health", "critical care", "cardiology"))]
    docs = [*CROWD, *same, *swapped]
    expected = rank("cardiology critical care global health", docs)
    assert keys(expected)[:5] == ["a", "b", "c", "d", "e"]
    assert len({hit.score for hit in expected[:5]}) == 1  # exactly equal, not nearly
    for seed in range(5):
        shuffled = docs[:]
        random.Random(seed).shuffle(shuffled)
        assert rank("cardiology critical care global health", shuffled) == expected


@pytest.mark.parametrize("query", ["", "   ", "!!! ???", "-", "\u2014", "\U0001f600"])
def test_an_empty_query_finds_nothing(query: str) -> None:
    assert rank(query, CROWD) == []


@pytest.mark.parametrize("query", ["the", "a an the", "of and or", "looking for someone", "I'm"])
def test_a_query_of_stop_words_finds_nothing(query: str) -> None:
    docs = [*CROWD, doc("x", about="The one I am looking for is someone of the and or a.")]
    assert rank(query, docs) == []


def test_stop_words_around_a_query_change_nothing() -> None:
    docs = [*CROWD, doc("m", looking_for=("mentor",)), doc("p", about="A mentor changed my path.")]
    assert rank("I am looking for a mentor", docs) == rank("mentor", docs)
    assert keys(rank("mentor", docs)) == ["m", "p"]


def test_no_documents_or_no_match_gives_an_empty_list() -> None:
    assert rank("cardiology", []) == []
    assert rank("zzzz", CROWD) == []


def test_only_documents_that_match_are_returned_all_with_a_positive_score() -> None:
    docs = [*CROWD, *(doc(f"n{i}", about="Nothing relevant here.") for i in range(20))]
    hits = rank("cardiology ucla", docs)
    assert set(keys(hits)) == {"c1", "c5"}
    assert all(hit.score > 0 for hit in hits)


def test_limit_keeps_the_best() -> None:
    docs = [doc(f"k{i}", interests=("cardiology",) * (1 + i % 3), stage="fellow") for i in range(9)]
    everything = rank("cardiology fellow", docs)
    assert len(everything) == 9
    assert rank("cardiology fellow", docs, limit=4) == everything[:4]
    assert rank("cardiology fellow", docs, limit=1) == everything[:1]
    assert rank("cardiology fellow", docs, limit=50) == everything
    assert rank("cardiology fellow", docs, limit=0) == []
    assert rank("cardiology fellow", docs, limit=-3) == []


def test_a_key_given_twice_is_returned_once_with_its_best_document() -> None:
    docs = [*CROWD, doc("dup", about="cardiology"), doc("dup", interests=("cardiology",))]
    hits = rank("cardiology", docs)
    assert keys(hits).count("dup") == 1
    assert next(h for h in hits if h.key == "dup").matched == ("interest: cardiology",)


def test_nul_and_odd_characters_inside_texts_keep_documents_apart() -> None:
    docs = [
        doc("a", about="x\x00cardiology"),
        doc("b", about="\x00"),
        doc("c", name="\ud800card", about="nothing"),
    ]
    assert keys(rank("cardiology", docs)) == ["a"]


# --- any input ------------------------------------------------------------------------------

WORDS = (
    *("pediatric", "anesthesiology", "peds", "gas", "em", "ob/gyn", "im", "icu", "ccm"),
    *("critical care", "cardiology", "resident", "pgy-2", "ms3", "faculty", "pre-med"),
    *("fellow", "mentor", "mentors", "study partners", "AMA sessions", "UCSF"),
    *("Johns Hopkins", "José", "Montréal", "équité", "the", "a", "of", "and", "looking for"),
    *("\u2019", "\u2014", "\U0001fa7a", "\ufb01", "e\u0301"),  # curly quote, dash, emoji...
)
any_text = st.text(st.characters(exclude_categories=()), max_size=40)
texty = st.lists(st.sampled_from(WORDS) | any_text, max_size=8).map(" ".join)
documents = st.lists(
    st.builds(
        Document,
        key=st.sampled_from(["a", "b", "c", "d", ""]),  # repeats on purpose
        name=texty,
        stage=st.sampled_from(["premed", "medical student", "resident", "fellow", "other"])
        | any_text,
        institution=texty,
        interests=st.lists(texty, max_size=4).map(tuple),
        looking_for=st.lists(
            st.sampled_from(["mentor", "mentee", "peers", "study partners", "AMA sessions"])
            | texty,
            max_size=3,
        ).map(tuple),
        about=texty,
    ),
    max_size=8,
)


@settings(max_examples=60, deadline=None)
@given(texty, documents, st.none() | st.integers(min_value=-2, max_value=10))
@example("study partners", [Document("a", "", "", "", (), ("study partners",), "")], None)
@example("\x00", [Document("a", "\x00", "\x00", "\x00", ("\x00",), (), "\x00")], None)
def test_rank_never_raises_and_returns_each_key_once_best_first(
    query: str, docs: list[Document], limit: int | None
) -> None:
    hits = rank(query, docs, limit=limit)
    found = keys(hits)
    assert len(found) == len(set(found))
    assert set(found) <= {d.key for d in docs}
    scores = [hit.score for hit in hits]
    assert scores == sorted(scores, reverse=True)
    assert all(score > 0 for score in scores)
    assert all(1 <= len(hit.matched) <= 3 for hit in hits)
    if limit is not None:
        assert len(hits) <= max(limit, 0)
        assert hits == rank(query, docs)[: max(limit, 0)]


@settings(max_examples=100, deadline=None)
@given(st.lists(texty, min_size=1, max_size=5))
@example(
    [
        "e\u0301te\u0301 x",  # decomposed accents
        "\u0130stanbul",  # dotted capital I
        "\u00df \ufb01 \uff35\uff23\uff33\uff26",  # sharp s, fi ligature, full width
        "a\u2019b\u2014c\U0001fa7ad",  # separators between letters
        "\u01c5 \u01c8 \u217b \u2122 \u00bd \u00aa",  # compatibility letters and signs
    ]
)
def test_the_fast_field_scan_sees_the_words_that_plain_folding_sees(texts: list[str]) -> None:
    # rank folds a whole field at once as UTF-8 bytes; it must agree with _fold + _WORD.
    blob = _blob(texts, {})
    for text, folded in zip(texts, blob.data.split(b"\x00"), strict=True):
        plain = _WORD.findall(_fold(text.replace("\x00", " ")))
        assert [w.decode("utf-8", "surrogatepass") for w in _WORD_BYTES.findall(folded)] == plain

"""Dialog values checked without any I/O, for platforms that want the answer at once."""

from __future__ import annotations

from bot.model import Choice, Option, OptionType
from bot.options import form_problems

FIELDS = (
    Option("title", "Title", required=True, max_length=10),
    Option("count", "Count", OptionType.INTEGER, min_value=1, max_value=5),
    Option("mood", "Mood", OptionType.CHOICE, choices=(Choice("calm"), Choice("busy"))),
    Option("public", "Public", OptionType.BOOLEAN),
    Option("start", "Start", OptionType.DATETIME),
    Option("who", "Member", OptionType.MEMBER, required=True),
)


def test_every_plain_problem_is_named_by_field() -> None:
    problems = form_problems(
        FIELDS,
        {
            "title": "  ",
            "count": "9",
            "mood": "angry",
            "public": "perhaps",
            "start": "next week",
            "who": "U123",
        },
    )
    assert problems == {
        "title": "This is required.",
        "count": "Must be at most 5 (got 9).",
        "mood": "Must be one of calm, busy (got 'angry').",
        "public": "Must be yes or no (got 'perhaps').",
        "start": problems["start"],
    }
    assert problems["start"].startswith("Is not a date and time I can read")


def test_good_values_have_no_problems_and_members_are_left_to_the_resolver() -> None:
    values = {"title": "Rounds", "count": "3", "mood": "Busy", "public": "yes", "who": "nobody"}
    assert form_problems(FIELDS, {**values, "start": "2026-12-01 19:00"}) == {}
    assert form_problems(FIELDS, {"title": "x" * 11, "who": "U1"}) == {
        "title": "Is too long: 11 characters (the limit is 10)."
    }

"""AMA session lengths: each form, the limits, fractions, and how a length is shown."""

from __future__ import annotations

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from cogs.ama.duration import (
    DEFAULT_MINUTES,
    MAX_MINUTES,
    MIN_MINUTES,
    DurationProblem,
    describe_duration,
    parse_duration,
)


def refusal(text: str) -> str:
    with pytest.raises(DurationProblem) as caught:
        parse_duration(text)
    message = str(caught.value)
    assert message[0].isupper() or message[0] == "`", message
    assert message.endswith("."), message
    return message


def test_the_limits() -> None:
    assert (MIN_MINUTES, MAX_MINUTES, DEFAULT_MINUTES) == (10, 480, 60)


@pytest.mark.parametrize("text", [None, "", "   "])
def test_nothing_is_the_default(text: str | None) -> None:
    assert parse_duration(text) == 60


@pytest.mark.parametrize(
    ("text", "minutes"),
    [
        ("60", 60),
        ("10", 10),
        ("480", 480),
        ("90 min", 90),
        ("90 mins", 90),
        ("90m", 90),
        ("90 minutes", 90),
        ("45 Minutes", 45),
        ("1h", 60),
        ("1 h", 60),
        ("1 hour", 60),
        ("1hr", 60),
        ("2 hrs", 120),
        ("8 hours", 480),
        ("1.5h", 90),
        ("1.5 hours", 90),
        ("1.25 hours", 75),
        (".5h", 30),
        ("0.75h", 45),
        ("an hour", 60),
        ("An Hour", 60),
        ("a hour", 60),
        ("one hour", 60),
        ("half an hour", 30),
        ("1h30", 90),
        ("1h30m", 90),
        ("1h 30m", 90),
        ("1 hour 30 minutes", 90),
        ("1 hour and 30 minutes", 90),
        ("2h 5min", 125),
        ("1:30", 90),
        ("0:45", 45),
        ("8:00", 480),
        ("  1H   30M  ", 90),
        ("060", 60),
        ("1.500h", 90),
    ],
)
def test_each_form_is_read(text: str, minutes: int) -> None:
    assert parse_duration(text) == minutes


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("9", "`9`"),
        ("0", "`0`"),
        ("5 min", "`5 min`"),
        ("481", "`481`"),
        ("9h", "`9h`"),
        ("8h1", "`8h1`"),
        ("10:00", "`10:00`"),
        ("99999999999999 hours", "`99999999999999 hours`"),
    ],
)
def test_outside_the_limits_is_refused_naming_them(text: str, shown: str) -> None:
    assert refusal(text) == f"A session can last from 10 minutes to 8 hours (got {shown})."


@pytest.mark.parametrize(
    ("text", "suggestion"),
    [("1.33h", "`80 minutes`"), ("90.5 min", "`90 minutes`"), ("1h 30.2m", "`90 minutes`")],
)
def test_a_fraction_of_a_minute_is_refused_not_rounded(text: str, suggestion: str) -> None:
    message = refusal(text)
    assert message.startswith(f"`{text}` is not a whole number of minutes")
    assert suggestion in message


def test_a_bare_decimal_asks_for_hours() -> None:
    assert refusal("1.5") == (
        "A bare number means minutes, and `1.5` is not a whole number of them; "
        "for hours say `1.5h`."
    )


@pytest.mark.parametrize(
    "text",
    [
        "abc",
        "one",
        "an",
        "hour",
        "-30",
        "1:5",
        "1:75",
        "1h30s",
        "90 seconds",
        "1 day",
        "1..5h",
        "h1",
    ],
)
def test_unreadable_text_gets_examples(text: str) -> None:
    message = refusal(text)
    assert message.startswith(f"I can't read `{text}` as a length of time; try ")
    assert "`45 minutes`" in message and "`1h30`" in message and "bare number" in message


def test_long_and_backticked_text_is_shown_safely() -> None:
    message = refusal("`" + "y" * 100)
    assert "`'" + "y" * 36 + "...`" in message
    assert "y" * 41 not in message


@pytest.mark.parametrize(
    ("minutes", "text"),
    [
        (0, "0 minutes"),
        (1, "1 minute"),
        (45, "45 minutes"),
        (60, "1 hour"),
        (61, "1 hour 1 minute"),
        (90, "1 hour 30 minutes"),
        (120, "2 hours"),
        (480, "8 hours"),
    ],
)
def test_describe_duration(minutes: int, text: str) -> None:
    assert describe_duration(minutes) == text


def test_describe_refuses_negative() -> None:
    with pytest.raises(ValueError, match="negative"):
        describe_duration(-1)


@given(st.integers(MIN_MINUTES, MAX_MINUTES))
def test_every_allowed_length_reads_back_in_each_form(minutes: int) -> None:
    hours, rest = divmod(minutes, 60)
    assert parse_duration(str(minutes)) == minutes
    assert parse_duration(f"{minutes} minutes") == minutes
    assert parse_duration(f"{hours}:{rest:02d}") == minutes
    assert parse_duration(f"{hours}h{rest}") == minutes
    assert parse_duration(describe_duration(minutes)) == minutes


@given(
    st.one_of(
        st.text(),
        st.from_regex(
            r"[0-9.:]{0,12} ?(h|m|min|hours?|and|an|a)? ?[0-9.]{0,8} ?m?", fullmatch=True
        ),
    )
)
@example("9" * 5000 + "h")
@example("1." + "0" * 5000 + "1h")
def test_any_text_is_minutes_or_a_problem(text: str) -> None:
    try:
        minutes = parse_duration(text)
    except DurationProblem as problem:
        message = str(problem)
        assert message[0].isupper() or message[0] == "`"
        return
    assert MIN_MINUTES <= minutes <= MAX_MINUTES

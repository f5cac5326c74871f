"""Date-time phrases: each form, the weekday rules, both DST edges, and bad input."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.clock import ManualClock
from bot.options import OptionProblem, parse_datetime
from bot.when import WhenProblem, parse_when
from tests.probe import build_probe
from tests.support import TestHarness

NY = "America/New_York"
NOW = datetime(2026, 11, 22, 15, 0, tzinfo=UTC)  # Sunday 10:00 in New York (EST, UTC-5)


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def when(text: str, now: datetime = NOW, zone: str = NY) -> datetime:
    return parse_when(text, zone, now)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # ISO 8601, as before phrases existed.
        ("2026-12-01T19:00-05:00", utc(2026, 12, 2, 0, 0)),
        ("2026-12-01T19:00Z", utc(2026, 12, 1, 19, 0)),
        ("2026-12-01 19:00", utc(2026, 12, 2, 0, 0)),
        # Today, tonight, tomorrow.
        ("today 7pm", utc(2026, 11, 23, 0, 0)),
        ("Today at 7 PM", utc(2026, 11, 23, 0, 0)),
        ("today 7:15 p.m.", utc(2026, 11, 23, 0, 15)),
        ("today noon", utc(2026, 11, 22, 17, 0)),
        ("today midnight", utc(2026, 11, 22, 5, 0)),  # 00:00, the start of the day
        ("tomorrow 12am", utc(2026, 11, 23, 5, 0)),
        ("tomorrow 12pm", utc(2026, 11, 23, 17, 0)),
        ("tomorrow 9:30am", utc(2026, 11, 23, 14, 30)),
        ("TOMORROW   9:30AM", utc(2026, 11, 23, 14, 30)),
        ("tonight 8pm", utc(2026, 11, 23, 1, 0)),
        ("tonight", utc(2026, 11, 23, 1, 0)),  # tonight alone is 20:00
        ("tonight 11:30pm", utc(2026, 11, 23, 4, 30)),
        # Weekdays: the next such day strictly after today; `next` changes nothing.
        ("monday 9am", utc(2026, 11, 23, 14, 0)),
        ("next tuesday 7pm", utc(2026, 11, 25, 0, 0)),
        ("tuesday 7pm", utc(2026, 11, 25, 0, 0)),
        ("tue 19:00", utc(2026, 11, 25, 0, 0)),
        ("Thurs at 08:05", utc(2026, 11, 26, 13, 5)),
        ("saturday 11pm", utc(2026, 11, 29, 4, 0)),
        ("sunday 7pm", utc(2026, 11, 30, 0, 0)),  # today is Sunday: a week away
        ("next sunday 7pm", utc(2026, 11, 30, 0, 0)),
        # Dates.
        ("dec 5 7pm", utc(2026, 12, 6, 0, 0)),
        ("Dec. 5th, 7pm", utc(2026, 12, 6, 0, 0)),
        ("december 5 2026 19:00", utc(2026, 12, 6, 0, 0)),
        ("5 december 2026 19:00", utc(2026, 12, 6, 0, 0)),
        ("5 Dec, 2026 at 7pm", utc(2026, 12, 6, 0, 0)),
        ("2026-12-05 7pm", utc(2026, 12, 6, 0, 0)),
        ("nov 22 9am", utc(2026, 11, 22, 14, 0)),  # today, even though already past
        ("nov 21 9am", utc(2027, 11, 21, 14, 0)),  # yesterday: next year
        ("feb 29 noon", utc(2028, 2, 29, 17, 0)),  # the next leap day
        ("sept 1 2027 9am", utc(2027, 9, 1, 13, 0)),  # EDT, UTC-4
        # Elapsed time.
        ("in 2 hours", utc(2026, 11, 22, 17, 0)),
        ("in 3 days", utc(2026, 11, 25, 15, 0)),
        ("in 90 mins", utc(2026, 11, 22, 16, 30)),
        ("in an hour", utc(2026, 11, 22, 16, 0)),
        ("in 1 week", utc(2026, 11, 29, 15, 0)),
        ("In 2 HRS", utc(2026, 11, 22, 17, 0)),
    ],
)
def test_each_form_reads_in_the_zone_relative_to_now(text: str, expected: datetime) -> None:
    moment = when(text)
    assert moment == expected
    assert moment.tzinfo is UTC


def test_today_is_the_local_day_not_the_utc_day() -> None:
    late = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)  # still Sunday 22:00 in New York
    assert when("today 11pm", late) == utc(2026, 11, 23, 4, 0)
    assert when("monday 9am", late) == utc(2026, 11, 23, 14, 0)
    assert when("today 11pm", late, "UTC") == utc(2026, 11, 23, 23, 0)  # Monday in UTC


def test_a_weekday_is_one_to_seven_days_ahead() -> None:
    names = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
    days = sorted((when(f"{name} 10am") - NOW).days for name in names)
    assert days == [1, 2, 3, 4, 5, 6, 7]


def test_spring_forward_gap_is_refused() -> None:
    now = datetime(2027, 3, 10, 15, 0, tzinfo=UTC)  # Wednesday before the 2027-03-14 change
    for text in ("sunday 2:30am", "mar 14 2:30am", "2027-03-14 2:30am", "2027-03-14 02:30"):
        with pytest.raises(WhenProblem, match="does not exist in America/New_York"):
            when(text, now)
    assert when("sunday 1:59am", now) == utc(2027, 3, 14, 6, 59)  # EST, UTC-5
    assert when("sunday 3am", now) == utc(2027, 3, 14, 7, 0)  # EDT, UTC-4


def test_fall_back_repeat_is_the_first_occurrence() -> None:
    now = datetime(2027, 11, 3, 15, 0, tzinfo=UTC)  # Wednesday before the 2027-11-07 change
    first = utc(2027, 11, 7, 5, 30)  # 01:30 EDT; the second 01:30 (EST) is 06:30 UTC
    assert when("sunday 1:30am", now) == first
    assert when("nov 7 1:30am", now) == first
    assert when("2027-11-07 01:30", now) == first
    assert when("sunday 2am", now) == utc(2027, 11, 7, 7, 0)  # EST, after the repeat


def test_in_days_is_elapsed_time_across_a_clock_change() -> None:
    now = datetime(2027, 11, 5, 14, 0, tzinfo=UTC)  # Friday 10:00 EDT
    assert when("in 3 days", now) == utc(2027, 11, 8, 14, 0)  # Monday 09:00 EST


@pytest.mark.parametrize(
    "text",
    [
        "",
        "next week",
        "someday",
        "tuesday 7",  # a bare number is not a time
        "tomorrow 25:00",
        "tomorrow 13pm",
        "tomorrow 0am",
        "tomorrow 7:75pm",
        "7pm",  # a time needs a day
        "7pm tomorrow",
        "next",
        "foo 5 7pm",
        "in 2 fortnights",
        "in two hours",
        "in hours",
        "last tuesday 7pm",
    ],
)
def test_unreadable_text_names_the_accepted_forms(text: str) -> None:
    with pytest.raises(WhenProblem) as caught:
        when(text)
    message = str(caught.value)
    assert message.startswith("is not a date and time I can read")
    assert "2026-12-01T19:00-05:00" in message and "next tuesday 7pm" in message


@pytest.mark.parametrize("text", ["tuesday", "tomorrow", "next friday", "dec 5"])
def test_a_day_without_a_time_asks_for_one(text: str) -> None:
    with pytest.raises(WhenProblem, match="it needs a time too, such as"):
        when(text)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("tonight 1am", "is too early for tonight"),
        ("feb 30 7pm", "is not a real date"),
        ("2026-02-30 7pm", "is not a real date"),
        ("dec 5 2300 7pm", "is out of range"),
        ("in 9999 weeks", "is out of range"),
        ("9999-12-31 23:59", "is out of range"),
    ],
)
def test_other_problems_are_named(text: str, problem: str) -> None:
    with pytest.raises(WhenProblem, match=problem):
        when(text)


def test_parse_datetime_delegates_and_keeps_the_option_message_style() -> None:
    assert parse_datetime("tomorrow 9:30am", NY, NOW) == utc(2026, 11, 23, 14, 30)
    assert parse_datetime("2026-12-01 19:00", NY) == utc(2026, 12, 2, 0, 0)  # now optional
    with pytest.raises(OptionProblem, match="is not a date and time I can read"):
        parse_datetime("whenever", NY, NOW)
    with pytest.raises(OptionProblem, match="does not exist in America/New_York"):
        parse_datetime("2027-03-14 02:30", NY)


def test_now_must_be_aware() -> None:
    with pytest.raises(ValueError, match="aware"):
        parse_when("today 7pm", NY, datetime(2026, 11, 22, 15, 0))


async def test_the_dispatcher_reads_phrases_at_the_core_clock_time(
    harness: TestHarness, clock: ManualClock
) -> None:
    harness.add_feature(build_probe(harness.core))
    await harness.context("alice")
    await harness.run("mod", "/setup timezone zone:America/New_York", admin=True)
    text = await harness.text("alice", '/probe all title:t when:"tomorrow 9:30am"')
    assert "('when', '2026-11-23T14:30:00+00:00')" in text
    clock.advance(timedelta(days=1))  # not the system clock: the core's
    text = await harness.text("alice", '/probe all title:t when:"tomorrow 9:30am"')
    assert "('when', '2026-11-24T14:30:00+00:00')" in text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-12-01 19:00 America/Chicago", datetime(2026, 12, 2, 1, 0, tzinfo=UTC)),
        ("2026-12-01 19:00 america/chicago", datetime(2026, 12, 2, 1, 0, tzinfo=UTC)),
        ("tomorrow 9am Europe/London", datetime(2026, 11, 23, 9, 0, tzinfo=UTC)),
        ("tomorrow 9am UTC", datetime(2026, 11, 23, 9, 0, tzinfo=UTC)),
        ("dec 5 7pm PT", datetime(2026, 12, 6, 3, 0, tzinfo=UTC)),
        # A US abbreviation is the region's clock whatever the season: EST in July is EDT.
        ("2027-07-01 19:00 EST", datetime(2027, 7, 1, 23, 0, tzinfo=UTC)),
        ("2027-01-15 19:00 et", datetime(2027, 1, 16, 0, 0, tzinfo=UTC)),
        # An explicit offset wins over the zone's rules.
        ("2026-12-01T19:00-05:00 Asia/Tokyo", datetime(2026, 12, 2, 0, 0, tzinfo=UTC)),
    ],
)
def test_a_trailing_time_zone_overrides_the_default(text: str, expected: datetime) -> None:
    assert parse_when(text, "Asia/Tokyo" if "Tokyo" not in text else "UTC", NOW) == expected


def test_an_unknown_zone_name_is_refused_by_name() -> None:
    with pytest.raises(WhenProblem, match=r"time zone I don.t know.*America/Chicgo"):
        parse_when("tomorrow 7pm America/Chicgo", "UTC", NOW)


def test_a_trailing_zone_still_refuses_the_hour_its_clocks_skip() -> None:
    with pytest.raises(WhenProblem, match="does not exist in America/New_York"):
        parse_when("2027-03-14 02:30 ET", "UTC", NOW)

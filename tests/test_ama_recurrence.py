"""AMA series: each `repeat` form, refusals with their messages, session starts across
clock changes, the month-end clamp, the limits, and the RRULE agreeing with the list."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from dateutil.rrule import rrulestr
from hypothesis import example, given
from hypothesis import strategies as st

from cogs.ama.recurrence import (
    MAX_SESSIONS,
    Repeat,
    RepeatProblem,
    describe,
    occurrences,
    parse_repeat,
    to_rrule,
)

NY = "America/New_York"
LONDON = "Europe/London"
TODAY = date(2026, 11, 22)  # a Sunday


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def local(zone: str, year: int, month: int, day: int, hour: int, minute: int) -> datetime:
    """A wall time in `zone`, as aware UTC (fold=0: the first of a repeated hour)."""
    return datetime(year, month, day, hour, minute, tzinfo=ZoneInfo(zone)).astimezone(UTC)


def refusal(text: str | None, today: date = TODAY) -> str:
    with pytest.raises(RepeatProblem) as caught:
        parse_repeat(text, today)
    return full_sentence(str(caught.value))


def full_sentence(message: str) -> str:
    assert message[0].isupper() or message[0] == "`", message
    assert message.endswith("."), message
    return message


# parse_repeat ----------------------------------------------------------------------------


@pytest.mark.parametrize("text", [None, "", "   ", "none", "No", "ONCE", "never", " none "])
def test_no_repeat_is_none(text: str | None) -> None:
    assert parse_repeat(text, TODAY) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("weekly x6", Repeat("weekly", count=6)),
        ("Weekly X 6", Repeat("weekly", count=6)),
        ("weekly \N{MULTIPLICATION SIGN}6", Repeat("weekly", count=6)),
        ("weekly 6x", Repeat("weekly", count=6)),
        ("weekly 6 times", Repeat("weekly", count=6)),
        ("weekly for 6 sessions", Repeat("weekly", count=6)),
        ("weekly 6 sessions", Repeat("weekly", count=6)),
        ("weekly count 6", Repeat("weekly", count=6)),
        ("every week, x6", Repeat("weekly", count=6)),
        ("  weekly ;  x6  ", Repeat("weekly", count=6)),
        ("weekly x2", Repeat("weekly", count=2)),
        ("weekly x52", Repeat("weekly", count=52)),
        ("biweekly x3", Repeat("biweekly", count=3)),
        ("bi-weekly x3", Repeat("biweekly", count=3)),
        ("every 2 weeks x3", Repeat("biweekly", count=3)),
        ("Every Two Weeks, 3 times", Repeat("biweekly", count=3)),
        ("every other week for 3 sessions", Repeat("biweekly", count=3)),
        ("fortnightly x 3", Repeat("biweekly", count=3)),
        ("monthly x12", Repeat("monthly", count=12)),
        ("every month count 12", Repeat("monthly", count=12)),
        ("weekly until 2027-03-01", Repeat("weekly", until=date(2027, 3, 1))),
        ("weekly until march 1", Repeat("weekly", until=date(2027, 3, 1))),
        ("weekly until mar 1 2027", Repeat("weekly", until=date(2027, 3, 1))),
        ("weekly until 1 march 2027", Repeat("weekly", until=date(2027, 3, 1))),
        ("weekly until Mar. 1st, 2027", Repeat("weekly", until=date(2027, 3, 1))),
        ("weekly through 2027-03-01", Repeat("weekly", until=date(2027, 3, 1))),
        ("weekly thru march 1", Repeat("weekly", until=date(2027, 3, 1))),
        ("weekly till 1 mar", Repeat("weekly", until=date(2027, 3, 1))),
        ("every 2 weeks to 2027-03-01", Repeat("biweekly", until=date(2027, 3, 1))),
        ("monthly until dec 31 2027", Repeat("monthly", until=date(2027, 12, 31))),
        # A date without a year is the next such date, today included.
        ("weekly until nov 22", Repeat("weekly", until=date(2026, 11, 22))),
        ("weekly until nov 21", Repeat("weekly", until=date(2027, 11, 21))),
        ("weekly until feb 29", Repeat("weekly", until=date(2028, 2, 29))),
    ],
)
def test_each_form_is_read(text: str, expected: Repeat) -> None:
    assert parse_repeat(text, TODAY) == expected


def test_a_yearless_date_follows_the_today_given() -> None:
    assert parse_repeat("weekly until march 1", date(2027, 3, 2)) == Repeat(
        "weekly", until=date(2028, 3, 1)
    )
    assert parse_repeat("weekly until march 1", date(2027, 3, 1)) == Repeat(
        "weekly", until=date(2027, 3, 1)
    )


@pytest.mark.parametrize("text", ["weekly x1", "weekly x0", "weekly 1 time", "monthly count 1"])
def test_one_session_is_not_a_series(text: str) -> None:
    assert refusal(text) == "A series needs at least 2 sessions; leave `repeat` out for one."


@pytest.mark.parametrize(("text", "got"), [("weekly x53", "53"), ("monthly 100 times", "100")])
def test_more_than_the_cap_is_refused(text: str, got: str) -> None:
    assert refusal(text) == f"A series can have at most 52 sessions (got {got})."


def test_an_enormous_count_is_refused_without_echoing_it() -> None:
    assert refusal("weekly x" + "9" * 5000) == "A series can have at most 52 sessions."


@pytest.mark.parametrize(
    "text",
    [
        "weekly x6 until 2027-03-01",
        "weekly 6 times through march 1",
        "weekly until 2027-03-01 x6",
        "weekly until 1 march for 6 sessions",
        "weekly until 2027-03-01 x1",
    ],
)
def test_a_count_and_an_end_date_together_are_refused(text: str) -> None:
    assert "either a number of sessions or an end date, not both" in refusal(text)


@pytest.mark.parametrize(
    ("text", "rhythm"),
    [("weekly", "weekly"), ("every 2 weeks", "every 2 weeks"), ("Monthly", "monthly")],
)
def test_a_series_needs_an_end(text: str, rhythm: str) -> None:
    assert refusal(text) == (
        f"Say how long it runs, such as `{rhythm} x6` or `{rhythm} until 2027-06-30`."
    )


@pytest.mark.parametrize(
    ("text", "word"),
    [
        ("weekly sometimes", "`sometimes`"),
        ("weekly x6 please", "`please`"),
        ("monthly for 6 weeks", "`weeks`"),
        ("weekly forever", "`forever`"),
        ("sometimes", "`sometimes`"),
        ("weekdays x6", "`weekdays`"),
    ],
)
def test_unknown_words_are_named_with_examples(text: str, word: str) -> None:
    message = refusal(text)
    assert word in message
    assert "`weekly x6`" in message and "`every 2 weeks until 2027-06-30`" in message


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("daily x6", "`daily`"),
        ("every 3 weeks x2", "`every 3 weeks`"),
        ("every day", "`every day`"),
    ],
)
def test_other_rhythms_list_the_ones_offered(text: str, shown: str) -> None:
    message = refusal(text)
    assert message.startswith("A series can repeat `weekly`, `every 2 weeks` or `monthly`, not ")
    assert shown in message


@pytest.mark.parametrize("text", ["x6 weekly", "6 times", "until march 1 weekly"])
def test_the_rhythm_comes_first(text: str) -> None:
    assert refusal(text).startswith("Start with how often it repeats, such as `weekly x6`")


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("weekly until feb 30", "The end date is not a real date (got 'feb 30')."),
        ("weekly until 2027-02-30", "is not a real date (got '2027-02-30')."),
        ("weekly until 2027-13-01", "is not a real date (got '2027-13-01')."),
        ("weekly until 31 april 2027", "is not a real date (got '31 april 2027')."),
        ("weekly until 3027-01-01", "is out of range (got '3027-01-01'); use a year near now."),
        ("weekly until someday", "is not a date I can read (got 'someday'). Use one such as"),
        ("weekly until smarch 1", "is not a date I can read (got 'smarch 1')"),
        ("weekly until", "Say which day it runs until, such as `until 2027-06-30`"),
        ("weekly to", "Say which day it runs to, such as `until 2027-06-30`"),
    ],
)
def test_bad_end_dates_are_named(text: str, problem: str) -> None:
    assert problem in refusal(text)


def test_long_text_is_shortened_in_messages() -> None:
    message = refusal("weekly " + "z" * 200)
    assert "`" + "z" * 37 + "...`" in message
    assert "z" * 41 not in message


def test_repeat_checks_itself() -> None:
    with pytest.raises(RepeatProblem, match="at least 2"):
        Repeat("weekly", count=1)
    with pytest.raises(RepeatProblem, match="not both"):
        Repeat("weekly", count=3, until=date(2027, 1, 1))
    with pytest.raises(RepeatProblem, match="Say how long it runs"):
        Repeat("monthly")
    with pytest.raises(ValueError, match="every must be one of"):
        Repeat("daily", count=3)  # type: ignore[arg-type]


# occurrences -----------------------------------------------------------------------------


def test_no_repeat_is_the_first_session_alone_in_utc() -> None:
    first = datetime(2027, 1, 5, 19, 0, tzinfo=ZoneInfo(NY))
    assert occurrences(first, None, NY) == [utc(2027, 1, 6, 0, 0)]
    assert occurrences(first, None, NY)[0].tzinfo is UTC


def test_weekly_new_york_keeps_19_00_across_spring_forward() -> None:
    first = utc(2027, 3, 3, 0, 0)  # Tue 2 Mar 19:00 EST; the clocks change Sun 14 Mar
    assert occurrences(first, Repeat("weekly", count=4), NY) == [
        utc(2027, 3, 3, 0, 0),
        utc(2027, 3, 10, 0, 0),
        utc(2027, 3, 16, 23, 0),  # 19:00 EDT
        utc(2027, 3, 23, 23, 0),
    ]


def test_weekly_new_york_keeps_19_00_across_fall_back() -> None:
    first = local(NY, 2027, 10, 26, 19, 0)
    assert first == utc(2027, 10, 26, 23, 0)
    assert occurrences(first, Repeat("weekly", count=3), NY) == [
        utc(2027, 10, 26, 23, 0),
        utc(2027, 11, 2, 23, 0),
        utc(2027, 11, 10, 0, 0),  # Tue 9 Nov 19:00 EST
    ]


def test_weekly_london_keeps_18_00_across_both_changes() -> None:
    spring = occurrences(local(LONDON, 2027, 3, 23, 18, 0), Repeat("weekly", count=2), LONDON)
    assert spring == [utc(2027, 3, 23, 18, 0), utc(2027, 3, 30, 17, 0)]  # GMT, then BST
    autumn = occurrences(local(LONDON, 2027, 10, 26, 18, 0), Repeat("weekly", count=2), LONDON)
    assert autumn == [utc(2027, 10, 26, 17, 0), utc(2027, 11, 2, 18, 0)]


def test_the_same_instant_in_utc_keeps_its_utc_hour() -> None:
    first = utc(2027, 3, 3, 0, 0)
    starts = occurrences(first, Repeat("weekly", count=3), "UTC")
    assert starts == [first, first + timedelta(weeks=1), first + timedelta(weeks=2)]


def test_biweekly_counts_every_other_week() -> None:
    first = local(NY, 2027, 1, 5, 19, 0)
    assert occurrences(first, Repeat("biweekly", count=3), NY) == [
        utc(2027, 1, 6, 0, 0),
        utc(2027, 1, 20, 0, 0),
        utc(2027, 2, 3, 0, 0),
    ]


def test_monthly_from_the_31st_clamps_without_drifting() -> None:
    first = local(NY, 2027, 1, 31, 12, 0)
    assert occurrences(first, Repeat("monthly", count=6), NY) == [
        utc(2027, 1, 31, 17, 0),
        utc(2027, 2, 28, 17, 0),
        utc(2027, 3, 31, 16, 0),  # EDT from 14 Mar
        utc(2027, 4, 30, 16, 0),
        utc(2027, 5, 31, 16, 0),
        utc(2027, 6, 30, 16, 0),
    ]


def test_monthly_uses_the_local_day_not_the_utc_day() -> None:
    first = local(NY, 2027, 1, 31, 19, 0)  # already 1 Feb in UTC
    assert first == utc(2027, 2, 1, 0, 0)
    assert occurrences(first, Repeat("monthly", count=3), NY) == [
        utc(2027, 2, 1, 0, 0),
        utc(2027, 3, 1, 0, 0),  # Sun 28 Feb 19:00 EST
        utc(2027, 3, 31, 23, 0),  # Wed 31 Mar 19:00 EDT, still 31 Mar in UTC
    ]


@pytest.mark.parametrize(
    ("day", "february", "march"),
    [(29, date(2027, 2, 28), date(2027, 3, 29)), (30, date(2027, 2, 28), date(2027, 3, 30))],
)
def test_monthly_from_the_29th_and_30th(day: int, february: date, march: date) -> None:
    starts = occurrences(utc(2027, 1, day, 12, 0), Repeat("monthly", count=3), "UTC")
    assert [start.date() for start in starts] == [date(2027, 1, day), february, march]


def test_monthly_from_the_31st_finds_the_leap_day() -> None:
    starts = occurrences(utc(2028, 1, 31, 12, 0), Repeat("monthly", count=3), "UTC")
    assert [start.date() for start in starts] == [
        date(2028, 1, 31),
        date(2028, 2, 29),
        date(2028, 3, 31),
    ]


def test_monthly_before_the_29th_is_the_same_day() -> None:
    starts = occurrences(utc(2027, 1, 15, 12, 0), Repeat("monthly", count=3), "UTC")
    assert [start.date() for start in starts] == [
        date(2027, 1, 15),
        date(2027, 2, 15),
        date(2027, 3, 15),
    ]


def test_until_includes_its_local_day() -> None:
    first = local(NY, 2027, 1, 5, 19, 0)
    # The third session is Tue 19 Jan 19:00 in New York, which is already 20 Jan in UTC.
    assert occurrences(first, Repeat("weekly", until=date(2027, 1, 19)), NY) == [
        utc(2027, 1, 6, 0, 0),
        utc(2027, 1, 13, 0, 0),
        utc(2027, 1, 20, 0, 0),
    ]
    assert len(occurrences(first, Repeat("weekly", until=date(2027, 1, 18)), NY)) == 2
    assert len(occurrences(first, Repeat("biweekly", until=date(2027, 1, 19)), NY)) == 2
    assert len(occurrences(first, Repeat("monthly", until=date(2027, 3, 5)), NY)) == 3


def test_until_can_give_exactly_the_cap_but_not_one_more() -> None:
    first = local(NY, 2027, 1, 5, 19, 0)
    starts = occurrences(first, Repeat("weekly", until=date(2027, 12, 28)), NY)
    assert len(starts) == MAX_SESSIONS == 52
    assert starts[-1] == utc(2027, 12, 29, 0, 0)
    with pytest.raises(RepeatProblem) as caught:
        occurrences(first, Repeat("weekly", until=date(2028, 1, 4)), NY)
    assert str(caught.value) == (
        "Ending on Tue 4 Jan 2028 would make 53 sessions, and a series can have at most 52; "
        "pick an earlier end date."
    )


def test_until_before_the_first_session_is_refused() -> None:
    first = local(NY, 2027, 1, 5, 19, 0)  # 6 Jan in UTC, but 5 Jan in New York
    with pytest.raises(RepeatProblem) as caught:
        occurrences(first, Repeat("weekly", until=date(2027, 1, 4)), NY)
    assert str(caught.value) == (
        "The series would end on Mon 4 Jan 2027, before its first session on Tue 5 Jan 2027; "
        "pick a later end date."
    )


def test_until_leaving_one_session_is_refused() -> None:
    first = local(NY, 2027, 1, 5, 19, 0)
    for until in (date(2027, 1, 5), date(2027, 1, 11)):
        with pytest.raises(RepeatProblem, match="leaves only one session"):
            occurrences(first, Repeat("weekly", until=until), NY)
    with pytest.raises(RepeatProblem, match="Ending on Thu 4 Feb 2027 leaves only one"):
        occurrences(first, Repeat("monthly", until=date(2027, 2, 4)), NY)


def test_the_horizon_is_inclusive_and_named() -> None:
    first = local(NY, 2027, 1, 5, 19, 0)
    horizon = first + timedelta(days=365)  # Wed 5 Jan 2028, the same instant a year on
    assert len(occurrences(first, Repeat("monthly", count=13), NY, horizon=horizon)) == 13
    with pytest.raises(RepeatProblem) as caught:
        occurrences(first, Repeat("monthly", count=14), NY, horizon=horizon)
    assert str(caught.value) == (
        "A series can't run past Wed 5 Jan 2028; the last session would be on Sat 5 Feb 2028. "
        "Use fewer sessions or an earlier end date."
    )
    with pytest.raises(RepeatProblem, match="this one would be on Tue 5 Jan 2027"):
        occurrences(first, None, NY, horizon=first - timedelta(days=1))


def test_a_skipped_wall_time_moves_forward_by_the_gap() -> None:
    first = local(NY, 2027, 3, 7, 2, 30)  # Sun 02:30 EST; next Sunday has no 02:30
    assert occurrences(first, Repeat("weekly", count=3), NY) == [
        utc(2027, 3, 7, 7, 30),
        utc(2027, 3, 14, 7, 30),  # 03:30 EDT
        utc(2027, 3, 21, 6, 30),  # 02:30 EDT
    ]
    assert utc(2027, 3, 14, 7, 30).astimezone(ZoneInfo(NY)).hour == 3


def test_a_repeated_wall_time_is_its_first_occurrence() -> None:
    first = local(NY, 2027, 10, 31, 1, 30)  # Sun 01:30 EDT; next Sunday has it twice
    assert occurrences(first, Repeat("weekly", count=3), NY) == [
        utc(2027, 10, 31, 5, 30),
        utc(2027, 11, 7, 5, 30),  # 01:30 EDT, not 01:30 EST (06:30Z)
        utc(2027, 11, 14, 6, 30),
    ]


def test_times_must_be_aware() -> None:
    with pytest.raises(ValueError, match="aware"):
        occurrences(datetime(2027, 1, 5, 19, 0), Repeat("weekly", count=2), NY)
    with pytest.raises(ValueError, match="aware"):
        occurrences(utc(2027, 1, 5), None, NY, horizon=datetime(2028, 1, 1))


# describe and to_rrule -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("repeat", "text"),
    [
        (Repeat("weekly", count=6), "weekly, 6 sessions"),
        (Repeat("biweekly", until=date(2027, 3, 1)), "every 2 weeks until Mon 1 Mar 2027"),
        (Repeat("monthly", count=3), "monthly, 3 sessions"),
        (Repeat("weekly", until=date(2026, 12, 1)), "weekly until Tue 1 Dec 2026"),
    ],
)
def test_describe(repeat: Repeat, text: str) -> None:
    assert describe(repeat) == text


@pytest.mark.parametrize(
    ("repeat", "first", "zone", "rule"),
    [
        (Repeat("biweekly", count=6), utc(2027, 1, 6), NY, "FREQ=WEEKLY;INTERVAL=2;COUNT=6"),
        (Repeat("weekly", count=4), utc(2027, 1, 6), NY, "FREQ=WEEKLY;COUNT=4"),
        (Repeat("monthly", count=3), utc(2027, 1, 15), NY, "FREQ=MONTHLY;COUNT=3"),
        (
            Repeat("weekly", until=date(2027, 3, 1)),
            utc(2027, 1, 6),
            "UTC",
            "FREQ=WEEKLY;UNTIL=20270301T235959Z",
        ),
        (
            Repeat("weekly", until=date(2027, 3, 1)),
            utc(2027, 1, 6),
            NY,
            "FREQ=WEEKLY;UNTIL=20270302T045959Z",  # 23:59:59 EST
        ),
        (
            Repeat("biweekly", until=date(2027, 7, 1)),
            utc(2027, 1, 6),
            NY,
            "FREQ=WEEKLY;INTERVAL=2;UNTIL=20270702T035959Z",  # 23:59:59 EDT
        ),
        (
            Repeat("monthly", count=5),
            local(NY, 2027, 1, 31, 19, 0),
            NY,
            "FREQ=MONTHLY;BYMONTHDAY=28,29,30,31;BYSETPOS=-1;COUNT=5",
        ),
        (
            Repeat("monthly", until=date(2027, 6, 30)),
            local(NY, 2027, 1, 29, 19, 0),  # 30 Jan in UTC: the local day decides
            NY,
            "FREQ=MONTHLY;BYMONTHDAY=28,29;BYSETPOS=-1;UNTIL=20270701T035959Z",
        ),
    ],
)
def test_to_rrule(repeat: Repeat, first: datetime, zone: str, rule: str) -> None:
    assert to_rrule(repeat, first, zone) == rule


@pytest.mark.parametrize(
    ("repeat", "first", "zone"),
    [
        (Repeat("weekly", count=6), utc(2027, 3, 3, 0, 0), NY),
        (Repeat("biweekly", until=date(2027, 11, 30)), local(NY, 2027, 9, 7, 19, 0), NY),
        (Repeat("monthly", count=14), local(NY, 2027, 1, 31, 19, 0), NY),
        (Repeat("monthly", until=date(2028, 6, 1)), local(LONDON, 2027, 8, 29, 9, 0), LONDON),
        (Repeat("weekly", count=4), local(NY, 2027, 3, 7, 2, 30), NY),
        (Repeat("weekly", count=3), local(NY, 2027, 10, 31, 1, 30), NY),
        (Repeat("weekly", until=date(2027, 1, 19)), local(NY, 2027, 1, 5, 19, 0), NY),
    ],
)
def test_the_rrule_gives_the_same_sessions(repeat: Repeat, first: datetime, zone: str) -> None:
    """What a calendar app expands from DTSTART;TZID=zone and the RRULE is our list."""
    start = first.astimezone(ZoneInfo(zone))
    expanded = rrulestr(to_rrule(repeat, first, zone), dtstart=start)
    assert [moment.astimezone(UTC) for moment in expanded] == occurrences(first, repeat, zone)


# Any text ---------------------------------------------------------------------------------

VOCABULARY = [
    "weekly", "biweekly", "monthly", "every", "other", "week", "weeks", "month", "2", "two",
    "x", "x6", "6", "1", "53", "times", "sessions", "for", "count", "until", "to", "through",
    "march", "mar", "1st", "feb", "30", "2027", "2027-03-01", "2027-02-30", "none", ",", ";",
    "\N{MULTIPLICATION SIGN}", "daily", "every", "0", "99999999",
]  # fmt: skip


@given(
    st.one_of(st.text(), st.lists(st.sampled_from(VOCABULARY), max_size=8).map(" ".join)),
    st.dates(min_value=date(1950, 1, 1), max_value=date(2150, 12, 31)),
)
@example("every 2 weeks until feb 29", date(2197, 3, 1))
@example("weekly until 9999-12-31", TODAY)
def test_any_text_is_a_repeat_or_a_problem(text: str, today: date) -> None:
    try:
        repeat = parse_repeat(text, today)
    except RepeatProblem as problem:
        full_sentence(str(problem))
        return
    assert repeat is None or isinstance(repeat, Repeat)

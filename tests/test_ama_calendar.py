"""AMA .ics files: every field read back with icalendar, escaping and folding, cancelling,
a repeating series in local time, and safe file names."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from dateutil.rrule import rrulestr
from icalendar import Calendar, vRecur  # type: ignore[import-untyped]

from cogs.ama.calendar import ICS_CONTENT_TYPE, ics_filename, session_ics
from cogs.ama.recurrence import Repeat, occurrences, to_rrule

NY = "America/New_York"
STARTS = datetime(2027, 1, 6, 0, 0, tzinfo=UTC)  # Tue 5 Jan 19:00 in New York
ENDS = datetime(2027, 1, 6, 1, 30, tzinfo=UTC)
STAMP = datetime(2026, 12, 1, 15, 4, 5, tzinfo=UTC)


def build(**changes: Any) -> bytes:
    fields: dict[str, Any] = {
        "uid": "ama-k7q2@preceptor",
        "title": "Residency interviews",
        "description": "Ask Dr. Lee anything about interview season.",
        "starts_at": STARTS,
        "ends_at": ENDS,
        "location": "Discord #ama-stage",
        "stamp": STAMP,
    }
    fields.update(changes)
    return session_ics(**fields)


def event_of(ics: bytes) -> Any:
    calendar = Calendar.from_ical(ics)
    events = calendar.walk("VEVENT")
    assert len(events) == 1
    return events[0]


def test_every_field_reads_back() -> None:
    ics = build()
    calendar = Calendar.from_ical(ics)
    assert calendar.name == "VCALENDAR"
    assert str(calendar["VERSION"]) == "2.0"
    assert str(calendar["PRODID"]) == "-//Preceptor//AMA sessions//EN"
    assert str(calendar["METHOD"]) == "PUBLISH"
    assert str(calendar["CALSCALE"]) == "GREGORIAN"
    assert calendar.walk("VTIMEZONE") == []
    event = event_of(ics)
    assert str(event["UID"]) == "ama-k7q2@preceptor"
    assert event.decoded("DTSTAMP") == STAMP
    assert event.decoded("DTSTART") == STARTS
    assert event.decoded("DTEND") == ENDS
    assert str(event["SUMMARY"]) == "Residency interviews"
    assert str(event["DESCRIPTION"]) == "Ask Dr. Lee anything about interview season."
    assert str(event["LOCATION"]) == "Discord #ama-stage"
    assert event.decoded("SEQUENCE") == 0
    assert str(event["STATUS"]) == "CONFIRMED"
    assert "RRULE" not in event
    text = ics.decode()
    assert "DTSTART:20270106T000000Z\r\n" in text  # UTC, written with Z
    assert "DTEND:20270106T013000Z\r\n" in text
    assert "DTSTAMP:20261201T150405Z\r\n" in text
    assert text.startswith("BEGIN:VCALENDAR\r\n") and text.endswith("END:VCALENDAR\r\n")


def test_times_in_other_zones_are_written_in_utc() -> None:
    paris = ZoneInfo("Europe/Paris")
    event = event_of(
        build(
            starts_at=STARTS.astimezone(paris),
            ends_at=ENDS.astimezone(paris),
            stamp=STAMP.astimezone(paris),
        )
    )
    assert event.decoded("DTSTART") == STARTS and event.decoded("DTSTART").utcoffset().seconds == 0
    assert event.decoded("DTSTAMP") == STAMP


def test_special_characters_round_trip() -> None:
    title = 'Match day, Q&A; "what\'s next?" \N{STETHOSCOPE}'
    description = "Line one\nline, two; three\\four\n\nÀ bientôt \N{SPARKLES}"
    location = "Room 3, Building B; Floor 2"
    ics = build(title=title, description=description, location=location)
    event = event_of(ics)
    assert str(event["SUMMARY"]) == title
    assert str(event["DESCRIPTION"]) == description
    assert str(event["LOCATION"]) == location
    text = ics.decode()
    assert 'SUMMARY:Match day\\, Q&A\\; "what\'s next?" \N{STETHOSCOPE}\r\n' in text
    assert "LOCATION:Room 3\\, Building B\\; Floor 2\r\n" in text


def test_long_descriptions_are_folded_to_75_octets() -> None:
    description = ("Résumé tips \N{STETHOSCOPE}, interviews; " * 80)[:2000]
    assert len(description) == 2000
    ics = build(description=description)
    lines = ics.split(b"\r\n")
    assert max(len(line) for line in lines) <= 75
    assert sum(line.startswith(b" ") for line in lines) > 20  # it was folded, not cut
    for line in lines:
        line.decode("utf-8")  # folds never split a character
    assert str(event_of(ics)["DESCRIPTION"]) == description


def test_empty_description_and_location_are_left_out() -> None:
    event = event_of(build(description="", location=""))
    assert "DESCRIPTION" not in event and "LOCATION" not in event


def test_a_cancellation() -> None:
    ics = build(cancelled=True, sequence=3)
    assert str(Calendar.from_ical(ics)["METHOD"]) == "CANCEL"
    event = event_of(ics)
    assert str(event["STATUS"]) == "CANCELLED"
    assert event.decoded("SEQUENCE") == 3
    assert str(event["UID"]) == "ama-k7q2@preceptor"


def test_a_series_is_written_in_local_time_with_its_rule() -> None:
    first = datetime(2027, 1, 31, 19, 0, tzinfo=ZoneInfo(NY)).astimezone(UTC)
    repeat = Repeat("monthly", count=6)
    rule = to_rrule(repeat, first, NY)
    assert rule == "FREQ=MONTHLY;BYMONTHDAY=28,29,30,31;BYSETPOS=-1;COUNT=6"
    ics = build(starts_at=first, ends_at=first.replace(hour=1), rrule=rule, zone=NY, sequence=1)
    text = ics.decode()
    assert "DTSTART;TZID=America/New_York:20270131T190000\r\n" in text
    assert "DTEND;TZID=America/New_York:20270131T200000\r\n" in text
    calendar = Calendar.from_ical(ics)
    [timezone] = calendar.walk("VTIMEZONE")
    assert str(timezone["TZID"]) == NY
    event = event_of(ics)
    assert event["RRULE"] == vRecur.from_ical(rule)
    start = event.decoded("DTSTART")
    assert start == first and start.tzinfo.key == NY
    # A calendar app expanding DTSTART and the RRULE finds the sessions we announce.
    expanded = rrulestr(event["RRULE"].to_ical().decode(), dtstart=start)
    assert [moment.astimezone(UTC) for moment in expanded] == occurrences(first, repeat, NY)


def test_an_until_rule_round_trips() -> None:
    rule = "FREQ=WEEKLY;INTERVAL=2;UNTIL=20270302T045959Z"
    event = event_of(build(rrule=rule, zone=NY))
    assert event["RRULE"]["UNTIL"] == [datetime(2027, 3, 2, 4, 59, 59, tzinfo=UTC)]
    assert event["RRULE"]["INTERVAL"] == [2]
    assert event["RRULE"]["FREQ"] == ["WEEKLY"]


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        ({"starts_at": datetime(2027, 1, 6, 0, 0)}, "aware starts_at"),
        ({"ends_at": datetime(2027, 1, 6, 1, 0)}, "aware ends_at"),
        ({"stamp": datetime(2026, 12, 1)}, "aware stamp"),
        ({"ends_at": STARTS}, "ends_at after starts_at"),
        ({"sequence": -1}, "sequence of 0 or more"),
        ({"rrule": "FREQ=WEEKLY;COUNT=3"}, "needs the zone for an rrule"),
        ({"rrule": "every week", "zone": NY}, "RRULE with FREQ"),
        ({"rrule": "FREQ=WEEKLY;COUNT=three", "zone": NY}, "three"),
    ],
)
def test_bad_arguments_are_refused(changes: dict[str, Any], problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        build(**changes)


def test_content_type() -> None:
    assert ICS_CONTENT_TYPE == "text/calendar"


@pytest.mark.parametrize(
    ("title", "short_id", "name"),
    [
        ("Residency interviews", "k7q2", "ama-k7q2-residency-interviews.ics"),
        ("Résidence: Q&A — Dr. Ñúñez!", "k7q2", "ama-k7q2-residence-q-a-dr-nunez.ics"),
        ("\N{STETHOSCOPE} MCAT 101 \N{STETHOSCOPE}", "K7Q2", "ama-k7q2-mcat-101.ics"),
        ("面试准备", "k7q2", "ama-k7q2.ics"),
        ("", "k7q2", "ama-k7q2.ics"),
        ("   ", "k7q2", "ama-k7q2.ics"),
        ("../../etc/passwd", "k7q2", "ama-k7q2-etc-passwd.ics"),
        ("Match day", "", "ama-match-day.ics"),
        ("", "", "ama.ics"),
        (
            "Residency interviews: what to expect and how to prepare for the big day",
            "k7q2",
            "ama-k7q2-residency-interviews-what-to-expect-and-how-to.ics",
        ),
        ("a" * 100, "k7q2", "ama-k7q2-" + "a" * 47 + ".ics"),
    ],
)
def test_filenames_are_safe_ascii(title: str, short_id: str, name: str) -> None:
    made = ics_filename(title, short_id)
    assert made == name
    assert len(made) <= 60
    assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*\.ics", made)

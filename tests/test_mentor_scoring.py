"""Fit scores: the arithmetic, the hard rules, and what the reasons may say."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.errors import UserError
from cogs.mentorship import scoring
from cogs.mentorship.profile import build_offer, build_request
from cogs.mentorship.scoring import fit, same_institution, shared_interests
from cogs.mentorship.timing import first_meeting
from storage import IntroProfile
from storage.mentorship import MenteeRequest, MentorOffer
from tests.support import SCOPE

NOW = datetime(2026, 11, 22, 15, 0, tzinfo=UTC)


def offer(**changes: object) -> MentorOffer:
    values: dict[str, object] = {
        "scope": SCOPE,
        "user_id": "mentor",
        "specialties": ("pediatric anesthesiology", "critical care"),
        "stages": ("medical student", "resident"),
        "capacity": 2,
        "bio": "Peds anesthesia.",
        "institution": "Stanford",
        "timezone": "America/Chicago",
        "languages": ("English", "Spanish"),
    }
    values.update(changes)
    return MentorOffer(**values)  # type: ignore[arg-type]


def request(**changes: object) -> MenteeRequest:
    values: dict[str, object] = {
        "scope": SCOPE,
        "user_id": "mentee",
        "interests": ("pediatric anesthesiology",),
        "stage": "medical student",
        "goals": "Learn the field.",
        "institution": "UCSF",
        "timezone": "America/Chicago",
    }
    values.update(changes)
    return MenteeRequest(**values)  # type: ignore[arg-type]


def test_points_add_up_and_every_reason_is_spelled_out() -> None:
    found = fit(request(language="Spanish", outside_institution="preferred"), offer(), NOW)
    assert found is not None
    expected = (
        scoring.BASE
        + scoring.EXACT_INTEREST
        + scoring.STAGE
        + scoring.LANGUAGE
        + scoring.TIMEZONE_MAX
        + scoring.OUTSIDE_INSTITUTION
    )
    assert found.points == expected
    assert found.because() == (
        "shared interests: pediatric anesthesiology; mentors medical students; speaks Spanish; "
        "same time zone; outside your institution"
    )


def test_related_interests_count_less_than_shared_ones() -> None:
    exact = fit(request(interests=("critical care",)), offer(), NOW)
    related = fit(request(interests=("anesthesiology",)), offer(), NOW)
    none = fit(request(interests=("dermatology",)), offer(), NOW)
    assert exact and related and none
    assert exact.points - none.points == scoring.EXACT_INTEREST
    assert related.points - none.points == scoring.RELATED_INTEREST
    assert "related interests: anesthesiology" in related.reasons
    assert shared_interests(("Critical Care!",), ("critical care",)) == (["Critical Care!"], [])


def test_time_zones_score_by_hours_apart_and_an_explicit_window_is_a_limit() -> None:
    near = fit(request(timezone="America/New_York"), offer(), NOW)  # 1 hour
    far = fit(request(timezone="Asia/Tokyo"), offer(), NOW)  # 15 hours
    assert near and far
    assert near.points - far.points == scoring.TIMEZONE_MAX - scoring.TIMEZONE_STEP
    assert "1 hour apart" in near.reasons
    assert fit(request(timezone="America/New_York", timezone_window=0), offer(), NOW) is None
    assert fit(request(timezone="America/New_York", timezone_window=1), offer(), NOW)


def test_a_stage_the_mentor_does_not_mentor_is_infeasible() -> None:
    assert fit(request(stage="premed"), offer(), NOW) is None
    assert fit(request(stage="premed"), offer(stages=()), NOW) is not None
    assert fit(request(user_id="mentor"), offer(), NOW) is None  # never yourself


@pytest.mark.parametrize(
    ("mentor_institution", "feasible"),
    [
        ("Stanford", True),
        ("UCSF", False),
        ("ucsf school of medicine", False),  # the same place, named differently
        (None, False),  # unknown: never risk a mentor who may grade the student
    ],
)
def test_outside_institution_required_is_never_violated(
    mentor_institution: str | None, feasible: bool
) -> None:
    found = fit(request(outside_institution="required"), offer(institution=mentor_institution), NOW)
    assert (found is not None) is feasible
    if found is not None:
        assert "outside your institution" in found.reasons


def test_outside_institution_preferred_is_only_a_bonus() -> None:
    same = fit(request(outside_institution="preferred"), offer(institution="UCSF"), NOW)
    other = fit(request(outside_institution="preferred"), offer(institution="Stanford"), NOW)
    assert same and other
    assert other.points - same.points == scoring.OUTSIDE_INSTITUTION
    assert same_institution("UCSF", None) is None


def test_a_shared_identity_counts_only_with_both_consents_and_is_never_in_the_reasons() -> None:
    mentor = offer(identities=("URiM", "SGM"))
    asked = fit(request(identities=("sgm",), same_identity=True), mentor, NOW)
    not_asked = fit(request(identities=("SGM",), same_identity=False), mentor, NOW)
    no_consent = fit(request(identities=("SGM",), same_identity=True), offer(), NOW)
    assert asked and not_asked and no_consent
    assert asked.shared_identity and not not_asked.shared_identity
    assert not no_consent.shared_identity
    assert asked.points - not_asked.points == scoring.SHARED_IDENTITY
    assert not_asked.points == no_consent.points
    assert not any("SGM" in r or "sgm" in r or "identit" in r for r in asked.reasons)


def test_offers_and_requests_are_checked_with_every_problem_named() -> None:
    with pytest.raises(UserError) as bad_offer:
        build_offer(
            SCOPE,
            "u",
            {
                "specialties": "",
                "stages": "residents, wizards",
                "capacity": 11,
                "timezone": "Mars/Olympus",
                "bio": "x",
            },
        )
    message = bad_offer.value.message
    assert "`specialties`" in message
    assert "'wizards'" in message and "premed" in message
    assert "`capacity` must be a whole number from 1 to 10" in message
    assert "'Mars/Olympus' is not a time zone I know" in message

    with pytest.raises(UserError) as bad_request:
        build_request(
            SCOPE,
            "u",
            {
                "interests": "cardiology",
                "goals": "grow",
                "stage": "medical student",
                "outside_institution": "required",
                "same_identity": "yes",
                "timezone": "America/Chicago ±30",
            },
            None,
        )
    message = bad_request.value.message
    assert "needs your institution" in message
    assert "`same_identity: yes` needs `identities`" in message
    assert "window '±30'" in message


def test_a_request_takes_identities_stage_and_institution_from_the_intro() -> None:
    intro = IntroProfile(
        SCOPE, "u", "Ana", "resident", "hi", institution="UCSF", identities=("SGM",)
    )
    built = build_request(
        SCOPE,
        "u",
        {"interests": "cardiology", "goals": "grow", "timezone": "america/chicago +-2"},
        intro,
    )
    assert built.identities == ("SGM",) and built.stage == "resident"
    assert built.institution == "UCSF"
    assert (built.timezone, built.timezone_window) == ("America/Chicago", 2)
    assert not built.same_identity  # identities are used only when asked


def test_a_first_meeting_falls_in_both_working_days() -> None:
    slot = first_meeting(NOW, "America/Los_Angeles", "America/New_York")
    for zone in ("America/Los_Angeles", "America/New_York"):
        local = slot.astimezone(ZoneInfo(zone))
        assert local.weekday() < 5 and 9 <= local.hour < 19
    assert slot >= NOW

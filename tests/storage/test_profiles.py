"""Intro profiles: saved whole, identities sealed at rest and hidden unless shown."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import select

from bot.clock import ManualClock
from bot.core import sealer_for
from config.settings import Settings, SettingsError
from storage import IntroProfile, Repositories, Scope
from storage.crypto import KEY_FILE, Sealer, SealError, load_or_create_key
from storage.schema import intro_profiles

T1 = Scope("slack", "T1")


def profile(**changes: object) -> IntroProfile:
    values: dict[str, object] = {
        "scope": T1,
        "user_id": "U1",
        "name": "Ana",
        "stage": "resident",
        "about": "Anesthesia resident who loves teaching.",
        "interests": ("pediatric anesthesiology", "critical care"),
        "looking_for": ("mentee",),
        "identities": ("first-generation", "SGM"),
    }
    values.update(changes)
    return IntroProfile(**values)  # type: ignore[arg-type]


async def test_a_profile_is_saved_edited_and_deleted(
    repos: Repositories, clock: ManualClock
) -> None:
    saved = await repos.profiles.save(profile(), clock.now())
    assert saved.identities == ("first-generation", "SGM") and saved.created_at == clock.now()
    await repos.profiles.set_post_ref(T1, "U1", "C1/1.0")
    edited = await repos.profiles.save(profile(name="Ana R.", identities=()), clock.now())
    assert edited.name == "Ana R." and edited.identities == () and edited.post_ref == "C1/1.0"
    assert await repos.profiles.delete(T1, "U1") is True
    assert await repos.profiles.get(T1, "U1") is None
    assert await repos.profiles.delete(T1, "U1") is False


async def test_identities_are_sealed_and_only_shown_when_chosen(
    repos: Repositories, clock: ManualClock
) -> None:
    await repos.profiles.save(profile(), clock.now())
    await repos.profiles.save(profile(user_id="U2", show_identities=True), clock.now())
    async with repos.db.read() as conn:
        raw = (await conn.execute(select(intro_profiles.c.identities_sealed))).scalars().all()
    assert all(value and "SGM" not in value and "first" not in value for value in raw)
    shown = {p.user_id: p.identities for p in await repos.profiles.public(T1)}
    assert shown == {"U1": (), "U2": ("first-generation", "SGM")}
    assert await repos.profiles.public(Scope("slack", "T2")) == []


def test_the_key_file_is_made_once_owner_only(tmp_path: Path) -> None:
    key, made = load_or_create_key(tmp_path / "data")
    assert made and stat.S_IMODE((tmp_path / "data" / KEY_FILE).stat().st_mode) == 0o600
    again, made_again = load_or_create_key(tmp_path / "data")
    assert again == key and not made_again


def test_a_bad_data_key_stops_the_start_and_a_rotated_key_still_opens(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="Invalid setting DATA_KEY"):
        sealer_for(Settings(_env_file=None, data_dir=tmp_path, data_key="not-a-key"))  # type: ignore[call-arg]
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    token = sealer_for(Settings(_env_file=None, data_dir=tmp_path, data_key=old)).seal("URiM")  # type: ignore[call-arg]
    rotated = sealer_for(Settings(_env_file=None, data_dir=tmp_path, data_key=f"{new},{old}"))  # type: ignore[call-arg]
    assert rotated.open(token) == "URiM"
    assert "URiM" not in token
    with pytest.raises(SealError):
        Sealer.ephemeral().open(token)
    assert not (tmp_path / KEY_FILE).exists()  # with DATA_KEY, no key file is made

"""The console surface, driven the way scripts and newcomers drive it."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

from bot.app import App
from bot.clock import ManualClock
from bot.console import ConsoleSurface
from bot.core import Core
from bot.surface import Surface
from config.settings import Settings
from tests.conftest import START
from tests.probe import build_probe

ROOT = Path(__file__).resolve().parents[1]


def run_bot(
    tmp_path: Path, script: str, *args: str, **env: str
) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "SLACK_"))}
    clean.update({"DATA_DIR": str(tmp_path / "data"), **env})
    clean.pop("DATABASE_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        input=script,
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**clean, "PYTHONPATH": str(ROOT)},
        timeout=120,
        check=False,
    )


def test_the_readme_check_prints_commands_and_setup(tmp_path: Path) -> None:
    result = run_bot(tmp_path, "/help\n/as dr_lee --moderator\n/help\n/setup show\n")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    member_help, moderator_help = out.split("** Commands **")[1:3]
    # Members see the groups and what they can run; moderators also see their commands.
    assert "/setup: Configure this community" in member_help and "channels" not in member_help
    assert "/ama: " in member_help and "rsvp" in member_help and "schedule" not in member_help
    assert "moderators: channels, moderators, timezone, welcome, show, ama" in moderator_help
    assert "You are now dr_lee (moderator)." in out
    assert "** Community setup **" in out and "Time zone: UTC (default)" in out
    assert "Traceback" not in out + result.stderr


def test_setup_persists_across_runs_and_channels_are_created_on_use(tmp_path: Path) -> None:
    first = run_bot(
        tmp_path,
        "/as dr_lee --moderator\n"
        "/setup channels introductions:#introductions announcements:#news modlog:#mods\n"
        "/setup timezone zone:America/Chicago\n"
        "/as alice\n/as dr_lee\n/setup moderators add:alice\n",
    )
    assert first.returncode == 0, first.stderr
    assert "[#mods]" in first.stdout  # the audit line went to the moderator log
    second = run_bot(tmp_path, "/as alice\n/setup show\n")
    assert second.returncode == 0
    assert "Introductions: #introductions" in second.stdout
    assert "Time zone: America/Chicago" in second.stdout
    assert "Moderators: @alice" in second.stdout


def test_a_wrong_setting_stops_the_start_with_one_line(tmp_path: Path) -> None:
    result = run_bot(tmp_path, "/help\n", LOG_LEVEL="LOUD")
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "preceptor: Invalid setting LOG_LEVEL: use DEBUG, INFO, WARNING, ERROR or CRITICAL."
    ]
    result = run_bot(tmp_path, "/help\n", FEATURES="intros,nonsense")
    assert result.returncode == 2
    assert "Invalid setting FEATURES: unknown feature" in result.stderr


def test_demo_seeds_a_community_to_try(tmp_path: Path) -> None:
    result = run_bot(tmp_path, "/as dr_lee\n/setup show\n", "demo")
    assert result.returncode == 0, result.stderr
    assert "Demo community ready" in result.stdout
    assert "Introductions: #introductions" in result.stdout
    assert "Moderators: @dr_lee" in result.stdout


def test_migrate_and_backup_commands(tmp_path: Path) -> None:
    assert run_bot(tmp_path, "", "migrate").returncode == 0
    backup = tmp_path / "copy.sqlite3"
    result = run_bot(tmp_path, "", "backup", str(backup))
    assert result.returncode == 0, result.stderr
    assert backup.stat().st_size > 0
    again = run_bot(tmp_path, "", "backup", str(backup))
    assert again.returncode == 1 and "already exists" in again.stderr


async def console_session(tmp_path: Path, script: str) -> str:
    """Run a script through the real console surface in-process, with the probe feature.

    Only the core features load next to it: other features (the intro welcome DM, with
    its button) would change which message `/press` finds."""
    settings = Settings(_env_file=None, data_dir=tmp_path, features=[])  # type: ignore[call-arg]
    stdin, stdout = io.StringIO(script), io.StringIO()

    def surfaces(core: Core) -> list[Surface]:
        core.registry.add(build_probe(core))
        core.use(core.registry)
        return [ConsoleSurface(core, stdin=stdin, stdout=stdout)]

    await App(settings, clock=ManualClock(START), surfaces=surfaces).run()
    return stdout.getvalue()


async def test_forms_are_filled_by_prompt_and_buttons_pressed(tmp_path: Path) -> None:
    out = await console_session(
        tmp_path,
        "/probe note subject:Rounds\n"
        "what to expect on rounds\n"
        "calm\n"
        "/as bob\n"
        "/press Like\n"
        "/press 2\n"
        "/press Nope\n",
    )
    assert "[form · only you] Write a note (opens a form)" in out
    assert "  text (required): what to expect on rounds" in out
    assert "[reply]\n  note Rounds: what to expect on rounds (calm)\n  [1: Like]  [2: Purge]" in out
    assert "bob pressed Like" in out and "bob liked 42" in out
    assert "Only moderators can use this button." in out
    assert "No message you can see has 'Nope'; the newest has Like, Purge." in out


async def test_a_form_cut_short_by_the_end_of_input_writes_nothing(tmp_path: Path) -> None:
    out = await console_session(tmp_path, "/probe note subject:Half\n")
    assert "Cancelled: the input ended before the form was complete." in out
    assert "note Half" not in out


async def test_private_replies_and_buttons_are_seen_only_by_their_member(tmp_path: Path) -> None:
    out = await console_session(
        tmp_path,
        "/as bob\n/as alice\n/probe dm who:bob\n/press 1\n/as bob\n/dms off\n"
        "/as alice\n/probe dm who:bob\n/as bob\n/help\n",
    )
    assert "[DM → bob]\n  hello from probe" in out
    assert "No message you can see has buttons." in out
    # Bob closed his DMs and no channel is set up: the message waits for his next command.
    assert "dm held" in out
    assert "A message that could not reach you earlier" in out


async def test_the_clock_moves_and_runs_due_jobs(tmp_path: Path) -> None:
    out = await console_session(
        tmp_path, "/clock\n/clock +1h30m\n/clock soon\n/clock +401d\n/clock +99999999999999d\n"
    )
    assert "Community time: 2026-11-22 15:00 UTC" in out
    assert "Clock moved +1h30m; 0 scheduled job(s) ran." in out
    assert "Community time: 2026-11-22 16:30 UTC" in out
    assert "'soon' is not a duration" in out
    assert out.count("is too far; move at most 400 days") == 2


async def test_switching_members_validates_the_name(tmp_path: Path) -> None:
    out = await console_session(tmp_path, "/as\n/as Bad!Name\n/as x --admin\n/as carol\n")
    assert out.count("Use /as NAME") == 2
    assert "is not a member name" in out
    assert "You are now carol." in out

"""The whole introductions flow, typed into the console as a script."""

from __future__ import annotations

from pathlib import Path

from tests.test_console import run_bot

SCRIPT = """\
/as dr_lee --moderator
/setup channels introductions:#introductions
/setup welcome text:"Welcome to the alliance! Say hello."
/as ana
/press Write my intro
Ana Reyes
she/her
resident
UCSF
pediatric anesthesiology, critical care
Anesthesia resident who loves teaching. @everyone welcome!
mentee, peers
first-generation, SGM
no
/as ana
{post}
/as ben
/intro find anesthesiology
/intro show member:ana
/as ana
/intro delete
/as ben
/intro find anesthesiology
""".format(
    post=(
        '/intro post name:"Ana Reyes" pronouns:she/her stage:resident institution:UCSF '
        'interests:"pediatric anesthesiology, critical care" '
        'about:"Anesthesia resident who loves teaching." looking_for:"mentee, peers" '
        'identities:"first-generation, SGM"'
    )
)


def test_the_intro_flow_runs_in_the_console(tmp_path: Path) -> None:
    result = run_bot(tmp_path, SCRIPT, "run")
    out = result.stdout
    assert result.returncode == 0, result.stderr
    # The welcome DM carries the moderator's text and a button into the form.
    assert "[DM → ana]\n  ** Welcome **\n  Welcome to the alliance! Say hello." in out
    assert "[form · only you] Post or update your intro" in out
    # The form refuses @everyone and names the field; nothing is posted.
    assert "`about` can't mention @everyone or @here." in out
    assert out.count("[#introductions]") == 1  # posted once, by the inline command
    assert "Your intro is posted in #introductions." in out
    post = out.split("[#introductions]", 1)[1]
    assert "Ana Reyes (she/her)" in post and "pediatric anesthesiology" in post
    assert "SGM" not in post.split("ben>", 1)[0]  # private by default
    # Search and show see the public intro; delete removes post and profile.
    assert "1 member(s) match 'anesthesiology'" in out
    assert "[#introductions · deleted" in out
    assert "No public intro matches 'anesthesiology'." in out

"""A private peer group typed into the console as a script (`python -m bot run`): create
it with a steward, ask to join, approve from the DM, the private space opening and
closing, an anonymous post and its audited reveal, a coffee-chat round and its check-in;
and the refusals an outsider gets reading exactly like those for a group that isn't there."""

from __future__ import annotations

import re
from pathlib import Path

from tests.test_console import run_bot

SCRIPT = """\
/as mia --moderator
/setup channels announcements:#general modlog:#mods
/as sam
/help
/as ana
/help
/as ben
/help
/as mia --moderator
/group create name:"SGM Alliance" description:"Sexual and gender minority students" stewards:@sam
/as ben
/group list
/group members name:"SGM Alliance"
/group members name:"Nowhere Club"
/as ana
/group join name:"SGM Alliance" note:"MS2, quietly out"
/as sam
/press Approve
/group members name:"SGM Alliance"
/as ana
/group post name:"SGM Alliance" message:"Anyone else not out on rotations?" anonymous:yes
/group pairing join name:"SGM Alliance"
/as sam
/group pairing join name:"SGM Alliance"
/group pairing weekly name:"SGM Alliance"
/group reveal post:1 reason:safety
/clock +7d
/clock +4d
/as ana
/press We met
/group leave name:"SGM Alliance"
/group members name:"SGM Alliance"
"""
PROMPT = re.compile(r"^[a-z0-9_.-]+> ")


def blocks(out: str) -> list[str]:
    """The output cut into blocks, each starting at a `[where]` line or a prompt."""
    found: list[str] = []
    for line in out.splitlines():
        if line.startswith("[") or PROMPT.match(line) or not found:
            found.append(line)
        else:
            found[-1] += "\n" + line
    return found


def answers_to(out: str, command: str) -> list[str]:
    """The blocks printed right after each time `command` was typed."""
    parts = blocks(out)
    return [parts[i + 1] for i, b in enumerate(parts[:-1]) if b.endswith("> " + command)]


def test_a_private_group_from_creation_to_leaving(tmp_path: Path) -> None:
    result = run_bot(tmp_path, SCRIPT, "run")
    out = result.stdout
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in out + result.stderr and "Something went wrong" not in out

    assert "[console] #sgm-alliance is a new private space." in out
    assert "[console] sam can now see #sgm-alliance." in out
    # Ben, outside the group: listed, but who is in it reads like a group that isn't there.
    [listed] = answers_to(out, "/group list")
    assert "SGM Alliance: private · joined by approval · fewer than 5 members" in listed
    [hidden, nowhere] = answers_to(out, '/group members name:"SGM Alliance"')[:1] + answers_to(
        out, '/group members name:"Nowhere Club"'
    )
    assert hidden.replace("SGM Alliance", "Nowhere Club") == nowhere
    # Ana asks; only the steward hears of it, with her note, in a DM with the buttons.
    [request] = [b for b in blocks(out) if b.startswith("[DM → sam]") and "asks to join" in b]
    assert "MS2, quietly out" in request and "[1: Approve]  [2: Deny]" in request
    assert "[console] ana can now see #sgm-alliance." in out
    assert any(b.startswith("[DM → ana]") and "You're in" in b for b in blocks(out))
    members = answers_to(out, '/group members name:"SGM Alliance"')[1]
    assert "@sam (steward), @ana" in members and members.startswith("[reply · only you]")
    # The anonymous post shows in the private space without her; the reveal is audited.
    [post] = [b for b in blocks(out) if b.startswith("[#sgm-alliance · private space]")]
    assert "Anyone else not out on rotations?" in post and "ana" not in post
    [revealed] = answers_to(out, "/group reveal post:1 reason:safety")
    assert "written by @ana" in revealed
    modlog = [b for b in blocks(out) if b.startswith("[#mods]")]
    assert any("revealed the author of anonymous post #1" in b for b in modlog)
    assert not any("ana" in b for b in modlog)  # the moderator log never names members
    # A coffee-chat round introduces the two of them, and the check-in is answered.
    intros = [b for b in blocks(out) if b.startswith("[group DM → ") and "Your coffee chat" in b]
    assert intros and all({"@ana", "@sam"} <= set(re.findall(r"@\w+", b)) for b in intros)
    assert "Wonderful, thank you!" in out
    # Leaving closes the space at once; after that the group is closed to her too.
    assert "[console] ana can no longer see #sgm-alliance." in out
    after = answers_to(out, '/group members name:"SGM Alliance"')[-1]
    assert after.replace("SGM Alliance", "Nowhere Club") == nowhere

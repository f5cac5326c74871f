"""An AMA session typed into the console as a script (`python -m bot run`): schedule,
RSVP, ask anonymously, approve, upvote, reminders, start, answered, recap."""

from __future__ import annotations

import re
from pathlib import Path

from tests.test_console import run_bot
from tests.test_mentorship_console import blocks, shown_to

SCHEDULE = (
    '/ama schedule title:"Residency interviews" host:@dr_lee start:"in 2 days" '
    'duration:90m description:"Bring your questions."'
)
SCRIPT = f"""\
/as mia --moderator
/setup channels announcements:#ama modlog:#mods
/setup ama approval:on
/as dr_lee
/help
/as mia --moderator
{SCHEDULE}
/as ana
/press RSVP
/press Ask a question
How many programs should I apply to?
yes
/as mia --moderator
/ama approve question:1
/as ben
/ama upvote question:1
/clock +1d
/clock +23h
/clock +50m
/clock +10m
/as dr_lee
/press Questions so far
/ama answered question:1
/clock +2h
"""


def test_schedule_rsvp_ask_approve_upvote_remind_start_answer_recap(tmp_path: Path) -> None:
    result = run_bot(tmp_path, SCRIPT, "run")
    out = result.stdout
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in out + result.stderr and "Something went wrong" not in out

    [announcement] = shown_to(out, "[#ama]", "AMA: Residency interviews")
    sid = re.search(r"Session id: `([a-z0-9]{4})`", announcement)
    assert sid is not None, announcement
    assert "Host: @dr_lee" in announcement and "for 1 hour 30 minutes" in announcement
    assert " UTC" in announcement  # the console shows UTC (and the community zone, if set)
    assert "[1: RSVP]  [2: Ask a question]  [3: Add to calendar]" in announcement
    assert shown_to(out, "[DM → dr_lee]", "You are hosting an AMA")

    assert "RSVP saved" in out and "Nobody but you will see that you asked it" in out
    assert "waiting for a moderator to approve it" in out
    [queued] = shown_to(out, "[#mods]", "A question is waiting for approval")
    assert "anonymous" in queued and "ana" not in queued
    assert "Question #1 is approved." in out
    assert "Upvoted #1: it has 1 vote(s)." in out

    reminders = shown_to(out, "[DM → ana]", "AMA reminder")
    assert len(reminders) == 2
    assert "starting in about 24 hours" in reminders[0]
    assert "starting in about 10 minutes" in reminders[1]
    assert len(shown_to(out, "[DM → dr_lee]", "AMA reminder")) == 2

    [start] = shown_to(out, "[#ama]", "Starting now: Residency interviews")
    assert "#1** (1 vote) How many programs should I apply to?" in start
    host_view = out.split("[console] dr_lee pressed Questions so far", 1)[1]
    assert "asked by anonymous" in host_view.split("dr_lee> ", 1)[0]
    assert "Question #1 is marked answered" in out
    [recap] = shown_to(out, "[#ama]", "Recap: Residency interviews")
    assert "1 question answered" in recap and "How many programs" in recap
    # The asker asked anonymously: no channel post and nothing the host sees names her.
    for block in blocks(out):
        if block.startswith(("[#", "[DM → dr_lee]", "[DM → ben]")):
            assert "ana" not in block, block

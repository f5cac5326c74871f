"""The mentorship flow, typed into the console as a script (`python -m bot run`)."""

from __future__ import annotations

from pathlib import Path

from tests.test_console import run_bot

OFFER = (
    '/mentor offer specialties:"pediatric anesthesiology, critical care" '
    'stages:"medical student, resident" capacity:2 institution:UCSF '
    'timezone:America/Chicago languages:"English, Spanish" '
    'bio:"Pediatric anesthesiologist who loves teaching." identities:URiM'
)
REQUEST = (
    '/mentor request interests:"pediatric anesthesiology" stage:"medical student" '
    'goals:"Learn what anesthesiology residency is like." outside_institution:no '
    'language:Spanish timezone:America/Chicago identities:"URiM, first-generation" '
    "same_identity:yes"
)

SCRIPT = f"""\
/as bob
{OFFER}
/as alice
{REQUEST}
/as bob
/press Accept
/clock +13d
/clock +1d
/press Yes
/as alice
/press Not yet
"""


def blocks(out: str) -> list[str]:
    """The output cut into blocks, each starting at a `[where]` line or a prompt."""
    found: list[str] = []
    for line in out.splitlines():
        if line.startswith(("[", "bob> ", "alice> ", "carol> ", "me> ")) or not found:
            found.append(line)
        else:
            found[-1] += "\n" + line
    return found


def shown_to(out: str, where: str, title: str) -> list[str]:
    """Blocks shown at `where` (e.g. "[DM → bob]") whose title is `title`."""
    return [b for b in blocks(out) if b.startswith(where + "\n") and f"** {title} **" in b]


def test_offer_request_accept_introduce_and_check_in(tmp_path: Path) -> None:
    result = run_bot(tmp_path, SCRIPT, "run")
    out = result.stdout
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in out + result.stderr
    assert "Something went wrong" not in out
    assert "Thank you for mentoring! You have 0 of 2 places taken." in out

    # The mentor is asked in a DM, with Accept and Decline; the mentee is told in her reply.
    [proposal] = shown_to(out, "[DM → bob]", "A mentee for you")
    assert "@alice is looking for a mentor, and you fit: shared interests: " in proposal
    assert "Goals: Learn what anesthesiology residency is like." in proposal
    assert "URiM" not in proposal and "first-generation" not in proposal  # private
    assert proposal.endswith("[1: Accept]  [2: Decline]")
    request = out.split(REQUEST, 1)[1].split("alice> ", 1)[0]
    assert "We found a mentor who fits (shared interests: pediatric anesthesiology" in request
    assert "and asked them." in request
    assert shown_to(out, "[DM → alice]", "A mentee for you") == []

    # Accepting: the proposal DM loses its buttons, both get one introduction, and the
    # mentor hears the match is made.
    accepted = out.split("[console] bob pressed Accept\n", 1)[1].split("bob> ", 1)[0]
    [edited] = [b for b in blocks(accepted) if b.startswith("[DM → bob · edited")]
    assert "You accepted this mentee. Thank you!" in edited and "[1:" not in edited
    [intro] = shown_to(accepted, "[group DM → bob, alice]", "Meet your mentorship match")
    assert "@bob, meet @alice: you are now mentor and mentee." in intro
    assert "30-minute video call" in intro and "In 14 days we will ask you both" in intro
    assert "Mentee's goals: Learn what anesthesiology residency is like." in intro
    assert "URiM" not in intro and "first-generation" not in intro
    assert "** Match made **\n  You are now @alice's mentor." in accepted
    assert out.count("** Meet your mentorship match **") == 1

    # Nobody is asked after 13 days; at 14 both are, each about the other.
    early = out.split("/clock +13d\n", 1)[1].split("bob> /clock +1d", 1)[0]
    assert "Mentorship check-in" not in early and "0 scheduled job(s) ran" in early
    due = out.split("bob> /clock +1d\n", 1)[1].split("bob> ", 1)[0]
    assert "1 scheduled job(s) ran" in due
    [to_bob] = shown_to(due, "[DM → bob]", "Mentorship check-in")
    [to_alice] = shown_to(due, "[DM → alice]", "Mentorship check-in")
    assert "Have you met @alice yet?" in to_bob and "Have you met @bob yet?" in to_alice
    for asked in (to_bob, to_alice):
        assert asked.endswith("[1: Yes]  [2: Not yet]  [3: End]")

    yes = out.split("[console] bob pressed Yes\n", 1)[1]
    assert yes.startswith("[reply · only you]\n  ** Mentorship check-in **\n  Wonderful, thank")
    not_yet = out.split("[console] alice pressed Not yet\n", 1)[1]
    assert "Why not send @bob a message with two times that suit you?" in not_yet
    assert "We will ask once more in a week." in not_yet


def test_a_declined_proposal_goes_to_the_next_mentor(tmp_path: Path) -> None:
    # Bob fits best (shared interest, language, time zone); Carol fits too.
    script = f"""\
/as bob
{OFFER}
/as carol
/mentor offer specialties:"family medicine" stages:"medical student" bio:"Family doc."
/as alice
{REQUEST}
/as bob
/press Decline
/as carol
/press Accept
"""
    result = run_bot(tmp_path, script, "run")
    out = result.stdout
    assert result.returncode == 0, result.stderr
    assert "Something went wrong" not in out

    [first] = shown_to(out, "[DM → bob]", "A mentee for you")
    assert "shared interests: pediatric anesthesiology" in first
    declined = out.split("[console] bob pressed Decline\n", 1)[1].split("bob> ", 1)[0]
    assert "You declined this mentee." in declined  # the proposal DM, edited
    assert "** Proposal declined **\n  Declined; thank you for answering." in declined
    assert "[1: Add a reason]" in declined
    # The next mentor is asked, and the mentee hears about it by DM.
    [second] = shown_to(declined, "[DM → carol]", "A mentee for you")
    assert "@alice is looking for a mentor, and you fit" in second
    assert second.endswith("[1: Accept]  [2: Decline]")
    [told] = shown_to(declined, "[DM → alice]", "Mentor request: a mentor was asked")
    assert "We found a mentor who fits" in told

    accepted = out.split("[console] carol pressed Accept\n", 1)[1]
    assert "You are now @alice's mentor." in accepted
    [intro] = shown_to(accepted, "[group DM → carol, alice]", "Meet your mentorship match")
    assert "@carol, meet @alice" in intro
    assert "@bob" not in intro

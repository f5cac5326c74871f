"""The neutral command path: typed options, bad input, moderator checks, forms, buttons."""

from __future__ import annotations

import logging

import pytest

from bot.model import OPEN_FORM, OpenForm, Refusal, Reply
from tests.probe import build_probe
from tests.support import SCOPE, TestHarness


@pytest.fixture
async def probe(harness: TestHarness) -> TestHarness:
    harness.add_feature(build_probe(harness.core))
    for user in ("alice", "bob", "mod"):
        await harness.context(user)
    return harness


async def audit_count(h: TestHarness) -> int:
    return await h.core.repos.audit.count(SCOPE)


async def test_every_option_type_is_parsed(probe: TestHarness) -> None:
    text = await probe.text(
        "alice",
        '/probe all title:"Hello there" body:"long words" count:7 pick:"green light" '
        "who:@bob where:#general when:2026-12-01T19:00-05:00 flag:yes",
    )
    assert "('count', 7)" in text
    assert "('pick', 'green')" in text
    assert "MemberRef(user_id='bob'" in text
    assert "ChannelRef(channel_id='general'" in text
    assert "('when', '2026-12-02T00:00:00+00:00')" in text
    assert "('flag', True)" in text
    assert "('title', 'Hello there')" in text
    assert await audit_count(probe) == 1


async def test_local_time_is_read_in_the_community_zone(probe: TestHarness) -> None:
    await probe.run("mod", "/setup timezone zone:America/Chicago", admin=True)
    text = await probe.text("alice", '/probe all title:t when:"2026-07-01 09:30"')
    assert "('when', '2026-07-01T14:30:00+00:00')" in text  # CDT is UTC-5 in July
    text = await probe.text("alice", '/probe all title:t when:"2026-03-08 02:30"')
    assert "does not exist in America/Chicago" in text  # the spring-forward gap


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("/nope", "Unknown command `/nope`"),
        ("/probe nothing", "`/probe` has no subcommand `nothing`"),
        ("/probe all", "`title` is required"),
        ("/probe all title:x count:many", "`count` must be a whole number (got 'many')"),
        ("/probe all title:x count:11", "`count` must be at most 10 (got 11)"),
        ("/probe all title:x pick:blue", "`pick` must be one of red, green (got 'blue')"),
        ("/probe all title:x flag:maybe", "`flag` must be yes or no"),
        ("/probe all title:x who:@nobody", "`who` names no member I know"),
        ("/probe all title:x when:tuesday", "`when` is not a date and time I can read"),
        ("/probe all title:" + "x" * 21, "`title` is too long: 21 characters (the limit is 20)"),
        ("/probe all title:x body:" + "y" * 101, "`body` is too long: 101 characters"),
        ("/probe all title:x colour:red", "/probe all has no option `colour`"),
        ("/probe all title:x title:y", "Option `title` is given twice"),
        ('/probe all title:"unclosed', "check your quotes"),
        ("probe all", "Commands start with `/`"),
    ],
)
async def test_bad_input_gets_one_clear_message_and_writes_nothing(
    probe: TestHarness, line: str, expected: str
) -> None:
    before = await audit_count(probe)
    responses = await probe.run("alice", line)
    assert len(responses) == 1
    reply = responses[0]
    assert isinstance(reply, Reply) and reply.private
    assert expected in reply.text
    assert "Traceback" not in reply.text
    assert await audit_count(probe) == before


async def test_several_problems_are_listed_in_one_message(probe: TestHarness) -> None:
    text = await probe.text("alice", "/probe all count:0 flag:perhaps")
    assert "`title` is required" in text
    assert "`count` must be at least 1" in text
    assert "`flag` must be yes or no" in text


async def test_unexpected_error_gives_a_reference_not_a_traceback(
    probe: TestHarness, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR):
        text = await probe.text("alice", "/probe boom")
    assert "something went wrong on our side (ref " in text
    assert "secret member text" not in text
    ref = text.split("(ref ")[1].split(")")[0]
    assert any(ref in record.getMessage() for record in caplog.records)


async def test_user_error_from_a_handler_is_shown_privately(probe: TestHarness) -> None:
    [reply] = await probe.run("alice", "/probe refuse")
    assert isinstance(reply, Reply) and reply.private and reply.text == "Not today."


async def test_missing_required_options_open_the_form_and_inline_skips_it(
    probe: TestHarness,
) -> None:
    [opened] = await probe.run("alice", "/probe note subject:Hi")
    assert opened == OpenForm("probe.note", {"subject": "Hi"})
    [done] = await probe.submit("alice", "probe.note", {"subject": "Hi", "text": "there"})
    assert isinstance(done, Reply) and done.text == "note Hi: there (None)"
    [inline] = await probe.run("alice", '/probe note subject:Hi text:"in line" mood:busy')
    assert isinstance(inline, Reply) and inline.text == "note Hi: in line (busy)"
    assert not inline.private


async def test_form_submissions_are_validated_like_commands(probe: TestHarness) -> None:
    before = await audit_count(probe)
    [reply] = await probe.submit("alice", "probe.note", {"subject": "Hi", "mood": "angry"})
    assert isinstance(reply, Reply)
    assert "`text` is required" in reply.text and "`mood` must be one of calm, busy" in reply.text
    [unknown] = await probe.submit("alice", "probe.gone", {})
    assert isinstance(unknown, Reply) and "no longer available" in unknown.text
    assert await audit_count(probe) == before


async def test_positional_words_fill_options_in_order(probe: TestHarness) -> None:
    [reply] = await probe.run("alice", "/probe note Subject words of the text")
    assert isinstance(reply, Reply) and reply.text == "note Subject: words of the text (None)"


async def test_buttons_work_from_their_id_alone_and_are_reauthorised(probe: TestHarness) -> None:
    [liked] = await probe.press("bob", "probe.like:42")
    assert isinstance(liked, Reply) and liked.text == "bob liked 42"
    before = await audit_count(probe)
    [refused] = await probe.press("bob", "probe.purge:42")
    assert isinstance(refused, Reply) and "Only moderators" in refused.text
    assert await audit_count(probe) == before
    [purged] = await probe.press("mod", "probe.purge:42", admin=True)
    assert isinstance(purged, Reply) and purged.text == "purged 42"
    [stale] = await probe.press("bob", "gone.away:1")
    assert isinstance(stale, Reply) and "no longer works" in stale.text


async def test_moderator_only_commands_are_checked_every_time(probe: TestHarness) -> None:
    before = await audit_count(probe)
    text = await probe.text("alice", "/setup timezone zone:Europe/London")
    assert "Only moderators can use `/setup timezone`" in text
    assert (await probe.core.repos.communities.get(SCOPE)).timezone is None
    assert await audit_count(probe) == before
    # The community's own moderator list counts as well as platform admin rights.
    await probe.run("mod", "/setup moderators add:alice", admin=True)
    assert "Europe/London" in await probe.text("alice", "/setup timezone zone:Europe/London")
    await probe.run("mod", "/setup moderators remove:alice", admin=True)
    assert "Only moderators" in await probe.text("alice", "/setup timezone zone:UTC")


async def test_group_help_and_root_help(probe: TestHarness) -> None:
    text = await probe.text("alice", "/probe help")
    assert "/probe all title:<text>" in text and "pick: one of red, green" in text
    text = await probe.text("alice", "/help")
    assert "/probe: " in text and "note" in text and "/help topic:<group>" in text
    assert "timezone" not in text  # moderator-only commands are for moderators' help
    text = await probe.text("mod", "/help", admin=True)
    assert "moderators: channels, moderators, timezone" in text
    text = await probe.text("alice", "/help topic:setup")
    for path in ("/setup channels", "/setup moderators", "/setup timezone", "/setup show"):
        assert path in text


async def test_root_help_fits_one_discord_message_with_every_feature(probe: TestHarness) -> None:
    for user, admin in (("alice", False), ("mod", True)):
        [reply] = await probe.run(user, "/help", admin=admin)
        assert isinstance(reply, Reply)
        assert len(reply.text) + len(reply.title or "") < 2000, len(reply.text)


async def test_an_unknown_setup_option_is_refused_even_for_moderators(probe: TestHarness) -> None:
    before = await audit_count(probe)
    text = await probe.text("mod", "/setup channels foo:#x", admin=True)
    assert "/setup channels has no option `foo`" in text
    assert "introductions" in text  # it says which options exist
    assert await audit_count(probe) == before
    assert (await probe.core.repos.communities.get(SCOPE)).introductions_channel is None
    text = await probe.text("mod", "/setup timezone zone:Mars/Olympus", admin=True)
    assert "`zone` 'Mars/Olympus' is not a time zone I know" in text
    assert (await probe.core.repos.communities.get(SCOPE)).timezone is None


async def test_autocomplete_suggests_choices_and_data_but_not_to_members_of_mod_commands(
    probe: TestHarness,
) -> None:
    registry = probe.core.registry
    every, zone = registry.command("probe", "all"), registry.command("setup", "timezone")
    assert every is not None and zone is not None
    member = await probe.context("alice")
    moderator = await probe.context("mod", admin=True)
    picks = await probe.dispatcher.autocomplete(member, every, "pick", "gre")
    assert [c.value for c in picks] == ["green"]
    zones = await probe.dispatcher.autocomplete(moderator, zone, "zone", "chicago")
    assert [c.value for c in zones] == ["America/Chicago"]
    assert await probe.dispatcher.autocomplete(member, zone, "zone", "chicago") == []
    assert await probe.dispatcher.autocomplete(member, every, "nothing", "") == []


async def test_words_given_by_position_prefill_the_form(probe: TestHarness) -> None:
    [opened] = await probe.run("alice", "/probe note Rounds")
    assert opened == OpenForm("probe.note", {"subject": "Rounds"})
    [opened] = await probe.run("alice", '/probe note subject:"  "')
    assert opened == OpenForm("probe.note", {})


async def test_a_form_button_opens_its_form_and_refusals_are_marked(probe: TestHarness) -> None:
    [opened] = await probe.press("bob", f"{OPEN_FORM}:probe.note")
    assert opened == OpenForm("probe.note")
    [gone] = await probe.press("bob", f"{OPEN_FORM}:probe.nothing")
    assert isinstance(gone, Refusal) and "no longer available" in gone.text
    [bad] = await probe.submit("bob", "probe.note", {"subject": "x" * 41, "text": "t"})
    assert isinstance(bad, Refusal) and "`subject` is too long" in bad.text
    [good] = await probe.submit("bob", "probe.note", {"subject": "Rounds", "text": "t"})
    assert not isinstance(good, Refusal)


async def test_home_sections_come_from_every_feature_and_a_failing_one_is_left_out(
    probe: TestHarness,
) -> None:
    async def broken(ctx: object) -> Reply:
        raise RuntimeError("boom")

    probe.core.registry.features["probe"].home_sections.insert(0, broken)
    member = await probe.context("bob")
    sections = await probe.dispatcher.home(member)
    titles = [s.title for s in sections]
    assert titles[0] == "What you can do here" and titles[-1] == "Probe"
    assert "Probe" not in titles[:-1]  # the failing section was left out, the rest kept
    assert "/setup" not in sections[0].text  # moderator-only groups are not offered
    assert sections[-1].text == "probe home for bob"
    moderator = await probe.context("mod", admin=True)
    assert "/setup" in (await probe.dispatcher.home(moderator))[0].text


async def test_the_form_a_text_command_opens_is_found_without_io(probe: TestHarness) -> None:
    find = probe.dispatcher.form_for_text
    assert find("/probe note subject:Rounds") == OpenForm("probe.note", {"subject": "Rounds"})
    assert find("/probe note Rounds") == OpenForm("probe.note", {"subject": "Rounds"})
    assert find('/probe note subject:Rounds text:"all here"') is None  # nothing missing
    assert find("/probe all") is None  # no form: the command refuses instead
    assert find("/probe help") is None and find("/nothing here") is None
    assert find('/probe note "unclosed') is None  # bad quoting is the full path's to explain
    assert find("/setup moderators") is None  # moderator-only: rights are checked first

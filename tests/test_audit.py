"""Every privileged action writes exactly one audit row and one moderator-log line, and
`/audit recent` lists the rows to moderators only."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable

from bot.model import Reply
from storage.models import AuditEntry
from tests.support import SCOPE, TestHarness

MOD = "mod_mia"
HOST = "dr_lee"
STEW = "stew_sam"
ANA = "ana_a"
BEN = "ben_b"

# Moderator-only commands that change nothing, so they write no audit row.
READ_ONLY = {"/setup show", "/ama queue", "/audit recent", "/mentor queue", "/mentor report"}


def said(responses: list[object]) -> str:
    return "\n".join(f"{r.title or ''}\n{r.text}" for r in responses if isinstance(r, Reply))


async def rows(h: TestHarness) -> list[AuditEntry]:
    return list(reversed(await h.core.repos.audit.recent(SCOPE, 500)))


async def first_number(text: str) -> str:
    found = re.search(r"#(\d+)", text)
    assert found, text
    return found.group(1)


class Script:
    """Runs privileged actions in order, each checked for one audit row and one modlog line."""

    def __init__(self, h: TestHarness) -> None:
        self.h = h
        self.seen: set[str] = set()
        self.question = ""
        self.session = ""

    async def step(
        self, command: str | None, action: str, run: Callable[[], Awaitable[str]]
    ) -> str:
        before = await rows(self.h)
        modlog_before = len(self.h.recorder.of_kind("post"))
        text = await run()
        after = await rows(self.h)
        new = after[len(before) :]
        assert [row.action for row in new] == [action], (action, text, new)
        posts = self.h.recorder.of_kind("post")[modlog_before:]
        assert any(p.to == ("mods",) for p in posts), (action, posts)
        if command:
            self.seen.add(command)
        return text


async def test_every_privileged_action_writes_one_audit_row_and_a_modlog_line(
    harness: TestHarness,
) -> None:
    h = harness
    s = Script(h)

    async def run(user: str, line: str, admin: bool = False) -> str:
        return said(await h.run(user, line, admin=admin))

    await s.step(
        "/setup channels",
        "setup.channels",
        lambda: run(MOD, "/setup channels announcements:#general modlog:#mods", True),
    )
    for user in (HOST, STEW, ANA, BEN):
        await h.run(user, "/help")
    await s.step(
        "/setup moderators",
        "setup.moderator_added",
        lambda: run(MOD, f"/setup moderators add:@{HOST}", True),
    )
    await s.step(
        None,
        "setup.moderator_removed",
        lambda: run(MOD, f"/setup moderators remove:@{HOST}", True),
    )
    await s.step(
        "/setup timezone",
        "setup.timezone",
        lambda: run(MOD, "/setup timezone zone:America/Chicago", True),
    )
    await s.step(
        "/setup welcome", "setup.welcome", lambda: run(MOD, "/setup welcome text:Welcome!", True)
    )
    await s.step("/setup ama", "setup.ama", lambda: run(MOD, "/setup ama approval:on", True))
    scheduled = await s.step(
        "/ama schedule",
        "ama.schedule",
        lambda: run(
            MOD,
            f'/ama schedule title:"Residency interviews" host:@{HOST} start:"in 2 days" '
            "duration:60m",
            True,
        ),
    )
    assert "AMA scheduled" in scheduled, scheduled
    [session] = (await h.core.repos.ama.upcoming(SCOPE, h.core.clock.now()))[:1]
    sid = session.short_id
    numbers = [
        await first_number(await run(ANA, f'/ama ask session:{sid} question:"How many programs?"')),
        await first_number(
            await run(BEN, f'/ama ask session:{sid} question:"Couples match?" anonymous:yes')
        ),
        await first_number(await run(BEN, f'/ama ask session:{sid} question:"How many apps?"')),
        await first_number(await run(ANA, f'/ama ask session:{sid} question:"Spam"')),
    ]
    await s.step(
        "/ama approve", "ama.approve", lambda: run(MOD, f"/ama approve question:{numbers[0]}", True)
    )
    await s.step(
        "/ama reject", "ama.reject", lambda: run(MOD, f"/ama reject question:{numbers[3]}", True)
    )
    await s.step(
        "/ama merge",
        "ama.merge",
        lambda: run(MOD, f"/ama merge question:{numbers[2]} into:{numbers[0]}", True),
    )
    await s.step(
        "/ama reveal",
        "ama.reveal",
        lambda: run(MOD, f"/ama reveal question:{numbers[1]} reason:safety", True),
    )
    await s.step(None, "ama.edit", lambda: run(HOST, f"/ama edit session:{sid} title:Interviews"))
    await s.step(None, "ama.cancel", lambda: run(HOST, f"/ama cancel session:{sid}"))
    await s.step(
        "/group create",
        "groups.create",
        lambda: run(
            MOD,
            '/group create name:"SGM Alliance" description:"Peers" visibility:private '
            f"join:approval stewards:@{STEW}",
            True,
        ),
    )
    await h.run(ANA, '/group join name:"SGM Alliance"')
    await h.run(BEN, '/group join name:"SGM Alliance"')
    await s.step(None, "groups.deny", lambda: _press_first(h, STEW, "groups.deny", about=BEN))
    await s.step(None, "groups.approve", lambda: _press_first(h, STEW, "groups.approve", about=ANA))
    await h.run(BEN, '/group join name:"SGM Alliance"')
    await s.step(None, "groups.approve", lambda: _press_first(h, STEW, "groups.approve", about=BEN))
    posted = await run(ANA, '/group post name:"SGM Alliance" message:"Hello" anonymous:yes')
    post = await first_number(posted)
    await s.step(
        None,
        "groups.reveal",
        lambda: run(STEW, f"/group reveal post:{post} reason:safety"),
    )
    await s.step(
        None,
        "groups.remove",
        lambda: run(STEW, f'/group remove name:"SGM Alliance" member:@{BEN}'),
    )
    await s.step(
        "/mentor settings",
        "mentorship.settings",
        lambda: run(MOD, "/mentor settings fairness:2", True),
    )
    await s.step(
        "/mentor match-now", "mentorship.match_now", lambda: run(MOD, "/mentor match-now", True)
    )
    await s.step(None, "privacy.delete", lambda: _erase(h, ANA))

    moderator_only = {c.path for c in h.core.registry.commands() if c.moderator_only}
    assert moderator_only - READ_ONLY - s.seen == set(), "a moderator-only command is untested"


async def _press_first(h: TestHarness, user: str, action: str, *, about: str) -> str:
    """Press the newest button named `action` in the DMs to `user` that name `about`."""
    for sent in reversed(h.recorder.sent):
        if user in sent.to and f"<@{about}>" in sent.reply.text:
            for button in sent.reply.buttons:
                if button.action == action:
                    return said(await h.press(user, button.action_id))
    raise AssertionError(f"no {action} button was sent to {user}")


async def _erase(h: TestHarness, user: str) -> str:
    [confirm] = await h.run(user, "/privacy delete")
    assert isinstance(confirm, Reply)
    [button] = [b for b in confirm.buttons if b.action == "privacy.erase"]
    return said(await h.press(user, button.action_id))


async def test_audit_recent_is_for_moderators_and_lists_newest_first(
    harness: TestHarness,
) -> None:
    h = harness
    refused = said(await h.run(ANA, "/audit recent"))
    assert "Only moderators" in refused
    assert "No audit rows yet" in said(await h.run(MOD, "/audit recent", admin=True))
    await h.run(MOD, "/setup channels modlog:#mods", admin=True)
    await h.run(MOD, "/setup timezone zone:America/Chicago", admin=True)
    await h.run(MOD, "/mentor settings fairness:2", admin=True)
    listed = said(await h.run(MOD, "/audit recent", admin=True))
    order = [listed.index(a) for a in ("mentorship.settings", "setup.timezone", "setup.channels")]
    assert order == sorted(order), listed
    assert f"<@{MOD}>" in listed
    only_setup = said(await h.run(MOD, "/audit recent action:setup", admin=True))
    assert "setup.timezone" in only_setup and "mentorship" not in only_setup
    one = said(await h.run(MOD, "/audit recent limit:1", admin=True))
    assert "mentorship.settings" in one and "setup.timezone" not in one
    assert "No audit rows for `ama`" in said(
        await h.run(MOD, "/audit recent action:ama", admin=True)
    )
    bad = said(await h.run(MOD, '/audit recent action:"x; drop"', admin=True))
    assert "`action`" in bad
    too_many = said(await h.run(MOD, "/audit recent limit:500", admin=True))
    assert "`limit` must be at most 50 (got 500)" in too_many


async def test_a_target_cannot_ping_from_the_audit_list(harness: TestHarness) -> None:
    h = harness
    await h.core.repos.audit.record(
        SCOPE, MOD, "groups.create", h.core.clock.now(), target="@everyone <@&123>"
    )
    listed = said(await h.run(MOD, "/audit recent", admin=True))
    assert "@everyone" not in listed and "<@&123>" not in listed
    assert "\u200b" in listed

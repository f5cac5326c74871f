"""Canaries in the logs: a whole session at DEBUG, and nothing private reaches the log.

The bot runs as operators run it (`python -m bot`), with LOG_LEVEL=DEBUG, so the logging is
set up by `bot.logs.configure_logging` exactly as in production. Each secret and each piece
of member text is a unique canary word: the platform tokens, the data key and the database
password; the text of an intro, a mentor bio, mentee goals, AMA questions (named and
anonymous), a join note, a group post and mentorship feedback; the identities members
give; and, for a member who is in a secret group, their name and user id, and the secret
group's own name (group membership must never show). Everything the process writes goes
through the check: the log file, and all of stderr and stdout where they are the log.

Each session also takes a deliberately failing path: a repository call raises an
exception whose message, note and cause all quote member text, as a driver error quoting
its parameters would. The traceback must reach the log (type, frames, reference) without
that text.

Sessions: the console (a script through the real console surface), and Discord together
with Slack in one process, each against its local fake (slash commands, buttons,
dialogs). The logs must not be empty, so the checks can fail.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import os
import re
import secrets
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet

from bot.logs import QUIET_LIBRARIES, configure_logging
from tests.bot_process import BotProcess
from tests.discord_bot import ALICE, ANNOUNCEMENTS, BOB, INTRODUCTIONS, MODERATOR, MODLOG
from tests.discord_bot import READY_LINE as DISCORD_READY
from tests.discord_bot import populate as populate_discord
from tests.fakes.discord import FakeDiscord
from tests.fakes.slack import FakeSlack
from tests.slack_bot import ALICE as SLACK_ALICE
from tests.slack_bot import BOB as SLACK_BOB
from tests.slack_bot import MODERATOR as SLACK_MODERATOR
from tests.slack_bot import populate as populate_slack
from tests.test_discord_surface import MODAL, answer, shown
from tests.test_mentorship_discord import buttons_of, titled
from tests.test_slack_surface import buttons, text_of

ROOT = Path(__file__).resolve().parents[1]
PLUGIN = "preceptor_log_canary.faults"  # written into tmp_path; loaded through FEATURES
DEBUG_LINE = "DEBUG preceptor_log_canary.faults: log canary faults armed"


def _word(tag: str) -> str:
    """A canary: one word no code or library would write by chance."""
    return f"cnry{tag}{secrets.token_hex(4)}"


class Canaries:
    """Every value that must stay out of the logs, by what it is."""

    def __init__(self) -> None:
        self.intro = _word("intro")
        self.bio = _word("bio")
        self.goals = _word("goals")
        self.question = _word("question")
        self.anonymous_question = _word("anonq")
        self.note = _word("note")
        self.post = _word("post")
        self.feedback = _word("feedback")
        self.identity = _word("identity")
        self.mentor_identity = _word("mentorid")
        self.secret_member = _word("member")  # a member name: lower case letters and digits
        self.secret_member_id = str(500_000_000_000_000_000 + secrets.randbelow(10**15))
        self.slack_secret_member_id = "U" + secrets.token_hex(5).upper()
        self.secret_group = "Circle " + _word("group")
        self.failure = _word("failure")  # inside the failing repository call's exception
        self.database_password = _word("dbpass")
        self.data_key = Fernet.generate_key().decode()
        self.discord_token = "MTA" + _word("discordtoken")
        self.slack_bot_token = "xoxb-" + _word("slackbot")
        self.slack_app_token = "xapp-" + _word("slackapp")
        self.slack_signing_secret = _word("signing")

    def items(self) -> Iterator[tuple[str, str]]:
        return iter(vars(self).items())

    def found_in(self, text: str) -> list[str]:
        """The canaries in `text`, by name. Group and member names are matched on their
        distinctive word, so a lower-cased or escaped copy counts too."""
        lowered = text.lower()
        found = []
        for name, value in self.items():
            word = value.split()[-1].lower()
            if word in lowered or value in text:
                found.append(name)
        return found


PLUGIN_SOURCE = '''\
"""Test-only: a repository call that fails with member text in its exception."""

import logging

from bot.feature import Feature

TRIGGER = {trigger!r}


def setup(core):
    logging.getLogger(__name__).debug("log canary faults armed")  # shows DEBUG is on
    groups = core.repos.groups
    by_name = groups.by_name

    async def failing(scope, name, *args, **kwargs):
        if TRIGGER in name:
            try:
                raise KeyError(f"no row for {{name}}")
            except KeyError as inner:
                error = ValueError(f"bad {{name}}")
                error.add_note(f"while reading the group {{name}}")
                raise error from inner
        return await by_name(scope, name, *args, **kwargs)

    groups.by_name = failing
    return Feature("log_canary_faults", group="canaryfaults", description="Test-only faults")
'''


def write_plugin(where: Path, trigger: str) -> Path:
    """The failing repository call, as a feature the bot loads by its dotted name; returns
    the directory to put on PYTHONPATH."""
    package, module = PLUGIN.split(".")
    (where / package).mkdir(parents=True, exist_ok=True)
    (where / package / "__init__.py").write_text("")
    (where / package / f"{module}.py").write_text(PLUGIN_SOURCE.format(trigger=trigger))
    return where


def assert_clean(log: str, canaries: Canaries, *, where: str) -> None:
    leaked = canaries.found_in(log)
    lines = [line for line in log.splitlines() if canaries.found_in(line)]
    assert not leaked, f"{where}: {leaked} reached the log:\n" + "\n".join(lines[:20])


def assert_failure_logged(log: str) -> None:
    """The failing path reached the log as a traceback an operator can use."""
    assert "Traceback (most recent call last)" in log, log[-3000:]
    assert "ValueError" in log and "KeyError" in log, log[-3000:]
    assert "by_name" in log or "failing" in log, log[-3000:]  # the frames are there
    assert re.search(r"\(ref [0-9a-f]{6}\)", log), log[-3000:]


# ----- the console ------------------------------------------------------------------------


def console_script(c: Canaries) -> str:
    secret = c.secret_member
    return f"""\
/as modr --moderator
/setup channels introductions:#intros announcements:#news modlog:#mods
/as {secret}
/help
/as ana
/intro post name:"Ana Reyes" stage:resident about:"I teach {c.intro} daily" \
identities:"{c.identity}" show_identities:no
/as ben
/mentor offer specialties:"pediatric anesthesiology" stages:"medical student" \
bio:"Mentor bio {c.bio}" identities:"{c.mentor_identity}" capacity:2
/as cleo
/mentor request interests:"pediatric anesthesiology" stage:"medical student" \
goals:"My goals {c.goals}" identities:"{c.identity}"
/as ben
/press Accept
/as cleo
/mentor end member:@ben rating:4 feedback:"Feedback {c.feedback}"
/as modr --moderator
/ama schedule title:"Residency interviews" host:@ben start:"in 2 days" duration:90m
/as ana
/press Ask a question
Named question {c.question}?
no
/press Ask a question
Anonymous question {c.anonymous_question}?
yes
/as cleo
/ama upvote question:1
/ama upvote question:2
/as modr --moderator
/group create name:"{c.secret_group}" description:"Quiet peers" visibility:secret stewards:@ben
/group create name:"Peds Peers" description:"Pediatrics" visibility:private join:approval \
stewards:@ben
/as ben
/group invite name:"{c.secret_group}" member:@{secret}
/as {secret}
/press Accept
/group post name:"{c.secret_group}" message:"A post {c.post}"
/group members name:"{c.secret_group}"
/as ana
/group join name:"Peds Peers" note:"My note {c.note}"
/group members name:"{c.failure}"
/as ben
/press Approve
/clock +2d
/clock +2h
"""


def run_console(
    tmp_path: Path, script: str, env: dict[str, str]
) -> subprocess.CompletedProcess[str]:
    """`python -m bot run` on the console, fed the script: as `tests.test_console.run_bot`,
    but with our settings (it keeps DATABASE_URL out)."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "SLACK_"))}
    clean.pop("DATABASE_URL", None)
    clean.update({"DATA_DIR": str(tmp_path / "data"), "PYTHONPATH": str(ROOT), **env})
    return subprocess.run(
        [sys.executable, "-m", "bot", "run"],
        input=script,
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=clean,
        timeout=120,
        check=False,
    )


def test_a_console_session_at_debug_logs_no_member_text_or_secret(
    tmp_path: Path, database_url: str
) -> None:
    c = Canaries()
    plugins = write_plugin(tmp_path / "plugins", c.failure)
    result = run_console(
        tmp_path,
        console_script(c),
        {
            "LOG_LEVEL": "DEBUG",
            "FEATURES": f"all,{PLUGIN}",
            "PYTHONPATH": f"{ROOT}{os.pathsep}{plugins}",
            "DATA_KEY": c.data_key,
            "DATABASE_URL": database_url.replace("@", f":{c.database_password}@", 1)
            if database_url.startswith("postgres")
            else database_url,
        },
    )
    out = result.stdout
    assert result.returncode == 0, result.stderr[-3000:]
    # The session did what it says (the console shows members their own text, of course).
    for expected in (
        "Your mentor offer is saved",
        "Match made",
        "Your match with ben is closed",
        "Question sent",
        "Nobody but you will see that you asked it",
        "Group created",
        "is invited to",
        "Posted in",
        "Request sent",
        "is now a member of **Peds Peers**",
        "something went wrong on our side (ref ",  # the failing path
    ):
        assert expected in out, f"{expected!r} not in the console output:\n{out[-4000:]}"
    assert out.lower().count("something went wrong") == 1, out

    log = (tmp_path / "data" / "preceptor.log").read_text()
    stderr = result.stderr
    # The log is at DEBUG and has the failure in it, so these checks can fail.
    assert DEBUG_LINE in log and " ERROR bot.dispatch: " in log, log[-3000:]
    assert_failure_logged(log)
    assert_failure_logged(stderr)  # errors also reach the terminal's stderr
    assert_clean(log, c, where="preceptor.log")
    assert_clean(stderr, c, where="stderr")


@pytest.fixture
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """PostgreSQL when it is reachable (so the URL carries a password canary), else SQLite."""
    if request.getfixturevalue("pg_available"):
        url: str = request.getfixturevalue("pg_url")
        return url
    return f"sqlite:///{tmp_path / 'data' / 'preceptor.sqlite3'}"


# ----- Discord and Slack, in one process ---------------------------------------------------

CAROL = 500000000000000010
PEERS = "Peds Peers"


class TwoSurfaces(BotProcess):
    """`python -m bot run` with both platform surfaces, each pointed at its fake."""

    def __init__(
        self, discord: FakeDiscord, slack: FakeSlack, data_dir: Path, env: dict[str, str]
    ) -> None:
        super().__init__(data_dir, env, ready_line=DISCORD_READY)
        self.discord = discord
        self.slack = slack

    def prepare(self) -> None:
        self.env["DISCORD_API_BASE"] = self.discord.api_base
        self.env["DISCORD_GATEWAY_URL"] = self.discord.gateway_url
        self.env["SLACK_API_URL"] = self.slack.api_url
        self.slack.use_socket_mode()

    async def start(self, *, timeout: float = 30.0) -> None:
        await super().start(timeout=timeout)
        await self.slack.wait_connected()


@pytest.fixture
def canaries() -> Canaries:
    return Canaries()


@pytest.fixture
async def discord_fake(canaries: Canaries) -> AsyncIterator[FakeDiscord]:
    server = FakeDiscord(token=canaries.discord_token)  # only the canary token is accepted
    populate_discord(server)
    server.add_member(CAROL, "carol")
    server.add_member(int(canaries.secret_member_id), canaries.secret_member)
    await server.start()
    try:
        yield server
    finally:
        await server.stop()
    assert server.unknown == [], server.unknown


@pytest.fixture
async def slack_fake(canaries: Canaries) -> AsyncIterator[FakeSlack]:
    server = FakeSlack(
        bot_token=canaries.slack_bot_token,
        app_token=canaries.slack_app_token,
        signing_secret=canaries.slack_signing_secret,
    )
    populate_slack(server)
    server.add_user(canaries.slack_secret_member_id, canaries.secret_member)
    await server.start()
    try:
        yield server
    finally:
        await server.stop()
    assert server.unknown == [], server.unknown


async def on_discord(fake: FakeDiscord, user: int, group: str, sub: str, **options: Any) -> str:
    """A slash command on Discord; what the member reads in the answer."""
    return shown(await answer(await fake.slash(user, group, sub, options)))


async def pressed(fake: FakeDiscord, user: int, message: dict[str, Any], label: str) -> str:
    [custom_id] = [cid for text, cid in buttons_of(message) if text == label]
    return shown(await answer(await fake.press(user, message, custom_id)))


async def discord_session(fake: FakeDiscord, c: Canaries) -> None:
    """Intros, mentorship, an AMA and groups, with canaries in everything members type."""
    secret = int(c.secret_member_id)
    said = await on_discord(
        fake,
        MODERATOR,
        "setup",
        "channels",
        announcements=ANNOUNCEMENTS,
        introductions=INTRODUCTIONS,
        modlog=MODLOG,
    )
    assert "Channels updated" in said, said
    said = await on_discord(
        fake,
        ALICE,
        "intro",
        "post",
        name="Alice Ng",
        stage="resident",
        about=f"I teach {c.intro} daily",
        identities=c.identity,
        show_identities=False,
    )
    assert "Your intro is saved" in said, said

    # ----- mentorship: offer, request, accept by DM, end with feedback --------------------
    said = await on_discord(
        fake,
        BOB,
        "mentor",
        "offer",
        specialties="pediatric anesthesiology",
        stages="medical student, resident",
        capacity=2,
        bio=f"Mentor bio {c.bio}",
        identities=c.mentor_identity,
    )
    assert "Your mentor offer is saved" in said, said
    said = await on_discord(
        fake,
        CAROL,
        "mentor",
        "request",
        interests="pediatric anesthesiology",
        stage="medical student",
        goals=f"My goals {c.goals}",
        identities=c.identity,
    )
    assert "We found a mentor who fits" in said, said
    [proposal] = titled(fake.dm_messages(BOB), "A mentee for you")
    assert "Match made" in await pressed(fake, BOB, proposal, "Accept")
    said = await on_discord(
        fake, CAROL, "mentor", "end", member=BOB, rating=4, feedback=f"Feedback {c.feedback}"
    )
    assert "is closed" in said, said

    # ----- an AMA: scheduled, asked anonymously in the dialog and by name, upvoted --------
    said = await on_discord(
        fake,
        MODERATOR,
        "ama",
        "schedule",
        title="Residency interviews",
        host=BOB,
        start="in 2 days",
        duration="90m",
    )
    assert "AMA scheduled" in said, said
    [announcement] = titled(fake.messages(ANNOUNCEMENTS), "AMA: Residency interviews")
    [ask_id] = [cid for text, cid in buttons_of(announcement) if text == "Ask a question"]
    sid = ask_id.rsplit("=", 1)[1]
    modal = await (await fake.press(ALICE, announcement, ask_id)).first_response()
    assert modal.json["type"] == MODAL, modal.json
    asked = await fake.submit_modal(
        ALICE,
        modal.json["data"]["custom_id"],
        {"session": sid, "question": f"Anonymous {c.anonymous_question}?", "anonymous": "yes"},
    )
    assert "Question sent" in shown(await answer(asked))
    said = await on_discord(
        fake, CAROL, "ama", "ask", session=sid, question=f"Named {c.question}?", anonymous=False
    )
    assert "Question sent" in said, said
    for user, question in ((CAROL, "1"), (ALICE, "2"), (BOB, "1")):
        said = await on_discord(fake, user, "ama", "upvote", question=question)
        assert "Upvoted" in said, said

    # ----- groups: a secret one joined by invitation, a private one by request -------------
    for name, visibility in ((c.secret_group, "secret"), (PEERS, "private")):
        said = await on_discord(
            fake,
            MODERATOR,
            "group",
            "create",
            name=name,
            description="Quiet peers",
            visibility=visibility,
            join="approval",
            stewards=f"<@{BOB}>",
        )
        assert "Group created" in said, said
    said = await on_discord(fake, BOB, "group", "invite", name=c.secret_group, member=secret)
    assert "is invited to" in said, said
    [invitation] = titled(fake.dm_messages(secret), f"An invitation to {c.secret_group}")
    assert "You joined" in await pressed(fake, secret, invitation, "Accept")
    said = await on_discord(
        fake, secret, "group", "post", name=c.secret_group, message=f"A post {c.post}"
    )
    assert "Posted in" in said, said
    said = await on_discord(fake, secret, "group", "members", name=c.secret_group)
    assert f"<@{secret}>" in said, said
    said = await on_discord(fake, ALICE, "group", "join", name=PEERS, note=f"Note {c.note}")
    assert "Request sent" in said, said
    [request] = titled(fake.dm_messages(BOB), f"A request to join {PEERS}")
    assert "is now a member" in await pressed(fake, BOB, request, "Approve")

    # ----- the failing path ----------------------------------------------------------------
    said = await on_discord(fake, ALICE, "group", "members", name=c.failure)
    assert "something went wrong on our side (ref " in said, said


async def on_slack(fake: FakeSlack, user: str, command: str, text: str) -> str:
    since = len(fake.responses)
    await fake.slash(user, command, text)
    return text_of((await fake.wait_for_response(since=since)).args)


async def slack_session(fake: FakeSlack, c: Canaries) -> None:
    """The same kinds of text through Slack: a dialog, typed lines, a button."""
    since = len(fake.calls)
    await fake.slash(SLACK_ALICE, "/intro", "post")  # required options missing: a dialog
    await fake.wait_for_call("views.open", since=since)
    [view] = fake.open_views(SLACK_ALICE)
    since = len(fake.responses)
    await fake.submit_view(
        SLACK_ALICE,
        view,
        {
            "name": "Alice Ng",
            "stage": "resident",
            "about": f"I teach {c.intro} daily",
            "identities": c.identity,
        },
    )
    said = text_of((await fake.wait_for_response(since=since)).args)
    assert "Your intro is saved" in said, said
    said = await on_slack(
        fake,
        SLACK_BOB,
        "/mentor",
        f'offer specialties:"pediatric anesthesiology" stages:"medical student" '
        f'bio:"Mentor bio {c.bio}" identities:"{c.mentor_identity}"',
    )
    assert "Your mentor offer is saved" in said, said
    said = await on_slack(
        fake,
        SLACK_MODERATOR,
        "/group",
        f'create name:"{c.secret_group}" description:"Quiet" visibility:secret '
        f"stewards:<@{SLACK_BOB}>",
    )
    assert "Group created" in said, said
    secret = c.slack_secret_member_id
    invite = f'invite name:"{c.secret_group}" member:<@{secret}>'
    said = await on_slack(fake, SLACK_BOB, "/group", invite)
    assert "is invited to" in said, said
    dm = fake.dm_channel_of(secret)
    assert dm is not None
    [invitation] = [m for m in fake.messages(dm) if "An invitation to" in text_of(m)]
    [accept] = [b for b in buttons(invitation) if b["text"]["text"] == "Accept"]
    since = len(fake.responses)
    await fake.press(secret, invitation, accept["action_id"])
    said = text_of((await fake.wait_for_response(since=since)).args)
    assert "You joined" in said, said
    post = f'post name:"{c.secret_group}" message:"{c.post}"'
    said = await on_slack(fake, secret, "/group", post)
    assert "Posted in" in said, said
    said = await on_slack(fake, SLACK_ALICE, "/group", f"members name:{c.failure}")
    assert "something went wrong on our side (ref " in said, said


async def test_discord_and_slack_sessions_at_debug_log_no_member_text_or_secret(
    discord_fake: FakeDiscord,
    slack_fake: FakeSlack,
    canaries: Canaries,
    tmp_path: Path,
    database_url: str,
) -> None:
    c = canaries
    plugins = write_plugin(tmp_path / "plugins", c.failure)
    url = database_url
    if url.startswith("postgres"):
        url = url.replace("@", f":{c.database_password}@", 1)
    process = TwoSurfaces(
        discord_fake,
        slack_fake,
        tmp_path / "data",
        {
            "LOG_LEVEL": "DEBUG",
            "FEATURES": f"all,{PLUGIN}",
            "PYTHONPATH": f"{ROOT}{os.pathsep}{plugins}",
            "DISCORD_TOKEN": c.discord_token,
            "DISCORD_GUILD_IDS": str(discord_fake.guild_id),
            "DISCORD_GUILD_READY_TIMEOUT": "0.1",
            "SLACK_BOT_TOKEN": c.slack_bot_token,
            "SLACK_APP_TOKEN": c.slack_app_token,
            "SLACK_SIGNING_SECRET": c.slack_signing_secret,
            "DATA_KEY": c.data_key,
            "DATABASE_URL": url,
        },
    )
    (tmp_path / "data").mkdir(exist_ok=True)
    await process.start()
    try:
        await discord_session(discord_fake, c)
        await slack_session(slack_fake, c)
    finally:
        code = await process.stop()
    log = process.log()  # everything the process wrote: its stderr and stdout
    assert code == 0, log[-3000:]
    assert "slack ready" in log and "discord ready" in log and DEBUG_LINE in log, log[-3000:]
    assert log.count("Traceback (most recent call last)") >= 2, log[-3000:]  # both failures
    assert_failure_logged(log)
    assert_clean(log, c, where="the Discord and Slack process")


# ----- the formatter itself ----------------------------------------------------------------


@pytest.fixture
def restore_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    named = {n: logging.getLogger(n).level for n in QUIET_LIBRARIES}
    try:
        yield
    finally:
        for handler in list(root.handlers):
            root.removeHandler(handler)
            handler.close()
        for handler in handlers:
            root.addHandler(handler)
        root.setLevel(level)
        for name, value in named.items():
            logging.getLogger(name).setLevel(value)


def test_a_traceback_keeps_type_frames_and_code_but_no_message(
    tmp_path: Path, restore_logging: None, capsys: pytest.CaptureFixture[str]
) -> None:
    secret_text, token = _word("text"), _word("token")
    log_file = tmp_path / "bot.log"
    configure_logging("DEBUG", [token], log_file)
    log = logging.getLogger("cogs.canary")

    class CodedError(Exception):
        def __init__(self, text: str) -> None:
            super().__init__(text)
            self.code = 50013

    def failing_handler() -> None:
        try:
            {}[secret_text]
        except KeyError:
            raise CodedError(f"driver said: [parameters: ('{secret_text}', '{token}')]")  # noqa: B904

    try:
        failing_handler()
    except CodedError:
        log.exception("text command failed for %s (ref %s)", "test:w1", "abc123")
    group = ExceptionGroup("several", [ValueError(secret_text), TypeError(token)])
    log.error("group failed", exc_info=group)
    # An exception passed as an argument shows as its type and code, never its text.
    log.warning("post %s failed: %s", 7, CodedError(secret_text))
    # A record another formatter already rendered (with the message) is rendered again.
    record = logging.LogRecord("cogs.canary", logging.ERROR, __file__, 1, "cached", (), None)
    try:
        raise ValueError(secret_text)
    except ValueError:
        record.exc_info = sys.exc_info()
    logging.Formatter().format(record)
    assert secret_text in (record.exc_text or "")
    log.handle(record)
    # asyncio quotes a task's exception in its message: "exception=ValueError('...')".
    asyncio.run(_a_task_exception_nobody_retrieves(secret_text))

    for handler in logging.getLogger().handlers:
        handler.flush()
    written = log_file.read_text()
    terminal = capsys.readouterr().err
    for text in (written, terminal):
        assert secret_text not in text and token not in text, text
    # What an operator needs is all there: the types, the frames, the code, the reference.
    assert "(ref abc123)" in written
    assert "KeyError: (message withheld)" in written
    assert "CodedError [code 50013]: (message withheld)" in written
    assert "The above exception was the direct cause" not in written  # a context, not a cause
    assert "During handling of the above exception, another exception occurred" in written
    assert "in failing_handler" in written and "{}[secret_text]" in written
    assert "ExceptionGroup: (message withheld)" in written
    assert (
        "ValueError: (message withheld)" in written and "TypeError: (message withheld)" in written
    )
    assert "post 7 failed: " in written and "CodedError [code 50013]: (message withheld)" in written
    assert "Task exception was never retrieved" in written


async def _a_task_exception_nobody_retrieves(text: str) -> None:
    async def fails() -> None:
        raise ValueError(f"bad {text}")

    task = asyncio.get_running_loop().create_task(fails())
    await asyncio.sleep(0)
    del task  # garbage: asyncio logs the exception nobody retrieved
    gc.collect()

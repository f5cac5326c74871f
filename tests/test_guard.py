"""The guard: free text from members is checked before it is stored or posted, and made
inert (no pings) before it is shown, on every platform alike."""

from __future__ import annotations

import dataclasses
import re

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from bot.guard import FieldRule, Problem, check_fields, check_text, inert

ZWSP = "\u200b"
INVISIBLES = ("\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad")


def messages(
    field: str,
    text: str,
    *,
    max_length: int = 2000,
    required: bool = False,
    single_line: bool = False,
    allow_links: bool = True,
) -> list[str]:
    problems = check_text(
        field,
        text,
        max_length=max_length,
        required=required,
        single_line=single_line,
        allow_links=allow_links,
    )
    assert all(problem.field == field for problem in problems)
    return [problem.message for problem in problems]


def has_link(text: str) -> bool:
    return "`f` can't contain links." in messages("f", text, allow_links=False)


def has_mass_mention(text: str) -> bool:
    return "`f` can't mention @everyone or @here." in messages("f", text)


def has_group_mention(text: str) -> bool:
    return "`f` can't mention roles or user groups." in messages("f", text)


# --- Shape ----------------------------------------------------------------------------------


def test_problems_and_rules_are_frozen_values() -> None:
    problem = Problem("name", "`name` is required.")
    assert problem == Problem("name", "`name` is required.")
    with pytest.raises(dataclasses.FrozenInstanceError):
        problem.message = "changed"  # type: ignore[misc]
    rule = FieldRule(max_length=10)
    assert (rule.required, rule.single_line, rule.allow_links) == (False, False, True)
    with pytest.raises(ValueError, match="max_length"):
        FieldRule(max_length=-1)


def test_good_text_has_no_problems() -> None:
    intro = "Hi! I'm a 2nd-year M.D. student (she/her).\n\tInterests: cardiology, e.g. echo."
    assert check_text("about", intro, max_length=2000, allow_links=False) == []
    assert check_text("name", "Ana María Núñez", max_length=80, single_line=True) == []


# --- Required -------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["", "   ", "\n\t ", "\u200b", " \u2060\ufeff "])
def test_required_refuses_text_with_nothing_to_read(text: str) -> None:
    assert messages("name", text, required=True) == ["`name` is required."]
    assert messages("name", text, max_length=100) == []


def test_required_accepts_any_visible_text() -> None:
    assert messages("name", " x ", required=True) == []
    assert messages("name", "0", required=True) == []


# --- Length ---------------------------------------------------------------------------------


def test_too_long_says_the_length_and_the_limit() -> None:
    assert messages("about", "a" * 2105, max_length=2000) == [
        "`about` is too long: 2,105 characters (the limit is 2,000)."
    ]
    assert messages("about", "a" * 2000, max_length=2000) == []
    assert messages("code", "x", max_length=0) == [
        "`code` is too long: 1 character (the limit is 0)."
    ]


def test_length_is_counted_after_nfc_normalisation() -> None:
    decomposed = "e\u0301" * 10  # é as e + combining acute: 20 code points, 10 characters
    assert len(decomposed) == 20
    assert messages("name", decomposed, max_length=10) == []
    assert messages("name", decomposed, max_length=9) == [
        "`name` is too long: 10 characters (the limit is 9)."
    ]


# --- Control characters and lines ------------------------------------------------------------


def test_multi_line_text_may_have_newlines_and_tabs_but_no_other_controls() -> None:
    assert messages("about", "one\ntwo\n\tthree\u2028four") == []
    for control in ("\x00", "\x07", "\x1b", "\r", "\x0b", "\x7f", "\x85", "\x9b", "\ud800"):
        assert messages("about", f"a{control}b") == [
            "`about` can't contain hidden control characters."
        ], repr(control)


def test_single_line_text_has_no_line_breaks_tabs_or_controls() -> None:
    for line_break in ("\n", "\r\n", "\r", "\u2028", "\u2029", "\x85", "\x0b"):
        assert messages("name", f"Ana{line_break}Li", single_line=True) == [
            "`name` must fit on one line."
        ], repr(line_break)
    assert messages("name", "Ana\tLi", single_line=True) == ["`name` can't contain tabs."]
    assert messages("name", "Ana\x00Li", single_line=True) == [
        "`name` can't contain hidden control characters."
    ]
    assert messages("name", "\tA\nB\x01", single_line=True) == [
        "`name` must fit on one line.",
        "`name` can't contain tabs.",
        "`name` can't contain hidden control characters.",
    ]
    assert messages("name", "Ana Li", single_line=True) == []


# --- Mentions -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "@everyone",
        "hey @here look",
        "@EVERYONE",
        "@Here",
        "@eVeRyOnE!",
        "\uff20everyone",
        "\uff20\uff45\uff56\uff45\uff52\uff59\uff4f\uff4e\uff45",  # all fullwidth
        "<!channel>",
        "<!here>",
        "<!everyone>",
        "<!here|here>",
        "<!channel|@channel> hi",
        "a@here",
    ]
    + [f"@{mark}everyone" for mark in INVISIBLES]
    + [f"@every{mark}one" for mark in INVISIBLES]
    + [f"@h{mark}e{mark}r{mark}e" for mark in INVISIBLES]
    + [f"<{mark}!channel>" for mark in INVISIBLES],
)
def test_mass_mentions_are_refused(text: str) -> None:
    assert messages("about", text) == ["`about` can't mention @everyone or @here."]


@pytest.mark.parametrize(
    "text",
    ["<@&123456789012345678>", "ping <@&1> now", "<!subteam^S0123ABC>", "<!subteam^S1|@mods>"]
    + [f"<@{mark}&42>" for mark in INVISIBLES],
)
def test_role_and_group_mentions_are_refused(text: str) -> None:
    assert messages("about", text) == ["`about` can't mention roles or user groups."]


@pytest.mark.parametrize(
    "text",
    [
        "<@123456789012345678>",  # plain user mentions are made inert on display instead
        "<@!123>",
        "<#123>",
        "<@U0123ABC>",
        "<#C0123|general>",
        "@ everyone",
        "everyone is here",
        "@evening",
        "@her",
        "@ana",
        "<@&>",
        "<!date^1392734382^{date}|Feb 18>",
        "I <3 rounds & <b>teaching</b>",
    ],
)
def test_ordinary_text_and_user_mentions_are_not_refused(text: str) -> None:
    assert not has_mass_mention(text)
    assert not has_group_mention(text)


# --- Links ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "http://example.com",
        "see https://example.org/x?y=1",
        "HTTPS://EXAMPLE.COM",
        "ftp://files.example.net",
        "www.example",
        "visit WWW.Example.com",
        "example.com",
        "Example.com.",
        "EXAMPLE.COM",
        "evil.co.uk/x",
        "my site is drsmith.md",
        "t.me/somechannel",
        "youtu.be/dQw4w9WgXcQ",
        "Evil.Com/path",
        "jo@example.com",
        "mailto:jo",
        "discord.gg/abc123",
        "join Discord.GG/abc",
        "discord.com/invite/abc",
        "<https://example.com|my page>",
        "[my page](https://example.com)",
        "[click](example.com)",
        "[click](/relative/path)",
        "ex\u200bample.com",
        "https\u200b://x",
        "\uff45\uff58\uff41\uff4d\uff50\uff4c\uff45\uff0e\uff43\uff4f\uff4d",  # fullwidth
        "example\u3002com",
        "bit.ly",
        "x.ai",
        "shop.xn--p1ai",
    ],
)
def test_links_are_refused_when_not_allowed(text: str) -> None:
    assert messages("name", text, allow_links=False) == ["`name` can't contain links."]
    assert messages("name", text, allow_links=True) == []


@pytest.mark.parametrize(
    "text",
    [
        "Dr. Smith",
        "Dr.Smith",
        "e.g. this",
        "i.e. that",
        "U.S.",
        "the U.S.A.",
        "St. Louis",
        "M.D.",
        "MBBS, M.D., Ph.D.",
        "B.Sc in nursing, M.Sc.",
        "B.SC, M.PH",
        "Python 3.11",
        "v3.11.2",
        "J. R. R. Tolkien",
        "Washington, D.C.",
        "a.m. and p.m.",
        "et al.",
        "Smith et.al.",
        "2.5mg b.i.d. p.o.",
        "2.5.mg",
        "24.hr shifts",
        "I did it.Then I left.",
        "ok.so here goes",
        "Hi.My name is Ana",
        "Mt. Sinai",
        "No. 5",
        "Awww. So cute",
        "[1] Smith (2019)",
        "[sic](sic)",
        "www.",
        "www",
        "email me",
        "discord",
    ],
)
def test_common_text_is_not_mistaken_for_a_link(text: str) -> None:
    assert not has_link(text)


# --- Order and several fields ---------------------------------------------------------------


def test_problems_come_in_a_stable_order() -> None:
    assert messages("about", "@everyone\x00 see http://x.com", max_length=5, allow_links=False) == [
        "`about` is too long: 27 characters (the limit is 5).",
        "`about` can't contain hidden control characters.",
        "`about` can't mention @everyone or @here.",
        "`about` can't contain links.",
    ]
    assert messages("name", "   ", max_length=2, required=True) == [
        "`name` is required.",
        "`name` is too long: 3 characters (the limit is 2).",
    ]
    assert messages("about", "<@&1> @here") == [
        "`about` can't mention @everyone or @here.",
        "`about` can't mention roles or user groups.",
    ]


def test_check_fields_checks_each_field_in_order_and_none_is_empty() -> None:
    name = FieldRule(max_length=10, required=True, single_line=True, allow_links=False)
    about = FieldRule(max_length=2000)
    pronouns = FieldRule(max_length=20)
    problems = check_fields(
        {
            "name": ("evil.com\n", name),
            "pronouns": (None, pronouns),
            "about": ("hi @everyone", about),
            "title": (None, FieldRule(max_length=5, required=True)),
        }
    )
    assert problems == [
        Problem("name", "`name` must fit on one line."),
        Problem("name", "`name` can't contain links."),
        Problem("about", "`about` can't mention @everyone or @here."),
        Problem("title", "`title` is required."),
    ]
    assert check_fields({"name": ("Ana", name), "about": (None, about)}) == []
    assert check_fields({}) == []


# --- Inert ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("@everyone", f"@{ZWSP}everyone"),
        ("hi @Here!", f"hi @{ZWSP}Here!"),
        ("@EVERYONE", f"@{ZWSP}EVERYONE"),
        ("\uff20everyone", f"\uff20{ZWSP}everyone"),
        ("@\u200ceveryone", f"@{ZWSP}\u200ceveryone"),
        ("@every\u00adone", f"@{ZWSP}every\u00adone"),
        (f"@{ZWSP}everyone", f"@{ZWSP}everyone"),  # already inert
        ("<@123>", f"<{ZWSP}@123>"),
        ("<@!123>", f"<{ZWSP}@!123>"),
        ("<@&123>", f"<{ZWSP}@&123>"),
        ("<#123>", f"<{ZWSP}#123>"),
        ("<!channel>", f"<{ZWSP}!channel>"),
        ("<!here>", f"<{ZWSP}!here>"),
        ("<!everyone>", f"<{ZWSP}!everyone>"),
        ("<!subteam^S123|@mods>", f"<{ZWSP}!subteam^S123|@mods>"),
        ("<@U123>", f"<{ZWSP}@U123>"),
        ("<#C123|general>", f"<{ZWSP}#C123|general>"),
        ("<@everyone>", f"<{ZWSP}@{ZWSP}everyone>"),
    ],
)
def test_inert_breaks_every_mention(text: str, expected: str) -> None:
    assert inert(text) == expected
    assert inert(expected) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "Hello, I'm Ana (she/her). I <3 rounds; 2 < 3 > 1.",
        "email: ana@example.com, @ana, @ everyone, everyone here",
        "Ünïcödé, emoji 👩🏽‍⚕️ and ZWJ sequences stay whole",
        "@evening @her <b>bold</b> <https://example.com|link>",
    ],
)
def test_inert_leaves_ordinary_text_unchanged(text: str) -> None:
    assert inert(text) == text


def parseable_mentions(text: str) -> list[str]:
    """What a platform would read as a broadcast or a mention."""
    found = re.findall(r"[@\uff20\ufe6b](?:everyone|here)", text, re.IGNORECASE)
    return found + re.findall(r"<[@#!]", text)


mention_soup = st.lists(
    st.sampled_from(
        [
            *("@", "\uff20", "\ufe6b", "<", ">", "!", "#", "&", "^", "|", " ", "x", "123"),
            *("everyone", "EveryOne", "here", "HERE", "channel", "subteam", "U1", "e", "ryone"),
            *INVISIBLES,
        ]
    ),
    max_size=30,
).map("".join)


@given(st.text() | mention_soup)
@example("@@everyone")
@example("<<@!1>>")
@example("@\u200c\u200beveryone")
def test_inert_is_idempotent_and_leaves_nothing_a_platform_would_parse(text: str) -> None:
    shown = inert(text)
    assert inert(shown) == shown
    assert parseable_mentions(shown) == []
    assert shown.replace(ZWSP, "") == text.replace(ZWSP, "")  # it reads the same


@given(st.text(st.characters(exclude_categories=("Cs", "Co", "Cn"), exclude_characters="<@")))
def test_inert_never_changes_text_without_mention_signs(text: str) -> None:
    text = text.replace("\uff20", "").replace("\ufe6b", "")
    assert inert(text) == text


# --- Any text at all ------------------------------------------------------------------------

any_text = st.text(st.characters(exclude_categories=())) | mention_soup


@given(
    any_text,
    st.integers(min_value=0, max_value=50),
    st.booleans(),
    st.booleans(),
    st.booleans(),
)
@example("\ud800\udfff\x00", 0, True, True, False)
def test_check_text_never_raises_and_names_the_field(
    text: str, max_length: int, required: bool, single_line: bool, allow_links: bool
) -> None:
    problems = check_text(
        "field",
        text,
        max_length=max_length,
        required=required,
        single_line=single_line,
        allow_links=allow_links,
    )
    assert all(p.field == "field" and p.message.startswith("`field` ") for p in problems)
    assert len({p.message for p in problems}) == len(problems)
    assert (
        check_text(
            "field",
            text,
            max_length=max_length,
            required=required,
            single_line=single_line,
            allow_links=allow_links,
        )
        == problems
    )


@given(any_text)
def test_inert_never_raises(text: str) -> None:
    inert(text)


def test_long_adversarial_input_is_checked_quickly() -> None:
    for text in (
        "a." * 50_000,
        "[](" + "." * 20_000,
        "a-" * 50_000,
        "@" * 50_000 + "everyone",
        "<" * 100_000,
        "x." * 30_000 + "com",
        "@\u200c" * 30_000,
    ):
        check_text("about", text, max_length=10, single_line=True, allow_links=False)
        inert(text)

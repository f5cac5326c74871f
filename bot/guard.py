"""The guard: checks free text from members before it is stored or posted, on any platform.

`check_text` (or `check_fields` for a whole form) returns the problems a member can fix, each
one sentence naming the field; it is pure and never raises on any text. `inert` makes text safe
to show anywhere without pinging anyone, while it still reads the same to a person.

The patient-information check (`bot.phi`) runs on every field: anything a member writes
here is seen by someone else (members, stewards or moderators). To add a check, write a
function with the `Check` signature and add it to `_CHECKS`; its place in that tuple is its
place in the problem list. A check that needs a setting per field takes it from `FieldRule`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass

from bot.phi import find_patient_info

__all__ = ["Check", "FieldRule", "Problem", "check_fields", "check_text", "inert"]


@dataclass(frozen=True)
class Problem:
    """One thing the member can fix, in one sentence that names the field."""

    field: str  # the field's name as the member sees it, e.g. "name"
    message: str  # e.g. "`name` can't contain links."


@dataclass(frozen=True)
class FieldRule:
    """What one field accepts."""

    max_length: int  # in characters, counted after NFC normalisation
    required: bool = False
    single_line: bool = False
    allow_links: bool = True

    def __post_init__(self) -> None:
        if self.max_length < 0:
            raise ValueError(f"max_length must be 0 or more (got {self.max_length})")


Check = Callable[[str, str, FieldRule], Iterable[Problem]]
"""A check: (field, text, rule) -> the problems it finds, in a stable order."""


def check_text(
    field: str,
    text: str,
    *,
    max_length: int,
    required: bool = False,
    single_line: bool = False,
    allow_links: bool = True,
) -> list[Problem]:
    """The problems with one field's text, in a stable order (empty, too long, control
    characters, mentions, links); an empty list when the text is fine."""
    rule = FieldRule(max_length, required, single_line, allow_links)
    return [problem for check in _CHECKS for problem in check(field, text, rule)]


def check_fields(fields: Mapping[str, tuple[str | None, FieldRule]]) -> list[Problem]:
    """The problems with several fields at once, field by field in the mapping's order.
    A value of None is a field left out, which is the same as an empty one."""
    return [
        problem
        for field, (text, rule) in fields.items()
        for check in _CHECKS
        for problem in check(field, text or "", rule)
    ]


# --- Invisible characters ------------------------------------------------------------------

# Unicode's default-ignorable code points (zero-width spaces and joiners, the soft hyphen,
# word joiner, BOM, bidi controls, variation selectors, Hangul fillers, tags, ...) plus the
# interlinear annotation marks: nothing a reader sees, so nothing that may hide a mention.
_INVISIBLE_CLASS = (
    "["
    "\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f"
    "\u200b-\u200f\u202a-\u202e\u2060-\u206f\u3164"
    "\ufe00-\ufe0f\ufeff\uffa0\ufff0-\ufffb"
    "\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0000-\U000e0fff"
    "]"
)
_INVISIBLE = re.compile(_INVISIBLE_CLASS)
_ZWSP = "\u200b"


def _visible(text: str) -> str:
    return _INVISIBLE.sub("", text)


def _folded(text: str) -> str:
    """What the text reads as: invisibles gone, compatibility forms (fullwidth @, e and .,
    U+FF20, U+FF45, U+FF0E) made plain, case kept. Only for looking; never stored."""
    return unicodedata.normalize("NFKC", _visible(text)).replace("\u3002", ".")


# --- Checks ----------------------------------------------------------------------------------


def _required(field: str, text: str, rule: FieldRule) -> Iterator[Problem]:
    # Text of only spaces or invisible characters is empty to the reader.
    if rule.required and not _visible(text).strip():
        yield Problem(field, f"`{field}` is required.")


def _length(field: str, text: str, rule: FieldRule) -> Iterator[Problem]:
    length = len(unicodedata.normalize("NFC", text))
    if length > rule.max_length:
        unit = "character" if length == 1 else "characters"
        yield Problem(
            field,
            f"`{field}` is too long: {length:,} {unit} (the limit is {rule.max_length:,}).",
        )


# Everything str.splitlines() breaks on.
_LINE_BREAKS = frozenset("\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")


def _controls(field: str, text: str, rule: FieldRule) -> Iterator[Problem]:
    line_break = tab = other = False
    for ch in text:
        if rule.single_line and ch in _LINE_BREAKS:
            line_break = True
        elif rule.single_line and ch == "\t":
            tab = True
        elif ch not in "\n\t" and unicodedata.category(ch) in ("Cc", "Cs"):
            other = True  # Cs: half of a surrogate pair alone, which no platform can take
    if line_break:
        yield Problem(field, f"`{field}` must fit on one line.")
    if tab:
        yield Problem(field, f"`{field}` can't contain tabs.")
    if other:
        yield Problem(field, f"`{field}` can't contain hidden control characters.")


_MASS_MENTION = re.compile(
    r"@(?:everyone|here)"  # Discord (and Slack, where link_names is on)
    r"|<!(?:everyone|here|channel|group)[|>]",  # Slack's broadcasts
    re.IGNORECASE,
)
_GROUP_MENTION = re.compile(
    r"<@&\d+>"  # Discord role
    r"|<!subteam\^",  # Slack user group
    re.IGNORECASE,
)


def _mentions(field: str, text: str, rule: FieldRule) -> Iterator[Problem]:
    folded = _folded(text)
    if _MASS_MENTION.search(folded):
        yield Problem(field, f"`{field}` can't mention @everyone or @here.")
    if _GROUP_MENTION.search(folded):
        yield Problem(field, f"`{field}` can't mention roles or user groups.")


PATIENT_FLAGS_SHOWN = 3  # enough to find them; the author can fix and resend for more


def _patient_info(field: str, text: str, rule: FieldRule) -> Iterator[Problem]:
    # Only the author sees this refusal, so quoting the flagged words back is safe; they
    # are never logged or stored (nothing is stored on a hit).
    findings = find_patient_info(text)
    if not findings:
        return
    shown = ", ".join(f"{f.label} (“{f.excerpt}”)" for f in findings[:PATIENT_FLAGS_SHOWN])
    more = len(findings) - PATIENT_FLAGS_SHOWN
    if more > 0:
        shown += f" and {more} more"
    yield Problem(
        field,
        f"`{field}` looks like it has patient information: {shown}. Nothing was posted; "
        "remove or change those parts and send it again.",
    )


def _links(field: str, text: str, rule: FieldRule) -> Iterator[Problem]:
    if not rule.allow_links and _has_link(_folded(text)):
        yield Problem(field, f"`{field}` can't contain links.")


_CHECKS: tuple[Check, ...] = (_required, _length, _controls, _mentions, _links, _patient_info)


# --- Links -----------------------------------------------------------------------------------

_LINK = re.compile(
    r"(?<![A-Za-z0-9+.-])[A-Za-z][A-Za-z0-9+.-]{0,30}://"  # http://, https://, ftp://, ...
    r"|(?<![A-Za-z0-9])mailto:"
    r"|(?<![\w.-])www\.(?=\w)"
    r"|(?<![\w.-])discord(?:app)?\.(?:gg|com/invite|io|me|li)\b"  # invites, any case
    r"|\[[^\[\]\n]*\]\(\s*<?(?=[^()\s]*[:/.])[^()\s]+\)",  # markdown [text](url)
    re.IGNORECASE,
)
# Words joined by dots; whether it is a domain is decided by `_is_domain`.
_DOTTED = re.compile(r"(?<![\w.-])[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+(/?)")


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_COUNTRY_TLDS = _words(
    """
    ac ad ae af ag ai al am ao aq ar as at au aw ax az ba bb bd be bf bg bh bi bj bm bn bo br
    bs bt bw by bz ca cc cd cf cg ch ci ck cl cm cn co cr cu cv cw cx cy cz de dj dk dm do dz
    ec ee eg er es et eu fi fj fk fm fo fr ga gd ge gf gg gh gi gl gm gn gp gq gr gs gt gu gw
    gy hk hm hn hr ht hu id ie il im in io iq ir is it je jm jo jp ke kg kh ki km kn kp kr kw
    ky kz la lb lc li lk lr ls lt lu lv ly ma mc md me mg mh mk ml mm mn mo mp mq mr ms mt mu
    mv mw mx my mz na nc ne nf ng ni nl no np nr nu nz om pa pe pf pg ph pk pl pm pn pr ps pt
    pw py qa re ro rs ru rw sa sb sc sd se sg sh si sk sl sm sn so sr ss st su sv sx sy sz tc
    td tf tg th tj tk tl tm tn to tr tt tv tw tz ua ug uk us uy uz va vc ve vg vi vn vu wf ws
    ye yt za zm zw
    """
)
# Country codes that are everyday words ("ok.so", "it.is", "et.al" are more likely a missing
# space than a link), so these count only with a path after them ("t.me/x", "youtu.be/x").
_WORD_TLDS = _words("al am as at be by do id in is it me my no so to us")
_GENERIC_TLDS = _words(
    """
    com net org edu gov mil int info biz name pro mobi aero coop museum jobs travel tel asia
    cat post xxx app dev xyz online site website shop store tech club live link page blog
    cloud top icu vip win bid buzz news space fun art wiki email digital media agency studio
    design network solutions services academy education health care clinic doctor dental
    hospital healthcare science bio eco llc ltd inc company group global world today life
    one zone social chat lol fyi guru ninja rocks work works click download stream tube video
    porn casino bet loan money finance crypto exchange market games game
    """
)


def _is_domain(dotted: str, path_follows: bool) -> bool:
    labels = dotted.split(".")
    if dotted.isupper() and len(labels[0]) <= 2 and all(len(label) <= 3 for label in labels):
        return False  # an abbreviation in capitals: "B.SC", "MD.PA"
    for index in range(1, len(labels)):
        tld = labels[index]
        last = index == len(labels) - 1
        before = labels[index - 1]
        if not any(ch.isalpha() for ch in before):
            continue  # "24.hr", "2.5.mg": a number, not a name
        lower = tld.lower()
        if lower.startswith("xn--") and len(lower) > 4:
            return True
        if not (2 <= len(tld) <= 24 and tld.isascii() and tld.isalpha()):
            continue
        if not (tld.islower() or tld.isupper()) and not (last and path_follows):
            continue  # "it.Then", "M.Sc": a full stop with a missing space, or a degree
        if lower in _WORD_TLDS:
            if last and path_follows:
                return True
        elif lower in _COUNTRY_TLDS or lower in _GENERIC_TLDS:
            return True
    return False


def _has_link(folded: str) -> bool:
    if _LINK.search(folded):
        return True
    return any(
        _is_domain(match.group(0).removesuffix("/"), bool(match.group(1)))
        for match in _DOTTED.finditer(folded)
    )


# --- Inert text ------------------------------------------------------------------------------


def _spelled(word: str) -> str:
    """`word` in any case, fullwidth too, with invisible characters anywhere inside."""
    return f"{_INVISIBLE_CLASS}*".join(f"[{ch}{chr(ord(ch) - ord('a') + 0xFF41)}]" for ch in word)


_MASS_WORD = f"(?:{_spelled('everyone')}|{_spelled('here')})"
# After an @ (also fullwidth U+FF20 and small U+FE6B) not yet followed by a zero-width space.
_AT_MASS = re.compile(
    rf"(?<=[@\uff20\ufe6b])(?!{_ZWSP}){_INVISIBLE_CLASS}*{_MASS_WORD}", re.IGNORECASE
)
_ANGLE = re.compile(r"<(?=[@#!])")


def inert(text: str) -> str:
    """The text, safe to show on any platform without pinging anyone, reading the same.

    A zero-width space goes after the @ of @everyone / @here (any case, fullwidth @ U+FF20 too,
    however many invisible characters are hidden in it) and after the < of any mention or
    broadcast syntax: Discord's <@123>, <@!123>, <@&123>, <#123>; Slack's <@U123>,
    <#C123|name>, <!channel>, <!here>, <!everyone>, <!subteam^ID>. Idempotent."""
    text = _AT_MASS.sub(lambda match: _ZWSP + match.group(0), text)
    return _ANGLE.sub("<" + _ZWSP, text)

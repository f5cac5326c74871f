"""How sessions and questions read: announcements, reminders, "starting now", the recap.

Pure builders over the models; the service decides who gets what. Askers are named only
in private lists, never in channel posts, and anonymous askers are never named at all.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from bot.guard import inert
from bot.model import Button, ButtonStyle, Field, Reply, form_button
from cogs.ama.duration import describe_duration
from storage.ama import Question, Series, Session

ASK_FORM = "ama.ask"
MERGE_FORM = "ama.merge"
LINE_MAX = 300  # a question's text in a list
LIST_MAX = 15  # questions in one list

TimeText = Callable[[datetime, str], str]
Mention = Callable[[str], str]


def session_buttons(session: Session) -> list[Button]:
    return [
        Button("RSVP", "ama.rsvp", session.short_id, ButtonStyle.PRIMARY),
        form_button("Ask a question", ASK_FORM, prefill={"session": session.short_id}),
        Button("Add to calendar", "ama.calendar", session.short_id),
    ]


def vote_button(question: Question) -> Button:
    return Button(f"Upvote #{question.id}", "ama.vote", str(question.id))


def answered_button(question: Question) -> Button:
    return Button(f"Answered #{question.id}", "ama.answered", str(question.id), ButtonStyle.SUCCESS)


def about(delta: timedelta) -> str:
    """A rough span for people: "15 minutes", "3 hours", "2 days"."""
    minutes = max(0, round(delta.total_seconds() / 60))
    if minutes < 90:
        return _plural(minutes, "minute")
    hours = round(minutes / 60)
    if hours < 48:
        return _plural(hours, "hour")
    return _plural(round(hours / 24), "day")


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" + ("" if count == 1 else "s")


def when_line(session: Session, time_text: TimeText) -> str:
    length = describe_duration(round((session.ends_at - session.starts_at).total_seconds() / 60))
    return f"{time_text(session.starts_at, session.zone)}, for {length}"


def announcement(
    session: Session,
    *,
    time_text: TimeText,
    mention: Mention,
    channel: str,
    series: Series | None,
    series_count: int,
) -> Reply:
    lines = [inert(session.description)] if session.description else []
    lines.append(
        f"RSVP to get a reminder, and send your questions now (anonymously if you like). "
        f"Session id: `{session.short_id}`."
    )
    fields = [
        Field("Host", mention(session.host_id), inline=True),
        Field("When", when_line(session, time_text), inline=True),
        Field("Where", channel, inline=True),
    ]
    if series is not None:
        fields.append(Field("Series", f"Session {session.seq} of {series_count}: {series.rule}"))
    return Reply.public(
        "\n\n".join(lines),
        title=f"AMA: {inert(session.title)}",
        fields=fields,
        buttons=session_buttons(session),
    )


def closed_announcement(session: Session, *, time_text: TimeText, mention: Mention) -> Reply:
    """The announcement once the session is over or called off: no more buttons."""
    state = "was cancelled" if session.cancelled else "has ended"
    return Reply.public(
        f"This session {state}. `/ama list` shows upcoming sessions.",
        title=f"AMA: {inert(session.title)}",
        fields=[
            Field("Host", mention(session.host_id), inline=True),
            Field("When", when_line(session, time_text), inline=True),
        ],
    )


def reminder(
    session: Session, now: datetime, *, time_text: TimeText, channel: str, hosting: bool
) -> Reply:
    lead = "You are hosting" if hosting else "You RSVP'd to"
    return Reply(
        f"{lead} **{inert(session.title)}**, starting in about "
        f"{about(session.starts_at - now)}: {time_text(session.starts_at, session.zone)} "
        f"in {channel}.",
        title="AMA reminder",
        buttons=[
            form_button("Ask a question", ASK_FORM, prefill={"session": session.short_id}),
            Button("Questions so far", "ama.questions", session.short_id),
        ],
    )


def question_line(question: Question, *, mention: Mention | None = None) -> str:
    """One question in a list. With `mention`, named askers are shown (private lists)."""
    text = inert(question.text)
    if len(text) > LINE_MAX:
        text = text[: LINE_MAX - 1] + "…"
    votes = _plural(question.votes, "vote")
    answered = " · answered" if question.answered else ""
    who = ""
    if mention is not None:
        who = " · " + askers_text(question, mention)
    return f"**#{question.id}** ({votes}{answered}) {text}{who}"


def askers_text(question: Question, mention: Mention) -> str:
    named = [mention(a.user_id) for a in question.askers if a.user_id and not a.anonymous]
    hidden = sum(1 for a in question.askers if a.anonymous)
    parts = list(named)
    if hidden:
        parts.append("anonymous" if hidden == 1 else f"{hidden} anonymous")
    return "asked by " + (", ".join(parts) or "nobody")


def question_list(questions: Sequence[Question], *, mention: Mention | None) -> str:
    if not questions:
        return "No questions yet."
    lines = [question_line(q, mention=mention) for q in questions[:LIST_MAX]]
    if len(questions) > LIST_MAX:
        lines.append(f"…and {len(questions) - LIST_MAX} more.")
    return "\n".join(lines)


def starting_now(session: Session, top: Sequence[Question], *, mention: Mention) -> Reply:
    if top:
        body = "Top questions so far:\n" + "\n".join(question_line(q) for q in top)
    else:
        body = "No questions yet: be the first to ask."
    return Reply.public(
        f"{mention(session.host_id)} is taking questions now. {body}",
        title=f"Starting now: {inert(session.title)}",
        buttons=[
            form_button("Ask a question", ASK_FORM, prefill={"session": session.short_id}),
            Button("Questions", "ama.questions", session.short_id),
        ],
    )


def recap(
    session: Session, answered: Sequence[Question], open_count: int, *, mention: Mention
) -> Reply:
    if answered:
        body = f"{_plural(len(answered), 'question')} answered:\n" + "\n".join(
            question_line(q) for q in answered[:LIST_MAX]
        )
        if len(answered) > LIST_MAX:
            body += f"\n…and {len(answered) - LIST_MAX} more."
    else:
        body = "No questions were marked answered."
    if open_count:
        body += f"\n{_plural(open_count, 'question')} did not get to an answer this time."
    return Reply.public(
        f"Thank you to {mention(session.host_id)} and everyone who came. {body}",
        title=f"Recap: {inert(session.title)}",
    )

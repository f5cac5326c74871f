"""How a feature declares itself: commands, buttons, forms, events, jobs and demo data.

A feature package in `cogs/<name>/` exposes `setup(core) -> Feature`:

    def setup(core: Core) -> Feature:
        feature = Feature("intros", group="intro", description="Introduce yourself")

        @feature.command("show", "Show a member's intro", options=(Option("member", ...),))
        async def show(ctx: Context, args: Args) -> Reply: ...

        return feature
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from bot.model import (
    Action,
    ActionHandler,
    Command,
    EventHandler,
    Form,
    Handler,
    Option,
)

if TYPE_CHECKING:
    from bot.context import Context
    from bot.model import Reply
    from storage.models import Job

JobHandler = Callable[["Job"], Awaitable[None]]
StillRelevant = Callable[["Job"], Awaitable[bool]]
DemoSeeder = Callable[[Any], Awaitable[None]]
# A member's own summary for a home screen (Slack's App Home): None when there is nothing.
HomeSection = Callable[["Context"], Awaitable["Reply | None"]]


@dataclass(frozen=True, slots=True)
class JobKind:
    """A kind of scheduled job. `still_relevant` decides whether a late job still runs;
    without it, a job that came due while the bot was down always runs at start."""

    name: str
    handler: JobHandler
    still_relevant: StillRelevant | None = None


@dataclass
class Feature:
    name: str
    group: str
    description: str
    commands: list[Command] = field(default_factory=list)
    actions: dict[str, Action] = field(default_factory=dict)
    forms: dict[str, Form] = field(default_factory=dict)
    events: dict[str, list[EventHandler]] = field(default_factory=dict)
    jobs: dict[str, JobKind] = field(default_factory=dict)
    demo_seeders: list[DemoSeeder] = field(default_factory=list)
    home_sections: list[HomeSection] = field(default_factory=list)
    # Commands this feature adds to another feature's group (its settings under /setup).
    contributed: list[Command] = field(default_factory=list)

    def command(
        self,
        name: str,
        description: str,
        *,
        options: Sequence[Option] = (),
        moderator_only: bool = False,
        form: str | None = None,
        group: str | None = None,
    ) -> Callable[[Handler], Handler]:
        """Declare `/group name`. `form=` names a form opened when required options are
        missing; `form="auto"` derives one from the options. `group=` puts the command in
        another feature's group: a feature's settings live under `/setup` with the rest."""
        group = group or self.group

        def register(handler: Handler) -> Handler:
            form_id = form
            if form == "auto":
                form_id = f"{group}.{name}"
                self.forms[form_id] = Form(
                    id=form_id,
                    title=description[:45],
                    fields=tuple(options),
                    handler=handler,
                    moderator_only=moderator_only,
                )
            declared = self.commands if group == self.group else self.contributed
            declared.append(
                Command(
                    group=group,
                    name=name,
                    description=description,
                    handler=handler,
                    options=tuple(options),
                    moderator_only=moderator_only,
                    form_id=form_id,
                )
            )
            return handler

        return register

    def action(
        self, name: str, *, moderator_only: bool = False
    ) -> Callable[[ActionHandler], ActionHandler]:
        """Declare a button action. Its full name is `<feature>.<name>`."""
        full = f"{self.name}.{name}"

        def register(handler: ActionHandler) -> ActionHandler:
            self.actions[full] = Action(full, handler, moderator_only)
            return handler

        return register

    def form(
        self,
        form_id: str,
        title: str,
        fields: Sequence[Option],
        *,
        moderator_only: bool = False,
    ) -> Callable[[Handler], Handler]:
        def register(handler: Handler) -> Handler:
            self.forms[form_id] = Form(form_id, title, tuple(fields), handler, moderator_only)
            return handler

        return register

    def on(self, event: str) -> Callable[[EventHandler], EventHandler]:
        def register(handler: EventHandler) -> EventHandler:
            self.events.setdefault(event, []).append(handler)
            return handler

        return register

    def job(
        self, kind: str, *, still_relevant: StillRelevant | None = None
    ) -> Callable[[JobHandler], JobHandler]:
        def register(handler: JobHandler) -> JobHandler:
            self.jobs[kind] = JobKind(kind, handler, still_relevant)
            return handler

        return register

    def home(self, section: HomeSection) -> HomeSection:
        """Contribute a private section to the member's home screen (my profile, my
        mentors, my groups...). It returns a Reply whose title heads the section."""
        self.home_sections.append(section)
        return section

    def demo(self, seeder: DemoSeeder) -> DemoSeeder:
        self.demo_seeders.append(seeder)
        return seeder

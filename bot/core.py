"""The services every feature and surface shares, built once by the composition root."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from bot.clock import Clock
from bot.delivery import Delivery
from bot.events import EventBus
from bot.model import Actor
from bot.ratelimit import RateLimiter
from bot.registry import Registry
from bot.scheduler import Scheduler
from bot.tasks import BackgroundTasks
from config.settings import Settings, SettingsError
from storage import Database, Repositories
from storage.crypto import KEY_FILE, Sealer, load_or_create_key, parse_keys
from storage.models import Scope

log = logging.getLogger(__name__)


def sealer_for(settings: Settings) -> Sealer:
    """DATA_KEY, or the key kept in DATA_DIR (made on first use, with one warning)."""
    if settings.data_key is not None:
        try:
            return Sealer(parse_keys(settings.data_key.get_secret_value()))
        except ValueError:
            raise SettingsError(
                "Invalid setting DATA_KEY: use a Fernet key (32 url-safe base64 bytes), "
                "or several separated by commas to rotate."
            ) from None
    key, created = load_or_create_key(settings.data_dir)
    if created:
        log.warning(
            "No DATA_KEY set: made one in %s (owner-only). Back it up with the database; "
            "sensitive fields cannot be read without it.",
            settings.data_dir / KEY_FILE,
        )
    return Sealer([key])


@dataclass
class Core:
    settings: Settings
    db: Database
    repos: Repositories
    clock: Clock
    tasks: BackgroundTasks
    delivery: Delivery
    scheduler: Scheduler
    events: EventBus
    limiter: RateLimiter
    registry: Registry = field(default_factory=Registry)

    @classmethod
    def build(
        cls,
        settings: Settings,
        db: Database,
        clock: Clock | None = None,
        *,
        sealer: Sealer | None = None,
    ) -> Core:
        clock = clock or Clock()
        repos = Repositories.build(db, sealer or sealer_for(settings))
        tasks = BackgroundTasks()
        return cls(
            settings=settings,
            db=db,
            repos=repos,
            clock=clock,
            tasks=tasks,
            delivery=Delivery(repos, clock),
            scheduler=Scheduler(repos, clock),
            events=EventBus(tasks),
            limiter=RateLimiter(
                settings.rate_limit_burst, settings.rate_limit_per_minute, clock.now
            ),
        )

    def use(self, registry: Registry) -> None:
        """Adopt the loaded features: their job kinds and event handlers go live."""
        self.registry = registry
        for kind in registry.job_kinds():
            self.scheduler.register(kind)
        self.events.attach(registry)

    async def community_timezone(self, scope: Scope) -> str:
        community = await self.repos.communities.get(scope)
        return community.timezone or self.settings.default_timezone

    async def is_moderator(self, scope: Scope, user_id: str, platform_admin: bool) -> bool:
        """Platform admins (decided by the surface) plus the community's own list."""
        return platform_admin or await self.repos.communities.is_moderator(scope, user_id)

    async def audit(
        self,
        actor: Actor,
        action: str,
        *,
        target: str | None = None,
        detail: dict[str, Any] | None = None,
        summary: str | None = None,
        recorded_as: str | None = None,
    ) -> None:
        """One audit row per privileged action, and a line in the moderator log.

        The row joins the caller's transaction, so a change and its audit row commit
        together. The moderator-log post is network work, so it runs in the background
        rather than inside that transaction. `recorded_as` stores another actor id (an
        erased member's pseudonym), and then the moderator-log line names nobody.
        """
        await self.repos.audit.record(
            actor.scope,
            recorded_as or actor.user_id,
            action,
            self.clock.now(),
            target=target,
            detail=detail,
        )
        line = summary or action
        if recorded_as is None:
            transport = self.delivery.transport(actor.scope)
            line = f"{transport.mention(actor.user_id) if transport else actor.label}: {line}"
        self.tasks.spawn(
            self.delivery.to_modlog(actor.scope, line, purpose=f"modlog:{action}"),
            name=f"modlog:{action}",
        )

"""`python -m bot demo`: a small sample community, so a newcomer can try everything at once.

The core seeds the console community's setup and members; each loaded feature adds its
own sample data through `@feature.demo`. Seeding twice changes nothing.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from bot.core import Core
from storage.models import Scope

log = logging.getLogger(__name__)

DEMO_SCOPE = Scope("console", "local")

# (user id, display name): mentors are physicians, mentees are students.
DEMO_MEMBERS = (
    ("dr_lee", "Dr. Maya Lee"),
    ("dr_okafor", "Dr. Chidi Okafor"),
    ("dr_santos", "Dr. Ana Santos"),
    ("alice", "Alice Nguyen"),
    ("bob", "Bob Martinez"),
    ("sam", "Sam Rivera"),
)
DEMO_MODERATOR = "dr_lee"


@dataclass(frozen=True)
class DemoCommunity:
    core: Core
    scope: Scope
    moderator: str
    members: tuple[tuple[str, str], ...]


async def seed_demo(core: Core) -> None:
    now = core.clock.now()
    for user_id, name in DEMO_MEMBERS:
        await core.repos.members.remember(DEMO_SCOPE, user_id, name, now)
    for name in ("introductions", "announcements", "modlog"):
        await core.repos.channels.get_or_create(DEMO_SCOPE, name, now)
    community = await core.repos.communities.get(DEMO_SCOPE)
    if community.introductions_channel is None:
        await core.repos.communities.update(
            DEMO_SCOPE,
            now,
            introductions_channel="introductions",
            announcements_channel="announcements",
            modlog_channel="modlog",
            timezone="America/New_York",
        )
    await core.repos.communities.add_moderator(DEMO_SCOPE, DEMO_MODERATOR, "demo", now)
    demo = DemoCommunity(core, DEMO_SCOPE, DEMO_MODERATOR, DEMO_MEMBERS)
    for feature in core.registry.features.values():
        for seeder in feature.demo_seeders:
            await seeder(demo)
    log.info("demo community seeded")
    print(
        "Demo community ready: members "
        + ", ".join(user for user, _ in DEMO_MEMBERS)
        + f"; {DEMO_MODERATOR} is a moderator. Try /as {DEMO_MODERATOR} then /setup show."
    )

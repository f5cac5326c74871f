"""A test-only feature that welcomes new members by DM, with a button that opens a form.

It stands in for the introductions feature's welcome until that exists, so surface tests
can check that a platform's member-join reaches features and that DM buttons work.
"""

from __future__ import annotations

from bot.core import Core
from bot.events import MEMBER_JOINED
from bot.feature import Feature
from bot.model import Actor, Reply, form_button


def setup(core: Core) -> Feature:
    feature = Feature("greeter", group="greeter", description="Welcome new members (tests)")

    @feature.on(MEMBER_JOINED)
    async def welcome(actor: Actor) -> None:
        await core.delivery.dm(
            actor.scope,
            actor.user_id,
            Reply(f"welcome {actor.label}", buttons=[form_button("Write a note", "probe.note")]),
            purpose="greeter.welcome",
        )

    return feature

"""Who may know of a group, see who is in it, run it and post in it: the rules in one
place, as pure functions, so they can be checked as a matrix.

Whenever a rule says no, the member gets exactly the answer they would get for a group
that does not exist (`not_found`): a refusal that differed would tell them the group is
there, or that someone they know is in it.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.errors import UserError
from bot.guard import inert
from storage.groups import ACTIVE, INVITED, PUBLIC, SECRET, STEWARD, VISIBILITIES, Group


@dataclass(frozen=True, slots=True)
class Viewer:
    """One member's standing towards one group."""

    is_moderator: bool = False
    status: str | None = None  # their row in the group: active, requested, invited...
    role: str | None = None
    parent_steward: bool = False  # a steward of the group this one is a chapter of

    @property
    def member(self) -> bool:
        return self.status == ACTIVE

    @property
    def steward(self) -> bool:
        return self.member and self.role == STEWARD

    @property
    def invited(self) -> bool:
        return self.status == INVITED


def manages(group: Group, viewer: Viewer) -> bool:
    """Stewards run their group; a parent group's stewards run its chapters too."""
    return viewer.is_moderator or viewer.steward or viewer.parent_steward


def knows_of(group: Group, viewer: Viewer) -> bool:
    """Public and private groups are listed; a secret one only to its own people (and
    to someone invited, who must be able to answer)."""
    if group.visibility != SECRET:
        return True
    return manages(group, viewer) or viewer.member or viewer.invited


def sees_members(group: Group, viewer: Viewer) -> bool:
    return group.visibility == PUBLIC or viewer.member or manages(group, viewer)


def may_post(group: Group, viewer: Viewer) -> bool:
    return viewer.member


def at_least_as_private(visibility: str, than: str) -> bool:
    return VISIBILITIES.index(visibility) >= VISIBILITIES.index(than)


def not_found(name: str | None) -> UserError:
    """The one answer for a group that is not there, or not there for you."""
    shown = inert(" ".join((name or "").split()))[:60]
    return UserError(
        f"I can't find a group called `{shown}` that you can use this with. "
        "`/group list` shows the groups you can see."
    )

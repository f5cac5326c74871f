"""Storage: the only package that speaks SQL. Features use these repositories."""

from __future__ import annotations

from dataclasses import dataclass

from storage.ama import AmaRepository
from storage.audit import AuditRepository
from storage.communities import CommunityRepository
from storage.crypto import Sealer
from storage.db import Database, StorageError
from storage.deliveries import SeenDeliveryRepository
from storage.groups import GroupRepository
from storage.jobs import JobRepository
from storage.keyring import KeyringRepository
from storage.member_data import ErasureReport, MemberDataRepository
from storage.members import ChannelRepository, MemberRepository
from storage.mentorship import MentorshipRepository
from storage.models import Scope
from storage.outbox import OutboxRepository
from storage.profiles import IntroProfile, ProfileRepository


@dataclass(frozen=True)
class Repositories:
    db: Database
    communities: CommunityRepository
    members: MemberRepository
    channels: ChannelRepository
    outbox: OutboxRepository
    jobs: JobRepository
    audit: AuditRepository
    seen: SeenDeliveryRepository
    profiles: ProfileRepository
    mentorship: MentorshipRepository
    ama: AmaRepository
    keyring: KeyringRepository
    groups: GroupRepository
    member_data: MemberDataRepository

    @classmethod
    def build(cls, db: Database, sealer: Sealer | None = None) -> Repositories:
        """`sealer` protects sensitive fields; without one (tests, tools) a throwaway key
        is used, so nothing sealed outlives the process."""
        sealer = sealer or Sealer.ephemeral()
        keyring = KeyringRepository(db, sealer)
        groups = GroupRepository(db, sealer, keyring)
        return cls(
            db=db,
            communities=CommunityRepository(db),
            members=MemberRepository(db),
            channels=ChannelRepository(db),
            outbox=OutboxRepository(db, sealer),
            jobs=JobRepository(db),
            audit=AuditRepository(db),
            seen=SeenDeliveryRepository(db),
            profiles=ProfileRepository(db, sealer),
            mentorship=MentorshipRepository(db, sealer),
            ama=AmaRepository(db, sealer),
            keyring=keyring,
            groups=groups,
            member_data=MemberDataRepository(db, sealer, keyring, groups),
        )


__all__ = [
    "Database",
    "ErasureReport",
    "IntroProfile",
    "Repositories",
    "Scope",
    "Sealer",
    "StorageError",
]

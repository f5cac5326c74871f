"""Storage: the only package that speaks SQL. Features use these repositories."""

from __future__ import annotations

from dataclasses import dataclass

from storage.audit import AuditRepository
from storage.communities import CommunityRepository
from storage.db import Database, StorageError
from storage.deliveries import SeenDeliveryRepository
from storage.jobs import JobRepository
from storage.members import ChannelRepository, MemberRepository
from storage.models import Scope
from storage.outbox import OutboxRepository


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

    @classmethod
    def build(cls, db: Database) -> Repositories:
        return cls(
            db=db,
            communities=CommunityRepository(db),
            members=MemberRepository(db),
            channels=ChannelRepository(db),
            outbox=OutboxRepository(db),
            jobs=JobRepository(db),
            audit=AuditRepository(db),
            seen=SeenDeliveryRepository(db),
        )


__all__ = ["Database", "Repositories", "Scope", "StorageError"]

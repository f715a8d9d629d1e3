"""EC2 ids for OpenStack UUIDs, stable for ever: ``prefix-`` and 8 hex digits of a hash
of the UUID (the next 8 if another UUID has those), kept in ``ec2_ids`` so they can be
looked up both ways. Mappings never change, so each process also keeps them in memory."""

from __future__ import annotations

import hashlib

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from pocketstack.db import Database
from pocketstack.ec2.models import Ec2Id


def candidate(prefix: str, kind: str, uuid: str, attempt: int = 0) -> str:
    digest = hashlib.sha256(f"{kind}:{uuid}".encode()).hexdigest()
    start = (attempt * 8) % 56
    return f"{prefix}-{digest[start : start + 8]}"


class IdMap:
    def __init__(self, db: Database) -> None:
        self.db = db
        self._to_ec2: dict[tuple[str, str], str] = {}
        self._to_uuid: dict[str, tuple[str, str]] = {}
        self._reservations: dict[str, str] = {}

    def _remember(self, ec2_id: str, kind: str, uuid: str) -> None:
        self._to_ec2[(kind, uuid)] = ec2_id
        self._to_uuid[ec2_id] = (kind, uuid)

    async def ec2_ids(self, kind: str, prefix: str, uuids: list[str]) -> dict[str, str]:
        """uuid -> EC2 id, made for the UUIDs that have none yet."""
        out = {u: self._to_ec2[(kind, u)] for u in uuids if (kind, u) in self._to_ec2}
        wanted = sorted({u for u in uuids if u not in out})
        if wanted:
            await self._load(kind, wanted)
            missing = [u for u in wanted if (kind, u) not in self._to_ec2]
            if missing:
                await self._create(kind, prefix, missing)
            out.update({u: self._to_ec2[(kind, u)] for u in wanted})
        return out

    async def ec2_id(self, kind: str, prefix: str, uuid: str) -> str:
        return (await self.ec2_ids(kind, prefix, [uuid]))[uuid]

    async def uuid(self, kind: str, ec2_id: str) -> str | None:
        """The UUID behind ``ec2_id`` if it is an id of ``kind``."""
        found = self._to_uuid.get(ec2_id)
        if found is None:
            async with self.db.reader() as s:
                row = await s.get(Ec2Id, ec2_id)
            if row is None:
                return None
            self._remember(row.ec2_id, row.kind, row.uuid)
            found = (row.kind, row.uuid)
        return found[1] if found[0] == kind else None

    async def lookup(self, ec2_id: str) -> tuple[str, str] | None:
        """(kind, uuid) of any EC2 id."""
        for kind in (
            "server",
            "image",
            "volume",
            "snapshot",
            "security_group",
            "floating_ip",
            "network",
            "subnet",
            "port",
        ):
            uuid = await self.uuid(kind, ec2_id)
            if uuid is not None:
                return kind, uuid
        return None

    async def of_uuid(self, uuid: str) -> list[tuple[str, str]]:
        """(kind, EC2 id) of every mapping of ``uuid``."""
        async with self.db.reader() as s:
            rows = (await s.scalars(select(Ec2Id).where(Ec2Id.uuid == uuid))).all()
        return [(row.kind, row.ec2_id) for row in rows]

    async def reservations(self, server_uuids: list[str]) -> dict[str, str]:
        """server uuid -> its reservation id (its own, derived from its UUID, when it was
        not launched through RunInstances)."""
        wanted = [u for u in server_uuids if u not in self._reservations]
        if wanted:
            async with self.db.reader() as s:
                for chunk in range(0, len(wanted), 500):
                    query = select(Ec2Id.uuid, Ec2Id.reservation).where(
                        Ec2Id.kind == "server", Ec2Id.uuid.in_(wanted[chunk : chunk + 500])
                    )
                    for uuid, reservation in (await s.execute(query)).all():
                        if reservation:
                            self._reservations[uuid] = reservation
        return {u: self._reservations.get(u) or candidate("r", "reservation", u) for u in server_uuids}

    async def set_reservation(self, server_uuids: list[str], reservation: str) -> None:
        async with self.db.writer() as s:
            for row in await s.scalars(select(Ec2Id).where(Ec2Id.kind == "server", Ec2Id.uuid.in_(server_uuids))):
                row.reservation = reservation
        for uuid in server_uuids:
            self._reservations[uuid] = reservation

    async def _load(self, kind: str, uuids: list[str]) -> None:
        async with self.db.reader() as s:
            for chunk in range(0, len(uuids), 500):
                part = uuids[chunk : chunk + 500]
                rows = await s.scalars(select(Ec2Id).where(Ec2Id.kind == kind, Ec2Id.uuid.in_(part)))
                for row in rows:
                    self._remember(row.ec2_id, row.kind, row.uuid)

    async def _create(self, kind: str, prefix: str, uuids: list[str]) -> None:
        try:
            await self._insert(kind, prefix, uuids)
        except IntegrityError:
            # Another process mapped some of them meanwhile (or a hash collided): one by one.
            for uuid in uuids:
                await self._load(kind, [uuid])
                if (kind, uuid) not in self._to_ec2:
                    await self._insert(kind, prefix, [uuid])

    async def _insert(self, kind: str, prefix: str, uuids: list[str]) -> None:
        chosen = {u: candidate(prefix, kind, u) for u in uuids}
        async with self.db.reader() as s:
            taken = set((await s.scalars(select(Ec2Id.ec2_id).where(Ec2Id.ec2_id.in_(list(chosen.values()))))).all())
            clashes = [u for u in uuids if chosen[u] in taken]
            for uuid in clashes:
                attempt = 1
                while True:
                    ec2_id = candidate(prefix, kind, uuid, attempt)
                    if ec2_id not in chosen.values() and await s.get(Ec2Id, ec2_id) is None:
                        break
                    attempt += 1
                chosen[uuid] = ec2_id
        async with self.db.writer() as s:
            s.add_all(Ec2Id(ec2_id=e, kind=kind, uuid=u) for u, e in chosen.items())
        for uuid, ec2_id in chosen.items():
            self._remember(ec2_id, kind, uuid)

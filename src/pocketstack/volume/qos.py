"""QoS specs: named key/value settings with a consumer (front-end: the hypervisor
applies them, back-end: the storage, or both), associated with volume types (a type
has one at most). Recorded and shown; the file backend and QEMU do not enforce them."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from pocketstack.common.errors import Conflict, Invalid, NotFound
from pocketstack.db.models import same_name
from pocketstack.volume.models import QosSpecs, VolumeType

CONSUMERS = ("front-end", "back-end", "both")


async def get(s: AsyncSession, qos_id: str) -> QosSpecs:
    qos = await s.get(QosSpecs, qos_id)
    if qos is None:
        raise NotFound(f"No such QoS spec {qos_id}.")
    return qos


async def list_all(s: AsyncSession) -> list[QosSpecs]:
    return list(await s.scalars(select(QosSpecs).order_by(QosSpecs.created_at, QosSpecs.id)))


async def create(s: AsyncSession, name: str, consumer: str, specs: dict[str, str]) -> QosSpecs:
    if consumer not in CONSUMERS:
        raise Invalid(f"Invalid input received: Consumer {consumer!r} is not one of {', '.join(CONSUMERS)}.")
    if await s.scalar(select(QosSpecs).where(same_name(QosSpecs.name, name))) is not None:
        raise Conflict(f"QoS Specs {name} already exists.")
    qos = QosSpecs(name=name, consumer=consumer, specs=specs)
    s.add(qos)
    await s.flush()
    return qos


async def update(s: AsyncSession, qos_id: str, values: dict[str, str]) -> None:
    qos = await get(s, qos_id)
    specs = dict(qos.specs or {})
    for key, value in values.items():
        if key == "consumer":
            if value not in CONSUMERS:
                raise Invalid(f"Invalid input received: Consumer {value!r} is not one of {', '.join(CONSUMERS)}.")
            qos.consumer = value
        elif key == "name":
            qos.name = value
        else:
            specs[key] = value
    qos.specs = specs


async def delete_keys(s: AsyncSession, qos_id: str, keys: list[str]) -> None:
    qos = await get(s, qos_id)
    specs = dict(qos.specs or {})
    for key in keys:
        if key not in specs:
            raise NotFound(f"QoS spec {qos_id} has no key {key}.")
        del specs[key]
    qos.specs = specs


async def associations(s: AsyncSession, qos_id: str) -> list[VolumeType]:
    await get(s, qos_id)
    return list(await s.scalars(select(VolumeType).where(VolumeType.qos_specs_id == qos_id).order_by(VolumeType.name)))


async def delete(s: AsyncSession, qos_id: str, force: bool) -> None:
    qos = await get(s, qos_id)
    types = await associations(s, qos_id)
    if types and not force:
        raise Invalid("Qos specs still in use.")
    for vtype in types:
        vtype.qos_specs_id = None
    await s.delete(qos)


async def associate(s: AsyncSession, qos_id: str, vtype: VolumeType) -> None:
    await get(s, qos_id)
    if vtype.qos_specs_id not in (None, qos_id):
        raise Invalid(
            f"Invalid volume type: Type {vtype.id} is already associated with another qos specs: {vtype.qos_specs_id}"
        )
    vtype.qos_specs_id = qos_id


async def disassociate(s: AsyncSession, qos_id: str, vtype: VolumeType | None) -> None:
    """From one type, or (``None``) from every type using it."""
    await get(s, qos_id)
    targets = [vtype] if vtype is not None else await associations(s, qos_id)
    for target in targets:
        if target.qos_specs_id == qos_id:
            target.qos_specs_id = None

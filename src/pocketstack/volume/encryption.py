"""Encryption specs of volume types (admin): provider, cipher, key size, control
location. This cloud has no key manager, so no volume of an encrypted type can be
made (as a Cinder without one): the specs are kept, and a create of such a volume is
refused."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from pocketstack.common.errors import Invalid, NotFound
from pocketstack.common.timeutils import iso_nozone, utcnow
from pocketstack.db.models import new_id
from pocketstack.volume.models import Volume, VolumeType

FIELDS = ("provider", "cipher", "key_size", "control_location")


def _clean(values: dict[str, Any]) -> dict[str, Any]:
    out = {k: values[k] for k in FIELDS if k in values}
    if isinstance(out.get("key_size"), str):
        out["key_size"] = int(out["key_size"])
    return out


async def _in_use(s: AsyncSession, vtype: VolumeType) -> bool:
    return bool(await s.scalar(select(func.count(Volume.id)).where(Volume.volume_type_id == vtype.id)))


def show(vtype: VolumeType) -> dict[str, Any]:
    """The spec as GET shows it; ``{}`` for an unencrypted type."""
    spec = vtype.encryption
    if not spec:
        return {}
    return {
        "volume_type_id": vtype.id,
        "encryption_id": spec["encryption_id"],
        **{k: spec.get(k) for k in FIELDS},
        "deleted": False,
        "created_at": spec["created_at"],
        "updated_at": spec.get("updated_at"),
        "deleted_at": None,
    }


async def create(s: AsyncSession, vtype: VolumeType, values: dict[str, Any]) -> dict[str, Any]:
    if await _in_use(s, vtype):
        raise Invalid("Cannot create encryption specs. Volume type in use.")
    if vtype.encryption:
        raise Invalid(f"Volume type encryption for type {vtype.id} already exists.")
    given = _clean(values)
    spec = {**{k: None for k in FIELDS}, **given}
    spec.update(encryption_id=new_id(), created_at=iso_nozone(utcnow()), updated_at=None)
    vtype.encryption = spec
    return {**given, "volume_type_id": vtype.id, "encryption_id": spec["encryption_id"]}


async def update(s: AsyncSession, vtype: VolumeType, values: dict[str, Any]) -> None:
    if not vtype.encryption:
        raise NotFound(f"Volume type encryption for type {vtype.id} does not exist.")
    if await _in_use(s, vtype):
        raise Invalid("Cannot update encryption specs. Volume type in use.")
    vtype.encryption = {**vtype.encryption, **_clean(values), "updated_at": iso_nozone(utcnow())}


async def delete(s: AsyncSession, vtype: VolumeType) -> None:
    if await _in_use(s, vtype):
        raise Invalid("Cannot delete encryption specs. Volume type in use.")
    if not vtype.encryption:
        raise NotFound(f"Volume type encryption for type {vtype.id} does not exist.")
    vtype.encryption = None

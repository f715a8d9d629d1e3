"""resize, migrate (cold), confirmResize, revertResize and os-migrations.

resize and migrate record a Migration and ask the conductor (a bus call: Nova's
migrate_server is synchronous too) to move the allocations and schedule; no valid host
is the caller's 400, with the server as it was. The rest runs on the agents; the server
ends VERIFY_RESIZE, then confirmResize (204) or revertResize (202).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from pocketstack.common.errors import Conflict, Invalid, NotFound
from pocketstack.common.timeutils import iso_nozone
from pocketstack.compute import disk_config, states
from pocketstack.compute.api import policy
from pocketstack.compute.api.common import at_least, limit_param, service
from pocketstack.compute.conductor.moves import migration_view
from pocketstack.compute.models import ComputeNode, Flavor, Instance, Migration
from pocketstack.compute.objects import actions, flavors, quotas
from pocketstack.web.request import Request
from pocketstack.web.response import Response, empty, json_response
from pocketstack.web.validation import obj, validate

MOVABLE = (states.ACTIVE, states.STOPPED)
RESIZE = obj(
    {"flavorRef": {"type": ["string", "integer"], "minLength": 1}, disk_config.FIELD: {"enum": ["AUTO", "MANUAL"]}},
    ["flavorRef"],
)
MIGRATE = {
    "type": ["object", "null"],
    "properties": {"host": {"type": ["string", "null"]}},
    "additionalProperties": False,
}
# Time the conductor may take to move allocations and schedule.
SCHEDULE_TIMEOUT = 60.0


def _refuse(inst: Instance, action: str) -> Conflict:
    return Conflict(
        f"Cannot '{action}' instance {inst.uuid} while it is in vm_state {inst.vm_state}"
        + (f" and task_state {inst.task_state}" if inst.task_state else "")
    )


def _check_movable(inst: Instance, action: str, is_admin: bool) -> None:
    if inst.locked and not is_admin:
        raise Conflict(f"Instance {inst.uuid} is locked")
    if inst.vm_state not in MOVABLE or inst.task_state is not None or not inst.host:
        raise _refuse(inst, action)
    if any(b.get("boot_index") == 0 and b.get("destination_type") == "volume" for b in inst.block_device_mapping or []):
        # Data volumes move with the server; a volume root disk does not here.
        raise Conflict(f"Instance {inst.uuid} boots from a volume: moving it is not supported here.")


async def _start(
    request: Request,
    inst: Instance,
    kind: str,
    new_flavor: dict[str, Any],
    requested_host: str | None = None,
    auto_disk_config: bool = False,
) -> Response:
    """Record the migration and the action, set resize_prep (atomically), then schedule
    (only onto ``requested_host`` when an admin named one). As Nova's resize (which a
    cold migration is too), the server's diskConfig becomes the requested one or MANUAL."""
    ctx = request.context
    svc = service(request)
    action = "resize" if kind == "resize" else "migrate"
    async with svc.db.writer() as s:
        row = await s.scalar(select(Instance).where(Instance.uuid == inst.uuid))
        if row is None or row.deleted:
            raise NotFound(f"Instance {inst.uuid} could not be found.")
        if row.vm_state not in MOVABLE or row.task_state is not None:
            raise _refuse(row, action)
        row.task_state = states.RESIZE_PREP
        row.system_metadata = disk_config.stored(row.system_metadata, auto_disk_config)
        mig = Migration(
            instance_uuid=inst.uuid,
            migration_type=kind,
            status="pre-migrating",
            source_compute=row.host,
            source_node=row.node,
            old_flavor=dict(row.flavor),
            new_flavor=new_flavor,
            old_vm_state=row.vm_state,
            project_id=row.project_id,
            user_id=row.user_id,
        )
        s.add(mig)
        await s.flush()
        migration_uuid = mig.uuid
        actions.start_action(s, inst.uuid, action, ctx.to_dict())
    result = await svc.conductor_api.migrate_server(
        ctx,
        timeout=SCHEDULE_TIMEOUT,
        instance_uuid=inst.uuid,
        migration_uuid=migration_uuid,
        requested_host=requested_host,
    )
    if "error" in result:
        raise Invalid(str(result["error"]))
    return empty(202)


async def resize(request: Request, inst: Instance, args: Any) -> Response:
    ctx = request.context
    policy.owner(ctx, inst.project_id, "os_compute_api:servers:resize")
    data = validate(RESIZE, args)
    _check_movable(inst, "resize", ctx.is_admin)
    wanted = disk_config.requested(data)
    disk_config.check(wanted, inst.image_meta, inst.image_ref)
    flavor_id = str(data["flavorRef"]).rstrip("/").rsplit("/", 1)[-1]
    try:
        flavor = await flavors.get(service(request).db, ctx, flavor_id)
    except NotFound:
        raise Invalid(f"Unable to find flavor {flavor_id}.") from None
    if flavor.disabled:
        raise Invalid(f"Flavor {flavor_id} is disabled.")
    new = flavors.snapshot(flavor)
    old = inst.flavor or {}
    if new["flavorid"] == old.get("flavorid"):
        raise Invalid("When resizing, instances must change flavor!")
    if new["root_gb"] < int(old.get("root_gb") or 0) or new["ephemeral_gb"] < int(old.get("ephemeral_gb") or 0):
        raise Invalid("Resize error: Unable to resize disk down.")
    deltas = {
        "cores": int(new["vcpus"]) - int(old.get("vcpus") or 0),
        "ram": int(new["memory_mb"]) - int(old.get("memory_mb") or 0),
    }
    await quotas.check_upsize(service(request).db, inst.project_id, deltas)
    return await _start(request, inst, "resize", new, auto_disk_config=bool(wanted))


async def migrate(request: Request, inst: Instance, args: Any) -> Response:
    ctx = request.context
    policy.admin(ctx, "os_compute_api:os-migrate-server:migrate")
    data = validate(MIGRATE, args) or {}
    host = data.get("host")
    if host is not None and not at_least(request, 56):
        raise Invalid("Invalid input for field/attribute migrate. Additional properties are not allowed")
    _check_movable(inst, "migrate", ctx.is_admin)
    if host:
        # 2.56: a target host, which must be a compute host other than the server's own.
        async with service(request).db.reader() as s:
            known = await s.scalar(select(ComputeNode.host).where(ComputeNode.host == host).limit(1))
        if known is None:
            raise Invalid(f"Compute host {host} could not be found.")
        if host == inst.host:
            raise Invalid(f"Unable to migrate instance ({inst.uuid}) to current host ({host}).")
    return await _start(request, inst, "migration", dict(inst.flavor or {}), host or None)


async def _finishing(request: Request, inst: Instance, action: str) -> Migration:
    """The migration waiting for confirm or revert (the instance must be VERIFY_RESIZE)."""
    ctx = request.context
    if inst.locked and not ctx.is_admin:
        raise Conflict(f"Instance {inst.uuid} is locked")
    if inst.vm_state != states.RESIZED or inst.task_state is not None:
        raise _refuse(inst, action)
    async with service(request).db.reader() as s:
        found = await s.scalar(
            select(Migration)
            .where(Migration.instance_uuid == inst.uuid, Migration.status == "finished")
            .order_by(Migration.id.desc())
        )
    if found is None:
        raise NotFound(f"Migration for instance {inst.uuid} with status finished could not be found.")
    return found


async def _mark(request: Request, inst: Instance, mig: Migration, status: str, task: str | None, action: str) -> None:
    async with service(request).db.writer() as s:
        row = await s.scalar(select(Instance).where(Instance.uuid == inst.uuid))
        m = await s.scalar(select(Migration).where(Migration.uuid == mig.uuid))
        assert row is not None and m is not None
        if row.vm_state != states.RESIZED or row.task_state is not None or m.status != "finished":
            raise _refuse(row, action)
        row.task_state, m.status = task, status
        actions.start_action(s, inst.uuid, action, request.context.to_dict())


async def confirm_resize(request: Request, inst: Instance, args: Any) -> Response:
    policy.owner(request.context, inst.project_id, "os_compute_api:servers:confirm_resize")
    mig = await _finishing(request, inst, "confirmResize")
    await _mark(request, inst, mig, "confirming", states.RESIZE_CONFIRMING, "confirmResize")
    view = migration_view(mig)
    await service(request).compute_api.confirm_resize(
        request.context, str(mig.source_compute), instance_uuid=inst.uuid, migration=view
    )
    return empty(204)


async def revert_resize(request: Request, inst: Instance, args: Any) -> Response:
    policy.owner(request.context, inst.project_id, "os_compute_api:servers:revert_resize")
    mig = await _finishing(request, inst, "revertResize")
    await _mark(request, inst, mig, "reverting", states.RESIZE_REVERTING, "revertResize")
    view = migration_view(mig)
    await service(request).compute_api.revert_resize(
        request.context, str(mig.dest_compute), instance_uuid=inst.uuid, migration=view
    )
    return empty(202)


def _migration(request: Request, m: Migration, flavor_ids: dict[str, int]) -> dict[str, Any]:
    """One migration as os-migrations shows it; the flavors by their internal integer
    ids (Nova's instance_type_id), from the embedded copy or, for copies made before
    it held one, ``flavor_ids`` (None when that flavor is gone)."""
    view: dict[str, Any] = {
        "id": m.id,
        "instance_uuid": m.instance_uuid,
        "status": m.status,
        "source_compute": m.source_compute,
        "source_node": m.source_node,
        "dest_compute": m.dest_compute,
        "dest_node": m.dest_node,
        "dest_host": None,
        "old_instance_type_id": _flavor_id(m.old_flavor, flavor_ids),
        "new_instance_type_id": _flavor_id(m.new_flavor, flavor_ids),
        "created_at": iso_nozone(m.created_at),
        "updated_at": iso_nozone(m.updated_at),
    }
    if at_least(request, 23):
        view["migration_type"] = m.migration_type
    if at_least(request, 59):
        view["uuid"] = m.uuid
    if at_least(request, 80):
        view["project_id"], view["user_id"] = m.project_id, m.user_id
    return view


def _flavor_id(flavor: dict[str, Any] | None, flavor_ids: dict[str, int]) -> int | None:
    flavor = flavor or {}
    if isinstance(flavor.get("id"), int):
        return int(flavor["id"])
    return flavor_ids.get(str(flavor.get("flavorid")))


async def migrations_index(request: Request) -> Response:
    """GET /os-migrations (admin): filters host, status, instance_uuid, migration_type."""
    policy.admin(request.context, "os_compute_api:os-migrations:index")
    query = select(Migration).order_by(Migration.created_at.desc(), Migration.id.desc())
    host = request.param("host")
    if host:
        query = query.where((Migration.source_compute == host) | (Migration.dest_compute == host))
    for name, column in (
        ("status", Migration.status),
        ("instance_uuid", Migration.instance_uuid),
        ("migration_type", Migration.migration_type),
    ):
        value = request.param(name)
        if value:
            query = query.where(column == value)
    limit = limit_param(request) if at_least(request, 59) else None
    if limit is not None:
        query = query.limit(limit)
    async with service(request).db.reader() as s:
        found = list(await s.scalars(query))
        wanted = {
            str(f.get("flavorid"))
            for m in found
            for f in (m.old_flavor or {}, m.new_flavor or {})
            if not isinstance(f.get("id"), int)
        }
        flavor_ids: dict[str, int] = {}
        if wanted:
            rows = await s.execute(select(Flavor.flavorid, Flavor.id).where(Flavor.flavorid.in_(wanted)))
            flavor_ids = {flavorid: ident for flavorid, ident in rows.all()}
    return json_response({"migrations": [_migration(request, m, flavor_ids) for m in found]})

"""Servers: create (answers 202 at once; the build goes on over the bus), list, show,
update, delete (metadata and addresses are in ``server_metadata.py``)."""

from __future__ import annotations

import base64
import binascii
import json
import re
import secrets
import time
from typing import Any

from sqlalchemy import select

from pocketstack.common.errors import Conflict, Forbidden, Invalid, NotFound, Unavailable
from pocketstack.common.timeutils import parse_iso
from pocketstack.compute import disk_config, states
from pocketstack.compute.api import block_devices, policy, schemas, views
from pocketstack.compute.api.common import at_least, body, canonical_access_ips, limit_param, next_link, service
from pocketstack.compute.api.handlers import images
from pocketstack.compute.models import ComputeNode, Instance, ServerGroup
from pocketstack.compute.objects import actions, flavors, instances, keypairs, trace
from pocketstack.compute.objects.instances import BuildRequest, ListFilters
from pocketstack.compute.volume_client import VolumeClient
from pocketstack.web.request import Request
from pocketstack.web.response import Response, empty, json_response
from pocketstack.web.validation import validate


def _check_versioned_fields(request: Request, server: dict[str, Any]) -> None:
    gates = {
        "description": 19,
        "tags": 52,
        "trusted_image_certificates": 63,
        "host": 74,
        "hypervisor_hostname": 74,
        "hostname": 90,
    }
    for key, minor in gates.items():
        if key in server and not at_least(request, minor):
            raise Invalid(
                f"Invalid input for field/attribute server. Additional properties are not allowed "
                f"('{key}' was unexpected)"
            )
    if "personality" in server and at_least(request, 57):
        raise Invalid(
            "Invalid input for field/attribute server. Additional properties are not allowed "
            "('personality' was unexpected)"
        )
    if at_least(request, 37) and "networks" not in server:
        raise Invalid("Invalid input for field/attribute server: 'networks' is a required property")
    if isinstance(server.get("networks"), str) and not at_least(request, 37):
        raise Invalid("Invalid input for field/attribute networks: 'auto' and 'none' need microversion 2.37")


async def fetch_image(request: Request, image_ref: str) -> dict[str, Any]:
    """The image's details as the caller sees them (missing or unreadable: 400)."""
    try:
        return await service(request).images.get(image_ref, request.context.auth_token)
    except NotFound:
        raise Invalid(f"Image {image_ref} could not be found.") from None
    except Unavailable as exc:
        raise Invalid(f"Cannot check image {image_ref}: {exc.message}") from None


async def boot_image(
    request: Request, image_ref: str, flavor: dict[str, Any], fetched: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The image as a server boots it (checked: active, fits the flavor); its meta.
    ``fetched``: its details, when this request read them already."""
    image = fetched if fetched is not None else await fetch_image(request, image_ref)
    if image.get("status") != "active":
        raise Invalid(f"Image {image_ref} is not active.")
    if int(image.get("min_ram") or 0) > flavor["memory_mb"]:
        raise Invalid("Flavor's memory is too small for requested image.")
    min_disk = int(image.get("min_disk") or 0)
    size_gb = (int(image.get("size") or 0) + (1 << 30) - 1) >> 30
    if flavor["root_gb"] and (min_disk > flavor["root_gb"] or size_gb > flavor["root_gb"]):
        raise Invalid("Flavor's disk is too small for requested image.")
    return {
        "id": image_ref,
        "name": image.get("name"),
        "min_ram": image.get("min_ram"),
        "min_disk": image.get("min_disk"),
        "disk_format": image.get("disk_format"),
        "kernel_id": image.get("kernel_id", ""),
        "ramdisk_id": image.get("ramdisk_id", ""),
        "properties": images.properties(image),
    }


async def _networks(request: Request, server: dict[str, Any]) -> Any:
    requested = server.get("networks", "auto")
    if requested == "none":
        return "none"
    svc = service(request)
    token = request.context.auth_token
    if requested == "auto":
        return "auto"
    for item in requested:
        if not item.get("uuid") and not item.get("port"):
            raise Invalid("Invalid input for field/attribute networks: each item needs 'uuid' or 'port'")
        try:
            if item.get("port"):
                port = await svc.network.get_port(item["port"], token)
                if port.get("device_id"):
                    raise Conflict(f"Port {item['port']} is still in use.")
            else:
                await svc.network.get_network(item["uuid"], token)
        except Unavailable as exc:
            raise Invalid(f"Networks other than 'none' need the network service: {exc.message}") from None
    return requested


def _user_data(server: dict[str, Any]) -> str | None:
    raw = server.get("user_data")
    if raw is None:
        return None
    try:
        base64.b64decode(raw, validate=True)
    except (binascii.Error, ValueError):
        raise Invalid("Invalid input for field/attribute user_data: not valid base64") from None
    return str(raw)


def _image_block_devices(image_ref: str, image: dict[str, Any]) -> list[dict[str, Any]]:
    """The block_device_mapping_v2 an image carries (``bdm_v2`` and a JSON
    ``block_device_mapping``: a volume-backed server's snapshot), or [] for a plain image."""
    raw = image.get("block_device_mapping")
    if not raw or str(image.get("bdm_v2", "")).lower() not in ("true", "1", "yes"):
        return []
    try:
        items = json.loads(raw) if isinstance(raw, str) else raw
    except ValueError:
        raise Invalid(f"Image {image_ref} has an invalid block_device_mapping property.") from None
    if not isinstance(items, list):
        raise Invalid(f"Image {image_ref} has an invalid block_device_mapping property.")
    mapped = []
    for item in items:
        if not isinstance(item, dict):
            raise Invalid(f"Image {image_ref} has an invalid block_device_mapping property.")
        source = item.get("source_type")
        mapped.append(
            {
                "source_type": source,
                "destination_type": item.get("destination_type"),
                "uuid": item.get(f"{source}_id") if source in ("image", "volume", "snapshot") else None,
                "boot_index": item.get("boot_index"),
                "volume_size": item.get("volume_size"),
                "delete_on_termination": bool(item.get("delete_on_termination")),
                "device_name": item.get("device_name"),
                "volume_type": item.get("volume_type"),
                "guest_format": item.get("guest_format"),
                "tag": item.get("tag"),
            }
        )
    return mapped


async def _block_devices(request: Request, server: dict[str, Any], max_count: int) -> block_devices.BootDevices:
    raw = server.get("block_device_mapping_v2") or []
    svc = service(request)
    resolver = block_devices.Resolver(VolumeClient(svc.runtime), svc.images, request.context.auth_token, max_count)
    return await resolver.resolve(list(raw))


def _az(request: Request, server: dict[str, Any]) -> tuple[str | None, str | None, str | None]:
    """Nova's "zone", "zone:host", "zone:host:node" or "zone::node": the zone, and the
    host and node an admin forces. The admin rule applies only when a host or node is
    named ("nova:" forces nothing and anyone may send it)."""
    raw = server.get("availability_zone")
    host = node = None
    zone = raw
    if raw and ":" in raw:
        parts = raw.count(":")
        if parts == 1:
            zone, host = raw.split(":")
        elif parts == 2 and "::" in raw:
            zone, node = raw.split("::")
        elif parts == 2:
            zone, host, node = raw.split(":")
        else:
            raise Invalid("Invalid input: Unable to parse availability_zone")
    if host or node:
        policy.admin(request.context, "os_compute_api:servers:create:forced_host")
    return zone or None, host or None, node or None


async def _requested_destination(
    request: Request, server: dict[str, Any], forced: tuple[str | None, str | None]
) -> tuple[str | None, str | None]:
    """2.74's host / hypervisor_hostname (admins only, and only when given), checked
    against the compute nodes there are; else the forced host and node of the zone."""
    host, node = server.get("host"), server.get("hypervisor_hostname")
    if not host and not node:
        return forced
    policy.admin(request.context, "compute:servers:create:requested_destination")
    async with service(request).db.reader() as s:
        nodes = (await s.execute(select(ComputeNode.host, ComputeNode.hypervisor_hostname))).all()
    if host and not any(n.host == host for n in nodes):
        raise Invalid(f"Compute host {host} could not be found.")
    if node and not any(n.hypervisor_hostname == node and (not host or n.host == host) for n in nodes):
        raise Invalid(f"Compute host {host or node} could not be found.")
    return host, node


async def create(request: Request) -> Response:
    ctx = request.context
    svc = service(request)
    policy.member(ctx, "os_compute_api:servers:create")
    data = validate(schemas.SERVER_CREATE, await body(request))
    server = canonical_access_ips(data["server"])
    _check_versioned_fields(request, server)
    hints = data.get("os:scheduler_hints") or data.get("OS-SCH-HNT:scheduler_hints") or {}
    try:
        flavor = await flavors.get(svc.db, ctx, str(server["flavorRef"]).rstrip("/").rsplit("/", 1)[-1], cached=True)
    except NotFound:
        raise Invalid(f"Flavor {server['flavorRef']} could not be found.") from None
    if flavor.disabled:
        raise Invalid(f"Flavor {flavor.flavorid} is disabled.")
    snap = flavors.snapshot(flavor)
    image_ref = str(server.get("imageRef") or "").rstrip("/").rsplit("/", 1)[-1]
    key_data = None
    if server.get("key_name"):
        try:
            key_data = (await keypairs.get(svc.db, ctx.user_id or "", server["key_name"])).public_key
        except NotFound:
            raise Invalid(f"Invalid key_name provided: {server['key_name']}") from None
    min_count = int(server.get("min_count", 1))
    max_count = int(server.get("max_count", min_count))
    fetched: dict[str, Any] | None = None
    if image_ref and not server.get("block_device_mapping_v2"):
        fetched = await fetch_image(request, image_ref)
        mapped = _image_block_devices(image_ref, fetched)
        if mapped:
            # The image of a volume-backed server's snapshot: its volumes come back from
            # the snapshots it maps (Nova boots such an image the same way).
            server = {**server, "block_device_mapping_v2": mapped}
            image_ref = ""
    devices = await _block_devices(request, server, max_count)
    if devices.boot_volume is not None:
        # The root disk is a volume: no local image; what it boots is the volume's image.
        image_ref, image_meta = "", devices.volume_image_meta
        if int(image_meta.get("min_ram") or 0) > snap["memory_mb"]:
            raise Invalid("Flavor's memory is too small for requested image.")
    else:
        image_ref = image_ref or devices.image_ref
        image_meta = await boot_image(request, image_ref, snap, fetched) if image_ref else {}
    if not image_ref and devices.boot_volume is None:
        raise Invalid("Missing imageRef attribute")
    group_uuid = hints.get("group")
    if group_uuid:
        async with svc.db.reader() as s:
            group = await s.scalar(select(ServerGroup).where(ServerGroup.uuid == group_uuid))
        if group is None or (group.project_id != ctx.project_id and not ctx.is_admin):
            raise Invalid(f"Invalid scheduler hint: server group {group_uuid} not found")
    if min_count > max_count:
        raise Invalid("min_count must be <= max_count")
    metadata_limit = (await svc.quota_limits(ctx.project_id or ""))["metadata_items"]
    if 0 <= metadata_limit < len(server.get("metadata") or {}):
        raise Forbidden(f"Quota exceeded for metadata_items: at most {metadata_limit} items")
    groups = list(dict.fromkeys(g["name"] for g in server.get("security_groups") or [])) or ["default"]
    if groups != ["default"] and server.get("networks") != "none":
        # Checked here so a missing group is the caller's 400, not a failed build; the
        # agent resolves them again (ids) for the ports it makes.
        await svc.network.security_group_ids(str(ctx.project_id), groups, ctx.auth_token)
    zone, forced_host, forced_node = _az(request, server)
    requested_host, requested_node = await _requested_destination(request, server, (forced_host, forced_node))
    req = BuildRequest(
        name=server["name"],
        flavor=snap,
        image_ref=image_ref,
        image_meta=image_meta,
        requested_networks=await _networks(request, server),
        min_count=min_count,
        max_count=max_count,
        key_name=server.get("key_name"),
        key_data=key_data,
        user_data=_user_data(server),
        metadata=server.get("metadata") or {},
        tags=server.get("tags") or [],
        description=server.get("description"),
        availability_zone=zone,
        config_drive=str(server.get("config_drive", "")).lower() in ("true", "1", "yes"),
        security_groups=groups,
        block_device_mapping=devices.mappings,
        scheduler_hints=hints,
        group_uuid=group_uuid,
        hostname=server.get("hostname"),
        access_ip_v4=server.get("accessIPv4"),
        access_ip_v6=server.get("accessIPv6"),
        auto_disk_config=disk_config.for_create(disk_config.requested(server), image_meta, image_ref),
        requested_host=requested_host,
        requested_node=requested_node,
    )
    started = time.time()
    created = await instances.create(svc.db, ctx, req)
    await svc.launch(ctx, created, req, started)
    if str(server.get("return_reservation_id", "false")).lower() == "true":
        return json_response({"reservation_id": created[0].reservation_id}, 202)
    first = created[0]
    result = {
        "id": first.uuid,
        "links": views.summary(request, first)["links"],
        "OS-DCF:diskConfig": "AUTO" if req.auto_disk_config else "MANUAL",
        "security_groups": [{"name": n} for n in req.security_groups],
        "adminPass": server.get("adminPass") or secrets.token_urlsafe(9),
    }
    return json_response({"server": result}, 202, headers=[("location", result["links"][0]["href"])])


def _strict_bool(name: str, raw: str) -> bool:
    if raw.lower() in ("1", "t", "true", "on", "y", "yes"):
        return True
    if raw.lower() in ("0", "f", "false", "off", "n", "no"):
        return False
    raise Invalid(f"Invalid input for query parameter {name}: {raw!r} is not a boolean")


def _filters(request: Request) -> ListFilters:
    ctx = request.context
    # Nova's is_all_tenants: present and empty means yes; otherwise a strict boolean.
    raw = request.param("all_tenants")
    all_tenants = raw is not None and (raw == "" or _strict_bool("all_tenants", raw))
    if all_tenants:
        policy.admin(ctx, "os_compute_api:servers:index:get_all_tenants")
    # A project filter counts only with all_tenants (Nova ignores it otherwise).
    project = (request.param("project_id") or request.param("tenant_id")) if all_tenants else None
    project_id = project or (None if all_tenants else ctx.project_id or "")
    statuses = request.params("status")
    for st in statuses:
        if st.upper() not in states.STATUS_FILTERS:
            if at_least(request, 38):
                raise Invalid(f"Invalid status value {st!r}")
    f = ListFilters(
        project_id=project_id,
        name=request.param("name"),
        status=statuses,
        image=request.param("image"),
        flavor=request.param("flavor"),
        limit=limit_param(request),
        marker=request.param("marker"),
        reservation_id=request.param("reservation_id"),
        availability_zone=request.param("availability_zone"),
        sort_key=request.param("sort_key") or "created_at",
        sort_dir=request.param("sort_dir") or "desc",
    )
    # An admin-only filter: Nova drops it from a member's query instead of refusing it.
    if request.param("host") is not None and ctx.is_admin:
        f.host = request.param("host")
    for name, attr in (("changes-since", "changes_since"), ("changes-before", "changes_before")):
        raw = request.param(name)
        if raw is not None:
            if attr == "changes_before" and not at_least(request, 66):
                continue
            try:
                setattr(f, attr, parse_iso(raw))
            except ValueError:
                raise Invalid(f"Invalid input for query parameter {name}: {raw!r} is not an ISO 8601 time") from None
    for name in ("ip", "ip6"):
        raw = request.param(name)
        if raw and (name == "ip" or at_least(request, 5) or ctx.is_admin):  # ip6: anyone from 2.5
            try:
                re.compile(raw)
            except re.error:
                raise Invalid(f"Invalid regular expression for {name}: {raw!r}") from None
            setattr(f, name, raw)
    if request.param("deleted") is not None and ctx.is_admin:
        f.deleted = (request.param("deleted") or "").lower() in ("true", "1", "yes")
    if at_least(request, 26):
        f.tags = [t for t in (request.param("tags") or "").split(",") if t]
        f.tags_any = [t for t in (request.param("tags-any") or "").split(",") if t]
        f.not_tags = [t for t in (request.param("not-tags") or "").split(",") if t]
    return f


async def _list(request: Request, detail: bool) -> Response:
    policy.reader(request.context, "os_compute_api:servers:index")
    svc = service(request)
    f = _filters(request)
    found = await instances.list_instances(svc.db, f)
    if detail:
        failed = [i.uuid for i in found if i.vm_state in (states.ERROR, states.DELETED)]
        faults = {}
        if failed:
            async with svc.db.reader() as s:
                faults = await actions.latest_faults(s, failed)
        up = await svc.hosts_up() if request.context.is_admin and at_least(request, 16) else {}
        servers = [views.detail(request, i, fault=faults.get(i.uuid), host_up=up.get(i.host or "")) for i in found]
    else:
        servers = [views.summary(request, i) for i in found]
    result: dict[str, Any] = {"servers": servers}
    if f.limit and len(found) == f.limit:
        result["servers_links"] = next_link(request, "servers/detail" if detail else "servers", found[-1].uuid)
    return json_response(result)


async def index(request: Request) -> Response:
    return await _list(request, False)


async def detail(request: Request) -> Response:
    return await _list(request, True)


async def show_view(request: Request, inst: views.InstanceLike) -> dict[str, Any]:
    svc = service(request)
    fault = None
    if inst.vm_state in (states.ERROR, states.DELETED):  # the only states that show a fault
        async with svc.db.reader() as s:
            fault = await actions.latest_fault(s, inst.uuid)
    up = await svc.hosts_up() if request.context.is_admin and at_least(request, 16) else {}
    groups = [inst.server_group_id] if inst.server_group_id else []
    return views.detail(request, inst, fault=fault, host_up=up.get(inst.host or ""), groups=groups)


async def show(request: Request) -> Response:
    policy.reader(request.context, "os_compute_api:servers:show")
    inst = await instances.get_row(service(request).db, request.context, request.path_params["server_id"])
    return json_response({"server": await show_view(request, inst)})


async def update(request: Request) -> Response:
    ctx = request.context
    svc = service(request)
    inst = await instances.get(svc.db, ctx, request.path_params["server_id"])
    policy.owner(ctx, inst.project_id, "os_compute_api:servers:update")
    data = canonical_access_ips(validate(schemas.SERVER_UPDATE, await body(request))["server"])
    if "description" in data and not at_least(request, 19):
        raise Invalid(
            "Invalid input for field/attribute server. Additional properties are not allowed "
            "('description' was unexpected)"
        )
    columns = {
        "name": "name",
        "description": "description",
        "accessIPv4": "access_ip_v4",
        "accessIPv6": "access_ip_v6",
        "hostname": "hostname",
    }
    async with svc.db.writer() as s:
        row = await s.scalar(select(Instance).where(Instance.uuid == inst.uuid))
        assert row is not None
        for key, column in columns.items():
            if key in data:
                setattr(row, column, data[key])
        wanted = disk_config.requested(data)
        if wanted is not None:
            row.system_metadata = disk_config.stored(row.system_metadata, wanted)
    inst = await instances.get(svc.db, ctx, inst.uuid)
    return json_response({"server": views.changed(request, inst, await show_view(request, inst))})


async def delete(request: Request) -> Response:
    ctx = request.context
    svc = service(request)
    inst = await instances.get(svc.db, ctx, request.path_params["server_id"])
    policy.owner(ctx, inst.project_id, "os_compute_api:servers:delete")
    if inst.locked and not ctx.is_admin:
        raise Conflict(f"Instance {inst.uuid} is locked")
    await svc.delete_instance(ctx, inst)
    return empty(204)


async def trace_index(request: Request) -> Response:
    """pocketstack's own extension: the spans of the server's launch (admins)."""
    policy.admin(request.context, "pocketstack:servers:trace")
    svc = service(request)
    inst = await instances.get(svc.db, request.context, request.path_params["server_id"], allow_deleted=True)
    return json_response({"spans": await trace.load(svc.db, inst.uuid)})

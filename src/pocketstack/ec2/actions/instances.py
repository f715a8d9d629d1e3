"""Instances: Nova's servers. RunInstances, DescribeInstances (grouped in reservations),
Start/Stop/Reboot/TerminateInstances, GetConsoleOutput, DescribeInstanceStatus,
CreateImage (the view is in ``instance_views.py``, the attribute actions in
``instance_attributes.py``).

An instance's ``Name`` tag is the server's name, its other tags the server's metadata.
Terminated instances stay visible for an hour (Nova's deleted servers through
``changes-since``), so waiters for ``terminated`` see them end.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import datetime as dt
from typing import Any

from pocketstack.client import ApiError
from pocketstack.ec2.actions.common import (
    matches,
    not_found,
    page,
    requested_tags,
    timestamp,
    uuid_of,
)
from pocketstack.ec2.actions.instance_views import (
    PENDING,
    ROOT_DEVICES,
    RUNNING,
    SHUTTING_DOWN,
    STOPPED,
    STOPPING,
    TERMINATED,
    TERMINATED_SHOWN,
    Context,
    reservations,
    state_item,
    state_of,
    tags_of,
)
from pocketstack.ec2.actions.vpcs import default_vpc
from pocketstack.ec2.call import Call, api_error
from pocketstack.ec2.errors import Ec2Error


def _own(call: Call, server: dict[str, Any]) -> bool:
    """EC2 shows an account its own instances only: an admin's key too (Nova would show
    an admin any project's server by its id)."""
    return str(server.get("tenant_id")) == call.project_id


async def owned_server(call: Call, ident: str) -> dict[str, Any]:
    """The caller's server behind an instance id, or InvalidInstanceID.NotFound."""
    uuid = await uuid_of(call, "server", ident)
    try:
        server = await call.api.compute.server(uuid)
    except ApiError as exc:
        raise api_error(exc, not_found("server", ident)) from None
    if not _own(call, server):
        raise not_found("server", ident)
    return server


async def _servers(call: Call, uuids: list[str] | None) -> list[dict[str, Any]]:
    """The caller's servers (those named, else all) and those terminated in the last hour."""
    since = (dt.datetime.now(dt.UTC) - TERMINATED_SHOWN).strftime("%Y-%m-%dT%H:%M:%SZ")
    if uuids is not None:
        found: dict[str, dict[str, Any]] = {}

        async def one(uuid: str) -> None:
            try:
                found[uuid] = await call.api.compute.server(uuid)
            except ApiError as exc:
                if exc.status != 404:
                    raise

        await asyncio.gather(*(one(u) for u in uuids))
        if len(found) < len(uuids):
            for server in await call.api.compute.servers(**{"changes-since": since, "status": "DELETED"}):
                if str(server["id"]) in uuids:
                    found.setdefault(str(server["id"]), server)
        return [found[u] for u in uuids if u in found and _own(call, found[u])]
    live, gone = await asyncio.gather(
        call.api.compute.servers(), call.api.compute.servers(**{"changes-since": since, "status": "DELETED"})
    )
    seen = {str(s["id"]) for s in live}
    everything = [s for s in live + [s for s in gone if str(s["id"]) not in seen] if _own(call, s)]
    return sorted(everything, key=lambda s: (str(s.get("created")), str(s["id"])))


async def _uuids(call: Call, name: str = "InstanceId", required: bool = False) -> dict[str, str]:
    """EC2 id -> server UUID for ``name.N``."""
    idents = call.params.strings(name)
    if required and not idents:
        raise Ec2Error("MissingParameter", f"The request must contain the parameter {name}")
    return {ident: await uuid_of(call, "server", ident) for ident in idents}


async def describe_instances(call: Call) -> dict[str, Any]:
    wanted = await _uuids(call)
    servers = await _servers(call, list(wanted.values()) if wanted else None)
    if wanted:
        present = {str(s["id"]) for s in servers}
        missing = [ident for ident, uuid in wanted.items() if uuid not in present]
        if missing:
            raise not_found("server", ", ".join(missing))
    ctx = Context(call)
    await ctx.load(servers)
    filters = call.params.filters()
    chosen, items = [], []
    for server in servers:
        item = ctx.render(server)
        if matches(filters, ctx.values(server, item), tags_of(item)):
            chosen.append(server)
            items.append(item)
    shown, token = page(call, list(zip(chosen, items, strict=True)))
    return {"reservationSet": reservations(ctx, [s for s, _ in shown], [i for _, i in shown]), "nextToken": token}


async def flavor_id(call: Call, name: str) -> str:
    flavors = await call.api.compute.flavors()
    for candidate in (name, f"m1.{name}"):
        for flavor in flavors:
            if flavor.get("name") == candidate:
                return str(flavor["id"])
    raise Ec2Error("InvalidParameterValue", f"Invalid value '{name}' for InstanceType.")


async def _block_devices(call: Call) -> list[dict[str, Any]]:
    """``BlockDeviceMapping.N``: EBS volumes as Nova's block_device_mapping_v2 (new blank
    volumes, or from a snapshot), deleted with the instance unless told otherwise.
    ``NoDevice`` and ephemeral (``VirtualName``) entries ask for nothing here."""
    out: list[dict[str, Any]] = []
    root: dict[str, Any] | None = None
    image = await uuid_of(call, "image", call.params.require("ImageId"), ("ami",))
    for item in call.params.structs("BlockDeviceMapping"):
        device = item.get("DeviceName") or ""
        if item.get("NoDevice") is not None or item.get("VirtualName"):
            continue
        size = item.int("Ebs.VolumeSize", None, minimum=1, maximum=16384)
        snapshot = item.get("Ebs.SnapshotId")
        if device in ROOT_DEVICES:
            if size is None or snapshot:
                raise Ec2Error("InvalidBlockDeviceMapping", "The root device takes an Ebs.VolumeSize (of the image).")
            # An EBS root of that size: Nova boots from a volume made from the image.
            root = {
                "source_type": "image",
                "destination_type": "volume",
                "boot_index": 0,
                "uuid": image,
                "volume_size": size,
                "delete_on_termination": item.bool("Ebs.DeleteOnTermination", True),
            }
            continue
        if size is None and not snapshot:
            raise Ec2Error("MissingParameter", f"The request must contain the parameter {item.prefix}Ebs.VolumeSize")
        mapping: dict[str, Any] = {
            "destination_type": "volume",
            "delete_on_termination": item.bool("Ebs.DeleteOnTermination", True),
            "boot_index": -1,
        }
        if device:
            mapping["device_name"] = device
        if snapshot:
            mapping.update(source_type="snapshot", uuid=await uuid_of(call, "snapshot", snapshot))
        else:
            mapping["source_type"] = "blank"
        if size is not None:
            mapping["volume_size"] = size
        out.append(mapping)
    if root is not None:
        out.insert(0, root)
    elif out:
        # Nova wants the image as a mapping too once others are given.
        out.insert(
            0,
            {
                "source_type": "image",
                "destination_type": "local",
                "boot_index": 0,
                "uuid": image,
                "delete_on_termination": True,
            },
        )
    return out


async def _group_names(call: Call) -> list[str]:
    names = list(call.params.strings("SecurityGroup"))
    for ident in call.params.strings("SecurityGroupId"):
        uuid = await uuid_of(call, "security_group", ident)
        found = await call.api.network.security_groups(id=uuid, project_id=call.project_id)
        if not found:
            raise not_found("security_group", ident)
        names.append(str(found[0]["name"]))
    if names:
        have = {str(g["name"]) for g in await call.api.network.security_groups(project_id=call.project_id)}
        for name in names:
            if name not in have:
                raise Ec2Error("InvalidGroup.NotFound", f"The security group '{name}' does not exist")
    return names


async def run_instances(call: Call) -> dict[str, Any]:
    p = call.params
    image_ident = p.require("ImageId")
    image_uuid = await uuid_of(call, "image", image_ident, ("ami",))
    low = p.int("MinCount", minimum=1, maximum=1000)
    high = p.int("MaxCount", minimum=1, maximum=1000)
    if low is None:
        raise Ec2Error("MissingParameter", "The request must contain the parameter MinCount")
    if high is None:
        raise Ec2Error("MissingParameter", "The request must contain the parameter MaxCount")
    if low > high:
        raise Ec2Error("InvalidParameterValue", f"MinCount ({low}) may not be larger than MaxCount ({high})")
    flavor = await flavor_id(call, p.get("InstanceType") or "m1.small")
    key = p.get("KeyName")
    if key and key not in {k["name"] for k in await call.api.compute.keypairs()}:
        raise Ec2Error("InvalidKeyPair.NotFound", f"The key pair '{key}' does not exist")
    tags = requested_tags(call, "instance")
    server: dict[str, Any] = {
        "name": tags.pop("Name", "") or "ec2-instance",
        "imageRef": image_uuid,
        "flavorRef": flavor,
        "min_count": low,
        "max_count": high,
        "return_reservation_id": True,
    }
    if tags:
        server["metadata"] = tags
    if key:
        server["key_name"] = key
    groups = await _group_names(call)
    if groups:
        server["security_groups"] = [{"name": n} for n in groups]
    user_data = p.get("UserData")
    if user_data:
        try:
            base64.b64decode(user_data, validate=True)
        except binascii.Error:
            user_data = base64.b64encode(user_data.encode()).decode()
        server["user_data"] = user_data
    mappings = await _block_devices(call)
    if mappings:
        server["block_device_mapping_v2"] = mappings
        if mappings[0]["destination_type"] == "volume":
            server["imageRef"] = ""  # booted from the volume made of it
    zone = p.get("Placement.AvailabilityZone")
    if zone:
        server["availability_zone"] = zone
    subnet = p.get("SubnetId")
    if subnet:
        subnet_uuid = await uuid_of(call, "subnet", subnet)
        found = await call.api.network.subnets(id=subnet_uuid)
        if not found:
            raise not_found("subnet", subnet)
        server["networks"] = [{"uuid": str(found[0]["network_id"])}]
    else:
        server["networks"] = [{"uuid": await default_vpc(call)}]
    try:
        answer = await call.api.compute.request("POST", "/servers", json={"server": server})
    except ApiError as exc:
        if exc.status == 403 and "quota" in exc.message.lower():
            raise Ec2Error("InstanceLimitExceeded", exc.message) from None
        if exc.status == 400 and "image" in exc.message.lower():
            raise Ec2Error("InvalidAMIID.Unavailable", exc.message) from None
        raise api_error(exc) from None
    reservation = str(answer["reservation_id"])
    servers = await call.api.compute.servers(reservation_id=reservation)
    servers.sort(key=lambda s: (str(s.get("created")), str(s["id"])))
    ctx = Context(call)
    await ctx.load(servers)
    await call.ids.set_reservation([str(s["id"]) for s in servers], reservation)
    ctx.reservations.update({str(s["id"]): reservation for s in servers})
    items = [ctx.render(s) for s in servers]
    grouped = reservations(ctx, servers, items)
    if not grouped:
        return {"reservationId": reservation, "ownerId": call.project_id, "groupSet": [], "instancesSet": []}
    return grouped[0]


async def _changes(call: Call, name: str, act: Any) -> dict[str, Any]:
    wanted = await _uuids(call, required=True)
    servers = {str(s["id"]): s for s in await _servers(call, list(wanted.values()))}
    missing = [ident for ident, uuid in wanted.items() if uuid not in servers]
    if missing:
        raise not_found("server", ", ".join(missing))
    out = []
    for ident, uuid in wanted.items():
        before = state_of(servers[uuid])
        after = await act(uuid, before)
        out.append({"instanceId": ident, "currentState": state_item(after), "previousState": state_item(before)})
    return {name: out}


async def _action(call: Call, uuid: str, name: str) -> None:
    try:
        await call.api.compute.simple_action(uuid, name)
    except ApiError as exc:
        if exc.status == 409:
            raise Ec2Error("IncorrectInstanceState", exc.message) from None
        raise api_error(exc) from None


async def stop_instances(call: Call) -> dict[str, Any]:
    async def stop(uuid: str, before: tuple[int, str]) -> tuple[int, str]:
        if before in (STOPPED, STOPPING):
            return before
        if before != RUNNING:
            raise Ec2Error(
                "IncorrectInstanceState", f"The instance is not in a state from which it can be stopped ({before[1]})."
            )
        await _action(call, uuid, "stop")
        return STOPPING

    return await _changes(call, "instancesSet", stop)


async def start_instances(call: Call) -> dict[str, Any]:
    async def start(uuid: str, before: tuple[int, str]) -> tuple[int, str]:
        if before in (RUNNING, PENDING):
            return before
        if before != STOPPED:
            raise Ec2Error(
                "IncorrectInstanceState", f"The instance is not in a state from which it can be started ({before[1]})."
            )
        await _action(call, uuid, "start")
        return PENDING

    return await _changes(call, "instancesSet", start)


async def terminate_instances(call: Call) -> dict[str, Any]:
    async def terminate(uuid: str, before: tuple[int, str]) -> tuple[int, str]:
        if before == TERMINATED:
            return before
        try:
            await call.api.compute.delete_server(uuid)
        except ApiError as exc:
            if exc.status != 404:
                raise api_error(exc) from None
        return SHUTTING_DOWN

    return await _changes(call, "instancesSet", terminate)


async def reboot_instances(call: Call) -> dict[str, Any]:
    async def reboot(uuid: str, before: tuple[int, str]) -> tuple[int, str]:
        if before == RUNNING:
            await _action(call, uuid, "reboot")
        elif before != TERMINATED:
            raise Ec2Error("IncorrectInstanceState", f"The instance is not running ({before[1]}).")
        return before

    await _changes(call, "instancesSet", reboot)
    return {"return": True}


async def get_console_output(call: Call) -> dict[str, Any]:
    ident = call.params.require("InstanceId")
    uuid = str((await owned_server(call, ident))["id"])
    try:
        text = await call.api.compute.console_output(uuid)
    except ApiError as exc:
        if exc.status == 404:
            raise not_found("server", ident) from None
        if exc.status == 409:
            text = ""
        else:
            raise api_error(exc) from None
    return {
        "instanceId": ident,
        "timestamp": timestamp(dt.datetime.now(dt.UTC).replace(tzinfo=None).isoformat()),
        "output": base64.b64encode(text.encode()).decode(),
    }


async def describe_instance_status(call: Call) -> dict[str, Any]:
    wanted = await _uuids(call)
    servers = await _servers(call, list(wanted.values()) if wanted else None)
    if wanted:
        present = {str(s["id"]) for s in servers}
        missing = [ident for ident, uuid in wanted.items() if uuid not in present]
        if missing:
            raise not_found("server", ", ".join(missing))
    every = call.params.bool("IncludeAllInstances")
    ctx = Context(call)
    ctx.instance_ids = await call.ids.ec2_ids("server", "i", [str(s["id"]) for s in servers])
    out = []
    for server in servers:
        state = state_of(server)
        if state != RUNNING and not every:
            continue
        ok = "ok" if state == RUNNING else "not-applicable"
        out.append(
            {
                "instanceId": ctx.instance_ids[str(server["id"])],
                "availabilityZone": server.get("OS-EXT-AZ:availability_zone") or "",
                "instanceState": state_item(state),
                "systemStatus": {"status": ok, "details": [{"name": "reachability", "status": "passed"}]},
                "instanceStatus": {"status": ok, "details": [{"name": "reachability", "status": "passed"}]},
            }
        )
    shown, token = page(call, out)
    return {"instanceStatusSet": shown, "nextToken": token}


async def create_image(call: Call) -> dict[str, Any]:
    ident = call.params.require("InstanceId")
    name = call.params.require("Name")
    server = await owned_server(call, ident)
    try:
        image_id = await call.api.compute.snapshot(str(server["id"]), name)
    except ApiError as exc:
        if exc.status == 409:
            raise Ec2Error("IncorrectInstanceState", exc.message) from None
        raise api_error(exc) from None
    return {"imageId": await call.ids.ec2_id("image", "ami", image_id)}

"""Instances: Nova's servers. RunInstances, DescribeInstances (grouped in reservations),
Start/Stop/Reboot/TerminateInstances, GetConsoleOutput, DescribeInstanceStatus,
DescribeInstanceAttribute.

An instance's ``Name`` tag is the server's name, its other tags the server's metadata.
Terminated instances stay visible for an hour (Nova's deleted servers through
``changes-since``), so waiters for ``terminated`` see them end.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import datetime as dt
import ipaddress
from typing import Any

from pocketstack.client import ApiError, ComputeClient
from pocketstack.ec2.actions.common import (
    matches,
    not_found,
    page,
    requested_tags,
    tag_set,
    timestamp,
    uuid_of,
)
from pocketstack.ec2.actions.vpcs import default_vpc
from pocketstack.ec2.call import Call, api_error
from pocketstack.ec2.errors import Ec2Error

ROOT_DEVICES = frozenset({"/dev/vda", "/dev/sda", "/dev/sda1", "/dev/xvda"})
PENDING, RUNNING, SHUTTING_DOWN, TERMINATED, STOPPING, STOPPED = (
    (0, "pending"),
    (16, "running"),
    (32, "shutting-down"),
    (48, "terminated"),
    (64, "stopping"),
    (80, "stopped"),
)
# How long a terminated instance stays in DescribeInstances (AWS: about an hour).
TERMINATED_SHOWN = dt.timedelta(hours=1)


def state_of(server: dict[str, Any]) -> tuple[int, str]:
    status = str(server.get("status") or "")
    task = server.get("OS-EXT-STS:task_state")
    if status in ("DELETED", "SOFT_DELETED"):
        return TERMINATED
    if task == "deleting":
        return SHUTTING_DOWN
    if status == "BUILD":
        return PENDING
    if status in ("RESIZE", "VERIFY_RESIZE", "REVERT_RESIZE", "MIGRATING"):
        # A resize keeps the power state: a stopped instance changing type stays stopped.
        return RUNNING if server.get("OS-EXT-STS:power_state") == 1 else STOPPED
    if status in ("ACTIVE", "REBOOT", "HARD_REBOOT", "PASSWORD", "RESCUE"):
        return STOPPING if task in ("powering-off", "shelving") else RUNNING
    if status == "SHUTOFF":
        return PENDING if task == "powering-on" else STOPPED
    if status == "ERROR":
        # A launch that failed ends terminated, as in EC2 (its stateReason says why); a
        # server that ran before its error is shown stopped.
        return STOPPED if server.get("OS-SRV-USG:launched_at") else TERMINATED
    if status in ("PAUSED", "SUSPENDED", "SHELVED", "SHELVED_OFFLOADED"):
        return STOPPED
    return PENDING


def _state(code_name: tuple[int, str]) -> dict[str, Any]:
    return {"code": code_name[0], "name": code_name[1]}


def _addresses(server: dict[str, Any]) -> tuple[str | None, str | None]:
    """(first fixed IPv4, first floating IPv4)."""
    fixed = floating = None
    for entries in (server.get("addresses") or {}).values():
        for entry in entries:
            if entry.get("version") != 4:
                continue
            if entry.get("OS-EXT-IPS:type") == "floating":
                floating = floating or entry.get("addr")
            else:
                fixed = fixed or entry.get("addr")
    return fixed, floating


class Context:
    """What rendering many instances needs once: group ids, image ids, reservations."""

    def __init__(self, call: Call) -> None:
        self.call = call
        self.groups: dict[str, str] = {}
        self.images: dict[str, str] = {}
        self.reservations: dict[str, str] = {}
        self.instance_ids: dict[str, str] = {}
        # network name -> [(network id, [(subnet id, IPv4 network)])], for vpcId/subnetId.
        self.networks: dict[str, list[tuple[str, list[tuple[str, ipaddress.IPv4Network]]]]] = {}
        self.vpc_ids: dict[str, str] = {}
        self.volume_ids: dict[str, str] = {}
        self.subnet_ids: dict[str, str] = {}

    async def load(self, servers: list[dict[str, Any]]) -> None:
        call = self.call
        uuids = [str(s["id"]) for s in servers]
        self.instance_ids = await call.ids.ec2_ids("server", "i", uuids)
        self.reservations = await call.ids.reservations(uuids)
        image_uuids = sorted({str(s["image"]["id"]) for s in servers if isinstance(s.get("image"), dict)})
        if image_uuids:
            self.images = await call.ids.ec2_ids("image", "ami", image_uuids)
        attached = sorted({str(v["id"]) for s in servers for v in s.get("os-extended-volumes:volumes_attached") or []})
        if attached:
            self.volume_ids = await call.ids.ec2_ids("volume", "vol", attached)
        if any(s.get("addresses") for s in servers):
            nets, subnets = await asyncio.gather(call.api.network.networks(), call.api.network.subnets(ip_version=4))
            by_net: dict[str, list[tuple[str, ipaddress.IPv4Network]]] = {}
            for sub in subnets:
                with contextlib.suppress(ValueError):
                    by_net.setdefault(str(sub["network_id"]), []).append(
                        (str(sub["id"]), ipaddress.IPv4Network(str(sub["cidr"])))
                    )
            for net in nets:
                self.networks.setdefault(str(net.get("name") or ""), []).append(
                    (str(net["id"]), by_net.get(str(net["id"]), []))
                )
            self.vpc_ids = await call.ids.ec2_ids("network", "vpc", [str(n["id"]) for n in nets])
            self.subnet_ids = await call.ids.ec2_ids("subnet", "subnet", [str(s["id"]) for s in subnets])
        if any(s.get("security_groups") for s in servers):
            groups = await call.api.network.security_groups(project_id=call.project_id)
            ids = await call.ids.ec2_ids("security_group", "sg", [str(g["id"]) for g in groups])
            self.groups = {str(g["name"]): ids[str(g["id"])] for g in groups}

    def placement(self, server: dict[str, Any]) -> tuple[str | None, str | None]:
        """(vpc id, subnet id) of the server's first fixed IPv4 address: its network by
        the name ``addresses`` is keyed by, its subnet by the address."""
        for name, entries in (server.get("addresses") or {}).items():
            for entry in entries:
                if entry.get("version") != 4 or entry.get("OS-EXT-IPS:type") == "floating":
                    continue
                try:
                    address = ipaddress.IPv4Address(str(entry.get("addr")))
                except ValueError:
                    continue
                for net_id, subnets in self.networks.get(name, []):
                    for subnet_id, cidr in subnets:
                        if address in cidr:
                            return self.vpc_ids.get(net_id), self.subnet_ids.get(subnet_id)
        return None, None

    def render(self, server: dict[str, Any]) -> dict[str, Any]:
        uuid = str(server["id"])
        vpc, subnet = self.placement(server)
        fixed, floating = _addresses(server)
        image = server.get("image")
        flavor = server.get("flavor") or {}
        state = state_of(server)
        metadata = {str(k): str(v) for k, v in (server.get("metadata") or {}).items()}
        tags = {**metadata, "Name": str(server.get("name") or "")}
        volumes = server.get("os-extended-volumes:volumes_attached") or []
        item: dict[str, Any] = {
            "instanceId": self.instance_ids[uuid],
            "imageId": self.images.get(str(image["id"])) if isinstance(image, dict) else None,
            "instanceState": _state(state),
            "privateDnsName": "",
            "dnsName": "",
            "reason": "",
            "keyName": server.get("key_name"),
            "amiLaunchIndex": 0,
            "productCodes": [],
            "instanceType": flavor.get("original_name") or flavor.get("id"),
            "launchTime": timestamp(server.get("OS-SRV-USG:launched_at") or server.get("created")),
            "placement": {"availabilityZone": server.get("OS-EXT-AZ:availability_zone") or "", "tenancy": "default"},
            "monitoring": {"state": "disabled"},
            "subnetId": subnet,
            "vpcId": vpc,
            "privateIpAddress": fixed,
            "ipAddress": floating,
            "groupSet": [
                {"groupId": self.groups.get(str(g.get("name")), ""), "groupName": g.get("name")}
                for g in server.get("security_groups") or []
            ],
            "architecture": "x86_64",
            "rootDeviceType": "instance-store" if image else "ebs",
            "rootDeviceName": "/dev/vda",
            "blockDeviceMapping": [
                {
                    "deviceName": "",
                    "ebs": {
                        "volumeId": self.volume_ids.get(str(v.get("id"))),
                        "status": "attached",
                        "deleteOnTermination": bool(v.get("delete_on_termination")),
                    },
                }
                for v in volumes
            ],
            "virtualizationType": "hvm",
            "clientToken": "",
            "tagSet": tag_set({k: v for k, v in tags.items() if v or k != "Name"}),
            "hypervisor": "xen",
        }
        fault = server.get("fault")
        if server.get("status") == "ERROR":
            message = (fault or {}).get("message") or "The instance failed to build."
            item["stateReason"] = {"code": "Server.InternalError", "message": message}
            item["reason"] = message
        return item

    def values(self, server: dict[str, Any], item: dict[str, Any]) -> dict[str, list[str]]:
        return {
            "instance-id": [item["instanceId"]],
            "instance-state-name": [item["instanceState"]["name"]],
            "instance-state-code": [str(item["instanceState"]["code"])],
            "instance-type": [str(item["instanceType"])],
            "image-id": [str(item["imageId"] or "")],
            "key-name": [str(item["keyName"] or "")],
            "availability-zone": [item["placement"]["availabilityZone"]],
            "private-ip-address": [item["privateIpAddress"] or ""],
            "ip-address": [item["ipAddress"] or ""],
            "reservation-id": [self.reservations[str(server["id"])]],
            "group-id": [g["groupId"] for g in item["groupSet"]],
            "group-name": [str(g["groupName"]) for g in item["groupSet"]],
            "instance.group-id": [g["groupId"] for g in item["groupSet"]],
            "instance.group-name": [str(g["groupName"]) for g in item["groupSet"]],
            "architecture": ["x86_64"],
            "root-device-type": [item["rootDeviceType"]],
            "vpc-id": [item["vpcId"] or ""],
            "subnet-id": [item["subnetId"] or ""],
        }


def _tags_of(item: dict[str, Any]) -> dict[str, str]:
    return {t["key"]: t["value"] for t in item.get("tagSet") or []}


def reservations(ctx: Context, servers: list[dict[str, Any]], items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Instances grouped by reservation, in the order they come."""
    grouped: dict[str, dict[str, Any]] = {}
    for server, item in zip(servers, items, strict=True):
        rid = ctx.reservations[str(server["id"])]
        group = grouped.setdefault(
            rid, {"reservationId": rid, "ownerId": server.get("tenant_id"), "groupSet": [], "instancesSet": []}
        )
        item["amiLaunchIndex"] = len(group["instancesSet"])
        group["instancesSet"].append(item)
    return list(grouped.values())


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
        if matches(filters, ctx.values(server, item), _tags_of(item)):
            chosen.append(server)
            items.append(item)
    shown, token = page(call, list(zip(chosen, items, strict=True)))
    return {"reservationSet": reservations(ctx, [s for s, _ in shown], [i for _, i in shown]), "nextToken": token}


async def _flavor(call: Call, name: str) -> str:
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
    flavor = await _flavor(call, p.get("InstanceType") or "m1.small")
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
        out.append({"instanceId": ident, "currentState": _state(after), "previousState": _state(before)})
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
                "instanceState": _state(state),
                "systemStatus": {"status": ok, "details": [{"name": "reachability", "status": "passed"}]},
                "instanceStatus": {"status": ok, "details": [{"name": "reachability", "status": "passed"}]},
            }
        )
    shown, token = page(call, out)
    return {"instanceStatusSet": shown, "nextToken": token}


async def describe_instance_attribute(call: Call) -> dict[str, Any]:
    ident = call.params.require("InstanceId")
    attribute = call.params.require("Attribute")
    server = await owned_server(call, ident)
    out: dict[str, Any] = {"instanceId": ident}
    if attribute == "instanceType":
        out["instanceType"] = {"value": (server.get("flavor") or {}).get("original_name")}
    elif attribute == "userData":
        data = server.get("OS-EXT-SRV-ATTR:user_data")
        if data is None and call.service_token is not None:
            # Nova shows user data to admins only; EC2 shows the owner theirs. The
            # caller's own token found the server above: read it as the service user.
            service = ComputeClient(call.api.compute.http, await call.service_token())
            data = (await service.server(str(server["id"]))).get("OS-EXT-SRV-ATTR:user_data")
        out["userData"] = {"value": data} if data else {}
    elif attribute == "groupSet":
        ctx = Context(call)
        await ctx.load([server])
        out["groupSet"] = ctx.render(server)["groupSet"]
    elif attribute == "rootDeviceName":
        out["rootDeviceName"] = {"value": "/dev/vda"}
    elif attribute == "disableApiTermination":
        out["disableApiTermination"] = {"value": bool(server.get("locked"))}
    else:
        raise Ec2Error("InvalidParameterValue", f"Value ({attribute}) for parameter attribute is invalid.")
    return out


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


# Resizes started by ModifyInstanceAttribute, confirmed once Nova has done them.
_confirming: set[asyncio.Task[None]] = set()


async def _confirm(call: Call, uuid: str) -> None:
    loop = asyncio.get_running_loop()
    started = loop.time()
    while loop.time() < started + 600:
        await asyncio.sleep(0.2)
        try:
            server = await call.api.compute.server(uuid)
        except ApiError:
            return
        status, task = server.get("status"), server.get("OS-EXT-STS:task_state")
        if status == "VERIFY_RESIZE":
            with contextlib.suppress(ApiError):
                await call.api.compute.action(uuid, {"confirmResize": None})
            return
        if status not in ("RESIZE", "SHUTOFF") or (status == "SHUTOFF" and task is None and loop.time() > started + 5):
            return  # failed (its fault says why), deleted, or started meanwhile


async def modify_instance_attribute(call: Call) -> dict[str, Any]:
    """The instance type of a stopped instance (a Nova resize, confirmed when done)."""
    ident = call.params.require("InstanceId")
    if call.params.strings("GroupId"):
        return await _set_groups(call, await owned_server(call, ident))
    wanted = call.params.get("InstanceType.Value")
    if wanted is None and call.params.get("Attribute") == "instanceType":
        wanted = call.params.get("Value")
    if not wanted:
        raise Ec2Error(
            "UnsupportedOperation",
            "Only the instance type (InstanceType.Value) and groups (GroupId.N) can be modified.",
        )
    server = await owned_server(call, ident)
    if state_of(server) != STOPPED or server.get("status") != "SHUTOFF":
        raise Ec2Error("IncorrectInstanceState", f"The instance '{ident}' is not in the 'stopped' state.")
    flavor = await _flavor(call, wanted)
    try:
        await call.api.compute.resize(str(server["id"]), flavor)
    except ApiError as exc:
        if exc.status == 409:
            raise Ec2Error("IncorrectInstanceState", exc.message) from None
        raise api_error(exc) from None
    task = asyncio.create_task(_confirm(call, str(server["id"])))
    _confirming.add(task)
    task.add_done_callback(_confirming.discard)
    return {"return": True}


async def describe_instance_types(call: Call) -> dict[str, Any]:
    """Nova's flavors as instance types: vCPUs, memory, root disk."""
    wanted = call.params.strings("InstanceType")
    flavors = await call.api.compute.flavors()
    names = {str(f.get("name")) for f in flavors}
    unknown = [w for w in wanted if w not in names]
    if unknown:
        raise Ec2Error(
            "InvalidInstanceType", f"The following supplied instance types do not exist: [{', '.join(unknown)}]"
        )
    filters = call.params.filters()
    out = []
    for flavor in sorted(flavors, key=lambda f: (int(f.get("ram") or 0), str(f.get("name")))):
        name = str(flavor.get("name"))
        if wanted and name not in wanted:
            continue
        vcpus, ram, disk = int(flavor.get("vcpus") or 0), int(flavor.get("ram") or 0), int(flavor.get("disk") or 0)
        values = {
            "instance-type": [name],
            "vcpu-info.default-vcpus": [str(vcpus)],
            "memory-info.size-in-mib": [str(ram)],
            "instance-storage-info.total-size-in-gb": [str(disk)],
        }
        if not matches(filters, values, {}):
            continue
        out.append(
            {
                "instanceType": name,
                "currentGeneration": True,
                "supportedRootDeviceTypes": ["ebs", "instance-store"],
                "hypervisor": "xen",
                "instanceStorageSupported": disk > 0,
                "instanceStorageInfo": {"totalSizeInGB": disk} if disk else None,
                "processorInfo": {"supportedArchitectures": ["x86_64"]},
                "vCpuInfo": {"defaultVCpus": vcpus, "defaultCores": vcpus, "defaultThreadsPerCore": 1},
                "memoryInfo": {"sizeInMiB": ram},
            }
        )
    shown, token = page(call, out)
    return {"instanceTypeSet": shown, "nextToken": token}


async def _set_groups(call: Call, server: dict[str, Any]) -> dict[str, Any]:
    """``GroupId.N``: the instance's security groups become exactly those (Nova's
    addSecurityGroup / removeSecurityGroup)."""
    names = []
    for ident in call.params.strings("GroupId"):
        uuid = await uuid_of(call, "security_group", ident)
        found = await call.api.network.security_groups(id=uuid, project_id=call.project_id)
        if not found:
            raise not_found("security_group", ident)
        names.append(str(found[0]["name"]))
    current = {str(g.get("name")) for g in server.get("security_groups") or []}
    uuid = str(server["id"])
    try:
        for name in [n for n in names if n not in current]:
            await call.api.compute.action(uuid, {"addSecurityGroup": {"name": name}})
        for name in sorted(current - set(names)):
            await call.api.compute.action(uuid, {"removeSecurityGroup": {"name": name}})
    except ApiError as exc:
        if exc.status == 409:
            raise Ec2Error("IncorrectInstanceState", exc.message) from None
        raise api_error(exc) from None
    return {"return": True}

"""How an EC2 instance is shown: the EC2 state of a Nova server, its addresses, and the
``Context`` that renders many instances at once (group, image, subnet and reservation
ids) for DescribeInstances, RunInstances and the attribute actions."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import ipaddress
from typing import Any

from pocketstack.ec2.actions.common import (
    tag_set,
    timestamp,
)
from pocketstack.ec2.call import Call

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


def state_item(code_name: tuple[int, str]) -> dict[str, Any]:
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
            "instanceState": state_item(state),
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


def tags_of(item: dict[str, Any]) -> dict[str, str]:
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

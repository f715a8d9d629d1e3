"""The default VPC: each project's networks are VPCs and their subnets EC2's subnets. The
project's default VPC is its auto-allocated network (with a router to the cloud's
default external network), made the first time it is needed."""

from __future__ import annotations

import ipaddress
from typing import Any

from pocketstack.client import ApiError
from pocketstack.ec2.actions.common import matches, not_found, requested_tags, string_tags, tag_set, uuid_of
from pocketstack.ec2.actions.tags import put_string_tags
from pocketstack.ec2.call import Call, api_error
from pocketstack.ec2.errors import Ec2Error

DEFAULT_NAME = "auto_allocated_network"
# A VPC made by CreateVpc keeps its CIDR in its network's description.
CIDR_MARK = "ec2 vpc cidr="


def _vpc_cidr(net: dict[str, Any]) -> str | None:
    text = str(net.get("description") or "")
    return text[len(CIDR_MARK) :] if text.startswith(CIDR_MARK) else None


def _tags(resource: dict[str, Any]) -> dict[str, str]:
    """The resource's KEY=VALUE tags, its name as the Name tag unless one is set."""
    tags = string_tags(resource.get("tags"))
    if resource.get("name") and "Name" not in tags:
        tags["Name"] = str(resource["name"])
    return tags


def _router_name(vpc_id: str) -> str:
    return f"ec2-router-{vpc_id}"


async def default_vpc(call: Call) -> str:
    """The network id of the project's default VPC (made on first use)."""
    return await call.api.network.auto_allocated_topology(call.project_id)


async def describe_vpcs(call: Call) -> dict[str, Any]:
    await default_vpc(call)
    networks = [n for n in await call.api.network.networks(project_id=call.project_id) if not n.get("router:external")]
    subnets = await call.api.network.subnets(project_id=call.project_id)
    ids = await call.ids.ec2_ids("network", "vpc", [str(n["id"]) for n in networks])
    wanted = [await uuid_of(call, "network", i) for i in call.params.strings("VpcId")]
    present = {str(n["id"]) for n in networks}
    for ident, uuid in zip(call.params.strings("VpcId"), wanted, strict=True):
        if uuid not in present:
            raise not_found("network", ident)
    filters = call.params.filters()
    out = []
    for net in sorted(networks, key=lambda n: str(n.get("created_at"))):
        if wanted and str(net["id"]) not in wanted:
            continue
        cidrs = [str(s["cidr"]) for s in subnets if s.get("network_id") == net["id"] and s.get("ip_version") == 4]
        own = _vpc_cidr(net)
        if own:
            cidrs = [own]
        item: dict[str, Any] = {
            "vpcId": ids[str(net["id"])],
            "ownerId": call.project_id,
            "state": "available",
            "cidrBlock": cidrs[0] if cidrs else "",
            "cidrBlockAssociationSet": [
                {
                    "cidrBlock": c,
                    "associationId": f"{ids[str(net['id'])]}-cidr{n}",
                    "cidrBlockState": {"state": "associated"},
                }
                for n, c in enumerate(cidrs)
            ],
            "dhcpOptionsId": "default",
            "instanceTenancy": "default",
            "isDefault": net.get("name") == DEFAULT_NAME,
            "tagSet": tag_set(_tags(net)),
        }
        values: dict[str, list[Any]] = {
            "vpc-id": [item["vpcId"]],
            "cidr": cidrs,
            "cidr-block": cidrs,
            "state": ["available"],
            "is-default": ["true" if item["isDefault"] else "false"],
            "owner-id": [call.project_id],
        }
        if matches(filters, values, _tags(net)):
            out.append(item)
    return {"vpcSet": out}


async def describe_subnets(call: Call) -> dict[str, Any]:
    default = await default_vpc(call)
    subnets = [s for s in await call.api.network.subnets(project_id=call.project_id) if s.get("ip_version") == 4]
    vpc_ids = await call.ids.ec2_ids("network", "vpc", sorted({str(s["network_id"]) for s in subnets}))
    ids = await call.ids.ec2_ids("subnet", "subnet", [str(s["id"]) for s in subnets])
    wanted = [await uuid_of(call, "subnet", i) for i in call.params.strings("SubnetId")]
    present = {str(s["id"]) for s in subnets}
    for ident, uuid in zip(call.params.strings("SubnetId"), wanted, strict=True):
        if uuid not in present:
            raise not_found("subnet", ident)
    filters = call.params.filters()
    out = []
    for sub in sorted(subnets, key=lambda s: str(s.get("created_at"))):
        if wanted and str(sub["id"]) not in wanted:
            continue
        prefix = int(str(sub["cidr"]).split("/")[1])
        item: dict[str, Any] = {
            "subnetId": ids[str(sub["id"])],
            "state": "available",
            "vpcId": vpc_ids[str(sub["network_id"])],
            "cidrBlock": sub["cidr"],
            "availableIpAddressCount": max(0, 2 ** (32 - prefix) - 3),
            "availabilityZone": "nova",
            "defaultForAz": str(sub["network_id"]) == default,
            "mapPublicIpOnLaunch": False,
            "ownerId": call.project_id,
            "tagSet": tag_set(_tags(sub)),
        }
        values = {
            "subnet-id": [item["subnetId"]],
            "vpc-id": [item["vpcId"]],
            "cidr": [str(sub["cidr"])],
            "cidr-block": [str(sub["cidr"])],
            "state": ["available"],
            "availability-zone": ["nova"],
            "default-for-az": ["true" if item["defaultForAz"] else "false"],
        }
        if matches(filters, values, _tags(sub)):
            out.append(item)
    return {"subnetSet": out}


def _network(cidr: str, name: str) -> ipaddress.IPv4Network:
    try:
        net = ipaddress.IPv4Network(cidr)
    except ValueError:
        raise Ec2Error(f"Invalid{name}.Range", f"The CIDR '{cidr}' is invalid.") from None
    if not 16 <= net.prefixlen <= 28:
        raise Ec2Error(f"Invalid{name}.Range", f"The CIDR '{cidr}' is invalid: its prefix must be /16 to /28.")
    return net


async def _external(call: Call) -> str | None:
    nets = await call.api.network.networks(**{"router:external": "true"})
    nets.sort(key=lambda n: (not n.get("is_default"), str(n["id"])))
    return str(nets[0]["id"]) if nets else None


async def create_vpc(call: Call) -> dict[str, Any]:
    cidr = str(_network(call.params.require("CidrBlock"), "Vpc"))
    tags = requested_tags(call, "vpc")
    net = await call.api.network.create_network(tags.get("Name") or "vpc", description=CIDR_MARK + cidr)
    vpc_id = await call.ids.ec2_id("network", "vpc", str(net["id"]))
    extra = {k: v for k, v in tags.items() if k != "Name"}
    if extra:
        await put_string_tags(call, "network", str(net["id"]), extra, [])
    # The VPC's way out (EC2's internet gateway and route table in one): a router to the
    # cloud's default external network, its subnets plugged in as they are made.
    await call.api.network.create_router(_router_name(vpc_id), await _external(call))
    return {
        "vpc": {
            "vpcId": vpc_id,
            "ownerId": call.project_id,
            "state": "available",
            "cidrBlock": cidr,
            "dhcpOptionsId": "default",
            "instanceTenancy": "default",
            "isDefault": False,
            "tagSet": tag_set(tags),
        }
    }


async def _router(call: Call, vpc_id: str) -> dict[str, Any] | None:
    found = await call.api.network.routers(name=_router_name(vpc_id), project_id=call.project_id)
    return found[0] if found else None


async def create_subnet(call: Call) -> dict[str, Any]:
    vpc_id = call.params.require("VpcId")
    network_id = await uuid_of(call, "network", vpc_id)
    found = await call.api.network.networks(id=network_id, project_id=call.project_id)
    if not found:
        raise not_found("network", vpc_id)
    cidr = _network(call.params.require("CidrBlock"), "Subnet")
    outer = _vpc_cidr(found[0])
    if outer and not cidr.subnet_of(ipaddress.IPv4Network(outer)):
        raise Ec2Error("InvalidSubnet.Range", f"The CIDR '{cidr}' is invalid for the VPC's {outer}.")
    tags = requested_tags(call, "subnet")
    try:
        sub = await call.api.network.create_subnet(network_id, str(cidr), name=tags.get("Name", ""))
    except ApiError as exc:
        if exc.status in (400, 409):
            raise Ec2Error("InvalidSubnet.Conflict", exc.message) from None
        raise api_error(exc) from None
    router = await _router(call, vpc_id)
    if router is not None:
        await call.api.network.add_router_interface(str(router["id"]), str(sub["id"]))
    subnet_id = await call.ids.ec2_id("subnet", "subnet", str(sub["id"]))
    return {
        "subnet": {
            "subnetId": subnet_id,
            "state": "available",
            "vpcId": vpc_id,
            "cidrBlock": str(cidr),
            "availableIpAddressCount": max(0, 2 ** (32 - cidr.prefixlen) - 3),
            "availabilityZone": call.params.get("AvailabilityZone") or "nova",
            "defaultForAz": False,
            "mapPublicIpOnLaunch": False,
            "ownerId": call.project_id,
        }
    }


async def delete_subnet(call: Call) -> dict[str, Any]:
    ident = call.params.require("SubnetId")
    uuid = await uuid_of(call, "subnet", ident)
    found = await call.api.network.subnets(id=uuid, project_id=call.project_id)
    if not found:
        raise not_found("subnet", ident)
    sub = found[0]
    vpc_id = await call.ids.ec2_id("network", "vpc", str(sub["network_id"]))
    router = await _router(call, vpc_id)
    if router is not None:
        ports = await call.api.network.ports(device_id=str(router["id"]), network_id=str(sub["network_id"]))
        for port in ports:
            if any(ip.get("subnet_id") == uuid for ip in port.get("fixed_ips") or []):
                await call.api.network.put(f"/routers/{router['id']}/remove_router_interface", {"subnet_id": uuid})
    try:
        await call.api.network.delete(f"/subnets/{uuid}")
    except ApiError as exc:
        if exc.status == 409:
            raise Ec2Error(
                "DependencyViolation", f"The subnet '{ident}' has dependencies and cannot be deleted."
            ) from None
        raise api_error(exc, not_found("subnet", ident)) from None
    return {"return": True}


async def delete_vpc(call: Call) -> dict[str, Any]:
    ident = call.params.require("VpcId")
    uuid = await uuid_of(call, "network", ident)
    if not await call.api.network.networks(id=uuid, project_id=call.project_id):
        raise not_found("network", ident)
    if await call.api.network.subnets(network_id=uuid):
        raise Ec2Error("DependencyViolation", f"The vpc '{ident}' has dependencies and cannot be deleted.")
    router = await _router(call, ident)
    if router is not None:
        await call.api.network.delete_router(str(router["id"]))
    try:
        await call.api.network.delete_network(uuid)
    except ApiError as exc:
        if exc.status == 409:
            raise Ec2Error(
                "DependencyViolation", f"The vpc '{ident}' has dependencies and cannot be deleted."
            ) from None
        raise api_error(exc, not_found("network", ident)) from None
    return {"return": True}

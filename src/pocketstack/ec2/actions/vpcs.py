"""The default VPC: each project's networks are VPCs and their subnets EC2's subnets. The
project's default VPC is its auto-allocated network (with a router to the cloud's
default external network), made the first time it is needed."""

from __future__ import annotations

from typing import Any

from pocketstack.ec2.actions.common import matches, uuid_of
from pocketstack.ec2.call import Call

DEFAULT_NAME = "auto_allocated_network"


async def default_vpc(call: Call) -> str:
    """The network id of the project's default VPC (made on first use)."""
    return await call.api.network.auto_allocated_topology(call.project_id)


async def describe_vpcs(call: Call) -> dict[str, Any]:
    await default_vpc(call)
    networks = [n for n in await call.api.network.networks(project_id=call.project_id) if not n.get("router:external")]
    subnets = await call.api.network.subnets(project_id=call.project_id)
    ids = await call.ids.ec2_ids("network", "vpc", [str(n["id"]) for n in networks])
    wanted = [await uuid_of(call, "network", i) for i in call.params.strings("VpcId")]
    filters = call.params.filters()
    out = []
    for net in sorted(networks, key=lambda n: str(n.get("created_at"))):
        if wanted and str(net["id"]) not in wanted:
            continue
        cidrs = [str(s["cidr"]) for s in subnets if s.get("network_id") == net["id"] and s.get("ip_version") == 4]
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
            "tagSet": [{"key": "Name", "value": net["name"]}] if net.get("name") else None,
        }
        values: dict[str, list[Any]] = {
            "vpc-id": [item["vpcId"]],
            "cidr": cidrs,
            "cidr-block": cidrs,
            "state": ["available"],
            "is-default": ["true" if item["isDefault"] else "false"],
            "owner-id": [call.project_id],
        }
        if matches(filters, values, {"Name": str(net.get("name") or "")}):
            out.append(item)
    return {"vpcSet": out}


async def describe_subnets(call: Call) -> dict[str, Any]:
    default = await default_vpc(call)
    subnets = [s for s in await call.api.network.subnets(project_id=call.project_id) if s.get("ip_version") == 4]
    vpc_ids = await call.ids.ec2_ids("network", "vpc", sorted({str(s["network_id"]) for s in subnets}))
    ids = await call.ids.ec2_ids("subnet", "subnet", [str(s["id"]) for s in subnets])
    wanted = [await uuid_of(call, "subnet", i) for i in call.params.strings("SubnetId")]
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
            "tagSet": [{"key": "Name", "value": sub["name"]}] if sub.get("name") else None,
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
        if matches(filters, values, {"Name": str(sub.get("name") or "")}):
            out.append(item)
    return {"subnetSet": out}

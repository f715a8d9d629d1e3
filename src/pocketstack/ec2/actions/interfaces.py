"""DescribeNetworkInterfaces: the project's Neutron ports (``eni-``) on its VPCs, with
the instance each is attached to and its Elastic IP."""

from __future__ import annotations

import asyncio
from typing import Any

from pocketstack.ec2.actions.common import matches, not_found, page, uuid_of
from pocketstack.ec2.call import Call


async def describe_network_interfaces(call: Call) -> dict[str, Any]:
    project = call.project_id
    ports, fips, groups = await asyncio.gather(
        call.api.network.ports(project_id=project),
        call.api.network.floating_ips(project_id=project),
        call.api.network.security_groups(project_id=project),
    )
    # Router and DHCP ports are the cloud's plumbing, not interfaces a user made.
    ports = [p for p in ports if not str(p.get("device_owner") or "").startswith("network:")]
    wanted = {i: await uuid_of(call, "port", i) for i in call.params.strings("NetworkInterfaceId")}
    present = {str(p["id"]) for p in ports}
    for ident, uuid in wanted.items():
        if uuid not in present:
            raise not_found("port", ident)
    ids = await call.ids.ec2_ids("port", "eni", sorted(present))
    vpcs = await call.ids.ec2_ids("network", "vpc", sorted({str(p["network_id"]) for p in ports}))
    subnet_uuids = sorted({str(ip["subnet_id"]) for p in ports for ip in p.get("fixed_ips") or []})
    subnets = await call.ids.ec2_ids("subnet", "subnet", subnet_uuids)
    servers = await call.ids.ec2_ids(
        "server", "i", sorted({str(p["device_id"]) for p in ports if str(p.get("device_owner")).startswith("compute:")})
    )
    group_ids = await call.ids.ec2_ids("security_group", "sg", [str(g["id"]) for g in groups])
    group_names = {str(g["id"]): str(g["name"]) for g in groups}
    by_port = {str(f["port_id"]): f for f in fips if f.get("port_id")}
    allocations = await call.ids.ec2_ids("floating_ip", "eipalloc", [str(f["id"]) for f in by_port.values()])
    filters = call.params.filters()
    out = []
    for port in sorted(ports, key=lambda p: str(p.get("created_at"))):
        uuid = str(port["id"])
        if wanted and uuid not in wanted.values():
            continue
        v4 = [ip for ip in port.get("fixed_ips") or [] if ":" not in str(ip.get("ip_address"))]
        first = v4[0] if v4 else None
        instance = (
            servers.get(str(port.get("device_id"))) if str(port.get("device_owner")).startswith("compute:") else None
        )
        fip = by_port.get(uuid)
        association = None
        if fip is not None:
            alloc = allocations[str(fip["id"])]
            association = {
                "publicIp": fip.get("floating_ip_address"),
                "ipOwnerId": project,
                "allocationId": alloc,
                "associationId": "eipassoc-" + alloc.split("-", 1)[1],
            }
        item: dict[str, Any] = {
            "networkInterfaceId": ids[uuid],
            "subnetId": subnets.get(str(first["subnet_id"])) if first else None,
            "vpcId": vpcs[str(port["network_id"])],
            "availabilityZone": "nova",
            "description": port.get("description") or "",
            "ownerId": project,
            "requesterManaged": False,
            "status": "in-use" if instance else "available",
            "macAddress": port.get("mac_address"),
            "privateIpAddress": first["ip_address"] if first else None,
            "privateIpAddressesSet": [
                {
                    "privateIpAddress": ip["ip_address"],
                    "primary": n == 0,
                    "association": association if n == 0 else None,
                }
                for n, ip in enumerate(v4)
            ],
            "sourceDestCheck": True,
            "groupSet": [
                {"groupId": group_ids.get(str(g), ""), "groupName": group_names.get(str(g), "")}
                for g in port.get("security_groups") or []
            ],
            "attachment": {
                "attachmentId": "eni-attach-" + ids[uuid].split("-", 1)[1],
                "instanceId": instance,
                "deviceIndex": 0,
                "status": "attached",
                "deleteOnTermination": True,
            }
            if instance
            else None,
            "association": association,
            "interfaceType": "interface",
        }
        values: dict[str, list[Any]] = {
            "network-interface-id": [item["networkInterfaceId"]],
            "vpc-id": [item["vpcId"]],
            "subnet-id": [item["subnetId"] or ""],
            "status": [item["status"]],
            "attachment.instance-id": [instance or ""],
            "private-ip-address": [ip["ip_address"] for ip in v4],
            "mac-address": [str(item["macAddress"])],
            "group-id": [g["groupId"] for g in item["groupSet"]],
        }
        if matches(filters, values, {}):
            out.append(item)
    shown, token = page(call, out)
    return {"networkInterfaceSet": shown, "nextToken": token}

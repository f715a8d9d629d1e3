"""Elastic IPs: Neutron's floating IPs on the cloud's external network.
``eipalloc-X`` is the floating IP; its association while mapped is ``eipassoc-X``."""

from __future__ import annotations

from typing import Any

from pocketstack.client import ApiError
from pocketstack.ec2.actions.common import matches, uuid_of
from pocketstack.ec2.actions.instances import owned_server
from pocketstack.ec2.call import Call, api_error
from pocketstack.ec2.errors import Ec2Error


async def _external_network(call: Call) -> str:
    nets = await call.api.network.networks(**{"router:external": "true"})
    if not nets:
        raise Ec2Error("AddressLimitExceeded", "This cloud has no external network to allocate addresses from.")
    nets.sort(key=lambda n: (not n.get("is_default"), str(n["id"])))
    return str(nets[0]["id"])


async def _find(call: Call) -> dict[str, Any]:
    """The floating IP named by AllocationId, AssociationId or PublicIp."""
    p = call.params
    allocation = p.get("AllocationId")
    association = p.get("AssociationId")
    if association and not allocation:
        if not association.startswith("eipassoc-"):
            raise Ec2Error("InvalidAssociationID.NotFound", f"The association ID '{association}' does not exist")
        allocation = "eipalloc-" + association.split("-", 1)[1]
    if allocation:
        uuid = await uuid_of(call, "floating_ip", allocation)
        found = await call.api.network.floating_ips(id=uuid, project_id=call.project_id)
        if not found:
            raise Ec2Error("InvalidAllocationID.NotFound", f"The allocation ID '{allocation}' does not exist")
        return found[0]
    address = p.get("PublicIp")
    if not address:
        raise Ec2Error("MissingParameter", "The request must contain the parameter AllocationId or PublicIp")
    found = await call.api.network.floating_ips(floating_ip_address=address, project_id=call.project_id)
    if not found:
        raise Ec2Error("InvalidAddress.NotFound", f"Address '{address}' not found.")
    return found[0]


async def allocate_address(call: Call) -> dict[str, Any]:
    network = await _external_network(call)
    try:
        fip = await call.api.network.create_floating_ip(network)
    except ApiError as exc:
        if exc.status in (403, 409) or "quota" in exc.message.lower():
            raise Ec2Error("AddressLimitExceeded", exc.message) from None
        raise api_error(exc) from None
    allocation = await call.ids.ec2_id("floating_ip", "eipalloc", str(fip["id"]))
    return {"publicIp": fip.get("floating_ip_address"), "domain": "vpc", "allocationId": allocation}


async def associate_address(call: Call) -> dict[str, Any]:
    fip = await _find(call)
    ident = call.params.require("InstanceId")
    uuid = str((await owned_server(call, ident))["id"])
    ports = await call.api.network.ports(device_id=uuid)
    wanted_ip = call.params.get("PrivateIpAddress")
    port = next(
        (
            p
            for p in ports
            if any(
                ":" not in ip["ip_address"] and (not wanted_ip or ip["ip_address"] == wanted_ip)
                for ip in p.get("fixed_ips") or []
            )
        ),
        None,
    )
    if port is None:
        raise Ec2Error("InvalidInstanceID", f"The instance '{ident}' has no network interface with an IPv4 address.")
    try:
        await call.api.network.update_floating_ip(str(fip["id"]), str(port["id"]))
    except ApiError as exc:
        raise api_error(exc) from None
    allocation = await call.ids.ec2_id("floating_ip", "eipalloc", str(fip["id"]))
    return {"return": True, "associationId": "eipassoc-" + allocation.split("-", 1)[1]}


async def disassociate_address(call: Call) -> dict[str, Any]:
    fip = await _find(call)
    if fip.get("port_id"):
        await call.api.network.update_floating_ip(str(fip["id"]), None)
    return {"return": True}


async def release_address(call: Call) -> dict[str, Any]:
    fip = await _find(call)
    if fip.get("port_id"):
        raise Ec2Error("InvalidIPAddress.InUse", "The address is associated with an instance; disassociate it first.")
    await call.api.network.delete_floating_ip(str(fip["id"]))
    return {"return": True}


async def describe_addresses(call: Call) -> dict[str, Any]:
    fips = await call.api.network.floating_ips(project_id=call.project_id)
    allocations = await call.ids.ec2_ids("floating_ip", "eipalloc", [str(f["id"]) for f in fips])
    port_ids = [str(f["port_id"]) for f in fips if f.get("port_id")]
    devices: dict[str, str] = {}
    if port_ids:
        for port in await call.api.network.ports(project_id=call.project_id):
            if str(port["id"]) in port_ids and str(port.get("device_owner") or "").startswith("compute:"):
                devices[str(port["id"])] = str(port["device_id"])
    instances = await call.ids.ec2_ids("server", "i", sorted(set(devices.values())))
    wanted_ips = call.params.strings("PublicIp")
    wanted_allocations = call.params.strings("AllocationId")
    filters = call.params.filters()
    out = []
    for fip in fips:
        allocation = allocations[str(fip["id"])]
        address = str(fip.get("floating_ip_address"))
        if (wanted_ips and address not in wanted_ips) or (wanted_allocations and allocation not in wanted_allocations):
            continue
        port_id = fip.get("port_id")
        item: dict[str, Any] = {
            "publicIp": address,
            "allocationId": allocation,
            "domain": "vpc",
            "instanceId": instances.get(devices.get(str(port_id), "")) if port_id else None,
            "associationId": ("eipassoc-" + allocation.split("-", 1)[1]) if port_id else None,
            "privateIpAddress": fip.get("fixed_ip_address"),
            "publicIpv4Pool": "pocketstack",
        }
        values = {
            "public-ip": [address],
            "allocation-id": [allocation],
            "domain": ["vpc"],
            "instance-id": [item["instanceId"] or ""],
            "association-id": [item["associationId"] or ""],
            "private-ip-address": [item["privateIpAddress"] or ""],
        }
        if matches(filters, values, {}):
            out.append(item)
    for address in wanted_ips:
        if address not in {o["publicIp"] for o in out}:
            raise Ec2Error("InvalidAddress.NotFound", f"Address '{address}' not found.")
    for allocation in wanted_allocations:
        if allocation not in {o["allocationId"] for o in out}:
            raise Ec2Error("InvalidAllocationID.NotFound", f"The allocation ID '{allocation}' does not exist")
    return {"addressesSet": out}

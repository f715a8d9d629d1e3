"""Instance attributes: DescribeInstanceAttribute, ModifyInstanceAttribute (the instance
type of a stopped instance, as a Nova resize confirmed once done, and its security
groups) and DescribeInstanceTypes (Nova's flavors)."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from pocketstack.client import ApiError, ComputeClient
from pocketstack.ec2.actions.common import (
    matches,
    not_found,
    page,
    uuid_of,
)
from pocketstack.ec2.actions.instance_views import STOPPED, Context, state_of
from pocketstack.ec2.actions.instances import flavor_id, owned_server
from pocketstack.ec2.call import Call, api_error
from pocketstack.ec2.errors import Ec2Error


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
    flavor = await flavor_id(call, wanted)
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

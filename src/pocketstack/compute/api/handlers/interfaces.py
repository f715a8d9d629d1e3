"""os-interface: a server's ports (list, show), attaching a port or a new port on a
network (hot-plugged by the server's agent: a bus call the API waits for), detaching
one (unplugged, then deleted if compute made it, else unbound)."""

from __future__ import annotations

from typing import Any

from pocketstack.common.errors import Conflict, Invalid, NotFound
from pocketstack.compute import states
from pocketstack.compute.api import policy, schemas
from pocketstack.compute.api.common import at_least, body, service
from pocketstack.compute.models import Instance
from pocketstack.compute.objects import instances
from pocketstack.web.request import Request
from pocketstack.web.response import Response, empty, json_response
from pocketstack.web.validation import validate

# Nova: attach and detach need a server that is running, paused or stopped, with no task.
PLUGGABLE = (states.ACTIVE, states.PAUSED, states.STOPPED)
# The agent waits for network-vif-plugged (bounded by the config) before it answers.
CALL_MARGIN = 60.0


def _view(request: Request, port: dict[str, Any]) -> dict[str, Any]:
    view: dict[str, Any] = {
        "port_id": port["id"],
        "net_id": port["network_id"],
        "mac_addr": port.get("mac_address"),
        "port_state": port.get("status"),
        "fixed_ips": [
            {"subnet_id": ip.get("subnet_id"), "ip_address": ip["ip_address"]} for ip in port.get("fixed_ips", [])
        ],
    }
    if at_least(request, 70):
        view["tag"] = port.get("tag")
    return view


async def _ports(request: Request, inst: Instance) -> list[dict[str, Any]]:
    svc = service(request)
    found = await svc.network.ports_of(inst.uuid, request.context.auth_token)
    tags = {p["id"]: p.get("tag") for p in inst.ports or []}
    return [{**p, "tag": tags.get(p["id"])} for p in found]


async def index(request: Request) -> Response:
    ctx = request.context
    inst = await instances.get(service(request).db, ctx, request.path_params["server_id"])
    policy.reader(ctx, "os_compute_api:os-attach-interfaces:list")
    return json_response({"interfaceAttachments": [_view(request, p) for p in await _ports(request, inst)]})


async def show(request: Request) -> Response:
    ctx = request.context
    inst = await instances.get(service(request).db, ctx, request.path_params["server_id"])
    policy.reader(ctx, "os_compute_api:os-attach-interfaces:show")
    port_id = request.path_params["port_id"]
    for port in await _ports(request, inst):
        if port["id"] == port_id:
            return json_response({"interfaceAttachment": _view(request, port)})
    raise NotFound(f"Instance {inst.uuid} has no interface with port {port_id}.")


def _check_pluggable(inst: Instance, action: str, is_admin: bool) -> None:
    if inst.locked and not is_admin:
        raise Conflict(f"Instance {inst.uuid} is locked")
    if inst.vm_state not in PLUGGABLE or inst.task_state is not None or not inst.host:
        raise Conflict(
            f"Cannot '{action}' instance {inst.uuid} while it is in vm_state {inst.vm_state}"
            + (f" and task_state {inst.task_state}" if inst.task_state else "")
        )


async def create(request: Request) -> Response:
    ctx = request.context
    svc = service(request)
    inst = await instances.get(svc.db, ctx, request.path_params["server_id"])
    policy.owner(ctx, inst.project_id, "os_compute_api:os-attach-interfaces:create")
    data = validate(schemas.INTERFACE_ATTACH, await body(request)).get("interfaceAttachment") or {}
    if "tag" in data and not at_least(request, 49):
        raise Invalid("Invalid input for field/attribute interfaceAttachment: 'tag' needs microversion 2.49")
    if data.get("port_id") and data.get("net_id"):
        raise Invalid("Must not input both network_id and port_id")
    if data.get("port_id") and data.get("fixed_ips"):
        raise Invalid("Must input network_id when request IP address")
    _check_pluggable(inst, "attach_interface", ctx.is_admin)
    token = ctx.auth_token
    if data.get("port_id"):
        try:
            port = await svc.network.get_port(data["port_id"], token)
        except Invalid:
            raise NotFound(f"Port {data['port_id']} could not be found.") from None
        if port.get("device_id"):
            raise Conflict(f"Port {data['port_id']} is still in use.")
    elif data.get("net_id"):
        try:
            await svc.network.get_network(data["net_id"], token)
        except Invalid:
            raise NotFound(f"Network {data['net_id']} could not be found.") from None
    else:
        # Nova picks the project's only network; with none or several the caller must say.
        nets = await svc.network.available_networks(inst.project_id, token)
        if len(nets) != 1:
            raise Invalid("Multiple possible networks found, use a Network ID to be more specific.")
        data["net_id"] = nets[0]["id"]
    attached = await svc.compute_api.attach_interface(
        ctx,
        str(inst.host),
        timeout=svc.config.vif_plugged_timeout + CALL_MARGIN,
        instance_uuid=inst.uuid,
        port_id=data.get("port_id"),
        network_id=data.get("net_id"),
        fixed_ips=data.get("fixed_ips"),
        tag=data.get("tag"),
    )
    return json_response({"interfaceAttachment": _view(request, attached)})


async def delete(request: Request) -> Response:
    ctx = request.context
    svc = service(request)
    inst = await instances.get(svc.db, ctx, request.path_params["server_id"])
    policy.owner(ctx, inst.project_id, "os_compute_api:os-attach-interfaces:delete")
    port_id = request.path_params["port_id"]
    _check_pluggable(inst, "detach_interface", ctx.is_admin)
    if not any(p["id"] == port_id for p in inst.ports or []):
        raise NotFound(f"Port {port_id} is not attached to instance {inst.uuid}.")
    await svc.compute_api.detach_interface(
        ctx, str(inst.host), timeout=CALL_MARGIN, instance_uuid=inst.uuid, port_id=port_id
    )
    return empty(202)

"""Instances: the list (filter, sort, pages, live rows), one instance's page with its
actions, console log and action log (the launch wizard is in ``launch.py``)."""

from __future__ import annotations

import asyncio
import html
from typing import Any
from urllib.parse import urlencode

from pocketstack.client import ApiError, Resource
from pocketstack.client.compute import SIMPLE_ACTIONS
from pocketstack.dashboard import timeline
from pocketstack.dashboard.app import PREFIX, Call, redirect
from pocketstack.web.response import Response

PAGE_SIZE = 20
SORT_KEYS = ("created_at", "display_name", "vm_state", "updated_at")
STATUSES = (
    "ACTIVE",
    "BUILD",
    "SHUTOFF",
    "ERROR",
    "PAUSED",
    "SUSPENDED",
    "SHELVED",
    "SHELVED_OFFLOADED",
    "VERIFY_RESIZE",
)


def addresses(server: Resource) -> list[tuple[str, str, str]]:
    """(network, address, fixed/floating) of a server, as its ``addresses`` shows them."""
    found = []
    for network, entries in sorted((server.get("addresses") or {}).items()):
        for entry in entries:
            found.append((network, str(entry.get("addr", "")), str(entry.get("OS-EXT-IPS:type", "fixed"))))
    return found


def _listing_query(call: Call) -> dict[str, Any]:
    request = call.request
    sort_key = request.param("sort") or "created_at"
    if sort_key not in SORT_KEYS:
        sort_key = "created_at"
    sort_dir = "asc" if request.param("dir") == "asc" else "desc"
    query: dict[str, Any] = {"limit": PAGE_SIZE + 1, "sort_key": sort_key, "sort_dir": sort_dir}
    if request.param("name"):
        query["name"] = request.param("name")
    status = (request.param("status") or "").upper()
    if status in STATUSES:
        query["status"] = status
    if request.param("marker"):
        query["marker"] = request.param("marker")
    return query


async def _page(call: Call) -> tuple[list[Resource], str | None, dict[str, Any]]:
    query = _listing_query(call)
    servers = await call.api.compute.servers(**query)
    following = servers[PAGE_SIZE - 1]["id"] if len(servers) > PAGE_SIZE else None
    return servers[:PAGE_SIZE], following, query


async def index(call: Call) -> Response:
    servers, following, query = await _page(call)
    kept = {k: v for k, v in call.request.query.items() if k in ("name", "status", "sort", "dir")}
    live_url = f"{PREFIX}/instances/rows?" + urlencode({**kept, **_single(call, "marker")}, doseq=True)
    next_url = f"{PREFIX}/instances?" + urlencode({**kept, "marker": following or ""}, doseq=True)
    return call.render(
        "instances.mako",
        active="instances",
        servers=servers,
        following=following,
        query=query,
        addresses=addresses,
        launched=call.request.param("launched") or "",
        live_url=live_url,
        next_url=next_url,
    )


def _single(call: Call, name: str) -> dict[str, str]:
    value = call.request.param(name)
    return {name: value} if value else {}


async def rows(call: Call) -> Response:
    """The table's rows alone: the page's script swaps them in every few seconds."""
    servers, _, _ = await _page(call)
    return call.render("_instance_rows.mako", servers=servers, addresses=addresses)


async def _detail_values(call: Call) -> dict[str, Any]:
    server_id = call.request.path_params["server_id"]
    api = call.api
    server = await api.compute.server(server_id)
    try:
        actions = await api.compute.instance_actions(server_id)
    except ApiError:
        actions = []
    return {
        "server": server,
        "actions": actions,
        "addresses": addresses(server),
        "buttons": actions_for(server),
    }


async def detail(call: Call, error: str = "", status: int = 200) -> Response:
    """The instance's page; ``error``: a refused action's message, shown in place."""
    server_id = call.request.path_params["server_id"]
    api = call.api
    (values, ports, floating, networks), (volumes, flavors, images) = await asyncio.gather(
        asyncio.gather(
            _detail_values(call),
            api.network.ports(device_id=server_id),
            api.network.floating_ips(),
            api.network.networks(),
        ),
        asyncio.gather(api.volume.volumes(), api.compute.flavors(), api.image.images(status="active")),
    )
    values["images"] = images
    values["flavors"] = sorted(flavors, key=lambda f: (f["vcpus"], f["ram"], f["name"]))
    timeline_svg, failed_hop = "", ""
    if call.session is not None and call.session.token.is_admin:
        try:
            spans = await api.compute.trace(server_id)
        except ApiError as exc:
            if exc.unauthorized:
                raise
            spans = []
        timeline_svg = timeline.svg(spans)
        failed = [s for s in spans if s.get("result") != "ok"]
        failed_hop = (
            f"{failed[0]['hop']} on {failed[0].get('host') or failed[0]['component']}: {failed[0].get('detail')}"
            if failed
            else ""
        )
    port_ids = {p["id"] for p in ports}
    attached_ids = {v["id"] for v in (values["server"].get("os-extended-volumes:volumes_attached") or [])}
    return call.render(
        "instance.mako",
        status=status,
        active="instances",
        error=error,
        ports=ports,
        floating=[f for f in floating if f.get("port_id") in port_ids],
        externals=[n for n in networks if n.get("router:external")],
        attachable=[n for n in networks if not n.get("router:external") or n.get("shared")],
        attached=[v for v in volumes if v["id"] in attached_ids],
        available=[v for v in volumes if v["status"] == "available"],
        timeline_svg=timeline_svg,
        console_lines=CONSOLE_LINES,
        failed_hop=failed_hop,
        **values,
    )


async def _or_in_place(call: Call, work: Any) -> Response:
    """Run ``work``; back to the instance's page, with the API's refusal shown there."""
    try:
        await work
    except ApiError as exc:
        if exc.unauthorized:
            raise
        return await detail(call, f"{exc.service}: {exc.message}", exc.status if exc.status >= 400 else 503)
    return redirect(f"{PREFIX}/instances/{call.request.path_params['server_id']}")


async def associate_floating_ip(call: Call) -> Response:
    """A new floating IP from the chosen external network, on the chosen port."""
    api = call.api

    async def work() -> None:
        network_id, port_id = call.field("network_id"), call.field("port_id")
        if not network_id or not port_id:
            raise ApiError("network", 400, "Choose an external network and a port.")
        await api.network.create_floating_ip(network_id, port_id)

    return await _or_in_place(call, work())


async def release_floating_ip(call: Call) -> Response:
    """Disassociate the floating IP and give it back to the pool."""
    api = call.api

    async def work() -> None:
        floating_ip_id = call.request.path_params["floating_ip_id"]
        await api.network.update_floating_ip(floating_ip_id, None)
        await api.network.delete_floating_ip(floating_ip_id)

    return await _or_in_place(call, work())


async def attach_volume(call: Call) -> Response:
    """Attach an available volume, or a new one of ``size`` GB made for it."""
    api = call.api
    server_id = call.request.path_params["server_id"]

    async def work() -> None:
        volume_id, size = call.field("volume_id"), call.field("size")
        if not volume_id:
            if not size.isdigit() or int(size) < 1:
                raise ApiError("volume", 400, "Choose a volume, or a size in GB for a new one.")
            made = await api.volume.create_volume(int(size), call.field("name"))
            volume_id = made["id"]
            for _ in range(100):
                volume = await api.volume.volume(volume_id)
                if volume["status"] != "creating":
                    break
                await asyncio.sleep(0.1)
        await api.compute.attach_volume(server_id, volume_id)

    return await _or_in_place(call, work())


async def attach_interface(call: Call) -> Response:
    network_id = call.field("network_id")
    if not network_id:
        return await detail(call, "Choose a network for the new interface.", 400)
    server_id = call.request.path_params["server_id"]
    return await _or_in_place(call, call.api.compute.attach_interface(server_id, network_id))


async def detach_interface(call: Call) -> Response:
    server_id, port_id = call.request.path_params["server_id"], call.request.path_params["port_id"]
    return await _or_in_place(call, call.api.compute.detach_interface(server_id, port_id))


async def detach_volume(call: Call) -> Response:
    api = call.api
    server_id, volume_id = call.request.path_params["server_id"], call.request.path_params["volume_id"]
    return await _or_in_place(call, api.compute.detach_volume(server_id, volume_id))


async def detail_status(call: Call) -> Response:
    values = await _detail_values(call)
    return call.render("_instance_status.mako", **values)


async def show(call: Call) -> Response:
    return await detail(call)


async def console(call: Call) -> Response:
    server_id = call.request.path_params["server_id"]
    try:
        text = await call.api.compute.console_output(server_id, length=200)
    except ApiError as exc:
        if exc.unauthorized:
            raise
        text = f"(no console log: {exc.message})"
    return Response(200, text.encode(), content_type="text/plain; charset=utf-8")


async def console_tail(call: Call) -> Response:
    """The console log's last lines as an HTML fragment (escaped): the page keeps it live."""
    server_id = call.request.path_params["server_id"]
    try:
        text = await call.api.compute.console_output(server_id, length=CONSOLE_LINES) or "(empty so far)"
    except ApiError as exc:
        if exc.unauthorized:
            raise
        text = f"(no console log: {exc.message})"
    return Response(200, html.escape(text).encode(), content_type="text/html; charset=utf-8")


CONSOLE_LINES = 200

# The buttons an instance's page offers in each status (the API decides in the end).
ACTIONS_BY_STATUS = {
    "ACTIVE": ("stop", "reboot", "hard-reboot", "pause", "suspend", "shelve", "rescue"),
    "SHUTOFF": ("start", "reboot", "hard-reboot", "shelve", "rescue"),
    "RESCUE": ("unrescue",),
    "PAUSED": ("unpause",),
    "SUSPENDED": ("resume",),
    "SHELVED": ("unshelve",),
    "SHELVED_OFFLOADED": ("unshelve",),
    "VERIFY_RESIZE": ("confirm-resize", "revert-resize"),
    "ERROR": ("hard-reboot",),
}
ACTIONS = tuple(dict.fromkeys(a for names in ACTIONS_BY_STATUS.values() for a in names))


def actions_for(server: Resource) -> list[str]:
    names = list(ACTIONS_BY_STATUS.get(server["status"], ()))
    if server.get("OS-EXT-STS:task_state"):
        names = []  # busy: the API would refuse with 409 anyway
    names.append("unlock" if server.get("locked") else "lock")
    return names


async def resize(call: Call) -> Response:
    server_id, flavor_id = call.request.path_params["server_id"], call.field("flavor")
    if not flavor_id:
        return await detail(call, "Choose a flavor to resize to.", 400)
    return await _or_in_place(call, call.api.compute.resize(server_id, flavor_id))


async def rebuild(call: Call) -> Response:
    server_id, image_id = call.request.path_params["server_id"], call.field("image")
    if not image_id:
        return await detail(call, "Choose the image to rebuild from.", 400)
    return await _or_in_place(call, call.api.compute.rebuild(server_id, image_id))


async def snapshot(call: Call) -> Response:
    server_id, name = call.request.path_params["server_id"], call.field("name")
    if not name:
        return await detail(call, "Give the snapshot a name.", 400)
    return await _or_in_place(call, call.api.compute.snapshot(server_id, name))


async def action(call: Call) -> Response:
    server_id = call.request.path_params["server_id"]
    name = call.field("action")
    if name == "delete":
        await call.api.compute.delete_server(server_id)
        return redirect(f"{PREFIX}/instances")
    if name not in SIMPLE_ACTIONS:
        return await detail(call, f"Unknown action {name!r}.", 400)
    return await _or_in_place(call, call.api.compute.simple_action(server_id, name))

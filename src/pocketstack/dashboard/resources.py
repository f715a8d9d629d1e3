"""The overview (usage against quota) and the simple lists: images, networks (with a
create form: network, subnet and router in one), volumes, key pairs, security groups."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from pocketstack.client import ApiError, Resource
from pocketstack.dashboard.app import PREFIX, Call, redirect
from pocketstack.web.response import Response, json_response


@dataclass(frozen=True)
class Usage:
    label: str
    used: float
    limit: float  # -1: unlimited
    unit: str = ""

    @property
    def percent(self) -> int:
        if self.limit <= 0:
            return 0 if self.limit < 0 else 100
        return min(100, round(100 * self.used / self.limit))


async def _safely(service: str, work: Any, down: list[str]) -> Any:
    """``work``'s result, or None with ``service`` named in ``down`` if it failed (not 401)."""
    try:
        return await work
    except ApiError as exc:
        if exc.unauthorized:
            raise
        down.append(f"{service}: {exc.message}")
        return None


async def overview(call: Call) -> Response:
    api = call.api
    down: list[str] = []
    compute, volume, network = await asyncio.gather(
        _safely("compute", api.compute.limits(), down),
        _safely("volume", api.volume.limits(), down),
        _safely("network", api.network.quota_details(api.token.project_id or ""), down),
    )
    usages: list[Usage] = []
    if compute:
        usages += [
            Usage("Instances", compute["totalInstancesUsed"], compute["maxTotalInstances"]),
            Usage("vCPUs", compute["totalCoresUsed"], compute["maxTotalCores"]),
            Usage("RAM", compute["totalRAMUsed"], compute["maxTotalRAMSize"], "MB"),
        ]
    if volume:
        usages += [
            Usage("Volumes", volume["totalVolumesUsed"], volume["maxTotalVolumes"]),
            Usage("Volume storage", volume["totalGigabytesUsed"], volume["maxTotalVolumeGigabytes"], "GB"),
        ]
    if network:
        for key, label in (
            ("floatingip", "Floating IPs"),
            ("security_group", "Security groups"),
            ("network", "Networks"),
            ("port", "Ports"),
            ("router", "Routers"),
        ):
            if key in network:
                usages.append(Usage(label, network[key]["used"], network[key]["limit"]))
    return call.render("overview.mako", active="overview", usages=usages, down=down)


async def images(call: Call, error: str = "", status: int = 200) -> Response:
    images = await call.api.image.images()
    return call.render("images.mako", status=status, active="images", images=images, error=error)


DISK_FORMATS = ("qcow2", "raw", "iso", "vmdk", "vdi", "ami", "aki", "ari")


async def create_image(call: Call) -> Response:
    """The image's record; the page's script then streams the file to ``upload_image``.
    Answers JSON for the script, or the page with the API's message."""
    name, disk_format = call.field("name"), call.field("disk_format") or "qcow2"
    try:
        if not name:
            raise ApiError("image", 400, "Give the image a name.")
        if disk_format not in DISK_FORMATS:
            raise ApiError("image", 400, f"Unknown disk format {disk_format!r}.")
        made = await call.api.image.create_image(name, disk_format=disk_format, container_format="bare")
    except ApiError as exc:
        if exc.unauthorized:
            raise
        message = f"{exc.service}: {exc.message}"
        return json_response({"error": message}, exc.status if exc.status >= 400 else 503)
    return json_response({"id": made["id"]}, 201)


async def upload_image(call: Call) -> Response:
    """The browser's file, streamed to the image API as it arrives (no buffering here)."""
    image_id = call.request.path_params["image_id"]
    try:
        await call.api.image.upload(image_id, call.request.stream())
    except ApiError as exc:
        if exc.unauthorized:
            raise
        return json_response({"error": f"{exc.service}: {exc.message}"}, exc.status if exc.status >= 400 else 503)
    return json_response({"id": image_id, "status": (await call.api.image.image(image_id))["status"]})


async def edit_image(call: Call) -> Response:
    """Rename, change visibility, or share with a project (made ``shared`` first)."""
    api, image_id = call.api, call.request.path_params["image_id"]
    name, visibility, project = call.field("name"), call.field("visibility"), call.field("share_with")
    try:
        changes: dict[str, str] = {}
        if name:
            changes["name"] = name
        if visibility in ("private", "shared", "community", "public"):
            changes["visibility"] = visibility
        if project and changes.get("visibility", "shared") != "shared":
            raise ApiError("image", 400, "An image shared with a project must have the visibility 'shared'.")
        if project:
            changes["visibility"] = "shared"
        if changes:
            await api.image.update_image(image_id, **changes)
        if project:
            await api.image.share(image_id, project)
    except ApiError as exc:
        if exc.unauthorized:
            raise
        return await images(call, f"{exc.service}: {exc.message}", exc.status if exc.status >= 400 else 503)
    return redirect(f"{PREFIX}/images")


async def delete_image(call: Call) -> Response:
    try:
        await call.api.image.delete_image(call.request.path_params["image_id"])
    except ApiError as exc:
        if exc.unauthorized:
            raise
        return await images(call, f"{exc.service}: {exc.message}", exc.status if exc.status >= 400 else 503)
    return redirect(f"{PREFIX}/images")


async def _networks_values(call: Call) -> dict[str, Any]:
    api = call.api
    networks, subnets, routers, ports = await asyncio.gather(
        api.network.networks(), api.network.subnets(), api.network.routers(), api.network.ports()
    )
    by_id = {s["id"]: s for s in subnets}
    interfaces: dict[str, list[str]] = {}
    for port in ports:
        if port.get("device_owner") == "network:router_interface":
            for ip in port.get("fixed_ips") or []:
                interfaces.setdefault(port["device_id"], []).append(ip["subnet_id"])
    return {
        "interfaces": interfaces,
        "ports": ports,
        "project_id": api.token.project_id,
        "networks": networks,
        "subnets": by_id,
        "routers": routers,
        "externals": [n for n in networks if n.get("router:external")],
    }


async def networks(call: Call, error: str = "", status: int = 200) -> Response:
    values = await _networks_values(call)
    return call.render("networks.mako", status=status, active="networks", error=error, form={}, **values)


async def _networks_or_in_place(call: Call, work: Any) -> Response:
    try:
        await work
    except ApiError as exc:
        if exc.unauthorized:
            raise
        return await networks(call, f"{exc.service}: {exc.message}", exc.status if exc.status >= 400 else 503)
    return redirect(f"{PREFIX}/networks")


async def delete_network(call: Call) -> Response:
    return await _networks_or_in_place(call, call.api.network.delete_network(call.request.path_params["network_id"]))


async def router_action(call: Call) -> Response:
    """Add or remove a subnet interface, set or clear the external gateway."""
    api, router_id, what = call.api, call.request.path_params["router_id"], call.field("action")
    subnet_id, network_id = call.field("subnet_id"), call.field("network_id")
    if what in ("add-interface", "remove-interface") and not subnet_id:
        return await networks(call, "Choose a subnet.", 400)
    if what == "add-interface":
        return await _networks_or_in_place(call, api.network.add_router_interface(router_id, subnet_id))
    if what == "remove-interface":
        return await _networks_or_in_place(call, api.network.remove_router_interface(router_id, subnet_id))
    if what == "gateway":
        return await _networks_or_in_place(call, api.network.set_router_gateway(router_id, network_id or None))
    return await networks(call, f"Unknown router action {what!r}.", 400)


async def delete_router(call: Call) -> Response:
    return await _networks_or_in_place(call, call.api.network.delete_router(call.request.path_params["router_id"]))


async def create_network(call: Call) -> Response:
    """A network, its subnet and (optionally) a router from an external network to it."""
    api = call.api
    form = {k: call.field(k) for k in ("name", "cidr", "external")}
    error = ""
    if not form["name"]:
        error = "Give the network a name."
    elif not form["cidr"]:
        error = "Give the subnet a CIDR, such as 10.0.0.0/24."
    if not error:
        network = None
        try:
            network = await api.network.create_network(form["name"])
            subnet = await api.network.create_subnet(network["id"], form["cidr"], name=f"{form['name']}-subnet")
            if form["external"]:
                router = await api.network.create_router(f"{form['name']}-router", form["external"])
                await api.network.add_router_interface(router["id"], subnet["id"])
        except ApiError as exc:
            if exc.unauthorized:
                raise
            error = f"{exc.service}: {exc.message}"
            if network is not None and "subnet" not in locals():
                # The subnet was refused: do not leave an empty network behind.
                await api.network.delete_network(network["id"])
        else:
            return redirect(f"{PREFIX}/networks")
    return call.render(
        "networks.mako", status=400, active="networks", error=error, form=form, **await _networks_values(call)
    )


async def volumes(call: Call, error: str = "", status: int = 200) -> Response:
    api = call.api
    vols, snaps, images = await asyncio.gather(
        api.volume.volumes(), api.volume.snapshots(), api.image.images(status="active")
    )
    return call.render(
        "volumes.mako", status=status, active="volumes", volumes=vols, snapshots=snaps, images=images, error=error
    )


async def volume_rows(call: Call) -> Response:
    """The volumes table's rows alone, for the page's live refresh."""
    return call.render("_volume_rows.mako", volumes=await call.api.volume.volumes())


async def _volumes_or_in_place(call: Call, work: Any) -> Response:
    try:
        await work
    except ApiError as exc:
        if exc.unauthorized:
            raise
        return await volumes(call, f"{exc.service}: {exc.message}", exc.status if exc.status >= 400 else 503)
    return redirect(f"{PREFIX}/volumes")


async def create_volume(call: Call) -> Response:
    size = call.field("size")
    if not size.isdigit() or int(size) < 1:
        return await volumes(call, "The size is a whole number of GB.", 400)
    snapshot_id, image_id = call.field("snapshot_id") or None, call.field("image_id") or None
    if snapshot_id and image_id:
        return await volumes(call, "Choose a snapshot or an image, not both.", 400)
    made = call.api.volume.create_volume(int(size), call.field("name"), snapshot_id=snapshot_id, imageRef=image_id)
    return await _volumes_or_in_place(call, made)


async def volume_action(call: Call) -> Response:
    """extend (``size``), snapshot (``name``) or delete one volume."""
    api, volume_id, what = call.api, call.request.path_params["volume_id"], call.field("action")
    if what == "extend":
        size = call.field("size")
        if not size.isdigit():
            return await volumes(call, "The new size is a whole number of GB.", 400)
        return await _volumes_or_in_place(call, api.volume.extend(volume_id, int(size)))
    if what == "snapshot":
        return await _volumes_or_in_place(call, api.volume.create_snapshot(volume_id, call.field("name")))
    if what == "delete":
        return await _volumes_or_in_place(call, api.volume.delete_volume(volume_id))
    if what == "upload":
        name = call.field("name")
        if not name:
            return await volumes(call, "Give the new image a name.", 400)
        return await _volumes_or_in_place(call, api.volume.upload_to_image(volume_id, name))
    return await volumes(call, f"Unknown volume action {what!r}.", 400)


async def delete_snapshot(call: Call) -> Response:
    return await _volumes_or_in_place(call, call.api.volume.delete_snapshot(call.request.path_params["snapshot_id"]))


async def keypairs(call: Call) -> Response:
    return call.render("keypairs.mako", active="keypairs", keypairs=await call.api.compute.keypairs(), error="")


async def create_keypair(call: Call) -> Response:
    name, public_key = call.field("name"), call.field("public_key")
    try:
        if not name:
            raise ApiError("compute", 400, "Give the key pair a name.")
        made = await call.api.compute.create_keypair(name, public_key or None)
    except ApiError as exc:
        if exc.unauthorized:
            raise
        pairs = await call.api.compute.keypairs()
        return call.render(
            "keypairs.mako", status=exc.status, active="keypairs", keypairs=pairs, error=f"{exc.service}: {exc.message}"
        )
    if made.get("private_key"):
        return call.render(
            "keypair_created.mako",
            active="keypairs",
            private_key=made["private_key"],
            name=made["name"],
            next_url=f"{PREFIX}/keypairs",
        )
    return redirect(f"{PREFIX}/keypairs")


async def delete_keypair(call: Call) -> Response:
    await call.api.compute.delete_keypair(call.request.path_params["name"])
    return redirect(f"{PREFIX}/keypairs")


async def security_groups(call: Call, error: str = "", status: int = 200) -> Response:
    api = call.api
    groups: list[Resource] = await api.network.security_groups(project_id=api.token.project_id)
    return call.render("security_groups.mako", status=status, active="security-groups", groups=groups, error=error)


async def _groups_or_in_place(call: Call, work: Any) -> Response:
    try:
        await work
    except ApiError as exc:
        if exc.unauthorized:
            raise
        return await security_groups(call, f"{exc.service}: {exc.message}", exc.status if exc.status >= 400 else 503)
    return redirect(f"{PREFIX}/security-groups")


async def create_security_group(call: Call) -> Response:
    name = call.field("name")
    if not name:
        return await security_groups(call, "Give the security group a name.", 400)
    return await _groups_or_in_place(call, call.api.network.create_security_group(name, call.field("description")))


async def delete_security_group(call: Call) -> Response:
    return await _groups_or_in_place(call, call.api.network.delete_security_group(call.request.path_params["group_id"]))


def _port(text: str) -> int | None:
    return int(text) if text.isdigit() else None


async def create_rule(call: Call) -> Response:
    """A rule from the form: direction, protocol (any, tcp, udp, icmp), a port or range
    (``22`` or ``8000-8080``), a remote CIDR."""
    ports = call.field("ports")
    low, _, high = ports.partition("-")
    if ports and (_port(low) is None or (high and _port(high) is None)):
        return await security_groups(call, "Ports: one number (22) or a range (8000-8080).", 400)
    protocol = call.field("protocol") or None
    remote = call.field("remote_ip_prefix") or None
    rule = {
        "direction": call.field("direction") or "ingress",
        "ethertype": "IPv6" if remote and ":" in remote else "IPv4",
        "protocol": protocol,
        "port_range_min": _port(low) if ports else None,
        "port_range_max": (_port(high) if high else _port(low)) if ports else None,
        "remote_ip_prefix": remote,
    }
    group_id = call.request.path_params["group_id"]
    return await _groups_or_in_place(call, call.api.network.create_security_group_rule(group_id, **rule))


async def delete_rule(call: Call) -> Response:
    return await _groups_or_in_place(
        call, call.api.network.delete_security_group_rule(call.request.path_params["rule_id"])
    )


async def static(call: Call) -> Response:
    return call.app.static_file(call.request.path_params["name"])


async def floating_ips(call: Call, error: str = "", status: int = 200) -> Response:
    api = call.api
    fips, networks, ports = await asyncio.gather(
        api.network.floating_ips(project_id=api.token.project_id), api.network.networks(), api.network.ports()
    )
    owners = {p["id"]: p for p in ports}
    return call.render(
        "floating_ips.mako",
        status=status,
        active="floating-ips",
        error=error,
        fips=fips,
        owners=owners,
        externals=[n for n in networks if n.get("router:external")],
        names={n["id"]: n.get("name") or n["id"][:8] for n in networks},
    )


async def _fips_or_in_place(call: Call, work: Any) -> Response:
    try:
        await work
    except ApiError as exc:
        if exc.unauthorized:
            raise
        return await floating_ips(call, f"{exc.service}: {exc.message}", exc.status if exc.status >= 400 else 503)
    return redirect(f"{PREFIX}/floating-ips")


async def allocate_floating_ip(call: Call) -> Response:
    network_id = call.field("network_id")
    if not network_id:
        return await floating_ips(call, "Choose an external network.", 400)
    return await _fips_or_in_place(call, call.api.network.create_floating_ip(network_id))


async def floating_ip_action(call: Call) -> Response:
    api, fip_id, what = call.api, call.request.path_params["floating_ip_id"], call.field("action")
    if what == "disassociate":
        return await _fips_or_in_place(call, api.network.update_floating_ip(fip_id, None))
    if what == "release":
        return await _fips_or_in_place(call, api.network.delete_floating_ip(fip_id))
    return await floating_ips(call, f"Unknown action {what!r}.", 400)

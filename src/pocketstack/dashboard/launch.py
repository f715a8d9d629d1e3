"""The launch wizard: the choices it offers (images, flavors, networks, key pairs, groups,
zones, volumes, snapshots, limits), the form's values and checks, and the launch itself
(a new key pair's private key shown once)."""

from __future__ import annotations

import asyncio
import base64
from typing import Any

from pocketstack.client import ApiError, Resource
from pocketstack.dashboard.app import PREFIX, Call, redirect
from pocketstack.web.response import Response

MAX_COUNT = 50


async def _launch_choices(call: Call) -> dict[str, Any]:
    api = call.api
    (
        (images, flavors, networks, keypairs, groups, limits),
        (zones, server_groups, volumes, snapshots),
    ) = await asyncio.gather(
        asyncio.gather(
            api.image.images(status="active"),
            api.compute.flavors(),
            api.network.networks(),
            api.compute.keypairs(),
            api.network.security_groups(project_id=api.token.project_id),
            api.compute.limits(),
        ),
        asyncio.gather(
            api.compute.availability_zones(),
            api.compute.server_groups(),
            api.volume.volumes(),
            api.volume.snapshots(),
        ),
    )
    usable = [n for n in networks if not n.get("router:external") or n.get("shared")]
    free = {
        "instances": limits["maxTotalInstances"] - limits["totalInstancesUsed"],
        "vcpus": limits["maxTotalCores"] - limits["totalCoresUsed"],
        "ram": limits["maxTotalRAMSize"] - limits["totalRAMUsed"],
    }
    flavors.sort(key=lambda f: (f["vcpus"], f["ram"], f["name"]))
    return {
        "images": images,
        "flavors": flavors,
        "networks": usable,
        "keypairs": keypairs,
        "groups": groups,
        "free": free,
        "zones": zones,
        "server_groups": server_groups,
        "volumes": [v for v in volumes if v["status"] == "available" and str(v.get("bootable")).lower() == "true"],
        "snapshots": [v for v in snapshots if v["status"] == "available"],
    }


def _form_values(call: Call) -> dict[str, Any]:
    return {
        "name": call.field("name"),
        "count": call.field("count", "1"),
        "image": call.field("image"),
        "flavor": call.field("flavor"),
        "networks": call.fields("network"),
        "keypair": call.field("keypair"),
        "new_keypair": call.field("new_keypair"),
        "public_key": call.field("public_key"),
        "groups": call.fields("security_group") or ["default"],
        "user_data": call.field("user_data"),
        "boot_volume_gb": call.field("boot_volume_gb"),
        "volume": call.field("volume"),
        "snapshot": call.field("snapshot"),
        "zone": call.field("zone"),
        "server_group": call.field("server_group"),
        "metadata": call.field("metadata"),
    }


async def launch_form(call: Call) -> Response:
    """The wizard; ``?image=ID`` (an image's Launch link) or ``?volume=ID`` preselects."""
    choices = await _launch_choices(call)
    values = _form_values(call)
    values["image"] = call.request.param("image") or ""
    values["volume"] = call.request.param("volume") or ""
    values["snapshot"] = call.request.param("snapshot") or ""
    return call.render("launch.mako", active="instances", error="", values=values, private_key="", **choices)


def _check(values: dict[str, Any]) -> str:
    """The first problem the form has before asking the API, or ''."""
    if not values["name"]:
        return "Give the instance a name."
    sources = [k for k in ("image", "volume", "snapshot") if values[k]]
    if not sources:
        return "Choose an image, a volume or a volume snapshot to boot from."
    if len(sources) > 1:
        return f"Boot from one source, not both: {' and '.join(sources)}."
    if not values["flavor"]:
        return "Choose a flavor."
    if not values["count"].isdigit() or not 1 <= int(values["count"]) <= MAX_COUNT:
        return f"The count must be a whole number from 1 to {MAX_COUNT}."
    if values["boot_volume_gb"] and (not values["boot_volume_gb"].isdigit() or int(values["boot_volume_gb"]) < 1):
        return "The boot volume's size is a whole number of GB."
    if _metadata(values["metadata"]) is None:
        return "Metadata: one KEY=VALUE per line."
    return ""


def _metadata(text: str) -> dict[str, str] | None:
    """KEY=VALUE lines as a dict; None if a line has no '='."""
    found: dict[str, str] = {}
    for line in text.splitlines():
        if not line.strip():
            continue
        key, sep, value = line.partition("=")
        if not sep or not key.strip():
            return None
        found[key.strip()] = value.strip()
    return found


async def launch(call: Call) -> Response:
    values = _form_values(call)
    error = _check(values)
    private_key = ""
    status = 400
    if not error:
        api = call.api
        server: Resource = {
            "name": values["name"],
            "imageRef": values["image"],
            "flavorRef": values["flavor"],
            "networks": [{"uuid": n} for n in values["networks"]] or "none",
            "security_groups": [{"name": g} for g in values["groups"]],
            "min_count": int(values["count"]),
            "max_count": int(values["count"]),
        }
        if values["snapshot"]:
            del server["imageRef"]
            server["block_device_mapping_v2"] = [
                {
                    "boot_index": 0,
                    "uuid": values["snapshot"],
                    "source_type": "snapshot",
                    "destination_type": "volume",
                    "delete_on_termination": True,
                }
            ]
        elif values["volume"]:
            del server["imageRef"]
            server["block_device_mapping_v2"] = [
                {"boot_index": 0, "uuid": values["volume"], "source_type": "volume", "destination_type": "volume"}
            ]
        elif values["boot_volume_gb"]:
            # Image to a new volume, deleted with the instance.
            del server["imageRef"]
            server["block_device_mapping_v2"] = [
                {
                    "boot_index": 0,
                    "uuid": values["image"],
                    "source_type": "image",
                    "destination_type": "volume",
                    "volume_size": int(values["boot_volume_gb"]),
                    "delete_on_termination": True,
                }
            ]
        if values["zone"]:
            server["availability_zone"] = values["zone"]
        metadata = _metadata(values["metadata"])
        if metadata:
            server["metadata"] = metadata
        if values["server_group"]:
            scheduler_hints = {"group": values["server_group"]}
        else:
            scheduler_hints = {}
        if values["user_data"]:
            server["user_data"] = base64.b64encode(values["user_data"].encode()).decode()
        try:
            if values["new_keypair"]:
                created = await api.compute.create_keypair(values["new_keypair"], values["public_key"] or None)
                private_key = str(created.get("private_key") or "")
                values["keypair"], values["new_keypair"], values["public_key"] = created["name"], "", ""
            if values["keypair"]:
                server["key_name"] = values["keypair"]
            made = await api.compute.create_server(server, scheduler_hints)
        except ApiError as exc:
            if exc.unauthorized:
                raise
            error, status = f"{exc.service}: {exc.message}", exc.status or 503
        else:
            if private_key:
                # Shown once: Nova keeps no copy of a private key it generated.
                return call.render(
                    "keypair_created.mako",
                    active="instances",
                    private_key=private_key,
                    name=values["keypair"],
                    next_url=f"{PREFIX}/instances/{made['id']}",
                )
            return redirect(f"{PREFIX}/instances?launched={made['id']}")
    choices = await _launch_choices(call)
    return call.render(
        "launch.mako",
        status=status,
        active="instances",
        error=error,
        values=values,
        private_key=private_key,
        **choices,
    )

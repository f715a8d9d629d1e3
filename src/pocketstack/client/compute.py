"""Nova's API (microversion 2.79 unless told): servers and their actions, flavors,
key pairs, limits, console output."""

from __future__ import annotations

from typing import Any

import httpx

from pocketstack.client.base import Resource, ServiceClient, seg

MICROVERSION = "2.79"

# The server actions a client may send without a body of its own.
SIMPLE_ACTIONS: dict[str, Resource] = {
    "start": {"os-start": None},
    "stop": {"os-stop": None},
    "reboot": {"reboot": {"type": "SOFT"}},
    "hard-reboot": {"reboot": {"type": "HARD"}},
    "pause": {"pause": None},
    "unpause": {"unpause": None},
    "suspend": {"suspend": None},
    "resume": {"resume": None},
    "lock": {"lock": None},
    "unlock": {"unlock": None},
    "shelve": {"shelve": None},
    "unshelve": {"unshelve": None},
    "confirm-resize": {"confirmResize": None},
    "rescue": {"rescue": None},
    "unrescue": {"unrescue": None},
    "revert-resize": {"revertResize": None},
}


class ComputeClient(ServiceClient):
    service = "compute"
    prefix = "/compute/v2.1"

    def __init__(self, http: httpx.AsyncClient, token: str, microversion: str = MICROVERSION) -> None:
        super().__init__(http, token, {"OpenStack-API-Version": f"compute {microversion}"})

    async def servers(self, **filters: Any) -> list[Resource]:
        """``GET /servers/detail`` with Nova's filters (``limit``, ``marker``, ``sort_key``, ...)."""
        body = await self.get("/servers/detail", **filters)
        return list(body["servers"])

    async def server(self, server_id: str) -> Resource:
        return dict((await self.get(f"/servers/{seg(server_id)}"))["server"])

    async def create_server(self, server: Resource, scheduler_hints: Resource | None = None) -> Resource:
        """``POST /servers``: the new server (id, adminPass...)."""
        body: Resource = {"server": server}
        if scheduler_hints:
            body["os:scheduler_hints"] = scheduler_hints
        return dict((await self.post("/servers", body))["server"])

    async def delete_server(self, server_id: str) -> None:
        await self.delete(f"/servers/{seg(server_id)}")

    async def action(self, server_id: str, body: Resource) -> Any:
        return await self.post(f"/servers/{seg(server_id)}/action", body)

    async def simple_action(self, server_id: str, name: str) -> None:
        """One of ``SIMPLE_ACTIONS`` by its name (``stop``, ``reboot``, ...)."""
        await self.action(server_id, SIMPLE_ACTIONS[name])

    async def console_output(self, server_id: str, length: int | None = None) -> str:
        body = await self.action(server_id, {"os-getConsoleOutput": {"length": length}})
        return str(body.get("output") or "")

    async def instance_actions(self, server_id: str) -> list[Resource]:
        return list((await self.get(f"/servers/{seg(server_id)}/os-instance-actions"))["instanceActions"])

    async def flavors(self) -> list[Resource]:
        return list((await self.get("/flavors/detail"))["flavors"])

    async def keypairs(self) -> list[Resource]:
        return [k["keypair"] for k in (await self.get("/os-keypairs"))["keypairs"]]

    async def create_keypair(self, name: str, public_key: str | None = None) -> Resource:
        """A new key pair (its ``private_key`` once, when Nova generates it) or an imported one."""
        keypair: Resource = {"name": name}
        if public_key:
            keypair["public_key"] = public_key
        return dict((await self.post("/os-keypairs", {"keypair": keypair}))["keypair"])

    async def delete_keypair(self, name: str) -> None:
        await self.delete(f"/os-keypairs/{seg(name)}")

    async def limits(self) -> Resource:
        """``absolute`` limits and usage (maxTotalInstances, totalInstancesUsed, ...)."""
        return dict((await self.get("/limits"))["limits"]["absolute"])

    async def volume_attachments(self, server_id: str) -> list[Resource]:
        return list((await self.get(f"/servers/{seg(server_id)}/os-volume_attachments"))["volumeAttachments"])

    async def attach_volume(self, server_id: str, volume_id: str) -> Resource:
        body = {"volumeAttachment": {"volumeId": volume_id}}
        return dict((await self.post(f"/servers/{seg(server_id)}/os-volume_attachments", body))["volumeAttachment"])

    async def detach_volume(self, server_id: str, volume_id: str) -> None:
        await self.delete(f"/servers/{seg(server_id)}/os-volume_attachments/{seg(volume_id)}")

    async def hypervisors(self) -> list[Resource]:
        """Admin: every hypervisor with its usage (``GET /os-hypervisors/detail``)."""
        return list((await self.get("/os-hypervisors/detail"))["hypervisors"])

    async def services(self) -> list[Resource]:
        """Admin: the compute services and their up/down state."""
        return list((await self.get("/os-services"))["services"])

    async def trace(self, server_id: str) -> list[Resource]:
        """pocketstack's extension (admins): the spans of the server's launch, each with
        ``hop``, ``component``, ``host``, ``started`` (epoch s), ``duration_ms``, ``result``."""
        return list((await self.get(f"/servers/{seg(server_id)}/os-pocketstack-trace"))["spans"])

    async def resize(self, server_id: str, flavor_id: str) -> None:
        await self.action(server_id, {"resize": {"flavorRef": flavor_id}})

    async def snapshot(self, server_id: str, name: str) -> str:
        """``createImage``: the new image's id."""
        answer = await self.action(server_id, {"createImage": {"name": name}})
        return str((answer or {}).get("image_id", ""))

    async def availability_zones(self) -> list[str]:
        """The names of the zones a server may be launched in (available ones)."""
        zones = (await self.get("/os-availability-zone"))["availabilityZoneInfo"]
        return [z["zoneName"] for z in zones if (z.get("zoneState") or {}).get("available", True)]

    async def server_groups(self) -> list[Resource]:
        return list((await self.get("/os-server-groups"))["server_groups"])

    async def attach_interface(self, server_id: str, network_id: str) -> Resource:
        body = {"interfaceAttachment": {"net_id": network_id}}
        return dict((await self.post(f"/servers/{seg(server_id)}/os-interface", body))["interfaceAttachment"])

    async def detach_interface(self, server_id: str, port_id: str) -> None:
        await self.delete(f"/servers/{seg(server_id)}/os-interface/{seg(port_id)}")

    async def update_server(self, server_id: str, **attrs: Any) -> Resource:
        """``PUT /servers/{id}``: ``name``, ``description``..."""
        return dict((await self.put(f"/servers/{seg(server_id)}", {"server": attrs}))["server"])

    async def set_metadata(self, server_id: str, items: dict[str, str]) -> dict[str, str]:
        """Add or change metadata items (the others stay)."""
        return dict((await self.post(f"/servers/{seg(server_id)}/metadata", {"metadata": items}))["metadata"])

    async def delete_metadata(self, server_id: str, key: str) -> None:
        await self.delete(f"/servers/{seg(server_id)}/metadata/{seg(key)}")

    async def aggregates(self) -> list[Resource]:
        """Admin: host aggregates with their hosts and metadata."""
        return list((await self.get("/os-aggregates"))["aggregates"])

    async def default_quotas(self, project_id: str) -> Resource:
        return dict((await self.get(f"/os-quota-sets/{seg(project_id)}/defaults"))["quota_set"])

    async def rebuild(self, server_id: str, image_id: str) -> None:
        await self.action(server_id, {"rebuild": {"imageRef": image_id}})

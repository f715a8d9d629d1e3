"""Neutron's API: networks, subnets, ports, routers, floating IPs, security groups, quotas."""

from __future__ import annotations

from typing import Any

from pocketstack.client.base import Resource, ServiceClient, seg


class NetworkClient(ServiceClient):
    service = "network"
    prefix = "/network/v2.0"

    async def _list(self, plural: str, **filters: Any) -> list[Resource]:
        # The URL spells some collections with a hyphen, the body with an underscore.
        return list((await self.get("/" + plural.replace("_", "-"), **filters))[plural])

    async def networks(self, **filters: Any) -> list[Resource]:
        return await self._list("networks", **filters)

    async def subnets(self, **filters: Any) -> list[Resource]:
        return await self._list("subnets", **filters)

    async def ports(self, **filters: Any) -> list[Resource]:
        return await self._list("ports", **filters)

    async def routers(self, **filters: Any) -> list[Resource]:
        return await self._list("routers", **filters)

    async def floating_ips(self, **filters: Any) -> list[Resource]:
        return await self._list("floatingips", **filters)

    async def security_groups(self, **filters: Any) -> list[Resource]:
        return await self._list("security_groups", **filters)

    async def create_network(self, name: str, **attrs: Any) -> Resource:
        return dict((await self.post("/networks", {"network": {"name": name, **attrs}}))["network"])

    async def create_subnet(self, network_id: str, cidr: str, name: str = "", ip_version: int = 4) -> Resource:
        body = {"subnet": {"network_id": network_id, "cidr": cidr, "name": name, "ip_version": ip_version}}
        return dict((await self.post("/subnets", body))["subnet"])

    async def delete_network(self, network_id: str) -> None:
        await self.delete(f"/networks/{seg(network_id)}")

    async def create_router(self, name: str, external_network_id: str | None = None) -> Resource:
        router: Resource = {"name": name}
        if external_network_id:
            router["external_gateway_info"] = {"network_id": external_network_id}
        return dict((await self.post("/routers", {"router": router}))["router"])

    async def add_router_interface(self, router_id: str, subnet_id: str) -> Resource:
        return dict(await self.put(f"/routers/{seg(router_id)}/add_router_interface", {"subnet_id": subnet_id}))

    async def create_floating_ip(self, network_id: str, port_id: str | None = None) -> Resource:
        body: Resource = {"floating_network_id": network_id}
        if port_id:
            body["port_id"] = port_id
        return dict((await self.post("/floatingips", {"floatingip": body}))["floatingip"])

    async def quota_details(self, project_id: str) -> Resource:
        """Per resource ``limit``, ``used`` and ``reserved`` (``GET /quotas/{id}/details``)."""
        return dict((await self.get(f"/quotas/{seg(project_id)}/details"))["quota"])

    async def update_floating_ip(self, floating_ip_id: str, port_id: str | None) -> Resource:
        """Associate with ``port_id``, or disassociate with None."""
        body = {"floatingip": {"port_id": port_id}}
        return dict((await self.put(f"/floatingips/{seg(floating_ip_id)}", body))["floatingip"])

    async def delete_floating_ip(self, floating_ip_id: str) -> None:
        await self.delete(f"/floatingips/{seg(floating_ip_id)}")

    async def agents(self) -> list[Resource]:
        """Admin: the network agents and whether they are alive."""
        return await self._list("agents")

    async def create_security_group(self, name: str, description: str = "") -> Resource:
        body = {"security_group": {"name": name, "description": description}}
        return dict((await self.post("/security-groups", body))["security_group"])

    async def delete_security_group(self, group_id: str) -> None:
        await self.delete(f"/security-groups/{seg(group_id)}")

    async def create_security_group_rule(self, group_id: str, **rule: Any) -> Resource:
        """A rule (``direction``, ``ethertype``, ``protocol``, ``port_range_min``/``max``,
        ``remote_ip_prefix`` or ``remote_group_id``); None values are left out."""
        body = {"security_group_id": group_id, **{k: v for k, v in rule.items() if v is not None}}
        return dict((await self.post("/security-group-rules", {"security_group_rule": body}))["security_group_rule"])

    async def delete_security_group_rule(self, rule_id: str) -> None:
        await self.delete(f"/security-group-rules/{seg(rule_id)}")

    async def delete_router(self, router_id: str) -> None:
        """Remove the router's interfaces first (Neutron refuses a router that has any)."""
        for port in await self.ports(device_id=router_id, device_owner="network:router_interface"):
            await self.put(f"/routers/{seg(router_id)}/remove_router_interface", {"port_id": port["id"]})
        await self.delete(f"/routers/{seg(router_id)}")

    async def auto_allocated_topology(self, project_id: str) -> str:
        """The id of the project's auto-allocated network ("get me a network"), made on first use."""
        body = await self.get(f"/auto-allocated-topology/{seg(project_id)}")
        return str(body["auto_allocated_topology"]["id"])

    async def remove_router_interface(self, router_id: str, subnet_id: str) -> Resource:
        return dict(await self.put(f"/routers/{seg(router_id)}/remove_router_interface", {"subnet_id": subnet_id}))

    async def set_router_gateway(self, router_id: str, network_id: str | None) -> Resource:
        """Set the router's external gateway, or clear it with None."""
        info = {"network_id": network_id} if network_id else {}
        body = {"router": {"external_gateway_info": info}}
        return dict((await self.put(f"/routers/{seg(router_id)}", body))["router"])

"""A server's ``addresses`` follow its floating IPs through the whole cloud in-process:
the network service sends network-changed to compute when a floating IP is mapped to or
from the server's port, and compute refreshes the server's network info from the network
API (a ``floating`` entry after the port's fixed ones, gone once dissociated)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from pocketstack.testing.cloud import CloudClient, in_process_cloud

C = "/compute/v2.1"
N = "/network/v2.0"


async def _req(c: CloudClient, method: str, path: str, token: str, **kw: Any) -> Any:
    r = await c.http.request(method, path, headers={"X-Auth-Token": token}, **kw)
    assert r.status_code < 300, r.text
    return r.json() if r.content else None


async def _until(check: Callable[[], Awaitable[bool]], what: str) -> None:
    for _ in range(400):
        if await check():
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}")


async def _image(c: CloudClient, admin: str) -> str:
    body = {"name": "pixel-fip", "disk_format": "raw", "container_format": "bare", "visibility": "public"}
    image = await _req(c, "POST", "/image/v2/images", admin, json=body)
    put = await c.http.put(
        f"/image/v2/images/{image['id']}/file",
        content=b"\0" * 1024,
        headers={"X-Auth-Token": admin, "Content-Type": "application/octet-stream"},
    )
    assert put.status_code == 204
    return str(image["id"])


async def test_floating_ip_shows_in_server_addresses(tmp_path: Path) -> None:
    async with in_process_cloud(tmp_path) as c:
        admin, demo = await c.token("admin"), await c.token("demo")
        ext = await _req(c, "POST", f"{N}/networks", admin, json={"network": {"name": "ext", "router:external": True}})
        ext_id = ext["network"]["id"]
        body = {"subnet": {"network_id": ext_id, "cidr": "172.24.4.0/24", "ip_version": 4}}
        await _req(c, "POST", f"{N}/subnets", admin, json=body)
        net = (await _req(c, "POST", f"{N}/networks", demo, json={"network": {"name": "inner"}}))["network"]["id"]
        sub = await _req(c, "POST", f"{N}/subnets", demo, json={"subnet": {"network_id": net, "cidr": "10.50.0.0/24"}})
        router = await _req(
            c, "POST", f"{N}/routers", demo, json={"router": {"external_gateway_info": {"network_id": ext_id}}}
        )
        rid = router["router"]["id"]
        await _req(c, "PUT", f"{N}/routers/{rid}/add_router_interface", demo, json={"subnet_id": sub["subnet"]["id"]})

        server = {"name": "fip-vm", "flavorRef": "1", "imageRef": await _image(c, admin), "networks": [{"uuid": net}]}
        sid = (await _req(c, "POST", f"{C}/servers", demo, json={"server": server}))["server"]["id"]

        async def show() -> dict[str, Any]:
            return dict((await _req(c, "GET", f"{C}/servers/{sid}", demo))["server"])

        async def active() -> bool:
            return (await show())["status"] == "ACTIVE"

        await _until(active, "server ACTIVE")
        port = (await _req(c, "GET", f"{N}/ports?device_id={sid}", demo))["ports"][0]
        fixed = port["fixed_ips"][0]["ip_address"]
        body = {"floatingip": {"floating_network_id": ext_id, "port_id": port["id"]}}
        fip = (await _req(c, "POST", f"{N}/floatingips", demo, json=body))["floatingip"]

        def entries(server: dict[str, Any]) -> list[tuple[str, str, str]]:
            return [
                (a["addr"], a["OS-EXT-IPS:type"], a["OS-EXT-IPS-MAC:mac_addr"])
                for a in server["addresses"].get("inner", [])
            ]

        mac = port["mac_address"]
        both = [(fixed, "fixed", mac), (fip["floating_ip_address"], "floating", mac)]

        async def floating_shown() -> bool:
            return entries(await show()) == both

        await _until(floating_shown, "the floating address in the server's addresses")
        await _req(c, "PUT", f"{N}/floatingips/{fip['id']}", demo, json={"floatingip": {"port_id": None}})

        async def floating_gone() -> bool:
            return entries(await show()) == [(fixed, "fixed", mac)]

        await _until(floating_gone, "the floating address to leave the server's addresses")
        # Mapped again, then deleted: gone again.
        await _req(c, "PUT", f"{N}/floatingips/{fip['id']}", demo, json={"floatingip": {"port_id": port["id"]}})
        await _until(floating_shown, "the floating address back")
        await _req(c, "DELETE", f"{N}/floatingips/{fip['id']}", demo)
        await _until(floating_gone, "the deleted floating address to leave")

"""A server's security groups through the whole cloud in-process: groups asked for at
create go on the ports the agent makes; addSecurityGroup/removeSecurityGroup change the
ports; os-security-groups lists them; os-resetState; bad input is a 4xx."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from pocketstack.testing.cloud import CloudClient, in_process_cloud

pytestmark = pytest.mark.asyncio(loop_scope="module")
C = "/compute/v2.1"
N = "/network/v2.0"


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def c(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[CloudClient]:
    async with in_process_cloud(Path(tmp_path_factory.mktemp("sg"))) as client:
        yield client


async def _req(c: CloudClient, method: str, path: str, token: str, **kw: Any) -> Any:
    return await c.http.request(method, path, headers={"X-Auth-Token": token}, **kw)


async def _network(c: CloudClient, token: str) -> str:
    net = (await _req(c, "POST", f"{N}/networks", token, json={"network": {"name": "n"}})).json()["network"]["id"]
    body = {"subnet": {"network_id": net, "cidr": "10.30.0.0/24", "ip_version": 4}}
    assert (await _req(c, "POST", f"{N}/subnets", token, json=body)).status_code == 201
    return str(net)


async def _group(c: CloudClient, token: str, name: str) -> str:
    resp = await _req(c, "POST", f"{N}/security-groups", token, json={"security_group": {"name": name}})
    assert resp.status_code == 201, resp.text
    return str(resp.json()["security_group"]["id"])


async def _active(c: CloudClient, token: str, server_id: str) -> dict[str, Any]:
    for _ in range(300):
        server = (await _req(c, "GET", f"{C}/servers/{server_id}", token)).json()["server"]
        if server["status"] in ("ACTIVE", "ERROR"):
            assert server["status"] == "ACTIVE", server
            return dict(server)
        await asyncio.sleep(0.02)
    raise AssertionError("server not ACTIVE")


async def _port_groups(c: CloudClient, token: str, server_id: str) -> set[str]:
    ports = (await _req(c, "GET", f"{N}/ports?device_id={server_id}", token)).json()["ports"]
    assert len(ports) == 1
    return set(ports[0]["security_groups"])


async def test_groups_on_ports_and_actions(c: CloudClient) -> None:
    demo = await c.token("demo")
    net = await _network(c, demo)
    web = await _group(c, demo, "web")
    default = next(
        g["id"] for g in (await _req(c, "GET", f"{N}/security-groups?name=default", demo)).json()["security_groups"]
    )
    body = {
        "server": {
            "name": "sg-vm",
            "flavorRef": "1",
            "imageRef": await _image(c, demo),
            "networks": [{"uuid": net}],
            "security_groups": [{"name": "web"}],
        }
    }
    made = await _req(c, "POST", f"{C}/servers", demo, json=body)
    assert made.status_code == 202, made.text
    sid = made.json()["server"]["id"]
    assert made.json()["server"]["security_groups"] == [{"name": "web"}]
    await _active(c, demo, sid)
    # The group asked for is on the port, instead of the default one.
    assert await _port_groups(c, demo, sid) == {web}
    listed = (await _req(c, "GET", f"{C}/servers/{sid}/os-security-groups", demo)).json()["security_groups"]
    assert [g["name"] for g in listed] == ["web"]

    async def act(name: str, group: str) -> Any:
        return await _req(c, "POST", f"{C}/servers/{sid}/action", demo, json={name: {"name": group}})

    assert (await act("addSecurityGroup", "default")).status_code == 202
    assert await _port_groups(c, demo, sid) == {web, default}
    assert (await act("addSecurityGroup", "default")).status_code == 400  # already there
    assert (await act("removeSecurityGroup", "web")).status_code == 202
    assert await _port_groups(c, demo, sid) == {default}
    assert (await act("removeSecurityGroup", "web")).status_code == 400  # not there
    assert (await act("addSecurityGroup", "no-such-group")).status_code == 404
    bad = await _req(c, "POST", f"{C}/servers/{sid}/action", demo, json={"addSecurityGroup": {}})
    assert bad.status_code == 400
    shown = (await _req(c, "GET", f"{C}/servers/{sid}", demo)).json()["server"]
    assert shown["security_groups"] == [{"name": "default"}]
    # Unknown group at create: the caller's 400, no server made.
    body["server"]["security_groups"] = [{"name": "nope"}]
    refused = await _req(c, "POST", f"{C}/servers", demo, json=body)
    assert refused.status_code == 400 and "nope" in refused.text


async def test_reset_state_is_admin_only(c: CloudClient) -> None:
    demo, admin = await c.token("demo"), await c.token("admin")
    body = {"server": {"name": "rs", "flavorRef": "1", "imageRef": await _image(c, demo), "networks": "none"}}
    made = await c.http.post(
        f"{C}/servers", json=body, headers={"X-Auth-Token": demo, "OpenStack-API-Version": "compute 2.37"}
    )
    sid = made.json()["server"]["id"]
    await _active(c, demo, sid)
    reset = {"os-resetState": {"state": "error"}}
    assert (await _req(c, "POST", f"{C}/servers/{sid}/action", demo, json=reset)).status_code == 403
    assert (await _req(c, "POST", f"{C}/servers/{sid}/action", admin, json=reset)).status_code == 202
    assert (await _req(c, "GET", f"{C}/servers/{sid}", admin)).json()["server"]["status"] == "ERROR"
    wrong = {"os-resetState": {"state": "paused"}}
    assert (await _req(c, "POST", f"{C}/servers/{sid}/action", admin, json=wrong)).status_code == 400
    back = {"os-resetState": {"state": "active"}}
    assert (await _req(c, "POST", f"{C}/servers/{sid}/action", admin, json=back)).status_code == 202
    assert (await _req(c, "GET", f"{C}/servers/{sid}", admin)).json()["server"]["status"] == "ACTIVE"


async def _image(c: CloudClient, token: str) -> str:
    images = (await _req(c, "GET", "/image/v2/images?name=pixel", token)).json()["images"]
    if images:
        return str(images[0]["id"])
    admin = await c.token("admin")
    body = {"name": "pixel", "disk_format": "raw", "container_format": "bare", "visibility": "public"}
    image = (await _req(c, "POST", "/image/v2/images", admin, json=body)).json()
    put = await c.http.put(
        f"/image/v2/images/{image['id']}/file",
        content=b"\0" * 1024,
        headers={"X-Auth-Token": admin, "Content-Type": "application/octet-stream"},
    )
    assert put.status_code == 204
    return str(image["id"])

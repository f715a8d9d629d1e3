"""Nova's proxy APIs (until 2.36) over the whole cloud in-process: os-security-groups,
os-security-group-rules, os-floating-ips, os-volumes and os-snapshots shaped as Nova
shows the network and volume services' resources; addFloatingIp and removeFloatingIp
(until 2.44)."""

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
    async with in_process_cloud(Path(tmp_path_factory.mktemp("proxies"))) as client:
        yield client


async def _req(c: CloudClient, method: str, path: str, token: str, **kw: Any) -> Any:
    return await c.http.request(method, path, headers={"X-Auth-Token": token}, **kw)


async def test_security_groups_proxy(c: CloudClient) -> None:
    demo = await c.token("demo")
    body = {"security_group": {"name": "web", "description": "front"}}
    made = await _req(c, "POST", f"{C}/os-security-groups", demo, json=body)
    assert made.status_code == 200, made.text
    group = made.json()["security_group"]
    assert group["name"] == "web" and group["description"] == "front" and group["rules"] == []
    assert set(group) == {"id", "name", "description", "tenant_id", "rules"}
    listed = (await _req(c, "GET", f"{C}/os-security-groups", demo)).json()["security_groups"]
    assert {"web", "default"} <= {g["name"] for g in listed}
    default = next(g for g in listed if g["name"] == "default")
    # Bad names and descriptions, a missing group, the default group: Nova's 4xx.
    for bad in ({"name": "", "description": "d"}, {"name": " ", "description": "d"}, {"name": "x" * 256}):
        r = await _req(c, "POST", f"{C}/os-security-groups", demo, json={"security_group": bad})
        assert r.status_code == 400, r.text
    assert (await _req(c, "GET", f"{C}/os-security-groups/no-such", demo)).status_code == 400  # not a UUID
    missing = "5f2e3b0c-0000-4000-8000-000000000000"
    assert (await _req(c, "GET", f"{C}/os-security-groups/{missing}", demo)).status_code == 404
    assert (await _req(c, "DELETE", f"{C}/os-security-groups/", demo)).status_code == 404
    spaced = {"security_group": {"name": " spaced name ", "description": ""}}
    r = await _req(c, "POST", f"{C}/os-security-groups", demo, json=spaced)
    assert r.status_code == 200 and r.json()["security_group"]["name"] == " spaced name "  # kept as sent
    assert (await _req(c, "DELETE", f"{C}/os-security-groups/{default['id']}", demo)).status_code == 400
    upd = {"security_group": {"name": "web2", "description": "new"}}
    r = await _req(c, "PUT", f"{C}/os-security-groups/{group['id']}", demo, json=upd)
    assert r.status_code == 200 and r.json()["security_group"]["name"] == "web2"
    # Rules: a CIDR rule, a group rule (all ports of its protocol), the checks.
    rule = {"parent_group_id": group["id"], "ip_protocol": "tcp", "from_port": 22, "to_port": 22}
    r = await _req(c, "POST", f"{C}/os-security-group-rules", demo, json={"security_group_rule": rule})
    assert r.status_code == 200, r.text
    made_rule = r.json()["security_group_rule"]
    assert made_rule["ip_range"] == {"cidr": "0.0.0.0/0"} and made_rule["group"] == {}
    assert (made_rule["from_port"], made_rule["to_port"], made_rule["ip_protocol"]) == (22, 22, "tcp")
    dup = await _req(c, "POST", f"{C}/os-security-group-rules", demo, json={"security_group_rule": rule})
    assert dup.status_code == 400
    by_group = {"parent_group_id": group["id"], "ip_protocol": "udp", "group_id": default["id"]}
    r = await _req(c, "POST", f"{C}/os-security-group-rules", demo, json={"security_group_rule": by_group})
    assert r.status_code == 200, r.text
    assert r.json()["security_group_rule"]["group"] == {"name": "default", "tenant_id": default["tenant_id"]}
    assert (r.json()["security_group_rule"]["from_port"], r.json()["security_group_rule"]["to_port"]) == (1, 65535)
    bad_rules: list[tuple[dict[str, Any], int]] = [
        ({**rule, "ip_protocol": "tcp", "from_port": 23, "to_port": 22}, 400),
        ({**rule, "ip_protocol": "bogus"}, 400),
        ({**rule, "from_port": "x"}, 400),
        ({**rule, "to_port": 70000}, 400),
        ({**rule, "ip_protocol": "icmp", "from_port": 256, "to_port": 0}, 400),
        ({**rule, "cidr": "10.0.0.0/99"}, 400),
        ({**rule, "parent_group_id": "no-such"}, 400),
        ({**rule, "parent_group_id": missing}, 404),
    ]
    for bad_rule, status in bad_rules:
        r = await _req(c, "POST", f"{C}/os-security-group-rules", demo, json={"security_group_rule": bad_rule})
        assert r.status_code == status, (bad_rule, r.text)
    shown = (await _req(c, "GET", f"{C}/os-security-groups/{group['id']}", demo)).json()["security_group"]
    assert sorted(r["ip_protocol"] for r in shown["rules"]) == ["tcp", "udp"]  # ingress only
    assert (await _req(c, "DELETE", f"{C}/os-security-group-rules/{made_rule['id']}", demo)).status_code == 202
    assert (await _req(c, "DELETE", f"{C}/os-security-group-rules/{made_rule['id']}", demo)).status_code == 404
    assert (await _req(c, "DELETE", f"{C}/os-security-groups/{group['id']}", demo)).status_code == 202
    listed = (await _req(c, "GET", f"{C}/os-security-groups", demo)).json()["security_groups"]
    assert group["id"] not in {g["id"] for g in listed}
    new = {"X-Auth-Token": demo, "OpenStack-API-Version": "compute 2.36"}
    assert (await c.http.get(f"{C}/os-security-groups", headers=new)).status_code == 404


async def _image(c: CloudClient, admin: str) -> str:
    body = {"name": "fip-img", "disk_format": "raw", "container_format": "bare", "visibility": "public"}
    image = (await _req(c, "POST", "/image/v2/images", admin, json=body)).json()
    put = await c.http.put(
        f"/image/v2/images/{image['id']}/file",
        content=b"\0" * 1024,
        headers={"X-Auth-Token": admin, "Content-Type": "application/octet-stream"},
    )
    assert put.status_code == 204
    return str(image["id"])


async def _made(c: CloudClient, token: str, path: str, key: str, **body: Any) -> dict[str, Any]:
    r = await _req(c, "POST", f"{N}/{path}", token, json={key: body})
    assert r.status_code == 201, r.text
    return dict(r.json()[key])


async def _active_server(c: CloudClient, token: str, body: dict[str, Any]) -> str:
    made = await _req(c, "POST", f"{C}/servers", token, json={"server": body})
    assert made.status_code == 202, made.text
    sid = str(made.json()["server"]["id"])
    for _ in range(500):
        status = (await _req(c, "GET", f"{C}/servers/{sid}", token)).json()["server"]["status"]
        if status in ("ACTIVE", "ERROR"):
            assert status == "ACTIVE"
            return sid
        await asyncio.sleep(0.02)
    raise AssertionError("server not ACTIVE")


async def test_floating_ips_proxy_and_actions(c: CloudClient) -> None:
    admin, demo = await c.token("admin"), await c.token("demo")
    ext = await _made(c, admin, "networks", "network", name="public", **{"router:external": True})
    await _made(c, admin, "subnets", "subnet", network_id=ext["id"], cidr="203.0.113.0/24", ip_version=4)
    net = await _made(c, demo, "networks", "network", name="private")
    sub = await _made(c, demo, "subnets", "subnet", network_id=net["id"], cidr="10.40.0.0/24", ip_version=4)
    router = await _made(c, demo, "routers", "router", external_gateway_info={"network_id": ext["id"]})
    r = await _req(c, "PUT", f"{N}/routers/{router['id']}/add_router_interface", demo, json={"subnet_id": sub["id"]})
    assert r.status_code == 200, r.text
    pools = (await _req(c, "GET", f"{C}/os-floating-ip-pools", demo)).json()["floating_ip_pools"]
    assert pools == [{"name": "public"}]
    r = await _req(c, "POST", f"{C}/os-floating-ips", demo, json={"pool": "public"})
    assert r.status_code == 200, r.text
    fip = r.json()["floating_ip"]
    assert fip["pool"] == "public" and fip["instance_id"] is None and fip["fixed_ip"] is None
    assert (await _req(c, "POST", f"{C}/os-floating-ips", demo, json={"pool": "nope"})).status_code == 404
    listed = (await _req(c, "GET", f"{C}/os-floating-ips", demo)).json()["floating_ips"]
    assert [f["id"] for f in listed] == [fip["id"]]
    body = {"name": "fip-vm", "flavorRef": "1", "imageRef": await _image(c, admin), "networks": [{"uuid": net["id"]}]}
    sid = await _active_server(c, demo, body)

    async def act(name: str, address: str) -> Any:
        return await _req(c, "POST", f"{C}/servers/{sid}/action", demo, json={name: {"address": address}})

    assert (await act("addFloatingIp", fip["ip"])).status_code == 202
    shown = (await _req(c, "GET", f"{C}/os-floating-ips/{fip['id']}", demo)).json()["floating_ip"]
    assert shown["instance_id"] == sid and shown["fixed_ip"].startswith("10.40.0.")
    # A second floating IP onto the same fixed address: refused (400), as Nova.
    other = (await _req(c, "POST", f"{C}/os-floating-ips", demo, json={"pool": ext["id"]})).json()["floating_ip"]
    assert (await act("addFloatingIp", other["ip"])).status_code == 400
    assert (await act("addFloatingIp", "0.0.0.0")).status_code == 404
    assert (await act("addFloatingIp", "")).status_code == 400
    assert (await act("removeFloatingIp", other["ip"])).status_code == 409  # not on this server
    assert (await act("removeFloatingIp", fip["ip"])).status_code == 202
    shown = (await _req(c, "GET", f"{C}/os-floating-ips/{fip['id']}", demo)).json()["floating_ip"]
    assert shown["instance_id"] is None
    assert (await _req(c, "DELETE", f"{C}/os-floating-ips/{fip['id']}", demo)).status_code == 202
    assert (await _req(c, "GET", f"{C}/os-floating-ips/{fip['id']}", demo)).status_code == 404
    assert (await _req(c, "DELETE", f"{C}/os-floating-ips/{fip['id']}", demo)).status_code == 404
    assert (await _req(c, "DELETE", f"{C}/os-floating-ips/", demo)).status_code == 404


async def test_volumes_and_snapshots_proxy(c: CloudClient) -> None:
    demo = await c.token("demo")
    body = {"volume": {"size": 1, "display_name": "v1", "metadata": {"k": "v"}}}
    r = await _req(c, "POST", f"{C}/os-volumes", demo, json=body)
    assert r.status_code == 200, r.text
    vol = r.json()["volume"]
    assert vol["displayName"] == "v1" and vol["size"] == 1 and vol["attachments"] == [{}]
    assert vol["metadata"] == {"k": "v"} and vol["availabilityZone"] == "nova"
    for bad in ({"size": "#$%"}, {"size": 0}, {"display_name": "x"}):
        assert (await _req(c, "POST", f"{C}/os-volumes", demo, json={"volume": bad})).status_code == 400
    for _ in range(200):
        shown = (await _req(c, "GET", f"{C}/os-volumes/{vol['id']}", demo)).json()["volume"]
        if shown["status"] == "available":
            break
        await asyncio.sleep(0.02)
    assert shown["status"] == "available"
    listed = (await _req(c, "GET", f"{C}/os-volumes/detail", demo)).json()["volumes"]
    assert vol["id"] in {v["id"] for v in listed}
    r = await _req(c, "POST", f"{C}/os-snapshots", demo, json={"snapshot": {"volume_id": vol["id"], "force": True}})
    assert r.status_code == 200, r.text
    snap = r.json()["snapshot"]
    assert snap["volumeId"] == vol["id"] and snap["size"] == 1
    for _ in range(200):
        got = (await _req(c, "GET", f"{C}/os-snapshots/{snap['id']}", demo)).json()["snapshot"]
        if got["status"] == "available":
            break
        await asyncio.sleep(0.02)
    assert (await _req(c, "DELETE", f"{C}/os-snapshots/{snap['id']}", demo)).status_code == 202
    assert (await _req(c, "GET", f"{C}/os-volumes/no-such", demo)).status_code == 404
    assert (await _req(c, "DELETE", f"{C}/os-volumes/no-such", demo)).status_code == 404
    assert (await _req(c, "DELETE", f"{C}/os-volumes/", demo)).status_code == 404
    new = {"X-Auth-Token": demo, "OpenStack-API-Version": "compute 2.36"}
    assert (await c.http.get(f"{C}/os-volumes", headers=new)).status_code == 404


async def test_server_without_security_groups_shows_none(c: CloudClient) -> None:
    admin, demo = await c.token("admin"), await c.token("demo")
    headers = {"X-Auth-Token": demo, "OpenStack-API-Version": "compute 2.37"}
    body = {"server": {"name": "nosg", "flavorRef": "1", "imageRef": await _image(c, admin), "networks": "none"}}
    made = await c.http.post(f"{C}/servers", json=body, headers=headers)
    assert made.status_code == 202, made.text
    sid = made.json()["server"]["id"]
    for _ in range(500):
        server = (await _req(c, "GET", f"{C}/servers/{sid}", demo)).json()["server"]
        if server["status"] == "ACTIVE":
            break
        await asyncio.sleep(0.02)
    assert server["security_groups"] == [{"name": "default"}]
    r = await _req(c, "POST", f"{C}/servers/{sid}/action", demo, json={"removeSecurityGroup": {"name": "default"}})
    assert r.status_code == 202, r.text
    assert "security_groups" not in (await _req(c, "GET", f"{C}/servers/{sid}", demo)).json()["server"]


async def test_list_servers_by_ip(c: CloudClient) -> None:
    admin, demo = await c.token("admin"), await c.token("demo")
    net = await _made(c, demo, "networks", "network", name="iplist")
    await _made(c, demo, "subnets", "subnet", network_id=net["id"], cidr="10.77.0.0/24", ip_version=4)
    image = await _image(c, admin)
    body = {"flavorRef": "1", "imageRef": image, "networks": [{"uuid": net["id"], "fixed_ip": "10.77.0.10"}]}
    first = await _active_server(c, demo, {**body, "name": "ip-a"})
    body["networks"] = [{"uuid": net["id"], "fixed_ip": "10.77.0.100"}]
    second = await _active_server(c, demo, {**body, "name": "ip-b"})

    async def listed(query: str) -> set[str]:
        r = await _req(c, "GET", f"{C}/servers?{query}", demo)
        assert r.status_code == 200, r.text
        return {s["id"] for s in r.json()["servers"]}

    # A regex matched from the start: 10.77.0.10 also matches 10.77.0.100.
    assert await listed("ip=10.77.0.10") == {first, second}
    assert await listed("ip=10.77.0.100") == {second}
    assert await listed("ip=10.78") == set()
    assert (await _req(c, "GET", f"{C}/servers?ip=(", demo)).status_code == 400


async def test_networks_proxies(c: CloudClient) -> None:
    demo, admin = await c.token("demo"), await c.token("admin")
    net = await _made(c, demo, "networks", "network", name="proxied")
    listed = (await _req(c, "GET", f"{C}/os-networks", demo)).json()["networks"]
    mine = next(n for n in listed if n["id"] == net["id"])
    assert mine["label"] == "proxied" and mine["cidr"] is None and "vlan" not in mine
    shown = (await _req(c, "GET", f"{C}/os-networks/{net['id']}", admin)).json()["network"]
    assert shown["label"] == "proxied" and "vlan" in shown
    tenant = (await _req(c, "GET", f"{C}/os-tenant-networks/{net['id']}", demo)).json()["network"]
    assert tenant == {"id": net["id"], "label": "proxied", "cidr": None}
    assert (await _req(c, "GET", f"{C}/os-networks/no-such", demo)).status_code == 404
    new = {"X-Auth-Token": demo, "OpenStack-API-Version": "compute 2.36"}
    assert (await c.http.get(f"{C}/os-tenant-networks", headers=new)).status_code == 404


async def _fresh_member(c: CloudClient, name: str) -> str:
    """A token of a new user in a new project (nothing made there yet)."""
    admin = await c.token("admin")
    project = (await _req(c, "POST", "/identity/v3/projects", admin, json={"project": {"name": name}})).json()
    user_body = {"user": {"name": name, "password": name, "default_project_id": project["project"]["id"]}}
    user = (await _req(c, "POST", "/identity/v3/users", admin, json=user_body)).json()["user"]
    roles = (await _req(c, "GET", "/identity/v3/roles?name=member", admin)).json()["roles"]
    grant = f"/identity/v3/projects/{project['project']['id']}/users/{user['id']}/roles/{roles[0]['id']}"
    assert (await _req(c, "PUT", grant, admin)).status_code == 204
    return await c.token(name)


async def test_networks_auto_allocates_the_projects_network(c: CloudClient) -> None:
    admin = await c.token("admin")
    member = await _fresh_member(c, "autonet")
    body = {"flavorRef": "1", "imageRef": await _image(c, admin), "networks": "auto", "min_count": 2}
    headers = {"X-Auth-Token": member, "OpenStack-API-Version": "compute 2.37"}
    made = await c.http.post(f"{C}/servers", json={"server": {**body, "name": "auto"}}, headers=headers)
    assert made.status_code == 202, made.text
    listed = (await _req(c, "GET", f"{C}/servers?name=auto", member)).json()["servers"]
    nets = set()
    for server in listed:
        for _ in range(500):
            shown = (await _req(c, "GET", f"{C}/servers/{server['id']}", member)).json()["server"]
            if shown["status"] in ("ACTIVE", "ERROR"):
                break
            await asyncio.sleep(0.02)
        assert shown["status"] == "ACTIVE", shown
        addresses = (await _req(c, "GET", f"{C}/servers/{server['id']}/ips", member)).json()["addresses"]
        assert len(addresses) == 1
        nets |= set(addresses)
    assert len(listed) == 2 and len(nets) == 1  # both on the one auto-allocated network

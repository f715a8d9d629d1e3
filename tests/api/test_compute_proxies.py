"""Nova's proxy APIs (until 2.36) over the whole cloud in-process: os-security-groups
and os-security-group-rules shaped as Nova shows the network service's groups."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from pocketstack.testing.cloud import CloudClient, in_process_cloud

pytestmark = pytest.mark.asyncio(loop_scope="module")
C = "/compute/v2.1"


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
    assert (await _req(c, "GET", f"{C}/os-security-groups/no-such", demo)).status_code == 404
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
        ({**rule, "parent_group_id": "no-such"}, 404),
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

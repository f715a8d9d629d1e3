"""Network API: security groups, the per-project default group, rules and their bad input."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from tests.api.network_support import Api, error, network_api


@pytest.fixture
async def api(tmp_path: Path) -> AsyncIterator[Api]:
    async with network_api(tmp_path) as a:
        yield a


async def test_default_group_created_on_first_use_with_neutron_rules(api: Api) -> None:
    groups = (await api.get("security-groups")).json()["security_groups"]
    assert len(groups) == 1
    default = groups[0]
    assert default["name"] == "default" and default["project_id"] == "p-demo"
    rules = {(r["direction"], r["ethertype"], r["remote_group_id"]) for r in default["security_group_rules"]}
    assert rules == {
        ("egress", "IPv4", None),
        ("egress", "IPv6", None),
        ("ingress", "IPv4", default["id"]),
        ("ingress", "IPv6", default["id"]),
    }
    again = (await api.get("security-groups")).json()["security_groups"]
    assert [g["id"] for g in again] == [default["id"]]
    # Each project has its own.
    alt = (await api.get("security-groups", "alt")).json()["security_groups"]
    assert len(alt) == 1 and alt[0]["id"] != default["id"]


async def test_create_update_delete_group(api: Api) -> None:
    sg = await api.made("security-groups", "security_group", name="web", description="web servers")
    assert [r["direction"] for r in sg["security_group_rules"]] == ["egress", "egress"]
    r = await api.put(f"security-groups/{sg['id']}", {"security_group": {"name": "www"}})
    assert r.json()["security_group"]["name"] == "www"
    assert (await api.get(f"security-groups/{sg['id']}", "alt")).status_code == 404
    assert (await api.delete(f"security-groups/{sg['id']}")).status_code == 204
    r = await api.get(f"security-groups/{sg['id']}")
    assert r.status_code == 404 and error(r)["type"] == "SecurityGroupNotFound"


async def test_default_group_cannot_be_deleted_or_renamed_by_members(api: Api) -> None:
    default = (await api.get("security-groups")).json()["security_groups"][0]
    r = await api.delete(f"security-groups/{default['id']}")
    assert r.status_code == 409 and error(r)["type"] == "SecurityGroupCannotRemoveDefault"
    r = await api.put(f"security-groups/{default['id']}", {"security_group": {"name": "other"}})
    assert r.status_code == 409
    r = await api.post("security-groups", {"security_group": {"name": "default"}})
    assert r.status_code == 409


async def test_group_in_use_cannot_be_deleted(api: Api) -> None:
    sg = await api.made("security-groups", "security_group", name="web")
    net, _ = await api.net_with_subnet()
    port = await api.port(net["id"], security_groups=[sg["id"]])
    r = await api.delete(f"security-groups/{sg['id']}")
    assert r.status_code == 409 and error(r)["type"] == "SecurityGroupInUse" and port["id"] in error(r)["message"]


async def rule(api: Api, sg_id: str, **attrs: Any) -> Any:
    return await api.post(
        "security-group-rules", {"security_group_rule": {"security_group_id": sg_id, "direction": "ingress", **attrs}}
    )


async def test_rules_create_show_list_delete(api: Api) -> None:
    sg = await api.made("security-groups", "security_group", name="web")
    r = await rule(api, sg["id"], protocol="tcp", port_range_min=22, port_range_max=22, remote_ip_prefix="10.0.0.0/8")
    assert r.status_code == 201, r.text
    created = r.json()["security_group_rule"]
    assert created["protocol"] == "tcp" and created["port_range_min"] == 22 and created["ethertype"] == "IPv4"
    icmp = (await rule(api, sg["id"], protocol="icmp")).json()["security_group_rule"]
    assert (await api.get(f"security-group-rules/{created['id']}")).status_code == 200
    listed = (await api.get("security-group-rules", security_group_id=sg["id"])).json()["security_group_rules"]
    assert {created["id"], icmp["id"]} <= {x["id"] for x in listed}
    assert len(listed) == 4  # plus the two default egress rules
    r = await rule(api, sg["id"], protocol="tcp", port_range_min=22, port_range_max=22, remote_ip_prefix="10.0.0.0/8")
    assert (
        r.status_code == 409 and error(r)["type"] == "SecurityGroupRuleExists" and created["id"] in error(r)["message"]
    )
    assert (await api.delete(f"security-group-rules/{created['id']}")).status_code == 204
    assert (await api.get(f"security-group-rules/{created['id']}")).status_code == 404
    assert (await api.get(f"security-group-rules/{icmp['id']}", "alt")).status_code == 404


async def test_deleting_a_group_deletes_the_rules_naming_it_as_remote(api: Api) -> None:
    """Neutron's remote_group_id is a foreign key with ON DELETE CASCADE: rules of other
    groups whose remote is the deleted group go with it; the others stay."""
    web = await api.made("security-groups", "security_group", name="web")
    db = await api.made("security-groups", "security_group", name="db")
    via_group = (await rule(api, web["id"], protocol="tcp", port_range_min=5432, port_range_max=5432,
                            remote_group_id=db["id"])).json()["security_group_rule"]  # fmt: skip
    by_prefix = (await rule(api, web["id"], protocol="tcp", remote_ip_prefix="10.0.0.0/8")).json()
    own = (await rule(api, db["id"], protocol="udp")).json()["security_group_rule"]
    assert (await api.delete(f"security-groups/{db['id']}")).status_code == 204
    assert (await api.get(f"security-group-rules/{via_group['id']}")).status_code == 404
    assert (await api.get(f"security-group-rules/{own['id']}")).status_code == 404
    shown = (await api.get(f"security-groups/{web['id']}")).json()["security_group"]
    ids = {r["id"] for r in shown["security_group_rules"]}
    assert via_group["id"] not in ids and by_prefix["security_group_rule"]["id"] in ids
    assert all(r["remote_group_id"] != db["id"] for r in shown["security_group_rules"])
    listed = (await api.get("security-group-rules", remote_group_id=db["id"])).json()["security_group_rules"]
    assert listed == []


BAD_RULES: list[tuple[dict[str, Any], int, str]] = [
    ({"protocol": "tcp", "port_range_min": 100, "port_range_max": 10}, 400, "SecurityGroupInvalidPortRange"),
    ({"protocol": "tcp", "port_range_min": 0, "port_range_max": 10}, 400, "SecurityGroupInvalidPortValue"),
    ({"protocol": "udp", "port_range_min": 1, "port_range_max": 70000}, 400, "SecurityGroupInvalidPortValue"),
    ({"protocol": "icmp", "port_range_min": 300}, 400, "SecurityGroupInvalidIcmpValue"),
    ({"protocol": "icmp", "port_range_max": 3}, 400, "SecurityGroupMissingIcmpType"),
    ({"protocol": "bogus"}, 400, "SecurityGroupRuleInvalidProtocol"),
    ({"protocol": 999}, 400, "SecurityGroupRuleInvalidProtocol"),
    ({"port_range_min": 22, "port_range_max": 22}, 400, "SecurityGroupProtocolRequiredWithPorts"),
    ({"protocol": "gre", "port_range_min": 1}, 400, "SecurityGroupInvalidProtocolForPort"),
    ({"remote_ip_prefix": "10.0.0.0/8", "ethertype": "IPv6"}, 400, "SecurityGroupRuleParameterConflict"),
    ({"remote_ip_prefix": "not-a-cidr"}, 400, "InvalidInput"),
    ({"direction": "sideways"}, 400, "HTTPBadRequest"),
    ({"ethertype": "IPv5"}, 400, "HTTPBadRequest"),
    ({"remote_group_id": "missing"}, 404, "SecurityGroupNotFound"),
]


@pytest.mark.parametrize(("attrs", "status", "kind"), BAD_RULES)
async def test_bad_rules(api: Api, attrs: dict[str, Any], status: int, kind: str) -> None:
    sg = await api.made("security-groups", "security_group", name="web")
    r = await rule(api, sg["id"], **attrs)
    assert r.status_code == status, r.text
    assert error(r)["type"] == kind


async def test_remote_ip_prefix_and_group_are_exclusive(api: Api) -> None:
    sg = await api.made("security-groups", "security_group", name="web")
    r = await rule(api, sg["id"], remote_ip_prefix="10.0.0.0/8", remote_group_id=sg["id"])
    assert r.status_code == 400 and error(r)["type"] == "SecurityGroupRemoteGroupAndRemoteIpPrefix"


async def test_rule_on_missing_or_foreign_group_is_404(api: Api) -> None:
    sg = await api.made("security-groups", "security_group", name="web")
    assert (await rule(api, "missing", protocol="tcp")).status_code == 404
    r = await api.post(
        "security-group-rules", {"security_group_rule": {"security_group_id": sg["id"], "direction": "ingress"}}, "alt"
    )
    assert r.status_code == 404


async def test_security_group_quotas(api: Api) -> None:
    await api.put("quotas/p-demo", {"quota": {"security_group": 2, "security_group_rule": 7}}, "admin")
    sg = await api.made("security-groups", "security_group", name="one")  # the default group is the other
    r = await api.post("security-groups", {"security_group": {"name": "two"}})
    assert r.status_code == 409 and error(r)["type"] == "OverQuota"
    # 4 default rules + 2 egress rules of "one" = 6; one more fits.
    assert (await rule(api, sg["id"], protocol="tcp")).status_code == 201
    r = await rule(api, sg["id"], protocol="udp")
    assert r.status_code == 409 and "security_group_rule" in error(r)["message"]

"""Identity resources as Keystone shapes them: name limits, group extra attributes, domain
cascade delete, projects acting as domains, legacy endpoint regions, access rules."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio

from pocketstack.testing.cloud import CloudClient, in_process_cloud
from pocketstack.web.access_rules import path_matches, permitted

pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def c(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[CloudClient]:
    async with in_process_cloud(Path(tmp_path_factory.mktemp("identity-resources"))) as client:
        yield client


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def admin(c: CloudClient) -> dict[str, str]:
    return {"X-Auth-Token": await c.token("admin")}


def name() -> str:
    return f"n-{uuid.uuid4().hex[:10]}"


@pytest.mark.parametrize(
    ("path", "key", "body"),
    [
        ("domains", "domain", {"name": "a" * 65}),
        ("projects", "project", {"name": "a" * 65}),
        ("projects", "project", {"name": "   "}),
        ("users", "user", {"name": "a" * 256}),
        ("groups", "group", {"name": "a" * 256}),
        ("projects", "project", {"name": "x", "enabled": "yes"}),
        ("groups", "group", {"description": "no name"}),
    ],
)
async def test_keystone_body_limits(
    c: CloudClient, admin: dict[str, str], path: str, key: str, body: dict[str, object]
) -> None:
    answer = await c.http.post(f"/identity/v3/{path}", json={key: body}, headers=admin)
    assert answer.status_code == 400, answer.text
    assert answer.json()["error"]["message"].startswith("Invalid input")


async def test_group_keeps_extra_attributes(c: CloudClient, admin: dict[str, str]) -> None:
    project = (await c.http.post("/identity/v3/projects", json={"project": {"name": name()}}, headers=admin)).json()
    created = await c.http.post(
        "/identity/v3/groups",
        json={"group": {"name": name(), "project_id": project["project"]["id"], "domain_id": "default"}},
        headers=admin,
    )
    assert created.status_code == 201, created.text
    group = created.json()["group"]
    assert group["project_id"] == project["project"]["id"]
    shown = (await c.http.get(f"/identity/v3/groups/{group['id']}", headers=admin)).json()["group"]
    assert shown["project_id"] == project["project"]["id"]
    moved = await c.http.patch(
        f"/identity/v3/groups/{group['id']}", json={"group": {"domain_id": "elsewhere"}}, headers=admin
    )
    assert moved.status_code == 400


async def test_deleting_a_disabled_domain_deletes_its_content(c: CloudClient, admin: dict[str, str]) -> None:
    domain = (await c.http.post("/identity/v3/domains", json={"domain": {"name": name()}}, headers=admin)).json()
    domain_id = domain["domain"]["id"]
    parent = (
        await c.http.post(
            "/identity/v3/projects", json={"project": {"name": name(), "domain_id": domain_id}}, headers=admin
        )
    ).json()["project"]
    child = (
        await c.http.post(
            "/identity/v3/projects", json={"project": {"name": name(), "parent_id": parent["id"]}}, headers=admin
        )
    ).json()["project"]
    user = (
        await c.http.post("/identity/v3/users", json={"user": {"name": name(), "domain_id": domain_id}}, headers=admin)
    ).json()["user"]
    group = (
        await c.http.post(
            "/identity/v3/groups", json={"group": {"name": name(), "domain_id": domain_id}}, headers=admin
        )
    ).json()["group"]
    member = (await c.http.get("/identity/v3/roles?name=member", headers=admin)).json()["roles"][0]["id"]
    grant = f"/identity/v3/projects/{child['id']}/users/{user['id']}/roles/{member}"
    assert (await c.http.put(grant, headers=admin)).status_code == 204
    assert (await c.http.delete(f"/identity/v3/domains/{domain_id}", headers=admin)).status_code == 403
    await c.http.patch(f"/identity/v3/domains/{domain_id}", json={"domain": {"enabled": False}}, headers=admin)
    assert (await c.http.delete(f"/identity/v3/domains/{domain_id}", headers=admin)).status_code == 204
    for path in (
        f"domains/{domain_id}",
        f"projects/{parent['id']}",
        f"projects/{child['id']}",
        f"users/{user['id']}",
        f"groups/{group['id']}",
    ):
        assert (await c.http.get(f"/identity/v3/{path}", headers=admin)).status_code == 404, path
    left = (await c.http.get(f"/identity/v3/role_assignments?user.id={user['id']}", headers=admin)).json()
    assert left["role_assignments"] == []


async def test_project_acting_as_a_domain(c: CloudClient, admin: dict[str, str]) -> None:
    created = await c.http.post(
        "/identity/v3/projects", json={"project": {"name": name(), "domain_id": None, "is_domain": True}}, headers=admin
    )
    assert created.status_code == 201, created.text
    project = created.json()["project"]
    assert project["is_domain"] is True and project["domain_id"] is None and project["parent_id"] is None
    as_projects = (await c.http.get("/identity/v3/projects?is_domain=true", headers=admin)).json()["projects"]
    assert project["id"] in [p["id"] for p in as_projects]
    plain = (await c.http.get("/identity/v3/projects", headers=admin)).json()["projects"]
    assert project["id"] not in [p["id"] for p in plain]
    domains = (await c.http.get("/identity/v3/domains", headers=admin)).json()["domains"]
    assert project["id"] in [d["id"] for d in domains]
    shown = await c.http.get(f"/identity/v3/projects/{project['id']}", headers=admin)
    assert shown.json()["project"]["is_domain"] is True
    path = f"/identity/v3/projects/{project['id']}"
    assert (await c.http.delete(path, headers=admin)).status_code == 403  # enabled
    disabled = await c.http.patch(path, json={"project": {"enabled": False}}, headers=admin)
    assert disabled.json()["project"]["enabled"] is False
    assert (await c.http.delete(path, headers=admin)).status_code == 204
    assert (await c.http.get(f"/identity/v3/domains/{project['id']}", headers=admin)).status_code == 404


async def test_endpoint_with_legacy_region_creates_it(c: CloudClient, admin: dict[str, str]) -> None:
    service = (await c.http.post("/identity/v3/services", json={"service": {"type": name()}}, headers=admin)).json()[
        "service"
    ]
    region = name()
    body = {"service_id": service["id"], "interface": "public", "url": "http://x.test/", "region": region}
    created = await c.http.post("/identity/v3/endpoints", json={"endpoint": body}, headers=admin)
    assert created.status_code == 201, created.text
    assert created.json()["endpoint"]["region_id"] == region
    assert (await c.http.get(f"/identity/v3/regions/{region}", headers=admin)).status_code == 200
    body = {**body, "region_id": name()}
    del body["region"]
    missing = await c.http.post("/identity/v3/endpoints", json={"endpoint": body}, headers=admin)
    assert missing.status_code == 404


async def test_application_credential_access_rules(c: CloudClient) -> None:
    demo = {"X-Auth-Token": await c.token("demo")}
    me = await c.http.get("/identity/v3/auth/tokens", headers={**demo, "X-Subject-Token": demo["X-Auth-Token"]})
    user_id = me.json()["token"]["user"]["id"]
    base = f"/identity/v3/users/{user_id}"
    rule = {"path": "/v2.1/servers/*/ips", "method": "GET", "service": "compute"}
    expires = (dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)).replace(tzinfo=None)
    created = await c.http.post(
        f"{base}/application_credentials",
        json={"application_credential": {"name": name(), "access_rules": [rule], "expires_at": expires.isoformat()}},
        headers=demo,
    )
    assert created.status_code == 201, created.text
    cred = created.json()["application_credential"]
    assert cred["expires_at"] == expires.isoformat()  # Keystone prints it without a zone
    rule_id = cred["access_rules"][0].pop("id")
    assert cred["access_rules"] == [rule]
    listed = (await c.http.get(f"{base}/access_rules", headers=demo)).json()["access_rules"]
    assert [r["id"] for r in listed] == [rule_id]
    assert (await c.http.get(f"{base}/access_rules/{rule_id}", headers=demo)).json()["access_rule"]["path"] == rule[
        "path"
    ]
    # The credential's tokens may make only the calls its rules allow.
    auth = {
        "identity": {
            "methods": ["application_credential"],
            "application_credential": {"id": cred["id"], "secret": cred["secret"]},
        }
    }
    token = await c.http.post("/identity/v3/auth/tokens", json={"auth": auth})
    assert token.status_code == 201
    assert token.json()["token"]["application_credential"]["access_rules"][0]["id"] == rule_id
    limited = {"X-Auth-Token": token.headers["x-subject-token"]}
    assert (await c.http.get("/identity/v3/auth/catalog", headers=limited)).status_code == 401
    allowed = await c.http.get("/compute/v2.1/servers/nope/ips", headers=limited)
    assert allowed.status_code == 404  # past the rule check: compute looked for the server
    assert (await c.http.get("/compute/v2.1/servers", headers=limited)).status_code == 401
    # In use: 403; once the credential is gone the rule stays until deleted.
    assert (await c.http.delete(f"{base}/access_rules/{rule_id}", headers=demo)).status_code == 403
    assert (await c.http.delete(f"{base}/application_credentials/{cred['id']}", headers=demo)).status_code == 204
    assert [r["id"] for r in (await c.http.get(f"{base}/access_rules", headers=demo)).json()["access_rules"]] == [
        rule_id
    ]
    assert (await c.http.delete(f"{base}/access_rules/{rule_id}", headers=demo)).status_code == 204
    assert (await c.http.get(f"{base}/access_rules/{rule_id}", headers=demo)).status_code == 404


async def test_domain_specific_roles_only_lend_their_implied_roles(c: CloudClient, admin: dict[str, str]) -> None:
    domain = (await c.http.post("/identity/v3/domains", json={"domain": {"name": name()}}, headers=admin)).json()
    domain_id = domain["domain"]["id"]
    d_role = (
        await c.http.post("/identity/v3/roles", json={"role": {"name": name(), "domain_id": domain_id}}, headers=admin)
    ).json()["role"]
    g_role = (await c.http.post("/identity/v3/roles", json={"role": {"name": name()}}, headers=admin)).json()["role"]
    refused = await c.http.put(f"/identity/v3/roles/{g_role['id']}/implies/{d_role['id']}", headers=admin)
    assert refused.status_code == 403
    assert (
        await c.http.put(f"/identity/v3/roles/{d_role['id']}/implies/{g_role['id']}", headers=admin)
    ).status_code == 201
    project = (await c.http.post("/identity/v3/projects", json={"project": {"name": name()}}, headers=admin)).json()
    user = (await c.http.post("/identity/v3/users", json={"user": {"name": name()}}, headers=admin)).json()["user"]
    pid = project["project"]["id"]
    assert (
        await c.http.put(f"/identity/v3/projects/{pid}/users/{user['id']}/roles/{d_role['id']}", headers=admin)
    ).status_code == 204
    query = f"/identity/v3/role_assignments?effective&user.id={user['id']}&scope.project.id={pid}"
    found = (await c.http.get(query, headers=admin)).json()["role_assignments"]
    assert [a["role"]["id"] for a in found] == [g_role["id"]]


async def test_effective_assignments_spread_inherited_grants(c: CloudClient, admin: dict[str, str]) -> None:
    domain_id = (await c.http.post("/identity/v3/domains", json={"domain": {"name": name()}}, headers=admin)).json()[
        "domain"
    ]["id"]
    parent = (
        await c.http.post(
            "/identity/v3/projects", json={"project": {"name": name(), "domain_id": domain_id}}, headers=admin
        )
    ).json()["project"]
    leaf = (
        await c.http.post(
            "/identity/v3/projects", json={"project": {"name": name(), "parent_id": parent["id"]}}, headers=admin
        )
    ).json()["project"]
    user = (await c.http.post("/identity/v3/users", json={"user": {"name": name()}}, headers=admin)).json()["user"]
    role = (await c.http.post("/identity/v3/roles", json={"role": {"name": name()}}, headers=admin)).json()["role"]
    on_parent = (
        f"/identity/v3/OS-INHERIT/projects/{parent['id']}/users/{user['id']}/roles/{role['id']}/inherited_to_projects"
    )
    assert (await c.http.put(on_parent, headers=admin)).status_code == 204

    async def effective(project_id: str) -> list[dict[str, object]]:
        query = f"/identity/v3/role_assignments?effective&user.id={user['id']}&scope.project.id={project_id}"
        result: list[dict[str, object]] = (await c.http.get(query, headers=admin)).json()["role_assignments"]
        return result

    assert await effective(parent["id"]) == []  # inherited: below the project, not on it
    [entry] = await effective(leaf["id"])
    assert entry["scope"] == {"project": {"id": leaf["id"]}, "OS-INHERIT:inherited_to": "projects"}
    assert (await c.http.delete(on_parent, headers=admin)).status_code == 204
    on_domain = (
        f"/identity/v3/OS-INHERIT/domains/{domain_id}/users/{user['id']}/roles/{role['id']}/inherited_to_projects"
    )
    assert (await c.http.put(on_domain, headers=admin)).status_code == 204
    assert len(await effective(parent["id"])) == 1 and len(await effective(leaf["id"])) == 1
    assert (await c.http.delete(on_domain, headers=admin)).status_code == 204
    assert await effective(leaf["id"]) == []


@pytest.mark.parametrize(
    ("pattern", "path", "expected"),
    [
        ("/v2.1/servers/*/ips", "/v2.1/servers/abc/ips", True),
        ("/v2.1/servers/*/ips", "/v2.1/servers/abc/def/ips", False),
        ("/v2.1/servers/{server_id}", "/v2.1/servers/abc", True),
        ("/v2.1/servers/**", "/v2.1/servers/abc/ips", True),
        ("/v2.1/servers/**", "/v2.1/servers", True),
        ("/v2.1/servers/**/ips", "/v2.1/servers/a/b/ips", True),
        ("/v2.1/servers", "/v2.1/servers/abc", False),
        ("/v3/auth/catalog", "/v3/auth/catalog/", True),
    ],
)
async def test_access_rule_paths(pattern: str, path: str, expected: bool) -> None:
    assert path_matches(pattern, path) is expected


async def test_access_rule_services_and_methods() -> None:
    rules = [("block-storage", "GET", "/v3/*/volumes"), ("identity", "POST", "/v3/users")]
    assert permitted(rules, "volume", "GET", "/v3/p/volumes")
    assert permitted(rules, "volume", "HEAD", "/v3/p/volumes")  # HEAD is covered by GET
    assert not permitted(rules, "volume", "DELETE", "/v3/p/volumes")
    assert not permitted(rules, "compute", "GET", "/v3/p/volumes")
    assert permitted(rules, "identity", "POST", "/v3/users")


async def test_project_hierarchy_and_role_assignments_in_subtree(c: CloudClient, admin: dict[str, str]) -> None:
    async def project(**body: object) -> dict[str, object]:
        answer = await c.http.post("/identity/v3/projects", json={"project": {"name": name(), **body}}, headers=admin)
        result: dict[str, object] = answer.json()["project"]
        return result

    a = await project()
    b = await project(parent_id=a["id"])
    c1, c2 = await project(parent_id=b["id"]), await project(parent_id=b["id"])
    ids = (await c.http.get(f"/identity/v3/projects/{c1['id']}?parents_as_ids", headers=admin)).json()["project"]
    assert ids["parents"] == {b["id"]: {a["id"]: {"default": None}}}
    sub = (await c.http.get(f"/identity/v3/projects/{a['id']}?subtree_as_ids", headers=admin)).json()["project"]
    assert sub["subtree"] == {b["id"]: {c1["id"]: None, c2["id"]: None}}
    both = await c.http.get(f"/identity/v3/projects/{a['id']}?subtree_as_ids&subtree_as_list", headers=admin)
    assert both.status_code == 400
    # The lists hold only the projects the caller has a role on.
    user = (await c.http.post("/identity/v3/users", json={"user": {"name": name()}}, headers=admin)).json()["user"]
    member = (await c.http.get("/identity/v3/roles?name=member", headers=admin)).json()["roles"][0]["id"]
    admin_id = (
        await c.http.get("/identity/v3/auth/tokens", headers={**admin, "X-Subject-Token": admin["X-Auth-Token"]})
    ).json()["token"]["user"]["id"]
    await c.http.put(f"/identity/v3/projects/{c2['id']}/users/{admin_id}/roles/{member}", headers=admin)
    listed = (await c.http.get(f"/identity/v3/projects/{a['id']}?subtree_as_list", headers=admin)).json()["project"]
    assert [p["project"]["id"] for p in listed["subtree"]] == [c2["id"]]
    await c.http.put(f"/identity/v3/projects/{c1['id']}/users/{user['id']}/roles/{member}", headers=admin)
    query = f"/identity/v3/role_assignments?scope.project.id={a['id']}&include_subtree=true&user.id={user['id']}"
    found = (await c.http.get(query, headers=admin)).json()["role_assignments"]
    assert [x["scope"]["project"]["id"] for x in found] == [c1["id"]]
    plain = query.replace("&include_subtree=true", "")
    assert (await c.http.get(plain, headers=admin)).json()["role_assignments"] == []
    alone = await c.http.get("/identity/v3/role_assignments?include_subtree=true", headers=admin)
    assert alone.status_code == 400


async def test_application_credential_roles_bring_their_implied_roles(c: CloudClient) -> None:
    demo = {"X-Auth-Token": await c.token("demo")}
    me = await c.http.get("/identity/v3/auth/tokens", headers={**demo, "X-Subject-Token": demo["X-Auth-Token"]})
    user_id = me.json()["token"]["user"]["id"]
    created = await c.http.post(
        f"/identity/v3/users/{user_id}/application_credentials",
        json={"application_credential": {"name": name(), "roles": [{"name": "member"}]}},
        headers=demo,
    )
    assert created.status_code == 201, created.text
    cred = created.json()["application_credential"]
    assert [r["name"] for r in cred["roles"]] == ["member", "reader"]  # member implies reader
    assert cred["system"] is None


@pytest.mark.parametrize("kind", ["projects", "domains", "roles"])
async def test_immutable_resources(c: CloudClient, admin: dict[str, str], kind: str) -> None:
    key = kind[:-1]
    created = await c.http.post(
        f"/identity/v3/{kind}", json={key: {"name": name(), "options": {"immutable": True}}}, headers=admin
    )
    assert created.status_code == 201, created.text
    thing = created.json()[key]
    assert thing["options"] == {"immutable": True}
    path = f"/identity/v3/{kind}/{thing['id']}"
    assert (await c.http.patch(path, json={key: {"description": "x"}}, headers=admin)).status_code == 403
    both = {key: {"description": "x", "options": {"immutable": False}}}
    assert (await c.http.patch(path, json=both, headers=admin)).status_code == 403
    if kind == "projects":
        assert (await c.http.put(f"{path}/tags/t1", headers=admin)).status_code == 403
    if kind != "domains":  # a domain must be disabled first, which is a change too
        assert (await c.http.delete(path, headers=admin)).status_code == 403
    unlock = await c.http.patch(path, json={key: {"options": {"immutable": False}}}, headers=admin)
    assert unlock.status_code == 200 and unlock.json()[key]["options"] == {"immutable": False}
    assert (await c.http.patch(path, json={key: {"description": "x"}}, headers=admin)).status_code == 200
    bad = await c.http.post(f"/identity/v3/{kind}", json={key: {"name": name(), "options": {"x": 1}}}, headers=admin)
    assert bad.status_code == 400


async def test_domains_show_only_keystones_attributes(c: CloudClient, admin: dict[str, str]) -> None:
    body = {"domain": {"name": name(), "colour": "red"}}
    created = (await c.http.post("/identity/v3/domains", json=body, headers=admin)).json()["domain"]
    assert set(created) == {"id", "name", "description", "enabled", "tags", "options", "links"}
    bad_id = {"domain": {"name": name(), "explicit_domain_id": "has spaces"}}
    assert (await c.http.post("/identity/v3/domains", json=bad_id, headers=admin)).status_code == 400


@pytest.mark.parametrize(("url", "status"), [("tcp://10.0.0.1:5672", 201), ("no-scheme", 400), ("http:", 400)])
async def test_endpoint_urls_as_keystone_checks_them(
    c: CloudClient, admin: dict[str, str], url: str, status: int
) -> None:
    service = (await c.http.post("/identity/v3/services", json={"service": {"type": name()}}, headers=admin)).json()
    body = {"endpoint": {"service_id": service["service"]["id"], "interface": "internal", "url": url}}
    assert (await c.http.post("/identity/v3/endpoints", json=body, headers=admin)).status_code == status

"""Identity API behaviour through the real cloud in-process: tokens, scopes, policy, CRUD,
revocation, bad input."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio

from pocketstack.testing.cloud import CloudClient, in_process_cloud

pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def c(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[CloudClient]:
    async with in_process_cloud(Path(tmp_path_factory.mktemp("identity"))) as client:
        yield client


def h(token: str) -> dict[str, str]:
    return {"X-Auth-Token": token}


def name() -> str:
    return f"n-{uuid.uuid4().hex[:10]}"


async def test_version_discovery(c: CloudClient) -> None:
    root = await c.http.get("/identity/")
    assert root.status_code == 300
    assert root.json()["versions"]["values"][0]["id"] == "v3.14"
    assert root.json()["versions"]["values"][0]["updated"] == "2020-04-07T00:00:00Z"
    assert root.headers["location"] == "http://pocketstack.test/identity/v3/"
    v3 = await c.http.get("/identity/v3")
    assert v3.json()["version"]["links"][0]["href"] == "http://pocketstack.test/identity/v3/"
    assert "x-openstack-request-id" in v3.headers


async def test_project_token_body(c: CloudClient) -> None:
    token = await c.token("admin")
    answer = await c.http.get("/identity/v3/auth/tokens", headers={**h(token), "X-Subject-Token": token})
    assert answer.status_code == 200
    body = answer.json()["token"]
    assert body["project"]["name"] == "admin" and body["project"]["domain"]["id"] == "default"
    # implied roles: admin => manager => member => reader (Keystone 2023.2+)
    assert {r["name"] for r in body["roles"]} == {"admin", "manager", "member", "reader"}
    assert body["methods"] == ["password"] and len(body["audit_ids"]) == 1
    assert body["expires_at"].endswith(".000000Z") and body["catalog"]  # Keystone's isotime
    nocat = await c.http.get("/identity/v3/auth/tokens?nocatalog", headers={**h(token), "X-Subject-Token": token})
    assert "catalog" not in nocat.json()["token"]
    head = await c.http.head("/identity/v3/auth/tokens", headers={**h(token), "X-Subject-Token": token})
    assert head.status_code == 200


async def test_unscoped_system_and_domain_tokens(c: CloudClient) -> None:
    unscoped = await c.token("admin", scope=None)
    body = await c.http.get("/identity/v3/auth/tokens", headers={**h(unscoped), "X-Subject-Token": unscoped})
    assert "project" not in body.json()["token"] and "roles" not in body.json()["token"]
    system = await c.token("admin", scope="system")
    sys_body = await c.http.get("/identity/v3/auth/tokens", headers={**h(system), "X-Subject-Token": system})
    assert sys_body.json()["token"]["system"] == {"all": True}
    # demo holds no domain role: a domain-scoped token is refused with the vague 401.
    answer = await c.http.post(
        "/identity/v3/auth/tokens",
        json={
            "auth": {
                "identity": {
                    "methods": ["password"],
                    "password": {"user": {"name": "demo", "domain": {"name": "Default"}, "password": "demo"}},
                },
                "scope": {"domain": {"name": "Default"}},
            }
        },
    )
    assert answer.status_code == 401


async def test_rescope_with_token_method(c: CloudClient) -> None:
    unscoped = await c.token("admin", scope=None)
    answer = await c.http.post(
        "/identity/v3/auth/tokens",
        json={
            "auth": {
                "identity": {"methods": ["token"], "token": {"id": unscoped}},
                "scope": {"project": {"name": "admin", "domain": {"id": "default"}}},
            }
        },
    )
    assert answer.status_code == 201
    token = answer.json()["token"]
    assert token["methods"] == ["token", "password"]
    assert token["project"]["name"] == "admin"
    assert len(token["audit_ids"]) == 2
    # A revoked token cannot be exchanged: 404, as Keystone's TokenNotFound.
    revoke = await c.http.delete("/identity/v3/auth/tokens", headers={**h(unscoped), "X-Subject-Token": unscoped})
    assert revoke.status_code == 204
    gone = await c.http.post(
        "/identity/v3/auth/tokens",
        json={"auth": {"identity": {"methods": ["token"], "token": {"id": unscoped}}}},
    )
    assert gone.status_code == 404


@pytest.mark.parametrize(
    "password_block",
    [
        {"user": {"name": "admin", "domain": {"id": "default"}, "password": "wrong"}},
        {"user": {"name": "nobody", "domain": {"id": "default"}, "password": "x"}},
        {"user": {"id": "nope", "password": "x"}},
        {"user": {"name": "admin", "domain": {"name": "NoSuchDomain"}, "password": "admin"}},
    ],
)
async def test_bad_credentials_are_401_and_vague(c: CloudClient, password_block: dict[str, object]) -> None:
    answer = await c.http.post(
        "/identity/v3/auth/tokens", json={"auth": {"identity": {"methods": ["password"], "password": password_block}}}
    )
    assert answer.status_code == 401
    assert answer.json()["error"]["message"] == "The request you have made requires authentication."


@pytest.mark.parametrize("token", ["", "garbage", "gAAAAA" + "x" * 100, "a" * 5000])
async def test_malformed_tokens_are_401(c: CloudClient, token: str) -> None:
    answer = await c.http.get("/identity/v3/users", headers={"X-Auth-Token": token} if token else {})
    assert answer.status_code == 401
    assert answer.json()["error"]["code"] == 401


async def test_bad_bodies(c: CloudClient) -> None:
    admin = await c.token("admin")
    bad_json = await c.http.post("/identity/v3/projects", content=b"{not json", headers=h(admin))
    assert bad_json.status_code == 400 and "Malformed JSON" in bad_json.json()["error"]["message"]
    wrong_type = await c.http.post("/identity/v3/projects", json={"project": {"name": 5}}, headers=h(admin))
    assert wrong_type.status_code == 400 and "project/name" in wrong_type.json()["error"]["message"]
    unknown = await c.http.post("/identity/v3/roles", json={"role": {"name": "x", "colour": "red"}}, headers=h(admin))
    assert unknown.status_code == 400 and "colour" in unknown.json()["error"]["message"]
    huge = await c.http.post("/identity/v3/projects", content=b"{" + b" " * (1024 * 1024 + 10) + b"}", headers=h(admin))
    assert huge.status_code == 413
    auth_missing = await c.http.post("/identity/v3/auth/tokens", json={"auth": {}})
    assert auth_missing.status_code == 400 and "identity" in auth_missing.json()["error"]["message"]


async def test_disabled_user_and_project_cannot_authenticate(c: CloudClient) -> None:
    admin = await c.token("admin")
    pname, uname = name(), name()
    project = await c.http.post("/identity/v3/projects", json={"project": {"name": pname}}, headers=h(admin))
    project_id = project.json()["project"]["id"]
    user = await c.http.post(
        "/identity/v3/users",
        json={"user": {"name": uname, "password": "pw", "default_project_id": project_id}},
        headers=h(admin),
    )
    assert user.status_code == 201
    user_id = user.json()["user"]["id"]
    member = (await c.http.get("/identity/v3/roles?name=member", headers=h(admin))).json()["roles"][0]["id"]
    grant = await c.http.put(f"/identity/v3/projects/{project_id}/users/{user_id}/roles/{member}", headers=h(admin))
    assert grant.status_code == 204
    user_token = await c.token(uname, "pw", project=pname)
    assert (await c.http.get(f"/identity/v3/projects/{project_id}", headers=h(user_token))).status_code == 200
    # Disabling the project revokes its tokens and refuses new ones.
    await c.http.patch(f"/identity/v3/projects/{project_id}", json={"project": {"enabled": False}}, headers=h(admin))
    assert (await c.http.get(f"/identity/v3/projects/{project_id}", headers=h(user_token))).status_code == 401
    await c.http.patch(f"/identity/v3/projects/{project_id}", json={"project": {"enabled": True}}, headers=h(admin))
    user_token = await c.token(uname, "pw", project=pname)
    await c.http.patch(f"/identity/v3/users/{user_id}", json={"user": {"enabled": False}}, headers=h(admin))
    assert (await c.http.get(f"/identity/v3/projects/{project_id}", headers=h(user_token))).status_code == 401
    answer = await c.http.post(
        "/identity/v3/auth/tokens",
        json={"auth": {"identity": {"methods": ["password"], "password": {"user": {"id": user_id, "password": "pw"}}}}},
    )
    assert answer.status_code == 401


async def test_delete_user_revokes_tokens_and_role_removal_revokes_scope(c: CloudClient) -> None:
    admin = await c.token("admin")
    uname = name()
    user_id = (
        await c.http.post("/identity/v3/users", json={"user": {"name": uname, "password": "pw"}}, headers=h(admin))
    ).json()["user"]["id"]
    demo_project = (await c.http.get("/identity/v3/projects?name=demo", headers=h(admin))).json()["projects"][0]
    reader = (await c.http.get("/identity/v3/roles?name=reader", headers=h(admin))).json()["roles"][0]["id"]
    path = f"/identity/v3/projects/{demo_project['id']}/users/{user_id}/roles/{reader}"
    await c.http.put(path, headers=h(admin))
    token = await c.token(uname, "pw", project="demo")
    assert (await c.http.get(f"/identity/v3/users/{user_id}", headers=h(token))).status_code == 200
    assert (await c.http.delete(path, headers=h(admin))).status_code == 204
    assert (await c.http.get(f"/identity/v3/users/{user_id}", headers=h(token))).status_code == 401
    await c.http.put(path, headers=h(admin))
    token = await c.token(uname, "pw", project="demo")
    assert (await c.http.delete(f"/identity/v3/users/{user_id}", headers=h(admin))).status_code == 204
    assert (await c.http.get("/identity/v3/auth/catalog", headers=h(token))).status_code == 401


async def test_policy_member_and_reader(c: CloudClient) -> None:
    demo = await c.token("demo")
    admin = await c.token("admin")
    assert (await c.http.get("/identity/v3/users", headers=h(demo))).status_code == 403
    assert (
        await c.http.post("/identity/v3/projects", json={"project": {"name": name()}}, headers=h(demo))
    ).status_code == 403
    admin_project = (await c.http.get("/identity/v3/projects?name=admin", headers=h(admin))).json()["projects"][0]
    assert (await c.http.get(f"/identity/v3/projects/{admin_project['id']}", headers=h(demo))).status_code == 403
    mine = (await c.http.get("/identity/v3/auth/projects", headers=h(demo))).json()["projects"]
    assert [p["name"] for p in mine] == ["demo"]
    assert (await c.http.get("/identity/v3/auth/catalog", headers=h(demo))).status_code == 200


async def test_duplicates_and_missing(c: CloudClient) -> None:
    admin = await c.token("admin")
    pname = name()
    assert (
        await c.http.post("/identity/v3/projects", json={"project": {"name": pname}}, headers=h(admin))
    ).status_code == 201
    dup = await c.http.post("/identity/v3/projects", json={"project": {"name": pname}}, headers=h(admin))
    assert dup.status_code == 409
    missing = await c.http.get("/identity/v3/users/does-not-exist", headers=h(admin))
    assert missing.status_code == 404 and "does-not-exist" in missing.json()["error"]["message"]
    wrong_method = await c.http.put("/identity/v3/users", headers=h(admin))
    assert wrong_method.status_code == 405


async def test_groups_give_roles(c: CloudClient) -> None:
    admin = await c.token("admin")
    gname, uname = name(), name()
    group_id = (await c.http.post("/identity/v3/groups", json={"group": {"name": gname}}, headers=h(admin))).json()[
        "group"
    ]["id"]
    user_id = (
        await c.http.post("/identity/v3/users", json={"user": {"name": uname, "password": "pw"}}, headers=h(admin))
    ).json()["user"]["id"]
    assert (await c.http.put(f"/identity/v3/groups/{group_id}/users/{user_id}", headers=h(admin))).status_code == 204
    demo_id = (await c.http.get("/identity/v3/projects?name=demo", headers=h(admin))).json()["projects"][0]["id"]
    member = (await c.http.get("/identity/v3/roles?name=member", headers=h(admin))).json()["roles"][0]["id"]
    await c.http.put(f"/identity/v3/projects/{demo_id}/groups/{group_id}/roles/{member}", headers=h(admin))
    token = await c.token(uname, "pw", project="demo")
    body = (await c.http.get("/identity/v3/auth/tokens", headers={**h(token), "X-Subject-Token": token})).json()
    assert {r["name"] for r in body["token"]["roles"]} == {"member", "reader"}
    effective = (
        await c.http.get(f"/identity/v3/role_assignments?effective&user.id={user_id}&include_names", headers=h(admin))
    ).json()["role_assignments"]
    assert {(a["role"]["name"], a["scope"]["project"]["name"]) for a in effective} == {
        ("member", "demo"),
        ("reader", "demo"),
    }


async def test_implied_roles_api(c: CloudClient) -> None:
    admin = await c.token("admin")
    inferences = (await c.http.get("/identity/v3/role_inferences", headers=h(admin))).json()["role_inferences"]
    pairs = {(i["prior_role"]["name"], j["name"]) for i in inferences for j in i["implies"]}
    assert {("admin", "manager"), ("manager", "member"), ("member", "reader")} <= pairs
    roles = (await c.http.get("/identity/v3/roles?name=manager", headers=h(admin))).json()["roles"]
    assert len(roles) == 1 and roles[0]["options"] == {"immutable": True}


async def test_application_credential_roles_subset(c: CloudClient) -> None:
    demo = await c.token("demo")
    body = (await c.http.get("/identity/v3/auth/tokens", headers={**h(demo), "X-Subject-Token": demo})).json()
    user_id = body["token"]["user"]["id"]
    created = await c.http.post(
        f"/identity/v3/users/{user_id}/application_credentials",
        headers=h(demo),
        json={"application_credential": {"name": name(), "roles": [{"name": "reader"}]}},
    )
    assert created.status_code == 201
    cred = created.json()["application_credential"]
    issued = await c.http.post(
        "/identity/v3/auth/tokens",
        json={
            "auth": {
                "identity": {
                    "methods": ["application_credential"],
                    "application_credential": {"id": cred["id"], "secret": cred["secret"]},
                }
            }
        },
    )
    assert issued.status_code == 201
    token = issued.json()["token"]
    assert {r["name"] for r in token["roles"]} == {"reader"}
    assert token["application_credential"]["restricted"] is True
    listed = (await c.http.get(f"/identity/v3/users/{user_id}/application_credentials", headers=h(demo))).json()
    assert all("secret" not in a for a in listed["application_credentials"])
    escalate = await c.http.post(
        f"/identity/v3/users/{user_id}/application_credentials",
        headers=h(demo),
        json={"application_credential": {"name": name(), "roles": [{"name": "admin"}]}},
    )
    assert escalate.status_code == 403
    bad_secret = await c.http.post(
        "/identity/v3/auth/tokens",
        json={
            "auth": {
                "identity": {
                    "methods": ["application_credential"],
                    "application_credential": {"id": cred["id"], "secret": "no"},
                }
            }
        },
    )
    assert bad_secret.status_code == 401


async def test_password_change(c: CloudClient) -> None:
    admin = await c.token("admin")
    uname = name()
    user_id = (
        await c.http.post("/identity/v3/users", json={"user": {"name": uname, "password": "old"}}, headers=h(admin))
    ).json()["user"]["id"]
    token = await c.token(uname, "old", scope=None)
    wrong = await c.http.post(
        f"/identity/v3/users/{user_id}/password",
        headers=h(token),
        json={"user": {"password": "new", "original_password": "bad"}},
    )
    assert wrong.status_code == 401
    ok = await c.http.post(
        f"/identity/v3/users/{user_id}/password",
        headers=h(token),
        json={"user": {"password": "new", "original_password": "old"}},
    )
    assert ok.status_code == 204
    assert (await c.http.get(f"/identity/v3/users/{user_id}", headers=h(token))).status_code == 401
    await c.token(uname, "new", scope=None)


async def test_catalog_crud(c: CloudClient) -> None:
    admin = await c.token("admin")
    service = (
        await c.http.post("/identity/v3/services", json={"service": {"type": "x-test", "name": "xt"}}, headers=h(admin))
    ).json()["service"]
    endpoint = await c.http.post(
        "/identity/v3/endpoints",
        headers=h(admin),
        json={
            "endpoint": {
                "service_id": service["id"],
                "interface": "public",
                "url": "http://127.0.0.1:1/x",
                "region_id": "RegionOne",
            }
        },
    )
    assert endpoint.status_code == 201
    catalog = (await c.http.get("/identity/v3/auth/catalog", headers=h(admin))).json()["catalog"]
    assert any(e["type"] == "x-test" for e in catalog)
    bad = await c.http.post(
        "/identity/v3/endpoints",
        headers=h(admin),
        json={"endpoint": {"service_id": service["id"], "interface": "sideways", "url": "http://x"}},
    )
    assert bad.status_code == 400 and "interface" in bad.json()["error"]["message"]
    assert (await c.http.delete(f"/identity/v3/services/{service['id']}", headers=h(admin))).status_code == 204


async def test_auth_domains_lists_the_domains_with_a_role(c: CloudClient) -> None:
    admin = await c.token("admin")
    uname = name()
    user_id = (
        await c.http.post("/identity/v3/users", json={"user": {"name": uname, "password": "pw"}}, headers=h(admin))
    ).json()["user"]["id"]
    token = await c.token(uname, "pw", scope=None)
    assert (await c.http.get("/identity/v3/auth/domains", headers=h(token))).json()["domains"] == []
    reader = (await c.http.get("/identity/v3/roles?name=reader", headers=h(admin))).json()["roles"][0]["id"]
    grant = await c.http.put(f"/identity/v3/domains/default/users/{user_id}/roles/{reader}", headers=h(admin))
    assert grant.status_code == 204
    domains = (await c.http.get("/identity/v3/auth/domains", headers=h(token))).json()["domains"]
    assert [d["name"] for d in domains] == ["Default"]


async def test_os_inherit_domain_grant_reaches_projects_not_the_domain(c: CloudClient) -> None:
    admin = await c.token("admin")
    pname, uname = name(), name()
    project_id = (
        await c.http.post("/identity/v3/projects", json={"project": {"name": pname}}, headers=h(admin))
    ).json()["project"]["id"]
    user_id = (
        await c.http.post("/identity/v3/users", json={"user": {"name": uname, "password": "pw"}}, headers=h(admin))
    ).json()["user"]["id"]
    member = (await c.http.get("/identity/v3/roles?name=member", headers=h(admin))).json()["roles"][0]["id"]
    path = f"/identity/v3/OS-INHERIT/domains/default/users/{user_id}/roles/{member}/inherited_to_projects"
    assert (await c.http.head(path, headers=h(admin))).status_code == 404
    assert (await c.http.put(path, headers=h(admin))).status_code == 204
    assert (await c.http.head(path, headers=h(admin))).status_code == 204
    listed = await c.http.get(
        f"/identity/v3/OS-INHERIT/domains/default/users/{user_id}/roles/inherited_to_projects", headers=h(admin)
    )
    assert [r["id"] for r in listed.json()["roles"]] == [member]
    # Inherited: not a grant on the domain itself, but on every project in it.
    direct = await c.http.get(f"/identity/v3/domains/default/users/{user_id}/roles", headers=h(admin))
    assert direct.json()["roles"] == []
    token = await c.token(uname, "pw", project=pname)
    assert (await c.http.get(f"/identity/v3/projects/{project_id}", headers=h(token))).status_code == 200
    shown = await c.http.get(
        f"/identity/v3/role_assignments?user.id={user_id}&scope.OS-INHERIT:inherited_to=projects", headers=h(admin)
    )
    (entry,) = shown.json()["role_assignments"]
    assert entry["scope"]["OS-INHERIT:inherited_to"] == "projects" and entry["role"]["id"] == member
    # Revoking it ends the user's tokens and any new project scope.
    assert (await c.http.delete(path, headers=h(admin))).status_code == 204
    assert (await c.http.get(f"/identity/v3/projects/{project_id}", headers=h(token))).status_code == 401
    refused = await c.http.post(
        "/identity/v3/auth/tokens",
        json={
            "auth": {
                "identity": {
                    "methods": ["password"],
                    "password": {"user": {"id": user_id, "password": "pw"}},
                },
                "scope": {"project": {"id": project_id}},
            }
        },
    )
    assert refused.status_code == 401
    assert (await c.http.delete(path, headers=h(admin))).status_code == 404
    # Only admins grant; unknown roles and users are 404.
    demo = await c.token("demo")
    assert (await c.http.put(path, headers=h(demo))).status_code == 403
    missing = path.replace(member, "nope")
    assert (await c.http.put(missing, headers=h(admin))).status_code == 404


async def test_role_assignment_filters(c: CloudClient) -> None:
    admin = await c.token("admin")
    roles = {r["name"]: r["id"] for r in (await c.http.get("/identity/v3/roles", headers=h(admin))).json()["roles"]}
    member, reader = roles["member"], roles["reader"]
    group_id = (await c.http.post("/identity/v3/groups", json={"group": {"name": name()}}, headers=h(admin))).json()[
        "group"
    ]["id"]
    users = []
    for _ in range(2):
        body = {"user": {"name": name(), "password": "pw"}}
        users.append((await c.http.post("/identity/v3/users", json=body, headers=h(admin))).json()["user"]["id"])
    alice, bob = users
    await c.http.put(f"/identity/v3/groups/{group_id}/users/{alice}", headers=h(admin))
    projects = []
    for _ in range(2):
        body = {"project": {"name": name()}}
        projects.append(
            (await c.http.post("/identity/v3/projects", json=body, headers=h(admin))).json()["project"]["id"]
        )
    p1, p2 = projects
    await c.http.put(f"/identity/v3/projects/{p1}/groups/{group_id}/roles/{member}", headers=h(admin))
    await c.http.put(f"/identity/v3/projects/{p2}/users/{alice}/roles/{reader}", headers=h(admin))
    await c.http.put(f"/identity/v3/projects/{p2}/users/{bob}/roles/{member}", headers=h(admin))

    async def listed(query: str) -> set[tuple[str, str, str]]:
        resp = await c.http.get(f"/identity/v3/role_assignments?{query}", headers=h(admin))
        assert resp.status_code == 200, resp.text
        out = set()
        for a in resp.json()["role_assignments"]:
            actor = a.get("user", a.get("group"))["id"]
            out.add((actor, a["scope"]["project"]["id"] if "project" in a["scope"] else "-", a["role"]["id"]))
        return out

    # Direct: alice's own grant only; the group's is the group's.
    assert await listed(f"user.id={alice}") == {(alice, p2, reader)}
    assert await listed(f"group.id={group_id}") == {(group_id, p1, member)}
    # Effective: through the group, with implied roles (member implies reader).
    assert await listed(f"user.id={alice}&effective") == {(alice, p1, member), (alice, p1, reader), (alice, p2, reader)}
    assert await listed(f"scope.project.id={p2}") == {(alice, p2, reader), (bob, p2, member)}
    assert await listed(f"scope.project.id={p2}&role.id={member}") == {(bob, p2, member)}
    # role.id with effective matches implied roles too.
    assert await listed(f"scope.project.id={p1}&role.id={reader}&effective") == {(alice, p1, reader)}
    assert await listed(f"user.id={bob}&scope.project.id={p1}") == set()


async def test_revocation_events_as_keystone_lists_them(c: CloudClient) -> None:
    admin = await c.token("admin")
    doomed = await c.token("demo")
    assert (
        await c.http.delete("/identity/v3/auth/tokens", headers={**h(admin), "X-Subject-Token": doomed})
    ).status_code == 204
    events = (await c.http.get("/identity/v3/OS-REVOKE/events", headers=h(admin))).json()["events"]
    assert events and all(e["issued_before"].endswith(".000000Z") for e in events)
    assert all("app_cred_id" not in e for e in events)
    later = await c.http.get("/identity/v3/OS-REVOKE/events?since=2999-01-01T00:00:00Z", headers=h(admin))
    assert later.json()["events"] == []
    assert (await c.http.get("/identity/v3/OS-REVOKE/events?since=nonsense", headers=h(admin))).status_code == 400

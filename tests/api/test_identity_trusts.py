"""OS-TRUST: trusts, their roles, trust-scoped tokens, redelegation, revocation."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from pocketstack.testing.cloud import CloudClient, in_process_cloud

pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def c(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[CloudClient]:
    async with in_process_cloud(Path(tmp_path_factory.mktemp("identity-trusts"))) as client:
        yield client


def h(token: str) -> dict[str, str]:
    return {"X-Auth-Token": token}


def name() -> str:
    return f"n-{uuid.uuid4().hex[:10]}"


async def setup_trustor(c: CloudClient) -> dict[str, Any]:
    """A project, a trustor holding two fresh roles on it, and the demo user as trustee."""
    admin = h(await c.token("admin"))
    project = (await c.http.post("/identity/v3/projects", json={"project": {"name": name()}}, headers=admin)).json()
    pid = project["project"]["id"]
    uname = name()
    user = (
        await c.http.post("/identity/v3/users", json={"user": {"name": uname, "password": "pw"}}, headers=admin)
    ).json()["user"]
    roles = []
    for _ in range(2):
        role = (await c.http.post("/identity/v3/roles", json={"role": {"name": name()}}, headers=admin)).json()["role"]
        await c.http.put(f"/identity/v3/projects/{pid}/users/{user['id']}/roles/{role['id']}", headers=admin)
        roles.append(role)
    demo = await c.token("demo")
    demo_id = (await c.http.get("/identity/v3/auth/tokens", headers={**h(demo), "X-Subject-Token": demo})).json()[
        "token"
    ]["user"]["id"]
    trustor = await c.token(uname, "pw", project=project["project"]["name"])
    return {"project": pid, "trustor": user["id"], "trustor_token": trustor, "roles": roles, "trustee": demo_id}


async def create_trust(c: CloudClient, env: dict[str, Any], **extra: Any) -> Any:
    body = {
        "trustor_user_id": env["trustor"],
        "trustee_user_id": env["trustee"],
        "project_id": env["project"],
        "roles": [{"name": env["roles"][0]["name"]}],
        "impersonation": True,
        **extra,
    }
    return await c.http.post("/identity/v3/OS-TRUST/trusts", json={"trust": body}, headers=h(env["trustor_token"]))


async def trust_token(c: CloudClient, trust_id: str, user: str = "demo") -> Any:
    auth = {
        "identity": {
            "methods": ["password"],
            "password": {"user": {"name": user, "domain": {"id": "default"}, "password": user}},
        },
        "scope": {"OS-TRUST:trust": {"id": trust_id}},
    }
    return await c.http.post("/identity/v3/auth/tokens", json={"auth": auth})


async def test_trust_crud_and_roles(c: CloudClient) -> None:
    env = await setup_trustor(c)
    expires = (dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)).replace(microsecond=0, tzinfo=None)
    created = await create_trust(c, env, expires_at=expires.replace(microsecond=123456).isoformat() + "Z")
    assert created.status_code == 201, created.text
    trust = created.json()["trust"]
    assert trust["impersonation"] is True and trust["project_id"] == env["project"]
    assert trust["expires_at"] == expires.strftime("%Y-%m-%dT%H:%M:%S.000000Z")
    assert [r["id"] for r in trust["roles"]] == [env["roles"][0]["id"]]
    # Full roles, as Keystone fills them in (its response schema allows no more than these).
    assert set(trust["roles"][0]) == {"id", "name", "domain_id", "description", "options", "links"}
    assert "v3/OS-TRUST/trusts" in trust["links"]["self"]
    base = f"/identity/v3/OS-TRUST/trusts/{trust['id']}"
    trustor = h(env["trustor_token"])
    assert (await c.http.get(base, headers=trustor)).json()["trust"]["id"] == trust["id"]
    roles = (await c.http.get(f"{base}/roles", headers=trustor)).json()["roles"]
    assert [r["id"] for r in roles] == [env["roles"][0]["id"]]
    assert (await c.http.head(f"{base}/roles/{env['roles'][0]['id']}", headers=trustor)).status_code == 200
    assert (await c.http.get(f"{base}/roles/{env['roles'][1]['id']}", headers=trustor)).status_code == 404
    listed = (
        await c.http.get(f"/identity/v3/OS-TRUST/trusts/?trustor_user_id={env['trustor']}", headers=trustor)
    ).json()
    assert [t["id"] for t in listed["trusts"]] == [trust["id"]] and "roles" not in listed["trusts"][0]
    everyone = (await c.http.get("/identity/v3/OS-TRUST/trusts", headers=h(await c.token("admin")))).json()
    assert trust["id"] in [t["id"] for t in everyone["trusts"]]
    assert (await c.http.get("/identity/v3/OS-TRUST/trusts", headers=trustor)).status_code == 403
    assert (await c.http.delete(base, headers=trustor)).status_code == 204
    assert (await c.http.get(base, headers=trustor)).status_code == 404


@pytest.mark.parametrize(
    "extra",
    [
        {"expires_at": "bad.123Z"},
        {"expires_at": "2001-01-01T00:00:00Z"},
        {"impersonation": "yes"},
        {"colour": 1},
        {"roles": [{}]},
        {"roles": [{"id": "x", "name": "y"}]},
    ],
)
async def test_bad_trusts_are_400(c: CloudClient, extra: dict[str, Any]) -> None:
    env = await setup_trustor(c)
    assert (await create_trust(c, env, **extra)).status_code == 400


async def test_only_the_trustor_delegates_roles_it_holds(c: CloudClient) -> None:
    env = await setup_trustor(c)
    admin = h(await c.token("admin"))
    body = {"trustor_user_id": env["trustor"], "trustee_user_id": env["trustee"], "impersonation": False}
    by_admin = await c.http.post("/identity/v3/OS-TRUST/trusts", json={"trust": body}, headers=admin)
    assert by_admin.status_code == 403
    assert (await create_trust(c, env, roles=[{"name": "admin"}])).status_code == 403


async def test_trust_scoped_tokens(c: CloudClient) -> None:
    env = await setup_trustor(c)
    trust = (await create_trust(c, env, remaining_uses=2)).json()["trust"]
    answer = await trust_token(c, trust["id"])
    assert answer.status_code == 201, answer.text
    token = answer.json()["token"]
    assert token["user"]["id"] == env["trustor"]  # impersonation
    assert token["project"]["id"] == env["project"]
    assert [r["id"] for r in token["roles"]] == [env["roles"][0]["id"]]
    assert token["OS-TRUST:trust"]["trustee_user"]["id"] == env["trustee"]
    assert "is_domain" not in token  # as Keystone renders trust-scoped tokens
    tid = answer.headers["x-subject-token"]
    # Not re-scoped elsewhere; the token method keeps the trust (a use each time).
    rescope = {"identity": {"methods": ["token"], "token": {"id": tid}}, "scope": {"project": {"id": env["project"]}}}
    assert (await c.http.post("/identity/v3/auth/tokens", json={"auth": rescope})).status_code == 403
    again = {"identity": {"methods": ["token"], "token": {"id": tid}}}
    kept = await c.http.post("/identity/v3/auth/tokens", json={"auth": again})
    assert kept.status_code == 201 and kept.json()["token"]["OS-TRUST:trust"]["id"] == trust["id"]
    assert (await trust_token(c, trust["id"])).status_code == 401  # both uses spent
    # Only the trustee uses the trust.
    other = await c.http.post(
        "/identity/v3/OS-TRUST/trusts",
        json={
            "trust": {
                "trustor_user_id": env["trustor"],
                "trustee_user_id": env["trustee"],
                "project_id": env["project"],
                "roles": [{"id": env["roles"][1]["id"]}],
                "impersonation": False,
            }
        },
        headers=h(env["trustor_token"]),
    )
    assert (await trust_token(c, other.json()["trust"]["id"], user="admin")).status_code == 403
    as_trustee = await trust_token(c, other.json()["trust"]["id"])
    assert as_trustee.json()["token"]["user"]["id"] == env["trustee"]
    # Deleting the trust ends its tokens.
    usable = h(as_trustee.headers["x-subject-token"])
    assert (await c.http.get("/identity/v3/auth/catalog", headers=usable)).status_code == 200
    deleted = await c.http.delete(
        f"/identity/v3/OS-TRUST/trusts/{other.json()['trust']['id']}", headers=h(env["trustor_token"])
    )
    assert deleted.status_code == 204
    assert (await c.http.get("/identity/v3/auth/catalog", headers=usable)).status_code == 401


async def test_redelegation(c: CloudClient) -> None:
    env = await setup_trustor(c)
    trust = (await create_trust(c, env, allow_redelegation=True, redelegation_count=1)).json()["trust"]
    assert trust["redelegation_count"] == 1
    token = (await trust_token(c, trust["id"])).headers["x-subject-token"]
    admin = h(await c.token("admin"))
    admin_id = (
        await c.http.get("/identity/v3/auth/tokens", headers={**admin, "X-Subject-Token": admin["X-Auth-Token"]})
    ).json()["token"]["user"]["id"]
    body = {
        "trustor_user_id": env["trustor"],
        "trustee_user_id": admin_id,
        "project_id": env["project"],
        "roles": [{"id": env["roles"][0]["id"]}],
        "impersonation": True,
        "allow_redelegation": True,
    }
    second = await c.http.post("/identity/v3/OS-TRUST/trusts", json={"trust": body}, headers=h(token))
    assert second.status_code == 201, second.text
    assert second.json()["trust"]["redelegated_trust_id"] == trust["id"]
    assert second.json()["trust"]["redelegation_count"] == 0
    wider = {**body, "roles": [{"id": env["roles"][1]["id"]}]}
    assert (
        await c.http.post("/identity/v3/OS-TRUST/trusts", json={"trust": wider}, headers=h(token))
    ).status_code == 403
    # The second trust allows no further redelegation.
    token2 = (await trust_token(c, second.json()["trust"]["id"], user="admin")).headers["x-subject-token"]
    third = await c.http.post("/identity/v3/OS-TRUST/trusts", json={"trust": body}, headers=h(token2))
    assert third.status_code == 403


async def test_trustor_losing_the_role_ends_trust_tokens(c: CloudClient) -> None:
    env = await setup_trustor(c)
    trust = (await create_trust(c, env, impersonation=False)).json()["trust"]
    answer = await trust_token(c, trust["id"])
    assert answer.json()["token"]["user"]["id"] == env["trustee"]  # not impersonating
    usable = h(answer.headers["x-subject-token"])
    assert (await c.http.get("/identity/v3/auth/catalog", headers=usable)).status_code == 200
    admin = h(await c.token("admin"))
    grant = f"/identity/v3/projects/{env['project']}/users/{env['trustor']}/roles/{env['roles'][0]['id']}"
    assert (await c.http.delete(grant, headers=admin)).status_code == 204
    assert (await c.http.get("/identity/v3/auth/catalog", headers=usable)).status_code == 401
    assert (await trust_token(c, trust["id"])).status_code == 401  # the trustor no longer holds the role


async def test_trust_scoped_tokens_cannot_manage_application_credentials(c: CloudClient) -> None:
    env = await setup_trustor(c)
    trust = (await create_trust(c, env)).json()["trust"]
    token = h((await trust_token(c, trust["id"])).headers["x-subject-token"])
    base = f"/identity/v3/users/{env['trustor']}/application_credentials"
    assert (await c.http.get(base, headers=token)).status_code == 403
    made = await c.http.post(base, json={"application_credential": {"name": name()}}, headers=token)
    assert made.status_code == 403
    assert (await c.http.get(base, headers=h(env["trustor_token"]))).status_code == 200

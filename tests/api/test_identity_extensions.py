"""Identity's stored resources beyond the core: policies, OS-EP-FILTER endpoint groups,
OS-OAUTH1 consumers, domain configuration."""

from __future__ import annotations

import base64
import time
import urllib.parse
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio

from pocketstack.identity import oauth1
from pocketstack.testing.cloud import BASE, CloudClient, in_process_cloud

pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def c(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[CloudClient]:
    async with in_process_cloud(Path(tmp_path_factory.mktemp("identity-extensions"))) as client:
        yield client


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def admin(c: CloudClient) -> dict[str, str]:
    return {"X-Auth-Token": await c.token("admin")}


def name() -> str:
    return f"n-{uuid.uuid4().hex[:10]}"


async def test_policies(c: CloudClient, admin: dict[str, str]) -> None:
    created = await c.http.post("/identity/v3/policies", json={"policy": {"blob": "{}", "type": "t1"}}, headers=admin)
    assert created.status_code == 201
    policy = created.json()["policy"]
    path = f"/identity/v3/policies/{policy['id']}"
    updated = await c.http.patch(path, json={"policy": {"type": "t2"}}, headers=admin)
    assert updated.json()["policy"] == {**policy, "type": "t2"}
    assert policy["id"] in [
        p["id"] for p in (await c.http.get("/identity/v3/policies", headers=admin)).json()["policies"]
    ]
    demo = {"X-Auth-Token": await c.token("demo")}
    assert (await c.http.get(path, headers=demo)).status_code == 403
    assert (
        await c.http.post("/identity/v3/policies", json={"policy": {"type": "x"}}, headers=admin)
    ).status_code == 400
    assert (await c.http.delete(path, headers=admin)).status_code == 204
    assert (await c.http.get(path, headers=admin)).status_code == 404


async def test_endpoint_groups(c: CloudClient, admin: dict[str, str]) -> None:
    service = (await c.http.post("/identity/v3/services", json={"service": {"type": name()}}, headers=admin)).json()
    body = {"name": name(), "description": "d", "filters": {"service_id": service["service"]["id"]}}
    created = await c.http.post(
        "/identity/v3/OS-EP-FILTER/endpoint_groups", json={"endpoint_group": body}, headers=admin
    )
    assert created.status_code == 201, created.text
    group = created.json()["endpoint_group"]
    listed = (await c.http.get("/identity/v3/OS-EP-FILTER/endpoint_groups", headers=admin)).json()
    assert group in listed["endpoint_groups"]
    path = f"/identity/v3/OS-EP-FILTER/endpoint_groups/{group['id']}"
    assert (await c.http.head(path, headers=admin)).status_code == 200
    changed = await c.http.patch(path, json={"endpoint_group": {"filters": {"interface": "public"}}}, headers=admin)
    assert changed.json()["endpoint_group"]["filters"] == {"interface": "public"}
    bad = {"endpoint_group": {"name": "x", "filters": {"colour": "red"}}}
    assert (await c.http.post("/identity/v3/OS-EP-FILTER/endpoint_groups", json=bad, headers=admin)).status_code == 400
    assert (await c.http.delete(path, headers=admin)).status_code == 204
    assert (await c.http.get(path, headers=admin)).status_code == 404


async def test_oauth_consumers(c: CloudClient, admin: dict[str, str]) -> None:
    created = await c.http.post(
        "/identity/v3/OS-OAUTH1/consumers", json={"consumer": {"description": "d"}}, headers=admin
    )
    assert created.status_code == 201
    consumer = created.json()["consumer"]
    assert consumer["secret"]
    path = f"/identity/v3/OS-OAUTH1/consumers/{consumer['id']}"
    shown = (await c.http.get(path, headers=admin)).json()["consumer"]
    assert "secret" not in shown and shown["description"] == "d"
    await c.http.patch(path, json={"consumer": {"description": "e"}}, headers=admin)
    assert (await c.http.get(path, headers=admin)).json()["consumer"]["description"] == "e"
    listed = (await c.http.get("/identity/v3/OS-OAUTH1/consumers", headers=admin)).json()["consumers"]
    assert consumer["id"] in [x["id"] for x in listed]
    assert (await c.http.delete(path, headers=admin)).status_code == 204
    assert (await c.http.get(path, headers=admin)).status_code == 404


async def test_domain_config(c: CloudClient, admin: dict[str, str]) -> None:
    defaults = (await c.http.get("/identity/v3/domains/config/default", headers=admin)).json()["config"]
    assert "driver" in defaults["identity"] and "url" in defaults["ldap"]
    one = await c.http.get("/identity/v3/domains/config/ldap/url/default", headers=admin)
    assert one.json() == {"config": {"url": defaults["ldap"]["url"]}}
    domain_id = (await c.http.post("/identity/v3/domains", json={"domain": {"name": name()}}, headers=admin)).json()[
        "domain"
    ]["id"]
    base = f"/identity/v3/domains/{domain_id}/config"
    assert (await c.http.get(base, headers=admin)).status_code == 404
    config = {"identity": {"driver": "ldap"}, "ldap": {"url": "ldap://x/", "password": "secret"}}
    created = await c.http.put(base, json={"config": config}, headers=admin)
    assert created.status_code == 201
    assert created.json()["config"] == {"identity": {"driver": "ldap"}, "ldap": {"url": "ldap://x/"}}  # no password
    refused = await c.http.put(base, json={"config": {"nova": {"x": 1}}}, headers=admin)
    assert refused.status_code == 403
    group = await c.http.patch(
        f"{base}/identity", json={"config": {"identity": {"driver": "sql", "list_limit": 5}}}, headers=admin
    )
    assert group.json()["config"]["identity"] == {"driver": "sql", "list_limit": 5}
    option = await c.http.patch(f"{base}/identity/driver", json={"config": {"driver": "ldap"}}, headers=admin)
    assert option.json()["config"]["identity"]["driver"] == "ldap"
    assert (await c.http.get(f"{base}/identity/driver", headers=admin)).json() == {"config": {"driver": "ldap"}}
    assert (await c.http.delete(f"{base}/identity/driver", headers=admin)).status_code == 204
    assert (await c.http.get(f"{base}/identity/driver", headers=admin)).status_code == 404
    assert (await c.http.delete(f"{base}/identity", headers=admin)).status_code == 204
    assert (await c.http.get(f"{base}/identity", headers=admin)).status_code == 404
    assert (await c.http.get(f"{base}/ldap", headers=admin)).json() == {"config": {"ldap": {"url": "ldap://x/"}}}
    assert (await c.http.delete(base, headers=admin)).status_code == 204
    assert (await c.http.get(base, headers=admin)).status_code == 404


async def test_unified_limits(c: CloudClient, admin: dict[str, str]) -> None:
    model = (await c.http.get("/identity/v3/limits/model", headers=admin)).json()
    assert model["model"]["name"] == "flat"
    service_id = (await c.http.post("/identity/v3/services", json={"service": {"type": name()}}, headers=admin)).json()[
        "service"
    ]["id"]
    body = {"registered_limits": [{"service_id": service_id, "resource_name": "widgets", "default_limit": 5}]}
    created = await c.http.post("/identity/v3/registered_limits", json=body, headers=admin)
    assert created.status_code == 201, created.text
    reg = created.json()["registered_limits"][0]
    assert reg["region_id"] is None and reg["default_limit"] == 5
    assert (await c.http.post("/identity/v3/registered_limits", json=body, headers=admin)).status_code == 409
    nowhere = {"registered_limits": [{"service_id": "nope", "resource_name": "x", "default_limit": 1}]}
    assert (await c.http.post("/identity/v3/registered_limits", json=nowhere, headers=admin)).status_code == 400
    demo_token = await c.token("demo")
    demo = {"X-Auth-Token": demo_token}
    assert (await c.http.post("/identity/v3/registered_limits", json=body, headers=demo)).status_code == 403
    listed = (await c.http.get(f"/identity/v3/registered_limits?service_id={service_id}", headers=demo)).json()
    assert [r["id"] for r in listed["registered_limits"]] == [reg["id"]]
    me = (await c.http.get("/identity/v3/auth/tokens", headers={**demo, "X-Subject-Token": demo_token})).json()
    project_id = me["token"]["project"]["id"]
    item = {"project_id": project_id, "service_id": service_id, "resource_name": "widgets", "resource_limit": 9}
    limit = await c.http.post("/identity/v3/limits", json={"limits": [item]}, headers=admin)
    assert limit.status_code == 201, limit.text
    lim = limit.json()["limits"][0]
    assert lim["project_id"] == project_id and lim["domain_id"] is None and lim["resource_limit"] == 9
    assert (await c.http.post("/identity/v3/limits", json={"limits": [item]}, headers=admin)).status_code == 409
    unregistered = {**item, "resource_name": "gadgets"}
    assert (await c.http.post("/identity/v3/limits", json={"limits": [unregistered]}, headers=admin)).status_code == 403
    mine = (await c.http.get("/identity/v3/limits", headers=demo)).json()["limits"]
    assert [x["id"] for x in mine] == [lim["id"]]
    assert (await c.http.get(f"/identity/v3/limits/{lim['id']}", headers=demo)).status_code == 200
    changed = await c.http.patch(
        f"/identity/v3/limits/{lim['id']}", json={"limit": {"resource_limit": 3}}, headers=admin
    )
    assert changed.json()["limit"]["resource_limit"] == 3
    in_use = await c.http.delete(f"/identity/v3/registered_limits/{reg['id']}", headers=admin)
    assert in_use.status_code == 403
    assert (await c.http.delete(f"/identity/v3/limits/{lim['id']}", headers=admin)).status_code == 204
    assert (await c.http.delete(f"/identity/v3/registered_limits/{reg['id']}", headers=admin)).status_code == 204
    assert (await c.http.get(f"/identity/v3/registered_limits/{reg['id']}", headers=admin)).status_code == 404


async def test_endpoint_filter_narrows_a_projects_catalog(c: CloudClient, admin: dict[str, str]) -> None:
    demo_token = await c.token("demo")
    demo = {"X-Auth-Token": demo_token}
    me = (await c.http.get("/identity/v3/auth/tokens", headers={**demo, "X-Subject-Token": demo_token})).json()
    project_id = me["token"]["project"]["id"]
    full = me["token"]["catalog"]
    image = next(s for s in full if s["type"] == "image")
    public = next(e for e in image["endpoints"] if e["interface"] == "public")
    base = f"/identity/v3/OS-EP-FILTER/projects/{project_id}/endpoints"
    assert (await c.http.put(f"{base}/{public['id']}", headers=admin)).status_code == 204
    assert (await c.http.head(f"{base}/{public['id']}", headers=admin)).status_code == 204
    listed = (await c.http.get(base, headers=admin)).json()["endpoints"]
    assert [e["id"] for e in listed] == [public["id"]]
    projects = (await c.http.get(f"/identity/v3/OS-EP-FILTER/endpoints/{public['id']}/projects", headers=admin)).json()
    assert [p["id"] for p in projects["projects"]] == [project_id]
    token = await c.token("demo")
    narrowed = (await c.http.get("/identity/v3/auth/catalog", headers={"X-Auth-Token": token})).json()["catalog"]
    assert [(s["type"], [e["id"] for e in s["endpoints"]]) for s in narrowed] == [("image", [public["id"]])]
    # An endpoint group adds every endpoint its filters match.
    compute = next(s for s in full if s["type"] == "compute")
    group = (
        await c.http.post(
            "/identity/v3/OS-EP-FILTER/endpoint_groups",
            json={"endpoint_group": {"name": name(), "filters": {"service_id": compute["id"]}}},
            headers=admin,
        )
    ).json()["endpoint_group"]
    link = f"/identity/v3/OS-EP-FILTER/endpoint_groups/{group['id']}/projects/{project_id}"
    assert (await c.http.put(link, headers=admin)).status_code == 204
    assert (await c.http.get(link, headers=admin)).json()["project"]["id"] == project_id
    members = (
        await c.http.get(f"/identity/v3/OS-EP-FILTER/endpoint_groups/{group['id']}/endpoints", headers=admin)
    ).json()["endpoints"]
    assert {e["id"] for e in members} == {e["id"] for e in compute["endpoints"]}
    token = await c.token("demo")
    body = await c.http.get("/identity/v3/auth/tokens", headers={"X-Auth-Token": token, "X-Subject-Token": token})
    assert {s["type"] for s in body.json()["token"]["catalog"]} == {"image", "compute"}
    # Without associations the project sees the whole catalog again; others never changed.
    assert (await c.http.delete(link, headers=admin)).status_code == 204
    assert (await c.http.delete(f"{base}/{public['id']}", headers=admin)).status_code == 204
    token = await c.token("demo")
    again = (await c.http.get("/identity/v3/auth/catalog", headers={"X-Auth-Token": token})).json()["catalog"]
    assert len(again) == len(full)
    admin_catalog = (await c.http.get("/identity/v3/auth/catalog", headers=admin)).json()["catalog"]
    assert len(admin_catalog) == len(full)


def oauth_header(
    method: str, url: str, consumer: tuple[str, str], token: tuple[str, str] = ("", ""), **extra: str
) -> str:
    params = {
        "oauth_consumer_key": consumer[0],
        "oauth_signature_method": "HMAC-SHA1",
        "oauth_timestamp": str(int(time.time())),
        "oauth_nonce": uuid.uuid4().hex,
        "oauth_version": "1.0",
        **({"oauth_token": token[0]} if token[0] else {}),
        **extra,
    }
    params["oauth_signature"] = oauth1.signature(method, url, params.items(), consumer[1], token[1])
    return "OAuth " + ", ".join(f'{k}="{urllib.parse.quote(v, safe="")}"' for k, v in params.items())


async def test_oauth1_rfc5849_example_signature() -> None:
    params = {
        "oauth_consumer_key": "dpf43f3p2l4k3l03",
        "oauth_token": "nnch734d00sl2jdk",
        "oauth_signature_method": "HMAC-SHA1",
        "oauth_timestamp": "137131202",
        "oauth_nonce": "chapoH",
        "file": "vacation.jpg",
        "size": "original",
    }
    url = "http://photos.example.net/photos?file=vacation.jpg&size=original"
    signed = oauth1.signature("GET", url, params.items(), "kd94hf93k423kf44", "pfkkdhi9sl3r4s00")
    assert signed == "MdpQcU8iPSUjWoN/UDMsK2sui9I="


async def test_oauth1_delegation(c: CloudClient, admin: dict[str, str]) -> None:
    made = (await c.http.post("/identity/v3/OS-OAUTH1/consumers", json={"consumer": {}}, headers=admin)).json()
    consumer = (made["consumer"]["id"], made["consumer"]["secret"])
    demo_token = await c.token("demo")
    me = (
        await c.http.get(
            "/identity/v3/auth/tokens", headers={"X-Auth-Token": demo_token, "X-Subject-Token": demo_token}
        )
    ).json()
    project_id, user_id = me["token"]["project"]["id"], me["token"]["user"]["id"]
    url = f"{BASE}/identity/v3/OS-OAUTH1/request_token"
    signed = {"Authorization": oauth_header("POST", url, consumer), "Requested-Project-Id": project_id}
    answer = await c.http.post("/identity/v3/OS-OAUTH1/request_token", headers=signed)
    assert answer.status_code == 201, answer.text
    request = dict(urllib.parse.parse_qsl(answer.text))
    forged = {"Authorization": oauth_header("POST", url, (consumer[0], "wrong")), "Requested-Project-Id": project_id}
    assert (await c.http.post("/identity/v3/OS-OAUTH1/request_token", headers=forged)).status_code == 401
    authorized = await c.http.put(
        f"/identity/v3/OS-OAUTH1/authorize/{request['oauth_token']}",
        json={"roles": [{"name": "reader"}]},
        headers={"X-Auth-Token": demo_token},
    )
    assert authorized.status_code == 200, authorized.text
    verifier = authorized.json()["token"]["oauth_verifier"]
    url = f"{BASE}/identity/v3/OS-OAUTH1/access_token"
    pair = (request["oauth_token"], request["oauth_token_secret"])
    wrong = {"Authorization": oauth_header("POST", url, consumer, pair, oauth_verifier="nope")}
    assert (await c.http.post("/identity/v3/OS-OAUTH1/access_token", headers=wrong)).status_code == 401
    signed = {"Authorization": oauth_header("POST", url, consumer, pair, oauth_verifier=verifier)}
    answer = await c.http.post("/identity/v3/OS-OAUTH1/access_token", headers=signed)
    assert answer.status_code == 201, answer.text
    access = dict(urllib.parse.parse_qsl(answer.text))
    url = f"{BASE}/identity/v3/auth/tokens"
    pair = (access["oauth_token"], access["oauth_token_secret"])
    body = {"auth": {"identity": {"methods": ["oauth1"], "oauth1": {}}}}
    token = await c.http.post(
        "/identity/v3/auth/tokens", json=body, headers={"Authorization": oauth_header("POST", url, consumer, pair)}
    )
    assert token.status_code == 201, token.text
    issued = token.json()["token"]
    assert issued["methods"] == ["oauth1"] and issued["project"]["id"] == project_id
    assert [r["name"] for r in issued["roles"]] == ["reader"]
    assert issued["OS-OAUTH1"] == {"access_token_id": access["oauth_token"], "consumer_id": consumer[0]}
    usable = {"X-Auth-Token": token.headers["x-subject-token"]}
    assert (await c.http.get("/identity/v3/auth/catalog", headers=usable)).status_code == 200
    mine = f"/identity/v3/users/{user_id}/OS-OAUTH1/access_tokens"
    listed = (await c.http.get(mine, headers={"X-Auth-Token": demo_token})).json()["access_tokens"]
    assert [t["id"] for t in listed] == [access["oauth_token"]]
    roles = (await c.http.get(f"{mine}/{access['oauth_token']}/roles", headers={"X-Auth-Token": demo_token})).json()
    assert [r["name"] for r in roles["roles"]] == ["reader"]
    deleted = await c.http.delete(f"{mine}/{access['oauth_token']}", headers={"X-Auth-Token": demo_token})
    assert deleted.status_code == 204
    assert (await c.http.get("/identity/v3/auth/catalog", headers=usable)).status_code == 401


async def test_oauth2_client_credentials(c: CloudClient) -> None:
    demo = {"X-Auth-Token": await c.token("demo")}
    me = await c.http.get("/identity/v3/auth/tokens", headers={**demo, "X-Subject-Token": demo["X-Auth-Token"]})
    user_id = me.json()["token"]["user"]["id"]
    cred = (
        await c.http.post(
            f"/identity/v3/users/{user_id}/application_credentials",
            json={"application_credential": {"name": name()}},
            headers=demo,
        )
    ).json()["application_credential"]
    basic = base64.b64encode(f"{cred['id']}:{cred['secret']}".encode()).decode()
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    answer = await c.http.post(
        "/identity/v3/OS-OAUTH2/token",
        content=b"grant_type=client_credentials",
        headers={**form, "Authorization": f"Basic {basic}"},
    )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["token_type"] == "Bearer" and body["expires_in"] > 0
    assert (
        await c.http.get("/identity/v3/auth/catalog", headers={"X-Auth-Token": body["access_token"]})
    ).status_code == 200
    in_form = f"grant_type=client_credentials&client_id={cred['id']}&client_secret={cred['secret']}".encode()
    assert (await c.http.post("/identity/v3/OS-OAUTH2/token", content=in_form, headers=form)).status_code == 200
    wrong = await c.http.post(
        "/identity/v3/OS-OAUTH2/token",
        content=f"grant_type=client_credentials&client_id={cred['id']}&client_secret=nope".encode(),
        headers=form,
    )
    assert wrong.status_code == 401 and wrong.json()["error"] == "invalid_client"
    assert "www-authenticate" in wrong.headers
    other = await c.http.post("/identity/v3/OS-OAUTH2/token", content=b"grant_type=password", headers=form)
    assert other.status_code == 400 and other.json()["error"] == "unsupported_grant_type"
    missing = await c.http.post("/identity/v3/OS-OAUTH2/token", content=b"", headers=form)
    assert missing.status_code == 400 and missing.json()["error"] == "invalid_request"

"""Identity credentials: ``/v3/credentials`` and the EC2 view ``/v3/users/{id}/credentials/OS-EC2``."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio

from pocketstack.identity import ec2sign
from pocketstack.identity.models import Credential
from pocketstack.testing.cloud import CloudClient, in_process_cloud

pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def c(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[CloudClient]:
    async with in_process_cloud(Path(tmp_path_factory.mktemp("identity-credentials"))) as client:
        yield client


async def whoami(c: CloudClient, token: str) -> dict[str, str]:
    body = (
        await c.http.get("/identity/v3/auth/tokens", headers={"X-Auth-Token": token, "X-Subject-Token": token})
    ).json()
    return {"user_id": body["token"]["user"]["id"], "project_id": body["token"]["project"]["id"]}


async def test_credentials_crud_and_ownership(c: CloudClient) -> None:
    admin = {"X-Auth-Token": await c.token("admin")}
    demo_token = await c.token("demo")
    demo = {"X-Auth-Token": demo_token}
    me = await whoami(c, demo_token)
    blob = json.dumps({"access": uuid.uuid4().hex, "secret": "s1"})
    body = {"credential": {"user_id": me["user_id"], "project_id": me["project_id"], "type": "ec2", "blob": blob}}
    created = await c.http.post("/identity/v3/credentials", json=body, headers=demo)
    assert created.status_code == 201, created.text
    cred = created.json()["credential"]
    assert cred["id"] == hashlib.sha256(json.loads(blob)["access"].encode()).hexdigest()
    assert cred["blob"] == blob and cred["type"] == "ec2"
    dup = await c.http.post("/identity/v3/credentials", json=body, headers=demo)
    assert dup.status_code == 409
    # Another user's credential cannot be made, and is invisible to others.
    alien = {**body["credential"], "user_id": (await whoami(c, admin["X-Auth-Token"]))["user_id"], "type": "x"}
    assert (await c.http.post("/identity/v3/credentials", json={"credential": alien}, headers=demo)).status_code == 403
    other = await c.http.post("/identity/v3/credentials", json={"credential": alien}, headers=admin)
    assert other.status_code == 201
    mine = (await c.http.get("/identity/v3/credentials", headers=demo)).json()["credentials"]
    assert [x["id"] for x in mine] == [cred["id"]]
    everyone = (await c.http.get("/identity/v3/credentials", headers=admin)).json()["credentials"]
    assert {cred["id"], other.json()["credential"]["id"]} <= {x["id"] for x in everyone}
    # Another user's credential: identity:get_credential refuses it (403, as Keystone).
    hidden = await c.http.get(f"/identity/v3/credentials/{other.json()['credential']['id']}", headers=demo)
    assert hidden.status_code == 403 and "identity:get_credential" in hidden.text
    new_blob = json.dumps({"access": json.loads(blob)["access"], "secret": "s2"})
    updated = await c.http.patch(
        f"/identity/v3/credentials/{cred['id']}", json={"credential": {"blob": new_blob}}, headers=demo
    )
    assert updated.status_code == 200 and json.loads(updated.json()["credential"]["blob"])["secret"] == "s2"
    # As in Keystone, a new access key keeps the credential's id; a blob without one is refused.
    rekey = json.dumps({"access": "another", "secret": "s"})
    moved = await c.http.patch(
        f"/identity/v3/credentials/{cred['id']}", json={"credential": {"blob": rekey}}, headers=demo
    )
    assert moved.status_code == 200 and moved.json()["credential"]["id"] == cred["id"]
    keyless = json.dumps({"secret": "s"})
    bad = await c.http.patch(
        f"/identity/v3/credentials/{cred['id']}", json={"credential": {"blob": keyless}}, headers=demo
    )
    assert bad.status_code == 400
    assert (await c.http.delete(f"/identity/v3/credentials/{cred['id']}", headers=demo)).status_code == 204
    assert (await c.http.get(f"/identity/v3/credentials/{cred['id']}", headers=demo)).status_code == 404


@pytest.mark.parametrize(
    "credential",
    [
        {"type": "ec2", "blob": "not json"},
        {"type": "ec2", "blob": '{"secret": "no access"}'},
        {"type": "ec2", "blob": '{"access": "a"}', "project_id": None},
        {"type": "cert"},
        {"blob": "x"},
    ],
)
async def test_bad_credentials_are_400(c: CloudClient, credential: dict[str, object]) -> None:
    token = await c.token("demo")
    me = await whoami(c, token)
    body = {"user_id": me["user_id"], "project_id": me["project_id"], **credential}
    answer = await c.http.post("/identity/v3/credentials", json={"credential": body}, headers={"X-Auth-Token": token})
    assert answer.status_code == 400, answer.text


async def test_ec2_credentials(c: CloudClient) -> None:
    token = await c.token("demo")
    demo = {"X-Auth-Token": token}
    me = await whoami(c, token)
    base = f"/identity/v3/users/{me['user_id']}/credentials/OS-EC2"
    created = await c.http.post(base, json={"tenant_id": me["project_id"]}, headers=demo)
    assert created.status_code == 201, created.text
    ec2 = created.json()["credential"]
    assert ec2["user_id"] == me["user_id"] and ec2["tenant_id"] == me["project_id"]
    assert ec2["access"] and ec2["secret"] and ec2["trust_id"] is None
    listed = (await c.http.get(base, headers=demo)).json()["credentials"]
    assert ec2["access"] in [x["access"] for x in listed]
    shown = (await c.http.get(f"{base}/{ec2['access']}", headers=demo)).json()["credential"]
    assert shown["secret"] == ec2["secret"]
    # At rest the blob is sealed: the secret is not in the database.
    identity = next(s for s in c.cloud.services if s.name == "identity")
    async with identity.db.reader() as s:  # type: ignore[attr-defined]
        stored = await s.get(Credential, hashlib.sha256(ec2["access"].encode()).hexdigest())
    assert stored is not None and stored.blob.startswith("fernet:") and ec2["secret"] not in stored.blob
    # The same row through /v3/credentials, under the access key's hash.
    cred_id = hashlib.sha256(ec2["access"].encode()).hexdigest()
    generic = (await c.http.get(f"/identity/v3/credentials/{cred_id}", headers=demo)).json()["credential"]
    assert generic["type"] == "ec2" and json.loads(generic["blob"])["secret"] == ec2["secret"]
    assert (await c.http.post(base, json={"tenant_id": "nope"}, headers=demo)).status_code == 404
    admin = {"X-Auth-Token": await c.token("admin")}
    admin_id = (await whoami(c, admin["X-Auth-Token"]))["user_id"]
    assert (await c.http.get(f"/identity/v3/users/{admin_id}/credentials/OS-EC2", headers=demo)).status_code == 403
    assert (await c.http.delete(f"{base}/{ec2['access']}", headers=demo)).status_code == 204
    assert (await c.http.get(f"{base}/{ec2['access']}", headers=demo)).status_code == 404


async def test_signatures_match_the_aws_examples() -> None:
    v4 = {
        "verb": "GET",
        "host": "iam.amazonaws.com",
        "path": "/",
        "params": {"Action": "ListUsers", "Version": "2010-05-08"},
        "headers": {
            "Content-Type": "application/x-www-form-urlencoded; charset=utf-8",
            "Host": "iam.amazonaws.com",
            "X-Amz-Date": "20150830T123600Z",
            "Authorization": "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, "
            "SignedHeaders=content-type;host;x-amz-date, Signature=x",
        },
    }
    assert ec2sign.signature("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", v4) == (
        "5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7"
    )
    v2 = {
        "verb": "GET",
        "host": "elasticmapreduce.amazonaws.com",
        "path": "/",
        "params": {
            "AWSAccessKeyId": "AKIAIOSFODNN7EXAMPLE",
            "Action": "DescribeJobFlows",
            "SignatureMethod": "HmacSHA256",
            "SignatureVersion": "2",
            "Timestamp": "2011-10-03T15:19:30",
            "Version": "2009-03-31",
        },
    }
    assert (
        ec2sign.signature("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", v2)
        == "i91nKc4PWAt0JJIdXwz9HxZCJDdiy6cf/Mj6vPxyYIs="
    )


async def test_ec2tokens(c: CloudClient) -> None:
    token = await c.token("demo")
    me = await whoami(c, token)
    ec2 = (
        await c.http.post(
            f"/identity/v3/users/{me['user_id']}/credentials/OS-EC2",
            json={"tenant_id": me["project_id"]},
            headers={"X-Auth-Token": token},
        )
    ).json()["credential"]
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    params = {
        "AWSAccessKeyId": ec2["access"],
        "Action": "DescribeInstances",
        "SignatureMethod": "HmacSHA256",
        "SignatureVersion": "2",
        "Timestamp": now,
        "Version": "2016-11-15",
    }
    signed = {"access": ec2["access"], "host": "ec2.test:8788", "verb": "GET", "path": "/", "params": params}
    signed["signature"] = ec2sign.signature(ec2["secret"], {**signed, "host": "ec2.test"})  # no port: accepted
    answer = await c.http.post("/identity/v3/ec2tokens", json={"credentials": signed})
    assert answer.status_code == 200, answer.text
    body = answer.json()["token"]
    assert body["methods"] == ["ec2credential"] and body["project"]["id"] == me["project_id"]
    usable = {"X-Auth-Token": answer.headers["x-subject-token"]}
    assert (await c.http.get("/identity/v3/auth/catalog", headers=usable)).status_code == 200
    wrong = await c.http.post("/identity/v3/ec2tokens", json={"credentials": {**signed, "signature": "bad"}})
    assert wrong.status_code == 401
    unknown = await c.http.post("/identity/v3/ec2tokens", json={"credentials": {**signed, "access": "nope"}})
    assert unknown.status_code == 404
    old = {**params, "Timestamp": "2001-01-01T00:00:00Z"}
    stale = {**signed, "params": old}
    stale["signature"] = ec2sign.signature(ec2["secret"], stale)
    assert (await c.http.post("/identity/v3/ec2tokens", json={"credentials": stale})).status_code == 401
    assert (await c.http.post("/identity/v3/ec2tokens", json={})).status_code == 400

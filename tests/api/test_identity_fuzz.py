"""Property-based fuzzing of the identity API: no input may produce a 500."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pocketstack.testing.cloud import BASE, CloudClient, in_process_cloud

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=12,
)
NAMES = st.sampled_from(
    [
        "user",
        "project",
        "domain",
        "group",
        "role",
        "region",
        "service",
        "endpoint",
        "auth",
        "identity",
        "password",
        "methods",
        "scope",
        "name",
        "id",
        "enabled",
        "tags",
        "options",
        "trust",
        "trustor_user_id",
        "trustee_user_id",
        "impersonation",
        "project_id",
        "expires_at",
        "roles",
        "credential",
        "credentials",
        "blob",
        "type",
        "tenant_id",
        "access",
        "signature",
        "params",
        "headers",
        "policy",
        "endpoint_group",
        "filters",
        "consumer",
        "config",
        "ldap",
        "limits",
        "registered_limits",
        "access_rules",
    ]
)
BODIES = JSON | st.dictionaries(NAMES, JSON | st.dictionaries(NAMES, JSON, max_size=5), max_size=3)
PATHS = st.sampled_from(
    [
        "/v3/auth/tokens",
        "/v3/users",
        "/v3/projects",
        "/v3/domains",
        "/v3/groups",
        "/v3/roles",
        "/v3/regions",
        "/v3/services",
        "/v3/endpoints",
        "/v3/users/{uid}",
        "/v3/projects/{pid}",
        "/v3/users/{uid}/password",
        "/v3/users/{uid}/application_credentials",
        "/v3/projects/{pid}/tags",
        "/v3/role_assignments",
        "/v3/projects/{pid}/users/{uid}/roles/x",
        "/v3/roles/x/implies/y",
        "/v3/domains/default",
        "/v3/OS-TRUST/trusts",
        "/v3/credentials",
        "/v3/users/{uid}/credentials/OS-EC2",
        "/v3/ec2tokens",
        "/v3/policies",
        "/v3/OS-EP-FILTER/endpoint_groups",
        "/v3/OS-OAUTH1/consumers",
        "/v3/domains/default/config",
        "/v3/domains/default/config/ldap",
        "/v3/domains/default/config/ldap/url",
        "/v3/registered_limits",
        "/v3/limits",
        "/v3/projects/{pid}/tags/x",
        "/v3/OS-EP-FILTER/projects/{pid}/endpoints/x",
    ]
)


class Harness:
    def __init__(self, tmp: Path) -> None:
        self.loop = asyncio.new_event_loop()
        self.ctx = in_process_cloud(tmp)
        self.client: CloudClient = self.loop.run_until_complete(self.ctx.__aenter__())
        self.token = self.loop.run_until_complete(self.client.token("admin"))
        self.ids = self.loop.run_until_complete(self._ids())

    async def _ids(self) -> dict[str, str]:
        headers = {"X-Auth-Token": self.token}
        users = (await self.client.http.get("/identity/v3/users?name=demo", headers=headers)).json()["users"]
        projects = (await self.client.http.get("/identity/v3/projects?name=demo", headers=headers)).json()
        return {"uid": users[0]["id"], "pid": projects["projects"][0]["id"]}

    def request(self, method: str, path: str, body: Any, raw: bytes | None = None) -> int:
        headers = {"X-Auth-Token": self.token, "Content-Type": "application/json"}
        url = BASE + "/identity" + path.format(**self.ids)
        kwargs: dict[str, Any] = {"content": raw} if raw is not None else {"json": body}
        answer = self.loop.run_until_complete(self.client.http.request(method, url, headers=headers, **kwargs))
        return answer.status_code

    def close(self) -> None:
        self.loop.run_until_complete(self.ctx.__aexit__(None, None, None))
        self.loop.close()


@pytest.fixture(scope="module")
def harness(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Harness]:
    h = Harness(Path(tmp_path_factory.mktemp("fuzz")))
    yield h
    h.close()


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(method=st.sampled_from(["POST", "PATCH", "PUT"]), path=PATHS, body=BODIES)
def test_no_json_body_causes_500(harness: Harness, method: str, path: str, body: Any) -> None:
    status = harness.request(method, path, body)
    assert status < 500, (method, path, body, status)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(path=PATHS, raw=st.binary(max_size=64))
def test_no_raw_bytes_cause_500(harness: Harness, path: str, raw: bytes) -> None:
    status = harness.request("POST", path, None, raw=raw)
    assert status < 500, (path, raw, status)

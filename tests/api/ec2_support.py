"""An EC2 client for in-process API tests: botocore serializes, signs (Version 4 or 2)
and parses exactly as boto3 does; the request goes through the in-process cloud."""

from __future__ import annotations

import asyncio
from typing import Any

import botocore.session
from botocore.auth import SigV2Auth, SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.parsers import create_parser
from botocore.serialize import create_serializer

from pocketstack.testing.cloud import CloudClient

_MODEL = botocore.session.get_session().get_service_model("ec2")
_SERIALIZER = create_serializer("ec2")
_PARSER = create_parser("ec2")


class Ec2Failed(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message


async def ec2_keys(c: CloudClient, user: str = "demo", project: str | None = None) -> tuple[str, str]:
    """A new EC2 credential of ``user`` on ``project`` (its own by default)."""
    token = await c.token(user, project=project)
    body = (
        await c.http.get("/identity/v3/auth/tokens", headers={"X-Auth-Token": token, "X-Subject-Token": token})
    ).json()
    user_id, project_id = body["token"]["user"]["id"], body["token"]["project"]["id"]
    answer = await c.http.post(
        f"/identity/v3/users/{user_id}/credentials/OS-EC2",
        json={"tenant_id": project_id},
        headers={"X-Auth-Token": token},
    )
    assert answer.status_code == 201, answer.text
    cred = answer.json()["credential"]
    return cred["access"], cred["secret"]


class Ec2:
    def __init__(self, c: CloudClient, access: str, secret: str, version: str = "v4") -> None:
        self.c = c
        self.credentials = Credentials(access, secret)
        self.version = version

    def signed(self, action: str, params: dict[str, Any]) -> AWSRequest:
        wire = _SERIALIZER.serialize_to_request(params, _MODEL.operation_model(action))
        request = AWSRequest(
            "POST",
            "http://pocketstack.test/ec2/",
            data=wire["body"],
            headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"},
        )
        if self.version == "v2":
            SigV2Auth(self.credentials).add_auth(request)
        else:
            SigV4Auth(self.credentials, "ec2", "RegionOne").add_auth(request)
        return request

    async def send(self, request: AWSRequest) -> tuple[int, bytes]:
        prepared = request.prepare()
        body = prepared.body if isinstance(prepared.body, bytes) else (prepared.body or "").encode()
        answer = await self.c.http.post(prepared.url, content=body, headers=dict(prepared.headers))
        return answer.status_code, answer.content

    async def __call__(self, action: str, **params: Any) -> dict[str, Any]:
        status, body = await self.send(self.signed(action, params))
        shape = _MODEL.operation_model(action).output_shape
        parsed = _PARSER.parse({"status_code": status, "headers": {}, "body": body}, shape)
        if status >= 300:
            error = parsed.get("Error", {})
            raise Ec2Failed(status, str(error.get("Code")), str(error.get("Message")))
        parsed.pop("ResponseMetadata", None)
        return dict(parsed)

    async def fails(self, code: str, action: str, **params: Any) -> Ec2Failed:
        try:
            await self(action, **params)
        except Ec2Failed as exc:
            assert exc.code == code, exc
            return exc
        raise AssertionError(f"{action} succeeded, expected {code}")

    async def instance(self, instance_id: str) -> dict[str, Any]:
        found = await self("DescribeInstances", InstanceIds=[instance_id])
        return dict(found["Reservations"][0]["Instances"][0])

    async def wait_state(self, instance_id: str, *names: str, timeout: float = 20.0) -> dict[str, Any]:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            inst = await self.instance(instance_id)
            if inst["State"]["Name"] in names:
                return inst
            if loop.time() > deadline:
                raise AssertionError(f"{instance_id} stayed {inst['State']}, wanted {names}")
            await asyncio.sleep(0.05)

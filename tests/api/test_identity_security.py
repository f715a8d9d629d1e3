"""Identity's security behaviour through the real cloud in-process: nothing secret in the
logs, and Keystone's [security_compliance] password rules (lockout, regex, history,
minimum age, expiry), each off by default and tested on here."""

from __future__ import annotations

import logging
import uuid
from pathlib import Path
from typing import Any

import pytest

from pocketstack.testing.cloud import CloudClient, in_process_cloud

pytestmark = pytest.mark.asyncio

FAIL = "The request you have made requires authentication."


def h(token: str) -> dict[str, str]:
    return {"X-Auth-Token": token}


def password_auth(user_id: str, password: str) -> dict[str, Any]:
    identity = {"methods": ["password"], "password": {"user": {"id": user_id, "password": password}}}
    return {"auth": {"identity": identity}}


async def new_user(c: CloudClient, admin: str, password: str) -> str:
    body = {"user": {"name": f"u-{uuid.uuid4().hex[:8]}", "password": password}}
    answer = await c.http.post("/identity/v3/users", json=body, headers=h(admin))
    assert answer.status_code == 201, answer.text
    return str(answer.json()["user"]["id"])


async def test_logs_at_debug_hold_no_password_token_or_key(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    secret = f"Pw-{uuid.uuid4().hex}"
    async with in_process_cloud(tmp_path) as c:
        admin = await c.token("admin")
        user_id = await new_user(c, admin, secret)
        issued = await c.http.post("/identity/v3/auth/tokens", json=password_auth(user_id, secret))
        assert issued.status_code == 201
        token = issued.headers["x-subject-token"]
        wrong = await c.http.post("/identity/v3/auth/tokens", json=password_auth(user_id, secret + "-wrong"))
        assert wrong.status_code == 401
        checked = await c.http.get("/identity/v3/auth/tokens", headers={**h(admin), "X-Subject-Token": token})
        assert checked.status_code == 200
        # A token crossing services (compute asks image and network with it) and a bad
        # request whose body carries a password.
        assert (await c.http.get("/compute/v2.1/servers/detail", headers=h(admin))).status_code == 200
        bad = {"user": {"name": 7, "password": secret}}
        assert (await c.http.post("/identity/v3/users", json=bad, headers=h(admin))).status_code == 400
        change = {"user": {"password": secret + "-new", "original_password": secret}}
        changed = await c.http.post(f"/identity/v3/users/{user_id}/password", json=change, headers=h(token))
        assert changed.status_code == 204
        keys = [p.read_text().strip() for p in c.cloud.config.fernet_key_dir.iterdir() if p.name.isdigit()]
    text = "\n".join(r.getMessage() for r in caplog.records) + caplog.text
    assert caplog.records, "the cloud logged nothing at DEBUG: the test checks nothing"
    for needle in (secret, token, token[:24], admin, admin[:24], "admin:admin", *keys):
        assert needle not in text, f"{needle[:12]}... is in the logs"
    assert "$2b$" not in text, "a password hash is in the logs"

"""Identity's security behaviour through the real cloud in-process: nothing secret in the
logs, and Keystone's [security_compliance] password rules (lockout, regex, history,
minimum age, expiry), each off by default and tested on here."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest

from pocketstack.testing.cloud import CloudClient, in_process_cloud
from pocketstack.testing.cloud import test_config as config_for_tests

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


@asynccontextmanager
async def cloud_with(tmp_path: Path, **rules: Any) -> AsyncIterator[tuple[CloudClient, str]]:
    """An in-process cloud with these [security_compliance] settings, and an admin token."""
    config = config_for_tests(tmp_path)
    for key, value in rules.items():
        setattr(config.security_compliance, key, value)
    async with in_process_cloud(tmp_path, config) as c:
        yield c, await c.token("admin")


async def login(c: CloudClient, user_id: str, password: str) -> int:
    return (await c.http.post("/identity/v3/auth/tokens", json=password_auth(user_id, password))).status_code


async def change(c: CloudClient, user_id: str, old: str, new: str) -> Any:
    """The user changes their own password (with a token of theirs)."""
    issued = await c.http.post("/identity/v3/auth/tokens", json=password_auth(user_id, old))
    assert issued.status_code == 201, issued.text
    body = {"user": {"password": new, "original_password": old}}
    return await c.http.post(
        f"/identity/v3/users/{user_id}/password", json=body, headers=h(issued.headers["x-subject-token"])
    )


def message(answer: Any) -> str:
    assert answer.status_code == 400, answer.text
    return str(answer.json()["error"]["message"])


async def test_rules_are_off_by_default(tmp_path: Path) -> None:
    async with in_process_cloud(tmp_path) as c:
        admin = await c.token("admin")
        user_id = await new_user(c, admin, "a")
        for _ in range(4):
            assert await login(c, user_id, "wrong") == 401
        assert await login(c, user_id, "a") == 201, "no lockout"
        assert (await change(c, user_id, "a", "a")).status_code == 204, "no history, no minimum age"
        assert (await change(c, user_id, "a", "b")).status_code == 204
        shown = await c.http.get(f"/identity/v3/users/{user_id}", headers=h(admin))
        assert shown.json()["user"]["password_expires_at"] is None


async def test_lockout_after_failed_logins_and_unlock_after_the_duration(tmp_path: Path) -> None:
    async with cloud_with(tmp_path, lockout_failure_attempts=2, lockout_duration=2) as (c, admin):
        user_id = await new_user(c, admin, "right-pw")
        assert await login(c, user_id, "wrong") == 401
        assert await login(c, user_id, "right-pw") == 201, "a success forgets the failure"
        assert await login(c, user_id, "wrong") == 401
        assert await login(c, user_id, "wrong") == 401
        locked = await c.http.post("/identity/v3/auth/tokens", json=password_auth(user_id, "right-pw"))
        assert locked.status_code == 401, "locked: even the right password is refused"
        assert locked.json()["error"]["message"] == FAIL
        await asyncio.sleep(2.1)
        assert await login(c, user_id, "right-pw") == 201, "unlocked once the duration passed"

        # An administrator ends a lockout by enabling the user; the option exempts a user.
        for _ in range(2):
            assert await login(c, user_id, "wrong") == 401
        assert await login(c, user_id, "right-pw") == 401
        enable = {"user": {"enabled": True}}
        assert (await c.http.patch(f"/identity/v3/users/{user_id}", json=enable, headers=h(admin))).status_code == 200
        assert await login(c, user_id, "right-pw") == 201
        exempt = {"user": {"options": {"ignore_lockout_failure_attempts": True}}}
        assert (await c.http.patch(f"/identity/v3/users/{user_id}", json=exempt, headers=h(admin))).status_code == 200
        for _ in range(3):
            assert await login(c, user_id, "wrong") == 401
        assert await login(c, user_id, "right-pw") == 201


async def test_password_regex_is_400_with_the_description(tmp_path: Path) -> None:
    rule = "must have 8 characters or more, one of them a digit"
    async with cloud_with(tmp_path, password_regex=r"^(?=.*\d).{8,}$", password_regex_description=rule) as (c, admin):
        refused = await c.http.post(
            "/identity/v3/users", json={"user": {"name": "weak", "password": "short"}}, headers=h(admin)
        )
        assert message(refused) == f"The password does not match the requirements: {rule}."
        user_id = await new_user(c, admin, "long-enough-1")
        patch = await c.http.patch(
            f"/identity/v3/users/{user_id}", json={"user": {"password": "nodigits!"}}, headers=h(admin)
        )
        assert rule in message(patch)
        assert rule in message(await change(c, user_id, "long-enough-1", "abc1"))
        assert (await change(c, user_id, "long-enough-1", "long-enough-2")).status_code == 204
        assert await login(c, user_id, "long-enough-2") == 201


async def test_the_last_passwords_cannot_be_reused(tmp_path: Path) -> None:
    async with cloud_with(tmp_path, unique_last_password_count=2) as (c, admin):
        user_id = await new_user(c, admin, "pw-a")
        assert (await change(c, user_id, "pw-a", "pw-b")).status_code == 204
        text = message(await change(c, user_id, "pw-b", "pw-b"))
        assert text == (
            "The new password cannot be identical to a previous password. The total number which includes the "
            "new password must be unique is 2."
        )
        assert "previous password" in message(await change(c, user_id, "pw-b", "pw-a"))
        reset = {"user": {"password": "pw-b"}}
        assert (await c.http.patch(f"/identity/v3/users/{user_id}", json=reset, headers=h(admin))).status_code == 200, (
            "an administrator's reset is not checked (Keystone's update_user is not)"
        )
        assert (await change(c, user_id, "pw-b", "pw-c")).status_code == 204
        assert (await change(c, user_id, "pw-c", "pw-a")).status_code == 204, "pw-a is three passwords back"


async def test_minimum_password_age_applies_to_passwords_users_set_themselves(tmp_path: Path) -> None:
    async with cloud_with(tmp_path, minimum_password_age=1) as (c, admin):
        user_id = await new_user(c, admin, "pw-1")
        assert (await change(c, user_id, "pw-1", "pw-2")).status_code == 204, "an administrator set pw-1"
        assert message(await change(c, user_id, "pw-2", "pw-3")) == (
            "You cannot change your password at this time due to the minimum password age. Once you change your "
            "password, it must be used for 1 day(s) before it can be changed. Please try again in 1 day(s) or "
            "contact your administrator to reset your password."
        )
        reset = {"user": {"password": "pw-9"}}
        assert (await c.http.patch(f"/identity/v3/users/{user_id}", json=reset, headers=h(admin))).status_code == 200
        assert (await change(c, user_id, "pw-9", "pw-10")).status_code == 204


async def test_password_expiry_days(tmp_path: Path) -> None:
    async with cloud_with(tmp_path, password_expires_days=3) as (c, admin):
        user_id = await new_user(c, admin, "pw")
        shown = (await c.http.get(f"/identity/v3/users/{user_id}", headers=h(admin))).json()["user"]
        assert not shown["password_expires_at"].endswith("Z")  # as Keystone prints it
        expires = dt.datetime.fromisoformat(shown["password_expires_at"])
        left = expires.replace(tzinfo=dt.UTC) - dt.datetime.now(dt.UTC)
        assert dt.timedelta(days=2, hours=23) < left <= dt.timedelta(days=3)
        login = {"identity": {"methods": ["password"], "password": {"user": {"id": user_id, "password": "pw"}}}}
        token = await c.http.post("/identity/v3/auth/tokens", json={"auth": login})
        assert token.json()["token"]["user"]["password_expires_at"] == shown["password_expires_at"]
        body = {"user": {"name": "forever", "password": "pw", "options": {"ignore_password_expiry": True}}}
        forever = await c.http.post("/identity/v3/users", json=body, headers=h(admin))
        assert forever.json()["user"]["password_expires_at"] is None

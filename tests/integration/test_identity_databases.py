"""Identity on SQLite, PostgreSQL and MariaDB: migrations, bootstrap, tokens, CRUD, grants
and revocation run the same on each real database server."""

from __future__ import annotations

import uuid
from pathlib import Path

import httpx
import pytest

from pocketstack.bus.memory import MemoryBus
from pocketstack.common.config import Config
from pocketstack.db import migrate
from pocketstack.identity.bootstrap import bootstrap
from pocketstack.identity.service import IdentityService
from pocketstack.runtime import Runtime
from pocketstack.web.app import Dispatcher

pytestmark = pytest.mark.integration


def password_auth(user: str, password: str, project: str | None) -> dict[str, object]:
    auth: dict[str, object] = {
        "identity": {
            "methods": ["password"],
            "password": {"user": {"name": user, "domain": {"id": "default"}, "password": password}},
        }
    }
    if project:
        auth["scope"] = {"project": {"name": project, "domain": {"id": "default"}}}
    return {"auth": auth}


async def test_identity_end_to_end_on_each_database(db_url: str, tmp_path: Path) -> None:
    config = Config(data_dir=tmp_path)
    config.database.url = db_url
    config.identity.password_hash_rounds = 4
    config.identity.admin_password, config.identity.demo_password = "admin", "demo"
    config.identity.service_password = "service"
    bus = MemoryBus()
    runtime = Runtime(config, bus, authenticator=None)  # type: ignore[arg-type]
    identity = IdentityService(runtime)
    runtime.authenticator = identity.validator
    db = runtime.database("identity")
    await migrate.upgrade(db, "identity", identity.migrations)  # type: ignore[arg-type]
    await bootstrap(db, config)
    await bootstrap(db, config)  # idempotent: a second up changes nothing
    await identity.start()
    app = Dispatcher({"identity": identity.app})
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
            issued = await c.post("/identity/v3/auth/tokens", json=password_auth("admin", "admin", "admin"))
            assert issued.status_code == 201, issued.text
            admin = {"X-Auth-Token": issued.headers["x-subject-token"]}
            name = f"p{uuid.uuid4().hex[:8]}"
            project = await c.post("/identity/v3/projects", json={"project": {"name": name}}, headers=admin)
            assert project.status_code == 201
            dup = await c.post("/identity/v3/projects", json={"project": {"name": name}}, headers=admin)
            assert dup.status_code == 409
            user = await c.post("/identity/v3/users", json={"user": {"name": name, "password": "pw"}}, headers=admin)
            user_id = user.json()["user"]["id"]
            roles = (await c.get("/identity/v3/roles?name=member", headers=admin)).json()["roles"]
            grant = f"/identity/v3/projects/{project.json()['project']['id']}/users/{user_id}/roles/{roles[0]['id']}"
            assert (await c.put(grant, headers=admin)).status_code == 204
            mine = await c.post("/identity/v3/auth/tokens", json=password_auth(name, "pw", name))
            assert mine.status_code == 201
            body = mine.json()["token"]
            assert {r["name"] for r in body["roles"]} == {"member", "reader"}
            token = {"X-Auth-Token": mine.headers["x-subject-token"]}
            assert (await c.get(f"/identity/v3/users/{user_id}", headers=token)).status_code == 200
            listed = await c.get(f"/identity/v3/role_assignments?user.id={user_id}&include_names", headers=admin)
            assert [a["role"]["name"] for a in listed.json()["role_assignments"]] == ["member"]
            assert (await c.delete(f"/identity/v3/users/{user_id}", headers=admin)).status_code == 204
            assert (await c.get(f"/identity/v3/users/{user_id}", headers=token)).status_code == 401
    finally:
        await identity.stop()
        await bus.close()
        await runtime.close()

"""Identity's rules come from the common policy engine under Keystone's names, and an
operator's DATA_DIR/policy/identity.yaml changes them for real."""

from __future__ import annotations

from pathlib import Path

from pocketstack.testing.cloud import in_process_cloud


async def test_overrides_change_keystone_rules(tmp_path: Path) -> None:
    (tmp_path / "policy").mkdir()
    (tmp_path / "policy" / "identity.yaml").write_text(
        "# Projects are shown to admins only; any member may list users.\n"
        '"identity:get_project": "rule:admin_required"\n'
        '"identity:list_users": "role:member"\n'
    )
    async with in_process_cloud(tmp_path) as c:
        demo = {"X-Auth-Token": await c.token("demo")}
        admin = {"X-Auth-Token": await c.token("admin")}
        projects = (await c.http.get("/identity/v3/auth/projects", headers=demo)).json()["projects"]
        own = projects[0]["id"]
        # Its own project is no longer shown to the member (Keystone's default shows it).
        r = await c.http.get(f"/identity/v3/projects/{own}", headers=demo)
        assert r.status_code == 403 and "identity:get_project" in r.text
        assert (await c.http.get(f"/identity/v3/projects/{own}", headers=admin)).status_code == 200
        # An admin-only list opened to members.
        assert (await c.http.get("/identity/v3/users", headers=demo)).status_code == 200

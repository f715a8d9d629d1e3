"""The compute API's rules come from the common policy engine under Nova's names, and an
operator's DATA_DIR/policy/compute.yaml changes them for real."""

from __future__ import annotations

from pathlib import Path

from tests.api.compute_support import cloud, mv


async def test_overrides_open_and_close_rules(tmp_path: Path) -> None:
    (tmp_path / "policy").mkdir()
    (tmp_path / "policy" / "compute.yaml").write_text(
        '"os_compute_api:os-hypervisors:list": "role:member"\n"os_compute_api:servers:index": "rule:context_is_admin"\n'
    )
    async with cloud(tmp_path) as c:
        # An admin-only API opened to members; a member-readable one closed to them.
        assert (await c.client.get("/compute/v2.1/os-hypervisors", headers=mv("demo"))).status_code == 200
        assert (await c.client.get("/compute/v2.1/servers", headers=mv("demo"))).status_code == 403
        assert (await c.client.get("/compute/v2.1/servers", headers=mv("admin"))).status_code == 200


async def test_defaults_are_novas(tmp_path: Path) -> None:
    async with cloud(tmp_path) as c:
        assert (await c.client.get("/compute/v2.1/os-hypervisors", headers=mv("demo"))).status_code == 403
        assert (await c.client.get("/compute/v2.1/servers", headers=mv("demo"))).status_code == 200

"""Placement's rules come from the common policy engine: its defaults (admin or service;
a project's readers see their own usages) and an operator's DATA_DIR/policy/placement.yaml."""

from __future__ import annotations

from pathlib import Path

from pocketstack.common.config import Config
from pocketstack.placement.service import create
from pocketstack.testing.service import running_services
from tests.api.placement_support import Placement, placement_fixture  # noqa: F401


async def test_usages_open_to_the_projects_readers(placement: Placement) -> None:
    # Placement's admin_or_project_reader_or_service_api: p-demo's reader sees p-demo only.
    assert (await placement.get("/usages?project_id=p-demo", token="reader")).status_code == 200
    assert (await placement.get("/usages?project_id=p-alt", token="reader")).status_code == 403
    assert (await placement.get("/resource_providers", token="demo")).status_code == 403


async def test_an_override_opens_a_rule(tmp_path: Path) -> None:
    (tmp_path / "policy").mkdir()
    (tmp_path / "policy" / "placement.yaml").write_text(
        '"placement:resource_providers:list": "role:member"\n"placement:usages": "rule:admin_api"\n'
    )
    async with running_services([create], tmp_path, config=Config(data_dir=tmp_path)) as (_rt, _svc, client):
        api = Placement(client)
        assert (await api.get("/resource_providers", token="demo")).status_code == 200
        assert (await api.get("/resource_providers", token="reader")).status_code == 403
        assert (await api.get("/usages?project_id=p-demo", token="reader")).status_code == 403

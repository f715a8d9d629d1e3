"""The network service's rules come from the common policy engine, and an operator's
DATA_DIR/policy/network.yaml changes them for real."""

from __future__ import annotations

from pathlib import Path

import pytest

from pocketstack.common.config import Config
from pocketstack.common.policy import PolicyFileError
from tests.api.network_support import error, network_api


def _policy(tmp_path: Path, text: str) -> Config:
    (tmp_path / "policy").mkdir()
    (tmp_path / "policy" / "network.yaml").write_text(text)
    return Config(data_dir=tmp_path)


async def test_shared_networks_opened_to_members(tmp_path: Path) -> None:
    config = _policy(tmp_path, '"create_network:shared": "role:member"\n')
    async with network_api(tmp_path, config=config) as api:
        r = await api.post("networks", {"network": {"name": "mine", "shared": True}})
        assert r.status_code == 201, r.text
        assert r.json()["network"]["shared"] is True
        # Another project now sees it, as any shared network.
        assert (await api.get(f"networks/{r.json()['network']['id']}", "alt")).status_code == 200
        # Only that rule changed: external networks stay admin-only.
        r = await api.post("networks", {"network": {"name": "ext", "router:external": True}})
        assert r.status_code == 403 and error(r)["type"] == "PolicyNotAuthorized"


async def test_default_is_admin_only_shared(tmp_path: Path) -> None:
    async with network_api(tmp_path, config=Config(data_dir=tmp_path)) as api:
        r = await api.post("networks", {"network": {"name": "mine", "shared": True}})
        assert r.status_code == 403
        assert "create_network:shared" in error(r)["message"]


async def test_get_network_admin_only_hides_networks(tmp_path: Path) -> None:
    config = _policy(tmp_path, '"get_network": "rule:admin_only"\n')
    async with network_api(tmp_path, config=config) as api:
        net = await api.network()
        # Not even its owner sees it now: not in the list, and 404 (hidden), not 403.
        assert (await api.get(f"networks/{net['id']}")).status_code == 404
        assert net["id"] not in [n["id"] for n in (await api.get("networks")).json()["networks"]]
        assert (await api.get(f"networks/{net['id']}", "admin")).status_code == 200
        r = await api.delete(f"networks/{net['id']}")
        assert r.status_code == 404


async def test_an_override_of_an_alias_changes_every_rule_using_it(tmp_path: Path) -> None:
    # Admins are no longer admins for Neutron's rules: admin_only is "never".
    config = _policy(tmp_path, '"admin_only": "!"\n')
    async with network_api(tmp_path, config=config) as api:
        r = await api.post("networks", {"network": {"name": "x", "shared": True}}, "admin")
        assert r.status_code == 403


async def test_a_bad_rule_refuses_to_start(tmp_path: Path) -> None:
    config = _policy(tmp_path, '"update_network": "(role:member"\n')
    with pytest.raises(PolicyFileError, match="rule 'update_network'"):
        async with network_api(tmp_path, config=config):
            pass

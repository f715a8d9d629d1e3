"""The volume API's rules come from the common policy engine under Cinder's names, and an
operator's DATA_DIR/policy/volume.yaml changes them for real."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.api.volume_support import VolumeApi, vapi_fixture  # noqa: F401


@pytest.fixture(autouse=True)
def _policy_file(tmp_path: Path) -> None:
    # Written before the service starts (autouse fixtures come first).
    (tmp_path / "policy").mkdir()
    (tmp_path / "policy" / "volume.yaml").write_text(
        '"volume:create": "rule:admin_api"\n"volume_extension:quotas:show": "role:reader"\n'
    )


async def test_overrides_change_cinder_rules(vapi: VolumeApi) -> None:
    # Creating volumes closed to members...
    assert (await vapi.request("POST", "/volumes", "demo", json={"volume": {"size": 1}})).status_code == 403
    await vapi.create("admin")
    # ...and another project's quotas opened to any reader (admin-only by default).
    assert (await vapi.request("GET", "/os-quota-sets/p-alt", "demo")).status_code == 200

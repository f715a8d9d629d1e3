"""The image service's rules come from the common policy engine, and an operator's
DATA_DIR/policy/image.yaml (or [image] policy_file) changes them for real."""

from __future__ import annotations

from pathlib import Path

import pytest

from pocketstack.common.config import Config
from pocketstack.common.policy import PolicyFileError
from pocketstack.image.service import ImageService, create
from pocketstack.testing.service import running_services
from tests.api.image_support import ImageApi, api_fixture  # noqa: F401

OVERRIDES = """
# Only admins look at images; any member may publish one.
"get_image": "role:admin"
"publicize_image": "role:admin or role:member"
"""


@pytest.fixture(name="image_config")
def overridden_config(tmp_path: Path) -> Config:
    (tmp_path / "policy").mkdir()
    (tmp_path / "policy" / "image.yaml").write_text(OVERRIDES)
    return Config(data_dir=tmp_path)


async def test_overrides_change_who_sees_and_who_publishes(api: ImageApi) -> None:
    img = await api.create("demo")
    # get_image admin-only: the owner no longer sees its own image (hidden, as Glance).
    assert (await api.get(f"/v2/images/{img['id']}", "demo")).status_code == 404
    assert (await api.get(f"/v2/images/{img['id']}", "admin")).status_code == 200
    # Nor can it change what it cannot see.
    assert (await api.delete(img["id"], "demo")).status_code == 404
    # publicize_image opened to members: a member makes its image public at create.
    public = await api.create("demo", visibility="public")
    assert public["visibility"] == "public"


async def test_policy_file_named_in_the_config(tmp_path: Path) -> None:
    (tmp_path / "mine.yaml").write_text('"add_image": "!"\n')
    config = Config(data_dir=tmp_path)
    config.image.policy_file = "mine.yaml"
    async with running_services([create], tmp_path, config=config) as (_runtime, services, client):
        service = services["image"]
        assert isinstance(service, ImageService)
        api = ImageApi(client, service, tmp_path)
        out = await api.create("admin", expect=403)
        assert "add_image" in out["text"]


async def test_a_bad_rule_refuses_to_start_naming_it(tmp_path: Path) -> None:
    (tmp_path / "policy").mkdir()
    (tmp_path / "policy" / "image.yaml").write_text('"get_image": "role:admin or"\n')
    with pytest.raises(PolicyFileError, match="rule 'get_image'"):
        async with running_services([create], tmp_path, config=Config(data_dir=tmp_path)):
            pass


async def test_a_missing_named_policy_file_refuses_to_start(tmp_path: Path) -> None:
    config = Config(data_dir=tmp_path)
    config.image.policy_file = "nowhere.yaml"
    with pytest.raises(PolicyFileError, match="does not exist"):
        async with running_services([create], tmp_path, config=config):
            pass

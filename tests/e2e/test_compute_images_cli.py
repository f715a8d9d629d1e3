"""createImage and rebuild with the real openstack CLI (`pocketstack up --driver
fake`): ``openstack server image create --wait`` waits for the snapshot image to be
active in the image service, ``openstack server rebuild --wait`` for the server."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.e2e


def test_server_image_create_wait_then_rebuild_from_it(cloud: Any, tmp_path: Path) -> None:
    disk = tmp_path / "disk.raw"
    disk.write_bytes(b"\0" * 4096)
    base = cloud.openstack(
        "image", "create", "--disk-format", "raw", "--container-format", "bare", "--file", str(disk),
        "-f", "json", "snap-base", user="demo",
    )  # fmt: skip
    server = cloud.openstack(
        "server", "create", "--flavor", "m1.tiny", "--image", base["id"], "--nic", "none", "--wait",
        "-f", "json", "snap-cli", user="demo",
    )  # fmt: skip
    snap = cloud.openstack(
        "server", "image", "create", "--name", "snap-cli-image", "--property", "purpose=cli", "--wait",
        "-f", "json", server["id"], user="demo",
    )  # fmt: skip
    assert snap["status"] == "active"
    assert snap["name"] == "snap-cli-image"
    shown = cloud.openstack("image", "show", "-f", "json", snap["id"], user="demo")
    props = shown["properties"]
    assert props["image_type"] == "snapshot" and props["instance_uuid"] == server["id"]
    assert props["base_image_ref"] == base["id"] and props["purpose"] == "cli"
    # (with --wait the CLI mixes its progress line into stdout: the output is not parsed)
    cloud.openstack("server", "rebuild", "--image", snap["id"], "--wait", server["id"], user="demo")
    now = cloud.openstack("server", "show", "-f", "json", server["id"], user="demo")
    assert now["status"] == "ACTIVE"
    assert snap["id"] in str(now["image"])
    cloud.openstack("server", "delete", "--wait", server["id"], user="demo")
    cloud.openstack("image", "delete", snap["id"], base["id"], user="demo")

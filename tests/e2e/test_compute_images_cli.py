"""createImage and rebuild with the real openstack CLI (`pocketstack up --driver
fake`): ``openstack server image create --wait`` waits for the snapshot image to be
active in the image service, ``openstack server rebuild --wait`` for the server."""

from __future__ import annotations

import time
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


def test_resize_shelve_and_interfaces_with_the_cli(cloud: Any, tmp_path: Path) -> None:
    disk = tmp_path / "disk.raw"
    disk.write_bytes(b"\0" * 4096)
    base = cloud.openstack(
        "image", "create", "--disk-format", "raw", "--container-format", "bare", "--file", str(disk),
        "-f", "json", "move-base", user="demo",
    )  # fmt: skip
    net = cloud.openstack("network", "create", "-f", "json", "move-net", user="demo")
    cloud.openstack("subnet", "create", "--network", net["id"], "--subnet-range", "10.77.0.0/24", "move-sub",
                    user="demo")  # fmt: skip
    extra = cloud.openstack("network", "create", "-f", "json", "move-extra", user="demo")
    cloud.openstack("subnet", "create", "--network", extra["id"], "--subnet-range", "10.78.0.0/24", "extra-sub",
                    user="demo")  # fmt: skip
    server = cloud.openstack(
        "server", "create", "--flavor", "m1.tiny", "--image", base["id"], "--network", net["id"], "--wait",
        "-f", "json", "move-cli", user="demo",
    )  # fmt: skip
    sid = server["id"]
    # resize, then confirm; resize again, then revert
    cloud.openstack("server", "resize", "--flavor", "m1.small", "--wait", sid, user="demo")
    assert cloud.openstack("server", "show", "-f", "json", sid, user="demo")["status"] == "VERIFY_RESIZE"
    cloud.openstack("server", "resize", "confirm", sid, user="demo")
    shown = _wait(cloud, sid, "ACTIVE")
    assert "m1.small" in str(shown["flavor"])
    cloud.openstack("server", "resize", "--flavor", "m1.medium", "--wait", sid, user="demo")
    cloud.openstack("server", "resize", "revert", sid, user="demo")
    assert "m1.small" in str(_wait(cloud, sid, "ACTIVE")["flavor"])
    # a second NIC on another network, listed, then removed
    cloud.openstack("server", "add", "network", sid, extra["id"], user="demo")
    ports = cloud.openstack("port", "list", "--server", sid, "-f", "json", user="demo")
    assert len(ports) == 2
    assert "move-extra" in str(cloud.openstack("server", "show", "-f", "json", sid, user="demo")["addresses"])
    cloud.openstack("server", "remove", "network", sid, extra["id"], user="demo")
    assert len(cloud.openstack("port", "list", "--server", sid, "-f", "json", user="demo")) == 1
    # shelve (offloaded at once), then unshelve
    cloud.openstack("server", "shelve", sid, user="demo")
    _wait(cloud, sid, "SHELVED_OFFLOADED")
    cloud.openstack("server", "unshelve", sid, user="demo")
    _wait(cloud, sid, "ACTIVE")
    cloud.openstack("server", "delete", "--wait", sid, user="demo")
    cloud.openstack("image", "delete", base["id"], user="demo")


def _wait(cloud: Any, sid: str, status: str, timeout: float = 60.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        shown = dict(cloud.openstack("server", "show", "-f", "json", sid, user="demo"))
        if shown["status"] == status and not shown.get("OS-EXT-STS:task_state"):
            return shown
        assert time.monotonic() < deadline, f"{sid} stayed {shown['status']}/{shown.get('OS-EXT-STS:task_state')}"
        time.sleep(0.5)

"""The compute acceptance flow with the real openstack CLI against `pocketstack up
--driver fake --fake-hosts 10`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def image(cloud: Any, tmp_path_factory: pytest.TempPathFactory) -> str:
    disk = tmp_path_factory.mktemp("img") / "disk.raw"
    disk.write_bytes(b"\0" * 4096)
    made = cloud.openstack(
        "image",
        "create",
        "--disk-format",
        "raw",
        "--container-format",
        "bare",
        "--public",
        "--file",
        str(disk),
        "-f",
        "json",
        "compute-e2e",
    )
    return str(made["id"])


def test_server_lifecycle(cloud: Any, image: str, tmp_path: Path) -> None:
    server = cloud.openstack(
        "server",
        "create",
        "--flavor",
        "m1.tiny",
        "--image",
        image,
        "--nic",
        "none",
        "--wait",
        "-f",
        "json",
        "e2e-vm",
        user="demo",
    )
    assert server["status"] == "ACTIVE"
    sid = server["id"]
    listed = cloud.openstack("server", "list", "-f", "json", user="demo")
    assert sid in {s["ID"] for s in listed}
    for action, status in (
        ("stop", "SHUTOFF"),
        ("start", "ACTIVE"),
        ("pause", "PAUSED"),
        ("unpause", "ACTIVE"),
        ("suspend", "SUSPENDED"),
        ("resume", "ACTIVE"),
    ):
        cloud.openstack("server", action, sid, user="demo")
        for _ in range(100):
            shown = cloud.openstack("server", "show", "-f", "json", sid, user="demo")
            if shown["status"] == status and not shown.get("OS-EXT-STS:task_state"):
                break
        assert shown["status"] == status
    cloud.openstack("server", "reboot", "--wait", sid, user="demo")
    log = cloud.openstack("console", "log", "show", sid, user="demo")
    assert "pocketstack guest up" in log
    events = cloud.openstack("server", "event", "list", "-f", "json", sid, user="demo")
    assert {"create", "stop", "reboot"} <= {e["Action"] for e in events}
    assert len(cloud.openstack("hypervisor", "list", "-f", "json")) == 10
    services = cloud.openstack("compute", "service", "list", "-f", "json")
    assert sum(1 for s in services if s["Binary"] == "nova-compute" and s["State"] == "up") == 10
    cloud.openstack("server", "delete", "--wait", sid, user="demo")


def test_flavor_too_big_fault_names_the_filter(cloud: Any, image: str) -> None:
    cloud.openstack("flavor", "create", "--ram", "999999", "--vcpus", "1", "--disk", "1", "e2e-huge")
    cloud.openstack("quota", "set", "--ram", "-1", "demo")
    server = cloud.openstack(
        "server",
        "create",
        "--flavor",
        "e2e-huge",
        "--image",
        image,
        "--nic",
        "none",
        "-f",
        "json",
        "e2e-huge-vm",
        user="demo",
    )
    for _ in range(100):
        shown = cloud.openstack("server", "show", "-f", "json", server["id"])
        if shown["status"] == "ERROR":
            break
    assert shown["status"] == "ERROR"
    assert "RamFilter removed 10" in str(shown["fault"])
    cloud.openstack("server", "delete", "--wait", server["id"])

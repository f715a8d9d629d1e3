"""The volume acceptance flow with the real openstack CLI against `pocketstack up
--driver fake --fake-hosts 10`: volumes, snapshots, extend, attach to a server."""

from __future__ import annotations

import time
from typing import Any

import pytest

pytestmark = pytest.mark.e2e


def _wait(cloud: Any, kind: str, ident: str, status: str, user: str = "demo", timeout: float = 60) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        shown: dict[str, Any] = cloud.openstack(kind, "show", "-f", "json", ident, user=user)
        if shown["status"] == status:
            return shown
        assert not str(shown["status"]).startswith("error"), shown
        assert time.monotonic() < deadline, shown
        time.sleep(0.2)


def _gone(cloud: Any, kind: str, ident: str, user: str = "demo") -> None:
    for _ in range(150):
        if cloud.run(kind, "show", ident, user=user, check=False).returncode != 0:
            return
        time.sleep(0.2)
    raise AssertionError(f"{kind} {ident} was not deleted")


def test_volume_snapshot_extend_delete(cloud: Any) -> None:
    made = cloud.openstack("volume", "create", "--size", "1", "-f", "json", "e2e-v1", user="demo")
    assert made["size"] == 1
    vol = _wait(cloud, "volume", "e2e-v1", "available")
    listed = cloud.openstack("volume", "list", "-f", "json", user="demo")
    assert vol["id"] in {v["ID"] for v in listed}
    cloud.openstack("volume", "set", "--size", "2", "e2e-v1", user="demo")
    extended = _wait(cloud, "volume", "e2e-v1", "available")
    assert extended["size"] == 2
    snap = cloud.openstack("volume", "snapshot", "create", "--volume", "e2e-v1", "-f", "json", "e2e-s1", user="demo")
    snap = _snapshot_wait(cloud, "e2e-s1")
    assert snap["size"] == 2
    restored = cloud.openstack("volume", "create", "--snapshot", "e2e-s1", "-f", "json", "e2e-from-snap", user="demo")
    restored = _wait(cloud, "volume", restored["id"], "available")
    assert restored["size"] == 2 and restored["snapshot_id"] == snap["id"]
    bad = cloud.run("volume", "delete", "e2e-v1", user="demo", check=False)
    assert bad.returncode != 0 and "snapshot" in bad.stderr.lower()
    cloud.openstack("volume", "delete", "e2e-from-snap", user="demo")
    cloud.openstack("volume", "snapshot", "delete", "e2e-s1", user="demo")
    _gone(cloud, "volume", "e2e-from-snap")
    for _ in range(150):
        if cloud.run("volume", "snapshot", "show", "e2e-s1", user="demo", check=False).returncode != 0:
            break
        time.sleep(0.2)
    cloud.openstack("volume", "delete", "e2e-v1", user="demo")
    _gone(cloud, "volume", vol["id"])


def _snapshot_wait(cloud: Any, name: str) -> dict[str, Any]:
    for _ in range(300):
        shown: dict[str, Any] = cloud.openstack("volume", "snapshot", "show", "-f", "json", name, user="demo")
        if shown["status"] == "available":
            return shown
        assert shown["status"] != "error", shown
        time.sleep(0.2)
    raise AssertionError(f"snapshot {name} never became available")


def test_bad_size_is_a_clear_error(cloud: Any) -> None:
    proc = cloud.run("volume", "create", "--size", "0", "e2e-zero", user="demo", check=False)
    assert proc.returncode != 0
    assert "greater than 0" in proc.stderr or "size" in proc.stderr.lower()


def test_server_add_remove_volume(cloud: Any, tmp_path_factory: pytest.TempPathFactory) -> None:
    disk = tmp_path_factory.mktemp("vimg") / "disk.raw"
    disk.write_bytes(b"\0" * 4096)
    image = cloud.openstack(
        "image", "create", "--disk-format", "raw", "--container-format", "bare", "--public",
        "--file", str(disk), "-f", "json", "volume-e2e-img",
    )  # fmt: skip
    server = cloud.openstack(
        "server", "create", "--flavor", "m1.tiny", "--image", image["id"], "--nic", "none", "--wait",
        "-f", "json", "e2e-vol-vm", user="demo",
    )  # fmt: skip
    assert server["status"] == "ACTIVE"
    cloud.openstack("volume", "create", "--size", "1", "e2e-data", user="demo")
    vol = _wait(cloud, "volume", "e2e-data", "available")
    cloud.openstack("server", "add", "volume", "e2e-vol-vm", "e2e-data", user="demo")
    attached = _wait(cloud, "volume", "e2e-data", "in-use")
    assert attached["attachments"][0]["server_id"] == server["id"]
    assert attached["attachments"][0]["device"] == "/dev/vdb"
    listed = cloud.openstack("server", "volume", "list", "-f", "json", "e2e-vol-vm", user="demo")
    assert [v["Volume ID"] for v in listed] == [vol["id"]]
    # an in-use volume cannot be deleted
    refused = cloud.run("volume", "delete", "e2e-data", user="demo", check=False)
    assert refused.returncode != 0
    cloud.openstack("server", "remove", "volume", "e2e-vol-vm", "e2e-data", user="demo")
    _wait(cloud, "volume", "e2e-data", "available")
    cloud.openstack("server", "delete", "--wait", "e2e-vol-vm", user="demo")
    cloud.openstack("volume", "delete", "e2e-data", user="demo")
    _gone(cloud, "volume", vol["id"])

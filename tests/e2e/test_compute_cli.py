"""The compute acceptance flow with the real openstack CLI against `pocketstack up
--driver fake --fake-hosts 10`."""

from __future__ import annotations

import subprocess
from concurrent.futures import ThreadPoolExecutor
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


def _parallel(cloud: Any, commands: list[list[str]], user: str = "demo") -> list[subprocess.CompletedProcess[str]]:
    """Run CLI commands at the same time (each a real ``openstack`` process)."""
    with ThreadPoolExecutor(len(commands)) as pool:
        return list(pool.map(lambda argv: cloud.run(*argv, user=user, check=False), commands))


def _create(image: str, name: str, *extra: str) -> list[str]:
    return ["server", "create", "--flavor", "m1.tiny", "--image", image, "--nic", "none", *extra, "--wait", name]


def test_concurrent_creates_over_the_instance_quota(cloud: Any, image: str) -> None:
    existing = len(cloud.openstack("server", "list", "-f", "json", user="demo"))
    shown = cloud.openstack("quota", "show", "-f", "json", "demo")
    # Newer clients print rows of {"Resource", "Limit"}, older ones one object.
    before = {r["Resource"]: r["Limit"] for r in shown} if isinstance(shown, list) else shown
    cloud.openstack("quota", "set", "--instances", str(existing + 5), "--cores", "-1", "--ram", "-1", "demo")
    try:
        results = _parallel(cloud, [_create(image, f"e2e-q{i}") for i in range(10)])
        made = [r for r in results if r.returncode == 0]
        refused = [r for r in results if r.returncode != 0]
        assert len(made) == 5, [r.stderr for r in refused]
        assert all("Quota exceeded" in r.stderr and "instances" in r.stderr for r in refused), refused[0].stderr
        listed = cloud.openstack("server", "list", "--name", "^e2e-q", "-f", "json", user="demo")
        assert sorted(s["Status"] for s in listed) == ["ACTIVE"] * 5
    finally:
        ids = [s["ID"] for s in cloud.openstack("server", "list", "--name", "^e2e-q", "-f", "json", user="demo")]
        if ids:
            cloud.openstack("server", "delete", "--wait", *ids, user="demo")
        limits = {k: str(before[k]) for k in ("instances", "cores", "ram")}
        cloud.openstack(
            "quota",
            "set",
            "--instances",
            limits["instances"],
            "--cores",
            limits["cores"],
            "--ram",
            limits["ram"],
            "demo",
        )


def test_anti_affinity_group_spreads_ten_and_refuses_the_eleventh(cloud: Any, image: str) -> None:
    cloud.openstack("quota", "set", "--instances", "-1", "--cores", "-1", "--ram", "-1", "demo")
    cloud.openstack("quota", "set", "--server-group-members", "20", "demo")
    group = cloud.openstack(
        "server", "group", "create", "--policy", "anti-affinity", "-f", "json", "e2e-spread", user="demo"
    )
    try:
        results = _parallel(cloud, [_create(image, f"e2e-g{i}", "--hint", f"group={group['id']}") for i in range(11)])
        assert sorted(r.returncode != 0 for r in results) == [False] * 10 + [True]
        servers = cloud.openstack("server", "list", "--all-projects", "--long", "--name", "^e2e-g", "-f", "json")
        active = [s for s in servers if s["Status"] == "ACTIVE"]
        assert len(active) == 10 and len({s["Host"] for s in active}) == 10
        failed = next(s for s in servers if s["Status"] == "ERROR")
        fault = cloud.openstack("server", "show", "-f", "json", failed["ID"])["fault"]
        assert "ServerGroupAntiAffinityFilter removed 10" in str(fault)
    finally:
        ids = [s["ID"] for s in cloud.openstack("server", "list", "--name", "^e2e-g", "-f", "json", user="demo")]
        if ids:
            cloud.openstack("server", "delete", "--wait", *ids, user="demo")
        cloud.openstack("server", "group", "delete", group["id"], user="demo")

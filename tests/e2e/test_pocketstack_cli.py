"""The pocketstack command itself: status, trace, and restart keeping all data."""

from __future__ import annotations

import os
import subprocess
import uuid
from pathlib import Path

import httpx
import pytest

from pocketstack.common.config import Config
from tests.e2e.conftest import OPENSTACK, POCKETSTACK, Cloud, _free_port

pytestmark = pytest.mark.e2e


def test_trace_prints_every_hop(cloud: Cloud) -> None:
    name = f"trace-{uuid.uuid4().hex[:6]}"
    server = cloud.openstack(
        "server", "create", "--flavor", "m1.tiny", "--image", "tiny", "--nic", "none", "--wait", name, "-f", "json"
    )
    out = cloud.pocketstack("trace", server["id"]).stdout
    hops = out.splitlines()[1:-1]
    wanted = ("compute-api", "scheduler", "conductor", "compute-agent")
    seen = {component for line in hops for component in wanted if f" {component} " in line}
    assert seen == set(wanted), out
    assert "driver: spawn" in out and "req-" in out.splitlines()[-1]
    cloud.openstack("server", "delete", "--wait", server["id"])


def test_restart_keeps_users_projects_and_token_keys(tmp_path: Path) -> None:
    data_dir = tmp_path / "restart"
    port = _free_port()
    env = {**os.environ, "POCKETSTACK_IMAGE_TINY_GUEST": "false"}
    up = [POCKETSTACK, "up", "--detach", "--data-dir", str(data_dir), "--port", str(port), "--driver", "fake"]
    down = [POCKETSTACK, "down", "--data-dir", str(data_dir)]
    url = f"http://127.0.0.1:{port}"
    try:
        subprocess.run(up, check=True, capture_output=True, env=env, timeout=300)
        cli_env = {**os.environ, "OS_CLIENT_CONFIG_FILE": str(data_dir / "clouds.yaml")}
        subprocess.run(
            [OPENSTACK, "--os-cloud", "pocketstack", "project", "create", "keepme"],
            check=True,
            capture_output=True,
            env=cli_env,
            timeout=120,
        )
        # The generated password, as a user finds it (clouds.yaml has it too).
        admin_pw = Config.load(data_dir, env={}).identity.admin_password
        token = httpx.post(
            f"{url}/identity/v3/auth/tokens",
            json={
                "auth": {
                    "identity": {
                        "methods": ["password"],
                        "password": {"user": {"name": "admin", "domain": {"id": "default"}, "password": admin_pw}},
                    },
                    "scope": {"project": {"name": "admin", "domain": {"id": "default"}}},
                }
            },
        ).headers["x-subject-token"]
        subprocess.run(down, check=True, capture_output=True, timeout=120)
        with pytest.raises(httpx.ConnectError):
            httpx.get(f"{url}/identity/v3", timeout=2)
        subprocess.run(up, check=True, capture_output=True, env=env, timeout=300)
        answer = httpx.get(f"{url}/identity/v3/projects?name=keepme", headers={"X-Auth-Token": token})
        assert answer.status_code == 200, "a token from before the restart still validates"
        assert [p["name"] for p in answer.json()["projects"]] == ["keepme"]
    finally:
        subprocess.run(down, capture_output=True, timeout=120)


def test_image_build_tiny_writes_kernel_initramfs_and_root_disk(tmp_path: Path) -> None:
    out = tmp_path / "tiny"
    proc = subprocess.run(
        [POCKETSTACK, "image", "build-tiny", "--output", str(out)], capture_output=True, text=True, timeout=600
    )
    if proc.returncode != 0 and "cannot be built here" in proc.stderr:
        pytest.skip(proc.stderr.strip())
    assert proc.returncode == 0, proc.stderr
    for line, name in (("kernel (aki)", "vmlinuz"), ("initramfs (ari)", "initrd.img"), ("root disk (ami)", "root.img")):
        assert f"{line}:" in proc.stdout
        assert (out / name).stat().st_size > 1_000_000 or name == "initrd.img"
    assert (out / "initrd.img").read_bytes()[:2] == b"\x1f\x8b", "the initramfs is a gzip'd cpio"
    assert "console=ttyS0" in proc.stdout

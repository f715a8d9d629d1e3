"""The pocketstack command itself: status, trace, and restart keeping all data."""

from __future__ import annotations

import os
import stat
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


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_up_keeps_secrets_private_and_serves_https_with_tls(tmp_path: Path) -> None:
    """Generated passwords (never printed), an owner-only data dir (fixed when an older
    one was looser), and ``--tls``: HTTPS the stock client verifies against clouds.yaml's
    cacert."""
    data_dir = tmp_path / "private"
    data_dir.mkdir(mode=0o755)
    data_dir.chmod(0o755)
    port = _free_port()
    env = {**os.environ, "POCKETSTACK_IMAGE_TINY_GUEST": "false", "POCKETSTACK_IDENTITY_PASSWORD_HASH_ROUNDS": "4"}
    up = [POCKETSTACK, "up", "--detach", "--data-dir", str(data_dir), "--port", str(port), "--driver", "fake"]
    down = [POCKETSTACK, "down", "--data-dir", str(data_dir)]
    clouds = data_dir / "clouds.yaml"
    cli_env = {k: v for k, v in os.environ.items() if not k.startswith("OS_")} | {"OS_CLIENT_CONFIG_FILE": str(clouds)}
    try:
        started = subprocess.run([*up, "--tls"], capture_output=True, text=True, env=env, timeout=300)
        assert started.returncode == 0, started.stderr
        passwords = Config.load(data_dir, env={}).identity
        secrets = [passwords.admin_password, passwords.demo_password, passwords.service_password]
        assert all(len(p) >= 32 for p in secrets) and "admin" not in secrets
        assert str(clouds) in started.stdout
        assert not any(p in started.stdout + started.stderr for p in secrets), "a password was printed"
        assert "warning" not in started.stderr

        files = ["clouds.yaml", "pocketstack.toml", "secrets.toml", "pocketstack.db", "tls/key.pem", "fernet-keys/0"]
        files += [n for n in ("pocketstack.db-wal", "pocketstack.db-shm") if (data_dir / n).exists()]
        assert {f: _mode(data_dir / f) for f in files} == {f: 0o600 for f in files}
        assert {d: _mode(data_dir / d) for d in (".", "fernet-keys", "tls")} == {
            ".": 0o700,
            "fernet-keys": 0o700,
            "tls": 0o700,
        }

        text = clouds.read_text()
        cert = data_dir / "tls" / "cert.pem"
        assert f"auth_url: https://127.0.0.1:{port}/identity" in text and f'cacert: "{cert}"' in text
        issued = subprocess.run(
            [OPENSTACK, "--os-cloud", "pocketstack", "token", "issue", "-f", "value", "-c", "id"],
            capture_output=True,
            text=True,
            env=cli_env,
            timeout=120,
        )
        assert issued.returncode == 0, issued.stderr
        token = issued.stdout.strip()
        # The catalog the client follows is https too; without the CA the server is not trusted.
        listed = subprocess.run(
            [OPENSTACK, "--os-cloud", "pocketstack-demo", "server", "list", "-f", "json"],
            capture_output=True,
            text=True,
            env=cli_env,
            timeout=120,
        )
        assert listed.returncode == 0, listed.stderr
        catalog = httpx.get(
            f"https://127.0.0.1:{port}/identity/v3/auth/catalog", headers={"X-Auth-Token": token}, verify=str(cert)
        ).json()["catalog"]
        assert {e["url"].split(":")[0] for s in catalog for e in s["endpoints"]} == {"https"}
        with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
            httpx.get(f"https://127.0.0.1:{port}/identity/v3")
        wrong = httpx.post(
            f"https://127.0.0.1:{port}/identity/v3/auth/tokens",
            json={
                "auth": {
                    "identity": {
                        "methods": ["password"],
                        "password": {"user": {"name": "admin", "domain": {"id": "default"}, "password": "admin"}},
                    }
                }
            },
            verify=str(cert),
        )
        assert wrong.status_code == 401, "admin/admin is no password here"

        # Stopped, loosened (as an older pocketstack left it), started again: fixed, and
        # the same passwords still log in.
        subprocess.run(down, check=True, capture_output=True, timeout=120)
        data_dir.chmod(0o755)
        for name in ("clouds.yaml", "pocketstack.db", "secrets.toml"):
            (data_dir / name).chmod(0o644)
        again = subprocess.run(up, capture_output=True, text=True, env=env, timeout=300)
        assert again.returncode == 0, again.stderr
        assert _mode(data_dir) == 0o700
        assert {n: _mode(data_dir / n) for n in ("clouds.yaml", "pocketstack.db", "secrets.toml")} == dict.fromkeys(
            ("clouds.yaml", "pocketstack.db", "secrets.toml"), 0o600
        )
        assert Config.load(data_dir, env={}).identity.admin_password == passwords.admin_password
        reissued = subprocess.run(
            [OPENSTACK, "--os-cloud", "pocketstack", "token", "issue", "-f", "value", "-c", "id"],
            capture_output=True,
            text=True,
            env=cli_env,
            timeout=120,
        )
        assert reissued.returncode == 0, reissued.stderr
    finally:
        subprocess.run(down, capture_output=True, timeout=120)


def test_up_on_a_public_address_without_tls_warns(tmp_path: Path) -> None:
    data_dir = tmp_path / "public"
    port = _free_port()
    env = {**os.environ, "POCKETSTACK_IMAGE_TINY_GUEST": "false", "POCKETSTACK_IDENTITY_PASSWORD_HASH_ROUNDS": "4"}
    up = [POCKETSTACK, "up", "--detach", "--data-dir", str(data_dir), "--port", str(port), "--host", "0.0.0.0"]
    try:
        started = subprocess.run([*up, "--driver", "fake"], capture_output=True, text=True, env=env, timeout=300)
        assert started.returncode == 0, started.stderr
        assert "warning: listening on 0.0.0.0 without TLS" in started.stderr
    finally:
        subprocess.run([POCKETSTACK, "down", "--data-dir", str(data_dir)], capture_output=True, timeout=120)

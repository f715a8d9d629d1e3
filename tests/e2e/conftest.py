"""The e2e fixture: one real ``pocketstack up --detach`` for the session, driven by the
real ``openstack`` CLI (and openstacksdk) exactly as a user would."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
POCKETSTACK = str(BIN / "pocketstack")
OPENSTACK = str(BIN / "openstack")


class CLIError(Exception):
    def __init__(self, args: list[str], proc: subprocess.CompletedProcess[str]) -> None:
        super().__init__(f"openstack {' '.join(args)} failed ({proc.returncode}):\n{proc.stderr}\n{proc.stdout}")
        self.proc = proc
        self.stderr = proc.stderr


class Cloud:
    def __init__(self, data_dir: Path, url: str) -> None:
        self.data_dir = data_dir
        self.url = url
        self.clouds_yaml = data_dir / "clouds.yaml"
        self.env = {**os.environ, "OS_CLIENT_CONFIG_FILE": str(self.clouds_yaml)}
        for key in list(self.env):
            if key.startswith("OS_") and key != "OS_CLIENT_CONFIG_FILE":
                del self.env[key]

    def run(
        self, *args: str, user: str = "admin", check: bool = True, timeout: float = 300, extra: list[str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        # user="none": no cloud from clouds.yaml, the caller passes its own --os-* options.
        cloud = [] if user == "none" else ["--os-cloud", "pocketstack" if user == "admin" else f"pocketstack-{user}"]
        argv = [OPENSTACK, *cloud, *(extra or []), *args]
        proc = subprocess.run(argv, env=self.env, capture_output=True, text=True, timeout=timeout)
        if check and proc.returncode != 0:
            raise CLIError(list(args), proc)
        return proc

    def openstack(self, *args: str, user: str = "admin", **kw: Any) -> Any:
        """Run the CLI; parsed JSON when ``-f json`` is among the args, else the text output."""
        proc = self.run(*args, user=user, **kw)
        if "json" in args and "-f" in args:
            return json.loads(proc.stdout) if proc.stdout.strip() else None
        return proc.stdout

    def pocketstack(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        proc = subprocess.run(
            [POCKETSTACK, *args, "--data-dir", str(self.data_dir)], capture_output=True, text=True, timeout=300
        )
        if check and proc.returncode != 0:
            raise AssertionError(f"pocketstack {' '.join(args)} failed:\n{proc.stdout}\n{proc.stderr}")
        return proc


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def cloud(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cloud]:
    data_dir = tmp_path_factory.mktemp("pocketstack-e2e")
    port = _free_port()
    # bcrypt cost 4: each `openstack` call logs in with a password, and at the production
    # cost (12, ~0.25 s of server CPU per login) the logins alone took ~1.5 min of the
    # suite. test_pocketstack_cli's `up` keeps the default cost; bench/identity_tokens
    # measures it.
    env = {
        **os.environ,
        "POCKETSTACK_IDENTITY_PASSWORD_HASH_ROUNDS": os.environ.get("POCKETSTACK_IDENTITY_PASSWORD_HASH_ROUNDS", "4"),
    }
    proc = subprocess.run(
        [
            POCKETSTACK,
            "up",
            "--detach",
            "--data-dir",
            str(data_dir),
            "--port",
            str(port),
            "--driver",
            "fake",
            "--fake-hosts",
            "10",
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    if proc.returncode != 0:
        raise AssertionError(f"pocketstack up failed:\n{proc.stdout}\n{proc.stderr}")
    the_cloud = Cloud(data_dir, f"http://127.0.0.1:{port}")
    try:
        yield the_cloud
    finally:
        subprocess.run([POCKETSTACK, "down", "--data-dir", str(data_dir)], capture_output=True, timeout=120)
        log = data_dir / "log" / "pocketstack.log"
        if log.exists():
            # Keep the server log next to the test output for post-mortems.
            print(f"\n--- pocketstack log tail ({log}) ---\n" + "\n".join(log.read_text().splitlines()[-40:]))

"""Running pocketstack in several ``pocketstack serve`` processes for the integration
tests: free ports, starting a process and waiting for its ready line, logs, tokens,
waiting for a status. Shared by ``test_distributed.py`` and ``test_distributed_agents.py``."""

from __future__ import annotations

import asyncio
import signal
import socket
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

RABBIT = "amqp://guest:guest@127.0.0.1:5672/"
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def reachable(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(1)
        return sock.connect_ex(("127.0.0.1", port)) == 0


@dataclass
class Processes:
    data_dir: Path
    ports: dict[str, int]
    procs: dict[str, asyncio.subprocess.Process] = field(default_factory=dict)
    # name -> the environment it was started with (to start it again)
    envs: dict[str, dict[str, str]] = field(default_factory=dict)

    def url(self, service: str) -> str:
        return f"http://127.0.0.1:{self.ports[service]}"

    def log(self, name: str) -> str:
        path = self.data_dir / f"{name}.log"
        return path.read_text(errors="replace")[-4000:] if path.exists() else ""

    async def start(self, env: dict[str, str], name: str, *args: str) -> None:
        """``pocketstack serve ARGS`` as process ``name``; returns once it says it serves."""
        log = (self.data_dir / f"{name}.log").open("ab")
        argv = [sys.executable, "-m", "pocketstack.cli.main", "serve", *args]
        if "--data-dir" not in args:
            argv += ["--data-dir", str(self.data_dir)]
        proc = await asyncio.create_subprocess_exec(*argv, env=env, stdout=asyncio.subprocess.PIPE, stderr=log)
        self.procs[name] = proc
        self.envs[name] = env
        assert proc.stdout is not None
        try:
            async with asyncio.timeout(90):
                line = await proc.stdout.readline()
        except TimeoutError:
            line = b""
        assert b" serving " in line, f"{name} did not start: {line!r}\n{self.log(name)}"

    async def stop(self, name: str, timeout: float = 30) -> int:
        """SIGTERM, then the exit code (SIGKILL and a failure if it does not stop)."""
        proc = self.procs[name]
        if proc.returncode is None:
            proc.send_signal(signal.SIGTERM)
        try:
            async with asyncio.timeout(timeout):
                return await proc.wait()
        except TimeoutError:
            proc.kill()
            await proc.wait()
            pytest.fail(f"{name} did not stop on SIGTERM\n{self.log(name)}")

    async def stop_all(self) -> None:
        for proc in self.procs.values():
            if proc.returncode is None:
                proc.send_signal(signal.SIGTERM)
        for name in self.procs:
            await self.stop(name)


async def issue_token(
    client: httpx.AsyncClient, identity: str, user: str, password: str, project: str
) -> httpx.Response:
    body = {
        "auth": {
            "identity": {
                "methods": ["password"],
                "password": {"user": {"name": user, "domain": {"id": "default"}, "password": password}},
            },
            "scope": {"project": {"name": project, "domain": {"id": "default"}}},
        }
    }
    resp = await client.post(f"{identity}/identity/v3/auth/tokens", json=body)
    assert resp.status_code == 201, resp.text
    return resp


async def wait_for(
    client: httpx.AsyncClient, url: str, key: str, field_name: str, want: str, timeout: float = 60
) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        resp = await client.get(url)
        assert resp.status_code == 200, resp.text
        item: dict[str, Any] = resp.json()[key]
        if item[field_name] == want:
            return item
        assert item[field_name] not in ("ERROR", "error"), item
        if time.monotonic() > deadline and key == "server":
            trace = await client.get(f"{url}/os-pocketstack-trace")
            raise AssertionError(f"still not {want}: {item}\n{trace.text}")
        assert time.monotonic() < deadline, f"still not {want}: {item}"
        await asyncio.sleep(0.2)

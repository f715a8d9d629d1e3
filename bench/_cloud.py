"""Shared helpers for benchmarks: start a real ``pocketstack up --detach``, read its
process's CPU time and memory, and run ``wrk`` with a JSON-reporting Lua script."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from pocketstack.common.config import Config

BIN = Path(sys.executable).parent
WRK_REPORT = """
done = function(summary, latency, requests)
  io.write(string.format('{"requests": %d, "duration_us": %d, "errors": %d, "status_errors": %d, '
    .. '"p50_ms": %.3f, "p99_ms": %.3f, "mean_ms": %.3f}\\n',
    summary.requests, summary.duration,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.errors.status, latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.mean / 1000))
end
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class RunningCloud:
    def __init__(self, extra_env: dict[str, str] | None = None, args: list[str] | None = None) -> None:
        self.data_dir = Path(tempfile.mkdtemp(prefix="pocketstack-bench-"))
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {**os.environ, **(extra_env or {})}
        started = time.monotonic()
        proc = subprocess.run(
            [
                str(BIN / "pocketstack"),
                "up",
                "--detach",
                "--data-dir",
                str(self.data_dir),
                "--port",
                str(self.port),
                *(args or ["--driver", "fake"]),
            ],
            capture_output=True,
            text=True,
            env=env,
        )
        self.up_seconds = time.monotonic() - started
        if proc.returncode != 0:
            raise RuntimeError(f"pocketstack up failed: {proc.stdout}\n{proc.stderr}")
        state = json.loads((self.data_dir / "run" / "state.json").read_text())
        self.pid = int(state["pid"])
        # The password `up` generated (or the one the environment gave it).
        self.admin_password = Config.load(self.data_dir, env=env).identity.admin_password

    def cpu_seconds(self) -> float:
        """CPU of the whole server process (all threads)."""
        return _cpu(Path(f"/proc/{self.pid}/stat"))

    def loop_cpu_seconds(self) -> float:
        """CPU of the event-loop thread alone (work handed to worker threads, such as
        bcrypt, is not counted)."""
        return _cpu(Path(f"/proc/{self.pid}/task/{self.pid}/stat"))

    def rss_mb(self) -> float:
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        return 0.0

    def down(self) -> None:
        subprocess.run(
            [str(BIN / "pocketstack"), "down", "--purge", "--data-dir", str(self.data_dir)], capture_output=True
        )
        shutil.rmtree(self.data_dir, ignore_errors=True)


def _cpu(stat: Path) -> float:
    fields = stat.read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def wrk(url: str, lua_body: str, *, connections: int = 8, seconds: int = 15, threads: int = 1) -> dict[str, Any]:
    if shutil.which("wrk") is None:
        raise RuntimeError("wrk is not installed: run scripts/setup.sh")
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as fh:
        fh.write(lua_body + "\n" + WRK_REPORT)
        script = fh.name
    try:
        proc = subprocess.run(
            ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "-s", script, url],
            capture_output=True,
            text=True,
            check=True,
        )
    finally:
        os.unlink(script)
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    result["rps"] = result["requests"] / (result["duration_us"] / 1e6)
    return result

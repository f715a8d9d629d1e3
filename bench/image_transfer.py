"""Upload and download of a 1 GiB image through the image API on a real uvicorn.

Compared in the same run with ``cp`` of the same file on the same disk (target: the
API at least 40% of cp's speed each way) and the server's peak RSS increase during the
transfers (target < 64 MB). curl is the client, so the figures are the server's.

Usage: python bench/image_transfer.py [--size-mb 1024] [--dir DIR]
Prints one JSON document, then a one-line summary.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx

HERE = Path(__file__).resolve().parent


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


class PeakRss:
    def __init__(self, pid: int) -> None:
        self.pid, self.peak, self._stop = pid, 0, threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, rss_kb(self.pid))
            time.sleep(0.02)

    def __enter__(self) -> PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        while block := fh.read(4 << 20):
            h.update(block)
    return h.hexdigest()


def timed(argv: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(argv, check=True, capture_output=True)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size-mb", type=int, default=1024)
    parser.add_argument("--dir", default=tempfile.gettempdir(), help="where the files go (same disk for cp)")
    args = parser.parse_args()
    base = Path(args.dir)
    base.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="image-transfer-", dir=base))
    size = args.size_mb * 1024 * 1024
    source = work / "source.img"
    with source.open("wb") as fh:
        block = os.urandom(4 << 20)
        for _ in range(size // len(block)):
            fh.write(block)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = subprocess.Popen([sys.executable, str(HERE / "image_server.py"), str(work / "data"), str(port)])
    result: dict[str, Any] = {"bench": "image_transfer", "size_bytes": size}
    try:
        url = f"http://127.0.0.1:{port}/image"
        for _ in range(200):
            try:
                httpx.get(url + "/", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.05)
        auth = {"X-Auth-Token": "demo"}
        image = httpx.post(
            f"{url}/v2/images", json={"name": "big", "disk_format": "raw", "container_format": "bare"}, headers=auth
        ).json()
        baseline = rss_kb(server.pid)
        file_url = f"{url}/v2/images/{image['id']}/file"
        with PeakRss(server.pid) as peak:
            # -T streams the file; "Expect:" skips curl's 100-continue pause.
            up = timed(
                [
                    "curl",
                    "-sSf",
                    "-T",
                    str(source),
                    "-H",
                    "X-Auth-Token: demo",
                    "-H",
                    "Expect:",
                    "-H",
                    "Content-Type: application/octet-stream",
                    file_url,
                ]
            )
            down = timed(["curl", "-sSf", "-H", "X-Auth-Token: demo", "-o", str(work / "down.img"), file_url])
        shown = httpx.get(f"{url}/v2/images/{image['id']}", headers=auth).json()
        cp = timed(["cp", str(source), str(work / "copy.img")])
        identical = sha256(source) == sha256(work / "down.img")
        mb = size / 1e6
        result.update(
            {
                "upload_mb_s": round(mb / up, 1),
                "download_mb_s": round(mb / down, 1),
                "cp_mb_s": round(mb / cp, 1),
                "upload_vs_cp": round(cp / up, 3),
                "download_vs_cp": round(cp / down, 3),
                "server_rss_baseline_mb": round(baseline / 1024, 1),
                "server_peak_rss_increase_mb": round((peak.peak - baseline) / 1024, 1),
                "status": shown["status"],
                "size_ok": shown["size"] == size,
                "download_identical": identical,
            }
        )
    finally:
        server.terminate()
        server.wait(10)
        shutil.rmtree(work, ignore_errors=True)
    print(json.dumps(result))
    print(
        f"image_transfer: upload {result.get('upload_mb_s')} MB/s ({result.get('upload_vs_cp')} of cp), "
        f"download {result.get('download_mb_s')} MB/s ({result.get('download_vs_cp')} of cp), cp "
        f"{result.get('cp_mb_s')} MB/s, server peak RSS +{result.get('server_peak_rss_increase_mb')} MB, "
        f"identical={result.get('download_identical')}"
    )


if __name__ == "__main__":
    main()

"""Time from attach request to the device visible in a real QEMU guest (TCG).

Starts ``pocketstack up --detach --driver qemu`` on a free port in a temporary data dir,
boots one ``tiny`` guest whose user data watches /sys/block and prints a console line
when a disk appears or goes away, then for each round: POST os-volume_attachments
(openstacksdk, the demo user) and poll the console output until the guest's "added"
line for that round shows; then detach and wait for "removed". The cloud is taken down
(``down --purge``) at the end, whatever happened.

Usage: python bench/volume_attach.py [--rounds 5]
Prints one JSON document, then a one-line summary. Also used by bench/volume.py.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

BIN = Path(sys.executable).parent
WATCHER = r"""#!/bin/sh
mkdir -p /run/w
for p in /sys/block/vd*; do : >"/run/w/${p##*/}"; done
(
while :; do
    for p in /sys/block/vd*; do
        d=${p##*/}
        [ -f "/run/w/$d" ] || { echo "bench-volume: added $d"; : >"/run/w/$d"; }
    done
    for f in /run/w/*; do
        [ -e "/sys/block/${f##*/}" ] || { echo "bench-volume: removed ${f##*/}"; rm -f "$f"; }
    done
    sleep 0.05 2>/dev/null || sleep 1
done
) >/dev/console 2>&1 &
"""
SETTINGS = {"POCKETSTACK_COMPUTE_QEMU_ACCEL": "tcg", "POCKETSTACK_COMPUTE_FORCE_CONFIG_DRIVE": "true"}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait(what: str, check: Any, timeout: float = 300.0, every: float = 0.02) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        found = check()
        if found:
            return found
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out waiting for {what}")
        time.sleep(every)


def measure(rounds: int) -> dict[str, Any]:
    import openstack

    with tempfile.TemporaryDirectory(prefix="pocketstack-bench-attach-") as tmp:
        data_dir = Path(tmp)
        env = {**os.environ, **SETTINGS}
        up = [str(BIN / "pocketstack"), "up", "--detach", "--driver", "qemu", "--data-dir", tmp]
        subprocess.run([*up, "--port", str(_free_port())], check=True, env=env, capture_output=True, timeout=600)
        try:
            os.environ["OS_CLIENT_CONFIG_FILE"] = str(data_dir / "clouds.yaml")
            conn = openstack.connect(cloud="pocketstack-demo")
            return _rounds(conn, rounds)
        finally:
            subprocess.run(
                [str(BIN / "pocketstack"), "down", "--purge", "--data-dir", tmp], capture_output=True, timeout=300
            )


def _rounds(conn: Any, rounds: int) -> dict[str, Any]:
    image = conn.image.find_image("tiny")
    flavor = conn.compute.find_flavor("m1.tiny")
    server = conn.compute.create_server(
        name="bench-attach",
        image_id=image.id,
        flavor_id=flavor.id,
        networks="none",
        config_drive=True,
        user_data=base64.b64encode(WATCHER.encode()).decode(),
    )
    conn.compute.wait_for_server(server, wait=600, interval=1)

    def console() -> str:
        return str(conn.compute.get_server_console_output(server)["output"])

    _wait("the boot marker", lambda: "pocketstack-guest: up" in console(), every=0.5)
    volume = conn.block_storage.create_volume(size=1, name="bench-attach")
    conn.block_storage.wait_for_status(volume, "available", interval=0.2, wait=120)
    attach_s: list[float] = []
    detach_s: list[float] = []
    try:
        for i in range(rounds):
            start = time.perf_counter()
            conn.compute.create_volume_attachment(server, volume_id=volume.id)
            _wait("the guest's new disk", lambda i=i: console().count("bench-volume: added") > i)
            attach_s.append(time.perf_counter() - start)
            start = time.perf_counter()
            conn.compute.delete_volume_attachment(server, volume.id)
            _wait("the disk to go", lambda i=i: console().count("bench-volume: removed") > i)
            detach_s.append(time.perf_counter() - start)
            _wait("the volume", lambda: conn.block_storage.get_volume(volume.id).status == "available", every=0.1)
    finally:
        conn.compute.delete_server(server)
        conn.compute.wait_for_delete(server, wait=120)
        conn.block_storage.delete_volume(volume, ignore_missing=True)
    return {
        "rounds": rounds,
        "attach_to_visible_p50_s": round(statistics.median(attach_s), 3),
        "attach_to_visible_s": [round(x, 3) for x in attach_s],
        "detach_to_gone_p50_s": round(statistics.median(detach_s), 3),
        "detach_to_gone_s": [round(x, 3) for x in detach_s],
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    result = measure(args.rounds)
    print(json.dumps(result, indent=2))
    print(
        f"volume attach: {result['attach_to_visible_p50_s']} s p50 from request to disk visible in the guest, "
        f"detach {result['detach_to_gone_p50_s']} s ({result['rounds']} rounds, TCG)"
    )


if __name__ == "__main__":
    main()

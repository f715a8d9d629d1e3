"""Issue #7's end-to-end proof: block volumes in real QEMU guests, through the real CLI.

One ``pocketstack up --detach --driver qemu`` for the module (TCG, file volume backend,
qcow2 volumes: snapshots are internal qcow2 snapshots, taken by QEMU while attached).
Every guest runs the user-data script below: it watches /sys/block and prints a
console line when a disk appears (name, size in 512-byte sectors, and the
marker found in its first sector), grows, or goes away; a disk without a marker gets
one written (``PSMARK-<hostname>``, then sync). So:

- ``server add volume vm1 v1``: vm1 sees a new 1 GiB disk and writes its marker;
  ``server remove volume``: the disk is gone from vm1 (and v1 is available again);
- vm2 boots from ``boot-vol`` (``volume create --image tiny``: the root disk is the
  volume, its kernel and ramdisk come from the volume's image metadata) and, after
  ``server add volume vm2 v1``, reads vm1's marker from v1;
- ``volume set --size 2`` on the attached v1 (3.42): QEMU grows the qcow2 file
  (block_resize) and vm2 sees the disk grow online;
- ``volume snapshot create`` (3.66) of the attached v1: QEMU takes an internal
  snapshot (compute's os-assisted-volume-snapshots), a volume made from it holds vm1's
  marker, and deleting it while attached goes through QEMU again;
- snapshot, volume from snapshot, extend, delete through the CLI;
- ``server create --boot-from-volume 1 --image tiny``: boots, and its volume goes with it.

TCG boots take 5-10 s here, so the guests are booted once and the tests run in file order.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pocketstack.compute.virt.qemu import process
from pocketstack.image.tiny import tiny_available
from pocketstack.testing.qemu import qemu_missing
from tests.e2e.conftest import POCKETSTACK, Cloud, _free_port

pytestmark = [pytest.mark.e2e, pytest.mark.root]

BOOT_MARKER = "pocketstack-guest: up"
TIMEOUT = 240.0
SECTORS_PER_GIB = 2 * 1024 * 1024
SETTINGS = {
    "POCKETSTACK_COMPUTE_QEMU_ACCEL": "tcg",
    "POCKETSTACK_COMPUTE_POWER_SYNC_INTERVAL": "2",
    "POCKETSTACK_COMPUTE_DESTROY_TIMEOUT": "2",
    "POCKETSTACK_COMPUTE_MAX_ATTEMPTS": "1",
    "POCKETSTACK_COMPUTE_FORCE_CONFIG_DRIVE": "true",
    "POCKETSTACK_VOLUME_VOLUME_FORMAT": "qcow2",
}

# The guest side of the test (busybox sh). Known disks are files in /run/e2e holding
# their size; the loop runs in the background so the user-data entry ends at once.
WATCHER = r"""#!/bin/sh
mkdir -p /run/e2e
for p in /sys/block/vd*; do cat "$p/size" >"/run/e2e/${p##*/}"; done
(
while :; do
    for p in /sys/block/vd*; do
        [ -e "$p" ] || continue
        d=${p##*/}
        size=$(cat "$p/size" 2>/dev/null) || continue
        if [ ! -f "/run/e2e/$d" ]; then
            data=$(dd if="/dev/$d" bs=512 count=1 2>/dev/null | tr -cd 'A-Za-z0-9-')
            echo "e2e-volume: added $d size=$size data=${data:-none}"
            echo "$size" >"/run/e2e/$d"
            case "$data" in
                PSMARK-*) ;;
                *) printf 'PSMARK-%s' "$(hostname)" | dd of="/dev/$d" bs=512 conv=sync 2>/dev/null
                   sync
                   echo "e2e-volume: wrote $d" ;;
            esac
        elif [ "$(cat "/run/e2e/$d")" != "$size" ]; then
            echo "e2e-volume: resized $d size=$size"
            echo "$size" >"/run/e2e/$d"
        fi
    done
    for f in /run/e2e/*; do
        [ -e "/sys/block/${f##*/}" ] || { echo "e2e-volume: removed ${f##*/}"; rm -f "$f"; }
    done
    sleep 0.2 2>/dev/null || sleep 1
done
) >/dev/console 2>&1 &
"""


class VolumeCloud(Cloud):
    def __init__(self, data_dir: Path, url: str, port: int, env: dict[str, str]) -> None:
        super().__init__(data_dir, url)
        self.port = port
        self.up_env = env
        self.server_ids: list[str] = []

    def up(self) -> None:
        argv = [POCKETSTACK, "up", "--detach", "--driver", "qemu", "--data-dir", str(self.data_dir)]
        argv += ["--port", str(self.port)]
        proc = subprocess.run(argv, capture_output=True, text=True, env=self.up_env, timeout=600)
        if proc.returncode != 0:
            raise AssertionError(f"pocketstack up failed:\n{proc.stdout}\n{proc.stderr}")

    def json(self, *args: str) -> Any:
        return self.openstack(*args, "-f", "json", user="demo")

    def wait_server(self, name: str, status: str = "ACTIVE") -> dict[str, Any]:
        deadline = time.monotonic() + TIMEOUT
        while True:
            server = dict(self.json("server", "show", name))
            if server["status"] == status and not server.get("OS-EXT-STS:task_state"):
                return server
            if server["status"] == "ERROR":
                raise AssertionError(f"{name} went to ERROR: {server.get('fault')}")
            if time.monotonic() > deadline:
                raise AssertionError(f"{name} is {server['status']} after {TIMEOUT:g}s")
            time.sleep(0.5)

    def wait_volume(self, name: str, status: str = "available") -> dict[str, Any]:
        deadline = time.monotonic() + TIMEOUT
        while True:
            vol = dict(self.json("volume", "show", name))
            if vol["status"] == status:
                return vol
            if vol["status"].startswith("error"):
                raise AssertionError(f"volume {name} went to {vol['status']}")
            if time.monotonic() > deadline:
                raise AssertionError(f"volume {name} is {vol['status']}, not {status}, after {TIMEOUT:g}s")
            time.sleep(0.3)

    def wait_console(self, name: str, pattern: str, count: int = 1) -> list[re.Match[str]]:
        deadline = time.monotonic() + TIMEOUT
        while True:
            text = str(self.openstack("console", "log", "show", name, user="demo"))
            found = list(re.finditer(pattern, text))
            if len(found) >= count:
                return found
            if time.monotonic() > deadline:
                raise AssertionError(f"{name}: {count} x {pattern!r} not on the console:\n{text[-3000:]}")
            time.sleep(0.5)

    def volume_files(self) -> list[str]:
        directory = self.data_dir / "volumes"
        return sorted(p.name for p in directory.iterdir()) if directory.exists() else []


@pytest.fixture(scope="module")
def vcloud(tmp_path_factory: pytest.TempPathFactory) -> Iterator[VolumeCloud]:
    missing = qemu_missing()
    if missing:
        pytest.skip(missing)
    ok, why = tiny_available()
    if not ok:
        pytest.skip(f"tiny guest cannot be built here: {why}")
    data_dir = tmp_path_factory.mktemp("pocketstack-volume-qemu")
    port = _free_port()
    env = {**os.environ, **SETTINGS}
    env.setdefault("POCKETSTACK_IDENTITY_PASSWORD_HASH_ROUNDS", "4")  # as tests/e2e/conftest.py says why
    cloud = VolumeCloud(data_dir, f"http://127.0.0.1:{port}", port, env)
    cloud.up()
    try:
        yield cloud
    finally:
        down = subprocess.run(
            [POCKETSTACK, "down", "--purge", "--data-dir", str(data_dir)], capture_output=True, text=True, timeout=180
        )
        print(down.stdout, down.stderr)
        for uuid in cloud.server_ids:
            assert [p for p in Path("/proc").glob("[0-9]*") if process.pid_is(int(p.name), uuid)] == []


@pytest.fixture(scope="module")
def guests(vcloud: VolumeCloud, tmp_path_factory: pytest.TempPathFactory) -> VolumeCloud:
    script = tmp_path_factory.mktemp("userdata") / "watch.sh"
    script.write_text(WATCHER)
    vcloud.json("volume", "create", "--size", "1", "v1")
    vcloud.json("volume", "create", "--image", "tiny", "--size", "1", "boot-vol")
    vcloud.wait_volume("boot-vol")
    common = ["--flavor", "m1.tiny", "--nic", "none", "--user-data", str(script)]
    for name, source in (("vm1", ["--image", "tiny"]), ("vm2", ["--volume", "boot-vol"])):
        made = vcloud.json("server", "create", *common, *source, name)
        vcloud.server_ids.append(made["id"])
    for name in ("vm1", "vm2"):
        vcloud.wait_server(name)
        vcloud.wait_console(name, BOOT_MARKER)
    vcloud.wait_volume("v1")
    return vcloud


def test_boot_volume_carries_the_images_kernel_and_is_the_root_disk(guests: VolumeCloud) -> None:
    vol = guests.json("volume", "show", "boot-vol")
    assert vol["status"] == "in-use" and str(vol["bootable"]).lower() == "true"
    meta = vol["volume_image_metadata"]
    kernel = guests.json("image", "show", "tiny-kernel")["id"]
    assert meta["image_name"] == "tiny" and meta["kernel_id"] == kernel
    server = guests.json("server", "show", "vm2")
    assert server["image"] in ("", "N/A (booted from volume)")
    assert [v["id"] for v in server["volumes_attached"]] == [vol["id"]]
    # The guest's root file system is on /dev/vda, the volume's file (not an overlay).
    guests.wait_console("vm2", r"pocketstack-guest: root /dev/vda")
    instance_dir = guests.data_dir / "instances" / server["id"]
    assert not (instance_dir / "root.qcow2").exists()
    assert f"volume-{vol['id']}.qcow2" in guests.volume_files()


def test_attach_detach_and_data_seen_by_another_vm(guests: VolumeCloud) -> None:
    guests.openstack("server", "add", "volume", "vm1", "v1", user="demo")
    (added,) = guests.wait_console("vm1", r"e2e-volume: added (vd[a-z]) size=(\d+) data=(\S+)")
    dev = added.group(1)
    assert int(added.group(2)) == SECTORS_PER_GIB and added.group(3) == "none"
    guests.wait_console("vm1", rf"e2e-volume: wrote {dev}")
    assert guests.json("volume", "show", "v1")["status"] == "in-use"

    guests.openstack("server", "remove", "volume", "vm1", "v1", user="demo")
    guests.wait_console("vm1", rf"e2e-volume: removed {dev}")
    guests.wait_volume("v1")

    guests.openstack("server", "add", "volume", "vm2", "v1", user="demo")
    (seen,) = guests.wait_console("vm2", r"e2e-volume: added (vd[a-z]) size=(\d+) data=(\S+)")
    # vm2 reads what vm1 wrote, through the volume file.
    assert seen.group(3) == "PSMARK-vm1"


def _qcow2(path: Path) -> dict[str, Any]:
    out = subprocess.run(["qemu-img", "info", "-U", "--output=json", str(path)], capture_output=True, text=True)
    return dict(json.loads(out.stdout))


def _first_sector(path: Path) -> bytes:
    out = path.with_name(f".{path.name}.sector")
    try:
        argv = ["qemu-img", "dd", "-f", "qcow2", "-O", "raw", "bs=512", "count=1", f"if={path}", f"of={out}"]
        subprocess.run(argv, check=True, capture_output=True)
        return out.read_bytes()
    finally:
        out.unlink(missing_ok=True)


def test_online_extend_is_seen_by_the_guest(guests: VolumeCloud) -> None:
    guests.openstack("--os-volume-api-version", "3.42", "volume", "set", "--size", "2", "v1", user="demo")
    (grown,) = guests.wait_console("vm2", r"e2e-volume: resized (vd[a-z]) size=(\d+)")
    assert int(grown.group(2)) == 2 * SECTORS_PER_GIB
    v1 = guests.wait_volume("v1", "in-use")
    assert v1["size"] == 2
    # QEMU grew the qcow2 file it holds (the volume service left it to the hypervisor).
    assert _qcow2(guests.data_dir / "volumes" / f"volume-{v1['id']}.qcow2")["virtual-size"] == 2 * 1024**3


def test_snapshot_of_an_attached_volume_is_taken_by_qemu(guests: VolumeCloud) -> None:
    v1 = guests.json("volume", "show", "v1")
    path = guests.data_dir / "volumes" / f"volume-{v1['id']}.qcow2"
    # 3.66: an attached volume is snapshotted without force (this client's --force is
    # not sent on to the API before 3.66).
    snap = guests.json("--os-volume-api-version", "3.66", "volume", "snapshot", "create", "--volume", "v1", "s-live")
    deadline = time.monotonic() + TIMEOUT
    while (status := guests.json("volume", "snapshot", "show", "s-live")["status"]) != "available":
        assert status == "creating" and time.monotonic() < deadline, f"snapshot s-live is {status}"
        time.sleep(0.3)
    assert [s["name"] for s in _qcow2(path).get("snapshots", [])] == [f"snapshot-{snap['id']}"]
    guests.json("volume", "create", "--snapshot", "s-live", "v-live")
    live = guests.wait_volume("v-live")
    assert _first_sector(guests.data_dir / "volumes" / f"volume-{live['id']}.qcow2").startswith(b"PSMARK-vm1")
    guests.openstack("volume", "delete", "v-live", user="demo")
    # Deleted while v1 is still attached: QEMU removes it from the file it holds.
    guests.openstack("volume", "snapshot", "delete", "s-live", user="demo")
    while any(s["Name"] == "s-live" for s in guests.json("volume", "snapshot", "list")):
        assert time.monotonic() < deadline, "snapshot s-live was not deleted"
        time.sleep(0.3)
    assert _qcow2(path).get("snapshots", []) == []
    assert guests.json("volume", "show", "v1")["status"] == "in-use"
    guests.openstack("server", "remove", "volume", "vm2", "v1", user="demo")
    guests.wait_console("vm2", r"e2e-volume: removed vd[a-z]")
    guests.wait_volume("v1")


def test_snapshot_volume_from_snapshot_extend_delete(guests: VolumeCloud) -> None:
    snap = guests.json("volume", "snapshot", "create", "--volume", "v1", "s1")
    deadline = time.monotonic() + TIMEOUT
    while guests.json("volume", "snapshot", "show", "s1")["status"] != "available":
        assert time.monotonic() < deadline, "snapshot s1 never became available"
        time.sleep(0.3)
    guests.json("volume", "create", "--snapshot", "s1", "v2")
    v2 = guests.wait_volume("v2")
    assert v2["size"] == 2 and v2["snapshot_id"] == snap["id"]
    guests.openstack("volume", "set", "--size", "3", "v2", user="demo")
    deadline = time.monotonic() + TIMEOUT
    while guests.json("volume", "show", "v2")["size"] != 3:
        assert time.monotonic() < deadline, "v2 was not extended"
        time.sleep(0.3)
    # A volume with snapshots is not deleted without them.
    refused = guests.run("volume", "delete", "v1", user="demo", check=False)
    assert refused.returncode != 0 and "snapshot" in refused.stderr.lower()
    guests.openstack("volume", "delete", "v2", user="demo")
    guests.openstack("volume", "snapshot", "delete", "s1", user="demo")
    deadline = time.monotonic() + TIMEOUT
    while any(s["Name"] == "s1" for s in guests.json("volume", "snapshot", "list")):
        assert time.monotonic() < deadline, "snapshot s1 was not deleted"
        time.sleep(0.3)
    guests.openstack("volume", "delete", "v1", user="demo")


def test_boot_from_volume_made_from_the_image_and_deleted_with_the_server(guests: VolumeCloud) -> None:
    made = guests.json(
        "server", "create", "--flavor", "m1.tiny", "--nic", "none", "--image", "tiny",
        "--boot-from-volume", "1", "--delete-on-termination", "vm3",
    )  # fmt: skip
    guests.server_ids.append(made["id"])
    guests.wait_server("vm3")
    guests.wait_console("vm3", BOOT_MARKER)
    (attached,) = guests.json("server", "show", "vm3")["volumes_attached"]
    assert guests.json("volume", "show", attached["id"])["volume_image_metadata"]["image_name"] == "tiny"
    guests.openstack("server", "delete", "--wait", "vm3", user="demo")
    deadline = time.monotonic() + TIMEOUT
    while any(v["ID"] == attached["id"] for v in guests.json("volume", "list")):
        assert time.monotonic() < deadline, "vm3's volume outlived it"
        time.sleep(0.3)


def test_deleting_the_servers_releases_their_volumes(guests: VolumeCloud) -> None:
    guests.openstack("server", "delete", "--wait", "vm1", "vm2", user="demo")
    # boot-vol was not delete_on_termination: it is available again, then deleted here.
    guests.wait_volume("boot-vol")
    guests.openstack("volume", "delete", "boot-vol", user="demo")
    deadline = time.monotonic() + TIMEOUT
    while guests.json("volume", "list"):
        assert time.monotonic() < deadline, "volumes left behind"
        time.sleep(0.3)
    assert [n for n in guests.volume_files() if not n.startswith(".")] == []

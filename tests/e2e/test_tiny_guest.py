"""The tiny guest boots under QEMU (TCG), reads its config drive and gets DHCP.

One guest is booted for the module, in a pocketstack-test-* namespace with its own
bridge, tap and dnsmasq; the lab removes all of it at teardown.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from pocketstack.image.tiny import TinyArtifacts, build_tiny, tiny_available
from pocketstack.testing.tinylab import MARKER, Boot, TinyLab, lab_missing

pytestmark = [pytest.mark.e2e, pytest.mark.root]

BOOT_TIMEOUT = 90.0
USER_DATA = b"#!/bin/sh\necho hello-from-userdata\n"


@pytest.fixture(scope="module")
def artifacts() -> TinyArtifacts:
    missing = lab_missing()
    if missing:
        pytest.skip(missing)
    ok, why = tiny_available()
    if not ok:
        pytest.skip(f"tiny guest cannot be built here: {why}")
    return build_tiny()


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TinyLab]:
    with TinyLab(tmp_path_factory.mktemp("tinylab")) as lab:
        yield lab


@pytest.fixture(scope="module")
def guest(lab: TinyLab, artifacts: TinyArtifacts) -> Boot:
    return lab.boot(artifacts, hostname="tinytest", user_data=USER_DATA)


def test_boot_marker_has_hostname_and_dhcp_address(guest: Boot, lab: TinyLab) -> None:
    marker = guest.wait_for(MARKER, BOOT_TIMEOUT)
    assert marker["hostname"] == "tinytest"
    assert marker["ips"].split(",") == [lab.guest_ip]


def test_runs_from_the_root_disk(guest: Boot) -> None:
    guest.wait_for(MARKER, BOOT_TIMEOUT)
    assert "pocketstack-guest: root /dev/vda" in guest.console()


def test_user_data_script_output_on_console(guest: Boot) -> None:
    guest.wait_for(re.compile(r"pocketstack-guest: user-data exit=\d+"), BOOT_TIMEOUT)
    lines = guest.console().splitlines()
    assert any(line.strip() == "hello-from-userdata" for line in lines)
    assert any(line.strip() == "pocketstack-guest: user-data exit=0" for line in lines)


def test_acpi_power_button_powers_off(guest: Boot, lab: TinyLab) -> None:
    guest.wait_for(MARKER, BOOT_TIMEOUT)
    assert guest.qmp_command("system_powerdown") == {"return": {}}
    # A clean poweroff ends QEMU by itself; a guest that ignored the button would time out.
    assert guest.process.wait(timeout=60) == 0
    lab.stop(guest)


def test_static_address_from_network_data(lab: TinyLab, artifacts: TinyArtifacts) -> None:
    mac = "fa:16:3e:aa:bb:cc"  # not known to dnsmasq: only network_data.json can address it
    network_data = {
        "links": [{"id": "tapstatic", "type": "phy", "ethernet_mac_address": mac, "mtu": 1400}],
        "networks": [
            {
                "id": "network0",
                "link": "tapstatic",
                "type": "ipv4",
                "ip_address": f"{lab.subnet_prefix}.77",
                "netmask": "255.255.255.0",
                "routes": [{"network": "0.0.0.0", "netmask": "0.0.0.0", "gateway": f"{lab.subnet_prefix}.1"}],
            }
        ],
        "services": [{"type": "dns", "address": f"{lab.subnet_prefix}.1"}],
    }
    show = b"#!/bin/sh\necho mtu=$(cat /sys/class/net/eth0/mtu)\nip route show default\ncat /etc/resolv.conf\n"
    boot = lab.boot(artifacts, hostname="static", name="static", mac=mac, network_data=network_data, user_data=show)
    try:
        marker = boot.wait_for(MARKER, BOOT_TIMEOUT)
        assert marker["hostname"] == "static"
        assert marker["ips"] == f"{lab.subnet_prefix}.77"
        boot.wait_for(re.compile(r"user-data exit=0"), BOOT_TIMEOUT)
        console = boot.console()
        assert "mtu=1400" in console
        assert f"default via {lab.subnet_prefix}.1 dev eth0" in console
        assert f"nameserver {lab.subnet_prefix}.1" in console
    finally:
        lab.stop(boot)


def test_lab_leaves_nothing_behind(tmp_path: Path, artifacts: TinyArtifacts) -> None:
    with TinyLab(tmp_path) as lab:
        boot = lab.boot(artifacts, hostname="gone", root_disk=False)
        namespace = lab.namespace
        dnsmasq = lab.dnsmasq
    assert boot.process.poll() is not None
    assert dnsmasq is not None and dnsmasq.poll() is not None
    assert namespace not in subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout


def test_build_is_cached_and_placed_in_output(tmp_path: Path, artifacts: TinyArtifacts) -> None:
    placed = build_tiny(tmp_path / "out")
    assert placed.kernel.parent == tmp_path / "out"
    assert placed.kernel.read_bytes()[0x202:0x206] == b"HdrS"  # bzImage boot protocol header
    assert placed.initramfs.read_bytes()[:2] == b"\x1f\x8b"
    with placed.rootdisk.open("rb") as disk:
        disk.seek(1024)
        superblock = disk.read(1024)
    assert superblock[56:58] == b"\x53\xef"  # ext2/3/4 magic
    assert superblock[120:136].rstrip(b"\0") == b"tinyroot"
    assert placed.cmdline == artifacts.cmdline and "console=ttyS0" in placed.cmdline
    # A second build finds everything in the cache and rebuilds nothing.
    again = build_tiny()
    assert again.kernel == artifacts.kernel and again.kernel.stat().st_mtime == artifacts.kernel.stat().st_mtime

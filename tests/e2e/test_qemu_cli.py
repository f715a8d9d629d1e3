"""Issue #6's end-to-end proof: real VMs on a real network, through the real CLI.

One ``pocketstack up --detach --driver qemu`` for the module (TCG, linuxbridge network
backend: this runs as root), driven by ``openstack`` as a user would. Two ``tiny``
servers on one network: each prints its boot marker with its name and the port's fixed
IP (which it got by DHCP from the network's dnsmasq, on the tap the agent plugged, with
the port's MAC); the second pings the first from its user data (the default security
group admits ingress from the same group, so no rule is added). The first carries a
keypair whose fingerprint the guest prints. Then stop/start and a reboot keep the IP;
``pocketstack down`` ends the VMs and the namespaces but keeps their disks; after the
next ``up`` the servers show SHUTOFF and deleting them leaves no process, tap, overlay
or console file. Failure paths: a corrupt qcow2 and a kernel QEMU cannot load end in
ERROR with the driver's fault, leaving nothing behind.

TCG boots take 5-10 s here, so the servers are booted once and reused across the tests,
which run in file order.
"""

from __future__ import annotations

import os
import re
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

from pocketstack.compute.virt.qemu import process
from pocketstack.image.tiny import tiny_available
from pocketstack.network.agent.linuxbridge.names import cloud_prefix
from pocketstack.testing.qemu import qemu_missing
from tests.e2e.conftest import POCKETSTACK, Cloud, _free_port

pytestmark = [pytest.mark.e2e, pytest.mark.root]

MARKER = re.compile(r"pocketstack-guest: up hostname=(\S*) ips=(\S*)")
BOOT_TIMEOUT = 180.0
# The cloud's settings for this test: TCG without a probe, quick power sync, one attempt.
SETTINGS = {
    "POCKETSTACK_COMPUTE_QEMU_ACCEL": "tcg",
    "POCKETSTACK_COMPUTE_POWER_SYNC_INTERVAL": "1",
    "POCKETSTACK_COMPUTE_SHUTDOWN_TIMEOUT": "20",
    "POCKETSTACK_COMPUTE_DESTROY_TIMEOUT": "2",
    "POCKETSTACK_COMPUTE_MAX_ATTEMPTS": "1",
}


class QemuCloud(Cloud):
    def __init__(self, data_dir: Path, url: str, port: int, env: dict[str, str]) -> None:
        super().__init__(data_dir, url)
        self.port = port
        self.up_env = env
        self.servers: dict[str, dict[str, Any]] = {}
        # name -> its port as an admin sees it (read once: the tests check it never changes).
        self.ports: dict[str, dict[str, Any]] = {}

    def up(self) -> None:
        argv = [POCKETSTACK, "up", "--detach", "--driver", "qemu", "--data-dir", str(self.data_dir)]
        argv += ["--port", str(self.port)]
        proc = subprocess.run(argv, capture_output=True, text=True, env=self.up_env, timeout=600)
        if proc.returncode != 0:
            raise AssertionError(f"pocketstack up failed:\n{proc.stdout}\n{proc.stderr}")

    def json(self, *args: str, user: str = "demo") -> Any:
        return self.openstack(*args, "-f", "json", user=user)

    def server(self, name: str) -> dict[str, Any]:
        return dict(self.json("server", "show", name))

    def wait_status(self, name: str, status: str, timeout: float = BOOT_TIMEOUT) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            server = self.server(name)
            if server["status"] == status and not server.get("OS-EXT-STS:task_state"):
                return server
            if server["status"] == "ERROR" and status != "ERROR":
                raise AssertionError(f"{name} went to ERROR: {server.get('fault')}")
            if time.monotonic() > deadline:
                raise AssertionError(f"{name} is {server['status']}, not {status}, after {timeout:g}s")
            time.sleep(0.5)

    def console(self, name: str) -> str:
        return str(self.openstack("console", "log", "show", name, user="demo"))

    def wait_console(self, name: str, pattern: str, count: int = 1, timeout: float = BOOT_TIMEOUT) -> str:
        deadline = time.monotonic() + timeout
        while True:
            text = self.console(name)
            if len(re.findall(pattern, text)) >= count:
                return text
            if time.monotonic() > deadline:
                raise AssertionError(f"{name}: {count} x {pattern!r} not on the console after {timeout:g}s:\n{text}")
            time.sleep(1.0)

    def instance_dir(self, server_id: str) -> Path:
        return self.data_dir / "instances" / server_id

    def namespaces(self) -> list[str]:
        out = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True, check=True).stdout
        prefix = cloud_prefix(self.data_dir)
        return [line.split()[0] for line in out.splitlines() if line.startswith(prefix)]


def _processes_naming(uuid: str) -> list[int]:
    return [int(p.name) for p in Path("/proc").glob("[0-9]*") if process.pid_is(int(p.name), uuid)]


def _tap_exists(namespace: str, tap: str) -> bool:
    argv = ["ip", "-n", namespace, "link", "show", "dev", tap]
    return subprocess.run(argv, capture_output=True).returncode == 0


@pytest.fixture(scope="module")
def qcloud(tmp_path_factory: pytest.TempPathFactory) -> Iterator[QemuCloud]:
    missing = qemu_missing()
    if missing:
        pytest.skip(missing)
    ok, why = tiny_available()
    if not ok:
        pytest.skip(f"tiny guest cannot be built here: {why}")
    data_dir = tmp_path_factory.mktemp("pocketstack-qemu")
    port = _free_port()
    env = {**os.environ, **SETTINGS}
    env.setdefault("POCKETSTACK_IDENTITY_PASSWORD_HASH_ROUNDS", "4")  # as tests/e2e/conftest.py says why
    the_cloud = QemuCloud(data_dir, f"http://127.0.0.1:{port}", port, env)
    the_cloud.up()
    try:
        yield the_cloud
    finally:
        down = subprocess.run(
            [POCKETSTACK, "down", "--purge", "--data-dir", str(data_dir)], capture_output=True, text=True, timeout=180
        )
        print(down.stdout, down.stderr)
        # Nothing of this cloud may outlive the module, whatever failed above.
        assert the_cloud.namespaces() == []
        for server in the_cloud.servers.values():
            assert _processes_naming(server["id"]) == []


@pytest.fixture(scope="module")
def keypair(qcloud: QemuCloud, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    key = ed25519.Ed25519PrivateKey.generate().public_key()
    public = key.public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH).decode()
    path = tmp_path_factory.mktemp("key") / "id_ed25519.pub"
    path.write_text(public + " e2e@pocketstack\n")
    return dict(qcloud.json("keypair", "create", "--public-key", str(path), "e2e-qemu-key"))


@pytest.fixture(scope="module")
def servers(qcloud: QemuCloud, keypair: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> QemuCloud:
    qcloud.json("network", "create", "e2e-net")
    qcloud.json("subnet", "create", "--network", "e2e-net", "--subnet-range", "10.20.0.0/24", "e2e-subnet")
    one = qcloud.json(
        "server", "create", "--flavor", "m1.tiny", "--image", "tiny", "--network", "e2e-net",
        "--key-name", "e2e-qemu-key", "--wait", "vm-one",
    )  # fmt: skip
    qcloud.servers["vm-one"] = one
    qcloud.ports["vm-one"] = _port_of(qcloud, one["id"])
    ip_one = _fixed_ip(qcloud.ports["vm-one"])
    script = tmp_path_factory.mktemp("userdata") / "ping.sh"
    script.write_text(
        "#!/bin/sh\n"
        f"if ping -c 3 -W 3 {ip_one}; then echo ping-result=ok; else echo ping-result=failed; fi\n"
    )  # fmt: skip
    two = qcloud.json(
        "server", "create", "--flavor", "m1.tiny", "--image", "tiny", "--network", "e2e-net",
        "--user-data", str(script), "--wait", "vm-two",
    )  # fmt: skip
    qcloud.servers["vm-two"] = two
    qcloud.ports["vm-two"] = _port_of(qcloud, two["id"])
    return qcloud


def _port_of(qcloud: QemuCloud, server_id: str) -> dict[str, Any]:
    ports = qcloud.json("port", "list", "--device-id", server_id, user="admin")
    assert len(ports) == 1, ports
    return dict(qcloud.json("port", "show", ports[0]["ID"], user="admin"))


def _fixed_ip(port: dict[str, Any]) -> str:
    return str(port["fixed_ips"][0]["ip_address"])


def test_each_guest_boots_with_its_name_and_its_ports_ip(servers: QemuCloud) -> None:
    for name in ("vm-one", "vm-two"):
        port = servers.ports[name]
        text = servers.wait_console(name, MARKER.pattern)
        hostname, ips = MARKER.findall(text)[0]
        assert hostname == name
        # The address came by DHCP (network_data.json says ipv4_dhcp): exactly the port's.
        assert ips == _fixed_ip(port)
        assert servers.server(name)["addresses"] == {"e2e-net": [_fixed_ip(port)]}


def test_nic_is_on_the_plugged_tap_with_the_ports_mac(servers: QemuCloud) -> None:
    server = servers.servers["vm-one"]
    port = servers.ports["vm-one"]
    details = port["binding_vif_details"]
    namespace, tap = details["namespace"], details["devname"]
    assert namespace in servers.namespaces() and tap == f"tap{port['id'][:11]}"
    link = subprocess.run(["ip", "-n", namespace, "-d", "link", "show", "dev", tap], capture_output=True, text=True)
    assert link.returncode == 0 and f"master brq{port['network_id'][:11]}" in link.stdout
    pid = process.running_pid(servers.instance_dir(server["id"]) / "qemu.pid", server["id"])
    assert pid is not None
    args = Path(f"/proc/{pid}/cmdline").read_bytes().decode().split("\0")
    assert any(f"ifname={tap}," in arg for arg in args)
    assert any(f"mac={port['mac_address']}," in arg for arg in args)
    # QEMU runs inside the host namespace of the data plane, where the tap lives.
    assert os.stat(f"/proc/{pid}/ns/net").st_ino == os.stat(f"/run/netns/{namespace}").st_ino


def test_second_guest_pings_the_first(servers: QemuCloud) -> None:
    text = servers.wait_console("vm-two", r"ping-result=\w+")
    ip_one = _fixed_ip(servers.ports["vm-one"])
    assert f"PING {ip_one}" in text
    assert "ping-result=ok" in text, text
    assert "0% packet loss" in text


def test_keypair_fingerprint_inside_the_guest(servers: QemuCloud, keypair: dict[str, Any]) -> None:
    text = servers.wait_console("vm-one", MARKER.pattern)
    found = re.search(r"pocketstack-guest: key e2e-qemu-key (\S+)", text)
    assert found is not None, text
    assert found[1] == keypair["fingerprint"]


def test_stop_start_and_reboot_keep_the_ip(servers: QemuCloud) -> None:
    server = servers.servers["vm-one"]
    ip = _fixed_ip(servers.ports["vm-one"])
    servers.openstack("server", "stop", "vm-one", user="demo")
    stopped = servers.wait_status("vm-one", "SHUTOFF", timeout=60)
    assert stopped["OS-EXT-STS:power_state"] in ("Shutdown", 4)
    assert process.running_pid(servers.instance_dir(server["id"]) / "qemu.pid", server["id"]) is None
    servers.openstack("server", "start", "vm-one", user="demo")
    servers.wait_status("vm-one", "ACTIVE", timeout=60)
    servers.wait_console("vm-one", MARKER.pattern, count=2)
    servers.openstack("server", "reboot", "--soft", "--wait", "vm-one", user="demo", timeout=BOOT_TIMEOUT)
    text = servers.wait_console("vm-one", MARKER.pattern, count=3)
    assert set(MARKER.findall(text)) == {("vm-one", ip)}


def test_a_nic_hot_plugged_on_another_network_opens_its_tap(servers: QemuCloud) -> None:
    """os-interface: `server add network` binds a new port to the host, the network agent
    plugs its tap, QEMU opens it (QMP netdev_add + device_add); `remove network` unplugs
    it and deletes the port (and the agent its tap)."""
    server = servers.servers["vm-two"]
    net = servers.json("network", "create", "e2e-net2")
    servers.json("subnet", "create", "--network", "e2e-net2", "--subnet-range", "10.21.0.0/24", "e2e-subnet2")
    servers.openstack("server", "add", "network", "vm-two", "e2e-net2", user="demo")
    ports = servers.json("port", "list", "--device-id", server["id"], "--network", net["id"], user="admin")
    assert len(ports) == 1, ports
    port = servers.json("port", "show", ports[0]["ID"], user="admin")
    namespace, tap = port["binding_vif_details"]["namespace"], port["binding_vif_details"]["devname"]
    deadline = time.monotonic() + 20
    while True:
        link = subprocess.run(["ip", "-n", namespace, "link", "show", "dev", tap], capture_output=True, text=True)
        # LOWER_UP: a process (QEMU) holds the tap open.
        if "LOWER_UP" in link.stdout or time.monotonic() > deadline:
            break
        time.sleep(0.3)
    assert "LOWER_UP" in link.stdout and f"master brq{net['id'][:11]}" in link.stdout, link.stdout
    assert "e2e-net2" in str(servers.server("vm-two")["addresses"])
    servers.openstack("server", "remove", "network", "vm-two", "e2e-net2", user="demo")
    assert servers.json("port", "list", "--device-id", server["id"], "--network", net["id"], user="admin") == []
    deadline = time.monotonic() + 20
    while _tap_exists(namespace, tap) and time.monotonic() < deadline:
        time.sleep(0.3)
    assert not _tap_exists(namespace, tap)
    assert servers.server("vm-two")["status"] == "ACTIVE"


def test_down_ends_the_vms_and_keeps_their_disks(servers: QemuCloud) -> None:
    uuids = [s["id"] for s in servers.servers.values()]
    pids = [process.running_pid(servers.instance_dir(u) / "qemu.pid", u) for u in uuids]
    assert None not in pids
    servers.pocketstack("down")
    for uuid, pid in zip(uuids, pids, strict=True):
        assert pid is not None and not process.pid_is(pid, uuid)
        d = servers.instance_dir(uuid)
        assert (d / "root.qcow2").exists() and (d / "console.log").exists()
        assert not (d / "qemu.pid").exists() and not (d / "qmp.sock").exists()
    assert servers.namespaces() == []
    # The next up finds them powered off (the power sync reads the host, not a cache).
    servers.up()
    for name in servers.servers:
        assert servers.wait_status(name, "SHUTOFF", timeout=60)["OS-EXT-STS:power_state"] in ("Shutdown", 4)


def test_delete_leaves_no_process_tap_overlay_or_console(servers: QemuCloud) -> None:
    # The ports are the same ones after all the power operations and the restart.
    assert {name: _port_of(servers, s["id"])["id"] for name, s in servers.servers.items()} == {
        name: port["id"] for name, port in servers.ports.items()
    }
    servers.openstack("server", "delete", "--wait", *servers.servers, user="demo", timeout=120)
    for name, server in servers.servers.items():
        uuid = server["id"]
        assert _processes_naming(uuid) == []
        assert not servers.instance_dir(uuid).exists()  # overlay, config drive, console
        details = servers.ports[name]["binding_vif_details"]
        assert not _tap_exists(details["namespace"], details["devname"])
        assert servers.json("port", "list", "--device-id", uuid, user="admin") == []
    assert list((servers.data_dir / "instances").iterdir()) == []


def test_images_qemu_cannot_use_end_in_error_with_the_drivers_fault(
    qcloud: QemuCloud, tmp_path_factory: pytest.TempPathFactory
) -> None:
    work = tmp_path_factory.mktemp("bad-images")
    corrupt = work / "corrupt.qcow2"
    corrupt.write_bytes(b"QFI\xfb" + b"\x00\x00\x00\x03" + os.urandom(64 * 1024))
    qcloud.json(
        "image", "create", "--disk-format", "qcow2", "--file", str(corrupt), "--public", "corrupt", user="admin"
    )
    # A kernel QEMU cannot load: QEMU itself refuses to start the VM.
    kernel = work / "bad-kernel"
    kernel.write_bytes(os.urandom(100_000))
    bad_kernel = qcloud.json(
        "image", "create", "--disk-format", "aki", "--container-format", "aki", "--file", str(kernel),
        "--public", "bad-kernel", user="admin",
    )  # fmt: skip
    ramdisk = qcloud.json("image", "show", "tiny-ramdisk", user="admin")
    root = work / "root.img"
    root.write_bytes(b"\0" * 1024 * 1024)
    qcloud.json(
        "image", "create", "--disk-format", "ami", "--container-format", "ami", "--file", str(root), "--public",
        "--property", f"kernel_id={bad_kernel['id']}", "--property", f"ramdisk_id={ramdisk['id']}", "unbootable",
        user="admin",
    )  # fmt: skip
    expected = {"broken-disk": ("corrupt", "qcow2"), "broken-kernel": ("unbootable", "QEMU failed to start")}
    ids = {}
    for name, (image, _) in expected.items():
        made = qcloud.json("server", "create", "--flavor", "m1.tiny", "--image", image, "--nic", "none", name)
        ids[name] = made["id"]
    for name, (_, fault) in expected.items():
        errored = qcloud.wait_status(name, "ERROR", timeout=120)
        assert fault in errored["fault"]["message"], errored["fault"]
        assert not qcloud.instance_dir(ids[name]).exists()
        assert _processes_naming(ids[name]) == []
    assert "kernel" in qcloud.server("broken-kernel")["fault"]["message"]
    qcloud.openstack("server", "delete", "--wait", *expected, user="demo", timeout=120)

""" "VMs" for data-plane tests without QEMU: a namespace whose eth0 (with the port's MAC)
reaches the port's real tap through ``tap_relay.py``, which opens the tap exactly as QEMU
would. Also an "outside" host: a namespace on a bridge (the external network's).

Every namespace is named under the cloud's prefix (``pocketstack-<cloud>-vm-*``) so that
``cleanup_all`` would remove it too; ``close()`` removes it and ends the relay by PID.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from pocketstack.network.agent.linuxbridge import names

RELAY = Path(__file__).with_name("tap_relay.py")

UDHCPC_SCRIPT = """#!/bin/sh
PATH=/usr/sbin:/usr/bin:/sbin:/bin
case "$1" in
  deconfig) ip addr flush dev "$interface"; ip link set "$interface" up ;;
  bound|renew)
    ip addr flush dev "$interface"
    ip addr add "$ip/$mask" dev "$interface"
    if [ -n "$router" ]; then ip route replace default via "${router%% *}" dev "$interface"; fi
    echo "$ip" > "$LEASE_FILE"
    ;;
esac
"""


def sh(*argv: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, capture_output=True, text=True, check=check, timeout=60)


async def run(*argv: str, timeout: float = 30) -> tuple[int, str]:
    proc = await asyncio.create_subprocess_exec(*argv, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
    try:
        out, _ = await asyncio.wait_for(proc.communicate(), timeout)
    except TimeoutError:
        proc.kill()
        await proc.wait()
        raise
    return proc.returncode or 0, out.decode(errors="replace")


class Namespace:
    def __init__(self, data_dir: Path, name: str) -> None:
        self.ns = f"{names.cloud_prefix(data_dir)}vm-{name}"
        self.workdir = data_dir / "vms" / name
        self.workdir.mkdir(parents=True, exist_ok=True)
        sh("ip", "netns", "add", self.ns)
        sh("ip", "-n", self.ns, "link", "set", "lo", "up")

    async def ping(self, address: str, count: int = 2) -> bool:
        code, _ = await run("ip", "netns", "exec", self.ns, "busybox", "ping", "-c", str(count), "-W", "1", address)
        return code == 0

    def addresses(self, dev: str = "eth0") -> list[str]:
        out = sh("ip", "-n", self.ns, "-j", "addr", "show", "dev", dev).stdout
        info: list[dict[str, Any]] = json.loads(out)[0]["addr_info"]
        return [a["local"] for a in info if a["family"] == "inet"]

    def close(self) -> None:
        sh("ip", "netns", "delete", self.ns, check=False)


class TapVM(Namespace):
    """A "VM" on a port's tap: eth0 <-veth-> relay end <-tap_relay.py-> tap on the bridge."""

    def __init__(self, data_dir: Path, name: str, host_ns: str, tap: str, mac: str) -> None:
        super().__init__(data_dir, name)
        self.host_ns = host_ns
        self.relay_if = f"rl{name}"[:15]
        self.relay: subprocess.Popen[str] | None = None
        try:
            sh(
                "ip",
                "-n",
                host_ns,
                "link",
                "add",
                self.relay_if,
                "type",
                "veth",
                "peer",
                "name",
                "eth0",
                "netns",
                self.ns,
            )
            sh(
                "ip",
                "netns",
                "exec",
                host_ns,
                "sh",
                "-c",
                f"echo 1 > /proc/sys/net/ipv6/conf/{self.relay_if}/disable_ipv6",
            )
            sh("ip", "-n", host_ns, "link", "set", self.relay_if, "up")
            sh("ip", "-n", self.ns, "link", "set", "eth0", "address", mac, "up")
            self.relay = subprocess.Popen(
                ["ip", "netns", "exec", host_ns, sys.executable, str(RELAY), tap, self.relay_if],
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
            )
            assert self.relay.stdout is not None
            line = self.relay.stdout.readline()
            if line.strip() != "ready":
                raise RuntimeError(f"tap relay for {tap} did not start: {line}{self.relay.stdout.read()}")
        except BaseException:
            self.close()
            raise

    async def dhcp(self, timeout: float = 20) -> str | None:
        """Run busybox udhcpc on eth0; the address it bound (and configured), or None."""
        script = self.workdir / "udhcpc.sh"
        lease = self.workdir / "lease"
        script.write_text(UDHCPC_SCRIPT)
        script.chmod(0o755)
        lease.unlink(missing_ok=True)
        code, _ = await run(
            "ip", "netns", "exec", self.ns, "env", f"LEASE_FILE={lease}",
            "busybox", "udhcpc", "-i", "eth0", "-f", "-q", "-n", "-t", "5", "-T", "1", "-s", str(script),
            timeout=timeout,
        )  # fmt: skip
        return lease.read_text().strip() if code == 0 and lease.exists() else None

    def close(self) -> None:
        if self.relay is not None and self.relay.poll() is None:
            # `ip netns exec` execs python, so this pid is the relay itself.
            self.relay.kill()
            self.relay.wait(timeout=10)
        sh("ip", "-n", self.host_ns, "link", "del", self.relay_if, check=False)
        super().close()


class OutsideHost(Namespace):
    """A namespace with one address on a bridge of the host namespace (the external network)."""

    def __init__(self, data_dir: Path, name: str, host_ns: str, bridge: str, cidr: str, gateway: str | None) -> None:
        super().__init__(data_dir, name)
        self.host_ns = host_ns
        self.outer = f"ox{name}"[:15]
        try:
            sh("ip", "-n", host_ns, "link", "add", self.outer, "type", "veth", "peer", "name", "eth0", "netns", self.ns)
            sh("ip", "-n", host_ns, "link", "set", self.outer, "master", bridge, "up")
            sh("ip", "-n", self.ns, "addr", "add", cidr, "dev", "eth0")
            sh("ip", "-n", self.ns, "link", "set", "eth0", "up")
            if gateway:
                sh("ip", "-n", self.ns, "route", "add", "default", "via", gateway)
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        sh("ip", "-n", self.host_ns, "link", "del", self.outer, check=False)
        super().close()

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


# dhclient runs its script with a clean environment: the lease file and prefix length
# are written into the script (format fields).
DHCLIENT6_SCRIPT = """#!/bin/sh
PATH=/usr/sbin:/usr/bin:/sbin:/bin
case "$reason" in
  PREINIT6) ip link set "$interface" up ;;
  BOUND6|RENEW6|REBIND6|REBOOT6)
    # The on-link prefix would come from a router advertisement; there is none here.
    ip -6 addr replace "$new_ip6_address/{prefixlen}" dev "$interface" nodad
    echo "$new_ip6_address" > "{lease}"
    ;;
esac
exit 0
"""


# Turns off transmit checksum offload of eth0 (SIOCETHTOOL, ETHTOOL_STXCSUM): the relay
# copies frames as they are, so UDP sent from a socket (a DHCPv6 client) would reach the
# bridge with the checksum left to a NIC that is not there and be dropped by the receiver.
# QEMU's tap does this right (vnet headers); this test "VM" has no ethtool, hence Python.
NO_TX_CSUM = """
import array, fcntl, socket, struct
value = array.array("I", [0x17, 0])  # struct ethtool_value {cmd = ETHTOOL_STXCSUM, data = 0}
ifreq = struct.pack("16sP", b"eth0", value.buffer_info()[0])
sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
fcntl.ioctl(sock.fileno(), 0x8946, ifreq)  # SIOCETHTOOL
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

    async def ping6(self, address: str, count: int = 2) -> bool:
        code, _ = await run("ip", "netns", "exec", self.ns, "ping", "-6", "-c", str(count), "-W", "1", address)
        return code == 0

    def addresses(self, dev: str = "eth0", family: str = "inet") -> list[str]:
        """Global addresses of ``dev`` (``inet6``: IPv6 ones, link-local left out)."""
        out = sh("ip", "-n", self.ns, "-j", "addr", "show", "dev", dev).stdout
        info: list[dict[str, Any]] = json.loads(out)[0]["addr_info"]
        return [a["local"] for a in info if a["family"] == family and a.get("scope") == "global"]

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
            sh("ip", "netns", "exec", self.ns, sys.executable, "-c", NO_TX_CSUM)
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

    async def dhcp6(self, prefixlen: int = 64, timeout: float = 20) -> str | None:
        """Run ISC dhclient -6 (stateful DHCPv6) on eth0 until it binds; the address it got
        (and configured), or None. The client is ended by its PID once it has answered."""
        script = self.workdir / "dhclient6.sh"
        conf = self.workdir / "dhclient6.conf"
        lease = self.workdir / "lease6"
        script.write_text(DHCLIENT6_SCRIPT.format(prefixlen=prefixlen, lease=lease))
        script.chmod(0o755)
        conf.write_text("timeout 15;\n")
        lease.unlink(missing_ok=True)
        await self._link_local_ready()
        proc = await asyncio.create_subprocess_exec(
            "ip", "netns", "exec", self.ns,
            "dhclient", "-6", "-d", "-1", "-D", "LL", "-cf", str(conf), "-sf", str(script),
            "-lf", str(self.workdir / "dhclient6.leases"), "-pf", str(self.workdir / "dhclient6.pid"), "eth0",
            stdout=asyncio.subprocess.DEVNULL, stderr=(self.workdir / "dhclient6.log").open("w"),
        )  # fmt: skip
        try:
            for _ in range(int(timeout / 0.05)):
                if lease.exists() or proc.returncode is not None:
                    break
                await asyncio.sleep(0.05)
        finally:
            if proc.returncode is None:
                proc.kill()
            await proc.wait()
        return lease.read_text().strip() if lease.exists() else None

    async def slaac(self, timeout: float = 15) -> list[str]:
        """The global IPv6 addresses eth0 made from router advertisements (waits for one)."""
        # Down and up: the kernel solicits a router advertisement now that the relay runs.
        sh("ip", "-n", self.ns, "link", "set", "eth0", "down")
        sh("ip", "-n", self.ns, "link", "set", "eth0", "up")
        for _ in range(int(timeout / 0.1)):
            found = self.addresses(family="inet6")
            # Usable once duplicate address detection is over (a tentative address
            # sends nothing: a ping right away would fail on a loaded machine).
            out = sh("ip", "-n", self.ns, "-6", "addr", "show", "dev", "eth0", "scope", "global").stdout
            if found and "tentative" not in out:
                return found
            await asyncio.sleep(0.1)
        return []

    async def _link_local_ready(self) -> None:
        # A DHCPv6 client speaks from its link-local address, usable once DAD is over.
        for _ in range(100):
            out = sh("ip", "-n", self.ns, "-6", "addr", "show", "dev", "eth0", "scope", "link").stdout
            if "inet6" in out and "tentative" not in out:
                return
            await asyncio.sleep(0.05)

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

"""A throw-away lab for booting the tiny guest by hand: namespace, bridge, tap, dnsmasq, QEMU.

Used by the end-to-end test of the guest and by its boot benchmark, without any of the
cloud around it. Everything lives in a network namespace named ``pocketstack-test-*``;
``close()`` ends the QEMU and dnsmasq processes it started (by PID) and deletes the
namespace, whatever state the boot reached.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pocketstack.compute.virt.configdrive import build_config_drive
from pocketstack.image.tiny import TinyArtifacts

MARKER = re.compile(r"pocketstack-guest: up hostname=(?P<hostname>\S*) ips=(?P<ips>\S*)")


def _ip(*args: str) -> None:
    subprocess.run(["ip", *args], check=True, capture_output=True)


def lab_missing() -> str | None:
    """Why this machine cannot run the lab, or None when it can."""
    if os.geteuid() != 0:
        return "needs root (network namespaces, taps)"
    for tool in ("ip", "dnsmasq", "qemu-system-x86_64", "qemu-img"):
        if not (shutil.which(tool) or shutil.which(tool, path="/usr/sbin:/sbin")):
            return f"{tool} not found (run scripts/setup.sh)"
    return None


@dataclass
class Boot:
    """One running guest: its QEMU process, serial log and QMP socket."""

    process: subprocess.Popen[bytes]
    log: Path
    qmp: Path
    started: float

    def console(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def wait_for(self, pattern: re.Pattern[str], timeout: float) -> re.Match[str]:
        """The first console match of ``pattern``; raises if QEMU exits or time runs out."""
        deadline = time.monotonic() + timeout
        while True:
            found = pattern.search(self.console())
            if found:
                return found
            if self.process.poll() is not None:
                raise RuntimeError(f"qemu exited ({self.process.returncode}); console:\n{self.console()}")
            if time.monotonic() > deadline:
                raise TimeoutError(f"no {pattern.pattern!r} within {timeout:.0f}s; console:\n{self.console()}")
            time.sleep(0.05)

    def qmp_command(self, command: str) -> dict[str, Any]:
        with socket.socket(socket.AF_UNIX) as sock:
            sock.connect(str(self.qmp))
            stream = sock.makefile("rw")
            stream.readline()  # greeting
            for execute in ("qmp_capabilities", command):
                stream.write(json.dumps({"execute": execute}) + "\n")
                stream.flush()
                while True:
                    reply: dict[str, Any] = json.loads(stream.readline())
                    if "event" not in reply:
                        break
            return reply


@dataclass
class TinyLab:
    """A namespace with a bridge (the DHCP server's side); every boot gets its own tap."""

    workdir: Path
    namespace: str = field(default_factory=lambda: f"pocketstack-test-{secrets.token_hex(4)}")
    subnet_prefix: str = "10.77.0"
    mac: str = "52:54:00:12:34:56"
    guest_ip: str = "10.77.0.42"
    bridge: str = "br0"
    dnsmasq: subprocess.Popen[bytes] | None = None
    _boots: list[Boot] = field(default_factory=list)

    def open(self) -> TinyLab:
        try:
            _ip("netns", "add", self.namespace)
            ns = ("-n", self.namespace)
            _ip(*ns, "link", "set", "lo", "up")
            _ip(*ns, "link", "add", self.bridge, "type", "bridge")
            _ip(*ns, "addr", "add", f"{self.subnet_prefix}.1/24", "dev", self.bridge)
            _ip(*ns, "link", "set", self.bridge, "up")
            self._start_dnsmasq()
        except BaseException:
            self.close()
            raise
        return self

    def _start_dnsmasq(self) -> None:
        # ``ip netns exec`` execs the command in place, so the Popen PID is dnsmasq's own.
        self.dnsmasq = subprocess.Popen(
            ["ip", "netns", "exec", self.namespace, "dnsmasq", "--keep-in-foreground", "--port=0",
             "--conf-file=/dev/null", "--no-hosts", "--no-resolv", f"--interface={self.bridge}",
             "--bind-interfaces", f"--dhcp-range={self.subnet_prefix}.100,{self.subnet_prefix}.200,255.255.255.0,1h",
             f"--dhcp-host={self.mac},{self.guest_ip}", f"--pid-file={self.workdir / 'dnsmasq.pid'}",
             f"--dhcp-leasefile={self.workdir / 'dnsmasq.leases'}"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip

    def boot(
        self,
        artifacts: TinyArtifacts,
        *,
        hostname: str,
        user_data: bytes | None = None,
        name: str = "guest",
        root_disk: bool = True,
        mac: str | None = None,
        network_data: dict[str, Any] | None = None,
    ) -> Boot:
        """Start QEMU (TCG) on a new tap with a config drive and a copy-on-write root disk.

        ``mac`` defaults to the one dnsmasq gives ``guest_ip``; ``network_data`` to none.
        """
        run = self.workdir / name
        run.mkdir()
        tap = f"tap{len(self._boots)}"
        _ip("-n", self.namespace, "tuntap", "add", tap, "mode", "tap")
        _ip("-n", self.namespace, "link", "set", tap, "master", self.bridge, "up")
        drive = run / "disk.config"
        build_config_drive(
            drive,
            meta_data={"uuid": secrets.token_hex(16), "name": hostname, "hostname": hostname},
            user_data=user_data,
            network_data=network_data or {"links": [], "networks": [], "services": []},
        )
        args = ["ip", "netns", "exec", self.namespace, "qemu-system-x86_64", "-accel", "tcg", "-m", "192",
                "-nographic", "-monitor", "none", "-serial", f"file:{run / 'console.log'}",
                "-qmp", f"unix:{run / 'qmp.sock'},server=on,wait=off", "-no-reboot",
                "-kernel", str(artifacts.kernel), "-initrd", str(artifacts.initramfs), "-append", artifacts.cmdline,
                "-netdev", f"tap,id=n0,ifname={tap},script=no,downscript=no",
                "-device", f"virtio-net-pci,netdev=n0,mac={mac or self.mac},romfile="]  # fmt: skip
        if root_disk:
            overlay = run / "root.qcow2"
            subprocess.run(
                ["qemu-img", "create", "-q", "-f", "qcow2", "-F", "raw", "-b", str(artifacts.rootdisk), str(overlay)],
                check=True,
                capture_output=True,
            )
            args += ["-drive", f"file={overlay},format=qcow2,if=virtio"]
        args += ["-drive", f"file={drive},format=raw,if=virtio,readonly=on"]
        started = time.monotonic()
        process = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        boot = Boot(process, run / "console.log", run / "qmp.sock", started)
        self._boots.append(boot)
        return boot

    def stop(self, boot: Boot) -> None:
        if boot.process.poll() is None:
            boot.process.kill()
        boot.process.wait()
        if boot.process.stderr is not None:
            boot.process.stderr.close()

    def close(self) -> None:
        for boot in self._boots:
            self.stop(boot)
        if self.dnsmasq is not None and self.dnsmasq.poll() is None:
            self.dnsmasq.kill()
        if self.dnsmasq is not None:
            self.dnsmasq.wait()
        subprocess.run(["ip", "netns", "del", self.namespace], capture_output=True)

    def __enter__(self) -> TinyLab:
        return self.open()

    def __exit__(self, *exc: object) -> None:
        self.close()

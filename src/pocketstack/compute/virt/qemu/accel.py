"""Choosing the accelerator: KVM only where a probe shows it really runs guest code.

On some hosts ``/dev/kvm`` exists but a KVM guest hangs (FINDINGS.md). Measured here: a
KVM guest does run its very first instructions, but the BIOS alone takes about 7.5 s
under KVM against 0.3 s under TCG, and a Linux boot never finishes. So the probe boots
through the real BIOS (SeaBIOS) a one-sector disk whose boot code writes to QEMU's
``isa-debug-exit`` port: QEMU exits with status 1 once the guest got that far. A probe
still alive at the deadline is killed by its PID and KVM is declared unusable.

The probe costs up to ``kvm_probe_timeout`` (3 s by default) where KVM hangs, which
would be most of an all-in-one's start. Its verdict depends only on the machine (the
QEMU binary and the running kernel), so it is kept outside any data dir, in
``~/.cache/pocketstack/accel-<key>.json`` where the key hashes QEMU's identity (path,
size, mtime, version) and the kernel release: a new QEMU or kernel probes again.
``qemu_accel = "tcg"``/``"kvm"`` skips the probe and the cache; ``kvm_probe_cache =
false`` probes at every start.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import os
import shutil
import signal
import tempfile
from dataclasses import dataclass
from pathlib import Path

_EXIT_PORT = 0xF4
# mov al, 0 ; out 0xf4, al ; hlt ; jmp $-1 (isa-debug-exit: exit status (0 << 1) | 1 = 1)
_BOOT_CODE = bytes([0xB0, 0x00, 0xE6, _EXIT_PORT, 0xF4, 0xEB, 0xFD])
_RAN_EXIT_STATUS = 1
DEFAULT_CACHE_DIR = Path.home() / ".cache" / "pocketstack"


@dataclass(frozen=True)
class Accelerator:
    name: str  # "kvm" or "tcg"
    # Why this one was chosen (shown in logs and in os-hypervisors' cpu_info).
    reason: str

    @property
    def hypervisor_type(self) -> str:
        return "KVM" if self.name == "kvm" else "QEMU"


def probe_disk() -> bytes:
    """A master boot record that only exits QEMU (the BIOS loads it at 0x7c00)."""
    sector = bytearray(512)
    sector[: len(_BOOT_CODE)] = _BOOT_CODE
    sector[510:512] = b"\x55\xaa"
    return bytes(sector)


async def guest_runs(binary: str, accel: str, timeout: float) -> bool:
    """True when a guest under ``accel`` executes its first instructions within ``timeout``."""
    with tempfile.TemporaryDirectory(prefix="pocketstack-accel-") as tmp:
        disk = Path(tmp) / "probe.img"
        disk.write_bytes(probe_disk())
        try:
            proc = await asyncio.create_subprocess_exec(
                binary, "-accel", accel, "-machine", "pc", "-m", "16", "-nodefaults", "-display", "none",
                "-no-reboot", "-drive", f"file={disk},format=raw,if=ide",
                "-device", f"isa-debug-exit,iobase={_EXIT_PORT:#x},iosize=1",
                stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.DEVNULL,
                stderr=asyncio.subprocess.DEVNULL, start_new_session=True,
            )  # fmt: skip
        except OSError:
            return False
        try:
            code = await asyncio.wait_for(proc.wait(), timeout)
        except TimeoutError:
            with contextlib.suppress(ProcessLookupError):
                os.kill(proc.pid, signal.SIGKILL)
            # A KVM guest stuck in the kernel still dies on SIGKILL; do not wait forever if not.
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(proc.wait(), 10)
            return False
        return code == _RAN_EXIT_STATUS


def cache_key(binary: str, version: str) -> str:
    """What the probe's verdict depends on: this QEMU build and this kernel."""
    path = shutil.which(binary) or binary
    try:
        st = os.stat(path)
        identity = f"{os.path.realpath(path)}:{st.st_size}:{st.st_mtime_ns}"
    except OSError:
        identity = path
    text = f"{identity}|{version}|{os.uname().release}"
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _cached(path: Path) -> Accelerator | None:
    try:
        data = json.loads(path.read_text())
        name, reason = str(data["name"]), str(data["reason"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return Accelerator(name, f"{reason} (cached probe)") if name in ("kvm", "tcg") else None


def _remember(path: Path, chosen: Accelerator) -> None:
    # Best effort: an unwritable home only means probing again next time.
    with contextlib.suppress(OSError):
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps({"name": chosen.name, "reason": chosen.reason}))
        os.replace(tmp, path)


async def choose(
    binary: str, wanted: str, timeout: float, *, cache_dir: Path | None = None, version: str = ""
) -> Accelerator:
    """``wanted`` is "tcg", "kvm" (trusted without a probe) or "auto" (probe; the verdict
    is cached under ``cache_dir`` when given, keyed by QEMU ``version`` and the kernel)."""
    if wanted == "tcg":
        return Accelerator("tcg", "configured")
    if wanted == "kvm":
        return Accelerator("kvm", "configured")
    if not os.path.exists("/dev/kvm"):
        return Accelerator("tcg", "no /dev/kvm")
    cache_file = cache_dir / f"accel-{cache_key(binary, version)}.json" if cache_dir is not None else None
    if cache_file is not None and (hit := _cached(cache_file)) is not None:
        return hit
    if await guest_runs(binary, "kvm", timeout):
        chosen = Accelerator("kvm", "probe ran a guest under KVM")
    else:
        chosen = Accelerator("tcg", f"KVM probe did not run a guest within {timeout:g}s")
    if cache_file is not None:
        _remember(cache_file, chosen)
    return chosen

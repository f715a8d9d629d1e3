"""The virt driver contract (pocketstack.compute.virt.driver), run against every driver.

``fake`` runs everywhere; ``qemu`` boots the real tiny guest under TCG (root, QEMU and
the tiny guest's Debian packages needed, else skipped). Boots are what cost time, so
one instance per driver is spawned for the module and walked through every power
transition in order; the other tests spawn nothing that boots.
"""

from __future__ import annotations

import asyncio
import json
import re
import shutil
import subprocess
import uuid as uuidlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from pocketstack.common.config import ComputeConfig
from pocketstack.common.errors import Conflict, NotImplementedYet, PocketError
from pocketstack.compute import states
from pocketstack.compute.virt.driver import (
    InstanceNotFound,
    InstanceSpec,
    InvalidPowerState,
    SpawnFailed,
    VirtDriver,
)
from pocketstack.compute.virt.fake import FakeDriver

pytestmark = pytest.mark.asyncio(loop_scope="module")

MARKER = re.compile(r"pocketstack-guest: up hostname=(\S*)")


@dataclass
class Harness:
    name: str
    driver: VirtDriver
    base_spec: InstanceSpec
    # Makes the next spawn fail (inject a fault, or return a spec that cannot start).
    failing: Callable[[InstanceSpec], InstanceSpec]
    # What of an instance is left on the host (files, processes): empty when gone.
    leftovers: Callable[[str], list[str]]
    boots_guest: bool = False
    # A second driver over the same host state, as an agent restarted on this host
    # makes (None where the driver keeps its instances in memory only, like fake).
    reopen: Callable[[], VirtDriver] | None = None

    def instance_dir(self, uuid: str) -> Path:
        """Where the qemu driver keeps the instance's files."""
        return Path(getattr(self.driver, "instances_dir", ".")) / uuid

    def spec(self, name: str) -> InstanceSpec:
        return replace(self.base_spec, uuid=str(uuidlib.uuid4()), name=name, hostname=name)


def _fake(tmp: Path) -> Harness:
    driver = FakeDriver("contract-host")

    def failing(spec: InstanceSpec) -> InstanceSpec:
        driver.faults.spawn_failures = 1
        return spec

    def leftovers(uuid: str) -> list[str]:
        return [uuid] if uuid in driver.instances else []

    spec = InstanceSpec(uuid="", name="", vcpus=1, memory_mb=128, root_gb=1)
    return Harness("fake", driver, spec, failing, leftovers)


def _qemu(tmp: Path) -> Harness:
    from pocketstack.compute.virt.qemu.accel import Accelerator
    from pocketstack.compute.virt.qemu.driver import QemuDriver
    from pocketstack.compute.virt.qemu.imagecache import ImageCache
    from pocketstack.compute.virt.qemu.vifs import Tap
    from pocketstack.image.tiny import build_tiny, tiny_available
    from pocketstack.testing.qemu import FileImageSource, add_tiny, qemu_missing

    missing = qemu_missing()
    if missing:
        pytest.skip(missing)
    ok, why = tiny_available()
    if not ok:
        pytest.skip(f"tiny guest cannot be built here: {why}")
    source = FileImageSource()
    image = add_tiny(source, build_tiny())
    config = ComputeConfig(shutdown_timeout=20.0, destroy_timeout=2.0)

    async def isolated(vif: dict[str, Any]) -> Tap | None:
        return None

    def make() -> QemuDriver:
        return QemuDriver(
            "contract-host",
            config,
            tmp / "instances",
            ImageCache(tmp / "image-cache", source, 3600),
            Accelerator("tcg", "test"),
            isolated,
        )

    driver = make()

    def failing(spec: InstanceSpec) -> InstanceSpec:
        # More RAM than any host has: QEMU itself refuses to start.
        return replace(spec, memory_mb=64 * 1024 * 1024)

    def leftovers(uuid: str) -> list[str]:
        found = [str(p) for p in (tmp / "instances").glob(f"{uuid}*")]
        ps = subprocess.run(["ps", "-eo", "pid,stat,args"], capture_output=True, text=True).stdout
        found += [line for line in ps.splitlines() if uuid in line and " Z" not in line]
        return found

    spec = InstanceSpec(
        uuid="",
        name="",
        vcpus=1,
        memory_mb=192,
        root_gb=1,
        image=image,
        network_info=[{"id": str(uuidlib.uuid4()), "mac_address": "fa:16:3e:00:00:01", "fixed_ips": []}],
        key_data="ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJ3Y3vGGFvT7SJhqFpu8oBTXuxxlaP1hu3F5yMfDHkR3 contract",
        key_name="contract-key",
    )
    return Harness("qemu", driver, spec, failing, leftovers, boots_guest=True, reopen=make)


DRIVERS = {"fake": _fake, "qemu": _qemu}


@pytest_asyncio.fixture(scope="module", loop_scope="module", params=sorted(DRIVERS))
async def harness(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Harness]:
    h = DRIVERS[request.param](tmp_path_factory.mktemp(f"virt-{request.param}"))
    try:
        yield h
    finally:
        for uuid in await h.driver.list_instances():
            await h.driver.destroy(uuid)
        await h.driver.cleanup()


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def booted(harness: Harness) -> InstanceSpec:
    spec = harness.spec("contract-vm")
    await harness.driver.spawn(spec)
    return spec


async def wait_console(h: Harness, uuid: str, pattern: re.Pattern[str], count: int = 1, timeout: float = 90) -> str:
    if not h.boots_guest:
        return await h.driver.console_output(uuid)
    async with asyncio.timeout(timeout):
        while True:
            text = await h.driver.console_output(uuid)
            if len(pattern.findall(text)) >= count:
                return text
            await asyncio.sleep(0.2)


async def state(h: Harness, uuid: str) -> int:
    return (await h.driver.get_info(uuid)).state


async def test_spawn_leaves_a_running_listed_instance(harness: Harness, booted: InstanceSpec) -> None:
    info = await harness.driver.get_info(booted.uuid)
    assert info.state == states.RUNNING
    assert (info.vcpus, info.memory_mb) == (booted.vcpus, booted.memory_mb)
    assert booted.uuid in await harness.driver.list_instances()


async def test_console_shows_the_guest(harness: Harness, booted: InstanceSpec) -> None:
    text = await wait_console(harness, booted.uuid, MARKER)
    assert isinstance(text, str)
    if harness.boots_guest:
        assert MARKER.search(text)[1] == "contract-vm"  # type: ignore[index]
        # The keypair reached the guest through the config drive.
        assert "pocketstack-guest: key contract-key " in text


async def test_a_restarted_agent_adopts_the_running_vm(harness: Harness, booted: InstanceSpec) -> None:
    if harness.reopen is None:
        pytest.skip(f"the {harness.name} driver keeps its instances in memory only")
    fresh = harness.reopen()
    try:
        # The VM kept running without its driver; the new one finds it from the
        # pidfile and controls it over the QMP socket it left.
        assert booted.uuid in await fresh.list_instances()
        assert (await fresh.get_info(booted.uuid)).state == states.RUNNING
        await fresh.pause(booted.uuid)
        assert (await fresh.get_info(booted.uuid)).state == states.PAUSED_POWER
        await fresh.unpause(booted.uuid)
        assert (await fresh.get_info(booted.uuid)).state == states.RUNNING
        assert MARKER.search(await fresh.console_output(booted.uuid))
    finally:
        await fresh.cleanup()
    assert await state(harness, booted.uuid) == states.RUNNING


async def test_spawn_of_an_existing_uuid_fails_and_keeps_the_instance(harness: Harness, booted: InstanceSpec) -> None:
    with pytest.raises(SpawnFailed):
        await harness.driver.spawn(booted)
    assert await state(harness, booted.uuid) == states.RUNNING


async def test_failed_spawn_leaves_nothing(harness: Harness) -> None:
    spec = harness.failing(harness.spec("doomed"))
    with pytest.raises(SpawnFailed):
        await harness.driver.spawn(spec)
    assert spec.uuid not in await harness.driver.list_instances()
    assert harness.leftovers(spec.uuid) == []
    with pytest.raises(InstanceNotFound):
        await harness.driver.get_info(spec.uuid)


async def test_unknown_instance(harness: Harness) -> None:
    missing = str(uuidlib.uuid4())
    await harness.driver.destroy(missing)  # idempotent: no error
    for call in (
        harness.driver.get_info(missing),
        harness.driver.console_output(missing),
        harness.driver.power_off(missing),
        harness.driver.power_on(missing),
        harness.driver.pause(missing),
        harness.driver.reboot(missing, hard=True),
        harness.driver.detach_volume(missing, "/dev/vdb"),
    ):
        with pytest.raises(InstanceNotFound):
            await call


async def test_pause_and_unpause(harness: Harness, booted: InstanceSpec) -> None:
    await harness.driver.pause(booted.uuid)
    assert await state(harness, booted.uuid) == states.PAUSED_POWER
    with pytest.raises(InvalidPowerState):
        await harness.driver.pause(booted.uuid)
    with pytest.raises(InvalidPowerState):
        await harness.driver.suspend(booted.uuid)
    assert await state(harness, booted.uuid) == states.PAUSED_POWER
    await harness.driver.unpause(booted.uuid)
    assert await state(harness, booted.uuid) == states.RUNNING
    with pytest.raises(InvalidPowerState):
        await harness.driver.unpause(booted.uuid)


async def test_suspend_and_resume(harness: Harness, booted: InstanceSpec) -> None:
    before = await harness.driver.console_output(booted.uuid)
    await harness.driver.suspend(booted.uuid)
    assert await state(harness, booted.uuid) == states.SUSPENDED_POWER
    with pytest.raises(InvalidPowerState):
        await harness.driver.power_on(booted.uuid)
    await harness.driver.resume(booted.uuid)
    assert await state(harness, booted.uuid) == states.RUNNING
    # Restored, not rebooted: no second boot marker.
    after = await harness.driver.console_output(booted.uuid)
    assert len(MARKER.findall(after)) == len(MARKER.findall(before))


async def test_power_off_and_on(harness: Harness, booted: InstanceSpec) -> None:
    await wait_console(harness, booted.uuid, MARKER)
    await harness.driver.power_off(booted.uuid)
    assert await state(harness, booted.uuid) == states.SHUTDOWN
    assert (await harness.driver.get_info(booted.uuid)).uptime == 0.0
    for refused in (harness.driver.pause, harness.driver.unpause, harness.driver.resume, harness.driver.power_off):
        with pytest.raises(InvalidPowerState):
            await refused(booted.uuid)
    with pytest.raises(InvalidPowerState):
        await harness.driver.reboot(booted.uuid, hard=False)
    assert await state(harness, booted.uuid) == states.SHUTDOWN
    await harness.driver.power_on(booted.uuid)
    assert await state(harness, booted.uuid) == states.RUNNING
    await wait_console(harness, booted.uuid, MARKER, count=2)


async def test_reboots(harness: Harness, booted: InstanceSpec) -> None:
    seen = len(MARKER.findall(await wait_console(harness, booted.uuid, MARKER)))
    await harness.driver.reboot(booted.uuid, hard=False)
    assert await state(harness, booted.uuid) == states.RUNNING
    # Each reboot brings a boot. (A hard reset right after the soft reboot's restart,
    # while the guest was still in early boot, left the TCG guest silent in some runs:
    # the test waits for the first boot before the second reboot.)
    await wait_console(harness, booted.uuid, MARKER, count=seen + 1)
    await harness.driver.reboot(booted.uuid, hard=True)
    assert await state(harness, booted.uuid) == states.RUNNING
    await wait_console(harness, booted.uuid, MARKER, count=seen + 2)


async def test_volume_attach_and_detach(harness: Harness, booted: InstanceSpec, tmp_path: Path) -> None:
    volume = tmp_path / "volume.raw"
    volume.write_bytes(b"\0" * 1024 * 1024)
    info = {"driver_volume_type": "file", "data": {"path": str(volume), "format": "raw"}}
    await harness.driver.attach_volume(booted.uuid, info, "/dev/vdz")
    with pytest.raises(Exception, match="already in use"):
        await harness.driver.attach_volume(booted.uuid, info, "/dev/vdz")
    await harness.driver.detach_volume(booted.uuid, "/dev/vdz")
    with pytest.raises(InstanceNotFound):
        await harness.driver.detach_volume(booted.uuid, "/dev/vdz")


async def test_volume_detach_while_the_guest_is_still_booting(harness: Harness, tmp_path: Path) -> None:
    # Tempest attaches and detaches as soon as a server is ACTIVE: a TCG guest is then
    # still in early boot and misses the first unplug request.
    spec = harness.spec("early-detach")
    await harness.driver.spawn(spec)
    try:
        volume = tmp_path / "early.raw"
        volume.write_bytes(b"\0" * 1024 * 1024)
        info = {"driver_volume_type": "file", "data": {"path": str(volume), "format": "raw"}}
        await harness.driver.attach_volume(spec.uuid, info, "/dev/vdy")
        await harness.driver.detach_volume(spec.uuid, "/dev/vdy")
        with pytest.raises(InstanceNotFound):
            await harness.driver.detach_volume(spec.uuid, "/dev/vdy")
    finally:
        await harness.driver.destroy(spec.uuid)


def _qemu_img(*args: str) -> None:
    subprocess.run(["qemu-img", *args], check=True)


def _qcow2_info(path: Path) -> dict[str, Any]:
    out = subprocess.run(["qemu-img", "info", "-U", "--output=json", str(path)], capture_output=True, text=True)
    return dict(json.loads(out.stdout))


async def test_attached_qcow2_volume_snapshots_and_grows(
    harness: Harness, booted: InstanceSpec, tmp_path: Path
) -> None:
    """Internal snapshots and extend of an attached qcow2 volume, done by the hypervisor
    (the qemu driver: QMP on the volume's node while QEMU holds the file's lock)."""
    if shutil.which("qemu-img") is None:
        pytest.skip("qemu-img is not installed")
    volume = tmp_path / "volume.qcow2"
    _qemu_img("create", "-q", "-f", "qcow2", str(volume), "1M")
    info = {"driver_volume_type": "file", "data": {"path": str(volume), "format": "qcow2"}}
    driver = harness.driver
    await driver.attach_volume(booted.uuid, info, "/dev/vdy")
    try:
        await driver.volume_snapshot_create(booted.uuid, "/dev/vdy", "snap-1")
        await driver.extend_volume(booted.uuid, "/dev/vdy", 2 * 1024 * 1024)
        if isinstance(driver, FakeDriver):
            fake = driver.instances[booted.uuid]
            assert fake.volume_snapshots["/dev/vdy"] == ["snap-1"]
            assert fake.volume_sizes["/dev/vdy"] == 2 * 1024 * 1024
        else:
            # QEMU wrote both into the file it holds open.
            found = _qcow2_info(volume)
            assert [s["name"] for s in found.get("snapshots", [])] == ["snap-1"]
            assert found["virtual-size"] == 2 * 1024 * 1024
        with pytest.raises(Exception, match="exists"):
            await driver.volume_snapshot_create(booted.uuid, "/dev/vdy", "snap-1")
        await driver.volume_snapshot_delete(booted.uuid, "/dev/vdy", "snap-1")
        await driver.volume_snapshot_delete(booted.uuid, "/dev/vdy", "snap-1")  # gone already: fine
        if not isinstance(driver, FakeDriver):
            assert _qcow2_info(volume).get("snapshots", []) == []
        with pytest.raises(InstanceNotFound):
            await driver.volume_snapshot_create(booted.uuid, "/dev/vdx", "snap-2")
    finally:
        await driver.detach_volume(booted.uuid, "/dev/vdy")


async def test_attached_volume_point_in_time_copy(harness: Harness, booted: InstanceSpec, tmp_path: Path) -> None:
    """volume_backup: the hypervisor copies an attached (raw) volume into a new qcow2
    file beside it (the qemu driver: QMP drive-backup, sync full)."""
    if shutil.which("qemu-img") is None:
        pytest.skip("qemu-img is not installed")
    volume = tmp_path / "volume-b.raw"
    volume.write_bytes(b"LIVE" + bytes(1024 * 1024 - 4))
    info = {"driver_volume_type": "file", "data": {"path": str(volume), "format": "raw"}}
    driver = harness.driver
    target = tmp_path / ".snapshot-b.qcow2.part"
    await driver.attach_volume(booted.uuid, info, "/dev/vdw")
    try:
        if not isinstance(driver, FakeDriver):
            with pytest.raises(PocketError, match="not a new snapshot file"):
                await driver.volume_backup(booted.uuid, "/dev/vdw", str(tmp_path.parent / ".snapshot-b.qcow2"))
        await driver.volume_backup(booted.uuid, "/dev/vdw", str(target))
        if isinstance(driver, FakeDriver):
            assert driver.instances[booted.uuid].volume_backups == [("/dev/vdw", str(target))]
        else:
            found = _qcow2_info(target)
            assert found["format"] == "qcow2" and found["virtual-size"] == 1024 * 1024
            raw = tmp_path / "copy.raw"
            _qemu_img("convert", "-f", "qcow2", "-O", "raw", str(target), str(raw))
            assert raw.read_bytes()[:4] == b"LIVE"
        with pytest.raises(InstanceNotFound):
            await driver.volume_backup(booted.uuid, "/dev/vdv", str(target))
    finally:
        await driver.detach_volume(booted.uuid, "/dev/vdw")


async def test_interface_attach_and_detach(harness: Harness, booted: InstanceSpec) -> None:
    vif = {"id": str(uuidlib.uuid4()), "mac_address": "fa:16:3e:00:00:02", "fixed_ips": []}
    await harness.driver.attach_interface(booted.uuid, vif)
    await harness.driver.detach_interface(booted.uuid, vif)
    with pytest.raises(InstanceNotFound):
        await harness.driver.detach_interface(booted.uuid, vif)


async def test_a_nic_given_at_spawn_detaches_and_attaches_again(harness: Harness, booted: InstanceSpec) -> None:
    await wait_console(harness, booted.uuid, MARKER)
    for vif in booted.network_info:
        with pytest.raises(Conflict):
            await harness.driver.attach_interface(booted.uuid, vif)
        await harness.driver.detach_interface(booted.uuid, vif)
        with pytest.raises(InstanceNotFound):
            await harness.driver.detach_interface(booted.uuid, vif)
        await harness.driver.attach_interface(booted.uuid, vif)


async def test_snapshot_is_standalone_and_keeps_the_power_state(
    harness: Harness, booted: InstanceSpec, tmp_path: Path
) -> None:
    with pytest.raises(InstanceNotFound):
        await harness.driver.snapshot(str(uuidlib.uuid4()))
    for paused in (False, True):
        if paused:
            await harness.driver.pause(booted.uuid)
        snap = await harness.driver.snapshot(booted.uuid)
        try:
            data = b"".join([chunk async for chunk in snap.chunks()])
        finally:
            await snap.discard()
        assert len(data) == snap.size > 0
        assert snap.container_format == "bare"
        if harness.boots_guest:
            # The overlay flattened: a qcow2 with no backing file, the image cache takes it.
            copy = tmp_path / "snapshot.qcow2"
            copy.write_bytes(data)
            info = _qcow2_info(copy)
            assert snap.disk_format == info["format"] == "qcow2"
            assert "backing-filename" not in info
            assert info["virtual-size"] >= booted.root_gb * 1024**3
            assert not list((tmp_path.parent).glob(f"**/{booted.uuid}/snapshot-*"))
        assert await state(harness, booted.uuid) == (states.PAUSED_POWER if paused else states.RUNNING)
    await harness.driver.unpause(booted.uuid)


async def test_rebuild_boots_again_and_keeps_hot_plugged_interfaces(harness: Harness, booted: InstanceSpec) -> None:
    vif = {"id": str(uuidlib.uuid4()), "mac_address": "fa:16:3e:00:00:03", "fixed_ips": []}
    await harness.driver.attach_interface(booted.uuid, vif)
    seen = len(MARKER.findall(await wait_console(harness, booted.uuid, MARKER)))
    with pytest.raises(InstanceNotFound):
        await harness.driver.rebuild(harness.spec("nobody"))
    await harness.driver.rebuild(booted)
    assert await state(harness, booted.uuid) == states.RUNNING
    await wait_console(harness, booted.uuid, MARKER, count=seen + 1)
    # The NIC plugged before the rebuild is on the rebuilt VM: it can be unplugged.
    await harness.driver.detach_interface(booted.uuid, vif)


async def test_resize_on_the_same_host_reverted_then_confirmed(harness: Harness, booted: InstanceSpec) -> None:
    driver, uuid = harness.driver, booted.uuid
    seen = len(MARKER.findall(await wait_console(harness, uuid, MARKER)))
    bigger = replace(booted, vcpus=2, memory_mb=booted.memory_mb + 64, root_gb=booted.root_gb + 1)
    await driver.migrate_disk_and_power_off(uuid, same_host=True)
    assert await state(harness, uuid) == states.SHUTDOWN
    await driver.finish_migration(bigger, True, power_on=True)
    info = await driver.get_info(uuid)
    assert (info.state, info.vcpus, info.memory_mb) == (states.RUNNING, 2, bigger.memory_mb)
    if harness.boots_guest:
        root = harness.instance_dir(uuid) / "root.qcow2"
        assert _qcow2_info(root)["virtual-size"] == bigger.root_gb * 1024**3
        seen += 1
        await wait_console(harness, uuid, MARKER, count=seen)
    await driver.finish_revert_migration(uuid, power_on=True)
    info = await driver.get_info(uuid)
    assert (info.state, info.vcpus, info.memory_mb) == (states.RUNNING, booted.vcpus, booted.memory_mb)
    if harness.boots_guest:
        assert _qcow2_info(root)["virtual-size"] == booted.root_gb * 1024**3
        seen += 1
        await wait_console(harness, uuid, MARKER, count=seen)
    # Resized while stopped and confirmed: nothing kept for a revert, the new size stays.
    await driver.migrate_disk_and_power_off(uuid, same_host=True)
    await driver.finish_migration(bigger, True, power_on=False)
    assert await state(harness, uuid) == states.SHUTDOWN
    await driver.confirm_migration(uuid)
    await driver.confirm_migration(str(uuidlib.uuid4()))  # unknown: no-op
    if harness.boots_guest:
        assert not list(harness.instance_dir(uuid).glob("*.resize"))
    await driver.power_on(uuid)
    assert (await driver.get_info(uuid)).vcpus == 2
    if not harness.boots_guest:
        return
    with pytest.raises(NotImplementedYet):
        await driver.migrate_disk_and_power_off(uuid, same_host=False)
    assert await state(harness, uuid) == states.RUNNING
    await wait_console(harness, uuid, MARKER, count=seen + 1)


async def test_rescue_boots_the_rescue_image_with_the_root_disk_attached(
    harness: Harness, booted: InstanceSpec
) -> None:
    uuid = booted.uuid
    if await state(harness, uuid) != states.RUNNING:
        await harness.driver.power_on(uuid)
    seen = len(MARKER.findall(await wait_console(harness, uuid, MARKER)))
    await harness.driver.rescue(booted)
    assert await state(harness, uuid) == states.RUNNING
    if harness.boots_guest:
        pid = process_pid(harness, uuid)
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().decode().split("\0")
        assert any("rescue.qcow2" in a and "id=drive-vda" in a for a in argv)
        assert any("root.qcow2" in a and "id=drive-rescued" in a for a in argv)
        seen += 1
        await wait_console(harness, uuid, MARKER, count=seen)
    with pytest.raises(InvalidPowerState):
        await harness.driver.rescue(booted)
    await harness.driver.unrescue(uuid)
    assert await state(harness, uuid) == states.RUNNING
    if harness.boots_guest:
        assert not (harness.instance_dir(uuid) / "rescue.qcow2").exists()
        await wait_console(harness, uuid, MARKER, count=seen + 1)


def process_pid(harness: Harness, uuid: str) -> int:
    from pocketstack.compute.virt.qemu import process

    pid = process.running_pid(harness.instance_dir(uuid) / "qemu.pid", uuid)
    assert pid is not None
    return pid


async def test_trigger_crash_dump_sends_an_nmi(harness: Harness, booted: InstanceSpec) -> None:
    uuid = booted.uuid
    if await state(harness, uuid) != states.RUNNING:
        await harness.driver.power_on(uuid)
    await wait_console(harness, uuid, MARKER)
    await harness.driver.trigger_crash_dump(uuid)
    # The guest's kernel reports the NMI on its console (the tiny guest does not panic on it).
    nmi = re.compile(r"NMI")
    text = await wait_console(harness, uuid, nmi, timeout=30)
    assert nmi.search(text)
    with pytest.raises(InstanceNotFound):
        await harness.driver.trigger_crash_dump(str(uuidlib.uuid4()))
    await harness.driver.power_off(uuid)
    with pytest.raises(InvalidPowerState):
        await harness.driver.trigger_crash_dump(uuid)


async def test_destroy_removes_everything(harness: Harness, booted: InstanceSpec) -> None:
    await harness.driver.destroy(booted.uuid)
    assert booted.uuid not in await harness.driver.list_instances()
    assert harness.leftovers(booted.uuid) == []
    with pytest.raises(InstanceNotFound):
        await harness.driver.get_info(booted.uuid)
    await harness.driver.destroy(booted.uuid)

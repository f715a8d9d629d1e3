"""Volumes on a QEMU instance: hot-plug and unplug (-blockdev nodes over QMP, kept in the
instance's record so every start attaches them), growth, internal qcow2 snapshots and
full copies, by QMP while QEMU runs and by qemu-img on the file while it does not."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any

from pocketstack.common.errors import Conflict, PocketError
from pocketstack.compute.virt.driver import InstanceNotFound
from pocketstack.compute.virt.qemu import cmdline, disks, qmp
from pocketstack.compute.virt.qemu.instances import Instances
from pocketstack.compute.virt.qemu.layout import Record


class Volumes:
    def __init__(self, vms: Instances) -> None:
        self.vms = vms

    async def attach_volume(self, uuid: str, connection_info: dict[str, Any], mountpoint: str) -> None:
        d = self.vms.known(uuid)
        dev = _device(mountpoint)
        async with self.vms.locked(uuid):
            record = Record.load(d.record_file)
            if mountpoint in record.volumes:
                raise Conflict(f"{mountpoint} is already in use on instance {uuid}.")
            try:
                blockdev = cmdline.volume_blockdev(dev, connection_info)
            except ValueError as exc:
                raise PocketError(f"Cannot attach a volume to {uuid}: {exc}") from None
            if self.vms.pid(d) is not None:
                async with qmp.session(d.qmp) as s:
                    await s.execute("blockdev-add", blockdev)
                    try:
                        await s.execute("device_add", cmdline.volume_device(dev))
                    except qmp.QMPFailed:
                        await s.execute("blockdev-del", {"node-name": blockdev["node-name"]})
                        raise
            record.volumes[mountpoint] = connection_info
            record.save(d.record_file)

    def volume_node(self, uuid: str, record: Record, mountpoint: str) -> tuple[str, dict[str, Any]]:
        """The QMP name of the volume's block node and its connection info: a hot-plugged
        volume is the -blockdev format node ``vol-<dev>``; the root volume is the format
        node behind the -drive ``drive-vda`` (QMP takes either name as ``device``)."""
        if mountpoint in record.volumes:
            return f"vol-{_device(mountpoint)}", record.volumes[mountpoint]
        for bdm in record.spec.get("block_devices") or []:
            if bdm.get("boot_index") == 0 and bdm.get("device") == mountpoint:
                return "drive-vda", bdm.get("connection_info") or {}
        raise InstanceNotFound(f"No volume at {mountpoint} on instance {uuid}.")

    async def extend_volume(self, uuid: str, mountpoint: str, new_size_bytes: int) -> None:
        """QMP block_resize on the volume's format node: QEMU grows the file (a qcow2
        file's metadata too, which only the process holding it may change) and tells
        the guest (virtio-blk config change), so the guest sees the new size at once."""
        d = self.vms.known(uuid)
        async with self.vms.locked(uuid):
            record = Record.load(d.record_file)
            node, info = self.volume_node(uuid, record, mountpoint)
            if self.vms.pid(d) is None:
                # Not running: the file is free, so grow it here; the next start opens it
                # at its new size (a raw file the volume service already grew is left).
                path, fmt = _volume_file(uuid, info)
                if fmt == "qcow2":
                    await _qemu_img("resize", "-q", "-f", "qcow2", str(path), str(new_size_bytes))
                return
            target = {"node-name": node} if node.startswith("vol-") else {"device": node}
            await self.vms.qmp(d, "block_resize", {**target, "size": new_size_bytes})

    async def volume_snapshot_create(self, uuid: str, mountpoint: str, name: str) -> None:
        """Internal qcow2 snapshot: QMP blockdev-snapshot-internal-sync on the volume's
        node while QEMU runs (atomic for the guest: in-flight writes drain first); with
        no QEMU running, qemu-img on the file."""
        d = self.vms.known(uuid)
        async with self.vms.locked(uuid):
            record = Record.load(d.record_file)
            node, info = self.volume_node(uuid, record, mountpoint)
            path, fmt = _volume_file(uuid, info)
            if fmt != "qcow2":
                raise PocketError(
                    f"The volume at {mountpoint} of instance {uuid} is {fmt}; only qcow2 holds snapshots."
                )
            if self.vms.pid(d) is None:
                await _qemu_img("snapshot", "-c", name, str(path))
                return
            await self.vms.qmp(d, "blockdev-snapshot-internal-sync", {"device": node, "name": name})

    async def volume_backup(self, uuid: str, mountpoint: str, target: str) -> None:
        """QMP drive-backup, sync full, into a new qcow2 ``target``: copy-before-write, so
        the copy is the disk at the job's start while the guest goes on writing. The
        call returns when the job completed (BLOCK_JOB_COMPLETED). With no QEMU running,
        qemu-img convert of the (then unchanging) file."""
        d = self.vms.known(uuid)
        dev = _device(mountpoint)
        async with self.vms.locked(uuid):
            record = Record.load(d.record_file)
            node, info = self.volume_node(uuid, record, mountpoint)
            path, fmt = _volume_file(uuid, info)
            dest = Path(target)
            # QEMU runs as root: it writes only a snapshot file beside the volume's own.
            if dest.parent != path.parent or not dest.name.startswith(".snapshot-") or dest.exists():
                raise PocketError(f"The copy target {target} is not a new snapshot file beside {path.name}.")
            if self.vms.pid(d) is None:
                await _qemu_img("convert", "-q", "-f", fmt, "-O", "qcow2", str(path), str(dest))
                return
            job = f"backup-{dev}"
            args = {"job-id": job, "device": node, "target": str(dest), "format": "qcow2", "sync": "full"}
            async with qmp.session(d.qmp) as s:
                done = await s.execute_then_event("drive-backup", args, "BLOCK_JOB_COMPLETED", {"device": job}, 100)
                if done is None:
                    with contextlib.suppress(qmp.QMPFailed):
                        await s.execute("block-job-cancel", {"device": job, "force": True})
            if done is None or done.get("error"):
                with contextlib.suppress(OSError):
                    dest.unlink()
                why = done.get("error") if done else "it did not complete within 100s"
                raise PocketError(f"Copying the volume at {mountpoint} of {uuid} failed: {why}")

    async def volume_snapshot_delete(self, uuid: str, mountpoint: str, name: str) -> None:
        d = self.vms.known(uuid)
        async with self.vms.locked(uuid):
            record = Record.load(d.record_file)
            node, info = self.volume_node(uuid, record, mountpoint)
            path, _fmt = _volume_file(uuid, info)
            try:
                if self.vms.pid(d) is None:
                    await _qemu_img("snapshot", "-d", name, str(path))
                else:
                    await self.vms.qmp(d, "blockdev-snapshot-delete-internal-sync", {"device": node, "name": name})
            except PocketError as exc:
                # Gone already (a retried delete): the wanted end state.
                if "not found" not in exc.message and "does not exist" not in exc.message:
                    raise

    async def detach_volume(self, uuid: str, mountpoint: str) -> None:
        d = self.vms.known(uuid)
        dev = _device(mountpoint)
        async with self.vms.locked(uuid):
            record = Record.load(d.record_file)
            if mountpoint not in record.volumes:
                raise InstanceNotFound(f"No volume at {mountpoint} on instance {uuid}.")
            if self.vms.pid(d) is not None:
                await self.vms.unplug(d, f"disk-{dev}")
                await self.vms.qmp(d, "blockdev-del", {"node-name": f"vol-{dev}"})
            del record.volumes[mountpoint]
            record.save(d.record_file)


async def _qemu_img(*args: str) -> None:
    try:
        await disks.run("qemu-img", *args)
    except disks.DiskError as exc:
        raise PocketError(str(exc)) from None


def _volume_file(uuid: str, connection_info: dict[str, Any]) -> tuple[Path, str]:
    try:
        return cmdline.volume_file(connection_info)
    except ValueError as exc:
        raise PocketError(f"A volume of instance {uuid} cannot be opened: {exc}") from None


def _device(mountpoint: str) -> str:
    try:
        return cmdline.device_name(mountpoint)
    except ValueError as exc:
        raise PocketError(str(exc)) from None

"""Network devices on a QEMU instance: hot-plug of a port's NIC (netdev + virtio-net over
QMP, kept in the record so every start brings it) and its unplug, a NIC of the command
line included."""

from __future__ import annotations

from typing import Any

from pocketstack.common.errors import Conflict, PocketError
from pocketstack.compute.virt.driver import InstanceNotFound
from pocketstack.compute.virt.qemu import cmdline, qmp
from pocketstack.compute.virt.qemu.instances import Instances
from pocketstack.compute.virt.qemu.layout import Record
from pocketstack.compute.virt.qemu.vifs import VifResolver


class Nics:
    def __init__(self, vms: Instances, resolve_vif: VifResolver) -> None:
        self.vms = vms
        self.resolve_vif = resolve_vif

    async def attach_interface(self, uuid: str, vif: dict[str, Any]) -> None:
        d = self.vms.known(uuid)
        async with self.vms.locked(uuid):
            record = Record.load(d.record_file)
            spawned = {v["id"] for v in record.spec.get("network_info") or []}
            if vif["id"] in record.interfaces or vif["id"] in spawned:
                raise Conflict(f"Interface {vif['id']} is already attached to instance {uuid}.")
            tap = await self.resolve_vif(vif)
            if tap is not None and tap.namespace != record.namespace:
                raise PocketError(
                    f"Port {vif['id']} is plugged in namespace {tap.namespace}, "
                    f"but instance {uuid} runs in {record.namespace or 'the host namespace'}."
                )
            nic = cmdline.Nic(vif["id"], vif["mac_address"], tap)
            if self.vms.pid(d) is not None:
                netdev, device = cmdline.nic_qmp(nic)
                async with qmp.session(d.qmp) as s:
                    await s.execute("netdev_add", netdev)
                    try:
                        await s.execute("device_add", device)
                    except qmp.QMPFailed:
                        await s.execute("netdev_del", {"id": netdev["id"]})
                        raise
            record.interfaces[vif["id"]] = {"vif": vif, "tap": [tap.namespace, tap.name] if tap else None}
            record.save(d.record_file)

    async def detach_interface(self, uuid: str, vif: dict[str, Any]) -> None:
        d = self.vms.known(uuid)
        async with self.vms.locked(uuid):
            record = Record.load(d.record_file)
            spawned = [v for v in record.spec.get("network_info") or [] if v["id"] != vif["id"]]
            at_spawn = len(spawned) != len(record.spec.get("network_info") or [])
            if vif["id"] not in record.interfaces and not at_spawn:
                raise InstanceNotFound(f"Interface {vif['id']} is not attached to instance {uuid}.")
            if self.vms.pid(d) is not None:
                ident = vif["id"][:13]
                await self.vms.unplug(d, f"nic-{ident}")
                await self.vms.qmp(d, "netdev_del", {"id": f"net-{ident}"})
            if at_spawn:
                # A NIC from the command line: gone from it too, or the next start brings it back.
                record.spec["network_info"] = spawned
                record.argv = cmdline.without_nic(record.argv, vif["id"])
            record.interfaces.pop(vif["id"], None)
            record.save(d.record_file)

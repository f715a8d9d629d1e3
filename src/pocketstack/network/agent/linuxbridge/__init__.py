"""The ``linuxbridge`` network backend: namespaces, bridges, taps, dnsmasq, iptables/nftables.

``cleanup_all(data_dir)`` removes everything a cloud instance made (``pocketstack down``);
``vif_device(data_dir, host, port_id)`` is the (namespace, tap) QEMU attaches a NIC to.
"""

from __future__ import annotations

from pocketstack.network.agent.linuxbridge.backend import LinuxBridgeBackend, cleanup_all, vif_device

__all__ = ["LinuxBridgeBackend", "cleanup_all", "vif_device"]

"""Which tap, in which namespace, a port's NIC attaches to.

The network agent plugs a tap for each port bound to this host; the driver only opens
it (QEMU runs inside that namespace: ``ip netns exec NS qemu ... -netdev tap,ifname=TAP``).
The answer comes from the port's ``binding:vif_details`` when the network side says
(``namespace``, ``devname``), else from the linuxbridge backend's naming rules (the
host namespace of this cloud, ``tap`` + 11 characters of the port id) when that tap is
really there. A port with no tap on this host (the fake network backend) gets a NIC on
an isolated QEMU hub: the guest sees its NIC and MAC, with no link to anything.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from pocketstack.common.hostnames import tap_name


@dataclass(frozen=True)
class Tap:
    namespace: str | None
    name: str


# vif -> where its tap is, or None for an isolated NIC.
VifResolver = Callable[[dict[str, Any]], Awaitable[Tap | None]]


async def tap_exists(namespace: str | None, name: str) -> bool:
    argv = ["ip", *(["-n", namespace] if namespace else []), "link", "show", "dev", name]
    proc = await asyncio.create_subprocess_exec(
        *argv, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL
    )
    return await proc.wait() == 0


def resolver(host_namespace: Callable[[], str | None]) -> VifResolver:
    """The default resolver; ``host_namespace`` names the linuxbridge host namespace."""

    async def resolve(vif: dict[str, Any]) -> Tap | None:
        details = vif.get("details") or {}
        name = str(details.get("devname") or tap_name(vif["id"]))
        namespace = details.get("namespace") or host_namespace()
        if namespace and await tap_exists(namespace, name):
            return Tap(namespace, name)
        return None

    return resolve

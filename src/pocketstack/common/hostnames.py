"""The host data plane's names: the contract between the network agent and the hypervisor.

Both agents of a host work on the same kernel objects: the network agent creates a port's
tap in the host's namespace, and the compute driver (QEMU) opens that tap for the VM's
NIC. Neither imports the other; both take the names from here.

- ``pocketstack-<cloud>-<host>``: the host's data-plane namespace, ``<cloud>`` a short hash
  of the cloud's data directory (two clouds on one machine never share a namespace);
- ``tap<port id[:11]>``: a port's tap (Linux's 15-character interface names, as Neutron).
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

NS_PREFIX = "pocketstack-"


def cloud_id(data_dir: Path | str) -> str:
    """A short id of the cloud instance: stable for one data directory."""
    resolved = str(Path(data_dir).expanduser().resolve())
    return hashlib.sha256(resolved.encode()).hexdigest()[:6]


def cloud_prefix(data_dir: Path | str) -> str:
    return f"{NS_PREFIX}{cloud_id(data_dir)}-"


def host_token(host: str) -> str:
    """``host`` as it may appear in a namespace name (a file name under /run/netns)."""
    token = re.sub(r"[^A-Za-z0-9_.]", "_", host)[:40]
    if token != host:
        token += "_" + hashlib.sha256(host.encode()).hexdigest()[:4]
    return token


def host_namespace(data_dir: Path | str, host: str) -> str:
    """The namespace holding ``host``'s bridges, taps and firewall."""
    return f"{cloud_prefix(data_dir)}{host_token(host)}"


def tap_name(port_id: str) -> str:
    return f"tap{port_id[:11]}"

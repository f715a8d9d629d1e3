"""Names of everything the linuxbridge backend creates, in one place.

Namespaces carry the prefix ``pocketstack-<cloud>-`` where ``<cloud>`` is a short hash of
the cloud's data directory, so two clouds (or two test runs) on one machine never touch
each other's objects, and ``cleanup_all`` can find exactly this cloud's namespaces:

- ``pocketstack-<cloud>-<host>``: the host's data plane (bridges, taps, firewall);
- ``pocketstack-<cloud>-<host>-qdhcp-<network id>``: one dnsmasq per network;
- ``pocketstack-<cloud>-<host>-qrouter-<router id>``: one router.

Interface names live inside those namespaces and obey Linux's 15-character limit, hence
the 11-character id prefixes (as Neutron does).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pocketstack.common.hostnames import NS_PREFIX, cloud_id, cloud_prefix, host_namespace, tap_name
from pocketstack.common.hostnames import host_token as _host_token

__all__ = ["NS_PREFIX", "Names", "cloud_id", "cloud_prefix"]

QDHCP = "-qdhcp-"
QROUTER = "-qrouter-"
IFNAMSIZ = 15


def _short(kind: str, ident: str) -> str:
    name = f"{kind}{ident[:11]}"
    assert len(name) <= IFNAMSIZ
    return name


@dataclass(frozen=True)
class Names:
    """The names one host's backend uses."""

    data_dir: Path
    host: str

    @property
    def prefix(self) -> str:
        return cloud_prefix(self.data_dir)

    @property
    def host_ns(self) -> str:
        return host_namespace(self.data_dir, self.host)

    def dhcp_ns(self, network_id: str) -> str:
        return f"{self.host_ns}{QDHCP}{network_id}"

    def router_ns(self, router_id: str) -> str:
        return f"{self.host_ns}{QROUTER}{router_id}"

    @property
    def state_dir(self) -> Path:
        return self.data_dir / "network" / _host_token(self.host)

    def dhcp_dir(self, network_id: str) -> Path:
        return self.state_dir / "dhcp" / network_id


def bridge(network_id: str) -> str:
    return _short("brq", network_id)


def tap(port_id: str) -> str:
    return tap_name(port_id)


def dhcp_host_side(network_id: str) -> str:
    return _short("dh", network_id)


def dhcp_ns_side(network_id: str) -> str:
    return _short("ns-", network_id)


def router_host_side(port_id: str) -> str:
    return _short("rh", port_id)


def router_leg(port_id: str) -> str:
    return _short("qr-", port_id)


def router_gateway(port_id: str) -> str:
    return _short("qg-", port_id)

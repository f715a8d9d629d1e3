"""IPAM arithmetic: CIDR parsing, default pools around the gateway, pool validation."""

from __future__ import annotations

import ipaddress

import pytest

from pocketstack.common.errors import Conflict, Invalid
from pocketstack.network import ipam


def test_parse_cidr_accepts_canonical_networks() -> None:
    assert str(ipam.parse_cidr("10.0.0.0/24", 4)) == "10.0.0.0/24"
    assert str(ipam.parse_cidr("fd00::/64", 6)) == "fd00::/64"


@pytest.mark.parametrize("text", ["10.0.0.1/24", "10.0.0.0", "10.0.0.0/31", "x", "fd00::/127", "10.0.0.0/-1"])
def test_parse_cidr_refuses(text: str) -> None:
    with pytest.raises(Invalid):
        ipam.parse_cidr(text)


def test_parse_cidr_checks_the_version() -> None:
    with pytest.raises(Invalid, match="ip_version 6"):
        ipam.parse_cidr("10.0.0.0/24", 6)


def test_default_pools_skip_network_broadcast_and_gateway() -> None:
    net = ipaddress.ip_network("10.0.0.0/24")
    assert ipam.default_pools(net, "10.0.0.1") == [{"start": "10.0.0.2", "end": "10.0.0.254"}]
    assert ipam.default_pools(net, "10.0.0.100") == [
        {"start": "10.0.0.1", "end": "10.0.0.99"},
        {"start": "10.0.0.101", "end": "10.0.0.254"},
    ]
    assert ipam.default_pools(net, None) == [{"start": "10.0.0.1", "end": "10.0.0.254"}]
    v6 = ipaddress.ip_network("fd00::/126")
    assert ipam.default_pools(v6, "fd00::1") == [{"start": "fd00::2", "end": "fd00::3"}]


def test_check_pools_sorts_and_validates() -> None:
    net = ipaddress.ip_network("10.0.0.0/24")
    pools = [{"start": "10.0.0.50", "end": "10.0.0.60"}, {"start": "10.0.0.10", "end": "10.0.0.20"}]
    assert ipam.check_pools(net, pools, "10.0.0.1") == sorted(pools, key=lambda p: int(p["start"].split(".")[3]))
    with pytest.raises(Conflict, match="overlapping"):
        ipam.check_pools(net, [*pools, {"start": "10.0.0.55", "end": "10.0.0.70"}], None)
    with pytest.raises(Conflict, match="conflicts"):
        ipam.check_pools(net, pools, "10.0.0.15")
    with pytest.raises(Invalid, match="spans beyond"):
        ipam.check_pools(net, [{"start": "10.0.0.250", "end": "10.0.1.5"}], None)
    with pytest.raises(Invalid):
        ipam.check_pools(net, [{"start": "fd00::1", "end": "fd00::5"}], None)


def test_pool_size_and_random_candidates_stay_in_the_pools() -> None:
    pools = [{"start": "10.0.0.2", "end": "10.0.0.5"}, {"start": "10.0.0.100", "end": "10.0.0.100"}]
    assert ipam.pool_size(pools) == 5
    allowed = {"10.0.0.2", "10.0.0.3", "10.0.0.4", "10.0.0.5", "10.0.0.100"}
    for _ in range(50):
        picks = ipam._random_candidates(pools, 4, 16)
        assert picks and set(picks) <= allowed


def test_overlaps_only_within_an_ip_version() -> None:
    assert ipam.overlaps("10.0.0.0/16", "10.0.5.0/24")
    assert not ipam.overlaps("10.0.0.0/24", "10.0.1.0/24")
    assert not ipam.overlaps("10.0.0.0/24", "fd00::/64")

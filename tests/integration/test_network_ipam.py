"""IPAM and first-use races on every database: SQLite serializes writers, PostgreSQL and
MariaDB really run the transactions concurrently and rely on the unique keys + retry."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from pocketstack.common.config import Config
from tests.api.network_support import error, network_api

pytestmark = pytest.mark.integration


async def test_200_concurrent_port_creates_never_share_an_address(db_url: str, tmp_path: Path) -> None:
    config = Config(data_dir=tmp_path)
    config.database.url = db_url
    async with network_api(tmp_path, config=config) as api:
        net = await api.network("demo", name="race")
        await api.subnet(
            net["id"], "10.0.0.0/24", "demo", allocation_pools=[{"start": "10.0.0.10", "end": "10.0.0.160"}]
        )

        async def one() -> tuple[int, str]:
            # Each first port of the project also races to create its default security group.
            r = await api.post("ports", {"port": {"network_id": net["id"]}}, "demo")
            if r.status_code == 201:
                return 201, r.json()["port"]["fixed_ips"][0]["ip_address"]
            return r.status_code, error(r)["type"]

        results = await asyncio.gather(*(one() for _ in range(200)))
        created = [ip for status, ip in results if status == 201]
        assert len(created) == 150 and len(set(created)) == 150
        assert sorted({(s, k) for s, k in results if s != 201}) == [(409, "IpAddressGenerationFailure")]
        groups = (await api.get("security-groups", "demo")).json()["security_groups"]
        assert [g["name"] for g in groups] == ["default"]
        ports = (await api.get("ports", "demo", network_id=net["id"])).json()["ports"]
        assert {p["security_groups"][0] for p in ports if p["device_owner"] == ""} == {groups[0]["id"]}

"""os-simple-tenant-usage and os-availability-zone/detail with the fake driver."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from pocketstack.common.timeutils import utcnow
from tests.api.compute_support import V, cloud, mv


def _iso(value: dt.datetime) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%S")


async def test_usage_counts_running_and_deleted_servers(tmp_path: Path) -> None:
    async with cloud(tmp_path) as c:
        kept = (await c.boot("kept"))["server"]["id"]
        gone = (await c.boot("gone"))["server"]["id"]
        await c.wait(kept, "ACTIVE")
        await c.wait(gone, "ACTIVE")
        assert (await c.client.delete(f"{V}/servers/{gone}", headers=mv("demo"))).status_code == 204
        await c.wait_gone(gone)
        now = utcnow()
        period = f"start={_iso(now - dt.timedelta(hours=1))}&end={_iso(now + dt.timedelta(hours=1))}"
        listed = await c.client.get(f"{V}/os-simple-tenant-usage?detailed=1&{period}", headers=mv("admin"))
        assert listed.status_code == 200, listed.text
        (tenant,) = listed.json()["tenant_usages"]
        servers = {u["instance_id"]: u for u in tenant["server_usages"]}
        assert set(servers) == {kept, gone}
        assert servers[gone]["state"] == "terminated" and servers[gone]["ended_at"]
        assert servers[kept]["state"] == "active" and servers[kept]["ended_at"] is None
        assert servers[kept]["vcpus"] == 1 and servers[kept]["memory_mb"] == 512 and servers[kept]["local_gb"] == 1
        assert tenant["total_hours"] > 0
        assert abs(tenant["total_memory_mb_usage"] - 512 * tenant["total_hours"]) < 1e-6
        # A period before the servers existed: nothing.
        before = f"start={_iso(now - dt.timedelta(days=2))}&end={_iso(now - dt.timedelta(days=1))}"
        empty = await c.client.get(f"{V}/os-simple-tenant-usage?{before}", headers=mv("admin"))
        assert empty.json()["tenant_usages"] == []
        # The project's own view; another project's is refused; the list is admin only.
        project = tenant["tenant_id"]
        own = await c.client.get(f"{V}/os-simple-tenant-usage/{project}?{period}", headers=mv("demo"))
        assert own.status_code == 200 and len(own.json()["tenant_usage"]["server_usages"]) == 2
        assert (
            await c.client.get(f"{V}/os-simple-tenant-usage/{project}?{period}", headers=mv("alt"))
        ).status_code == 403
        assert (await c.client.get(f"{V}/os-simple-tenant-usage?{period}", headers=mv("demo"))).status_code == 403
        # Paging from 2.40: one server per page, a next link with the marker.
        page = await c.client.get(
            f"{V}/os-simple-tenant-usage?detailed=1&limit=1&{period}", headers=mv("admin", "2.40")
        )
        assert len(page.json()["tenant_usages"][0]["server_usages"]) == 1
        assert "marker=" in page.json()["tenant_usages_links"][0]["href"]
        # Bad input.
        bad = await c.client.get(f"{V}/os-simple-tenant-usage?start=yesterday", headers=mv("admin"))
        assert bad.status_code == 400 and "start" in bad.text
        backwards = f"start={_iso(now)}&end={_iso(now - dt.timedelta(hours=1))}"
        assert (await c.client.get(f"{V}/os-simple-tenant-usage?{backwards}", headers=mv("admin"))).status_code == 400


async def test_availability_zone_detail(tmp_path: Path) -> None:
    async with cloud(tmp_path, hosts=2) as c:
        detail = await c.client.get(f"{V}/os-availability-zone/detail", headers=mv("admin"))
        assert detail.status_code == 200, detail.text
        (zone,) = detail.json()["availabilityZoneInfo"]
        assert zone["zoneName"] == "nova" and zone["zoneState"]["available"] is True
        assert set(zone["hosts"]) == {"fake-host-1", "fake-host-2"}
        assert zone["hosts"]["fake-host-1"]["nova-compute"]["available"] is True
        assert (await c.client.get(f"{V}/os-availability-zone/detail", headers=mv("demo"))).status_code == 403

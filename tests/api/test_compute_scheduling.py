"""Scheduling policies end to end: host aggregates (API, availability zones, flavor
extra specs against aggregate metadata), image properties, server group affinity and
the soft policies."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from pocketstack.bus import rpc
from pocketstack.testing.service import auth
from tests.api.compute_support import Cloud, V, cloud, make_image, mv

ADMIN = mv("admin", "2.41")


async def _aggregate(c: Cloud, name: str, zone: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"name": name}
    if zone:
        body["availability_zone"] = zone
    r = await c.client.post(V + "/os-aggregates", json={"aggregate": body}, headers=ADMIN)
    assert r.status_code == 200, r.text
    return dict(r.json()["aggregate"])


async def _act(c: Cloud, agg_id: int, body: dict[str, Any], expect: int = 200) -> dict[str, Any]:
    r = await c.client.post(f"{V}/os-aggregates/{agg_id}/action", json=body, headers=ADMIN)
    assert r.status_code == expect, r.text
    return dict(r.json())


async def _host_of(c: Cloud, sid: str, status: str = "ACTIVE") -> str:
    return str((await c.wait(sid, status))["OS-EXT-SRV-ATTR:host"])


async def test_aggregates_api(tmp_path: Path) -> None:
    async with cloud(tmp_path, hosts=2) as c:
        assert (await c.client.get(V + "/os-aggregates", headers=auth("demo"))).status_code == 403
        agg = await _aggregate(c, "rack-1", "zone-a")
        # Nova's create answers without hosts and metadata (Tempest's schema refuses them).
        assert agg["availability_zone"] == "zone-a" and agg["uuid"]
        assert "hosts" not in agg and "metadata" not in agg
        shown = (await c.client.get(f"{V}/os-aggregates/{agg['id']}", headers=ADMIN)).json()["aggregate"]
        assert shown["metadata"] == {"availability_zone": "zone-a"} and shown["hosts"] == []
        dup = await c.client.post(V + "/os-aggregates", json={"aggregate": {"name": "rack-1"}}, headers=ADMIN)
        assert dup.status_code == 409
        bad = await c.client.post(V + "/os-aggregates", json={"aggregate": {"name": ""}}, headers=ADMIN)
        assert bad.status_code == 400
        added = (await _act(c, agg["id"], {"add_host": {"host": "fake-host-1"}}))["aggregate"]
        assert added["hosts"] == ["fake-host-1"]
        await _act(c, agg["id"], {"add_host": {"host": "fake-host-1"}}, expect=409)
        await _act(c, agg["id"], {"add_host": {"host": "no-such-host"}}, expect=404)
        await _act(c, agg["id"], {"remove_host": {"host": "fake-host-2"}}, expect=404)
        await _act(c, agg["id"], {"frobnicate": {}}, expect=400)
        meta = (await _act(c, agg["id"], {"set_metadata": {"metadata": {"ssd": "true", "gpu": "no"}}}))["aggregate"]
        assert meta["metadata"] == {"availability_zone": "zone-a", "ssd": "true", "gpu": "no"}
        meta = (await _act(c, agg["id"], {"set_metadata": {"metadata": {"gpu": None}}}))["aggregate"]
        assert "gpu" not in meta["metadata"]
        # One host, one zone: a second aggregate naming another zone cannot take it.
        other = await _aggregate(c, "rack-2", "zone-b")
        await _act(c, other["id"], {"add_host": {"host": "fake-host-1"}}, expect=400)
        r = await c.client.put(
            f"{V}/os-aggregates/{agg['id']}", json={"aggregate": {"name": "rack-one"}}, headers=ADMIN
        )
        assert r.status_code == 200 and r.json()["aggregate"]["name"] == "rack-one"
        shown = await c.client.get(f"{V}/os-aggregates/{agg['uuid']}", headers=ADMIN)
        assert shown.json()["aggregate"]["id"] == agg["id"]
        listed = await c.client.get(V + "/os-aggregates", headers=ADMIN)
        assert [a["name"] for a in listed.json()["aggregates"]] == ["rack-one", "rack-2"]
        zones = await c.client.get(V + "/os-availability-zone", headers=auth("demo"))
        assert {z["zoneName"] for z in zones.json()["availabilityZoneInfo"]} == {"zone-a", "nova"}
        assert (await c.client.delete(f"{V}/os-aggregates/{agg['id']}", headers=ADMIN)).status_code == 400
        await _act(c, agg["id"], {"remove_host": {"host": "fake-host-1"}})
        assert (await c.client.delete(f"{V}/os-aggregates/{agg['id']}", headers=ADMIN)).status_code == 200
        assert (await c.client.get(f"{V}/os-aggregates/{agg['id']}", headers=ADMIN)).status_code == 404


async def test_availability_zone_and_extra_specs_follow_aggregates(tmp_path: Path) -> None:
    async with cloud(tmp_path, hosts=3) as c:
        zone = await _aggregate(c, "edge", "edge-zone")
        await _act(c, zone["id"], {"add_host": {"host": "fake-host-3"}})
        sid = (await c.boot("in-zone", availability_zone="edge-zone"))["server"]["id"]
        server = await c.wait(sid, "ACTIVE")
        assert server["OS-EXT-SRV-ATTR:host"] == "fake-host-3"
        assert server["OS-EXT-AZ:availability_zone"] == "edge-zone"
        nowhere = (await c.boot("nowhere", availability_zone="mars"))["server"]["id"]
        assert "AvailabilityZoneFilter removed 3" in (await c.wait(nowhere, "ERROR"))["fault"]["message"]

        fast = await _aggregate(c, "fast-disks")
        await _act(c, fast["id"], {"add_host": {"host": "fake-host-2"}})
        await _act(c, fast["id"], {"set_metadata": {"metadata": {"ssd": "true"}}})
        r = await c.client.post(
            V + "/flavors",
            headers=auth("admin"),
            json={"flavor": {"name": "ssd.tiny", "id": "ssd", "ram": 512, "vcpus": 1, "disk": 1}},
        )
        assert r.status_code == 200, r.text
        specs = {"extra_specs": {"aggregate_instance_extra_specs:ssd": "true", "hw:cpu_policy": "shared"}}
        r = await c.client.post(V + "/flavors/ssd/os-extra_specs", json=specs, headers=auth("admin"))
        assert r.status_code == 200, r.text
        placed = await asyncio.gather(*(c.boot(f"ssd-{i}", flavorRef="ssd") for i in range(3)))
        assert {await _host_of(c, p["server"]["id"]) for p in placed} == {"fake-host-2"}
        # Unscoped specs count too, and nothing offers "nvme".
        r = await c.client.post(
            V + "/flavors/ssd/os-extra_specs", json={"extra_specs": {"nvme": "yes"}}, headers=auth("admin")
        )
        assert r.status_code == 200
        refused = (await c.boot("nvme", flavorRef="ssd"))["server"]["id"]
        message = (await c.wait(refused, "ERROR"))["fault"]["message"]
        assert "AggregateInstanceExtraSpecsFilter removed 3" in message


async def test_image_properties_pick_matching_hosts(tmp_path: Path) -> None:
    async with cloud(tmp_path, hosts=2) as c:
        arm = await make_image(c.client, name="arm", architecture="aarch64")
        sid = (await c.boot("arm", imageRef=arm))["server"]["id"]
        assert "ImagePropertiesFilter removed 2" in (await c.wait(sid, "ERROR"))["fault"]["message"]
        kvm_only = await make_image(c.client, name="kvm", hypervisor_type="kvm")
        sid = (await c.boot("kvm", imageRef=kvm_only))["server"]["id"]
        assert "ImagePropertiesFilter removed 2" in (await c.wait(sid, "ERROR"))["fault"]["message"]
        fits = await make_image(c.client, name="x86", architecture="x86_64", hypervisor_type="fake")
        sid = (await c.boot("x86", imageRef=fits))["server"]["id"]
        assert (await c.wait(sid, "ACTIVE"))["status"] == "ACTIVE"


async def _group(c: Cloud, policy: str) -> str:
    r = await c.client.post(
        V + "/os-server-groups",
        headers=mv("demo", "2.64"),
        json={"server_group": {"name": policy, "policy": policy}},
    )
    assert r.status_code == 200, r.text
    return str(r.json()["server_group"]["id"])


async def _boot_in(c: Cloud, name: str, gid: str) -> str:
    body = {
        "server": {"name": name, "flavorRef": "1", "imageRef": c.image_id, "networks": "none"},
        "os:scheduler_hints": {"group": gid},
    }
    r = await c.client.post(V + "/servers", json=body, headers=mv("demo", "2.37"))
    assert r.status_code == 202, r.text
    return str(r.json()["server"]["id"])


async def test_group_policies_place_members(tmp_path: Path) -> None:
    async with cloud(tmp_path, hosts=3) as c:
        await c.client.put(
            V + "/os-quota-sets/p-demo",
            headers=auth("admin"),
            json={"quota_set": {"instances": 30, "cores": 30, "server_group_members": 20}},
        )
        together = await _group(c, "affinity")
        hosts = [await _host_of(c, await _boot_in(c, f"a{i}", together)) for i in range(3)]
        assert len(set(hosts)) == 1
        soft_together = await _group(c, "soft-affinity")
        hosts = [await _host_of(c, await _boot_in(c, f"sa{i}", soft_together)) for i in range(3)]
        assert len(set(hosts)) == 1
        soft_apart = await _group(c, "soft-anti-affinity")
        hosts = [await _host_of(c, await _boot_in(c, f"sn{i}", soft_apart)) for i in range(4)]
        # Spread over all three hosts first; the fourth still lands (soft: never refused).
        assert len(set(hosts[:3])) == 3 and hosts[3] in hosts[:3]
        # Affinity with the first member's host disabled: no host may take the next member.
        services = (await c.client.get(V + "/os-services", headers=mv("admin", "2.53"))).json()["services"]
        anchor_host = await _affinity_host(c, together)
        anchor = next(s for s in services if s["host"] == anchor_host)
        r = await c.client.put(
            f"{V}/os-services/{anchor['id']}", json={"status": "disabled"}, headers=mv("admin", "2.53")
        )
        assert r.status_code == 200
        stuck = await _boot_in(c, "a-late", together)
        message = (await c.wait(stuck, "ERROR"))["fault"]["message"]
        assert "No valid host" in message and ("ComputeFilter removed 1" in message)
        assert "ServerGroupAffinityFilter removed 2" in message


async def _affinity_host(c: Cloud, gid: str) -> str:
    group = (await c.client.get(f"{V}/os-server-groups/{gid}", headers=mv("demo", "2.64"))).json()["server_group"]
    return str((await c.show(group["members"][0]))["OS-EXT-SRV-ATTR:host"])


async def test_server_group_quotas(tmp_path: Path) -> None:
    async with cloud(tmp_path) as c:
        r = await c.client.put(
            V + "/os-quota-sets/p-demo",
            headers=auth("admin"),
            json={"quota_set": {"server_groups": 1, "server_group_members": 2}},
        )
        assert r.status_code == 200
        gid = await _group(c, "anti-affinity")
        r = await c.client.post(
            V + "/os-server-groups",
            headers=mv("demo", "2.64"),
            json={"server_group": {"name": "second", "policy": "affinity"}},
        )
        assert r.status_code == 403 and "too many server groups" in r.text
        await _boot_in(c, "m1", gid)
        await _boot_in(c, "m2", gid)
        body = {
            "server": {"name": "m3", "flavorRef": "1", "imageRef": c.image_id, "networks": "none"},
            "os:scheduler_hints": {"group": gid},
        }
        r = await c.client.post(V + "/servers", json=body, headers=mv("demo", "2.37"))
        assert r.status_code == 403 and "too many servers in group" in r.text


async def test_a_redelivered_select_destinations_answers_with_its_first_claim(tmp_path: Path) -> None:
    import uuid

    async with cloud(tmp_path, hosts=2) as c:
        spec = {
            "instance_uuid": str(uuid.uuid4()),
            "project_id": "p",
            "user_id": "u",
            "resources": {"VCPU": 1, "MEMORY_MB": 512, "DISK_GB": 1},
        }
        first = await c.compute.scheduler.select_destinations(rpc.no_context(), spec=spec, num_alternates=1)
        # The broker hands the same message over again (its ack was lost with a
        # connection): the claim made the first time is the answer, not a refusal.
        again = await c.compute.scheduler.select_destinations(rpc.no_context(), spec=spec, num_alternates=1)
        assert "error" not in again, again
        assert (again["host"], again["provider"]) == (first["host"], first["provider"])
        held = await c.compute.placement.allocations_of(spec["instance_uuid"])
        assert list(held["allocations"]) == [first["provider"]]


async def _boot_hinted(c: Cloud, hints: Any, expect: int = 202) -> dict[str, Any]:
    body = {
        "server": {"name": "hinted", "flavorRef": "1", "imageRef": c.image_id, "networks": "none"},
        "os:scheduler_hints": hints,
    }
    r = await c.client.post(V + "/servers", json=body, headers=mv("demo", "2.37"))
    assert r.status_code == expect, r.text
    return dict(r.json())


async def test_same_host_and_different_host_hints(tmp_path: Path) -> None:
    """Nova's SameHostFilter and DifferentHostFilter: same_host only on a host running one
    of the named servers, different_host on none of theirs; a uuid or a list of them."""
    async with cloud(tmp_path, hosts=3) as c:
        first = (await c.boot())["server"]["id"]
        where = await _host_of(c, first)
        for _ in range(3):
            sid = (await _boot_hinted(c, {"same_host": first}))["server"]["id"]
            assert await _host_of(c, sid) == where
        away = (await _boot_hinted(c, {"different_host": [first]}))["server"]["id"]
        elsewhere = await _host_of(c, away)
        assert elsewhere != where
        third = (await _boot_hinted(c, {"different_host": [first, away]}))["server"]["id"]
        assert await _host_of(c, third) not in (where, elsewhere)
        # Every host runs one of them: no valid host.
        none_left = (await _boot_hinted(c, {"different_host": [first, away, third]}))["server"]["id"]
        server = await c.wait(none_left, "ERROR")
        assert "DifferentHostFilter" in server["fault"]["message"]
        # A server that runs nowhere leaves no host for same_host.
        r = await c.client.delete(f"{V}/servers/{third}", headers=auth("demo"))
        assert r.status_code == 204
        await c.wait_gone(third)
        nowhere = (await _boot_hinted(c, {"same_host": [third]}))["server"]["id"]
        assert "SameHostFilter" in (await c.wait(nowhere, "ERROR"))["fault"]["message"]
        # Not uuids: the request's 400 (Nova's schema).
        for bad in ({"same_host": "not-a-uuid"}, {"different_host": [first, 7]}, {"same_host": {"a": 1}}):
            assert "badRequest" in await _boot_hinted(c, bad, expect=400)

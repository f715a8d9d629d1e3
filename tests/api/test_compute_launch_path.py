"""The launch path's shortcuts keep behaviour: GET /servers/{id} (a Core row) shows what
the ORM-backed listing shows, flavor edits reach the next create despite the flavor
cache, and the agent reuses the API's image fetch only for the same user token."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from pocketstack.compute.clients import ImageClient
from pocketstack.testing.service import auth

from .compute_support import V, cloud, mv


@pytest.mark.parametrize(("token", "version"), [("admin", "2.1"), ("admin", "2.100"), ("demo", "2.90")])
async def test_show_equals_the_listing_view(tmp_path: Path, token: str, version: str) -> None:
    async with cloud(tmp_path) as c:
        sid = (await c.boot(metadata={"k": "v"}, version="2.37"))["server"]["id"]
        await c.wait(sid, "ACTIVE")
        shown = await c.show(sid, token=token, version=version)
        query = "?all_tenants=1" if token == "admin" else ""
        r = await c.client.get(f"{V}/servers/detail{query}", headers=mv(token, version))
        listed = next(s for s in r.json()["servers"] if s["id"] == sid)
        shown.pop("server_groups", None)  # only show has it (2.71+)
        assert shown == listed
        assert shown["metadata"] == {"k": "v"} and shown["status"] == "ACTIVE"
        other = await c.client.get(f"{V}/servers/{sid}", headers=mv("alt" if token == "demo" else "demo", version))
        assert other.status_code == (404 if token == "demo" else 200)


async def test_deleted_server_is_not_found(tmp_path: Path) -> None:
    async with cloud(tmp_path) as c:
        sid = (await c.boot())["server"]["id"]
        await c.wait(sid, "ACTIVE")
        assert (await c.client.delete(f"{V}/servers/{sid}", headers=auth("demo"))).status_code == 204
        await c.wait_gone(sid)
        r = await c.client.get(f"{V}/servers/{sid}", headers=auth("demo"))
        assert r.status_code == 404 and sid in r.json()["itemNotFound"]["message"]


async def test_flavor_changes_reach_the_next_create(tmp_path: Path) -> None:
    async with cloud(tmp_path) as c:
        first = (await c.boot())["server"]["id"]  # the flavor is cached now
        specs = {"extra_specs": {"hw:cpu_policy": "shared"}}
        r = await c.client.post(f"{V}/flavors/1/os-extra_specs", json=specs, headers=auth("admin"))
        assert r.status_code == 200, r.text
        second = (await c.boot())["server"]["id"]
        for sid, want in ((first, {}), (second, {"hw:cpu_policy": "shared"})):
            server = await c.show(sid, version="2.47")
            assert server["flavor"]["extra_specs"] == want
        assert (await c.client.delete(f"{V}/flavors/1", headers=auth("admin"))).status_code == 202
        r = await c.client.post(
            V + "/servers",
            json={"server": {"name": "x", "flavorRef": "1", "imageRef": c.image_id, "networks": "none"}},
            headers=mv("demo", "2.37"),
        )
        assert r.status_code == 400 and "Flavor 1 could not be found" in r.text


async def test_agent_reuses_the_api_image_fetch_of_the_same_token(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fetched: list[tuple[str, str | None]] = []
    original = ImageClient._fetch

    async def counting(self: ImageClient, image_id: str, user: str | None, service: str | None) -> dict[str, Any]:
        fetched.append((image_id, user))
        return await original(self, image_id, user, service)

    monkeypatch.setattr(ImageClient, "_fetch", counting)
    async with cloud(tmp_path) as c:
        sid = (await c.boot())["server"]["id"]
        await c.wait(sid, "ACTIVE")
        assert fetched == [(c.image_id, "demo")]  # the API's; the agent reused it
        images = c.compute.images
        assert (await images.get(c.image_id, "alt", reuse=True))["id"] == c.image_id
        assert len(fetched) == 2  # another token: asked again
        # The API's check always asks: a deactivated image is refused at once.
        r = await c.client.post(f"/image/v2/images/{c.image_id}/actions/deactivate", headers=auth("admin"))
        assert r.status_code == 204, r.text
        await c.boot(expect=400)
        assert len(fetched) == 3


async def test_concurrent_anti_affinity_members_land_apart(tmp_path: Path) -> None:
    # Group members are still recorded by the scheduler under the group's lock (the
    # others' spans and host are written later, by the conductor).
    async with cloud(tmp_path, hosts=4) as c:
        r = await c.client.post(
            V + "/os-server-groups",
            headers=mv("demo", "2.64"),
            json={"server_group": {"name": "apart", "policy": "anti-affinity"}},
        )
        gid = r.json()["server_group"]["id"]
        body = {
            "server": {"name": "m", "flavorRef": "1", "imageRef": c.image_id, "networks": "none"},
            "os:scheduler_hints": {"group": gid},
        }
        answers = await asyncio.gather(
            *(c.client.post(V + "/servers", json=body, headers=mv("demo", "2.37")) for _ in range(5))
        )
        assert [a.status_code for a in answers] == [202] * 5
        shown = [await c.wait(a.json()["server"]["id"], "ACTIVE", "ERROR") for a in answers]
        hosts = [s["OS-EXT-SRV-ATTR:host"] for s in shown if s["status"] == "ACTIVE"]
        assert len(hosts) == 4 and len(set(hosts)) == 4
        (failed,) = [s for s in shown if s["status"] == "ERROR"]
        assert "No valid host" in failed["fault"]["message"]


async def test_scheduler_spans_and_host_are_stored_by_the_conductor(tmp_path: Path) -> None:
    from pocketstack.compute.service import trace_server

    async with cloud(tmp_path, hosts=2) as c:
        sid = (await c.boot())["server"]["id"]
        server = await c.wait(sid, "ACTIVE")
        spans = await trace_server(c.runtime, sid)
        scheduler = [s["hop"] for s in spans if s["component"] == "scheduler"]
        wanted = ["host states", "placement: allocation candidates", "filters", "weighers", "placement: claim"]
        assert scheduler == wanted
        assert server["OS-EXT-SRV-ATTR:host"] in c.compute.agents
        # The agent built from the instance the conductor sent: it never asked for it.
        assert "agent → conductor: instance details (rpc.call)" not in [s["hop"] for s in spans]

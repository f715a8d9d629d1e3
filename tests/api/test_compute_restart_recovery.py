"""A cloud stopped mid-build (its memory bus and every cast on it gone) and started
again on the same data dir: builds that were still being scheduled, and builds a host
had begun (ports made and bound, spawn running), end in ERROR with a fault naming the
restart, their ports and placement allocations released; none stays in BUILD."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from sqlalchemy import select, update

from pocketstack.compute import states
from pocketstack.compute.agent.specs import saved_port
from pocketstack.compute.models import Instance
from pocketstack.compute.objects import actions
from pocketstack.testing.cloud import CloudClient, in_process_cloud
from pocketstack.testing.cloud import test_config as cloud_config

C = "/compute/v2.1"
N = "/network/v2.0"


async def _req(c: CloudClient, method: str, path: str, token: str, **kw: Any) -> Any:
    headers = {"X-Auth-Token": token, "OpenStack-API-Version": "compute 2.37"}
    return await c.http.request(method, path, headers=headers, **kw)


async def _setup(c: CloudClient) -> tuple[str, str]:
    demo, admin = await c.token("demo"), await c.token("admin")
    net = (await _req(c, "POST", f"{N}/networks", demo, json={"network": {"name": "n"}})).json()["network"]["id"]
    sub = {"subnet": {"network_id": net, "cidr": "10.50.0.0/24", "ip_version": 4}}
    assert (await _req(c, "POST", f"{N}/subnets", demo, json=sub)).status_code == 201
    body = {"name": "img", "disk_format": "raw", "container_format": "bare", "visibility": "public"}
    image = (await _req(c, "POST", "/image/v2/images", admin, json=body)).json()["id"]
    put = await c.http.put(
        f"/image/v2/images/{image}/file",
        content=b"\0" * 512,
        headers={"X-Auth-Token": admin, "Content-Type": "application/octet-stream"},
    )
    assert put.status_code == 204
    return net, image


async def _server(c: CloudClient, sid: str) -> dict[str, Any]:
    return dict((await _req(c, "GET", f"{C}/servers/{sid}", await c.token("admin"))).json()["server"])


async def test_restart_mid_build_fails_every_build_and_releases_what_it_held(tmp_path: Path) -> None:
    config = cloud_config(tmp_path)
    # Every spawn hangs: the builds are caught with ports made and allocations claimed.
    config.compute.fake_boot_delay = 3600
    async with in_process_cloud(tmp_path, config) as c:
        net, image = await _setup(c)
        demo = await c.token("demo")
        body = {"server": {"name": "r", "flavorRef": "1", "imageRef": image, "networks": [{"uuid": net}]}}
        sids = []
        for _ in range(3):
            made = await _req(c, "POST", f"{C}/servers", demo, json=body)
            assert made.status_code == 202, made.text
            sids.append(made.json()["server"]["id"])
        for _ in range(500):
            ports = (await _req(c, "GET", f"{N}/ports?device_owner=compute:nova", demo)).json()["ports"]
            if len(ports) == len(sids):
                break
            await asyncio.sleep(0.02)
        assert len(ports) == len(sids), "the builds did not reach their hosts"
        # A fourth build the conductor never placed (its cast lost before scheduling).
        compute = next(s for s in c.cloud.services if s.name == "compute")
        made = await _req(c, "POST", f"{C}/servers", demo, json={"server": {**body["server"], "networks": "none"}})
        unplaced = made.json()["server"]["id"]
        await asyncio.sleep(0.2)
        own = next(p for p in ports if p["device_id"] == sids[1])
        async with compute.db.writer() as s:  # type: ignore[attr-defined]
            await s.execute(
                update(Instance)
                .where(Instance.uuid == unplaced)
                .values(vm_state=states.BUILDING, host=None, node=None, task_state=states.SCHEDULING)
            )
            # One that had gone ACTIVE and whose delete was cast when the cloud stopped,
            # and one being snapshotted.
            await s.execute(
                update(Instance)
                .where(Instance.uuid == sids[0])
                .values(vm_state=states.ACTIVE, task_state=states.DELETING)
            )
            await s.execute(
                update(Instance)
                .where(Instance.uuid == sids[1])
                .values(vm_state=states.ACTIVE, task_state=states.IMAGE_SNAPSHOT, ports=[saved_port(own, True)])
            )
    config.compute.fake_boot_delay = 0
    async with in_process_cloud(tmp_path, config) as c:
        admin = await c.token("admin")
        deleting, sids = sids[0], sids[1:]
        for _ in range(500):
            if (await _req(c, "GET", f"{C}/servers/{deleting}", admin)).status_code == 404:
                break
            await asyncio.sleep(0.02)
        gone = await _req(c, "GET", f"{C}/servers/{deleting}", admin)
        assert gone.status_code == 404, "the delete was not finished"
        snapshotting, sids = sids[0], sids[1:]
        shown = await _server(c, snapshotting)
        assert (shown["status"], shown["OS-EXT-STS:task_state"]) == ("ACTIVE", None), shown
        assert (await _req(c, "DELETE", f"{C}/servers/{snapshotting}", admin)).status_code == 204
        for _ in range(500):
            if (await _req(c, "GET", f"{C}/servers/{snapshotting}", admin)).status_code == 404:
                break
            await asyncio.sleep(0.02)
        for sid in [*sids, unplaced]:
            server = await _server(c, sid)
            for _ in range(500):
                if server["status"] != "BUILD":
                    break
                await asyncio.sleep(0.02)
                server = await _server(c, sid)
            assert server["status"] == "ERROR", server
            assert "restart" in server["fault"]["message"], server["fault"]
        admin = await c.token("admin")
        assert (await _req(c, "GET", f"{N}/ports?network_id={net}&device_owner=compute:nova", admin)).json()[
            "ports"
        ] == []
        usages = await c.http.get(
            "/placement/usages?project_id=" + (await _project_id(c, "demo")),
            headers={"X-Auth-Token": admin, "OpenStack-API-Version": "placement 1.9"},
        )
        assert usages.json()["usages"] in ({}, {"VCPU": 0, "MEMORY_MB": 0, "DISK_GB": 0}), usages.json()
        # The cloud builds again.
        demo = await c.token("demo")
        body = {"server": {"name": "after", "flavorRef": "1", "imageRef": await _any_image(c), "networks": "none"}}
        sid = (await _req(c, "POST", f"{C}/servers", demo, json=body)).json()["server"]["id"]
        for _ in range(500):
            if (await _server(c, sid))["status"] == "ACTIVE":
                break
            await asyncio.sleep(0.02)
        assert (await _server(c, sid))["status"] == "ACTIVE"


async def _project_id(c: CloudClient, name: str) -> str:
    admin = await c.token("admin")
    found = (await _req(c, "GET", f"/identity/v3/projects?name={name}", admin)).json()["projects"]
    return str(found[0]["id"])


async def _any_image(c: CloudClient) -> str:
    images = (await _req(c, "GET", "/image/v2/images?name=img", await c.token("admin"))).json()["images"]
    return str(images[0]["id"])


async def _wait_for(c: CloudClient, path: str, key: str, field: str, want: str) -> dict[str, Any]:
    admin = await c.token("admin")
    found: dict[str, Any] = {}
    for _ in range(500):
        found = (await _req(c, "GET", path, admin)).json()[key]
        if found[field] == want:
            break
        await asyncio.sleep(0.02)
    return found


async def test_restart_mid_detach_finishes_or_rolls_back_the_detach(tmp_path: Path) -> None:
    """A volume 'detaching' whose detach cast died with the memory bus is detached at the
    next start; one the previous process had already rolled back to in-use stays attached
    (its mapping 'attached' again): no volume or mapping stays 'detaching'."""
    config = cloud_config(tmp_path)
    async with in_process_cloud(tmp_path, config) as c:
        _, image = await _setup(c)
        demo = await c.token("demo")
        body = {"server": {"name": "d", "flavorRef": "1", "imageRef": image, "networks": "none"}}
        sid = (await _req(c, "POST", f"{C}/servers", demo, json=body)).json()["server"]["id"]
        assert (await _wait_for(c, f"{C}/servers/{sid}", "server", "status", "ACTIVE"))["status"] == "ACTIVE"
        vols = []
        for name in ("lost-cast", "rolled-back"):
            made = await _req(c, "POST", "/volume/v3/volumes", demo, json={"volume": {"size": 1, "name": name}})
            assert made.status_code == 202, made.text
            vid = made.json()["volume"]["id"]
            await _wait_for(c, f"/volume/v3/volumes/{vid}", "volume", "status", "available")
            attach = {"volumeAttachment": {"volumeId": vid}}
            r = await _req(c, "POST", f"{C}/servers/{sid}/os-volume_attachments", demo, json=attach)
            assert r.status_code == 200, r.text
            await _wait_for(c, f"/volume/v3/volumes/{vid}", "volume", "status", "in-use")
            vols.append(vid)
        lost, rolled = vols
        # The API's half of a detach, as when the cloud stopped before the host got the
        # cast: the volume detaching, the mapping detaching (the second one's volume was
        # already rolled back to in-use by its host).
        r = await _req(c, "POST", f"/volume/v3/volumes/{lost}/action", demo, json={"os-begin_detaching": None})
        assert r.status_code == 202, r.text
        compute = next(s for s in c.cloud.services if s.name == "compute")
        async with compute.db.writer() as s:  # type: ignore[attr-defined]
            inst = await s.scalar(select(Instance).where(Instance.uuid == sid))
            inst.block_device_mapping = [
                {**b, "status": "detaching"} if b.get("volume_id") in vols else b for b in inst.block_device_mapping
            ]
            actions.start_action(s, sid, "detach_volume", {"request_id": "req-interrupted-detach"})
    async with in_process_cloud(tmp_path, config) as c:
        volume = await _wait_for(c, f"/volume/v3/volumes/{lost}", "volume", "status", "available")
        assert (volume["status"], volume["attachments"]) == ("available", []), volume
        admin = await c.token("admin")
        for _ in range(500):
            listed = (await _req(c, "GET", f"{C}/servers/{sid}/os-volume_attachments", admin)).json()
            if [a["volumeId"] for a in listed["volumeAttachments"]] == [rolled]:
                break
            await asyncio.sleep(0.02)
        assert [a["volumeId"] for a in listed["volumeAttachments"]] == [rolled], listed
        kept = (await _req(c, "GET", f"/volume/v3/volumes/{rolled}", admin)).json()["volume"]
        assert kept["status"] == "in-use" and kept["attachments"][0]["server_id"] == sid, kept
        compute = next(s for s in c.cloud.services if s.name == "compute")
        async with compute.db.reader() as s:  # type: ignore[attr-defined]
            inst = await s.scalar(select(Instance).where(Instance.uuid == sid))
            assert [(b["volume_id"], b.get("status")) for b in inst.block_device_mapping if b.get("volume_id")] == [
                (rolled, "attached")
            ]
        # The ended detaches are events of the detach_volume action: done, and rolled back.
        listed = (await _req(c, "GET", f"{C}/servers/{sid}/os-instance-actions", admin)).json()
        detach = next(a for a in listed["instanceActions"] if a["action"] == "detach_volume")
        shown = await _req(c, "GET", f"{C}/servers/{sid}/os-instance-actions/{detach['request_id']}", admin)
        events = shown.json()["instanceAction"]["events"]
        assert sorted(e["result"] for e in events if e["event"] == "compute_detach_volume") == ["Error", "Success"]
        # The one still attached can be detached again.
        r = await _req(c, "DELETE", f"{C}/servers/{sid}/os-volume_attachments/{rolled}", await c.token("demo"))
        assert r.status_code == 202, r.text
        volume = await _wait_for(c, f"/volume/v3/volumes/{rolled}", "volume", "status", "available")
        assert volume["status"] == "available", volume

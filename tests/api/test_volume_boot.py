"""Boot from volume (block_device_mapping_v2) with the fake driver and fake volume
backend: volumes made from images and snapshots by the agent, existing volumes as root
disks, extra volumes at build, delete_on_termination, refusals and failed builds."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from pocketstack.testing.service import auth
from tests.api.compute_support import V, make_image
from tests.api.test_volume_compute import Both, both_fixture
from tests.api.volume_support import fault

__all__ = ["both_fixture"]


def image_root(image_id: str, size: int = 1, delete: bool = True) -> dict[str, Any]:
    return {
        "uuid": image_id,
        "boot_index": 0,
        "source_type": "image",
        "destination_type": "volume",
        "volume_size": size,
        "delete_on_termination": delete,
    }


async def boot(both: Both, bdms: list[dict[str, Any]], expect: int = 202, **server: Any) -> dict[str, Any]:
    server.setdefault("imageRef", "")
    return await both.cloud.boot(block_device_mapping_v2=bdms, expect=expect, **server)


async def volumes_of(both: Both) -> list[dict[str, Any]]:
    resp = await both.vol.request("GET", "/volumes/detail?all_tenants=1", "admin")
    return list(resp.json()["volumes"])


async def test_image_to_volume_is_the_root_disk(both: Both) -> None:
    kernel = await make_image(both.cloud.client, name="k", disk_format="aki", container_format="aki")
    image_id = await make_image(both.cloud.client, name="bootable", kernel_id=kernel, os_command_line="root=/dev/vda")
    server = (await boot(both, [image_root(image_id)]))["server"]
    shown = await both.cloud.wait(server["id"], "ACTIVE")
    # No local image: the server shows none (as Nova shows "" for a volume-backed server).
    assert shown["image"] == ""
    shown = await both.cloud.show(server["id"], version="2.3")  # delete_on_termination from 2.3
    (attached,) = shown["os-extended-volumes:volumes_attached"]
    assert attached["delete_on_termination"] is True
    vol = await both.vol.show(attached["id"])
    assert vol["status"] == "in-use" and vol["bootable"] == "true" and vol["size"] == 1
    # The volume service recorded the image on the volume; kernel and command line too.
    meta = vol["volume_image_metadata"]
    assert meta["image_id"] == image_id and meta["kernel_id"] == kernel and meta["os_command_line"] == "root=/dev/vda"
    fake = both.driver().instances[server["id"]]
    assert fake.volumes["/dev/vda"]["data"]["volume_id"] == vol["id"]
    root = fake.spec.root_volume
    assert root is not None and root["volume_id"] == vol["id"]
    # The driver boots the kernel the volume's image metadata names.
    assert fake.spec.image["kernel_id"] == kernel and fake.spec.image["id"] == image_id
    listed = await both.cloud.client.get(f"{V}/servers/{server['id']}/os-volume_attachments", headers=auth("demo"))
    assert [(a["volumeId"], a["device"]) for a in listed.json()["volumeAttachments"]] == [(vol["id"], "/dev/vda")]
    # The root volume cannot be detached.
    assert "root device" in fault(await both.detach(server["id"], vol["id"]), 400)
    # delete_on_termination: the server takes the volume with it.
    assert (await both.cloud.client.delete(f"{V}/servers/{server['id']}", headers=auth("demo"))).status_code == 204
    await both.cloud.wait_gone(server["id"])
    await both.vol.wait_gone(f"/volumes/{vol['id']}")


async def test_volume_backed_server_claims_no_local_disk(both: Both) -> None:
    # Nova's rule: the root of a volume-backed server lives on the volume backend, so
    # placement holds no DISK_GB for it (flavor 1 has a 1 GB root disk, no ephemeral/swap).
    server = (await boot(both, [image_root(both.cloud.image_id)]))["server"]
    await both.cloud.wait(server["id"], "ACTIVE")
    usage = await both.cloud.client.get(f"/placement/allocations/{server['id']}", headers=auth("admin"))
    resources = next(iter(usage.json()["allocations"].values()))["resources"]
    assert resources == {"VCPU": 1, "MEMORY_MB": 512}
    agent = next(iter(both.cloud.compute.agents.values()))
    assert agent.tracker.instances[server["id"]] == (1, 512, 0)
    assert agent.tracker.node_report()["local_gb_used"] == 0
    # An image-backed server next to it does take its root disk locally.
    plain = (await both.cloud.boot())["server"]
    await both.cloud.wait(plain["id"], "ACTIVE")
    usage = await both.cloud.client.get(f"/placement/allocations/{plain['id']}", headers=auth("admin"))
    assert next(iter(usage.json()["allocations"].values()))["resources"]["DISK_GB"] == 1
    # A restarted agent that finds the VM running counts it again (as the build did).
    agent.tracker.instances.clear()
    agent._reclaimed = False
    await agent.sync_power_states()
    assert agent.tracker.instances[server["id"]] == (1, 512, 0)
    assert agent.tracker.instances[plain["id"]][2] == 1


async def test_existing_volume_and_snapshot_sources(both: Both) -> None:
    source = await both.vol.create(size=1, imageRef=both.cloud.image_id, name="boot-vol")
    server = (
        await boot(
            both,
            [{"uuid": source["id"], "boot_index": 0, "source_type": "volume", "destination_type": "volume"}],
        )
    )["server"]
    await both.cloud.wait(server["id"], "ACTIVE")
    shown = await both.cloud.show(server["id"], version="2.3")
    assert shown["os-extended-volumes:volumes_attached"] == [{"id": source["id"], "delete_on_termination": False}]
    assert both.driver().instances[server["id"]].spec.image["id"] == both.cloud.image_id
    assert (await both.vol.show(source["id"]))["status"] == "in-use"
    # Deleting the server keeps a volume not marked delete_on_termination.
    await both.cloud.client.delete(f"{V}/servers/{server['id']}", headers=auth("demo"))
    await both.cloud.wait_gone(server["id"])
    await both.vol.wait(source["id"], "available")

    resp = await both.vol.request("POST", "/snapshots", json={"snapshot": {"volume_id": source["id"], "name": "s"}})
    snap = resp.json()["snapshot"]
    for _ in range(500):
        if (await both.vol.request("GET", f"/snapshots/{snap['id']}")).json()["snapshot"]["status"] == "available":
            break
        await asyncio.sleep(0.01)
    extra = await both.vol.create(size=1)
    bdms = [
        {"uuid": snap["id"], "boot_index": 0, "source_type": "snapshot", "destination_type": "volume"},
        {"uuid": extra["id"], "boot_index": 1, "source_type": "volume", "destination_type": "volume"},
        {"boot_index": -1, "source_type": "blank", "destination_type": "volume", "volume_size": 2},
    ]
    server = (await boot(both, bdms))["server"]
    await both.cloud.wait(server["id"], "ACTIVE")
    fake = both.driver().instances[server["id"]]
    assert sorted(fake.volumes) == ["/dev/vda", "/dev/vdb", "/dev/vdc"]
    assert fake.volumes["/dev/vdb"]["data"]["volume_id"] == extra["id"]
    made = {v["name"]: v for v in await volumes_of(both)}
    root = made["vm-snapshot-vol"]
    assert root["snapshot_id"] == snap["id"] and root["status"] == "in-use"
    # the snapshot's volume came from an image: its metadata travels to the new volume
    assert root["volume_image_metadata"]["image_id"] == both.cloud.image_id
    assert made["vm-blank-vol"]["size"] == 2 and made["vm-blank-vol"]["status"] == "in-use"


async def test_refusals(both: Both) -> None:
    image_id = both.cloud.image_id
    assert "non-zero size" in fault(
        await both.cloud.client.post(
            f"{V}/servers",
            json={
                "server": {
                    "name": "x",
                    "flavorRef": "1",
                    "networks": "none",
                    "block_device_mapping_v2": [{**image_root(image_id), "volume_size": None}],
                }
            },
            headers={**auth("demo"), "OpenStack-API-Version": "compute 2.37"},
        ),
        400,
    )
    body = await boot(both, [image_root(image_id), {**image_root(image_id)}], expect=400)
    assert "Boot sequence" in body["badRequest"]["message"]
    body = await boot(both, [{"uuid": "nope", "boot_index": 0, "source_type": "volume"}], expect=400)
    assert "could not be found" in body["badRequest"]["message"]
    body = await boot(both, [{"uuid": image_id, "source_type": "volume", "destination_type": "local"}], expect=400)
    assert "destination_type volume" in body["badRequest"]["message"]
    big = await make_image(both.cloud.client, name="needs-2g", min_disk=2)
    body = await boot(both, [image_root(big, size=1)], expect=400)
    assert "minimum size" in body["badRequest"]["message"]
    used = await both.vol.create(size=1)
    server = await both.server()
    assert (await both.attach(server["id"], used["id"])).status_code == 200
    body = await boot(both, [{"uuid": used["id"], "boot_index": 0, "source_type": "volume"}], expect=400)
    assert "must be 'available'" in body["badRequest"]["message"]
    free = await both.vol.create(size=1)
    body = await boot(both, [{"uuid": free["id"], "boot_index": 0, "source_type": "volume"}], expect=400, min_count=2)
    assert "more than one server" in body["badRequest"]["message"]
    assert "Missing imageRef" in (await boot(both, [], expect=400))["badRequest"]["message"]


async def test_failed_volume_create_ends_in_error_and_leaves_nothing(both: Both) -> None:
    before = {v["id"] for v in await volumes_of(both)}
    backend = both.vol.backend
    backend.inject("create_from_image", "disk full (injected)")
    server = (await boot(both, [image_root(both.cloud.image_id)]))["server"]
    shown = await both.cloud.wait(server["id"], "ERROR")
    assert "went to error" in shown["fault"]["message"]
    assert {v["id"] for v in await volumes_of(both)} == before

    # A spawn failure after the volumes were made and attached: no volume left, the
    # existing one available again.
    keep = await both.vol.create(size=1)
    both.driver().faults.spawn_failures = 1
    bdms = [image_root(both.cloud.image_id, delete=False), {"uuid": keep["id"], "boot_index": 1}]
    bdms[1].update(source_type="volume", destination_type="volume")
    server = (await boot(both, bdms))["server"]
    shown = await both.cloud.wait(server["id"], "ERROR")
    assert "injected spawn failure" in shown["fault"]["message"]
    assert (await both.vol.show(keep["id"]))["status"] == "available"
    assert {v["id"] for v in await volumes_of(both)} == before | {keep["id"]}


async def test_extend_attached_volume_tells_the_guest(both: Both) -> None:
    server = await both.server()
    vol = await both.vol.create(size=1)
    assert (await both.attach(server["id"], vol["id"])).status_code == 200
    # Before 3.42 an attached volume cannot be extended.
    old = await both.vol.action(vol["id"], {"os-extend": {"new_size": 2}}, version="volume 3.41")
    assert "must be available" in fault(old, 400)
    resp = await both.vol.action(vol["id"], {"os-extend": {"new_size": 2}}, version="volume 3.42")
    assert resp.status_code == 202, resp.text
    shown = await both.vol.wait(vol["id"], "in-use")
    assert shown["size"] == 2
    fake = both.driver().instances[server["id"]]
    for _ in range(200):
        if fake.volume_sizes.get("/dev/vdb"):
            break
        await asyncio.sleep(0.01)
    # volume-extended reached the agent, which had the driver resize the guest's disk.
    assert fake.volume_sizes == {"/dev/vdb": 2 * 1024**3}
    # As in Nova: an extend_volume action on the server, with the agent's event.
    event = None
    for _ in range(200):
        listed = await both.cloud.client.get(f"{V}/servers/{server['id']}/os-instance-actions", headers=auth("demo"))
        actions = listed.json()
        extend = [a for a in actions["instanceActions"] if a["action"] == "extend_volume"]
        if extend:
            path = f"{V}/servers/{server['id']}/os-instance-actions/{extend[0]['request_id']}"
            events = (await both.cloud.client.get(path, headers=auth("admin"))).json()["instanceAction"]["events"]
            event = next((e for e in events if e["event"] == "compute_extend_volume" and e["finish_time"]), None)
            if event:
                break
        await asyncio.sleep(0.01)
    assert event is not None and event["result"] == "Success"


async def _crash_mid_build(both: Both, bdms: list[dict[str, Any]]) -> tuple[str, list[str], asyncio.Event]:
    """Boot with the image copy held open, then stop the agent as a crash does (its build
    task is cancelled: no undo runs). Returns the server, the volumes made, the gate."""
    backend = both.vol.backend
    gate = asyncio.Event()
    original = backend.create_from_image

    async def held(*args: Any, **kw: Any) -> Any:
        await gate.wait()
        return await original(*args, **kw)

    backend.create_from_image = held
    existing = {v["id"] for v in await volumes_of(both)}
    server = (await boot(both, bdms))["server"]
    made: list[str] = []
    for _ in range(500):
        attached = (await both.cloud.show(server["id"]))["os-extended-volumes:volumes_attached"]
        made = [v["id"] for v in attached if v["id"] not in existing]
        if made:
            break
        await asyncio.sleep(0.01)
    # The volume is on the instance while it is still being made (the agent waits for it).
    assert made, "the build did not record the volume it asked for"
    assert (await both.vol.show(made[0], "admin"))["status"] in ("creating", "downloading")
    (host,) = both.cloud.compute.agents
    await both.cloud.compute.agents[host].stop()
    return server["id"], made, gate


async def _restart_agent(both: Both) -> None:
    from pocketstack.compute.agent.manager import ComputeAgent

    svc = both.cloud.compute
    ((host, old),) = svc.agents.items()
    runtime = both.cloud.runtime
    agent = ComputeAgent(
        host, old.driver, runtime.bus, svc.config, svc.placement, svc.images, svc.network, runtime.service_token
    )
    await agent.start()
    svc.agents[host] = agent


async def test_agent_crash_mid_build_restart_releases_the_volumes_it_made(both: Both) -> None:
    before = {v["id"] for v in await volumes_of(both)}
    keep = await both.vol.create(size=1)
    bdms = [image_root(both.cloud.image_id, delete=True)]
    bdms.append({"uuid": keep["id"], "boot_index": 1, "source_type": "volume", "destination_type": "volume"})
    server_id, made, gate = await _crash_mid_build(both, bdms)
    gate.set()
    await both.vol.wait(made[0], "available")
    assert (await both.cloud.show(server_id))["status"] == "BUILD"
    # The restarted agent finds the dead build: its delete_on_termination volume goes,
    # and the server ends in ERROR with the reason.
    await _restart_agent(both)
    shown = await both.cloud.wait(server_id, "ERROR")
    assert "interrupted by a restart of the compute agent" in shown["fault"]["message"]
    await both.vol.wait_gone(f"/volumes/{made[0]}")
    assert {v["id"] for v in await volumes_of(both)} == before | {keep["id"]}
    assert (await both.vol.show(keep["id"]))["status"] == "available"
    # Deleting the server afterwards finds nothing left to release, and is clean.
    assert (await both.cloud.client.delete(f"{V}/servers/{server_id}", headers=auth("demo"))).status_code == 204
    await both.cloud.wait_gone(server_id)
    assert {v["id"] for v in await volumes_of(both)} == before | {keep["id"]}


async def test_agent_crash_mid_build_server_delete_releases_the_volumes_it_made(both: Both) -> None:
    before = {v["id"] for v in await volumes_of(both)}
    server_id, made, gate = await _crash_mid_build(both, [image_root(both.cloud.image_id, delete=True)])
    # The agent comes back before the volume is done (no cleanup yet: it is still made).
    await _restart_agent(both)
    assert (await both.vol.show(made[0], "admin"))["status"] in ("creating", "downloading")
    gate.set()
    await both.cloud.wait(server_id, "ERROR")
    await both.vol.wait_gone(f"/volumes/{made[0]}")
    assert (await both.cloud.client.delete(f"{V}/servers/{server_id}", headers=auth("demo"))).status_code == 204
    await both.cloud.wait_gone(server_id)
    assert {v["id"] for v in await volumes_of(both)} == before


async def test_a_volume_not_bootable_cannot_be_the_root(both: Both) -> None:
    blank = await both.vol.create(size=1)
    assert blank["bootable"] == "false"
    root = [{"uuid": blank["id"], "boot_index": 0, "source_type": "volume", "destination_type": "volume"}]
    body = await boot(both, root, expect=400)
    assert body["badRequest"]["message"] == f"Block Device {blank['id']} is not bootable."
    # Attached as a data disk it is fine.
    data = [image_root(both.cloud.image_id), {**root[0], "boot_index": None}]
    assert "server" in await boot(both, data)


async def test_snapshot_of_a_volume_backed_server_and_booting_it(both: Both) -> None:
    """createImage of a server booted from a volume (Nova's snapshot_volume_backed): a
    volume snapshot per volume and an active image of no data whose block_device_mapping
    maps them; booting that image makes volumes from the snapshots."""
    image_id = await make_image(both.cloud.client, name="bootable")
    server = (await boot(both, [image_root(image_id)]))["server"]
    await both.cloud.wait(server["id"], "ACTIVE")
    data = await both.vol.create(size=1)
    assert (await both.attach(server["id"], data["id"])).status_code == 200
    r = await both.cloud.action(
        server["id"], {"createImage": {"name": "bfv-snap", "metadata": {"k": "v"}}}, version="2.45"
    )
    assert r.status_code == 202, r.text
    snap_image = r.json()["image_id"]
    assert r.headers["location"].endswith(f"/image/v2/images/{snap_image}")
    shown = (await both.cloud.client.get(f"/image/v2/images/{snap_image}", headers=auth("demo"))).json()
    assert shown["status"] == "active" and shown["size"] == 0 and shown["k"] == "v"
    assert shown["bdm_v2"] == "True" and shown["root_device_name"] == "/dev/vda"
    assert shown["image_type"] == "snapshot" and shown["instance_uuid"] == server["id"]
    mappings = json.loads(shown["block_device_mapping"])
    assert [(m["boot_index"], m["device_name"], m["source_type"]) for m in mappings] == [
        (0, "/dev/vda", "snapshot"),
        (None, "/dev/vdb", "snapshot"),
    ]
    for m in mappings:
        snap = await both.vol.request("GET", f"/snapshots/{m['snapshot_id']}", "demo")
        assert snap.status_code == 200 and snap.json()["snapshot"]["name"] == "snapshot for bfv-snap"
        for _ in range(500):
            if (await both.vol.request("GET", f"/snapshots/{m['snapshot_id']}")).json()["snapshot"][
                "status"
            ] == "available":
                break
            await asyncio.sleep(0.01)
    events = await both.cloud.client.get(f"{V}/servers/{server['id']}/os-instance-actions", headers=auth("demo"))
    assert "createImage" in [a["action"] for a in events.json()["instanceActions"]]
    # Booting the image: its volumes come back from the snapshots.
    again = (await both.cloud.boot(imageRef=snap_image))["server"]
    booted = await both.cloud.wait(again["id"], "ACTIVE")
    assert booted["image"] == ""
    attached = (await both.cloud.show(again["id"], version="2.3"))["os-extended-volumes:volumes_attached"]
    assert len(attached) == 2
    for a in attached:
        vol = await both.vol.show(a["id"])
        assert vol["snapshot_id"] in {m["snapshot_id"] for m in mappings} and vol["status"] == "in-use"

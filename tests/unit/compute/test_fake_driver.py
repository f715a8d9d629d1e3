"""The fake driver's failure injection and simulated capacity, which the flow tests
rely on (a hung spawn must stay hung and leave nothing when cancelled; injected
failures are counted down; a full host refuses)."""

from __future__ import annotations

import asyncio

import pytest

from pocketstack.compute import states
from pocketstack.compute.virt.driver import InstanceSpec, SpawnFailed
from pocketstack.compute.virt.fake import FakeDriver


def spec(uuid: str, memory_mb: int = 512) -> InstanceSpec:
    return InstanceSpec(uuid=uuid, name=uuid, vcpus=1, memory_mb=memory_mb, root_gb=1)


async def test_hung_spawn_never_returns_and_leaves_nothing_when_cancelled() -> None:
    driver = FakeDriver("h")
    driver.faults.spawn_hangs = True
    task = asyncio.create_task(driver.spawn(spec("a")))
    await asyncio.sleep(0.05)
    assert not task.done()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert await driver.list_instances() == []
    driver.faults.spawn_hangs = False
    await driver.spawn(spec("a"))
    assert (await driver.get_info("a")).state == states.RUNNING


async def test_injected_failures_count_down() -> None:
    driver = FakeDriver("h")
    driver.faults.spawn_failures = 2
    driver.faults.message = "disk on fire"
    for uuid in ("a", "b"):
        with pytest.raises(SpawnFailed, match="disk on fire on host h"):
            await driver.spawn(spec(uuid))
    assert await driver.list_instances() == []
    await driver.spawn(spec("c"))
    assert await driver.list_instances() == ["c"]


async def test_full_host_refuses_and_boot_delay_is_applied() -> None:
    driver = FakeDriver("h", memory_mb=1024, boot_delay=0.05)
    loop = asyncio.get_running_loop()
    started = loop.time()
    await driver.spawn(spec("a", memory_mb=1024))
    assert loop.time() - started >= 0.05
    with pytest.raises(SpawnFailed, match="out of memory"):
        await driver.spawn(spec("b", memory_mb=1024))
    assert await driver.list_instances() == ["a"]

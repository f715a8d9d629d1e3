"""Pieces every long-running server operation of the agent shares: the instance-action
event it records (os-instance-actions) and the power state it reports at its end."""

from __future__ import annotations

import time
from typing import Any

from pocketstack.compute import states
from pocketstack.compute.virt.driver import InstanceNotFound, VirtDriver


def action_event(host: str, name: str, start: float, error: str | None = None) -> dict[str, Any]:
    """One event of an instance action, ended now (Error with the traceback text)."""
    event: dict[str, Any] = {
        "event": name,
        "start": start,
        "finish": time.time(),
        "result": "Error" if error else "Success",
        "host": host,
    }
    if error:
        event["traceback"] = error
    return event


async def power_of(driver: VirtDriver, instance_uuid: str) -> int:
    """The VM's power state as the driver sees it; NOSTATE when it has none."""
    try:
        return (await driver.get_info(instance_uuid)).state
    except InstanceNotFound:
        return states.NOSTATE

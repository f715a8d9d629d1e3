"""Power actions on this host's instances, the compute agent's part (mixed into
ComputeAgent): stop, start, pause, unpause, suspend, resume and reboot through the
driver, with their instance action events and start/end notifications, and the console
log. A failed action leaves the instance's state as the driver reports it."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any

from pocketstack.bus import Bus
from pocketstack.common.context import RequestContext
from pocketstack.common.errors import PocketError
from pocketstack.compute import states
from pocketstack.compute.conductor.rpcapi import ConductorAPI
from pocketstack.compute.objects.notifications import row_payload
from pocketstack.compute.virt.driver import InstanceNotFound, VirtDriver

# action -> (driver method, vm_state after, power_state after, event name, notification prefix)
POWER_ACTIONS: dict[str, tuple[str, str, int, str, str]] = {
    "stop": ("power_off", states.STOPPED, states.SHUTDOWN, "compute_stop_instance", "instance.power_off"),
    "start": ("power_on", states.ACTIVE, states.RUNNING, "compute_start_instance", "instance.power_on"),
    "pause": ("pause", states.PAUSED, states.PAUSED_POWER, "compute_pause_instance", "instance.pause"),
    "unpause": ("unpause", states.ACTIVE, states.RUNNING, "compute_unpause_instance", "instance.unpause"),
    "suspend": ("suspend", states.SUSPENDED, states.SUSPENDED_POWER, "compute_suspend_instance", "instance.suspend"),
    "resume": ("resume", states.ACTIVE, states.RUNNING, "compute_resume_instance", "instance.resume"),
}


class PowerOps:
    host: str
    driver: VirtDriver
    bus: Bus
    conductor_api: ConductorAPI

    async def power_action(self, ctx: RequestContext, instance_uuid: str, action: str) -> None:
        method, vm_state, power, event_name, notify = POWER_ACTIONS[action]
        await self._run_action(
            ctx,
            instance_uuid,
            event_name,
            notify,
            lambda: getattr(self.driver, method)(instance_uuid),
            {"vm_state": vm_state, "power_state": power, "task_state": None},
        )

    async def reboot_instance(self, ctx: RequestContext, instance_uuid: str, hard: bool) -> None:
        await self._run_action(
            ctx,
            instance_uuid,
            "compute_reboot_instance",
            "instance.reboot",
            lambda: self.driver.reboot(instance_uuid, hard=hard),
            {"vm_state": states.ACTIVE, "power_state": states.RUNNING, "task_state": None},
        )

    async def _run_action(
        self,
        ctx: RequestContext,
        instance_uuid: str,
        event_name: str,
        notify: str,
        call: Callable[[], Awaitable[None]],
        values: dict[str, Any],
    ) -> None:
        start = time.time()
        inst = await self.conductor_api.instance_get(ctx, instance_uuid=instance_uuid)
        await self.bus.notify(
            f"{notify}.start",
            row_payload(inst) if inst else {"uuid": instance_uuid, "host": self.host},
            ctx.to_dict(),
            publisher_id=f"nova-compute:{self.host}",
        )
        try:
            await call()
        except Exception as exc:
            reason = exc.message if isinstance(exc, PocketError) else str(exc)
            try:
                info = await self.driver.get_info(instance_uuid)
                power: int = info.state
            except InstanceNotFound:
                power = states.NOSTATE
            event = {
                "event": event_name,
                "start": start,
                "finish": time.time(),
                "result": "Error",
                "host": self.host,
                "traceback": reason,
            }
            await self.conductor_api.instance_update(
                ctx, instance_uuid=instance_uuid, values={"task_state": None, "power_state": power}, events=[event]
            )
            return
        event = {"event": event_name, "start": start, "finish": time.time(), "result": "Success", "host": self.host}
        await self.conductor_api.instance_update(
            ctx, instance_uuid=instance_uuid, values=values, events=[event], notify=f"{notify}.end", host=self.host
        )

    async def get_console_output(self, ctx: RequestContext, instance_uuid: str) -> str:
        return await self.driver.console_output(instance_uuid)

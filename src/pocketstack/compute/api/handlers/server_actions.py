"""POST /servers/{id}/action: power actions, reboot, lock/unlock, console output;
and os-instance-actions with their events."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select

from pocketstack.common.errors import Conflict, Invalid, NotFound
from pocketstack.common.timeutils import iso_nozone
from pocketstack.compute import states
from pocketstack.compute.api import policies, policy
from pocketstack.compute.api.common import at_least, body, service
from pocketstack.compute.api.handlers import (
    floating_ips,
    server_admin,
    server_images,
    server_moves,
    server_security_groups,
    server_shelve,
)
from pocketstack.compute.models import Instance, InstanceAction, InstanceActionEvent
from pocketstack.compute.objects import actions, instances
from pocketstack.web.request import Request
from pocketstack.web.response import Response, empty, json_response

_CONTROL = re.compile("[\x00-\x08\x0b-\x1f]")
# action -> (vm_states it is allowed from, task_state while it runs)
POWER: dict[str, tuple[tuple[str, ...], str]] = {
    "os-stop": ((states.ACTIVE, states.ERROR), states.POWERING_OFF),
    "os-start": ((states.STOPPED,), states.POWERING_ON),
    "pause": ((states.ACTIVE,), states.PAUSING),
    "unpause": ((states.PAUSED,), states.UNPAUSING),
    "suspend": ((states.ACTIVE,), states.SUSPENDING),
    "resume": ((states.SUSPENDED,), states.RESUMING),
}
AGENT_NAMES = {
    "os-stop": "stop",
    "os-start": "start",
    "pause": "pause",
    "unpause": "unpause",
    "suspend": "suspend",
    "resume": "resume",
}
ACTION_NAMES = {"os-stop": "stop", "os-start": "start"}
MOVES = {
    "resize": server_moves.resize,
    "migrate": server_moves.migrate,
    "confirmResize": server_moves.confirm_resize,
    "revertResize": server_moves.revert_resize,
    "shelve": server_shelve.shelve,
    "shelveOffload": server_shelve.shelve_offload,
    "unshelve": server_shelve.unshelve,
}


async def _begin(request: Request, inst: Instance, name: str, allowed: tuple[str, ...], task: str) -> None:
    """Check state and lock, set the task state and record the action, atomically."""
    ctx = request.context
    svc = service(request)
    async with svc.db.writer() as s:
        row = await s.scalar(select(Instance).where(Instance.uuid == inst.uuid))
        if row is None or row.deleted:
            raise NotFound(f"Instance {inst.uuid} could not be found.")
        if row.locked and not ctx.is_admin:
            raise Conflict(f"Instance {inst.uuid} is locked")
        if row.vm_state not in allowed or row.task_state is not None:
            raise Conflict(
                f"Cannot '{name}' instance {inst.uuid} while it is in vm_state {row.vm_state}"
                + (f" and task_state {row.task_state}" if row.task_state else "")
            )
        row.task_state = task
        actions.start_action(s, inst.uuid, ACTION_NAMES.get(name, name), ctx.to_dict())


async def action(request: Request) -> Response:
    ctx = request.context
    svc = service(request)
    inst = await instances.get(svc.db, ctx, request.path_params["server_id"])
    data = await body(request)
    if not isinstance(data, dict) or len(data) != 1:
        raise Invalid("Invalid action request: the body must name exactly one action")
    name, args = next(iter(data.items()))
    if name == "os-getConsoleOutput":
        return await _console(request, inst, args)
    policy.owner(ctx, inst.project_id, policies.server_action_rule(name))
    if name in POWER:
        allowed, task = POWER[name]
        await _begin(request, inst, name, allowed, task)
        await svc.compute_api.power_action(ctx, str(inst.host), instance_uuid=inst.uuid, action=AGENT_NAMES[name])
        return empty(202)
    if name == "reboot":
        kind = (args or {}).get("type") if isinstance(args, dict) else None
        if kind not in ("SOFT", "HARD", "soft", "hard"):
            raise Invalid("Invalid input for field/attribute reboot.type: must be SOFT or HARD")
        hard = kind.upper() == "HARD"
        allowed = (
            (states.ACTIVE, states.STOPPED, states.PAUSED, states.SUSPENDED, states.ERROR) if hard else (states.ACTIVE,)
        )
        await _begin(request, inst, "reboot", allowed, states.REBOOTING_HARD if hard else states.REBOOTING)
        await svc.compute_api.reboot_instance(ctx, str(inst.host), instance_uuid=inst.uuid, hard=hard)
        return empty(202)
    if name in ("lock", "unlock"):
        return await _lock(request, inst, name, args)
    if name == "injectNetworkInfo":
        return await server_admin.inject_network_info(request, inst, args)
    if name == "restore":
        return await server_admin.restore(request, inst, args)
    if name == "forceDelete":
        return await server_admin.force_delete(request, inst, args)
    if name == "addFloatingIp":
        return await floating_ips.add(request, inst, args)
    if name == "removeFloatingIp":
        return await floating_ips.remove(request, inst, args)
    if name in ("addSecurityGroup", "removeSecurityGroup"):
        return await server_security_groups.change(request, inst, name, args)
    if name == "os-resetState":
        return await _reset_state(request, inst, args)
    if name == "createImage":
        return await server_images.create_image(request, inst, args)
    if name == "rebuild":
        return await server_images.rebuild(request, inst, args)
    if name == "trigger_crash_dump":
        return await _crash_dump(request, inst, args)
    if name == "rescue":
        return await server_images.rescue(request, inst, args)
    if name == "unrescue":
        return await server_images.unrescue(request, inst, args)
    if name == "createBackup":
        return await server_images.create_backup(request, inst, args)
    if name in MOVES:
        return await MOVES[name](request, inst, args)
    raise Invalid(f"There is no such action: {name}")


async def _crash_dump(request: Request, inst: Instance, args: Any) -> Response:
    """2.17: an NMI to the guest (QMP inject-nmi), cast to the server's agent."""
    if not at_least(request, 17):
        raise Invalid("There is no such action: trigger_crash_dump")
    if args is not None:
        raise Invalid("Invalid input for field/attribute trigger_crash_dump: must be null")
    allowed = (states.ACTIVE, states.PAUSED, states.RESIZED, states.ERROR)
    async with service(request).db.writer() as s:
        row = await s.scalar(select(Instance).where(Instance.uuid == inst.uuid))
        if row is None or row.deleted:
            raise NotFound(f"Instance {inst.uuid} could not be found.")
        if row.locked and not request.context.is_admin:
            raise Conflict(f"Instance {inst.uuid} is locked")
        if row.vm_state not in allowed or row.task_state is not None or not row.host:
            raise Conflict(f"Cannot 'trigger_crash_dump' instance {inst.uuid} while it is in vm_state {row.vm_state}")
        if row.power_state not in (states.RUNNING, states.PAUSED_POWER):
            raise Conflict(f"Instance {inst.uuid} is not running.")
        actions.start_action(s, inst.uuid, "trigger_crash_dump", request.context.to_dict())
    await service(request).compute_api.trigger_crash_dump(request.context, str(inst.host), instance_uuid=inst.uuid)
    return empty(202)


async def _reset_state(request: Request, inst: Instance, args: Any) -> Response:
    """Admin: force vm_state to active or error and clear the task (Nova's os-resetState)."""
    ctx = request.context
    policy.admin(ctx, "os_compute_api:os-admin-actions:reset_state")
    state = args.get("state") if isinstance(args, dict) else None
    if state not in (states.ACTIVE, states.ERROR):
        raise Invalid("Invalid input for field/attribute state: must be 'active' or 'error'")
    async with service(request).db.writer() as s:
        row = await s.scalar(select(Instance).where(Instance.uuid == inst.uuid))
        if row is None or row.deleted:
            raise NotFound(f"Instance {inst.uuid} could not be found.")
        row.vm_state, row.task_state = state, None
        actions.start_action(s, inst.uuid, "resetState", ctx.to_dict())
    return empty(202)


async def _lock(request: Request, inst: Instance, name: str, args: Any) -> Response:
    ctx = request.context
    reason = None
    if name == "lock" and isinstance(args, dict) and "locked_reason" in args:
        if not at_least(request, 73):
            raise Invalid("Invalid input for field/attribute lock: 'locked_reason' needs microversion 2.73")
        reason = str(args["locked_reason"])[:255]
    async with service(request).db.writer() as s:
        row = await s.scalar(select(Instance).where(Instance.uuid == inst.uuid))
        assert row is not None
        if name == "unlock" and row.locked and row.locked_by == "admin" and not ctx.is_admin:
            raise Conflict(f"Instance {inst.uuid} was locked by an admin and can only be unlocked by one.")
        row.locked = name == "lock"
        row.locked_by = (
            ("admin" if ctx.is_admin and ctx.project_id != row.project_id else "owner") if name == "lock" else None
        )
        row.locked_reason = reason if name == "lock" else None
        actions.start_action(s, inst.uuid, name, ctx.to_dict())
    return empty(202)


async def _console(request: Request, inst: Instance, args: Any) -> Response:
    policy.owner(request.context, inst.project_id, "os_compute_api:os-console-output")
    length = (args or {}).get("length") if isinstance(args, dict) else None
    if length is not None:
        try:
            length = int(length)
        except (TypeError, ValueError):
            raise Invalid("Invalid input for field/attribute length: must be an integer") from None
        if length < -1:
            raise Invalid("Invalid input for field/attribute length: must be -1 or greater")
    if not inst.host or inst.vm_state == states.BUILDING:
        raise Conflict(f"Cannot get console output of instance {inst.uuid} while it is in vm_state {inst.vm_state}")
    svc = service(request)
    text: str = await svc.compute_api.get_console_output(
        request.context, str(inst.host), instance_uuid=inst.uuid, timeout=30
    )
    # Nova's tail: the last ``length`` pieces of the log split on newlines (a log ending
    # in a newline has an empty last piece), and no control characters but tab/newline.
    if length is not None and length >= 0:
        text = "\n".join(text.split("\n")[-length:]) if length else ""
    return json_response({"output": _CONTROL.sub("", text)})


def _action_view(request: Request, a: InstanceAction) -> dict[str, Any]:
    data: dict[str, Any] = {
        "action": a.action,
        "instance_uuid": a.instance_uuid,
        "message": a.message,
        "project_id": a.project_id,
        "request_id": a.request_id,
        "start_time": iso_nozone(a.start_time),
        "user_id": a.user_id,
    }
    if at_least(request, 58):
        data["updated_at"] = iso_nozone(a.updated_at)
    return data


async def actions_index(request: Request) -> Response:
    ctx = request.context
    policy.reader(ctx, "os_compute_api:os-instance-actions:list")
    svc = service(request)
    inst = await instances.get(svc.db, ctx, request.path_params["server_id"], allow_deleted=at_least(request, 21))
    async with svc.db.reader() as s:
        rows = list(
            await s.scalars(
                select(InstanceAction)
                .where(InstanceAction.instance_uuid == inst.uuid)
                .order_by(InstanceAction.start_time.desc(), InstanceAction.id.desc())
            )
        )
    return json_response({"instanceActions": [_action_view(request, a) for a in rows]})


async def actions_show(request: Request) -> Response:
    ctx = request.context
    policy.reader(ctx, "os_compute_api:os-instance-actions:show")
    svc = service(request)
    inst = await instances.get(svc.db, ctx, request.path_params["server_id"], allow_deleted=at_least(request, 21))
    async with svc.db.reader() as s:
        found = await s.scalar(
            select(InstanceAction).where(
                InstanceAction.instance_uuid == inst.uuid,
                InstanceAction.request_id == request.path_params["request_id"],
            )
        )
        if found is None:
            raise NotFound(
                f"Action for request_id {request.path_params['request_id']} on instance {inst.uuid} not found"
            )
        events = list(
            await s.scalars(
                select(InstanceActionEvent)
                .where(InstanceActionEvent.action_id == found.id)
                .order_by(InstanceActionEvent.start_time, InstanceActionEvent.id)
            )
        )
    view = _action_view(request, found)
    if ctx.is_admin or at_least(request, 51):
        shown = []
        for ev in events:
            item: dict[str, Any] = {
                "event": ev.event,
                "start_time": iso_nozone(ev.start_time),
                "finish_time": iso_nozone(ev.finish_time),
                "result": ev.result,
            }
            if ctx.is_admin:
                item["traceback"] = ev.traceback
            if at_least(request, 62):
                item["hostId"] = ""
                if ctx.is_admin:
                    item["host"] = ev.host
            if at_least(request, 84):
                item["details"] = ev.details
            shown.append(item)
        view["events"] = shown
    return json_response({"instanceAction": view})

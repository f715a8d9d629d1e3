"""POST /volumes/{id}/action: extend (and its completion by compute, 3.71), bootable
flag, the attach/detach actions, force delete, status reset, upload to image."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from pocketstack.common.context import RequestContext
from pocketstack.common.errors import Invalid
from pocketstack.volume import attachments, managing, uploads, volumes
from pocketstack.volume.api import policy, schemas
from pocketstack.volume.api.common import at_least, context, deps, to_bool, to_size
from pocketstack.volume.deps import VolumeDeps
from pocketstack.web.request import Request
from pocketstack.web.response import Response, empty, json_response
from pocketstack.web.validation import validate

Action = Callable[[Request, VolumeDeps, RequestContext, str, Any], Awaitable[Response]]


def _dict(args: Any, action: str) -> dict[str, Any]:
    if args is None:
        return {}
    if not isinstance(args, dict):
        raise Invalid(f"Invalid input received: the body of {action} must be an object.")
    return args


def _connector(args: dict[str, Any], action: str) -> dict[str, Any]:
    connector = args.get("connector")
    if not isinstance(connector, dict):
        raise Invalid(f"Invalid input received: {action} needs a 'connector' object.")
    return connector


async def _extend(request: Request, d: VolumeDeps, ctx: RequestContext, vid: str, args: Any) -> Response:
    policy.writer(ctx, "volume:extend")
    data = _dict(args, "os-extend")
    if "new_size" not in data:
        raise Invalid("Invalid input received: os-extend needs 'new_size'.")
    new_size = to_size(data["new_size"], "new_size")
    if new_size is None:
        raise Invalid("Invalid input received: new_size must be an integer and greater than 0, not None.")
    await volumes.extend(d, ctx, vid, new_size, online=at_least(request, 42))
    return empty(202)


async def _extend_completion(request: Request, d: VolumeDeps, ctx: RequestContext, vid: str, args: Any) -> Response:
    """Compute reports how growing an attached volume went (Cinder 3.71)."""
    policy.admin(ctx, "volume_extension:volume_admin_actions:extend_volume_completion")
    if not at_least(request, 71):
        raise Invalid("Invalid input received: os-extend_volume_completion needs microversion 3.71 or later.")
    data = _dict(args, "os-extend_volume_completion")
    if "error" not in data:
        raise Invalid("Invalid input received: os-extend_volume_completion needs 'error'.")
    await volumes.extend_completion(d, ctx, vid, error=to_bool(data["error"], "error"))
    return empty(202)


async def _set_bootable(request: Request, d: VolumeDeps, ctx: RequestContext, vid: str, args: Any) -> Response:
    policy.writer(ctx, "volume:update")
    data = _dict(args, "os-set_bootable")
    if "bootable" not in data:
        raise Invalid("Invalid input received: os-set_bootable needs 'bootable'.")
    await volumes.set_bootable(d, ctx, vid, to_bool(data["bootable"], "bootable"))
    return empty(200)


async def _reserve(request: Request, d: VolumeDeps, ctx: RequestContext, vid: str, args: Any) -> Response:
    policy.writer(ctx, "volume:reserve_volume")
    await attachments.legacy_reserve(d, ctx, vid)
    return empty(202)


async def _unreserve(request: Request, d: VolumeDeps, ctx: RequestContext, vid: str, args: Any) -> Response:
    policy.writer(ctx, "volume:unreserve_volume")
    await attachments.legacy_unreserve(d, ctx, vid)
    return empty(202)


async def _initialize(request: Request, d: VolumeDeps, ctx: RequestContext, vid: str, args: Any) -> Response:
    policy.writer(ctx, "volume:initialize_connection")
    info = await attachments.legacy_initialize(
        d, ctx, vid, _connector(_dict(args, "os-initialize_connection"), "os-initialize_connection")
    )
    return json_response({"connection_info": info})


async def _terminate(request: Request, d: VolumeDeps, ctx: RequestContext, vid: str, args: Any) -> Response:
    policy.writer(ctx, "volume:terminate_connection")
    await attachments.legacy_terminate(
        d, ctx, vid, _connector(_dict(args, "os-terminate_connection"), "os-terminate_connection")
    )
    return empty(202)


async def _attach(request: Request, d: VolumeDeps, ctx: RequestContext, vid: str, args: Any) -> Response:
    policy.writer(ctx, "volume:attach")
    data = _dict(args, "os-attach")
    mountpoint = data.get("mountpoint")
    if not isinstance(mountpoint, str) or not mountpoint:
        raise Invalid("Invalid input received: os-attach needs a 'mountpoint'.")
    if not data.get("instance_uuid") and not data.get("host_name"):
        raise Invalid("Invalid input received: os-attach needs an 'instance_uuid' or a 'host_name'.")
    mode = data.get("mode", "rw")
    if mode not in ("rw", "ro"):
        raise Invalid(f"Invalid input received: Invalid attach mode {mode!r}; use rw or ro.")
    await attachments.legacy_attach(d, ctx, vid, data.get("instance_uuid"), mountpoint, mode, data.get("host_name"))
    return empty(202)


async def _begin_detaching(request: Request, d: VolumeDeps, ctx: RequestContext, vid: str, args: Any) -> Response:
    policy.writer(ctx, "volume:begin_detaching")
    await attachments.legacy_begin_detaching(d, ctx, vid)
    return empty(202)


async def _roll_detaching(request: Request, d: VolumeDeps, ctx: RequestContext, vid: str, args: Any) -> Response:
    policy.writer(ctx, "volume:roll_detaching")
    await attachments.legacy_roll_detaching(d, ctx, vid)
    return empty(202)


async def _detach(request: Request, d: VolumeDeps, ctx: RequestContext, vid: str, args: Any) -> Response:
    policy.writer(ctx, "volume:detach")
    await attachments.legacy_detach(d, ctx, vid, _dict(args, "os-detach").get("attachment_id"))
    return empty(202)


async def _force_delete(request: Request, d: VolumeDeps, ctx: RequestContext, vid: str, args: Any) -> Response:
    policy.admin(ctx, "volume_extension:volume_admin_actions:force_delete")
    await volumes.delete(d, ctx, vid, cascade=True, force=True)
    return empty(202)


async def _reset_status(request: Request, d: VolumeDeps, ctx: RequestContext, vid: str, args: Any) -> Response:
    policy.admin(ctx, "volume_extension:volume_admin_actions:reset_status")
    data = _dict(args, "os-reset_status")
    values: dict[str, Any] = {k: data[k] for k in ("status", "attach_status") if k in data}
    if not values:
        raise Invalid("Invalid input received: os-reset_status needs 'status' or 'attach_status'.")
    await volumes.reset_status(d, ctx, vid, values)
    return empty(202)


async def _upload(request: Request, d: VolumeDeps, ctx: RequestContext, vid: str, args: Any) -> Response:
    policy.writer(ctx, "volume_extension:volume_actions:upload_image")
    data = _dict(args, "os-volume_upload_image")
    name = data.get("image_name")
    if not isinstance(name, str) or not name.strip():
        raise Invalid("Invalid input received: os-volume_upload_image needs an 'image_name'.")
    visibility = data.get("visibility", "private")
    if visibility not in ("private", "public", "shared", "community"):
        raise Invalid(f"Invalid input received: Invalid visibility {visibility!r}.")
    result = await uploads.upload_to_image(
        d,
        ctx,
        vid,
        name,
        disk_format=data.get("disk_format", "raw"),
        container_format=data.get("container_format", "bare"),
        force=to_bool(data.get("force", False), "force"),
        visibility=visibility,
        protected=to_bool(data.get("protected", False), "protected"),
    )
    return json_response({"os-volume_upload_image": result}, 202)


async def _readonly(request: Request, d: VolumeDeps, ctx: RequestContext, vid: str, args: Any) -> Response:
    policy.writer(ctx, "volume:update_readonly_flag")
    data = _dict(args, "os-update_readonly_flag")
    if "readonly" not in data:
        raise Invalid("Invalid input received: os-update_readonly_flag needs 'readonly'.")
    flag = to_bool(data["readonly"], "readonly")
    await volumes.set_metadata(d, ctx, vid, {"readonly": "True" if flag else "False"}, replace=False)
    return empty(202)


async def _retype(request: Request, d: VolumeDeps, ctx: RequestContext, vid: str, args: Any) -> Response:
    policy.writer(ctx, "volume:retype")
    data = _dict(args, "os-retype")
    new_type = data.get("new_type")
    if not isinstance(new_type, str) or not new_type:
        raise Invalid("Invalid input received: os-retype needs a 'new_type'.")
    policy_name = data.get("migration_policy", "never")
    if policy_name not in (None, "never", "on-demand"):
        raise Invalid(f"Invalid input received: migration_policy must be never or on-demand, not {policy_name!r}.")
    await volumes.retype(d, ctx, vid, new_type)
    return empty(202)


async def _force_detach(request: Request, d: VolumeDeps, ctx: RequestContext, vid: str, args: Any) -> Response:
    policy.admin(ctx, "volume_extension:volume_admin_actions:force_detach")
    data = _dict(args, "os-force_detach")
    connector = data.get("connector")
    if connector is not None and not isinstance(connector, dict):
        raise Invalid("Invalid input received: os-force_detach's connector must be an object.")
    await attachments.force_detach(d, ctx, vid, data.get("attachment_id"), connector)
    return empty(202)


async def _set_image_metadata(request: Request, d: VolumeDeps, ctx: RequestContext, vid: str, args: Any) -> Response:
    policy.writer(ctx, "volume_extension:volume_image_metadata:set")
    items = validate(schemas.METADATA_BODY, _dict(args, "os-set_image_metadata"))["metadata"]
    return json_response({"metadata": await volumes.set_image_metadata(d, ctx, vid, items)})


async def _unset_image_metadata(request: Request, d: VolumeDeps, ctx: RequestContext, vid: str, args: Any) -> Response:
    policy.writer(ctx, "volume_extension:volume_image_metadata:remove")
    key = _dict(args, "os-unset_image_metadata").get("key")
    if not isinstance(key, str) or not key:
        raise Invalid("Invalid input received: os-unset_image_metadata needs a 'key'.")
    await volumes.unset_image_metadata(d, ctx, vid, key)
    return empty(200)


async def _show_image_metadata(request: Request, d: VolumeDeps, ctx: RequestContext, vid: str, args: Any) -> Response:
    rec = await volumes.show(d, ctx, vid)
    return json_response({"metadata": dict(rec.volume.image_metadata or {})})


async def _revert(request: Request, d: VolumeDeps, ctx: RequestContext, vid: str, args: Any) -> Response:
    if not at_least(request, 40):
        raise Invalid("Invalid input received: There is no such action: revert")
    policy.writer(ctx, "volume:revert_to_snapshot")
    snapshot_id = _dict(args, "revert").get("snapshot_id")
    if not isinstance(snapshot_id, str) or not snapshot_id:
        raise Invalid("Invalid input received: revert needs a 'snapshot_id'.")
    await volumes.revert(d, ctx, vid, snapshot_id)
    return empty(202)


async def _unmanage(request: Request, d: VolumeDeps, ctx: RequestContext, vid: str, args: Any) -> Response:
    policy.admin(ctx, "volume_extension:volume_unmanage")
    await managing.unmanage(d, ctx, vid)
    return empty(202)


async def _reimage(request: Request, d: VolumeDeps, ctx: RequestContext, vid: str, args: Any) -> Response:
    if not at_least(request, 68):
        raise Invalid("Invalid input received: There is no such action: os-reimage")
    data = _dict(args, "os-reimage")
    image_id = data.get("image_id")
    if not isinstance(image_id, str) or not image_id:
        raise Invalid("Invalid input received: os-reimage needs an 'image_id'.")
    reserved = to_bool(data.get("reimage_reserved", False), "reimage_reserved")
    policy.writer(ctx, "volume:reimage_reserved" if reserved else "volume:reimage")
    await volumes.reimage(d, ctx, vid, image_id, reserved)
    return empty(202)


ACTIONS: dict[str, Action] = {
    "os-reimage": _reimage,
    "os-unmanage": _unmanage,
    "revert": _revert,
    "os-retype": _retype,
    "os-force_detach": _force_detach,
    "os-set_image_metadata": _set_image_metadata,
    "os-unset_image_metadata": _unset_image_metadata,
    "os-show_image_metadata": _show_image_metadata,
    "os-extend": _extend,
    "os-extend_volume_completion": _extend_completion,
    "os-set_bootable": _set_bootable,
    "os-reserve": _reserve,
    "os-unreserve": _unreserve,
    "os-initialize_connection": _initialize,
    "os-terminate_connection": _terminate,
    "os-attach": _attach,
    "os-begin_detaching": _begin_detaching,
    "os-roll_detaching": _roll_detaching,
    "os-detach": _detach,
    "os-force_delete": _force_delete,
    "os-reset_status": _reset_status,
    "os-volume_upload_image": _upload,
    "os-update_readonly_flag": _readonly,
}


async def action(request: Request) -> Response:
    ctx = context(request)
    data = await request.json()
    if not isinstance(data, dict) or len(data) != 1:
        raise Invalid("Invalid input received: the action body must name exactly one action.")
    name, args = next(iter(data.items()))
    handler = ACTIONS.get(name)
    if handler is None:
        raise Invalid(f"Invalid input received: There is no such action: {name}")
    return await handler(request, deps(request), ctx, request.path_params["volume_id"], args)

"""Containers: create, list (with Swift's paging, prefix and delimiter), show, metadata
and ACLs, delete when empty."""

from __future__ import annotations

from pocketstack.common.errors import Invalid
from pocketstack.object import access, bulk, index, objects, policy, staticweb, views
from pocketstack.object import meta as metadata
from pocketstack.object.deps import ObjectDeps
from pocketstack.object.handlers import objects as object_handlers
from pocketstack.object.handlers.common import Target, container, container_name, page, target
from pocketstack.object.models import Container
from pocketstack.web import Request, Response, empty

_QUOTAS = ("x-container-meta-quota-bytes", "x-container-meta-quota-count")
# What only the account's operators see of a container.
_PRIVATE = ("x-container-read", "x-container-write", "x-container-sync-key", "x-container-sync-to")


def _changes(request: Request) -> dict[str, str | None]:
    changes = metadata.updates(request.headers, "container")
    for key in ("x-container-read", "x-container-write"):
        access.check_acl(changes.get(key))
    for key in _QUOTAS:
        value = changes.get(key)
        if value is not None and not value.isdigit():
            raise Invalid(f"Invalid quota {value!r} in {key}: a non-negative integer.")
    for key in (objects.VERSIONS, objects.HISTORY):
        value = changes.get(key)
        if value is not None and "/" in value.strip("/"):
            raise Invalid(f"{key} must name a container of this account, without '/'.")
    if changes.get(objects.VERSIONS) and changes.get(objects.HISTORY):
        raise Invalid("Only one of X-Versions-Location and X-History-Location may be set.")
    return changes


def _shown(request: Request, row: Container, owner: bool) -> list[tuple[str, str]]:
    headers = views.container_headers(row)
    return headers if owner else [(k, v) for k, v in headers if k not in _PRIVATE]


async def create(deps: ObjectDeps, request: Request) -> Response:
    t = await target(deps, request)
    policy.enforce(t.ctx, "object:write", t.project_id)
    name = container_name(request)
    if request.param("extract-archive") is not None:
        return await bulk.extract(deps, request, t, name)
    changes = _changes(request)
    created = await index.put_container(deps.db, t.account, name, changes)
    return empty(201 if created else 202, headers=[("content-type", views.PLAIN)])


async def show(deps: ObjectDeps, request: Request) -> Response:
    t = await target(deps, request)
    row = await container(deps, t, container_name(request))
    if staticweb.web_mode(t.ctx, request) and (staticweb.index_name(row) or staticweb.lists(row)):
        return await _website(deps, request, t, row)
    if not access.may_list(t.ctx, t.project_id, row.meta):
        raise access.refuse(t.ctx, "listing this container")
    content_type = views.listing_format(request.param("format"), request.headers.get("accept"))
    listing = await index.list_objects(deps.db, row.id, page(request, deps.limits.container_listing_limit))
    response = views.object_listing(row.name, listing, content_type)
    response.headers.extend(_shown(request, row, policy.allowed(t.ctx, "object:read", t.project_id)))
    return response


async def _website(deps: ObjectDeps, request: Request, t: Target, row: Container) -> Response:
    """staticweb.py: the container's index object, or its HTML listing."""
    if not access.may_read(t.ctx, t.project_id, row.meta):
        raise access.refuse(t.ctx, "this container")
    name = staticweb.index_name(row)
    if name is not None:
        request.path_params["object"] = name
        return await object_handlers.get(deps, request)
    items = await index.list_objects(deps.db, row.id, page(request, deps.limits.container_listing_limit))
    return staticweb.listing(f"/v1/{t.account}/{row.name}/", row, items)


async def head(deps: ObjectDeps, request: Request) -> Response:
    t = await target(deps, request)
    row = await container(deps, t, container_name(request))
    if not access.may_list(t.ctx, t.project_id, row.meta):
        raise access.refuse(t.ctx, "this container")
    content_type = views.listing_format(request.param("format"), request.headers.get("accept"))
    owner = policy.allowed(t.ctx, "object:read", t.project_id)
    return empty(204, headers=[("content-type", content_type), *_shown(request, row, owner)])


async def update(deps: ObjectDeps, request: Request) -> Response:
    t = await target(deps, request)
    policy.enforce(t.ctx, "object:write", t.project_id)
    await index.post_container(deps.db, t.account, container_name(request), _changes(request))
    return empty(204, headers=[("content-type", views.PLAIN)])


async def delete(deps: ObjectDeps, request: Request) -> Response:
    t = await target(deps, request)
    policy.enforce(t.ctx, "object:write", t.project_id)
    await index.delete_container(deps.db, t.account, container_name(request))
    return empty(204, headers=[("content-type", views.PLAIN)])

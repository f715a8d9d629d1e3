"""Accounts (``/v1/AUTH_<project>``): show with the container listing, metadata, bulk delete."""

from __future__ import annotations

from pocketstack.common.errors import Invalid, MethodNotAllowed
from pocketstack.object import index, policy, views
from pocketstack.object import meta as metadata
from pocketstack.object.bulk import delete as bulk_delete
from pocketstack.object.bulk import extract
from pocketstack.object.deps import ObjectDeps
from pocketstack.object.handlers.common import page, target
from pocketstack.web import Request, Response, empty

QUOTAS = ("x-account-meta-quota-bytes", "x-account-quota-bytes", "x-account-quota-count")


async def _headers(deps: ObjectDeps, account: str) -> list[tuple[str, str]]:
    row, usage = await index.get_account(deps.db, account)
    # An account is auto-created: one never written to shows as empty, as Swift's.
    created = row.created_at if row is not None else index.now()
    return views.account_headers(account, created, usage, row.meta if row is not None else {})


async def show(deps: ObjectDeps, request: Request) -> Response:
    t = await target(deps, request)
    policy.enforce(t.ctx, "object:read", t.project_id)
    content_type = views.listing_format(request.param("format"), request.headers.get("accept"))
    listing = await index.list_containers(deps.db, t.account, page(request, deps.limits.container_listing_limit))
    response = views.container_listing(t.account, listing, content_type)
    response.headers.extend(await _headers(deps, t.account))
    return response


async def head(deps: ObjectDeps, request: Request) -> Response:
    t = await target(deps, request)
    policy.enforce(t.ctx, "object:read", t.project_id)
    content_type = views.listing_format(request.param("format"), request.headers.get("accept"))
    return empty(204, headers=[("content-type", content_type), *await _headers(deps, t.account)])


async def update(deps: ObjectDeps, request: Request) -> Response:
    t = await target(deps, request)
    if request.param("bulk-delete") is not None:
        return await bulk_delete(deps, request, t)
    policy.enforce(t.ctx, "object:write", t.project_id)
    changes = metadata.updates(request.headers, "account")
    for key in QUOTAS:
        if key not in changes:
            continue
        policy.enforce(t.ctx, "object:set_quota", t.project_id)
        value = changes[key]
        if value is not None and not value.lstrip("-").isdigit():
            raise Invalid(f"Invalid quota {value!r} in {key}: an integer.")
    await index.update_account(deps.db, t.account, changes)
    return empty(204, headers=[("content-type", views.PLAIN)])


async def put(deps: ObjectDeps, request: Request) -> Response:
    """Accounts are created on first use: PUT takes only an archive to extract."""
    t = await target(deps, request)
    if request.param("extract-archive") is None:
        raise MethodNotAllowed("Accounts are created on first use; PUT on an account takes only ?extract-archive=.")
    return await extract(deps, request, t)


async def delete(deps: ObjectDeps, request: Request) -> Response:
    """Accounts are never deleted through the API: DELETE takes only ?bulk-delete."""
    t = await target(deps, request)
    if request.param("bulk-delete") is None:
        raise MethodNotAllowed("Accounts cannot be deleted; DELETE on an account takes only ?bulk-delete.")
    return await bulk_delete(deps, request, t)

"""Accounts (``/v1/AUTH_<project>``): show with the container listing, metadata, bulk delete."""

from __future__ import annotations

from pocketstack.common.errors import Invalid
from pocketstack.object import index, policy, views
from pocketstack.object import meta as metadata
from pocketstack.object.bulk import delete as bulk_delete
from pocketstack.object.deps import ObjectDeps
from pocketstack.object.handlers.common import page, target
from pocketstack.web import Request, Response, empty

QUOTA = "x-account-meta-quota-bytes"


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
    if QUOTA in changes or request.headers.get("x-remove-account-meta-quota-bytes") is not None:
        policy.enforce(t.ctx, "object:set_quota", t.project_id)
        value = changes.get(QUOTA)
        if value is not None and not value.lstrip("-").isdigit():
            raise Invalid(f"Invalid quota {value!r}: an integer number of bytes.")
    await index.update_account(deps.db, t.account, changes)
    return empty(204, headers=[("content-type", views.PLAIN)])

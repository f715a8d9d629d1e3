"""What every object storage handler starts with: the caller and account of the path,
the container it names, and a listing's query parameters."""

from __future__ import annotations

from dataclasses import dataclass

from pocketstack.common.context import RequestContext
from pocketstack.common.errors import Invalid, NotFound, PreconditionFailed
from pocketstack.object import access, index
from pocketstack.object.deps import ObjectDeps
from pocketstack.object.models import MAX_CONTAINER_NAME, Container
from pocketstack.web import Request


@dataclass(frozen=True, slots=True)
class Target:
    ctx: RequestContext
    account: str
    project_id: str


async def target(deps: ObjectDeps, request: Request) -> Target:
    account = request.path_params["account"]
    project_id = access.project_of(account)
    ctx = await access.identify(request, deps.authenticator)
    return Target(ctx, account, project_id)


def container_name(request: Request) -> str:
    name = request.path_params["container"]
    length = len(name.encode())
    if length > MAX_CONTAINER_NAME:
        raise Invalid(f"Container name length of {length} longer than {MAX_CONTAINER_NAME}")
    return name


async def container(deps: ObjectDeps, t: Target, name: str, request: Request | None = None) -> Container:
    """The container, or 404; a caller without a token (and no temporary URL) gets 401
    instead, not a hint whether it exists."""
    row = await index.get_container(deps.db, t.account, name)
    if row is None:
        if t.ctx.user_id is None and not (request is not None and access.has_temp_url(request)):
            raise access.refuse(t.ctx, "no token")
        raise NotFound(f"Container {name} not found")
    return row


async def account_meta(deps: ObjectDeps, account: str) -> dict[str, str]:
    row, _ = await index.get_account(deps.db, account)
    return dict(row.meta) if row is not None else {}


_TRUE = ("true", "1", "yes", "on", "t", "y")


def page(request: Request, limit_max: int) -> index.Page:
    raw = request.param("limit")
    limit = limit_max
    if raw not in (None, ""):
        try:
            limit = int(raw or "")
        except ValueError:
            raise PreconditionFailed(f"Value of limit must be a positive integer, not {raw!r}.") from None
        if limit < 0:
            raise PreconditionFailed("Value of limit must be a positive integer.")
        if limit > limit_max:
            raise PreconditionFailed(f"Maximum limit is {limit_max}")
    values: dict[str, str] = {}
    for name in ("marker", "end_marker", "prefix", "delimiter"):
        value = request.param(name) or ""
        if len(value.encode()) > 1024:
            raise PreconditionFailed(f"Value of {name} is longer than 1024 bytes.")
        values[name] = value
    return index.Page(
        limit=limit,
        reverse=(request.param("reverse") or "").lower() in _TRUE,
        path=request.param("path"),
        **values,
    )

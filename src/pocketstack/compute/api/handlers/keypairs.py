"""Key pairs: import a public key, or have one generated (the private key is shown once)."""

from __future__ import annotations

from typing import Any

from pocketstack.common.errors import Invalid
from pocketstack.common.timeutils import iso_nozone
from pocketstack.compute.api import policy, schemas
from pocketstack.compute.api.common import at_least, body, limit_param, next_link
from pocketstack.compute.api.common import db as _db
from pocketstack.compute.models import KeyPair
from pocketstack.compute.objects import keypairs, quotas
from pocketstack.web.request import Request
from pocketstack.web.response import Response, empty, json_response
from pocketstack.web.validation import validate


def _view(request: Request, pair: KeyPair, *, detail: bool) -> dict[str, Any]:
    data: dict[str, Any] = {"name": pair.name, "public_key": pair.public_key, "fingerprint": pair.fingerprint}
    if at_least(request, 2):
        data["type"] = pair.type
    if detail:
        data.update(
            {
                "user_id": pair.user_id,
                "created_at": iso_nozone(pair.created_at),
                "deleted": False,
                "deleted_at": None,
                "updated_at": None,
                "id": pair.id,
            }
        )
    return data


def _target_user(request: Request) -> str:
    """Whose key pairs: the caller's, or (admins, 2.10+) the ``user_id`` asked for."""
    ctx = request.context
    wanted = request.param("user_id") if at_least(request, 10) else None
    if wanted and wanted != ctx.user_id:
        policy.admin(ctx, "os_compute_api:os-keypairs")
        return wanted
    return ctx.user_id or ""


async def index(request: Request) -> Response:
    policy.reader(request.context, "os_compute_api:os-keypairs:index")
    paging = at_least(request, 35)
    limit = limit_param(request) if paging else None
    pairs = await keypairs.list_pairs(
        _db(request), _target_user(request), limit, request.param("marker") if paging else None
    )
    result: dict[str, Any] = {"keypairs": [{"keypair": _view(request, p, detail=False)} for p in pairs]}
    if limit and len(pairs) == limit:
        result["keypairs_links"] = next_link(request, "os-keypairs", pairs[-1].name)
    return json_response(result)


async def show(request: Request) -> Response:
    policy.reader(request.context, "os_compute_api:os-keypairs:show")
    pair = await keypairs.get(_db(request), _target_user(request), request.path_params["name"])
    return json_response({"keypair": _view(request, pair, detail=True)})


async def create(request: Request) -> Response:
    ctx = request.context
    policy.member(ctx, "os_compute_api:os-keypairs:create")
    data = validate(schemas.KEYPAIR_CREATE, await body(request))["keypair"]
    if "type" in data and not at_least(request, 2):
        raise Invalid(
            "Invalid input for field 'keypair': Additional properties are not allowed ('type' was unexpected)"
        )
    user_id = ctx.user_id or ""
    if "user_id" in data:
        if not at_least(request, 10):
            raise Invalid(
                "Invalid input for field 'keypair': Additional properties are not allowed ('user_id' was unexpected)"
            )
        if data["user_id"] != user_id:
            policy.admin(ctx, "os_compute_api:os-keypairs:create")
            user_id = data["user_id"]
    private_key = None
    public_key = data.get("public_key")
    if public_key is None:
        if at_least(request, 92):
            raise Invalid("Invalid input for field 'keypair': 'public_key' is a required property")
        private_key, public_key = keypairs.generate(data.get("type", "ssh"), user_id)
    limit = (await quotas.limits(_db(request), ctx.project_id or ""))["key_pairs"]
    pair = await keypairs.create(_db(request), user_id, data["name"], public_key, data.get("type", "ssh"), limit)
    view = _view(request, pair, detail=False)
    view["user_id"] = pair.user_id
    if private_key is not None:
        view["private_key"] = private_key
    return json_response({"keypair": view}, 201 if at_least(request, 2) else 200)


async def delete(request: Request) -> Response:
    policy.member(request.context, "os_compute_api:os-keypairs:delete")
    await keypairs.delete_pair(_db(request), _target_user(request), request.path_params["name"])
    return empty(204 if at_least(request, 2) else 202)

"""Flavors, their extra specs and access lists."""

from __future__ import annotations

from typing import Any

from pocketstack.common.errors import Invalid, NotFound
from pocketstack.compute.api import policy, schemas
from pocketstack.compute.api.common import at_least, body, limit_param, links, next_link
from pocketstack.compute.api.common import db as _db
from pocketstack.compute.models import Flavor
from pocketstack.compute.objects import flavors
from pocketstack.web.request import Request
from pocketstack.web.response import Response, empty, json_response
from pocketstack.web.validation import validate

# Nova's db.constants.MAX_INT: the largest flavor size its integer columns hold.
MAX_INT = 2**31 - 1


def view(request: Request, flavor: Flavor, *, detail: bool = True) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": flavor.flavorid,
        "name": flavor.name,
        "links": links(request, "flavors", flavor.flavorid),
    }
    if at_least(request, 55):
        data["description"] = flavor.description
    if not detail:
        return data
    data.update(
        {
            "ram": flavor.memory_mb,
            "disk": flavor.root_gb,
            "vcpus": flavor.vcpus,
            "OS-FLV-EXT-DATA:ephemeral": flavor.ephemeral_gb,
            "OS-FLV-DISABLED:disabled": flavor.disabled,
            "swap": flavor.swap if (flavor.swap or at_least(request, 75)) else "",
            "rxtx_factor": flavor.rxtx_factor,
            "os-flavor-access:is_public": flavor.is_public,
        }
    )
    if at_least(request, 61):
        data["extra_specs"] = dict(flavor.extra_specs or {})
    return data


def _public_filter(request: Request) -> bool | None:
    raw = request.param("is_public")
    if raw is None:
        return True
    if raw.lower() == "none":
        return None
    # oslo's strict bool_from_string, as Nova parses this filter.
    if raw.lower() in ("1", "t", "true", "on", "y", "yes"):
        return True
    if raw.lower() in ("0", "f", "false", "off", "n", "no"):
        return False
    raise Invalid(f"Invalid is_public filter [{raw}]")


async def _list(request: Request, detail: bool) -> Response:
    ctx = request.context
    found = await flavors.list_flavors(
        _db(request),
        ctx,
        is_public=_public_filter(request),
        min_ram=request.int_param("minRam"),
        min_disk=request.int_param("minDisk"),
        limit=limit_param(request),
        marker=request.param("marker"),
        sort_key=request.param("sort_key") or "flavorid",
        sort_dir=request.param("sort_dir") or "asc",
    )
    result: dict[str, Any] = {"flavors": [view(request, f, detail=detail) for f in found]}
    limit = limit_param(request)
    if limit and len(found) == limit:
        result["flavors_links"] = next_link(request, "flavors" + ("/detail" if detail else ""), found[-1].flavorid)
    return json_response(result)


async def index(request: Request) -> Response:
    return await _list(request, False)


async def detail(request: Request) -> Response:
    return await _list(request, True)


async def show(request: Request) -> Response:
    flavor = await flavors.get(_db(request), request.context, request.path_params["flavor_id"])
    return json_response({"flavor": view(request, flavor)})


async def create(request: Request) -> Response:
    policy.admin(request.context, "os_compute_api:os-flavor-manage:create")
    schema = schemas.FLAVOR_CREATE
    data = validate(schema, await body(request))["flavor"]
    if "description" in data and not at_least(request, 55):
        raise Invalid(
            "Invalid input for field 'flavor': Additional properties are not allowed ('description' was unexpected)"
        )
    spec = flavors.FlavorSpec(
        name=data["name"].strip(),
        vcpus=_db_int(data, "vcpus"),
        ram=_db_int(data, "ram"),
        disk=_db_int(data, "disk"),
        flavorid=None if data.get("id") is None else str(data["id"]),
        ephemeral=_db_int(data, "OS-FLV-EXT-DATA:ephemeral"),
        swap=_db_int(data, "swap"),
        rxtx_factor=float(data.get("rxtx_factor", 1.0)),
        is_public=schemas.as_bool(data.get("os-flavor-access:is_public", True)),
        description=data.get("description"),
    )
    flavor = await flavors.create(_db(request), spec)
    return json_response({"flavor": view(request, flavor)})


def _db_int(data: dict[str, Any], name: str) -> int:
    """A flavor size as Nova's validate_integer: the schema bounds only the low end (and
    digit strings not at all); past the database's integer it is a 400, never an overflow."""
    value = int(data.get(name, 0))
    if value > MAX_INT:
        raise Invalid(f"Invalid input for field/attribute {name}. Value: {value}. {name} must be <= {MAX_INT}")
    return value


async def update(request: Request) -> Response:
    policy.admin(request.context, "os_compute_api:os-flavor-manage:update")
    if not at_least(request, 55):
        raise NotFound("The resource could not be found.")
    data = validate(schemas.FLAVOR_UPDATE, await body(request))["flavor"]
    flavor = await flavors.update_description(_db(request), request.path_params["flavor_id"], data["description"])
    return json_response({"flavor": view(request, flavor)})


async def delete(request: Request) -> Response:
    policy.admin(request.context, "os_compute_api:os-flavor-manage:delete")
    await flavors.delete_flavor(_db(request), request.path_params["flavor_id"])
    return empty(202)


async def extra_specs_index(request: Request) -> Response:
    policy.reader(request.context, "os_compute_api:os-flavor-extra-specs:index")
    flavor = await flavors.get(_db(request), request.context, request.path_params["flavor_id"])
    return json_response({"extra_specs": dict(flavor.extra_specs or {})})


async def extra_specs_create(request: Request) -> Response:
    policy.admin(request.context, "os_compute_api:os-flavor-extra-specs:create")
    data = validate(schemas.EXTRA_SPECS, await body(request))["extra_specs"]
    specs = {k: str(v).lower() if isinstance(v, bool) else str(v) for k, v in data.items()}
    await flavors.set_extra_specs(_db(request), request.path_params["flavor_id"], specs)
    return json_response({"extra_specs": specs})


async def extra_spec_show(request: Request) -> Response:
    policy.reader(request.context, "os_compute_api:os-flavor-extra-specs:show")
    flavor = await flavors.get(_db(request), request.context, request.path_params["flavor_id"])
    key = request.path_params["key"]
    if key not in (flavor.extra_specs or {}):
        raise NotFound(f"Flavor {flavor.flavorid} has no extra specs with key {key}.")
    return json_response({key: flavor.extra_specs[key]})


async def extra_spec_update(request: Request) -> Response:
    policy.admin(request.context, "os_compute_api:os-flavor-extra-specs:update")
    key = request.path_params["key"]
    data = await body(request)
    if not isinstance(data, dict) or len(data) != 1 or key not in data:
        raise Invalid("Request body and URI mismatch")
    value = data[key]
    if not isinstance(value, (str, int, float, bool)) or len(str(value)) > 255:
        raise Invalid(f"Invalid input for field '{key}': the value must be a string of at most 255 characters")
    await flavors.set_extra_specs(_db(request), request.path_params["flavor_id"], {key: str(value)})
    return json_response({key: str(value)})


async def extra_spec_delete(request: Request) -> Response:
    policy.admin(request.context, "os_compute_api:os-flavor-extra-specs:delete")
    await flavors.delete_extra_spec(_db(request), request.path_params["flavor_id"], request.path_params["key"])
    return empty(200)  # Nova answers 200 here (not 202 or 204)


def _access_view(flavorid: str, projects: list[str]) -> dict[str, Any]:
    return {"flavor_access": [{"flavor_id": flavorid, "tenant_id": p} for p in projects]}


async def access_index(request: Request) -> Response:
    policy.admin(request.context, "os_compute_api:os-flavor-access")
    flavorid = request.path_params["flavor_id"]
    return json_response(_access_view(flavorid, await flavors.access_list(_db(request), flavorid)))


async def action(request: Request) -> Response:
    policy.admin(request.context, "os_compute_api:os-flavor-access:add_tenant_access")
    flavorid = request.path_params["flavor_id"]
    data = await body(request)
    if isinstance(data, dict) and "addTenantAccess" in data:
        tenant = validate(schemas.FLAVOR_ACCESS_ADD, data)["addTenantAccess"]["tenant"]
        await flavors.add_access(_db(request), flavorid, tenant)
    elif isinstance(data, dict) and "removeTenantAccess" in data:
        tenant = validate(schemas.FLAVOR_ACCESS_REMOVE, data)["removeTenantAccess"]["tenant"]
        await flavors.remove_access(_db(request), flavorid, tenant)
    else:
        raise Invalid("Invalid flavor action: use addTenantAccess or removeTenantAccess")
    return json_response(_access_view(flavorid, await flavors.access_list(_db(request), flavorid)))

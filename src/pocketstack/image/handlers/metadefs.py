"""The metadata definitions catalog (/v2/metadefs): namespaces, their objects, property
definitions, tags and resource type associations, and the catalog's schemas."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from pocketstack.common.errors import Forbidden, Invalid, NotFound
from pocketstack.image import metadef_access, metadefs
from pocketstack.image import metadef_views as views
from pocketstack.image.deps import ImageDeps
from pocketstack.image.metadef_schemas import (
    DOCUMENTS,
    NAMESPACE,
    OBJECT,
    PROPERTY,
    READ_ONLY,
    RESOURCE_TYPE_ASSOCIATION,
    TAG,
    TAGS_CREATE,
)
from pocketstack.image.models import MetadefObject, MetadefProperty, MetadefTag
from pocketstack.web import Request, Response, empty, json_response
from pocketstack.web.validation import validate


async def _body(request: Request, schema: dict[str, Any]) -> dict[str, Any]:
    body = await request.json()
    # The schema documents have no top-level "type" (as Glance's), so check it here.
    if not isinstance(body, dict):
        raise Invalid("The request body must be a JSON object.")
    for name in READ_ONLY:
        if name in body:
            raise Forbidden(f"Attribute '{name}' is read-only.")
    result: dict[str, Any] = validate(schema, body)
    return result


def _ns(request: Request) -> str:
    return request.path_params["namespace"]


def _bool_header(request: Request, name: str) -> bool:
    return request.headers.get(name, "").strip().lower() in ("1", "true", "yes", "on", "y", "t")


# -- schemas ----------------------------------------------------------------------------


async def schema(deps: ImageDeps, request: Request) -> Response:
    document = DOCUMENTS.get(request.path_params["name"])
    if document is None:
        raise NotFound(f"No metadata definitions schema named {request.path_params['name']!r}.")
    return json_response(document)


# -- namespaces -------------------------------------------------------------------------


async def namespaces_index(deps: ImageDeps, request: Request) -> Response:
    limit = request.int_param("limit", metadef_access.DEFAULT_LIMIT)
    assert limit is not None
    if limit < 0:
        raise Invalid("limit param must be positive")
    resource_types = request.param("resource_types")
    query = metadef_access.NamespaceQuery(
        limit=min(limit, metadef_access.MAX_LIMIT),
        marker=request.param("marker"),
        sort_key=request.param("sort_key") or "created_at",
        sort_dir=request.param("sort_dir") or "desc",
        visibility=request.param("visibility"),
        resource_types=[r.strip() for r in resource_types.split(",") if r.strip()] if resource_types else [],
    )
    details, next_marker = await metadefs.list_namespaces(deps.db, request.context, query)
    params = [(k, v) for k, values in request.query.items() if k != "marker" for v in values]
    body: dict[str, Any] = {
        "namespaces": [views.namespace_detail(d) for d in details],
        "first": views.NAMESPACES + (f"?{urlencode(params)}" if params else ""),
        "schema": "/v2/schemas/metadefs/namespaces",
    }
    if next_marker is not None:
        body["next"] = f"{views.NAMESPACES}?{urlencode([*params, ('marker', next_marker)])}"
    return json_response(body)


async def namespaces_create(deps: ImageDeps, request: Request) -> Response:
    body = await _body(request, NAMESPACE)
    detail = await metadefs.create_namespace(deps.db, request.context, body)
    href = views.namespace_href(detail.namespace.namespace)
    return json_response(views.namespace_detail(detail), 201, headers=[("location", f"{request.base_url}{href}")])


async def namespaces_show(deps: ImageDeps, request: Request) -> Response:
    detail = await metadefs.show_namespace(deps.db, request.context, _ns(request))
    prefix = ""
    resource_type = request.param("resource_type")
    if resource_type:
        found = [a for a in detail.associations if a.name == resource_type]
        prefix = (found[0].row.prefix or "") if found else ""
    return json_response(views.namespace_detail(detail, prefix=prefix))


async def namespaces_update(deps: ImageDeps, request: Request) -> Response:
    body = await _body(request, NAMESPACE)
    ns = await metadefs.update_namespace(deps.db, request.context, _ns(request), body)
    return json_response(views.namespace(ns))


async def namespaces_delete(deps: ImageDeps, request: Request) -> Response:
    await metadefs.delete_namespace(deps.db, request.context, _ns(request))
    return empty(204)


# -- objects ----------------------------------------------------------------------------


async def objects_index(deps: ImageDeps, request: Request) -> Response:
    rows = await metadefs.list_objects(deps.db, request.context, _ns(request))
    # Glance prints this one schema link without its leading slash.
    return json_response(
        {"objects": [views.metadef_object(_ns(request), r) for r in rows], "schema": "v2/schemas/metadefs/objects"}
    )


async def objects_create(deps: ImageDeps, request: Request) -> Response:
    body = await _body(request, OBJECT)
    row = await metadefs.create_object(deps.db, request.context, _ns(request), body)
    return json_response(views.metadef_object(_ns(request), row), 201)


async def objects_show(deps: ImageDeps, request: Request) -> Response:
    row = await metadefs.show_object(deps.db, request.context, _ns(request), request.path_params["object_name"])
    return json_response(views.metadef_object(_ns(request), row))


async def objects_update(deps: ImageDeps, request: Request) -> Response:
    body = await _body(request, OBJECT)
    name = request.path_params["object_name"]
    row = await metadefs.update_object(deps.db, request.context, _ns(request), name, body)
    return json_response(views.metadef_object(_ns(request), row))


async def objects_delete(deps: ImageDeps, request: Request) -> Response:
    await metadefs.delete_object(deps.db, request.context, _ns(request), request.path_params["object_name"])
    return empty(204)


async def objects_delete_all(deps: ImageDeps, request: Request) -> Response:
    await metadefs.delete_contents(deps.db, request.context, _ns(request), MetadefObject, "objects")
    return empty(204)


# -- properties -------------------------------------------------------------------------


async def properties_index(deps: ImageDeps, request: Request) -> Response:
    rows = await metadefs.list_properties(deps.db, request.context, _ns(request))
    return json_response({"properties": {r.name: dict(r.definition) for r in rows}})


async def properties_create(deps: ImageDeps, request: Request) -> Response:
    body = await _body(request, PROPERTY)
    row = await metadefs.create_property(deps.db, request.context, _ns(request), body)
    return json_response(views.metadef_property(row), 201)


async def properties_show(deps: ImageDeps, request: Request) -> Response:
    name = request.path_params["property_name"]
    row = await metadefs.show_property(deps.db, request.context, _ns(request), name, request.param("resource_type"))
    return json_response(views.metadef_property(row))


async def properties_update(deps: ImageDeps, request: Request) -> Response:
    body = await _body(request, PROPERTY)
    name = request.path_params["property_name"]
    row = await metadefs.update_property(deps.db, request.context, _ns(request), name, body)
    return json_response(views.metadef_property(row))


async def properties_delete(deps: ImageDeps, request: Request) -> Response:
    await metadefs.delete_property(deps.db, request.context, _ns(request), request.path_params["property_name"])
    return empty(204)


async def properties_delete_all(deps: ImageDeps, request: Request) -> Response:
    await metadefs.delete_contents(deps.db, request.context, _ns(request), MetadefProperty, "properties")
    return empty(204)


# -- tags -------------------------------------------------------------------------------


async def tags_index(deps: ImageDeps, request: Request) -> Response:
    rows = await metadefs.list_tags(deps.db, request.context, _ns(request))
    return json_response({"tags": [{"name": r.name} for r in rows]})


async def tags_create_many(deps: ImageDeps, request: Request) -> Response:
    body = validate(TAGS_CREATE, await request.json())
    names = [t["name"] for t in body["tags"]]
    # X-Openstack-Append: true adds to the namespace's tags instead of replacing them.
    append = _bool_header(request, "x-openstack-append")
    created = await metadefs.create_tags(deps.db, request.context, _ns(request), names, append)
    return json_response({"tags": [{"name": n} for n in created]}, 201)


async def tags_create(deps: ImageDeps, request: Request) -> Response:
    name = request.path_params["tag_name"]
    validate(TAG, {"name": name})
    row = await metadefs.create_tag(deps.db, request.context, _ns(request), name)
    return json_response(views.tag(row), 201)


async def tags_show(deps: ImageDeps, request: Request) -> Response:
    row = await metadefs.show_tag(deps.db, request.context, _ns(request), request.path_params["tag_name"])
    return json_response(views.tag(row))


async def tags_update(deps: ImageDeps, request: Request) -> Response:
    body = await _body(request, TAG)
    name = request.path_params["tag_name"]
    row = await metadefs.update_tag(deps.db, request.context, _ns(request), name, body["name"])
    return json_response(views.tag(row))


async def tags_delete(deps: ImageDeps, request: Request) -> Response:
    await metadefs.delete_tag(deps.db, request.context, _ns(request), request.path_params["tag_name"])
    return empty(204)


async def tags_delete_all(deps: ImageDeps, request: Request) -> Response:
    await metadefs.delete_contents(deps.db, request.context, _ns(request), MetadefTag, "tags")
    return empty(204)


# -- resource types ---------------------------------------------------------------------


async def resource_types_index(deps: ImageDeps, request: Request) -> Response:
    rows = await metadefs.list_resource_types(deps.db, request.context)
    return json_response({"resource_types": [views.resource_type(r) for r in rows]})


async def associations_index(deps: ImageDeps, request: Request) -> Response:
    found = await metadefs.list_associations(deps.db, request.context, _ns(request))
    return json_response({"resource_type_associations": [views.association(a) for a in found]})


async def associations_create(deps: ImageDeps, request: Request) -> Response:
    body = await _body(request, RESOURCE_TYPE_ASSOCIATION)
    assoc = await metadefs.create_association(deps.db, request.context, _ns(request), body)
    return json_response(views.association(assoc), 201)


async def associations_delete(deps: ImageDeps, request: Request) -> Response:
    name = request.path_params["resource_type"]
    await metadefs.delete_association(deps.db, request.context, _ns(request), name)
    return empty(204)

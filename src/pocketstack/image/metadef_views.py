"""The metadata definitions catalog as Glance prints it.

Glance leaves out the fields that have no value (a namespace without a description
has no ``description`` key), and a namespace's contents appear only when it has some.
"""

from __future__ import annotations

from typing import Any

from pocketstack.common.timeutils import iso
from pocketstack.image.metadef_access import Association, NamespaceDetail
from pocketstack.image.models import MetadefNamespace, MetadefObject, MetadefProperty, MetadefResourceType, MetadefTag

NAMESPACES = "/v2/metadefs/namespaces"


def _present(body: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in body.items() if v is not None}


def namespace_href(name: str) -> str:
    # Unquoted, as Glance prints it ("/v2/metadefs/namespaces/OS::Compute::Quota/objects/CPU Limits").
    return f"{NAMESPACES}/{name}"


def namespace(ns: MetadefNamespace) -> dict[str, Any]:
    return _present(
        {
            "namespace": ns.namespace,
            "display_name": ns.display_name,
            "description": ns.description,
            "visibility": ns.visibility,
            "protected": ns.protected,
            "owner": ns.owner,
            "created_at": iso(ns.created_at),
            "updated_at": iso(ns.updated_at),
            "self": namespace_href(ns.namespace),
            "schema": "/v2/schemas/metadefs/namespace",
        }
    )


def namespace_detail(detail: NamespaceDetail, *, prefix: str = "") -> dict[str, Any]:
    """A namespace with what it holds; ``prefix`` is put before each property name
    (GET with ``?resource_type=``: the names as that resource type carries them)."""
    body = namespace(detail.namespace)
    if detail.associations:
        body["resource_type_associations"] = [association(a) for a in detail.associations]
    if detail.properties:
        body["properties"] = {f"{prefix}{p.name}": dict(p.definition) for p in detail.properties}
    if detail.objects:
        body["objects"] = [metadef_object(detail.namespace.namespace, o) for o in detail.objects]
    if detail.tags:
        body["tags"] = [{"name": t.name} for t in detail.tags]
    return body


def association(assoc: Association) -> dict[str, Any]:
    row = assoc.row
    return _present(
        {
            "name": assoc.name,
            "prefix": row.prefix,
            "properties_target": row.properties_target,
            "created_at": iso(row.created_at),
            "updated_at": iso(row.updated_at),
        }
    )


def resource_type(row: MetadefResourceType) -> dict[str, Any]:
    return {"name": row.name, "created_at": iso(row.created_at), "updated_at": iso(row.updated_at)}


def metadef_property(row: MetadefProperty) -> dict[str, Any]:
    return {"name": row.name, **row.definition}


def metadef_object(namespace_name: str, row: MetadefObject) -> dict[str, Any]:
    return _present(
        {
            "name": row.name,
            "description": row.description,
            "required": row.required,
            "properties": row.properties or None,
            "created_at": iso(row.created_at),
            "updated_at": iso(row.updated_at),
            "self": f"{namespace_href(namespace_name)}/objects/{row.name}",
            "schema": "/v2/schemas/metadefs/object",
        }
    )


def tag(row: MetadefTag) -> dict[str, Any]:
    return {"name": row.name, "created_at": iso(row.created_at), "updated_at": iso(row.updated_at)}

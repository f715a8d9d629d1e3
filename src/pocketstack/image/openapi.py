"""The request bodies of the image API (Glance v2), for its OpenAPI document.

Each entry is the JSON Schema the route's handler validates its body with;
``UNCHECKED`` marks a JSON body the handler checks in code (any JSON may be sent).
Routes that take no body are not listed.
"""

from __future__ import annotations

from pocketstack.image.metadef_schemas import NAMESPACE, OBJECT, PROPERTY, RESOURCE_TYPE_ASSOCIATION, TAG, TAGS_CREATE
from pocketstack.image.schemas import IMPORT, MEMBER_CREATE, MEMBER_UPDATE
from pocketstack.web.openapi import BYTES, JSON_PATCH, UNCHECKED, Body, RequestBodies

REQUEST_BODIES: RequestBodies = {
    ("POST", "/v2/images/{image_id}/import"): IMPORT,
    ("POST", "/v2/images/{image_id}/members"): MEMBER_CREATE,
    ("PUT", "/v2/images/{image_id}/members/{member_id}"): MEMBER_UPDATE,
    ("POST", "/v2/metadefs/namespaces"): NAMESPACE,
    ("PUT", "/v2/metadefs/namespaces/{namespace}"): NAMESPACE,
    ("POST", "/v2/metadefs/namespaces/{namespace}/resource_types"): RESOURCE_TYPE_ASSOCIATION,
    ("POST", "/v2/metadefs/namespaces/{namespace}/objects"): OBJECT,
    ("PUT", "/v2/metadefs/namespaces/{namespace}/objects/{object_name}"): OBJECT,
    ("POST", "/v2/metadefs/namespaces/{namespace}/properties"): PROPERTY,
    ("PUT", "/v2/metadefs/namespaces/{namespace}/properties/{property_name}"): PROPERTY,
    ("POST", "/v2/metadefs/namespaces/{namespace}/tags"): TAGS_CREATE,
    ("POST", "/v2/metadefs/namespaces/{namespace}/tags/{tag_name}"): TAG,
    ("PUT", "/v2/metadefs/namespaces/{namespace}/tags/{tag_name}"): TAG,
    ("POST", "/v2/images"): UNCHECKED,  # images.create
    ("PATCH", "/v2/images/{image_id}"): Body(JSON_PATCH, "application/openstack-images-v2.1-json-patch"),
    ("PUT", "/v2/images/{image_id}/file"): Body(BYTES, "application/octet-stream"),
    ("PUT", "/v2/images/{image_id}/stage"): Body(BYTES, "application/octet-stream"),
    ("POST", "/v2/tasks"): UNCHECKED,  # tasks.create
}

"""GET /info: the cluster's capabilities (Swift's discoverability), without a token."""

from __future__ import annotations

from typing import Any

from pocketstack.object import largeobj
from pocketstack.object import meta as metadata
from pocketstack.object.access import DIGESTS
from pocketstack.object.deps import ObjectDeps
from pocketstack.object.views import POLICY
from pocketstack.web import Request, Response, json_response

BULK_DELETE_MAX = 10000


def capabilities(deps: ObjectDeps) -> dict[str, Any]:
    limits = deps.limits
    return {
        "swift": {
            "version": "2.34.0",
            "max_file_size": limits.max_file_size,
            "max_meta_name_length": metadata.MAX_META_NAME_LENGTH,
            "max_meta_value_length": metadata.MAX_META_VALUE_LENGTH,
            "max_meta_count": metadata.MAX_META_COUNT,
            "max_meta_overall_size": metadata.MAX_META_OVERALL_SIZE,
            "max_header_size": metadata.MAX_HEADER_SIZE,
            "max_object_name_length": 1024,
            "max_container_name_length": 256,
            "max_account_name_length": 256,
            "container_listing_limit": limits.container_listing_limit,
            "account_listing_limit": limits.container_listing_limit,
            "extra_header_count": 0,
            "account_autocreate": True,
            "allow_account_management": False,
            "strict_cors_mode": True,
            "valid_api_versions": ["v1"],
            "policies": [{"name": POLICY, "aliases": POLICY, "default": True}],
        },
        "keystoneauth": {},
        "tempurl": {
            "methods": ["GET", "HEAD", "PUT", "POST", "DELETE"],
            "incoming_remove_headers": ["x-timestamp"],
            "incoming_allow_headers": [],
            "outgoing_remove_headers": ["x-object-meta-*"],
            "outgoing_allow_headers": ["x-object-meta-public-*"],
            "allowed_digests": sorted(DIGESTS),
        },
        "slo": {
            "max_manifest_segments": largeobj.MAX_MANIFEST_SEGMENTS,
            "max_manifest_size": largeobj.MAX_MANIFEST_BYTES,
            "min_segment_size": 1,
            "yield_frequency": 10,
        },
        "dlo": {"max_get_time": 86400},
        "bulk_delete": {"max_deletes_per_request": BULK_DELETE_MAX, "max_failed_deletes": 1000},
        "bulk_upload": {"max_containers_per_extraction": 10000, "max_failed_extractions": 1000},
        "container_quotas": {},
        "account_quotas": {},
        "versioned_writes": {"allowed_flags": ["x-versions-location", "x-history-location"]},
        "formpost": {},
        "staticweb": {},
        "crossdomain": {"cross_domain_policy": '<allow-access-from domain="*" secure="false" />'},
    }


async def show(deps: ObjectDeps, request: Request) -> Response:
    return json_response(capabilities(deps))


async def healthcheck(deps: ObjectDeps, request: Request) -> Response:
    """Swift's healthcheck middleware: OK while the service answers."""
    return Response(200, b"OK", content_type="text/plain")


# Swift's crossdomain middleware's default policy: Flash clients of any domain.
CROSSDOMAIN = (
    '<?xml version="1.0"?>\n'
    '<!DOCTYPE cross-domain-policy SYSTEM "http://www.adobe.com/xml/dtds/cross-domain-policy.dtd" >\n'
    "<cross-domain-policy>\n"
    '<allow-access-from domain="*" secure="false" />\n'
    "</cross-domain-policy>"
)


async def crossdomain(deps: ObjectDeps, request: Request) -> Response:
    return Response(200, CROSSDOMAIN.encode(), content_type="application/xml; charset=utf-8")

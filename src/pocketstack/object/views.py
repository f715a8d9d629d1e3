"""What responses show: Swift's headers for accounts, containers and objects, and
listings in the three formats (plain names, JSON, XML)."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from email.utils import formatdate
from typing import Any
from xml.sax.saxutils import escape, quoteattr

import orjson

from pocketstack.common.errors import NotAcceptable
from pocketstack.object import index
from pocketstack.object.models import Container, Object
from pocketstack.web import Response

POLICY = "Policy-0"
PLAIN = "text/plain; charset=utf-8"
JSON = "application/json; charset=utf-8"
XML = "application/xml; charset=utf-8"
_FORMATS = {"json": JSON, "xml": XML, "plain": PLAIN}
_ACCEPTS = (("application/json", JSON), ("application/xml", XML), ("text/xml", XML), ("text/plain", PLAIN))


def timestamp(stamp: float) -> str:
    """X-Timestamp: seconds with five decimals, as Swift's normalized timestamps."""
    return f"{stamp:016.05f}"


def http_date(stamp: float) -> str:
    # Last-Modified rounds up to the second (Swift's), so If-Modified-Since with it matches.
    return formatdate(math.ceil(stamp), usegmt=True)


def listing_date(stamp: float) -> str:
    return dt.datetime.fromtimestamp(stamp, dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")


def listing_format(format_param: str | None, accept: str | None) -> str:
    """The content type of a listing: ?format= first, else the Accept header (406 if
    it accepts none of them), else plain text."""
    if format_param:
        return _FORMATS.get(format_param.lower(), PLAIN)
    if not accept or accept.strip() in ("*/*", ""):
        return PLAIN
    for part in accept.split(","):
        media = part.split(";")[0].strip().lower()
        if media in ("*/*", "text/*"):
            return PLAIN
        if media == "application/*":
            return JSON
        for name, content_type in _ACCEPTS:
            if media == name:
                return content_type
    raise NotAcceptable(f"None of the listing formats (JSON, XML, plain text) is acceptable to {accept!r}.")


def _meta_headers(meta: Mapping[str, str]) -> list[tuple[str, str]]:
    return [(k, v) for k, v in meta.items()]


def account_headers(account: str, created: float, usage: index.Usage, meta: Mapping[str, str]) -> list[tuple[str, str]]:
    headers = [
        ("x-account-container-count", str(usage.containers)),
        ("x-account-object-count", str(usage.objects)),
        ("x-account-bytes-used", str(usage.bytes)),
        ("x-timestamp", timestamp(created)),
        ("x-put-timestamp", timestamp(created)),
        ("accept-ranges", "bytes"),
    ]
    if usage.containers:
        name = POLICY.lower()
        headers += [
            (f"x-account-storage-policy-{name}-container-count", str(usage.containers)),
            (f"x-account-storage-policy-{name}-object-count", str(usage.objects)),
            (f"x-account-storage-policy-{name}-bytes-used", str(usage.bytes)),
        ]
    return headers + _meta_headers(meta)


def container_headers(row: Container) -> list[tuple[str, str]]:
    return [
        ("x-container-object-count", str(row.object_count)),
        ("x-container-bytes-used", str(row.bytes_used)),
        ("x-timestamp", timestamp(row.created_at)),
        ("x-put-timestamp", timestamp(row.updated_at)),
        ("last-modified", http_date(row.updated_at)),
        ("x-storage-policy", POLICY),
        ("accept-ranges", "bytes"),
        *_meta_headers(row.meta),
    ]


def object_headers(row: Object, etag: str, size: int) -> list[tuple[str, str]]:
    headers = [
        ("etag", etag),
        ("last-modified", http_date(row.created_at)),
        ("x-timestamp", timestamp(row.created_at)),
        ("accept-ranges", "bytes"),
        ("content-type", row.content_type),
    ]
    if row.delete_at is not None:
        headers.append(("x-delete-at", str(row.delete_at)))
    return headers + _meta_headers(row.meta)


# -- listings ------------------------------------------------------------------------------
def _text(value: str) -> str:
    """A stored header value (latin-1 text of UTF-8 bytes) as the text it means."""
    try:
        return value.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return value


def container_listing(account: str, items: Sequence[Container | index.Subdir], content_type: str) -> Response:
    if content_type == JSON:
        body = orjson.dumps([_container_item(i) for i in items])
    elif content_type == XML:
        parts = [f'<?xml version="1.0" encoding="UTF-8"?>\n<account name={quoteattr(account)}>']
        for item in items:
            if isinstance(item, index.Subdir):
                parts.append(f"<subdir name={quoteattr(item.name)}><name>{escape(item.name)}</name></subdir>")
            else:
                parts.append(
                    f"<container><name>{escape(item.name)}</name><count>{item.object_count}</count>"
                    f"<bytes>{item.bytes_used}</bytes>"
                    f"<last_modified>{listing_date(item.updated_at)}</last_modified></container>"
                )
        parts.append("</account>")
        body = "".join(parts).encode()
    else:
        body = "".join(f"{i.name}\n" for i in items).encode()
    return _listing_response(body, content_type)


def _container_item(item: Container | index.Subdir) -> dict[str, Any]:
    if isinstance(item, index.Subdir):
        return {"subdir": item.name}
    return {
        "name": item.name,
        "count": item.object_count,
        "bytes": item.bytes_used,
        "last_modified": listing_date(item.updated_at),
    }


def object_listing(container: str, items: Sequence[index.Listed | index.Subdir], content_type: str) -> Response:
    if content_type == JSON:
        body = orjson.dumps([_object_item(i) for i in items])
    elif content_type == XML:
        parts = [f'<?xml version="1.0" encoding="UTF-8"?>\n<container name={quoteattr(container)}>']
        for item in items:
            if isinstance(item, index.Subdir):
                parts.append(f"<subdir name={quoteattr(item.name)}><name>{escape(item.name)}</name></subdir>")
            else:
                parts.append(
                    f"<object><name>{escape(item.name)}</name><hash>{item.etag}</hash><bytes>{item.size}</bytes>"
                    f"<content_type>{escape(_text(item.content_type))}</content_type>"
                    f"<last_modified>{listing_date(item.created_at)}</last_modified></object>"
                )
        parts.append("</container>")
        body = "".join(parts).encode()
    else:
        body = "".join(f"{i.name}\n" for i in items).encode()
    return _listing_response(body, content_type)


def _object_item(item: index.Listed | index.Subdir) -> dict[str, Any]:
    if isinstance(item, index.Subdir):
        return {"subdir": item.name}
    return {
        "name": item.name,
        "hash": item.etag,
        "bytes": item.size,
        "content_type": _text(item.content_type),
        "last_modified": listing_date(item.created_at),
        **({"slo_etag": f'"{item.etag}"'} if item.meta.get("x-static-large-object") == "True" else {}),
    }


def _listing_response(body: bytes, content_type: str) -> Response:
    # An empty plain listing is a 204, as Swift's (JSON and XML always have a body).
    status = 204 if not body else 200
    return Response(status, body, content_type=content_type)

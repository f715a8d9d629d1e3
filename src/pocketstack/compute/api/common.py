"""Small helpers every compute handler shares: microversion gates, links, paging."""

from __future__ import annotations

import ipaddress
from typing import TYPE_CHECKING, Any

from pocketstack.common.errors import Invalid
from pocketstack.web.microversion import Version
from pocketstack.web.request import Request

if TYPE_CHECKING:
    from pocketstack.compute.service import ComputeService
    from pocketstack.db import Database

MIN_VERSION = Version(2, 1)
MAX_VERSION = Version(2, 100)


def version(request: Request) -> Version:
    found = request.state.get("version")
    return found if isinstance(found, Version) else MIN_VERSION


def at_least(request: Request, minor: int) -> bool:
    """True if the request's microversion is 2.``minor`` or later (cheap: a listing
    asks this a dozen times per server)."""
    v = version(request)
    return v.major > 2 or (v.major == 2 and v.minor >= minor)


def base_url(request: Request) -> str:
    """The request's base URL, computed once per request (links of 1,000 servers)."""
    found = request.state.get("compute.base_url")
    if not isinstance(found, str):
        found = request.state["compute.base_url"] = request.base_url
    return found


def links(request: Request, collection: str, ident: str) -> list[dict[str, str]]:
    base = base_url(request)
    return [
        {"rel": "self", "href": f"{base}/v2.1/{collection}/{ident}"},
        {"rel": "bookmark", "href": f"{base}/{collection}/{ident}"},
    ]


def next_link(request: Request, collection: str, marker: str) -> list[dict[str, str]]:
    query = {k: v[-1] for k, v in request.query.items() if k != "marker"}
    query["marker"] = marker
    qs = "&".join(f"{k}={v}" for k, v in query.items())
    return [{"rel": "next", "href": f"{request.base_url}/v2.1/{collection}?{qs}"}]


# Nova's [api] max_limit: a larger limit a caller asks for is this one.
MAX_LIMIT = 1000


def limit_param(request: Request) -> int | None:
    limit = request.int_param("limit", None, minimum=0, maximum=None)
    # As Nova's get_limit_and_marker: min(max_limit, limit); a huge limit overflowed SQL (500).
    return None if limit is None else min(limit, MAX_LIMIT)


async def body(request: Request, key: str | None = None) -> Any:
    data = await request.json()
    if key is not None and (not isinstance(data, dict) or key not in data):
        raise Invalid(f"Invalid request body: '{key}' is a required property")
    return data


def service(request: Request) -> ComputeService:
    """The compute service serving this request (put in the scope by its ASGI wrapper)."""
    found: ComputeService = request.scope["pocketstack.compute"]
    return found


def db(request: Request) -> Database:
    return service(request).db


def canonical_access_ips(server: dict[str, Any]) -> dict[str, Any]:
    """``server`` with accessIPv4/accessIPv6 in their canonical text (RFC 5952: Nova keeps
    them in an IP address column, so ``0:0:0:0:0:babe:220.12.22.2`` reads back as
    ``::babe:dc0c:1602``). The schema has already checked they are addresses."""
    out = dict(server)
    for key in ("accessIPv4", "accessIPv6"):
        value = out.get(key)
        if isinstance(value, str) and value:
            try:
                out[key] = str(ipaddress.ip_address(value))
            except ValueError:
                raise Invalid(f"Invalid input for field/attribute {key}. Value: {value}. Not a valid address") from None
    return out

"""List queries the Neutron way, applied to serialized resources: filters on any attribute,
tag filters, ``fields=``, ``sort_key``/``sort_dir``, ``limit``/``marker`` with links.

Lists are small (one project's resources), so filtering the serialized dicts keeps one
implementation for every noun and guarantees a filter means exactly what the client
sees in the response.
"""

from __future__ import annotations

from functools import partial
from typing import Any
from urllib.parse import urlencode

from pocketstack.common.errors import Invalid
from pocketstack.network import faults
from pocketstack.web.request import Request

_CONTROL = {
    "fields",
    "sort_key",
    "sort_dir",
    "limit",
    "marker",
    "page_reverse",
    "tags",
    "tags-any",
    "not-tags",
    "not-tags-any",
}


def _matches(value: Any, wanted: list[str]) -> bool:
    if isinstance(value, bool):
        return any(w.lower() == ("true" if value else "false") for w in wanted)
    if value is None:
        return any(w in ("", "None", "null") for w in wanted)
    if isinstance(value, list):
        return any(w in [str(v) for v in value] for w in wanted)
    return str(value) in wanted


def _fixed_ip_match(port: dict[str, Any], wanted: list[str]) -> bool:
    """``fixed_ips=ip_address=10.0.0.5`` / ``subnet_id=...`` / ``ip_address_substr=10.0``."""
    for condition in wanted:
        key, _, val = condition.partition("=")
        for fixed in port.get("fixed_ips", []):
            if key == "ip_address_substr" and val in fixed["ip_address"]:
                return True
            if fixed.get(key) == val:
                return True
    return False


def _tags_match(item: dict[str, Any], query: dict[str, list[str]]) -> bool:
    tags = set(item.get("tags", []))

    def split(name: str) -> list[set[str]]:
        return [set(filter(None, v.split(","))) for v in query.get(name, [])]

    if any(not want <= tags for want in split("tags")):
        return False
    if any(not want & tags for want in split("tags-any")):
        return False
    if any(want and want <= tags for want in split("not-tags")):
        return False
    return not any(want & tags for want in split("not-tags-any"))


def apply(request: Request, items: list[dict[str, Any]], collection: str, noun: str) -> dict[str, Any]:
    """Filter, sort, page and project ``items``; return the response body."""
    query = request.query
    if items:
        known = set(items[0])
    else:
        known = set()
    for key, values in query.items():
        if key in _CONTROL:
            continue
        if items and key not in known and not (key == "fixed_ips" and "fixed_ips" in known):
            raise faults.bad_input("HTTPBadRequest", f"[{key}] is invalid attribute for filtering")
        if key == "fixed_ips":
            items = [i for i in items if _fixed_ip_match(i, values)]
        else:
            items = [i for i in items if _matches(i.get(key), values)]
    items = [i for i in items if _tags_match(i, query)]
    items = _sort(items, query)
    items, links = _page(request, items, collection, noun)
    fields = [f for value in query.get("fields", []) for f in value.split(",") if f]
    if fields:
        items = [{k: v for k, v in i.items() if k in fields} for i in items]
    body: dict[str, Any] = {collection: items}
    if links:
        body[f"{collection}_links"] = links
    return body


def _sort(items: list[dict[str, Any]], query: dict[str, list[str]]) -> list[dict[str, Any]]:
    keys = query.get("sort_key", [])
    dirs = query.get("sort_dir", [])
    if dirs and len(dirs) != len(keys):
        raise faults.bad_input("HTTPBadRequest", "The number of sort_keys and sort_dirs must be same")
    for d in dirs:
        if d not in ("asc", "desc"):
            raise faults.bad_input(
                "HTTPBadRequest", f"{d} is an invalid value for sort_dir, valid values are 'asc' and 'desc'"
            )
    for k in keys:
        if items and k not in items[0]:
            raise faults.bad_input("HTTPBadRequest", f"{k} is an invalid attribute for sort_keys")
    # Stable sorts applied from the last key to the first; id breaks ties so pages are stable.
    result = sorted(items, key=lambda i: str(i.get("id", "")))
    for key, direction in reversed(list(zip(keys, dirs or ["asc"] * len(keys), strict=True))):
        result.sort(key=partial(_sort_value_of, key), reverse=direction == "desc")
    return result


def _sort_value_of(key: str, item: dict[str, Any]) -> tuple[int, Any]:
    return _sort_value(item.get(key))


def _sort_value(value: Any) -> tuple[int, Any]:
    if value is None:
        return (0, "")
    if isinstance(value, (bool, int)):
        return (1, int(value))
    return (2, str(value))


def _page(
    request: Request, items: list[dict[str, Any]], collection: str, noun: str
) -> tuple[list[dict[str, Any]], list[dict[str, str]]]:
    try:
        limit = request.int_param("limit", None, minimum=0)
    except Invalid as exc:
        raise faults.bad_input("HTTPBadRequest", exc.message) from None
    marker = request.param("marker")
    reverse = (request.bool_param("page_reverse", False) or False) if "page_reverse" in request.query else False
    if marker:
        ids = [i.get("id") for i in items]
        if marker not in ids:
            raise faults.not_found(noun, marker)
        at = ids.index(marker)
        items = items[:at] if reverse else items[at + 1 :]
    if reverse:
        items = list(reversed(items))
    links: list[dict[str, str]] = []
    if limit:
        more = len(items) > limit
        items = items[:limit]
        if more and items:
            links.append({"rel": "previous" if reverse else "next", "href": _link(request, items[-1]["id"], reverse)})
        if marker and items:
            links.append(
                {"rel": "next" if reverse else "previous", "href": _link(request, items[0]["id"], not reverse)}
            )
    if reverse:
        items = list(reversed(items))
    return items, links


def _link(request: Request, marker: str, reverse: bool) -> str:
    params = [(k, v) for k, values in request.query.items() if k not in ("marker", "page_reverse") for v in values]
    params.append(("marker", marker))
    if reverse:
        params.append(("page_reverse", "True"))
    return f"{request.base_url}{request.path}?{urlencode(params)}"

"""Static websites from containers (Swift's staticweb): for callers without a token
(or with ``X-Web-Mode: true``), a container with ``X-Container-Meta-Web-Index`` serves
that object, and one with ``X-Container-Meta-Web-Listings: true`` an HTML listing
(styled by ``X-Container-Meta-Web-Listings-CSS``). Access stays the container's ACLs'."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from urllib.parse import quote

from pocketstack.common.context import RequestContext
from pocketstack.object import index, views
from pocketstack.object.models import Container
from pocketstack.web import Request, Response

INDEX = "x-container-meta-web-index"
LISTINGS = "x-container-meta-web-listings"
CSS = "x-container-meta-web-listings-css"


def web_mode(ctx: RequestContext, request: Request) -> bool:
    return ctx.user_id is None or (request.headers.get("x-web-mode") or "").lower() in ("true", "1", "yes", "on")


def index_name(row: Container) -> str | None:
    return row.meta.get(INDEX) or None


def lists(row: Container) -> bool:
    return (row.meta.get(LISTINGS) or "").lower() in ("true", "1", "yes", "on")


def listing(path: str, row: Container, items: Sequence[index.Listed | index.Subdir]) -> Response:
    css = row.meta.get(CSS)
    style = f'<link rel="stylesheet" type="text/css" href="{escape(css)}" />\n' if css else ""
    rows = []
    for item in items:
        name = item.name
        if isinstance(item, index.Subdir):
            rows.append(
                f'<tr class="item subdir"><td class="colname"><a href="{quote(name)}">{escape(name)}</a></td></tr>'
            )
        else:
            rows.append(
                f'<tr class="item"><td class="colname"><a href="{quote(name)}">{escape(name)}</a></td>'
                f'<td class="colsize">{item.size}</td>'
                f'<td class="coldate">{views.listing_date(item.created_at)}</td></tr>'
            )
    title = escape(f"Listing of {path}")
    body = (
        '<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 4.01 Transitional//EN" "http://www.w3.org/TR/html4/loose.dtd">\n'
        f'<html>\n<head>\n<title>{title}</title>\n{style}</head>\n<body>\n<h1 id="title">{title}</h1>\n'
        '<table id="listing">\n' + "\n".join(rows) + "\n</table>\n</body>\n</html>\n"
    )
    return Response(200, body.encode(), content_type="text/html; charset=UTF-8")

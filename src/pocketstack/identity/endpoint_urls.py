"""Endpoint URL templates, as Keystone fills them in a token's catalog: ``%(project_id)s``
(or ``%(tenant_id)s``, ``$(project_id)s``) and ``%(user_id)s`` become the token's. An
endpoint whose template names what the token has not (a project in an unscoped or
domain-scoped token) is left out, as Keystone leaves it out."""

from __future__ import annotations

import re
from typing import Any

_FIELD = re.compile(r"[%$]\((\w+)\)s")


def fill(url: str, values: dict[str, str | None]) -> str | None:
    """``url`` with its fields filled; None when one has no value."""
    missing = False

    def one(match: re.Match[str]) -> str:
        nonlocal missing
        value = values.get(match.group(1))
        if value is None:
            missing = True
            return ""
        return value

    filled = _FIELD.sub(one, url)
    return None if missing else filled


def for_token(catalog: list[dict[str, Any]], project_id: str | None, user_id: str | None) -> list[dict[str, Any]]:
    """The catalog with every templated URL filled for this token."""
    if not any("(" in e["url"] for s in catalog for e in s["endpoints"]):
        return catalog
    values = {"project_id": project_id, "tenant_id": project_id, "user_id": user_id}
    out: list[dict[str, Any]] = []
    for service in catalog:
        endpoints = []
        for endpoint in service["endpoints"]:
            url = fill(endpoint["url"], values) if "(" in endpoint["url"] else endpoint["url"]
            if url is not None:
                endpoints.append({**endpoint, "url": url})
        out.append({**service, "endpoints": endpoints})
    return out

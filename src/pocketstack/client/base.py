"""What every service client shares: one httpx client, the caller's token, and one
error type that carries the API's own message whatever the service's error format.

A ``ServiceClient`` knows its URL prefix (``/compute/v2.1``, ...) and sends every
request with ``X-Auth-Token``. An answer of 400 or more raises ``ApiError`` with the
message the API wrote (Keystone's ``error.message``, Nova's and Cinder's fault
``message``, Neutron's ``NeutronError.message``, Glance's text body).
"""

from __future__ import annotations

from collections.abc import AsyncIterable
from typing import Any
from urllib.parse import quote

import httpx
import orjson

# A resource as the API returns it (a server, a network, ...): plain JSON.
Resource = dict[str, Any]


def seg(value: object) -> str:
    """``value`` as exactly one path segment: reserved characters (``/``, ``?``, ``#``,
    ``%``), controls and the dot segments percent-encoded, so an id a user typed can
    never address another resource."""
    text = quote(str(value), safe="")
    return text.replace(".", "%2E") if text in (".", "..") else text


class ApiError(Exception):
    """A refused or failed call: ``status`` (0 when the service could not be reached),
    ``service`` and the API's own ``message``."""

    def __init__(self, service: str, status: int, message: str) -> None:
        super().__init__(f"{service}: {status} {message}")
        self.service = service
        self.status = status
        self.message = message

    @property
    def unauthorized(self) -> bool:
        """The token is not (or no longer) valid: the caller must log in again."""
        return self.status == 401

    @property
    def unavailable(self) -> bool:
        """The service is down or unreachable (as opposed to refusing the request)."""
        return self.status in (0, 502, 503, 504)


def error_message(response: httpx.Response) -> str:
    """The human message of an OpenStack error body, whatever the API's format."""
    text = response.text
    try:
        body = orjson.loads(response.content)
    except orjson.JSONDecodeError:
        # Glance's webob text: "400 Bad Request\n\nMESSAGE\n\n   ".
        parts = [p.strip() for p in text.split("\n\n") if p.strip()]
        return parts[1] if len(parts) > 1 else (parts[0] if parts else f"HTTP {response.status_code}")
    if isinstance(body, dict):
        if isinstance(body.get("NeutronError"), dict):
            return str(body["NeutronError"].get("message") or "")
        if isinstance(body.get("errors"), list) and body["errors"]:
            first = body["errors"][0]
            return str(first.get("detail") or first.get("title") or "") if isinstance(first, dict) else str(first)
        for value in body.values():
            # Keystone's {"error": {...}}, Nova's and Cinder's {"badRequest": {...}}.
            if isinstance(value, dict) and "message" in value:
                return str(value["message"])
    return text.strip() or f"HTTP {response.status_code}"


class ServiceClient:
    """Calls one API under ``prefix`` with ``token``; subclasses add typed methods."""

    service = "service"
    prefix = ""

    def __init__(self, http: httpx.AsyncClient, token: str, headers: dict[str, str] | None = None) -> None:
        self.http = http
        self.token = token
        self.headers = {"X-Auth-Token": token, **(headers or {})}

    async def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        content: bytes | AsyncIterable[bytes] | None = None,
        params: dict[str, Any] | list[tuple[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
        expect_json: bool = True,
    ) -> Any:
        """Send one request; the decoded JSON body (None for an empty one), or ApiError."""
        try:
            response = await self.http.request(
                method,
                self.prefix + path,
                json=json,
                content=content,
                params=params,
                headers={**self.headers, **(headers or {})},
            )
        except httpx.HTTPError as exc:
            raise ApiError(self.service, 0, f"The {self.service} service could not be reached ({exc}).") from exc
        if response.status_code >= 400:
            raise ApiError(self.service, response.status_code, error_message(response))
        if not response.content or not expect_json:
            return None
        return orjson.loads(response.content)

    async def get(self, path: str, **params: Any) -> Any:
        return await self.request("GET", path, params={k: v for k, v in params.items() if v is not None})

    async def post(self, path: str, body: Any) -> Any:
        return await self.request("POST", path, json=body)

    async def put(self, path: str, body: Any) -> Any:
        return await self.request("PUT", path, json=body)

    async def delete(self, path: str) -> None:
        await self.request("DELETE", path)

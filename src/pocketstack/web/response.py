"""Responses: a status, headers and either a body or an async stream of chunks."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import orjson

JSON = "application/json"


class Response:
    __slots__ = ("body", "headers", "status", "stream")

    def __init__(
        self,
        status: int = 200,
        body: bytes = b"",
        *,
        content_type: str | None = None,
        headers: list[tuple[str, str]] | None = None,
        stream: AsyncIterator[bytes] | None = None,
    ) -> None:
        self.status = status
        self.body = body
        self.stream = stream
        self.headers: list[tuple[str, str]] = list(headers) if headers else []
        if content_type:
            self.headers.append(("content-type", content_type))

    def set_header(self, name: str, value: str) -> None:
        name = name.lower()
        self.headers = [(k, v) for k, v in self.headers if k != name]
        self.headers.append((name, value))

    def header(self, name: str) -> str | None:
        name = name.lower()
        for k, v in self.headers:
            if k == name:
                return v
        return None


def dumps(data: Any) -> bytes:
    return orjson.dumps(data)


def json_response(data: Any, status: int = 200, headers: list[tuple[str, str]] | None = None) -> Response:
    return Response(status, orjson.dumps(data), content_type=JSON, headers=headers)


def empty(status: int = 204, headers: list[tuple[str, str]] | None = None) -> Response:
    return Response(status, b"", headers=headers)

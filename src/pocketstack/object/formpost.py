"""Form POST (Swift's formpost middleware): a browser uploads files straight into a
container with an HTML form signed by the account's (or container's) temp URL key.

The form's fields ``redirect``, ``max_file_size``, ``max_file_count``, ``expires`` and
``signature`` (HMAC of ``path\\nredirect\\nmax_file_size\\nmax_file_count\\nexpires``,
SHA-1/256/512 hex or ``<digest>:<base64>``) come before the files; each file is stored as
the path's object prefix plus its filename. The form travels in one request body, so it
is held to the API's body limit.
"""

from __future__ import annotations

import hmac
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from urllib.parse import quote

from pocketstack.common.errors import Invalid, NotAuthenticated, TooLarge
from pocketstack.object import access, objects
from pocketstack.object.deps import ObjectDeps
from pocketstack.object.models import Container
from pocketstack.web import Request, Response


@dataclass(frozen=True, slots=True)
class Upload:
    filename: str
    content_type: str
    data: bytes


def is_form(request: Request) -> bool:
    return request.headers.get("content-type", "").lower().startswith("multipart/form-data")


def parse(body: bytes, content_type: str) -> tuple[dict[str, str], list[Upload]]:
    """The form's plain fields and its files, from a multipart/form-data body."""
    boundary = ""
    for param in content_type.split(";")[1:]:
        key, _, value = param.strip().partition("=")
        if key.lower() == "boundary":
            boundary = value.strip('"')
    if not boundary:
        raise Invalid("FormPost: invalid multipart/form-data: no boundary")
    fields: dict[str, str] = {}
    files: list[Upload] = []
    for part in body.split(b"--" + boundary.encode())[1:]:
        if part.startswith(b"--"):
            break
        head, sep, data = part.removeprefix(b"\r\n").partition(b"\r\n\r\n")
        if not sep:
            continue
        data = data.removesuffix(b"\r\n")
        headers = {}
        for line in head.decode("utf-8", "replace").split("\r\n"):
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        disposition = _params(headers.get("content-disposition", ""))
        if "filename" in disposition:
            ctype = headers.get("content-type") or "application/octet-stream"
            files.append(Upload(disposition["filename"], ctype, data))
        elif "name" in disposition:
            fields[disposition["name"]] = data.decode("utf-8", "replace")
    return fields, files


def _params(value: str) -> dict[str, str]:
    out = {}
    for item in value.split(";")[1:]:
        key, _, val = item.strip().partition("=")
        out[key.lower()] = val.strip().strip('"')
    return out


def _int(fields: dict[str, str], name: str) -> int:
    try:
        return int(fields.get(name, ""))
    except ValueError:
        raise Invalid(f"FormPost: invalid or missing {name}") from None


def check_signature(request: Request, fields: dict[str, str], keys: list[str], path: str) -> None:
    expires = _int(fields, "expires")
    if expires < time.time():
        raise NotAuthenticated("FormPost: Form Expired")
    given = fields.get("signature", "")
    try:
        digest_name, raw = access._signature(given)
    except NotAuthenticated:
        raise NotAuthenticated("FormPost: Invalid Signature") from None
    digest = access.DIGESTS[digest_name]
    mount = request.scope.get("root_path", "")
    for candidate in (path, mount + path):
        body = f"{candidate}\n{fields.get('redirect', '')}\n{fields.get('max_file_size', '')}\n"
        body += f"{fields.get('max_file_count', '')}\n{expires}"
        for key in keys:
            if hmac.compare_digest(hmac.new(key.encode(), body.encode(), digest).digest(), raw):
                return
    raise NotAuthenticated("FormPost: Invalid Signature")


async def store(
    deps: ObjectDeps,
    account: str,
    container: Container,
    prefix: str,
    fields: dict[str, str],
    files: list[Upload],
    account_meta: dict[str, str],
) -> Response:
    max_size, max_count = _int(fields, "max_file_size"), _int(fields, "max_file_count")
    if len(files) > max_count:
        raise Invalid("FormPost: max_file_count exceeded")
    for upload in files:
        if len(upload.data) > max_size:
            raise TooLarge("FormPost: max_file_size exceeded")
    for upload in files:
        if not upload.filename:
            continue
        write = objects.Write(upload.content_type, {}, length=len(upload.data))
        await objects.put(deps, account, container, prefix + upload.filename, _once(upload.data), write, account_meta)
    redirect = fields.get("redirect", "")
    if redirect:
        sep = "&" if "?" in redirect else "?"
        location = f"{redirect}{sep}status=201&message={quote('')}"
        return Response(303, b"", content_type="text/plain", headers=[("location", location)])
    return Response(201, b"201 Created\n", content_type="text/plain; charset=utf-8")


async def _once(data: bytes) -> AsyncIterator[bytes]:
    yield data

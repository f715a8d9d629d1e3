"""AWS request signatures as EC2 clients make them (versions 0, 1, 2 and 4), computed
from the secret of an ``ec2`` credential so ``POST /v3/ec2tokens`` can check them.

``credentials`` is what an EC2 API front end forwards: ``access``, ``signature``,
``host``, ``verb``, ``path``, ``params`` (the query or form parameters), ``headers`` and,
for version 4, ``body_hash`` (hex SHA-256 of the body).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import urllib.parse
from typing import Any

V4_ALGORITHM = "AWS4-HMAC-SHA256"


def _b64_hmac(key: str, message: str, digest: Any) -> str:
    return base64.b64encode(hmac.new(key.encode(), message.encode(), digest).digest()).decode()


def _quote(value: str) -> str:
    return urllib.parse.quote(value, safe="-_.~")


def _canonical_query(params: dict[str, Any], skip: str) -> str:
    pairs = sorted((str(k), str(v)) for k, v in params.items() if k != skip)
    return "&".join(f"{_quote(k)}={_quote(v)}" for k, v in pairs)


def _header(headers: dict[str, Any], name: str) -> str | None:
    for key, value in headers.items():
        if key.lower() == name.lower():
            return str(value)
    return None


def signature(secret: str, credentials: dict[str, Any]) -> str | None:
    """The signature the request should carry, or None if its version is unknown."""
    params: dict[str, Any] = dict(credentials.get("params") or {})
    headers: dict[str, Any] = dict(credentials.get("headers") or {})
    verb = str(credentials.get("verb") or "GET").upper()
    host = str(credentials.get("host") or "")
    path = str(credentials.get("path") or "/")
    authorization = _header(headers, "Authorization") or ""
    if authorization.startswith(V4_ALGORITHM) or params.get("X-Amz-Algorithm") == V4_ALGORITHM:
        return _v4(secret, params, headers, verb, host, path, str(credentials.get("body_hash") or ""))
    version = str(params.get("SignatureVersion", ""))
    if version == "0":
        return _b64_hmac(secret, str(params.get("Action", "")) + str(params.get("Timestamp", "")), hashlib.sha1)
    if version == "1":
        ordered = sorted(params.items(), key=lambda kv: str(kv[0]).lower())
        return _b64_hmac(secret, "".join(f"{k}{v}" for k, v in ordered if k != "Signature"), hashlib.sha1)
    if version == "2":
        digest = hashlib.sha1 if params.get("SignatureMethod") == "HmacSHA1" else hashlib.sha256
        string = f"{verb}\n{host}\n{path}\n{_canonical_query(params, 'Signature')}"
        return _b64_hmac(secret, string, digest)
    return None


def _v4(
    secret: str, params: dict[str, Any], headers: dict[str, Any], verb: str, host: str, path: str, body_hash: str
) -> str | None:
    authorization = _header(headers, "Authorization") or ""
    if authorization:
        # AWS4-HMAC-SHA256 Credential=AKID/DATE/REGION/SERVICE/aws4_request, SignedHeaders=a;b, Signature=...
        fields = dict(
            part.strip().split("=", 1) for part in authorization[len(V4_ALGORITHM) :].split(",") if "=" in part
        )
        scope_parts = fields.get("Credential", "").split("/")[1:]
        signed = fields.get("SignedHeaders", "")
    else:
        scope_parts = str(params.get("X-Amz-Credential", "")).split("/")[1:]
        signed = str(params.get("X-Amz-SignedHeaders", ""))
    stamp = _header(headers, "X-Amz-Date") or str(params.get("X-Amz-Date", ""))
    if len(scope_parts) != 4 or not stamp:
        return None
    day, region, service, terminator = scope_parts
    lines = []
    for name in [h for h in signed.split(";") if h]:
        value = host if name == "host" and _header(headers, "host") is None else _header(headers, name)
        lines.append(f"{name}:{(value or '').strip()}\n")
    request = "\n".join(
        [
            verb,
            path,
            _canonical_query(params, "X-Amz-Signature"),
            "".join(lines),
            signed,
            body_hash or hashlib.sha256(b"").hexdigest(),
        ]
    )
    scope = f"{day}/{region}/{service}/{terminator}"
    string = f"{V4_ALGORITHM}\n{stamp}\n{scope}\n{hashlib.sha256(request.encode()).hexdigest()}"
    key = f"AWS4{secret}".encode()
    for part in (day, region, service, terminator):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return hmac.new(key, string.encode(), hashlib.sha256).hexdigest()


def valid(secret: str, credentials: dict[str, Any]) -> bool:
    """Whether the request's signature is right; clients that left the port out of the
    host they signed are accepted too, as Keystone does."""
    given = str(credentials.get("signature") or "")
    if not given:
        return False
    expected = signature(secret, credentials)
    if expected is not None and hmac.compare_digest(given, expected):
        return True
    host = str(credentials.get("host") or "")
    if ":" in host:
        bare = urllib.parse.urlsplit("//" + host).hostname or host
        expected = signature(secret, {**credentials, "host": bare})
        return expected is not None and hmac.compare_digest(given, expected)
    return False

"""OAuth 1.0a request signatures (RFC 5849, HMAC-SHA1), as Keystone's OS-OAUTH1 checks them.

A signed request carries ``Authorization: OAuth oauth_consumer_key="...", ...``; the
signature covers the method, the request URL (scheme and host in lower case, no default
port, no query) and every parameter (the OAuth ones but the signature, the query's and a
form body's), keyed with the consumer secret and the token secret.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import urllib.parse
from collections.abc import Iterable

from pocketstack.common.errors import NotAuthenticated


def _enc(value: str) -> str:
    return urllib.parse.quote(value, safe="-._~")


def parse_header(header: str | None) -> dict[str, str]:
    """The ``oauth_*`` parameters of an ``Authorization: OAuth ...`` header (401 if none)."""
    if not header or not header[:6].lower() == "oauth ":
        raise NotAuthenticated("An OAuth Authorization header is required.")
    params: dict[str, str] = {}
    for part in header[6:].split(","):
        if "=" not in part:
            continue
        key, _, value = part.strip().partition("=")
        params[urllib.parse.unquote(key.strip())] = urllib.parse.unquote(value.strip().strip('"'))
    params.pop("realm", None)
    return params


def base_url(url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    scheme, host = parts.scheme.lower(), (parts.hostname or "").lower()
    port = parts.port
    netloc = host if port is None or (scheme, port) in (("http", 80), ("https", 443)) else f"{host}:{port}"
    return f"{scheme}://{netloc}{parts.path or '/'}"


def signature(
    method: str, url: str, params: Iterable[tuple[str, str]], consumer_secret: str, token_secret: str = ""
) -> str:
    """The HMAC-SHA1 signature of a request with these parameters (oauth_signature left out)."""
    pairs = sorted((_enc(k), _enc(v)) for k, v in params if k != "oauth_signature")
    normalized = "&".join(f"{k}={v}" for k, v in pairs)
    base = "&".join((method.upper(), _enc(base_url(url)), _enc(normalized)))
    key = f"{_enc(consumer_secret)}&{_enc(token_secret)}"
    return base64.b64encode(hmac.new(key.encode(), base.encode(), hashlib.sha1).digest()).decode()


def verify(
    method: str,
    url: str,
    oauth: dict[str, str],
    extra: Iterable[tuple[str, str]],
    consumer_secret: str,
    token_secret: str = "",
) -> None:
    """401 unless the request is signed with HMAC-SHA1 by these secrets."""
    if oauth.get("oauth_signature_method") != "HMAC-SHA1":
        raise NotAuthenticated("Only the HMAC-SHA1 OAuth signature method is supported.")
    query = urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query, keep_blank_values=True)
    params = [*oauth.items(), *query, *extra]
    expected = signature(method, url, params, consumer_secret, token_secret)
    if not hmac.compare_digest(expected, oauth.get("oauth_signature", "")):
        raise NotAuthenticated("Invalid OAuth signature.")

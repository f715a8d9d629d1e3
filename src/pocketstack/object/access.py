"""Who may do what: the caller's identity (a token is optional in Swift), container ACLs
and temporary URLs, as Swift's keystoneauth and tempurl middlewares decide.

Order of the checks, as keystoneauth's: the account's operators, readers and reseller
admins (the policy rules of ``policies.py``) first; otherwise a container's read ACL
(``.r:*`` lets anyone read objects, ``.rlistings`` also list; ``project:user``,
``project:*``, ``*:user`` grant a user, by id or name) or write ACL; otherwise a valid
temporary URL signature. A caller without a token that is refused gets 401, one with
a token 403.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import time
from collections.abc import Mapping

from pocketstack.common.context import RequestContext
from pocketstack.common.errors import Forbidden, NotAuthenticated, NotFound
from pocketstack.object import policy
from pocketstack.web import access_rules
from pocketstack.web.app import Authenticator
from pocketstack.web.request import Request

RESELLER_PREFIX = "AUTH_"


def project_of(account: str) -> str:
    if not account.startswith(RESELLER_PREFIX) or len(account) == len(RESELLER_PREFIX) or len(account) > 255:
        raise NotFound(f"Account {account!r} not found: accounts are named {RESELLER_PREFIX}<project id>.")
    return account[len(RESELLER_PREFIX) :]


async def identify(request: Request, authenticator: Authenticator | None) -> RequestContext:
    """The caller: the token's context, or an anonymous one (no user) without a token."""
    token = request.headers.get("x-auth-token") or request.headers.get("x-storage-token")
    if not token:
        return RequestContext(request_id=request.context.request_id)
    if authenticator is None:
        raise NotAuthenticated()
    ctx = await authenticator.authenticate(token, request.headers.get("x-service-token"), request.context.request_id)
    if ctx.access_rules and not ctx.service_token:
        if not access_rules.permitted(ctx.access_rules, "object", request.method, request.path):
            raise NotAuthenticated("The application credential's access rules do not allow this request.")
    return ctx


def refuse(ctx: RequestContext, what: str) -> Exception:
    if ctx.user_id is None and not ctx.is_internal:
        return NotAuthenticated()
    return Forbidden(f"Access was denied to this resource: {what}.")


# -- ACLs ----------------------------------------------------------------------------------
def parse_acl(value: str | None) -> list[str]:
    return [item.strip() for item in (value or "").split(",") if item.strip()]


def _grants_user(ctx: RequestContext, acl: list[str]) -> bool:
    if ctx.user_id is None:
        return False
    for item in acl:
        if item.startswith("."):
            continue
        if ":" in item:
            project, _, user = item.partition(":")
            if project in ("*", ctx.project_id, ctx.project_name) and user in ("*", ctx.user_id, ctx.user_name):
                return True
        elif item in ctx.roles:
            return True
    return False


def _public(acl: list[str]) -> bool:
    return ".r:*" in acl or any(item.startswith(".r:") and not item.startswith(".r:-") for item in acl)


def check_acl(acl_value: str | None) -> None:
    """Refuse (400) an ACL keystoneauth would not understand."""
    from pocketstack.common.errors import Invalid

    for item in parse_acl(acl_value):
        if item.startswith(".") and not (item.startswith(".r:") or item == ".rlistings"):
            raise Invalid(f"Unknown ACL element {item!r}: use .r:*, .rlistings or project:user.")
        if item.startswith(".r:") and len(item) == 3:
            raise Invalid("No host/domain value after referrer designation in ACL: .r:")


def may_list(ctx: RequestContext, project_id: str, container_meta: Mapping[str, str]) -> bool:
    if policy.allowed(ctx, "object:read", project_id):
        return True
    acl = parse_acl(container_meta.get("x-container-read"))
    return (".rlistings" in acl and _public(acl)) or _grants_user(ctx, acl)


def may_read(ctx: RequestContext, project_id: str, container_meta: Mapping[str, str]) -> bool:
    if policy.allowed(ctx, "object:read", project_id):
        return True
    acl = parse_acl(container_meta.get("x-container-read"))
    return _public(acl) or _grants_user(ctx, acl)


def may_write(ctx: RequestContext, project_id: str, container_meta: Mapping[str, str]) -> bool:
    if policy.allowed(ctx, "object:write", project_id):
        return True
    return _grants_user(ctx, parse_acl(container_meta.get("x-container-write")))


# -- temporary URLs ------------------------------------------------------------------------
DIGESTS = {"sha1": hashlib.sha1, "sha256": hashlib.sha256, "sha512": hashlib.sha512}
_HEX_LENGTHS = {40: "sha1", 64: "sha256", 128: "sha512"}
# The methods a signature made for ``key`` also allows (HEAD with any of them, as tempurl).
_SIGNED_FOR = {"HEAD": ("HEAD", "GET", "PUT", "POST"), "GET": ("GET",), "PUT": ("PUT",), "POST": ("POST",)}
_SIGNED_FOR["DELETE"] = ("DELETE",)


def has_temp_url(request: Request) -> bool:
    return request.param("temp_url_sig") is not None


def temp_url_keys(account_meta: Mapping[str, str], container_meta: Mapping[str, str]) -> list[str]:
    names = ("x-account-meta-temp-url-key", "x-account-meta-temp-url-key-2")
    keys = [account_meta[k] for k in names if account_meta.get(k)]
    keys += [container_meta.get(k, "") for k in ("x-container-meta-temp-url-key", "x-container-meta-temp-url-key-2")]
    return [k for k in keys if k]


def _expires(raw: str | None) -> int:
    if raw is None:
        raise NotAuthenticated("Temp URL invalid: temp_url_expires is missing.")
    try:
        return int(raw)
    except ValueError:
        pass
    try:
        return int(time.mktime(time.strptime(raw, "%Y-%m-%dT%H:%M:%SZ")) - time.timezone)
    except ValueError:
        raise NotAuthenticated(f"Temp URL invalid: bad temp_url_expires {raw!r}.") from None


def _signature(raw: str) -> tuple[str, bytes]:
    """(digest name, signature bytes) of a temp_url_sig: hex, or ``<digest>:<base64>``."""
    name, sep, encoded = raw.partition(":")
    try:
        if sep:
            if name not in DIGESTS:
                raise NotAuthenticated(f"Temp URL invalid: unsupported digest {name!r}.")
            padded = encoded + "=" * (-len(encoded) % 4)
            return name, base64.urlsafe_b64decode(padded.encode())
        digest = _HEX_LENGTHS.get(len(raw))
        if digest is None:
            raise NotAuthenticated("Temp URL invalid: the signature is not a known digest's length.")
        return digest, binascii.unhexlify(raw)
    except (binascii.Error, ValueError):
        raise NotAuthenticated("Temp URL invalid: the signature does not decode.") from None


def temp_url_valid(request: Request, keys: list[str], object_path: str, object_name: str) -> bool:
    """Whether the request's temp_url_sig signs this method and path with one of ``keys``;
    an expired or malformed one is a 401. ``object_path`` is ``/v1/AUTH_x/c/o``: the
    signature may cover it or the same path under the service's mount (``/object/v1/...``)."""
    expires = _expires(request.param("temp_url_expires"))
    if expires < time.time():
        raise NotAuthenticated("Temp URL expired.")
    digest_name, given = _signature(request.param("temp_url_sig") or "")
    digest = DIGESTS[digest_name]
    prefix = request.param("temp_url_prefix")
    paths = [object_path]
    if prefix is not None:
        if not object_name.startswith(prefix):
            return False
        base = object_path[: len(object_path) - len(object_name)]
        paths = [f"prefix:{base}{prefix}"]
    mount = request.scope.get("root_path", "")
    paths += [mount + p if not p.startswith("prefix:") else f"prefix:{mount}{p[7:]}" for p in paths]
    for method in _SIGNED_FOR.get(request.method, ()):
        for path in paths:
            body = f"{method}\n{expires}\n{path}".encode()
            for key in keys:
                if hmac.compare_digest(hmac.new(key.encode(), body, digest).digest(), given):
                    return True
    return False

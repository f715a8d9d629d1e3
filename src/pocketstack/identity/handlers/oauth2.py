"""``POST /v3/OS-OAUTH2/token``: OAuth 2.0 client credentials (RFC 6749 4.4) over
application credentials, as Keystone's OS-OAUTH2: the client id is the credential's id,
the secret its secret (HTTP Basic, or the form), and the access token an ordinary token
of the credential (send it as X-Auth-Token).

Errors are OAuth 2.0's ``{"error", "error_description"}``, not Keystone's envelope.
"""

from __future__ import annotations

import base64
import binascii
import urllib.parse
from typing import TYPE_CHECKING

from pocketstack.common.errors import Invalid, NotAuthenticated, NotFound
from pocketstack.identity import auth
from pocketstack.web.request import Request
from pocketstack.web.response import Response, json_response

if TYPE_CHECKING:
    from pocketstack.identity.service import IdentityService

FAILED = "Client authentication failed."


def _error(status: int, kind: str, description: str, req: Request) -> Response:
    headers = [("www-authenticate", f'Keystone uri="{req.base_url}/v3"')] if status == 401 else []
    return json_response({"error": kind, "error_description": description}, status, headers=headers)


def _basic(header: str | None) -> tuple[str, str] | None:
    if not header or header[:6].lower() != "basic ":
        return None
    try:
        user, _, password = base64.b64decode(header[6:].strip(), validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None
    return urllib.parse.unquote(user), urllib.parse.unquote(password)


async def token(svc: IdentityService, req: Request) -> Response:
    form = dict(urllib.parse.parse_qsl((await req.body()).decode("utf-8", "replace"), keep_blank_values=True))
    grant = form.get("grant_type")
    if grant is None:
        return _error(400, "invalid_request", "The parameter grant_type is required.", req)
    if grant != "client_credentials":
        return _error(400, "unsupported_grant_type", f"The parameter grant_type {grant} is not supported.", req)
    client_id, secret = _basic(req.headers.get("authorization")) or (form.get("client_id"), form.get("client_secret"))
    if not client_id or not secret:
        return _error(401, "invalid_client", FAILED, req)
    identity = {"methods": ["application_credential"], "application_credential": {"id": client_id, "secret": secret}}
    try:
        data = await auth.authenticate(svc, {"auth": {"identity": identity}})
    except (NotAuthenticated, NotFound):
        return _error(401, "invalid_client", FAILED, req)
    except Invalid as error:
        return _error(400, "invalid_request", str(error), req)
    return json_response(
        {"access_token": svc.issue(data), "token_type": "Bearer", "expires_in": svc.config.identity.token_expiration}
    )

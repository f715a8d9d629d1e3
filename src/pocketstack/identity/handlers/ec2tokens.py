"""``POST /v3/ec2tokens``: a project token for the owner of an EC2 key, given a request
that key signed (the EC2 API front end forwards the signed request's parts).

No X-Auth-Token: the signature is the proof. The credential's user and project must be
enabled and the user must hold a role on the project; signed timestamps older than
``AUTH_TTL`` are refused, as Keystone's ``[credential] auth_ttl``.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from typing import TYPE_CHECKING, Any

from pocketstack.common.errors import Invalid, NotAuthenticated, NotFound
from pocketstack.common.timeutils import parse_iso, utcnow
from pocketstack.identity import auth, ec2sign
from pocketstack.identity import models as m
from pocketstack.identity.handlers.credentials import ec2_id
from pocketstack.identity.tokens import TokenData, new_audit_id
from pocketstack.web.request import Request
from pocketstack.web.response import Response, json_response

if TYPE_CHECKING:
    from pocketstack.identity.service import IdentityService

AUTH_TTL = dt.timedelta(minutes=15)


def _signed_request(body: Any) -> dict[str, Any]:
    if not isinstance(body, dict) or not body:
        raise Invalid("Invalid input: the request must include a body")
    found = body.get("credentials") or body.get("credential") or body.get("ec2Credentials") or {}
    if not isinstance(found, dict) or "access" not in found:
        raise NotAuthenticated("EC2 signature not supplied.")
    for key in ("params", "headers"):
        if not isinstance(found.get(key) or {}, dict):
            raise Invalid(f"Invalid input for field 'credentials/{key}': an object is required")
    return found


def _check_timestamp(signed: dict[str, Any]) -> None:
    params, headers = signed.get("params") or {}, signed.get("headers") or {}
    stamp = params.get("Timestamp") or headers.get("X-Amz-Date") or params.get("X-Amz-Date")
    if not stamp:
        return  # the signer left it out on purpose
    try:
        text = str(stamp)
        when = dt.datetime.strptime(text, "%Y%m%dT%H%M%SZ") if len(text) == 16 and "T" in text else parse_iso(text)
    except ValueError:
        raise NotAuthenticated(f"Credential timestamp is invalid: {stamp}") from None
    if utcnow() > when + AUTH_TTL:
        raise NotAuthenticated("Credential is expired.")


async def issue(svc: IdentityService, req: Request) -> Response:
    signed = _signed_request(await req.json())
    # From the database, not the entity cache: credential writes do not drop that cache.
    async with svc.db.reader() as s:
        cred = await s.get(m.Credential, ec2_id(str(signed["access"])))
    if cred is None or cred.type != "ec2":
        raise NotFound("EC2 access key not found.")
    blob = json.loads(svc.sealer.open(cred.blob))
    if not ec2sign.valid(str(blob.get("secret") or ""), signed):
        raise NotAuthenticated("Invalid EC2 signature.")
    if blob.get("trust_id") or blob.get("app_cred_id"):
        raise NotAuthenticated("EC2 keys made under a trust or application credential are not supported.")
    user = await svc.entities.get(m.User, cred.user_id)
    project = await svc.entities.get(m.Project, cred.project_id)
    if user is None or not user.enabled or project is None or not project.enabled:
        raise NotAuthenticated(auth.FAIL)
    if not await auth.domain_enabled(svc, user.domain_id) or not await auth.domain_enabled(svc, project.domain_id):
        raise NotAuthenticated(auth.FAIL)
    _check_timestamp(signed)
    role_ids = await svc.roles.effective(user.id, "project", project.id)
    if not role_ids:
        raise NotAuthenticated("User not valid for project.")
    now = time.time()
    data = TokenData(
        user_id=user.id,
        user_domain_id=user.domain_id,
        methods=("ec2credential",),
        scope="project",
        scope_id=project.id,
        scope_domain_id=project.domain_id,
        role_ids=role_ids,
        role_names=await svc.roles.names(role_ids),
        issued_at=now,
        expires_at=now + svc.config.identity.token_expiration,
        audit_ids=(new_audit_id(),),
    )
    token = svc.issue(data)
    return json_response(await auth.render(svc, data, catalog=True), 200, headers=[("x-subject-token", token)])

"""``/v3/credentials`` and the EC2 view of them, ``/v3/users/{user_id}/credentials/OS-EC2``.

An ``ec2`` credential's blob is JSON with ``access`` and ``secret``; its id is the SHA-256
of the access key (as in Keystone), so the two APIs name the same rows. Admins see every
credential, other users their own.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from pocketstack.common.errors import Conflict, Invalid, NotFound
from pocketstack.identity import models as m
from pocketstack.identity import policy, render, schemas
from pocketstack.identity.handlers.common import get_or_404
from pocketstack.web.request import Request
from pocketstack.web.response import Response, empty, json_response
from pocketstack.web.validation import validate

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from pocketstack.identity.service import IdentityService

CORE = ("blob", "type", "user_id", "project_id")


def ec2_id(access: str) -> str:
    return hashlib.sha256(access.encode()).hexdigest()


def _ec2_blob(blob: str) -> dict[str, Any]:
    """The parsed blob of an ``ec2`` credential; 400 unless it is JSON with an access key."""
    try:
        parsed = json.loads(blob)
    except ValueError:
        raise Invalid("Invalid blob in credential: an ec2 blob is JSON") from None
    if not isinstance(parsed, dict) or not isinstance(parsed.get("access"), str) or not parsed["access"]:
        raise Invalid("Invalid blob in credential: an ec2 blob needs an 'access' key")
    return parsed


async def _owned(req: Request, s: AsyncSession, action: str) -> m.Credential:
    """The credential of the path, if ``action`` (get/update/delete_credential) lets the
    caller at it: its user's, as Keystone (another user's is a 403 there too)."""
    cred = await get_or_404(s, m.Credential, req.path_params["credential_id"])
    policy.admin_or_self(req.context, cred.user_id, action)
    return cred


async def list_(svc: IdentityService, req: Request) -> Response:
    async with svc.db.reader() as s:
        query = select(m.Credential)
        for name in ("user_id", "type"):
            if req.param(name) is not None:
                query = query.where(getattr(m.Credential, name) == req.param(name))
        if not req.context.is_admin:
            query = query.where(m.Credential.user_id == (req.context.user_id or ""))
        rows = (await s.scalars(query.order_by(m.Credential.id))).all()
    return json_response(
        {
            "credentials": [render.credential(req.base_url, c, svc.sealer.open(c.blob)) for c in rows],
            "links": render.collection_links(req.base_url, "credentials"),
        }
    )


async def show(svc: IdentityService, req: Request) -> Response:
    async with svc.db.reader() as s:
        cred = await _owned(req, s, "get_credential")
    return json_response({"credential": render.credential(req.base_url, cred, svc.sealer.open(cred.blob))})


async def create(svc: IdentityService, req: Request) -> Response:
    data = validate(schemas.CREDENTIAL_CREATE, await req.json())["credential"]
    policy.admin_or_self(req.context, data["user_id"], "create_credential")
    cred_id = uuid.uuid4().hex
    if data["type"] == "ec2":
        if not data.get("project_id"):
            raise Invalid("Invalid input for field 'credential/project_id': an ec2 credential needs a project")
        cred_id = ec2_id(_ec2_blob(data["blob"])["access"])
    async with svc.db.writer() as s:
        await get_or_404(s, m.User, data["user_id"])
        if data.get("project_id"):
            await get_or_404(s, m.Project, data["project_id"])
        if await s.get(m.Credential, cred_id) is not None:
            raise Conflict(f"Conflict occurred attempting to store credential - Duplicate ID, {cred_id}.")
        cred = m.Credential(
            id=cred_id,
            user_id=data["user_id"],
            project_id=data.get("project_id"),
            type=data["type"],
            blob=svc.sealer.seal(data["blob"]),
            extra={k: v for k, v in data.items() if k not in CORE},
        )
        s.add(cred)
    return json_response({"credential": render.credential(req.base_url, cred, data["blob"])}, 201)


async def update(svc: IdentityService, req: Request) -> Response:
    data = validate(schemas.CREDENTIAL_UPDATE, await req.json())["credential"]
    async with svc.db.writer() as s:
        cred = await _owned(req, s, "update_credential")
        if data.get("user_id", cred.user_id) != cred.user_id:
            raise Invalid("Invalid input for field 'credential/user_id': a credential cannot change owner")
        kind = data.get("type", cred.type)
        blob = data.get("blob") or svc.sealer.open(cred.blob)
        project_id = data.get("project_id", cred.project_id)
        if kind == "ec2":
            # As in Keystone the id stays what it was, even when the access key changes.
            _ec2_blob(blob)
            if not project_id:
                raise Invalid("Invalid input for field 'credential/project_id': an ec2 credential needs a project")
        if project_id and project_id != cred.project_id:
            await get_or_404(s, m.Project, project_id)
        cred.type, cred.blob, cred.project_id = kind, svc.sealer.seal(blob), project_id
        extra = {k: v for k, v in data.items() if k not in CORE}
        if extra:
            cred.extra = {**(cred.extra or {}), **extra}
    return json_response({"credential": render.credential(req.base_url, cred, blob)})


async def delete(svc: IdentityService, req: Request) -> Response:
    async with svc.db.writer() as s:
        cred = await _owned(req, s, "delete_credential")
        await s.delete(cred)
    return empty(204)


# --- OS-EC2 -------------------------------------------------------------------------------
async def _ec2(svc: IdentityService, s: AsyncSession, user_id: str, access: str) -> tuple[m.Credential, dict[str, Any]]:
    cred = await s.get(m.Credential, ec2_id(access))
    blob = _ec2_blob(svc.sealer.open(cred.blob)) if cred is not None and cred.type == "ec2" else None
    if cred is None or blob is None or cred.user_id != user_id or blob["access"] != access:
        raise NotFound(f"Could not find credential: {access}.")
    return cred, blob


async def ec2_list(svc: IdentityService, req: Request) -> Response:
    user_id = req.path_params["user_id"]
    policy.admin_or_self(req.context, user_id, "ec2_list_credentials")
    async with svc.db.reader() as s:
        await get_or_404(s, m.User, user_id)
        rows = (
            await s.scalars(select(m.Credential).where(m.Credential.user_id == user_id, m.Credential.type == "ec2"))
        ).all()
    return json_response(
        {
            "credentials": [render.ec2_credential(req.base_url, c, _ec2_blob(svc.sealer.open(c.blob))) for c in rows],
            "links": render.collection_links(req.base_url, f"users/{user_id}/credentials/OS-EC2"),
        }
    )


async def ec2_show(svc: IdentityService, req: Request) -> Response:
    user_id = req.path_params["user_id"]
    policy.admin_or_self(req.context, user_id, "ec2_get_credential")
    async with svc.db.reader() as s:
        cred, blob = await _ec2(svc, s, user_id, req.path_params["access"])
    return json_response({"credential": render.ec2_credential(req.base_url, cred, blob)})


async def ec2_create(svc: IdentityService, req: Request) -> Response:
    user_id = req.path_params["user_id"]
    policy.admin_or_self(req.context, user_id, "ec2_create_credential")
    data = validate(schemas.EC2_CREATE, await req.json())
    access = uuid.uuid4().hex
    blob = {"access": access, "secret": uuid.uuid4().hex, "trust_id": None}
    async with svc.db.writer() as s:
        await get_or_404(s, m.User, user_id)
        await get_or_404(s, m.Project, data["tenant_id"])
        cred = m.Credential(
            id=ec2_id(access),
            user_id=user_id,
            project_id=data["tenant_id"],
            type="ec2",
            blob=svc.sealer.seal(json.dumps(blob)),
            extra={},
        )
        s.add(cred)
    return json_response({"credential": render.ec2_credential(req.base_url, cred, blob)}, 201)


async def ec2_delete(svc: IdentityService, req: Request) -> Response:
    user_id = req.path_params["user_id"]
    policy.admin_or_self(req.context, user_id, "ec2_delete_credential")
    async with svc.db.writer() as s:
        cred, _ = await _ec2(svc, s, user_id, req.path_params["access"])
        await s.delete(cred)
    return empty(204)

"""``POST /v3/auth/tokens``: check the identity methods, resolve the scope, mint a token.

Every authentication failure raises the same NotAuthenticated with the same message, so
a client cannot tell an unknown user from a wrong password or a disabled account.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from pocketstack.common.errors import Forbidden, Invalid, NotAuthenticated, NotFound
from pocketstack.common.timeutils import iso_nozone, utcnow
from pocketstack.identity import compliance, endpoint_urls, passwords
from pocketstack.identity import models as m
from pocketstack.identity.tokens import TokenData, new_audit_id

if TYPE_CHECKING:
    from pocketstack.identity.service import IdentityService

FAIL = "The request you have made requires authentication."


@dataclass
class Identified:
    user: m.User
    methods: list[str]
    expires_at: float | None = None
    audit_chain: str | None = None
    app_cred: m.ApplicationCredential | None = None
    # The scope carried over by a token method when the request names none.
    inherited_scope: tuple[str | None, str | None] | None = None
    # The trust of the token a token method presents (such a token keeps its trust scope).
    trust_id: str | None = None


async def authenticate(svc: IdentityService, body: dict[str, Any]) -> TokenData:
    auth = body["auth"]
    identity = auth["identity"]
    methods: list[str] = identity["methods"]
    if not methods:
        raise Invalid("Invalid input for field 'identity/methods': at least one method is required")
    if len(methods) != 1:
        raise NotAuthenticated(FAIL)
    method = methods[0]
    if method not in identity:
        raise Invalid(f"Invalid input for field 'identity': the '{method}' method has no data")
    if method == "password":
        who = await _password(svc, identity["password"])
    elif method == "token":
        who = await _token(svc, identity["token"])
    elif method == "application_credential":
        who = await _app_cred(svc, identity["application_credential"])
    else:
        raise NotAuthenticated(FAIL)
    return await _scoped_token(svc, who, auth.get("scope"))


async def _find_domain(svc: IdentityService, ref: dict[str, Any]) -> m.Domain | None:
    if "id" in ref:
        return await svc.entities.get(m.Domain, ref["id"])
    if "name" in ref:
        return await svc.entities.by_name(m.Domain, ref["name"])
    raise Invalid("A domain needs an id or a name")


async def _password(svc: IdentityService, data: dict[str, Any]) -> Identified:
    ref = data.get("user") or {}
    password = ref.get("password")
    if not isinstance(password, str):
        raise Invalid("Invalid input for field 'identity/password/user/password': a string is required")
    async with svc.db.reader() as s:
        user: m.User | None = None
        if "id" in ref:
            user = await s.get(m.User, ref["id"])
        elif "name" in ref:
            domain_ref = ref.get("domain")
            if not isinstance(domain_ref, dict):
                raise Invalid("Invalid input for field 'identity/password/user': a user name needs a domain")
            domain = await _find_domain(svc, domain_ref)
            if domain is not None:
                user = (
                    await s.scalars(select(m.User).where(m.User.domain_id == domain.id, m.User.name == ref["name"]))
                ).first()
        else:
            raise Invalid("Invalid input for field 'identity/password/user': an id or a name is required")
    domain_ok = user is not None and await domain_enabled(svc, user.domain_id)
    rounds = svc.config.identity.password_hash_rounds
    if user is None:
        await passwords.burn_time(password, rounds)
        raise NotAuthenticated(FAIL)
    rules = svc.config.security_compliance
    if compliance.locked(rules, user):
        # Keystone's AccountLocked: the same vague 401, the password not even checked.
        raise NotAuthenticated(FAIL)
    if not await passwords.verify_password(password, user.password_hash):
        await compliance.login_failed(svc.db, rules, user)
        raise NotAuthenticated(FAIL)
    if not user.enabled or not domain_ok:
        raise NotAuthenticated(FAIL)
    if user.password_expires_at is not None and user.password_expires_at <= utcnow():
        raise NotAuthenticated(FAIL)
    await compliance.login_succeeded(svc.db, user)
    return Identified(user, ["password"])


async def domain_enabled(svc: IdentityService, domain_id: str) -> bool:
    domain = await svc.entities.get(m.Domain, domain_id)
    return domain is not None and domain.enabled


async def _token(svc: IdentityService, data: dict[str, Any]) -> Identified:
    token_id = data.get("id")
    if not isinstance(token_id, str):
        raise Invalid("Invalid input for field 'identity/token/id': a string is required")
    try:
        old = svc.validator.validate(token_id)
    except NotAuthenticated:
        # Keystone answers a revoked, expired or unknown token here with 404 (TokenNotFound).
        raise NotFound("Could not find token.") from None
    if old.app_cred_id or old.access_token_id:
        # Keystone refuses to re-scope application credential and OAuth tokens.
        raise NotAuthenticated(FAIL)
    user = await svc.entities.get(m.User, old.user_id)
    if user is None or not user.enabled:
        raise NotAuthenticated(FAIL)
    methods = ["token"] + [x for x in old.methods if x != "token"]
    return Identified(
        user,
        methods,
        expires_at=old.expires_at,
        audit_chain=old.audit_ids[-1],
        inherited_scope=(old.scope, old.scope_id),
        trust_id=old.trust_id,
    )


async def _app_cred(svc: IdentityService, data: dict[str, Any]) -> Identified:
    secret = data.get("secret")
    if not isinstance(secret, str):
        raise Invalid("Invalid input for field 'identity/application_credential/secret': a string is required")
    async with svc.db.reader() as s:
        cred: m.ApplicationCredential | None = None
        if "id" in data:
            cred = await s.get(m.ApplicationCredential, data["id"])
        elif "name" in data and isinstance(data.get("user"), dict):
            uref = data["user"]
            user_id = uref.get("id")
            if user_id is None and "name" in uref and isinstance(uref.get("domain"), dict):
                domain = await _find_domain(svc, uref["domain"])
                found = (
                    None
                    if domain is None
                    else (
                        await s.scalars(
                            select(m.User).where(m.User.domain_id == domain.id, m.User.name == uref["name"])
                        )
                    ).first()
                )
                user_id = found.id if found else None
            if user_id:
                cred = (
                    await s.scalars(
                        select(m.ApplicationCredential).where(
                            m.ApplicationCredential.user_id == user_id, m.ApplicationCredential.name == data["name"]
                        )
                    )
                ).first()
        else:
            raise Invalid("An application credential needs an id, or a name and a user")
        user = None if cred is None else await s.get(m.User, cred.user_id)
    if cred is None or user is None:
        await passwords.burn_time(secret, svc.config.identity.password_hash_rounds)
        raise NotAuthenticated(FAIL)
    if not await passwords.verify_password(secret, cred.secret_hash) or not user.enabled:
        raise NotAuthenticated(FAIL)
    if cred.expires_at is not None and cred.expires_at <= utcnow():
        raise NotAuthenticated(FAIL)
    return Identified(user, ["application_credential"], app_cred=cred)


async def _resolve_scope(
    svc: IdentityService, who: Identified, scope: Any
) -> tuple[str | None, str | None, str | None]:
    """(scope type, scope id, scope's domain id) for the request's scope."""
    if who.app_cred is not None:
        if scope not in (None, "unscoped") and not (isinstance(scope, dict) and "project" in scope):
            raise NotAuthenticated(FAIL)
        project_id = who.app_cred.project_id
        if isinstance(scope, dict) and scope["project"].get("id") not in (None, project_id):
            raise NotAuthenticated(FAIL)
        scope = {"project": {"id": project_id}}
    if scope is None:
        if who.inherited_scope is not None:
            kind, sid = who.inherited_scope
            if kind is None:
                return None, None, None
            scope = {kind: {"id": sid} if kind != "system" else {"all": True}}
        elif who.user.default_project_id:
            roles = await svc.roles.effective(who.user.id, "project", who.user.default_project_id)
            if roles:
                scope = {"project": {"id": who.user.default_project_id}}
    if scope is None or scope == "unscoped":
        return None, None, None
    if not isinstance(scope, dict) or len(scope) != 1:
        raise Invalid("Invalid input for field 'auth/scope': name one of project, domain or system")
    ((kind, ref),) = scope.items()
    if not isinstance(ref, dict):
        raise Invalid(f"Invalid input for field 'auth/scope/{kind}': an object is required")
    if kind == "system":
        if ref.get("all") is not True:
            raise Invalid("Invalid input for field 'auth/scope/system': only {\"all\": true} is supported")
        return "system", "all", None
    if kind == "project":
        project: m.Project | None = None
        if "id" in ref:
            project = await svc.entities.get(m.Project, ref["id"])
        elif "name" in ref and isinstance(ref.get("domain"), dict):
            domain = await _find_domain(svc, ref["domain"])
            if domain is not None:
                project = await svc.entities.by_name(m.Project, ref["name"], domain.id)
        else:
            raise Invalid("Invalid input for field 'auth/scope/project': an id, or a name and a domain")
        if project is None or not project.enabled or not await domain_enabled(svc, project.domain_id):
            raise NotAuthenticated(FAIL)
        return "project", project.id, project.domain_id
    if kind == "domain":
        domain = await _find_domain(svc, ref)
        if domain is None or not domain.enabled:
            raise NotAuthenticated(FAIL)
        return "domain", domain.id, domain.id
    raise Invalid(f"Invalid input for field 'auth/scope': unknown scope {kind!r}")


async def _scoped_token(svc: IdentityService, who: Identified, scope: Any) -> TokenData:
    trust_ref = scope.get("OS-TRUST:trust") if isinstance(scope, dict) else None
    if who.trust_id is not None:
        # A trust-scoped token is re-issued only under its own trust (Keystone: no rescoping).
        if scope is not None and (not isinstance(trust_ref, dict) or trust_ref.get("id") != who.trust_id):
            raise Forbidden("A trust-scoped token cannot be rescoped.")
        return await trust_token(svc, who, who.trust_id, renewing=True)
    if trust_ref is not None:
        if not isinstance(trust_ref, dict) or not isinstance(trust_ref.get("id"), str) or len(scope) != 1:
            raise Invalid("Invalid input for field 'auth/scope/OS-TRUST:trust': an id is required")
        return await trust_token(svc, who, trust_ref["id"])
    kind, scope_id, scope_domain = await _resolve_scope(svc, who, scope)
    role_ids: tuple[str, ...] = ()
    if kind is not None and scope_id is not None:
        role_ids = await svc.roles.effective(who.user.id, kind, "system" if kind == "system" else scope_id)
        if who.app_cred is not None:
            # Only the delegated roles the user still holds on the project.
            role_ids = await svc.roles.expand(set(who.app_cred.roles) & set(role_ids))
        if not role_ids:
            raise NotAuthenticated(FAIL)
    now = time.time()
    expires = now + svc.config.identity.token_expiration
    if who.expires_at is not None:
        expires = min(expires, who.expires_at)
    if who.app_cred is not None and who.app_cred.expires_at is not None:
        expires = min(expires, who.app_cred.expires_at.replace(tzinfo=dt.UTC).timestamp())
    audit_ids = (new_audit_id(), who.audit_chain) if who.audit_chain else (new_audit_id(),)
    return TokenData(
        user_id=who.user.id,
        user_domain_id=who.user.domain_id,
        methods=tuple(who.methods),
        scope=kind,
        scope_id=scope_id,
        scope_domain_id=scope_domain,
        role_ids=role_ids,
        role_names=await svc.roles.names(role_ids),
        issued_at=now,
        expires_at=expires,
        audit_ids=audit_ids,
        app_cred_id=who.app_cred.id if who.app_cred else None,
        access_rules=await _access_rules(svc, who.app_cred),
    )


async def _access_rules(svc: IdentityService, cred: m.ApplicationCredential | None) -> tuple[tuple[str, str, str], ...]:
    """The credential's access rules, carried in its tokens so every API checks them."""
    if cred is None or not cred.access_rules:
        return ()
    rules = [await svc.entities.get(m.AccessRule, rid) for rid in cred.access_rules]
    found = tuple((r.service, r.method, r.path) for r in rules if r is not None)
    # A credential whose rules are all gone allows nothing rather than everything.
    return found or (("", "", ""),)


async def trust_token(svc: IdentityService, who: Identified, trust_id: str, *, renewing: bool = False) -> TokenData:
    """A token under an OS-TRUST trust, for its trustee: on the trust's project with the
    trust's roles (those the trustor still holds), as the trustor when impersonating.
    Each token uses up one of the trust's remaining uses. ``renewing``: the caller shows a
    token of this trust (its user may be the impersonated trustor), not its own identity."""
    from pocketstack.identity.handlers.trusts import live

    if who.app_cred is not None:
        raise NotAuthenticated(FAIL)
    trust = await svc.entities.get(m.Trust, trust_id)
    if not live(trust) or trust is None:
        raise NotAuthenticated(FAIL)
    if not renewing and trust.trustee_user_id != who.user.id:
        raise Forbidden("The user is not the trustee of this trust.")
    if trust.remaining_uses is not None:
        # Counted under the writer lock, so concurrent logins cannot spend the same use.
        async with svc.db.writer() as s:
            counted = await s.get(m.Trust, trust_id)
            if counted is None or not counted.remaining_uses:
                raise NotAuthenticated(FAIL)
            counted.remaining_uses -= 1
    trustor = await svc.entities.get(m.User, trust.trustor_user_id)
    if trustor is None or not trustor.enabled or not await domain_enabled(svc, trustor.domain_id):
        raise NotAuthenticated(FAIL)
    project = await svc.entities.get(m.Project, trust.project_id) if trust.project_id else None
    role_ids: tuple[str, ...] = ()
    if project is not None:
        if not project.enabled or not await domain_enabled(svc, project.domain_id):
            raise NotAuthenticated(FAIL)
        held = set(await svc.roles.effective(trustor.id, "project", project.id))
        if not set(trust.roles) <= held:
            raise NotAuthenticated(FAIL)
        role_ids = await svc.roles.expand(set(trust.roles))
        if not role_ids:
            raise NotAuthenticated(FAIL)
    user = trustor if trust.impersonation else who.user
    now = time.time()
    expires = now + svc.config.identity.token_expiration
    if who.expires_at is not None:
        expires = min(expires, who.expires_at)
    if trust.expires_at is not None:
        expires = min(expires, trust.expires_at.replace(tzinfo=dt.UTC).timestamp())
    if trust.remaining_uses is not None:
        svc.changed()
    return TokenData(
        user_id=user.id,
        user_domain_id=user.domain_id,
        methods=tuple(who.methods),
        scope="project" if project is not None else None,
        scope_id=project.id if project is not None else None,
        scope_domain_id=project.domain_id if project is not None else None,
        role_ids=role_ids,
        role_names=await svc.roles.names(role_ids),
        issued_at=now,
        expires_at=expires,
        audit_ids=(new_audit_id(), who.audit_chain) if who.audit_chain else (new_audit_id(),),
        trust_id=trust.id,
        trustor_id=trustor.id,
    )


async def render(svc: IdentityService, data: TokenData, *, catalog: bool) -> dict[str, Any]:
    """The token body Keystone returns from POST and GET /v3/auth/tokens."""
    get = svc.entities.get
    user = await get(m.User, data.user_id)
    if user is None:
        raise NotFound("Could not find token")
    user_domain = await get(m.Domain, data.user_domain_id)
    body: dict[str, Any] = {
        "methods": list(data.methods),
        "user": {
            "id": user.id,
            "name": user.name,
            "password_expires_at": iso_nozone(user.password_expires_at),
            "domain": {"id": data.user_domain_id, "name": user_domain.name if user_domain else ""},
        },
        "audit_ids": list(data.audit_ids),
        "expires_at": _ts(data.expires_at),
        "issued_at": _ts(data.issued_at),
    }
    if data.scope == "project":
        project = await get(m.Project, data.scope_id)
        pdomain = await get(m.Domain, data.scope_domain_id)
        body["project"] = {
            "id": data.scope_id,
            "name": project.name if project else "",
            "domain": {"id": data.scope_domain_id, "name": pdomain.name if pdomain else ""},
        }
        if not data.trust_id:  # Keystone leaves it out of trust-scoped tokens
            body["is_domain"] = False
    elif data.scope == "domain":
        domain = await get(m.Domain, data.scope_id)
        body["domain"] = {"id": data.scope_id, "name": domain.name if domain else ""}
    elif data.scope == "system":
        body["system"] = {"all": True}
    if data.app_cred_id:
        cred = await get(m.ApplicationCredential, data.app_cred_id)
        if cred is not None:
            body["application_credential"] = {"id": cred.id, "name": cred.name, "restricted": not cred.unrestricted}
            if cred.access_rules:
                rules = [await get(m.AccessRule, rid) for rid in cred.access_rules]
                body["application_credential"]["access_rules"] = [
                    {"id": r.id, "service": r.service, "method": r.method, "path": r.path} for r in rules if r
                ]
    if data.access_token_id:
        access = await get(m.OAuthAccessToken, data.access_token_id)
        if access is not None:
            body["OS-OAUTH1"] = {"access_token_id": access.id, "consumer_id": access.consumer_id}
    if data.trust_id:
        trust = await get(m.Trust, data.trust_id)
        if trust is not None:
            body["OS-TRUST:trust"] = {
                "id": trust.id,
                "impersonation": trust.impersonation,
                "trustor_user": {"id": trust.trustor_user_id},
                "trustee_user": {"id": trust.trustee_user_id},
            }
    if data.scope is not None:
        body["roles"] = [{"id": rid, "name": name} for rid, name in zip(data.role_ids, data.role_names, strict=False)]
        if catalog:
            body["catalog"] = endpoint_urls.for_token(await svc.catalog(data.project_id), data.project_id, data.user_id)
    return {"token": body}


def _ts(value: float) -> str:
    # Keystone's isotime: whole seconds, microseconds printed as zeros, then Z.
    return dt.datetime.fromtimestamp(value, dt.UTC).strftime("%Y-%m-%dT%H:%M:%S") + ".000000Z"

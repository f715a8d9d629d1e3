"""Serialization of identity objects into Keystone's response shapes."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pocketstack.common.timeutils import iso, iso_nozone
from pocketstack.identity import models as m
from pocketstack.identity.revocation import Event


def links(base: str, path: str) -> dict[str, str]:
    return {"self": f"{base}/v3/{path}"}


def collection_links(base: str, path: str) -> dict[str, Any]:
    return {"self": f"{base}/v3/{path}", "previous": None, "next": None}


def domain(base: str, d: m.Domain) -> dict[str, Any]:
    # Exactly Keystone's domain attributes: extra ones given at creation are kept, not shown.
    return {
        "id": d.id,
        "name": d.name,
        "description": d.description,
        "enabled": d.enabled,
        "tags": [],
        "options": dict(d.options or {}),
        "links": links(base, f"domains/{d.id}"),
    }


def project(base: str, p: m.Project) -> dict[str, Any]:
    return {
        "id": p.id,
        "name": p.name,
        "domain_id": p.domain_id,
        "description": p.description,
        "enabled": p.enabled,
        "parent_id": p.parent_id or p.domain_id,
        "is_domain": False,
        "tags": list(p.tags or []),
        "options": dict(p.options or {}),
        "links": links(base, f"projects/{p.id}"),
        **(p.extra or {}),
    }


def domain_as_project(base: str, d: m.Domain) -> dict[str, Any]:
    """A domain seen through the projects API (Keystone's project acting as a domain)."""
    return {
        "id": d.id,
        "name": d.name,
        "domain_id": None,
        "description": d.description,
        "enabled": d.enabled,
        "parent_id": None,
        "is_domain": True,
        "tags": [],
        "options": dict(d.options or {}),
        "links": links(base, f"projects/{d.id}"),
    }


def user(base: str, u: m.User) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": u.id,
        "name": u.name,
        "domain_id": u.domain_id,
        "enabled": u.enabled,
        # Keystone prints this one without a zone: 2016-11-06T15:32:17.000000.
        "password_expires_at": iso_nozone(u.password_expires_at),
        "options": dict(u.options or {}),
        "links": links(base, f"users/{u.id}"),
    }
    if u.default_project_id:
        body["default_project_id"] = u.default_project_id
    if u.description:
        body["description"] = u.description
    if u.email:
        body["email"] = u.email
    body.update(u.extra or {})
    return body


def group(base: str, g: m.Group) -> dict[str, Any]:
    return {
        "id": g.id,
        "name": g.name,
        "domain_id": g.domain_id,
        "description": g.description,
        "links": links(base, f"groups/{g.id}"),
        **(g.extra or {}),
    }


def role(base: str, r: m.Role) -> dict[str, Any]:
    return {
        "id": r.id,
        "name": r.name,
        "domain_id": r.domain_id or None,
        "description": r.description,
        "options": dict(r.options or {}),
        "links": links(base, f"roles/{r.id}"),
    }


def role_ref(base: str, r: m.Role) -> dict[str, Any]:
    return {"id": r.id, "name": r.name, "links": links(base, f"roles/{r.id}")}


def region(base: str, r: m.Region) -> dict[str, Any]:
    return {
        "id": r.id,
        "description": r.description,
        "parent_region_id": r.parent_region_id,
        "links": links(base, f"regions/{r.id}"),
    }


def service(base: str, s: m.CatalogService) -> dict[str, Any]:
    return {
        "id": s.id,
        "type": s.type,
        "name": s.name,
        "description": s.description,
        "enabled": s.enabled,
        "links": links(base, f"services/{s.id}"),
    }


def endpoint(base: str, e: m.Endpoint) -> dict[str, Any]:
    return {
        "id": e.id,
        "service_id": e.service_id,
        "interface": e.interface,
        "url": e.url,
        "region": e.region_id,
        "region_id": e.region_id,
        "enabled": e.enabled,
        "links": links(base, f"endpoints/{e.id}"),
    }


def app_cred(
    base: str, a: m.ApplicationCredential, roles: list[dict[str, Any]], rules: list[m.AccessRule]
) -> dict[str, Any]:
    return {
        "id": a.id,
        "name": a.name,
        "user_id": a.user_id,
        "project_id": a.project_id,
        "description": a.description,
        # Keystone prints this one as Python's isoformat: no zone suffix.
        "expires_at": a.expires_at.isoformat() if a.expires_at else None,
        "unrestricted": a.unrestricted,
        "system": None,
        "roles": roles,
        "access_rules": [access_rule_ref(r) for r in rules],
        "links": links(base, f"users/{a.user_id}/application_credentials/{a.id}"),
    }


def access_rule_ref(r: m.AccessRule) -> dict[str, Any]:
    return {"id": r.id, "service": r.service, "method": r.method, "path": r.path}


def access_rule(base: str, r: m.AccessRule) -> dict[str, Any]:
    return {**access_rule_ref(r), "links": links(base, f"users/{r.user_id}/access_rules/{r.id}")}


def credential(base: str, c: m.Credential, blob: str) -> dict[str, Any]:
    """``blob``: the credential's blob as the caller gave it (opened, not as stored)."""
    return {
        "id": c.id,
        "user_id": c.user_id,
        "project_id": c.project_id,
        "type": c.type,
        "blob": blob,
        "links": links(base, f"credentials/{c.id}"),
        **(c.extra or {}),
    }


def ec2_credential(base: str, c: m.Credential, blob: dict[str, Any]) -> dict[str, Any]:
    return {
        "user_id": c.user_id,
        "tenant_id": c.project_id,
        "access": blob.get("access"),
        "secret": blob.get("secret"),
        "trust_id": blob.get("trust_id"),
        "links": links(base, f"users/{c.user_id}/credentials/OS-EC2/{blob.get('access')}"),
    }


def trust(base: str, t: m.Trust) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": t.id,
        "trustor_user_id": t.trustor_user_id,
        "trustee_user_id": t.trustee_user_id,
        "project_id": t.project_id,
        "impersonation": t.impersonation,
        # Keystone's isotime: whole seconds, microseconds printed as zeros, then Z.
        "expires_at": iso(t.expires_at.replace(microsecond=0), micro=True) if t.expires_at else None,
        "remaining_uses": t.remaining_uses,
        "redelegated_trust_id": t.redelegated_trust_id,
        "redelegation_count": t.redelegation_count or 0,
        "links": links(base, f"OS-TRUST/trusts/{t.id}"),
    }
    return body


def policy(base: str, p: m.Policy) -> dict[str, Any]:
    return {
        "id": p.id,
        "type": p.type,
        "blob": p.blob,
        "links": links(base, f"policies/{p.id}"),
        **(p.extra or {}),
    }


def endpoint_group(base: str, g: m.EndpointGroup) -> dict[str, Any]:
    return {
        "id": g.id,
        "name": g.name,
        "description": g.description,
        "filters": dict(g.filters or {}),
        "links": links(base, f"OS-EP-FILTER/endpoint_groups/{g.id}"),
    }


def consumer(base: str, c: m.OAuthConsumer) -> dict[str, Any]:
    return {
        "id": c.id,
        "description": c.description,
        "links": links(base, f"OS-OAUTH1/consumers/{c.id}"),
        **(c.extra or {}),
    }


def registered_limit(base: str, r: m.RegisteredLimit) -> dict[str, Any]:
    return {
        "id": r.id,
        "service_id": r.service_id,
        "region_id": r.region_id or None,
        "resource_name": r.resource_name,
        "default_limit": r.default_limit,
        "description": r.description,
        "links": links(base, f"registered_limits/{r.id}"),
    }


def limit(base: str, lim: m.Limit, reg: m.RegisteredLimit) -> dict[str, Any]:
    return {
        "id": lim.id,
        "project_id": None if lim.is_domain else lim.target_id,
        "domain_id": lim.target_id if lim.is_domain else None,
        "service_id": reg.service_id,
        "region_id": reg.region_id or None,
        "resource_name": reg.resource_name,
        "resource_limit": lim.resource_limit,
        "description": lim.description,
        "links": links(base, f"limits/{lim.id}"),
    }


def revocation_event(e: Event) -> dict[str, Any]:
    """An OS-REVOKE event with Keystone's fields (the application credential one is
    pocketstack's own bookkeeping, not shown); ``issued_before`` as Keystone's isotime."""
    body: dict[str, Any] = {
        k: v
        for k, v in (
            ("user_id", e.user_id),
            ("project_id", e.project_id),
            ("domain_id", e.domain_id),
            ("audit_id", e.audit_id),
            ("audit_chain_id", e.audit_chain_id),
            ("trust_id", e.trust_id),
        )
        if v is not None
    }
    stamp = dt.datetime.fromtimestamp(e.issued_before, dt.UTC).strftime("%Y-%m-%dT%H:%M:%S")
    body["issued_before"] = stamp + ".000000Z"
    return body


def oauth_access_token(base: str, t: m.OAuthAccessToken) -> dict[str, Any]:
    return {
        "id": t.id,
        "consumer_id": t.consumer_id,
        "project_id": t.project_id,
        "authorizing_user_id": t.authorizing_user_id,
        "expires_at": iso(t.expires_at, micro=True),
        "links": {
            "self": f"{base}/v3/users/{t.authorizing_user_id}/OS-OAUTH1/access_tokens/{t.id}",
            "roles": f"{base}/v3/users/{t.authorizing_user_id}/OS-OAUTH1/access_tokens/{t.id}/roles",
        },
    }

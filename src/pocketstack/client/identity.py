"""Keystone v3: issue, re-scope, validate and revoke tokens; the caller's projects."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import httpx

from pocketstack.client.base import ApiError, Resource, ServiceClient, error_message, seg


@dataclass(frozen=True)
class Token:
    """An issued token and what Keystone said about it."""

    id: str
    expires_at: datetime
    user_id: str
    user_name: str
    domain_id: str
    project_id: str | None = None
    project_name: str | None = None
    roles: tuple[str, ...] = ()
    catalog: tuple[Resource, ...] = field(default=(), repr=False)

    @property
    def is_admin(self) -> bool:
        return "admin" in self.roles

    @classmethod
    def from_response(cls, token_id: str, body: Resource) -> Token:
        data = body["token"]
        user = data.get("user") or {}
        project = data.get("project") or {}
        return cls(
            id=token_id,
            expires_at=datetime.fromisoformat(data["expires_at"].replace("Z", "+00:00")),
            user_id=user.get("id", ""),
            user_name=user.get("name", ""),
            domain_id=(user.get("domain") or {}).get("id", ""),
            project_id=project.get("id"),
            project_name=project.get("name"),
            roles=tuple(r["name"] for r in data.get("roles") or ()),
            catalog=tuple(data.get("catalog") or ()),
        )


class IdentityClient(ServiceClient):
    """Keystone's API. Issuing a token needs none: pass ``token=""``."""

    service = "identity"
    prefix = "/identity/v3"

    async def _issue(self, auth: Resource) -> Token:
        try:
            response = await self.http.post(self.prefix + "/auth/tokens", json={"auth": auth})
        except httpx.HTTPError as exc:
            raise ApiError(self.service, 0, f"The identity service could not be reached ({exc}).") from exc
        if response.status_code != 201:
            raise ApiError(self.service, response.status_code, error_message(response))
        return Token.from_response(response.headers["x-subject-token"], response.json())

    async def password_token(self, domain: str, user: str, password: str, project_id: str | None = None) -> Token:
        """Log in by user name in ``domain`` (a domain name or id); scoped to
        ``project_id``, else to the user's default project (Keystone's rule) or unscoped."""
        auth: Resource = {
            "identity": {
                "methods": ["password"],
                "password": {"user": {"name": user, "domain": _domain_ref(domain), "password": password}},
            }
        }
        if project_id:
            auth["scope"] = {"project": {"id": project_id}}
        return await self._issue(auth)

    async def application_credential_token(self, credential_id: str, secret: str) -> Token:
        """Log in with an application credential (its own project and roles)."""
        auth = {
            "identity": {
                "methods": ["application_credential"],
                "application_credential": {"id": credential_id, "secret": secret},
            }
        }
        return await self._issue(auth)

    async def rescope(self, token: str, project_id: str) -> Token:
        """A token for ``project_id`` from a valid token of the same user."""
        auth = {"identity": {"methods": ["token"], "token": {"id": token}}, "scope": {"project": {"id": project_id}}}
        return await self._issue(auth)

    async def validate(self, subject: str) -> Token:
        body = await self.request("GET", "/auth/tokens", headers={"X-Subject-Token": subject})
        return Token.from_response(subject, body)

    async def revoke(self, subject: str) -> None:
        await self.request("DELETE", "/auth/tokens", headers={"X-Subject-Token": subject})

    async def my_projects(self) -> list[Resource]:
        """The projects the token's user may scope to (``GET /v3/auth/projects``)."""
        body = await self.get("/auth/projects")
        return list(body["projects"])

    async def change_password(self, user_id: str, original: str, new: str) -> None:
        """The user's own password (Keystone then revokes the user's tokens). Keystone
        needs no token for it; this client sends its own if it has one."""
        body = {"user": {"original_password": original, "password": new}}
        headers = {"X-Auth-Token": self.token} if self.token else {}
        try:
            response = await self.http.post(f"{self.prefix}/users/{seg(user_id)}/password", json=body, headers=headers)
        except httpx.HTTPError as exc:
            raise ApiError(self.service, 0, f"The identity service could not be reached ({exc}).") from exc
        if response.status_code >= 400:
            raise ApiError(self.service, response.status_code, error_message(response))

    async def application_credentials(self, user_id: str) -> list[Resource]:
        return list((await self.get(f"/users/{seg(user_id)}/application_credentials"))["application_credentials"])

    async def create_application_credential(self, user_id: str, name: str, **attrs: Any) -> Resource:
        """A new credential of the token's project and roles; its ``secret`` is shown once."""
        body = {"application_credential": {"name": name, **{k: v for k, v in attrs.items() if v is not None}}}
        return dict((await self.post(f"/users/{seg(user_id)}/application_credentials", body))["application_credential"])

    async def delete_application_credential(self, user_id: str, credential_id: str) -> None:
        await self.delete(f"/users/{seg(user_id)}/application_credentials/{seg(credential_id)}")

    async def projects(self) -> list[Resource]:
        """Admin: every project."""
        return list((await self.get("/projects"))["projects"])

    async def users(self) -> list[Resource]:
        """Admin: every user."""
        return list((await self.get("/users"))["users"])

    async def groups(self) -> list[Resource]:
        """Admin: every group."""
        return list((await self.get("/groups"))["groups"])

    async def roles(self) -> list[Resource]:
        return list((await self.get("/roles"))["roles"])

    async def role_assignments(self) -> list[Resource]:
        """Admin: every assignment, with the names of its user/group, project/domain and role."""
        return list((await self.get("/role_assignments", include_names="true"))["role_assignments"])

    async def grant(self, project_id: str, user_id: str, role_id: str) -> None:
        await self.request("PUT", f"/projects/{seg(project_id)}/users/{seg(user_id)}/roles/{seg(role_id)}")

    async def revoke_grant(self, project_id: str, user_id: str, role_id: str) -> None:
        await self.request("DELETE", f"/projects/{seg(project_id)}/users/{seg(user_id)}/roles/{seg(role_id)}")


def _domain_ref(domain: str) -> dict[str, str]:
    # "default" is the default domain's id; any other text is read as a domain name.
    return {"id": domain} if domain == "default" else {"name": domain}


def expired(token: Token, now: datetime) -> bool:
    return token.expires_at <= now

"""The request context: who is calling, with which scope and roles, under which request id.

Built by the auth middleware from a validated token, carried across the bus as a dict
(``to_dict``/``from_dict``, by the typed RPC layer ``pocketstack.bus.rpc``) so every hop
of a request knows its caller and request id.
"""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass, field
from typing import Any


def new_request_id() -> str:
    return f"req-{uuid.uuid4()}"


@dataclass(slots=True)
class RequestContext:
    request_id: str = field(default_factory=new_request_id)
    user_id: str | None = None
    user_name: str | None = None
    user_domain_id: str | None = None
    project_id: str | None = None
    project_name: str | None = None
    project_domain_id: str | None = None
    domain_id: str | None = None
    system_scope: bool = False
    roles: tuple[str, ...] = ()
    # Never in a repr (a context may end up in a log line or a traceback).
    auth_token: str | None = field(default=None, repr=False)
    service_token: str | None = field(default=None, repr=False)
    service_roles: tuple[str, ...] = ()
    audit_ids: tuple[str, ...] = ()
    application_credential_id: str | None = None
    # The application credential's access rules (service type, method, path), if any:
    # the only calls the token may make (pocketstack.web.access_rules).
    access_rules: tuple[tuple[str, str, str], ...] = ()
    expires_at: float | None = None
    # Set for internal work done on behalf of the cloud itself (periodic tasks, bootstrap).
    is_internal: bool = False
    # What the serving API's context_is_admin rule decided (ServiceApp's admin_rule, as
    # oslo.context's is_admin); None: the admin role decides.
    admin: bool | None = None

    @property
    def is_admin(self) -> bool:
        if self.is_internal:
            return True
        return self.admin if self.admin is not None else "admin" in self.roles

    @property
    def is_reader_only(self) -> bool:
        return not self.is_admin and "member" not in self.roles

    def has_role(self, role: str) -> bool:
        return self.is_internal or role in self.roles

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["roles"] = list(self.roles)
        data["service_roles"] = list(self.service_roles)
        data["audit_ids"] = list(self.audit_ids)
        data["access_rules"] = [list(r) for r in self.access_rules]
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RequestContext:
        """The context ``to_dict`` made; a key it does not know is an error (ValueError)."""
        unknown = sorted(set(data) - set(cls.__dataclass_fields__))
        if unknown:
            raise ValueError(f"unknown request context field(s): {', '.join(unknown)}")
        known = dict(data)
        for key in ("roles", "service_roles", "audit_ids"):
            if key in known:
                known[key] = tuple(known[key])
        if "access_rules" in known:
            known["access_rules"] = tuple(tuple(r) for r in known["access_rules"])
        return cls(**known)

    @classmethod
    def internal(cls, request_id: str | None = None) -> RequestContext:
        return cls(request_id=request_id or new_request_id(), is_internal=True, roles=("admin", "member", "reader"))

"""Local token validation for every service (the keystonemiddleware of pocketstack).

Decrypts the Fernet token with the shared key repository, checks expiry and the
revocation list, and caches the decoded token briefly: no database, no HTTP.
"""

from __future__ import annotations

import time
from collections import OrderedDict

from pocketstack.common.context import RequestContext
from pocketstack.common.errors import NotAuthenticated
from pocketstack.identity import tokens
from pocketstack.identity.revocation import RevocationList
from pocketstack.identity.tokens import KeyRepository, TokenData


class TokenValidator:
    def __init__(
        self, keys: KeyRepository, revocations: RevocationList, cache_seconds: float = 30.0, cache_size: int = 10000
    ) -> None:
        self.keys = keys
        self.revocations = revocations
        self.cache_seconds = cache_seconds
        self.cache_size = cache_size
        self._cache: OrderedDict[str, tuple[float, TokenData]] = OrderedDict()

    def validate(self, token: str, *, allow_expired: bool = False) -> TokenData:
        """The token's data if it is valid now; NotAuthenticated otherwise."""
        now = time.time()
        hit = self._cache.get(token)
        if hit is not None and now - hit[0] < self.cache_seconds:
            data = hit[1]
        else:
            if len(token) > 2048:
                raise NotAuthenticated()
            data = tokens.decode(self.keys, token)
            self._cache[token] = (now, data)
            if len(self._cache) > self.cache_size:
                self._cache.popitem(last=False)
        if (data.expires_at <= now and not allow_expired) or self.revocations.is_revoked(data):
            raise NotAuthenticated()
        return data

    async def authenticate(self, token: str, service_token: str | None, request_id: str) -> RequestContext:
        if service_token:
            # A service acting for a user (DESIGN §1): with a valid service token the user's
            # token may have expired mid-operation, as keystonemiddleware allows; it must
            # still be genuine and not revoked.
            service = self.validate(service_token)
            if "service" in service.role_names or "admin" in service.role_names:
                data = self.validate(token, allow_expired=True)
                return context_from(data, token, request_id, service_token, service.role_names)
        return context_from(self.validate(token), token, request_id)


def context_from(
    data: TokenData, token: str, request_id: str, service_token: str | None = None, service_roles: tuple[str, ...] = ()
) -> RequestContext:
    return RequestContext(
        request_id=request_id,
        user_id=data.user_id,
        user_domain_id=data.user_domain_id,
        project_id=data.project_id,
        project_domain_id=data.scope_domain_id if data.scope == "project" else None,
        domain_id=data.domain_id,
        system_scope=data.scope == "system",
        roles=data.role_names,
        auth_token=token,
        service_token=service_token,
        service_roles=service_roles,
        audit_ids=data.audit_ids,
        application_credential_id=data.app_cred_id,
        access_rules=data.access_rules,
        expires_at=data.expires_at,
    )

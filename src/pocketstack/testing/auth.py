"""A static authenticator: fixed tokens mapped to contexts.

For testing one service's API in isolation, without the identity service; the
in-process cloud fixture uses the real Fernet validator instead.
"""

from __future__ import annotations

import dataclasses

from pocketstack.common.context import RequestContext
from pocketstack.common.errors import NotAuthenticated

ADMIN = RequestContext(
    user_id="u-admin",
    project_id="p-admin",
    roles=("admin", "member", "reader"),
    user_domain_id="default",
    project_domain_id="default",
)
DEMO = RequestContext(
    user_id="u-demo",
    project_id="p-demo",
    roles=("member", "reader"),
    user_domain_id="default",
    project_domain_id="default",
)
ALT = RequestContext(
    user_id="u-alt",
    project_id="p-alt",
    roles=("member", "reader"),
    user_domain_id="default",
    project_domain_id="default",
)
READER = RequestContext(
    user_id="u-reader", project_id="p-demo", roles=("reader",), user_domain_id="default", project_domain_id="default"
)


class StaticAuthenticator:
    def __init__(self, tokens: dict[str, RequestContext] | None = None) -> None:
        self.tokens = tokens if tokens is not None else {"admin": ADMIN, "demo": DEMO, "alt": ALT, "reader": READER}

    async def authenticate(self, token: str, service_token: str | None, request_id: str) -> RequestContext:
        ctx = self.tokens.get(token)
        if ctx is None:
            raise NotAuthenticated()
        return dataclasses.replace(ctx, request_id=request_id, auth_token=token, service_token=service_token)

"""Identity as seen from a process that does not serve it (``pocketstack serve SERVICE``).

Such a process still validates every token locally, as the all-in-one does: the Fernet
keys are the same files (a shared data directory, or keys copied from the identity
host as Keystone operators distribute them), the revocation list is loaded from
identity over the bus and then followed through its fanout. Its own calls to other
services carry a token of the service user, got by password over HTTP like any client.
"""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import datetime

from pocketstack.bus import Subscription
from pocketstack.common.errors import Unavailable
from pocketstack.identity.bootstrap import SERVICE_USER
from pocketstack.identity.revocation import RevocationList, follow
from pocketstack.identity.tokens import KeyRepository
from pocketstack.identity.validator import TokenValidator
from pocketstack.runtime import Runtime

log = logging.getLogger(__name__)

# A service token is renewed when less than this is left of it.
RENEW_BEFORE = 300.0


class RemoteIdentity:
    def __init__(self, runtime: Runtime) -> None:
        config = runtime.config
        self.runtime = runtime
        self.keys = KeyRepository(config.fernet_key_dir)
        self.revocations = RevocationList(config.identity.token_expiration)
        self.validator = TokenValidator(self.keys, self.revocations, config.identity.token_cache_seconds)
        self._subscription: Subscription | None = None
        self._token: tuple[float, str] | None = None
        self._lock = asyncio.Lock()

    async def start(self, timeout: float = 60.0, revocations: bool = True) -> None:
        """Wait (up to ``timeout``) for identity: its revocation list (unless this process
        validates no tokens: ``revocations=False``) and a service token."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            try:
                if revocations and self._subscription is None:
                    self._subscription = await follow(self.runtime.bus, self.revocations, timeout=5.0)
                await self.service_token()
                return
            except Exception as exc:
                if loop.time() >= deadline:
                    raise Unavailable(f"identity did not answer within {timeout:g}s: {exc}") from exc
                log.info("waiting for identity: %s", exc)
                await asyncio.sleep(0.5)

    async def service_token(self) -> str:
        """A token of the ``pocketstack`` service user, scoped to the service project."""
        async with self._lock:
            now = time.time()
            if self._token is not None and self._token[0] - now > RENEW_BEFORE:
                return self._token[1]
            config = self.runtime.config
            body = {
                "auth": {
                    "identity": {
                        "methods": ["password"],
                        "password": {
                            "user": {
                                "name": SERVICE_USER,
                                "domain": {"id": "default"},
                                "password": config.identity.service_password,
                            }
                        },
                    },
                    "scope": {"project": {"name": "service", "domain": {"id": "default"}}},
                }
            }
            async with self.runtime.http() as http:
                resp = await http.post("/identity/v3/auth/tokens", json=body)
            if resp.status_code != 201:
                raise Unavailable(f"identity refused the service user's login ({resp.status_code}): {resp.text[:200]}")
            expires = datetime.fromisoformat(resp.json()["token"]["expires_at"].replace("Z", "+00:00")).timestamp()
            self._token = (expires, resp.headers["x-subject-token"])
            return self._token[1]

    async def stop(self) -> None:
        if self._subscription is not None:
            await self._subscription.stop()
            self._subscription = None

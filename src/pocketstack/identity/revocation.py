"""Revocation events and the in-memory index every validator checks tokens against.

An event revokes every token that matches all of its non-empty fields and was issued at
or before ``issued_before``. Identity stores events in its database and fans each new
one out on the bus (topic ``identity-revocations``); validators in other processes load
the list once over the bus and then follow the fanout.
"""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import asdict, dataclass
from typing import Any

from pocketstack.bus import Bus, Subscription
from pocketstack.identity.tokens import TokenData


@dataclass(frozen=True, slots=True)
class Event:
    issued_before: float
    user_id: str | None = None
    project_id: str | None = None
    domain_id: str | None = None
    audit_id: str | None = None
    audit_chain_id: str | None = None
    app_cred_id: str | None = None
    trust_id: str | None = None
    access_token_id: str | None = None

    def matches(self, token: TokenData) -> bool:
        if token.issued_at > self.issued_before:
            return False
        if self.user_id is not None and self.user_id not in (token.user_id, token.trustor_id):
            return False
        if self.project_id is not None and self.project_id != token.project_id:
            return False
        if self.domain_id is not None and self.domain_id not in (
            token.user_domain_id,
            token.scope_domain_id,
            token.domain_id,
        ):
            return False
        if self.audit_id is not None and (not token.audit_ids or token.audit_ids[0] != self.audit_id):
            return False
        if self.audit_chain_id is not None and self.audit_chain_id not in token.audit_ids:
            return False
        if self.trust_id is not None and self.trust_id != token.trust_id:
            return False
        if self.access_token_id is not None and self.access_token_id != token.access_token_id:
            return False
        return self.app_cred_id is None or self.app_cred_id == token.app_cred_id

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Event:
        return cls(**{k: data.get(k) for k in cls.__dataclass_fields__})  # type: ignore[arg-type]


class RevocationList:
    """Events indexed by their most selective key so a check costs a few dict lookups."""

    def __init__(self, max_token_lifetime: float) -> None:
        self.max_token_lifetime = max_token_lifetime
        self._by_key: dict[tuple[str, str], list[Event]] = defaultdict(list)
        self._unkeyed: list[Event] = []
        self.generation = 0

    def add(self, event: Event) -> None:
        key = self._key(event)
        if key is None:
            self._unkeyed.append(event)
        else:
            self._by_key[key].append(event)
        self.generation += 1

    def is_revoked(self, token: TokenData) -> bool:
        lookups = [("user", token.user_id)]
        if token.trustor_id and token.trustor_id != token.user_id:
            lookups.append(("user", token.trustor_id))
        lookups.extend(("audit", a) for a in token.audit_ids)
        if token.scope_id:
            lookups.append(("project", token.scope_id))
        lookups.append(("domain", token.user_domain_id))
        if token.scope_domain_id:
            lookups.append(("domain", token.scope_domain_id))
        if token.app_cred_id:
            lookups.append(("app_cred", token.app_cred_id))
        if token.trust_id:
            lookups.append(("trust", token.trust_id))
        if token.access_token_id:
            lookups.append(("oauth", token.access_token_id))
        for key in lookups:
            events = self._by_key.get(key)
            if events and any(e.matches(token) for e in events):
                return True
        return any(e.matches(token) for e in self._unkeyed)

    def prune(self, now: float | None = None) -> None:
        """Forget events older than any token that could still be valid."""
        horizon = (now or time.time()) - self.max_token_lifetime - 60
        for key in list(self._by_key):
            kept = [e for e in self._by_key[key] if e.issued_before >= horizon]
            if kept:
                self._by_key[key] = kept
            else:
                del self._by_key[key]
        self._unkeyed = [e for e in self._unkeyed if e.issued_before >= horizon]

    def events(self) -> list[Event]:
        return [e for events in self._by_key.values() for e in events] + list(self._unkeyed)

    @staticmethod
    def _key(event: Event) -> tuple[str, str] | None:
        if event.audit_id:
            return ("audit", event.audit_id)
        if event.audit_chain_id:
            return ("audit", event.audit_chain_id)
        if event.app_cred_id:
            return ("app_cred", event.app_cred_id)
        if event.trust_id:
            return ("trust", event.trust_id)
        if event.access_token_id:
            return ("oauth", event.access_token_id)
        if event.user_id:
            return ("user", event.user_id)
        if event.project_id:
            return ("project", event.project_id)
        if event.domain_id:
            return ("domain", event.domain_id)
        return None


async def follow(bus: Bus, revocations: RevocationList, timeout: float = 30.0) -> Subscription:
    """For a service in another process: subscribe to new events, then load the existing
    ones from identity (subscribing first so no event falls between the two)."""
    from pocketstack.identity import rpcapi  # it imports this module

    subscription = await bus.serve(rpcapi.REVOCATION_TOPIC, rpcapi.RevocationEndpoint(revocations, owner=False))
    for event in await rpcapi.IdentityAPI(bus).list_events(timeout=timeout):
        revocations.add(event)
    return subscription

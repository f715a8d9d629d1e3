"""Typed RPC of identity's two bus topics (see ``pocketstack.bus.rpc``).

- ``identity`` (served by the identity service): ``list_events``, the revocation events
  a validator in another process loads once it follows the revocations;
- ``identity-revocations`` (served by identity and by every follower): the ``revoked``
  fanout, one new revocation event.

Version history:
- 1.0: list_events, revoked.
"""

from __future__ import annotations

from typing import Any

from pocketstack.bus import rpc
from pocketstack.common.context import RequestContext
from pocketstack.identity.revocation import Event, RevocationList

IDENTITY_TOPIC = "identity"
REVOCATION_TOPIC = "identity-revocations"


@rpc.payload
class ListEvents(rpc.Payload):
    METHOD = "list_events"


@rpc.payload
class Revoked(rpc.Payload):
    METHOD = "revoked"
    event: dict[str, Any]


class IdentityAPI(rpc.Client):
    async def list_events(self, *, timeout: float | None = None) -> list[Event]:
        found: list[dict[str, Any]] = await self._call(IDENTITY_TOPIC, rpc.no_context(), ListEvents(), timeout=timeout)
        return [Event.from_dict(data) for data in found]

    async def revoked(self, event: Event) -> None:
        """Fanned out to every process that validates tokens."""
        await self._fanout(REVOCATION_TOPIC, rpc.no_context(), Revoked(event=event.to_dict()))


class IdentityEndpoint(rpc.Server):
    """Served by the identity service on ``identity``."""

    def __init__(self, revocations: RevocationList) -> None:
        self.revocations = revocations

    @rpc.serves(ListEvents)
    async def list_events(self, ctx: RequestContext, p: ListEvents) -> list[dict[str, Any]]:
        return [e.to_dict() for e in self.revocations.events()]


class RevocationEndpoint(rpc.Server):
    """Served on ``identity-revocations``: every validator's copy applies the event; the
    owner (identity) has applied it already."""

    def __init__(self, revocations: RevocationList, owner: bool) -> None:
        self.revocations = revocations
        self.owner = owner

    @rpc.serves(Revoked)
    async def revoked(self, ctx: RequestContext, p: Revoked) -> None:
        if not self.owner:
            self.revocations.add(Event.from_dict(p.event))

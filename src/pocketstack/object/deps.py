"""What the object storage handlers work with: the index, the backend, the limits and
the token validator (handlers authenticate themselves: Swift takes anonymous calls
that ACLs and temporary URLs let in)."""

from __future__ import annotations

from dataclasses import dataclass

from pocketstack.common.config import ObjectConfig
from pocketstack.db import Database
from pocketstack.object.store import ObjectBackend
from pocketstack.web.app import Authenticator


@dataclass(frozen=True, slots=True)
class ObjectDeps:
    db: Database
    store: ObjectBackend
    limits: ObjectConfig
    authenticator: Authenticator | None

"""Revocation events reach a validator in another "process" (its own bus connection) over
the real RabbitMQ: loaded at start from identity, then followed through the fanout."""

from __future__ import annotations

import asyncio
import time
import uuid
from pathlib import Path

import pytest

from pocketstack.bus.rabbit import RabbitBus
from pocketstack.common.config import Config
from pocketstack.identity import tokens
from pocketstack.identity.revocation import Event, RevocationList, follow
from pocketstack.identity.service import IdentityService
from pocketstack.identity.tokens import KeyRepository, TokenData
from pocketstack.identity.validator import TokenValidator
from pocketstack.runtime import Runtime

pytestmark = pytest.mark.integration
URL = "amqp://guest:guest@127.0.0.1:5672/"


def token_for(keys: KeyRepository, user_id: str) -> str:
    now = time.time()
    return tokens.encode(
        keys,
        TokenData(
            user_id,
            "default",
            ("password",),
            "project",
            "p",
            "default",
            ("r",),
            ("member",),
            now,
            now + 600,
            (tokens.new_audit_id(),),
        ),
    )


async def test_follower_loads_and_follows_revocations(tmp_path: Path) -> None:
    config = Config(data_dir=tmp_path)
    owner_bus, other_bus = RabbitBus(URL), RabbitBus(URL)
    await owner_bus.start()
    await other_bus.start()
    runtime = Runtime(config, owner_bus, authenticator=None)  # type: ignore[arg-type]
    identity = IdentityService(runtime)
    from pocketstack.db import migrate

    await migrate.upgrade(identity.db, "identity", identity.migrations)  # type: ignore[arg-type]
    await identity.start()
    follower = None
    try:
        early, late = f"u-{uuid.uuid4().hex}", f"u-{uuid.uuid4().hex}"
        early_token, late_token = token_for(identity.keys, early), token_for(identity.keys, late)
        await identity.revoke(Event(issued_before=time.time(), user_id=early))
        # Another process: same key repository, its own revocation list, its own connection.
        theirs = RevocationList(3600)
        validator = TokenValidator(KeyRepository(config.fernet_key_dir), theirs, cache_seconds=0)
        follower = await follow(other_bus, theirs)
        with pytest.raises(Exception, match="authentication"):
            validator.validate(early_token)
        assert validator.validate(late_token).user_id == late
        await identity.revoke(Event(issued_before=time.time(), user_id=late))
        late_data = tokens.decode(identity.keys, late_token)
        for _ in range(100):
            if theirs.is_revoked(late_data):
                break
            await asyncio.sleep(0.05)
        with pytest.raises(Exception, match="authentication"):
            validator.validate(late_token)
    finally:
        if follower is not None:
            await follower.stop()
        await identity.stop()
        for topic in ("identity", "identity-revocations"):
            await owner_bus.delete_topic(topic)
        await owner_bus.close()
        await other_bus.close()
        await runtime.close()

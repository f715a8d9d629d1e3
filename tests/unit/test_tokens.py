"""Fernet key repository, token encoding, revocation matching and the validator."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from pocketstack.common.errors import NotAuthenticated
from pocketstack.identity import tokens
from pocketstack.identity.revocation import Event, RevocationList
from pocketstack.identity.tokens import KeyRepository, TokenData
from pocketstack.identity.validator import TokenValidator


def data(**kw: object) -> TokenData:
    now = time.time()
    base = dict(
        user_id="u1",
        user_domain_id="default",
        methods=("password",),
        scope="project",
        scope_id="p1",
        scope_domain_id="default",
        role_ids=("r1",),
        role_names=("member",),
        issued_at=now,
        expires_at=now + 3600,
        audit_ids=("a1",),
    )
    base.update(kw)
    return TokenData(**base)  # type: ignore[arg-type]


def test_round_trip(tmp_path: Path) -> None:
    keys = KeyRepository(tmp_path / "keys")
    assert keys.setup() is True and keys.setup() is False
    original = data(app_cred_id="c1", methods=("token", "password"))
    assert tokens.decode(keys, tokens.encode(keys, original)) == original


def test_rotation_keeps_previous_tokens(tmp_path: Path) -> None:
    keys = KeyRepository(tmp_path / "keys", max_active_keys=3)
    keys.setup()
    old = tokens.encode(keys, data())
    keys.rotate()
    assert tokens.decode(keys, old).user_id == "u1"
    new = tokens.encode(keys, data(user_id="u2"))
    keys.rotate()
    keys.rotate()
    # Three rotations later with three active keys, the first token's key is gone.
    with pytest.raises(NotAuthenticated):
        tokens.decode(keys, old)
    assert sorted(int(p.name) for p in (tmp_path / "keys").iterdir()) == [0, 3, 4]
    with pytest.raises(NotAuthenticated):
        tokens.decode(keys, new)


def test_other_process_rotation_is_seen(tmp_path: Path) -> None:
    keys = KeyRepository(tmp_path / "keys")
    keys.setup()
    keys.fernet()
    KeyRepository(tmp_path / "keys").rotate()
    keys._checked = 0.0  # skip the once-a-second throttle
    token = tokens.encode(keys, data())
    assert tokens.decode(KeyRepository(tmp_path / "keys"), token).user_id == "u1"


@pytest.mark.parametrize("junk", ["", "x", "gAAAAA", "!!!", "é"])
def test_garbage_is_not_authenticated(tmp_path: Path, junk: str) -> None:
    keys = KeyRepository(tmp_path / "keys")
    keys.setup()
    with pytest.raises(NotAuthenticated):
        tokens.decode(keys, junk)


def test_revocation_matching() -> None:
    revoked = RevocationList(3600)
    token = data()
    assert not revoked.is_revoked(token)
    revoked.add(Event(issued_before=token.issued_at - 1, user_id="u1"))
    assert not revoked.is_revoked(token), "an event older than the token does not revoke it"
    revoked.add(Event(issued_before=token.issued_at, user_id="u1", project_id="other"))
    assert not revoked.is_revoked(token), "every field must match"
    revoked.add(Event(issued_before=token.issued_at, audit_chain_id="a1"))
    assert revoked.is_revoked(token)
    assert revoked.is_revoked(data(audit_ids=("new", "a1"), issued_at=token.issued_at))
    assert not revoked.is_revoked(data(audit_ids=("zzz",), issued_at=token.issued_at))
    domain_wide = RevocationList(3600)
    domain_wide.add(Event(issued_before=time.time() + 1, domain_id="default"))
    assert domain_wide.is_revoked(token)


def test_prune_forgets_old_events() -> None:
    revoked = RevocationList(100)
    revoked.add(Event(issued_before=time.time() - 1000, user_id="u1"))
    revoked.add(Event(issued_before=time.time(), user_id="u2"))
    revoked.prune()
    assert [e.user_id for e in revoked.events()] == ["u2"]


async def test_validator_expiry_revocation_and_service_token(tmp_path: Path) -> None:
    keys = KeyRepository(tmp_path / "keys")
    keys.setup()
    revoked = RevocationList(3600)
    validator = TokenValidator(keys, revoked)
    good = tokens.encode(keys, data())
    ctx = await validator.authenticate(good, None, "req-1")
    assert ctx.user_id == "u1" and ctx.project_id == "p1" and ctx.roles == ("member",)
    expired = tokens.encode(keys, data(expires_at=time.time() - 1))
    with pytest.raises(NotAuthenticated):
        await validator.authenticate(expired, None, "req-2")
    service = tokens.encode(keys, data(user_id="svc", role_names=("admin", "service")))
    ctx = await validator.authenticate(expired, service, "req-3")
    assert ctx.user_id == "u1" and ctx.service_roles == ("admin", "service")
    not_service = tokens.encode(keys, data(user_id="x", role_names=("member",)))
    with pytest.raises(NotAuthenticated):
        await validator.authenticate(expired, not_service, "req-4")
    revoked.add(Event(issued_before=time.time() + 1, user_id="u1"))
    with pytest.raises(NotAuthenticated):
        await validator.authenticate(good, None, "req-5")

"""Fernet tokens: the key repository and the token payload format.

The key repository follows Keystone's layout: files named by integers in one directory;
``0`` is the staged key (the next primary), the highest number is the primary key that
encrypts new tokens, the others are secondaries that still decrypt. Rotation promotes
the staged key to primary, stages a new key and drops the oldest secondaries, so a token
made before one rotation still validates after it.

Every service holds the keys and decrypts tokens itself; the payload carries what a
service needs to build a RequestContext (user, scope, role ids and names, expiry, audit
ids), so validation needs neither a database nor a round-trip to identity.
"""

from __future__ import annotations

import base64
import os
import secrets
import time
from dataclasses import dataclass
from pathlib import Path

import orjson
from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from pocketstack.common.errors import NotAuthenticated

PAYLOAD_VERSION = 1
# Appended only: a token carries each method as its index here.
METHODS = ("password", "token", "application_credential", "ec2credential", "oauth1")


class KeyRepository:
    """Fernet keys on disk; reloaded when the directory changes (checked at most once a second)."""

    def __init__(self, directory: Path, max_active_keys: int = 3) -> None:
        self.directory = directory
        self.max_active_keys = max_active_keys
        self._fernet: MultiFernet | None = None
        self._stamp: tuple[float, int] | None = None
        self._checked = 0.0

    def setup(self) -> bool:
        """Create the repository with a staged and a primary key if it has none. True if created."""
        self.directory.mkdir(parents=True, exist_ok=True)
        os.chmod(self.directory, 0o700)
        if self._indexes():
            return False
        self._write(0, Fernet.generate_key())
        self._write(1, Fernet.generate_key())
        return True

    def rotate(self) -> int:
        """Promote the staged key, stage a new one, prune old ones; return the new primary index."""
        indexes = self._indexes()
        if not indexes:
            self.setup()
            indexes = self._indexes()
        new_primary = max(indexes) + 1
        os.replace(self.directory / "0", self.directory / str(new_primary))
        self._write(0, Fernet.generate_key())
        secondaries = sorted(i for i in self._indexes() if i not in (0, new_primary))
        excess = len(secondaries) + 2 - self.max_active_keys
        for index in secondaries[: max(0, excess)]:
            (self.directory / str(index)).unlink()
        self._fernet = None
        return new_primary

    def fernet(self) -> MultiFernet:
        now = time.monotonic()
        if self._fernet is None or now - self._checked > 1.0:
            self._checked = now
            stat = self.directory.stat()
            stamp = (stat.st_mtime, stat.st_ino)
            if self._fernet is None or stamp != self._stamp:
                self._fernet = self._load()
                self._stamp = stamp
        return self._fernet

    def _load(self) -> MultiFernet:
        indexes = sorted(self._indexes(), reverse=True)
        if not indexes:
            raise RuntimeError(f"no Fernet keys in {self.directory}: run pocketstack up first")
        # Primary (highest) first: MultiFernet encrypts with the first key.
        ordered = [i for i in indexes if i != 0] + ([0] if 0 in indexes else [])
        return MultiFernet([Fernet((self.directory / str(i)).read_bytes().strip()) for i in ordered])

    def _indexes(self) -> list[int]:
        if not self.directory.is_dir():
            return []
        return [int(p.name) for p in self.directory.iterdir() if p.name.isdigit()]

    def _write(self, index: int, key: bytes) -> None:
        path = self.directory / str(index)
        tmp = path.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(key)
        os.replace(tmp, path)


@dataclass(frozen=True, slots=True)
class TokenData:
    """What a token says. ``scope`` is ``project``, ``domain``, ``system`` or None (unscoped)."""

    user_id: str
    user_domain_id: str
    methods: tuple[str, ...]
    scope: str | None
    scope_id: str | None
    # For project scope: the project's domain.
    scope_domain_id: str | None
    role_ids: tuple[str, ...]
    role_names: tuple[str, ...]
    issued_at: float
    expires_at: float
    audit_ids: tuple[str, ...]
    app_cred_id: str | None = None
    # The application credential's access rules (service type, method, path): the only
    # calls the token may make (enforced by every API: pocketstack.web.access_rules).
    access_rules: tuple[tuple[str, str, str], ...] = ()
    # OS-TRUST: the trust the token was issued under (project scope, the trust's roles),
    # and its trustor (whose revocations, such as losing a role, end the token too).
    trust_id: str | None = None
    trustor_id: str | None = None
    # OS-OAUTH1: the access token the token was issued for.
    access_token_id: str | None = None

    @property
    def project_id(self) -> str | None:
        return self.scope_id if self.scope == "project" else None

    @property
    def domain_id(self) -> str | None:
        return self.scope_id if self.scope == "domain" else None


def new_audit_id() -> str:
    return base64.urlsafe_b64encode(secrets.token_bytes(16)).rstrip(b"=").decode()


def encode(keys: KeyRepository, data: TokenData) -> str:
    payload = [
        PAYLOAD_VERSION,
        data.user_id,
        data.user_domain_id,
        [METHODS.index(m) for m in data.methods],
        data.scope,
        data.scope_id,
        data.scope_domain_id,
        list(data.role_ids),
        list(data.role_names),
        data.issued_at,
        data.expires_at,
        list(data.audit_ids),
        data.app_cred_id,
    ]
    # Optional attributes travel in one trailing object, left out when empty.
    extras: dict[str, object] = {}
    if data.access_rules:
        extras["r"] = [list(rule) for rule in data.access_rules]
    if data.trust_id:
        extras["t"] = data.trust_id
        extras["o"] = data.trustor_id
    if data.access_token_id:
        extras["k"] = data.access_token_id
    if extras:
        payload.append(extras)
    return keys.fernet().encrypt(orjson.dumps(payload)).rstrip(b"=").decode()


def decode(keys: KeyRepository, token: str) -> TokenData:
    """Decrypt and parse; any failure is the same vague NotAuthenticated."""
    try:
        raw = token.encode("ascii")
        raw += b"=" * (-len(raw) % 4)
        payload = orjson.loads(keys.fernet().decrypt(raw))
        if payload[0] != PAYLOAD_VERSION:
            raise ValueError("payload version")
        (
            _,
            user_id,
            user_domain_id,
            method_ids,
            scope,
            scope_id,
            scope_domain_id,
            role_ids,
            role_names,
            issued_at,
            expires_at,
            audit_ids,
            app_cred_id,
        ) = payload[:13]
        extras = payload[13] if len(payload) > 13 else {}
        if not isinstance(extras, dict):
            raise ValueError("extras")
        access_rules = tuple((str(a), str(b), str(c)) for a, b, c in extras.get("r") or ())
        trust_id, trustor_id, access_token_id = extras.get("t"), extras.get("o"), extras.get("k")
        if not all(x is None or isinstance(x, str) for x in (trust_id, trustor_id, access_token_id)):
            raise ValueError("extras")
        methods = tuple(METHODS[i] for i in method_ids)
    except (InvalidToken, ValueError, TypeError, IndexError, UnicodeError, orjson.JSONDecodeError):
        raise NotAuthenticated("The request you have made requires authentication.") from None
    return TokenData(
        user_id,
        user_domain_id,
        methods,
        scope,
        scope_id,
        scope_domain_id,
        tuple(role_ids),
        tuple(role_names),
        issued_at,
        expires_at,
        tuple(audit_ids),
        app_cred_id,
        access_rules,
        trust_id,
        trustor_id,
        access_token_id,
    )

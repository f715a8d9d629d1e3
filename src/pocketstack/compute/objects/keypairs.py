"""Key pairs: SSH public keys per user, imported or generated (private key shown once)."""

from __future__ import annotations

import base64
import binascii
import hashlib

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from pocketstack.common.errors import Conflict, Invalid, NotFound
from pocketstack.compute.models import KeyPair
from pocketstack.db import Database

SSH_KEY_TYPES = (
    "ssh-rsa",
    "ssh-ed25519",
    "ssh-dss",
    "ecdsa-sha2-nistp256",
    "ecdsa-sha2-nistp384",
    "ecdsa-sha2-nistp521",
)


def fingerprint(public_key: str) -> str:
    """The MD5 fingerprint of an OpenSSH public key, ``aa:bb:...`` as Nova shows it."""
    parts = public_key.strip().split()
    if len(parts) < 2 or parts[0] not in SSH_KEY_TYPES:
        raise Invalid("Keypair data is invalid: failed to generate fingerprint")
    try:
        blob = base64.b64decode(parts[1], validate=True)
    except (binascii.Error, ValueError):
        raise Invalid("Keypair data is invalid: failed to generate fingerprint") from None
    digest = hashlib.md5(blob, usedforsecurity=False).hexdigest()
    return ":".join(digest[i : i + 2] for i in range(0, len(digest), 2))


def generate() -> tuple[str, str]:
    """A new RSA key pair: (private key PEM, OpenSSH public key)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption()
    ).decode()
    public = key.public_key().public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH).decode()
    return private, public + " Generated-by-Nova"


async def create(db: Database, user_id: str, name: str, public_key: str, key_type: str, limit: int) -> KeyPair:
    if key_type != "ssh":
        raise Invalid(f"Keypair type {key_type} is not supported by pocketstack; use ssh.")
    pair = KeyPair(
        # The key is kept exactly as sent (a trailing newline included): Nova shows it back unchanged.
        user_id=user_id,
        name=name,
        public_key=public_key,
        type=key_type,
        fingerprint=fingerprint(public_key),
    )
    try:
        async with db.writer() as s:
            if await s.scalar(select(KeyPair.id).where(KeyPair.user_id == user_id, KeyPair.name == name)):
                raise Conflict(f"Key pair '{name}' already exists.")
            count = await s.scalar(select(func.count()).select_from(KeyPair).where(KeyPair.user_id == user_id))
            if limit >= 0 and (count or 0) + 1 > limit:
                raise_quota("key_pairs")
            s.add(pair)
    except IntegrityError:
        raise Conflict(f"Key pair '{name}' already exists.") from None
    return pair


def raise_quota(resource: str) -> None:
    from pocketstack.common.errors import QuotaExceeded

    raise QuotaExceeded(f"Quota exceeded, too many {resource}.")


async def get(db: Database, user_id: str, name: str) -> KeyPair:
    async with db.reader() as s:
        pair = await s.scalar(select(KeyPair).where(KeyPair.user_id == user_id, KeyPair.name == name))
    if pair is None:
        raise NotFound(f"Keypair {name} not found for user {user_id}")
    return pair


async def list_pairs(db: Database, user_id: str, limit: int | None = None, marker: str | None = None) -> list[KeyPair]:
    query = select(KeyPair).where(KeyPair.user_id == user_id).order_by(KeyPair.name)
    async with db.reader() as s:
        pairs = list(await s.scalars(query))
    if marker is not None:
        names = [p.name for p in pairs]
        if marker not in names:
            raise Invalid(f"marker [{marker}] not found")
        pairs = pairs[names.index(marker) + 1 :]
    return pairs[:limit] if limit is not None else pairs


async def delete_pair(db: Database, user_id: str, name: str) -> None:
    async with db.writer() as s:
        pair = await s.scalar(select(KeyPair).where(KeyPair.user_id == user_id, KeyPair.name == name))
        if pair is None:
            raise NotFound(f"Keypair {name} not found for user {user_id}")
        await s.delete(pair)

"""Key pairs: SSH public keys (or x509 certificates) per user, imported or generated
(private key shown once)."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
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


def _colons(digest: str) -> str:
    return ":".join(digest[i : i + 2] for i in range(0, len(digest), 2))


def fingerprint(public_key: str, key_type: str = "ssh") -> str:
    """The fingerprint Nova shows: MD5 of an OpenSSH key's blob, SHA-1 of an x509
    certificate, ``aa:bb:...``. The key must load (a blob that merely decodes is refused)."""
    if key_type == "x509":
        try:
            cert = x509.load_pem_x509_certificate(public_key.encode())
        except ValueError:
            raise Invalid("Keypair data is invalid: failed to generate fingerprint") from None
        return _colons(cert.fingerprint(hashes.SHA1()).hex())  # the fingerprint Nova shows (SHA-1)
    parts = public_key.strip().split()
    if len(parts) < 2 or parts[0] not in SSH_KEY_TYPES:
        raise Invalid("Keypair data is invalid: failed to generate fingerprint")
    try:
        serialization.load_ssh_public_key(public_key.strip().encode())
        blob = base64.b64decode(parts[1], validate=True)
    except (binascii.Error, ValueError, TypeError, NotImplementedError):
        raise Invalid("Keypair data is invalid: failed to generate fingerprint") from None
    return _colons(hashlib.md5(blob, usedforsecurity=False).hexdigest())


def _new_rsa() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _private_pem(key: rsa.RSAPrivateKey) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption()
    ).decode()


def generate(key_type: str = "ssh", owner: str = "") -> tuple[str, str]:
    """A new key pair: (private key PEM, OpenSSH public key), or for x509 (private key
    PEM, self-signed certificate PEM naming ``owner``)."""
    key = _new_rsa()
    if key_type == "x509":
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, owner or "pocketstack")])
        now = dt.datetime.now(dt.UTC)
        cert = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now)
            .not_valid_after(now + dt.timedelta(days=3650))
            .sign(key, hashes.SHA256())
        )
        return _private_pem(key), cert.public_bytes(serialization.Encoding.PEM).decode()
    public = key.public_key().public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH).decode()
    return _private_pem(key), public + " Generated-by-Nova"


async def create(db: Database, user_id: str, name: str, public_key: str, key_type: str, limit: int) -> KeyPair:
    # The key is kept exactly as sent (a trailing newline included): Nova shows it back unchanged.
    print_ = fingerprint(public_key, key_type)
    pair = KeyPair(user_id=user_id, name=name, public_key=public_key, type=key_type, fingerprint=print_)
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

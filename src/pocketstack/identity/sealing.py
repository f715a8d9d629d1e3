"""Secrets identity keeps at rest (credential blobs), sealed with Fernet keys of their own.

The keys live in ``DATA_DIR/credential-keys`` (apart from the token keys, which rotate
and drop old keys: data at rest must stay readable). A sealed value is ``fernet:`` and
the Fernet token; a value without the prefix predates sealing and is read as it is.
"""

from __future__ import annotations

from cryptography.fernet import InvalidToken

from pocketstack.identity.tokens import KeyRepository

PREFIX = "fernet:"


class Sealer:
    def __init__(self, keys: KeyRepository) -> None:
        self.keys = keys

    def seal(self, text: str) -> str:
        return PREFIX + self.keys.fernet().encrypt(text.encode()).decode()

    def open(self, stored: str) -> str:
        if not stored.startswith(PREFIX):
            return stored
        try:
            return self.keys.fernet().decrypt(stored[len(PREFIX) :].encode()).decode()
        except InvalidToken:
            raise RuntimeError("a sealed credential cannot be opened: its key is gone from credential-keys") from None

"""Password hashing with bcrypt, off the event loop (a cost-12 check takes ~250 ms of CPU).

bcrypt reads at most 72 bytes; like Keystone, longer passwords are truncated to that.
"""

from __future__ import annotations

import asyncio

import bcrypt

MAX_BYTES = 72


def _prepare(password: str) -> bytes:
    return password.encode("utf-8")[:MAX_BYTES]


def hash_sync(password: str, rounds: int) -> str:
    return bcrypt.hashpw(_prepare(password), bcrypt.gensalt(rounds)).decode("ascii")


async def hash_password(password: str, rounds: int) -> str:
    return await asyncio.to_thread(hash_sync, password, rounds)


def _verify_sync(password: str, hashed: str | None) -> bool:
    if not hashed:
        return False
    try:
        return bcrypt.checkpw(_prepare(password), hashed.encode("ascii"))
    except ValueError:
        return False


async def verify_password(password: str, hashed: str | None) -> bool:
    return await asyncio.to_thread(_verify_sync, password, hashed)


# A real hash to check against when the user does not exist, so that an unknown user
# costs the same time as a wrong password (no user enumeration by timing).
_DUMMY: dict[int, str] = {}


async def burn_time(password: str, rounds: int) -> None:
    if rounds not in _DUMMY:
        _DUMMY[rounds] = await hash_password("not-a-password", rounds)
    await verify_password(password, _DUMMY[rounds])

"""Writer transactions that retry when a concurrent writer won a unique-key race.

On PostgreSQL/MariaDB two transactions can pick the same IP address, MAC or default
security group; the unique keys make one fail with IntegrityError (or, on MariaDB, a
deadlock) and the work is simply done again on fresh data. Domain errors raised by
``work`` are never retried.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from typing import TypeVar

from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.ext.asyncio import AsyncSession

from pocketstack.common.errors import Conflict
from pocketstack.db import Database

T = TypeVar("T")

ATTEMPTS = 12


async def write(db: Database, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    for attempt in range(ATTEMPTS):
        try:
            async with db.writer() as session:
                return await work(session)
        except (IntegrityError, OperationalError) as exc:
            # MariaDB answers some of those races with a deadlock instead of a key violation.
            if isinstance(exc, OperationalError) and "deadlock" not in str(exc).lower():
                raise
            if attempt == ATTEMPTS - 1:
                break
            await asyncio.sleep(random.uniform(0, 0.005 * (attempt + 1)))
    raise Conflict("The request conflicted with concurrent changes; please retry.", kind="DBConflict")

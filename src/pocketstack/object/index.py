"""The data layer: every query of the object storage index (``models.py``) is here.

Writes of an object row lock its container row first (``FOR UPDATE``: PostgreSQL and
MariaDB; SQLite's writers are serialized anyway), then replace the row and move the
container's counters by the difference, in one transaction: counts stay exact under
concurrent writers, and two writers of one name end with one row and the right counts.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from pocketstack.common.errors import Conflict, NotFound, TooLarge
from pocketstack.db import Database
from pocketstack.object import meta as metadata
from pocketstack.object.models import Account, Container, Object


def now() -> float:
    return round(time.time(), 5)


# -- accounts ------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Usage:
    containers: int
    objects: int
    bytes: int


async def account_usage(session: AsyncSession, account: str) -> Usage:
    row = (
        await session.execute(
            select(
                func.count(Container.id),
                func.coalesce(func.sum(Container.object_count), 0),
                func.coalesce(func.sum(Container.bytes_used), 0),
            ).where(Container.account == account)
        )
    ).one()
    return Usage(int(row[0]), int(row[1]), int(row[2]))


async def get_account(db: Database, account: str) -> tuple[Account | None, Usage]:
    async with db.reader() as s:
        return await s.get(Account, account), await account_usage(s, account)


async def _ensure_account(s: AsyncSession, account: str) -> Account:
    row = await s.get(Account, account)
    if row is None:
        stamp = now()
        row = Account(account=account, meta={}, created_at=stamp, updated_at=stamp)
        s.add(row)
        await s.flush()
    return row


async def update_account(db: Database, account: str, changes: dict[str, str | None]) -> None:
    async with db.writer() as s:
        row = await _ensure_account(s, account)
        row.meta = metadata.apply(row.meta, changes, "account")
        row.updated_at = now()


# -- listings ------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Page:
    """What a listing asks for (Swift's query parameters)."""

    limit: int = 10000
    marker: str = ""
    end_marker: str = ""
    prefix: str = ""
    delimiter: str = ""
    reverse: bool = False
    # ``path``: the objects right under one pseudo-directory (prefix path/, no subdirs).
    path: str | None = None


@dataclass(frozen=True, slots=True)
class Subdir:
    name: str


def _after(text: str) -> str:
    """The smallest string above every string that starts with ``text``."""
    return text[:-1] + chr(ord(text[-1]) + 1) if text and ord(text[-1]) < 0x10FFFF else text + "\U0010ffff"


# fetch(lower, lower_inclusive, upper, upper_inclusive, limit) -> rows ordered as asked.
Fetch = Callable[[str | None, bool, str | None, bool, int], Awaitable[Sequence[Any]]]


async def _listing(fetch: Fetch, page: Page) -> list[Any]:
    """A page of rows and pseudo-directories, Swift's container-broker walk: rows come in
    name order from the cursor; a name with the delimiter past the prefix becomes its
    subdir, and the cursor jumps past everything under that subdir (one indexed query
    per subdir, never a row per object under it)."""
    prefix, delim = page.prefix, page.delimiter
    if page.path is not None:
        prefix, delim = (page.path.rstrip("/") + "/" if page.path else ""), "/"
    # lower and upper bounds of the range still to walk, (value, inclusive)
    lower: tuple[str | None, bool] = (page.marker or None, False)
    upper: tuple[str | None, bool] = (page.end_marker or None, False)
    if page.reverse:
        lower, upper = (page.end_marker or None, False), (page.marker or None, False)
    if prefix:
        if lower[0] is None or lower[0] < prefix:
            lower = (prefix, True)
        bound = _after(prefix)
        if upper[0] is None or upper[0] > bound:
            upper = (bound, False)
    out: list[Any] = []
    while len(out) < page.limit:
        want = page.limit - len(out)
        rows = await fetch(lower[0], lower[1], upper[0], upper[1], want)
        jumped = False
        for row in rows:
            name: str = row.name
            cut = name.find(delim, len(prefix)) if delim else -1
            if cut < 0:
                out.append(row)
            else:
                sub = name[: cut + len(delim)]
                if page.path is None and sub != page.marker:
                    out.append(Subdir(sub))
                if page.reverse:
                    upper = (sub, False)
                else:
                    lower = (_after(sub), True)
                jumped = True
                break
            if len(out) >= page.limit:
                break
        if not jumped:
            break
    return out


def _range(
    column: Any, lower: str | None, lower_in: bool, upper: str | None, upper_in: bool
) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = []
    if lower is not None:
        where.append(column >= lower if lower_in else column > lower)
    if upper is not None:
        where.append(column <= upper if upper_in else column < upper)
    return where


async def list_containers(db: Database, account: str, page: Page) -> list[Container | Subdir]:
    async with db.reader() as s:

        async def fetch(lo: str | None, lo_in: bool, hi: str | None, hi_in: bool, limit: int) -> Sequence[Container]:
            order = Container.name.desc() if page.reverse else Container.name
            query = (
                select(Container)
                .where(Container.account == account, *_range(Container.name, lo, lo_in, hi, hi_in))
                .order_by(order)
                .limit(limit)
            )
            return (await s.scalars(query)).all()

        return await _listing(fetch, page)


@dataclass(frozen=True, slots=True)
class Listed:
    name: str
    size: int
    etag: str
    content_type: str
    created_at: float
    meta: dict[str, str] = field(default_factory=dict)


async def list_objects(db: Database, container_id: int, page: Page) -> list[Listed | Subdir]:
    stamp = int(time.time())
    async with db.reader() as s:

        async def fetch(lo: str | None, lo_in: bool, hi: str | None, hi_in: bool, limit: int) -> Sequence[Any]:
            order = Object.name.desc() if page.reverse else Object.name
            query = (
                select(Object.name, Object.size, Object.etag, Object.content_type, Object.created_at, Object.meta)
                .where(
                    Object.container_id == container_id,
                    *_range(Object.name, lo, lo_in, hi, hi_in),
                    or_(Object.delete_at.is_(None), Object.delete_at > stamp),
                )
                .order_by(order)
                .limit(limit)
            )
            return (await s.execute(query)).all()

        rows = await _listing(fetch, page)
    return [r if isinstance(r, Subdir) else Listed(*r) for r in rows]


# -- containers ----------------------------------------------------------------------------
async def get_container(db: Database, account: str, name: str) -> Container | None:
    async with db.reader() as s:
        return await _container(s, account, name)


async def _container(s: AsyncSession, account: str, name: str, *, lock: bool = False) -> Container | None:
    query = select(Container).where(Container.account == account, Container.name == name)
    if lock:
        query = query.with_for_update()
    return (await s.scalars(query)).first()


async def put_container(db: Database, account: str, name: str, changes: dict[str, str | None]) -> bool:
    """Create the container (True) or update its metadata (False, Swift's 202)."""
    try:
        async with db.writer() as s:
            await _ensure_account(s, account)
            row = await _container(s, account, name, lock=True)
            stamp = now()
            if row is not None:
                row.meta = metadata.apply(row.meta, changes, "container")
                row.updated_at = stamp
                return False
            s.add(
                Container(
                    account=account,
                    name=name,
                    meta=metadata.apply({}, changes, "container"),
                    object_count=0,
                    bytes_used=0,
                    created_at=stamp,
                    updated_at=stamp,
                )
            )
            return True
    except IntegrityError:
        # Two creators at once: the other won, this one is an update.
        return await put_container(db, account, name, changes)


async def post_container(db: Database, account: str, name: str, changes: dict[str, str | None]) -> None:
    async with db.writer() as s:
        row = await _container(s, account, name, lock=True)
        if row is None:
            raise NotFound(f"Container {name} not found")
        row.meta = metadata.apply(row.meta, changes, "container")
        row.updated_at = now()


async def delete_container(db: Database, account: str, name: str) -> None:
    async with db.writer() as s:
        row = await _container(s, account, name, lock=True)
        if row is None:
            raise NotFound(f"Container {name} not found")
        if row.object_count > 0:
            raise Conflict("There was a conflict when trying to complete your request. The container is not empty.")
        await s.delete(row)


# -- objects -------------------------------------------------------------------------------
async def get_object(db: Database, container_id: int, name: str) -> Object | None:
    async with db.reader() as s:
        row = await s.get(Object, (container_id, name))
    if row is not None and row.delete_at is not None and row.delete_at <= time.time():
        return None
    return row


async def get_objects(db: Database, wanted: Sequence[tuple[int, str]]) -> dict[tuple[int, str], Object]:
    """Many objects in one query per container (SLO segments, bulk work)."""
    by_container: dict[int, set[str]] = {}
    for container_id, name in wanted:
        by_container.setdefault(container_id, set()).add(name)
    found: dict[tuple[int, str], Object] = {}
    stamp = time.time()
    async with db.reader() as s:
        for container_id, names in by_container.items():
            query = select(Object).where(Object.container_id == container_id, Object.name.in_(sorted(names)))
            for row in (await s.scalars(query)).all():
                if row.delete_at is None or row.delete_at > stamp:
                    found[(container_id, row.name)] = row
    return found


@dataclass(frozen=True, slots=True)
class Limits:
    """Quotas checked in the write's transaction (Swift's container and account quotas)."""

    container_bytes: int | None = None
    container_count: int | None = None
    account_bytes: int | None = None
    account_count: int | None = None
    account: str = ""


async def put_object(db: Database, row: Object, limits: Limits | None = None) -> Object | None:
    """Make ``row`` the object (replacing one of that name); the replaced row, if any,
    whose blob the caller deletes once this has committed."""
    async with db.writer() as s:
        container = (
            await s.scalars(select(Container).where(Container.id == row.container_id).with_for_update())
        ).first()
        if container is None:
            raise NotFound("The container was deleted meanwhile")
        old = await s.get(Object, (row.container_id, row.name))
        count_delta = 0 if old is not None else 1
        bytes_delta = row.size - (old.size if old is not None else 0)
        if limits is not None:
            await _check_limits(s, container, limits, count_delta, bytes_delta)
        replaced = None
        if old is not None:
            replaced = Object(**{c: getattr(old, c) for c in _COLUMNS})
            for column in _COLUMNS[2:]:
                setattr(old, column, getattr(row, column))
        else:
            s.add(row)
        container.object_count += count_delta
        container.bytes_used += bytes_delta
        container.updated_at = row.created_at
        return replaced


_COLUMNS = ("container_id", "name", "size", "etag", "content_type", "created_at", "meta", "blob", "delete_at")


async def _check_limits(s: AsyncSession, container: Container, limits: Limits, count: int, size: int) -> None:
    if limits.container_count is not None and count > 0 and container.object_count + count > limits.container_count:
        raise TooLarge("Upload exceeds quota: the container holds its quota of objects.")
    if limits.container_bytes is not None and size > 0 and container.bytes_used + size > limits.container_bytes:
        raise TooLarge("Upload exceeds quota: the container's quota of bytes would be passed.")
    if (limits.account_bytes is not None and size > 0) or (limits.account_count is not None and count > 0):
        usage = await account_usage(s, limits.account)
        if limits.account_bytes is not None and size > 0 and usage.bytes + size > limits.account_bytes:
            raise TooLarge("Upload exceeds quota: the account's quota of bytes would be passed.")
        if limits.account_count is not None and count > 0 and usage.objects + count > limits.account_count:
            raise TooLarge("Upload exceeds quota: the account holds its quota of objects.")


async def update_object(db: Database, container_id: int, name: str, values: dict[str, Any]) -> Object:
    """Change an object's metadata (POST): its body and usage stay."""
    async with db.writer() as s:
        row = await s.get(Object, (container_id, name))
        if row is None or (row.delete_at is not None and row.delete_at <= time.time()):
            raise NotFound(f"Object {name} not found")
        for key, value in values.items():
            setattr(row, key, value)
        return row


async def delete_object(db: Database, container_id: int, name: str, *, blob: str | None = None) -> Object | None:
    """Remove the object's row (only if its blob is still ``blob`` when given); the
    removed row, or None when there was none (an expired one counts as none)."""
    async with db.writer() as s:
        container = (await s.scalars(select(Container).where(Container.id == container_id).with_for_update())).first()
        row = await s.get(Object, (container_id, name))
        if row is None or container is None or (blob is not None and row.blob != blob):
            return None
        gone = Object(**{c: getattr(row, c) for c in _COLUMNS})
        await s.delete(row)
        container.object_count -= 1
        container.bytes_used -= row.size
    return gone


def is_expired(row: Object) -> bool:
    return row.delete_at is not None and row.delete_at <= time.time()


async def due_for_expiry(db: Database, limit: int = 500) -> list[tuple[int, str, str]]:
    """(container id, name, blob) of objects past their X-Delete-At."""
    async with db.reader() as s:
        rows = await s.execute(
            select(Object.container_id, Object.name, Object.blob)
            .where(Object.delete_at.is_not(None), Object.delete_at <= int(time.time()))
            .limit(limit)
        )
        return [(r[0], r[1], r[2]) for r in rows]

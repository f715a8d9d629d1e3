"""Image data: upload (PUT file), staging + glance-direct import, and download.

Status lifecycle: queued -> saving -> active for an upload; queued -> uploading (staged)
-> active for an import. Any failure of an upload (client cut off, quota, disk, checksum
mismatch) puts the image back to queued and the store keeps nothing.

Downloads are checked against what was recorded: the stored size before the first
byte is sent, and, for whole-image downloads of data the store cannot vouch for, the
sha512 while streaming. The last block is held back until the digest is known, so a
corrupt file never reaches the client as a complete download: the stream is cut short,
the image is marked ``killed`` and logged. Data the store wrote (hashing it then) or
verified since, and that is unchanged as far as its file's identity shows (inode, size,
mtime), is sent without hashing again: sha512 runs at about the disk's speed on one
core, so hashing every download halved a volume-from-image copy. Changes that keep a
file's size and mtime (bit rot) are caught only after a restart, when nothing is sealed.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import datetime as dt
import hashlib
import logging
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy import update as sql_update

from pocketstack.common.config import ImageConfig
from pocketstack.common.context import RequestContext
from pocketstack.common.errors import Conflict, Invalid, NotFound, PocketError, RangeNotSatisfiable
from pocketstack.common.timeutils import utcnow
from pocketstack.db import Database
from pocketstack.image import policy, quotas, tasks
from pocketstack.image.models import Image
from pocketstack.image.records import load_visible
from pocketstack.image.schemas import IMPORT_METHODS
from pocketstack.image.store import ImageStore, StoredData, StoreLimitExceeded

log = logging.getLogger(__name__)

_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


class CorruptImageData(PocketError):
    """Stored data does not match the recorded size or hash (a server-side fault, 500)."""


@dataclass(frozen=True, slots=True)
class Download:
    stream: AsyncIterator[bytes]
    size: int
    total: int
    checksum: str | None
    start: int | None = None  # set for a range (206) answer


async def upload(
    db: Database,
    store: ImageStore,
    ctx: RequestContext,
    image_id: str,
    chunks: AsyncIterator[bytes],
    *,
    declared_size: int | None,
    content_md5: str | None,
    limits: ImageConfig,
) -> None:
    """PUT /v2/images/{id}/file: queued -> saving -> active, or back to queued."""
    left = await _begin(db, ctx, image_id, "saving", declared_size, limits)
    stored = await _store(db, store, image_id, f"{image_id}", chunks, left, limits, ctx, content_md5)
    await _finish(db, store, image_id, "saving", stored, limits)


async def stage(
    db: Database,
    store: ImageStore,
    ctx: RequestContext,
    image_id: str,
    chunks: AsyncIterator[bytes],
    *,
    declared_size: int | None,
    limits: ImageConfig,
) -> None:
    """PUT /v2/images/{id}/stage: keep the data aside, status uploading, until import."""
    left = await _begin(db, ctx, image_id, "uploading", declared_size, limits)
    stored = await _store(db, store, image_id, f"{image_id}.staged", chunks, left, limits, ctx, None)
    await _finish(db, store, image_id, "uploading", stored, limits, to_status="uploading")


def import_stores(body: dict[str, Any], header_store: str | None, store: ImageStore) -> list[str]:
    """The stores an import targets: ``all_stores``, ``stores`` or the X-Image-Meta-Store
    header (one of them at most, as Glance checks), else the default; an unknown store
    is a conflict (409, as Glance answers)."""
    if body.get("all_stores", False):
        if "stores" in body or header_store is not None:
            raise Invalid("All_stores parameter can't be used with x-image-meta-store header or stores parameter")
        return [store.name]
    if "stores" in body and header_store is not None:
        raise Invalid("Stores parameter and x-image-meta-store header can't be both specified")
    wanted: list[str] = body.get("stores") or [header_store or store.name]
    for name in wanted:
        if name != store.name:
            raise Conflict(f"Store for identifier {name} not found; this cloud has one store: {store.name}.")
    return wanted


async def import_image(
    db: Database,
    store: ImageStore,
    ctx: RequestContext,
    image_id: str,
    body: dict[str, Any],
    header_store: str | None = None,
) -> None:
    """POST /v2/images/{id}/import with glance-direct: the staged data becomes the image's."""
    method = body["method"]["name"]
    if method not in IMPORT_METHODS:
        raise Invalid(f"Import method {method!r} is not supported; available: {', '.join(IMPORT_METHODS)}.")
    backends = import_stores(body, header_store, store)
    # Three steps, as Glance's importing status: the store's move runs outside any
    # transaction (an object storage store writes through another service's API and
    # database: inside a SQLite writer it would wait for this very transaction).
    async with db.writer() as session:
        image = await load_visible(session, ctx, image_id)
        policy.check_image(ctx, image, "modify_image")
        if image.status != "uploading" or not image.location:
            raise Conflict(
                f"Image {image_id} has no staged data to import (status {image.status}); "
                "PUT the data to /v2/images/{image_id}/stage first."
            )
        staged = image.location
        image.status = "importing"
        image.updated_at = utcnow()
    try:
        location = await store.move(staged, image_id)
    except BaseException:
        await asyncio.shield(_set_status(db, image_id, "uploading"))
        raise
    async with db.writer() as session:
        imported = await session.get(Image, image_id)
        if imported is not None:
            imported.location = location
            imported.status = "active"
            imported.updated_at = utcnow()
    if imported is None:
        # Deleted while importing: the data goes too.
        await store.delete(location)
        raise NotFound(f"Image {image_id} was deleted during its import.")
    async with db.writer() as session:
        # Done within the request, so the task is recorded as it ended.
        tasks.record(
            session,
            ctx,
            task_type="api_image_import",
            status="success",
            task_input={"image_id": image_id, "import_req": body, "backend": backends},
            image_id=image_id,
            result={"image_id": image_id},
            message="",
        )


async def _set_status(db: Database, image_id: str, status: str) -> None:
    async with db.writer() as session:
        image = await session.get(Image, image_id)
        if image is not None:
            image.status = status
            image.updated_at = utcnow()


async def _begin(
    db: Database, ctx: RequestContext, image_id: str, status: str, declared_size: int | None, limits: ImageConfig
) -> int:
    async with db.writer() as session:
        image = await load_visible(session, ctx, image_id)
        # Staging (glance-direct) is an image change in Glance; PUT /file an upload.
        policy.check_image(ctx, image, "upload_image" if status == "saving" else "modify_image")
        if image.status != "queued":
            raise Conflict(
                f"Image {image_id} is not queued for data (status {image.status}): data can be uploaded only once."
            )
        if not image.disk_format or not image.container_format:
            raise Invalid("Properties disk_format, container_format must be set prior to saving data.")
        left = await quotas.bytes_left(session, image.owner, limits, exclude=image_id)
        if declared_size is not None and declared_size > left:
            raise quotas.storage_exceeded(image.owner, limits, left)
        image.status = status
        image.updated_at = utcnow()
        return left


async def _store(
    db: Database,
    store: ImageStore,
    image_id: str,
    key: str,
    chunks: AsyncIterator[bytes],
    left: int,
    limits: ImageConfig,
    ctx: RequestContext,
    content_md5: str | None,
) -> StoredData:
    try:
        stored = await store.put(key, chunks, max_size=left)
        if content_md5 is not None and content_md5 != stored.md5:
            await store.delete(stored.location)
            raise Invalid(f"Content-MD5 mismatch: the header says {content_md5}, the data hashes to {stored.md5}.")
        return stored
    except BaseException as error:
        # Shielded: a cancelled request must still put the image back to queued.
        await asyncio.shield(_back_to_queued(db, image_id))
        if isinstance(error, StoreLimitExceeded):
            raise quotas.storage_exceeded(ctx.project_id, limits, left) from None
        raise


async def _back_to_queued(db: Database, image_id: str) -> None:
    async with db.writer() as session:
        await session.execute(
            sql_update(Image)
            .where(Image.id == image_id, Image.status.in_(("saving", "uploading")))
            .values(
                status="queued",
                location=None,
                size=None,
                checksum=None,
                os_hash_algo=None,
                os_hash_value=None,
                updated_at=utcnow(),
            )
        )


async def reset_abandoned(db: Database, store: ImageStore, quiet_for: float = 5.0) -> list[str]:
    """At start: uploads (``saving``) and stagings (``uploading`` without data yet) no
    live process writes any more (it was killed) go back to ``queued``, as a failed upload
    does; the store drops their partial files. ``quiet_for``: a record changed that
    recently without a partial file may be an upload another process is only beginning."""
    writing, dropped = await store.recover()
    cutoff = utcnow() - dt.timedelta(seconds=quiet_for)
    # An import a killed process left half-done: its staged data is still the image's
    # location (it changes only once moved), so it can be imported again.
    async with db.writer() as session:
        await session.execute(
            sql_update(Image)
            .where(Image.status == "importing", Image.updated_at < cutoff)
            .values(status="uploading", updated_at=utcnow())
        )
    async with db.reader() as session:
        rows = (
            await session.execute(
                select(Image.id, Image.status, Image.location, Image.updated_at).where(
                    Image.status.in_(("saving", "uploading"))
                )
            )
        ).all()
    dead = [
        r.id
        for r in rows
        if (r.status == "saving" or r.location is None)
        and not {r.id, f"{r.id}.staged"} & writing
        and ({r.id, f"{r.id}.staged"} & dropped or r.updated_at < cutoff)
    ]
    for image_id in dead:
        await _back_to_queued(db, image_id)
    if dead:
        log.info("image: %d uploads interrupted by a restart went back to queued", len(dead))
    return dead


async def _finish(
    db: Database,
    store: ImageStore,
    image_id: str,
    from_status: str,
    stored: StoredData,
    limits: ImageConfig,
    *,
    to_status: str = "active",
) -> None:
    """Record stored data on the image (active, or still uploading when staged)."""
    try:
        async with db.writer() as session:
            owner = await session.scalar(select(Image.owner).where(Image.id == image_id))
            await quotas.check_bytes_locked(session, owner, limits, image_id, stored.size)
            result = await session.execute(
                sql_update(Image)
                .where(Image.id == image_id, Image.status == from_status)
                .values(
                    status=to_status,
                    location=stored.location,
                    size=stored.size,
                    checksum=stored.md5,
                    os_hash_algo="sha512",
                    os_hash_value=stored.sha512,
                    updated_at=utcnow(),
                )
            )
    except quotas.OverQuota:
        # Another upload of the project was recorded meanwhile and took the room.
        await store.delete(stored.location)
        await _back_to_queued(db, image_id)
        raise
    if not getattr(result, "rowcount", 0):
        await store.delete(stored.location)
        raise NotFound(f"Image {image_id} was deleted while its data was being uploaded.")


def normalize_md5(header: str | None) -> str | None:
    """Content-MD5 is base64 of the digest (RFC 1864); accept the hex form too."""
    if header is None:
        return None
    text = header.strip()
    if re.fullmatch(r"[0-9a-fA-F]{32}", text):
        return text.lower()
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raw = b""
    if len(raw) != 16:
        raise Invalid(f"Invalid Content-MD5 header {header!r}: expected the base64 or hex MD5 digest.")
    return raw.hex()


async def download(
    db: Database, store: ImageStore, ctx: RequestContext, image_id: str, range_header: str | None
) -> Download | None:
    """The data of an image; None when it has none that can be read (answered 204)."""
    async with db.reader() as session:
        image = await load_visible(session, ctx, image_id)
    policy.check_download(ctx, image)
    # Glance answers 204 for an image without readable data (queued, still uploading,
    # or killed: its data was lost or found corrupt); the image's status says which.
    if image.status not in ("active", "deactivated") or not image.location or image.size is None:
        return None
    stored_size = await store.size(image.location)
    if stored_size != image.size:
        await _mark_corrupt(db, image_id, f"stored size {stored_size} bytes, recorded {image.size}")
        return None
    window = parse_range(range_header, image.size)
    if window is None:
        if await store.intact(image.location):
            # Written (or last verified) by this store and unchanged since: its digests hold.
            return Download(store.get(image.location), image.size, image.size, image.checksum)
        stream = _verified(db, store, image.location, image_id, image.os_hash_value)
        return Download(stream, image.size, image.size, image.checksum)
    start, end = window
    return Download(
        store.get(image.location, offset=start, length=end - start + 1), end - start + 1, image.size, None, start
    )


def parse_range(header: str | None, size: int) -> tuple[int, int] | None:
    """``bytes=a-b``, ``bytes=a-`` or ``bytes=-n`` -> inclusive (start, end); None: whole image."""
    if header is None:
        return None
    match = _RANGE.match(header.strip().replace(" ", ""))
    if not match or match.groups() == ("", ""):
        raise Invalid(f"Invalid Range header {header!r}: expected one range such as 'bytes=0-1023'.")
    first, last = match.groups()
    if first == "":
        start, end = max(0, size - int(last)), size - 1
        if int(last) == 0:
            raise RangeNotSatisfiable(f"Range {header!r} asks for no bytes of a {size}-byte image.")
    else:
        start = int(first)
        end = min(int(last), size - 1) if last else size - 1
        if last and int(last) < start:
            raise Invalid(f"Invalid Range header {header!r}: the end is before the start.")
    if start >= size:
        raise RangeNotSatisfiable(f"Range {header!r} is outside the {size}-byte image.")
    return start, end


async def _verified(
    db: Database, store: ImageStore, location: str, image_id: str, expected: str | None
) -> AsyncIterator[bytes]:
    chunks = store.get(location)
    digest = hashlib.sha512()
    held: bytes | None = None
    try:
        async for chunk in chunks:
            await asyncio.to_thread(digest.update, chunk)
            if held is not None:
                yield held
            held = chunk
    finally:
        await chunks.aclose()  # type: ignore[attr-defined]
    if expected is not None and digest.hexdigest() != expected:
        await _mark_corrupt(db, image_id, "sha512 of the stored data differs from the recorded os_hash_value")
        raise CorruptImageData(f"The data of image {image_id} is corrupt (hash mismatch); the download was aborted.")
    if expected is not None:
        await store.seal(location)
    if held is not None:
        yield held


async def _mark_corrupt(db: Database, image_id: str, why: str) -> None:
    log.error("image %s: stored data is corrupt (%s); marking it killed", image_id, why)
    async with db.writer() as session:
        await session.execute(
            sql_update(Image).where(Image.id == image_id).values(status="killed", updated_at=utcnow())
        )

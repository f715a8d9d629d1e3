"""Objects: write, copy, change, delete and expire them, with versioned containers
(``X-Versions-Location``: the replaced version is kept in the archive container and a
delete brings the newest one back; ``X-History-Location``: every replaced or deleted
version is kept) and quotas (container bytes and count, account bytes).

Order of a write: the body goes to a new blob (durable before anything refers to it),
the replaced version is archived if the container keeps versions, then the index
switches to the new row in one transaction; the blob it replaced is deleted after the
commit. A failure before the switch deletes the new blob: nothing half-done is visible.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import mimetypes
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass

from pocketstack.common.errors import Invalid, NotFound, PreconditionFailed, TooLarge, Unprocessable
from pocketstack.object import index, largeobj
from pocketstack.object import meta as metadata
from pocketstack.object.deps import ObjectDeps
from pocketstack.object.models import Container, Object
from pocketstack.object.store import BlobMismatch

log = logging.getLogger(__name__)

VERSIONS = "x-versions-location"
# Swift's timestamps end at 9999999999.99999 (the year 2286).
MAX_TIMESTAMP = 9999999999
HISTORY = "x-history-location"


def blob_key(account: str, container: str, name: str) -> str:
    """Where an object's blobs are filed: a hash, never the name itself."""
    return hashlib.sha256(f"{account}\0{container}\0{name}".encode()).hexdigest()


def check_name(name: str) -> None:
    if not name:
        raise Invalid("Object name cannot be empty.")
    length = len(name.encode())
    if length > 1024:
        raise Invalid(f"Object name length of {length} longer than 1024")


def content_type_for(name: str, given: str | None) -> str:
    if given:
        if len(given) > 256:
            raise Invalid("Content-Type longer than 256 characters.")
        return given
    guessed, _ = mimetypes.guess_type(name, strict=False)
    return guessed or "application/octet-stream"


def delete_at(headers: dict[str, str], now: float | None = None) -> int | None:
    """X-Delete-At (an epoch second in the future) or X-Delete-After (seconds from now)."""
    now = time.time() if now is None else now
    after = metadata.int_header(headers, "x-delete-after")
    if after is not None:
        if after < 0:
            raise Invalid("X-Delete-After in past")
        value = int(now + after)
    else:
        at = headers.get("x-delete-at")
        if at is None:
            return None
        try:
            value = int(float(at))
        except (ValueError, OverflowError):
            raise Invalid("Non-integer X-Delete-At") from None
        if value <= now:
            raise Invalid("X-Delete-At in past")
    if value > MAX_TIMESTAMP:
        raise Invalid(f"X-Delete-At past {MAX_TIMESTAMP}, the last timestamp Swift knows")
    return value


@dataclass(frozen=True, slots=True)
class Write:
    """What a PUT declares besides the body."""

    content_type: str
    meta: dict[str, str]
    delete_at: int | None = None
    expect_md5: str | None = None
    length: int | None = None
    if_none_match: bool = False


def _limits(account: str, container: Container, account_meta: dict[str, str]) -> index.Limits:
    return index.Limits(
        container_bytes=metadata.quota(container.meta, "x-container-meta-quota-bytes"),
        container_count=metadata.quota(container.meta, "x-container-meta-quota-count"),
        account_bytes=_first(
            metadata.quota(account_meta, "x-account-quota-bytes"),
            metadata.quota(account_meta, "x-account-meta-quota-bytes"),
        ),
        account_count=metadata.quota(account_meta, "x-account-quota-count"),
        account=account,
    )


def _first(*values: int | None) -> int | None:
    return next((v for v in values if v is not None), None)


async def precheck(
    deps: ObjectDeps,
    account: str,
    container: Container,
    account_meta: dict[str, str],
    size: int,
    replaced: Object | None = None,
) -> None:
    """Refuse a body of ``size`` bytes before reading it when it cannot fit (413);
    the commit checks again in its transaction."""
    if size > deps.limits.max_file_size:
        raise TooLarge(f"Your request is too large: the limit is {deps.limits.max_file_size} bytes.")
    limits = _limits(account, container, account_meta)
    grows = size - (replaced.size if replaced is not None else 0)
    more = 0 if replaced is not None else 1
    if limits.container_bytes is not None and grows > 0 and container.bytes_used + grows > limits.container_bytes:
        raise TooLarge("Upload exceeds quota: the container's quota of bytes would be passed.")
    if limits.container_count is not None and more and container.object_count + more > limits.container_count:
        raise TooLarge("Upload exceeds quota: the container holds its quota of objects.")
    if limits.account_bytes is not None or limits.account_count is not None:
        _, usage = await index.get_account(deps.db, account)
        if limits.account_bytes is not None and grows > 0 and usage.bytes + grows > limits.account_bytes:
            raise TooLarge("Upload exceeds quota: the account's quota of bytes would be passed.")
        if limits.account_count is not None and more and usage.objects + more > limits.account_count:
            raise TooLarge("Upload exceeds quota: the account holds its quota of objects.")


async def put(
    deps: ObjectDeps,
    account: str,
    container: Container,
    name: str,
    chunks: AsyncIterator[bytes],
    write: Write,
    account_meta: dict[str, str],
) -> Object:
    check_name(name)
    existing = await index.get_object(deps.db, container.id, name)
    if write.if_none_match and existing is not None:
        raise PreconditionFailed("The object exists and If-None-Match: * was given.")
    if write.length is not None:
        await precheck(deps, account, container, account_meta, write.length, existing)
    try:
        blob = await deps.store.put(
            blob_key(account, container.name, name),
            chunks,
            max_size=deps.limits.max_file_size,
            expect_md5=write.expect_md5,
            meta={
                "account": account,
                "container": container.name,
                "name": name,
                "content-type": write.content_type,
                **write.meta,
            },
        )
    except BlobMismatch:
        raise Unprocessable("The ETag given does not match the MD5 of the body; nothing was stored.") from None
    if write.length is not None and blob.size != write.length:
        await deps.store.delete(blob.id)
        raise Invalid(f"The body was {blob.size} bytes, not the {write.length} of its Content-Length.")
    row = Object(
        container_id=container.id,
        name=name,
        size=blob.size,
        etag=blob.md5,
        content_type=write.content_type,
        created_at=index.now(),
        meta=write.meta,
        blob=blob.id,
        delete_at=write.delete_at,
    )
    return await _commit(deps, account, container, row, account_meta)


async def put_row(
    deps: ObjectDeps, account: str, container: Container, row: Object, account_meta: dict[str, str]
) -> Object:
    """Commit an object whose blob is stored already (copies, manifests)."""
    check_name(row.name)
    return await _commit(deps, account, container, row, account_meta)


async def _commit(
    deps: ObjectDeps, account: str, container: Container, row: Object, account_meta: dict[str, str]
) -> Object:
    try:
        await _archive_current(deps, account, container, row.name, account_meta)
        replaced = await index.put_object(deps.db, row, _limits(account, container, account_meta))
    except BaseException:
        await deps.store.delete(row.blob)
        raise
    if replaced is not None:
        await deps.store.delete(replaced.blob)
    return row


async def _archive_container(deps: ObjectDeps, account: str, container: Container) -> Container | None:
    where = container.meta.get(VERSIONS) or container.meta.get(HISTORY)
    if not where:
        return None
    from urllib.parse import unquote

    return await index.get_container(deps.db, account, unquote(where).strip("/"))


def _version_prefix(name: str) -> str:
    return f"{len(name.encode()):03x}{name}/"


async def _archive_current(
    deps: ObjectDeps, account: str, container: Container, name: str, account_meta: dict[str, str]
) -> bool:
    """Keep the current version of ``name`` in the archive container, if there is one."""
    archive = await _archive_container(deps, account, container)
    if archive is None or archive.id == container.id:
        return False
    current = await index.get_object(deps.db, container.id, name)
    if current is None:
        return False
    version_name = f"{_version_prefix(name)}{current.created_at:016.05f}"
    blob = await deps.store.copy(current.blob, blob_key(account, archive.name, version_name))
    kept = Object(
        container_id=archive.id,
        name=version_name,
        size=current.size,
        etag=current.etag,
        content_type=current.content_type,
        created_at=current.created_at,
        meta=dict(current.meta),
        blob=blob,
        delete_at=None,
    )
    try:
        replaced = await index.put_object(deps.db, kept, _limits(account, archive, account_meta))
    except BaseException:
        await deps.store.delete(blob)
        raise
    if replaced is not None:
        await deps.store.delete(replaced.blob)
    return True


async def delete(deps: ObjectDeps, account: str, container: Container, name: str, account_meta: dict[str, str]) -> None:
    archive = await _archive_container(deps, account, container)
    if archive is not None and archive.id != container.id:
        if container.meta.get(HISTORY):
            await _archive_current(deps, account, container, name, account_meta)
        elif await _restore_previous(deps, account, container, archive, name, account_meta):
            return
    gone = await index.delete_object(deps.db, container.id, name)
    if gone is None:
        raise NotFound(f"Object {name} not found")
    await deps.store.delete(gone.blob)
    if index.is_expired(gone):
        raise NotFound(f"Object {name} not found")


async def _restore_previous(
    deps: ObjectDeps, account: str, container: Container, archive: Container, name: str, account_meta: dict[str, str]
) -> bool:
    """Stack mode: the newest archived version replaces the object; False if none."""
    newest = await index.list_objects(
        deps.db, archive.id, index.Page(limit=1, prefix=_version_prefix(name), reverse=True)
    )
    if not newest or not isinstance(newest[0], index.Listed):
        return False
    kept = await index.get_object(deps.db, archive.id, newest[0].name)
    if kept is None:
        return False
    blob = await deps.store.copy(kept.blob, blob_key(account, container.name, name))
    row = Object(
        container_id=container.id,
        name=name,
        size=kept.size,
        etag=kept.etag,
        content_type=kept.content_type,
        created_at=index.now(),
        meta=dict(kept.meta),
        blob=blob,
        delete_at=None,
    )
    try:
        replaced = await index.put_object(deps.db, row)
    except BaseException:
        await deps.store.delete(blob)
        raise
    if replaced is not None:
        await deps.store.delete(replaced.blob)
    gone = await index.delete_object(deps.db, archive.id, kept.name, blob=kept.blob)
    if gone is not None:
        await deps.store.delete(gone.blob)
    return True


async def copy(
    deps: ObjectDeps,
    source: Object,
    dest_account: str,
    dest: Container,
    dest_name: str,
    write: Write,
    account_meta: dict[str, str],
) -> Object:
    """A new object with ``source``'s bytes (a second name for its blob: no data copied)."""
    blob = await deps.store.copy(source.blob, blob_key(dest_account, dest.name, dest_name))
    row = Object(
        container_id=dest.id,
        name=dest_name,
        size=source.size,
        etag=source.etag,
        content_type=write.content_type,
        created_at=index.now(),
        meta=write.meta,
        blob=blob,
        delete_at=write.delete_at,
    )
    return await put_row(deps, dest_account, dest, row, account_meta)


async def post(deps: ObjectDeps, container: Container, name: str, write: Write, keep_type: bool) -> Object:
    """POST: the object's metadata replaced (its body, ETag and size stay)."""
    current = await index.get_object(deps.db, container.id, name)
    if current is None:
        raise NotFound(f"Object {name} not found")
    kept = {k: v for k, v in current.meta.items() if k in (largeobj.SLO_FLAG,)}
    if largeobj.DLO_HEADER in current.meta and largeobj.DLO_HEADER not in write.meta:
        kept[largeobj.DLO_HEADER] = current.meta[largeobj.DLO_HEADER]
    values: dict[str, object] = {"meta": {**write.meta, **kept}, "delete_at": write.delete_at}
    if not keep_type:
        values["content_type"] = write.content_type
    return await index.update_object(deps.db, container.id, name, values)


async def expire_due(deps: ObjectDeps) -> int:
    """Delete the objects past their X-Delete-At (Swift's object expirer); how many."""
    removed = 0
    for container_id, name, blob in await index.due_for_expiry(deps.db):
        gone = await index.delete_object(deps.db, container_id, name, blob=blob)
        if gone is not None:
            with contextlib.suppress(OSError):
                await deps.store.delete(gone.blob)
            removed += 1
    return removed

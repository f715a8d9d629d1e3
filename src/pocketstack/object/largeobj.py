"""Large objects: static (an SLO manifest lists its segments with their ETags and sizes,
checked when it is stored) and dynamic (``X-Object-Manifest: container/prefix``: the
segments are whatever the listing of that prefix holds when it is read).

A large object's body is its segments' bodies in order; its ETag is the MD5 of their
ETags concatenated, in quotes (Swift's). Segments are looked up in one query per
container, never one per segment.
"""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import Any

import orjson

from pocketstack.common.errors import Conflict, Invalid, NotFound
from pocketstack.db import Database
from pocketstack.object import index
from pocketstack.object.models import Object
from pocketstack.object.store import ObjectBackend

SLO_FLAG = "x-static-large-object"
DLO_HEADER = "x-object-manifest"
MAX_MANIFEST_SEGMENTS = 1000
MAX_MANIFEST_BYTES = 8 * 1024 * 1024
DLO_MAX_SEGMENTS = 10000


@dataclass(frozen=True, slots=True)
class Piece:
    blob: str
    size: int
    etag: str
    # Where the piece starts in its blob (an SLO segment with a range).
    offset: int = 0


def is_slo(row: Object) -> bool:
    return row.meta.get(SLO_FLAG) == "True"


def is_dlo(row: Object) -> bool:
    return DLO_HEADER in row.meta


def combined_etag(etags: Sequence[str]) -> str:
    return hashlib.md5("".join(etags).encode(), usedforsecurity=False).hexdigest()


def split_path(path: str) -> tuple[str, str]:
    """``/container/object`` (the leading slash optional) -> (container, object)."""
    container, _, name = path.lstrip("/").partition("/")
    if not container or not name:
        raise Invalid(f"Invalid segment path {path!r}: use /container/object.")
    return container, name


async def read_all(store: ObjectBackend, blob: str) -> bytes:
    return b"".join([chunk async for chunk in store.get(blob)])


async def _resolve(db: Database, account: str, paths: Sequence[tuple[str, str]]) -> dict[tuple[str, str], Object]:
    """The current objects at (container, name) paths of ``account``."""
    containers: dict[str, int] = {}
    for container_name in {c for c, _ in paths}:
        row = await index.get_container(db, account, container_name)
        if row is not None:
            containers[container_name] = row.id
    wanted = [(containers[c], n) for c, n in paths if c in containers]
    found = await index.get_objects(db, wanted)
    ids = {v: k for k, v in containers.items()}
    return {(ids[cid], name): row for (cid, name), row in found.items()}


# -- static large objects ------------------------------------------------------------------
async def build_manifest(db: Database, account: str, body: bytes) -> tuple[list[dict[str, Any]], int, str]:
    """Check a ``?multipart-manifest=put`` body; (stored manifest, total size, ETag)."""
    try:
        entries = orjson.loads(body)
    except orjson.JSONDecodeError:
        raise Invalid("Manifest must be valid JSON.") from None
    if not isinstance(entries, list) or not entries:
        raise Invalid("Manifest must be a non-empty JSON list of segments.")
    if len(entries) > MAX_MANIFEST_SEGMENTS:
        raise Invalid(f"Too many segments in the manifest: at most {MAX_MANIFEST_SEGMENTS}.")
    paths: list[tuple[str, str]] = []
    for i, entry in enumerate(entries):
        if not isinstance(entry, dict) or not isinstance(entry.get("path"), str):
            raise Invalid(f"Index {i}: segment must be an object with a string 'path'.")
        unknown = set(entry) - {"path", "etag", "size_bytes", "range"}
        if unknown:
            raise Invalid(f"Index {i}: unknown keys {sorted(unknown)}.")
        if "range" in entry and not isinstance(entry["range"], str):
            raise Invalid(f"Index {i}: a segment's range is a string such as '0-99'.")
        paths.append(split_path(entry["path"]))
    found = await _resolve(db, account, paths)
    errors: list[str] = []
    stored: list[dict[str, Any]] = []
    for i, (entry, path) in enumerate(zip(entries, paths, strict=True)):
        row = found.get(path)
        where = f"/{path[0]}/{path[1]}"
        if row is None:
            errors.append(f"{where}: 404 Not Found")
            continue
        etag, size = entry.get("etag"), entry.get("size_bytes")
        if etag is not None and (not isinstance(etag, str) or etag.strip('"') != row.etag.strip('"')):
            errors.append(f"{where}: Etag Mismatch")
        if size is not None and (not isinstance(size, int) or isinstance(size, bool) or size != row.size):
            errors.append(f"{where}: Size Mismatch")
        if row.size == 0 and i < len(entries) - 1:
            errors.append(f"{where}: Too Small; each segment but the last must hold at least 1 byte")
        span: tuple[int, int] | None = None
        if "range" in entry:
            span = segment_range(entry["range"], row.size)
            if span is None or is_slo(row):
                errors.append(f"{where}: Invalid range {entry['range']!r}")
                continue
        stored.append(
            {
                "name": where,
                "hash": row.etag.strip('"'),
                "bytes": row.size if span is None else span[1] - span[0],
                **({"range": f"{span[0]}-{span[1] - 1}"} if span is not None else {}),
                "content_type": row.content_type,
                "last_modified": listing_time(row.created_at),
                **({"sub_slo": True} if is_slo(row) else {}),
            }
        )
    if errors:
        raise Invalid("Errors:\n" + "\n".join(errors))
    parts = [s["hash"] + (f":{s['range']};" if "range" in s else "") for s in stored]
    return stored, sum(s["bytes"] for s in stored), combined_etag(parts)


def segment_range(text: str, size: int) -> tuple[int, int] | None:
    """``[start, end)`` of a segment's ``range`` ("a-b", "a-", "-n"), None if outside it."""
    first, dash, last = text.strip().partition("-")
    try:
        if not dash:
            return None
        if not first:
            count = int(last)
            return (size - count, size) if 0 < count <= size else None
        start = int(first)
        end = int(last) + 1 if last else size
    except ValueError:
        return None
    return (start, end) if 0 <= start < end <= size else None


def listing_time(stamp: float) -> str:
    import datetime as dt

    return dt.datetime.fromtimestamp(stamp, dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")


async def manifest_of(store: ObjectBackend, row: Object) -> list[dict[str, Any]]:
    data = await read_all(store, row.blob)
    entries = orjson.loads(data)
    assert isinstance(entries, list)
    return entries


async def slo_pieces(db: Database, store: ObjectBackend, account: str, row: Object, depth: int = 0) -> list[Piece]:
    entries = await manifest_of(store, row)
    paths = [split_path(e["name"]) for e in entries]
    found = await _resolve(db, account, paths)
    pieces: list[Piece] = []
    for entry, path in zip(entries, paths, strict=True):
        seg = found.get(path)
        if seg is None or seg.etag.strip('"') != entry["hash"]:
            raise Conflict(f"Object segment no longer valid: {entry['name']}")
        if is_slo(seg) and depth < 10:
            pieces.extend(await slo_pieces(db, store, account, seg, depth + 1))
        elif "range" in entry:
            first, _, last = entry["range"].partition("-")
            start, end = int(first), int(last) + 1
            pieces.append(Piece(seg.blob, end - start, seg.etag, start))
        else:
            pieces.append(Piece(seg.blob, seg.size, seg.etag))
    return pieces


# -- dynamic large objects -----------------------------------------------------------------
def parse_dlo(value: str) -> tuple[str, str]:
    from urllib.parse import unquote

    container, sep, prefix = unquote(value).lstrip("/").partition("/")
    if not container or not sep:
        raise Invalid("X-Object-Manifest must be in the format container/prefix")
    return container, prefix


async def dlo_pieces(db: Database, account: str, row: Object) -> list[Piece]:
    container_name, prefix = parse_dlo(row.meta[DLO_HEADER])
    container = await index.get_container(db, account, container_name)
    if container is None:
        return []
    listed = await index.list_objects(db, container.id, index.Page(limit=DLO_MAX_SEGMENTS, prefix=prefix))
    names = [(container.id, item.name) for item in listed if isinstance(item, index.Listed)]
    found = await index.get_objects(db, names)
    return [Piece(found[k].blob, found[k].size, found[k].etag) for k in names if k in found and not is_dlo(found[k])]


@dataclass(frozen=True, slots=True)
class Body:
    """What a GET of an object sends: its pieces laid end to end, their size and ETag."""

    pieces: list[Piece]
    size: int
    etag: str


async def body_of(db: Database, store: ObjectBackend, account: str, row: Object) -> Body:
    if is_slo(row):
        pieces = await slo_pieces(db, store, account, row)
        return Body(pieces, sum(p.size for p in pieces), f'"{row.etag}"')
    if is_dlo(row):
        pieces = await dlo_pieces(db, account, row)
        return Body(pieces, sum(p.size for p in pieces), f'"{combined_etag([p.etag for p in pieces])}"')
    return Body([Piece(row.blob, row.size, row.etag)], row.size, row.etag)


async def stream(store: ObjectBackend, pieces: Sequence[Piece], start: int, end: int) -> AsyncIterator[bytes]:
    """Bytes ``[start, end)`` of the segments laid end to end."""
    offset = 0
    for piece in pieces:
        lo, hi = max(start, offset), min(end, offset + piece.size)
        if lo < hi:
            try:
                async for chunk in store.get(piece.blob, offset=piece.offset + lo - offset, length=hi - lo):
                    yield chunk
            except NotFound:
                return
        offset += piece.size
        if offset >= end:
            return

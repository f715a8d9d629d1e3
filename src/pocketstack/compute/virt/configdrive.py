"""The config drive: an ISO 9660 image labelled ``config-2`` in the OpenStack layout.

A guest finds it by its volume label and reads ``openstack/latest/meta_data.json``,
``user_data``, ``network_data.json`` and ``vendor_data.json``. The same files are also
written under a dated version directory, as Nova does, for guests that ask for a
specific metadata version.

ISO 9660 itself only allows short upper-case names, so the image carries Rock Ridge
(what Linux reads by default) and Joliet records with the real lower-case names; the
plain ISO 9660 names are mangled 8.3 names no guest is expected to use.
"""

from __future__ import annotations

import io
import json
import os
import re
from pathlib import Path
from typing import Any

import pycdlib

VOLUME_LABEL = "config-2"
# The newest dated metadata version written next to ``latest`` (Nova's "rocky" version).
DATED_VERSION = "2018-08-27"

_NOT_D_CHARACTER = re.compile(r"[^A-Z0-9_]")


class _IsoNames:
    """Gives every real path a unique ISO 9660 level-1 style name (8.3, d-characters)."""

    def __init__(self) -> None:
        self._by_real: dict[str, str] = {"": ""}
        self._taken: dict[str, set[str]] = {}

    def directory(self, real: str) -> str:
        return self._name(real, is_file=False)

    def file(self, real: str) -> str:
        return self._name(real, is_file=True) + ";1"

    def _name(self, real: str, *, is_file: bool) -> str:
        if real in self._by_real:
            return self._by_real[real]
        parent_real, _, leaf = real.rpartition("/")
        parent_iso = self._by_real[parent_real]
        taken = self._taken.setdefault(parent_iso, set())
        stem, dot, ext = leaf.rpartition(".") if is_file and "." in leaf else (leaf, "", "")
        stem = _NOT_D_CHARACTER.sub("_", stem.upper())[:8] or "_"
        ext = _NOT_D_CHARACTER.sub("_", ext.upper())[:3]
        candidate = stem + ("." + ext if dot else "")
        counter = 1
        while candidate in taken:
            # Two real names mangle to the same short name: keep them apart with a counter.
            suffix = str(counter)
            short = stem[: 8 - len(suffix)] + suffix
            candidate = short + ("." + ext if dot else "")
            counter += 1
        taken.add(candidate)
        iso = parent_iso + "/" + candidate
        self._by_real[real] = iso
        return iso


def _json_bytes(value: dict[str, Any]) -> bytes:
    return json.dumps(value, separators=(", ", ": ")).encode()


def config_drive_files(
    *,
    meta_data: dict[str, Any],
    user_data: bytes | None,
    network_data: dict[str, Any],
    vendor_data: dict[str, Any] | None = None,
) -> dict[str, bytes]:
    """The files of a config drive, keyed by their path inside the drive."""
    one_version: dict[str, bytes] = {
        "meta_data.json": _json_bytes(meta_data),
        "network_data.json": _json_bytes(network_data),
        "vendor_data.json": _json_bytes(vendor_data or {}),
    }
    if user_data is not None:
        one_version["user_data"] = user_data
    files: dict[str, bytes] = {}
    for version in (DATED_VERSION, "latest"):
        for name, data in one_version.items():
            files[f"openstack/{version}/{name}"] = data
    return files


def build_config_drive(
    path: Path,
    *,
    meta_data: dict[str, Any],
    user_data: bytes | None,
    network_data: dict[str, Any],
    vendor_data: dict[str, Any] | None = None,
) -> None:
    """Write a config drive ISO to ``path`` (atomically: a reader never sees half of it)."""
    files = config_drive_files(
        meta_data=meta_data, user_data=user_data, network_data=network_data, vendor_data=vendor_data
    )
    names = _IsoNames()
    iso = pycdlib.PyCdlib()
    iso.new(interchange_level=3, vol_ident=VOLUME_LABEL, joliet=3, rock_ridge="1.09")
    try:
        made: set[str] = set()
        for real_path, data in sorted(files.items()):
            parts = real_path.split("/")
            for depth in range(1, len(parts)):
                directory = "/".join(parts[:depth])
                if directory not in made:
                    iso.add_directory(names.directory(directory), rr_name=parts[depth - 1], joliet_path="/" + directory)
                    made.add(directory)
            iso.add_fp(
                io.BytesIO(data),
                len(data),
                names.file(real_path),
                rr_name=parts[-1],
                joliet_path="/" + real_path,
            )
        tmp = path.with_name(path.name + ".tmp")
        try:
            iso.write(str(tmp))
            os.replace(tmp, path)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
    finally:
        iso.close()

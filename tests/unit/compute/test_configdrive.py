"""The config drive reads back with the OpenStack layout, label and long lower-case names."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pycdlib
import pytest

from pocketstack.compute.virt.configdrive import DATED_VERSION, build_config_drive


def _read(iso: pycdlib.PyCdlib, **path: str) -> bytes:
    out = io.BytesIO()
    iso.get_file_from_iso_fp(out, **path)
    return out.getvalue()


@pytest.fixture
def drive(tmp_path: Path) -> Path:
    path = tmp_path / "disk.config"
    build_config_drive(
        path,
        meta_data={"uuid": "u-1", "hostname": "tinytest", "public_keys": {"k1": "ssh-ed25519 AAAA k1"}},
        user_data=b"#!/bin/sh\necho hi\n",
        network_data={"links": [], "networks": [], "services": []},
        vendor_data={"v": 1},
    )
    return path


def _open(path: Path) -> pycdlib.PyCdlib:
    iso = pycdlib.PyCdlib()
    iso.open(str(path))
    return iso


def test_volume_label_is_config_2(drive: Path) -> None:
    iso = _open(drive)
    try:
        assert iso.pvd.volume_identifier.decode().strip() == "config-2"
        assert iso.has_rock_ridge() and iso.has_joliet()
    finally:
        iso.close()


@pytest.mark.parametrize("version", ["latest", DATED_VERSION])
def test_rock_ridge_names_and_contents(drive: Path, version: str) -> None:
    iso = _open(drive)
    try:
        base = f"/openstack/{version}"
        meta = json.loads(_read(iso, rr_path=f"{base}/meta_data.json"))
        assert meta["hostname"] == "tinytest"
        assert meta["public_keys"] == {"k1": "ssh-ed25519 AAAA k1"}
        assert _read(iso, rr_path=f"{base}/user_data") == b"#!/bin/sh\necho hi\n"
        assert json.loads(_read(iso, rr_path=f"{base}/network_data.json")) == {
            "links": [],
            "networks": [],
            "services": [],
        }
        assert json.loads(_read(iso, rr_path=f"{base}/vendor_data.json")) == {"v": 1}
    finally:
        iso.close()


def test_joliet_names_survive(drive: Path) -> None:
    iso = _open(drive)
    try:
        names = sorted(
            child.file_identifier().decode("utf-16-be")
            for child in iso.list_children(joliet_path="/openstack/latest")
            if not (child.is_dot() or child.is_dotdot())
        )
        assert names == ["meta_data.json", "network_data.json", "user_data", "vendor_data.json"]
    finally:
        iso.close()


def test_without_user_data_and_vendor_data(tmp_path: Path) -> None:
    path = tmp_path / "d.iso"
    build_config_drive(path, meta_data={"hostname": "x"}, user_data=None, network_data={})
    iso = _open(path)
    try:
        names = sorted(
            child.rock_ridge.name().decode()
            for child in iso.list_children(rr_path="/openstack/latest")
            if not (child.is_dot() or child.is_dotdot())
        )
        assert names == ["meta_data.json", "network_data.json", "vendor_data.json"]
        assert json.loads(_read(iso, rr_path="/openstack/latest/vendor_data.json")) == {}
    finally:
        iso.close()
    assert not list(tmp_path.glob("*.tmp"))


def test_overwrites_existing_drive(tmp_path: Path) -> None:
    path = tmp_path / "d.iso"
    for hostname in ("first", "second"):
        build_config_drive(path, meta_data={"hostname": hostname}, user_data=None, network_data={})
    iso = _open(path)
    try:
        assert json.loads(_read(iso, rr_path="/openstack/latest/meta_data.json"))["hostname"] == "second"
    finally:
        iso.close()


def test_short_iso_names_stay_unique() -> None:
    from pocketstack.compute.virt.configdrive import _IsoNames

    names = _IsoNames()
    first = names.directory("openstack")
    dated = [names.directory(f"openstack/2018-08-{day}") for day in ("27", "28")]
    assert first == "/OPENSTAC"
    assert len(set(dated)) == 2
    assert all(len(d.rsplit("/", 1)[1]) <= 8 for d in dated)
    assert names.file("openstack/2018-08-27/meta_data.json").endswith("/META_DAT.JSO;1")
    assert names.directory("openstack") == first

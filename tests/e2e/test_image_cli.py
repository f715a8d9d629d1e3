"""Issue #3 acceptance: the real openstack CLI against the image service of pocketstack up."""

from __future__ import annotations

import hashlib
import os
import uuid
from pathlib import Path

import pytest

from tests.e2e.conftest import CLIError, Cloud

pytestmark = pytest.mark.e2e


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        while block := fh.read(4 << 20):
            h.update(block)
    return h.hexdigest()


def _name() -> str:
    return f"img-{uuid.uuid4().hex[:8]}"


def test_one_gib_image_round_trip(cloud: Cloud, tmp_path: Path) -> None:
    source = tmp_path / "big.qcow2"
    with source.open("wb") as fh:
        for _ in range(256):
            fh.write(os.urandom(4 << 20))
    name = _name()
    created = cloud.openstack(
        "image",
        "create",
        "--file",
        str(source),
        "--disk-format",
        "qcow2",
        "--container-format",
        "bare",
        name,
        "-f",
        "json",
        timeout=900,
    )
    assert created["status"] == "active" and created["size"] == 1 << 30
    shown = cloud.openstack("image", "show", name, "-f", "json")
    assert shown["checksum"] == hashlib.md5(source.read_bytes()).hexdigest()
    assert name in [img["Name"] for img in cloud.openstack("image", "list", "-f", "json")]
    saved = tmp_path / "saved.qcow2"
    cloud.openstack("image", "save", "--file", str(saved), name, timeout=900)
    assert _sha256(saved) == _sha256(source)
    cloud.openstack("image", "delete", name)
    with pytest.raises(CLIError):
        cloud.openstack("image", "show", name)


def test_set_and_unset_properties_and_tags(cloud: Cloud, tmp_path: Path) -> None:
    data = tmp_path / "small.raw"
    data.write_bytes(b"pocketstack" * 1000)
    name = _name()
    cloud.openstack(
        "image",
        "create",
        "--file",
        str(data),
        "--disk-format",
        "raw",
        "--container-format",
        "bare",
        "--property",
        "os_distro=debian",
        name,
        user="demo",
    )
    cloud.openstack(
        "image",
        "set",
        "--property",
        "k=v",
        "--property",
        "hw_disk_bus=virtio",
        "--tag",
        "t1",
        "--min-ram",
        "64",
        name,
        user="demo",
    )
    shown = cloud.openstack("image", "show", name, "-f", "json", user="demo")
    props = shown["properties"]
    assert props["k"] == "v" and props["hw_disk_bus"] == "virtio" and props["os_distro"] == "debian"
    assert "t1" in shown["tags"] and shown["min_ram"] == 64
    cloud.openstack("image", "unset", "--property", "k", "--tag", "t1", name, user="demo")
    shown = cloud.openstack("image", "show", name, "-f", "json", user="demo")
    assert "k" not in shown["properties"] and "t1" not in shown["tags"]
    cloud.openstack("image", "set", "--name", name + "-renamed", name, user="demo")
    cloud.openstack("image", "delete", name + "-renamed", user="demo")


def test_members_between_admin_and_demo(cloud: Cloud, tmp_path: Path) -> None:
    data = tmp_path / "shared.raw"
    data.write_bytes(b"shared" * 100)
    name = _name()
    image = cloud.openstack(
        "image",
        "create",
        "--file",
        str(data),
        "--disk-format",
        "raw",
        "--container-format",
        "bare",
        "--shared",
        name,
        "-f",
        "json",
    )
    demo_project = cloud.openstack("project", "show", "demo", "-f", "json")["id"]
    member = cloud.openstack("image", "add", "project", image["id"], "demo", "-f", "json")
    assert member["member_id"] == demo_project and member["status"] == "pending"
    assert name not in [i["Name"] for i in cloud.openstack("image", "list", "-f", "json", user="demo")]
    cloud.openstack("image", "set", "--accept", image["id"], user="demo")
    assert name in [i["Name"] for i in cloud.openstack("image", "list", "-f", "json", user="demo")]
    members = cloud.openstack("image", "member", "list", image["id"], "-f", "json")
    assert [(m["Member ID"], m["Status"]) for m in members] == [(demo_project, "accepted")]
    saved = tmp_path / "saved.raw"
    cloud.openstack("image", "save", "--file", str(saved), image["id"], user="demo")
    assert saved.read_bytes() == data.read_bytes()
    cloud.openstack("image", "remove", "project", image["id"], "demo")
    with pytest.raises(CLIError):
        cloud.openstack("image", "show", image["id"], user="demo")
    cloud.openstack("image", "delete", image["id"])


def test_demo_cannot_publish_or_touch_others(cloud: Cloud, tmp_path: Path) -> None:
    name = _name()
    cloud.openstack("image", "create", "--disk-format", "raw", "--container-format", "bare", name)
    with pytest.raises(CLIError):
        cloud.openstack(
            "image", "create", "--public", "--disk-format", "raw", "--container-format", "bare", _name(), user="demo"
        )
    with pytest.raises(CLIError):
        cloud.openstack("image", "show", name, user="demo")
    cloud.openstack("image", "delete", name)


def test_tiny_shows_kernel_and_ramdisk(cloud: Cloud) -> None:
    images = {i["Name"]: i["ID"] for i in cloud.openstack("image", "list", "-f", "json")}
    if "tiny" not in images:
        pytest.skip("pocketstack up did not upload the tiny guest here (QEMU or packages missing)")
    shown = cloud.openstack("image", "show", "tiny", "-f", "json")
    props = shown["properties"]
    assert props["kernel_id"] in images.values() and props["ramdisk_id"] in images.values()
    assert shown["disk_format"] == "ami" and shown["visibility"] == "public"

"""Run state of an all-in-one cloud under a data dir: pid, URL, and the clouds.yaml."""

from __future__ import annotations

import json
import os
import socket
from pathlib import Path
from typing import Any

from pocketstack.common.config import Config


def state_file(data_dir: Path) -> Path:
    return data_dir / "run" / "state.json"


def read_state(data_dir: Path) -> dict[str, Any] | None:
    try:
        return dict(json.loads(state_file(data_dir).read_text()))
    except (OSError, ValueError):
        return None


def write_state(data_dir: Path, **values: Any) -> None:
    path = state_file(data_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(values))
    os.replace(tmp, path)


def clear_state(data_dir: Path) -> None:
    state_file(data_dir).unlink(missing_ok=True)


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie child still "exists": look at its state.
    try:
        status = Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[1]
        return not status.startswith("Z")
    except (OSError, IndexError):
        return True


def is_ours(pid: int) -> bool:
    """True if ``pid`` is a pocketstack server (so ``down`` never signals a stranger)."""
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return False
    return any(b"pocketstack" in part for part in cmdline)


def port_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def free_port(host: str) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def verify(config: Config) -> str | bool:
    """What an HTTPS client of this cloud trusts: a self-signed certificate itself,
    else the system's CAs."""
    from pocketstack.common.tls import trust

    return trust(config)


def write_clouds_yaml(config: Config) -> Path:
    """DATA_DIR/clouds.yaml (it holds passwords: owner-only)."""
    from pocketstack.common.datadir import write_private

    path = config.data_dir / "clouds.yaml"
    write_private(path, clouds_yaml(config))
    return path


def clouds_yaml(config: Config) -> str:
    trust = verify(config)
    cacert = f"    cacert: {json.dumps(trust)}\n" if isinstance(trust, str) else ""

    def cloud(name: str, user: str, password: str, project: str) -> str:
        return (
            f"  {name}:\n"
            f"    auth:\n"
            f"      auth_url: {config.public_url}/identity\n"
            f"      username: {user}\n"
            f"      password: {json.dumps(password)}\n"
            f"      project_name: {project}\n"
            f"      user_domain_name: Default\n"
            f"      project_domain_name: Default\n"
            f"    region_name: {config.identity.region}\n"
            f"    identity_api_version: 3\n"
            f"    interface: public\n" + cacert
        )

    ident = config.identity
    return (
        "# Written by pocketstack up. Use: export OS_CLIENT_CONFIG_FILE=<this file>\n"
        "clouds:\n"
        + cloud("pocketstack", "admin", ident.admin_password, "admin")
        + cloud("pocketstack-demo", "demo", ident.demo_password, "demo")
    )

"""The CLI's commands beside the cloud's lifecycle: ``trace`` (a server launch's hops),
``image build-tiny`` (with its progress bar, which ``up`` uses too), ``identity
rotate-keys`` and ``policy list``; and how a command finds its configuration."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from pocketstack.cli import state
from pocketstack.common.config import Config


def config_of(args: argparse.Namespace) -> Config:
    return Config.load(Path(args.data_dir).expanduser() if args.data_dir else None)


def progress_bar() -> Any:
    shown = {"last": ""}

    def bar(message: str, fraction: float) -> None:
        if not sys.stderr.isatty():
            if message != shown["last"] and fraction < 1.0:
                print(f"tiny guest: {message}", file=sys.stderr)
                shown["last"] = message
            return
        filled = int(fraction * 30)
        sys.stderr.write(f"\rtiny guest [{'#' * filled}{'.' * (30 - filled)}] {message[:50]:<50}")
        if fraction >= 1.0:
            sys.stderr.write("\n")
        sys.stderr.flush()

    return bar


def build_tiny_guest() -> bool:
    """Build (or find cached) the tiny guest with a progress bar; False if it cannot be built."""
    from pocketstack.image.tiny import build_tiny, tiny_available

    ok, why = tiny_available()
    if not ok:
        print(f"tiny guest: not available ({why}); going on without it")
        return False
    try:
        build_tiny(progress=progress_bar())
    except Exception as exc:
        print(f"tiny guest: could not be built ({exc}); going on without it")
        return False
    return True


def cmd_trace(args: argparse.Namespace) -> int:
    """Print the hops of a server's launch in order, with component, host and duration."""
    import httpx

    config = config_of(args)
    current = state.read_state(config.data_dir)
    if current is None or not state.pid_alive(current["pid"]):
        print("pocketstack is not running", file=sys.stderr)
        return 1
    url = current["url"]
    auth = {
        "auth": {
            "identity": {
                "methods": ["password"],
                "password": {
                    "user": {"name": "admin", "domain": {"id": "default"}, "password": config.identity.admin_password}
                },
            },
            "scope": {"project": {"name": "admin", "domain": {"id": "default"}}},
        }
    }
    with httpx.Client(base_url=url, timeout=30, verify=state.verify(config)) as client:
        token = client.post("/identity/v3/auth/tokens", json=auth).headers.get("x-subject-token", "")
        answer = client.get(
            f"/compute/v2.1/servers/{args.server_id}/os-pocketstack-trace", headers={"X-Auth-Token": token}
        )
    if answer.status_code != 200:
        print(f"error: {answer.status_code} {answer.text}", file=sys.stderr)
        return 1
    spans = answer.json()["spans"]
    if not spans:
        print(f"no trace recorded for server {args.server_id}")
        return 0
    t0 = spans[0]["started"]
    width = max(len(span["hop"]) for span in spans)
    print(f"{'at ms':>9} {'took ms':>9}  {'hop':<{width}}  {'component':<13} {'host':<12} result")
    for span in spans:
        detail = f"  {span['detail']}" if span.get("detail") else ""
        print(
            f"{(span['started'] - t0) * 1000:9.1f} {span['duration_ms']:9.1f}  {span['hop']:<{width}}  "
            f"{span['component']:<13} {span.get('host') or '-':<12} {span.get('result', 'ok')}{detail}"
        )
    print(f"request {spans[0].get('request_id', '?')}: {len(spans)} hops")
    return 0


def cmd_build_tiny(args: argparse.Namespace) -> int:
    """``pocketstack image build-tiny [--output DIR]``: the tiny guest's kernel (aki),
    initramfs (ari) and root disk (ami), built from Debian packages and cached."""
    from pocketstack.image.tiny import build_tiny, tiny_available

    ok, why = tiny_available()
    if not ok:
        print(f"error: the tiny guest cannot be built here: {why}", file=sys.stderr)
        return 1
    output = Path(args.output).expanduser() if args.output else None
    artifacts = build_tiny(output, progress=progress_bar())
    print(f"kernel (aki):     {artifacts.kernel}")
    print(f"initramfs (ari):  {artifacts.initramfs}")
    print(f"root disk (ami):  {artifacts.rootdisk}")
    print(f"kernel cmdline:   {artifacts.cmdline}")
    return 0


def cmd_rotate_keys(args: argparse.Namespace) -> int:
    from pocketstack.identity.tokens import KeyRepository

    config = config_of(args)
    primary = KeyRepository(config.fernet_key_dir).rotate()
    print(f"rotated Fernet keys in {config.fernet_key_dir}: new primary key {primary}")
    return 0


def cmd_policy_list(args: argparse.Namespace) -> int:
    from pocketstack.cli.policy import listing
    from pocketstack.common.policy import PolicyFileError

    try:
        for line in listing(args.service, config_of(args)):
            print(line)
    except PolicyFileError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0

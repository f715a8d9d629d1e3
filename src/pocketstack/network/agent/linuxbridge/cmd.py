"""Running ``ip``, ``iptables-restore``, ``nft`` and friends without blocking the event loop."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from pocketstack.network.agent.base import BackendError


class CommandError(BackendError):
    def __init__(self, argv: tuple[str, ...], code: int, stderr: str) -> None:
        super().__init__(f"{' '.join(argv)} failed ({code}): {stderr.strip()}")
        self.argv = argv
        self.code = code
        self.stderr = stderr


async def run(*argv: str, input: str | None = None, check: bool = True) -> str:
    """Run ``argv``; its stdout. Raises CommandError (a BackendError) when it fails and ``check``."""
    try:
        proc = await asyncio.create_subprocess_exec(
            *argv,
            stdin=asyncio.subprocess.PIPE if input is not None else asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
    except FileNotFoundError as exc:
        raise BackendError(f"{argv[0]} is not installed (scripts/setup.sh installs it): {exc}") from None
    out, err = await proc.communicate(input.encode() if input is not None else None)
    code = proc.returncode or 0
    if check and code != 0:
        raise CommandError(tuple(argv), code, err.decode(errors="replace"))
    return out.decode(errors="replace")


async def ip(*args: str, ns: str | None = None, check: bool = True) -> str:
    prefix = ("ip", "-n", ns) if ns else ("ip",)
    return await run(*prefix, *args, check=check)


async def ip_batch(lines: list[str], ns: str | None = None) -> None:
    """Several ``ip`` commands in one process (one fork instead of many: plugging is fast)."""
    if not lines:
        return
    prefix = ("ip", "-n", ns) if ns else ("ip",)
    await run(*prefix, "-batch", "-", input="\n".join(lines) + "\n")


async def ip_json(*args: str, ns: str | None = None) -> list[dict[str, Any]]:
    out = await ip("-j", *args, ns=ns, check=False)
    try:
        data = json.loads(out) if out.strip() else []
    except json.JSONDecodeError:
        return []
    return data if isinstance(data, list) else []


async def in_ns(ns: str, *argv: str, input: str | None = None, check: bool = True) -> str:
    return await run("ip", "netns", "exec", ns, *argv, input=input, check=check)


async def namespaces() -> list[str]:
    out = await run("ip", "netns", "list", check=False)
    return [line.split()[0] for line in out.splitlines() if line.strip()]


async def ensure_ns(name: str) -> None:
    if name in await namespaces():
        return
    try:
        await run("ip", "netns", "add", name)
    except CommandError as exc:
        # Raced with another agent of this cloud creating it: fine if it is there now.
        if name not in await namespaces():
            raise exc from None
    await ip_batch(["link set lo up"], ns=name)


async def delete_ns(name: str) -> None:
    await run("ip", "netns", "delete", name, check=False)


async def links(ns: str) -> dict[str, dict[str, Any]]:
    """The namespace's links by name (``ip -j -d link``)."""
    return {item["ifname"]: item for item in await ip_json("-d", "link", "show", ns=ns)}

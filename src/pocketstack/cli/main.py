"""``pocketstack``: up, down, status, serve, identity rotate-keys."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from pocketstack.cli import state
from pocketstack.cli.tools import (
    build_tiny_guest,
    cmd_build_tiny,
    cmd_policy_list,
    cmd_rotate_keys,
    cmd_trace,
    config_of,
)
from pocketstack.common import logs
from pocketstack.common.config import DEFAULT_DATA_DIR, Config

READY_TIMEOUT = 120.0


def _print_usage(config: Config) -> None:
    # Where the passwords are, never the passwords: this output ends up in terminal logs.
    clouds = config.data_dir / "clouds.yaml"
    print(f"pocketstack is up at {config.public_url}")
    print(f"  export OS_CLIENT_CONFIG_FILE={clouds}")
    print("  openstack --os-cloud pocketstack token issue        # admin")
    print("  openstack --os-cloud pocketstack-demo server list   # demo user")
    print(f"  dashboard: {config.public_url}/dashboard/ (log in as demo, domain default)")
    print(f"  passwords: admin's and demo's in {clouds}, all of them in {config.secrets_file} (owner-only)")


def _harden(config: Config) -> None:
    """Owner-only data dir: umask and modes."""
    from pocketstack.common.datadir import harden

    for problem in harden(config):
        print(f"warning: {problem}", file=sys.stderr)


def _ensure_passwords(config: Config) -> bool:
    """The bootstrap passwords nobody set, generated; False if they cannot be kept."""
    from pocketstack.common.datadir import ensure_passwords, weak_passwords

    try:
        ensure_passwords(config)
    except OSError as exc:
        print(f"error: cannot keep the generated passwords in {config.secrets_file}: {exc}", file=sys.stderr)
        return False
    for user in weak_passwords(config):
        # A data dir from before the passwords were generated keeps its users' passwords.
        print(
            f"warning: the {user} user's password is the well-known default of older pocketstack versions: change "
            f"it (openstack user set --password) and [identity] {user}_password in {config.config_file}",
            file=sys.stderr,
        )
    return True


def _warn_if_exposed(config: Config) -> None:
    from pocketstack.common.tls import is_loopback

    if not is_loopback(config.server.host) and not config.tls:
        print(
            f"warning: listening on {config.server.host} without TLS: passwords and tokens cross the network "
            "in the clear (use --tls, or [server] tls_cert and tls_key)",
            file=sys.stderr,
        )


def _choose_driver(requested: str | None, config: Config) -> str:
    choice = requested or config.compute.driver
    if choice in ("fake", "qemu"):
        return choice
    try:
        import pocketstack.compute.virt.qemu  # type: ignore[import-not-found,unused-ignore]  # noqa: F401
    except ImportError:
        print("driver: fake (the QEMU driver is not part of this build yet)")
        return "fake"
    if shutil.which("qemu-system-x86_64") is None:
        print("driver: fake (qemu-system-x86_64 is not installed)")
        return "fake"
    return "qemu"


def _policies_ok(config: Config) -> bool:
    from pocketstack.cli.policy import problems

    found = problems(config)
    for problem in found:
        print(f"error: {problem}", file=sys.stderr)
    return not found


def cmd_up(args: argparse.Namespace) -> int:
    config = config_of(args)
    if not _policies_ok(config):
        return 1
    data_dir = config.data_dir
    running = state.read_state(data_dir)
    if running and state.pid_alive(running["pid"]):
        print(f"pocketstack is already running (pid {running['pid']}) at {running['url']}")
        return 0
    if args.host:
        config.server.host = args.host
    if args.port:
        if not state.port_free(config.server.host, args.port):
            print(f"error: port {args.port} on {config.server.host} is in use", file=sys.stderr)
            return 1
        config.server.port = args.port
    elif not state.port_free(config.server.host, config.server.port):
        config.server.port = state.free_port(config.server.host)
        print(f"port 8080 is in use: using port {config.server.port}")
    config.compute.driver = _choose_driver(args.driver, config)
    if config.image.tiny_guest:
        config.image.tiny_guest = build_tiny_guest()
    if args.fake_hosts:
        config.compute.fake_hosts = args.fake_hosts
    _harden(config)
    if args.tls and not config.tls:
        from pocketstack.common.tls import ensure_self_signed

        cert, key = ensure_self_signed(data_dir, config.server.host)
        config.server.tls_cert, config.server.tls_key = str(cert), str(key)
    _warn_if_exposed(config)
    # The config file first: generated passwords go to secrets.toml only.
    config.write_if_missing()
    if not _ensure_passwords(config):
        return 1
    if args.detach:
        return _detach(args, config)
    return _foreground(config)


def _child_env(config: Config) -> dict[str, str]:
    env = dict(os.environ)
    env["POCKETSTACK_IMAGE_TINY_GUEST"] = "true" if config.image.tiny_guest else "false"
    env["POCKETSTACK_SERVER_HOST"] = config.server.host
    env["POCKETSTACK_SERVER_PORT"] = str(config.server.port)
    env["POCKETSTACK_COMPUTE_DRIVER"] = config.compute.driver
    env["POCKETSTACK_COMPUTE_FAKE_HOSTS"] = str(config.compute.fake_hosts)
    if config.tls:
        env["POCKETSTACK_SERVER_TLS_CERT"] = config.server.tls_cert
        env["POCKETSTACK_SERVER_TLS_KEY"] = config.server.tls_key
    return env


def _detach(args: argparse.Namespace, config: Config) -> int:
    log_dir = config.data_dir / "log"
    log_dir.mkdir(parents=True, exist_ok=True)
    log_path = log_dir / "pocketstack.log"
    state.clear_state(config.data_dir)
    with open(log_path, "ab") as log_file:
        child = subprocess.Popen(
            [sys.executable, "-m", "pocketstack.cli.main", "serve", "all", "--data-dir", str(config.data_dir)],
            stdin=subprocess.DEVNULL,
            stdout=log_file,
            stderr=log_file,
            start_new_session=True,
            env=_child_env(config),
        )
    deadline = time.monotonic() + READY_TIMEOUT
    while time.monotonic() < deadline:
        current = state.read_state(config.data_dir)
        if current and current.get("pid") == child.pid:
            _print_usage(config)
            return 0
        if child.poll() is not None:
            print(
                f"error: pocketstack exited with code {child.returncode} before it was ready; log: {log_path}",
                file=sys.stderr,
            )
            print(_tail(log_path), file=sys.stderr)
            return 1
        time.sleep(0.02)
    print(f"error: pocketstack was not ready after {READY_TIMEOUT:.0f}s; log: {log_path}", file=sys.stderr)
    child.terminate()
    return 1


def _tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def _foreground(config: Config) -> int:
    for key, value in _child_env(config).items():
        os.environ[key] = value
    return _serve_all(config, announce=True)


def _serve_all(config: Config, announce: bool = False) -> int:
    from pocketstack import cloud

    logs.setup(config.logging.level)

    def ready(c: Any) -> None:
        state.write_clouds_yaml(config)
        state.write_state(
            config.data_dir,
            pid=os.getpid(),
            url=config.public_url,
            services={s.name: f"{config.public_url}/{s.prefix}" for s in c.services},
            not_built=c.unbuilt,
            driver=config.compute.driver,
        )
        if announce:
            _print_usage(config)

    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    try:
        asyncio.run(cloud.serve(config, on_ready=ready))
    finally:
        current = state.read_state(config.data_dir)
        if current and current.get("pid") == os.getpid():
            state.clear_state(config.data_dir)
        if announce:
            # A foreground up owns its runtime objects: Ctrl-C leaves nothing behind.
            _cleanup(config)
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    from pocketstack import cloud
    from pocketstack.agents import AGENTS

    config = config_of(args)
    if not _policies_ok(config):
        return 1
    try:
        only = cloud.parse_services(args.service)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    agents = (only or frozenset()) & set(AGENTS)
    if agents and only == agents and (args.host or args.port):
        # Agents alone listen nowhere: --host here is a mistake for --agent-host.
        print(
            "error: agents alone serve no HTTP, so --host/--port (the listen address) do not apply; "
            "name the agents' host with --agent-host NAME",
            file=sys.stderr,
        )
        return 2
    if args.agent_host and not agents:
        print(
            "error: --agent-host names the host of compute-agent / network-agent, none of which runs here",
            file=sys.stderr,
        )
        return 2
    if args.host:
        config.server.host = args.host
    if args.port:
        config.server.port = args.port
    _harden(config)
    if (only is None or "identity" in only) and not _ensure_passwords(config):
        return 1
    if agents != only:
        _warn_if_exposed(config)
    if only is None:
        return _serve_all(config)
    return _serve_some(config, only, args.agent_host or (socket.gethostname() if agents else ""))


def _serve_some(config: Config, only: frozenset[str], agent_host: str = "") -> int:
    """The distributed mode: these services (or agents of host ``agent_host``) in this
    process, in the foreground. The bus and database URLs and ``[endpoints]`` (where
    the others are) come from the config."""
    from pocketstack import cloud

    logs.setup(config.logging.level)
    if config.bus.url.startswith("memory") and set(only) != set(cloud.ALL):
        print(
            "error: services in separate processes need a shared bus: set [bus] url (or POCKETSTACK_BUS_URL) "
            "to amqp://...",
            file=sys.stderr,
        )
        return 2
    if "identity" not in only and not config.identity.service_password:
        print(
            "error: the services here log in to identity as its service user: set [identity] service_password "
            "(or POCKETSTACK_IDENTITY_SERVICE_PASSWORD) to the one in the identity process's secrets.toml",
            file=sys.stderr,
        )
        return 2
    with contextlib.suppress(ImportError):
        import uvloop

        uvloop.install()

    def ready(c: Any) -> None:
        where = f"at {config.public_url}" if c.serves_http else "on the bus"
        print(f"pocketstack {c.describe()} serving {where} (pid {os.getpid()})", flush=True)

    asyncio.run(cloud.serve(config, on_ready=ready, only=only, agent_host=agent_host))
    return 0


def cmd_down(args: argparse.Namespace) -> int:
    config = config_of(args)
    current = state.read_state(config.data_dir)
    if current is None or not state.pid_alive(current["pid"]):
        print("pocketstack is not running")
        state.clear_state(config.data_dir)
    else:
        pid = int(current["pid"])
        if not state.is_ours(pid):
            print(f"error: pid {pid} in the state file is not a pocketstack process; not touching it", file=sys.stderr)
            return 1
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + 30
        while state.pid_alive(pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        if state.pid_alive(pid):
            os.kill(pid, signal.SIGKILL)
        state.clear_state(config.data_dir)
        print(f"pocketstack stopped (pid {pid})")
    _cleanup(config)
    if args.purge:
        shutil.rmtree(config.data_dir, ignore_errors=True)
        print(f"removed {config.data_dir}")
    return 0


def _cleanup(config: Config) -> None:
    from pocketstack.cleanup import cleanup_runtime

    for problem in asyncio.run(cleanup_runtime(config.data_dir)):
        print(f"warning: cleanup: {problem}", file=sys.stderr)


def cmd_status(args: argparse.Namespace) -> int:
    import httpx

    config = config_of(args)
    current = state.read_state(config.data_dir)
    if current is None or not state.pid_alive(current["pid"]):
        print("pocketstack is not running")
        return 1
    print(f"pocketstack pid {current['pid']} at {current['url']} (driver {current.get('driver')})")
    services = dict(current.get("services", {}))
    for name in current.get("not_built", []):
        services[name] = f"{current['url']}/{name}"
    with httpx.Client(timeout=5, verify=state.verify(config)) as client:
        for name, url in sorted(services.items()):
            try:
                code = client.get(url + "/").status_code
                up = "up" if code < 500 else f"down ({code})"
            except httpx.HTTPError as exc:
                up = f"down ({type(exc).__name__})"
            note = " (not built yet)" if name in current.get("not_built", []) else ""
            print(f"  {name:<10} {url:<40} {up}{note}")
    return 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="pocketstack", description="A compact, real cloud that speaks OpenStack.")
    sub = p.add_subparsers(dest="command", required=True)

    def data_dir(sp: argparse.ArgumentParser) -> None:
        sp.add_argument("--data-dir", default=None, help=f"data directory (default {DEFAULT_DATA_DIR})")

    up = sub.add_parser("up", help="start the all-in-one cloud")
    data_dir(up)
    up.add_argument("--host", default=None, help="listen address (default 127.0.0.1)")
    up.add_argument("--port", type=int, default=None, help="port (default 8080, or a free one)")
    up.add_argument("--driver", choices=["fake", "qemu"], default=None, help="virt driver")
    up.add_argument("--fake-hosts", type=int, default=None, help="simulated compute hosts (fake driver)")
    up.add_argument("--detach", action="store_true", help="return once the cloud is ready")
    up.add_argument(
        "--tls",
        action="store_true",
        help="serve HTTPS with a self-signed certificate made in DATA_DIR/tls (clouds.yaml trusts it)",
    )
    up.set_defaults(func=cmd_up)

    down = sub.add_parser("down", help="stop the cloud and remove what it created at runtime")
    data_dir(down)
    down.add_argument("--purge", action="store_true", help="also delete the data directory")
    down.set_defaults(func=cmd_down)

    status = sub.add_parser("status", help="each service, its URL, up/down")
    data_dir(status)
    status.set_defaults(func=cmd_status)

    serve = sub.add_parser(
        "serve",
        help="run services (or the agents of a host) in the foreground",
        description="Run services in the foreground. 'all' is the all-in-one cloud. Anything else is the "
        "distributed mode: the other services are reached at [endpoints] over HTTP, the shared bus "
        "(RabbitMQ) and database URL. compute-agent and network-agent are the agents of one host "
        "(--agent-host): run both in one process per host; they serve no HTTP, and SIGTERM stops "
        "them leaving the host's VMs and networks in place.",
    )
    serve.add_argument(
        "service",
        help="all, or a comma-separated list of identity, image, placement, network, compute, volume, object, ec2, "
        "compute-agent, network-agent",
    )
    serve.add_argument("--host", default=None, help="listen address (default from the config)")
    serve.add_argument("--port", type=int, default=None, help="port (default from the config)")
    serve.add_argument(
        "--agent-host",
        default=None,
        metavar="NAME",
        help="host name of compute-agent / network-agent (default: this machine's hostname)",
    )
    data_dir(serve)
    serve.set_defaults(func=cmd_serve)

    trace = sub.add_parser("trace", help="the hops of a server's launch, with timings")
    trace.add_argument("server_id")
    data_dir(trace)
    trace.set_defaults(func=cmd_trace)

    image = sub.add_parser("image", help="image tools")
    image_sub = image.add_subparsers(dest="image_command", required=True)
    tiny = image_sub.add_parser("build-tiny", help="build the tiny test guest (kernel, initramfs, root disk)")
    tiny.add_argument("--output", default=None, help="directory to put the three images in (default: cache only)")
    tiny.set_defaults(func=cmd_build_tiny)

    identity = sub.add_parser("identity", help="identity administration")
    isub = identity.add_subparsers(dest="identity_command", required=True)
    rotate = isub.add_parser("rotate-keys", help="rotate the Fernet token keys")
    data_dir(rotate)
    rotate.set_defaults(func=cmd_rotate_keys)

    from pocketstack.cli.policy import SERVICES

    pol = sub.add_parser("policy", help="the policy rules of each service")
    psub = pol.add_subparsers(dest="policy_command", required=True)
    plist = psub.add_parser(
        "list",
        help="every rule of a service: its default and the override in effect (as a policy.yaml)",
    )
    plist.add_argument("service", choices=sorted(SERVICES))
    data_dir(plist)
    plist.set_defaults(func=cmd_policy_list)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())

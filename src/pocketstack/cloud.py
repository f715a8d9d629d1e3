"""The cloud of one process: one Runtime, its services, one Dispatcher, one uvicorn server.

The all-in-one serves every service. The distributed mode (``pocketstack serve
SERVICE[,SERVICE...]``) serves some: the others are reached over HTTP at the URLs
``[endpoints]`` names (``web/routing.py``), and over the bus and the shared database URL.

Identity is built first because every other service validates tokens with its
validator (shared keys and revocation list, in-process); a process without identity
validates with the same keys and follows revocations over the bus (``identity/remote.py``).
Services that are not built yet are still mounted and listed in the catalog: they answer
503 with a clear message.

A process may also run the agents of one host (``compute-agent``, ``network-agent``:
``agents.py``), alone (no HTTP server then) or beside services.
"""

from __future__ import annotations

import asyncio
import gc
import importlib
import logging
import os
import time
from dataclasses import dataclass
from typing import Any

from pocketstack.agents import AGENTS, HostAgents
from pocketstack.bus import connect
from pocketstack.common import logs, tls
from pocketstack.common.config import Config
from pocketstack.db import migrate
from pocketstack.identity.bootstrap import bootstrap as bootstrap_identity
from pocketstack.identity.bootstrap import hash_passwords
from pocketstack.identity.remote import RemoteIdentity
from pocketstack.identity.service import IdentityService
from pocketstack.runtime import Runtime, Service
from pocketstack.web.app import Dispatcher, Unbuilt
from pocketstack.web.peers import RoutingTransport
from pocketstack.web.transport import InProcessTransport

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ServiceSpec:
    name: str
    module: str
    prefix: str
    error_format: str


SERVICES: tuple[ServiceSpec, ...] = (
    ServiceSpec("image", "pocketstack.image.service", "image", "glance"),
    ServiceSpec("placement", "pocketstack.placement.service", "placement", "placement"),
    ServiceSpec("network", "pocketstack.network.service", "network", "neutron"),
    ServiceSpec("compute", "pocketstack.compute.service", "compute", "nova"),
    ServiceSpec("volume", "pocketstack.volume.service", "volume", "cinder"),
    ServiceSpec("object", "pocketstack.object.service", "object", "swift"),
    # EC2's own XML errors come from its app; an unbuilt one would answer Keystone's JSON.
    ServiceSpec("ec2", "pocketstack.ec2.service", "ec2", "keystone"),
)


def _load(spec: ServiceSpec) -> Any | None:
    """The service module, or None when that service is not part of this build yet."""
    try:
        module = importlib.import_module(spec.module)
    except ModuleNotFoundError as exc:
        if exc.name and spec.module.startswith(exc.name):
            return None
        raise
    return module if hasattr(module, "create") else None


ALL = ("identity", *(spec.name for spec in SERVICES))


def parse_services(text: str) -> frozenset[str] | None:
    """``all`` -> None (every service); else a comma-separated list of known names
    (services, and the agents of one host)."""
    if text.strip() == "all":
        return None
    names = frozenset(n.strip() for n in text.split(",") if n.strip())
    unknown = sorted(names - set(ALL) - set(AGENTS))
    if unknown or not names:
        raise ValueError(
            f"unknown service {', '.join(unknown) or repr(text)}: choose from all, {', '.join(ALL + AGENTS)}"
        )
    return names


class Cloud:
    def __init__(self, config: Config, only: frozenset[str] | None = None, agent_host: str = "") -> None:
        self.config = config
        # None: every service here (the all-in-one); else the services of this process.
        self.only = only
        # The agents of host ``agent_host`` this process runs (none in the all-in-one,
        # whose compute and network services run theirs).
        self.agent_names = frozenset(only or ()) & set(AGENTS)
        if self.agent_names and not agent_host:
            raise ValueError(f"{', '.join(sorted(self.agent_names))} needs the name of its host")
        self.agent_host = agent_host
        self.host_agents: HostAgents | None = None
        self.runtime: Runtime | None = None
        self.services: list[Service] = []
        self.unbuilt: list[str] = []
        self.dispatcher: Dispatcher | None = None
        self.remote_identity: RemoteIdentity | None = None
        self.dashboard: Any = None

    def serves(self, name: str) -> bool:
        return self.only is None or name in self.only

    @property
    def serves_http(self) -> bool:
        """False for a process of agents only: it listens nowhere."""
        return self.only is None or bool(self.only - self.agent_names)

    async def start(self) -> None:
        """Migrate, bootstrap and start every service; the app is ready when this returns."""
        cfg = self.config
        started = time.monotonic()
        bus = connect(cfg.bus.url, default_timeout=cfg.bus.call_timeout, namespace=cfg.bus.namespace)
        if cfg.bus.url.startswith("amqp"):
            from pocketstack.bus.oslo_notify import settings_from_config
            from pocketstack.bus.rabbit import RabbitBus

            if isinstance(bus, RabbitBus):
                bus.oslo_settings = settings_from_config(cfg.notifications)
        await bus.start()
        runtime = Runtime(cfg, bus, authenticator=None)  # type: ignore[arg-type]
        self.runtime = runtime
        mounts: dict[str, Any] = {}
        identity: IdentityService | None = None
        if self.serves("identity"):
            identity = IdentityService(runtime)
            runtime.authenticator = identity.validator
            runtime.service_token = identity.service_token
            self.services = [identity]
            mounts["identity"] = identity.app
        else:
            self.remote_identity = RemoteIdentity(runtime)
            runtime.authenticator = self.remote_identity.validator
            runtime.service_token = self.remote_identity.service_token
        modules: dict[str, Any] = {}
        for spec in SERVICES:
            if not self.serves(spec.name):
                continue
            module = _load(spec)
            if module is None:
                self.unbuilt.append(spec.name)
                mounts[spec.prefix] = Unbuilt(spec.name, spec.error_format)
                continue
            service = module.create(runtime)
            modules[spec.name] = module
            self.services.append(service)
            mounts[spec.prefix] = service.app
            # Paths a service also answers at the endpoint's root (Swift's /info).
            mounts.update(getattr(service, "root_mounts", {}))
        self.dispatcher = Dispatcher(mounts, index=self.index)
        if self.only is None:
            runtime.transport = InProcessTransport(self.dispatcher)
        else:
            remote = {name: cfg.endpoint_base(name) for name in ALL if name not in mounts}
            runtime.transport = RoutingTransport(self.dispatcher, set(mounts), remote, verify=tls.trust(cfg))
        runtime.base_url = cfg.public_url
        if self.only is None:
            # The web dashboard: a client of the APIs above, in-process, with each user's token.
            from pocketstack.dashboard import DashboardApp

            self.dashboard = DashboardApp(
                cfg.public_url,
                transport=runtime.transport,
                secure_cookies=cfg.public_url.startswith("https:"),
            )
            self.dispatcher.mounts["dashboard"] = self.dashboard
        hashing = None
        if identity is not None:
            # On a fresh SQLite cloud, hash the bootstrap passwords while the migrations run.
            fresh = runtime.database("identity").is_sqlite and not (cfg.data_dir / "pocketstack.db").exists()
            hashing = asyncio.create_task(hash_passwords(cfg)) if fresh else None
        for service in self.services:
            if service.migrations is not None:
                await migrate.upgrade(runtime.database(service.name), service.name, service.migrations)
        if identity is not None:
            identity.keys.setup()
            await bootstrap_identity(runtime.database("identity"), cfg, await hashing if hashing else None)
        for name, module in modules.items():
            hook = getattr(module, "bootstrap", None)
            if hook is not None:
                await hook(runtime)
            log.debug("bootstrapped %s", name)
        if self.remote_identity is not None:
            # Services start talking to each other (inventory, agents) as they start. A
            # process of agents only validates no token: no revocations to follow.
            await self.remote_identity.start(revocations=self.serves_http)
        for service in self.services:
            await service.start()
        if self.agent_names:
            self.host_agents = HostAgents(runtime, self.agent_host, self.agent_names)
            await self.host_agents.start()
        if cfg.image.tiny_guest and "image" in modules:
            await self._publish_tiny()
        log.info("%s started in %.2fs", self.describe(), time.monotonic() - started)

    def describe(self) -> str:
        if self.only is None:
            return "cloud"
        what = ",".join(sorted(self.only))
        return f"{what} (host {self.agent_host})" if self.agent_names else what

    async def _publish_tiny(self) -> None:
        """Upload the tiny guest (built and cached by ``pocketstack up``) if it is not there yet."""
        from pocketstack.image.tiny import build_tiny, tiny_available
        from pocketstack.image.tiny.publish import publish_tiny

        ok, why = await asyncio.to_thread(tiny_available)
        if not ok:
            log.warning("tiny guest not available: %s", why)
            return
        try:
            artifacts = await asyncio.to_thread(build_tiny)
            assert self.runtime is not None
            async with self.runtime.http() as client:
                client.headers["X-Auth-Token"] = await self.runtime.service_token()
                image_id = await publish_tiny(client, artifacts)
            log.info("tiny guest is image %s", image_id)
        except Exception:
            log.exception("could not publish the tiny guest; the cloud runs without it")

    async def stop(self) -> None:
        if self.host_agents is not None:
            try:
                await self.host_agents.stop()
            except Exception:
                log.exception("stopping the agents of %s failed", self.agent_host)
        for service in reversed(self.services):
            try:
                await service.stop()
            except Exception:
                log.exception("stopping %s failed", service.name)
        if self.remote_identity is not None:
            await self.remote_identity.stop()
        if self.dashboard is not None:
            await self.dashboard.aclose()
        if self.runtime is not None:
            if isinstance(self.runtime.transport, RoutingTransport):
                await self.runtime.transport.shutdown()
            await self.runtime.bus.close()
            await self.runtime.close()

    def index(self) -> dict[str, Any]:
        base = self.config.public_url
        return {
            "pocketstack": {
                "services": {s.name: f"{base}/{s.prefix}" for s in self.services},
                "not_built": self.unbuilt,
            }
        }


async def serve(config: Config, on_ready: Any = None, only: frozenset[str] | None = None, agent_host: str = "") -> None:
    """Run the cloud (or the ``only`` services of it) until SIGTERM/SIGINT."""
    import signal

    import uvicorn

    cloud = Cloud(config, only, agent_host)
    if not cloud.serves_http:
        await _serve_agents(cloud, on_ready)
        return
    await cloud.start()
    # What start loaded (modules, SQLAlchemy's mappers and statement caches) lives as
    # long as the process: frozen, full collections stop walking it again and again
    # (90-170 ms pauses, about a tenth of a server launch's CPU under load).
    gc.collect()
    gc.freeze()
    app: Any = cloud.dispatcher
    server = uvicorn.Server(
        uvicorn.Config(
            app,
            host=config.server.host,
            port=config.server.port,
            http="httptools",
            lifespan="off",
            access_log=False,
            log_level=config.logging.level.lower(),
            timeout_keep_alive=30,
            backlog=1024,
            ssl_certfile=config.server.tls_cert or None,
            ssl_keyfile=config.server.tls_key or None,
        )
    )
    # uvicorn.Config configured uvicorn's own log handlers: they redact secrets too.
    logs.redact_handlers()
    # The loop's own handlers below stop the server; uvicorn must not install its own.
    server.install_signal_handlers = lambda: None  # type: ignore[attr-defined,method-assign,unused-ignore]
    loop = asyncio.get_running_loop()

    def stop_serving() -> None:
        server.should_exit = True
        if cloud.dashboard is not None:
            # uvicorn waits for open responses: end the dashboard's event streams.
            cloud.dashboard.closing.set()

    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop_serving)
    task = asyncio.create_task(server.serve())
    while not server.started and not task.done():
        await asyncio.sleep(0.01)
    if task.done():
        await cloud.stop()
        task.result()
        raise RuntimeError(f"the server could not start on {config.server.host}:{config.server.port}")
    if on_ready is not None:
        on_ready(cloud)
    try:
        await task
    finally:
        await cloud.stop()
        log.info("cloud stopped (pid %d)", os.getpid())


async def _serve_agents(cloud: Cloud, on_ready: Any = None) -> None:
    """A process of host agents: no HTTP server, only the bus, until SIGTERM/SIGINT
    (which may come while the agents still wait for identity or the conductor)."""
    import signal

    loop = asyncio.get_running_loop()
    stopping = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stopping.set)
    starting = asyncio.create_task(cloud.start())
    stop_waiter = asyncio.create_task(stopping.wait())
    try:
        await asyncio.wait({starting, stop_waiter}, return_when=asyncio.FIRST_COMPLETED)
        if starting.done():
            starting.result()
            if on_ready is not None:
                on_ready(cloud)
            await stop_waiter
    finally:
        for task in (starting, stop_waiter):
            task.cancel()
        await asyncio.gather(starting, stop_waiter, return_exceptions=True)
        await cloud.stop()
        log.info("%s stopped (pid %d)", cloud.describe(), os.getpid())

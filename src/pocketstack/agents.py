"""The agents of one host, in a process of their own (DESIGN §3: one compute agent and
one network agent per host): ``pocketstack serve compute-agent,network-agent
--agent-host NAME``.

- ``network-agent``: the network agent of the host (``[network] backend``: fake or
  linuxbridge) serving ``network-agent.NAME`` and the agents' fanout; it resyncs with
  the network service over the bus on start.
- ``compute-agent``: the compute agent of the host (``[compute] driver``: fake, one
  simulated host, or qemu) serving ``compute.NAME``. It reports to the conductor over
  the bus and its inventory to placement over HTTP (``[endpoints]``), and fetches
  images, binds ports and attaches volumes over HTTP with the service token
  (``runtime.service_token``: ``identity/remote.py``). It serves no HTTP itself.

The network agent starts first, so that the host is never scheduled to (which happens
once the compute agent reported) before its ports can be plugged. A compute agent that
starts before the conductor waits for it, as nova-compute does.

Stopping (SIGTERM) stops the agents and nothing else: VMs keep running, the data plane
stays (as nova-compute and the Neutron agents leave them); an agent started again adopts
them. ``pocketstack down`` (all-in-one) is what removes a host's runtime objects.
"""

from __future__ import annotations

import asyncio
import logging

from pocketstack.bus import BusTimeout
from pocketstack.compute.agent.host import Clients, make_agent, make_driver, resolve_driver
from pocketstack.compute.agent.manager import ComputeAgent
from pocketstack.network.agent import configured_backend
from pocketstack.network.agent.manager import NetworkAgent
from pocketstack.runtime import Runtime

log = logging.getLogger(__name__)

COMPUTE_AGENT = "compute-agent"
NETWORK_AGENT = "network-agent"
AGENTS = (COMPUTE_AGENT, NETWORK_AGENT)

# Seconds between attempts to reach the conductor while it is not there.
CONDUCTOR_RETRY = 1.0


class HostAgents:
    def __init__(self, runtime: Runtime, host: str, names: frozenset[str]) -> None:
        unknown = names - set(AGENTS)
        if unknown:
            raise ValueError(f"unknown agent {', '.join(sorted(unknown))}")
        self.runtime = runtime
        self.host = host
        self.names = names
        self.network: NetworkAgent | None = None
        self.compute: ComputeAgent | None = None
        self._clients: Clients | None = None

    async def start(self) -> None:
        config = self.runtime.config
        # Resolved before the network backend is: its "auto" follows the driver.
        config.compute.driver = resolve_driver(config.compute)
        if NETWORK_AGENT in self.names:
            agent = NetworkAgent(self.runtime.bus, self.host, configured_backend(config, self.host))
            # Resyncs now, or keeps retrying in the background while the service is away.
            await agent.start(resync=True)
            self.network = agent
        if COMPUTE_AGENT in self.names:
            driver = await make_driver(self.runtime, self.host, config.compute.driver)
            self._clients = Clients(self.runtime)
            await self._start_compute(make_agent(self.runtime, self.host, driver, self._clients))
        log.info("agents %s of host %s started", ",".join(sorted(self.names)), self.host)

    async def _start_compute(self, agent: ComputeAgent) -> None:
        # Its first step is a report to the conductor (an rpc.call, waiting up to [bus]
        # call_timeout); timed out, nothing of it was started yet: tried again.
        while True:
            try:
                await agent.start()
            except BusTimeout:
                log.warning("compute agent %s: the conductor did not answer yet; trying again", self.host)
                await asyncio.sleep(CONDUCTOR_RETRY)
                continue
            self.compute = agent
            return

    async def stop(self) -> None:
        """Stop serving; the host's VMs and data plane stay as they are."""
        if self.compute is not None:
            await self.compute.stop()
            self.compute = None
        if self._clients is not None:
            await self._clients.close()
            self._clients = None
        if self.network is not None:
            await self.network.stop()
            self.network = None

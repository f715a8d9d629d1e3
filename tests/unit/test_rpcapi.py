"""The typed RPC modules (one per bus topic): each client method has its payload, each
payload is served by exactly the topic's endpoint, and nothing else (an agent's start or
stop) is reachable over the bus."""

from __future__ import annotations

import dataclasses
import inspect
from types import ModuleType
from typing import Any

import pytest

from pocketstack.bus import Endpoint, UndeclaredMethod, rpc
from pocketstack.bus.memory import MemoryBus
from pocketstack.compute.agent import rpcapi as compute_agent
from pocketstack.compute.agent.manager import ComputeAgent
from pocketstack.compute.conductor import rpcapi as conductor
from pocketstack.compute.conductor.manager import ConductorManager
from pocketstack.compute.scheduler import rpcapi as scheduler
from pocketstack.compute.scheduler.manager import SchedulerManager
from pocketstack.identity import rpcapi as identity
from pocketstack.network import rpcapi as network
from pocketstack.network.agent import rpcapi as network_agent
from pocketstack.volume import rpcapi as volume
from pocketstack.volume.manager import VolumeManager

# (module, its client, its endpoints): identity's module holds two topics.
TOPICS: list[tuple[ModuleType, type[rpc.Client], list[type[Endpoint]]]] = [
    (compute_agent, compute_agent.ComputeAgentAPI, [compute_agent.ComputeAgentEndpoint]),
    (conductor, conductor.ConductorAPI, [conductor.ConductorEndpoint]),
    (scheduler, scheduler.SchedulerAPI, [scheduler.SchedulerEndpoint]),
    (identity, identity.IdentityAPI, [identity.IdentityEndpoint, identity.RevocationEndpoint]),
    (network, network.NetworkAPI, [network.NetworkEndpoint]),
    (network_agent, network_agent.NetworkAgentAPI, [network_agent.NetworkAgentEndpoint]),
    (volume, volume.VolumeAPI, [volume.VolumeManagerEndpoint]),
]
NEVER_SERVED = {"start", "stop", "heartbeat", "resync", "recover", "sweep_builds", "close", "rpc_dispatch"}


def _payloads(module: ModuleType) -> dict[str, type[rpc.Payload]]:
    """The payloads a topic's module declares: in the module itself or in its sibling
    ``rpc_payloads`` module (where the larger topics keep them)."""
    homes = {module.__name__, module.__name__.rpartition(".")[0] + ".rpc_payloads"}
    found = {}
    for value in vars(module).values():
        if isinstance(value, type) and issubclass(value, rpc.Payload) and value.__module__ in homes:
            found[value.METHOD] = value
    return found


@pytest.mark.parametrize(("module", "client", "endpoints"), TOPICS, ids=[t[0].__name__ for t in TOPICS])
def test_client_payloads_and_endpoint_agree(
    module: ModuleType, client: type[rpc.Client], endpoints: list[type[Endpoint]]
) -> None:
    payloads = _payloads(module)
    served = frozenset().union(*(e.rpc_methods for e in endpoints))
    assert served == set(payloads), "every payload is served, and only those"
    calls = {n for n, f in inspect.getmembers(client, inspect.iscoroutinefunction) if not n.startswith("_")}
    assert calls == set(payloads), "one client method per payload"
    assert not served & NEVER_SERVED
    assert "version history" in (module.__doc__ or "").lower()
    assert all(p.VERSION == "1.0" for p in payloads.values())


FORWARDED: list[tuple[type[rpc.Forward], type]] = [
    (compute_agent.ComputeAgentEndpoint, ComputeAgent),
    (conductor.ConductorEndpoint, ConductorManager),
    (scheduler.SchedulerEndpoint, SchedulerManager),
    (volume.VolumeManagerEndpoint, VolumeManager),
]


@pytest.mark.parametrize(("endpoint", "target"), FORWARDED, ids=[f[0].__name__ for f in FORWARDED])
def test_forwarded_methods_take_exactly_their_payloads_fields(endpoint: type[rpc.Forward], target: type) -> None:
    """What mypy cannot see through ``Forward``: each served method exists on the manager,
    takes the context then exactly the payload's fields, and requires what it requires."""
    for kind in endpoint.serves:
        method = getattr(target, kind.METHOD)
        assert inspect.iscoroutinefunction(method), kind.METHOD
        params = list(inspect.signature(method).parameters.values())[1:]  # self
        assert params[0].name == "ctx" and "RequestContext" in str(params[0].annotation), kind.METHOD
        fields = {f.name: f for f in dataclasses.fields(kind) if f.name != "version"}
        assert [p.name for p in params[1:]] == list(fields), kind.METHOD
        for param in params[1:]:
            field = fields[param.name]
            required = field.default is dataclasses.MISSING and field.default_factory is dataclasses.MISSING
            assert (param.default is inspect.Parameter.empty) == required, f"{kind.METHOD}.{param.name}"


def test_payloads_round_trip_and_refuse_unknown_keys() -> None:
    sent = conductor.InstanceUpdate(instance_uuid="u1", values={"task_state": None}, host="h1")
    wire = sent.to_dict()
    assert wire["version"] == "1.0"
    assert conductor.InstanceUpdate.from_dict(wire) == sent
    with pytest.raises(rpc.BadPayload, match="hots"):
        conductor.InstanceUpdate.from_dict({**wire, "hots": "typo"})
    missing = dict(wire)
    del missing["instance_uuid"]
    with pytest.raises(rpc.BadPayload):
        conductor.InstanceUpdate.from_dict(missing)


class _Nothing:
    """Stands in for an agent: the endpoint must never reach it here."""

    def __getattr__(self, name: str) -> Any:
        raise AssertionError(f"{name} reached the agent")


async def test_an_agents_life_cycle_is_not_callable_over_the_bus() -> None:
    bus = MemoryBus()
    await bus.start()
    try:
        await bus.serve("compute.h1", compute_agent.ComputeAgentEndpoint(_Nothing()))  # type: ignore[arg-type]
        for method in ("start", "stop", "heartbeat", "_claim", "rpc_dispatch"):
            with pytest.raises(UndeclaredMethod, match=method):
                await bus.call("compute.h1", method, {}, timeout=5, version="1.0")
    finally:
        await bus.close()


def test_a_payload_may_not_use_the_bus_verbs_own_argument_names() -> None:
    with pytest.raises(TypeError, match="timeout"):

        @rpc.payload
        class Wait(rpc.Payload):
            METHOD = "wait"
            timeout: float

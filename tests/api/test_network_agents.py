"""GET /v2.0/agents (a host's network agent reports as Neutron's L2, DHCP and L3 agents;
admin only) and GET /v2.0/availability_zones (the zones of the DHCP and L3 agents)."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import update

from pocketstack.network.agent.fake import FakeBackend
from pocketstack.network.agent.manager import NetworkAgent
from pocketstack.network.models import Agent
from pocketstack.network.objects import agents as agent_objects
from pocketstack.network.service import NetworkService
from pocketstack.testing.service import running_services
from tests.api.network_support import Api, error


@pytest.fixture
async def api(tmp_path: Path) -> AsyncIterator[Api]:
    factories = [lambda rt: NetworkService(rt, local_agents=False)]
    async with running_services(factories, tmp_path) as (runtime, _services, client):
        yield Api(client, runtime)


async def _agents(api: Api, token: str = "admin", **params: Any) -> list[dict[str, Any]]:
    r = await api.get("agents", token, **params)
    assert r.status_code == 200, r.text
    return list(r.json()["agents"])


async def _reported(api: Api, count: int) -> list[dict[str, Any]]:
    for _ in range(200):
        found = await _agents(api)
        if len(found) >= count:
            return found
        await asyncio.sleep(0.01)
    raise AssertionError("the agents never reported")


async def test_a_host_agent_reports_l2_dhcp_and_l3(api: Api) -> None:
    assert await _agents(api) == []
    agent = NetworkAgent(api.runtime.bus, "host1", FakeBackend())
    await agent.start()
    try:
        found = await _reported(api, 3)
    finally:
        await agent.stop()
    by_type = {a["agent_type"]: a for a in found}
    assert set(by_type) == {"Linux bridge agent", "DHCP agent", "L3 agent"}
    l3 = by_type["L3 agent"]
    assert l3["host"] == "host1" and l3["binary"] == "neutron-l3-agent" and l3["topic"] == "l3_agent"
    assert l3["alive"] is True and l3["admin_state_up"] is True and l3["availability_zone"] == "nova"
    assert l3["configurations"] == {"backend": "fake", "agent_mode": "legacy", "routers": 0}
    assert by_type["Linux bridge agent"]["availability_zone"] is None
    assert dt.datetime.strptime(l3["heartbeat_timestamp"], "%Y-%m-%d %H:%M:%S")
    # Filters as on any list.
    assert [a["id"] for a in await _agents(api, agent_type="DHCP agent")] == [by_type["DHCP agent"]["id"]]
    zones = (await api.get("availability_zones", "demo")).json()["availability_zones"]
    assert zones == [
        {"name": "nova", "resource": "network", "state": "available"},
        {"name": "nova", "resource": "router", "state": "available"},
    ]


async def test_agents_are_for_admins(api: Api) -> None:
    await agent_objects.report(
        api.runtime.database("network"),
        "h2",
        [
            {
                "agent_type": "DHCP agent",
                "binary": "neutron-dhcp-agent",
                "topic": "dhcp_agent",
                "availability_zone": "nova",
            }
        ],
        True,
    )
    (agent,) = await _agents(api)
    # Neutron: a member lists none and finds none (404, not 403).
    assert await _agents(api, "demo") == []
    r = await api.get(f"agents/{agent['id']}", "demo")
    assert r.status_code == 404 and error(r)["type"] == "AgentNotFound"
    assert (await api.put(f"agents/{agent['id']}", {"agent": {"admin_state_up": False}}, "demo")).status_code == 404
    assert (await api.delete(f"agents/{agent['id']}", "demo")).status_code == 404
    r = await api.put(f"agents/{agent['id']}", {"agent": {"admin_state_up": False, "description": "d"}}, "admin")
    assert r.status_code == 200
    assert r.json()["agent"]["admin_state_up"] is False and r.json()["agent"]["description"] == "d"
    zones = (await api.get("availability_zones")).json()["availability_zones"]
    assert zones == [{"name": "nova", "resource": "network", "state": "unavailable"}]
    assert (await api.put(f"agents/{agent['id']}", {"agent": {"host": "x"}}, "admin")).status_code == 400
    assert (await api.delete(f"agents/{agent['id']}", "admin")).status_code == 204
    assert (await api.get(f"agents/{agent['id']}", "admin")).status_code == 404


async def test_a_silent_agent_is_not_alive(api: Api) -> None:
    db = api.runtime.database("network")
    await agent_objects.report(
        db, "h3", [{"agent_type": "L3 agent", "binary": "neutron-l3-agent", "topic": "l3_agent"}], True
    )
    stale = dt.datetime.now(dt.UTC).replace(tzinfo=None) - dt.timedelta(seconds=agent_objects.AGENT_DOWN_TIME + 1)
    async with db.writer() as session:
        await session.execute(update(Agent).values(heartbeat_timestamp=stale))
    (agent,) = await _agents(api)
    assert agent["alive"] is False

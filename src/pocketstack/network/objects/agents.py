"""Network agents as their hosts report them, and the availability zones they make.

Each host's network agent is one process doing what Neutron splits in three: the L2
agent (bridges, taps, firewall), the DHCP agent (dnsmasq per network) and the L3 agent
(router namespaces, NAT). It reports all three every ``REPORT_INTERVAL`` seconds over the
bus (``report_state``); an agent is alive while its last report is younger than
``AGENT_DOWN_TIME`` (Neutron's defaults: 30 and 75 seconds).

Availability zones are those of the DHCP agents (resource ``network``) and L3 agents
(``router``): available while one of them is up and alive.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from pocketstack.common.timeutils import utcnow
from pocketstack.db import Database
from pocketstack.network import faults
from pocketstack.network.models import Agent
from pocketstack.network.objects import txn

AGENT_DOWN_TIME = 75.0
# Which agents make which availability zone resource (Neutron's AZ-aware agent types).
ZONE_RESOURCES = {"DHCP agent": "network", "L3 agent": "router"}


def _when(value: dt.datetime) -> str:
    # Neutron prints agent times without the T and zone: "2026-12-02 17:42:05".
    return value.strftime("%Y-%m-%d %H:%M:%S")


def _alive(agent: Agent, now: dt.datetime) -> bool:
    return (now - agent.heartbeat_timestamp).total_seconds() <= AGENT_DOWN_TIME


def view(agent: Agent, now: dt.datetime) -> dict[str, Any]:
    return {
        "id": agent.id,
        "agent_type": agent.agent_type,
        "binary": agent.binary,
        "topic": agent.topic,
        "host": agent.host,
        "admin_state_up": agent.admin_state_up,
        "alive": _alive(agent, now),
        "availability_zone": agent.availability_zone,
        "description": agent.description,
        "configurations": dict(agent.configurations),
        "created_at": _when(agent.created_at),
        "started_at": _when(agent.started_at),
        "heartbeat_timestamp": _when(agent.heartbeat_timestamp),
        "resources_synced": None,
    }


async def report(db: Database, host: str, agents: list[dict[str, Any]], start_flag: bool) -> None:
    """Record a host's report: its agents are alive now (``start_flag``: just started)."""

    async def work(session: AsyncSession) -> None:
        now = utcnow()
        known = {a.agent_type: a for a in await session.scalars(select(Agent).where(Agent.host == host))}
        for item in agents:
            row = known.get(item["agent_type"])
            if row is None:
                row = Agent(agent_type=item["agent_type"], host=host, created_at=now, started_at=now)
                session.add(row)
            elif start_flag:
                row.started_at = now
            row.binary = item["binary"]
            row.topic = item["topic"]
            row.availability_zone = item.get("availability_zone")
            row.configurations = dict(item.get("configurations") or {})
            row.heartbeat_timestamp = now

    await txn.write(db, work)


async def _load(session: AsyncSession, agent_id: str) -> Agent:
    agent = await session.get(Agent, agent_id)
    if agent is None:
        raise faults.not_found("Agent", agent_id)
    return agent


async def listing(db: Database) -> list[dict[str, Any]]:
    async with db.reader() as session:
        now = utcnow()
        return [view(a, now) for a in await session.scalars(select(Agent).order_by(Agent.host, Agent.agent_type))]


async def get(db: Database, agent_id: str) -> dict[str, Any]:
    async with db.reader() as session:
        return view(await _load(session, agent_id), utcnow())


async def update(db: Database, agent_id: str, attrs: dict[str, Any]) -> dict[str, Any]:
    async def work(session: AsyncSession) -> dict[str, Any]:
        agent = await _load(session, agent_id)
        for key in ("admin_state_up", "description"):
            if key in attrs:
                setattr(agent, key, attrs[key])
        await session.flush()
        return view(agent, utcnow())

    return await txn.write(db, work)


async def delete_agent(db: Database, agent_id: str) -> None:
    """Forget the agent; a running one registers again with its next report."""

    async def work(session: AsyncSession) -> None:
        await session.delete(await _load(session, agent_id))

    await txn.write(db, work)


async def zones(db: Database) -> list[dict[str, Any]]:
    async with db.reader() as session:
        now = utcnow()
        state: dict[tuple[str, str], bool] = {}
        for agent in await session.scalars(select(Agent).where(Agent.agent_type.in_(ZONE_RESOURCES))):
            if not agent.availability_zone:
                continue
            key = (agent.availability_zone, ZONE_RESOURCES[agent.agent_type])
            state[key] = state.get(key, False) or (agent.admin_state_up and _alive(agent, now))
        return [
            {"name": name, "resource": resource, "state": "available" if up else "unavailable"}
            for (name, resource), up in sorted(state.items())
        ]

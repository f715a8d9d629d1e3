"""Security groups and their rules, including the per-project ``default`` group that
is created on first use (listing groups or creating a port) with Neutron's default rules:
all egress, and ingress from members of the same group, for IPv4 and IPv6."""

from __future__ import annotations

import ipaddress
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from pocketstack.common.context import RequestContext
from pocketstack.db import Database
from pocketstack.network import faults, policy, views
from pocketstack.network.models import DefaultSecurityGroup, Port, SecurityGroup, SecurityGroupRule
from pocketstack.network.objects import quotas, txn

PROTOCOLS = {
    "tcp": 6,
    "udp": 17,
    "icmp": 1,
    "icmpv6": 58,
    "ipv6-icmp": 58,
    "sctp": 132,
    "gre": 47,
    "esp": 50,
    "ah": 51,
    "vrrp": 112,
    "igmp": 2,
    "ipip": 4,
    "dccp": 33,
    "pgm": 113,
    "udplite": 136,
    "ipv6-encap": 41,
    "ospf": 89,
}
_PORTED = {"tcp", "udp", "sctp", "dccp", "udplite", "6", "17", "132", "33", "136"}
_ICMP = {"icmp", "icmpv6", "ipv6-icmp", "1", "58"}


# (database, project) -> default group id, only for groups read back committed (never for one
# created in a transaction that might still roll back); forgotten when a group is deleted.
_known_defaults: dict[tuple[str, str], str] = {}


def _cache_key(session: AsyncSession, project_id: str) -> tuple[str, str]:
    return (str(getattr(session.bind, "url", "")), project_id)


async def ensure_default(session: AsyncSession, project_id: str) -> str:
    """The id of the project's default group, created with its rules if missing."""
    known = _known_defaults.get(_cache_key(session, project_id))
    if known is not None:
        return known
    row = await session.get(DefaultSecurityGroup, project_id)
    if row is not None:
        _known_defaults[_cache_key(session, project_id)] = row.security_group_id
        return row.security_group_id
    sg = SecurityGroup(project_id=project_id, name="default", description="Default security group", tags=[])
    session.add(sg)
    await session.flush()
    # The primary key on project_id is what keeps a concurrent first use from making two.
    session.add(DefaultSecurityGroup(project_id=project_id, security_group_id=sg.id))
    for ethertype in ("IPv4", "IPv6"):
        session.add(
            SecurityGroupRule(project_id=project_id, security_group_id=sg.id, direction="egress", ethertype=ethertype)
        )
        session.add(
            SecurityGroupRule(
                project_id=project_id,
                security_group_id=sg.id,
                direction="ingress",
                ethertype=ethertype,
                remote_group_id=sg.id,
            )
        )
    await session.flush()
    return sg.id


def target(sg: SecurityGroup) -> dict[str, Any]:
    # No group is shared here (no RBAC): Neutron's shared_security_group never matches.
    return policy.owned(sg.project_id, shared=False)


async def load(session: AsyncSession, ctx: RequestContext, sg_id: str, action: str | None = None) -> SecurityGroup:
    """The group if the caller may see it (get_security_group, else not found) and, with
    ``action`` (update_security_group, ...), if that rule allows it on it (403 otherwise)."""
    sg = await session.get(SecurityGroup, sg_id)
    if sg is None or not policy.allowed(ctx, "get_security_group", target(sg)):
        raise faults.not_found("SecurityGroup", sg_id)
    if action is not None:
        policy.enforce(ctx, action, target(sg))
    return sg


async def _view(session: AsyncSession, sg: SecurityGroup) -> dict[str, Any]:
    rules = list(await session.scalars(select(SecurityGroupRule).where(SecurityGroupRule.security_group_id == sg.id)))
    default = await session.get(DefaultSecurityGroup, sg.project_id)
    return views.security_group(sg, rules, default is not None and default.security_group_id == sg.id)


async def listing(db: Database, ctx: RequestContext) -> list[dict[str, Any]]:
    # Listing makes the project's default group, when the caller could make groups at all.
    if ctx.project_id and policy.allowed(ctx, "create_security_group", policy.owned(ctx.project_id)):
        await txn.write(db, lambda s: ensure_default(s, str(ctx.project_id)))
    async with db.reader() as session:
        stmt = select(SecurityGroup)
        if not policy.is_admin(ctx):
            stmt = stmt.where(SecurityGroup.project_id == ctx.project_id)
        groups = [g for g in await session.scalars(stmt) if policy.allowed(ctx, "get_security_group", target(g))]
        rules: dict[str, list[SecurityGroupRule]] = {}
        for r in await session.scalars(select(SecurityGroupRule)):
            rules.setdefault(r.security_group_id, []).append(r)
        defaults = {d.security_group_id for d in await session.scalars(select(DefaultSecurityGroup))}
        return [views.security_group(g, rules.get(g.id, []), g.id in defaults) for g in groups]


async def get(db: Database, ctx: RequestContext, sg_id: str) -> dict[str, Any]:
    async with db.reader() as session:
        return await _view(session, await load(session, ctx, sg_id))


async def create(db: Database, ctx: RequestContext, project_id: str, attrs: dict[str, Any]) -> dict[str, Any]:
    if attrs.get("name") == "default":
        raise faults.conflict("SecurityGroupDefaultAlreadyExists", "Default security group already exists.")

    async def work(session: AsyncSession) -> dict[str, Any]:
        await ensure_default(session, project_id)
        await quotas.check(session, project_id, "security_group")
        sg = SecurityGroup(
            project_id=project_id,
            name=attrs.get("name", ""),
            description=attrs.get("description", ""),
            stateful=attrs.get("stateful", True),
            tags=list(attrs.get("tags", [])),
        )
        session.add(sg)
        await session.flush()
        for ethertype in ("IPv4", "IPv6"):
            session.add(
                SecurityGroupRule(
                    project_id=project_id, security_group_id=sg.id, direction="egress", ethertype=ethertype
                )
            )
        await session.flush()
        return await _view(session, sg)

    return await txn.write(db, work)


async def update(db: Database, ctx: RequestContext, sg_id: str, attrs: dict[str, Any]) -> dict[str, Any]:
    async def work(session: AsyncSession) -> dict[str, Any]:
        sg = await load(session, ctx, sg_id, "update_security_group")
        default = await session.get(DefaultSecurityGroup, sg.project_id)
        is_default = default is not None and default.security_group_id == sg.id
        if is_default and attrs.get("name", "default") != "default":
            raise faults.conflict("SecurityGroupCannotUpdateDefault", "Updating default security group not allowed.")
        if not is_default and attrs.get("name") == "default":
            # One group per project is called default: the one Neutron made.
            raise faults.conflict("SecurityGroupDefaultAlreadyExists", "Default security group already exists.")
        for key in ("name", "description", "stateful"):
            if key in attrs:
                setattr(sg, key, attrs[key])
        sg.revision_number += 1
        await session.flush()
        return await _view(session, sg)

    return await txn.write(db, work)


async def delete_group(db: Database, ctx: RequestContext, sg_id: str) -> list[str]:
    """Delete the group with its rules and every rule of another group whose remote is
    this one (Neutron's remote_group_id foreign key cascades); return those groups' ids."""

    async def work(session: AsyncSession) -> list[str]:
        sg = await load(session, ctx, sg_id, "delete_security_group")
        default = await session.get(DefaultSecurityGroup, sg.project_id)
        if default is not None and default.security_group_id == sg.id and not policy.is_admin(ctx):
            raise faults.conflict(
                "SecurityGroupCannotRemoveDefault", "Insufficient rights for removing default security group."
            )
        users = [p.id for p in await session.scalars(select(Port)) if sg.id in (p.security_groups or [])]
        if users:
            raise faults.conflict(
                "SecurityGroupInUse", f"Security Group {sg.id} in use by ports: {', '.join(sorted(users))}."
            )
        _known_defaults.pop(_cache_key(session, sg.project_id), None)
        # Statements, not ORM deletes: these tables have no relationships to order the deletes by.
        await session.execute(delete(DefaultSecurityGroup).where(DefaultSecurityGroup.security_group_id == sg.id))
        referring = await session.scalars(
            select(SecurityGroupRule.security_group_id)
            .where(SecurityGroupRule.remote_group_id == sg.id, SecurityGroupRule.security_group_id != sg.id)
            .distinct()
        )
        changed = sorted(referring)
        await session.execute(
            delete(SecurityGroupRule).where(
                (SecurityGroupRule.security_group_id == sg.id) | (SecurityGroupRule.remote_group_id == sg.id)
            )
        )
        await session.execute(delete(SecurityGroup).where(SecurityGroup.id == sg.id))
        return changed

    return await txn.write(db, work)


def normalize_rule(attrs: dict[str, Any]) -> dict[str, Any]:
    """Check a rule's protocol, port range and remote; return the values to store."""
    ethertype = attrs.get("ethertype") or "IPv4"
    protocol = attrs.get("protocol")
    if protocol is not None:
        protocol = str(protocol).lower()
        if protocol in ("any", ""):
            protocol = None
        elif protocol not in PROTOCOLS and not (protocol.isdigit() and 0 <= int(protocol) <= 255):
            raise faults.bad_input(
                "SecurityGroupRuleInvalidProtocol",
                f"Security group rule protocol {attrs.get('protocol')} not supported. Only protocol values "
                f"{sorted(PROTOCOLS)} and integer representations [0 to 255] are supported.",
            )
    if protocol == "icmp" and ethertype == "IPv6":
        protocol = "ipv6-icmp"
    low, high = attrs.get("port_range_min"), attrs.get("port_range_max")
    if (low is not None or high is not None) and protocol is None:
        raise faults.bad_input(
            "SecurityGroupProtocolRequiredWithPorts", "Must also specify protocol if port range is given."
        )
    if protocol in _PORTED:
        for value in (low, high):
            if value is not None and not 1 <= value <= 65535:
                raise faults.bad_input("SecurityGroupInvalidPortValue", f"Invalid value for port {value}.")
        if (low is not None and high is not None and low > high) or (low is None and high is not None):
            raise faults.bad_input(
                "SecurityGroupInvalidPortRange", "For TCP/UDP protocols, port_range_min must be <= port_range_max"
            )
        if low is not None and high is None:
            high = low
    elif protocol in _ICMP:
        for name, value in (("type", low), ("code", high)):
            if value is not None and not 0 <= value <= 255:
                raise faults.bad_input(
                    "SecurityGroupInvalidIcmpValue",
                    f"Invalid value for ICMP {name} (port_range_min/port_range_max): {value}. It must be 0 to 255.",
                )
        if low is None and high is not None:
            raise faults.bad_input(
                "SecurityGroupMissingIcmpType",
                f"ICMP code (port-range-max) {high} is provided but ICMP type (port-range-min) is missing.",
            )
    elif low is not None or high is not None:
        raise faults.bad_input(
            "SecurityGroupInvalidProtocolForPort",
            f"Ports cannot be given for protocol {protocol}: only TCP, UDP, SCTP, ICMP take them.",
        )
    prefix = attrs.get("remote_ip_prefix")
    if prefix is not None and attrs.get("remote_group_id"):
        raise faults.bad_input(
            "SecurityGroupRemoteGroupAndRemoteIpPrefix", "Only remote_ip_prefix or remote_group_id may be provided."
        )
    if prefix is not None:
        try:
            net = ipaddress.ip_network(prefix, strict=False)
        except ValueError:
            raise faults.invalid(f"'{prefix}' is not a valid IP subnet.") from None
        if f"IPv{net.version}" != ethertype:
            raise faults.bad_input(
                "SecurityGroupRuleParameterConflict", f"Conflicting value ethertype {ethertype} for CIDR {prefix}"
            )
        # Stored as given, only in canonical text (an address alone is a /32 or /128):
        # Neutron returns 10.0.0.5/24 and 0.0.0.0/0 as such, normalized_cidr shows the network.
        prefix = str(ipaddress.ip_interface(prefix))
    return {
        "direction": attrs["direction"],
        "ethertype": ethertype,
        "protocol": protocol,
        "port_range_min": low,
        "port_range_max": high,
        "remote_ip_prefix": prefix,
        "remote_group_id": attrs.get("remote_group_id"),
    }


def _remote_key(prefix: str | None) -> str | None:
    # A rule for 0.0.0.0/0 (or ::/0) matches what one without a prefix matches: the same rule.
    cidr = views.normalized_cidr(prefix)
    return None if cidr is None or cidr.endswith("/0") else cidr


def _same(rule: SecurityGroupRule, values: dict[str, Any]) -> bool:
    return all(
        _remote_key(getattr(rule, k)) == _remote_key(v) if k == "remote_ip_prefix" else getattr(rule, k) == v
        for k, v in values.items()
    )


async def create_rule(db: Database, ctx: RequestContext, project_id: str, attrs: dict[str, Any]) -> dict[str, Any]:
    values = normalize_rule(attrs)

    async def work(session: AsyncSession) -> dict[str, Any]:
        sg = await load(session, ctx, attrs["security_group_id"])
        policy.enforce(ctx, "create_security_group_rule", _rule_target(project_id, sg.project_id))
        if values["remote_group_id"]:
            await load(session, ctx, values["remote_group_id"])
        existing = await session.scalars(select(SecurityGroupRule).where(SecurityGroupRule.security_group_id == sg.id))
        for r in existing:
            if _same(r, values):
                raise faults.conflict(
                    "SecurityGroupRuleExists", f"Security group rule already exists. Rule id is {r.id}."
                )
        await quotas.check(session, sg.project_id, "security_group_rule")
        rule = SecurityGroupRule(
            project_id=sg.project_id, security_group_id=sg.id, description=attrs.get("description", ""), **values
        )
        session.add(rule)
        sg.revision_number += 1
        await session.flush()
        return views.rule(rule)

    return await txn.write(db, work)


def _rule_target(project_id: str | None, group_project_id: str | None) -> dict[str, Any]:
    return policy.owned(project_id, **{"security_group:project_id": group_project_id})


async def _load_rule(
    session: AsyncSession, ctx: RequestContext, rule_id: str, action: str | None = None
) -> SecurityGroupRule:
    """The rule if the caller may see it (get_security_group_rule); with ``action``, if that
    rule allows it. A rule belongs to its group's project here, so that is its group's owner."""
    rule = await session.get(SecurityGroupRule, rule_id)
    if rule is None or not policy.allowed(
        ctx, "get_security_group_rule", _rule_target(rule.project_id, rule.project_id)
    ):
        raise faults.not_found("SecurityGroupRule", rule_id)
    if action is not None:
        policy.enforce(ctx, action, _rule_target(rule.project_id, rule.project_id))
    return rule


async def get_rule(db: Database, ctx: RequestContext, rule_id: str) -> dict[str, Any]:
    async with db.reader() as session:
        return views.rule(await _load_rule(session, ctx, rule_id))


async def list_rules(db: Database, ctx: RequestContext) -> list[dict[str, Any]]:
    async with db.reader() as session:
        stmt = select(SecurityGroupRule)
        if not policy.is_admin(ctx):
            stmt = stmt.where(SecurityGroupRule.project_id == ctx.project_id)
        return [views.rule(r) for r in await session.scalars(stmt)]


async def delete_rule(db: Database, ctx: RequestContext, rule_id: str) -> str:
    """Delete the rule; return its group's id."""

    async def work(session: AsyncSession) -> str:
        rule = await _load_rule(session, ctx, rule_id, "delete_security_group_rule")
        await session.delete(rule)
        return rule.security_group_id

    return await txn.write(db, work)


async def rules_for(session: AsyncSession, sg_ids: list[str]) -> list[dict[str, Any]]:
    """The rules of ``sg_ids`` as the agent's firewall needs them."""
    if not sg_ids:
        return []
    rows = await session.scalars(select(SecurityGroupRule).where(SecurityGroupRule.security_group_id.in_(sg_ids)))
    return [views.rule(r) for r in rows]

"""Security groups: Neutron's groups and rules as EC2's groups and IP permissions."""

from __future__ import annotations

from typing import Any

from pocketstack.client import ApiError
from pocketstack.ec2.actions.common import matches, requested_tags, string_tags, tag_set, uuid_of
from pocketstack.ec2.actions.tags import put_string_tags
from pocketstack.ec2.call import Call, api_error
from pocketstack.ec2.errors import Ec2Error
from pocketstack.ec2.params import Params

PROTOCOLS = {"6": "tcp", "17": "udp", "1": "icmp", "58": "icmpv6", "-1": None, "all": None}


async def group_ids(call: Call, groups: list[dict[str, Any]]) -> dict[str, str]:
    return await call.ids.ec2_ids("security_group", "sg", [str(g["id"]) for g in groups])


async def find_group(call: Call, params: Params | None = None) -> dict[str, Any]:
    """The group named by GroupId or GroupName."""
    params = params or call.params
    ident, name = params.get("GroupId"), params.get("GroupName")
    if ident:
        uuid = await uuid_of(call, "security_group", ident)
        found = await call.api.network.security_groups(id=uuid, project_id=call.project_id)
        if not found:
            raise Ec2Error("InvalidGroup.NotFound", f"The security group '{ident}' does not exist")
        return found[0]
    if name:
        found = await call.api.network.security_groups(name=name, project_id=call.project_id)
        if not found:
            raise Ec2Error("InvalidGroup.NotFound", f"The security group '{name}' does not exist")
        return found[0]
    raise Ec2Error("MissingParameter", "The request must contain the parameter GroupId or GroupName")


def _permission(rule: dict[str, Any], sg_ids: dict[str, str]) -> dict[str, Any]:
    protocol = rule.get("protocol")
    item: dict[str, Any] = {"ipProtocol": protocol or "-1"}
    if protocol in ("tcp", "udp"):
        item["fromPort"] = rule.get("port_range_min") or 0
        item["toPort"] = rule.get("port_range_max") or 65535
    elif protocol in ("icmp", "icmpv6"):
        low, high = rule.get("port_range_min"), rule.get("port_range_max")
        item["fromPort"] = -1 if low is None else low
        item["toPort"] = -1 if high is None else high
    prefix = rule.get("remote_ip_prefix")
    remote = rule.get("remote_group_id")
    item["groups"] = [{"groupId": sg_ids.get(str(remote), ""), "userId": rule.get("project_id")}] if remote else []
    v6 = rule.get("ethertype") == "IPv6"
    if not remote:
        prefix = prefix or ("::/0" if v6 else "0.0.0.0/0")
    item["ipRanges"] = [{"cidrIp": prefix}] if prefix and not v6 else []
    item["ipv6Ranges"] = [{"cidrIpv6": prefix}] if prefix and v6 else []
    item["prefixListIds"] = []
    return item


def render(group: dict[str, Any], sg_ids: dict[str, str]) -> dict[str, Any]:
    rules = group.get("security_group_rules") or []
    return {
        "ownerId": group.get("project_id"),
        "groupId": sg_ids[str(group["id"])],
        "groupName": group.get("name"),
        "groupDescription": group.get("description") or "",
        "ipPermissions": [_permission(r, sg_ids) for r in rules if r.get("direction") == "ingress"],
        "ipPermissionsEgress": [_permission(r, sg_ids) for r in rules if r.get("direction") == "egress"],
        "tagSet": tag_set(string_tags(group.get("tags"))),
    }


async def create_security_group(call: Call) -> dict[str, Any]:
    name = call.params.require("GroupName")
    description = call.params.require("GroupDescription")
    if len(name) > 255 or len(description) > 255:
        raise Ec2Error("InvalidParameterValue", "GroupName and GroupDescription are at most 255 characters")
    if await call.api.network.security_groups(name=name, project_id=call.project_id):
        raise Ec2Error("InvalidGroup.Duplicate", f"The security group '{name}' already exists")
    group = await call.api.network.create_security_group(name, description)
    tags = requested_tags(call, "security-group")
    if tags:
        await put_string_tags(call, "security_group", str(group["id"]), tags, [])
    return {
        "return": True,
        "groupId": (await group_ids(call, [group]))[str(group["id"])],
        "tagSet": tag_set(tags),
    }


async def describe_security_groups(call: Call) -> dict[str, Any]:
    groups = await call.api.network.security_groups(project_id=call.project_id)
    sg_ids = await group_ids(call, groups)
    wanted_ids = call.params.strings("GroupId")
    wanted_names = call.params.strings("GroupName")
    have_ids, have_names = set(sg_ids.values()), {g.get("name") for g in groups}
    for ident in wanted_ids:
        if ident not in have_ids:
            raise Ec2Error("InvalidGroup.NotFound", f"The security group '{ident}' does not exist")
    for name in wanted_names:
        if name not in have_names:
            raise Ec2Error("InvalidGroup.NotFound", f"The security group '{name}' does not exist")
    filters = call.params.filters()
    out = []
    for group in sorted(groups, key=lambda g: str(g.get("created_at"))):
        item = render(group, sg_ids)
        if wanted_ids and item["groupId"] not in wanted_ids:
            continue
        if wanted_names and item["groupName"] not in wanted_names:
            continue
        values = {
            "group-id": [item["groupId"]],
            "group-name": [str(item["groupName"])],
            "description": [item["groupDescription"]],
            "owner-id": [str(item["ownerId"])],
        }
        if matches(filters, values, string_tags(group.get("tags"))):
            out.append(item)
    return {"securityGroupInfo": out}


async def delete_security_group(call: Call) -> dict[str, Any]:
    group = await find_group(call)
    try:
        await call.api.network.delete_security_group(str(group["id"]))
    except ApiError as exc:
        if exc.status == 409:
            raise Ec2Error(
                "DependencyViolation", f"resource {call.params.get('GroupId') or group['id']} has a dependent object"
            ) from None
        if exc.status == 400 and group.get("name") == "default":
            raise Ec2Error("CannotDelete", 'the specified group: "default" name cannot be deleted by a user') from None
        raise api_error(exc) from None
    return {"return": True}


async def _wanted_rules(call: Call, direction: str) -> list[dict[str, Any]]:
    """The Neutron rules the request's IpPermissions (or its flat legacy form) stand for."""
    permissions = call.params.structs("IpPermissions") or ([call.params] if call.params.get("IpProtocol") else [])
    if not permissions:
        raise Ec2Error("MissingParameter", "The request must contain the parameter IpPermissions")
    rules: list[dict[str, Any]] = []
    for perm in permissions:
        raw = (perm.require("IpProtocol")).lower()
        if raw not in PROTOCOLS and raw not in PROTOCOLS.values():
            raise Ec2Error("InvalidParameterValue", f"Invalid value '{raw}' for IP protocol. Unknown protocol.")
        protocol = PROTOCOLS.get(raw, raw)
        low = perm.int("FromPort", None, minimum=-1, maximum=65535)
        high = perm.int("ToPort", None, minimum=-1, maximum=65535)
        base: dict[str, Any] = {"direction": direction, "protocol": protocol}
        if protocol in ("tcp", "udp"):
            if low is None or high is None or low < 0 or high < low:
                raise Ec2Error("InvalidParameterValue", f"Invalid port range: {low}-{high}")
            base.update(port_range_min=low, port_range_max=high)
        elif protocol in ("icmp", "icmpv6"):
            base.update(
                port_range_min=None if low in (None, -1) else low, port_range_max=None if high in (None, -1) else high
            )
        remotes: list[dict[str, Any]] = []
        cidrs = [r.require("CidrIp") for r in perm.structs("IpRanges")] + (
            [perm.get("CidrIp") or ""] if perm.get("CidrIp") else []
        )
        remotes += [{"ethertype": "IPv4", "remote_ip_prefix": c} for c in cidrs]
        remotes += [
            {"ethertype": "IPv6", "remote_ip_prefix": r.require("CidrIpv6")} for r in perm.structs("Ipv6Ranges")
        ]
        for pair in perm.structs("Groups"):
            source = await find_group(call, pair)
            remotes.append({"ethertype": "IPv4", "remote_group_id": str(source["id"])})
        if perm.get("SourceSecurityGroupName"):
            source = await find_group(call, Params({"GroupName": perm.get("SourceSecurityGroupName") or ""}))
            remotes.append({"ethertype": "IPv4", "remote_group_id": str(source["id"])})
        if not remotes:
            remotes = [{"ethertype": "IPv4", "remote_ip_prefix": "0.0.0.0/0"}]
        rules += [{**base, **remote} for remote in remotes]
    return rules


def _same(rule: dict[str, Any], wanted: dict[str, Any]) -> bool:
    norm = {"0.0.0.0/0": None, "::/0": None}
    for key in ("direction", "protocol", "ethertype", "port_range_min", "port_range_max", "remote_group_id"):
        if rule.get(key) != wanted.get(key):
            return False
    have = rule.get("remote_ip_prefix")
    want = wanted.get("remote_ip_prefix")
    return norm.get(str(have), have) == norm.get(str(want), want)


async def _authorize(call: Call, direction: str) -> dict[str, Any]:
    group = await find_group(call)
    for rule in await _wanted_rules(call, direction):
        try:
            await call.api.network.create_security_group_rule(str(group["id"]), **rule)
        except ApiError as exc:
            if exc.status == 409:
                raise Ec2Error("InvalidPermission.Duplicate", "the specified rule already exists") from None
            raise api_error(exc) from None
    return {"return": True}


async def _revoke(call: Call, direction: str) -> dict[str, Any]:
    group = await find_group(call)
    existing = group.get("security_group_rules") or []
    doomed = []
    for wanted in await _wanted_rules(call, direction):
        rule = next((r for r in existing if _same(r, wanted)), None)
        if rule is None:
            raise Ec2Error("InvalidPermission.NotFound", "The specified rule does not exist in this security group.")
        doomed.append(str(rule["id"]))
    for rule_id in doomed:
        await call.api.network.delete_security_group_rule(rule_id)
    return {"return": True}


async def authorize_security_group_ingress(call: Call) -> dict[str, Any]:
    return await _authorize(call, "ingress")


async def authorize_security_group_egress(call: Call) -> dict[str, Any]:
    return await _authorize(call, "egress")


async def revoke_security_group_ingress(call: Call) -> dict[str, Any]:
    return await _revoke(call, "ingress")


async def revoke_security_group_egress(call: Call) -> dict[str, Any]:
    return await _revoke(call, "egress")

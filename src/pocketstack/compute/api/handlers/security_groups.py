"""The security group proxy (os-security-groups, os-security-group-rules; until 2.36):
the network service's groups as nova-network showed them. Only ingress rules are shown
and made, as in Nova with Neutron."""

from __future__ import annotations

import ipaddress
import uuid
from typing import Any

from pocketstack.common.errors import Conflict, Invalid, NotFound
from pocketstack.compute.api import policy
from pocketstack.compute.api.common import at_least, body, service
from pocketstack.web.paths import segment
from pocketstack.web.request import Request
from pocketstack.web.response import Response, empty, json_response


def _gone(request: Request) -> None:
    if at_least(request, 36):
        raise NotFound("The resource could not be found.")


def rule_view(rule: dict[str, Any], remote_names: dict[str, dict[str, str]]) -> dict[str, Any]:
    """A network rule as Nova shows it: a protocol without ports opens all of them (1-65535
    for TCP/UDP, -1 otherwise); a rule names either its remote group or its CIDR."""
    protocol = rule.get("protocol")
    low, high = rule.get("port_range_min"), rule.get("port_range_max")
    if protocol and low is None and high is None:
        low, high = (1, 65535) if str(protocol).upper() in ("TCP", "UDP") else (-1, -1)
    data: dict[str, Any] = {
        "id": rule["id"],
        "parent_group_id": rule["security_group_id"],
        "ip_protocol": protocol,
        "from_port": low,
        "to_port": high,
        "group": {},
        "ip_range": {},
    }
    remote = rule.get("remote_group_id")
    if remote:
        data["group"] = remote_names.get(remote, {"name": remote})
    else:
        data["ip_range"] = {"cidr": rule.get("remote_ip_prefix") or "0.0.0.0/0"}
    return data


def group_view(group: dict[str, Any], remote_names: dict[str, dict[str, str]]) -> dict[str, Any]:
    return {
        "id": group["id"],
        "name": group.get("name") or "",
        "description": group.get("description") or "",
        "tenant_id": group.get("project_id") or group.get("tenant_id") or "",
        "rules": [
            rule_view(r, remote_names) for r in group.get("security_group_rules", []) if r.get("direction") == "ingress"
        ],
    }


def remote_names(groups: list[dict[str, Any]]) -> dict[str, dict[str, str]]:
    """``{id: {"name", "tenant_id"}}`` of groups, for the rules that name them."""
    return {g["id"]: {"name": g.get("name") or "", "tenant_id": g.get("project_id") or ""} for g in groups}


async def _groups(request: Request, project_id: str | None) -> list[dict[str, Any]]:
    params = {"project_id": project_id} if project_id else {}
    found = await service(request).network.for_user(
        "GET", "/security-groups", request.context.auth_token, params=params
    )
    groups: list[dict[str, Any]] = found.get("security_groups", [])
    return groups


def _check_id(ident: str, what: str = "Security group id") -> str:
    """Nova (with Neutron) checks ids are UUIDs before asking: 400 otherwise; an empty
    one is a path that names nothing (404)."""
    if not ident:
        raise NotFound("The resource could not be found.")
    try:
        uuid.UUID(ident)
    except ValueError:
        raise Invalid(f"{what} should be uuid") from None
    return ident


async def _group(request: Request, group_id: str) -> dict[str, Any]:
    _check_id(group_id)
    try:
        found = await service(request).network.for_user(
            "GET", f"/security-groups/{segment(group_id)}", request.context.auth_token
        )
    except (NotFound, Invalid):
        raise NotFound(f"Security group {group_id} not found.") from None
    group: dict[str, Any] = found["security_group"]
    return group


def _text(data: dict[str, Any], key: str, *, required: bool, min_length: int) -> str | None:
    """A name or description as Nova checks them for Neutron: a string of at most 255
    characters once stripped, a name not empty."""
    value = data.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, str):
        raise Invalid(f"Security group {key} is not a string or unicode")
    if not min_length <= len(value.strip()) <= 255:
        raise Invalid(f"{key} has a length of {len(value.strip())}: it must be {min_length} to 255 characters.")
    return value  # checked stripped, kept as sent


def _section(data: Any, key: str) -> dict[str, Any]:
    if not isinstance(data, dict) or not isinstance(data.get(key), dict):
        raise Invalid(f"The request body must contain a '{key}' object.")
    section: dict[str, Any] = data[key]
    return section


async def index(request: Request) -> Response:
    ctx = request.context
    policy.reader(ctx, "os_compute_api:os-security-groups:get")
    _gone(request)
    all_tenants = (request.param("all_tenants") or "").lower() in ("1", "true", "yes", "on", "t", "y")
    groups = await _groups(request, None if all_tenants and ctx.is_admin else ctx.project_id)
    offset = request.int_param("offset", 0, minimum=0) or 0
    limit = request.int_param("limit", None, minimum=0)
    page = groups[offset:] if limit is None else groups[offset : offset + limit]
    names = remote_names(groups)
    return json_response({"security_groups": [group_view(g, names) for g in page]})


async def show(request: Request) -> Response:
    policy.reader(request.context, "os_compute_api:os-security-groups:show")
    _gone(request)
    group = await _group(request, request.path_params["group_id"])
    names = remote_names(await _groups(request, group.get("project_id")))
    return json_response({"security_group": group_view(group, names)})


async def create(request: Request) -> Response:
    ctx = request.context
    policy.member(ctx, "os_compute_api:os-security-groups:create")
    _gone(request)
    data = _section(await body(request), "security_group")
    name = _text(data, "name", required=True, min_length=1)
    description = _text(data, "description", required=True, min_length=0)
    made = await service(request).network.for_user(
        "POST", "/security-groups", ctx.auth_token, json={"security_group": {"name": name, "description": description}}
    )
    group: dict[str, Any] = made["security_group"]
    return json_response({"security_group": group_view(group, remote_names([group]))})


async def update(request: Request) -> Response:
    ctx = request.context
    policy.member(ctx, "os_compute_api:os-security-groups:update")
    _gone(request)
    group_id = request.path_params["group_id"]
    data = _section(await body(request), "security_group")
    changes = {}
    for key, min_length in (("name", 1), ("description", 0)):
        value = _text(data, key, required=False, min_length=min_length)
        if value is not None:
            changes[key] = value
    await _group(request, group_id)
    made = await service(request).network.for_user(
        "PUT", f"/security-groups/{segment(group_id)}", ctx.auth_token, json={"security_group": changes}
    )
    group: dict[str, Any] = made["security_group"]
    return json_response({"security_group": group_view(group, remote_names([group]))})


async def delete(request: Request) -> Response:
    ctx = request.context
    policy.member(ctx, "os_compute_api:os-security-groups:delete")
    _gone(request)
    group = await _group(request, request.path_params["group_id"])
    if group.get("name") == "default":
        raise Invalid("Removing default security group not allowed.")
    try:
        await service(request).network.for_user("DELETE", f"/security-groups/{segment(group['id'])}", ctx.auth_token)
    except Conflict as exc:
        raise Invalid(exc.message) from None  # in use: Nova answers 400
    return empty(202)


def _port(value: Any, what: str) -> int | None:
    if value is None or value == "":
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        raise Invalid(f"{what} must be integers") from None


def _rule_body(data: dict[str, Any]) -> dict[str, Any]:
    """The network rule for a Nova rule request (Nova's checks and defaults): a source
    group opens every port of its protocol when none is named; a CIDR rule needs a
    protocol and both ports."""
    protocol = data.get("ip_protocol")
    proto = str(protocol).upper() if protocol else ""
    what = "Type and Code" if proto == "ICMP" else "To and From ports"
    low, high = _port(data.get("from_port"), what), _port(data.get("to_port"), what)
    rule: dict[str, Any] = {"direction": "ingress", "ethertype": "IPv4"}
    group_id = data.get("group_id")
    if group_id:
        rule["remote_group_id"] = str(group_id)
        if low is None and high is None and proto in ("TCP", "UDP", "ICMP"):
            low, high = (-1, -1) if proto == "ICMP" else (1, 65535)
    else:
        cidr = data.get("cidr") or "0.0.0.0/0"
        try:
            network = ipaddress.ip_network(str(cidr), strict=False)
        except ValueError:
            raise Invalid(f"Invalid cidr {cidr}.") from None
        rule["remote_ip_prefix"] = str(cidr)
        rule["ethertype"] = "IPv6" if network.version == 6 else "IPv4"
    if not (protocol and low is not None and high is not None):
        if not group_id:
            raise Invalid("Not enough parameters to build a valid rule.")
        return rule
    if proto not in ("TCP", "UDP", "ICMP"):
        raise Invalid(f"Invalid IP protocol {protocol}.")
    if proto in ("TCP", "UDP") and low > high:
        raise Invalid(f"Invalid port range {low}:{high}. Former value cannot be greater than the later")
    if proto in ("TCP", "UDP") and (low < 1 or high > 65535):
        raise Invalid(f"Invalid port range {low}:{high}. Valid {proto} ports should be between 1-65535")
    if proto == "ICMP" and not (-1 <= low <= 255 and -1 <= high <= 255):
        raise Invalid(f"Invalid port range {low}:{high}. For ICMP, the type:code must be valid")
    rule["protocol"] = proto.lower()
    if proto == "ICMP":
        # The network API's ICMP type and code; -1 (any) is no value there.
        rule.update({"port_range_min": None if low < 0 else low, "port_range_max": None if high < 0 else high})
    else:
        rule.update({"port_range_min": low, "port_range_max": high})
    return rule


async def rule_create(request: Request) -> Response:
    ctx = request.context
    policy.member(ctx, "os_compute_api:os-security-groups:rule_create")
    _gone(request)
    data = _section(await body(request), "security_group_rule")
    parent = data.get("parent_group_id")
    if not parent:
        raise Invalid("Invalid input for field/attribute parent_group_id: a security group id is required")
    group = await _group(request, str(parent))
    rule = {**_rule_body(data), "security_group_id": group["id"]}
    names = remote_names([group])
    if rule.get("remote_group_id"):
        names.update(remote_names([await _group(request, rule["remote_group_id"])]))
    try:
        made = await service(request).network.for_user(
            "POST", "/security-group-rules", ctx.auth_token, json={"security_group_rule": rule}
        )
    except Conflict:
        raise Invalid(f"Security group rule already exists. Group id is {group['id']}.") from None
    return json_response({"security_group_rule": rule_view(made["security_group_rule"], names)})


async def rule_delete(request: Request) -> Response:
    ctx = request.context
    policy.member(ctx, "os_compute_api:os-security-groups:rule_delete")
    _gone(request)
    rule_id = _check_id(request.path_params["rule_id"], "Security group rule id")
    try:
        await service(request).network.for_user("DELETE", f"/security-group-rules/{segment(rule_id)}", ctx.auth_token)
    except (NotFound, Invalid):
        raise NotFound(f"Security group rule {rule_id} not found.") from None
    return empty(202)

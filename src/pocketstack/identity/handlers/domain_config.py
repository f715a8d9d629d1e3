"""``/v3/domains/{domain_id}/config``: per-domain configuration overrides.

Keystone lets a domain carry its own ``[identity]`` and ``[ldap]`` options (for
domain-specific identity drivers); only whitelisted options are accepted and sensitive
ones (the LDAP password) are stored but never shown. pocketstack keeps and serves the
configuration; it has no LDAP driver to apply it to (docs/api-coverage.md).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pocketstack.common.errors import Forbidden, Invalid, NotFound
from pocketstack.identity import models as m
from pocketstack.identity import policy, schemas
from pocketstack.identity.handlers.common import get_or_404
from pocketstack.web.request import Request
from pocketstack.web.response import Response, empty, json_response
from pocketstack.web.validation import validate

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from pocketstack.identity.service import IdentityService

# The options a domain may override, with the defaults the cloud runs with.
DEFAULTS: dict[str, dict[str, Any]] = {
    "identity": {"driver": "sql", "list_limit": None},
    "ldap": {
        "url": "ldap://localhost",
        "user": None,
        "suffix": "cn=example,cn=com",
        "query_scope": "one",
        "user_tree_dn": None,
        "user_filter": None,
        "user_objectclass": "inetOrgPerson",
        "user_id_attribute": "cn",
        "user_name_attribute": "sn",
        "user_mail_attribute": "mail",
        "user_description_attribute": "description",
        "user_pass_attribute": "userPassword",
        "user_enabled_attribute": "enabled",
        "user_enabled_invert": False,
        "user_enabled_mask": 0,
        "user_enabled_default": "True",
        "group_tree_dn": None,
        "group_filter": None,
        "group_objectclass": "groupOfNames",
        "group_id_attribute": "cn",
        "group_name_attribute": "ou",
        "group_member_attribute": "member",
        "group_desc_attribute": "description",
        "use_tls": False,
        "tls_req_cert": "demand",
        "tls_cacertfile": None,
        "use_pool": True,
        "pool_size": 10,
    },
}
SENSITIVE = {"ldap": {"password"}}


def _check(config: dict[str, dict[str, Any]]) -> None:
    """403 for a group or option a domain may not set (Keystone's InvalidDomainConfig)."""
    for group, options in config.items():
        if group not in DEFAULTS:
            raise Forbidden(f"Invalid domain specific configuration: group {group} is not supported.")
        for option in options:
            if option not in DEFAULTS[group] and option not in SENSITIVE.get(group, set()):
                raise Forbidden(f"Invalid domain specific configuration: option {option} in group {group}.")


def _shown(config: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {
        group: {k: v for k, v in options.items() if k not in SENSITIVE.get(group, set())}
        for group, options in config.items()
    }


async def _stored(s: AsyncSession, domain_id: str) -> m.DomainConfig:
    await get_or_404(s, m.Domain, domain_id)
    row = await s.get(m.DomainConfig, domain_id)
    if row is None:
        raise NotFound(f"Could not find domain config: {domain_id}.")
    return row


def _group(config: dict[str, dict[str, Any]], group: str) -> dict[str, Any]:
    if group not in config:
        raise NotFound(f"Could not find domain config group: {group}.")
    return config[group]


async def create(svc: IdentityService, req: Request) -> Response:
    policy.admin(req.context, "create_domain_config")
    config = validate(schemas.DOMAIN_CONFIG, await req.json())["config"]
    _check(config)
    domain_id = req.path_params["domain_id"]
    async with svc.db.writer() as s:
        await get_or_404(s, m.Domain, domain_id)
        row = await s.get(m.DomainConfig, domain_id)
        status = 201 if row is None else 200
        if row is None:
            s.add(m.DomainConfig(domain_id=domain_id, config=config))
        else:
            row.config = config
    return json_response({"config": _shown(config)}, status)


async def show(svc: IdentityService, req: Request) -> Response:
    policy.admin(req.context, "get_domain_config")
    async with svc.db.reader() as s:
        row = await _stored(s, req.path_params["domain_id"])
    config = _shown(row.config)
    group, option = req.path_params.get("group"), req.path_params.get("option")
    if group is None:
        return json_response({"config": config})
    options = _group(config, group)
    if option is None:
        return json_response({"config": {group: options}})
    if option not in options:
        raise NotFound(f"Could not find domain config option {option} in group {group}.")
    return json_response({"config": {option: options[option]}})


async def update(svc: IdentityService, req: Request) -> Response:
    policy.admin(req.context, "update_domain_config")
    group, option = req.path_params.get("group"), req.path_params.get("option")
    body = await req.json()
    if group is None:
        change = validate(schemas.DOMAIN_CONFIG, body)["config"]
    elif option is None:
        change = validate(schemas.DOMAIN_CONFIG_GROUP, body)["config"]
        if set(change) != {group}:
            raise Invalid(f"Invalid input for field 'config': only group {group} may be given here")
    else:
        values = validate(schemas.DOMAIN_CONFIG_OPTION, body)["config"]
        if set(values) != {option}:
            raise Invalid(f"Invalid input for field 'config': only option {option} may be given here")
        change = {group: values}
    _check(change)
    async with svc.db.writer() as s:
        row = await _stored(s, req.path_params["domain_id"])
        merged = {g: dict(o) for g, o in row.config.items()}
        for g, options in change.items():
            if option is not None:
                _group(merged, g)
            merged.setdefault(g, {}).update(options)
        row.config = merged
    return json_response({"config": _shown(merged)})


async def delete(svc: IdentityService, req: Request) -> Response:
    policy.admin(req.context, "delete_domain_config")
    group, option = req.path_params.get("group"), req.path_params.get("option")
    async with svc.db.writer() as s:
        row = await _stored(s, req.path_params["domain_id"])
        if group is None:
            await s.delete(row)
            return empty(204)
        config = {g: dict(o) for g, o in row.config.items()}
        options = _group(config, group)
        if option is None:
            del config[group]
        elif option in options:
            del options[option]
        else:
            raise NotFound(f"Could not find domain config option {option} in group {group}.")
        row.config = config
    return empty(204)


async def defaults(svc: IdentityService, req: Request) -> Response:
    policy.admin(req.context, "get_domain_config_default")
    group, option = req.path_params.get("group"), req.path_params.get("option")
    if group is None:
        return json_response({"config": DEFAULTS})
    if group not in DEFAULTS:
        raise Forbidden(f"Invalid domain specific configuration: group {group} is not supported.")
    if option is None:
        return json_response({"config": {group: DEFAULTS[group]}})
    if option not in DEFAULTS[group]:
        raise Forbidden(f"Invalid domain specific configuration: option {option} in group {group}.")
    return json_response({"config": {option: DEFAULTS[group][option]}})

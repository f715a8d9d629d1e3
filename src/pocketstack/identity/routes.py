"""The identity API route table (Keystone v3)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import partial
from typing import TYPE_CHECKING, Any

from pocketstack.identity.handlers import (
    access_rules,
    app_creds,
    catalog,
    consumers,
    credentials,
    domain_config,
    domains,
    endpoint_groups,
    grants,
    groups,
    limits,
    policies,
    projects,
    roles,
    tokens,
    trusts,
    users,
    versions,
)
from pocketstack.web.routing import Route

if TYPE_CHECKING:
    from pocketstack.identity.service import IdentityService


def routes(svc: IdentityService) -> list[Route]:
    def r(method: str, path: str, handler: Callable[..., Awaitable[Any]], auth: bool = True) -> Route:
        return Route(method, path, partial(handler, svc), auth=auth)

    table = [
        Route("GET", "/", versions.root, auth=False),
        Route("GET", "/v3", versions.v3, auth=False),
        r("POST", "/v3/auth/tokens", tokens.issue, auth=False),
        r("GET", "/v3/auth/tokens", tokens.show),
        r("HEAD", "/v3/auth/tokens", tokens.check),
        r("DELETE", "/v3/auth/tokens", tokens.revoke),
        r("GET", "/v3/auth/catalog", tokens.catalog),
        r("GET", "/v3/auth/projects", tokens.projects),
        r("GET", "/v3/auth/domains", tokens.domains),
        r("GET", "/v3/auth/system", tokens.system),
        r("GET", "/v3/OS-REVOKE/events", tokens.revocation_events),
        r("GET", "/v3/domains", domains.list_),
        r("POST", "/v3/domains", domains.create),
        r("GET", "/v3/domains/{domain_id}", domains.show),
        r("PATCH", "/v3/domains/{domain_id}", domains.update),
        r("DELETE", "/v3/domains/{domain_id}", domains.delete),
        r("GET", "/v3/domains/config/default", domain_config.defaults),
        r("GET", "/v3/domains/config/{group}/default", domain_config.defaults),
        r("GET", "/v3/domains/config/{group}/{option}/default", domain_config.defaults),
        r("PUT", "/v3/domains/{domain_id}/config", domain_config.create),
        r("GET", "/v3/projects", projects.list_),
        r("POST", "/v3/projects", projects.create),
        r("GET", "/v3/projects/{project_id}", projects.show),
        r("PATCH", "/v3/projects/{project_id}", projects.update),
        r("DELETE", "/v3/projects/{project_id}", projects.delete),
        r("GET", "/v3/projects/{project_id}/tags", projects.list_tags),
        r("PUT", "/v3/projects/{project_id}/tags", projects.replace_tags),
        r("DELETE", "/v3/projects/{project_id}/tags", projects.delete_tags),
        r("GET", "/v3/projects/{project_id}/tags/{tag}", projects.check_tag),
        r("PUT", "/v3/projects/{project_id}/tags/{tag}", projects.add_tag),
        r("DELETE", "/v3/projects/{project_id}/tags/{tag}", projects.delete_tag),
        r("GET", "/v3/users", users.list_),
        r("POST", "/v3/users", users.create),
        r("GET", "/v3/users/{user_id}", users.show),
        r("PATCH", "/v3/users/{user_id}", users.update),
        r("DELETE", "/v3/users/{user_id}", users.delete),
        r("POST", "/v3/users/{user_id}/password", users.change_password),
        r("GET", "/v3/users/{user_id}/groups", users.groups),
        r("GET", "/v3/users/{user_id}/projects", users.projects),
        r("GET", "/v3/users/{user_id}/application_credentials", app_creds.list_),
        r("POST", "/v3/users/{user_id}/application_credentials", app_creds.create),
        r("GET", "/v3/users/{user_id}/application_credentials/{application_credential_id}", app_creds.show),
        r("DELETE", "/v3/users/{user_id}/application_credentials/{application_credential_id}", app_creds.delete),
        r("GET", "/v3/users/{user_id}/access_rules", access_rules.list_),
        r("GET", "/v3/users/{user_id}/access_rules/{access_rule_id}", access_rules.show),
        r("DELETE", "/v3/users/{user_id}/access_rules/{access_rule_id}", access_rules.delete),
        r("GET", "/v3/users/{user_id}/credentials/OS-EC2", credentials.ec2_list),
        r("POST", "/v3/users/{user_id}/credentials/OS-EC2", credentials.ec2_create),
        r("GET", "/v3/users/{user_id}/credentials/OS-EC2/{access}", credentials.ec2_show),
        r("DELETE", "/v3/users/{user_id}/credentials/OS-EC2/{access}", credentials.ec2_delete),
        r("GET", "/v3/credentials", credentials.list_),
        r("POST", "/v3/credentials", credentials.create),
        r("GET", "/v3/credentials/{credential_id}", credentials.show),
        r("PATCH", "/v3/credentials/{credential_id}", credentials.update),
        r("DELETE", "/v3/credentials/{credential_id}", credentials.delete),
        r("GET", "/v3/groups", groups.list_),
        r("POST", "/v3/groups", groups.create),
        r("GET", "/v3/groups/{group_id}", groups.show),
        r("PATCH", "/v3/groups/{group_id}", groups.update),
        r("DELETE", "/v3/groups/{group_id}", groups.delete),
        r("GET", "/v3/groups/{group_id}/users", groups.users),
        r("PUT", "/v3/groups/{group_id}/users/{user_id}", groups.add_user),
        r("HEAD", "/v3/groups/{group_id}/users/{user_id}", groups.check_user),
        r("GET", "/v3/groups/{group_id}/users/{user_id}", groups.check_user),
        r("DELETE", "/v3/groups/{group_id}/users/{user_id}", groups.remove_user),
        r("GET", "/v3/roles", roles.list_),
        r("POST", "/v3/roles", roles.create),
        r("GET", "/v3/roles/{role_id}", roles.show),
        r("PATCH", "/v3/roles/{role_id}", roles.update),
        r("DELETE", "/v3/roles/{role_id}", roles.delete),
        r("GET", "/v3/roles/{role_id}/implies", roles.list_implied),
        r("PUT", "/v3/roles/{role_id}/implies/{implied_role_id}", roles.create_implied),
        r("GET", "/v3/roles/{role_id}/implies/{implied_role_id}", roles.show_implied),
        r("HEAD", "/v3/roles/{role_id}/implies/{implied_role_id}", roles.show_implied),
        r("DELETE", "/v3/roles/{role_id}/implies/{implied_role_id}", roles.delete_implied),
        r("GET", "/v3/role_inferences", roles.inferences),
        r("GET", "/v3/role_assignments", grants.assignments),
        r("GET", "/v3/registered_limits", limits.list_registered),
        r("POST", "/v3/registered_limits", limits.create_registered),
        r("GET", "/v3/registered_limits/{registered_limit_id}", limits.show_registered),
        r("PATCH", "/v3/registered_limits/{registered_limit_id}", limits.update_registered),
        r("DELETE", "/v3/registered_limits/{registered_limit_id}", limits.delete_registered),
        r("GET", "/v3/limits/model", limits.model),
        r("GET", "/v3/limits", limits.list_limits),
        r("POST", "/v3/limits", limits.create_limits),
        r("GET", "/v3/limits/{limit_id}", limits.show_limit),
        r("PATCH", "/v3/limits/{limit_id}", limits.update_limit),
        r("DELETE", "/v3/limits/{limit_id}", limits.delete_limit),
        r("GET", "/v3/policies", policies.list_),
        r("POST", "/v3/policies", policies.create),
        r("GET", "/v3/policies/{policy_id}", policies.show),
        r("PATCH", "/v3/policies/{policy_id}", policies.update),
        r("DELETE", "/v3/policies/{policy_id}", policies.delete),
        r("GET", "/v3/OS-EP-FILTER/endpoint_groups", endpoint_groups.list_),
        r("POST", "/v3/OS-EP-FILTER/endpoint_groups", endpoint_groups.create),
        r("GET", "/v3/OS-EP-FILTER/endpoint_groups/{endpoint_group_id}", endpoint_groups.show),
        r("HEAD", "/v3/OS-EP-FILTER/endpoint_groups/{endpoint_group_id}", endpoint_groups.show),
        r("PATCH", "/v3/OS-EP-FILTER/endpoint_groups/{endpoint_group_id}", endpoint_groups.update),
        r("DELETE", "/v3/OS-EP-FILTER/endpoint_groups/{endpoint_group_id}", endpoint_groups.delete),
        r("GET", "/v3/OS-OAUTH1/consumers", consumers.list_),
        r("POST", "/v3/OS-OAUTH1/consumers", consumers.create),
        r("GET", "/v3/OS-OAUTH1/consumers/{consumer_id}", consumers.show),
        r("PATCH", "/v3/OS-OAUTH1/consumers/{consumer_id}", consumers.update),
        r("DELETE", "/v3/OS-OAUTH1/consumers/{consumer_id}", consumers.delete),
        r("GET", "/v3/OS-TRUST/trusts", trusts.list_),
        r("POST", "/v3/OS-TRUST/trusts", trusts.create),
        r("GET", "/v3/OS-TRUST/trusts/{trust_id}", trusts.show),
        r("DELETE", "/v3/OS-TRUST/trusts/{trust_id}", trusts.delete),
        r("GET", "/v3/OS-TRUST/trusts/{trust_id}/roles", trusts.list_roles),
        r("GET", "/v3/OS-TRUST/trusts/{trust_id}/roles/{role_id}", trusts.show_role),
        r("HEAD", "/v3/OS-TRUST/trusts/{trust_id}/roles/{role_id}", trusts.show_role),
        r("GET", "/v3/regions", catalog.list_regions),
        r("POST", "/v3/regions", catalog.create_region),
        r("GET", "/v3/regions/{region_id}", catalog.show_region),
        r("PUT", "/v3/regions/{region_id}", catalog.create_region),
        r("PATCH", "/v3/regions/{region_id}", catalog.update_region),
        r("DELETE", "/v3/regions/{region_id}", catalog.delete_region),
        r("GET", "/v3/services", catalog.list_services),
        r("POST", "/v3/services", catalog.create_service),
        r("GET", "/v3/services/{service_id}", catalog.show_service),
        r("PATCH", "/v3/services/{service_id}", catalog.update_service),
        r("DELETE", "/v3/services/{service_id}", catalog.delete_service),
        r("GET", "/v3/endpoints", catalog.list_endpoints),
        r("POST", "/v3/endpoints", catalog.create_endpoint),
        r("GET", "/v3/endpoints/{endpoint_id}", catalog.show_endpoint),
        r("PATCH", "/v3/endpoints/{endpoint_id}", catalog.update_endpoint),
        r("DELETE", "/v3/endpoints/{endpoint_id}", catalog.delete_endpoint),
    ]
    # Domain configuration: the whole of it, one group, or one option of a group.
    for tail in ("", "/{group}", "/{group}/{option}"):
        base = "/v3/domains/{domain_id}/config" + tail
        table += [
            r("GET", base, domain_config.show),
            r("PATCH", base, domain_config.update),
            r("DELETE", base, domain_config.delete),
        ]
    # Grants: every (target, actor) pair has the same four calls.
    for target in ("/v3/projects/{project_id}", "/v3/domains/{domain_id}", "/v3/system"):
        for actor in ("users/{user_id}", "groups/{group_id}"):
            base = f"{target}/{actor}/roles"
            table += [
                r("GET", base, grants.list_),
                r("PUT", base + "/{role_id}", grants.grant),
                r("GET", base + "/{role_id}", grants.check),
                r("HEAD", base + "/{role_id}", grants.check),
                r("DELETE", base + "/{role_id}", grants.revoke),
            ]
    # OS-INHERIT: grants inherited by the projects below a domain or project.
    for target in ("domains/{domain_id}", "projects/{project_id}"):
        for actor in ("users/{user_id}", "groups/{group_id}"):
            base = f"/v3/OS-INHERIT/{target}/{actor}/roles"
            table += [
                r("GET", base + "/inherited_to_projects", grants.list_),
                r("PUT", base + "/{role_id}/inherited_to_projects", grants.grant),
                r("GET", base + "/{role_id}/inherited_to_projects", grants.check),
                r("HEAD", base + "/{role_id}/inherited_to_projects", grants.check),
                r("DELETE", base + "/{role_id}/inherited_to_projects", grants.revoke),
            ]
    return table

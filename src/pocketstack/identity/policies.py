"""The identity service's policy rules: Keystone's names and its secure-RBAC defaults
(Keystone's "Policy" reference: ``keystone/common/policies``), for every rule the
handlers check.

Targets as Keystone builds them: ``target.user.id``, ``target.project.id``,
``target.credential.user_id``, ``user_id`` (the owner of an application credential),
...; the token's scope is ``token.domain.id`` and friends. The helpers (``policy.py``)
give ``admin(...)`` checks a target with nothing in it, so only a rule's admin or
system-scope parts can pass there.

Where pocketstack differs, on purpose: a user's own access rules and OAuth1 access
tokens are the user's and an admin's (``SELF_SERVICE``); Keystone lets only system
readers (and the user) see access rules, and only admins list access tokens.
"""

from __future__ import annotations

from pocketstack.common.policy import RuleDefault

SELF_SERVICE = "(rule:admin_required) or user_id:%(target.user.id)s"


def _r(name: str, check: str, description: str, *operations: str) -> RuleDefault:
    return RuleDefault(name, check, description, operations)


RULES = [
    _r(
        "admin_required",
        "role:admin or is_admin:1",
        "An administrator",
    ),
    _r(
        "service_role",
        "role:service",
        "A cloud service (the service role)",
    ),
    _r(
        "service_or_admin",
        "rule:admin_required or rule:service_role",
        "A cloud service or an administrator",
    ),
    _r(
        "owner",
        "user_id:%(user_id)s",
        "The target's owner",
    ),
    _r(
        "admin_or_owner",
        "rule:admin_required or rule:owner",
        "An administrator or the target's project (legacy)",
    ),
    _r(
        "token_subject",
        "user_id:%(target.token.user_id)s",
        "The token's own subject",
    ),
    _r(
        "service_admin_or_token_subject",
        "rule:service_or_admin or rule:token_subject",
        "A service, an administrator or the token's own subject",
    ),
    _r(
        "admin_or_token_subject",
        "rule:admin_required or rule:token_subject",
        "An administrator or the token's own subject",
    ),
    _r(
        "domain_managed_target_role",
        "'manager':%(target.role.name)s or 'member':%(target.role.name)s or 'reader':%(target.role.name)s",
        "",
    ),
    # Tokens: a user validates and revokes its own; services, admins and system readers any.
    _r(
        "identity:check_token",
        "(role:reader and system_scope:all) or rule:service_admin_or_token_subject",
        "",
        "HEAD /v3/auth/tokens",
    ),
    _r(
        "identity:validate_token",
        "(role:reader and system_scope:all) or rule:service_admin_or_token_subject",
        "",
        "GET /v3/auth/tokens",
    ),
    _r("identity:revoke_token", "rule:service_admin_or_token_subject", "", "DELETE /v3/auth/tokens"),
    _r("identity:list_revoke_events", "rule:service_or_admin", "", "GET /v3/OS-REVOKE/events"),
    # The catalog's records and the domains: administrators and system readers (a user
    # sees its own catalog in its token and GET /v3/auth/catalog).
    *(
        _r(name, "rule:admin_required or (role:reader and system_scope:all)", "", operation)
        for name, operation in (
            ("identity:list_services", "GET /v3/services"),
            ("identity:get_service", "GET /v3/services/{service_id}"),
            ("identity:list_endpoints", "GET /v3/endpoints"),
            ("identity:get_endpoint", "GET /v3/endpoints/{endpoint_id}"),
            ("identity:list_domains", "GET /v3/domains"),
        )
    ),
    # Credentials: their user's (and admins'; system readers read them).
    _r(
        "identity:get_credential",
        "rule:admin_required or (role:reader and system_scope:all) or user_id:%(target.credential.user_id)s",
        "",
        "GET /v3/credentials/{credential_id}",
    ),
    _r(
        "identity:update_credential",
        "rule:admin_required or user_id:%(target.credential.user_id)s",
        "",
        "PATCH /v3/credentials/{credential_id}",
    ),
    _r(
        "identity:delete_credential",
        "rule:admin_required or user_id:%(target.credential.user_id)s",
        "",
        "DELETE /v3/credentials/{credential_id}",
    ),
    # A project's limit: anyone with a token scoped to that project.
    _r(
        "identity:get_limit",
        "rule:admin_required or (role:reader and system_scope:all) or project_id:%(target.project.id)s",
        "",
        "GET /v3/limits/{limit_id}",
    ),
    _r(
        "identity:add_endpoint_group_to_project",
        "rule:admin_required",
        "",
        "PUT /v3/OS-EP-FILTER/endpoint_groups/{endpoint_group_id}/projects/{project_id}",
    ),
    _r(
        "identity:add_endpoint_to_project",
        "rule:admin_required",
        "",
        "PUT /v3/OS-EP-FILTER/projects/{project_id}/endpoints/{endpoint_id}",
    ),
    _r(
        "identity:add_user_to_group",
        (
            "(rule:admin_required)"
            " or (role:manager and domain_id:%(target.group.domain_id)s and domain_id:%(target.user.domain_id)s)"
        ),
        "",
        "PUT /v3/groups/{group_id}/users/{user_id}",
    ),
    _r(
        "identity:check_endpoint_in_project",
        "rule:admin_required or (role:reader and system_scope:all)",
        "",
        "GET /v3/OS-EP-FILTER/projects/{project_id}/endpoints/{endpoint_id}",
        "HEAD /v3/OS-EP-FILTER/projects/{project_id}/endpoints/{endpoint_id}",
    ),
    _r(
        "identity:check_grant",
        (
            "(rule:admin_required) or ((role:reader and system_scope:all)"
            " or ((role:reader and domain_id:%(target.user.domain_id)s"
            " and domain_id:%(target.project.domain_id)s)"
            " or (role:reader and domain_id:%(target.user.domain_id)s and domain_id:%(target.domain.id)s)"
            " or (role:reader and domain_id:%(target.group.domain_id)s"
            " and domain_id:%(target.project.domain_id)s)"
            " or (role:reader and domain_id:%(target.group.domain_id)s"
            " and domain_id:%(target.domain.id)s)) and (domain_id:%(target.role.domain_id)s"
            " or None:%(target.role.domain_id)s))"
        ),
        "",
        "HEAD /v3/projects/{project_id}/users/{user_id}/roles/{role_id}",
        "GET /v3/projects/{project_id}/users/{user_id}/roles/{role_id}",
        "HEAD /v3/projects/{project_id}/groups/{group_id}/roles/{role_id}",
        "GET /v3/projects/{project_id}/groups/{group_id}/roles/{role_id}",
        "HEAD /v3/domains/{domain_id}/users/{user_id}/roles/{role_id}",
        "GET /v3/domains/{domain_id}/users/{user_id}/roles/{role_id}",
        "HEAD /v3/domains/{domain_id}/groups/{group_id}/roles/{role_id}",
        "GET /v3/domains/{domain_id}/groups/{group_id}/roles/{role_id}",
        "HEAD /v3/OS-INHERIT/projects/{project_id}/users/{user_id}/roles/{role_id}/inherited_to_projects",
        "GET /v3/OS-INHERIT/projects/{project_id}/users/{user_id}/roles/{role_id}/inherited_to_projects",
        "HEAD /v3/OS-INHERIT/projects/{project_id}/groups/{group_id}/roles/{role_id}/inherited_to_projects",
        "GET /v3/OS-INHERIT/projects/{project_id}/groups/{group_id}/roles/{role_id}/inherited_to_projects",
        "HEAD /v3/OS-INHERIT/domains/{domain_id}/users/{user_id}/roles/{role_id}/inherited_to_projects",
        "GET /v3/OS-INHERIT/domains/{domain_id}/users/{user_id}/roles/{role_id}/inherited_to_projects",
        "HEAD /v3/OS-INHERIT/domains/{domain_id}/groups/{group_id}/roles/{role_id}/inherited_to_projects",
        "GET /v3/OS-INHERIT/domains/{domain_id}/groups/{group_id}/roles/{role_id}/inherited_to_projects",
    ),
    _r(
        "identity:check_user_in_group",
        (
            "(rule:admin_required) or (role:reader and system_scope:all)"
            " or (role:reader and domain_id:%(target.group.domain_id)s and domain_id:%(target.user.domain_id)s)"
        ),
        "",
        "HEAD /v3/groups/{group_id}/users/{user_id}",
        "GET /v3/groups/{group_id}/users/{user_id}",
    ),
    _r(
        "identity:create_application_credential",
        "user_id:%(user_id)s",
        "",
        "POST /v3/users/{user_id}/application_credentials",
    ),
    _r(
        "identity:create_consumer",
        "rule:admin_required",
        "",
        "POST /v3/OS-OAUTH1/consumers",
    ),
    _r(
        "identity:create_credential",
        "(rule:admin_required) or user_id:%(target.credential.user_id)s",
        "",
        "POST /v3/credentials",
    ),
    _r(
        "identity:create_domain",
        "rule:admin_required",
        "",
        "POST /v3/domains",
    ),
    _r(
        "identity:create_domain_config",
        "rule:admin_required",
        "",
        "PUT /v3/domains/{domain_id}/config",
    ),
    _r(
        "identity:create_endpoint",
        "rule:admin_required",
        "",
        "POST /v3/endpoints",
    ),
    _r(
        "identity:create_endpoint_group",
        "rule:admin_required",
        "",
        "POST /v3/OS-EP-FILTER/endpoint_groups",
    ),
    _r(
        "identity:create_grant",
        (
            "(rule:admin_required)"
            " or ((role:admin and domain_id:%(target.user.domain_id)s and domain_id:%(target.project.domain_id)s)"
            " or (role:admin and domain_id:%(target.user.domain_id)s and domain_id:%(target.domain.id)s)"
            " or (role:admin and domain_id:%(target.group.domain_id)s and domain_id:%(target.project.domain_id)s)"
            " or (role:admin and domain_id:%(target.group.domain_id)s"
            " and domain_id:%(target.domain.id)s)) and (domain_id:%(target.role.domain_id)s"
            " or None:%(target.role.domain_id)s)"
            " or ((role:manager and domain_id:%(target.user.domain_id)s"
            " and domain_id:%(target.project.domain_id)s)"
            " or (role:manager and domain_id:%(target.user.domain_id)s and domain_id:%(target.domain.id)s)"
            " or (role:manager and domain_id:%(target.group.domain_id)s"
            " and domain_id:%(target.project.domain_id)s)"
            " or (role:manager and domain_id:%(target.group.domain_id)s"
            " and domain_id:%(target.domain.id)s)) and rule:domain_managed_target_role"
        ),
        "",
        "PUT /v3/projects/{project_id}/users/{user_id}/roles/{role_id}",
        "PUT /v3/projects/{project_id}/groups/{group_id}/roles/{role_id}",
        "PUT /v3/domains/{domain_id}/users/{user_id}/roles/{role_id}",
        "PUT /v3/domains/{domain_id}/groups/{group_id}/roles/{role_id}",
        "PUT /v3/OS-INHERIT/projects/{project_id}/users/{user_id}/roles/{role_id}/inherited_to_projects",
        "PUT /v3/OS-INHERIT/projects/{project_id}/groups/{group_id}/roles/{role_id}/inherited_to_projects",
        "PUT /v3/OS-INHERIT/domains/{domain_id}/users/{user_id}/roles/{role_id}/inherited_to_projects",
        "PUT /v3/OS-INHERIT/domains/{domain_id}/groups/{group_id}/roles/{role_id}/inherited_to_projects",
    ),
    _r(
        "identity:create_group",
        "(rule:admin_required) or (role:manager and domain_id:%(target.group.domain_id)s)",
        "",
        "POST /v3/groups",
    ),
    _r(
        "identity:create_implied_role",
        "rule:admin_required",
        "",
        "PUT /v3/roles/{prior_role_id}/implies/{implied_role_id}",
    ),
    _r(
        "identity:create_limits",
        "rule:admin_required",
        "",
        "POST /v3/limits",
    ),
    _r(
        "identity:create_policy",
        "rule:admin_required",
        "",
        "POST /v3/policies",
    ),
    _r(
        "identity:create_project",
        (
            "(rule:admin_required)"
            " or (role:manager and domain_id:%(target.project.domain_id)s"
            " and not None:%(target.project.domain_id)s)"
        ),
        "",
        "POST /v3/projects",
    ),
    _r(
        "identity:create_project_tag",
        (
            "(rule:admin_required)"
            " or (role:manager and domain_id:%(target.project.domain_id)s"
            " and not None:%(target.project.domain_id)s)"
        ),
        "",
        "PUT /v3/projects/{project_id}/tags/{value}",
    ),
    _r(
        "identity:create_region",
        "rule:admin_required",
        "",
        "POST /v3/regions",
        "PUT /v3/regions/{region_id}",
    ),
    _r(
        "identity:create_registered_limits",
        "rule:admin_required",
        "",
        "POST /v3/registered_limits",
    ),
    _r(
        "identity:create_role",
        "rule:admin_required",
        "",
        "POST /v3/roles",
    ),
    _r(
        "identity:create_service",
        "rule:admin_required",
        "",
        "POST /v3/services",
    ),
    _r(
        "identity:create_user",
        "(rule:admin_required) or (role:manager and token.domain.id:%(target.user.domain_id)s)",
        "",
        "POST /v3/users",
    ),
    _r(
        "identity:delete_access_rule",
        SELF_SERVICE,
        "",
        "DELETE /v3/users/{user_id}/access_rules/{access_rule_id}",
    ),
    _r(
        "identity:delete_access_token",
        SELF_SERVICE,
        "",
        "DELETE /v3/users/{user_id}/OS-OAUTH1/access_tokens/{access_token_id}",
    ),
    _r(
        "identity:delete_application_credential",
        "rule:admin_or_owner",
        "",
        "DELETE /v3/users/{user_id}/application_credentials/{application_credential_id}",
    ),
    _r(
        "identity:delete_consumer",
        "rule:admin_required",
        "",
        "DELETE /v3/OS-OAUTH1/consumers/{consumer_id}",
    ),
    _r(
        "identity:delete_domain",
        "rule:admin_required",
        "",
        "DELETE /v3/domains/{domain_id}",
    ),
    _r(
        "identity:delete_domain_config",
        "rule:admin_required",
        "",
        "DELETE /v3/domains/{domain_id}/config",
        "DELETE /v3/domains/{domain_id}/config/{group}",
        "DELETE /v3/domains/{domain_id}/config/{group}/{option}",
    ),
    _r(
        "identity:delete_endpoint",
        "rule:admin_required",
        "",
        "DELETE /v3/endpoints/{endpoint_id}",
    ),
    _r(
        "identity:delete_endpoint_group",
        "rule:admin_required",
        "",
        "DELETE /v3/OS-EP-FILTER/endpoint_groups/{endpoint_group_id}",
    ),
    _r(
        "identity:delete_group",
        "(rule:admin_required) or (role:manager and domain_id:%(target.group.domain_id)s)",
        "",
        "DELETE /v3/groups/{group_id}",
    ),
    _r(
        "identity:delete_implied_role",
        "rule:admin_required",
        "",
        "DELETE /v3/roles/{prior_role_id}/implies/{implied_role_id}",
    ),
    _r(
        "identity:delete_limit",
        "rule:admin_required",
        "",
        "DELETE /v3/limits/{limit_id}",
    ),
    _r(
        "identity:delete_policy",
        "rule:admin_required",
        "",
        "DELETE /v3/policies/{policy_id}",
    ),
    _r(
        "identity:delete_project",
        (
            "(rule:admin_required)"
            " or (role:manager and domain_id:%(target.project.domain_id)s"
            " and not None:%(target.project.domain_id)s)"
        ),
        "",
        "DELETE /v3/projects/{project_id}",
    ),
    _r(
        "identity:delete_project_tag",
        (
            "(rule:admin_required)"
            " or (role:manager and domain_id:%(target.project.domain_id)s"
            " and not None:%(target.project.domain_id)s)"
        ),
        "",
        "DELETE /v3/projects/{project_id}/tags/{value}",
    ),
    _r(
        "identity:delete_project_tags",
        (
            "(rule:admin_required)"
            " or (role:manager and domain_id:%(target.project.domain_id)s"
            " and not None:%(target.project.domain_id)s)"
        ),
        "",
        "DELETE /v3/projects/{project_id}/tags",
    ),
    _r(
        "identity:delete_region",
        "rule:admin_required",
        "",
        "DELETE /v3/regions/{region_id}",
    ),
    _r(
        "identity:delete_registered_limit",
        "rule:admin_required",
        "",
        "DELETE /v3/registered_limits/{registered_limit_id}",
    ),
    _r(
        "identity:delete_role",
        "rule:admin_required",
        "",
        "DELETE /v3/roles/{role_id}",
    ),
    _r(
        "identity:delete_service",
        "rule:admin_required",
        "",
        "DELETE /v3/services/{service_id}",
    ),
    _r(
        "identity:delete_trust",
        "rule:admin_required or user_id:%(target.trust.trustor_user_id)s",
        "",
        "DELETE /v3/OS-TRUST/trusts/{trust_id}",
    ),
    _r(
        "identity:delete_user",
        "(rule:admin_required) or (role:manager and token.domain.id:%(target.user.domain_id)s)",
        "",
        "DELETE /v3/users/{user_id}",
    ),
    _r(
        "identity:ec2_create_credential",
        "(rule:admin_required) or (role:member and user_id:%(target.credential.user_id)s)",
        "",
        "POST /v3/users/{user_id}/credentials/OS-EC2",
    ),
    _r(
        "identity:ec2_delete_credential",
        "(rule:admin_required) or (role:member and user_id:%(target.credential.user_id)s)",
        "",
        "DELETE /v3/users/{user_id}/credentials/OS-EC2/{credential_id}",
    ),
    _r(
        "identity:ec2_get_credential",
        "(rule:admin_required) or (role:reader and system_scope:all) or user_id:%(target.credential.user_id)s",
        "",
        "GET /v3/users/{user_id}/credentials/OS-EC2/{credential_id}",
    ),
    _r(
        "identity:ec2_list_credentials",
        "(rule:admin_required) or (role:reader and system_scope:all) or rule:owner",
        "",
        "GET /v3/users/{user_id}/credentials/OS-EC2",
    ),
    _r(
        "identity:get_access_rule",
        SELF_SERVICE,
        "",
        "GET /v3/users/{user_id}/access_rules/{access_rule_id}",
        "HEAD /v3/users/{user_id}/access_rules/{access_rule_id}",
    ),
    _r(
        "identity:get_access_token",
        SELF_SERVICE,
        "",
        "GET /v3/users/{user_id}/OS-OAUTH1/access_tokens/{access_token_id}",
    ),
    _r(
        "identity:get_access_token_role",
        SELF_SERVICE,
        "",
        "GET /v3/users/{user_id}/OS-OAUTH1/access_tokens/{access_token_id}/roles/{role_id}",
    ),
    _r(
        "identity:get_application_credential",
        "(rule:admin_required) or (role:reader and system_scope:all) or rule:owner",
        "",
        "GET /v3/users/{user_id}/application_credentials/{application_credential_id}",
        "HEAD /v3/users/{user_id}/application_credentials/{application_credential_id}",
    ),
    _r(
        "identity:get_consumer",
        "rule:admin_required or (role:reader and system_scope:all)",
        "",
        "GET /v3/OS-OAUTH1/consumers/{consumer_id}",
    ),
    _r(
        "identity:get_domain",
        (
            "rule:admin_required or (role:reader and system_scope:all)"
            " or token.domain.id:%(target.domain.id)s or token.project.domain.id:%(target.domain.id)s"
        ),
        "",
        "GET /v3/domains/{domain_id}",
    ),
    _r(
        "identity:get_domain_config",
        "rule:admin_required or (role:reader and system_scope:all)",
        "",
        "GET /v3/domains/{domain_id}/config",
        "HEAD /v3/domains/{domain_id}/config",
        "GET /v3/domains/{domain_id}/config/{group}",
        "HEAD /v3/domains/{domain_id}/config/{group}",
        "GET /v3/domains/{domain_id}/config/{group}/{option}",
        "HEAD /v3/domains/{domain_id}/config/{group}/{option}",
    ),
    _r(
        "identity:get_domain_config_default",
        "rule:admin_required or (role:reader and system_scope:all)",
        "",
        "GET /v3/domains/config/default",
        "HEAD /v3/domains/config/default",
        "GET /v3/domains/config/{group}/default",
        "HEAD /v3/domains/config/{group}/default",
        "GET /v3/domains/config/{group}/{option}/default",
        "HEAD /v3/domains/config/{group}/{option}/default",
    ),
    _r(
        "identity:get_endpoint_group",
        "rule:admin_required or (role:reader and system_scope:all)",
        "",
        "GET /v3/OS-EP-FILTER/endpoint_groups/{endpoint_group_id}",
        "HEAD /v3/OS-EP-FILTER/endpoint_groups/{endpoint_group_id}",
    ),
    _r(
        "identity:get_endpoint_group_in_project",
        "rule:admin_required or (role:reader and system_scope:all)",
        "",
        "GET /v3/OS-EP-FILTER/endpoint_groups/{endpoint_group_id}/projects/{project_id}",
        "HEAD /v3/OS-EP-FILTER/endpoint_groups/{endpoint_group_id}/projects/{project_id}",
    ),
    _r(
        "identity:get_group",
        (
            "(rule:admin_required) or (role:reader and system_scope:all)"
            " or (role:reader and domain_id:%(target.group.domain_id)s)"
        ),
        "",
        "GET /v3/groups/{group_id}",
        "HEAD /v3/groups/{group_id}",
    ),
    _r(
        "identity:get_implied_role",
        "rule:admin_required or (role:reader and system_scope:all)",
        "",
        "GET /v3/roles/{prior_role_id}/implies/{implied_role_id}",
    ),
    _r(
        "identity:get_policy",
        "rule:admin_required or (role:reader and system_scope:all)",
        "",
        "GET /v3/policies/{policy_id}",
    ),
    _r(
        "identity:get_project",
        (
            "(rule:admin_required) or (role:reader and system_scope:all)"
            " or (role:reader and domain_id:%(target.project.domain_id)s"
            " and not None:%(target.project.domain_id)s)"
            " or project_id:%(target.project.id)s"
        ),
        "",
        "GET /v3/projects/{project_id}",
    ),
    _r(
        "identity:get_project_tag",
        (
            "(rule:admin_required) or (role:reader and system_scope:all)"
            " or (role:reader and domain_id:%(target.project.domain_id)s"
            " and not None:%(target.project.domain_id)s)"
            " or project_id:%(target.project.id)s"
        ),
        "",
        "GET /v3/projects/{project_id}/tags/{value}",
        "HEAD /v3/projects/{project_id}/tags/{value}",
    ),
    _r(
        "identity:get_role",
        (
            "(rule:admin_required or (role:reader and system_scope:all))"
            " or (role:manager and rule:domain_managed_target_role)"
        ),
        "",
        "GET /v3/roles/{role_id}",
        "HEAD /v3/roles/{role_id}",
    ),
    _r(
        "identity:get_role_for_trust",
        (
            "(rule:admin_required) or (role:reader and system_scope:all"
            " or user_id:%(target.trust.trustor_user_id)s or user_id:%(target.trust.trustee_user_id)s)"
        ),
        "",
        "GET /v3/OS-TRUST/trusts/{trust_id}/roles/{role_id}",
        "HEAD /v3/OS-TRUST/trusts/{trust_id}/roles/{role_id}",
    ),
    _r(
        "identity:get_trust",
        (
            "(rule:admin_required) or (role:reader and system_scope:all"
            " or user_id:%(target.trust.trustor_user_id)s or user_id:%(target.trust.trustee_user_id)s)"
        ),
        "",
        "GET /v3/OS-TRUST/trusts/{trust_id}",
        "HEAD /v3/OS-TRUST/trusts/{trust_id}",
    ),
    _r(
        "identity:get_user",
        (
            "(rule:admin_required) or (role:reader and system_scope:all)"
            " or (role:reader and token.domain.id:%(target.user.domain_id)s) or user_id:%(target.user.id)s"
        ),
        "",
        "GET /v3/users/{user_id}",
        "HEAD /v3/users/{user_id}",
    ),
    _r(
        "identity:list_access_rules",
        SELF_SERVICE,
        "",
        "GET /v3/users/{user_id}/access_rules",
        "HEAD /v3/users/{user_id}/access_rules",
    ),
    _r(
        "identity:list_access_token_roles",
        SELF_SERVICE,
        "",
        "GET /v3/users/{user_id}/OS-OAUTH1/access_tokens/{access_token_id}/roles",
    ),
    _r(
        "identity:list_access_tokens",
        SELF_SERVICE,
        "",
        "GET /v3/users/{user_id}/OS-OAUTH1/access_tokens",
    ),
    _r(
        "identity:list_application_credentials",
        "(rule:admin_required) or (role:reader and system_scope:all) or rule:owner",
        "",
        "GET /v3/users/{user_id}/application_credentials",
        "HEAD /v3/users/{user_id}/application_credentials",
    ),
    _r(
        "identity:list_consumers",
        "rule:admin_required or (role:reader and system_scope:all)",
        "",
        "GET /v3/OS-OAUTH1/consumers",
    ),
    _r(
        "identity:list_endpoint_groups",
        "rule:admin_required or (role:reader and system_scope:all)",
        "",
        "GET /v3/OS-EP-FILTER/endpoint_groups",
    ),
    _r(
        "identity:list_endpoint_groups_for_project",
        "rule:admin_required or (role:reader and system_scope:all)",
        "",
        "GET /v3/OS-EP-FILTER/projects/{project_id}/endpoint_groups",
    ),
    _r(
        "identity:list_endpoints_associated_with_endpoint_group",
        "rule:admin_required or (role:reader and system_scope:all)",
        "",
        "GET /v3/OS-EP-FILTER/endpoint_groups/{endpoint_group_id}/endpoints",
    ),
    _r(
        "identity:list_endpoints_for_project",
        "rule:admin_required or (role:reader and system_scope:all)",
        "",
        "GET /v3/OS-EP-FILTER/projects/{project_id}/endpoints",
    ),
    _r(
        "identity:list_grants",
        (
            "(rule:admin_required) or ((role:reader and system_scope:all)"
            " or (role:reader and domain_id:%(target.user.domain_id)s and domain_id:%(target.project.domain_id)s)"
            " or (role:reader and domain_id:%(target.user.domain_id)s and domain_id:%(target.domain.id)s)"
            " or (role:reader and domain_id:%(target.group.domain_id)s"
            " and domain_id:%(target.project.domain_id)s)"
            " or (role:reader and domain_id:%(target.group.domain_id)s and domain_id:%(target.domain.id)s))"
        ),
        "",
        "GET /v3/projects/{project_id}/users/{user_id}/roles",
        "HEAD /v3/projects/{project_id}/users/{user_id}/roles",
        "GET /v3/projects/{project_id}/groups/{group_id}/roles",
        "HEAD /v3/projects/{project_id}/groups/{group_id}/roles",
        "GET /v3/domains/{domain_id}/users/{user_id}/roles",
        "HEAD /v3/domains/{domain_id}/users/{user_id}/roles",
        "GET /v3/domains/{domain_id}/groups/{group_id}/roles",
        "HEAD /v3/domains/{domain_id}/groups/{group_id}/roles",
        "GET /v3/OS-INHERIT/domains/{domain_id}/groups/{group_id}/roles/inherited_to_projects",
        "GET /v3/OS-INHERIT/domains/{domain_id}/users/{user_id}/roles/inherited_to_projects",
    ),
    _r(
        "identity:list_groups",
        (
            "(rule:admin_required) or (role:reader and system_scope:all)"
            " or (role:reader and domain_id:%(target.group.domain_id)s)"
        ),
        "",
        "GET /v3/groups",
        "HEAD /v3/groups",
    ),
    _r(
        "identity:list_groups_for_user",
        (
            "(rule:admin_required) or (role:reader and system_scope:all)"
            " or (role:reader and domain_id:%(target.user.domain_id)s) or user_id:%(user_id)s"
        ),
        "",
        "GET /v3/users/{user_id}/groups",
        "HEAD /v3/users/{user_id}/groups",
    ),
    _r(
        "identity:list_implied_roles",
        "rule:admin_required or (role:reader and system_scope:all)",
        "",
        "GET /v3/roles/{prior_role_id}/implies",
        "HEAD /v3/roles/{prior_role_id}/implies",
    ),
    _r(
        "identity:list_policies",
        "rule:admin_required or (role:reader and system_scope:all)",
        "",
        "GET /v3/policies",
    ),
    _r(
        "identity:list_project_tags",
        (
            "(rule:admin_required) or (role:reader and system_scope:all)"
            " or (role:reader and domain_id:%(target.project.domain_id)s"
            " and not None:%(target.project.domain_id)s)"
            " or project_id:%(target.project.id)s"
        ),
        "",
        "GET /v3/projects/{project_id}/tags",
        "HEAD /v3/projects/{project_id}/tags",
    ),
    _r(
        "identity:list_projects",
        (
            "(rule:admin_required) or (role:reader and system_scope:all)"
            " or (role:reader and domain_id:%(target.domain_id)s)"
        ),
        "",
        "GET /v3/projects",
    ),
    _r(
        "identity:list_projects_associated_with_endpoint_group",
        "rule:admin_required or (role:reader and system_scope:all)",
        "",
        "GET /v3/OS-EP-FILTER/endpoint_groups/{endpoint_group_id}/projects",
    ),
    _r(
        "identity:list_projects_for_endpoint",
        "rule:admin_required or (role:reader and system_scope:all)",
        "",
        "GET /v3/OS-EP-FILTER/endpoints/{endpoint_id}/projects",
    ),
    _r(
        "identity:list_role_assignments",
        (
            "(rule:admin_required) or (role:reader and system_scope:all)"
            " or (role:reader and domain_id:%(target.domain_id)s)"
        ),
        "",
        "GET /v3/role_assignments",
        "HEAD /v3/role_assignments",
    ),
    _r(
        "identity:list_role_inference_rules",
        "rule:admin_required or (role:reader and system_scope:all)",
        "",
        "GET /v3/role_inferences",
        "HEAD /v3/role_inferences",
    ),
    _r(
        "identity:list_roles",
        "(rule:admin_required or (role:reader and system_scope:all)) or (role:manager and not domain_id:None)",
        "",
        "GET /v3/roles",
        "HEAD /v3/roles",
    ),
    _r(
        "identity:list_roles_for_trust",
        (
            "(rule:admin_required) or (role:reader and system_scope:all"
            " or user_id:%(target.trust.trustor_user_id)s or user_id:%(target.trust.trustee_user_id)s)"
        ),
        "",
        "GET /v3/OS-TRUST/trusts/{trust_id}/roles",
        "HEAD /v3/OS-TRUST/trusts/{trust_id}/roles",
    ),
    _r(
        "identity:list_trusts",
        "rule:admin_required or (role:reader and system_scope:all)",
        "",
        "GET /v3/OS-TRUST/trusts",
        "HEAD /v3/OS-TRUST/trusts",
    ),
    _r(
        "identity:list_user_projects",
        (
            "(rule:admin_required) or (role:reader and system_scope:all)"
            " or (role:reader and domain_id:%(target.user.domain_id)s) or user_id:%(target.user.id)s"
        ),
        "",
        "GET /v3/users/{user_id}/projects",
    ),
    _r(
        "identity:list_users",
        (
            "(rule:admin_required) or (role:reader and system_scope:all)"
            " or (role:reader and domain_id:%(target.domain_id)s)"
        ),
        "",
        "GET /v3/users",
        "HEAD /v3/users",
    ),
    _r(
        "identity:list_users_in_group",
        (
            "(rule:admin_required) or (role:reader and system_scope:all)"
            " or (role:reader and domain_id:%(target.group.domain_id)s)"
        ),
        "",
        "GET /v3/groups/{group_id}/users",
        "HEAD /v3/groups/{group_id}/users",
    ),
    _r(
        "identity:remove_endpoint_from_project",
        "rule:admin_required",
        "",
        "DELETE /v3/OS-EP-FILTER/projects/{project_id}/endpoints/{endpoint_id}",
    ),
    _r(
        "identity:remove_endpoint_group_from_project",
        "rule:admin_required",
        "",
        "DELETE /v3/OS-EP-FILTER/endpoint_groups/{endpoint_group_id}/projects/{project_id}",
    ),
    _r(
        "identity:remove_user_from_group",
        (
            "(rule:admin_required)"
            " or (role:manager and domain_id:%(target.group.domain_id)s and domain_id:%(target.user.domain_id)s)"
        ),
        "",
        "DELETE /v3/groups/{group_id}/users/{user_id}",
    ),
    _r(
        "identity:revoke_grant",
        (
            "(rule:admin_required)"
            " or ((role:admin and domain_id:%(target.user.domain_id)s and domain_id:%(target.project.domain_id)s)"
            " or (role:admin and domain_id:%(target.user.domain_id)s and domain_id:%(target.domain.id)s)"
            " or (role:admin and domain_id:%(target.group.domain_id)s and domain_id:%(target.project.domain_id)s)"
            " or (role:admin and domain_id:%(target.group.domain_id)s"
            " and domain_id:%(target.domain.id)s)) and (domain_id:%(target.role.domain_id)s"
            " or None:%(target.role.domain_id)s)"
            " or ((role:manager and domain_id:%(target.user.domain_id)s"
            " and domain_id:%(target.project.domain_id)s)"
            " or (role:manager and domain_id:%(target.user.domain_id)s and domain_id:%(target.domain.id)s)"
            " or (role:manager and domain_id:%(target.group.domain_id)s"
            " and domain_id:%(target.project.domain_id)s)"
            " or (role:manager and domain_id:%(target.group.domain_id)s"
            " and domain_id:%(target.domain.id)s)) and rule:domain_managed_target_role"
        ),
        "",
        "DELETE /v3/projects/{project_id}/users/{user_id}/roles/{role_id}",
        "DELETE /v3/projects/{project_id}/groups/{group_id}/roles/{role_id}",
        "DELETE /v3/domains/{domain_id}/users/{user_id}/roles/{role_id}",
        "DELETE /v3/domains/{domain_id}/groups/{group_id}/roles/{role_id}",
        "DELETE /v3/OS-INHERIT/projects/{project_id}/users/{user_id}/roles/{role_id}/inherited_to_projects",
        "DELETE /v3/OS-INHERIT/projects/{project_id}/groups/{group_id}/roles/{role_id}/inherited_to_projects",
        "DELETE /v3/OS-INHERIT/domains/{domain_id}/users/{user_id}/roles/{role_id}/inherited_to_projects",
        "DELETE /v3/OS-INHERIT/domains/{domain_id}/groups/{group_id}/roles/{role_id}/inherited_to_projects",
    ),
    _r(
        "identity:update_consumer",
        "rule:admin_required",
        "",
        "PATCH /v3/OS-OAUTH1/consumers/{consumer_id}",
    ),
    _r(
        "identity:update_domain",
        "rule:admin_required",
        "",
        "PATCH /v3/domains/{domain_id}",
    ),
    _r(
        "identity:update_domain_config",
        "rule:admin_required",
        "",
        "PATCH /v3/domains/{domain_id}/config",
        "PATCH /v3/domains/{domain_id}/config/{group}",
        "PATCH /v3/domains/{domain_id}/config/{group}/{option}",
    ),
    _r(
        "identity:update_endpoint",
        "rule:admin_required",
        "",
        "PATCH /v3/endpoints/{endpoint_id}",
    ),
    _r(
        "identity:update_endpoint_group",
        "rule:admin_required",
        "",
        "PATCH /v3/OS-EP-FILTER/endpoint_groups/{endpoint_group_id}",
    ),
    _r(
        "identity:update_group",
        "(rule:admin_required) or (role:manager and domain_id:%(target.group.domain_id)s)",
        "",
        "PATCH /v3/groups/{group_id}",
    ),
    _r(
        "identity:update_limit",
        "rule:admin_required",
        "",
        "PATCH /v3/limits/{limit_id}",
    ),
    _r(
        "identity:update_policy",
        "rule:admin_required",
        "",
        "PATCH /v3/policies/{policy_id}",
    ),
    _r(
        "identity:update_project",
        (
            "(rule:admin_required)"
            " or (role:manager and domain_id:%(target.project.domain_id)s"
            " and not None:%(target.project.domain_id)s)"
        ),
        "",
        "PATCH /v3/projects/{project_id}",
    ),
    _r(
        "identity:update_project_tags",
        (
            "(rule:admin_required)"
            " or (role:manager and domain_id:%(target.project.domain_id)s"
            " and not None:%(target.project.domain_id)s)"
        ),
        "",
        "PUT /v3/projects/{project_id}/tags",
    ),
    _r(
        "identity:update_region",
        "rule:admin_required",
        "",
        "PATCH /v3/regions/{region_id}",
    ),
    _r(
        "identity:update_registered_limit",
        "rule:admin_required",
        "",
        "PATCH /v3/registered_limits/{registered_limit_id}",
    ),
    _r(
        "identity:update_role",
        "rule:admin_required",
        "",
        "PATCH /v3/roles/{role_id}",
    ),
    _r(
        "identity:update_service",
        "rule:admin_required",
        "",
        "PATCH /v3/services/{service_id}",
    ),
    _r(
        "identity:update_user",
        "(rule:admin_required) or (role:manager and token.domain.id:%(target.user.domain_id)s)",
        "",
        "PATCH /v3/users/{user_id}",
    ),
]

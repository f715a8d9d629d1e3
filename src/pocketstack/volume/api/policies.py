"""The volume API's policy rules: Cinder's names and its secure-RBAC defaults (Cinder's
"Policy" reference: ``cinder/policies``; Cinder still names its project-scoped personas
``xena_system_admin_or_project_member`` / ``..._reader``), for every rule the handlers
check.

The handlers' helpers (``policy.py``): ``writer`` checks against the caller's own
project, ``admin`` against a target owned by no one (only a rule's admin parts pass). A
rule name the handlers use that Cinder no longer has (``volume:attach`` and the other
pre-volume-actions names, ``volume_extension:types_manage``, ...) is decided by the
helper's alias: ``xena_system_admin_or_project_member`` or ``admin_api``.
"""

from __future__ import annotations

from pocketstack.common.policy import RuleDefault


def _r(name: str, check: str, description: str, *operations: str) -> RuleDefault:
    return RuleDefault(name, check, description, operations)


RULES = [
    _r("context_is_admin", "role:admin", "Who is an administrator (is_admin:True)"),
    _r("admin_api", "is_admin:True or (role:admin and is_admin_project:True)", "Administrators"),
    _r(
        "admin_or_owner",
        "is_admin:True or (role:admin and is_admin_project:True) or project_id:%(project_id)s",
        "An administrator or the target's project (legacy)",
    ),
    _r(
        "xena_system_admin_or_project_reader",
        "(role:admin) or (role:reader and project_id:%(project_id)s)",
        "An administrator or a reader of the project",
    ),
    _r(
        "xena_system_admin_or_project_member",
        "(role:admin) or (role:member and project_id:%(project_id)s)",
        "An administrator or a member of the project",
    ),
    *(
        _r(name, "rule:xena_system_admin_or_project_reader", "", *ops)
        for name, ops in (
            ("volume:get", ("GET /volumes/{volume_id}",)),
            ("volume:get_all", ("GET /volumes", "GET /volumes/detail", "GET /volumes/summary")),
            (
                "volume:get_volume_metadata",
                ("GET /volumes/{volume_id}/metadata", "GET /volumes/{volume_id}/metadata/{key}"),
            ),
            ("volume:get_snapshot", ("GET /snapshots/{snapshot_id}",)),
            ("volume:get_all_snapshots", ("GET /snapshots", "GET /snapshots/detail")),
            (
                "volume:get_snapshot_metadata",
                ("GET /snapshots/{snapshot_id}/metadata", "GET /snapshots/{snapshot_id}/metadata/{key}"),
            ),
            ("backup:get", ("GET /backups/{backup_id}",)),
            ("backup:get_all", ("GET /backups", "GET /backups/detail")),
            ("volume:get_transfer", ("GET /volume-transfers/{transfer_id}", "GET /os-volume-transfer/{transfer_id}")),
            ("volume:get_all_transfers", ("GET /volume-transfers", "GET /volume-transfers/detail")),
            ("group:get", ("GET /groups/{group_id}",)),
            ("group:get_all", ("GET /groups", "GET /groups/detail")),
            ("group:get_group_snapshot", ("GET /group_snapshots/{group_snapshot_id}",)),
            ("group:get_all_group_snapshots", ("GET /group_snapshots", "GET /group_snapshots/detail")),
            ("message:get", ("GET /messages/{message_id}",)),
            ("message:get_all", ("GET /messages",)),
            ("limits_extension:used_limits", ("GET /limits",)),
        )
    ),
    _r("clusters:get", "rule:admin_api", "", "GET /clusters/{cluster_id}"),
    _r("clusters:get_all", "rule:admin_api", "", "GET /clusters", "GET /clusters/detail"),
    _r("clusters:update", "rule:admin_api", "", "PUT /clusters/{cluster_id}"),
    _r("group:create", "rule:xena_system_admin_or_project_member", "", "POST /groups"),
    _r("group:create_group_snapshot", "rule:xena_system_admin_or_project_member", "", "POST /group_snapshots"),
    _r("group:delete", "rule:xena_system_admin_or_project_member", "", "POST /groups/{group_id}/action (delete)"),
    _r(
        "group:delete_group_snapshot",
        "rule:xena_system_admin_or_project_member",
        "",
        "DELETE /group_snapshots/{group_snapshot_id}",
    ),
    _r("group:group_types:create", "rule:admin_api", "", "POST /group_types/"),
    _r("group:group_types:delete", "rule:admin_api", "", "DELETE /group_types/{group_type_id}"),
    _r("group:group_types:update", "rule:admin_api", "", "PUT /group_types/{group_type_id}"),
    _r(
        "group:reset_group_snapshot_status",
        "rule:admin_api",
        "",
        "POST /group_snapshots/{g_snapshot_id}/action (reset_status)",
    ),
    _r("group:reset_status", "rule:admin_api", "", "POST /groups/{group_id}/action (reset_status)"),
    _r("group:update", "rule:xena_system_admin_or_project_member", "", "PUT /groups/{group_id}"),
    _r("message:delete", "rule:xena_system_admin_or_project_member", "", "DELETE /messages/{message_id}"),
    _r("scheduler_extension:scheduler_stats:get_pools", "rule:admin_api", "", "GET /scheduler-stats/get_pools"),
    _r(
        "volume:accept_transfer",
        "rule:xena_system_admin_or_project_member",
        "",
        "POST /os-volume-transfer/{transfer_id}/accept",
        "POST /volume-transfers/{transfer_id}/accept",
    ),
    _r(
        "volume:attachment_complete",
        "rule:xena_system_admin_or_project_member",
        "",
        "POST /attachments/{attachment_id}/action (os-complete)",
    ),
    _r("volume:attachment_create", "rule:xena_system_admin_or_project_member", "", "POST /attachments"),
    _r(
        "volume:attachment_delete",
        "rule:xena_system_admin_or_project_member",
        "",
        "DELETE /attachments/{attachment_id}",
    ),
    _r("volume:attachment_update", "rule:xena_system_admin_or_project_member", "", "PUT /attachments/{attachment_id}"),
    _r("volume:create", "rule:xena_system_admin_or_project_member", "", "POST /volumes"),
    _r("volume:create_snapshot", "rule:xena_system_admin_or_project_member", "", "POST /snapshots"),
    _r(
        "volume:create_transfer",
        "rule:xena_system_admin_or_project_member",
        "",
        "POST /os-volume-transfer",
        "POST /volume_transfers",
    ),
    _r("volume:delete", "rule:xena_system_admin_or_project_member", "", "DELETE /volumes/{volume_id}"),
    _r("volume:delete_snapshot", "rule:xena_system_admin_or_project_member", "", "DELETE /snapshots/{snapshot_id}"),
    _r(
        "volume:delete_snapshot_metadata",
        "rule:xena_system_admin_or_project_member",
        "",
        "DELETE /snapshots/{snapshot_id}/metadata/{key}",
    ),
    _r(
        "volume:delete_transfer",
        "rule:xena_system_admin_or_project_member",
        "",
        "DELETE /os-volume-transfer/{transfer_id}",
        "DELETE /volume-transfers/{transfer_id}",
    ),
    _r(
        "volume:delete_volume_metadata",
        "rule:xena_system_admin_or_project_member",
        "",
        "DELETE /volumes/{volume_id}/metadata/{key}",
    ),
    _r("volume:extend", "rule:xena_system_admin_or_project_member", "", "POST /volumes/{volume_id}/action (os-extend)"),
    _r("volume:force_delete", "rule:admin_api", "", "DELETE /volumes/{volume_id}"),
    _r("volume:retype", "rule:xena_system_admin_or_project_member", "", "POST /volumes/{volume_id}/action (os-retype)"),
    _r(
        "volume:revert_to_snapshot",
        "rule:xena_system_admin_or_project_member",
        "",
        "POST /volumes/{volume_id}/action (revert)",
    ),
    _r(
        "volume:update",
        "rule:xena_system_admin_or_project_member",
        "",
        "PUT /volumes",
        "POST /volumes/{volume_id}/action (os-set_bootable)",
    ),
    _r(
        "volume:update_readonly_flag",
        "rule:xena_system_admin_or_project_member",
        "",
        "POST /volumes/{volume_id}/action (os-update_readonly_flag)",
    ),
    _r("volume:update_snapshot", "rule:xena_system_admin_or_project_member", "", "PUT /snapshots/{snapshot_id}"),
    _r(
        "volume:update_snapshot_metadata",
        "rule:xena_system_admin_or_project_member",
        "",
        "POST /snapshots/{snapshot_id}/metadata",
        "PUT /snapshots/{snapshot_id}/metadata/{key}",
    ),
    _r(
        "volume:update_volume_metadata",
        "rule:xena_system_admin_or_project_member",
        "",
        "PUT /volumes/{volume_id}/metadata",
        "PUT /volumes/{volume_id}/metadata/{key}",
    ),
    _r("volume_extension:capabilities", "rule:admin_api", "", "GET /capabilities/{host_name}"),
    _r("volume_extension:default_get", "rule:admin_api", "", "GET /default-types/{project-id}"),
    _r("volume_extension:default_get_all", "rule:admin_api", "", "GET /default-types/"),
    _r("volume_extension:default_set_or_update", "rule:admin_api", "", "PUT /default-types"),
    _r("volume_extension:default_unset", "rule:admin_api", "", "DELETE /default-types/{project-id}"),
    _r(
        "volume_extension:hosts",
        "rule:admin_api",
        "",
        "GET /os-hosts",
        "PUT /os-hosts/{host_name}",
        "GET /os-hosts/{host_id}",
    ),
    _r("volume_extension:qos_specs_manage:create", "rule:admin_api", "", "POST /qos-specs"),
    _r(
        "volume_extension:qos_specs_manage:delete",
        "rule:admin_api",
        "",
        "DELETE /qos-specs/{qos_id}",
        "PUT /qos-specs/{qos_id}/delete_keys",
    ),
    _r("volume_extension:qos_specs_manage:get", "rule:admin_api", "", "GET /qos-specs/{qos_id}"),
    _r(
        "volume_extension:qos_specs_manage:get_all",
        "rule:admin_api",
        "",
        "GET /qos-specs",
        "GET /qos-specs/{qos_id}/associations",
    ),
    _r(
        "volume_extension:qos_specs_manage:update",
        "rule:admin_api",
        "",
        "PUT /qos-specs/{qos_id}",
        "GET /qos-specs/{qos_id}/disassociate_all",
        "GET /qos-specs/{qos_id}/associate",
        "GET /qos-specs/{qos_id}/disassociate",
    ),
    _r("volume_extension:quota_classes:update", "rule:admin_api", "", "PUT /os-quota-class-sets/{project_id}"),
    _r("volume_extension:quotas:delete", "rule:admin_api", "", "DELETE /os-quota-sets/{project_id}"),
    _r(
        "volume_extension:quotas:show",
        "rule:xena_system_admin_or_project_reader",
        "",
        "GET /os-quota-sets/{project_id}",
        "GET /os-quota-sets/{project_id}/default",
        "GET /os-quota-sets/{project_id}?usage=True",
    ),
    _r("volume_extension:quotas:update", "rule:admin_api", "", "PUT /os-quota-sets/{project_id}"),
    _r("volume_extension:services:index", "rule:admin_api", "", "GET /os-services"),
    _r("volume_extension:services:update", "rule:admin_api", "", "PUT /os-services/{action}"),
    _r(
        "volume_extension:snapshot_admin_actions:force_delete",
        "rule:admin_api",
        "",
        "POST /snapshots/{snapshot_id}/action (os-force_delete)",
    ),
    _r(
        "volume_extension:snapshot_admin_actions:reset_status",
        "rule:admin_api",
        "",
        "POST /snapshots/{snapshot_id}/action (os-reset_status)",
    ),
    _r("volume_extension:types_extra_specs:create", "rule:admin_api", "", "POST /types/{type_id}/extra_specs"),
    _r(
        "volume_extension:types_extra_specs:delete",
        "rule:admin_api",
        "",
        "DELETE /types/{type_id}/extra_specs/{extra_spec_key}",
    ),
    _r(
        "volume_extension:types_extra_specs:index",
        "rule:xena_system_admin_or_project_reader",
        "",
        "GET /types/{type_id}/extra_specs",
    ),
    _r(
        "volume_extension:types_extra_specs:show",
        "rule:xena_system_admin_or_project_reader",
        "",
        "GET /types/{type_id}/extra_specs/{extra_spec_key}",
    ),
    _r(
        "volume_extension:types_extra_specs:read_sensitive",
        "rule:admin_api",
        "Reading the extra specs that are not user-visible",
        "GET /types/{type_id}/extra_specs",
        "GET /types/{type_id}/extra_specs/{extra_spec_key}",
    ),
    _r(
        "volume_extension:types_extra_specs:update",
        "rule:admin_api",
        "",
        "PUT /types/{type_id}/extra_specs/{extra_spec_key}",
    ),
    _r(
        "volume_extension:volume_actions:upload_image",
        "rule:xena_system_admin_or_project_member",
        "",
        "POST /volumes/{volume_id}/action (os-volume_upload_image)",
    ),
    _r(
        "volume_extension:volume_admin_actions:extend_volume_completion",
        "rule:admin_api",
        "",
        "POST /volumes/{volume_id}/action (os-extend_volume_completion)",
    ),
    _r(
        "volume_extension:volume_admin_actions:force_delete",
        "rule:admin_api",
        "",
        "POST /volumes/{volume_id}/action (os-force_delete)",
    ),
    _r(
        "volume_extension:volume_admin_actions:force_detach",
        "rule:admin_api",
        "",
        "POST /volumes/{volume_id}/action (os-force_detach)",
    ),
    _r(
        "volume_extension:volume_admin_actions:reset_status",
        "rule:admin_api",
        "",
        "POST /volumes/{volume_id}/action (os-reset_status)",
    ),
    _r(
        "volume_extension:volume_image_metadata:remove",
        "rule:xena_system_admin_or_project_member",
        "",
        "POST /volumes/{volume_id}/action (os-unset_image_metadata)",
    ),
    _r(
        "volume_extension:volume_image_metadata:set",
        "rule:xena_system_admin_or_project_member",
        "",
        "POST /volumes/{volume_id}/action (os-set_image_metadata)",
    ),
    _r(
        "volume_extension:volume_type_access",
        "rule:xena_system_admin_or_project_member",
        "",
        "GET /types",
        "GET /types/{type_id}",
        "POST /types",
    ),
    _r(
        "volume_extension:volume_type_access:addProjectAccess",
        "rule:admin_api",
        "",
        "POST /types/{type_id}/action (addProjectAccess)",
    ),
    _r("volume_extension:volume_type_encryption:create", "rule:admin_api", "", "POST /types/{type_id}/encryption"),
    _r(
        "volume_extension:volume_type_encryption:delete",
        "rule:admin_api",
        "",
        "DELETE /types/{type_id}/encryption/{encryption_id}",
    ),
    _r(
        "volume_extension:volume_type_encryption:get",
        "rule:admin_api",
        "",
        "GET /types/{type_id}/encryption",
        "GET /types/{type_id}/encryption/{key}",
    ),
    _r(
        "volume_extension:volume_type_encryption:update",
        "rule:admin_api",
        "",
        "PUT /types/{type_id}/encryption/{encryption_id}",
    ),
]

"""The compute API's route table (paths relative to /compute)."""

from __future__ import annotations

from pocketstack.compute.api.common import MIN_VERSION
from pocketstack.compute.api.handlers import (
    aggregates,
    assisted_snapshots,
    extensions,
    flavors,
    floating_ips,
    hosts,
    images,
    interfaces,
    keypairs,
    networks,
    quotas,
    security_groups,
    server_actions,
    server_admin,
    server_groups,
    server_metadata,
    server_moves,
    server_security_groups,
    server_tags,
    servers,
    usage,
    versions,
    volume_attachments,
    volumes,
)
from pocketstack.web.request import Request
from pocketstack.web.response import Response
from pocketstack.web.routing import Handler, Route

V = "/v2.1"

ROUTES: list[Route] = [
    Route("GET", "/", versions.index, auth=False),
    Route("GET", V, versions.show, auth=False),
    Route("GET", V + "/", versions.show, auth=False),
    Route("GET", V + "/extensions", extensions.index),
    Route("GET", V + "/extensions/{alias}", extensions.show),
    # flavors
    Route("GET", V + "/flavors", flavors.index),
    Route("POST", V + "/flavors", flavors.create),
    Route("GET", V + "/flavors/detail", flavors.detail),
    Route("GET", V + "/flavors/{flavor_id}", flavors.show),
    Route("PUT", V + "/flavors/{flavor_id}", flavors.update),
    Route("DELETE", V + "/flavors/{flavor_id}", flavors.delete),
    Route("POST", V + "/flavors/{flavor_id}/action", flavors.action),
    Route("GET", V + "/flavors/{flavor_id}/os-flavor-access", flavors.access_index),
    Route("GET", V + "/flavors/{flavor_id}/os-extra_specs", flavors.extra_specs_index),
    Route("POST", V + "/flavors/{flavor_id}/os-extra_specs", flavors.extra_specs_create),
    Route("GET", V + "/flavors/{flavor_id}/os-extra_specs/{key}", flavors.extra_spec_show),
    Route("PUT", V + "/flavors/{flavor_id}/os-extra_specs/{key}", flavors.extra_spec_update),
    Route("DELETE", V + "/flavors/{flavor_id}/os-extra_specs/{key}", flavors.extra_spec_delete),
    # the images proxy (until 2.36)
    Route("GET", V + "/images", images.index),
    Route("GET", V + "/images/detail", images.detail),
    Route("GET", V + "/images/{image_id}", images.show),
    Route("DELETE", V + "/images/{image_id}", images.delete),
    Route("GET", V + "/images/{image_id}/metadata", images.metadata_index),
    Route("PUT", V + "/images/{image_id}/metadata", images.metadata_replace),
    Route("POST", V + "/images/{image_id}/metadata", images.metadata_merge),
    Route("GET", V + "/images/{image_id}/metadata/{key}", images.metadata_show),
    Route("PUT", V + "/images/{image_id}/metadata/{key}", images.metadata_set),
    Route("DELETE", V + "/images/{image_id}/metadata/{key}", images.metadata_delete),
    # the security group proxy (until 2.36)
    Route("GET", V + "/os-security-groups", security_groups.index),
    Route("POST", V + "/os-security-groups", security_groups.create),
    Route("GET", V + "/os-security-groups/{group_id}", security_groups.show),
    Route("PUT", V + "/os-security-groups/{group_id}", security_groups.update),
    Route("DELETE", V + "/os-security-groups/{group_id}", security_groups.delete),
    Route("POST", V + "/os-security-group-rules", security_groups.rule_create),
    Route("DELETE", V + "/os-security-group-rules/{rule_id}", security_groups.rule_delete),
    # the floating IP proxy (until 2.36)
    Route("GET", V + "/os-floating-ips", floating_ips.index),
    Route("POST", V + "/os-floating-ips", floating_ips.create),
    Route("GET", V + "/os-floating-ips/{fip_id}", floating_ips.show),
    Route("DELETE", V + "/os-floating-ips/{fip_id}", floating_ips.delete),
    Route("GET", V + "/os-floating-ip-pools", floating_ips.pools_index),
    # the volume proxy (until 2.36)
    Route("GET", V + "/os-volumes", volumes.index),
    Route("GET", V + "/os-volumes/detail", volumes.index),
    Route("POST", V + "/os-volumes", volumes.create),
    Route("GET", V + "/os-volumes/{volume_id}", volumes.show),
    Route("DELETE", V + "/os-volumes/{volume_id}", volumes.delete),
    Route("GET", V + "/os-snapshots", volumes.snapshots_index),
    Route("GET", V + "/os-snapshots/detail", volumes.snapshots_index),
    Route("POST", V + "/os-snapshots", volumes.snapshot_create),
    Route("GET", V + "/os-snapshots/{snapshot_id}", volumes.snapshot_show),
    Route("DELETE", V + "/os-snapshots/{snapshot_id}", volumes.snapshot_delete),
    # the network proxies (until 2.36)
    Route("GET", V + "/os-networks", networks.index),
    Route("GET", V + "/os-networks/{network_id}", networks.show),
    Route("GET", V + "/os-tenant-networks", networks.tenant_index),
    Route("GET", V + "/os-tenant-networks/{network_id}", networks.tenant_show),
    # key pairs
    Route("GET", V + "/os-keypairs", keypairs.index),
    Route("POST", V + "/os-keypairs", keypairs.create),
    Route("GET", V + "/os-keypairs/{name}", keypairs.show),
    Route("DELETE", V + "/os-keypairs/{name}", keypairs.delete),
    # limits and quotas
    Route("GET", V + "/limits", quotas.limits),
    Route("GET", V + "/os-quota-sets/{project_id}", quotas.show),
    Route("PUT", V + "/os-quota-sets/{project_id}", quotas.update),
    Route("DELETE", V + "/os-quota-sets/{project_id}", quotas.delete),
    Route("GET", V + "/os-quota-sets/{project_id}/detail", quotas.detail),
    Route("GET", V + "/os-quota-sets/{project_id}/defaults", quotas.defaults),
    Route("GET", V + "/os-quota-class-sets/{class_name}", quotas.class_show),
    Route("PUT", V + "/os-quota-class-sets/{class_name}", quotas.class_update),
]

ROUTES += [
    Route("GET", V + "/servers", servers.index),
    Route("POST", V + "/servers", servers.create),
    Route("GET", V + "/servers/detail", servers.detail),
    Route("GET", V + "/servers/{server_id}", servers.show),
    Route("PUT", V + "/servers/{server_id}", servers.update),
    Route("DELETE", V + "/servers/{server_id}", servers.delete),
    Route("GET", V + "/servers/{server_id}/os-pocketstack-trace", servers.trace_index),
    Route("GET", V + "/servers/{server_id}/diagnostics", server_admin.diagnostics),
    Route("GET", V + "/servers/{server_id}/os-server-password", server_admin.password_show),
    Route("DELETE", V + "/servers/{server_id}/os-server-password", server_admin.password_clear),
    Route("GET", V + "/servers/{server_id}/ips", server_metadata.ips_index),
    Route("GET", V + "/servers/{server_id}/ips/{network_label}", server_metadata.ips_show),
    Route("GET", V + "/servers/{server_id}/tags", server_tags.index),
    Route("PUT", V + "/servers/{server_id}/tags", server_tags.replace),
    Route("DELETE", V + "/servers/{server_id}/tags", server_tags.delete_all),
    Route("GET", V + "/servers/{server_id}/tags/{tag}", server_tags.check),
    Route("PUT", V + "/servers/{server_id}/tags/{tag}", server_tags.add),
    Route("DELETE", V + "/servers/{server_id}/tags/{tag}", server_tags.delete),
    Route("GET", V + "/servers/{server_id}/metadata", server_metadata.metadata_index),
    Route("PUT", V + "/servers/{server_id}/metadata", server_metadata.metadata_replace),
    Route("POST", V + "/servers/{server_id}/metadata", server_metadata.metadata_merge),
    Route("GET", V + "/servers/{server_id}/metadata/{key}", server_metadata.metadata_show),
    Route("PUT", V + "/servers/{server_id}/metadata/{key}", server_metadata.metadata_set),
    Route("DELETE", V + "/servers/{server_id}/metadata/{key}", server_metadata.metadata_delete),
]

ROUTES += [
    Route("POST", V + "/servers/{server_id}/action", server_actions.action),
    Route("GET", V + "/servers/{server_id}/os-instance-actions", server_actions.actions_index),
    Route("GET", V + "/servers/{server_id}/os-security-groups", server_security_groups.index),
    Route("GET", V + "/servers/{server_id}/os-instance-actions/{request_id}", server_actions.actions_show),
    Route("GET", V + "/servers/{server_id}/os-interface", interfaces.index),
    Route("POST", V + "/servers/{server_id}/os-interface", interfaces.create),
    Route("GET", V + "/servers/{server_id}/os-interface/{port_id}", interfaces.show),
    Route("DELETE", V + "/servers/{server_id}/os-interface/{port_id}", interfaces.delete),
]

ROUTES += [
    Route("GET", V + "/os-hypervisors", hosts.hypervisors_index),
    Route("GET", V + "/os-hypervisors/detail", hosts.hypervisors_detail),
    Route("GET", V + "/os-hypervisors/statistics", hosts.hypervisor_statistics),
    Route("GET", V + "/os-hypervisors/{hypervisor_id}", hosts.hypervisor_show),
    Route("GET", V + "/os-hypervisors/{hypervisor_id}/uptime", hosts.hypervisor_uptime),
    Route("GET", V + "/os-hypervisors/{hypervisor_id}/search", hosts.hypervisor_search),
    Route("GET", V + "/os-hypervisors/{hypervisor_id}/servers", hosts.hypervisor_servers),
    Route("GET", V + "/os-hosts", hosts.os_hosts_index),
    Route("GET", V + "/os-hosts/{host_name}", hosts.os_host_show),
    Route("PUT", V + "/os-hosts/{host_name}", hosts.os_host_update),
    Route("GET", V + "/os-hosts/{host_name}/{action}", hosts.os_host_power),
    Route("GET", V + "/os-services", hosts.services_index),
    Route("PUT", V + "/os-services/{service_id}", hosts.service_update),
    Route("GET", V + "/os-availability-zone", hosts.availability_zones),
    Route("GET", V + "/os-availability-zone/detail", hosts.availability_zones_detail),
    Route("GET", V + "/os-migrations", server_moves.migrations_index),
    Route("GET", V + "/os-simple-tenant-usage", usage.index),
    Route("GET", V + "/os-simple-tenant-usage/{tenant_id}", usage.show),
    Route("GET", V + "/os-instance_usage_audit_log", usage.audit_log_index),
    Route("GET", V + "/os-instance_usage_audit_log/{before_timestamp}", usage.audit_log_show),
    Route("GET", V + "/os-server-groups", server_groups.index),
    Route("POST", V + "/os-server-groups", server_groups.create),
    Route("GET", V + "/os-server-groups/{group_id}", server_groups.show),
    Route("DELETE", V + "/os-server-groups/{group_id}", server_groups.delete),
    Route("POST", V + "/os-server-external-events", server_groups.external_events),
]

ROUTES += [
    Route("GET", V + "/servers/{server_id}/os-volume_attachments", volume_attachments.index),
    Route("POST", V + "/servers/{server_id}/os-volume_attachments", volume_attachments.create),
    Route("GET", V + "/servers/{server_id}/os-volume_attachments/{volume_id}", volume_attachments.show),
    Route("PUT", V + "/servers/{server_id}/os-volume_attachments/{volume_id}", volume_attachments.update),
    Route("DELETE", V + "/servers/{server_id}/os-volume_attachments/{volume_id}", volume_attachments.delete),
    Route("POST", V + "/os-assisted-volume-snapshots", assisted_snapshots.create),
    Route("DELETE", V + "/os-assisted-volume-snapshots/{snapshot_id}", assisted_snapshots.delete),
]

ROUTES += [
    Route("GET", V + "/os-aggregates", aggregates.index),
    Route("POST", V + "/os-aggregates", aggregates.create),
    Route("GET", V + "/os-aggregates/{aggregate_id}", aggregates.show),
    Route("PUT", V + "/os-aggregates/{aggregate_id}", aggregates.update),
    Route("DELETE", V + "/os-aggregates/{aggregate_id}", aggregates.delete),
    Route("POST", V + "/os-aggregates/{aggregate_id}/action", aggregates.action),
]


def _legacy(handler: Handler) -> Handler:
    """A v2.1 handler served under /v2, Nova's legacy endpoint: no microversions there,
    every request is 2.1 whatever it asks."""

    async def run(request: Request) -> Response:
        request.state["version"] = MIN_VERSION
        return await handler(request)

    return run


ROUTES += [
    Route("GET", "/v2", versions.show_v20, auth=False),
    Route("GET", "/v2/", versions.show_v20, auth=False),
]
ROUTES += [
    Route(r.method, "/v2" + r.pattern[len(V) :], _legacy(r.handler), auth=r.auth, body_limit=r.body_limit)
    for r in list(ROUTES)
    if r.pattern.startswith(V + "/") and r.auth
]

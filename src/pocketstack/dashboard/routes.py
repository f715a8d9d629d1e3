"""The dashboard's pages (paths under /dashboard). ``auth=False``: no session needed."""

from __future__ import annotations

from pocketstack.dashboard import admin, auth, instances, resources, topology
from pocketstack.dashboard.app import route

ROUTES = [
    route("GET", "/login", auth.login_form, auth=False),
    route("POST", "/login", auth.login, auth=False),
    route("POST", "/logout", auth.logout),
    route("POST", "/project", auth.switch_project),
    route("GET", "/static/{name}", resources.static, auth=False),
    route("GET", "/", resources.overview),
    route("GET", "/instances", instances.index),
    route("GET", "/instances/rows", instances.rows),
    route("GET", "/launch", instances.launch_form),
    route("POST", "/launch", instances.launch),
    route("GET", "/instances/{server_id}", instances.show),
    route("GET", "/instances/{server_id}/status", instances.detail_status),
    route("GET", "/instances/{server_id}/console", instances.console),
    route("POST", "/instances/{server_id}/action", instances.action),
    route("POST", "/instances/{server_id}/resize", instances.resize),
    route("POST", "/instances/{server_id}/snapshot", instances.snapshot),
    route("POST", "/instances/{server_id}/floating-ips", instances.associate_floating_ip),
    route("POST", "/instances/{server_id}/floating-ips/{floating_ip_id}/release", instances.release_floating_ip),
    route("POST", "/instances/{server_id}/volumes", instances.attach_volume),
    route("POST", "/instances/{server_id}/volumes/{volume_id}/detach", instances.detach_volume),
    route("GET", "/images", resources.images),
    route("GET", "/networks", resources.networks),
    route("POST", "/networks", resources.create_network),
    route("GET", "/volumes", resources.volumes),
    route("POST", "/volumes", resources.create_volume),
    route("POST", "/volumes/{volume_id}/action", resources.volume_action),
    route("POST", "/snapshots/{snapshot_id}/delete", resources.delete_snapshot),
    route("GET", "/keypairs", resources.keypairs),
    route("POST", "/keypairs", resources.create_keypair),
    route("POST", "/keypairs/{name}/delete", resources.delete_keypair),
    route("GET", "/security-groups", resources.security_groups),
    route("POST", "/security-groups", resources.create_security_group),
    route("POST", "/security-groups/{group_id}/delete", resources.delete_security_group),
    route("POST", "/security-groups/{group_id}/rules", resources.create_rule),
    route("POST", "/security-group-rules/{rule_id}/delete", resources.delete_rule),
    route("GET", "/topology", topology.page),
    route("GET", "/topology.svg", topology.drawing),
    route("GET", "/admin", admin.overview),
]

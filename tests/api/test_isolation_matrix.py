"""The isolation matrix: every route of every service, as every kind of caller.

The routes come from the services' published OpenAPI documents (``GET
/<service>/openapi.json``, generated from the route tables), so a new route that no rule
below classifies fails ``test_every_route_is_classified``. Project A's member
(``owner``) makes one resource of each kind first (tests/api/isolation_support.py);
then each route, its path filled with A's resources, is called by:

- ``other``: a member of project B. Another project's resource is hidden: 404 where
  the reference hides existence (Nova, Neutron, Glance, Cinder), 403 in Keystone, and
  a 400 for Cinder's paths that name A's project; lists answer B's own things only (no
  id of A's appears in the body);
- ``reader``: a reader of A: reads answer, writes are 403;
- ``norole``: a user whose only role on A is one no rule names: 403 (Neutron and Glance
  hide, 404);
- ``anon``: no token and a token that does not validate: 401;
- ``admin``: allowed (never 401/403; 404 or 409 of the thing asked is an answer).

After the non-admin callers, the owner re-reads every resource of A: nothing changed.
The admin pass runs last (its deletes last of all). No answer may be a 5xx.

The matrix (route x caller -> status) is written as Markdown to
``POCKETSTACK_ISOLATION_MATRIX`` (default: the test's tmp dir) and its counts printed.
A route whose expectation cannot be asserted automatically is in ``UNCOVERED`` with the
reason; it is still called and its answers are in the matrix.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from pocketstack import cloud as cloud_services
from pocketstack.testing.cloud import CloudClient, in_process_cloud
from pocketstack.testing.cloud import test_config as cloud_config
from tests.api.isolation_support import Callers, Seeded, body_for, make_callers, seed

SERVICES = ("identity", *(spec.name for spec in cloud_services.SERVICES))
NON_ADMIN = ("anon", "norole", "reader", "other")
COLUMNS = ("other", "reader", "norole", "anon", "admin")
WRITES = {"POST", "PUT", "PATCH", "DELETE"}

# -- expectations ----------------------------------------------------------------------
# An expectation per caller: "2xx", an exact status ("403", "404", "400"), or "ok"
# (allowed: anything but 401, 403 and 5xx).

Expect = dict[str, str]


def kind(other: str, reader: str, norole: str, admin: str = "ok") -> Expect:
    return {"other": other, "reader": reader, "norole": norole, "anon": "401", "admin": admin}


# Per service: what a user with no role on A meets (reads, writes, lists), and how another
# project's resource answers.
NOROLE = {
    "compute": ("403", "403", "403"),
    "volume": ("403", "403", "403"),
    "network": ("404", "404", "2xx"),
    "image": ("404", "404", "403"),
    "placement": ("403", "403", "403"),
    "identity": ("403", "403", "2xx"),
    "object": ("403", "403", "403"),
    "ec2": ("403", "403", "403"),
}
HIDDEN = {
    "compute": "404",
    "volume": "404",
    "network": "404",
    "image": "404",
    "placement": "403",
    "identity": "403",
    "object": "403",
    "ec2": "403",
}


def kinds(service: str) -> dict[str, Expect]:
    n_read, n_write, n_list = NOROLE[service]
    hidden = HIDDEN[service]
    return {
        # anyone with a token, whatever their role
        "any": kind("2xx", "2xx", "2xx"),
        # any member or reader of some project (the caller's own project is the target)
        "reader_own": kind("2xx", "2xx", n_list),
        # administrators only
        "admin": kind("403", "403", "403"),
        # administrators only, the rest told "not found" (Neutron's shows of admin things)
        "admin_hidden": kind("404", "404", "404"),
        # a list: every caller gets its own project's things
        "list": kind("2xx", "2xx", n_list),
        # a create in the caller's own project
        "create": kind("ok", "403", "403"),
        # A's resource, read
        "read": kind(hidden, "ok", n_read),
        # A's resource, changed
        "write": kind(hidden, "403", n_write),
        # an administrator's action on A's resource: the resource is hidden from B
        "admin_on_owned": kind(hidden, "403", n_write),
        # an administrator's action whose rule is checked before the lookup: 403 for any id
        "admin_checked_first": kind("403", "403", n_write),
        # project A named in the path (quotas, usage): readers of A, admins
        "project_read": kind("403", "2xx", "403"),
        # A's project named in a Cinder path: B's token with A's project is a bad URL
        "a_path_other": kind("400", "", ""),
        # things of one user (Nova key pairs): every other user's lookup misses
        "user_owned": kind("404", "404", "404"),
        # Keystone: A itself (and its tags), readable by anyone whose token is scoped to it
        "own_project_read": kind("403", "2xx", "2xx"),
        # Swift (keystoneauth): the account is its project's; an admin of another project
        # is no operator of it (only ResellerAdmin is)
        "swift_read": kind("403", "2xx", "403", admin="403"),
        "swift_write": kind("403", "403", "403", admin="403"),
    }


@dataclass(frozen=True)
class Rule:
    methods: str  # "GET", "WRITE" (POST/PUT/PATCH/DELETE), "*" or "GET,HEAD"
    path: str  # a regex over the path without its version prefix, anchored
    kind: str
    # caller -> expectation, where the reference differs from the kind
    override: tuple[tuple[str, str], ...] = ()

    def matches(self, method: str, path: str) -> bool:
        if self.methods == "WRITE":
            ok = method in WRITES
        elif self.methods == "*":
            ok = True
        else:
            ok = method in self.methods.split(",")
        return ok and re.fullmatch(self.path, path) is not None


def R(methods: str, path: str, kind_: str, **override: str) -> Rule:
    return Rule(methods, path, kind_, tuple(override.items()))


ID = r"\{[a-z_]+\}"
SUB = r"(/.*)?"

RULES: dict[str, list[Rule]] = {
    "compute": [
        R("GET", r"/extensions(/\{alias\})?", "any"),
        R("GET", r"/limits", "any"),
        R("GET", r"/os-availability-zone", "any"),
        R("GET", r"/flavors(/detail|/\{flavor_id\})?", "any"),
        R("GET", r"/flavors/\{flavor_id\}/os-extra_specs(/\{key\})?", "reader_own"),
        R("*", r"/flavors" + SUB, "admin"),
        # the image proxy: the image service's answers (it hides A's image from a caller
        # with no role: 404), then the proxy's rules
        R("GET", r"/images(/detail)?", "list"),
        R("GET", r"/images/\{image_id\}" + SUB, "read", norole="404"),
        R("WRITE", r"/images/\{image_id\}" + SUB, "write", norole="404"),
        # the Neutron and Cinder proxies: Nova's rules first
        R("GET", r"/os-(security-groups|floating-ips|volumes|snapshots|networks|tenant-networks)(/detail)?", "list"),
        R("GET", r"/os-floating-ip-pools", "any"),
        R("POST", r"/os-(security-groups|floating-ips|volumes|snapshots|security-group-rules)", "create"),
        R("GET", r"/os-(security-groups|floating-ips|volumes|snapshots|networks|tenant-networks)/" + ID, "read"),
        R("WRITE", r"/os-(security-groups|floating-ips|volumes|snapshots|security-group-rules)/" + ID, "write"),
        # key pairs are the user's own: any user lists and makes its own
        R("GET", r"/os-keypairs", "list", norole="2xx"),
        R("POST", r"/os-keypairs", "create", reader="ok", norole="ok"),
        R("*", r"/os-keypairs/\{name\}", "user_owned"),
        R("GET", r"/os-quota-sets/\{project_id\}/defaults", "any"),
        R("GET", r"/os-quota-sets/\{project_id\}(/detail)?", "project_read"),
        R("*", r"/os-quota-(class-)?sets" + SUB, "admin"),
        R("GET", r"/servers(/detail)?", "list"),
        R("POST", r"/servers", "create"),
        R("GET", r"/servers/\{server_id\}/diagnostics", "admin_on_owned"),
        # pocketstack's own admin extension checks its rule first: 403 for any id
        R("GET", r"/servers/\{server_id\}/os-pocketstack-trace", "admin_on_owned", other="403"),
        R("PUT", r"/servers/\{server_id\}/os-volume_attachments/\{volume_id\}", "admin_on_owned"),
        R("GET", r"/servers/\{server_id\}" + SUB, "read"),
        R("WRITE", r"/servers/\{server_id\}" + SUB, "write"),
        R("GET", r"/os-server-groups", "list"),
        R("POST", r"/os-server-groups", "create"),
        R("GET", r"/os-server-groups/\{group_id\}", "read"),
        R("DELETE", r"/os-server-groups/\{group_id\}", "write"),
        R("GET", r"/os-simple-tenant-usage/\{tenant_id\}", "project_read"),
        # a host power action is not something the fake (or libvirt) driver does: 501
        R("GET", r"/os-hosts/\{host_name\}/\{action\}", "admin", admin="501"),
        R(
            "*",
            r"/os-(hypervisors|hosts|services|availability-zone/detail|migrations|simple-tenant-usage)" + SUB,
            "admin",
        ),
        R(
            "*",
            r"/os-(instance_usage_audit_log|aggregates|assisted-volume-snapshots|server-external-events)" + SUB,
            "admin",
        ),
    ],
    "network": [
        R("GET", r"(/extensions(/\{alias\})?|/service-providers|/availability_zones)?", "any"),
        R("GET", r"/quotas", "admin"),
        R("GET", r"/quotas/\{project_id\}(/default|/details|/details\.json)?", "project_read"),
        R("*", r"/quotas" + SUB, "admin"),
        # its first GET makes the topology: pocketstack also asks create_network (a reader
        # may not), where Neutron makes it with an elevated context
        R("GET", r"/auto-allocated-topology/\{project_id\}", "project_read", reader="403"),
        R("GET", r"/network-ip-availabilities", "admin"),
        R("GET", r"/network-ip-availabilities/\{network_id\}", "admin_hidden"),
        R("GET", r"/agents", "list"),
        R("*", r"/agents/\{agent_id\}", "admin_hidden"),
        R("GET", r"/[a-z-]+", "list"),
        # made on A's network or group, which a caller with no role cannot see: 404
        R("POST", r"/(ports|subnets|security-group-rules)", "create", norole="404"),
        R("POST", r"/[a-z-]+", "create"),
        R("GET", r"/[a-z-]+/" + ID + SUB, "read"),
        R("WRITE", r"/[a-z-]+/" + ID + SUB, "write"),
    ],
    "image": [
        R("GET", r"/schemas/.*", "any"),
        R("GET", r"/info/(import|stores|usage)", "any"),
        R("GET", r"/images", "list"),
        R("POST", r"/images", "create"),
        R("POST", r"/images/\{image_id\}/actions/(de|re)activate", "admin_on_owned"),
        # downloading takes the member role (download_image), not reader
        R("GET", r"/images/\{image_id\}/file", "read", reader="403"),
        R("GET", r"/images/\{image_id\}" + SUB, "read"),
        R("WRITE", r"/images/\{image_id\}" + SUB, "write"),
        R("*", r"/tasks" + SUB, "admin"),
        # metadefs (get_metadef_*: a reader of the owner's project, or a public namespace
        # for any reader): the namespace is public, a caller with no role sees none of it
        R("GET", r"/metadefs/(namespaces|resource_types)", "any", norole="403"),
        R("POST", r"/metadefs/namespaces", "admin"),
        R("GET", r"/metadefs/.*", "any", norole="404"),
        R("WRITE", r"/metadefs/.*", "admin", norole="404"),
    ],
    "placement": [
        R("*", r"/.+", "admin"),
    ],
    "volume": [
        R("GET", r"/extensions(/\{alias\})?", "any"),
        R("GET", r"/limits", "reader_own"),
        # Cinder has no rule for these reads (volume_extension:type_get and type_get_all
        # are open to anyone with a token): a caller with no role reads them too
        R("GET", r"/(os-availability-zone|resource_filters)", "reader_own", norole="2xx"),
        R("GET", r"/(types|group_types)(/" + ID + ")?", "reader_own", norole="2xx"),
        R("GET", r"/types/\{type_id\}/extra_specs(/\{key\})?", "reader_own"),
        R("*", r"/(types|group_types|default-types|qos-specs)" + SUB, "admin"),
        R("GET", r"/os-quota-sets/\{target_id\}(/defaults)?", "project_read"),
        R("*", r"/os-quota-(class-)?sets" + SUB, "admin"),
        R("*", r"/(manageable_volumes|manageable_snapshots|os-volume-manage|os-snapshot-manage)" + SUB, "admin"),
        R("*", r"/(scheduler-stats|capabilities|os-services|os-hosts|clusters)" + SUB, "admin"),
        R("*", r"/backups/(import_record|\{backup_id\}/export_record)", "admin"),
        R("POST", r"/(os-volume-transfer|volume-transfers)/\{transfer_id\}/accept", "write", other="ok"),
        R("GET", r"/(volumes|snapshots|backups|groups|group_snapshots|os-volume-transfer|volume-transfers)", "list"),
        R("GET", r"/(volumes|snapshots|backups|groups|group_snapshots|messages)/(detail|summary)", "list"),
        R("GET", r"/(os-volume-transfer|volume-transfers)/detail", "list"),
        # Cinder has no read rule for attachments (filtered by project): 2xx for no role
        R("GET", r"/attachments(/detail)?", "list", norole="2xx"),
        R("GET", r"/attachments/\{attachment_id\}", "read", norole="2xx"),
        R("GET", r"/messages", "list"),
        # Cinder's admin actions check the rule before looking the thing up: 403 for any id
        R("POST", r"/(snapshots|backups|group_snapshots)/" + ID + "/action", "admin_on_owned", other="403"),
        R(
            "POST",
            r"/(volumes|snapshots|backups|groups|group_snapshots|attachments|os-volume-transfer|volume-transfers)",
            "create",
        ),
        R("POST", r"/groups/action", "create"),
        R("GET", r"/[a-z_-]+/" + ID + SUB, "read"),
        R("WRITE", r"/[a-z_-]+/" + ID + SUB, "write"),
    ],
    "object": [
        # No account management: PUT and DELETE of an account (without their bulk query)
        # answer 405 to everyone here, where Swift's proxy authorizes first (401/403); the
        # same answer for every caller reveals nothing.
        R(
            "PUT,DELETE",
            r"/\{account\}",
            "swift_write",
            other="405",
            reader="405",
            norole="405",
            admin="405",
            anon="405",
        ),
        R("GET,HEAD", r"/\{account\}(/\{container\}(/\{object(:path)?\})?)?", "swift_read"),
        R("*", r"/\{account\}" + SUB, "swift_write"),
    ],
    "ec2": [
        R("GET", r"/ids/\{ident\}", "admin"),
    ],
    "identity": [
        R("GET", r"/auth/(catalog|projects|domains|system)", "any"),
        R("GET", r"/(regions(/\{region_id\})?|limits/model|registered_limits(/\{registered_limit_id\})?)", "any"),
        R("GET", r"/(limits|credentials)", "list"),
        # Keystone: only the user itself makes its application credentials and trusts
        R("POST", r"/users/\{user_id\}/application_credentials", "admin", admin="403"),
        R("POST", r"/OS-TRUST/trusts", "admin", admin="403"),
        # Keystone: a password change is proven by the old password, not by a token's
        # roles (a user whose password expired has no token); a wrong one is a 401
        R("POST", r"/users/\{user_id\}/password", "admin", other="401", reader="401", norole="401", admin="401"),
        R("GET", r"/limits/\{limit_id\}", "own_project_read"),
        R("GET", r"/projects/\{project_id\}(/tags(/\{tag\})?)?", "own_project_read"),
        R("PUT", r"/OS-OAUTH1/authorize/\{request_token_id\}", "any", other="ok", reader="ok", norole="ok"),
        R("*", r"/.*", "admin"),
    ],
}

# Open routes (no token) answer without one, except OAuth1's, which take a signature.
OPEN_OVERRIDES = {
    ("identity", "POST", "/v3/OS-OAUTH1/request_token"): "401",
    ("identity", "POST", "/v3/OS-OAUTH1/access_token"): "401",
    # EC2's query API: no signature is AWS's MissingAuthenticationToken (401)
    ("ec2", "POST", "/"): "401",
    ("ec2", "GET", "/"): "401",
}
# Swift's routes that take no token at all (the rest authenticate in their handlers).
OBJECT_OPEN = ("/info", "/healthcheck", "/crossdomain.xml")
# Nova's legacy /v2 endpoint is microversion 2.1: what came later is not there for anyone.
LEGACY_ABSENT = re.compile(r"/v2/servers/\{server_id\}/tags(/.*)?")
# Routes whose answer cannot be asserted automatically: still called, never silently.
UNCOVERED: dict[tuple[str, str, str], str] = {
    ("volume", "GET", "/v3/messages/{message_id}"): "no user message can be made through the API on demand "
    "(they record failures of the volume manager); answered 404 for every caller",
    ("volume", "GET", "/v3/{project_id}/messages/{message_id}"): "as GET /v3/messages/{message_id}",
    ("volume", "DELETE", "/v3/messages/{message_id}"): "as GET /v3/messages/{message_id}",
    ("volume", "DELETE", "/v3/{project_id}/messages/{message_id}"): "as GET /v3/messages/{message_id}",
}


def strip_version(service: str, pattern: str) -> tuple[str, bool]:
    """The path without its API version prefix; True when it names Cinder's project."""
    prefixes = {
        "compute": ("/v2.1", "/v2"),
        "network": ("/v2.0",),
        "image": ("/v2",),
        "volume": ("/v3/{project_id}", "/v3"),
        "identity": ("/v3",),
        "placement": ("",),
        "object": ("/v1",),
        "ec2": ("",),
    }[service]
    for prefix in prefixes:
        if prefix and pattern.startswith(prefix + "/"):
            return pattern[len(prefix) :], prefix.endswith("{project_id}")
        if prefix and pattern == prefix:
            return "", False
    return pattern, False


def expectation(service: str, method: str, pattern: str) -> Expect | None:
    if service not in RULES:
        return None
    if (service, method, pattern) in UNCOVERED:
        return {"anon": "401"}
    if service == "compute" and LEGACY_ABSENT.fullmatch(pattern):
        return kind("404", "404", "404", admin="404")
    path, a_path = strip_version(service, pattern)
    for rule in RULES[service]:
        if rule.matches(method, path):
            expect = dict(kinds(service)[rule.kind])
            if rule.kind == "read" and method == "GET" and re.fullmatch(r"/[a-z_-]+/\{[a-z_]+\}", path):
                # A's resource itself (not a part of it): an administrator reads it.
                expect["admin"] = "2xx"
            expect.update(dict(rule.override))
            if a_path:
                expect["other"] = "400"
            return expect
    return None


# -- request bodies and versions --------------------------------------------------------

Body = Callable[[Seeded, Callers], Any]
BODIES: dict[tuple[str, str, str], Body] = {
    ("compute", "POST", "/servers"): lambda s, c: {
        "server": {"name": "iso", "flavorRef": "1", "imageRef": s.params["image"]["image_id"], "networks": "none"}
    },
    ("compute", "PUT", "/servers/{server_id}"): lambda s, c: {"server": {"name": "iso-renamed"}},
    ("compute", "POST", "/servers/{server_id}/action"): lambda s, c: {"os-getConsoleOutput": {"length": 1}},
    ("compute", "PUT", "/servers/{server_id}/metadata"): lambda s, c: {"metadata": {"iso": "b"}},
    ("compute", "POST", "/servers/{server_id}/metadata"): lambda s, c: {"metadata": {"iso": "b"}},
    ("compute", "PUT", "/servers/{server_id}/metadata/{key}"): lambda s, c: {"meta": {"iso": "b"}},
    ("compute", "PUT", "/servers/{server_id}/tags"): lambda s, c: {"tags": ["iso", "b"]},
    ("compute", "POST", "/servers/{server_id}/os-interface"): lambda s, c: {
        "interfaceAttachment": {"net_id": s.params["network"]["network_id"]}
    },
    ("compute", "POST", "/servers/{server_id}/os-volume_attachments"): lambda s, c: {
        "volumeAttachment": {"volumeId": s.params["volume"]["volume_id"]}
    },
    ("compute", "PUT", "/servers/{server_id}/os-volume_attachments/{volume_id}"): lambda s, c: {
        "volumeAttachment": {"volumeId": s.params["volume"]["volume_id"]}
    },
    ("compute", "POST", "/os-keypairs"): lambda s, c: {"keypair": {"name": "iso-key2"}},
    ("compute", "POST", "/os-server-groups"): lambda s, c: {"server_group": {"name": "iso2", "policies": ["affinity"]}},
    ("volume", "POST", "/volumes/{volume_id}/action"): lambda s, c: {"os-update_readonly_flag": {"readonly": False}},
    ("volume", "PUT", "/volumes/{volume_id}"): lambda s, c: {"volume": {"name": "iso-renamed"}},
    ("volume", "PUT", "/snapshots/{snapshot_id}"): lambda s, c: {"snapshot": {"name": "iso-renamed"}},
    ("volume", "PUT", "/backups/{backup_id}"): lambda s, c: {"backup": {"name": "iso-renamed"}},
    ("volume", "POST", "/volumes/{volume_id}/metadata"): lambda s, c: {"metadata": {"iso": "b"}},
    ("volume", "PUT", "/volumes/{volume_id}/metadata"): lambda s, c: {"metadata": {"iso": "b"}},
    ("volume", "PUT", "/volumes/{volume_id}/metadata/{key}"): lambda s, c: {"meta": {"iso": "b"}},
    ("volume", "POST", "/snapshots/{snapshot_id}/metadata"): lambda s, c: {"metadata": {"iso": "b"}},
    ("volume", "PUT", "/snapshots/{snapshot_id}/metadata"): lambda s, c: {"metadata": {"iso": "b"}},
    ("volume", "PUT", "/snapshots/{snapshot_id}/metadata/{key}"): lambda s, c: {"meta": {"iso": "b"}},
    ("volume", "POST", "/volume-transfers/{transfer_id}/accept"): lambda s, c: {"accept": {"auth_key": "wrong"}},
    ("volume", "POST", "/os-volume-transfer/{transfer_id}/accept"): lambda s, c: {"accept": {"auth_key": "wrong"}},
    ("volume", "POST", "/volumes"): lambda s, c: {"volume": {"size": 1, "name": "iso-new"}},
    ("volume", "POST", "/snapshots"): lambda s, c: {"snapshot": {"volume_id": s.params["volume"]["volume_id"]}},
    ("volume", "POST", "/backups"): lambda s, c: {"backup": {"volume_id": s.params["volume"]["volume_id"]}},
    ("network", "PUT", "/networks/{network_id}"): lambda s, c: {"network": {"name": "iso-renamed"}},
    ("network", "PUT", "/subnets/{subnet_id}"): lambda s, c: {"subnet": {"name": "iso-renamed"}},
    ("network", "PUT", "/ports/{port_id}"): lambda s, c: {"port": {"name": "iso-renamed"}},
    ("network", "PUT", "/routers/{router_id}"): lambda s, c: {"router": {"name": "iso-renamed"}},
    ("network", "PUT", "/floatingips/{floatingip_id}"): lambda s, c: {"floatingip": {"description": "iso-renamed"}},
    ("network", "PUT", "/security-groups/{security_group_id}"): lambda s, c: {
        "security_group": {"name": "iso-renamed"}
    },
    ("network", "PUT", "/subnetpools/{subnetpool_id}"): lambda s, c: {"subnetpool": {"name": "iso-renamed"}},
    ("network", "PUT", "/routers/{router_id}/add_router_interface"): lambda s, c: {
        "subnet_id": s.params["network"]["subnet_id"]
    },
    ("network", "PUT", "/routers/{router_id}/remove_router_interface"): lambda s, c: {
        "subnet_id": s.params["network"]["subnet_id"]
    },
    ("network", "PUT", "/networks/{network_id}/tags"): lambda s, c: {"tags": ["iso", "b"]},
    ("image", "PATCH", "/images/{image_id}"): lambda s, c: [{"op": "replace", "path": "/name", "value": "iso-renamed"}],
    ("identity", "POST", "/credentials"): lambda s, c: {
        "credential": {"type": "totp", "user_id": c.user_ids["owner"], "blob": "iso"}
    },
    ("identity", "POST", "/users/{user_id}/password"): lambda s, c: {
        "user": {"original_password": "not-the-password", "password": "iso-owner-pw2"}
    },
    ("compute", "POST", "/os-aggregates/{aggregate_id}/action"): lambda s, c: {
        "set_metadata": {"metadata": {"iso": "b"}}
    },
    ("compute", "PUT", "/os-security-groups/{group_id}"): lambda s, c: {
        "security_group": {"name": "iso-renamed", "description": "iso"}
    },
    ("network", "POST", "/security-group-rules"): lambda s, c: {
        "security_group_rule": {"security_group_id": s.params["network"]["security_group_id"], "direction": "egress"}
    },
    ("network", "POST", "/subnets"): lambda s, c: {
        "subnet": {"network_id": s.params["network"]["network_id"], "cidr": "10.77.9.0/24", "ip_version": 4}
    },
    ("network", "POST", "/ports"): lambda s, c: {"port": {"network_id": s.params["network"]["network_id"]}},
    ("image", "POST", "/images/{image_id}/import"): lambda s, c: {"method": {"name": "glance-direct"}},
    ("image", "POST", "/images/{image_id}/members"): lambda s, c: {"member": c.project_b},
    ("volume", "POST", "/snapshots/{snapshot_id}/action"): lambda s, c: {"os-reset_status": {"status": "available"}},
    ("volume", "POST", "/backups/{backup_id}/action"): lambda s, c: {"os-reset_status": {"status": "available"}},
    ("volume", "PUT", "/group_types/{group_type_id}/group_specs/{key}"): lambda s, c: {"iso": "b"},
    ("volume", "PUT", "/groups/{group_id}"): lambda s, c: {"group": {"name": "iso-renamed"}},
    ("volume", "POST", "/attachments/{attachment_id}/action"): lambda s, c: {"os-complete": {}},
}
MEDIA = {("image", "PATCH"): "application/openstack-images-v2.1-json-patch"}


def _verb(body: Any) -> Body:
    return lambda s, c: body


def _server_verbs() -> dict[str, tuple[str, Body]]:
    """Every server action (POST /servers/{server_id}/action) as its own row: the kind
    of rule Nova checks for it (a member's or an admin's)."""
    member = {
        "reboot": {"type": "SOFT"},
        "os-stop": None,
        "os-start": None,
        "pause": None,
        "unpause": None,
        "suspend": None,
        "resume": None,
        "lock": None,
        "unlock": None,
        "rescue": None,
        "unrescue": None,
        "createImage": {"name": "iso-snapshot"},
        "createBackup": {"name": "iso-backup", "backup_type": "daily", "rotation": 1},
        "changePassword": {"adminPass": "iso-password"},
        "trigger_crash_dump": None,
        "addSecurityGroup": {"name": "default"},
        "removeSecurityGroup": {"name": "default"},
        "resize": {"flavorRef": "2"},
        "confirmResize": None,
        "revertResize": None,
        "shelve": None,
        "unshelve": None,
        "restore": None,
        "forceDelete": None,
    }
    admin = {
        "os-resetState": {"state": "active"},
        "injectNetworkInfo": None,
        "migrate": None,
        "os-migrateLive": {"host": None, "block_migration": "auto"},
        "evacuate": {},
    }
    verbs: dict[str, tuple[str, Body]] = {k: ("write", _verb({k: v})) for k, v in member.items()}
    verbs.update({k: ("admin_on_owned", _verb({k: v})) for k, v in admin.items()})
    verbs["rebuild"] = ("write", lambda s, c: {"rebuild": {"imageRef": s.params["image"]["image_id"]}})
    return verbs


def _volume_verbs() -> dict[str, tuple[str, Body]]:
    """Every volume action (POST /volumes/{volume_id}/action) as its own row."""
    member = {
        "os-extend": {"new_size": 2},
        "os-set_bootable": {"bootable": False},
        "os-reserve": None,
        "os-unreserve": None,
        "os-begin_detaching": None,
        "os-roll_detaching": None,
        "os-detach": {},
        "os-initialize_connection": {"connector": {"host": "iso"}},
        "os-terminate_connection": {"connector": {"host": "iso"}},
        "os-volume_upload_image": {"image_name": "iso-upload"},
        "os-set_image_metadata": {"metadata": {"iso": "b"}},
        "os-unset_image_metadata": {"key": "iso"},
        "os-retype": {"new_type": "iso-type"},
    }
    admin = {
        "os-reset_status": {"status": "available"},
        "os-force_delete": {},
        "os-unmanage": {},
    }
    verbs: dict[str, tuple[str, Body]] = {k: ("write", _verb({k: v})) for k, v in member.items()}
    # Cinder's admin actions check their rule before the volume is looked up: 403 for any id.
    verbs.update({k: ("admin_checked_first", _verb({k: v})) for k, v in admin.items()})
    return verbs


# Action routes whose body names the verb: one row per verb.
VERBS: dict[tuple[str, str, str], dict[str, tuple[str, Body]]] = {
    ("compute", "POST", "/servers/{server_id}/action"): _server_verbs(),
    ("volume", "POST", "/volumes/{volume_id}/action"): _volume_verbs(),
}
HEADERS = {("object", "COPY"): {"Destination": "iso/iso-copy.txt"}}

COMPUTE_PROXIES = re.compile(
    r"/(images|os-security-groups|os-security-group-rules|os-floating-ips|os-floating-ip-pools|os-volumes|"
    r"os-snapshots|os-networks|os-tenant-networks|os-hosts)(/|$)|/os-hypervisors/[^/]+/(search|servers)"
)


def version_header(service: str, path: str) -> dict[str, str]:
    if service == "compute":
        return {"OpenStack-API-Version": "compute 2.35" if COMPUTE_PROXIES.search(path) else "compute 2.90"}
    if service == "volume":
        return {"OpenStack-API-Version": "volume 3.71"}
    if service == "placement":
        return {"OpenStack-API-Version": "placement latest"}
    return {}


# -- the run ------------------------------------------------------------------------------


@dataclass
class Row:
    service: str
    method: str
    pattern: str
    auth: bool
    expect: Expect | None
    path: str = ""
    got: dict[str, int] = field(default_factory=dict)
    # One verb of an action route (its body's key) and that verb's body.
    verb: str = ""
    body: Body | None = None

    @property
    def key(self) -> str:
        return f"{self.service} {self.method} {self.pattern}" + (f" ({self.verb})" if self.verb else "")


def judge(expect: str, status: int) -> bool:
    if status >= 500:
        return str(status) == expect
    if expect == "2xx":
        return 200 <= status < 300
    if expect == "ok":
        return status not in (401, 403)
    return str(status) == expect


@dataclass
class Matrix:
    rows: list[Row]
    mismatches: list[str] = field(default_factory=list)
    leaks: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    seed_failures: list[str] = field(default_factory=list)

    def markdown(self) -> str:
        lines = [
            "# Isolation matrix",
            "",
            "Route x caller -> HTTP status (`!` marks an answer that is not the expected one).",
            "",
            "| service | method | route | " + " | ".join(COLUMNS) + " |",
            "|---|---|---|" + "---|" * len(COLUMNS),
        ]
        for row in self.rows:
            cells = []
            for role in COLUMNS:
                got = row.got.get(role)
                want = (row.expect or {}).get(role, "")
                mark = "" if got is None or not want or judge(want, got) else "!"
                cells.append(f"{got}{mark}" if got is not None else "-")
            route = f"`{row.pattern}`" + (f" ({row.verb})" if row.verb else "")
            lines.append(f"| {row.service} | {row.method} | {route} | " + " | ".join(cells) + " |")
        return "\n".join(lines) + "\n"

    def counts(self) -> dict[str, Any]:
        cells = sum(len(r.got) for r in self.rows)
        per_service = Counter(r.service for r in self.rows if not r.verb)
        return {
            "routes": sum(per_service.values()),
            "action_verbs": sum(1 for r in self.rows if r.verb),
            "routes_per_service": dict(per_service),
            "open_routes": sum(1 for r in self.rows if not r.auth),
            "uncovered": len(UNCOVERED),
            "cells": cells,
            "mismatches": len(self.mismatches),
            "leaks": len(self.leaks),
            "changed": len(self.changed),
        }


class MatrixRun:
    def __init__(self, client: CloudClient, callers: Callers, seeded: Seeded, docs: dict[str, Any]) -> None:
        self.client = client
        self.callers = callers
        self.seeded = seeded
        self.docs = docs

    def fill(self, service: str, pattern: str) -> str:
        def sub(m: re.Match[str]) -> str:
            return self.seeded.value(service, pattern, m.group(1))

        return re.sub(r"\{([a-zA-Z_]+)(?::path)?\}", sub, pattern)

    async def call(self, row: Row, role: str) -> tuple[int, str]:
        op = self.docs[row.service]["paths"][row.pattern][row.method.lower()]
        path, _ = strip_version(row.service, row.pattern)
        maker = row.body or BODIES.get((row.service, row.method, path))
        body = maker(self.seeded, self.callers) if maker else body_for(op)
        headers = {
            **self.callers.headers(role),
            **version_header(row.service, path),
            **HEADERS.get((row.service, row.method), {}),
        }
        if row.service == "identity" and path == "/auth/tokens":
            headers["X-Subject-Token"] = self.callers.subject_token
        kwargs: dict[str, Any] = {}
        if body is not None and row.method in ("POST", "PUT", "PATCH"):
            kwargs["content"] = json.dumps(body).encode()
            headers["Content-Type"] = MEDIA.get((row.service, row.method), "application/json")
        url = f"/{row.service}{row.path}"
        r = await self.client.http.request(row.method, url, headers=headers, **kwargs)
        return r.status_code, r.text

    async def run_role(self, row: Row, role: str) -> None:
        if role == "anon":
            no_token, text = await self.call(row, "anon")
            bad_token, _ = await self.call(row, "badtoken")
            status = no_token if no_token == bad_token else (no_token if no_token != 401 else bad_token)
        else:
            status, text = await self.call(row, role)
        row.got[role] = status
        want = (row.expect or {}).get(role)
        if status >= 500 and want != str(status):
            self.matrix.mismatches.append(f"{row.key} as {role}: {status} {text[:200]}")
            return
        if want and not judge(want, status):
            self.matrix.mismatches.append(f"{row.key} as {role}: {status}, expected {want}: {text[:160]}")
        if role in ("other",) and 200 <= status < 300:
            leaked = [i for i in self.seeded.secret_ids if i in text]
            if leaked:
                self.matrix.leaks.append(f"{row.key} as {role}: answer names A's {leaked}")

    async def owner_view(self, role: str = "owner") -> dict[str, Any]:
        view: dict[str, Any] = {}
        headers = {"X-Auth-Token": self.callers.tokens[role]}
        for name, url in self.seeded.owned_reads.items():
            service = url.split("/")[1]
            r = await self.client.http.get(url, headers={**headers, **version_header(service, url)})
            try:
                data: Any = r.json() if r.content else None
            except ValueError:
                data = r.text
            view[name] = (r.status_code, _stable(data))
        return view

    async def run(self, rows: list[Row]) -> Matrix:
        self.matrix = Matrix(rows, seed_failures=list(self.seeded.failures))
        for row in rows:
            row.path = self.fill(row.service, row.pattern)
        before = await self.owner_view()
        for row in sorted(rows, key=_order):
            roles = ("anon",) if not row.auth else NON_ADMIN
            for role in roles:
                await self.run_role(row, role)
        after = await self.owner_view()
        for name, seen in before.items():
            if after[name] != seen:
                self.matrix.changed.append(f"{name}: {seen} -> {after[name]}")
        # An administrator reads every project's resources, but what the reference keeps
        # from it: another user's key pair (Nova looks in the caller's own) and object
        # storage account (keystoneauth: only its project's operators and reseller admins).
        for name, (status, _) in (await self.owner_view("admin")).items():
            want = ADMIN_READS.get(name, 200)
            if status != want:
                self.matrix.mismatches.append(f"admin re-read of A's {name}: {status}, expected {want}")
        for row in sorted(rows, key=_order):
            if row.auth:
                await self.run_role(row, "admin")
        return self.matrix


ADMIN_READS = {"keypair": 404, "object": 403, "container": 403}
VOLATILE = {"updated", "updated_at", "progress", "OS-EXT-STS:task_state", "last_used_at"}


def _stable(data: Any) -> Any:
    if isinstance(data, dict):
        return {k: _stable(v) for k, v in data.items() if k not in VOLATILE}
    if isinstance(data, list):
        return [_stable(v) for v in data]
    return data


def _order(row: Row) -> tuple[int, int, str]:
    """Reads first, then writes, deletes last (the deepest paths first)."""
    rank = {"GET": 0, "HEAD": 0, "POST": 1, "PUT": 1, "PATCH": 1, "DELETE": 2}.get(row.method, 1)
    depth = -row.pattern.count("/") if rank == 2 else 0
    return rank, depth, row.key


# -- fixtures and tests -------------------------------------------------------------------


@dataclass
class World:
    loop: asyncio.AbstractEventLoop
    client: CloudClient
    rows: list[Row]
    run: MatrixRun


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    data_dir = tmp_path_factory.mktemp("isolation")
    loop = asyncio.new_event_loop()
    ctx = in_process_cloud(data_dir, cloud_config(data_dir))
    client = loop.run_until_complete(ctx.__aenter__())
    try:
        callers = loop.run_until_complete(make_callers(client))
        seeded = loop.run_until_complete(seed(client, callers))
        docs: dict[str, Any] = {}
        rows: list[Row] = []
        for service in SERVICES:
            r = loop.run_until_complete(client.http.get(f"/{service}/openapi.json"))
            docs[service] = r.json()
            for pattern, ops in docs[service]["paths"].items():
                for method, op in ops.items():
                    # Swift authenticates in its handlers (a container ACL may let anyone in):
                    # its routes are policed like the others, /info apart.
                    auth = op.get("security") != [] or (service == "object" and pattern not in OBJECT_OPEN)
                    expect = (
                        expectation(service, method.upper(), pattern)
                        if auth
                        else {"anon": OPEN_OVERRIDES.get((service, method.upper(), pattern), "ok")}
                    )
                    rows.append(Row(service, method.upper(), pattern, auth, expect))
                    stripped, _ = strip_version(service, pattern)
                    for verb, (kind_name, make) in VERBS.get((service, method.upper(), stripped), {}).items():
                        per_verb = dict(kinds(service)[kind_name])
                        if expect and expect.get("other") == "400":
                            per_verb["other"] = "400"  # Cinder's path naming A's project
                        rows.append(Row(service, method.upper(), pattern, auth, per_verb, verb=verb, body=make))
        yield World(loop, client, rows, MatrixRun(client, callers, seeded, docs))
    finally:
        loop.run_until_complete(ctx.__aexit__(None, None, None))
        loop.close()


def test_every_route_is_classified(world: World) -> None:
    missing = [row.key for row in world.rows if row.auth and row.expect is None and row.key not in UNCOVERED]
    assert not missing, "routes without an isolation rule:\n" + "\n".join(missing)
    assert len({s for s, _, _ in UNCOVERED}) <= len(SERVICES)


@pytest.fixture(scope="module")
def matrix(world: World, tmp_path_factory: pytest.TempPathFactory) -> Matrix:
    result = world.loop.run_until_complete(world.run.run(world.rows))
    out = Path(os.environ.get("POCKETSTACK_ISOLATION_MATRIX") or tmp_path_factory.mktemp("matrix") / "matrix.md")
    text = result.markdown()
    text += "\n## Counts\n\n```json\n" + json.dumps(result.counts(), indent=2) + "\n```\n"
    for title, items in (("Mismatches", result.mismatches), ("Leaks", result.leaks), ("Changed", result.changed)):
        text += f"\n## {title}\n\n" + "".join(f"- {item}\n" for item in items)
    text += "\n## Uncovered routes\n\n" + "".join(f"- `{' '.join(k)}`: {why}\n" for k, why in UNCOVERED.items())
    out.write_text(text)
    print(f"\nisolation matrix: {out}\n" + json.dumps(result.counts()))
    return result


def test_seeding_made_every_resource(matrix: Matrix) -> None:
    assert not matrix.seed_failures, "\n".join(matrix.seed_failures)


def test_no_caller_sees_or_changes_another_projects_resources(matrix: Matrix) -> None:
    assert not matrix.leaks, "\n".join(matrix.leaks)
    assert not matrix.changed, "\n".join(matrix.changed)


@pytest.mark.parametrize("service", SERVICES)
def test_every_route_answers_as_the_reference(matrix: Matrix, service: str) -> None:
    found = [m for m in matrix.mismatches if m.startswith(service + " ")]
    assert not found, f"{len(found)} answers differ:\n" + "\n".join(found)


def test_an_admin_reads_every_projects_resources(matrix: Matrix) -> None:
    found = [m for m in matrix.mismatches if m.startswith("admin re-read")]
    assert not found, "\n".join(found)

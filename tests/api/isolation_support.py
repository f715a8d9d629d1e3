"""What the isolation matrix needs: the callers, project A's resources, a body per route.

The callers (``Callers``): ``owner`` (member of project A, who made A's resources),
``other`` (member of project B), ``reader`` (reader of A), ``norole`` (a user whose only
role on A is one no rule names), ``admin``; ``anon`` sends no token, ``badtoken`` one
that does not validate.

``seed`` makes, over the APIs, one resource of each kind the route tables name: what a
project member may make is made by ``owner`` in A (a private image, a server, volumes,
networks, key pair, credentials...), what only an admin makes (flavors, aggregates,
volume types, identity's domains, roles, services...) by admin. Path parameters are
filled from ``Seeded.params`` (by service and parameter name, a few by path prefix).
"""

from __future__ import annotations

import asyncio
import copy
import json
import uuid
from dataclasses import dataclass, field
from typing import Any

import httpx

from pocketstack.testing.cloud import CloudClient


@dataclass
class Callers:
    tokens: dict[str, str]
    user_ids: dict[str, str]
    project_a: str
    project_b: str
    subject_token: str = ""

    def headers(self, role: str) -> dict[str, str]:
        if role == "anon":
            return {}
        if role == "badtoken":
            return {"X-Auth-Token": "gAAAAAB-not-a-token-" + uuid.uuid4().hex}
        return {"X-Auth-Token": self.tokens[role]}


@dataclass
class Seeded:
    # service -> path parameter -> value; (service, path prefix, parameter) -> value wins.
    params: dict[str, dict[str, str]] = field(default_factory=dict)
    by_prefix: dict[tuple[str, str, str], str] = field(default_factory=dict)
    # What the owner re-reads before and after the other callers' pass: name -> URL.
    owned_reads: dict[str, str] = field(default_factory=dict)
    # Ids of project A's things: none may appear in what another project is answered.
    secret_ids: set[str] = field(default_factory=set)
    failures: list[str] = field(default_factory=list)

    def value(self, service: str, pattern: str, name: str) -> str:
        best = ""
        found: str | None = None
        for (svc, prefix, param), val in self.by_prefix.items():
            if svc == service and param == name and pattern.startswith(prefix) and len(prefix) > len(best):
                best, found = prefix, val
        if found is not None:
            return found
        return self.params.get(service, {}).get(name, "iso-" + name)


class _Maker:
    def __init__(self, http: httpx.AsyncClient, seeded: Seeded) -> None:
        self.http = http
        self.seeded = seeded

    async def call(self, token: str, method: str, path: str, body: Any = None, version: str = "", **kw: Any) -> Any:
        headers = {"X-Auth-Token": token, **kw.pop("headers", {})}
        if version:
            headers["OpenStack-API-Version"] = version
        r = await self.http.request(method, path, json=body, headers=headers, **kw)
        if r.status_code >= 300:
            self.seeded.failures.append(f"{method} {path}: {r.status_code} {r.text[:200]}")
            return None
        return r.json() if r.content and r.headers.get("content-type", "").startswith("application/json") else {}

    async def wait(self, token: str, path: str, key: str, status: str, version: str = "") -> None:
        for _ in range(300):
            found = await self.call(token, "GET", path, version=version)
            if found is None or found[key]["status"] in (status, "error", "ERROR"):
                return
            await asyncio.sleep(0.02)


async def make_callers(client: CloudClient) -> Callers:
    http = client.http
    admin = await client.token("admin")
    h = {"X-Auth-Token": admin}

    async def create(path: str, key: str, body: dict[str, Any]) -> str:
        r = await http.post(f"/identity/v3/{path}", json={key: body}, headers=h)
        assert r.status_code == 201, r.text
        return str(r.json()[key]["id"])

    roles = {r["name"]: r["id"] for r in (await http.get("/identity/v3/roles", headers=h)).json()["roles"]}
    roles["iso-none"] = await create("roles", "role", {"name": "iso-none"})
    project_a = await create("projects", "project", {"name": "iso-a", "domain_id": "default"})
    project_b = await create("projects", "project", {"name": "iso-b", "domain_id": "default"})
    users: dict[str, str] = {}
    grants = {"owner": (project_a, "member"), "reader": (project_a, "reader"), "norole": (project_a, "iso-none")}
    grants["other"] = (project_b, "member")
    for name, (project, role) in grants.items():
        users[name] = await create(
            "users", "user", {"name": f"iso-{name}", "password": f"iso-{name}-pw", "domain_id": "default"}
        )
        r = await http.put(f"/identity/v3/projects/{project}/users/{users[name]}/roles/{roles[role]}", headers=h)
        assert r.status_code == 204, r.text
    tokens = {"admin": admin}
    for name, (project, _) in grants.items():
        tokens[name] = await client.token(
            f"iso-{name}", password=f"iso-{name}-pw", project="iso-a" if project == project_a else "iso-b"
        )
    me = (await http.get("/identity/v3/auth/tokens", headers={**h, "X-Subject-Token": admin})).json()
    users["admin"] = me["token"]["user"]["id"]
    subject = await client.token("iso-owner", password="iso-owner-pw", project="iso-a")
    return Callers(tokens, users, project_a, project_b, subject)


async def seed(client: CloudClient, callers: Callers) -> Seeded:
    s = Seeded()
    mk = _Maker(client.http, s)
    own = callers.tokens["owner"]
    adm = callers.tokens["admin"]
    a = callers.project_a
    s.params = {name: {} for name in ("identity", "compute", "network", "image", "placement", "volume")}

    # -- image: a private image of A, with data and a tag; a public metadef namespace (admin)
    m = s.params["image"]
    body = {"name": "iso-a", "disk_format": "raw", "container_format": "bare", "visibility": "shared"}
    image = await mk.call(own, "POST", "/image/v2/images", body)
    m["image_id"] = image["id"]
    await client.http.put(
        f"/image/v2/images/{m['image_id']}/file",
        content=b"\0" * 1024,
        headers={"X-Auth-Token": own, "Content-Type": "application/octet-stream"},
    )
    await mk.call(own, "PUT", f"/image/v2/images/{m['image_id']}/tags/iso")
    m["tag"] = "iso"
    m["member_id"] = callers.project_b
    ns = {"namespace": "iso-ns", "visibility": "public"}
    m["namespace"] = (await mk.call(adm, "POST", "/image/v2/metadefs/namespaces", ns))["namespace"]
    obj = {"name": "iso-obj"}
    await mk.call(adm, "POST", f"/image/v2/metadefs/namespaces/{m['namespace']}/objects", obj)
    m["object_name"] = "iso-obj"
    prop = {"name": "iso_prop", "title": "iso", "type": "string"}
    await mk.call(adm, "POST", f"/image/v2/metadefs/namespaces/{m['namespace']}/properties", prop)
    m["property_name"] = "iso_prop"
    await mk.call(adm, "POST", f"/image/v2/metadefs/namespaces/{m['namespace']}/tags/iso-tag", None)
    m["tag_name"] = "iso-tag"
    m["resource_type"] = "OS::Glance::Image"
    m["name"] = "namespace"
    s.owned_reads["image"] = f"/image/v2/images/{m['image_id']}"
    s.secret_ids.add(m["image_id"])

    # -- network: A's network, subnet, port, router, security group (+rule), subnet pool,
    # floating IP (from an external network admin makes)
    n = s.params["network"]

    async def net(path: str, key: str, body: dict[str, Any], token: str = own) -> str:
        made = await mk.call(token, "POST", f"/network/v2.0/{path}", {key: body})
        return str(made[key]["id"]) if made else "iso-missing"

    n["network_id"] = await net("networks", "network", {"name": "iso-a"})
    n["subnet_id"] = await net(
        "subnets", "subnet", {"network_id": n["network_id"], "cidr": "10.77.0.0/24", "ip_version": 4}
    )
    n["port_id"] = await net("ports", "port", {"network_id": n["network_id"], "name": "iso-a"})
    n["router_id"] = await net("routers", "router", {"name": "iso-a"})
    n["security_group_id"] = await net("security-groups", "security_group", {"name": "iso-a"})
    rule = {
        "security_group_id": n["security_group_id"],
        "direction": "ingress",
        "protocol": "tcp",
        "port_range_min": 22,
        "port_range_max": 22,
    }
    n["rule_id"] = await net("security-group-rules", "security_group_rule", rule)
    n["subnetpool_id"] = await net("subnetpools", "subnetpool", {"name": "iso-a", "prefixes": ["10.178.0.0/16"]})
    ext = await net("networks", "network", {"name": "iso-ext", "router:external": True}, adm)
    await net("subnets", "subnet", {"network_id": ext, "cidr": "172.30.77.0/24", "ip_version": 4}, adm)
    n["floatingip_id"] = await net("floatingips", "floatingip", {"floating_network_id": ext})
    n["project_id"] = a
    n["tag"] = "iso"
    for kind in ("networks", "subnets", "ports", "routers", "security-groups", "subnetpools", "floatingips"):
        res_id = n[
            {
                "networks": "network_id",
                "subnets": "subnet_id",
                "ports": "port_id",
                "routers": "router_id",
                "security-groups": "security_group_id",
                "subnetpools": "subnetpool_id",
                "floatingips": "floatingip_id",
            }[kind]
        ]
        await mk.call(own, "PUT", f"/network/v2.0/{kind}/{res_id}/tags/iso")
        s.owned_reads[f"network {kind}"] = f"/network/v2.0/{kind}/{res_id}"
        s.secret_ids.add(res_id)
    s.owned_reads["network rule"] = f"/network/v2.0/security-group-rules/{n['rule_id']}"
    s.secret_ids.add(n["rule_id"])
    agents = await mk.call(adm, "GET", "/network/v2.0/agents")
    n["agent_id"] = agents["agents"][0]["id"] if agents and agents["agents"] else "iso-missing"
    n["alias"] = "router"

    # -- volume: A's volume (with metadata), a snapshot, a second volume for a transfer,
    # a third for an attachment, a backup; admin's type, QoS spec, group type
    v = s.params["volume"]
    made = await mk.call(
        own, "POST", "/volume/v3/volumes", {"volume": {"size": 1, "name": "iso-a", "metadata": {"iso": "a"}}}
    )
    v["volume_id"] = made["volume"]["id"]
    await mk.wait(own, f"/volume/v3/volumes/{v['volume_id']}", "volume", "available")
    snap = {"snapshot": {"volume_id": v["volume_id"], "name": "iso-a", "metadata": {"iso": "a"}}}
    v["snapshot_id"] = (await mk.call(own, "POST", "/volume/v3/snapshots", snap))["snapshot"]["id"]
    await mk.wait(own, f"/volume/v3/snapshots/{v['snapshot_id']}", "snapshot", "available")
    second = await mk.call(own, "POST", "/volume/v3/volumes", {"volume": {"size": 1, "name": "iso-a-transfer"}})
    third = await mk.call(own, "POST", "/volume/v3/volumes", {"volume": {"size": 1, "name": "iso-a-attach"}})
    for made in (second, third):
        await mk.wait(own, f"/volume/v3/volumes/{made['volume']['id']}", "volume", "available")
    transfer = await mk.call(
        own,
        "POST",
        "/volume/v3/volume-transfers",
        {"transfer": {"volume_id": second["volume"]["id"]}},
        version="volume 3.55",
    )
    v["transfer_id"] = transfer["transfer"]["id"] if transfer else "iso-missing"
    attach = await mk.call(
        own,
        "POST",
        "/volume/v3/attachments",
        {"attachment": {"volume_uuid": third["volume"]["id"], "instance_uuid": str(uuid.uuid4())}},
        version="volume 3.27",
    )
    v["attachment_id"] = attach["attachment"]["id"] if attach else "iso-missing"
    backup = await mk.call(
        own, "POST", "/volume/v3/backups", {"backup": {"volume_id": v["volume_id"], "name": "iso-a"}}
    )
    v["backup_id"] = backup["backup"]["id"] if backup else "iso-missing"
    if backup:
        await mk.wait(own, f"/volume/v3/backups/{v['backup_id']}", "backup", "available")
    await mk.wait(own, f"/volume/v3/volumes/{v['volume_id']}", "volume", "available")
    v["type_id"] = (await mk.call(adm, "POST", "/volume/v3/types", {"volume_type": {"name": "iso-type"}}))[
        "volume_type"
    ]["id"]
    await mk.call(
        adm, "POST", f"/volume/v3/types/{v['type_id']}/extra_specs", {"extra_specs": {"multiattach": "<is> False"}}
    )
    for prefix in ("/v3/types", "/v3/{project_id}/types"):
        s.by_prefix[("volume", prefix, "key")] = "multiattach"
    v["qos_id"] = (await mk.call(adm, "POST", "/volume/v3/qos-specs", {"qos_specs": {"name": "iso-qos"}}))["qos_specs"][
        "id"
    ]
    gt = await mk.call(adm, "POST", "/volume/v3/group_types", {"group_type": {"name": "iso-gt"}}, version="volume 3.11")
    v["group_type_id"] = gt["group_type"]["id"] if gt else "iso-missing"
    grp = {"group": {"name": "iso-a", "group_type": v["group_type_id"], "volume_types": [v["type_id"]]}}
    made = await mk.call(own, "POST", "/volume/v3/groups", grp, version="volume 3.13")
    v["group_id"] = made["group"]["id"] if made else "iso-missing"
    await mk.wait(own, f"/volume/v3/groups/{v['group_id']}", "group", "available", version="volume 3.13")
    gsnap = {"group_snapshot": {"group_id": v["group_id"], "name": "iso-a"}}
    made = await mk.call(own, "POST", "/volume/v3/group_snapshots", gsnap, version="volume 3.14")
    v["group_snapshot_id"] = made["group_snapshot"]["id"] if made else "iso-missing"
    await mk.wait(
        own,
        f"/volume/v3/group_snapshots/{v['group_snapshot_id']}",
        "group_snapshot",
        "available",
        version="volume 3.14",
    )
    s.owned_reads["volume group"] = f"/volume/v3/groups/{v['group_id']}"
    s.owned_reads["volume group snapshot"] = f"/volume/v3/group_snapshots/{v['group_snapshot_id']}"
    s.secret_ids.update({v["group_id"], v["group_snapshot_id"]})
    v["alias"] = "os-admin-actions"
    v["project_id"] = a
    v["target_project"] = v["target_id"] = a
    v["key"] = "iso"
    v["class_name"] = "default"
    for name, path in (
        ("volume", "volumes/" + v["volume_id"]),
        ("snapshot", "snapshots/" + v["snapshot_id"]),
        ("transfer", "volume-transfers/" + v["transfer_id"]),
        ("attachment", "attachments/" + v["attachment_id"]),
        ("backup", "backups/" + v["backup_id"]),
    ):
        s.owned_reads[f"volume {name}"] = f"/volume/v3/{path}"
    s.secret_ids.update(v[k] for k in ("volume_id", "snapshot_id", "transfer_id", "attachment_id", "backup_id"))
    s.secret_ids.update({second["volume"]["id"], third["volume"]["id"]})

    # -- compute: A's server (metadata, tag), key pair (the owner's), server group; admin's
    # flavor and aggregate
    c = s.params["compute"]
    latest = "compute 2.90"
    server = {
        "server": {
            "name": "iso-a",
            "flavorRef": "1",
            "imageRef": m["image_id"],
            "networks": "none",
            "metadata": {"iso": "a"},
        }
    }
    c["server_id"] = (await mk.call(own, "POST", "/compute/v2.1/servers", server, version="compute 2.37"))["server"][
        "id"
    ]
    await mk.wait(own, f"/compute/v2.1/servers/{c['server_id']}", "server", "ACTIVE")
    await mk.call(own, "PUT", f"/compute/v2.1/servers/{c['server_id']}/tags/iso", version=latest)
    keypair = await mk.call(own, "POST", "/compute/v2.1/os-keypairs", {"keypair": {"name": "iso-key"}}, version=latest)
    c["name"] = keypair["keypair"]["name"]
    group = {"server_group": {"name": "iso-a", "policy": "affinity"}}
    sg = await mk.call(own, "POST", "/compute/v2.1/os-server-groups", group, version=latest)
    s.by_prefix[("compute", "/v2.1/os-server-groups", "group_id")] = sg["server_group"]["id"]
    s.by_prefix[("compute", "/v2/os-server-groups", "group_id")] = sg["server_group"]["id"]
    flavor = {"flavor": {"name": "iso-flavor", "ram": 64, "vcpus": 1, "disk": 1, "id": "iso-flavor"}}
    c["flavor_id"] = (await mk.call(adm, "POST", "/compute/v2.1/flavors", flavor))["flavor"]["id"]
    await mk.call(adm, "POST", f"/compute/v2.1/flavors/{c['flavor_id']}/os-extra_specs", {"extra_specs": {"iso": "a"}})
    agg = await mk.call(adm, "POST", "/compute/v2.1/os-aggregates", {"aggregate": {"name": "iso-agg"}})
    c["aggregate_id"] = str(agg["aggregate"]["id"])
    c["group_id"] = n["security_group_id"]
    c["rule_id"] = n["rule_id"]
    c["fip_id"] = n["floatingip_id"]
    c["image_id"] = m["image_id"]
    c["volume_id"] = v["volume_id"]
    c["snapshot_id"] = v["snapshot_id"]
    c["network_id"] = n["network_id"]
    c["port_id"] = n["port_id"]
    c["project_id"] = c["tenant_id"] = a
    c["key"] = "iso"
    c["tag"] = "iso"
    c["host_name"] = c["hypervisor_id"] = "fake-host"
    hypervisors = await mk.call(adm, "GET", "/compute/v2.1/os-hypervisors", version=latest)
    if hypervisors and hypervisors["hypervisors"]:
        c["hypervisor_id"] = str(hypervisors["hypervisors"][0]["id"])
    c["class_name"] = "default"
    c["alias"] = "os-keypairs"
    c["network_label"] = "iso"
    c["action"] = "startup"
    c["before_timestamp"] = "2020-01-01 00:00:00"
    actions = await mk.call(own, "GET", f"/compute/v2.1/servers/{c['server_id']}/os-instance-actions", version=latest)
    c["request_id"] = actions["instanceActions"][0]["request_id"] if actions else "iso-missing"
    s.owned_reads["server"] = f"/compute/v2.1/servers/{c['server_id']}"
    s.owned_reads["keypair"] = f"/compute/v2.1/os-keypairs/{c['name']}"
    s.owned_reads["server group"] = f"/compute/v2.1/os-server-groups/{sg['server_group']['id']}"
    s.secret_ids.update({c["server_id"], sg["server_group"]["id"]})

    # -- object storage: a container and an object in A's account (keystoneauth's
    # AUTH_<project>); EC2's id mapping is asked about A's server
    o = s.params.setdefault("object", {})
    o["account"] = f"AUTH_{a}"
    o["container"] = "iso"
    o["object"] = "iso.txt"
    account = f"/object/v1/AUTH_{a}"
    r = await client.http.put(f"{account}/iso", headers={"X-Auth-Token": own})
    if r.status_code not in (201, 202):
        s.failures.append(f"PUT {account}/iso: {r.status_code} {r.text[:200]}")
    r = await client.http.put(f"{account}/iso/iso.txt", content=b"iso", headers={"X-Auth-Token": own})
    if r.status_code != 201:
        s.failures.append(f"PUT {account}/iso/iso.txt: {r.status_code} {r.text[:200]}")
    s.owned_reads["object"] = f"{account}/iso/iso.txt"
    s.owned_reads["container"] = f"{account}/iso"
    s.params.setdefault("ec2", {})["ident"] = c["server_id"]

    # -- placement: admin's provider, class, trait; a consumer uuid
    p = s.params["placement"]
    pv = "placement 1.39"
    rp = await mk.call(adm, "POST", "/placement/resource_providers", {"name": "iso-rp"}, version=pv)
    p["uuid"] = rp["uuid"] if rp else "iso-missing"
    await mk.call(adm, "PUT", "/placement/resource_classes/CUSTOM_ISO", version=pv)
    await mk.call(adm, "PUT", "/placement/traits/CUSTOM_ISO", version=pv)
    p["resource_class"] = p["name"] = "CUSTOM_ISO"
    p["consumer_uuid"] = c["server_id"]

    # -- identity: the owner's own things (application credential, EC2 and other
    # credentials); admin's domain, group, role, region, service, endpoint, ...
    i = s.params["identity"]
    owner_id = callers.user_ids["owner"]
    i["user_id"] = owner_id
    i["project_id"] = a
    app = await mk.call(
        own,
        "POST",
        f"/identity/v3/users/{owner_id}/application_credentials",
        {"application_credential": {"name": "iso-app"}},
    )
    i["application_credential_id"] = app["application_credential"]["id"] if app else "iso-missing"
    ec2 = await mk.call(own, "POST", f"/identity/v3/users/{owner_id}/credentials/OS-EC2", {"tenant_id": a})
    i["access"] = ec2["credential"]["access"] if ec2 else "iso-missing"
    blob = json.dumps({"access": "iso", "secret": "iso"})
    cred = await mk.call(
        own,
        "POST",
        "/identity/v3/credentials",
        {"credential": {"type": "ec2", "user_id": owner_id, "project_id": a, "blob": blob}},
    )
    i["credential_id"] = cred["credential"]["id"] if cred else "iso-missing"

    async def ident(path: str, key: str, body: dict[str, Any]) -> str:
        made = await mk.call(adm, "POST", f"/identity/v3/{path}", {key: body})
        return str(made[key]["id"]) if made else "iso-missing"

    i["domain_id"] = await ident("domains", "domain", {"name": "iso-domain", "enabled": False})
    i["group_id"] = await ident("groups", "group", {"name": "iso-group"})
    await mk.call(adm, "PUT", f"/identity/v3/groups/{i['group_id']}/users/{owner_id}")
    i["role_id"] = await ident("roles", "role", {"name": "iso-role"})
    i["implied_role_id"] = await ident("roles", "role", {"name": "iso-role2"})
    i["region_id"] = await ident("regions", "region", {"id": "iso-region"})
    i["service_id"] = await ident("services", "service", {"type": "iso", "name": "iso"})
    endpoint = {"service_id": i["service_id"], "interface": "public", "url": "http://iso.example"}
    i["endpoint_id"] = await ident("endpoints", "endpoint", endpoint)
    i["policy_id"] = await ident("policies", "policy", {"blob": "{}", "type": "application/json"})
    eg: dict[str, Any] = {"name": "iso-eg", "filters": {"interface": "public"}}
    i["endpoint_group_id"] = await ident("OS-EP-FILTER/endpoint_groups", "endpoint_group", eg)
    i["consumer_id"] = await ident("OS-OAUTH1/consumers", "consumer", {"description": "iso"})
    reg = await mk.call(
        adm,
        "POST",
        "/identity/v3/registered_limits",
        {"registered_limits": [{"service_id": i["service_id"], "resource_name": "iso", "default_limit": 5}]},
    )
    i["registered_limit_id"] = reg["registered_limits"][0]["id"] if reg else "iso-missing"
    lim = await mk.call(
        adm,
        "POST",
        "/identity/v3/limits",
        {"limits": [{"service_id": i["service_id"], "project_id": a, "resource_name": "iso", "resource_limit": 3}]},
    )
    i["limit_id"] = lim["limits"][0]["id"] if lim else "iso-missing"
    trust = {
        "trustor_user_id": owner_id,
        "trustee_user_id": callers.user_ids["admin"],
        "project_id": a,
        "roles": [{"name": "member"}],
        "impersonation": False,
    }
    made = await mk.call(own, "POST", "/identity/v3/OS-TRUST/trusts", {"trust": trust})
    i["trust_id"] = made["trust"]["id"] if made else "iso-missing"
    s.owned_reads["trust"] = f"/identity/v3/OS-TRUST/trusts/{i['trust_id']}"
    i["tag"] = "iso"
    await mk.call(adm, "PUT", f"/identity/v3/projects/{a}/tags/iso")
    i["group"] = "identity"
    i["option"] = "driver"
    s.owned_reads["project"] = f"/identity/v3/projects/{a}"
    s.owned_reads["application credential"] = (
        f"/identity/v3/users/{owner_id}/application_credentials/{i['application_credential_id']}"
    )
    s.owned_reads["credential"] = f"/identity/v3/credentials/{i['credential_id']}"
    s.secret_ids.update({i["application_credential_id"], i["credential_id"]})
    return s


# -- request bodies ------------------------------------------------------------------


def minimal(schema: dict[str, Any] | None) -> Any:
    """The smallest value a JSON Schema accepts, as far as a few keywords tell: required
    properties only, first enum value, shortest string, the minimum number."""
    if not schema:
        return {}
    if "enum" in schema:
        return schema["enum"][0]
    if "const" in schema:
        return schema["const"]
    for key in ("oneOf", "anyOf"):
        if key in schema:
            return minimal(schema[key][0])
    if "allOf" in schema:
        merged: dict[str, Any] = {}
        for part in schema["allOf"]:
            merged.update(part)
        return minimal(merged)
    kind = schema.get("type", "object")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "null")
    if kind == "object":
        props = schema.get("properties", {})
        return {name: minimal(props.get(name, {})) for name in schema.get("required", [])}
    if kind == "array":
        return [minimal(schema.get("items", {})) for _ in range(schema.get("minItems", 0))]
    if kind == "string":
        if schema.get("format") == "uuid":
            return str(uuid.uuid4())
        return "iso" + "x" * max(0, schema.get("minLength", 0) - 3)
    if kind in ("integer", "number"):
        return schema.get("minimum", 1)
    if kind == "boolean":
        return False
    return None


def body_for(doc_op: dict[str, Any]) -> Any:
    content = doc_op.get("requestBody", {}).get("content", {})
    for media, spec in content.items():
        if "json" in media:
            return copy.deepcopy(minimal(spec.get("schema")))
    return None

"""Real resources for the fuzzer to aim at: random path ids only ever reach the 404
branch, so half of the generated requests name one of these instead.

``seed`` creates, over the APIs as admin, one resource of each kind the route tables
name in their paths and returns, per service, path parameter -> id. The identity
resources are the fuzzer's own (project, user, role, domain, ...), never admin's: a
fuzzed DELETE or PATCH of them cannot lock the fuzzer out. The volume API's
``project_id`` is admin's own (Cinder's paths must name the caller's project), and so
is the object storage account.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from typing import Any

import httpx

log = logging.getLogger(__name__)
Ids = dict[str, dict[str, str]]


class _Seeder:
    def __init__(self, http: httpx.AsyncClient, token: str) -> None:
        self.http = http
        self.headers = {"X-Auth-Token": token}

    async def make(self, method: str, path: str, body: Any, *keys: str, version: str | None = None) -> Any:
        """The created resource's field at ``keys`` in the answer; None when it failed."""
        headers = dict(self.headers)
        if version:
            headers["OpenStack-API-Version"] = version
        r = await self.http.request(method, path, json=body, headers=headers)
        if r.status_code >= 300:
            log.warning("fuzz seed: %s %s answered %s: %s", method, path, r.status_code, r.text[:200])
            return None
        data: Any = r.json() if r.content else {}
        for key in keys:
            data = data[key]
        return data

    async def wait(self, path: str, key: str, status: str) -> None:
        for _ in range(250):
            r = await self.http.get(path, headers=self.headers)
            if r.status_code != 200 or r.json()[key]["status"] == status:
                return
            await asyncio.sleep(0.02)


async def seed(http: httpx.AsyncClient, token: str) -> Ids:
    s = _Seeder(http, token)
    ids: Ids = {name: {} for name in ("identity", "compute", "network", "image", "placement", "volume", "object")}
    admin_projects = await s.make("GET", "/identity/v3/projects?name=admin", None, "projects")
    admin_project = admin_projects[0]["id"] if admin_projects else ""

    i = ids["identity"]
    i["domain_id"] = await s.make("POST", "/identity/v3/domains", {"domain": {"name": "fuzz"}}, "domain", "id")
    project = {"project": {"name": "fuzz", "domain_id": "default"}}
    i["project_id"] = await s.make("POST", "/identity/v3/projects", project, "project", "id")
    user = {"user": {"name": "fuzz", "password": "fuzz-password", "domain_id": "default"}}
    i["user_id"] = await s.make("POST", "/identity/v3/users", user, "user", "id")
    i["group_id"] = await s.make("POST", "/identity/v3/groups", {"group": {"name": "fuzz"}}, "group", "id")
    i["role_id"] = await s.make("POST", "/identity/v3/roles", {"role": {"name": "fuzz"}}, "role", "id")
    i["implied_role_id"] = await s.make("POST", "/identity/v3/roles", {"role": {"name": "fuzz2"}}, "role", "id")
    i["region_id"] = await s.make("POST", "/identity/v3/regions", {"region": {"id": "fuzz"}}, "region", "id")
    service = {"service": {"type": "fuzz", "name": "fuzz"}}
    i["service_id"] = await s.make("POST", "/identity/v3/services", service, "service", "id")
    endpoint = {"endpoint": {"service_id": i["service_id"], "interface": "public", "url": "http://fuzz.example"}}
    i["endpoint_id"] = await s.make("POST", "/identity/v3/endpoints", endpoint, "endpoint", "id")
    i["tag"] = "fuzz"

    m = ids["image"]
    image = {"name": "fuzz", "disk_format": "raw", "container_format": "bare", "visibility": "public"}
    m["image_id"] = await s.make("POST", "/image/v2/images", image, "id")
    await http.put(
        f"/image/v2/images/{m['image_id']}/file",
        content=b"\0" * 512,
        headers={**s.headers, "Content-Type": "application/octet-stream"},
    )
    m["namespace"] = await s.make("POST", "/image/v2/metadefs/namespaces", {"namespace": "fuzz"}, "namespace")
    m["member_id"] = i["project_id"]

    n = ids["network"]
    n["network_id"] = await s.make("POST", "/network/v2.0/networks", {"network": {"name": "fuzz"}}, "network", "id")
    subnet = {"subnet": {"network_id": n["network_id"], "cidr": "10.99.0.0/24", "ip_version": 4}}
    n["subnet_id"] = await s.make("POST", "/network/v2.0/subnets", subnet, "subnet", "id")
    port = {"port": {"network_id": n["network_id"]}}
    n["port_id"] = await s.make("POST", "/network/v2.0/ports", port, "port", "id")
    n["router_id"] = await s.make("POST", "/network/v2.0/routers", {"router": {"name": "fuzz"}}, "router", "id")
    group = {"security_group": {"name": "fuzz"}}
    n["security_group_id"] = await s.make("POST", "/network/v2.0/security-groups", group, "security_group", "id")
    pool = {"subnetpool": {"name": "fuzz", "prefixes": ["10.200.0.0/16"]}}
    n["subnetpool_id"] = await s.make("POST", "/network/v2.0/subnetpools", pool, "subnetpool", "id")
    n["project_id"] = i["project_id"]
    n["tag"] = "fuzz"

    p = ids["placement"]
    placement = "placement 1.39"
    rp = {"name": "fuzz"}
    p["uuid"] = await s.make("POST", "/placement/resource_providers", rp, "uuid", version=placement)
    await s.make("PUT", "/placement/resource_classes/CUSTOM_FUZZ", None, version=placement)
    await s.make("PUT", "/placement/traits/CUSTOM_FUZZ", None, version=placement)
    p["resource_class"] = "CUSTOM_FUZZ"
    p["consumer_uuid"] = str(uuid.uuid4())

    v = ids["volume"]
    v["project_id"] = admin_project
    v["volume_id"] = await s.make("POST", "/volume/v3/volumes", {"volume": {"size": 1, "name": "fuzz"}}, "volume", "id")
    await s.wait(f"/volume/v3/volumes/{v['volume_id']}", "volume", "available")
    snapshot = {"snapshot": {"volume_id": v["volume_id"], "name": "fuzz"}}
    v["snapshot_id"] = await s.make("POST", "/volume/v3/snapshots", snapshot, "snapshot", "id")
    v["type_id"] = await s.make("POST", "/volume/v3/types", {"volume_type": {"name": "fuzz"}}, "volume_type", "id")
    v["qos_id"] = await s.make("POST", "/volume/v3/qos-specs", {"qos_specs": {"name": "fuzz"}}, "qos_specs", "id")
    v["target_project"] = v["target_id"] = i["project_id"]

    # Object storage: admin's account, with a container and an object whose name has a slash.
    o = ids["object"]
    o["account"] = f"AUTH_{admin_project}"
    o["container"], o["object"] = "fuzz", "fuzz/object"
    for path, content in (
        (f"/object/v1/{o['account']}/fuzz", b""),
        (f"/object/v1/{o['account']}/fuzz/fuzz/object", b"fuzz"),
    ):
        r = await http.put(path, content=content, headers=s.headers)
        if r.status_code >= 300:
            log.warning("fuzz seed: PUT %s answered %s: %s", path, r.status_code, r.text[:200])

    c = ids["compute"]
    flavor = {"flavor": {"name": "fuzz", "ram": 64, "vcpus": 1, "disk": 1, "id": "fuzz"}}
    c["flavor_id"] = await s.make("POST", "/compute/v2.1/flavors", flavor, "flavor", "id")
    server = {"server": {"name": "fuzz", "flavorRef": "1", "imageRef": m["image_id"], "networks": "none"}}
    c["server_id"] = await s.make("POST", "/compute/v2.1/servers", server, "server", "id", version="compute 2.37")
    await s.wait(f"/compute/v2.1/servers/{c['server_id']}", "server", "ACTIVE")
    aggregate = {"aggregate": {"name": "fuzz"}}
    c["aggregate_id"] = str(await s.make("POST", "/compute/v2.1/os-aggregates", aggregate, "aggregate", "id"))
    server_group = {"server_group": {"name": "fuzz", "policies": ["affinity"]}}
    c["group_id"] = await s.make("POST", "/compute/v2.1/os-server-groups", server_group, "server_group", "id")
    c["image_id"] = m["image_id"]
    c["volume_id"] = v["volume_id"]
    c["snapshot_id"] = v["snapshot_id"]
    c["network_id"] = n["network_id"]
    c["port_id"] = n["port_id"]
    c["project_id"] = c["tenant_id"] = i["project_id"]
    c["host_name"] = "fake-host"
    c["tag"] = "fuzz"
    return {service: {k: str(val) for k, val in found.items() if val} for service, found in ids.items()}

"""Compute API bodies and errors as Nova shapes them (found by Tempest's compute tests):
key pairs kept byte for byte, quota errors naming what was asked, aggregate create."""

from __future__ import annotations

import json
import socket
from pathlib import Path

from tests.api.compute_support import V, cloud, mv

KEY = (
    "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAAAgQDx8nkQv/zgGgB4rMYmIf+6A4l6Rr+o/6lHBQdW5aYd44bd8JttDCE/F/pNRr0l"
    "RE+PiqSPO8nDPHw0010JeMH9gYgnnFlyY3/OcJ02RhIPyyxYpv9FhY+2YiUkpwFOcLImyrxEsYXpD/0d3ac30bNH6Sw9JD9UZHYc"
    "pSxsIbECHw== Generated-by-Nova"
)


async def test_keypair_public_key_comes_back_as_sent(tmp_path: Path) -> None:
    async with cloud(tmp_path) as c:
        sent = KEY + "\n"
        r = await c.client.post(
            V + "/os-keypairs", json={"keypair": {"name": "nl", "public_key": sent}}, headers=mv("demo", "2.2")
        )
        assert r.status_code == 201, r.text
        assert r.json()["keypair"]["public_key"] == sent
        shown = await c.client.get(V + "/os-keypairs/nl", headers=mv("demo", "2.2"))
        assert shown.json()["keypair"]["public_key"] == sent
        listed = await c.client.get(V + "/os-keypairs", headers=mv("demo", "2.2"))
        assert listed.json()["keypairs"][0]["keypair"]["public_key"] == sent


async def test_quota_error_names_what_was_requested(tmp_path: Path) -> None:
    async with cloud(tmp_path) as c:
        flavor = {"flavor": {"name": "huge", "ram": 9999999, "vcpus": 1, "disk": 1, "id": "huge"}}
        r = await c.client.post(V + "/flavors", json=flavor, headers=mv("admin"))
        assert r.status_code == 200, r.text
        body = await c.boot(flavorRef="huge", expect=403)
        assert body["forbidden"]["message"] == (
            "Quota exceeded for ram: Requested 9999999, but already used 0 of 51200 ram"
        )
        # Two servers of 11 vCPUs: both cores and nothing else over, the request's total named.
        flavor = {"flavor": {"name": "wide", "ram": 64, "vcpus": 11, "disk": 1, "id": "wide"}}
        assert (await c.client.post(V + "/flavors", json=flavor, headers=mv("admin"))).status_code == 200
        body = await c.boot(flavorRef="wide", min_count=2, expect=403)
        assert body["forbidden"]["message"] == "Quota exceeded for cores: Requested 22, but already used 0 of 20 cores"


async def test_access_ips_read_back_canonical(tmp_path: Path) -> None:
    async with cloud(tmp_path) as c:
        sid = (await c.boot(accessIPv4="1.1.1.1", accessIPv6="0000:0000:0000:0000:0000:babe:220.12.22.2"))["server"][
            "id"
        ]
        shown = await c.show(sid)
        assert shown["accessIPv4"] == "1.1.1.1" and shown["accessIPv6"] == "::babe:dc0c:1602"
        body = {"server": {"accessIPv6": "2001:DB8:0:0:0:0:0:1"}}
        r = await c.client.put(f"{V}/servers/{sid}", json=body, headers=mv("demo"))
        assert r.status_code == 200 and r.json()["server"]["accessIPv6"] == "2001:db8::1"
        bad = await c.client.put(f"{V}/servers/{sid}", json={"server": {"accessIPv6": "notvalid"}}, headers=mv("demo"))
        assert bad.status_code == 400


async def test_keypairs_x509_and_keys_that_do_not_load(tmp_path: Path) -> None:
    async with cloud(tmp_path) as c:
        r = await c.client.post(
            V + "/os-keypairs", json={"keypair": {"name": "cert", "type": "x509"}}, headers=mv("demo", "2.2")
        )
        assert r.status_code == 201, r.text
        made = r.json()["keypair"]
        assert made["type"] == "x509" and made["public_key"].startswith("-----BEGIN CERTIFICATE-----")
        assert len(made["fingerprint"].split(":")) == 20 and "private_key" in made
        imported = {"keypair": {"name": "cert2", "type": "x509", "public_key": made["public_key"]}}
        r = await c.client.post(V + "/os-keypairs", json=imported, headers=mv("demo", "2.2"))
        assert r.status_code == 201 and r.json()["keypair"]["fingerprint"] == made["fingerprint"]
        # Base64 that decodes but is no key: Nova loads the key and refuses it.
        for junk in ("ssh-rsa JUNK nova@ubuntu", "ssh-rsa " + "A" * 2048 + " openstack@ubuntu"):
            r = await c.client.post(
                V + "/os-keypairs", json={"keypair": {"name": "junk", "public_key": junk}}, headers=mv("demo")
            )
            assert r.status_code == 400, r.text


async def test_flavor_create_takes_nova_booleans_and_numeric_ids(tmp_path: Path) -> None:
    async with cloud(tmp_path) as c:
        for n, (flag, public) in enumerate([("True", True), ("false", False), ("1", True), (False, False)]):
            body = {"flavor": {"name": f"f{n}", "ram": 64, "vcpus": 1, "disk": 1, "os-flavor-access:is_public": flag}}
            r = await c.client.post(V + "/flavors", json=body, headers=mv("admin"))
            assert r.status_code == 200, r.text
            assert r.json()["flavor"]["os-flavor-access:is_public"] is public
        body = {"flavor": {"name": "num", "ram": 64, "vcpus": 1, "disk": 1, "id": 699725208}}
        r = await c.client.post(V + "/flavors", json=body, headers=mv("admin"))
        assert r.status_code == 200 and r.json()["flavor"]["id"] == "699725208"
        body = {"flavor": {"name": "bad", "ram": 64, "vcpus": 1, "disk": 1, "os-flavor-access:is_public": "maybe"}}
        assert (await c.client.post(V + "/flavors", json=body, headers=mv("admin"))).status_code == 400


async def test_hypervisor_uptime_search_servers_and_cpu_info(tmp_path: Path) -> None:
    async with cloud(tmp_path) as c:
        sid = (await c.boot())["server"]["id"]
        await c.wait(sid, "ACTIVE")
        hv = (await c.client.get(V + "/os-hypervisors/detail", headers=mv("admin"))).json()["hypervisors"][0]
        assert isinstance(hv["cpu_info"], str) and isinstance(json.loads(hv["cpu_info"]), dict)
        hv28 = (await c.client.get(V + "/os-hypervisors/detail", headers=mv("admin", "2.28"))).json()["hypervisors"]
        assert isinstance(hv28[0]["cpu_info"], dict)
        up = await c.client.get(f"{V}/os-hypervisors/{hv['id']}/uptime", headers=mv("admin"))
        assert up.status_code == 200 and " up " in up.json()["hypervisor"]["uptime"]
        assert (await c.client.get(f"{V}/os-hypervisors/{hv['id']}/uptime", headers=mv("demo"))).status_code == 403
        name = hv["hypervisor_hostname"]
        found = (await c.client.get(f"{V}/os-hypervisors/{name}/search", headers=mv("admin"))).json()
        assert [h["hypervisor_hostname"] for h in found["hypervisors"]] == [name]
        on = (await c.client.get(f"{V}/os-hypervisors/{name}/servers", headers=mv("admin"))).json()["hypervisors"]
        assert [s["uuid"] for s in on[0]["servers"]] == [sid] and on[0]["servers"][0]["name"].startswith("instance-")
        assert (await c.client.get(f"{V}/os-hypervisors/nope/search", headers=mv("admin"))).status_code == 404
        assert (await c.client.get(f"{V}/os-hypervisors/nope/servers", headers=mv("admin"))).status_code == 404
        # 2.53: a query on the listing instead; the old paths are gone.
        new = mv("admin", "2.53")
        query = f"with_servers=true&hypervisor_hostname_pattern={name}"
        listed = await c.client.get(f"{V}/os-hypervisors?{query}", headers=new)
        assert listed.json()["hypervisors"][0]["servers"][0]["uuid"] == sid
        assert (await c.client.get(f"{V}/os-hypervisors/{name}/search", headers=new)).status_code == 404
        uuid = listed.json()["hypervisors"][0]["id"]
        shown = await c.client.get(f"{V}/os-hypervisors/{uuid}?with_servers=1", headers=new)
        assert shown.json()["hypervisor"]["servers"][0]["uuid"] == sid
        assert (await c.client.get(f"{V}/os-hypervisors/{uuid}/uptime", headers=mv("admin", "2.88"))).status_code == 404


async def test_images_proxy_until_2_36(tmp_path: Path) -> None:
    async with cloud(tmp_path) as c:
        r = await c.client.patch(
            f"/image/v2/images/{c.image_id}",
            json=[{"op": "add", "path": "/color", "value": "blue"}],
            headers={**mv("admin"), "Content-Type": "application/openstack-images-v2.1-json-patch"},
        )
        assert r.status_code == 200, r.text
        listed = (await c.client.get(V + "/images", headers=mv("demo"))).json()["images"]
        assert [i["id"] for i in listed] == [c.image_id] and set(listed[0]) == {"id", "name", "links"}
        shown = (await c.client.get(f"{V}/images/{c.image_id}", headers=mv("demo"))).json()["image"]
        assert shown["status"] == "ACTIVE" and shown["progress"] == 100 and shown["metadata"] == {"color": "blue"}
        assert shown["minRam"] == 0 and shown["OS-EXT-IMG-SIZE:size"] == 1024
        detail = (await c.client.get(V + "/images/detail?status=ACTIVE", headers=mv("demo"))).json()["images"]
        assert detail[0]["id"] == c.image_id
        assert (await c.client.get(V + "/images/detail?status=SAVING", headers=mv("demo"))).json()["images"] == []
        assert (await c.client.get(V + "/images", headers=mv("demo", "2.36"))).status_code == 404
        # Metadata: merge, replace, one item; admin owns the image.
        meta = V + f"/images/{c.image_id}/metadata"
        r = await c.client.post(meta, json={"metadata": {"size_hint": "s"}}, headers=mv("admin"))
        assert r.json()["metadata"] == {"color": "blue", "size_hint": "s"}
        r = await c.client.put(meta, json={"metadata": {"os": "linux"}}, headers=mv("admin"))
        assert r.json()["metadata"] == {"os": "linux"}
        r = await c.client.put(meta + "/arch", json={"meta": {"arch": "x86_64"}}, headers=mv("admin"))
        assert r.status_code == 200 and r.json() == {"meta": {"arch": "x86_64"}}
        assert (await c.client.get(meta + "/arch", headers=mv("demo"))).json() == {"meta": {"arch": "x86_64"}}
        mismatch = await c.client.put(meta + "/arch", json={"meta": {"other": "x"}}, headers=mv("admin"))
        assert mismatch.status_code == 400
        assert (await c.client.delete(meta + "/arch", headers=mv("admin"))).status_code == 204
        assert (await c.client.get(meta + "/arch", headers=mv("admin"))).status_code == 404
        assert (await c.client.get(V + "/images/no-such", headers=mv("demo"))).status_code == 404
        assert (await c.client.delete(f"{V}/images/{c.image_id}", headers=mv("admin"))).status_code == 204
        assert (await c.client.get(f"{V}/images/{c.image_id}", headers=mv("demo"))).status_code == 404


async def test_server_tags(tmp_path: Path) -> None:
    async with cloud(tmp_path) as c:
        sid = (await c.boot(tags=["a"], version="2.52"))["server"]["id"]
        await c.wait(sid, "ACTIVE")
        t = f"{V}/servers/{sid}/tags"
        v26 = mv("demo", "2.26")
        assert (await c.client.get(t, headers=v26)).json() == {"tags": ["a"]}
        assert (await c.client.get(t, headers=mv("demo", "2.25"))).status_code == 404
        r = await c.client.put(t + "/b", headers=v26)
        assert r.status_code == 201 and r.headers["location"].endswith(f"/servers/{sid}/tags/b")
        assert (await c.client.put(t + "/b", headers=v26)).status_code == 204
        assert (await c.client.get(t + "/b", headers=v26)).status_code == 204
        assert (await c.client.get(t + "/zz", headers=v26)).status_code == 404
        r = await c.client.put(t, json={"tags": ["x", "y", "x"]}, headers=v26)
        assert r.status_code == 200 and r.json() == {"tags": ["x", "y"]}
        assert (await c.client.put(t, json={"tags": ["no,comma"]}, headers=v26)).status_code == 400
        assert (await c.client.put(t, json={"tags": [str(n) for n in range(51)]}, headers=v26)).status_code == 400
        assert (await c.client.delete(t + "/x", headers=v26)).status_code == 204
        assert (await c.client.delete(t + "/x", headers=v26)).status_code == 404
        assert (await c.client.delete(t, headers=v26)).status_code == 204
        assert (await c.client.get(t, headers=v26)).json() == {"tags": []}
        assert (await c.client.put(t + "/q", headers=mv("alt", "2.26"))).status_code == 404


async def test_update_and_rebuild_answer_the_basic_view_until_2_75(tmp_path: Path) -> None:
    async with cloud(tmp_path) as c:
        sid = (await c.boot())["server"]["id"]
        await c.wait(sid, "ACTIVE")
        r = await c.client.put(f"{V}/servers/{sid}", json={"server": {"name": "n2"}}, headers=mv("admin", "2.71"))
        server = r.json()["server"]
        assert server["name"] == "n2" and server["server_groups"] == []
        for field in ("OS-EXT-AZ:availability_zone", "OS-EXT-STS:vm_state", "OS-EXT-SRV-ATTR:host", "key_name"):
            assert field not in server
        rebuild = {"rebuild": {"imageRef": c.image_id}}
        r = await c.action(sid, rebuild, token="admin", version="2.57")
        assert r.status_code == 202, r.text
        server = r.json()["server"]
        assert "key_name" in server and "user_data" in server and "adminPass" in server
        assert "OS-EXT-STS:task_state" not in server and "security_groups" not in server
        await c.wait(sid, "ACTIVE")
        r = await c.action(sid, rebuild, token="admin", version="2.75")
        server = r.json()["server"]
        assert server["server_groups"] == [] and "OS-EXT-STS:task_state" in server and "user_data" in server
        assert "OS-EXT-SRV-ATTR:user_data" not in server
        r = await c.client.put(f"{V}/servers/{sid}", json={"server": {"name": "n3"}}, headers=mv("admin", "2.75"))
        assert "OS-EXT-AZ:availability_zone" in r.json()["server"] and "server_groups" in r.json()["server"]


async def test_diagnostics_inject_network_info_restore(tmp_path: Path) -> None:
    async with cloud(tmp_path) as c:
        sid = (await c.boot())["server"]["id"]
        await c.wait(sid, "ACTIVE")
        d = f"{V}/servers/{sid}/diagnostics"
        assert (await c.client.get(d, headers=mv("demo"))).status_code == 403
        legacy = (await c.client.get(d, headers=mv("admin"))).json()
        assert legacy["memory"] == 512 * 1024 and "vda_read" in legacy
        new = (await c.client.get(d, headers=mv("admin", "2.48"))).json()
        assert new["state"] == "running" and new["driver"] == "libvirt" and new["hypervisor"] == "fake"
        assert new["num_cpus"] == 1 and new["num_disks"] == 1
        assert new["memory_details"] == {"maximum": 512, "used": None}
        assert (await c.action(sid, {"injectNetworkInfo": None}, token="demo")).status_code == 403
        assert (await c.action(sid, {"injectNetworkInfo": None}, token="admin")).status_code == 202
        pw = f"{V}/servers/{sid}/os-server-password"
        assert (await c.client.get(pw, headers=mv("demo"))).json() == {"password": ""}
        assert (await c.client.delete(pw, headers=mv("demo"))).status_code == 204
        assert (await c.client.get(pw, headers=mv("alt"))).status_code == 404
        # Deletes are never deferred: nothing is SOFT_DELETED to restore or force-delete.
        assert (await c.action(sid, {"restore": None})).status_code == 409
        assert (await c.action(sid, {"forceDelete": None})).status_code == 409


async def test_os_hosts_until_2_43(tmp_path: Path) -> None:
    async with cloud(tmp_path, hosts=2) as c:
        sid = (await c.boot())["server"]["id"]
        host = (await c.wait(sid, "ACTIVE"))["OS-EXT-SRV-ATTR:host"]
        hosts = (await c.client.get(V + "/os-hosts", headers=mv("admin"))).json()["hosts"]
        here = socket.gethostname()
        assert sorted((h["host_name"], h["service"], h["zone"]) for h in hosts) == sorted(
            [
                ("fake-host-1", "compute", "nova"),
                ("fake-host-2", "compute", "nova"),
                (here, "scheduler", "internal"),
                (here, "conductor", "internal"),
            ]
        )
        nova = (await c.client.get(V + "/os-hosts?zone=nova", headers=mv("admin"))).json()["hosts"]
        assert {h["host_name"] for h in nova} == {"fake-host-1", "fake-host-2"}
        assert (await c.client.get(V + "/os-hosts?zone=xxx", headers=mv("admin"))).json()["hosts"] == []
        assert len((await c.client.get(V + "/os-hosts?zone=", headers=mv("admin"))).json()["hosts"]) == 4
        # Only a compute host has resources to show or a status to set.
        assert (await c.client.get(f"{V}/os-hosts/{here}", headers=mv("admin"))).status_code == 404
        assert (await c.client.get(V + "/os-hosts", headers=mv("demo"))).status_code == 403
        assert (await c.client.get(V + "/os-hosts", headers=mv("admin", "2.43"))).status_code == 404
        detail = (await c.client.get(f"{V}/os-hosts/{host}", headers=mv("admin"))).json()["host"]
        assert [d["resource"]["project"] for d in detail][:3] == ["(total)", "(used_now)", "(used_max)"]
        assert detail[1]["resource"]["memory_mb"] == 512 and detail[3]["resource"]["cpu"] == 1
        assert (await c.client.get(V + "/os-hosts/nope", headers=mv("admin"))).status_code == 404
        put = c.client.put
        assert (await put(f"{V}/os-hosts/{host}", json={"status": "bogus"}, headers=mv("admin"))).status_code == 400
        assert (await put(f"{V}/os-hosts/{host}", json={}, headers=mv("admin"))).status_code == 400
        assert (await put(V + "/os-hosts/nope", json={"status": "enable"}, headers=mv("admin"))).status_code == 404
        r = await put(f"{V}/os-hosts/{host}", json={"status": "disable"}, headers=mv("admin"))
        assert r.json() == {"host": host, "status": "disabled"}
        r = await put(f"{V}/os-hosts/{host}", json={"maintenance_mode": "enable"}, headers=mv("admin"))
        assert r.status_code == 501
        assert (await c.client.get(f"{V}/os-hosts/{host}/reboot", headers=mv("admin"))).status_code == 501
        assert (await c.client.get(V + "/os-hosts/nope/reboot", headers=mv("admin"))).status_code == 404
        assert (await c.client.get(f"{V}/os-hosts/{host}/reboot", headers=mv("demo"))).status_code == 403


async def test_extensions_list(tmp_path: Path) -> None:
    async with cloud(tmp_path) as c:
        listed = (await c.client.get(V + "/extensions", headers=mv("demo"))).json()["extensions"]
        assert "Hosts" in {e["name"] for e in listed}
        one = await c.client.get(V + "/extensions/os-consoles", headers=mv("demo"))
        assert one.json()["extension"]["alias"] == "os-consoles"
        assert (await c.client.get(V + "/extensions/os-nope", headers=mv("demo"))).status_code == 404


async def test_server_ips_legacy_quotas_and_trailing_slash(tmp_path: Path) -> None:
    async with cloud(tmp_path) as c:
        sid = (await c.boot())["server"]["id"]
        await c.wait(sid, "ACTIVE")
        assert (await c.client.get(f"{V}/servers/{sid}/ips", headers=mv("demo"))).json() == {"addresses": {}}
        assert (await c.client.get(f"{V}/servers/{sid}/ips/private", headers=mv("demo"))).status_code == 404
        # Before 2.36 the nova-network quotas are taken and shown back; from 2.36 they are refused.
        body = {"quota_set": {"floating_ips": 20, "security_groups": 20, "cores": 2, "force": True}}
        r = await c.client.put(V + "/os-quota-sets/p-demo", json=body, headers=mv("admin"))
        assert r.status_code == 200, r.text
        assert r.json()["quota_set"]["floating_ips"] == 20 and r.json()["quota_set"]["fixed_ips"] == -1
        limits = (await c.client.get(V + "/limits", headers=mv("demo"))).json()["limits"]["absolute"]
        assert limits["maxTotalFloatingIps"] == 20
        r = await c.client.put(V + "/os-quota-sets/p-demo", json=body, headers=mv("admin", "2.36"))
        assert r.status_code == 400
        shown = (await c.client.get(V + "/os-quota-sets/p-demo", headers=mv("admin", "2.36"))).json()["quota_set"]
        assert "floating_ips" not in shown and shown["cores"] == 2
        # A trailing slash is an empty id, as in Nova's routes: not the collection.
        usage = await c.client.get(V + "/os-simple-tenant-usage/?detailed=1", headers=mv("admin"))
        assert usage.status_code == 404
        assert (await c.client.get(V + "/servers/", headers=mv("demo"))).status_code == 404
        assert (await c.client.get(V + "/", headers=mv("demo"))).status_code == 200


async def test_quota_classes_flavor_filters_extra_spec_delete(tmp_path: Path) -> None:
    async with cloud(tmp_path) as c:
        klass = V + "/os-quota-class-sets/default"
        shown = (await c.client.get(klass, headers=mv("admin"))).json()["quota_class_set"]
        assert shown["id"] == "default" and "floating_ips" in shown and "server_groups" not in shown
        assert (await c.client.get(klass, headers=mv("demo"))).status_code == 403
        r = await c.client.put(klass, json={"quota_class_set": {"cores": 120, "fixed_ips": 5}}, headers=mv("admin"))
        assert r.status_code == 200 and r.json()["quota_class_set"]["cores"] == 120, r.text
        # The default class is every project's default.
        assert (await c.client.get(V + "/os-quota-sets/p-x", headers=mv("admin"))).json()["quota_set"]["cores"] == 120
        defaults = (await c.client.get(V + "/os-quota-sets/p-x/defaults", headers=mv("demo"))).json()
        assert defaults["quota_set"]["cores"] == 120
        v50 = (await c.client.get(klass, headers=mv("admin", "2.57"))).json()["quota_class_set"]
        assert "server_groups" in v50 and "floating_ips" not in v50 and "injected_files" not in v50
        bad = {"quota_class_set": {"floating_ips": 1}}
        assert (await c.client.put(klass, json=bad, headers=mv("admin", "2.50"))).status_code == 400
        # Flavor is_public filter: oslo's strict booleans; bad values are a 400.
        for flag, status in (("f", 200), ("TRUE", 200), ("none", 200), ("maybe", 400)):
            r = await c.client.get(f"{V}/flavors?is_public={flag}", headers=mv("admin"))
            assert r.status_code == status, (flag, r.text)
        specs = {"extra_specs": {"k": "v"}}
        made = await c.client.post(V + "/flavors/1/os-extra_specs", json=specs, headers=mv("admin"))
        assert made.status_code == 200
        assert (await c.client.delete(V + "/flavors/1/os-extra_specs/k", headers=mv("admin"))).status_code == 200


async def test_metadata_and_resize_quotas_are_403(tmp_path: Path) -> None:
    async with cloud(tmp_path) as c:
        too_many = {f"k{n}": "v" for n in range(129)}
        body = await c.boot(metadata=too_many, expect=403)
        assert "metadata_items" in body["forbidden"]["message"]
        sid = (await c.boot())["server"]["id"]
        await c.wait(sid, "ACTIVE")
        r = await c.action(sid, {"rebuild": {"imageRef": c.image_id, "metadata": too_many}})
        assert r.status_code == 403, r.text
        # A resize past the project's RAM: the quota's 403 (checked before any scheduling).
        flavor = {"flavor": {"name": "big", "ram": 60000, "vcpus": 1, "disk": 1, "id": "big"}}
        assert (await c.client.post(V + "/flavors", json=flavor, headers=mv("admin"))).status_code == 200
        r = await c.action(sid, {"resize": {"flavorRef": "big"}})
        assert r.status_code == 403, r.text
        assert r.json()["forbidden"]["message"] == (
            "Quota exceeded for ram: Requested 59488, but already used 512 of 51200 ram"
        )


async def test_project_filter_counts_only_with_all_tenants(tmp_path: Path) -> None:
    async with cloud(tmp_path) as c:
        sid = (await c.boot())["server"]["id"]
        admin = mv("admin")

        async def ids(query: str) -> set[str]:
            r = await c.client.get(V + "/servers" + query, headers=admin)
            assert r.status_code == 200, r.text
            return {s["id"] for s in r.json()["servers"]}

        assert sid not in await ids("?tenant_id=p-demo")  # ignored: the admin's own project
        assert sid in await ids("?all_tenants=&tenant_id=p-demo")
        assert sid not in await ids("?all_tenants=1&tenant_id=p-alt")
        assert sid in await ids("?all_tenants=true")
        assert (await c.client.get(V + "/servers?all_tenants=maybe", headers=admin)).status_code == 400
        # host is an admin-only filter: dropped from a member's query, not refused.
        r = await c.client.get(V + "/servers?host=nowhere", headers=mv("demo"))
        assert r.status_code == 200 and sid in {s["id"] for s in r.json()["servers"]}
        assert sid not in await ids("?all_tenants=1&host=nowhere")


async def test_instance_usage_audit_log(tmp_path: Path) -> None:
    async with cloud(tmp_path, hosts=2) as c:
        logs = (await c.client.get(V + "/os-instance_usage_audit_log", headers=mv("admin"))).json()
        log = logs["instance_usage_audit_logs"]
        assert log["hosts_not_run"] == ["fake-host-1", "fake-host-2"] and log["num_hosts"] == 2 and log["log"] == {}
        one = await c.client.get(V + "/os-instance_usage_audit_log/2026-03-15%2010:00:00", headers=mv("admin"))
        shown = one.json()["instance_usage_audit_log"]
        assert (shown["period_beginning"], shown["period_ending"]) == ("2026-02-01 00:00:00", "2026-03-01 00:00:00")
        bad = await c.client.get(V + "/os-instance_usage_audit_log/not-a-time", headers=mv("admin"))
        assert bad.status_code == 400
        assert (await c.client.get(V + "/os-instance_usage_audit_log", headers=mv("demo"))).status_code == 403


async def test_admin_only_destination_enforced_only_when_named(tmp_path: Path) -> None:
    async with cloud(tmp_path, hosts=2) as c:
        # Admins pick the host (2.74) or force it through the zone; the server lands there.
        sid = (await c.boot(token="admin", version="2.74", host="fake-host-2"))["server"]["id"]
        assert (await c.wait(sid, "ACTIVE"))["OS-EXT-SRV-ATTR:host"] == "fake-host-2"
        sid = (await c.boot(token="admin", availability_zone="nova:fake-host-1"))["server"]["id"]
        assert (await c.wait(sid, "ACTIVE"))["OS-EXT-SRV-ATTR:host"] == "fake-host-1"
        node_only = await c.boot(token="admin", version="2.74", hypervisor_hostname="fake-host-2")
        assert (await c.wait(node_only["server"]["id"], "ACTIVE"))["OS-EXT-SRV-ATTR:host"] == "fake-host-2"
        body = await c.boot(token="admin", version="2.74", host="no-such-host", expect=400)
        assert body["badRequest"]["message"] == "Compute host no-such-host could not be found."
        # Members: the zone alone (even "nova:", which names no host) is theirs to give;
        # a host or node is the admin-only part, refused only when it is there.
        sid = (await c.boot(availability_zone="nova:"))["server"]["id"]
        assert (await c.wait(sid, "ACTIVE"))["OS-EXT-AZ:availability_zone"] == "nova"
        await c.boot(availability_zone="nova:fake-host-1", expect=403)
        await c.boot(availability_zone="nova::fake-host-1", expect=403)
        await c.boot(version="2.74", host="fake-host-1", expect=403)
        await c.boot(availability_zone="a:b:c:d", expect=400)

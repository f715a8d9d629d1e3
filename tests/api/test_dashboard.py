"""The dashboard in-process: sessions (opaque HttpOnly cookie, token kept server-side),
CSRF on every state-changing request, log-out revoking the token, an expired or revoked
token sending the user back to log in, the project switcher, the pages and the launch
wizard with the API's own error messages; and the typed client it is built on."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from pocketstack.client import ApiError, Clients, Connection
from pocketstack.testing.cloud import BASE, CloudClient, in_process_cloud
from pocketstack.web.transport import InProcessTransport

D = "/dashboard"


@pytest.fixture
async def cloud(tmp_path: Path) -> AsyncIterator[CloudClient]:
    async with in_process_cloud(tmp_path) as c:
        yield c


def connection(cloud: CloudClient) -> Connection:
    assert cloud.cloud.dispatcher is not None
    return Connection(BASE, transport=InProcessTransport(cloud.cloud.dispatcher))


async def admin_api(conn: Connection) -> Clients:
    token = await conn.identity().password_token("default", "admin", "admin")
    return conn.scoped(token)


async def seed(cloud: CloudClient) -> dict[str, str]:
    """A public image and an external network (what an operator provides)."""
    async with connection(cloud) as conn:
        admin = await admin_api(conn)
        image = await admin.image.create_image("cirros", visibility="public")
        await admin.image.upload(image["id"], b"\0" * 4096)
        public = await admin.network.create_network("public", **{"router:external": True})
        await admin.network.create_subnet(public["id"], "172.24.4.0/24")
        return {"image": image["id"], "public": public["id"]}


def browser(cloud: CloudClient) -> httpx.AsyncClient:
    assert cloud.cloud.dispatcher is not None
    return httpx.AsyncClient(transport=InProcessTransport(cloud.cloud.dispatcher), base_url=BASE, timeout=30)


async def wait_status(cloud: CloudClient, server_id: str, status: str) -> None:
    async with connection(cloud) as conn:
        api = await admin_api(conn)
        for _ in range(400):
            server = await api.compute.server(server_id)
            if server["status"] == status and not server.get("OS-EXT-STS:task_state"):
                return
            await asyncio.sleep(0.05)
    raise AssertionError(f"the server did not become {status}")


async def wait_active(cloud: CloudClient, server_id: str) -> None:
    await wait_status(cloud, server_id, "ACTIVE")


def hidden(page: str, name: str) -> str:
    found = re.search(rf'name="{name}" value="([^"]*)"', page)
    assert found, f"no {name} in the page"
    return found.group(1)


async def log_in(web: httpx.AsyncClient, user: str = "demo", password: str = "demo") -> httpx.Response:
    form = await web.get(f"{D}/login")
    token = hidden(form.text, "login_token")
    return await web.post(
        f"{D}/login", data={"login_token": token, "domain": "default", "user": user, "password": password}
    )


async def test_client_reports_each_api_error_message(cloud: CloudClient) -> None:
    async with connection(cloud) as conn:
        with pytest.raises(ApiError) as wrong:
            await conn.identity().password_token("default", "demo", "wrong")
        assert wrong.value.status == 401 and wrong.value.unauthorized
        api = conn.scoped(await conn.identity().password_token("default", "demo", "demo"))
        assert api.token.project_name == "demo" and api.token.expires_at > datetime.now(UTC)
        with pytest.raises(ApiError) as missing:
            await api.compute.server("nope")
        assert (missing.value.service, missing.value.status) == ("compute", 404)
        assert "nope" in missing.value.message or "could not be found" in missing.value.message
        with pytest.raises(ApiError) as bad:
            await api.network.create_subnet("no-such-network", "10.0.0.0/24")
        assert bad.value.status == 404 and bad.value.message
        with pytest.raises(ApiError) as glance:
            await api.image.image("00000000-0000-0000-0000-000000000000")
        assert glance.value.status == 404 and "\n" not in glance.value.message


async def test_root_redirects_a_browser_and_pages_need_a_session(cloud: CloudClient) -> None:
    async with browser(cloud) as web:
        root = await web.get("/", headers={"Accept": "text/html,application/xhtml+xml"})
        assert root.status_code == 302 and root.headers["location"] == "/dashboard/"
        api_root = await web.get("/", headers={"Accept": "application/json"})
        assert api_root.status_code == 200 and "pocketstack" in api_root.json()
        for path in ("/", "/instances", "/topology", "/launch", "/instances/x"):
            page = await web.get(D + path)
            assert page.status_code == 303 and page.headers["location"] == f"{D}/login?reason=login"
        fetch = await web.get(f"{D}/instances/rows", headers={"X-Requested-With": "fetch"})
        assert fetch.status_code == 401 and fetch.headers["x-login"].startswith(f"{D}/login")
        login = await web.get(f"{D}/login")
        assert login.status_code == 200 and "Log in" in login.text
        assert "frame-ancestors 'none'" in login.headers["content-security-policy"]
        missing = await web.get(f"{D}/no/such/page")
        assert missing.status_code == 404 and "Traceback" not in missing.text


async def test_login_cookie_csrf_logout_revokes(cloud: CloudClient) -> None:
    async with browser(cloud) as web:
        wrong = await log_in(web, password="nope")
        assert wrong.status_code == 401 and "Wrong domain, user name, password" in wrong.text
        # A login post without the login form's own token is refused.
        forged = await web.post(f"{D}/login", data={"login_token": "x", "user": "demo", "password": "demo"})
        assert forged.status_code == 403
        done = await log_in(web)
        assert done.status_code == 303 and done.headers["location"] == f"{D}/"
        cookie = next(v for k, v in done.headers.multi_items() if k == "set-cookie" and "pocketstack_session=" in v)
        assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Secure" not in cookie
        session_id = cookie.split(";")[0].split("=", 1)[1]
        # The cookie is opaque: the token lives only on the server.
        session = cloud.cloud.dashboard.sessions.get(session_id)
        assert session is not None and session.token.id not in cookie
        overview = await web.get(f"{D}/")
        assert overview.status_code == 200 and "Instances" in overview.text and "vCPUs" in overview.text
        csrf = hidden(overview.text, "csrf_token")
        # State-changing requests without (or with a wrong) CSRF token: 403, nothing done.
        for data in ({}, {"csrf_token": "forged"}):
            refused = await web.post(f"{D}/keypairs", data={"name": "k1", **data})
            assert refused.status_code == 403 and "did not come from this dashboard" in refused.text
        async with connection(cloud) as conn:
            assert await conn.scoped(session.token).compute.keypairs() == []
        # The header form of the token (used by scripts) is accepted too.
        made = await web.post(f"{D}/keypairs", data={"name": "k1"}, headers={"X-CSRF-Token": csrf})
        assert made.status_code == 200 and "BEGIN" in made.text and "shown only once" in made.text
        token = session.token.id
        out = await web.post(f"{D}/logout", data={"csrf_token": csrf})
        assert out.status_code == 303 and out.headers["location"] == f"{D}/login?reason=logged-out"
        assert cloud.cloud.dashboard.sessions.get(session_id) is None
        async with connection(cloud) as conn:
            with pytest.raises(ApiError) as revoked:
                await conn.identity(token).validate(token)
            assert revoked.value.status in (401, 404)
        again = await web.get(f"{D}/")
        assert again.status_code == 303 and "reason=login" in again.headers["location"]


async def test_expired_or_revoked_token_returns_to_login_with_message(cloud: CloudClient) -> None:
    async with browser(cloud) as web:
        await log_in(web)
        sid = web.cookies["pocketstack_session"]
        session = cloud.cloud.dashboard.sessions.get(sid)
        assert session is not None
        # Revoked behind the dashboard's back: the API's 401 ends the session.
        async with connection(cloud) as conn:
            await conn.identity(session.token.id).revoke(session.token.id)
        page = await web.get(f"{D}/instances")
        assert page.status_code == 303 and page.headers["location"] == f"{D}/login?reason=expired"
        login = await web.get(page.headers["location"])
        assert "Your session has ended" in login.text
        # Expired by the clock.
        await log_in(web)
        session = cloud.cloud.dashboard.sessions.get(web.cookies["pocketstack_session"])
        assert session is not None
        session.token = type(session.token)(
            **{**session.token.__dict__, "expires_at": datetime.now(UTC) - timedelta(seconds=1)}
        )
        page = await web.get(f"{D}/")
        assert page.status_code == 303 and page.headers["location"].endswith("reason=expired")


async def test_launch_wizard_lists_and_project_switch(cloud: CloudClient) -> None:
    ids = await seed(cloud)
    async with browser(cloud) as web:
        await log_in(web)
        csrf = hidden((await web.get(f"{D}/")).text, "csrf_token")
        # Network, subnet and router to the external network in one form.
        made = await web.post(
            f"{D}/networks", data={"csrf_token": csrf, "name": "net1", "cidr": "10.1.0.0/24", "external": ids["public"]}
        )
        assert made.status_code == 303, made.text
        bad = await web.post(f"{D}/networks", data={"csrf_token": csrf, "name": "net2", "cidr": "not-a-cidr"})
        assert bad.status_code == 400 and "network: " in bad.text and "not-a-cidr" in bad.text
        networks = await web.get(f"{D}/networks")
        assert "10.1.0.0/24" in networks.text and "net1-router" in networks.text and "net2" not in networks.text
        assert "network:router_interface" in networks.text.split('id="ports"')[1]
        # A network and a router made and removed again (the router's interface first).
        await web.post(
            f"{D}/networks", data={"csrf_token": csrf, "name": "tmp", "cidr": "10.9.0.0/24", "external": ids["public"]}
        )
        page = (await web.get(f"{D}/networks")).text
        tmp_router = re.search(r'routers/([^/]+)/delete" class="row" data-confirm="Delete router tmp-router', page)
        tmp_net = re.search(r'networks/([^/]+)/delete" class="row" data-confirm="Delete network tmp\?', page)
        assert tmp_router and tmp_net
        # The router's interface removed and added again, its gateway cleared and set again.
        tmp_subnet = re.search(r'name="subnet_id" value="([^"]+)">10\.9\.0\.0/24', page)
        assert tmp_subnet
        act = f"{D}/routers/{tmp_router.group(1)}/action"
        for step in ("remove-interface", "add-interface"):
            done = await web.post(act, data={"csrf_token": csrf, "action": step, "subnet_id": tmp_subnet.group(1)})
            assert done.status_code == 303, done.text
        twice = await web.post(
            act, data={"csrf_token": csrf, "action": "add-interface", "subnet_id": tmp_subnet.group(1)}
        )
        assert twice.status_code in (400, 409) and "network: " in twice.text
        for gateway in ("", ids["public"]):
            done = await web.post(act, data={"csrf_token": csrf, "action": "gateway", "network_id": gateway})
            assert done.status_code == 303, done.text
        in_use = await web.post(f"{D}/networks/{tmp_net.group(1)}/delete", data={"csrf_token": csrf})
        assert in_use.status_code == 409 and "network: " in in_use.text
        gone = await web.post(f"{D}/routers/{tmp_router.group(1)}/delete", data={"csrf_token": csrf})
        assert gone.status_code == 303, gone.text
        gone = await web.post(f"{D}/networks/{tmp_net.group(1)}/delete", data={"csrf_token": csrf})
        assert gone.status_code == 303, gone.text
        assert "tmp-router" not in (await web.get(f"{D}/networks")).text
        chosen = await web.get(f"{D}/launch", params={"image": ids["image"]})
        assert f'<option value="{ids["image"]}" selected>' in chosen.text
        wizard = await web.get(f"{D}/launch")
        assert wizard.status_code == 200 and "cirros" in wizard.text and "tiny" in wizard.text
        net_id = re.search(r'name="network" value="([^"]+)"', wizard.text)
        flavor = re.search(r'name="flavor" value="([^"]+)"', wizard.text)
        assert net_id and flavor
        form = {"csrf_token": csrf, "name": "vm1", "count": "1", "image": ids["image"], "flavor": flavor.group(1)}
        # Checked before asking the API, then the API's own refusal shown in place.
        empty = await web.post(f"{D}/launch", data={**form, "name": ""})
        assert empty.status_code == 400 and "Give the instance a name." in empty.text
        too_many = await web.post(f"{D}/launch", data={**form, "count": "11", "network": net_id.group(1)})
        assert too_many.status_code == 403 and "compute: " in too_many.text and "uota" in too_many.text
        bad_key = await web.post(
            f"{D}/launch", data={**form, "new_keypair": "imported", "public_key": "ssh-rsa not-a-key"}
        )
        assert bad_key.status_code == 400 and "compute: " in bad_key.text
        bad_meta = await web.post(f"{D}/launch", data={**form, "metadata": "no equals sign"})
        assert bad_meta.status_code == 400 and "one KEY=VALUE per line" in bad_meta.text
        # Boot from a new volume made from the image, in a zone, with metadata.
        from_volume = {**form, "name": "vm-vol", "boot_volume_gb": "1", "zone": "nova", "metadata": "role=db"}
        both = await web.post(f"{D}/launch", data={**form, "volume": "some-volume"})
        assert both.status_code == 400 and "not both: image and volume" in both.text
        booted = await web.post(f"{D}/launch", data=from_volume)
        assert booted.status_code == 303, booted.text
        vm_vol = booted.headers["location"].split("launched=")[1]
        await wait_status(cloud, vm_vol, "ACTIVE")
        async with connection(cloud) as conn:
            admin = await admin_api(conn)
            server = await admin.compute.server(vm_vol)
            assert server["metadata"] == {"role": "db"} and server["image"] == ""
            assert server["os-extended-volumes:volumes_attached"][0]["delete_on_termination"] is True
            await admin.compute.delete_server(vm_vol)
        launched = await web.post(f"{D}/launch", data={**form, "network": net_id.group(1), "new_keypair": "kp1"})
        assert launched.status_code == 200 and "PRIVATE KEY" in launched.text
        rows = await web.get(f"{D}/instances/rows")
        assert "vm1" in rows.text
        server_id = re.search(r'data-id="([^"]+)"', rows.text)
        assert server_id
        detail = await web.get(f"{D}/instances/{server_id.group(1)}")
        assert detail.status_code == 200 and "kp1" in detail.text and 'data-action="delete"' in detail.text
        assert 'id="timeline"' not in detail.text  # the trace is an admin API
        console = await web.get(f"{D}/instances/{server_id.group(1)}/console")
        assert console.status_code == 200
        await wait_active(cloud, server_id.group(1))
        tail = await web.get(f"{D}/instances/{server_id.group(1)}/console-tail")
        assert tail.status_code == 200 and "pocketstack guest up" in tail.text and "<" not in tail.text
        topology = await web.get(f"{D}/topology.svg")
        assert topology.status_code == 200 and "public" in topology.text and "net1-router" in topology.text
        assert "vm1" in topology.text
        unfolded = await web.get(f"{D}/topology", params={"expand": net_id.group(1)})
        assert (
            unfolded.status_code == 200
            and f'data-live="/dashboard/topology.svg?expand={net_id.group(1)}"' in unfolded.text
        )
        for path in ("/images", "/volumes", "/keypairs", "/security-groups", "/topology", "/instances"):
            page = await web.get(D + path)
            assert page.status_code == 200, (path, page.text)
        # Security groups: a group, a rule (bad ports refused before the API), the API's refusal in place.
        made = await web.post(f"{D}/security-groups", data={"csrf_token": csrf, "name": "web"})
        assert made.status_code == 303, made.text
        groups = (await web.get(f"{D}/security-groups")).text
        web_id = re.search(r"security-groups/([^/]+)/delete", groups)
        assert web_id
        bad_ports = await web.post(
            f"{D}/security-groups/{web_id.group(1)}/rules", data={"csrf_token": csrf, "protocol": "tcp", "ports": "x"}
        )
        assert bad_ports.status_code == 400 and "Ports: one number" in bad_ports.text
        rule = {"csrf_token": csrf, "protocol": "tcp", "ports": "22", "remote_ip_prefix": "0.0.0.0/0"}
        added = await web.post(f"{D}/security-groups/{web_id.group(1)}/rules", data=rule)
        assert added.status_code == 303, added.text
        twice = await web.post(f"{D}/security-groups/{web_id.group(1)}/rules", data=rule)
        assert twice.status_code == 409 and "network: " in twice.text
        assert "22-22" in (await web.get(f"{D}/security-groups")).text
        # An image uploaded through the dashboard (record, then the bytes streamed), then deleted.
        head = {"X-CSRF-Token": csrf}
        no_csrf = await web.put(f"{D}/images/x/file", content=b"abc")
        assert no_csrf.status_code == 403
        made = await web.post(f"{D}/images", data={"name": "up1", "disk_format": "raw"}, headers=head)
        assert made.status_code == 201, made.text
        image_id = made.json()["id"]
        sent = await web.put(f"{D}/images/{image_id}/file", content=b"\1" * 300_000, headers=head)
        assert sent.status_code == 200 and sent.json()["status"] == "active", sent.text
        bad = await web.post(f"{D}/images", data={"name": "up2", "disk_format": "exe"}, headers=head)
        assert bad.status_code == 400 and "Unknown disk format" in bad.json()["error"]
        listed = (await web.get(f"{D}/images")).text
        assert "up1" in listed and "0.3 MB" in listed
        # Renamed and shared with the admin project, which then sees it.
        async with connection(cloud) as conn:
            admin = await admin_api(conn)
            admin_project = admin.token.project_id
            edit = {"csrf_token": csrf, "name": "up1-renamed", "visibility": "private", "share_with": admin_project}
            refused = await web.post(f"{D}/images/{image_id}/edit", data=edit)
            assert refused.status_code == 400 and "must have the visibility" in refused.text
            edited = await web.post(f"{D}/images/{image_id}/edit", data={**edit, "visibility": "shared"})
            assert edited.status_code == 303, edited.text
            assert (await admin.image.image(image_id))["name"] == "up1-renamed"
            assert [m["member_id"] for m in await admin.image.members(image_id)] == [admin_project]
        gone = await web.post(f"{D}/images/{image_id}/delete", data={"csrf_token": csrf})
        assert gone.status_code == 303 and "up1-renamed" not in (await web.get(f"{D}/images")).text
        # Volumes: extend, snapshot, a volume from the snapshot; a shrink is the API's 400 in place.
        made = await web.post(f"{D}/volumes", data={"csrf_token": csrf, "name": "vol1", "size": "1"})
        assert made.status_code == 303, made.text
        async with connection(cloud) as conn:
            demo = conn.scoped(await conn.identity().password_token("default", "demo", "demo"))
            vol1 = next(v for v in await demo.volume.volumes() if v["name"] == "vol1")
            for _ in range(400):
                if (await demo.volume.volume(vol1["id"]))["status"] == "available":
                    break
                await asyncio.sleep(0.05)
        act = f"{D}/volumes/{vol1['id']}/action"
        grown = await web.post(act, data={"csrf_token": csrf, "action": "extend", "size": "2"})
        assert grown.status_code == 303, grown.text
        shrink = await web.post(act, data={"csrf_token": csrf, "action": "extend", "size": "1"})
        assert shrink.status_code == 400 and "volume: " in shrink.text
        snap = await web.post(act, data={"csrf_token": csrf, "action": "snapshot", "name": "s1"})
        assert snap.status_code == 303, snap.text
        # The wizard boots from a new volume made from that snapshot.
        async with connection(cloud) as conn:
            demo = conn.scoped(await conn.identity().password_token("default", "demo", "demo"))
            for _ in range(400):
                s1 = next(v for v in await demo.volume.snapshots() if v["name"] == "s1")
                if s1["status"] == "available":
                    break
                await asyncio.sleep(0.05)
        wizard = (await web.get(f"{D}/launch", params={"snapshot": s1["id"]})).text
        assert f'<option value="{s1["id"]}" selected>' in wizard
        flavor_id = re.search(r'name="flavor" value="([^"]+)"', wizard)
        assert flavor_id
        from_snapshot = {
            "csrf_token": csrf,
            "name": "vm-snap",
            "count": "1",
            "snapshot": s1["id"],
            "flavor": flavor_id.group(1),
        }
        booted = await web.post(f"{D}/launch", data=from_snapshot)
        assert booted.status_code == 303, booted.text
        vm_snap = booted.headers["location"].split("launched=")[1]
        await wait_status(cloud, vm_snap, "ACTIVE")
        async with connection(cloud) as conn:
            await (await admin_api(conn)).compute.delete_server(vm_snap)
        page = (await web.get(f"{D}/volumes")).text
        assert "s1" in page.split('id="snapshots"')[1] and "2 GB" in page
        both = await web.post(
            f"{D}/volumes", data={"csrf_token": csrf, "size": "1", "snapshot_id": "x", "image_id": ids["image"]}
        )
        assert both.status_code == 400 and "not both" in both.text
        from_image = await web.post(
            f"{D}/volumes", data={"csrf_token": csrf, "size": "1", "name": "boot1", "image_id": ids["image"]}
        )
        assert from_image.status_code == 303, from_image.text
        uploaded = await web.post(act, data={"csrf_token": csrf, "action": "upload", "name": "vol1-image"})
        assert uploaded.status_code == 303, uploaded.text
        assert "vol1-image" in (await web.get(f"{D}/images")).text
        rows = (await web.get(f"{D}/volumes/rows")).text
        assert "vol1" in rows and "<html" not in rows
        # A non-admin sees no admin panel, and its URL answers 403.
        assert 'id="admin-link"' not in (await web.get(f"{D}/")).text
        denied = await web.get(f"{D}/admin")
        assert denied.status_code == 403 and "needs the admin role" in denied.text
        # A refused action shows the API's message, never a stack trace.
        refused = await web.post(
            f"{D}/instances/{server_id.group(1)}/action", data={"csrf_token": csrf, "action": "unpause"}
        )
        assert refused.status_code == 409 and "compute: " in refused.text and 'id="action-error"' in refused.text
        await wait_active(cloud, server_id.group(1))
        # A floating IP from the external network, then a new volume, both shown on its page.
        page = (await web.get(f"{D}/instances/{server_id.group(1)}")).text
        port = re.search(r'name="port_id">\s*<option value="([^"]+)"', page)
        assert port, page
        fip = await web.post(
            f"{D}/instances/{server_id.group(1)}/floating-ips",
            data={"csrf_token": csrf, "network_id": ids["public"], "port_id": port.group(1)},
        )
        assert fip.status_code == 303, fip.text
        attach = await web.post(
            f"{D}/instances/{server_id.group(1)}/volumes", data={"csrf_token": csrf, "size": "1", "name": "data1"}
        )
        assert attach.status_code == 303, attach.text
        page = (await web.get(f"{D}/instances/{server_id.group(1)}")).text
        assert "172.24.4." in page.split('id="floating-ips"')[1].split("</ul>")[0]
        assert "data1" in page.split('id="attached-volumes"')[1].split("</ul>")[0]
        none = await web.post(f"{D}/instances/{server_id.group(1)}/volumes", data={"csrf_token": csrf, "size": "x"})
        assert none.status_code == 400 and "Choose a volume" in none.text
        # A second interface on the same network, then detached again.
        added = await web.post(
            f"{D}/instances/{server_id.group(1)}/interfaces", data={"csrf_token": csrf, "network_id": net_id.group(1)}
        )
        assert added.status_code == 303, added.text
        page = (await web.get(f"{D}/instances/{server_id.group(1)}")).text
        interfaces = page.split('id="interfaces"')[1].split("</ul>")[0]
        assert interfaces.count("<li>") == 2, interfaces
        second = next(p for p in re.findall(r"interfaces/([^/]+)/detach", interfaces) if p != port.group(1))
        removed = await web.post(
            f"{D}/instances/{server_id.group(1)}/interfaces/{second}/detach", data={"csrf_token": csrf}
        )
        assert removed.status_code == 303, removed.text
        # The floating IPs page: the one associated above, one allocated here and released.
        page = (await web.get(f"{D}/floating-ips")).text
        assert page.count("<tr><td>172.24.4.") == 1 and "Disassociate" in page
        allocated = await web.post(f"{D}/floating-ips", data={"csrf_token": csrf, "network_id": ids["public"]})
        assert allocated.status_code == 303, allocated.text
        page = (await web.get(f"{D}/floating-ips")).text
        free = re.findall(r"floating-ips/([^/]+)/action", page)
        assert len(set(free)) == 2
        for fip in set(free):
            await web.post(f"{D}/floating-ips/{fip}/action", data={"csrf_token": csrf, "action": "release"})
        assert "172.24.4." not in (await web.get(f"{D}/floating-ips")).text
        # Rescue and unrescue, then a rebuild from the same image.
        here = f"{D}/instances/{server_id.group(1)}"
        rescued = await web.post(f"{here}/action", data={"csrf_token": csrf, "action": "rescue"})
        assert rescued.status_code == 303, rescued.text
        await wait_status(cloud, server_id.group(1), "RESCUE")
        assert 'data-action="unrescue"' in (await web.get(f"{here}/status")).text
        back = await web.post(f"{here}/action", data={"csrf_token": csrf, "action": "unrescue"})
        assert back.status_code == 303, back.text
        await wait_status(cloud, server_id.group(1), "ACTIVE")
        rebuilt = await web.post(f"{here}/rebuild", data={"csrf_token": csrf, "image": ids["image"]})
        assert rebuilt.status_code == 303, rebuilt.text
        await wait_status(cloud, server_id.group(1), "ACTIVE")
        # Buttons follow the status: an ACTIVE server offers stop, not start.
        status = (await web.get(f"{D}/instances/{server_id.group(1)}/status")).text
        assert 'data-action="stop"' in status and 'data-action="start"' not in status
        shot = await web.post(
            f"{D}/instances/{server_id.group(1)}/snapshot", data={"csrf_token": csrf, "name": "snap1"}
        )
        assert shot.status_code == 303, shot.text
        assert "snap1" in (await web.get(f"{D}/images")).text
        await wait_status(cloud, server_id.group(1), "ACTIVE")
        small = re.search(
            r'<option value="([^"]+)" >m1.small', (await web.get(f"{D}/instances/{server_id.group(1)}")).text
        )
        assert small
        resized = await web.post(
            f"{D}/instances/{server_id.group(1)}/resize", data={"csrf_token": csrf, "flavor": small.group(1)}
        )
        assert resized.status_code == 303, resized.text
        await wait_status(cloud, server_id.group(1), "VERIFY_RESIZE")
        assert 'data-action="confirm-resize"' in (await web.get(f"{D}/instances/{server_id.group(1)}/status")).text
        confirmed = await web.post(
            f"{D}/instances/{server_id.group(1)}/action", data={"csrf_token": csrf, "action": "confirm-resize"}
        )
        assert confirmed.status_code == 303, confirmed.text
        # The project switcher re-scopes: the admin sees their own project's (empty) list.
    async with browser(cloud) as web:
        await log_in(web, "admin", "admin")
        session = cloud.cloud.dashboard.sessions.get(web.cookies["pocketstack_session"])
        assert session is not None
        projects = {p["name"]: p["id"] for p in session.projects}
        assert "admin" in projects
        csrf = hidden((await web.get(f"{D}/")).text, "csrf_token")
        panel = await web.get(f"{D}/admin")
        assert panel.status_code == 200 and "Hypervisors" in panel.text and "nova-compute" in panel.text
        assert "demo" in panel.text.split('id="users"')[1] and "admin" in panel.text.split('id="projects"')[1]
        assert (
            "m1.tiny" in panel.text.split('id="flavors"')[1]
            and "instances" in panel.text.split('id="default-quotas"')[1]
        )
        assert 'id="volume-types"' in panel.text and 'id="aggregates"' in panel.text and 'id="groups"' in panel.text
        assert "vm1" in panel.text  # every project's instances
        # The admin gives demo the reader role on the admin project, then takes it back.
        async with connection(cloud) as conn:
            admin = await admin_api(conn)
            users = {u["name"]: u["id"] for u in await admin.identity.users()}
            roles = {r["name"]: r["id"] for r in await admin.identity.roles()}
            grant = {
                "csrf_token": csrf,
                "project_id": admin.token.project_id,
                "user_id": users["demo"],
                "role_id": roles["reader"],
            }
            assert (await web.post(f"{D}/admin/grants", data=grant)).status_code == 303
            listed = (await web.get(f"{D}/admin")).text.split('id="assignments"')[1]
            assert re.search(r"<td>demo</td><td>reader</td><td>admin</td>", listed), listed[:2000]
            assert (await web.post(f"{D}/admin/grants", data={**grant, "revoke": "1"})).status_code == 303
            missing = await web.post(f"{D}/admin/grants", data={**grant, "role_id": "no-such-role"})
            assert missing.status_code == 404 and "identity: " in missing.text
        vm1 = re.search(r'href="/dashboard/instances/([^"]+)">vm1<', panel.text)
        assert vm1
        # The admin sees the launch's hops drawn on the instance's page.
        timeline = await web.get(f"{D}/instances/{vm1.group(1)}")
        assert timeline.status_code == 200 and 'id="timeline"' in timeline.text and "conductor" in timeline.text
        foreign = await web.post(f"{D}/project", data={"csrf_token": csrf, "project_id": "not-mine"})
        assert foreign.status_code == 403
        if "demo" in projects:
            switched = await web.post(f"{D}/project", data={"csrf_token": csrf, "project_id": projects["demo"]})
            assert switched.status_code == 303 and session.token.project_name == "demo"


async def test_login_with_an_application_credential(cloud: CloudClient) -> None:
    async with connection(cloud) as conn:
        token = await conn.identity().password_token("default", "demo", "demo")
        made = await conn.identity(token.id).post(
            f"/users/{token.user_id}/application_credentials", {"application_credential": {"name": "dash"}}
        )
        credential = made["application_credential"]
    async with browser(cloud) as web:
        form = await web.get(f"{D}/login")
        data = {"login_token": hidden(form.text, "login_token"), "credential_id": credential["id"]}
        wrong = await web.post(f"{D}/login", data={**data, "credential_secret": "nope"})
        assert wrong.status_code == 401 and "Wrong domain" in wrong.text
        data["login_token"] = hidden(wrong.text, "login_token")
        done = await web.post(f"{D}/login", data={**data, "credential_secret": credential["secret"]})
        assert done.status_code == 303, done.text
        overview = await web.get(f"{D}/")
        assert overview.status_code == 200 and "demo" in overview.text


async def read_events(response: httpx.Response, count: int) -> list[tuple[str, str]]:
    """The first ``count`` events of a server-sent event stream: (name, data)."""
    found: list[tuple[str, str]] = []
    name, data = "", ""
    async for line in response.aiter_lines():
        if line.startswith("event: "):
            name = line[7:]
        elif line.startswith("data: "):
            data = line[6:]
        elif not line and name:
            found.append((name, data))
            name, data = "", ""
            if len(found) == count:
                break
    return found


async def test_live_events_stream_fragments_and_end_with_the_session(cloud: CloudClient) -> None:
    import json

    async with browser(cloud) as web:
        await log_in(web)
        nothing = await web.get(f"{D}/events?watch=/dashboard/logout")
        assert nothing.status_code == 400
        watch = {"watch": ["/dashboard/instances/rows?sort=display_name", "/dashboard/topology.svg"]}
        async with web.stream("GET", f"{D}/events", params=watch) as stream:
            assert stream.status_code == 200
            assert stream.headers["content-type"].startswith("text/event-stream")
            events = await asyncio.wait_for(read_events(stream, 2), 10)
        assert [name for name, _ in events] == ["update", "update"]
        first = json.loads(events[0][1])
        assert first["path"] == "/dashboard/instances/rows?sort=display_name" and "No instances." in first["html"]
        assert json.loads(events[1][1])["html"].startswith("<svg")
        # The token revoked behind the page's back: the stream says to log in again.
        session = cloud.cloud.dashboard.sessions.get(web.cookies["pocketstack_session"])
        assert session is not None
        async with connection(cloud) as conn:
            await conn.identity(session.token.id).revoke(session.token.id)
        async with web.stream("GET", f"{D}/events", params={"watch": "/dashboard/volumes/rows"}) as stream:
            events = await asyncio.wait_for(read_events(stream, 1), 10)
        assert events == [("login", "/dashboard/login?reason=expired")]


async def test_settings_credentials_and_password_change(cloud: CloudClient) -> None:
    async with browser(cloud) as web:
        await log_in(web)
        page = await web.get(f"{D}/settings")
        assert page.status_code == 200 and "Application credentials" in page.text
        csrf = hidden(page.text, "csrf_token")
        made = await web.post(f"{D}/settings/credentials", data={"csrf_token": csrf, "name": "ci"})
        assert made.status_code == 200 and 'id="credential-secret"' in made.text
        secret = re.search(r'id="credential-secret">([^<]+)<', made.text)
        credential = re.search(r'id="new-credential-id">([^<]+)<', made.text)
        assert secret and credential
        async with connection(cloud) as conn:
            token = await conn.identity().application_credential_token(credential.group(1), secret.group(1))
            assert token.project_name == "demo"
        gone = await web.post(f"{D}/settings/credentials/{credential.group(1)}/delete", data={"csrf_token": csrf})
        assert gone.status_code == 303 and credential.group(1) not in (await web.get(f"{D}/settings")).text
        differ = await web.post(
            f"{D}/settings/password", data={"csrf_token": csrf, "original": "demo", "password": "a1", "again": "a2"}
        )
        assert differ.status_code == 400 and "differ" in differ.text
        wrong = await web.post(
            f"{D}/settings/password",
            data={"csrf_token": csrf, "original": "x", "password": "n3w-pass", "again": "n3w-pass"},
        )
        assert wrong.status_code == 401 and "current password is wrong" in wrong.text
        changed = await web.post(
            f"{D}/settings/password",
            data={"csrf_token": csrf, "original": "demo", "password": "n3w-pass", "again": "n3w-pass"},
        )
        assert changed.status_code == 303 and changed.headers["location"].endswith("reason=password-changed")
        assert (await log_in(web, "demo", "demo")).status_code == 401
        assert (await log_in(web, "demo", "n3w-pass")).status_code == 303


async def test_instances_filter_sort_and_pages(cloud: CloudClient, monkeypatch: pytest.MonkeyPatch) -> None:
    from pocketstack.dashboard import instances

    ids = await seed(cloud)
    monkeypatch.setattr(instances, "PAGE_SIZE", 2)
    async with connection(cloud) as conn:
        demo = conn.scoped(await conn.identity().password_token("default", "demo", "demo"))
        flavor = next(f["id"] for f in await demo.compute.flavors() if f["name"] == "m1.tiny")
        for name in ("bravo", "alpha", "charlie"):
            await demo.compute.create_server(
                {"name": name, "imageRef": ids["image"], "flavorRef": flavor, "networks": "none"}
            )
    async with browser(cloud) as web:
        await log_in(web)
        first = (await web.get(f"{D}/instances", params={"sort": "display_name", "dir": "asc"})).text
        names = re.findall(r'/dashboard/instances/[^"]+">([a-z]+)</a>', first)
        assert names == ["alpha", "bravo"]
        following = re.search(r'href="([^"]+)" id="next-page"', first)
        assert following
        second = (await web.get(following.group(1).replace("&amp;", "&"))).text
        assert re.findall(r'/dashboard/instances/[^"]+">([a-z]+)</a>', second) == ["charlie"]
        assert 'id="next-page"' not in second
        only = (await web.get(f"{D}/instances", params={"name": "rav"})).text
        assert re.findall(r'/dashboard/instances/[^"]+">([a-z]+)</a>', only) == ["bravo"]
        assert 'value="rav"' in only


async def test_bad_input_is_a_page_never_a_trace(cloud: CloudClient) -> None:
    async with browser(cloud) as web:
        await log_in(web)
        csrf = hidden((await web.get(f"{D}/")).text, "csrf_token")
        cases = [
            ("GET", f"{D}/instances?name=%00", None, 400),
            ("GET", f"{D}/instances?sort=nope&dir=sideways&status=%ff", None, 200),
            ("GET", f"{D}/instances/no-such-server", None, 404),
            ("GET", f"{D}/instances/%00", None, 404),
            ("GET", f"{D}/static/..%2fapp.py", None, 404),
            ("GET", f"{D}/static/nothing.js", None, 404),
            ("POST", f"{D}/keypairs", b"csrf_token=" + csrf.encode() + b"&name=" + b"x" * (2 * 1024 * 1024), 413),
            ("POST", f"{D}/keypairs", b"csrf_token=" + csrf.encode() + b"&name=%ff%fe", 400),
            ("POST", f"{D}/instances/x/action", b"csrf_token=" + csrf.encode() + b"&action=explode", 404),
            ("DELETE", f"{D}/instances", None, 405),
        ]
        for method, url, body, status in cases:
            headers = {"content-type": "application/x-www-form-urlencoded"} if body is not None else {}
            answer = await web.request(method, url, content=body, headers=headers)
            assert answer.status_code == status, (url[:80], answer.status_code, answer.text[-400:])
            assert "Traceback" not in answer.text
            assert "/static/" in url or "text/html" in answer.headers["content-type"]


async def test_a_service_down_is_named_and_the_rest_works(cloud: CloudClient) -> None:
    from pocketstack.web.app import Unbuilt

    assert cloud.cloud.dispatcher is not None
    mounts = cloud.cloud.dispatcher.mounts
    volume = mounts["volume"]
    mounts["volume"] = Unbuilt("volume", "cinder")
    try:
        async with browser(cloud) as web:
            await log_in(web)
            overview = await web.get(f"{D}/")
            assert overview.status_code == 200 and 'class="banner"' in overview.text
            assert "volume: The volume service is not available" in overview.text and "vCPUs" in overview.text
            assert (await web.get(f"{D}/instances")).status_code == 200
            page = await web.get(f"{D}/volumes")
            assert page.status_code == 503 and "volume: " in page.text and "Traceback" not in page.text
    finally:
        mounts["volume"] = volume

"""The dashboard in a real browser (Debian's chromium driven by Playwright): log in as
the demo user, create a network with a subnet and a router to the external network,
launch an instance from the wizard with a new key pair, watch it become ACTIVE with
its address without reloading, see it in the topology, read its console log, delete
it, log out. Screenshots of each page go to tests/e2e/screenshots/ (or
$DASHBOARD_SCREENSHOTS); page load times are printed as a DASHBOARD JSON line."""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pocketstack.client import Connection
from pocketstack.common.config import Config
from tests.e2e.conftest import POCKETSTACK

CHROMIUM = "/usr/bin/chromium"
SHOTS = Path(os.environ.get("DASHBOARD_SCREENSHOTS", Path(__file__).parent / "screenshots"))

playwright = pytest.importorskip("playwright.sync_api")
pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed"),
]


def _port() -> int:
    if os.environ.get("DASHBOARD_E2E_PORT"):
        return int(os.environ["DASHBOARD_E2E_PORT"])
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def _seed(url: str, admin_password: str) -> None:
    """What an operator provides: a public image and an external network."""
    async with Connection(url) as conn:
        admin = conn.scoped(await conn.identity().password_token("default", "admin", admin_password))
        image = await admin.image.create_image("cirros", visibility="public")
        await admin.image.upload(image["id"], b"\0" * 65536)
        public = await admin.network.create_network("public", **{"router:external": True})
        await admin.network.create_subnet(public["id"], "172.24.4.0/24", name="public-subnet")


@pytest.fixture(scope="module")
def dashboard_cloud(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    data_dir = tmp_path_factory.mktemp("dashboard-e2e")
    port = _port()
    env = {**os.environ, "POCKETSTACK_IMAGE_TINY_GUEST": "false", "POCKETSTACK_IDENTITY_PASSWORD_HASH_ROUNDS": "4"}
    up = [POCKETSTACK, "up", "--detach", "--data-dir", str(data_dir), "--port", str(port), "--driver", "fake"]
    started = subprocess.run(up, capture_output=True, text=True, env=env, timeout=300)
    assert started.returncode == 0, started.stderr
    try:
        passwords = Config.load(data_dir, env={}).identity
        url = f"http://127.0.0.1:{port}"
        asyncio.run(_seed(url, passwords.admin_password))
        yield {"url": url, "password": passwords.demo_password}
    finally:
        subprocess.run([POCKETSTACK, "down", "--data-dir", str(data_dir)], capture_output=True, timeout=120)


def test_dashboard_launch_watch_topology_console_logout(dashboard_cloud: dict[str, str]) -> None:
    url = dashboard_cloud["url"]
    if SHOTS.exists():
        shutil.rmtree(SHOTS)
    SHOTS.mkdir(parents=True)
    timings: dict[str, Any] = {}

    def load(page: Any, path: str, name: str) -> None:
        started = time.perf_counter()
        page.goto(url + path)
        page.wait_for_load_state("load")
        timings[name] = round((time.perf_counter() - started) * 1000, 1)

    def shot(page: Any, name: str) -> None:
        page.screenshot(path=str(SHOTS / f"{len(list(SHOTS.iterdir())) + 1:02d}-{name}.png"), full_page=True)

    with playwright.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1280, "height": 860})
        page.set_default_timeout(15_000)
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.on("dialog", lambda dialog: dialog.accept())
        requested: list[str] = []
        page.on("request", lambda request: requested.append(request.url))
        try:
            # A browser at the root lands on the login page.
            load(page, "/", "login")
            assert page.url.endswith("/dashboard/login?reason=login")
            shot(page, "login")
            page.fill("input[name=user]", "demo")
            page.fill("input[name=password]", dashboard_cloud["password"])
            page.click("#login-form button[type=submit]")
            page.wait_for_url(re.compile(r".*/dashboard/$"))
            assert "vCPUs" in page.inner_text("main")
            load(page, "/dashboard/", "overview")
            shot(page, "overview")

            # A network, its subnet and a router to the external network, in one form.
            load(page, "/dashboard/networks", "networks")
            page.fill("#network-form input[name=name]", "net1")
            page.fill("#network-form input[name=cidr]", "10.5.0.0/24")
            page.select_option("#network-form select[name=external]", label="public")
            page.click("#network-form button")
            page.wait_for_selector("#networks >> text=10.5.0.0/24")
            shot(page, "networks")

            # The wizard: the API's own refusal shown in place, then a good launch.
            load(page, "/dashboard/launch", "launch")
            page.fill("input[name=name]", "vm1")
            page.select_option("select[name=image]", label="cirros")
            page.get_by_label("m1.tiny", exact=True).check()
            page.check("label.check:has-text('net1') input")
            page.fill("input[name=count]", "11")
            # The flavors' fit follows the count before anything is sent.
            assert page.inner_text("tr:has(#flavor-1) td.fit") == "over quota"
            page.click("#launch-submit")
            assert "uota" in page.inner_text("#launch-error")
            shot(page, "launch-refused")
            page.fill("input[name=count]", "1")
            page.fill("input[name=new_keypair]", "kp1")
            shot(page, "launch-wizard")
            clicked = time.perf_counter()
            page.click("#launch-submit")
            assert "PRIVATE KEY" in page.inner_text("#private-key")
            shot(page, "keypair-created")
            page.click("#continue")
            # BUILD → ACTIVE and the address appear in the open page (no reload).
            page.wait_for_selector("#server-status:has-text('ACTIVE')")
            timings["launch_to_active_ms"] = round((time.perf_counter() - clicked) * 1000, 1)
            page.wait_for_selector("#server-addresses:has-text('10.5.0.')")
            # The console log shows the guest's boot marker.
            page.wait_for_function("document.getElementById('console').textContent.includes('pocketstack guest up')")
            # A floating IP and a new volume, from the instance's page.
            page.click("#fip-form button")
            page.wait_for_selector("#floating-ips:has-text('172.24.4.')")
            page.fill("#volume-form input[name=name]", "data1")
            page.click("#volume-form button")
            page.wait_for_selector("#attached-volumes:has-text('data1')")
            shot(page, "instance")

            load(page, "/dashboard/instances", "instances")
            page.wait_for_selector("#instances td.status:has-text('ACTIVE')")
            shot(page, "instances")
            load(page, "/dashboard/", "overview")
            assert "1 of 10 (10%)" in page.inner_text("ul.usage")
            shot(page, "overview-in-use")

            load(page, "/dashboard/topology", "topology")
            drawing = page.inner_text("#topology")
            for name in ("public", "net1-router", "net1", "vm1", "10.5.0.", "⇄ 172.24.4."):
                assert name in drawing, name
            shot(page, "topology")

            for path in ("images", "volumes", "keypairs", "security-groups"):
                load(page, f"/dashboard/{path}", path)
                shot(page, path)

            # A non-admin sees no admin panel, and its URL answers 403 with a message.
            assert page.locator("#admin-link").count() == 0
            denied = page.goto(url + "/dashboard/admin")
            assert denied is not None and denied.status == 403
            assert "needs the admin role" in page.inner_text("main")
            shot(page, "admin-denied")
            load(page, "/dashboard/settings", "settings")
            shot(page, "settings")

            # An image uploaded from the browser (streamed through the dashboard to the image API).
            load(page, "/dashboard/images", "images")
            page.fill("#image-upload input[name=name]", "uploaded-disk")
            page.select_option("#image-upload select[name=disk_format]", "raw")
            blob = {"name": "disk.raw", "mimeType": "application/octet-stream", "buffer": b"\0" * 3_000_000}
            page.set_input_files("#image-upload input[name=file]", files=[blob])
            page.click("#image-upload button")
            page.wait_for_selector("#images tr:has-text('uploaded-disk'):has-text('active')")
            shot(page, "image-uploaded")

            # Delete from the instance's page; the list empties without a reload.
            load(page, "/dashboard/instances", "instances")
            page.click("#instances a:has-text('vm1')")
            page.click("button[data-action=delete]")
            page.wait_for_url(re.compile(r".*/dashboard/instances$"))
            page.wait_for_selector("#instances td.empty", timeout=20_000)
            shot(page, "deleted")

            page.click("#logout")
            page.wait_for_url(re.compile(r".*/dashboard/login\?reason=logged-out$"))
            assert "You have logged out." in page.inner_text("main")
            shot(page, "logged-out")
            # The session is gone: a page sends the browser back to log in.
            page.goto(url + "/dashboard/instances")
            assert "/dashboard/login" in page.url
            assert errors == [], errors
            # Live parts came over server-sent events, not by polling the fragments.
            assert any("/dashboard/events?watch=" in u for u in requested)
            assert not any("/dashboard/instances/rows" in u.split("?watch=")[0] for u in requested)
            weight = sum(
                len(page.request.get(url + p).body()) for p in ("/dashboard/static/app.js", "/dashboard/static/app.css")
            )
            timings["static_bytes"] = weight
        finally:
            browser.close()
    print(f"\nscreenshots: {SHOTS}")
    print("DASHBOARD " + json.dumps(timings))

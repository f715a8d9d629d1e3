"""Who may read and write: container ACLs (public read, project and user grants) and
temporary URLs (HMAC signatures with the account's or the container's key)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from pathlib import Path

from tests.api.object_support import ALT_ACCOUNT, ObjectApi, api_fixture, object_config_fixture  # noqa: F401

PATH = "/v1/AUTH_p-demo/c/o"


async def test_public_read_acl(api: ObjectApi) -> None:
    await api.container("c")
    await api.put("c", "o", b"public")
    assert (await api.get("c", "o", token=None)).status_code == 401
    await api.call("POST", "/c", headers={"X-Container-Read": ".r:*"})
    got = await api.get("c", "o", token=None)
    assert got.status_code == 200 and got.content == b"public"
    assert (await api.call("GET", "/c", None)).status_code == 401  # no .rlistings: no listing
    assert (await api.call("PUT", "/c/o", None, content=b"x")).status_code == 401
    assert (await api.call("PUT", "/c/o", "alt", content=b"x")).status_code == 403
    await api.call("POST", "/c", headers={"X-Container-Read": ".r:*,.rlistings"})
    listing = await api.call("GET", "/c", None)
    assert listing.status_code == 200 and listing.text == "o\n"
    head = await api.call("HEAD", "/c", None)
    assert "x-container-read" not in head.headers  # ACLs are shown to the owners only
    assert (await api.call("HEAD", "/c", "demo")).headers["x-container-read"] == ".r:*,.rlistings"
    await api.call("POST", "/c", headers={"X-Remove-Container-Read": "x"})
    assert (await api.get("c", "o", token=None)).status_code == 401


async def test_user_grants(api: ObjectApi) -> None:
    await api.container("c")
    await api.put("c", "o", b"shared")
    assert (await api.get("c", "o", token="alt")).status_code == 403
    await api.call("POST", "/c", headers={"X-Container-Read": "p-alt:u-alt"})
    assert (await api.get("c", "o", token="alt")).status_code == 200
    assert (await api.call("PUT", "/c/new", "alt", content=b"x")).status_code == 403
    await api.call("POST", "/c", headers={"X-Container-Write": "p-alt:*"})
    assert (await api.call("PUT", "/c/new", "alt", content=b"x")).status_code == 201
    assert (await api.call("DELETE", "/c/new", "alt")).status_code == 204
    # A write grant is for objects: the container itself stays the owner's.
    assert (await api.call("POST", "/c", "alt", headers={"X-Container-Read": ".r:*"})).status_code == 403
    assert (await api.call("DELETE", "/c", "alt")).status_code == 403


async def test_reader_reads_but_never_writes(api: ObjectApi) -> None:
    await api.container("c")
    await api.put("c", "o")
    assert (await api.get("c", "o", token="reader")).status_code == 200
    assert (await api.call("GET", "/c", "reader")).status_code == 200
    assert (await api.call("PUT", "/c/o", "reader", content=b"x")).status_code == 403
    assert (await api.call("DELETE", "/c/o", "reader")).status_code == 403


async def test_reseller_admin_acts_on_any_account(api: ObjectApi) -> None:
    await api.container("c")
    assert (await api.call("PUT", "/c/o", "reseller", content=b"x")).status_code == 201
    assert (await api.call("GET", "/c/o", "reseller")).status_code == 200
    # admin is an operator of its own project's account only (keystoneauth's operator_roles).
    assert (await api.call("GET", "/c/o", "admin")).status_code == 403
    assert (await api.call("PUT", "/mine", "admin", account="/object/v1/AUTH_p-admin")).status_code == 201


def _sign(key: str, method: str, expires: int, path: str, digest: str = "sha256") -> str:
    return hmac.new(key.encode(), f"{method}\n{expires}\n{path}".encode(), getattr(hashlib, digest)).hexdigest()


async def test_temp_urls(api: ObjectApi) -> None:
    await api.container("c")
    await api.put("c", "o", b"secret")
    await api.call("POST", "", headers={"X-Account-Meta-Temp-URL-Key": "k1"})
    expires = int(time.time()) + 60
    sig = _sign("k1", "GET", expires, PATH)
    url = f"/c/o?temp_url_sig={sig}&temp_url_expires={expires}"
    got = await api.call("GET", url, None)
    assert got.status_code == 200 and got.content == b"secret"
    assert got.headers["content-disposition"] == 'attachment; filename="o"'
    assert (await api.call("GET", url + "&inline", None)).headers["content-disposition"] == "inline"
    named = await api.call("GET", url + "&filename=report.txt", None)
    assert named.headers["content-disposition"] == 'attachment; filename="report.txt"'
    assert (await api.call("HEAD", url, None)).status_code == 200
    # The path under the cloud's mount point signs as well (what Tempest signs).
    mounted = _sign("k1", "GET", expires, "/object" + PATH)
    assert (await api.call("GET", f"/c/o?temp_url_sig={mounted}&temp_url_expires={expires}", None)).status_code == 200
    sha1 = _sign("k1", "GET", expires, PATH, "sha1")
    assert (await api.call("GET", f"/c/o?temp_url_sig={sha1}&temp_url_expires={expires}", None)).status_code == 200
    raw = hmac.new(b"k1", f"GET\n{expires}\n{PATH}".encode(), hashlib.sha512).digest()
    b64 = "sha512:" + base64.urlsafe_b64encode(raw).decode().rstrip("=")
    assert (await api.call("GET", f"/c/o?temp_url_sig={b64}&temp_url_expires={expires}", None)).status_code == 200
    # Wrong method, wrong key, expired, malformed: 401.
    assert (await api.call("PUT", url, None, content=b"x")).status_code == 401
    wrong = _sign("other", "GET", expires, PATH)
    assert (await api.call("GET", f"/c/o?temp_url_sig={wrong}&temp_url_expires={expires}", None)).status_code == 401
    old = int(time.time()) - 1
    stale = _sign("k1", "GET", old, PATH)
    expired = await api.call("GET", f"/c/o?temp_url_sig={stale}&temp_url_expires={old}", None)
    assert expired.status_code == 401 and "expired" in expired.text
    assert (await api.call("GET", f"/c/o?temp_url_sig=zz&temp_url_expires={expires}", None)).status_code == 401
    assert (await api.call("GET", "/c/o?temp_url_sig=ab&temp_url_expires=soon", None)).status_code == 401
    # PUT signed for PUT with the container's own key.
    await api.call("POST", "/c", headers={"X-Container-Meta-Temp-URL-Key": "ck"})
    put_sig = _sign("ck", "PUT", expires, "/v1/AUTH_p-demo/c/up")
    up = await api.call("PUT", f"/c/up?temp_url_sig={put_sig}&temp_url_expires={expires}", None, content=b"in")
    assert up.status_code == 201
    assert (await api.get("c", "up")).content == b"in"


async def test_other_projects_accounts_stay_closed(api: ObjectApi) -> None:
    assert (await api.call("PUT", "/mine", "alt", account=ALT_ACCOUNT)).status_code == 201
    assert (await api.call("GET", "/mine", "alt", account=ALT_ACCOUNT)).status_code == 204
    assert (await api.call("GET", "/mine", "demo", account=ALT_ACCOUNT)).status_code == 403
    assert (await api.call("GET", "/nope", "demo", account=ALT_ACCOUNT)).status_code == 404


def _form(path: str, key: str, expires: int, files: dict[str, bytes], redirect: str = "") -> tuple[bytes, str]:
    signed = f"{path}\n{redirect}\n1000\n2\n{expires}"
    fields = {
        "redirect": redirect,
        "max_file_size": "1000",
        "max_file_count": "2",
        "expires": str(expires),
        "signature": hmac.new(key.encode(), signed.encode(), hashlib.sha256).hexdigest(),
    }
    lines = []
    for name, value in fields.items():
        lines += ["--BOUND", f'Content-Disposition: form-data; name="{name}"', "", value]
    for filename, data in files.items():
        lines += ["--BOUND", f'Content-Disposition: form-data; name="f"; filename="{filename}"']
        lines += ["Content-Type: text/plain", "", data.decode()]
    lines += ["--BOUND--", ""]
    return "\r\n".join(lines).encode(), "multipart/form-data; boundary=BOUND"


async def test_form_post(api: ObjectApi) -> None:
    await api.container("c")
    await api.call("POST", "", headers={"X-Account-Meta-Temp-URL-Key": "fk"})
    expires = int(time.time()) + 60
    body, ctype = _form("/v1/AUTH_p-demo/c/up/", "fk", expires, {"a.txt": b"one", "b.txt": b"two"})
    resp = await api.call("POST", "/c/up/", None, content=body, headers={"Content-Type": ctype})
    assert resp.status_code == 201, resp.text
    assert await api.names("c") == ["up/a.txt", "up/b.txt"]
    assert (await api.get("c", "up/b.txt")).content == b"two"
    body, ctype = _form("/v1/AUTH_p-demo/c/r/", "fk", expires, {"x": b"1"}, redirect="https://example.test/done")
    moved = await api.call("POST", "/c/r/", None, content=body, headers={"Content-Type": ctype})
    assert moved.status_code == 303 and moved.headers["location"].startswith("https://example.test/done?status=201")
    body, ctype = _form("/v1/AUTH_p-demo/c/up/", "wrong", expires, {"z": b"1"})
    assert (await api.call("POST", "/c/up/", None, content=body, headers={"Content-Type": ctype})).status_code == 401
    body, ctype = _form("/v1/AUTH_p-demo/c/up/", "fk", int(time.time()) - 1, {"z": b"1"})
    expired = await api.call("POST", "/c/up/", None, content=body, headers={"Content-Type": ctype})
    assert expired.status_code == 401 and "Expired" in expired.text
    body, ctype = _form("/v1/AUTH_p-demo/c/up/", "fk", expires, {"1": b"1", "2": b"2", "3": b"3"})
    assert (await api.call("POST", "/c/up/", None, content=body, headers={"Content-Type": ctype})).status_code == 400
    bad = await api.call("POST", "/c/up/", None, content=b"x", headers={"Content-Type": "multipart/form-data"})
    assert bad.status_code == 400


async def test_static_website(api: ObjectApi) -> None:
    await api.container("site", **{"X-Container-Read": ".r:*,.rlistings"})
    await api.put("site", "index.html", b"<h1>home</h1>", **{"Content-Type": "text/html"})
    await api.put("site", "a&b.txt", b"x")
    await api.call(
        "POST", "/site", headers={"X-Container-Meta-Web-Listings": "true", "X-Container-Meta-Web-Listings-CSS": "s.css"}
    )
    listing = await api.call("GET", "/site", None)
    assert listing.status_code == 200 and listing.headers["content-type"].startswith("text/html")
    assert '<link rel="stylesheet" type="text/css" href="s.css" />' in listing.text and "a&amp;b.txt" in listing.text
    await api.call("POST", "/site", headers={"X-Container-Meta-Web-Index": "index.html"})
    home = await api.call("GET", "/site", None)
    assert home.content == b"<h1>home</h1>" and home.headers["etag"]
    # With a token the container lists as usual, unless X-Web-Mode asks for the website.
    assert (await api.call("GET", "/site")).text == "a&b.txt\nindex.html\n"
    assert (await api.call("GET", "/site", headers={"X-Web-Mode": "true"})).content == b"<h1>home</h1>"
    await api.call("POST", "/site", headers={"X-Container-Read": ""})
    assert (await api.call("GET", "/site", None)).status_code == 401


async def test_policy_file_overrides_a_rule(tmp_path: Path) -> None:
    from pocketstack.common.config import Config
    from pocketstack.object.service import create
    from pocketstack.testing.service import running_services

    (tmp_path / "policy").mkdir()
    # Only a project's admins operate its account; members read it.
    (tmp_path / "policy" / "object.yaml").write_text(
        '"object:operator": "role:admin and project_id:%(project_id)s"\n'
        '"object:reader": "role:reader and project_id:%(project_id)s"\n'
    )
    config = Config(data_dir=tmp_path)
    config.object.expirer_interval = 0
    async with running_services([create], tmp_path, config=config) as (_runtime, _services, client):
        demo = {"X-Auth-Token": "demo"}
        assert (await client.put("/object/v1/AUTH_p-demo/c", headers=demo)).status_code == 403
        assert (await client.get("/object/v1/AUTH_p-demo", headers=demo)).status_code in (200, 204)
        admin = {"X-Auth-Token": "admin"}
        assert (await client.put("/object/v1/AUTH_p-admin/c", headers=admin)).status_code == 201

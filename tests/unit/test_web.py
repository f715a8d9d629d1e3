"""The web layer: routing, error formats, microversions, config."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from pocketstack.common.config import Config
from pocketstack.common.errors import Conflict, Invalid, NotAcceptable
from pocketstack.web import Route, ServiceApp, json_response
from pocketstack.web.microversion import Microversions, Version
from pocketstack.web.request import Request
from pocketstack.web.response import Response
from pocketstack.web.routing import Router


async def ok(req: Request) -> Response:
    return json_response({"params": req.path_params})


def test_router_prefers_literal_segments() -> None:
    async def other(req: Request) -> Response:
        return json_response({})

    router = Router([Route("GET", "/v3/auth/{x}", ok), Route("GET", "/v3/auth/tokens", other)])
    route, params, _ = router.match("GET", "/v3/auth/tokens")
    assert route is not None and route.handler is other and params == {}
    route, params, _ = router.match("GET", "/v3/auth/foo")
    assert route is not None and params == {"x": "foo"}
    route, _, allowed = router.match("POST", "/v3/auth/foo")
    assert route is None and allowed == ["GET"]
    with pytest.raises(ValueError):
        Router([Route("GET", "/a/{x}", ok), Route("GET", "/a/{y}/b", ok)])


async def test_service_app_errors_and_request_id() -> None:
    async def conflict(req: Request) -> Response:
        raise Conflict("busy", kind="PortInUse")

    async def crash(req: Request) -> Response:
        raise RuntimeError("boom")

    app = ServiceApp(
        "t",
        [
            Route("GET", "/c", conflict, auth=False),
            Route("GET", "/x", crash, auth=False),
            Route("GET", "/p/{id}", ok, auth=False),
            Route("GET", "/auth", ok),
        ],
        error_format="neutron",
    )
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        answer = await client.get("/c")
        assert answer.status_code == 409
        assert answer.json() == {"NeutronError": {"type": "PortInUse", "message": "busy", "detail": ""}}
        assert answer.headers["x-openstack-request-id"].startswith("req-")
        crashed = await client.get("/x")
        assert crashed.status_code == 500 and "boom" not in crashed.text
        assert (await client.get("/p/42")).json() == {"params": {"id": "42"}}
        assert (await client.get("/nope")).status_code == 404
        assert (await client.get("/auth")).status_code == 401


def test_microversions() -> None:
    mv = Microversions("compute", Version(2, 1), Version(2, 90), legacy_header="x-openstack-nova-api-version")
    assert mv.negotiate({}) == Version(2, 1)
    assert mv.negotiate({"openstack-api-version": "compute 2.53"}) == Version(2, 53)
    assert mv.negotiate({"x-openstack-nova-api-version": "2.10"}) == Version(2, 10)
    assert mv.negotiate({"openstack-api-version": "compute latest"}) == Version(2, 90)
    assert mv.negotiate({"openstack-api-version": "volume 3.0"}) == Version(2, 1)
    with pytest.raises(NotAcceptable):
        mv.negotiate({"openstack-api-version": "compute 2.91"})
    with pytest.raises(Invalid):
        mv.negotiate({"openstack-api-version": "compute two"})


def test_config_file_and_env(tmp_path: Path) -> None:
    cfg = Config.load(tmp_path, env={})
    assert cfg.database_url == f"sqlite+aiosqlite:///{tmp_path / 'pocketstack.db'}"
    cfg.write_if_missing()
    text = cfg.config_file.read_text().replace("token_expiration = 3600", "token_expiration = 60")
    cfg.config_file.write_text(text)
    loaded = Config.load(
        tmp_path, env={"POCKETSTACK_BUS_URL": "amqp://guest:guest@127.0.0.1:5672/", "POCKETSTACK_SERVER_PORT": "9999"}
    )
    assert loaded.identity.token_expiration == 60
    assert loaded.bus.url.startswith("amqp://") and loaded.server.port == 9999
    with pytest.raises(ValueError, match="POCKETSTACK_SERVER_PORT"):
        Config.load(tmp_path, env={"POCKETSTACK_SERVER_PORT": "eighty"})
    cfg.config_file.write_text("[nonsense]\nx = 1\n")
    with pytest.raises(ValueError, match="unknown section"):
        Config.load(tmp_path, env={})


async def test_unbuilt_service_answers_503_in_its_own_format() -> None:
    from pocketstack.web.app import Dispatcher, Unbuilt

    app = Dispatcher({"dashboard": Unbuilt("dashboard", "nova")})
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        answer = await client.get("/dashboard/anything")
        assert answer.status_code == 503
        assert "not available in this pocketstack yet" in answer.json()["serviceUnavailable"]["message"]
        assert (await client.get("/nowhere")).status_code == 404

"""The EC2 API service: ``POST``/``GET /ec2/`` with an ``Action``, answered in EC2's XML."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

from pocketstack.client import ApiError, Connection
from pocketstack.ec2 import auth, xml
from pocketstack.ec2 import errors as ec2_errors
from pocketstack.ec2.actions import ACTIONS
from pocketstack.ec2.call import Call, api_error
from pocketstack.ec2.errors import Ec2Error
from pocketstack.ec2.ids import IdMap
from pocketstack.ec2.params import Params
from pocketstack.runtime import Runtime, Service
from pocketstack.web.app import ServiceApp
from pocketstack.web.request import Request
from pocketstack.web.response import Response, json_response
from pocketstack.web.routing import Route

XML = "text/xml;charset=UTF-8"
# EC2 actions known not to be built: EC2's UnsupportedOperation, not InvalidAction.
KNOWN_UNBUILT = frozenset({"CreateInternetGateway", "CreateRouteTable", "CreateNatGateway", "ModifyVpcAttribute"})


def _decode(raw: str, what: str) -> dict[str, str]:
    pairs = parse_qsl(raw, keep_blank_values=True)
    if any("\x00" in k or "\x00" in v for k, v in pairs):
        raise Ec2Error("InvalidParameterValue", f"The {what} may not contain NUL characters.")
    return dict(pairs)


class Ec2Service(Service):
    name = "ec2"
    service_type = "ec2"
    prefix = "ec2"
    migrations = Path(__file__).parent / "migrations"

    def __init__(self, runtime: Runtime) -> None:
        super().__init__(runtime)
        self.db = runtime.database(self.name)
        self.ids = IdMap(self.db)
        self.connection: Connection | None = None
        routes = [
            Route("POST", "/", self.handle, auth=False),
            Route("GET", "/", self.handle, auth=False),
            # pocketstack's own (admins, a Keystone token): an EC2 id's UUID, or a UUID's EC2 ids.
            Route("GET", "/ids/{ident}", self.show_ids),
        ]
        self._app = ServiceApp(
            "ec2",
            routes,
            error_format=ec2_errors.error_format,
            authenticator=runtime.authenticator,
            max_body_bytes=runtime.config.server.max_body_bytes,
            request_id_headers=("x-amzn-requestid", "x-openstack-request-id"),
        )

    @property
    def app(self) -> Any:
        return self._app

    async def start(self) -> None:
        self._connect()

    async def stop(self) -> None:
        if self.connection is not None:
            await self.connection.aclose()
            self.connection = None

    def _connect(self) -> Connection:
        if self.connection is None:
            rt = self.runtime
            self.connection = Connection(rt.base_url or rt.config.public_url, transport=rt.transport, timeout=120)
        return self.connection

    async def handle(self, request: Request) -> Response:
        request_id = request.context.request_id
        try:
            data = await self._run(request, request_id)
        except Ec2Error as error:
            return Response(error.status, ec2_errors.body(error.code, error.message, request_id), content_type=XML)
        action, answer = data
        return Response(200, xml.render(action, request_id, answer), content_type=XML)

    async def _run(self, request: Request, request_id: str) -> tuple[str, dict[str, Any]]:
        query = _decode(request.scope.get("query_string", b"").decode("latin-1"), "query string")
        body = await request.body()
        form: dict[str, str] = {}
        if request.method == "POST" and body:
            ctype = request.headers.get("content-type", "")
            if "x-www-form-urlencoded" not in ctype and ctype:
                raise Ec2Error("InvalidParameterValue", f"Unsupported content type {ctype.split(';')[0]}.")
            try:
                form = _decode(body.decode(), "request body")
            except UnicodeDecodeError:
                raise Ec2Error("InvalidParameterValue", "The request body is not UTF-8.") from None
        flat = {**query, **form}
        signed = auth.signed_parts(request.headers, query, flat)
        auth.check_time(signed, dt.datetime.now(dt.UTC))
        conn = self._connect()
        credentials = signed.credentials(
            request.method, request.headers.get("host", ""), request.scope["path"], dict(request.headers), body
        )
        token = await auth.token_for(conn.http, credentials)
        name = flat.get("Action", "")
        if not name:
            raise Ec2Error("MissingAction", "The request must contain the parameter Action")
        action = ACTIONS.get(name)
        if action is None:
            if name in KNOWN_UNBUILT:
                raise Ec2Error("UnsupportedOperation", f"The action {name} is not supported by this cloud yet.")
            raise Ec2Error("InvalidAction", f"The action {name} is not valid for this web service.")
        if flat.get("DryRun", "").lower() == "true":
            # The caller is authenticated and the action exists: EC2's dry-run answer.
            raise Ec2Error("DryRunOperation", "Request would have succeeded, but DryRun flag is set.", 412)
        call = Call(
            name,
            Params(flat),
            conn.scoped(token),
            self.ids,
            self.runtime.config.identity.region,
            request_id,
            self.runtime.service_token,
        )
        try:
            return name, await action(call)
        except ApiError as exc:
            raise api_error(exc) from None

    async def show_ids(self, request: Request) -> Response:
        try:
            return await self._show_ids(request)
        except Ec2Error as error:
            body = ec2_errors.body(error.code, error.message, request.context.request_id)
            return Response(error.status, body, content_type=XML)

    async def _show_ids(self, request: Request) -> Response:
        if not request.context.is_admin:
            raise Ec2Error("UnauthorizedOperation", "Only an admin may look EC2 ids up.", 403)
        ident = request.path_params["ident"]
        found: list[dict[str, str]] = []
        mapped = await self.ids.lookup(ident)
        if mapped is not None:
            found.append({"ec2_id": ident, "kind": mapped[0], "uuid": mapped[1]})
        else:
            found += [{"ec2_id": e, "kind": k, "uuid": ident} for k, e in await self.ids.of_uuid(ident)]
        if not found:
            raise Ec2Error("InvalidID", f"No EC2 id maps to or from '{ident}'.", 404)
        return json_response({"ids": found})


def create(runtime: Runtime) -> Ec2Service:
    return Ec2Service(runtime)

"""Log in (password or application credential), log out, switch project."""

from __future__ import annotations

import asyncio
import hmac
import secrets

from pocketstack.client import ApiError, Token
from pocketstack.dashboard.app import PREFIX, REASONS, Call, redirect
from pocketstack.dashboard.sessions import COOKIE, LOGIN_COOKIE, cookie_header, parse_cookies
from pocketstack.web.response import Response


def _login_page(call: Call, status: int = 200, message: str = "", notice: str = "") -> Response:
    login_token = secrets.token_urlsafe(24)
    response = call.render(
        "login.mako",
        status=status,
        message=message,
        notice=notice,
        login_token=login_token,
        domain=call.field("domain") or "default",
        user=call.field("user"),
    )
    response.headers.append(("set-cookie", cookie_header(LOGIN_COOKIE, login_token, secure=call.app.secure_cookies)))
    return response


async def login_form(call: Call) -> Response:
    if call.session is not None:
        return redirect(PREFIX + "/")
    reason = call.request.param("reason") or ""
    return _login_page(call, notice=REASONS.get(reason, ""))


async def login(call: Call) -> Response:
    expected = parse_cookies(call.request.headers.get("cookie")).get(LOGIN_COOKIE, "")
    presented = call.field("login_token")
    if not expected or not hmac.compare_digest(expected.encode(), presented.encode()):
        return _login_page(call, 403, "The login form expired; please try again.")
    identity = call.app.conn.identity()
    credential_id, secret = call.field("credential_id"), call.field("credential_secret")
    domain, user, password = call.field("domain") or "default", call.field("user"), call.field("password")
    if not credential_id and (not user or not password):
        return _login_page(call, 400, "Enter your user name and password.")

    async def issue() -> Token:
        if credential_id:
            return await identity.application_credential_token(credential_id, secret)
        return await identity.password_token(domain, user, password)

    try:
        token = await issue()
        try:
            projects = await call.app.conn.identity(token.id).my_projects()
        except ApiError as exc:
            if exc.status != 401:
                raise
            # Revocations are kept to the second (as Keystone's): a token issued in the
            # second the user's tokens were revoked (a password change) is refused. The
            # next second's token is not.
            await asyncio.sleep(1.05)
            token = await issue()
            projects = await call.app.conn.identity(token.id).my_projects()
        if token.project_id is None:
            if not projects:
                return _login_page(call, 403, "You have no role on any project: ask an administrator for one.")
            token = await identity.rescope(token.id, projects[0]["id"])
    except ApiError as exc:
        if exc.status == 401:
            return _login_page(call, 401, "Wrong domain, user name, password or credential.")
        return _login_page(call, exc.status if exc.status >= 400 else 503, f"{exc.service}: {exc.message}")
    session = call.app.sessions.create(token, projects)
    secure = call.app.secure_cookies
    return redirect(
        PREFIX + "/",
        [
            ("set-cookie", cookie_header(COOKIE, session.id, secure=secure)),
            ("set-cookie", cookie_header(LOGIN_COOKIE, "", secure=secure, max_age=0)),
        ],
    )


async def logout(call: Call) -> Response:
    session = call.session
    assert session is not None
    call.app.sessions.drop(session.id)
    try:
        await call.app.conn.identity(session.token.id).revoke(session.token.id)
    except ApiError:
        pass  # Already expired or revoked: the session is gone either way.
    cookie = cookie_header(COOKIE, "", secure=call.app.secure_cookies, max_age=0)
    return redirect(PREFIX + "/login?reason=logged-out", [("set-cookie", cookie)])


async def switch_project(call: Call) -> Response:
    session = call.session
    assert session is not None
    project_id = call.field("project_id")
    if project_id not in {p["id"] for p in session.projects}:
        raise ApiError("identity", 403, "That is not one of your projects.")
    token: Token = await call.app.conn.identity(session.token.id).rescope(session.token.id, project_id)
    session.token = token
    return redirect(PREFIX + "/")

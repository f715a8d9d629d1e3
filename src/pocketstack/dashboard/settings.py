"""The user's own settings: change password (the session then ends: Keystone revokes
the user's tokens) and application credentials (list, create with the secret shown
once, delete)."""

from __future__ import annotations

from pocketstack.client import ApiError
from pocketstack.dashboard.app import PREFIX, Call, redirect
from pocketstack.dashboard.sessions import COOKIE, cookie_header
from pocketstack.web.response import Response


async def page(call: Call, error: str = "", status: int = 200, secret: str = "", made: str = "") -> Response:
    session = call.session
    assert session is not None
    credentials = await call.api.identity.application_credentials(session.token.user_id)
    return call.render(
        "settings.mako",
        status=status,
        active="settings",
        error=error,
        credentials=credentials,
        secret=secret,
        made=made,
    )


async def show(call: Call) -> Response:
    return await page(call)


async def change_password(call: Call) -> Response:
    session = call.session
    assert session is not None
    original, new, again = call.field("original"), call.field("password"), call.field("again")
    if not original or not new:
        return await page(call, "Enter your current password and a new one.", 400)
    if new != again:
        return await page(call, "The two new passwords differ.", 400)
    try:
        await call.api.identity.change_password(session.token.user_id, original, new)
    except ApiError as exc:
        if exc.status == 401:
            return await page(call, "The current password is wrong.", 401)
        return await page(call, f"{exc.service}: {exc.message}", exc.status if exc.status >= 400 else 503)
    call.app.sessions.drop(session.id)
    cookie = cookie_header(COOKIE, "", secure=call.app.secure_cookies, max_age=0)
    return redirect(f"{PREFIX}/login?reason=password-changed", [("set-cookie", cookie)])


async def create_credential(call: Call) -> Response:
    session = call.session
    assert session is not None
    name = call.field("name")
    if not name:
        return await page(call, "Give the application credential a name.", 400)
    try:
        made = await call.api.identity.create_application_credential(
            session.token.user_id, name, description=call.field("description") or None
        )
    except ApiError as exc:
        if exc.unauthorized:
            raise
        return await page(call, f"{exc.service}: {exc.message}", exc.status if exc.status >= 400 else 503)
    return await page(call, secret=str(made.get("secret") or ""), made=str(made["id"]))


async def delete_credential(call: Call) -> Response:
    session = call.session
    assert session is not None
    try:
        await call.api.identity.delete_application_credential(
            session.token.user_id, call.request.path_params["credential_id"]
        )
    except ApiError as exc:
        if exc.unauthorized:
            raise
        return await page(call, f"{exc.service}: {exc.message}", exc.status if exc.status >= 400 else 503)
    return redirect(f"{PREFIX}/settings")

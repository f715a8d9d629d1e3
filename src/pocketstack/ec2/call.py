"""What an action is given: the request's parameters, the caller's API clients (their
own token: the services apply their own policy and project scoping), the id map."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from pocketstack.client import ApiError, Clients
from pocketstack.ec2.errors import Ec2Error
from pocketstack.ec2.ids import IdMap
from pocketstack.ec2.params import Params


@dataclass
class Call:
    action: str
    params: Params
    api: Clients
    ids: IdMap
    region: str
    request_id: str
    # The cloud's service user, for the one read a member may not make through Nova
    # (an instance's user data, after the caller's own token has found the instance).
    service_token: Callable[[], Awaitable[str]] | None = None

    @property
    def project_id(self) -> str:
        return self.api.token.project_id or ""


# An action answers with the elements of its response (pocketstack.ec2.xml).
Action = Callable[[Call], Awaitable[dict[str, Any]]]


def api_error(exc: ApiError, not_found: Ec2Error | None = None) -> Ec2Error:
    """An OpenStack API's refusal as EC2's error (``not_found`` for a 404)."""
    if exc.status == 404 and not_found is not None:
        return not_found
    if exc.status == 403:
        if "quota" in exc.message.lower():
            return Ec2Error("ResourceLimitExceeded", exc.message)
        return Ec2Error("UnauthorizedOperation", exc.message, 403)
    if exc.status == 409:
        return Ec2Error("IncorrectState", exc.message)
    if exc.status == 413:
        return Ec2Error("ResourceLimitExceeded", exc.message)
    if exc.status == 401:
        return Ec2Error("AuthFailure", exc.message, 401)
    if exc.status in (0, 502, 503, 504):
        return Ec2Error("Unavailable", exc.message, 503)
    if exc.status >= 500:
        return Ec2Error("InternalError", exc.message, 500)
    return Ec2Error("InvalidParameterValue", exc.message)

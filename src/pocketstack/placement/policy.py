"""Who may call placement: admins and the cloud's services (Placement's defaults).

Placement is an internal API: nova, neutron and operators call it with admin or
service tokens. Rules are named as Placement names them, so errors read alike.
"""

from __future__ import annotations

from pocketstack.common.context import RequestContext
from pocketstack.common.errors import Forbidden


def authorize(context: RequestContext, rule: str) -> None:
    """Allow admins and holders of the ``service`` role; anyone else gets a 403."""
    if context.is_admin or context.has_role("service"):
        return
    raise Forbidden(f"Policy does not allow placement:{rule} to be performed.")

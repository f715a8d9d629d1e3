"""Object storage's policy rules: who may act on an account, as Swift's keystoneauth
middleware decides it (``operator_roles = admin, member``, ``reseller_admin_role =
ResellerAdmin``, ``project_reader_roles = reader``).

Swift has no policy file: these names are pocketstack's (``object:*``), their defaults
keystoneauth's. The target of every rule is the account: ``project_id`` is the project
the account belongs to (``AUTH_<project_id>``). What a container's ACLs grant
(``X-Container-Read``/``-Write``) is decided in ``access.py``, on top of these rules:
keystoneauth checks ACLs only when the caller is not the account's operator.
"""

from __future__ import annotations

from pocketstack.common.policy import RuleDefault

ACCOUNT = "/v1/{account}"
CONTAINER = "/v1/{account}/{container}"
OBJECT = "/v1/{account}/{container}/{object}"

RULES = [
    RuleDefault(
        "object:reseller_admin", "role:ResellerAdmin", "Acts on every account (keystoneauth's reseller admin)."
    ),
    RuleDefault(
        "object:operator",
        "(role:admin or role:member) and project_id:%(project_id)s",
        "Owns the account of its project: every call on it, its containers and objects.",
    ),
    RuleDefault(
        "object:reader",
        "role:reader and project_id:%(project_id)s",
        "Reads the account of its project (keystoneauth's project reader).",
    ),
    RuleDefault(
        "object:read",
        "rule:object:reseller_admin or rule:object:operator or rule:object:reader",
        "Show or list an account, a container or an object.",
        (f"GET {ACCOUNT}", f"HEAD {ACCOUNT}", f"GET {CONTAINER}", f"HEAD {CONTAINER}", f"GET {OBJECT}"),
    ),
    RuleDefault(
        "object:write",
        "rule:object:reseller_admin or rule:object:operator",
        "Create, change or delete containers and objects, set account metadata.",
        (f"POST {ACCOUNT}", f"PUT {CONTAINER}", f"POST {CONTAINER}", f"DELETE {CONTAINER}", f"PUT {OBJECT}"),
    ),
    RuleDefault(
        "object:set_quota",
        "rule:object:reseller_admin",
        "Set an account's quota (X-Account-Meta-Quota-Bytes), as Swift's account_quotas.",
        (f"POST {ACCOUNT}",),
    ),
]

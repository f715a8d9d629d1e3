"""Application credential access rules, checked on every request a limited token makes.

A rule names a service type, an HTTP method and a path under the service's endpoint:
``*`` (or a named ``{placeholder}``) matches one path segment, ``**`` any number of them
(none included). A token whose credential has rules may call only what some rule
allows, as keystonemiddleware enforces them. A service acting for the user (with a valid
service token) is not held to them, also as in keystonemiddleware.
"""

from __future__ import annotations

from collections.abc import Iterable

# The service types a rule may name for each of pocketstack's APIs (ServiceApp names).
SERVICE_TYPES: dict[str, tuple[str, ...]] = {
    "identity": ("identity",),
    "compute": ("compute",),
    "network": ("network",),
    "image": ("image",),
    "placement": ("placement",),
    "volume": ("block-storage", "volumev3", "volume"),
    "object": ("object-store",),
}


def _segments(path: str) -> list[str]:
    return [s for s in path.split("/") if s]


def path_matches(pattern: str, path: str) -> bool:
    """True if ``path`` matches the rule's ``pattern`` segment by segment."""
    return _match(_segments(pattern), _segments(path))


def _match(pattern: list[str], path: list[str]) -> bool:
    if not pattern:
        return not path
    head, rest = pattern[0], pattern[1:]
    if head == "**":
        return any(_match(rest, path[i:]) for i in range(len(path) + 1))
    if not path:
        return False
    single = head == "*" or (head.startswith("{") and head.endswith("}"))
    return (single or head == path[0]) and _match(rest, path[1:])


def permitted(rules: Iterable[tuple[str, str, str]], app: str, method: str, path: str) -> bool:
    """Whether any rule (service type, method, path) allows this request to the ``app`` API."""
    types = SERVICE_TYPES.get(app, (app,))
    # HEAD asks what GET would answer: a GET rule covers it.
    methods = {method, "GET"} if method == "HEAD" else {method}
    return any(
        service in types and rule_method in methods and path_matches(rule_path, path)
        for service, rule_method, rule_path in rules
    )

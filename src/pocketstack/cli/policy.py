"""``pocketstack policy list SERVICE``: every rule of a service with its default and the
override in effect, printed as a policy.yaml (defaults commented out, as oslo.policy's
sample files are; overrides active), so the output is itself a valid policy file."""

from __future__ import annotations

import importlib
import json
from collections.abc import Iterator

from pocketstack.common.config import Config
from pocketstack.common.policy import Enforcer, PolicyFileError, RuleDefault, load, policy_file

# Each service's rule defaults live in its own module.
SERVICES = {
    "compute": "pocketstack.compute.api.policies",
    "identity": "pocketstack.identity.policies",
    "image": "pocketstack.image.policies",
    "network": "pocketstack.network.policies",
    "object": "pocketstack.object.policies",
    "placement": "pocketstack.placement.policies",
    "volume": "pocketstack.volume.api.policies",
}


def enforcer(service: str, config: Config) -> Enforcer:
    """The service's rules with the overrides of ``config``'s data dir (PolicyFileError
    if they are bad, as the service itself would refuse them)."""
    rules: list[RuleDefault] = importlib.import_module(SERVICES[service]).RULES
    return load(Enforcer(service, rules), config)


def problems(config: Config) -> list[str]:
    """What is wrong with the policy files of ``config`` (one message per bad file), so
    ``up``/``serve`` refuse to start before any service does."""
    found = []
    for service in SERVICES:
        try:
            enforcer(service, config)
        except PolicyFileError as exc:
            found.append(str(exc))
    return found


def _quoted(text: str) -> str:
    # JSON strings are YAML strings: quotes and backslashes escaped the same way.
    return json.dumps(text)


def listing(service: str, config: Config) -> Iterator[str]:
    rules = enforcer(service, config)
    where = policy_file(config, service)
    source = f"overrides from {where}" if rules.source is not None else f"no overrides ({where} absent)"
    yield f"# {service} policy: defaults in {SERVICES[service]}, {source}"
    yield f"# {len(rules.defaults)} rules, {len(rules.overrides)} overridden"
    for row in rules.listing():
        yield ""
        if row.description:
            yield f"# {row.description}"
        default = rules.defaults.get(row.name)
        for operation in default.operations if default else ():
            yield f"# {operation}"
        if row.override is None:
            yield f"#{_quoted(row.name)}: {_quoted(row.default)}"
        else:
            if default is not None:
                yield f"# default: {_quoted(row.default)}"
            yield f"{_quoted(row.name)}: {_quoted(row.override)}"

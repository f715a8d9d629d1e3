"""One policy engine for every service, in oslo.policy's rule language.

Each service lists its rules, with OpenStack's names and default check strings, in its
own ``policies.py`` and builds one ``Enforcer`` from them when it starts; an operator
overrides any rule in ``DATA_DIR/policy/<service>.yaml`` (or the file named by
``[<service>] policy_file``). Handlers call ``enforce(ctx, "rule name", target)``
through the service's enforcer; a denial is the service's 403, or a 404 where the
reference hides that the thing exists.
"""

from __future__ import annotations

from pathlib import Path

from pocketstack.common.config import Config
from pocketstack.common.policy.checks import Check, credentials
from pocketstack.common.policy.enforcer import Enforcer, PolicyFileError, RuleDefault, RuleListing, read_policy_file
from pocketstack.common.policy.parser import PolicySyntaxError, parse

__all__ = [
    "Check",
    "Enforcer",
    "PolicyFileError",
    "PolicySyntaxError",
    "RuleDefault",
    "RuleListing",
    "credentials",
    "load",
    "parse",
    "policy_file",
    "read_policy_file",
]


def policy_file(config: Config, service: str) -> Path:
    """Where ``service``'s overrides live: ``[<service>] policy_file`` (relative to the
    data dir unless absolute), else ``DATA_DIR/policy/<service>.yaml``."""
    section = getattr(config, service, None)
    named = str(getattr(section, "policy_file", "") or "")
    if named:
        path = Path(named).expanduser()
        return path if path.is_absolute() else config.data_dir / path
    return config.data_dir / "policy" / f"{service}.yaml"


def load(enforcer: Enforcer, config: Config) -> Enforcer:
    """Apply the operator's overrides of ``enforcer``'s service from the config's data
    dir (none: the defaults). A file named in the config must exist; a bad rule in it
    raises ``PolicyFileError`` naming the rule, so the service refuses to start."""
    path = policy_file(config, enforcer.service)
    section = getattr(config, enforcer.service, None)
    if getattr(section, "policy_file", "") and not path.exists():
        raise PolicyFileError(f"[{enforcer.service}] policy_file {path} does not exist")
    enforcer.load(path)
    return enforcer

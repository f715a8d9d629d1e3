"""Identity, compute and volume decide through the one policy engine under the names
`pocketstack policy list SERVICE` prints: every name a handler checks is listed, and an
override of one in DATA_DIR/policy/<service>.yaml changes the answer.

The static half reads the handlers: each rule name passed to a policy helper is a
registered rule (none is decided by a helper's alias any more, which an override could
not reach), and each listed rule with operations is checked somewhere.
"""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest

from pocketstack.testing.cloud import in_process_cloud

SERVICES = {
    # service: (its package, the module with its ENFORCER, the prefix the helpers leave out)
    "compute": ("src/pocketstack/compute", "pocketstack.compute.api.policy", ""),
    "volume": ("src/pocketstack/volume", "pocketstack.volume.api.policy", ""),
    "identity": ("src/pocketstack/identity", "pocketstack.identity.policy", "identity:"),
}
HELPER = re.compile(
    r"policy\.(?:admin|reader|member|owner|writer|admin_or_self|admin_or_project_member|allowed|enforce)\((.*?)\)\n",
    re.S,
)
# Names Nova does not have, checked by the image proxy with both the reader and the member
# helper: one rule cannot hold both defaults, so the helpers' aliases decide them.
ALIAS_DECIDED = {"os_compute_api:image-metadata"}


def _code(root: str) -> str:
    return "\n".join(p.read_text() for p in Path(root).rglob("*.py") if p.name != "policies.py")


@pytest.mark.parametrize("service", SERVICES)
def test_every_rule_a_handler_checks_is_listed(service: str) -> None:
    root, module, prefix = SERVICES[service]
    enforcer = importlib.import_module(module).ENFORCER
    names = set()
    for call in HELPER.finditer(_code(root)):
        literals = re.findall(r'"([^"{}]+)"\)?\s*$', call.group(1))
        if literals:
            names.add(prefix + literals[-1])
    assert len(names) > 50
    unlisted = sorted(n for n in names if n not in enforcer.defaults and n not in ALIAS_DECIDED)
    assert not unlisted, f"{service}: checked but not listed (an override cannot reach them): {unlisted}"


@pytest.mark.parametrize("service", SERVICES)
def test_every_listed_rule_is_checked(service: str) -> None:
    root, module, prefix = SERVICES[service]
    enforcer = importlib.import_module(module).ENFORCER
    code = _code(root) + Path(root, "api/policies.py" if service != "identity" else "policies.py").read_text()
    # f-strings in the handlers: the rules they can name (aggregate and host actions,
    # encryption actions).
    dynamic = ("os_compute_api:os-aggregates:", "os_compute_api:os-hosts:", "volume_extension:volume_type_encryption:")
    unchecked = []
    for name, rule in enforcer.defaults.items():
        if not rule.operations or name.startswith(dynamic):
            continue  # an alias (rule:NAME of others), or reached through an f-string
        short = name.removeprefix(prefix)
        if f'"{short}"' not in code and f'"{name}"' not in code:
            unchecked.append(name)
    assert not unchecked, f"{service}: listed but never checked (an override would change nothing): {unchecked}"


def _write(data_dir: Path, service: str, text: str) -> None:
    (data_dir / "policy").mkdir(parents=True, exist_ok=True)
    (data_dir / "policy" / f"{service}.yaml").write_text(text)


async def test_compute_override_of_a_server_action_rule(tmp_path: Path) -> None:
    # Nova's name for the stop action (was decided as os_compute_api:servers:os-stop, unlisted)
    # and the floating IP pools rule, which Nova opens to any token.
    _write(tmp_path, "compute", '"os_compute_api:os-floating-ip-pools:list": "rule:context_is_admin"\n')
    async with in_process_cloud(tmp_path) as c:
        demo = {"X-Auth-Token": await c.token("demo"), "OpenStack-API-Version": "compute 2.35"}
        admin = {"X-Auth-Token": await c.token("admin"), "OpenStack-API-Version": "compute 2.35"}
        r = await c.http.get("/compute/v2.1/os-floating-ip-pools", headers=demo)
        assert r.status_code == 403 and "os-floating-ip-pools:list" in r.text
        assert (await c.http.get("/compute/v2.1/os-floating-ip-pools", headers=admin)).status_code == 200
    from pocketstack.compute.api.policies import server_action_rule

    assert server_action_rule("os-stop") == "os_compute_api:servers:stop"
    assert server_action_rule("pause") == "os_compute_api:os-pause-server:pause"


async def test_volume_override_of_a_read_rule(tmp_path: Path) -> None:
    _write(tmp_path, "volume", '"volume:get_all": "rule:admin_api"\n')
    async with in_process_cloud(tmp_path) as c:
        demo = {"X-Auth-Token": await c.token("demo")}
        admin = {"X-Auth-Token": await c.token("admin")}
        r = await c.http.get("/volume/v3/volumes", headers=demo)
        assert r.status_code == 403 and "volume:get_all" in r.text
        assert (await c.http.get("/volume/v3/volumes", headers=admin)).status_code == 200
        # volume:get is its own rule: untouched.
        assert (await c.http.get("/volume/v3/snapshots", headers=demo)).status_code == 200


async def test_identity_override_of_catalog_and_token_rules(tmp_path: Path) -> None:
    _write(tmp_path, "identity", '"identity:list_services": "role:member"\n"identity:validate_token": "!"\n')
    async with in_process_cloud(tmp_path) as c:
        token = await c.token("demo")
        demo = {"X-Auth-Token": token}
        # Opened to members (admins and system readers by default)...
        assert (await c.http.get("/identity/v3/services", headers=demo)).status_code == 200
        assert (await c.http.get("/identity/v3/endpoints", headers=demo)).status_code == 403
        # ...and closed to everyone, a token's own user included.
        r = await c.http.get("/identity/v3/auth/tokens", headers={**demo, "X-Subject-Token": token})
        assert r.status_code == 403 and "identity:validate_token" in r.text


async def test_context_is_admin_decides_the_all_projects_views(tmp_path: Path) -> None:
    """As oslo.context: the request context's is_admin is the API's context_is_admin rule,
    so overriding it changes who sees every project (here: nobody)."""
    for overridden in (False, True):
        data_dir = tmp_path / str(overridden)
        if overridden:
            _write(data_dir, "volume", '"context_is_admin": "role:admin and role:no-such-role"\n')
        async with in_process_cloud(data_dir) as c:
            demo = {"X-Auth-Token": await c.token("demo")}
            admin = {"X-Auth-Token": await c.token("admin")}
            made = await c.http.post("/volume/v3/volumes", json={"volume": {"size": 1}}, headers=demo)
            volume_id = made.json()["volume"]["id"]
            listed = await c.http.get("/volume/v3/volumes?all_tenants=1", headers=admin)
            assert listed.status_code == 200
            seen = {v["id"] for v in listed.json()["volumes"]}
            assert (volume_id in seen) is not overridden
            shown = await c.http.get(f"/volume/v3/volumes/{volume_id}", headers=admin)
            assert shown.status_code == (404 if overridden else 200)

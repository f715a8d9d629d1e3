"""The common policy engine (pocketstack.common.policy): oslo.policy's rule language
parsed once, evaluated against a RequestContext and a target, overridden from YAML."""

from __future__ import annotations

from pathlib import Path

import pytest

from pocketstack.common.context import RequestContext
from pocketstack.common.errors import Forbidden, NotFound
from pocketstack.common.policy import Enforcer, PolicyFileError, PolicySyntaxError, RuleDefault, credentials, parse

ADMIN = RequestContext(user_id="u1", project_id="p1", roles=("admin", "member", "reader"))
MEMBER = RequestContext(user_id="u2", project_id="p2", roles=("member", "reader"))
READER = RequestContext(user_id="u3", project_id="p2", roles=("Reader",))
SYSTEM = RequestContext(user_id="u4", system_scope=True, roles=("reader",))


def allows(rule: str, ctx: RequestContext, target: dict[str, object] | None = None) -> bool:
    check = parse(rule)
    return check(credentials(ctx), target or {}, lambda name: None)


def test_empty_and_at_always_allow_bang_never() -> None:
    assert allows("", READER)
    assert allows("  ", READER)
    assert allows("@", READER)
    assert not allows("!", ADMIN)


def test_roles_compare_case_insensitively() -> None:
    assert allows("role:reader", READER)
    assert allows("role:READER", READER)
    assert not allows("role:member", READER)


def test_generic_checks_against_the_target() -> None:
    assert allows("project_id:%(project_id)s", MEMBER, {"project_id": "p2"})
    assert not allows("project_id:%(project_id)s", MEMBER, {"project_id": "p1"})
    # A target without the key (or with null) never matches.
    assert not allows("project_id:%(project_id)s", MEMBER, {})
    assert not allows("project_id:%(owner)s", MEMBER, {"owner": None})
    # Keys may contain colons (Neutron's parent attributes).
    assert allows("tenant_id:%(network:tenant_id)s", MEMBER, {"network:tenant_id": "p2"})
    assert allows("user_id:%(user_id)s", MEMBER, {"user_id": "u2"})


def test_literal_kinds_and_constants() -> None:
    assert allows("'public':%(visibility)s", READER, {"visibility": "public"})
    assert not allows("'public':%(visibility)s", READER, {"visibility": "private"})
    assert allows("is_admin:True", ADMIN)
    assert not allows("is_admin:True", MEMBER)
    assert allows("system_scope:all", SYSTEM)
    assert not allows("system_scope:all", ADMIN)
    assert allows("field:networks:shared=True", MEMBER, {"shared": True})
    assert not allows("field:networks:shared=True", MEMBER, {"shared": False})
    assert allows("field:port:device_owner=~^network:", MEMBER, {"device_owner": "network:dhcp"})
    assert not allows("field:port:device_owner=~^network:", MEMBER, {"device_owner": "compute:nova"})


def test_literal_kinds_and_null_credentials() -> None:
    # Keystone's forms: a literal on the left, a null credential read as None.
    assert allows("None:%(domain)s", READER, {"domain": None})
    assert not allows("None:%(domain)s", READER, {"domain": "d1"})
    # Otherwise a null target value never matches, not even a null credential.
    assert not allows("domain_id:%(domain)s", READER, {"domain": None})
    assert allows("True:%(all_tenants)s", READER, {"all_tenants": True})
    assert not allows("True:%(all_tenants)s", READER, {"all_tenants": False})
    assert allows("not domain_id:None", RequestContext(domain_id="d1", roles=("reader",)))
    assert not allows("not domain_id:None", READER)
    assert allows("token.project.id:%(project_id)s", READER, {"project_id": "p2"})


def test_precedence_not_then_and_then_or() -> None:
    # "a or b and c" is "a or (b and c)".
    assert allows("role:reader or role:admin and role:nobody", READER)
    assert not allows("(role:reader or role:admin) and role:nobody", READER)
    # "not a and b" is "(not a) and b".
    assert allows("not role:admin and role:member", MEMBER)
    assert not allows("not role:admin and role:member", ADMIN)
    assert allows("not (role:admin and role:nobody)", ADMIN)
    assert allows("role:member AND project_id:%(project_id)s", MEMBER, {"project_id": "p2"})


def test_parentheses_of_templates_are_not_grouping() -> None:
    rule = "rule:x or (role:member and (project_id:%(project_id)s or 'community':%(visibility)s))"
    assert allows(rule, MEMBER, {"project_id": "other", "visibility": "community"})
    assert not allows(rule, MEMBER, {"project_id": "other", "visibility": "private"})


@pytest.mark.parametrize(
    "text",
    [
        "role:admin or",
        "and role:admin",
        "(role:admin",
        "role:admin)",
        "role:admin role:member",
        "admin",
        "role:",
        "not",
        "http://example.com/policy",
        "'public:%(visibility)s",
        "field:networks",
        "field:port:device_owner=~(",
    ],
)
def test_parse_errors(text: str) -> None:
    with pytest.raises(PolicySyntaxError):
        parse(text)


RULES = [
    RuleDefault("context_is_admin", "role:admin"),
    RuleDefault("admin_or_owner", "rule:context_is_admin or project_id:%(project_id)s"),
    RuleDefault("thing:get", "rule:admin_or_owner"),
    RuleDefault("thing:create", "role:member"),
]


def test_rule_references_and_overrides(tmp_path: Path) -> None:
    enforcer = Enforcer("demo", RULES)
    assert enforcer.allowed(MEMBER, "thing:get", {"project_id": "p2"})
    assert not enforcer.allowed(MEMBER, "thing:get", {"project_id": "p1"})
    assert enforcer.allowed(ADMIN, "thing:get", {"project_id": "p2"})
    # The default target is the caller's own project.
    assert enforcer.allowed(MEMBER, "thing:get")

    path = tmp_path / "demo.yaml"
    path.write_text('"context_is_admin": "role:admin and system_scope:all"\n"thing:create": "!"\n"extra": "@"\n')
    enforcer.load(path)
    # An overridden alias changes every rule that refers to it.
    assert not enforcer.allowed(ADMIN, "thing:get", {"project_id": "p2"})
    assert not enforcer.allowed(ADMIN, "thing:create")
    listing = {row.name: row for row in enforcer.listing()}
    assert listing["thing:create"].default == "role:member"
    assert listing["thing:create"].override == "!"
    assert listing["thing:get"].override is None
    assert listing["extra"].override == "@"

    path.unlink()
    enforcer.load(path)
    assert enforcer.allowed(ADMIN, "thing:create")
    assert enforcer.overrides == {}


def test_enforce_raises_the_services_error_or_the_hiding_one() -> None:
    enforcer = Enforcer("demo", RULES)
    with pytest.raises(Forbidden, match="thing:get"):
        enforcer.enforce(MEMBER, "thing:get", {"project_id": "p1"})
    with pytest.raises(NotFound):
        enforcer.enforce(MEMBER, "thing:get", {"project_id": "p1"}, error=NotFound("no such thing"))
    with pytest.raises(KeyError):
        enforcer.allowed(ADMIN, "thing:unregistered")
    # Internal work of the cloud is not policed.
    assert enforcer.allowed(RequestContext.internal(), "thing:get", {"project_id": "p9"})


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('"thing:get": "role:admin or"\n', "rule 'thing:get'"),
        ('"thing:get": "rule:nowhere"\n', "rule:nowhere, which is not defined"),
        ('"a": "rule:b"\n"b": "rule:a"\n', "refers to itself"),
        ("- role:admin\n", "expected a mapping"),
        ('"thing:get": 3\n', "must be a string"),
        ('"thing:get": [\n', "cannot be read"),
    ],
)
def test_bad_policy_files_are_refused_naming_the_rule(tmp_path: Path, content: str, message: str) -> None:
    enforcer = Enforcer("demo", RULES)
    path = tmp_path / "demo.yaml"
    path.write_text(content)
    with pytest.raises(PolicyFileError, match=message.replace("(", r"\(")):
        enforcer.load(path)
    # The rules in force are still the previous ones.
    assert enforcer.allowed(MEMBER, "thing:create")

"""Issue #2 acceptance: the real openstack CLI and openstacksdk against pocketstack up."""

from __future__ import annotations

import uuid

import pytest

from tests.e2e.conftest import CLIError, Cloud

pytestmark = pytest.mark.e2e


def test_token_issue_and_catalog(cloud: Cloud) -> None:
    token = cloud.openstack("token", "issue", "-f", "json")
    assert token["id"] and token["project_id"] and token["user_id"]
    catalog = cloud.openstack("catalog", "list", "-f", "json")
    types = {entry["Type"] for entry in catalog}
    assert {"identity", "compute", "image", "network", "placement", "block-storage"} <= types
    identity = next(e for e in catalog if e["Type"] == "identity")
    urls = [ep["url"] for ep in identity["Endpoints"]]
    assert f"{cloud.url}/identity" in urls


def test_project_lifecycle(cloud: Cloud) -> None:
    name = f"proj-{uuid.uuid4().hex[:8]}"
    created = cloud.openstack("project", "create", "--description", "first", name, "-f", "json")
    assert created["name"] == name and created["enabled"] is True
    names = [p["Name"] for p in cloud.openstack("project", "list", "-f", "json")]
    assert name in names
    cloud.openstack("project", "set", "--description", "second", "--disable", name)
    shown = cloud.openstack("project", "show", name, "-f", "json")
    assert shown["description"] == "second" and shown["enabled"] is False
    cloud.openstack("project", "delete", name)
    with pytest.raises(CLIError) as err:
        cloud.openstack("project", "show", name, "-f", "json")
    assert "No Project found" in err.value.stderr


def test_user_role_assignment_and_login(cloud: Cloud) -> None:
    project = f"p-{uuid.uuid4().hex[:8]}"
    user = f"u-{uuid.uuid4().hex[:8]}"
    cloud.openstack("project", "create", project)
    created = cloud.openstack("user", "create", "--password", "s3cret", "--email", "u@example.org", user, "-f", "json")
    assert created["name"] == user
    assert user in [u["Name"] for u in cloud.openstack("user", "list", "-f", "json")]
    cloud.openstack("role", "add", "--user", user, "--project", project, "member")
    rows = cloud.openstack("role", "assignment", "list", "--names", "--user", user, "-f", "json")
    assert {(r["Role"], r["User"], r["Project"]) for r in rows} == {("member", f"{user}@Default", f"{project}@Default")}
    # The new user logs in with its password, scoped to the project.
    login = [
        "--os-auth-type",
        "password",
        "--os-auth-url",
        f"{cloud.url}/identity",
        "--os-username",
        user,
        "--os-password",
        "s3cret",
        "--os-project-name",
        project,
        "--os-user-domain-name",
        "Default",
        "--os-project-domain-name",
        "Default",
        "--os-identity-api-version",
        "3",
    ]
    proc = cloud.run("token", "issue", "-f", "json", user="none", extra=login)
    assert '"project_id"' in proc.stdout
    cloud.openstack("user", "set", "--disable", user)
    failed = cloud.run("token", "issue", "-f", "json", user="none", extra=login, check=False)
    assert failed.returncode != 0 and "401" in failed.stderr
    cloud.openstack("user", "delete", user)
    cloud.openstack("project", "delete", project)


def test_application_credential_authenticates(cloud: Cloud) -> None:
    name = f"ac-{uuid.uuid4().hex[:8]}"
    cred = cloud.openstack("application", "credential", "create", name, "-f", "json")
    assert cred["Secret"]
    login = [
        "--os-auth-type",
        "v3applicationcredential",
        "--os-auth-url",
        f"{cloud.url}/identity",
        "--os-application-credential-id",
        cred["ID"],
        # One argument with '=': a secret may start with '-', which argparse takes for an option.
        f"--os-application-credential-secret={cred['Secret']}",
    ]
    projects = cloud.run("project", "list", "-f", "json", user="none", extra=login)
    assert "admin" in projects.stdout
    cloud.openstack("application", "credential", "delete", name)
    again = cloud.run("project", "list", "-f", "json", user="none", extra=login, check=False)
    assert again.returncode != 0


def test_token_revoke(cloud: Cloud) -> None:
    import httpx

    token = cloud.openstack("token", "issue", "-f", "json")["id"]
    headers = {"X-Auth-Token": token}
    assert httpx.get(f"{cloud.url}/identity/v3/users", headers=headers).status_code == 200
    cloud.openstack("token", "revoke", token)
    answer = httpx.get(f"{cloud.url}/identity/v3/users", headers=headers)
    assert answer.status_code == 401
    assert answer.json()["error"]["code"] == 401


def test_openstacksdk_admin_and_demo(cloud: Cloud, monkeypatch: pytest.MonkeyPatch) -> None:
    import openstack

    monkeypatch.setenv("OS_CLIENT_CONFIG_FILE", str(cloud.clouds_yaml))
    admin = openstack.connect(cloud="pocketstack")
    names = {p.name for p in admin.identity.projects()}  # type: ignore[union-attr]
    assert {"admin", "demo", "service"} <= names
    demo = openstack.connect(cloud="pocketstack-demo")
    with pytest.raises(openstack.exceptions.ForbiddenException):
        list(demo.identity.users())


def test_status_lists_services(cloud: Cloud) -> None:
    out = cloud.pocketstack("status").stdout
    assert "identity" in out and "up" in out

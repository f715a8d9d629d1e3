"""``pocketstack policy list SERVICE``: every rule, its default, the override in effect;
the output is itself a policy.yaml."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from pocketstack.cli.main import main


def test_lists_every_rule_with_defaults_commented(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["policy", "list", "image", "--data-dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "no overrides" in out
    assert '#"get_image": "rule:context_is_admin or (role:reader and (project_id:%(project_id)s' in out
    assert "# GET /v2/images/{image_id}" in out
    assert '#"publicize_image": "role:admin"' in out
    # Nothing active: as a policy file, it changes nothing.
    assert yaml.safe_load(out) is None


def test_shows_the_override_in_effect(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "policy").mkdir()
    (tmp_path / "policy" / "network.yaml").write_text('"create_network:shared": "role:member"\n')
    assert main(["policy", "list", "network", "--data-dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "1 overridden" in out
    assert '# default: "rule:admin_only"\n"create_network:shared": "role:member"' in out
    assert '#"create_network": "(rule:admin_only) or (role:member and project_id:%(project_id)s)"' in out
    # Read back as a policy file, the output is exactly the overrides in effect.
    assert yaml.safe_load(out) == {"create_network:shared": "role:member"}


def test_a_bad_policy_file_is_an_error_naming_the_rule(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "policy").mkdir()
    (tmp_path / "policy" / "placement.yaml").write_text('"placement:usages": "role:reader and"\n')
    assert main(["policy", "list", "placement", "--data-dir", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert "rule 'placement:usages'" in err


def test_unknown_service_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SystemExit):
        main(["policy", "list", "nosuch", "--data-dir", str(tmp_path)])


def test_up_refuses_to_start_with_a_bad_policy_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "policy").mkdir()
    (tmp_path / "policy" / "image.yaml").write_text('"get_image": "rule:nowhere"\n')
    assert main(["up", "--data-dir", str(tmp_path), "--driver", "fake", "--detach"]) == 1
    err = capsys.readouterr().err
    assert "rule 'get_image' refers to rule:nowhere" in err
    # Nothing was started or written.
    assert not (tmp_path / "pocketstack.toml").exists()

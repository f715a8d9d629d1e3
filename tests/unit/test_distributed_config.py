"""The distributed mode's settings: which services (or host agents) a process serves,
where the others are, whether network and compute agents run in their service's process."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from pocketstack.cloud import ALL, Cloud, parse_services
from pocketstack.common.config import Config, resolve_local_agents
from pocketstack.network.service import _local_agents


def test_parse_services() -> None:
    assert parse_services("all") is None
    assert parse_services("image") == {"image"}
    assert parse_services(" image, placement ") == {"image", "placement"}
    assert set(ALL) == {"identity", "image", "placement", "network", "compute", "volume", "object", "ec2"}
    with pytest.raises(ValueError, match="unknown service glance"):
        parse_services("image,glance")
    with pytest.raises(ValueError, match="unknown service"):
        parse_services(",")
    assert parse_services("compute-agent,network-agent") == {"compute-agent", "network-agent"}
    with pytest.raises(ValueError, match="compute-agent, network-agent"):
        parse_services("nova-compute")


def test_agents_need_their_host(tmp_path: Path) -> None:
    config = Config.load(tmp_path, env={})
    with pytest.raises(ValueError, match="name of its host"):
        Cloud(config, frozenset({"compute-agent"}))
    agents = Cloud(config, frozenset({"compute-agent", "network-agent"}), agent_host="h1")
    assert not agents.serves_http and agents.describe() == "compute-agent,network-agent (host h1)"
    assert Cloud(config, frozenset({"compute", "compute-agent"}), agent_host="h1").serves_http


def test_endpoints_default_to_this_process(tmp_path: Path) -> None:
    env = {"POCKETSTACK_ENDPOINTS_IMAGE": "http://10.0.0.5:9292/", "POCKETSTACK_SERVER_PORT": "8181"}
    config = Config.load(tmp_path, env=env)
    assert config.endpoint_base("image") == "http://10.0.0.5:9292"
    assert config.endpoint_base("compute") == "http://127.0.0.1:8181"


def test_local_agents_setting() -> None:
    assert _local_agents("auto", "memory://") is True
    assert _local_agents("auto", "amqp://guest:guest@127.0.0.1:5672/") is False
    assert _local_agents("true", "amqp://x") is True
    assert _local_agents("off", "memory://") is False
    with pytest.raises(ValueError, match="local_agents"):
        _local_agents("sometimes", "memory://")
    assert resolve_local_agents("auto", "amqp://x", "compute") is False
    with pytest.raises(ValueError, match=r"\[compute\] local_agents"):
        resolve_local_agents("maybe", "memory://", "compute")


def test_serving_some_services_needs_a_shared_bus(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "pocketstack.cli.main", "serve", "image", "--data-dir", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": "/usr/bin:/bin"},
    )
    assert proc.returncode == 2 and "shared bus" in proc.stderr
    proc = subprocess.run(
        [sys.executable, "-m", "pocketstack.cli.main", "serve", "glance", "--data-dir", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": "/usr/bin:/bin"},
    )
    assert proc.returncode == 2 and "unknown service glance" in proc.stderr


def test_services_without_identity_need_the_service_password(tmp_path: Path) -> None:
    """No well-known default any more: a process without identity must be told the
    service user's password (identity's process generated it into its secrets.toml)."""
    argv = [sys.executable, "-m", "pocketstack.cli.main", "serve", "image", "--data-dir", str(tmp_path)]
    env = {"PATH": "/usr/bin:/bin", "POCKETSTACK_BUS_URL": "amqp://guest:guest@127.0.0.1:1/"}
    proc = subprocess.run(argv, capture_output=True, text=True, timeout=60, env=env)
    assert proc.returncode == 2 and "service_password" in proc.stderr
    assert not (tmp_path / "secrets.toml").exists(), "nothing generated where identity does not run"


def test_agents_alone_listen_nowhere(tmp_path: Path) -> None:
    """``--host`` is the listen address: given to agents alone it is refused, naming
    ``--agent-host`` (the agents' host), before anything starts."""
    env = {"PATH": "/usr/bin:/bin", "POCKETSTACK_BUS_URL": "amqp://guest:guest@127.0.0.1:1/"}
    argv = [sys.executable, "-m", "pocketstack.cli.main", "serve", "compute-agent", "--data-dir", str(tmp_path)]
    proc = subprocess.run([*argv, "--host", "h1"], capture_output=True, text=True, timeout=60, env=env)
    assert proc.returncode == 2 and "--agent-host" in proc.stderr
    argv[4] = "image"
    proc = subprocess.run([*argv, "--agent-host", "h1"], capture_output=True, text=True, timeout=60, env=env)
    assert proc.returncode == 2 and "none of which runs here" in proc.stderr

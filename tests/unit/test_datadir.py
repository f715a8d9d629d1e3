"""The data directory's secrets and modes: generated bootstrap passwords kept across
starts, owner-only files (also when the directory was looser before), the TLS pair;
the log redaction."""

from __future__ import annotations

import io
import logging
import os
import socket
import stat
import sys
import tomllib
from pathlib import Path

import pytest

from pocketstack.cli import state
from pocketstack.common import datadir, logs, tls
from pocketstack.common.config import Config


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture(autouse=True)
def keep_umask() -> object:
    old = os.umask(0o022)
    os.umask(old)
    yield
    os.umask(old)


def test_first_start_generates_strong_passwords_and_later_starts_keep_them(tmp_path: Path) -> None:
    config = Config.load(tmp_path, env={})
    assert config.identity.admin_password == ""
    generated = datadir.ensure_passwords(config)
    assert generated == ["identity.admin_password", "identity.demo_password", "identity.service_password"]
    chosen = {config.identity.admin_password, config.identity.demo_password, config.identity.service_password}
    assert len(chosen) == 3 and all(len(p) >= 32 for p in chosen)
    assert not chosen & {"admin", "demo", "service"}
    assert mode(config.secrets_file) == 0o600

    again = Config.load(tmp_path, env={})
    assert datadir.ensure_passwords(again) == []
    assert again.identity.admin_password == config.identity.admin_password
    assert again.identity.service_password == config.identity.service_password


def test_passwords_given_in_the_environment_or_config_file_are_not_generated(tmp_path: Path) -> None:
    (tmp_path / "pocketstack.toml").write_text('[identity]\ndemo_password = "from-file"\n')
    config = Config.load(tmp_path, env={"POCKETSTACK_IDENTITY_ADMIN_PASSWORD": "from-env"})
    assert datadir.ensure_passwords(config) == ["identity.service_password"]
    assert (config.identity.admin_password, config.identity.demo_password) == ("from-env", "from-file")
    stored = tomllib.loads(config.secrets_file.read_text())
    assert set(stored["identity"]) == {"service_password"}


def test_config_file_is_owner_only_and_names_no_generated_secret(tmp_path: Path) -> None:
    config = Config.load(tmp_path, env={})
    config.write_if_missing()
    datadir.ensure_passwords(config)
    text = config.config_file.read_text()
    assert mode(config.config_file) == 0o600
    assert "admin_password =" not in text and "generated on the first start" in text
    assert config.identity.admin_password not in text


def test_harden_fixes_a_loose_existing_data_dir(tmp_path: Path) -> None:
    data = tmp_path / "data"
    keys = data / "fernet-keys"
    keys.mkdir(parents=True)
    files = [data / n for n in ("pocketstack.db", "pocketstack.db-wal", "pocketstack.db-shm", "clouds.yaml")]
    files += [data / "pocketstack.toml", keys / "0", keys / "1"]
    for path in files:
        path.write_text("x")
        path.chmod(0o644)
    for directory in (data, keys):
        directory.chmod(0o755)

    script = data / "mine.sh"
    script.write_text("#!/bin/sh\n")
    script.chmod(0o755)

    assert datadir.harden(Config(data_dir=data)) == []
    assert mode(script) == 0o755, "a file pocketstack does not keep is left alone"

    assert mode(data) == 0o700 and mode(keys) == 0o700
    assert {p.name: mode(p) for p in files} == {p.name: 0o600 for p in files}
    # The umask makes what the cloud creates later owner-only too.
    (data / "later.db").write_text("x")
    (data / "images").mkdir()
    assert mode(data / "later.db") == 0o600 and mode(data / "images") == 0o700


def test_clouds_yaml_is_owner_only(tmp_path: Path) -> None:
    config = Config(data_dir=tmp_path)
    config.identity.admin_password, config.identity.demo_password = "a-secret", "d-secret"
    path = state.write_clouds_yaml(config)
    assert mode(path) == 0o600
    assert '"a-secret"' in path.read_text() and "cacert" not in path.read_text()


def test_self_signed_certificate_key_is_private_and_clouds_yaml_trusts_it(tmp_path: Path) -> None:
    cert, key = tls.ensure_self_signed(tmp_path, "127.0.0.1")
    assert mode(key) == 0o600 and mode(cert.parent) == 0o700
    assert tls.is_self_signed(cert)
    assert tls.ensure_self_signed(tmp_path, "127.0.0.1") == (cert, key)
    before = cert.read_bytes()
    tls.ensure_self_signed(tmp_path, "127.0.0.1")
    assert cert.read_bytes() == before, "kept while it covers the address"
    tls.ensure_self_signed(tmp_path, "192.0.2.7")
    assert cert.read_bytes() != before, "made again for a new listen address"

    config = Config(data_dir=tmp_path)
    config.server.tls_cert, config.server.tls_key = str(cert), str(key)
    config.identity.admin_password = config.identity.demo_password = "x"
    assert config.public_url.startswith("https://")
    text = state.clouds_yaml(config)
    assert f'cacert: "{cert}"' in text and "auth_url: https://" in text


@pytest.mark.parametrize(
    ("host", "loopback"),
    [("127.0.0.1", True), ("localhost", True), ("::1", True), ("0.0.0.0", False), ("192.0.2.1", False)],
)
def test_loopback_addresses(host: str, loopback: bool) -> None:
    assert tls.is_loopback(host) is loopback


def test_log_redaction_of_tokens_passwords_hashes_keys_and_url_passwords() -> None:
    token = "gAAAAABn" + "x" * 120
    lines = {
        f"receive_response_headers.complete return_value=[(b'x-subject-token', b'{token}')]": token,
        f"headers {{'X-Auth-Token': 'opaque-{token[:30]}'}}": "opaque-",
        '{"auth": {"identity": {"password": {"user": {"password": "hunter2-s3cret"}}}}}': "hunter2-s3cret",
        "{'admin_password': 'Zq9-generated', 'region': 'RegionOne'}": "Zq9-generated",
        "hash $2b$12$" + "a" * 53 + " stored": "$2b$12$",
        "-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMG\n-----END PRIVATE KEY-----": "MIGHAgEAMBMG",
        "connect to amqp://guest:bus-pass@127.0.0.1:5672/ failed": "bus-pass",
    }
    for line, secret in lines.items():
        cleaned = logs.redact(line)
        assert secret not in cleaned, cleaned
    assert logs.token_hash(token) in logs.redact(f"X-Subject-Token: {token}")
    assert logs.redact("user u1 GET /v2.1/servers 200") == "user u1 GET /v2.1/servers 200"


def test_the_cli_log_handler_redacts_messages_and_tracebacks() -> None:
    record = logging.LogRecord("x", logging.ERROR, __file__, 1, "login %s", ('{"password": "pw-123"}',), None)
    try:
        raise RuntimeError("url postgresql://u:db-pass@h/db")
    except RuntimeError:
        record.exc_info = sys.exc_info()
    assert logs.Redactor().filter(record)
    assert "pw-123" not in record.getMessage() and "db-pass" not in (record.exc_text or "")


def test_public_url_of_a_wildcard_listen_address_names_this_machine() -> None:
    config = Config()
    config.server.host, config.server.port = "0.0.0.0", 8443
    assert config.public_url == f"http://{socket.gethostname()}:8443"
    config.server.host = "::1"
    assert config.public_url == "http://[::1]:8443"


def test_clients_of_the_cloud_trust_its_self_signed_certificate(tmp_path: Path) -> None:
    config = Config(data_dir=tmp_path)
    assert tls.trust(config) is True, "plain HTTP: nothing special"
    cert, key = tls.ensure_self_signed(tmp_path, "127.0.0.1")
    config.server.tls_cert, config.server.tls_key = str(cert), str(key)
    assert tls.trust(config) == str(cert)
    assert state.verify(config) == str(cert)


def test_handlers_of_non_propagating_loggers_redact_too() -> None:
    logger = logging.getLogger("test-datadir-own-handler")
    handler = logging.StreamHandler(io.StringIO())
    logger.addHandler(handler)
    logger.propagate = False
    try:
        logs.redact_handlers()
        logger.error("X-Auth-Token: %s", "gAAAAAB" + "q" * 60)
        assert "qqqq" not in handler.stream.getvalue() and "token-sha256:" in handler.stream.getvalue()
    finally:
        logger.removeHandler(handler)


def test_the_well_known_passwords_of_older_versions_are_named() -> None:
    config = Config()
    config.identity.admin_password, config.identity.demo_password = "admin", "x" * 32
    config.identity.service_password = "service"
    assert datadir.weak_passwords(config) == ["admin", "service"]

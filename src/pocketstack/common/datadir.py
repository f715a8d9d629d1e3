"""The data directory kept private: generated bootstrap passwords and owner-only modes.

A cloud's data directory holds what lets anyone act as its administrator: clouds.yaml
(passwords), secrets.toml, the config file (database and bus URLs may carry passwords),
the SQLite database (password hashes), the Fernet keys and the TLS key. ``harden`` makes
the directory 0700 and those files 0600 on every start (a data directory made by an
older pocketstack, or copied around, may have looser modes), and sets the process umask
so what the cloud creates there later is owner-only too.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import secrets
import tomllib
from collections.abc import Iterator
from pathlib import Path

from pocketstack.common.config import Config
from pocketstack.common.config import _toml_value as toml_value

# Files directly in the data dir that hold secrets (and the SQLite files pocketstack.db*).
SECRET_FILES = ("clouds.yaml", "pocketstack.toml", "secrets.toml")
# Directories under the data dir holding key material, made 0700 with 0600 files.
KEY_DIRS = ("fernet-keys", "credential-keys", "tls", "run", "log")


def write_private(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` atomically, 0600 from the first byte."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "w") as fh:
            fh.write(text)
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def new_password() -> str:
    return secrets.token_urlsafe(24)


def ensure_passwords(config: Config) -> list[str]:
    """Give every bootstrap password nobody set (config file, environment, an earlier
    start's secrets.toml) a random value, kept in secrets.toml so later starts use the
    same. Returns the settings generated now. Processes sharing the data dir (the
    distributed mode on one machine) agree: the file is updated under a lock."""
    missing = [(s, k) for s, k in config.SECRETS if not getattr(getattr(config, s), k)]
    if not missing:
        return []
    config.data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    generated: list[str] = []
    with _locked(config.data_dir):
        stored = _read(config.secrets_file)
        for section, key in missing:
            value = stored.get(section, {}).get(key)
            if not value:
                value = new_password()
                stored.setdefault(section, {})[key] = value
                generated.append(f"{section}.{key}")
            setattr(getattr(config, section), key, value)
        if generated:
            write_private(config.secrets_file, _render(stored))
    return generated


def weak_passwords(config: Config) -> list[str]:
    """The bootstrap users whose password is still the well-known default of older
    versions (admin/admin, demo/demo, service)."""
    ident = config.identity
    defaults = (("admin", ident.admin_password, "admin"), ("demo", ident.demo_password, "demo"))
    weak = [user for user, password, default in defaults if password == default]
    return weak + (["service"] if ident.service_password == "service" else [])


def harden(config: Config) -> list[str]:
    """umask 077 for this process; the data dir 0700; its files and key directories
    owner-only. Returns what could not be changed (as warnings)."""
    os.umask(0o077)
    data_dir = config.data_dir
    data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    problems: list[str] = []

    def private(path: Path, mode: int) -> None:
        try:
            if path.is_symlink():
                return
            if (path.stat().st_mode & 0o777) != mode:
                os.chmod(path, mode)
        except FileNotFoundError:
            pass
        except OSError as exc:
            problems.append(f"cannot make {path} owner-only: {exc}")

    private(data_dir, 0o700)
    # Only the files pocketstack keeps there: a data dir given by hand may hold others
    # (an executable must not lose its x bit).
    for path in data_dir.iterdir():
        if path.is_file() and (path.name in SECRET_FILES or path.name.startswith("pocketstack.db")):
            private(path, 0o600)
    for name in KEY_DIRS:
        directory = data_dir / name
        if directory.is_dir() and not directory.is_symlink():
            private(directory, 0o700)
            for path in directory.iterdir():
                if path.is_file():
                    private(path, 0o600)
    return problems


@contextlib.contextmanager
def _locked(directory: Path) -> Iterator[None]:
    fd = os.open(directory, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def _read(path: Path) -> dict[str, dict[str, str]]:
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except FileNotFoundError:
        return {}
    return {k: {kk: str(vv) for kk, vv in v.items()} for k, v in data.items() if isinstance(v, dict)}


def _render(stored: dict[str, dict[str, str]]) -> str:
    lines = [
        "# Secrets pocketstack generated on the first start (owner-only). A value set in",
        "# pocketstack.toml or the environment takes precedence over the one here; changing",
        "# one here does not change a password already set in the cloud.",
        "",
    ]
    for section, values in stored.items():
        lines.append(f"[{section}]")
        lines += [f"{key} = {toml_value(value)}" for key, value in values.items()]
        lines.append("")
    return "\n".join(lines)

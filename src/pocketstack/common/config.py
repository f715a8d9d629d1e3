"""One config file (``DATA_DIR/pocketstack.toml``) plus environment overrides.

Every setting lives in a section of the file and can be overridden by the environment
variable ``POCKETSTACK_<SECTION>_<KEY>`` (for example ``POCKETSTACK_DATABASE_URL``).
The file is written with the defaults on the first ``up`` so a user can see and edit them.
Secrets nobody chose (the bootstrap users' passwords) are generated on the first start
into ``DATA_DIR/secrets.toml`` (same format, read before the config file, owner-only):
see ``pocketstack.common.datadir``.
"""

from __future__ import annotations

import os
import socket
import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

DEFAULT_DATA_DIR = Path.home() / ".local" / "share" / "pocketstack"


@dataclass
class ServerConfig:
    host: str = "127.0.0.1"
    port: int = 8080
    # The URL clients use; empty means http://host:port.
    public_url: str = ""
    # Largest request body accepted by JSON APIs (image uploads stream and are exempt).
    max_body_bytes: int = 1024 * 1024
    # HTTPS: PEM certificate (chain) and private key files. Both empty: plain HTTP, unless
    # ``up --tls`` made a self-signed pair (DATA_DIR/tls/) and put its paths here.
    tls_cert: str = ""
    tls_key: str = ""


@dataclass
class DatabaseConfig:
    # Empty means SQLite (WAL) in the data directory.
    url: str = ""
    # PostgreSQL/MariaDB: seconds to open a connection (or wait for a pooled one) and
    # for one statement; past them the request fails with 503 instead of hanging.
    connect_timeout: float = 5.0
    statement_timeout: float = 30.0


@dataclass
class BusConfig:
    url: str = "memory://"
    call_timeout: float = 60.0
    # Prefix of the broker's queue and exchange names: clouds sharing a RabbitMQ vhost.
    namespace: str = ""


@dataclass
class NotificationsConfig:
    """Events in the oslo.messaging format on RabbitMQ, for OpenStack's consumers
    (docs/notifications.md). Per service: ``messaging`` or ``noop``; the exchange (empty:
    the service's name); comma-separated topics; Nova's format (versioned, unversioned or
    both) and its versioned topics. Off by default, as in OpenStack (a queue nobody reads
    would fill the broker): set ``<service>_driver = "messaging"`` to publish."""

    nova_driver: str = "noop"
    nova_exchange: str = ""
    nova_format: str = "both"
    nova_versioned_topics: str = "versioned_notifications"
    nova_topics: str = "notifications"
    neutron_driver: str = "noop"
    neutron_exchange: str = ""
    neutron_topics: str = "notifications"
    cinder_driver: str = "noop"
    cinder_exchange: str = ""
    cinder_topics: str = "notifications"
    glance_driver: str = "noop"
    glance_exchange: str = ""
    glance_topics: str = "notifications"
    keystone_driver: str = "noop"
    keystone_exchange: str = ""
    keystone_topics: str = "notifications"


@dataclass
class IdentityConfig:
    token_expiration: int = 3600
    password_hash_rounds: int = 12
    # Seconds a validated token stays in the local validation cache.
    token_cache_seconds: float = 30.0
    # Passwords of the bootstrap users admin, demo and the service user. Empty: a random
    # one is generated on the first start and kept in DATA_DIR/secrets.toml; clouds.yaml
    # carries admin's and demo's.
    admin_password: str = ""
    demo_password: str = ""
    service_password: str = ""
    region: str = "RegionOne"
    # oslo.policy overrides of this service's rules (YAML); empty: DATA_DIR/policy/identity.yaml.
    policy_file: str = ""


@dataclass
class SecurityComplianceConfig:
    """Keystone's ``[security_compliance]`` password rules; every one is off by default."""

    # Failed password logins in a row that lock the user out (0: never), and for how many
    # seconds (0: until an administrator resets the password or re-enables the user).
    lockout_failure_attempts: int = 0
    lockout_duration: int = 1800
    # Days a new password stays valid (0: forever).
    password_expires_days: int = 0
    # A new password may not be any of the user's last N ones, the current one included (0: off).
    unique_last_password_count: int = 0
    # Days a password set by its user must be used before the user may change it again.
    minimum_password_age: int = 0
    # Passwords must match this regular expression (re.match); the description is the
    # reason a 400 gives when one does not.
    password_regex: str = ""
    password_regex_description: str = ""


@dataclass
class LoggingConfig:
    level: str = "INFO"


@dataclass
class ComputeConfig:
    driver: str = "auto"
    fake_hosts: int = 1
    # Size and behaviour of each simulated host of the fake driver.
    fake_vcpus: int = 16
    fake_memory_mb: int = 32768
    fake_disk_gb: int = 500
    fake_boot_delay: float = 0.0
    # Placement allocation ratios reported for every host's inventory.
    cpu_allocation_ratio: float = 4.0
    ram_allocation_ratio: float = 1.0
    disk_allocation_ratio: float = 1.0
    # Hosts tried per server (the first choice plus alternates) before ERROR.
    max_attempts: int = 3
    # A resize may stay on the server's host (Nova's allow_resize_to_same_host). True by
    # default here, unlike Nova: the all-in-one has a single host.
    allow_resize_to_same_host: bool = True
    # Seconds a shelved server keeps its host before it is offloaded: 0 offloads at once
    # (Nova's default), a negative value never (only shelveOffload does). Nothing
    # offloads later on its own: a positive value behaves as a negative one.
    shelved_offload_time: float = 0.0
    # Seconds a server may stay in BUILD before it is put in ERROR.
    build_timeout: float = 300.0
    # Seconds an agent waits for network-vif-plugged before failing the build.
    vif_plugged_timeout: float = 30.0
    heartbeat_interval: float = 10.0
    # A compute service unheard of for this long is reported down and not scheduled to.
    service_down_time: float = 60.0
    power_sync_interval: float = 60.0
    # Scheduler: candidates asked of placement per decision (Nova's max_placement_results),
    # and how often its cached host states pick up heartbeats and reports (seconds).
    max_placement_results: int = 1000
    host_state_refresh: float = 1.0
    # Host resources kept back from guests (reported to placement as "reserved").
    reserved_host_cpus: int = 0
    reserved_host_memory_mb: int = 0
    reserved_host_disk_gb: int = 0
    # The qemu driver: binary, accelerator ("auto" probes KVM with a deadline, else TCG).
    qemu_binary: str = "qemu-system-x86_64"
    qemu_accel: str = "auto"
    kvm_probe_timeout: float = 3.0
    # Keep the KVM probe's verdict in ~/.cache/pocketstack (per QEMU build and kernel).
    kvm_probe_cache: bool = True
    # Attach a config drive to every instance, not only those that ask for one.
    force_config_drive: bool = True
    # Seconds a guest gets to power off on ACPI (stop, soft reboot; destroy) before it is killed.
    shutdown_timeout: float = 30.0
    destroy_timeout: float = 5.0
    # Serial console log: rotated (one old file kept) when it grows past this size.
    console_max_bytes: int = 1024 * 1024
    # Cached base images unused by any instance for this long are removed.
    image_cache_max_age: float = 86400.0
    # Run the compute agents (fake_hosts simulated hosts, or this machine with qemu)
    # inside the compute service's process: "auto" (yes with the in-process bus, the
    # all-in-one), "true", or "false" (each host runs ``pocketstack serve compute-agent``).
    local_agents: str = "auto"
    # oslo.policy overrides of this service's rules (YAML); empty: DATA_DIR/policy/compute.yaml.
    policy_file: str = ""


@dataclass
class ImageConfig:
    # Where image data is kept: "file" (store_dir) or "swift" (the cloud's object
    # storage: a static large object per image in swift_container, segments of
    # swift_segment_mb).
    store: str = "file"
    swift_container: str = "glance"
    swift_segment_mb: int = 200
    # Directory of the filesystem image store; empty means DATA_DIR/images.
    store_dir: str = ""
    # Per-project quotas: number of images and total bytes of image data.
    quota_images: int = 1000
    quota_bytes: int = 1024**4
    # Glance's per-image limits on extra properties, tags and members.
    max_properties: int = 128
    max_tags: int = 128
    max_members: int = 128
    # Build (cached outside the data dir) and upload the tiny guest as image "tiny" on up.
    tiny_guest: bool = True
    # oslo.policy overrides of this service's rules (YAML); empty: DATA_DIR/policy/image.yaml.
    policy_file: str = ""


@dataclass
class ObjectConfig:
    # Directory of the file backend (object data and metadata); empty: DATA_DIR/objects.
    store_dir: str = ""
    # Swift's constraints: the largest single object (5 GiB + 2) and listing page.
    max_file_size: int = 5 * 1024**3 + 2
    container_listing_limit: int = 10000
    # Seconds between sweeps of expired objects (X-Delete-At); 0: no sweeper.
    expirer_interval: float = 30.0
    # oslo.policy overrides of this service's rules (YAML); empty: DATA_DIR/policy/object.yaml.
    policy_file: str = ""


@dataclass
class VolumeConfig:
    # "file" (raw/qcow2 files made with qemu-img) or "fake" (in memory).
    backend: str = "file"
    # Directory of the file backend; empty means DATA_DIR/volumes.
    backend_dir: str = ""
    # Format of new volume files: "raw" or "qcow2".
    volume_format: str = "raw"
    # Capacity the backend reports (GiB); creates beyond it fail with "no valid backend".
    capacity_gb: int = 1000
    host: str = "pocketstack@file"
    availability_zone: str = "nova"
    default_type: str = "__DEFAULT__"
    # Default per-project quotas (-1: unlimited).
    quota_volumes: int = 10
    quota_snapshots: int = 10
    quota_gigabytes: int = 1000
    # oslo.policy overrides of this service's rules (YAML); empty: DATA_DIR/policy/volume.yaml.
    policy_file: str = ""


@dataclass
class NetworkConfig:
    # Data plane of the network agents: "fake" (in memory), "linuxbridge" (netns, needs
    # root), or "auto": linuxbridge when the compute driver is qemu and we are root.
    backend: str = "auto"
    # Run the host agents inside the network service's process: "auto" (yes with the
    # in-process bus, the all-in-one), "true" (e.g. ``pocketstack serve network`` beside
    # a compute process with simulated hosts), or "false" (agents run on their hosts).
    local_agents: str = "auto"
    # oslo.policy overrides of this service's rules (YAML); empty: DATA_DIR/policy/network.yaml.
    policy_file: str = ""


@dataclass
class PlacementConfig:
    # oslo.policy overrides of placement's rules (YAML); empty: DATA_DIR/policy/placement.yaml.
    policy_file: str = ""


@dataclass
class EndpointsConfig:
    """Where each service's API is served: the base URL of the process serving it (the
    service's path prefix is appended). Empty: this process (the all-in-one). The
    distributed mode (``pocketstack serve SERVICE``) names the others here."""

    identity: str = ""
    image: str = ""
    placement: str = ""
    network: str = ""
    compute: str = ""
    volume: str = ""
    object: str = ""
    ec2: str = ""


@dataclass
class Config:
    data_dir: Path = DEFAULT_DATA_DIR
    server: ServerConfig = field(default_factory=ServerConfig)
    database: DatabaseConfig = field(default_factory=DatabaseConfig)
    bus: BusConfig = field(default_factory=BusConfig)
    notifications: NotificationsConfig = field(default_factory=NotificationsConfig)
    identity: IdentityConfig = field(default_factory=IdentityConfig)
    security_compliance: SecurityComplianceConfig = field(default_factory=SecurityComplianceConfig)
    logging: LoggingConfig = field(default_factory=LoggingConfig)
    compute: ComputeConfig = field(default_factory=ComputeConfig)
    image: ImageConfig = field(default_factory=ImageConfig)
    volume: VolumeConfig = field(default_factory=VolumeConfig)
    network: NetworkConfig = field(default_factory=NetworkConfig)
    placement: PlacementConfig = field(default_factory=PlacementConfig)
    object: ObjectConfig = field(default_factory=ObjectConfig)
    endpoints: EndpointsConfig = field(default_factory=EndpointsConfig)

    SECTIONS = (
        "server",
        "database",
        "bus",
        "notifications",
        "identity",
        "security_compliance",
        "logging",
        "compute",
        "image",
        "volume",
        "network",
        "placement",
        "object",
        "endpoints",
    )

    # Settings that are secrets: generated when empty, never written into pocketstack.toml
    # unless someone set them.
    SECRETS = (("identity", "admin_password"), ("identity", "demo_password"), ("identity", "service_password"))

    @property
    def config_file(self) -> Path:
        return self.data_dir / "pocketstack.toml"

    @property
    def secrets_file(self) -> Path:
        return self.data_dir / "secrets.toml"

    @property
    def tls(self) -> bool:
        return bool(self.server.tls_cert and self.server.tls_key)

    @property
    def database_url(self) -> str:
        if self.database.url:
            return self.database.url
        return f"sqlite+aiosqlite:///{self.data_dir / 'pocketstack.db'}"

    @property
    def public_url(self) -> str:
        if self.server.public_url:
            return self.server.public_url.rstrip("/")
        scheme = "https" if self.tls else "http"
        host = self.server.host
        if host in ("0.0.0.0", "::", ""):
            # Listening everywhere: clients need a name that reaches this machine (and
            # that a generated certificate covers), not the wildcard.
            host = socket.gethostname()
        elif ":" in host:
            host = f"[{host}]"
        return f"{scheme}://{host}:{self.server.port}"

    def endpoint_base(self, service: str) -> str:
        """Base URL of the process serving ``service`` (its prefix not included)."""
        url = getattr(self.endpoints, service, "") or ""
        return url.rstrip("/") or self.public_url

    @property
    def fernet_key_dir(self) -> Path:
        return self.data_dir / "fernet-keys"

    @classmethod
    def load(cls, data_dir: Path | str | None = None, env: dict[str, str] | None = None) -> Config:
        """Read the secrets and config files under ``data_dir`` (if any), then apply the environment."""
        env = dict(os.environ) if env is None else env
        cfg = cls(data_dir=Path(data_dir or env.get("POCKETSTACK_DATA_DIR") or DEFAULT_DATA_DIR).expanduser())
        for path in (cfg.secrets_file, cfg.config_file):
            if path.exists():
                with path.open("rb") as fh:
                    cfg._apply(tomllib.load(fh), source=str(path))
        cfg._apply_env(env)
        return cfg

    def _apply(self, data: dict[str, Any], source: str) -> None:
        for section_name, values in data.items():
            if section_name not in self.SECTIONS or not isinstance(values, dict):
                raise ValueError(f"{source}: unknown section [{section_name}]")
            section = getattr(self, section_name)
            for key, value in values.items():
                _set(section, key, value, f"{source} [{section_name}] {key}")

    def _apply_env(self, env: dict[str, str]) -> None:
        for section_name in self.SECTIONS:
            section = getattr(self, section_name)
            for f in fields(section):
                var = f"POCKETSTACK_{section_name.upper()}_{f.name.upper()}"
                if var in env:
                    _set(section, f.name, env[var], var)

    def to_toml(self) -> str:
        lines = ["# pocketstack configuration; POCKETSTACK_<SECTION>_<KEY> in the environment overrides any value.", ""]
        for section_name in self.SECTIONS:
            lines.append(f"[{section_name}]")
            section = getattr(self, section_name)
            for f in fields(section):
                value = getattr(section, f.name)
                if (section_name, f.name) in self.SECRETS and not value:
                    lines.append(f"# {f.name}: generated on the first start, kept in secrets.toml")
                    continue
                lines.append(f"{f.name} = {_toml_value(value)}")
            lines.append("")
        return "\n".join(lines)

    def write_if_missing(self) -> None:
        """The config file with the current settings, owner-only (it may hold secrets:
        passwords set in the environment, database and bus URLs with credentials)."""
        from pocketstack.common.datadir import write_private

        self.data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        if not self.config_file.exists():
            write_private(self.config_file, self.to_toml())


def resolve_local_agents(setting: str, bus_url: str, section: str) -> bool:
    """A ``local_agents`` setting (auto/true/false) resolved: ``auto`` is true with the
    in-process bus only, where no agent in another process could be reached."""
    value = setting.strip().lower()
    if value == "auto":
        return bus_url.startswith("memory")
    if value in ("true", "yes", "1", "on", "false", "no", "0", "off"):
        return value in ("true", "yes", "1", "on")
    raise ValueError(f"[{section}] local_agents must be auto, true or false, not {setting!r}")


def _set(section: Any, key: str, value: Any, where: str) -> None:
    names = {f.name: f for f in fields(section)}
    if key not in names:
        raise ValueError(f"{where}: unknown setting")
    current = getattr(section, key)
    try:
        if isinstance(current, bool):
            value = value if isinstance(value, bool) else str(value).lower() in ("1", "true", "yes", "on")
        elif isinstance(current, int):
            value = int(value)
        elif isinstance(current, float):
            value = float(value)
        else:
            value = str(value)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{where}: {exc}") from None
    setattr(section, key, value)


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'

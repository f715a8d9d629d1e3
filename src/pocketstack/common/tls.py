"""TLS: ``up --tls``'s self-signed certificate for the cloud's address, kept in
DATA_DIR/tls, and what a client of the cloud trusts.

The certificate is its own CA (clients get it as ``cacert`` in clouds.yaml), valid for
localhost, 127.0.0.1, ::1, this machine's name and the listen address. It is made once
and made again only when it does not cover the listen address or is about to expire.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
import socket
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from pocketstack.common.config import Config
from pocketstack.common.datadir import write_private

VALID_DAYS = 825
RENEW_BEFORE = dt.timedelta(days=30)


def paths(data_dir: Path) -> tuple[Path, Path]:
    directory = data_dir / "tls"
    return directory / "cert.pem", directory / "key.pem"


def ensure_self_signed(data_dir: Path, host: str) -> tuple[Path, Path]:
    """The (certificate, key) files for ``host``, made if missing, stale or not covering it."""
    cert_path, key_path = paths(data_dir)
    if cert_path.exists() and key_path.exists() and _still_good(cert_path, host):
        return cert_path, key_path
    cert_path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(cert_path.parent, 0o700)
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"pocketstack {socket.gethostname()}")])
    now = dt.datetime.now(dt.UTC)
    public = key.public_key()
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(public)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=VALID_DAYS))
        .add_extension(x509.SubjectAlternativeName(_names(host)), critical=False)
        # Its own CA, so that clients can trust it with cacert (strict X.509 checks want
        # these extensions on a trust anchor).
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(public), critical=False)
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    write_private(key_path, key_pem)
    write_private(cert_path, cert.public_bytes(serialization.Encoding.PEM).decode())
    return cert_path, key_path


def is_self_signed(cert_path: Path) -> bool:
    """True if the certificate is its own issuer (so clients need it as their CA)."""
    try:
        cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
    except (OSError, ValueError):
        return False
    return cert.issuer == cert.subject


def trust(config: Config) -> str | bool:
    """What an HTTPS client of this cloud verifies against: a self-signed certificate
    itself, else the system's CAs."""
    cert = Path(config.server.tls_cert) if config.tls else None
    if cert is not None and is_self_signed(cert):
        return str(cert)
    return True


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _names(host: str) -> list[x509.GeneralName]:
    names: list[x509.GeneralName] = [
        x509.DNSName("localhost"),
        x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
        x509.IPAddress(ipaddress.ip_address("::1")),
    ]
    dns = {"localhost"}
    for candidate in (socket.gethostname(), host):
        if not candidate or candidate in ("0.0.0.0", "::"):
            continue
        try:
            address = ipaddress.ip_address(candidate)
        except ValueError:
            if candidate not in dns:
                dns.add(candidate)
                names.append(x509.DNSName(candidate))
            continue
        general = x509.IPAddress(address)
        if general not in names:
            names.append(general)
    return names


def _still_good(cert_path: Path, host: str) -> bool:
    try:
        cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except (OSError, ValueError, x509.ExtensionNotFound):
        return False
    if cert.not_valid_after_utc - RENEW_BEFORE < dt.datetime.now(dt.UTC):
        return False
    return all(name in san for name in _names(host))

"""Certificates and keys of a local cluster, made once per state directory.

ECDSA P-256 everywhere: generating it takes milliseconds where RSA takes
hundreds, and every component (Go TLS, JWT ES256 for service accounts, Python
ssl) accepts it.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

# Long enough that a cache directory never outlives its certificates.
_VALIDITY = dt.timedelta(days=3650)


@dataclass(frozen=True)
class ClientCert:
    """A client certificate: its user name and groups as the API server reads them."""

    file_stem: str
    common_name: str
    organizations: tuple[str, ...] = ()


# Clients that authenticate with certificates. The names are the ones the API
# server's bootstrap RBAC policy already grants rights to.
CLIENT_CERTS = (
    ClientCert("kube-controller-manager", "system:kube-controller-manager"),
    ClientCert("kube-scheduler", "system:kube-scheduler"),
    # kwok patches node and pod status, leases, volumes: it gets full rights.
    ClientCert("kwok", "kwok-controller", ("system:masters",)),
    ClientCert("apiserver-kubelet-client", "kube-apiserver-kubelet-client", ("system:masters",)),
)


def _new_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def _write_key(path: Path, key: ec.EllipticCurvePrivateKey) -> None:
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    path.chmod(0o600)


def _write_cert(path: Path, cert: x509.Certificate) -> None:
    path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))


def _name(common_name: str, organizations: tuple[str, ...] = ()) -> x509.Name:
    attrs = [x509.NameAttribute(NameOID.ORGANIZATION_NAME, o) for o in organizations]
    attrs.append(x509.NameAttribute(NameOID.COMMON_NAME, common_name))
    return x509.Name(attrs)


def _load_key(path: Path) -> ec.EllipticCurvePrivateKey:
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise TypeError(f"{path}: expected an ECDSA key")
    return key


class Pki:
    """The files under `<state>/pki/`; `ensure()` creates whatever is missing."""

    def __init__(self, directory: Path) -> None:
        self.dir = directory

    @property
    def ca_cert(self) -> Path:
        return self.dir / "ca.crt"

    @property
    def ca_key(self) -> Path:
        return self.dir / "ca.key"

    @property
    def sa_key(self) -> Path:
        return self.dir / "sa.key"

    @property
    def sa_pub(self) -> Path:
        return self.dir / "sa.pub"

    def cert(self, stem: str) -> Path:
        return self.dir / f"{stem}.crt"

    def key(self, stem: str) -> Path:
        return self.dir / f"{stem}.key"

    def ensure(self, service_ip: str) -> None:
        self.dir.mkdir(parents=True, exist_ok=True)
        if not (self.ca_cert.exists() and self.ca_key.exists()):
            self._make_ca()
        ca_key = _load_key(self.ca_key)
        ca = x509.load_pem_x509_certificate(self.ca_cert.read_bytes())
        if not self.cert("apiserver").exists():
            self._issue(
                ca,
                ca_key,
                "apiserver",
                _name("kube-apiserver"),
                server_names=(
                    "localhost",
                    "kubernetes",
                    "kubernetes.default",
                    "kubernetes.default.svc",
                    "kubernetes.default.svc.cluster.local",
                ),
                server_ips=("127.0.0.1", service_ip),
            )
        # One serving certificate for everything else on 127.0.0.1: kwok's
        # kubelet API (the API server verifies it at the node's InternalIP when
        # proxying pod logs) and the controller manager's and scheduler's
        # health endpoints.
        if not self.cert("localhost").exists():
            self._issue(
                ca,
                ca_key,
                "localhost",
                _name("alauda-localcluster-localhost"),
                server_names=("localhost",),
                server_ips=("127.0.0.1",),
            )
        for client in CLIENT_CERTS:
            if not self.cert(client.file_stem).exists():
                self._issue(
                    ca, ca_key, client.file_stem, _name(client.common_name, client.organizations)
                )
        if not (self.sa_key.exists() and self.sa_pub.exists()):
            key = _new_key()
            _write_key(self.sa_key, key)
            self.sa_pub.write_bytes(
                key.public_key().public_bytes(
                    serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
                )
            )

    def _make_ca(self) -> None:
        key = _new_key()
        now = dt.datetime.now(dt.UTC)
        name = _name("alauda-localcluster-ca")
        cert = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(hours=1))
            .not_valid_after(now + _VALIDITY)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=True,
                    content_commitment=False,
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=True,
                    crl_sign=True,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
            .sign(key, hashes.SHA256())
        )
        _write_key(self.ca_key, key)
        _write_cert(self.ca_cert, cert)

    def _issue(
        self,
        ca: x509.Certificate,
        ca_key: ec.EllipticCurvePrivateKey,
        stem: str,
        subject: x509.Name,
        server_names: tuple[str, ...] = (),
        server_ips: tuple[str, ...] = (),
    ) -> None:
        key = _new_key()
        now = dt.datetime.now(dt.UTC)
        is_server = bool(server_names or server_ips)
        usage = ExtendedKeyUsageOID.SERVER_AUTH if is_server else ExtendedKeyUsageOID.CLIENT_AUTH
        builder = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(ca.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(hours=1))
            .not_valid_after(now + _VALIDITY)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False
            )
        )
        if is_server:
            sans: list[x509.GeneralName] = [x509.DNSName(n) for n in server_names]
            sans += [x509.IPAddress(ipaddress.ip_address(ip)) for ip in server_ips]
            builder = builder.add_extension(x509.SubjectAlternativeName(sans), critical=False)
        _write_key(self.key(stem), key)
        _write_cert(self.cert(stem), builder.sign(ca_key, hashes.SHA256()))

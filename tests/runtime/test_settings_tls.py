"""TLS to NATS and PostgreSQL as the chart configures it: SPEECHCUE_NATS_TLS_CA_FILE makes the event
bus verify a TLS NATS server against that CA (a real nats-server with a certificate made here), and
PGSSLMODE/PGSSLROOTCERT reach asyncpg through the services' engine."""

from __future__ import annotations

import datetime
import ipaddress
import ssl
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import nats
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from pydantic import ValidationError

from devstack.nats import nats_server_binary
from devstack.ports import free_port, port_is_open
from services.runtime.database import create_engine
from services.runtime.event_bus import EventBus
from services.wallet.settings import WalletSettings

DATABASE_URL = "postgresql://wallet@127.0.0.1:1/wallet"
# Passed as well where the settings no longer have it: extra values are ignored.
REQUIRED: dict[str, Any] = {"speechcue_env": "test", "speechcue_database_url": DATABASE_URL,
                            "speechcue_internal_token": "t"}


def certificate(subject: str, key: ec.EllipticCurvePrivateKey, issuer: tuple[str, ec.EllipticCurvePrivateKey] | None,
                *, authority: bool) -> x509.Certificate:
    now = datetime.datetime.now(datetime.UTC)
    issuer_name, issuer_key = issuer or (subject, key)
    builder = (x509.CertificateBuilder()
               .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
               .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer_name)]))
               .public_key(key.public_key()).serial_number(x509.random_serial_number())
               .not_valid_before(now - datetime.timedelta(minutes=5)).not_valid_after(now + datetime.timedelta(days=1))
               .add_extension(x509.BasicConstraints(ca=authority, path_length=None), critical=True))
    if not authority:
        builder = builder.add_extension(x509.SubjectAlternativeName(
            [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
    return builder.sign(issuer_key, hashes.SHA256())


def pem(value: x509.Certificate | ec.EllipticCurvePrivateKey) -> bytes:
    if isinstance(value, x509.Certificate):
        return value.public_bytes(serialization.Encoding.PEM)
    return value.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                               serialization.NoEncryption())


@pytest.fixture(scope="module")
def tls_nats(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """A nats-server that speaks only TLS, with a certificate signed by a CA made here: (url, CA file)."""
    folder = tmp_path_factory.mktemp("tls-nats")
    authority_key, server_key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    authority = certificate("speechcue test CA", authority_key, None, authority=True)
    server = certificate("localhost", server_key, ("speechcue test CA", authority_key), authority=False)
    for name, value in (("ca.crt", authority), ("server.crt", server), ("server.key", server_key)):
        (folder / name).write_bytes(pem(value))
    port = free_port()
    process = subprocess.Popen([nats_server_binary(), "-a", "127.0.0.1", "-p", str(port), "-js",
                                "-sd", str(folder / "store"), "--tls", "--tlscert", str(folder / "server.crt"),
                                "--tlskey", str(folder / "server.key")],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        for _ in range(300):
            if port_is_open(port):
                break
            assert process.poll() is None, "nats-server with TLS exited at start"
            time.sleep(0.05)
        yield f"tls://127.0.0.1:{port}", folder / "ca.crt"
    finally:
        process.terminate()
        process.wait(timeout=10)


async def test_the_event_bus_verifies_nats_with_the_configured_ca(tls_nats: tuple[str, Path]) -> None:
    url, authority = tls_nats
    settings = WalletSettings(**REQUIRED, speechcue_nats_url=url, speechcue_nats_tls_ca_file=str(authority))
    bus = EventBus(settings.speechcue_nats_url, name="tls-check", tls=settings.nats_tls())
    await bus.connect(attempts=1)
    try:
        await bus.ensure_stream("wallet")
        assert bus.connected
    finally:
        await bus.close()


async def test_without_the_ca_a_tls_nats_server_is_not_trusted(tls_nats: tuple[str, Path]) -> None:
    """The control for the test above (one attempt: the event bus itself keeps retrying forever)."""
    url, _ = tls_nats
    with pytest.raises(ssl.SSLCertVerificationError):
        await nats.connect(url, allow_reconnect=False, connect_timeout=5)


def test_a_nats_ca_file_that_cannot_be_read_stops_the_service_naming_it(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="speechcue_nats_tls_ca_file"):
        WalletSettings(**REQUIRED, speechcue_nats_tls_ca_file=str(tmp_path / "missing.crt"))


async def test_pgsslmode_and_pgsslrootcert_reach_the_services_database_driver(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """What the chart's postgresql.tls sets is honoured by the engine every service uses: with
    verify-full the driver loads the CA before it dials, so a missing CA file is what fails."""
    monkeypatch.setenv("PGSSLMODE", "verify-full")
    monkeypatch.setenv("PGSSLROOTCERT", str(tmp_path / "postgresql-ca.crt"))
    engine = create_engine("postgresql+asyncpg://wallet@127.0.0.1:1/wallet", pool_size=1)
    try:
        with pytest.raises(FileNotFoundError):
            async with engine.connect():
                pass
    finally:
        await engine.dispose()

"""Configuration: a missing or malformed variable stops the process with a message naming it."""

from __future__ import annotations

import subprocess
import sys

import pytest

from services.runtime.settings import load_settings
from services.wallet.settings import WalletSettings

BASE = {
    "SPEECHCUE_DATABASE_URL": "postgresql://u@127.0.0.1:5/wallet",
    "SPEECHCUE_CALLER_TOKEN_HASHES": "bot=" + "ab" * 32,
    "SPEECHCUE_NATS_URL": "nats://127.0.0.1:4222",
    "SPEECHCUE_NATS_PASSWORD": "9c4e1a7f3b8d2e6a0f5c9b1d7e3a8f2c",
}


def run_wallet(environment: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "services.wallet"], env={"PATH": "/usr/bin:/bin", **environment},
                          capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize(("missing", "named"), [
    ("SPEECHCUE_DATABASE_URL", "SPEECHCUE_DATABASE_URL is not set"),
    ("SPEECHCUE_CALLER_TOKEN_HASHES", "SPEECHCUE_CALLER_TOKEN_HASHES"),
])
def test_missing_variable_stops_the_service_naming_it(missing: str, named: str) -> None:
    environment = {key: value for key, value in BASE.items() if key != missing}
    finished = run_wallet(environment)
    assert finished.returncode == 2
    assert named in finished.stderr


@pytest.mark.parametrize(("variable", "value"), [
    ("SPEECHCUE_GRPC_PORT", "not-a-port"),
    ("SPEECHCUE_DATABASE_URL", "mysql://nope"),
    ("SPEECHCUE_ADMIN_TELEGRAM_IDS", "12,abc"),
    ("WALLET_LOW_BALANCE_CENTS", "-5"),
])
def test_malformed_variable_stops_the_service_naming_it(variable: str, value: str) -> None:
    finished = run_wallet({**BASE, variable: value})
    assert finished.returncode == 2
    assert variable in finished.stderr


def test_placeholder_secret_is_refused_outside_development(monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in BASE.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("SPEECHCUE_CALLER_TOKEN_HASHES", "changeme")
    with pytest.raises(SystemExit):
        load_settings(WalletSettings)
    monkeypatch.setenv("SPEECHCUE_ENV", "development")
    settings = load_settings(WalletSettings)
    assert settings.speechcue_caller_token_hashes == "changeme"


def test_defaults_and_parsing(monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in BASE.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("SPEECHCUE_ADMIN_TELEGRAM_IDS", " 11, 22 ,33")
    settings = load_settings(WalletSettings)
    assert settings.speechcue_admin_telegram_ids == frozenset({11, 22, 33})
    assert (settings.speechcue_grpc_port, settings.speechcue_http_port) == (50051, 8001)
    assert settings.speechcue_database_url.startswith("postgresql+asyncpg://")

"""Fail closed: outside development and test every service refuses to start with a secret that is
empty, a placeholder, or one of the values the project publishes for local use (the local platform,
the chart's development Secret, the sandbox, the test harnesses), and names each variable."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import ValidationError

from devstack.platform import LOCAL_DYNOPAY, LOCAL_HARNESS_TOKEN, LOCAL_RETELL_KEY, LOCAL_TELEGRAM
from services.bot.settings import BotSettings
from services.calls.settings import CallsSettings
from services.payments.settings import PaymentsSettings
from services.runtime.settings import (
    DEVELOPMENT_SECRETS,
    ServiceSettings,
    describe_validation_error,
    unsafe_secret_reason,
)
from services.sandbox.settings import SandboxSettings
from services.wallet.settings import WalletSettings
from tests.bot.conftest import TELEGRAM_SECRET, TELEGRAM_TOKEN
from tests.calls.conftest import RETELL_KEY as CALLS_RETELL_KEY
from tests.sandbox.conftest import RETELL_KEY as SANDBOX_RETELL_KEY
from tests.wallet.conftest import INTERNAL_TOKEN

ROOT = Path(__file__).resolve().parents[2]
CHART_VALUES = ROOT / "deploy" / "helm" / "speechcue" / "values.yaml"
REAL_DATABASE_URL = "postgresql://wallet:Zq8v1Tn4Lr6Xw2Pk@pg-rw.databases:5432/wallet"
REAL = "4f0c9e7b2a6d1e8f3c5b7a9d0e2f4a6c"  # what `openssl rand -hex 16` gives

# Each service with the rest of what it requires; its secrets come from its own secret_field_names().
REQUIRED: dict[type[ServiceSettings], dict[str, str]] = {
    WalletSettings: {},
    CallsSettings: {"speechcue_public_base_url": "https://speechcue.example.com"},
    PaymentsSettings: {"speechcue_public_base_url": "https://speechcue.example.com"},
    BotSettings: {},
}


def secret_names(settings_class: type[ServiceSettings]) -> list[str]:
    return settings_class.model_construct().secret_field_names()


def real_settings(settings_class: type[ServiceSettings]) -> dict[str, str]:
    """Every secret of the service set to a value nobody published (a bot token looks like one)."""
    secrets = {name: ("7000000001:" + REAL if name == "telegram_bot_token" else REAL)
               for name in secret_names(settings_class)}
    return {**REQUIRED[settings_class], **secrets}


PUBLISHED = "holds a value published for local development"
SECRETS = [(settings_class, name) for settings_class in REQUIRED for name in secret_names(settings_class)]
COMMON_SECRET = secret_names(WalletSettings)[0]


def published_values() -> set[str]:
    """Every secret value the project writes down for local use."""
    chart = yaml.safe_load(CHART_VALUES.read_text())["secrets"]["values"]
    sandbox = {value for name, field in SandboxSettings.model_fields.items()
               if name.endswith(("_key", "_token", "_secret")) and isinstance(value := field.default, str)}
    return {
        LOCAL_HARNESS_TOKEN, LOCAL_RETELL_KEY, *(value for _, value in (*LOCAL_DYNOPAY, *LOCAL_TELEGRAM)),
        *(value for key, value in chart.items() if not key.endswith("_DATABASE_URL")),
        *sandbox, INTERNAL_TOKEN, CALLS_RETELL_KEY, SANDBOX_RETELL_KEY, TELEGRAM_TOKEN, TELEGRAM_SECRET,
    }


def configure(settings_class: type[ServiceSettings], environment: str, **changes: str) -> ServiceSettings:
    values: dict[str, Any] = {"speechcue_env": environment, "speechcue_database_url": REAL_DATABASE_URL,
                              **real_settings(settings_class), **changes}
    return settings_class(**values)


def refusal(settings_class: type[ServiceSettings], environment: str = "production", **changes: str) -> str:
    with pytest.raises(ValidationError) as refused:
        configure(settings_class, environment, **changes)
    return describe_validation_error(refused.value)


def test_every_published_development_value_is_known_as_one() -> None:
    published = published_values()
    assert len(published) >= 15
    assert {value for value in published if unsafe_secret_reason(value) != PUBLISHED} == set()


def test_real_secrets_start_every_service_in_production() -> None:
    for settings_class in REQUIRED:
        assert configure(settings_class, "production").speechcue_env == "production"


@pytest.mark.parametrize(("settings_class", "name"), SECRETS,
                         ids=[f"{cls.service_name}-{name}" for cls, name in SECRETS])
@pytest.mark.parametrize("value", [*sorted(DEVELOPMENT_SECRETS)[:3], "local-development-token"])
def test_a_published_development_value_is_refused_naming_the_variable(
        settings_class: type[ServiceSettings], name: str, value: str) -> None:
    message = refusal(settings_class, **{name: value})
    assert f"{name.upper()} holds a value published for local development" in message
    assert "SPEECHCUE_ENV is development or test" in message


@pytest.mark.parametrize("value", ["local-bot-caller-token", "7000000001:local-anything", "sandbox-new-key"])
def test_a_value_made_like_the_local_ones_is_refused_before_anyone_lists_it(value: str) -> None:
    assert f"{COMMON_SECRET.upper()} holds a value published for local development" in refusal(
        WalletSettings, **{COMMON_SECRET: value})


@pytest.mark.parametrize("value", ["changeme", "Secret", " password "])
def test_a_placeholder_is_refused(value: str) -> None:
    assert "RETELL_API_KEY holds a placeholder" in refusal(CallsSettings, retell_api_key=value)


@pytest.mark.parametrize(("settings_class", "name"), SECRETS,
                         ids=[f"{cls.service_name}-{name}" for cls, name in SECRETS])
def test_an_empty_required_secret_is_refused_naming_the_variable(settings_class: type[ServiceSettings],
                                                                  name: str) -> None:
    assert f"{name.upper()} is empty" in refusal(settings_class, **{name: "  "})


def test_payments_without_a_webhook_secret_is_refused_in_production() -> None:
    values: dict[str, Any] = {key: value for key, value in real_settings(PaymentsSettings).items()
                              if key != "dynopay_webhook_secret"}
    with pytest.raises(ValidationError) as refused:
        PaymentsSettings(speechcue_env="production", speechcue_database_url=REAL_DATABASE_URL, **values)
    assert "DYNOPAY_WEBHOOK_SECRET is empty" in describe_validation_error(refused.value)


def test_the_charts_development_database_password_is_refused() -> None:
    message = refusal(WalletSettings, speechcue_database_url="postgresql://speechcue:speechcue@postgresql:5432/wallet")
    assert "SPEECHCUE_DATABASE_URL holds the password published for local development" in message


def test_every_unsafe_secret_is_named_at_once_and_staging_refuses_too() -> None:
    message = refusal(BotSettings, "staging", **{COMMON_SECRET: LOCAL_HARNESS_TOKEN},
                      telegram_bot_token=dict(LOCAL_TELEGRAM)["TELEGRAM_BOT_TOKEN"], telegram_webhook_secret="")
    assert message.startswith(f"{COMMON_SECRET.upper()} holds a value published for local development; ")
    assert ("TELEGRAM_BOT_TOKEN holds a value published for local development; "
            "TELEGRAM_WEBHOOK_SECRET is empty; set a secret of your own") in message
    assert message.endswith("and it is staging)")


@pytest.mark.parametrize("environment", ["development", "test"])
def test_development_and_test_still_accept_the_local_values(environment: str) -> None:
    local = dict((*LOCAL_DYNOPAY, *LOCAL_TELEGRAM))
    chart_url = "postgresql://speechcue:speechcue@postgresql:5432/payments"
    payments = configure(PaymentsSettings, environment, **{COMMON_SECRET: LOCAL_HARNESS_TOKEN},
                         speechcue_database_url=chart_url, dynopay_api_key=local["DYNOPAY_API_KEY"],
                         dynopay_wallet_token=local["DYNOPAY_WALLET_TOKEN"], dynopay_webhook_secret="")
    assert isinstance(payments, PaymentsSettings) and payments.dynopay_webhook_secret == ""
    bot = configure(BotSettings, environment, **{COMMON_SECRET: LOCAL_HARNESS_TOKEN},
                    telegram_bot_token=local["TELEGRAM_BOT_TOKEN"], telegram_webhook_secret="changeme")
    assert isinstance(bot, BotSettings) and bot.telegram_webhook_secret == "changeme"
    calls = configure(CallsSettings, environment, retell_api_key=LOCAL_RETELL_KEY)
    assert isinstance(calls, CallsSettings) and calls.retell_api_key == LOCAL_RETELL_KEY

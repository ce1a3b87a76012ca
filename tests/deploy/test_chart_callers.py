"""Least privilege in the chart (issue 17, item 2): every service reads the digests of the callers it
accepts, and each pod that calls others (bot, calls, payments, each tick's CronJob) holds its own
caller token and no other; the development Secret derives them as `./dev up` does."""

from __future__ import annotations

import pytest

from cronjobs.schedule import TICKS
from services.runtime.callers import HARNESS, IDENTITIES, accepted_callers, development_token, parse_digests
from tests.deploy.test_chart import (
    ALL_SETS,
    RELEASE,
    Manifest,
    chart,  # noqa: F401
    config_maps_of,
    environment,
    named,
    of_kind,
    rendered,  # noqa: F401
)

CALLING_SERVICES = ("bot", "calls", "payments")


def token_key(identity: str) -> str:
    """The Secret's key of an identity's token: "tick-billing" → "TICK_BILLING_CALLER_TOKEN"."""
    return f"{identity.upper().replace('-', '_')}_CALLER_TOKEN"


def caller_token_keys(container: Manifest) -> set[str]:
    return {variable["valueFrom"]["secretKeyRef"]["key"] for variable in container.get("env", [])
            if "valueFrom" in variable and variable["valueFrom"]["secretKeyRef"]["key"].endswith("_CALLER_TOKEN")}


@ALL_SETS
def test_each_service_pod_holds_the_digests_and_only_its_own_token(rendered: dict[str, list[Manifest]],  # noqa: F811
                                                                   value_set_name: str) -> None:
    manifests = rendered[value_set_name]
    config_maps = config_maps_of(manifests)
    for service in ("wallet", *CALLING_SERVICES):
        [container] = named(manifests, "Deployment", f"{RELEASE}-{service}")["spec"]["template"]["spec"]["containers"]
        variables = environment(container, config_maps)
        assert variables["SPEECHCUE_CALLER_TOKEN_HASHES"] == "secret:CALLER_TOKEN_HASHES"
        if service in CALLING_SERVICES:
            assert variables["SPEECHCUE_CALLER_TOKEN"] == f"secret:{token_key(service)}"
            assert caller_token_keys(container) == {token_key(service)}
        else:  # the wallet calls nobody
            assert "SPEECHCUE_CALLER_TOKEN" not in variables and not caller_token_keys(container)


@ALL_SETS
def test_each_tick_runs_with_its_own_token_only(rendered: dict[str, list[Manifest]],  # noqa: F811
                                                value_set_name: str) -> None:
    for tick in TICKS:
        cronjob = named(rendered[value_set_name], "CronJob", f"{RELEASE}-tick-{tick.name}")
        [container] = cronjob["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"]
        assert caller_token_keys(container) == {token_key(f"tick-{tick.name}")}


def test_the_migrations_get_what_their_settings_require(rendered: dict[str, list[Manifest]]) -> None:  # noqa: F811
    """`migrate` loads the service's settings, which outside development require the caller secrets."""
    [job] = of_kind(rendered["production"], "Job")
    for container in job["spec"]["template"]["spec"]["initContainers"]:
        service = container["args"][0].removeprefix("services.")
        variables = environment(container, {})
        assert variables["SPEECHCUE_CALLER_TOKEN_HASHES"] == "secret:CALLER_TOKEN_HASHES"
        assert caller_token_keys(container) == ({token_key(service)} if service in CALLING_SERVICES else set())


@pytest.mark.parametrize("value_set_name", ["defaults", "sandbox"])
def test_the_development_secret_holds_every_callers_token_and_the_digests_development_derives(
        rendered: dict[str, list[Manifest]], value_set_name: str) -> None:  # noqa: F811
    [secret] = of_kind(rendered[value_set_name], "Secret")
    data = secret["stringData"]
    assert {key for key in data if key.endswith("_CALLER_TOKEN")} == {token_key(identity) for identity in IDENTITIES}
    for identity in IDENTITIES:
        assert data[token_key(identity)] == development_token(identity)
    derived = accepted_callers(configured="", environment="development")
    del derived[HARNESS]  # the harness is the tests' and never the chart's
    assert parse_digests(data["CALLER_TOKEN_HASHES"]) == derived

"""The chart gives each service that connects to NATS its own user and password, the ones the NATS
users file (deploy/nats/speechcue-authorization.conf) and the local NATS expect."""

from __future__ import annotations

from collections.abc import Iterator

import helm_python as helm
import pytest

from services.runtime.nats_permissions import SERVICE_USERS, development_password
from tests.deploy.test_chart import (
    CHART,
    RELEASE,
    config_maps_of,
    containers,
    environment,
    of_kind,
    pod_specs,
    render,
    value_set,
)


@pytest.fixture(scope="module")
def chart() -> Iterator[helm.Chart]:
    with helm.Chart.load(CHART) as loaded:
        yield loaded


@pytest.mark.parametrize("value_set_name", ["defaults", "production", "sandbox"])
def test_every_pod_that_connects_to_nats_is_its_service_with_its_own_password(chart: helm.Chart,
                                                                                value_set_name: str) -> None:
    manifests = render(chart, value_set(value_set_name))
    config_maps = config_maps_of(manifests)
    identities = {}
    for label, pod in pod_specs(manifests):
        for container in containers(pod):
            variables = environment(container, config_maps)
            if "SPEECHCUE_NATS_URL" in variables:
                identities[label] = (variables["SPEECHCUE_NATS_USER"], variables["SPEECHCUE_NATS_PASSWORD"])
    deployments = {label: identity for label, identity in identities.items() if label.startswith("Deployment/")}
    assert deployments == {f"Deployment/{RELEASE}-{service}": (service, f"secret:{service.upper()}_NATS_PASSWORD")
                           for service in SERVICE_USERS}
    assert set(identities.values()) == set(deployments.values())  # the migrations run as the same services


def test_the_development_secret_holds_the_passwords_the_local_nats_expects(chart: helm.Chart) -> None:
    [secret] = of_kind(render(chart, value_set("defaults")), "Secret")
    assert {service: secret["stringData"][f"{service.upper()}_NATS_PASSWORD"] for service in SERVICE_USERS} == {
        service: development_password(service) for service in SERVICE_USERS}

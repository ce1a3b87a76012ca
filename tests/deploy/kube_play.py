"""The chart's rendered workloads, made playable by Debian 12's `podman kube play` (podman 4.3) on one
machine, for tests/deploy/test_image.py.

The chart is rendered at test time with Helm's own library (helm_python), so the test always runs
what the chart renders now. What the post-render step changes, and why each change is no more than
the gap between podman 4.3 on one host and Kubernetes:
- podman 4.3 plays Pods and Deployments only: Services, Jobs, CronJobs and the rest are left out, and
  the migrations Job's pod template becomes a Pod (restartPolicy Never), played before the services.
- Every pod runs on the host's network (there is no bridge in this sandbox), so the Services' names
  in the ConfigMaps and environment are written as 127.0.0.1 (podman 4.3 ignores hostAliases there),
  each service gets free ports through the chart's own values, and container ports are dropped
  (podman would map them onto the host).
- No Ingress is played, so `publicBaseUrl` (where the bot tells Telegram to deliver) is the bot's own
  address.
- Probes are dropped (podman 4.3 has no gRPC probe, and runs the others through systemd timers); the
  test asks /readyz and gRPC health itself.
- The Secret is handed to podman as a podman secret holding the rendered Secret (podman 4.3 reads
  `secretKeyRef` from there), named per run so that runs do not meet.
Everything else (images, commands, security contexts, ConfigMaps, the /tmp volume, the environment
and secret references) is played as rendered.
"""

from __future__ import annotations

import base64
import copy
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import helm_python as helm
import yaml

ROOT = Path(__file__).resolve().parents[2]
CHART = ROOT / "deploy" / "helm" / "speechcue"
SANDBOX_VALUES = Path(__file__).resolve().parent / "values" / "sandbox.yaml"
RELEASE = "speechcue"
PLAYED_KINDS = {"ConfigMap", "Deployment"}

Manifest = dict[str, Any]


@dataclass(frozen=True)
class Ports:
    grpc: Mapping[str, int]
    http: Mapping[str, int]


def render(values: Mapping[str, Any]) -> list[Manifest]:
    with helm.Chart.load(CHART) as chart:
        files = chart.render(dict(values), name=RELEASE, namespace=RELEASE, is_install=True)
    return [document for path, text in files.items() if path.endswith(".yaml")
            for document in yaml.safe_load_all(text) if document]


def sandbox_values(*, image: str, tag: str, ports: Ports, nats_url: str,
                   database_urls: Mapping[str, str]) -> dict[str, Any]:
    """The sandbox value set (the simulators stand in for the providers), one replica of each service,
    this run's image, ports, NATS and databases."""
    values: dict[str, Any] = yaml.safe_load(SANDBOX_VALUES.read_text()) or {}
    values["image"] = {"repository": image, "tag": tag, "pullPolicy": "Never"}
    values["natsUrl"] = nats_url
    # Where Telegram (the sandbox) delivers updates once the bot has set its webhook: in a cluster the
    # Ingress routes the public URL's webhook paths; here the bot's is the one the test drives.
    values["publicBaseUrl"] = f"http://127.0.0.1:{ports.http['bot']}"
    values.setdefault("secrets", {}).setdefault("values", {})
    for service, url in database_urls.items():
        values["secrets"]["values"][f"{service.upper()}_DATABASE_URL"] = url
    services = values.setdefault("services", {})
    for name, grpc_port in ports.grpc.items():
        services.setdefault(name, {}).update({"replicas": 1, "grpcPort": grpc_port, "httpPort": ports.http[name]})
    values.setdefault("sandbox", {})["httpPort"] = ports.http["sandbox"]
    return values


def _pod_spec(manifest: Manifest) -> dict[str, Any]:
    spec: dict[str, Any] = manifest["spec"]["template"]["spec"] if manifest["kind"] != "Pod" else manifest["spec"]
    return spec


def _to_loopback(value: str, host_names: list[str]) -> str:
    """"http://speechcue-bot:8004/x" → "http://127.0.0.1:8004/x": podman 4.3 ignores hostAliases on the
    host's network, so the Services' names are written as the address they stand for here."""
    return re.sub(rf"(?<![\w.-])(?:{'|'.join(map(re.escape, host_names))}):(?=\d)", "127.0.0.1:", value)


def _on_the_host(spec: dict[str, Any], host_names: list[str], secret_name: str, chart_secret: str) -> None:
    spec["hostNetwork"] = True
    for container in [*spec.get("initContainers", []), *spec.get("containers", [])]:
        container.pop("ports", None)
        for variable in container.get("env", []):
            if isinstance(variable.get("value"), str):
                variable["value"] = _to_loopback(variable["value"], host_names)
        for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
            container.pop(probe, None)
        for variable in container.get("env", []):
            reference = variable.get("valueFrom", {}).get("secretKeyRef")
            if reference is not None and reference.get("name") == chart_secret:
                reference["name"] = secret_name


def playable(manifests: list[Manifest], *, run: str) -> tuple[list[Manifest], list[Manifest], Manifest]:
    """(migrations as Pods, the services' ConfigMaps and Deployments, the Secret renamed for this run)."""
    host_names = sorted({m["metadata"]["name"] for m in manifests if m["kind"] == "Service"} | {"nats", "postgresql"})
    [chart_secret] = [m for m in manifests if m["kind"] == "Secret"]
    secret = copy.deepcopy(chart_secret)
    secret["metadata"] = {"name": f"{chart_secret['metadata']['name']}-{run}"}
    migrations: list[Manifest] = []
    workloads: list[Manifest] = []
    for manifest in copy.deepcopy(manifests):
        if manifest["kind"] == "Job":
            spec: dict[str, Any] = {**manifest["spec"]["template"]["spec"], "restartPolicy": "Never"}
            _on_the_host(spec, host_names, secret["metadata"]["name"], chart_secret["metadata"]["name"])
            pod = {"apiVersion": "v1", "kind": "Pod",
                   "metadata": {"name": f"{manifest['metadata']['name']}-{run}",
                                "labels": manifest["spec"]["template"]["metadata"].get("labels", {})},
                   "spec": spec}
            migrations.append(pod)
        elif manifest["kind"] in PLAYED_KINDS:
            if manifest["kind"] == "ConfigMap":
                manifest["data"] = {key: _to_loopback(str(value), host_names)
                                    for key, value in (manifest.get("data") or {}).items()}
            if manifest["kind"] == "Deployment":
                manifest["metadata"]["name"] = f"{manifest['metadata']['name']}-{run}"
                _on_the_host(_pod_spec(manifest), host_names, secret["metadata"]["name"],
                             chart_secret["metadata"]["name"])
            workloads.append(manifest)
    return migrations, workloads, secret


def secret_data(secret: Manifest) -> dict[str, str]:
    """A Secret's keys and base64 values, `stringData` included, as the API server would store them."""
    data = dict(secret.get("data") or {})
    for key, value in (secret.get("stringData") or {}).items():
        data[key] = base64.b64encode(str(value).encode()).decode()
    return data


def write_documents(path: Path, documents: Iterator[Manifest] | list[Manifest]) -> Path:
    path.write_text(yaml.safe_dump_all(list(documents), sort_keys=False))
    return path

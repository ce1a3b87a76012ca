"""The Helm chart and the image recipe, checked without a cluster or a Docker engine.

The chart is rendered and linted through Helm's own Go library (`helm_python`) under the value sets
in `tests/deploy/values/`; every rendered object is validated strictly against one Kubernetes
version's schemas (`kubernetes_validate`), the prometheus-operator objects against their CRDs; then
the policies the platform relies on are checked object by object."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import helm_python as helm
import jsonschema
import kubernetes_validate
import pytest
import yaml

from cronjobs.schedule import TICKS
from services.bot.settings import BotSettings
from services.calls.settings import CallsSettings
from services.payments.settings import PaymentsSettings
from services.runtime.settings import ServiceSettings
from services.wallet.settings import WalletSettings

ROOT = Path(__file__).resolve().parents[2]
CHART = ROOT / "deploy" / "helm" / "speechcue"
VALUE_SETS = Path(__file__).resolve().parent / "values"
CRDS = ROOT.parent / "shared" / "crds"
KUBERNETES_VERSION = "1.35.0"
RELEASE = "speechcue"
NAMESPACE = "speechcue"
SERVICE_SETTINGS: dict[str, type[ServiceSettings]] = {
    "wallet": WalletSettings, "calls": CallsSettings, "payments": PaymentsSettings, "bot": BotSettings,
}
GRPC_PORTS = {"wallet": 50051, "calls": 50052, "payments": 50053, "bot": 50054}
HTTP_PORTS = {"wallet": 8001, "calls": 8002, "payments": 8003, "bot": 8004, "sandbox": 8009}
WEBHOOKS = {"/telegram/webhook": "bot", "/webhooks/retell": "calls", "/webhooks/dynopay": "payments"}
CRD_FILES = {"ServiceMonitor": "monitoring.coreos.com_servicemonitors.yaml",
             "PrometheusRule": "monitoring.coreos.com_prometheusrules.yaml"}

Manifest = dict[str, Any]


def value_set(name: str) -> dict[str, Any]:
    return yaml.safe_load((VALUE_SETS / f"{name}.yaml").read_text()) or {}


@pytest.fixture(scope="module")
def chart() -> Iterator[helm.Chart]:
    with helm.Chart.load(CHART) as loaded:
        yield loaded


class UniqueKeyLoader(yaml.SafeLoader):
    """A YAML loader that refuses a key given twice in one mapping: the API server (and a ConfigMap)
    keeps only one of them, silently, so a template that writes a variable twice is a bug."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        keys = [self.construct_object(key, deep=deep) for key, _ in node.value]
        repeated = sorted({str(key) for key in keys if keys.count(key) > 1})
        if repeated:
            raise yaml.constructor.ConstructorError(None, None, f"keys given twice: {repeated}", node.start_mark)
        return super().construct_mapping(node, deep=deep)


def render(chart: helm.Chart, values: dict[str, Any]) -> list[Manifest]:
    files = chart.render(values, name=RELEASE, namespace=NAMESPACE, is_install=True)
    return [document for path, text in files.items() if path.endswith(".yaml")
            for document in yaml.load_all(text, Loader=UniqueKeyLoader) if document]


@pytest.fixture(scope="module")
def rendered(chart: helm.Chart) -> dict[str, list[Manifest]]:
    return {name: render(chart, value_set(name)) for name in ("defaults", "production", "sandbox")}


def of_kind(manifests: list[Manifest], kind: str) -> list[Manifest]:
    return [manifest for manifest in manifests if manifest["kind"] == kind]


def named(manifests: list[Manifest], kind: str, name: str) -> Manifest:
    [found] = [m for m in of_kind(manifests, kind) if m["metadata"]["name"] == name]
    return found


def pod_specs(manifests: list[Manifest]) -> Iterator[tuple[str, dict[str, Any]]]:
    for manifest in manifests:
        label = f"{manifest['kind']}/{manifest['metadata']['name']}"
        if manifest["kind"] in {"Deployment", "Job"}:
            yield label, manifest["spec"]["template"]["spec"]
        elif manifest["kind"] == "CronJob":
            yield label, manifest["spec"]["jobTemplate"]["spec"]["template"]["spec"]


def containers(pod: dict[str, Any]) -> list[dict[str, Any]]:
    return [*pod.get("initContainers", []), *pod["containers"]]


def environment(container: dict[str, Any], config_maps: dict[str, dict[str, str]]) -> dict[str, str]:
    """A container's variables: ConfigMap values, literal values, and `secret:<key>` for secret refs."""
    variables: dict[str, str] = {}
    for source in container.get("envFrom", []):
        variables.update(config_maps[source["configMapRef"]["name"]])
    for variable in container.get("env", []):
        if "value" in variable:
            variables[variable["name"]] = variable["value"]
        else:
            variables[variable["name"]] = "secret:" + variable["valueFrom"]["secretKeyRef"]["key"]
    return variables


def config_maps_of(manifests: list[Manifest]) -> dict[str, dict[str, str]]:
    return {m["metadata"]["name"]: m.get("data", {}) for m in of_kind(manifests, "ConfigMap")}


ALL_SETS = pytest.mark.parametrize("value_set_name", ["defaults", "production", "sandbox"])


@ALL_SETS
def test_chart_lints_without_warnings(value_set_name: str) -> None:
    report = helm.lint(CHART, value_set(value_set_name), strict=True, namespace=NAMESPACE,
                       kube_version=f"v{KUBERNETES_VERSION}")
    assert report["errors"] == []
    assert [m for m in report["messages"] if m["severity"] >= 2] == []


@ALL_SETS
def test_every_object_validates_strictly_against_kubernetes(rendered: dict[str, list[Manifest]],
                                                            value_set_name: str) -> None:
    for manifest in rendered[value_set_name]:
        if manifest["kind"] in CRD_FILES:
            continue
        kubernetes_validate.validate(manifest, KUBERNETES_VERSION, strict=True)


def strict_schema(schema: Any) -> Any:
    """The CRD schema as the API server applies it: fields it does not declare are not kept."""
    if isinstance(schema, list):
        return [strict_schema(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    strict = {key: strict_schema(value) for key, value in schema.items()}
    if ("properties" in schema and "additionalProperties" not in schema
            and not schema.get("x-kubernetes-preserve-unknown-fields")):
        strict["additionalProperties"] = False
    return strict


def test_monitoring_objects_validate_against_the_operator_crds(rendered: dict[str, list[Manifest]]) -> None:
    if not CRDS.is_dir():
        pytest.skip(f"prometheus-operator CRDs not found at {CRDS} (they live in the shared workplace folder)")
    monitoring = [m for m in rendered["production"] if m["kind"] in CRD_FILES]
    assert sorted(m["kind"] for m in monitoring) == ["PrometheusRule", "ServiceMonitor"]
    for manifest in monitoring:
        crd = yaml.safe_load((CRDS / CRD_FILES[manifest["kind"]]).read_text())
        [version] = [v for v in crd["spec"]["versions"] if v["name"] == manifest["apiVersion"].split("/")[1]]
        # Not jsonschema.validate: it checks the schema first, and the CRDs' Go regexes are not Python's.
        validator = jsonschema.Draft202012Validator(strict_schema(version["schema"]["openAPIV3Schema"]))
        assert [error.message for error in validator.iter_errors(manifest)] == [], manifest["kind"]


def test_every_alert_says_how_bad_what_and_where_to_read(rendered: dict[str, list[Manifest]]) -> None:
    rule = of_kind(rendered["production"], "PrometheusRule")[0]
    alerts = [r for group in rule["spec"]["groups"] for r in group["rules"] if "alert" in r]
    assert len(alerts) >= 4
    for alert in alerts:
        assert alert["labels"]["severity"] in {"critical", "warning", "info"}, alert["alert"]
        assert {"summary", "description", "runbook_url"} <= alert["annotations"].keys(), alert["alert"]


def test_monitoring_is_off_by_default(rendered: dict[str, list[Manifest]]) -> None:
    assert not [m for m in rendered["defaults"] if m["kind"] in CRD_FILES]


@ALL_SETS
def test_every_pod_and_container_is_hardened_and_limited(rendered: dict[str, list[Manifest]],
                                                         value_set_name: str) -> None:
    specs = list(pod_specs(rendered[value_set_name]))
    assert {label.split("/")[0] for label, _ in specs} == {"Deployment", "Job", "CronJob"}
    for label, pod in specs:
        context = pod["securityContext"]
        assert context["runAsNonRoot"] is True, label
        assert context["runAsUser"] == 10001, label
        assert "fsGroup" in context, label
        assert context["seccompProfile"] == {"type": "RuntimeDefault"}, label
        assert pod["automountServiceAccountToken"] is False, label
        tmp_volumes = [v["name"] for v in pod["volumes"] if "emptyDir" in v]
        for container in containers(pod):
            where = f"{label} {container['name']}"
            hardening = container["securityContext"]
            assert hardening["allowPrivilegeEscalation"] is False, where
            assert hardening["readOnlyRootFilesystem"] is True, where
            assert hardening["capabilities"]["drop"] == ["ALL"], where
            for bound in ("requests", "limits"):
                assert {"cpu", "memory"} <= container["resources"][bound].keys(), where
            assert any(m["mountPath"] == "/tmp" and m["name"] in tmp_volumes for m in container["volumeMounts"]), where


@ALL_SETS
def test_every_deployment_is_probed_the_way_its_service_serves(rendered: dict[str, list[Manifest]],
                                                               value_set_name: str) -> None:
    deployments = of_kind(rendered[value_set_name], "Deployment")
    for deployment in deployments:
        service = deployment["metadata"]["labels"]["app.kubernetes.io/component"]
        [container] = deployment["spec"]["template"]["spec"]["containers"]
        assert container["args"] == [f"services.{service}"]
        if service in GRPC_PORTS:
            assert container["readinessProbe"]["grpc"] == {"port": GRPC_PORTS[service], "service": "readiness"}
            assert container["livenessProbe"]["grpc"] == {"port": GRPC_PORTS[service], "service": "liveness"}
        else:
            assert container["readinessProbe"]["httpGet"]["port"] == "http"
            assert container["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}
        annotations = deployment["spec"]["template"]["metadata"]["annotations"]
        assert {"checksum/config", "checksum/secret"} <= annotations.keys()


def test_the_sandbox_is_deployed_only_in_sandbox_mode(rendered: dict[str, list[Manifest]]) -> None:
    def services(name: str) -> set[str]:
        return {d["metadata"]["labels"]["app.kubernetes.io/component"] for d in of_kind(rendered[name], "Deployment")}

    assert services("defaults") == {"wallet", "calls", "payments", "bot"}
    assert services("sandbox") == {"wallet", "calls", "payments", "bot", "sandbox"}


def test_sandbox_mode_points_every_provider_at_the_sandbox(rendered: dict[str, list[Manifest]]) -> None:
    config_maps = config_maps_of(rendered["sandbox"])
    sandbox_url = f"http://{RELEASE}-sandbox:{HTTP_PORTS['sandbox']}"
    for service in ("bot", "calls", "payments"):
        data = config_maps[f"{RELEASE}-{service}"]
        for variable in ("TELEGRAM_API_BASE_URL", "RETELL_BASE_URL", "DYNOPAY_BASE_URL"):
            assert data[variable] == sandbox_url, (service, variable)
    sandbox = config_maps[f"{RELEASE}-sandbox"]
    assert sandbox["SANDBOX_TELEGRAM_WEBHOOK_URL"] == f"http://{RELEASE}-bot:8004/telegram/webhook"
    assert sandbox["SANDBOX_DYNOPAY_WEBHOOK_URL"] == f"http://{RELEASE}-payments:8003/webhooks/dynopay"
    assert sandbox["SPEECHCUE_HTTP_HOST"] == "0.0.0.0"
    for variable in ("TELEGRAM_API_BASE_URL", "RETELL_BASE_URL", "DYNOPAY_BASE_URL"):
        assert "sandbox" not in config_maps_of(rendered["defaults"])[f"{RELEASE}-calls"][variable]


@ALL_SETS
def test_every_service_gets_each_variable_its_settings_require(rendered: dict[str, list[Manifest]],
                                                               value_set_name: str) -> None:
    manifests = rendered[value_set_name]
    config_maps = config_maps_of(manifests)
    for service, settings_class in SERVICE_SETTINGS.items():
        [container] = named(manifests, "Deployment", f"{RELEASE}-{service}")["spec"]["template"]["spec"]["containers"]
        variables = environment(container, config_maps)
        required = {name.upper() for name, field in settings_class.model_fields.items() if field.is_required()}
        assert required <= variables.keys(), (service, required - variables.keys())
        assert variables["SPEECHCUE_DATABASE_URL"] == f"secret:{service.upper()}_DATABASE_URL"
        assert variables["SPEECHCUE_GRPC_PORT"] == str(GRPC_PORTS[service])
        assert variables["SPEECHCUE_HTTP_PORT"] == str(HTTP_PORTS[service])
        for other in ("wallet", "calls", "payments"):
            if f"{other.upper()}_GRPC_ADDR" in variables:
                assert variables[f"{other.upper()}_GRPC_ADDR"] == f"{RELEASE}-{other}:{GRPC_PORTS[other]}"


@ALL_SETS
def test_no_secret_value_appears_in_a_config_map(rendered: dict[str, list[Manifest]], value_set_name: str) -> None:
    manifests = rendered[value_set_name]
    secret_values = set(value_set(value_set_name).get("secrets", {}).get("values", {}).values())
    for secret in of_kind(manifests, "Secret"):
        secret_values |= set(secret.get("stringData", {}).values())
    secret_values.discard("")
    for name, data in config_maps_of(manifests).items():
        for key, value in data.items():
            assert not any(secret in value for secret in secret_values), (name, key)
            assert not key.endswith(("_TOKEN", "_SECRET", "_API_KEY", "_DATABASE_URL")), (name, key)


def test_production_reads_the_managed_secret_and_renders_none(rendered: dict[str, list[Manifest]]) -> None:
    manifests = rendered["production"]
    assert of_kind(manifests, "Secret") == []
    for label, pod in pod_specs(manifests):
        for container in containers(pod):
            for variable in container.get("env", []):
                if "valueFrom" in variable:
                    assert variable["valueFrom"]["secretKeyRef"]["name"] == "speechcue-production", label


@pytest.mark.parametrize("values", [{}, {"environment": "production"}, {"environment": "staging"},
                                    {"environment": "staging", "sandbox": {"enabled": True}}],
                         ids=["chart-defaults", "production", "staging", "staging-sandbox"])
def test_production_or_staging_without_a_managed_secret_refuses_to_render(chart: helm.Chart,
                                                                          values: dict[str, Any]) -> None:
    with pytest.raises(helm.HelmRenderError, match=r"secrets\.existingSecret is empty: set secrets\.existingSecret"):
        chart.render(values, name=RELEASE, namespace=NAMESPACE, is_install=True)
    # (`helm lint` only logs a template's `fail`, so the refusal is checked where install meets it.)


@pytest.mark.parametrize("environment", ["development", "test"])
def test_development_and_test_render_the_secret_from_values(chart: helm.Chart, environment: str) -> None:
    [secret] = of_kind(render(chart, {"environment": environment}), "Secret")
    assert secret["stringData"]["TELEGRAM_WEBHOOK_SECRET"] == chart.values["secrets"]["values"][
        "TELEGRAM_WEBHOOK_SECRET"]


def test_the_development_secret_exists_before_the_migration_hook(rendered: dict[str, list[Manifest]]) -> None:
    [secret] = of_kind(rendered["defaults"], "Secret")
    [job] = of_kind(rendered["defaults"], "Job")
    secret_weight = int(secret["metadata"]["annotations"]["helm.sh/hook-weight"])
    assert int(job["metadata"]["annotations"]["helm.sh/hook-weight"]) > secret_weight
    assert "pre-install" in secret["metadata"]["annotations"]["helm.sh/hook"]


@ALL_SETS
def test_migrations_run_for_every_service_before_install_and_upgrade(rendered: dict[str, list[Manifest]],
                                                                     value_set_name: str) -> None:
    [job] = of_kind(rendered[value_set_name], "Job")
    assert set(job["metadata"]["annotations"]["helm.sh/hook"].split(",")) == {"pre-install", "pre-upgrade"}
    pod = job["spec"]["template"]["spec"]
    migrated = {c["args"][0] for c in pod["initContainers"] if c["args"][1:] == ["migrate"]}
    assert migrated == {f"services.{service}" for service in SERVICE_SETTINGS}
    for container in pod["initContainers"]:
        service = container["args"][0].removeprefix("services.")
        required = {n.upper() for n, f in SERVICE_SETTINGS[service].model_fields.items() if f.is_required()}
        assert required <= {v["name"] for v in container["env"]}, service
    assert "serviceAccountName" not in pod, "hooks run before the release's ServiceAccount exists"


def test_the_charts_ticks_are_the_schedule_table(chart: helm.Chart) -> None:
    assert chart.values["ticks"] == [
        {"name": tick.name, "schedule": tick.schedule, "service": tick.service} for tick in TICKS
    ]


@ALL_SETS
def test_one_cronjob_per_tick_forbidding_overlap(rendered: dict[str, list[Manifest]], value_set_name: str) -> None:
    cronjobs = of_kind(rendered[value_set_name], "CronJob")
    assert len(cronjobs) == len(TICKS)
    for tick in TICKS:
        cronjob = named(rendered[value_set_name], "CronJob", f"{RELEASE}-tick-{tick.name}")
        spec = cronjob["spec"]
        assert spec["schedule"] == tick.schedule
        assert spec["concurrencyPolicy"] == "Forbid"
        assert spec["startingDeadlineSeconds"] > 0
        assert {"successfulJobsHistoryLimit", "failedJobsHistoryLimit"} <= spec.keys()
        job = spec["jobTemplate"]["spec"]
        assert job["activeDeadlineSeconds"] > 0 and "backoffLimit" in job
        [container] = job["template"]["spec"]["containers"]
        assert container["command"] + container["args"] == ["python", "-m", "cronjobs", tick.name]
        variables = environment(container, {})
        assert variables == {
            "SPEECHCUE_ENV": value_set(value_set_name).get("environment", "production"),
            "SPEECHCUE_CALLER_TOKEN": f"secret:TICK_{tick.name.upper()}_CALLER_TOKEN",
            f"{tick.service.upper()}_GRPC_ADDR": f"{RELEASE}-{tick.service}:{GRPC_PORTS[tick.service]}",
        }


@pytest.mark.parametrize("values", [
    {"replicaCount": 3},
    {"services": {"wallet": {"replica": 3}}},
    {"services": {"sms": {}}},
    {"networkPolicy": {"enable": True}},
    {"ticks": [{"name": "billing", "schedule": "*/5 * * * *", "service": "wallet", "rpc": "RunBillingTick"}]},
    {"secrets": {"values": {"SPEECHCUE_INTERNAL_TOKN": "x"}}},
    {"sandbox": {"enabled": True, "replicas": 2}},
], ids=["top-level", "service-field", "unknown-service", "network-policy", "tick-field", "secret-key", "sandbox"])
def test_unknown_values_keys_are_rejected(chart: helm.Chart, values: dict[str, Any]) -> None:
    with pytest.raises(helm.HelmValuesError, match="additional properties"):
        chart.validate_schema(chart.merge_values(values))
    with pytest.raises(helm.HelmValuesError):
        chart.render(values, name=RELEASE, namespace=NAMESPACE)


def test_a_container_without_limits_is_refused(chart: helm.Chart) -> None:
    # null removes a default in Helm, as `--set tickJobs.resources.limits=null` would.
    with pytest.raises(helm.HelmValuesError, match="missing propert"):
        chart.render({"tickJobs": {"resources": {"limits": None}}}, name=RELEASE, namespace=NAMESPACE)


@ALL_SETS
def test_value_sets_pass_the_schema(chart: helm.Chart, value_set_name: str) -> None:
    chart.validate_schema(chart.merge_values(value_set(value_set_name)))


@ALL_SETS
def test_every_service_tolerates_a_drain_and_autoscales_only_when_asked(rendered: dict[str, list[Manifest]],
                                                                        value_set_name: str) -> None:
    manifests = rendered[value_set_name]
    deployments = {d["metadata"]["name"]: d for d in of_kind(manifests, "Deployment")}
    budgets = {p["metadata"]["name"]: p["spec"] for p in of_kind(manifests, "PodDisruptionBudget")}
    assert budgets.keys() == deployments.keys()
    assert all(budget["maxUnavailable"] == 1 and "minAvailable" not in budget for budget in budgets.values())
    autoscalers = {h["metadata"]["name"]: h for h in of_kind(manifests, "HorizontalPodAutoscaler")}
    for name, deployment in deployments.items():
        assert ("replicas" in deployment["spec"]) == (name not in autoscalers), name
    expected = {f"{RELEASE}-{s}" for s in SERVICE_SETTINGS} if value_set_name == "production" else set()
    assert autoscalers.keys() == expected
    assert all(h["apiVersion"] == "autoscaling/v2" for h in autoscalers.values())


def test_the_ingress_exposes_exactly_the_three_webhooks(rendered: dict[str, list[Manifest]]) -> None:
    assert of_kind(rendered["defaults"], "Ingress") == []
    [ingress] = of_kind(rendered["production"], "Ingress")
    [rule] = ingress["spec"]["rules"]
    routes = {p["path"]: (p["backend"]["service"]["name"], p["backend"]["service"]["port"]["name"])
              for p in rule["http"]["paths"]}
    assert routes == {path: (f"{RELEASE}-{service}", "http") for path, service in WEBHOOKS.items()}


def policy(manifests: list[Manifest], component: str) -> dict[str, Any]:
    spec: dict[str, Any] = named(manifests, "NetworkPolicy", f"{RELEASE}-{component}")["spec"]
    return spec


def grpc_callers(spec: dict[str, Any]) -> set[str]:
    callers: set[str] = set()
    for rule in spec["ingress"]:
        for peer in rule.get("from", []):
            for expression in peer.get("podSelector", {}).get("matchExpressions", []):
                if expression["key"] == "app.kubernetes.io/component":
                    callers |= set(expression["values"])
    return callers


def egress_targets(spec: dict[str, Any]) -> set[tuple[str, int]]:
    return {(peer["podSelector"]["matchLabels"]["app.kubernetes.io/component"], rule["ports"][0]["port"])
            for rule in spec["egress"] for peer in rule.get("to", []) if "podSelector" in peer}


def test_network_policies_deny_by_default_and_allow_the_platforms_paths(
        rendered: dict[str, list[Manifest]]) -> None:
    manifests = rendered["production"]
    deny = policy(manifests, "default-deny")
    assert deny["policyTypes"] == ["Ingress", "Egress"] and "ingress" not in deny and "egress" not in deny
    assert grpc_callers(policy(manifests, "wallet")) == {"bot", "calls", "payments"}
    assert grpc_callers(policy(manifests, "calls")) == {"bot"}
    assert egress_targets(policy(manifests, "bot")) == {("wallet", 50051), ("calls", 50052), ("payments", 50053)}
    assert egress_targets(policy(manifests, "calls")) == {("wallet", 50051)}
    assert policy(manifests, "wallet")["egress"] == []
    for service in ("bot", "calls", "payments"):
        assert any(r["ports"] == [{"protocol": "TCP", "port": 443}] for r in policy(manifests, service)["egress"])
    platform = policy(manifests, "platform-egress")
    ports = {port["port"] for rule in platform["egress"] for port in rule["ports"]}
    assert ports == {53, 5432, 4222}
    assert platform["podSelector"]["matchLabels"] == deny["podSelector"]["matchLabels"]
    for tick in TICKS:
        assert egress_targets(policy(manifests, f"tick-{tick.name}")) == {(tick.service, GRPC_PORTS[tick.service])}
    for path, service in WEBHOOKS.items():
        ingress_ports = [rule["ports"][0]["port"] for rule in policy(manifests, service)["ingress"]]
        assert ingress_ports.count(HTTP_PORTS[service]) == 2, path  # the ingress controller and Prometheus


def test_network_policies_are_on_by_default_and_let_the_webhooks_in(rendered: dict[str, list[Manifest]],
                                                                      chart: helm.Chart) -> None:
    assert chart.values["networkPolicy"]["enabled"] is True
    manifests = rendered["defaults"]
    deployments = {d["metadata"]["labels"]["app.kubernetes.io/component"] for d in of_kind(manifests, "Deployment")}
    policies = {p["metadata"]["name"] for p in of_kind(manifests, "NetworkPolicy")}
    assert {f"{RELEASE}-{name}" for name in (*deployments, "default-deny", "platform-egress")} <= policies
    assert of_kind(manifests, "Ingress") == []
    controller = chart.values["networkPolicy"]["ingressControllerPeers"]
    for path, service in WEBHOOKS.items():
        # The webhooks stay reachable from the ingress controller even when another chart (or a
        # Gateway) routes them: a policy on by default must not silently cut Telegram off.
        assert any(rule.get("from") == controller and rule["ports"][0]["port"] == HTTP_PORTS[service]
                   for rule in policy(manifests, service)["ingress"]), path
    assert not any(rule.get("from") == controller for rule in policy(manifests, "wallet")["ingress"])


def test_sandbox_network_policies_keep_providers_inside(rendered: dict[str, list[Manifest]]) -> None:
    manifests = rendered["sandbox"]
    for service in ("bot", "calls", "payments"):
        egress = policy(manifests, service)["egress"]
        assert ("sandbox", HTTP_PORTS["sandbox"]) in egress_targets(policy(manifests, service))
        assert not any("ipBlock" in peer for rule in egress for peer in rule.get("to", [])), service
    assert egress_targets(policy(manifests, "sandbox")) == {("bot", 8004), ("calls", 8002), ("payments", 8003)}


TLS_VALUES: dict[str, Any] = {
    "nats": {"streamReplicas": 3, "tls": {"caSecret": "nats-ca", "caKey": "ca.crt"}},
    "postgresql": {"tls": {"sslMode": "verify-full", "caSecret": "pg-cluster-ca", "caKey": "ca.crt"}},
}
TLS_ENVIRONMENT = {
    "SPEECHCUE_NATS_STREAM_REPLICAS": "3",
    "SPEECHCUE_NATS_TLS_CA_FILE": "/etc/speechcue/nats-ca/ca.crt",
    "PGSSLMODE": "verify-full",
    "PGSSLROOTCERT": "/etc/speechcue/postgresql-ca/ca.crt",
}


def test_nats_and_postgresql_tls_reach_every_pod_that_connects(chart: helm.Chart) -> None:
    manifests = render(chart, {**value_set("production"), **TLS_VALUES})
    for manifest in manifests:
        if manifest["kind"] not in CRD_FILES:
            kubernetes_validate.validate(manifest, KUBERNETES_VERSION, strict=True)
    config_maps = config_maps_of(manifests)
    connecting = 0
    for label, pod in pod_specs(manifests):
        volumes = {v["name"]: v for v in pod["volumes"]}
        for container in containers(pod):
            if container["name"] == "done":
                continue
            variables = environment(container, config_maps)
            mounts = {m["mountPath"]: m for m in container["volumeMounts"]}
            if "SPEECHCUE_DATABASE_URL" not in variables:  # the ticks only make gRPC calls
                assert not TLS_ENVIRONMENT.keys() & variables.keys(), label
                continue
            connecting += 1
            assert {key: variables[key] for key in TLS_ENVIRONMENT} == TLS_ENVIRONMENT, label
            for directory, secret in (("/etc/speechcue/nats-ca", "nats-ca"),
                                      ("/etc/speechcue/postgresql-ca", "pg-cluster-ca")):
                mount = mounts[directory]
                assert mount["readOnly"] is True, label
                assert volumes[mount["name"]]["secret"] == {
                    "secretName": secret, "items": [{"key": "ca.crt", "path": "ca.crt"}]}, label
    assert connecting == len(SERVICE_SETTINGS) * 2  # each Deployment and its migration container


def test_without_tls_values_nothing_is_mounted_and_streams_have_one_replica(
        rendered: dict[str, list[Manifest]]) -> None:
    for name, data in config_maps_of(rendered["defaults"]).items():
        if "SPEECHCUE_NATS_URL" in data:
            assert data["SPEECHCUE_NATS_STREAM_REPLICAS"] == "1", name
        assert not {"SPEECHCUE_NATS_TLS_CA_FILE", "PGSSLMODE", "PGSSLROOTCERT"} & data.keys(), name
    for label, pod in pod_specs(rendered["defaults"]):
        assert [v["name"] for v in pod["volumes"]] == ["tmp"], label


@pytest.mark.parametrize("values", [
    {"nats": {"replicas": 3}},
    {"nats": {"streamReplicas": 0}},
    {"postgresql": {"tls": {"sslMode": "verify"}}},
    {"postgresql": {"sslMode": "require"}},
], ids=["nats-key", "no-replicas", "ssl-mode", "postgresql-key"])
def test_bad_tls_and_replica_values_are_rejected(chart: helm.Chart, values: dict[str, Any]) -> None:
    with pytest.raises(helm.HelmValuesError):
        chart.validate_schema(chart.merge_values(values))


def dockerfile_instructions() -> list[tuple[str, str]]:
    lines = (ROOT / "Dockerfile").read_text().replace("\\\n", " ").splitlines()
    instructions = []
    for line in lines:
        stripped = line.strip()
        if stripped and not stripped.startswith("#") and stripped.split()[0].isupper():
            keyword, _, rest = stripped.partition(" ")
            instructions.append((keyword, rest.strip()))
    return instructions


def test_dockerfile_builds_in_stages_and_runs_unprivileged() -> None:
    instructions = dockerfile_instructions()
    stages = [rest for keyword, rest in instructions if keyword == "FROM"]
    assert len(stages) >= 2 and all("python:3.11-slim" in s or "PYTHON_IMAGE" in s for s in stages)
    assert ("ARG", "PYTHON_IMAGE=python:3.11-slim") in instructions
    final_stage = instructions[max(i for i, (k, _) in enumerate(instructions) if k == "FROM"):]
    users = [rest for keyword, rest in final_stage if keyword == "USER"]
    assert users and users[-1].split(":")[0] == "10001"
    assert not any(keyword == "HEALTHCHECK" for keyword, _ in instructions)
    assert ("ENTRYPOINT", '["python", "-m"]') in final_stage
    assert ("CMD", '["services.wallet"]') in final_stage
    environment_lines = " ".join(rest for keyword, rest in final_stage if keyword == "ENV")
    assert "HOME=/tmp" in environment_lines and "PYTHONDONTWRITEBYTECODE=1" in environment_lines
    runs = " ".join(rest for keyword, rest in final_stage if keyword == "RUN")
    # The fonts come with the source (services/bot/font_files), not from the base image's packages;
    # FriBiDi is what Pillow's Raqm needs to shape Hindi.
    assert "libfribidi0" in runs and "fonts-noto" not in runs
    assert any(k == "COPY" and "services" in rest.split() for k, rest in final_stage)
    assert not any(tool in runs for tool in ("build-essential", "gcc", "pip install"))
    assert any(k == "COPY" and rest.startswith("--from=builder") for k, rest in final_stage)
    labels = " ".join(rest for keyword, rest in final_stage if keyword == "LABEL")
    assert "org.opencontainers.image.version=" in labels and "org.opencontainers.image.source=" in labels


def test_dockerignore_keeps_local_state_out_of_the_image() -> None:
    ignored = set((ROOT / ".dockerignore").read_text().split())
    assert {".venv", ".speechcue", "test-artifacts", "**/__pycache__", ".pytest_cache"} <= ignored

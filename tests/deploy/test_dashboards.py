"""The Grafana dashboards the chart ships (`deploy/helm/speechcue/dashboards/*.json`) and the names they
and the PrometheusRule query.

The dashboards are checked as files (valid JSON, a uid, a title, a Prometheus query behind every
panel) and as the ConfigMaps the chart renders for the Grafana sidecar. Then the one check that keeps
dashboards and alerts honest: every metric name any dashboard or alert expression uses is one the
services export. The real services run in-process (wallet, calls, payments and the bot, with the
Telegram simulator), one person goes through onboarding, and each service's `GET /metrics` is read.
prometheus_client writes `# HELP`/`# TYPE` for every registered family even before its first sample,
so labelled metrics count as exported without traffic of their kind. (In-process the services share
one registry, so this proves the names exist in the code the services run, not which service has
which.)"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import helm_python as helm
import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.bot.conftest import (  # noqa: F401
    BotHarness,
    bot,
    calls,
    payments,
    sandbox_server,
    telegram_server,
    wallet,
)
from tests.deploy.test_chart import CHART, chart, of_kind, render, value_set  # noqa: F401

DASHBOARDS = CHART / "dashboards"
DASHBOARD_FILES = sorted(DASHBOARDS.glob("*.json"))
EXPECTED_DASHBOARDS = {"services.json", "events.json", "business.json", "cronjobs.json"}

# Names the services do not export but the expressions may use: Prometheus' own scrape health and
# kube-state-metrics (the tick CronJobs' pods).
FOREIGN_NAMES = re.compile(r"^(up|kube_[a-z0-9_]+)$")
PROMQL_WORDS = {"by", "without", "on", "ignoring", "group_left", "group_right", "bool", "and", "or", "unless",
                "offset", "inf", "nan"}
SUFFIXES = {"counter": ("_total", "_created"), "histogram": ("_bucket", "_sum", "_count", "_created"),
            "summary": ("", "_sum", "_count", "_created"), "gauge": ("",), "info": ("_info",),
            "stateset": ("",), "gaugehistogram": ("_bucket", "_gsum", "_gcount"), "unknown": ("",)}


def load(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text())


def panels(dashboard: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for panel in dashboard["panels"]:
        yield panel
        yield from panel.get("panels", [])


def queries(dashboard: dict[str, Any]) -> Iterator[tuple[str, str]]:
    """(where, PromQL) for every panel target and every query variable."""
    for panel in panels(dashboard):
        for target in panel.get("targets", []):
            yield f"{dashboard['uid']} panel {panel['title']!r}", target["expr"]
    for variable in dashboard["templating"]["list"]:
        if variable["type"] == "query":
            query = variable["query"]
            yield f"{dashboard['uid']} variable ${variable['name']}", query["query"] if isinstance(query, dict) \
                else query


def metric_names(expr: str) -> set[str]:
    """The metric names a PromQL expression (or a Grafana `label_values(...)` query) selects."""
    if match := re.fullmatch(r"\s*label_values\(\s*([A-Za-z_:][\w:]*)\s*(\{[^}]*\})?\s*,\s*\w+\s*\)\s*", expr):
        return {match.group(1)}
    expr = re.sub(r'"(?:[^"\\]|\\.)*"', '""', expr)  # label values, including Grafana's $variables
    expr = re.sub(r"\{[^}]*\}", "", expr)  # label matchers
    expr = re.sub(r"\[[^\]]*\]", "", expr)  # range and subquery durations
    expr = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", "", expr)
    names = set()
    for match in re.finditer(r"(?<![\w$.])([A-Za-z_:][\w:]*)\s*(\()?", expr):
        name, call = match.groups()
        if not call and name.lower() not in PROMQL_WORDS:
            names.add(name)
    return names


def test_the_parser_finds_metric_names() -> None:
    assert metric_names('histogram_quantile(0.99, sum by (service, le) (rate(grpc_server_handling_seconds_bucket'
                        '{namespace="$namespace", service=~"$service"}[$__rate_interval])))') == {
        "grpc_server_handling_seconds_bucket"}
    assert metric_names('sum by (x) (rate(a_total{code=~"5.."}[5m])) / on (x) group_left sum(b) > bool 0.05') == {
        "a_total", "b"}
    assert metric_names("time() - max by (tick) (c_seconds offset 5m)") == {"c_seconds"}
    assert metric_names('label_values(speechcue_ready{namespace="$namespace"}, service)') == {"speechcue_ready"}


def test_the_four_dashboards_are_there() -> None:
    assert {path.name for path in DASHBOARD_FILES} == EXPECTED_DASHBOARDS


@pytest.mark.parametrize("path", DASHBOARD_FILES, ids=lambda path: path.name)
def test_every_dashboard_is_valid_and_every_panel_queries_prometheus(path: Path) -> None:
    dashboard = load(path)
    assert dashboard["uid"] == f"speechcue-{path.stem}"
    assert dashboard["title"].startswith("Speechcue / ")
    assert 36 <= dashboard["schemaVersion"] <= 41
    variables = {v["name"]: v for v in dashboard["templating"]["list"]}
    assert variables["datasource"]["type"] == "datasource"
    assert variables["datasource"]["query"] == "prometheus"
    graphs = [p for p in panels(dashboard) if p["type"] != "row"]
    assert graphs, path.name
    ids = [p["id"] for p in panels(dashboard)]
    assert len(ids) == len(set(ids)), f"{path.name}: panel ids repeat"
    for panel in graphs:
        where = f"{path.name} {panel['title']!r}"
        assert panel["datasource"] == {"type": "prometheus", "uid": "${datasource}"}, where
        assert panel["targets"], where
        for target in panel["targets"]:
            assert target["datasource"] == panel["datasource"], where
            assert target["expr"].strip(), where
            assert metric_names(target["expr"]), where
        position = panel["gridPos"]
        assert position["x"] + position["w"] <= 24, where
        for name in re.findall(r"\$(\w+)", json.dumps(panel["targets"])):
            assert name.startswith("__") or name in variables, f"{where}: ${name} is not a variable"


def test_dashboard_uids_and_titles_are_unique() -> None:
    dashboards = [load(path) for path in DASHBOARD_FILES]
    assert len({d["uid"] for d in dashboards}) == len({d["title"] for d in dashboards}) == len(dashboards)


def dashboard_config_maps(manifests: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {m["metadata"]["name"]: m for m in of_kind(manifests, "ConfigMap")
            if m["metadata"]["name"].startswith("speechcue-dashboard-")}


def test_the_chart_ships_each_dashboard_as_a_sidecar_config_map(chart: helm.Chart) -> None:  # noqa: F811
    config_maps = dashboard_config_maps(render(chart, value_set("production")))
    assert set(config_maps) == {f"speechcue-dashboard-{path.stem}" for path in DASHBOARD_FILES}
    for path in DASHBOARD_FILES:
        config_map = config_maps[f"speechcue-dashboard-{path.stem}"]
        assert config_map["metadata"]["labels"]["grafana_dashboard"] == "1"
        assert config_map["metadata"]["labels"]["app.kubernetes.io/part-of"] == "speechcue"
        assert json.loads(config_map["data"][path.name]) == load(path)


def test_dashboards_follow_the_monitoring_switches_and_sidecar_label(chart: helm.Chart) -> None:  # noqa: F811
    assert dashboard_config_maps(render(chart, value_set("defaults"))) == {}
    production = value_set("production")
    off = {**production, "monitoring": {**production["monitoring"], "dashboards": {"enabled": False}}}
    assert dashboard_config_maps(render(chart, off)) == {}
    relabelled = {**production, "monitoring": {**production["monitoring"], "dashboards": {
        "sidecarLabel": "grafana.example.com/dashboard", "labelValue": "speechcue", "folder": ""}}}
    config_maps = dashboard_config_maps(render(chart, relabelled))
    assert len(config_maps) == len(DASHBOARD_FILES)
    for config_map in config_maps.values():
        assert config_map["metadata"]["labels"]["grafana.example.com/dashboard"] == "speechcue"
        assert "grafana_dashboard" not in config_map["metadata"]["labels"]
        assert "annotations" not in config_map["metadata"]


def test_the_values_schema_refuses_unknown_dashboard_settings(chart: helm.Chart) -> None:  # noqa: F811
    production = value_set("production")
    typo = {**production, "monitoring": {**production["monitoring"], "dashboards": {"enable": True}}}
    with pytest.raises(helm.HelmValuesError, match="additional properties 'enable' not allowed"):
        render(chart, typo)


def referenced_names(chart: helm.Chart) -> dict[str, set[str]]:  # noqa: F811
    """Every metric name in a dashboard or alert expression, with where it is used."""
    used: dict[str, set[str]] = {}
    for path in DASHBOARD_FILES:
        for where, expr in queries(load(path)):
            for name in metric_names(expr):
                used.setdefault(name, set()).add(where)
    [rule] = of_kind(render(chart, value_set("production")), "PrometheusRule")
    for group in rule["spec"]["groups"]:
        for entry in group["rules"]:
            for name in metric_names(str(entry["expr"])):
                used.setdefault(name, set()).add(f"alert {entry.get('alert') or entry.get('record')}")
    return used


def exported_names(exposition: str) -> set[str]:
    """The series names a scrape can hold: each family's name with its type's suffixes."""
    names = set()
    for family in text_string_to_metric_families(exposition):
        names.update(family.name + suffix for suffix in SUFFIXES[family.type])
        names.update(sample.name for sample in family.samples)
    return names


async def test_every_metric_the_dashboards_and_alerts_use_is_exported(bot: BotHarness,  # noqa: F811
                                                                      chart: helm.Chart) -> None:  # noqa: F811
    await bot.onboarded()
    services = {"wallet": bot.calls.wallet.running, "calls": bot.calls.running, "payments": bot.payments.running,
                "bot": bot.running}
    scraped: dict[str, str] = {}
    async with httpx.AsyncClient(timeout=10.0) as client:
        for service, running in services.items():
            answer = await client.get(f"http://127.0.0.1:{running.context.settings.speechcue_http_port}/metrics")
            assert answer.status_code == 200, service
            scraped[service] = answer.text
    exported = set().union(*(exported_names(text) for text in scraped.values()))
    # The onboarding did reach the services: RED samples exist, not only the families' headers.
    samples = {s.name for text in scraped.values() for f in text_string_to_metric_families(text) for s in f.samples}
    assert {"grpc_server_handled_total", "speechcue_http_requests_total", "speechcue_bot_updates_total",
            "speechcue_bot_messages_total", "speechcue_ready"} <= samples

    used = referenced_names(chart)
    assert len(used) >= 30, sorted(used)
    missing = {name: sorted(where) for name, where in used.items()
               if name not in exported and not FOREIGN_NAMES.match(name)}
    assert missing == {}, f"used but not exported by any service: {json.dumps(missing, indent=2)}"

"""The log stack's worked example stays true: every runbook gives a LogQL query; each query selects
only labels the chart README's Alloy configuration sets, from pod labels the chart really renders;
a query's `logger` is a module that logs; and the README names the trace id's carriers as the code
does (services/runtime/tracing.py)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import helm_python as helm
import pytest

from services.runtime import tracing
from tests.deploy.test_alerts import README, RUNBOOKS
from tests.deploy.test_chart import CHART, of_kind, render, value_set

ROOT = Path(__file__).resolve().parents[2]


def logs_section() -> str:
    text = README.read_text()
    return text[text.index("\n## Logs"):]


def alloy_config() -> str:
    return re.findall(r"```alloy\n(.*?)```", logs_section(), re.DOTALL)[0]


def queries() -> list[str]:
    """Every LogQL line of the runbooks and of the README's Logs section."""
    blocks = re.findall(r"```logql\n(.*?)```", RUNBOOKS.read_text() + logs_section(), re.DOTALL)
    return [line for block in blocks for line in block.splitlines() if line and not line.startswith("#")]


def labels_set_by_alloy() -> set[str]:
    config = alloy_config()
    from_pods = set(re.findall(r'target_label\s*=\s*"([a-z_]+)"', config))
    from_lines = set(re.findall(r"stage\.labels\s*\{\s*values\s*=\s*\{([^}]*)\}", config)[0].replace(" ", "")
                     .replace('=""', "").split(","))
    return from_pods | from_lines


def test_every_runbook_gives_a_log_query() -> None:
    sections = RUNBOOKS.read_text().split("\n## ")[1:]
    assert len(sections) >= 16
    for section in sections:
        assert "```logql\n{namespace=\"speechcue\"" in section, f"{section.splitlines()[0]} gives no LogQL query"


def test_queries_select_only_labels_the_log_stack_sets() -> None:
    labels = labels_set_by_alloy()
    assert labels == {"namespace", "component", "tick", "pod", "level"}
    for query in queries():
        selector = re.match(r"\{([^}]*)\}", query)
        assert selector is not None, query
        used = set(re.findall(r'([a-z_]+)\s*(?:=~|!=|=)\s*"', selector.group(1)))
        assert used <= labels, f"{query} selects by {used - labels}, which no stage of the README sets"


def test_a_logger_a_query_names_is_a_module_of_ours() -> None:
    for query in queries():
        for logger in re.findall(r'logger="([a-z_.]+)"', query):
            assert (ROOT / (logger.replace(".", "/") + ".py")).is_file(), f"{query}: no module {logger}"


def test_the_readme_names_the_trace_ids_carriers_as_the_code_does() -> None:
    section = logs_section()
    for name in (tracing.LOG_FIELD, tracing.GRPC_METADATA_KEY, tracing.NATS_HEADER):
        assert f"`{name}`" in section, name


@pytest.fixture(scope="module")
def chart() -> Iterator[helm.Chart]:
    with helm.Chart.load(CHART) as loaded:
        yield loaded


def test_the_pod_labels_the_alloy_example_reads_are_the_charts(chart: helm.Chart) -> None:
    config = alloy_config()
    manifests = render(chart, value_set("production"))
    deployments = [d["spec"]["template"]["metadata"]["labels"] for d in of_kind(manifests, "Deployment")]
    ticks = [c["spec"]["jobTemplate"]["spec"]["template"]["metadata"]["labels"] for c in of_kind(manifests, "CronJob")]
    assert deployments and ticks
    assert "__meta_kubernetes_pod_label_app_kubernetes_io_component" in config
    assert "__meta_kubernetes_pod_label_speechcue_io_tick" in config
    assert all("app.kubernetes.io/component" in labels for labels in deployments + ticks)
    assert all("speechcue.io/tick" in labels for labels in ticks)
    assert 'names = ["speechcue"]' in config

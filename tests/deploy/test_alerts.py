"""The chart's alerts, checked and unit-tested by Prometheus's own `promtool`.

The PrometheusRule is rendered under the production value set, its `spec` written as a rules file,
`promtool check rules` run on it, then `promtool test rules` on a test file built here: for every
alert one group of input series that trips it (with the exact labels and annotations expected) and
one that must leave it quiet. promtool comes with Debian's `prometheus` package; `./dev test`
installs it."""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import helm_python as helm
import pytest
import yaml

from cronjobs.schedule import TICKS
from tests.deploy.test_chart import CHART, NAMESPACE, RELEASE, of_kind, render, value_set

ROOT = Path(__file__).resolve().parents[2]
RUNBOOKS = ROOT / "docs" / "runbooks.md"
README = CHART / "README.md"
# monitoring.runbookBaseUrl in values.yaml: the project's source.
RUNBOOK_BASE = "https://github.com/speechcue/speechcue/blob/main/docs/runbooks.md"
INSTALL_HINT = ("promtool is not installed: run `./dev test` (it installs Debian's `prometheus` package, which "
                "carries promtool) or `sudo apt-get install prometheus`")

Rule = dict[str, Any]


def job(service: str) -> str:
    return f"{RELEASE}-{service}"


def series(metric: str, values: str, service: str = "wallet", pod: int = 0, **labels: str) -> dict[str, str]:
    everything = {"namespace": NAMESPACE, "job": job(service), "pod": f"{job(service)}-{pod}", **labels}
    selector = ", ".join(f'{key}="{value}"' for key, value in everything.items())
    return {"series": f"{metric}{{{selector}}}", "values": values}


def fresh_ticks(minutes: int, stale: str = "", missing: str = "") -> list[dict[str, str]]:
    """Each tick's last-success timestamp, equal to the evaluation time (fresh) unless named stale
    (stuck at 0) or missing (never reported)."""
    return [series("speechcue_tick_last_success_timestamp_seconds",
                   f"0x{minutes}" if tick.name == stale else f"0+60x{minutes}", tick.service, tick=tick.name)
            for tick in TICKS if tick.name != missing]


@dataclass
class Case:
    alert: str
    input: list[dict[str, str]]
    at: str
    fires: list[dict[str, str]] = field(default_factory=list)
    # Picks the rule whose annotations are expected when several rules share the alert's name.
    rule: Callable[[Rule], bool] = lambda rule: True


GRPC = {"grpc_type": "unary", "grpc_service": "speechcue.wallet.v1.Wallet", "grpc_method": "Debit"}
HTTP = {"method": "POST", "route": "/webhooks/retell"}
HISTOGRAM_GRPC = "grpc_server_handling_seconds_bucket"
HISTOGRAM_HTTP = "speechcue_http_request_duration_seconds_bucket"


def histogram(metric: str, service: str, counts: dict[str, str], **labels: str) -> list[dict[str, str]]:
    return [series(metric, values, service, le=le, **labels) for le, values in counts.items()]


CASES: list[Case] = [
    Case("SpeechcueServiceDown", [series("up", "0x20"), series("up", "1x20", "calls")], "10m",
         [{"job": job("wallet")}]),
    Case("SpeechcueServiceDown", [series("up", "0x20", pod=0), series("up", "1x20", pod=1)], "10m"),
    Case("SpeechcueReplicaDown", [series("up", "0x20", pod=0), series("up", "1x20", pod=1)], "15m",
         [{"namespace": NAMESPACE, "job": job("wallet"), "pod": f"{job('wallet')}-0"}]),
    Case("SpeechcueReplicaDown", [series("up", "0x5 1x15", pod=0), series("up", "1x20", pod=1)], "15m"),
    Case("SpeechcueNotReady", [series("speechcue_ready", "0x20", "bot")], "15m",
         [{"namespace": NAMESPACE, "job": job("bot"), "pod": f"{job('bot')}-0"}]),
    Case("SpeechcueNotReady", [series("speechcue_ready", "0x5 1x15", "bot")], "15m"),
    Case("SpeechcueHighGrpcErrorRate",
         [series("grpc_server_handled_total", "0+100x20", grpc_code="OK", **GRPC),
          series("grpc_server_handled_total", "0+10x20", grpc_code="INTERNAL", **GRPC)], "20m",
         [{"job": job("wallet")}]),
    # Domain refusals (FAILED_PRECONDITION, NOT_FOUND, ...) are answers, not errors.
    Case("SpeechcueHighGrpcErrorRate",
         [series("grpc_server_handled_total", "0+100x20", grpc_code="OK", **GRPC),
          series("grpc_server_handled_total", "0+50x20", grpc_code="FAILED_PRECONDITION", **GRPC),
          series("grpc_server_handled_total", "0+1x20", grpc_code="UNAVAILABLE", **GRPC)], "20m"),
    Case("SpeechcueHighHttpErrorRate",
         [series("speechcue_http_requests_total", "0+100x20", "calls", code="200", **HTTP),
          series("speechcue_http_requests_total", "0+10x20", "calls", code="503", **HTTP)], "20m",
         [{"job": job("calls")}]),
    Case("SpeechcueHighHttpErrorRate",
         [series("speechcue_http_requests_total", "0+100x20", "calls", code="200", **HTTP),
          series("speechcue_http_requests_total", "0+50x20", "calls", code="401", **HTTP),
          series("speechcue_http_requests_total", "0+1x20", "calls", code="500", **HTTP)], "20m"),
    Case("SpeechcueGrpcLatencyHigh",
         histogram(HISTOGRAM_GRPC, "wallet", {"0.5": "0x20", "1": "0x20", "2.5": "0+10x20", "+Inf": "0+10x20"},
                   **GRPC), "20m", [{"job": job("wallet")}]),
    Case("SpeechcueGrpcLatencyHigh",
         histogram(HISTOGRAM_GRPC, "wallet",
                   {"0.5": "0+10x20", "1": "0+10x20", "2.5": "0+10x20", "+Inf": "0+10x20"}, **GRPC), "20m"),
    Case("SpeechcueHttpLatencyHigh",
         histogram(HISTOGRAM_HTTP, "payments", {"1": "0x20", "2.5": "0x20", "5": "0+10x20", "+Inf": "0+10x20"},
                   **HTTP), "20m", [{"job": job("payments")}]),
    Case("SpeechcueHttpLatencyHigh",
         histogram(HISTOGRAM_HTTP, "payments", {"1": "0+10x20", "2.5": "0+10x20", "5": "0+10x20",
                                                "+Inf": "0+10x20"}, **HTTP), "20m"),
    Case("SpeechcueWebhookSignatureFailures",
         [series("speechcue_retell_webhooks_total", "0+1x20", "calls", outcome="bad_signature"),
          series("speechcue_dynopay_webhooks_total", "0+1x20", "payments", outcome="bad_signature"),
          series("speechcue_bot_updates_total", "0+1x20", "bot", outcome="bad_secret")], "15m",
         [{"job": job("bot")}, {"job": job("calls")}, {"job": job("payments")}]),
    Case("SpeechcueWebhookSignatureFailures",
         [series("speechcue_retell_webhooks_total", "0+50x20", "calls", outcome="accepted"),
          series("speechcue_retell_webhooks_total", "0x20", "calls", outcome="bad_signature"),
          series("speechcue_dynopay_webhooks_total", "0+30x20", "payments", outcome="malformed"),
          series("speechcue_bot_updates_total", "0+50x20", "bot", outcome="handled"),
          series("speechcue_bot_updates_total", "0x10 1x10", "bot", outcome="bad_secret")], "15m"),
    Case("SpeechcueOutboxStuck", [series("speechcue_outbox_oldest_age_seconds", "600x20", "calls", stream="calls")],
         "15m", [{"job": job("calls"), "stream": "calls"}]),
    Case("SpeechcueOutboxStuck", [series("speechcue_outbox_oldest_age_seconds", "2x20", "calls", stream="calls")],
         "15m"),
    Case("SpeechcueEventsDeadLettered",
         [series("speechcue_events_dead_lettered_total", "0x5 1x15", "bot", consumer="bot-notifications")], "10m",
         [{"job": job("bot"), "consumer": "bot-notifications"}]),
    Case("SpeechcueEventsDeadLettered",
         [series("speechcue_events_dead_lettered_total", "0x20", "bot", consumer="bot-notifications")], "10m"),
    Case("SpeechcueCallLinesFull", [series("speechcue_calls_waiting_for_line", "0x5 2x20", "calls")], "20m", [{}]),
    Case("SpeechcueCallLinesFull", [series("speechcue_calls_waiting_for_line", "0x5 2x5 0x20", "calls")], "20m"),
    Case("SpeechcueCallLinesFull",
         [series("speechcue_calls_waiting_for_line", "0x40", "calls"),
          series("speechcue_calls_refused_total", "0x10 1x30", "calls", reason="LINES_STAYED_BUSY")], "25m", [{}]),
    Case("SpeechcueLedgerInvariantsBroken",
         [series("speechcue_wallet_ledger_invariants_ok", "0x20", pod=0),
          series("speechcue_wallet_ledger_check_timestamp_seconds", "100x20", pod=0),
          series("speechcue_wallet_ledger_invariants_ok", "0x20", pod=1),
          series("speechcue_wallet_ledger_check_timestamp_seconds", "0x20", pod=1)], "10m",
         [{"namespace": NAMESPACE, "job": job("wallet"), "pod": f"{job('wallet')}-0"}]),
    # A replica that never ran CheckLedger exports 0; an older failed check superseded by a passing one.
    Case("SpeechcueLedgerInvariantsBroken",
         [series("speechcue_wallet_ledger_invariants_ok", "1x20", pod=0),
          series("speechcue_wallet_ledger_check_timestamp_seconds", "200x20", pod=0),
          series("speechcue_wallet_ledger_invariants_ok", "0x20", pod=1),
          series("speechcue_wallet_ledger_check_timestamp_seconds", "100x20", pod=1),
          series("speechcue_wallet_ledger_invariants_ok", "0x20", pod=2),
          series("speechcue_wallet_ledger_check_timestamp_seconds", "0x20", pod=2)], "10m"),
    Case("SpeechcuePaymentsStuck",
         [series("speechcue_outbox_oldest_age_seconds", "1200x20", "payments", stream="payments")], "15m",
         [{"job": job("payments")}]),
    Case("SpeechcuePaymentsStuck",
         [series("speechcue_tick_runs_total", "0+1x40", "payments", tick="payments", outcome="failed"),
          series("speechcue_tick_runs_total", "0x40", "payments", tick="payments", outcome="ran")], "35m",
         [{"job": job("payments")}]),
    Case("SpeechcuePaymentsStuck",
         [series("speechcue_outbox_oldest_age_seconds", "10x40", "payments", stream="payments"),
          series("speechcue_events_dead_lettered_total", "0x40", "payments", consumer="payments-credits"),
          series("speechcue_tick_runs_total", "0+1x40", "payments", tick="payments", outcome="failed"),
          series("speechcue_tick_runs_total", "0+1x40", "payments", tick="payments", outcome="ran")], "35m"),
    Case("SpeechcueTickFailing",
         [series("speechcue_tick_runs_total", "0+1x40", "calls", tick="campaigns", outcome="failed")], "30m",
         [{"tick": "campaigns"}]),
    Case("SpeechcueTickFailing",
         [series("speechcue_tick_runs_total", "0x20 1x20", "calls", tick="campaigns", outcome="failed"),
          series("speechcue_tick_runs_total", "0+1x40", "calls", tick="campaigns", outcome="ran")], "30m"),
    Case("SpeechcueTickNotSucceeding", fresh_ticks(40, stale="billing"), "30m", [{"tick": "billing"}],
         rule=lambda rule: "time()" in rule["expr"] and 'tick="billing"' in rule["expr"]),
    Case("SpeechcueTickNotSucceeding", fresh_ticks(200, missing="subscriptions"), "130m",
         [{"namespace": NAMESPACE, "tick": "subscriptions"}],
         rule=lambda rule: "absent(" in rule["expr"] and 'tick="subscriptions"' in rule["expr"]),
    Case("SpeechcueTickNotSucceeding", fresh_ticks(200), "130m"),
    # The calls replica that last ran the retention tick caught up over 6 hours ago; the others never ran it.
    Case("SpeechcueRetentionBehind",
         [series("speechcue_retention_last_success_timestamp_seconds", "0x380", "calls", pod=0),
          series("speechcue_retention_last_success_timestamp_seconds", "60x380", "calls", pod=1)], "370m",
         [{"namespace": NAMESPACE}]),
    # Caught up within the last minute on one replica; a replica started since has not run it yet (0).
    Case("SpeechcueRetentionBehind",
         [series("speechcue_retention_last_success_timestamp_seconds", "0x380", "calls", pod=0),
          series("speechcue_retention_last_success_timestamp_seconds", "0+60x380", "calls", pod=1)], "370m"),
]


@pytest.fixture(scope="module")
def promtool() -> str:
    found = shutil.which("promtool")
    if found is None:
        pytest.fail(INSTALL_HINT)
    return found


@pytest.fixture(scope="module")
def rule_spec() -> dict[str, Any]:
    with helm.Chart.load(CHART) as chart:
        [rule] = of_kind(render(chart, value_set("production")), "PrometheusRule")
    return rule["spec"]


@pytest.fixture(scope="module")
def rules(rule_spec: dict[str, Any]) -> list[Rule]:
    return [rule for group in rule_spec["groups"] for rule in group["rules"] if "alert" in rule]


@pytest.fixture
def rules_file(tmp_path: Path, rule_spec: dict[str, Any]) -> Path:
    path = tmp_path / "speechcue.rules.yaml"
    path.write_text(yaml.safe_dump(rule_spec, sort_keys=False))
    return path


def run(promtool: str, *args: str, cwd: Path) -> None:
    done = subprocess.run([promtool, *args], cwd=cwd, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, f"promtool {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}"


def annotations(rule: Rule, labels: dict[str, str]) -> dict[str, str]:
    """The annotations as Prometheus renders them: ours only ever interpolate `$labels.<name>`."""
    def fill(text: str) -> str:
        assert "$value" not in text, "the expected annotations here assume only $labels are interpolated"
        return re.sub(r"\{\{ \$labels\.(\w+) \}\}", lambda match: labels[match.group(1)], text)
    return {key: fill(text) for key, text in rule["annotations"].items()}


def unit_tests(rules: list[Rule], rules_file: Path) -> dict[str, Any]:
    groups = []
    for case in CASES:
        candidates = [r for r in rules if r["alert"] == case.alert and case.rule(r)]
        assert candidates, f"no rule for {case.alert}"
        rule = candidates[0]
        expected = []
        for labels in case.fires:
            expected.append({"exp_labels": {**labels, **rule["labels"]},
                             "exp_annotations": annotations(rule, labels)})
        groups.append({"interval": "1m", "input_series": case.input,
                       "alert_rule_test": [{"eval_time": case.at, "alertname": case.alert, "exp_alerts": expected}]})
    return {"rule_files": [rules_file.name], "evaluation_interval": "1m", "tests": groups}


def test_promtool_is_installed() -> None:
    assert shutil.which("promtool"), INSTALL_HINT


def test_the_rules_pass_promtool_check(promtool: str, rules_file: Path) -> None:
    run(promtool, "check", "rules", rules_file.name, cwd=rules_file.parent)


def test_every_alert_fires_on_its_symptom_and_stays_quiet_otherwise(
        promtool: str, rules: list[Rule], rules_file: Path) -> None:
    names = {rule["alert"] for rule in rules}
    assert {case.alert for case in CASES if case.fires} == names, "every alert needs a case where it fires"
    assert {case.alert for case in CASES if not case.fires} == names, "every alert needs a case where it is quiet"
    tests = rules_file.parent / "speechcue.tests.yaml"
    tests.write_text(yaml.safe_dump(unit_tests(rules, rules_file), sort_keys=False))
    run(promtool, "test", "rules", tests.name, cwd=rules_file.parent)


def test_a_tick_alerts_after_twice_its_interval(rules: list[Rule]) -> None:
    for tick in TICKS:
        assert len(tick.cron.hours) == 24 and len(tick.cron.days) == 31, tick.name
        interval = 3600 // len(tick.cron.minutes)
        [late] = [r for r in rules if r["alert"] == "SpeechcueTickNotSucceeding"
                  and f'tick="{tick.name}"' in r["expr"] and "time()" in r["expr"]]
        assert late["expr"].endswith(f"> {2 * interval}"), (tick.name, late["expr"])
        [absent] = [r for r in rules if r["alert"] == "SpeechcueTickNotSucceeding"
                    and f'tick="{tick.name}"' in r["expr"] and "absent(" in r["expr"]]
        assert absent["for"] == f"{2 * interval}s", tick.name
    assert {"billing": 300, "subscriptions": 3600, "campaigns": 60, "recovery": 60, "payments": 300,
            "notifications": 600, "ledger": 3600, "retention": 3600} == {
        tick.name: 3600 // len(tick.cron.minutes) for tick in TICKS}


def test_every_alert_links_to_its_runbook_section_and_the_operator_table(rules: list[Rule]) -> None:
    runbooks, readme = RUNBOOKS.read_text(), README.read_text()
    anchors = {re.sub(r"[^a-z0-9 -]", "", line.lstrip("#").strip().lower()).replace(" ", "-")
               for line in runbooks.splitlines() if line.startswith("## ")}
    for rule in rules:
        url = rule["annotations"]["runbook_url"]
        assert url.startswith(f"{RUNBOOK_BASE}#"), url
        assert url.split("#", 1)[1] == rule["alert"].lower(), url
        assert rule["alert"].lower() in anchors, f"docs/runbooks.md has no section for {rule['alert']}"
        assert f"`{rule['alert']}`" in readme, f"the chart README's alert table misses {rule['alert']}"


def test_every_metric_the_alerts_use_is_exported_by_the_code(rules: list[Rule]) -> None:
    code = "\n".join(path.read_text() for path in (ROOT / "services").glob("*/metrics.py"))
    for rule in rules:
        for metric in re.findall(r"\b([a-z_]+)\{", rule["expr"]):
            base = re.sub(r"_bucket$", "", metric)
            assert metric == "up" or f'"{base}"' in code, f"{rule['alert']} uses {metric}, which no service exports"

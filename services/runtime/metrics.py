"""Metrics that every service exports, defined once. Service-specific metrics live in the
service's own `metrics.py`. No customer, call, chat or phone number is ever a label.

gRPC metrics use go-grpc-prometheus names, so standard dashboards and alerts apply unchanged.
"""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

grpc_server_started_total = Counter(
    "grpc_server_started_total",
    "Total number of RPCs started on the server.",
    ["grpc_type", "grpc_service", "grpc_method"],
)
grpc_server_handled_total = Counter(
    "grpc_server_handled_total",
    "Total number of RPCs completed on the server, regardless of success or failure.",
    ["grpc_type", "grpc_service", "grpc_method", "grpc_code"],
)
grpc_server_msg_received_total = Counter(
    "grpc_server_msg_received_total",
    "Total number of RPC stream messages received on the server.",
    ["grpc_type", "grpc_service", "grpc_method"],
)
grpc_server_msg_sent_total = Counter(
    "grpc_server_msg_sent_total",
    "Total number of gRPC stream messages sent by the server.",
    ["grpc_type", "grpc_service", "grpc_method"],
)
grpc_server_handling_seconds = Histogram(
    "grpc_server_handling_seconds",
    "Histogram of response latency (seconds) of gRPC that had been application-level handled by the server.",
    ["grpc_type", "grpc_service", "grpc_method"],
    buckets=LATENCY_BUCKETS,
)
domain_refusals_total = Counter(
    "speechcue_domain_refusals_total",
    "Requests refused for a domain reason (insufficient funds, not found, ...).",
    ["grpc_service", "grpc_method", "reason"],
)

http_requests_total = Counter(
    "speechcue_http_requests_total",
    "HTTP requests served, by route template and status code.",
    ["method", "route", "code"],
)
http_request_duration_seconds = Histogram(
    "speechcue_http_request_duration_seconds",
    "HTTP request latency by route template.",
    ["method", "route"],
    buckets=LATENCY_BUCKETS,
)

outbox_published_total = Counter(
    "speechcue_outbox_published_total", "Events published from the outbox to NATS.", ["stream"]
)
outbox_publish_failures_total = Counter(
    "speechcue_outbox_publish_failures_total", "Failed attempts to publish outbox events.", ["stream"]
)
outbox_pending = Gauge("speechcue_outbox_pending", "Events waiting in the outbox.", ["stream"])
outbox_oldest_age_seconds = Gauge(
    "speechcue_outbox_oldest_age_seconds", "Age of the oldest event waiting in the outbox.", ["stream"]
)

events_consumed_total = Counter(
    "speechcue_events_consumed_total",
    "Events handled by a consumer, by outcome (handled, duplicate, retried, dead_lettered).",
    ["consumer", "outcome"],
)
events_dead_lettered_total = Counter(
    "speechcue_events_dead_lettered_total", "Events given up on after the last redelivery.", ["consumer"]
)

readiness = Gauge("speechcue_ready", "1 when the service's database and NATS are reachable.")
dependency_up = Gauge("speechcue_dependency_up", "1 when a dependency answers.", ["dependency"])

tick_runs_total = Counter(
    "speechcue_tick_runs_total", "Tick runs by name and outcome (ran, replayed, failed).", ["tick", "outcome"]
)
tick_last_success_timestamp_seconds = Gauge(
    "speechcue_tick_last_success_timestamp_seconds", "When a tick last succeeded.", ["tick"]
)

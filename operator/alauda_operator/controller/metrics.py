"""Prometheus metrics of the operator, served on ``--metrics-port``."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram, start_http_server

RECONCILES = Counter(
    "alauda_operator_reconciles",
    "Reconciles of AlaudaServices, by result (changed: something was written; "
    "unchanged: nothing was; error: it failed and will be retried).",
    ["result"],
)
RECONCILE_ERRORS = Counter(
    "alauda_operator_reconcile_errors",
    "Failed reconciles, by the kind of failure.",
    ["reason"],
)
RECONCILE_DURATION = Histogram(
    "alauda_operator_reconcile_duration_seconds",
    "Time of one reconcile, API calls included.",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
)
API_WRITES = Counter(
    "alauda_operator_api_writes",
    "Writes the operator made to the API server, by verb and kind.",
    ["verb", "kind"],
)
QUEUE_DEPTH = Gauge(
    "alauda_operator_queue_depth", "Services waiting to be reconciled or being reconciled."
)
LEADER = Gauge("alauda_operator_leader", "1 while this replica is the active one.")


def serve(port: int, address: str = "0.0.0.0") -> None:
    """Serves /metrics from a daemon thread (prometheus_client's own server)."""
    start_http_server(port, addr=address)

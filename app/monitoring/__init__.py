"""Operating the application: Prometheus metrics, structured logs, request ids, readiness."""

"""Developer tooling: code generation, embedded PostgreSQL and NATS, and the local platform runner.

Nothing here is imported by a service in production; the services live in `services/`.
"""

"""Alembic environment of the payments database; the shared body lives in services.runtime."""

from services.runtime.migrations import run_environment

run_environment()

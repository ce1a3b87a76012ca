"""Alembic environment of the bot database; the shared body lives in services.runtime."""

from services.runtime.migrations import run_environment

run_environment()

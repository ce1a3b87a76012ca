"""One rule says whether an error means PostgreSQL cannot serve now (retry the work) or that the work
itself failed (report it): the gRPC interceptor answers UNAVAILABLE by it, the bot leaves an update for
Telegram to send again by it rather than telling the person that something went wrong."""

from __future__ import annotations

import asyncpg
import pytest
from sqlalchemy.exc import DBAPIError, IntegrityError, InterfaceError, OperationalError, ProgrammingError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

from services.runtime.database import is_database_unavailable


class DriverError(Exception):
    """The shape SQLAlchemy's asyncpg adapter gives the driver's error: a `sqlstate`, and the asyncpg
    exception as its cause."""

    def __init__(self, cause: BaseException | None, sqlstate: str | None = None) -> None:
        super().__init__(str(cause))
        self.sqlstate = self.pgcode = sqlstate
        self.__cause__ = cause


def wrapped(cause: BaseException | None, sqlstate: str | None = None, *, invalidated: bool = False,
            kind: type[DBAPIError] = DBAPIError) -> DBAPIError:
    return kind("SELECT 1", {}, DriverError(cause, sqlstate), connection_invalidated=invalidated)


def postgres_error(kind: type[asyncpg.PostgresError]) -> asyncpg.PostgresError:
    return kind("the server said so")


@pytest.mark.parametrize("error", [
    ConnectionRefusedError(111, "Connect call failed"),
    ConnectionResetError(),
    OSError(113, "No route to host"),
    PoolTimeoutError("QueuePool limit reached"),
    wrapped(None, invalidated=True),
    wrapped(postgres_error(asyncpg.exceptions.AdminShutdownError), "57P01"),
    wrapped(postgres_error(asyncpg.exceptions.CrashShutdownError), "57P02"),
    wrapped(postgres_error(asyncpg.exceptions.CannotConnectNowError), "57P03"),
    wrapped(postgres_error(asyncpg.exceptions.ConnectionFailureError), "08006"),
    wrapped(asyncpg.exceptions.ConnectionDoesNotExistError("connection was closed in the middle of operation")),
    wrapped(asyncpg.exceptions.InterfaceError("connection is closed")),
    wrapped(ConnectionResetError()),
    wrapped(None, kind=OperationalError),
    wrapped(None, kind=InterfaceError),
], ids=lambda error: type(error).__name__ + ":" + str(getattr(getattr(error, "orig", None), "sqlstate", "")))
def test_a_server_that_cannot_serve_now_is_unavailable(error: BaseException) -> None:
    assert is_database_unavailable(error)


@pytest.mark.parametrize("error", [
    ValueError("a bad amount"),
    KeyError("state"),
    RuntimeError("a bug"),
    wrapped(postgres_error(asyncpg.exceptions.UniqueViolationError), "23505", kind=IntegrityError),
    wrapped(postgres_error(asyncpg.exceptions.UndefinedColumnError), "42703", kind=ProgrammingError),
    wrapped(postgres_error(asyncpg.exceptions.SerializationError), "40001"),
    wrapped(postgres_error(asyncpg.exceptions.DeadlockDetectedError), "40P01"),
    wrapped(postgres_error(asyncpg.exceptions.QueryCanceledError), "57014"),
    wrapped(postgres_error(asyncpg.exceptions.DataError), "22000"),
    wrapped(None),
], ids=lambda error: type(error).__name__ + ":" + str(getattr(getattr(error, "orig", None), "sqlstate", "")))
def test_a_fault_of_the_work_itself_is_not_unavailable(error: BaseException) -> None:
    assert not is_database_unavailable(error)

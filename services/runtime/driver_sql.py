"""Statements sent to the database driver as written, skipping SQLAlchemy's compilation: for the
few hot statements that run on every money movement, compiling (even from cache) cost more client
CPU than the database spent executing them (bench/README.md). Elsewhere, use Core.

SQL is written with `:name` placeholders for readability and numbered once, at import time, into
asyncpg's `$1, $2 …`.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import CursorResult

if TYPE_CHECKING:  # database.py sends its deferred inserts with deferred_insert
    from services.runtime.database import UnitOfWork

_PLACEHOLDER = re.compile(r"(?<![:\w]):([a-zA-Z_]\w*)")


class DriverStatement:
    def __init__(self, sql: str) -> None:
        self.names: list[str] = []

        def number(match: re.Match[str]) -> str:
            name = match.group(1)
            if name not in self.names:
                self.names.append(name)
            return f"${self.names.index(name) + 1}"

        self.sql = _PLACEHOLDER.sub(number, sql)

    async def execute(self, uow: UnitOfWork, **params: Any) -> CursorResult[Any]:
        missing = set(self.names) - set(params)
        if missing:
            raise KeyError(f"missing parameters: {sorted(missing)}")
        return await uow.connection.exec_driver_sql(self.sql, tuple(params[name] for name in self.names))


@lru_cache(maxsize=64)
def unnest_insert(table: Table, columns: tuple[str, ...], first_parameter: int = 1) -> str:
    """`INSERT INTO table (columns) SELECT * FROM unnest($n::type[], …)`, one array per column (of the
    column's own type) numbered from `first_parameter`: the text is the same whatever the row count
    (one prepared statement), and PostgreSQL runs one INSERT where executemany runs one per row.
    Python-side column defaults are not applied, so leaving out a column that has one is refused."""
    unset = [column.name for column in table.columns if column.default is not None and column.name not in columns]
    if unset:
        raise ValueError(f"{table.name}: {', '.join(unset)} have Python-side defaults; pass them")
    dialect = postgresql.dialect()
    arrays = ", ".join(f"${number}::{table.c[name].type.compile(dialect=dialect)}[]"
                       for number, name in enumerate(columns, start=first_parameter))
    return f"INSERT INTO {table.name} ({', '.join(columns)}) SELECT * FROM unnest({arrays})"


def deferred_insert(table: Table, rows: list[dict[str, Any]], first_parameter: int = 1) -> tuple[str, list[list[Any]]]:
    """The statement and its arrays that insert `rows` (dicts naming the same columns) into `table`
    (UnitOfWork.defer_insert's rows, sent at commit or with the idempotent answers' tail)."""
    columns = tuple(rows[0])
    if any(row.keys() != rows[0].keys() for row in rows):
        raise ValueError(f"deferred inserts into {table.name} name different columns")
    return unnest_insert(table, columns, first_parameter), [[row[name] for row in rows] for name in columns]

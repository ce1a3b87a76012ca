"""Statements sent to the database driver as written, skipping SQLAlchemy's compilation: for the
few hot statements that run on every money movement, compiling (even from cache) cost more client
CPU than the database spent executing them (bench/README.md). Elsewhere, use Core.

SQL is written with `:name` placeholders for readability and numbered once, at import time, into
asyncpg's `$1, $2 …`.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from sqlalchemy.engine import CursorResult

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
def multi_row_insert(table: str, columns: tuple[str, ...], rows: int, first_parameter: int = 1) -> str:
    """`INSERT INTO table (columns) VALUES ($n, …), …` for `rows` rows, numbering from `first_parameter`."""
    width = len(columns)
    values = ", ".join(
        "(" + ", ".join(f"${first_parameter + row * width + column}" for column in range(width)) + ")"
        for row in range(rows)
    )
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES {values}"

"""Reading a store view's columns for generated SQL.

The store's views do not all have every column of their family's schema: a family never
imported is an empty view with only its key columns, and files written before a field existed
lack it. SQL generated over them (indicators, clues, the cockpit, review samples) therefore asks
which columns a view has and reads a missing one as a typed NULL, so one query shape works on
every store.
"""

from __future__ import annotations

import duckdb


def view_types(con: duckdb.DuckDBPyConnection, view: str) -> dict[str, str]:
    """The view's columns and their DuckDB types; {} when there is no such view."""
    try:
        return {row[0]: row[1] for row in con.sql(f'DESCRIBE SELECT * FROM "{view}"').fetchall()}
    except duckdb.CatalogException:
        return {}


def view_columns(con: duckdb.DuckDBPyConnection, view: str) -> set[str]:
    return set(view_types(con, view))


class ViewColumns:
    """One view's columns, typed; a column the view lacks reads as a typed NULL."""

    def __init__(self, con: duckdb.DuckDBPyConnection, view: str):
        self.view = view
        self.types = view_types(con, view)

    def has(self, name: str) -> bool:
        return name in self.types

    def raw(self, name: str, kind: str = "VARCHAR") -> str:
        """The column as stored (an expression, no alias), or NULL of `kind` when missing."""
        return f'"{name}"' if name in self.types else f"NULL::{kind}"

    def col(self, name: str, kind: str = "VARCHAR", alias: str | None = None) -> str:
        """`… AS alias` of the column as `kind`: cast only when the stored type differs (a cast
        copies the column), NULL of `kind` when missing."""
        if name not in self.types:
            expr = f"NULL::{kind}"
        elif self.types[name] == kind:
            expr = f'"{name}"'
        else:
            expr = f'TRY_CAST("{name}" AS {kind})'
        return f"{expr} AS {alias or name}"

    def day(self, name: str, alias: str | None = None) -> str:
        """A date, or the China-time date of an instant (the store's sessions run in China time)."""
        return self.col(name, "DATE", alias)

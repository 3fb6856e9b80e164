"""The embedded DuckDB store: one file, named migrations, idempotent writes.

DuckDB 2.0 note: always drain a result (`fetchall`) before the next statement on the same
connection; an unfinished result makes the next call raise `ResourceInUseException`.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from corpus import migrations
from corpus.errors import StoreError
from corpus.records import Paper

DEFAULT_DB = "greenlens.duckdb"

PAPER_COLUMNS = ("id", "source", "venue", "year", "title", "authors", "abstract", "url",
                 "pdf_url", "pdf_sha256", "pages", "fetched_at", "status", "error")
def _paper_arrow_schema():
    import pyarrow as pa

    text = pa.string()
    return pa.schema([("id", text), ("source", text), ("venue", text), ("year", pa.int32()),
                      ("title", text), ("authors", pa.list_(text)), ("abstract", text),
                      ("url", text), ("pdf_url", text), ("pdf_sha256", text),
                      ("pages", pa.int32()), ("fetched_at", pa.timestamp("us")),
                      ("status", text), ("error", text)])


# Metadata a re-crawl may refresh; PDF state is only changed by set_pdf_state.
_METADATA_COLUMNS = ("source", "venue", "year", "title", "authors", "abstract", "url",
                     "pdf_url")


def default_db_path() -> Path:
    """`$GREENLENS_DB` if set, else `greenlens.duckdb` in the working directory."""
    return Path(os.environ.get("GREENLENS_DB") or DEFAULT_DB)


def all_migrations() -> list[tuple[str, str]]:
    """Every registered migration (corpus.migrations), sorted by name."""
    import corpus.schema  # noqa: F401 - the store's own tables are always registered

    return migrations.registered()


@dataclass(frozen=True)
class UpsertCounts:
    """What an upsert did: rows inserted, rows whose metadata changed, rows left as they were."""

    new: int = 0
    updated: int = 0
    unchanged: int = 0


class Store:
    """A greenlens DuckDB file. Opening it (writable) applies pending migrations."""

    def __init__(self, path: str | Path | None = None, *, read_only: bool = False) -> None:
        self.path = Path(path) if path is not None else default_db_path()
        self.read_only = read_only
        if read_only and not self.path.exists():
            raise StoreError(f"no store at {self.path}: run `greenlens crawl` first")
        try:
            if not read_only:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            self.con = duckdb.connect(str(self.path), read_only=read_only)
        except duckdb.Error as exc:
            raise StoreError(f"cannot open store {self.path}: {exc}") from exc
        if not read_only:
            self.migrate()

    # -- plumbing ---------------------------------------------------------------------
    def close(self) -> None:
        """Close the connection (checkpointing the WAL)."""
        self.con.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def execute(self, sql: str, params: Sequence[Any] | dict | None = None) -> None:
        """Run a statement, draining any result."""
        self.con.execute(sql, params or []).fetchall()

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        """Run a statement once per parameter row (use `insert_arrow` for many rows)."""
        self.con.executemany(sql, list(rows)).fetchall()

    def fetchall(self, sql: str, params: Sequence[Any] | dict | None = None) -> list[tuple]:
        """Run a query and return all rows as tuples."""
        return self.con.execute(sql, params or []).fetchall()

    def fetch_dicts(self, sql: str, params: Sequence[Any] | dict | None = None) -> list[dict]:
        """Run a query and return all rows as dicts keyed by column name."""
        cur = self.con.execute(sql, params or [])
        rows = cur.fetchall()
        cols = [d[0] for d in cur.description]
        return [dict(zip(cols, r)) for r in rows]

    def scalar(self, sql: str, params: Sequence[Any] | dict | None = None) -> Any:
        """The first column of the first row, or None."""
        rows = self.fetchall(sql, params)
        return rows[0][0] if rows else None

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """BEGIN ... COMMIT, rolled back on any exception."""
        self.con.execute("BEGIN TRANSACTION").fetchall()
        try:
            yield
        except BaseException:
            self.con.execute("ROLLBACK").fetchall()
            raise
        self.con.execute("COMMIT").fetchall()

    @contextmanager
    def arrow_view(self, name: str, rows) -> Iterator[str]:
        """Expose the Arrow table `rows` to SQL as the view `name` for the block."""
        if not re.fullmatch(r"_[a-z0-9_]+", name):
            raise ValueError(f"a view name is _lowercase: {name!r}")
        self.con.register(name, rows)
        try:
            yield name
        finally:
            self.con.unregister(name)

    def insert_arrow(self, table: str, rows) -> int:
        """Insert the Arrow table `rows` (its columns by name) into `table`; return the count."""
        if not re.fullmatch(r"[a-z_][a-z0-9_]*", table):
            raise ValueError(f"not a table name: {table!r}")
        if rows.num_rows == 0:
            return 0
        cols = ", ".join(f'"{c}"' for c in rows.column_names)
        with self.arrow_view("_gl_insert", rows):
            self.execute(f"INSERT INTO {table} ({cols}) SELECT {cols} FROM _gl_insert")
        return rows.num_rows

    def insert_row(self, table: str, row: dict[str, Any]) -> None:
        """Insert one row given as {column: value}."""
        if not re.fullmatch(r"[a-z_][a-z0-9_]*", table) or \
                not all(re.fullmatch(r"[a-z_][a-z0-9_]*", c) for c in row):
            raise ValueError(f"not a table/column name: {table!r}, {list(row)}")
        self.execute(f"INSERT INTO {table} ({', '.join(row)}) "
                     f"VALUES ({', '.join('?' for _ in row)})", list(row.values()))

    def replace_rows(self, table: str, rows, key: str = "paper_id") -> int:
        """In one transaction, delete `table`'s rows whose `key` is in the Arrow table
        `rows` and insert `rows` (its columns by name); returns the rows inserted."""
        if rows.num_rows == 0:
            return 0
        if not re.fullmatch(r"[a-z_][a-z0-9_]*", table + key):
            raise ValueError(f"not a table/column name: {table!r}, {key!r}")
        cols = ", ".join(f'"{c}"' for c in rows.column_names)
        with self.arrow_view("_gl_rows", rows), self.transaction():
            self.execute(f'DELETE FROM {table} WHERE "{key}" IN '
                         f'(SELECT "{key}" FROM _gl_rows)')
            self.execute(f"INSERT INTO {table} ({cols}) SELECT {cols} FROM _gl_rows")
        return rows.num_rows

    # -- migrations -------------------------------------------------------------------
    def migrate(self) -> list[str]:
        """Apply migrations not yet recorded in `_migrations`; return their names."""
        self.execute("CREATE TABLE IF NOT EXISTS _migrations ("
                     "name VARCHAR PRIMARY KEY, applied_at TIMESTAMP DEFAULT now())")
        done = {r[0] for r in self.fetchall("SELECT name FROM _migrations")}
        applied = []
        for name, sql in all_migrations():
            if name in done:
                continue
            with self.transaction():
                for statement in (s.strip() for s in sql.split(";")):
                    if statement:
                        self.con.execute(statement).fetchall()
                self.con.execute("INSERT INTO _migrations (name) VALUES (?)", [name]).fetchall()
            applied.append(name)
        return applied

    @property
    def schema_version(self) -> str:
        """The name of the newest applied migration."""
        return self.scalar("SELECT max(name) FROM _migrations") or "none"

    # -- papers -----------------------------------------------------------------------
    def upsert_papers(self, papers: Iterable[Paper]) -> UpsertCounts:
        """Insert new papers, refresh changed metadata, leave identical ones untouched.

        One query reads the existing rows and one statement each inserts or updates, from
        Arrow tables (a row-at-a-time loop cost ~3 ms per paper)."""
        import pyarrow as pa

        rows = [p.to_row() for p in papers]
        if not rows:
            return UpsertCounts()
        cols = ", ".join(_METADATA_COLUMNS)
        state = {r["id"]: r for r in self.fetch_dicts(
            f"SELECT id, {cols} FROM papers WHERE id IN (SELECT unnest(?))",
            [sorted({r["id"] for r in rows})])}
        inserts: dict[str, dict] = {}
        updates: dict[str, dict] = {}
        new = updated = unchanged = 0
        for row in rows:  # in order, as the one-at-a-time loop did (a repeated id updates)
            old = state.get(row["id"])
            if old is None:
                inserts[row["id"]] = row
                new += 1
            elif any(old[c] != row[c] for c in _METADATA_COLUMNS):
                if row["id"] in inserts:  # listed twice in this call: the last one wins
                    inserts[row["id"]] = {**inserts[row["id"]],
                                          **{c: row[c] for c in _METADATA_COLUMNS}}
                else:
                    updates[row["id"]] = row
                updated += 1
            else:
                unchanged += 1
                continue
            state[row["id"]] = {c: row[c] for c in ("id", *_METADATA_COLUMNS)}
        schema = _paper_arrow_schema()
        with self.transaction():
            if inserts:
                table = pa.Table.from_pylist([{c: r[c] for c in PAPER_COLUMNS}
                                              for r in inserts.values()], schema=schema)
                with self.arrow_view("_gl_new_papers", table):
                    self.execute(f"INSERT INTO papers ({', '.join(PAPER_COLUMNS)}) SELECT "
                                 f"{', '.join(PAPER_COLUMNS)} FROM _gl_new_papers")
            if updates:
                table = pa.Table.from_pylist([{c: r[c] for c in ("id", *_METADATA_COLUMNS)}
                                              for r in updates.values()],
                                             schema=pa.schema(
                                                 [schema.field(c) for c in
                                                  ("id", *_METADATA_COLUMNS)]))
                sets = ", ".join(f"{c} = u.{c}" for c in _METADATA_COLUMNS)
                with self.arrow_view("_gl_upd_papers", table):
                    self.execute(f"UPDATE papers SET {sets} FROM _gl_upd_papers u "
                                 "WHERE papers.id = u.id")
        return UpsertCounts(new, updated, unchanged)

    def set_pdf_state(self, paper_id: str, *, status: str, pdf_sha256: str | None = None,
                      pages: int | None = None, error: str | None = None) -> None:
        """Record the outcome of fetching one paper's PDF."""
        self.execute(
            "UPDATE papers SET status = ?, pdf_sha256 = coalesce(?, pdf_sha256), "
            "pages = coalesce(?, pages), error = ?, fetched_at = now() WHERE id = ?",
            [status, pdf_sha256, pages, error, paper_id])

    def get_paper(self, paper_id: str) -> Paper | None:
        """One paper by id, or None."""
        rows = self.fetch_dicts("SELECT * FROM papers WHERE id = ?", [paper_id])
        return Paper.from_row(rows[0]) if rows else None

    def papers(self, where: str = "TRUE", params: Sequence[Any] = ()) -> list[Paper]:
        """Papers matching a SQL condition (bound parameters only), ordered by id."""
        return [Paper.from_row(r) for r in
                self.fetch_dicts(f"SELECT * FROM papers WHERE {where} ORDER BY id", params)]

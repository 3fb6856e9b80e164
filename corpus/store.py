"""The embedded DuckDB store: one file, named migrations, idempotent writes.

DuckDB 2.0 note: always drain a result (`fetchall`) before the next statement on the same
connection; an unfinished result makes the next call raise `ResourceInUseException`.
"""

from __future__ import annotations

import functools
import os
import re
import time
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

# (name, DuckDB type) of the papers table, in migration order; the Arrow schema derives from it
PAPER_SPEC = (
    ("id", "VARCHAR"),
    ("source", "VARCHAR"),
    ("venue", "VARCHAR"),
    ("year", "INTEGER"),
    ("title", "VARCHAR"),
    ("authors", "VARCHAR[]"),
    ("abstract", "VARCHAR"),
    ("url", "VARCHAR"),
    ("pdf_url", "VARCHAR"),
    ("pdf_sha256", "VARCHAR"),
    ("pages", "INTEGER"),
    ("fetched_at", "TIMESTAMP"),
    ("status", "VARCHAR"),
    ("error", "VARCHAR"),
)
PAPER_COLUMNS = tuple(name for name, _ in PAPER_SPEC)


def arrow_schema(columns: Sequence[tuple[str, str]]):
    """The pyarrow schema of (name, DuckDB type) columns, as the store's tables hold them."""
    import pyarrow as pa

    types = {
        "VARCHAR": pa.string(),
        "INTEGER": pa.int32(),
        "BIGINT": pa.int64(),
        "DOUBLE": pa.float64(),
        "BOOLEAN": pa.bool_(),
        "TIMESTAMP": pa.timestamp("us"),
        "VARCHAR[]": pa.list_(pa.string()),
    }
    try:
        return pa.schema([(name, types[sql]) for name, sql in columns])
    except KeyError as exc:
        raise ValueError(f"no Arrow type for DuckDB type {exc.args[0]!r}") from None


# Metadata a re-crawl may refresh; PDF state is only changed by set_pdf_state.
_METADATA_COLUMNS = ("source", "venue", "year", "title", "authors", "abstract", "url", "pdf_url")


def default_db_path() -> Path:
    """`$GREENLENS_DB` if set, else `greenlens.duckdb` in the working directory."""
    return Path(os.environ.get("GREENLENS_DB") or DEFAULT_DB)


def all_migrations() -> list[tuple[str, str]]:
    """Every registered migration (corpus.migrations), sorted by name."""
    import corpus.schema  # noqa: F401 - the store's own tables are always registered

    return migrations.registered()


def expected_columns() -> dict[str, dict[str, str]]:
    """{table: {column: type}} that the registered migrations create."""
    return _expected_columns(tuple(all_migrations()))


@functools.lru_cache(maxsize=8)
def _expected_columns(registered: tuple[tuple[str, str], ...]) -> dict[str, dict[str, str]]:
    con = duckdb.connect(":memory:")  # built once per set of migrations
    try:
        for _, sql in registered:
            for statement in (s.strip() for s in sql.split(";")):
                if statement:
                    con.execute(statement).fetchall()
        return _columns(con)
    finally:
        con.close()


def _columns(con) -> dict[str, dict[str, str]]:
    out: dict[str, dict[str, str]] = {}
    for table, column, dtype in con.execute(
        "SELECT table_name, column_name, data_type FROM information_schema.columns "
        "WHERE table_schema = 'main' AND table_catalog = current_database() "
        "ORDER BY table_name, ordinal_position"
    ).fetchall():
        out.setdefault(table, {})[column] = dtype
    return out


def _lock_holder(exc: Exception) -> str | None:
    """'PID 123' from DuckDB's "Conflicting lock is held in ... (PID 123)", if it is a lock
    error; else None."""
    text = str(exc)
    if "lock" not in text.lower() or not ("Conflicting" in text or "Could not set" in text):
        return None
    m = re.search(r"\(PID (\d+)\)", text)
    return f"PID {m[1]}" if m else "another process"


class StoreLocked(StoreError):
    """Another process is writing the store; DuckDB lets no one else open it meanwhile."""


@dataclass(frozen=True)
class UpsertCounts:
    """What an upsert did: rows inserted, rows whose metadata changed, rows left as they were."""

    new: int = 0
    updated: int = 0
    unchanged: int = 0


class Store:
    """A greenlens DuckDB file. Opening it (writable) applies pending migrations.

    Opening refuses, with a StoreError before any work is done: a store another process is
    writing (after retrying for `wait_s` seconds: StoreLocked), a store whose tables differ
    from what the registered migrations create (a changed or missing column), and, with
    `refuse_newer` (the CLI sets it once every package is registered), writing a store
    with migrations this greenlens does not know (a newer greenlens made it). Reading such
    a store is allowed; `unknown_migrations` names what is not known.
    """

    def __init__(
        self,
        path: str | Path | None = None,
        *,
        read_only: bool = False,
        wait_s: float = 0.0,
        refuse_newer: bool = False,
    ) -> None:
        self.path = Path(path) if path is not None else default_db_path()
        self.read_only = read_only
        if read_only and not self.path.exists():
            raise StoreError(f"no store at {self.path}: run `greenlens crawl` first")
        if self.path.is_dir():
            raise StoreError(f"cannot open store {self.path}: it is a directory")
        if not read_only:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise StoreError(
                    f"cannot create the folder of store {self.path}: {exc.strerror or exc}"
                ) from exc
        self.con = self._connect(wait_s)
        try:
            self.unknown_migrations = self._check_version(refuse_newer)
            if not read_only:
                self.migrate()
                self._check_columns()
        except BaseException:
            self.con.close()
            raise

    def _connect(self, wait_s: float):
        deadline = time.monotonic() + wait_s
        delay = 0.1
        while True:
            try:
                return duckdb.connect(str(self.path), read_only=self.read_only)
            except duckdb.Error as exc:
                holder = _lock_holder(exc)
                if holder is None:
                    raise StoreError(f"cannot open store {self.path}: {exc}") from exc
                if time.monotonic() >= deadline:
                    raise StoreLocked(
                        f"the store {self.path} is being written by another process "
                        f"({holder}: a `greenlens crawl`, `ingest`, `extract` or `replicate` "
                        f"run?); DuckDB lets no one else open it until that run ends. "
                        f"Try again then."
                    ) from exc
                time.sleep(delay)
                delay = min(1.0, delay * 2)

    def _check_version(self, refuse: bool) -> list[str]:
        try:
            done = {r[0] for r in self.fetchall("SELECT name FROM _migrations")}
        except duckdb.CatalogException:
            return []  # a new store
        except duckdb.Error as exc:
            raise StoreError(f"cannot read store {self.path}: {exc}") from exc
        unknown = sorted(done - {name for name, _ in all_migrations()})
        if unknown and refuse and not self.read_only:
            raise StoreError(
                f"the store {self.path} was written by a newer greenlens (migrations this "
                f"version does not know: {', '.join(unknown)}); upgrade greenlens to write "
                f"it (reading it is allowed)"
            )
        return unknown

    def _check_columns(self) -> None:
        actual = _columns(self.con)
        problems = []
        for table, columns in expected_columns().items():
            have = actual.get(table)
            if have is None:
                problems.append(f"table {table} is missing")
                continue
            for column, dtype in columns.items():
                if column not in have:
                    problems.append(f"{table}.{column} is missing")
                elif have[column] != dtype:
                    problems.append(f"{table}.{column} is {have[column]}, expected {dtype}")
        if problems:
            raise StoreError(
                f"the store {self.path} does not have the tables this greenlens "
                f"writes ({'; '.join(problems[:5])}); it was changed by hand or "
                f"by another program: use another --db"
            )

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
        if not re.fullmatch(r"[a-z_][a-z0-9_]*", table) or not all(
            re.fullmatch(r"[a-z_][a-z0-9_]*", c) for c in row
        ):
            raise ValueError(f"not a table/column name: {table!r}, {list(row)}")
        self.execute(
            f"INSERT INTO {table} ({', '.join(row)}) VALUES ({', '.join('?' for _ in row)})",
            list(row.values()),
        )

    def replace_rows(self, table: str, rows, key: str = "paper_id") -> int:
        """In one transaction, delete `table`'s rows whose `key` is in the Arrow table
        `rows` and insert `rows` (its columns by name); returns the rows inserted."""
        if rows.num_rows == 0:
            return 0
        if not re.fullmatch(r"[a-z_][a-z0-9_]*", table + key):
            raise ValueError(f"not a table/column name: {table!r}, {key!r}")
        cols = ", ".join(f'"{c}"' for c in rows.column_names)
        with self.arrow_view("_gl_rows", rows), self.transaction():
            self.execute(f'DELETE FROM {table} WHERE "{key}" IN (SELECT "{key}" FROM _gl_rows)')
            self.execute(f"INSERT INTO {table} ({cols}) SELECT {cols} FROM _gl_rows")
        return rows.num_rows

    # -- migrations -------------------------------------------------------------------
    def migrate(self) -> list[str]:
        """Apply migrations not yet recorded in `_migrations`; return their names."""
        self.execute(
            "CREATE TABLE IF NOT EXISTS _migrations ("
            "name VARCHAR PRIMARY KEY, applied_at TIMESTAMP DEFAULT now())"
        )
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
        state = {
            r["id"]: r
            for r in self.fetch_dicts(
                f"SELECT id, {cols} FROM papers WHERE id IN (SELECT unnest(?))",
                [sorted({r["id"] for r in rows})],
            )
        }
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
                    inserts[row["id"]] = {
                        **inserts[row["id"]],
                        **{c: row[c] for c in _METADATA_COLUMNS},
                    }
                else:
                    updates[row["id"]] = row
                updated += 1
            else:
                unchanged += 1
                continue
            state[row["id"]] = {c: row[c] for c in ("id", *_METADATA_COLUMNS)}
        schema = arrow_schema(PAPER_SPEC)
        with self.transaction():
            if inserts:
                table = pa.Table.from_pylist(
                    [{c: r[c] for c in PAPER_COLUMNS} for r in inserts.values()], schema=schema
                )
                with self.arrow_view("_gl_new_papers", table):
                    self.execute(
                        f"INSERT INTO papers ({', '.join(PAPER_COLUMNS)}) SELECT "
                        f"{', '.join(PAPER_COLUMNS)} FROM _gl_new_papers"
                    )
            if updates:
                table = pa.Table.from_pylist(
                    [{c: r[c] for c in ("id", *_METADATA_COLUMNS)} for r in updates.values()],
                    schema=pa.schema([schema.field(c) for c in ("id", *_METADATA_COLUMNS)]),
                )
                sets = ", ".join(f"{c} = u.{c}" for c in _METADATA_COLUMNS)
                with self.arrow_view("_gl_upd_papers", table):
                    self.execute(
                        f"UPDATE papers SET {sets} FROM _gl_upd_papers u WHERE papers.id = u.id"
                    )
        return UpsertCounts(new, updated, unchanged)

    def replace_rejections(
        self, source: str, location: str, rows: Iterable[tuple[str, str | None, str]]
    ) -> None:
        """Replace the `rejections` of (source, location) with rows of (item, file, reason):
        what the last `ingest` of a folder or `crawl` of a query could not take, and why."""
        with self.transaction():
            self.execute(
                "DELETE FROM rejections WHERE source = ? AND location = ?", [source, location]
            )
            for item, file, reason in rows:
                self.execute(
                    "INSERT INTO rejections (source, location, item, file, reason) "
                    "VALUES (?, ?, ?, ?, ?)",
                    [source, location, item, file, reason],
                )

    def set_pdf_state(
        self,
        paper_id: str,
        *,
        status: str,
        pdf_sha256: str | None = None,
        pages: int | None = None,
        error: str | None = None,
    ) -> None:
        """Record the outcome of fetching one paper's PDF."""
        self.execute(
            "UPDATE papers SET status = ?, pdf_sha256 = coalesce(?, pdf_sha256), "
            "pages = coalesce(?, pages), error = ?, fetched_at = now() WHERE id = ?",
            [status, pdf_sha256, pages, error, paper_id],
        )

    def get_paper(self, paper_id: str) -> Paper | None:
        """One paper by id, or None."""
        rows = self.fetch_dicts("SELECT * FROM papers WHERE id = ?", [paper_id])
        return Paper.from_row(rows[0]) if rows else None

    def papers(self, where: str = "TRUE", params: Sequence[Any] = ()) -> list[Paper]:
        """Papers matching a SQL condition (bound parameters only), ordered by id."""
        return [
            Paper.from_row(r)
            for r in self.fetch_dicts(f"SELECT * FROM papers WHERE {where} ORDER BY id", params)
        ]

"""A read-only view of a store with its per-paper flags pre-aggregated in memory.

The app opens the store through this once per process: the store file is ATTACHed
read-only to an in-memory DuckDB, and two queries are materialised there: FLAGS (one row
per paper with a successful extraction of the current version) and SEARCH_BASE (titles
and authors lower-cased once), so each page's share and search queries scan one narrow
row per paper instead of joining findings or lower-casing every title.
The store's tables are copied into the in-memory database and the file is detached again
at once, so the app holds no lock on it: `greenlens extract` or `crawl` can write the store
while the app is open (the app keeps showing the copy it took; restart or clear its cache
to see new rows). While another process is writing, DuckDB lets no one else open the file;
opening then retries for a few seconds and ends in a StoreError saying so.
"""

from __future__ import annotations

import time
from pathlib import Path

import duckdb

from analysis import queries as Q
from analysis.db import CursorReader, current_version, has_findings
from corpus.errors import StoreError

FLAGS_TABLE = "memory.main.paper_flags"
SEARCH_TABLE = "memory.main.paper_search"
LOCK_WAIT_S = 5.0  # how long to retry while a writer holds the store


def _is_lock_error(exc: Exception) -> bool:
    text = str(exc).lower()
    return "lock" in text and ("conflicting" in text or "could not set" in text)


class SnapshotReader(CursorReader):
    """Queries run against the attached store (`USE store` on every cursor)."""

    flags_relation: str | None = None
    flags_version: str | None = None
    search_relation: str | None = None

    def __init__(self, con) -> None:
        super().__init__(con)
        self.memo: dict = {}  # tables and current version: the store cannot change

    def fetch_dicts(self, sql, params=None) -> list[dict]:
        """Run a query on a fresh cursor pointed at the attached store."""
        cur = self.con.cursor()
        try:
            cur.execute("USE store").fetchall()
            rows = cur.execute(sql, params or []).fetchall()
            cols = [d[0] for d in cur.description]
        finally:
            cur.close()
        return [dict(zip(cols, r)) for r in rows]

    def close(self) -> None:
        """Close the in-memory database and detach the store."""
        self.con.close()


def _copy_in(con, literal: str, path: Path, wait_s: float) -> None:
    """Copy the store's tables into the in-memory database `store`, retrying while a
    writer holds the file; StoreError if it cannot be read."""
    deadline = time.monotonic() + wait_s
    delay = 0.1
    while True:
        try:
            con.execute(f"ATTACH '{literal}' AS src (READ_ONLY)").fetchall()
            break
        except duckdb.Error as exc:
            if not _is_lock_error(exc):
                raise StoreError(f"cannot open store {path}: {exc}") from exc
            if time.monotonic() >= deadline:
                raise StoreError(
                    f"the store {path} is being written by another process (a "
                    f"`greenlens crawl`, `extract` or `replicate` run); DuckDB lets no one "
                    f"read it until that run ends. Try again then."
                ) from exc
            time.sleep(delay)
            delay = min(1.0, delay * 2)
    try:
        con.execute("ATTACH ':memory:' AS store").fetchall()
        names = [
            r[0]
            for r in con.execute(
                "SELECT table_name FROM duckdb_tables() WHERE database_name = 'src' "
                "AND schema_name = 'main' ORDER BY 1"
            ).fetchall()
        ]
        for name in names:  # data only: no keys or indexes to rebuild (nothing writes here)
            ident = '"' + name.replace('"', '""') + '"'
            con.execute(
                f"CREATE TABLE store.main.{ident} AS SELECT * FROM src.main.{ident}"
            ).fetchall()
    except duckdb.Error as exc:
        raise StoreError(f"cannot read store {path}: {exc}") from exc
    finally:
        con.execute("DETACH src").fetchall()


def open_snapshot(path: str | Path, *, wait_s: float | None = None) -> SnapshotReader:
    """Copy the store at `path` into memory (holding no lock on it) and pre-aggregate its
    flags table."""
    path = Path(path)
    if not path.exists():
        raise StoreError(f"no store at {path}: run `greenlens crawl` first")
    con = duckdb.connect(":memory:")
    literal = str(path.resolve()).replace("'", "''")  # a local path from the operator
    try:
        _copy_in(con, literal, path, LOCK_WAIT_S if wait_s is None else wait_s)
    except StoreError:
        con.close()
        raise
    reader = SnapshotReader(con)
    if has_findings(reader):
        con.execute("USE store").fetchall()
        con.execute(f"CREATE TABLE {SEARCH_TABLE} AS {Q.SEARCH_BASE}").fetchall()
        reader.search_relation = SEARCH_TABLE
        version = current_version(reader)
        if version is not None:
            con.execute(f"CREATE TABLE {FLAGS_TABLE} AS {Q.FLAGS}", {"version": version}).fetchall()
            reader.flags_relation, reader.flags_version = FLAGS_TABLE, version
    return reader

"""A read-only view of a store with its per-paper flags pre-aggregated in memory.

The app opens the store through this once per process: the store file is ATTACHed
read-only to an in-memory DuckDB, and two queries are materialised there: FLAGS (one row
per paper with a successful extraction of the current version) and SEARCH_BASE (titles
and authors lower-cased once), so each page's share and search queries scan one narrow
row per paper instead of joining findings or lower-casing every title.
The store cannot change underneath: DuckDB lets no process write while one reads.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from analysis import queries as Q
from analysis.db import CursorReader, current_version, has_findings
from corpus.errors import StoreError

FLAGS_TABLE = "memory.main.paper_flags"
SEARCH_TABLE = "memory.main.paper_search"


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


def open_snapshot(path: str | Path) -> SnapshotReader:
    """Attach the store at `path` read-only and pre-aggregate its flags table."""
    path = Path(path)
    if not path.exists():
        raise StoreError(f"no store at {path}: run `greenlens crawl` first")
    con = duckdb.connect(":memory:")
    literal = str(path.resolve()).replace("'", "''")  # a local path from the operator
    try:
        con.execute(f"ATTACH '{literal}' AS store (READ_ONLY)").fetchall()
    except duckdb.Error as exc:
        con.close()
        raise StoreError(f"cannot open store {path}: {exc}") from exc
    reader = SnapshotReader(con)
    if has_findings(reader):
        con.execute("USE store").fetchall()
        con.execute(f"CREATE TABLE {SEARCH_TABLE} AS {Q.SEARCH_BASE}").fetchall()
        reader.search_relation = SEARCH_TABLE
        version = current_version(reader)
        if version is not None:
            con.execute(f"CREATE TABLE {FLAGS_TABLE} AS {Q.FLAGS}", {"version": version}
                        ).fetchall()
            reader.flags_relation, reader.flags_version = FLAGS_TABLE, version
    return reader

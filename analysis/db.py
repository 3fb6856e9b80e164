"""How the analysis talks to the store: a `fetch_dicts` reader, filters, the current version."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from analysis import queries as Q
from extractors.schema import CATEGORIES, TARGETS

MIN_YEAR, MAX_YEAR = 1900, 2100


class Reader(Protocol):
    """Anything with `fetch_dicts(sql, params)`: corpus.store.Store, or app.data's reader."""

    def fetch_dicts(self, sql: str, params: Sequence[Any] | dict | None = None) -> list[dict]:
        """Run a query with bound parameters and return rows as dicts."""
        ...


class CursorReader:
    """Read-only queries on a DuckDB connection, each on its own cursor (thread-safe, as
    the app needs: Streamlit runs sessions in threads)."""

    def __init__(self, con) -> None:
        self.con = con

    def fetch_dicts(self, sql: str, params: Sequence[Any] | dict | None = None) -> list[dict]:
        """Run a query with bound parameters; rows as dicts."""
        cur = self.con.cursor()
        try:
            rows = cur.execute(sql, params or []).fetchall()
            cols = [d[0] for d in cur.description]
        finally:
            cur.close()
        return [dict(zip(cols, r)) for r in rows]


@dataclass(frozen=True)
class Filters:
    """Which papers count: venues (empty = all), an inclusive year range, categories, and
    the extractor version (None = the current one, see `current_version`)."""

    venues: tuple[str, ...] = ()
    year_from: int | None = None
    year_to: int | None = None
    categories: tuple[str, ...] = CATEGORIES
    version: str | None = None
    pool_venues: bool = False  # one row per year over all selected venues
    years: tuple[int, ...] = ()  # only these years of the range (empty = all of it)

    def params(self, version: str | None) -> dict:
        """The bound parameters every query in analysis.queries takes."""
        return {
            "version": version or "",
            "venues": [str(v) for v in self.venues],
            "y0": int(self.year_from) if self.year_from is not None else MIN_YEAR,
            "y1": int(self.year_to) if self.year_to is not None else MAX_YEAR,
            "years": [int(y) for y in self.years],
            "categories": [str(c) for c in self.categories],
            "pool": self.pool_venues,
            "targets": list(TARGETS),
        }


def tables(db: Reader) -> set[str]:
    """Names of the tables in the store's main schema (remembered by readers of a store
    that cannot change, which have a `memo` dict)."""
    memo = getattr(db, "memo", None)
    if memo is not None and "tables" in memo:
        return memo["tables"]
    names = {r["table_name"] for r in query(db, Q.TABLES)}
    if memo is not None:
        memo["tables"] = names
    return names


def has_findings(db: Reader) -> bool:
    """Whether the store holds the extractor tables (papers, extractions, findings)."""
    return {"papers", "extractions", "findings"} <= tables(db)


def current_version(db: Reader, requested: str | None = None) -> str | None:
    """`requested` if given, else the extractor version of the latest successful
    extraction (the batch runner re-extracts older ones), or None if there is none."""
    if requested:
        return requested
    memo = getattr(db, "memo", None)
    if memo is not None and "version" in memo:
        return memo["version"]
    if not has_findings(db):
        return None
    rows = query(db, Q.CURRENT_VERSION)
    version = rows[0]["extractor_version"] if rows else None
    if memo is not None:
        memo["version"] = version
    return version


def stored_category_versions(db: Reader, version: str | None) -> dict[str, str]:
    """Per category, the category version of the store's findings of extractor `version`
    ("a | b" where a batch left some papers at an older one); remembered, as
    `current_version`, by readers of a store that cannot change."""
    if version is None or not has_findings(db):
        return {}
    memo = getattr(db, "memo", None)
    key = ("category_versions", version)
    if memo is not None and key in memo:
        return memo[key]
    seen: dict[str, list[str]] = {}
    for r in query(db, Q.CATEGORY_VERSIONS, {"version": version}):
        seen.setdefault(r["category"], []).append(r["category_version"])
    out = {c: " | ".join(v) for c, v in seen.items()}
    if memo is not None:
        memo[key] = out
    return out


_PARAM = re.compile(r"\$([A-Za-z_]\w*)")


def bind(sql: str, params: dict) -> dict:
    """The subset of `params` that `sql` names ($name): DuckDB rejects unused ones."""
    wanted = set(_PARAM.findall(sql))
    missing = wanted - set(params)
    if missing:
        raise KeyError(f"query needs parameters {sorted(missing)}")
    return {k: v for k, v in params.items() if k in wanted}


def flags_relation(db: Reader, version: str | None) -> str:
    """What `{flags}` in a query reads: the reader's pre-aggregated table when it was built
    for `version` (analysis.memory_view), else the FLAGS subquery over the store's tables."""
    rel = getattr(db, "flags_relation", None)
    if rel and getattr(db, "flags_version", None) == version:
        return rel
    return f"({Q.FLAGS})"


def query(db: Reader, sql: str, params: dict | None = None) -> list[dict]:
    """Run one of analysis.queries with bound parameters only (`{flags}` is a relation
    name or subquery from this package, never user input)."""
    params = params or {}
    if "{flags}" in sql:
        sql = sql.replace("{flags}", flags_relation(db, params.get("version")))
    if "{search}" in sql:
        sql = sql.replace("{search}", getattr(db, "search_relation", None) or f"({Q.SEARCH_BASE})")
    return db.fetch_dicts(sql, bind(sql, params))

"""What the store holds, per venue and year, and every per-item failure with its reason."""

from __future__ import annotations

from corpus.store import Store


def _tables(store: Store) -> set[str]:
    return {
        r[0]
        for r in store.fetchall(
            "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main' "
            "AND database_name = current_database()"
        )
    }


def store_status(store: Store) -> dict:
    """Counts per venue and year (papers, PDFs fetched and failed, extractions ok and in
    error) and the failures: PDFs not fetched, records a crawl's source could not read,
    extraction errors, rejected ingest rows,
    failed replicate trials."""
    tables = _tables(store)
    if "papers" not in tables:
        return {
            "db": str(store.path),
            "schema_version": _version(store, tables),
            "papers": 0,
            "venues": [],
            "failures": {},
        }
    has_x = "extractions" in tables
    x_join = "LEFT JOIN extractions e ON e.paper_id = p.id" if has_x else ""
    x_ok = "count(*) FILTER (WHERE e.status = 'ok')" if has_x else "0"
    x_err = "count(*) FILTER (WHERE e.status = 'error')" if has_x else "0"
    rows = store.fetch_dicts(
        "SELECT p.venue, p.year, count(*) AS papers, "
        "count(*) FILTER (WHERE p.status = 'fetched') AS fetched, "
        "count(*) FILTER (WHERE p.status = 'failed') AS failed, "
        f"{x_ok} AS extracted, {x_err} AS extract_errors "
        f"FROM papers p {x_join} GROUP BY p.venue, p.year ORDER BY p.venue, p.year"
    )
    failures = {
        "fetch": store.fetch_dicts(
            "SELECT id AS paper_id, coalesce(error, 'failed') AS reason FROM papers "
            "WHERE status = 'failed' ORDER BY id"
        ),
        "extract": store.fetch_dicts(
            "SELECT paper_id, coalesce(error, 'error') AS reason FROM extractions "
            "WHERE status = 'error' ORDER BY paper_id"
        )
        if has_x
        else [],
        "crawl": store.fetch_dicts(
            "SELECT location, item, reason FROM rejections WHERE source = 'crawl' "
            "ORDER BY location, item"
        )
        if "rejections" in tables
        else [],
        "ingest": store.fetch_dicts(
            "SELECT location, item, file, reason FROM rejections WHERE source = 'ingest' "
            "ORDER BY location, item"
        )
        if "rejections" in tables
        else [],
        "replicate": store.fetch_dicts(
            "SELECT recipe || ' trial ' || trial AS item, "
            "split_part(coalesce(error, 'failed'), chr(10), 1) AS reason FROM trials "
            "WHERE status = 'failed' ORDER BY recipe, trial"
        )
        if "trials" in tables
        else [],
    }
    return {
        "db": str(store.path),
        "schema_version": _version(store, tables),
        "papers": sum(r["papers"] for r in rows),
        "venues": rows,
        "failures": failures,
    }


def _version(store: Store, tables: set[str]) -> str:
    return store.schema_version if "_migrations" in tables else "none"

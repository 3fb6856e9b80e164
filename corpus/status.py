"""What the store holds, per venue and year."""

from __future__ import annotations

from corpus.store import Store


def store_status(store: Store) -> dict:
    """Counts per venue and year: papers, PDFs fetched, failures."""
    rows = store.fetch_dicts(
        "SELECT venue, year, count(*) AS papers, "
        "count(*) FILTER (WHERE status = 'fetched') AS fetched, "
        "count(*) FILTER (WHERE status = 'failed') AS failed "
        "FROM papers GROUP BY venue, year ORDER BY venue, year")
    return {"db": str(store.path), "schema_version": store.schema_version,
            "papers": sum(r["papers"] for r in rows), "venues": rows}

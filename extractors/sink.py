"""Extraction results as rows, written to the store in batched, idempotent transactions.

One paper's result is one `extractions` row and its `findings` rows. Rows of many papers
go to the store together: one transaction deletes whatever those papers had and inserts the
new rows from Arrow tables (far cheaper than a transaction and an executemany per paper).
A re-detection (only some categories re-run) brings findings of those categories only: a
paper's other categories keep their rows, relabelled with the new combined version.
A paper's rows are always written together, so a crash leaves each paper either with its
old rows or its new ones, never half; results not yet flushed are simply extracted again
on the next run (they were never recorded).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import UTC, datetime

import duckdb
import pyarrow as pa

from corpus.errors import PDFError, StoreError
from corpus.store import Store, arrow_schema
from extractors.schema import CATEGORIES, EXTRACTION_COLUMNS, FINDING_COLUMNS

EXTRACTION_COLS = tuple(name for name, _ in EXTRACTION_COLUMNS)
FINDING_COLS = tuple(name for name, _ in FINDING_COLUMNS)
EXTRACTION_SCHEMA = arrow_schema(EXTRACTION_COLUMNS)
FINDING_SCHEMA = arrow_schema(FINDING_COLUMNS)


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def analysis_rows(
    paper_id: str,
    result,
    version: str,
    versions: dict[str, str] | None = None,
    target_version: str | None = None,
    stored: dict | None = None,
) -> tuple[dict, list[dict]]:
    """(extractions row, findings rows) of one successfully analysed paper; `versions`:
    each category's version, `target_version` the target's; `stored`: the paper's stored
    row, whose target (and document kind) stands when the result did not re-run it."""
    versions = versions or {}
    findings: list[dict] = []
    for category, finding in result.results.items():
        findings.extend(finding.to_rows(paper_id, version, versions.get(category)))
    target = (result.target, result.target_method, target_version)
    kind = (result.kind, result.kind_evidence)
    if not getattr(result, "target_rerun", True):
        s = stored or {}
        target = (s.get("target"), s.get("target_method"), s.get("target_version"))
        kind = (s.get("kind"), s.get("kind_evidence"))
    extraction = {
        "paper_id": paper_id,
        "extractor_version": version,
        "status": "ok",
        "error": None,
        "pages": result.pages,
        "scanned_pages": len(result.scanned_pages),
        "target": target[0],
        "target_method": target[1],
        "target_version": target[2],
        "kind": kind[0],
        "kind_evidence": kind[1],
        "extracted_at": _now(),
    }
    return extraction, findings


def error_row(paper_id: str, err: BaseException, version: str) -> dict:
    """The extractions row of a paper whose PDF could not be analysed."""
    reason = getattr(err, "reason", "corrupt")
    message = getattr(err, "message", None) or str(err)
    return {
        "paper_id": paper_id,
        "extractor_version": version,
        "status": "error",
        "error": f"{reason}: {message}"[:1000],
        "pages": None,
        "scanned_pages": None,
        "target": None,
        "target_method": None,
        "extracted_at": _now(),
    }


def extraction_table(rows: list[dict]) -> pa.Table:
    """Extractions rows as an Arrow table (the store's and the Parquet parts' layout)."""
    return pa.Table.from_pylist(
        [{c: r.get(c) for c in EXTRACTION_COLS} for r in rows], schema=EXTRACTION_SCHEMA
    )


def finding_table(rows: list[dict]) -> pa.Table:
    """Findings rows as an Arrow table."""
    return pa.Table.from_pylist(
        [{c: r.get(c) for c in FINDING_COLS} for r in rows], schema=FINDING_SCHEMA
    )


def replace_extractions(store: Store, extractions: pa.Table, findings: pa.Table) -> int:
    """In one transaction, replace the rows of every paper in `extractions` with these.

    Idempotent: the same tables written twice leave the store as written once. A paper
    listed twice keeps its last row (and only the findings of that version of its result
    are expected in `findings`). Returns the number of papers written.
    """
    if extractions.num_rows == 0:
        return 0
    try:
        return _replace_extractions(store, extractions, findings)
    except duckdb.Error as exc:
        raise StoreError(
            f"cannot write extraction results to the store {store.path}: "
            f"{exc}; the rows of these {extractions.num_rows} papers were not "
            f"recorded (a rerun extracts them again)"
        ) from exc


def _replace_extractions(store: Store, extractions: pa.Table, findings: pa.Table) -> int:
    with (
        store.arrow_view("_gl_extractions", extractions),
        store.arrow_view("_gl_findings", findings),
        store.transaction(),
    ):
        store.execute(
            "CREATE OR REPLACE TEMP TABLE _gl_ids AS SELECT DISTINCT paper_id FROM _gl_extractions"
        )
        # every row of a paper, except those of categories a re-detection left alone
        current = ", ".join(f"'{c}'" for c in CATEGORIES)
        store.execute(
            "DELETE FROM findings f WHERE f.paper_id IN (SELECT paper_id FROM _gl_ids) AND ("
            "f.paper_id IN (SELECT paper_id FROM _gl_extractions WHERE status <> 'ok') "
            f"OR f.category NOT IN ({current}) OR EXISTS (SELECT 1 FROM _gl_findings n "
            "WHERE n.paper_id = f.paper_id AND n.category = f.category))"
        )
        store.execute("DELETE FROM extractions WHERE paper_id IN (SELECT paper_id FROM _gl_ids)")
        cols = ", ".join(EXTRACTION_COLS)
        # last row per paper wins (a rerun part, a twin listed twice)
        store.execute(
            f"INSERT INTO extractions ({cols}) SELECT {cols} FROM ("
            f"SELECT *, row_number() OVER (PARTITION BY paper_id ORDER BY extracted_at "
            f"DESC) AS _n FROM _gl_extractions) WHERE _n = 1"
        )
        fcols = ", ".join(FINDING_COLS)
        store.execute(
            f"INSERT INTO findings ({fcols}) SELECT {fcols} FROM ("
            f"SELECT *, row_number() OVER (PARTITION BY paper_id, category, rank "
            f"ORDER BY extractor_version) AS _n FROM _gl_findings) WHERE _n = 1"
        )
        store.execute(
            "UPDATE findings SET extractor_version = e.extractor_version FROM extractions e "
            "WHERE findings.paper_id = e.paper_id AND findings.extractor_version <> "
            "e.extractor_version AND e.paper_id IN (SELECT paper_id FROM _gl_ids)"
        )
        n = store.scalar("SELECT count(*) FROM _gl_ids")
        store.execute("DROP TABLE _gl_ids")
    return int(n or 0)


class BatchWriter:
    """Collects paper results and writes them in batches (every `every` papers or
    `max_wait_s` seconds, and at `flush`)."""

    def __init__(self, store: Store, *, every: int = 64, max_wait_s: float = 5.0) -> None:
        self.store, self.every, self.max_wait_s = store, every, max_wait_s
        self.extractions: list[dict] = []
        self.findings: list[dict] = []
        self.since = time.monotonic()

    def add(self, extraction: dict, findings: Sequence[dict] = ()) -> None:
        """Queue one paper's rows; flush when the batch is full or old."""
        self.extractions.append(extraction)
        self.findings.extend(findings)
        if len(self.extractions) >= self.every or time.monotonic() - self.since >= self.max_wait_s:
            self.flush()

    def add_analysis(self, paper_id: str, result, version: str) -> None:
        """Queue a successful result."""
        self.add(*analysis_rows(paper_id, result, version))

    def add_error(self, paper_id: str, err: PDFError, version: str) -> None:
        """Queue an error record."""
        self.add(error_row(paper_id, err, version))

    def flush(self) -> None:
        """Write what is queued, in one transaction (if that fails, the batch is dropped
        from the queue: it was not recorded, and a rerun extracts it again)."""
        extractions, findings = self.extractions, self.findings
        self.extractions, self.findings = [], []
        self.since = time.monotonic()
        if extractions:
            replace_extractions(self.store, extraction_table(extractions), finding_table(findings))

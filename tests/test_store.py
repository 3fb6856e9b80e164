"""The DuckDB store: migrations, idempotent upserts, record round-trips."""

from __future__ import annotations

import pickle
from datetime import datetime

from corpus.errors import FetchError, GreenlensError
from corpus.records import Paper
from corpus.store import Store, all_migrations


def _paper(i: int, **kw) -> Paper:
    base = dict(
        id=f"test:{i}",
        source="test",
        venue="ACL",
        year=2020,
        title=f"Paper {i}",
        authors=("A. Author", "B. Author"),
        abstract="abs",
        url="https://x/1",
        pdf_url="https://x/1.pdf",
    )
    base.update(kw)
    return Paper(**base)


def test_migrations_recorded_once(tmp_path):
    path = tmp_path / "s.duckdb"
    with Store(path) as s:
        first = s.fetchall("SELECT name FROM _migrations ORDER BY name")
        assert [r[0] for r in first] == [n for n, _ in all_migrations()]
        assert s.migrate() == []
    with Store(path) as s:
        assert s.fetchall("SELECT name FROM _migrations ORDER BY name") == first
        assert s.schema_version == first[-1][0]


def test_upsert_is_idempotent(store):
    papers = [_paper(i) for i in range(5)]
    assert store.upsert_papers(papers).new == 5
    again = store.upsert_papers(papers)
    assert (again.new, again.updated, again.unchanged) == (0, 0, 5)
    assert store.scalar("SELECT count(*) FROM papers") == 5


def test_upsert_refreshes_metadata_but_keeps_pdf_state(store):
    store.upsert_papers([_paper(1)])
    store.set_pdf_state("test:1", status="fetched", pdf_sha256="ab" * 32, pages=9)
    counts = store.upsert_papers([_paper(1, title="Paper 1 (revised)")])
    assert counts.updated == 1
    got = store.get_paper("test:1")
    assert got.title == "Paper 1 (revised)"
    assert (got.status, got.pdf_sha256, got.pages) == ("fetched", "ab" * 32, 9)


def test_paper_round_trip(store):
    paper = _paper(7, fetched_at=datetime(2024, 1, 2, 3, 4, 5))
    store.upsert_papers([paper])
    assert store.get_paper("test:7") == paper
    assert Paper.from_row(paper.to_row()) == paper


def test_finding_round_trip():
    from extractors.findings import Evidence, Finding

    f = Finding(
        "flops", True, (Evidence(3, "4.1 GFLOPs", 4.1e9, "FLOPs"), Evidence(5, "x")), "rule"
    )
    rows = f.to_rows("p", "1")
    assert [r["rank"] for r in rows] == [0, 1] and {r["paper_id"] for r in rows} == {"p"}
    assert Finding.from_rows(rows) == f
    empty = Finding("energy", False, (), "rule")
    assert Finding.from_rows(empty.to_rows("p", "1")) == empty


def test_table_layouts_match_the_migrated_tables(store):
    """The column specs the Arrow schemas derive from are the tables the migrations made."""
    from corpus.store import PAPER_SPEC
    from extractors.findings import Evidence, Finding
    from extractors.schema import EXTRACTION_COLUMNS, FINDING_COLUMNS

    def described(table):
        return tuple((r[0], r[1]) for r in store.fetchall(f"DESCRIBE {table}"))

    assert described("papers") == PAPER_SPEC
    assert described("extractions") == EXTRACTION_COLUMNS
    assert described("findings") == FINDING_COLUMNS
    row = Finding("flops", True, (Evidence(1, "x", 2.0, "FLOPs"),), "m").to_rows("p", "v")[0]
    assert set(row) == {name for name, _ in FINDING_COLUMNS}


def test_errors_pickle_with_context():
    err = FetchError("HTTP 500", status=500, url="http://h/x", paper_id="p1")
    back = pickle.loads(pickle.dumps(err))
    assert isinstance(back, GreenlensError) and back.status == 500
    assert back.url == "http://h/x" and "paper=p1" in str(back)


def test_read_only_store_missing_file_is_clear(tmp_path):
    import pytest

    from corpus.errors import StoreError

    with pytest.raises(StoreError, match="no store"):
        Store(tmp_path / "nope.duckdb", read_only=True)

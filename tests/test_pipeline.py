"""The main job end to end on the real snapshot: crawl -> ingest -> extract -> report."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from app.cli import cli
from corpus.store import Store


@pytest.mark.slow
def test_pipeline_on_snapshot_then_resume(tmp_path, corpus_dir, monkeypatch):
    monkeypatch.chdir(tmp_path)
    args = ["pipeline", "--snapshot", str(corpus_dir), "--sample", "3", "--workers", "2",
            "--no-progress", "--db", "store.duckdb", "--cache-dir", "cache"]
    first = CliRunner().invoke(cli, args)
    assert first.exit_code == 0, first.output
    report = tmp_path / "greenlens-out" / "report.html"
    assert report.exists() and "<img" in report.read_text()
    with Store(tmp_path / "store.duckdb", read_only=True) as store:
        fetched = store.scalar("SELECT count(*) FROM papers WHERE status = 'fetched'")
        done = store.scalar("SELECT count(*) FROM extractions WHERE status = 'ok'")
        sources = dict(store.fetchall("SELECT source, count(*) FROM papers GROUP BY source"))
        findings = store.scalar("SELECT count(DISTINCT paper_id) FROM findings")
    # 40 PMLR PDFs in the mirror + 68 other snapshot PDFs ingested with their manifest
    assert fetched == 108 and done == 108 and findings == 108
    assert sources["acl"] == 3 and sources["mlanthology"] == 3 and sources["local"] == 68
    assert "missing from the snapshot" in first.output  # reported, never invented
    assert "flops" in first.output and "search_budget" in first.output

    again = CliRunner().invoke(cli, args)
    assert again.exit_code == 0, again.output
    assert "0 extracted, 108 already done" in again.output
    assert "PDFs 0 new" in again.output

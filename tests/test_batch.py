"""`greenlens extract`: a store's papers in parallel, resumable, errors per paper."""

from __future__ import annotations

import hashlib

import pdfmaker
import pytest
from click.testing import CliRunner

from app.cli import cli
from corpus.pdfcache import PdfCache
from corpus.records import Paper
from extractors import batch, runner
from extractors.findings import Finding
from extractors.schema import CATEGORIES

pytestmark = pytest.mark.shared

REAL = {
    "arxiv:1706.03762": "neurips2017-vaswani-transformer.pdf",
    "arxiv:1704.04861": "arxiv2017-howard-mobilenets.pdf",
    "pmlr:v48/achim16": "mirror/proceedings.mlr.press/v48/achim16.pdf",
}


@pytest.fixture
def fetched_store(store, tmp_path, pdfs_dir):
    """Three real papers in the cache, one whose PDF is gone, one corrupt, one encrypted."""
    cache = PdfCache(tmp_path / "cache")
    papers = [Paper(pid, "test", "TEST", 2020, f"paper {pid}") for pid in REAL]
    papers += [
        Paper(f"bad:{n}", "test", "TEST", 2020, f"bad {n}")
        for n in ("missing", "corrupt", "encrypted")
    ]
    store.upsert_papers(papers)
    for pid, name in REAL.items():
        cached = cache.put_file(pdfs_dir / name, paper_id=pid)
        store.set_pdf_state(pid, status="fetched", pdf_sha256=cached.sha256, pages=cached.pages)
    store.set_pdf_state("bad:missing", status="fetched", pdf_sha256="0" * 64)
    # written straight into the cache layout: PdfCache.put would refuse them
    for pid, data in (
        ("bad:corrupt", b"%PDF-1.7\n" + b"\x00garbage" * 500 + b"\n%%EOF\n"),
        ("bad:encrypted", pdfmaker.encrypted_pdf("Secret text")),
    ):
        sha = hashlib.sha256(data).hexdigest()
        path = cache.path_for(sha)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        store.set_pdf_state(pid, status="fetched", pdf_sha256=sha)
    # a second source listing the same PDF as the first paper (one parse, two rows)
    twin = REAL["arxiv:1706.03762"]
    store.upsert_papers([Paper("other:transformer", "other", "TEST", 2017, "same pdf")])
    sha = hashlib.sha256((pdfs_dir / twin).read_bytes()).hexdigest()
    store.set_pdf_state("other:transformer", status="fetched", pdf_sha256=sha, pages=11)
    # not fetched: never considered
    store.upsert_papers([Paper("listed:1", "test", "TEST", 2020, "only listed")])
    return store, cache.root


def _extractions(store) -> dict[str, dict]:
    return {r["paper_id"]: r for r in store.fetch_dicts("SELECT * FROM extractions")}


def test_batch_extracts_records_errors_and_resumes(fetched_store, monkeypatch):
    store, cache = fetched_store
    summary = batch.extract_store(store, cache, workers=2, progress=False)
    assert (summary.considered, summary.extracted, summary.errors, summary.skipped) == (7, 4, 3, 0)
    assert summary.pages == 11 + 9 + 9 + 11
    assert summary.error_reasons == {"missing": 1, "corrupt": 1, "encrypted": 1}
    rows = _extractions(store)
    assert set(rows) == set(REAL) | {
        "bad:missing",
        "bad:corrupt",
        "bad:encrypted",
        "other:transformer",
    }
    for pid in REAL:
        assert rows[pid]["status"] == "ok" and rows[pid]["error"] is None
        assert rows[pid]["extractor_version"] == batch.EXTRACTOR_VERSION
        assert rows[pid]["target"] in ("accuracy", "efficiency", "both", "other")
    assert rows["arxiv:1706.03762"]["pages"] == 11
    for pid, reason in (
        ("bad:missing", "missing"),
        ("bad:corrupt", "corrupt"),
        ("bad:encrypted", "encrypted"),
    ):
        assert rows[pid]["status"] == "error" and rows[pid]["error"].startswith(reason)
    # findings: every category of every extracted paper, evidence with pages
    findings = store.fetch_dicts("SELECT * FROM findings ORDER BY paper_id, category, rank")
    assert {(f["paper_id"], f["category"]) for f in findings} == {
        (pid, c) for pid in [*REAL, "other:transformer"] for c in CATEGORIES
    }
    twins = [
        [
            (f["category"], f["rank"], f["evidence"], f["page"])
            for f in findings
            if f["paper_id"] == pid
        ]
        for pid in ("arxiv:1706.03762", "other:transformer")
    ]
    assert twins[0] == twins[1]
    hardware = Finding.from_rows(
        [f for f in findings if f["paper_id"] == "arxiv:1706.03762" and f["category"] == "hardware"]
    )
    assert hardware.reported and any("P100" in e.text for e in hardware.evidence)
    assert all(1 <= e.page <= 11 for e in hardware.evidence)
    assert not store.fetchall("SELECT * FROM findings WHERE paper_id LIKE 'bad:%'")

    # a rerun with the same version does nothing
    again = batch.extract_store(store, cache, workers=2, progress=False)
    assert (again.extracted, again.errors, again.skipped) == (0, 0, 7)
    assert store.scalar("SELECT count(*) FROM findings") == len(findings)

    # a new extractor version re-extracts everything, replacing (not adding) rows
    monkeypatch.setattr(runner, "EXTRACTOR_VERSION", "test-bumped")
    bumped = batch.extract_store(store, cache, workers=1, progress=False)
    assert (bumped.extracted, bumped.errors, bumped.skipped) == (4, 3, 0)
    assert {r["extractor_version"] for r in _extractions(store).values()} == {"test-bumped"}
    assert store.scalar("SELECT count(*) FROM findings") == len(findings)
    assert store.scalar("SELECT count(DISTINCT extractor_version) FROM findings") == 1


def test_one_paper_older_version_is_redone(fetched_store):
    store, cache = fetched_store
    batch.extract_store(store, cache, workers=2, progress=False)
    store.execute(
        "UPDATE extractions SET extractor_version = 'old' WHERE paper_id = ?", ["pmlr:v48/achim16"]
    )
    summary = batch.extract_store(store, cache, workers=2, progress=False)
    assert (summary.extracted, summary.skipped) == (1, 6)
    forced = batch.extract_store(store, cache, workers=2, progress=False, force=True)
    assert (forced.extracted, forced.errors, forced.skipped) == (4, 3, 0)


def test_timeout_is_recorded_and_batch_goes_on(fetched_store):
    from extractors.isolate import Limits

    store, cache = fetched_store
    summary = batch.extract_store(
        store, cache, workers=2, progress=False, limits=Limits(timeout_s=0.01)
    )
    # 10 ms is far too short for the real papers; the tiny broken files may fail with
    # their own reason first; the one missing from the cache fails before any worker
    assert summary.errors == 7 and summary.extracted == 0
    assert summary.error_reasons["missing"] == 1
    assert summary.error_reasons["timeout"] >= 4
    rows = _extractions(store)
    assert {r["status"] for r in rows.values()} == {"error"}
    for pid in [*REAL, "other:transformer"]:
        assert rows[pid]["error"].startswith("timeout: ")


def test_extract_cli(fetched_store, tmp_path):
    store, cache = fetched_store
    db = store.path
    store.close()
    result = CliRunner().invoke(
        cli,
        ["extract", "--db", str(db), "--cache-dir", str(cache), "--workers", "2", "--no-progress"],
    )
    assert result.exit_code == 0, result.output
    assert "7 fetched papers, 4 extracted, 0 already up to date, 3 errors" in result.stdout
    assert "encrypted 1" in result.stdout
    result = CliRunner().invoke(cli, ["extract", "--db", str(db), "--cache-dir", str(cache)])
    assert "0 extracted, 7 already up to date" in result.stdout


class _TimeoutEverything:
    """An executor whose every PDF hits the time limit (no worker started)."""

    recorded = False

    def outcomes(self, plan, ctx, store):
        from corpus.errors import PDFError

        for sha, _ in plan.tasks:
            err = PDFError("over the time limit", reason="timeout")
            yield [runner.classify(row, err, ctx.version) for row in plan.papers_of[sha]]


def test_the_runner_classifies_counts_and_records_for_any_executor(fetched_store, monkeypatch):
    """Plan, classification, records and summary are the runner's, whatever the executor:
    a timeout on a paper that had a result keeps it; on a new paper it is recorded."""
    store, cache = fetched_store
    batch.extract_store(store, cache, workers=2, progress=False)
    before = _extractions(store)
    monkeypatch.setattr(runner, "EXTRACTOR_VERSION", "v-next")
    s = runner.run_extraction(store, cache, _TimeoutEverything(), progress=False)
    assert (s.extracted, s.errors, s.skipped) == (0, 7, 0)
    assert s.error_reasons == {"timeout": 6, "missing": 1}
    after = _extractions(store)
    for pid in [*REAL, "other:transformer"]:  # had a result: kept, still the old version
        assert after[pid] == before[pid]
    for pid in ("bad:corrupt", "bad:encrypted"):  # had an error: now the timeout record
        assert (
            after[pid]["error"].startswith("timeout")
            and after[pid]["extractor_version"] == "v-next"
        )
    # a recording executor's outcomes are counted, not written again by the runner
    recording = _TimeoutEverything()
    recording.recorded = True
    monkeypatch.setattr(runner, "EXTRACTOR_VERSION", "v-later")
    runner.run_extraction(store, cache, recording, progress=False)
    assert _extractions(store)["bad:corrupt"]["extractor_version"] == "v-next"
    assert _extractions(store)["bad:missing"]["extractor_version"] == "v-later"

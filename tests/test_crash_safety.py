"""kill -9 in the middle of `extract` and `replicate`; the rerun gives the uninterrupted tables.

(The crawl's kill -9 test is tests/test_crawl.py::test_killed_crawl_resumes_to_same_store.)
A run is killed once the store's write-ahead log shows a first committed write, i.e.
mid-way with something recorded; the store must then open, hold only whole records, and a
rerun must finish the rest without redoing or duplicating what was recorded.
"""

from __future__ import annotations

import csv
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from corpus.pdfcache import PdfCache
from corpus.records import Paper
from corpus.store import Store

REPO = Path(__file__).resolve().parents[1]
pytestmark = [pytest.mark.shared, pytest.mark.slow]


def _kill_after_first_commit(code: str, db: Path, timeout_s: float = 90) -> None:
    """Run python `code` in a child; SIGKILL it once db's WAL has grown past its start."""
    wal = Path(f"{db}.wal")
    child = subprocess.Popen(
        [sys.executable, "-c", code],
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + timeout_s
    while child.poll() is None and time.monotonic() < deadline:
        if wal.exists() and wal.stat().st_size > 0:
            break
        time.sleep(0.005)
    alive = child.poll() is None
    # kill the whole group of the child's processes as the OS would on a crash: the child
    # first (the workers and fork server then see their pipes close and exit)
    child.send_signal(signal.SIGKILL)
    _, err = child.communicate()
    assert alive, f"the run ended before it could be killed: {err.decode()[-2000:]}"


# -- extract -------------------------------------------------------------------------------


def _fill(db: Path, cache_root: Path, pdfs_dir: Path, n: int) -> list[str]:
    with (pdfs_dir / "manifest.csv").open(encoding="utf-8") as fh:
        rows = [r for r in csv.DictReader(fh) if r["file"].startswith("mirror/")][:n]
    cache = PdfCache(cache_root)
    ids = []
    with Store(db) as store:
        for i, r in enumerate(rows):
            pid = f"p:{i:02d}"
            store.upsert_papers([Paper(pid, "test", r["venue"], int(r["year"]), r["title"])])
            c = cache.put_file(pdfs_dir / r["file"])
            store.set_pdf_state(pid, status="fetched", pdf_sha256=c.sha256, pages=c.pages)
            ids.append(pid)
    return ids


def _extraction_tables(db: Path) -> tuple[list, list]:
    with Store(db, read_only=True) as s:
        return (
            s.fetchall(
                "SELECT paper_id, extractor_version, status, error, pages, "
                "scanned_pages, target, target_method FROM extractions ORDER BY 1"
            ),
            s.fetchall("SELECT * FROM findings ORDER BY paper_id, category, rank"),
        )


_EXTRACT = """
from extractors.batch import extract_store
from corpus.store import Store
with Store({db!r}) as s:
    extract_store(s, {cache!r}, workers=2, progress=False, batch_size=2)
"""


def test_killed_extract_resumes_to_the_uninterrupted_tables(tmp_path, pdfs_dir):
    from extractors.batch import extract_store

    db, cache = tmp_path / "killed.duckdb", tmp_path / "cache"
    ids = _fill(db, cache, pdfs_dir, 24)
    _kill_after_first_commit(_EXTRACT.format(db=str(db), cache=str(cache)), db)

    with Store(db) as store:  # opens (replaying the WAL) after the kill
        done = store.fetch_dicts("SELECT paper_id, status FROM extractions")
        assert 0 < len(done) < len(ids)
        # whole records only: every recorded paper has all its findings
        for row in done:
            assert row["status"] == "ok"
            assert (
                store.scalar(
                    "SELECT count(DISTINCT category) FROM findings WHERE paper_id = ?",
                    [row["paper_id"]],
                )
                == 7
            )
        assert (
            store.scalar(
                "SELECT count(*) FROM findings WHERE paper_id NOT IN "
                "(SELECT paper_id FROM extractions)"
            )
            == 0
        )
        s = extract_store(store, cache, workers=2, progress=False)
        assert (s.skipped, s.extracted) == (len(done), len(ids) - len(done))
    straight = tmp_path / "straight.duckdb"
    _fill(straight, tmp_path / "cache2", pdfs_dir, 24)
    with Store(straight) as store:
        extract_store(store, tmp_path / "cache2", workers=2, progress=False)
    assert _extraction_tables(db) == _extraction_tables(straight)


# -- replicate -----------------------------------------------------------------------------

_REPLICATE = """
from app.cli import cli
cli(["replicate", "sst2-tfidf-logreg", "--db", {db!r}, "--trials", "6", "--data-dir",
      {data!r}, "--limit-train", "300", "--limit-dev", "100", "--no-progress"])
"""


def _trials(db: Path) -> list[tuple]:
    with Store(db, read_only=True) as s:
        return s.fetchall(
            "SELECT recipe, trial, params, seed, setting, status, metric, "
            "val_metric FROM trials ORDER BY recipe, trial"
        )


def test_killed_replicate_resumes_to_the_uninterrupted_trials(tmp_path, shared_dir):
    from click.testing import CliRunner

    from app.cli import cli

    data = str(shared_dir / "replication" / "sst2")
    db = tmp_path / "killed.duckdb"
    Store(db).close()
    _kill_after_first_commit(_REPLICATE.format(db=str(db), data=data), db)
    killed = _trials(db)
    assert 0 < len(killed) < 6
    assert all(t[5] == "done" for t in killed)
    args = [
        "replicate",
        "sst2-tfidf-logreg",
        "--db",
        str(db),
        "--trials",
        "6",
        "--data-dir",
        data,
        "--limit-train",
        "300",
        "--limit-dev",
        "100",
        "--no-progress",
    ]
    out = CliRunner().invoke(cli, args)
    assert out.exit_code == 0, out.output
    assert f"{6 - len(killed)} trial(s) run, {len(killed)} already done" in out.output
    straight = tmp_path / "straight.duckdb"
    out = CliRunner().invoke(cli, [*args[:3], str(straight), *args[4:]])
    assert out.exit_code == 0, out.output
    resumed, clean = _trials(db), _trials(straight)
    assert [t[:4] + t[5:] for t in resumed] == [t[:4] + t[5:] for t in clean]
    assert resumed[: len(killed)] == killed  # what was recorded is kept as it was
    with Store(db, read_only=True) as s:  # one metered run per trial: none lost or doubled
        assert s.scalar("SELECT count(*) FROM runs") == 6
        assert s.scalar("SELECT count(*) FROM trials t JOIN runs r ON r.id = t.run_id") == 6

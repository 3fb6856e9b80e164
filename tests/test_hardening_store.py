"""Disk full, read-only cache, and the app reading while a batch writes."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pdfmaker
import pytest
from click.testing import CliRunner

from corpus.errors import DiskError, StoreError
from corpus.pdfcache import PdfCache
from corpus.records import Paper
from corpus.store import Store

REPO = Path(__file__).resolve().parents[1]
APP = str(REPO / "app" / "streamlit_app.py")
SEED_PDF = "mirror/proceedings.mlr.press/v48/achim16.pdf"  # 530 KiB


def _mount_tmpfs(path: Path, size: str) -> None:
    path.mkdir(parents=True, exist_ok=True)
    res = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)],
        capture_output=True,
        text=True,
    )
    if res.returncode != 0:
        why = res.stderr.strip() or "mount failed"
        pytest.skip(
            f"cannot mount a small tmpfs ({why}): needs root with CAP_SYS_ADMIN; "
            "a full or read-only file system is not simulated here"
        )


@pytest.fixture
def tiny_fs(tmp_path):
    """A 1 MiB tmpfs (skips where mounting is not allowed)."""
    mnt = tmp_path / "tiny"
    _mount_tmpfs(mnt, "1m")
    yield mnt
    subprocess.run(["umount", "-l", str(mnt)], check=False)


@pytest.fixture
def read_only_dir(tmp_path):
    """A read-only file system (tmpfs remounted ro: root's chmod bypass does not apply)."""
    mnt = tmp_path / "ro"
    _mount_tmpfs(mnt, "1m")
    res = subprocess.run(["mount", "-o", "remount,ro", str(mnt)], capture_output=True, text=True)
    if res.returncode != 0:
        subprocess.run(["umount", "-l", str(mnt)], check=False)
        pytest.skip(f"cannot remount read-only: {res.stderr.strip()}")
    yield mnt
    subprocess.run(["umount", "-l", str(mnt)], check=False)


def _leftovers(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.name.startswith(".tmp-")]


# -- disk full / read-only -----------------------------------------------------------------


@pytest.mark.shared
def test_full_disk_pdf_cache_clear_error_no_partial_file(tiny_fs, pdfs_dir, tmp_path):
    cache = PdfCache(tiny_fs / "cache")
    small = cache.put(pdfmaker.text_pdf("fits"))
    seed = (pdfs_dir / SEED_PDF).read_bytes()
    first = cache.put(seed)
    with pytest.raises(DiskError) as info:
        cache.put(seed + b"\n% another copy\n")  # 530 KiB more does not fit in 1 MiB
    assert "No space left on device" in str(info.value)
    assert _leftovers(tiny_fs) == []
    for c in (small, first):  # what was stored before is whole
        assert hashlib.sha256(c.path.read_bytes()).hexdigest() == c.sha256

    # `greenlens ingest` into the full cache: one clear line, exit 2, no traceback; the
    # papers recorded before the disk filled stay recorded, with their PDFs
    from app.cli import cli

    src = tmp_path / "incoming"
    src.mkdir()
    for i in range(3):
        (src / f"p{i}.pdf").write_bytes(seed + f"\n% copy {i}\n".encode())
    db = tmp_path / "s.duckdb"
    out = CliRunner().invoke(
        cli,
        [
            "ingest",
            str(src),
            "--venue",
            "X",
            "--year",
            "2020",
            "--cache-dir",
            str(tiny_fs / "cache2"),
            "--db",
            str(db),
        ],
    )
    assert out.exit_code == 2, out.output
    assert "No space left on device" in out.output and "Traceback" not in out.output
    assert _leftovers(tiny_fs) == []
    with Store(db, read_only=True) as s:
        for p in s.papers("status = 'fetched'"):
            assert PdfCache(tiny_fs / "cache2").has(p.pdf_sha256)


def test_read_only_cache_clear_error(read_only_dir):
    cache = PdfCache(read_only_dir / "cache")
    with pytest.raises(DiskError) as info:
        cache.put(pdfmaker.text_pdf("nowhere to go"))
    assert "Read-only file system" in str(info.value)
    from extractors.parts import write_parts

    row = {"paper_id": "p", "extractor_version": "v", "status": "error", "error": "x"}
    with pytest.raises(DiskError):
        write_parts(read_only_dir / "results", "c", [row], [], {"p": ("V", 2020)})


@pytest.mark.slow
def test_full_disk_store_keeps_whole_batches(tiny_fs):
    """Extraction rows written until the store's disk is full: a clear StoreError, and the
    store holds whole batches (each paper with all its findings), nothing half-written."""
    from extractors.sink import BatchWriter

    store = Store(tiny_fs / "s.duckdb")
    ids = [f"p{i:05d}" for i in range(4000)]
    store.upsert_papers([Paper(pid, "t", "V", 2020, pid) for pid in ids[:400]])
    writer = BatchWriter(store, every=25, max_wait_s=1e9)
    with pytest.raises(StoreError) as info:
        for pid in ids:  # ~4 KiB of evidence per paper: far more than 1 MiB in all
            writer.add(
                {
                    "paper_id": pid,
                    "extractor_version": "v",
                    "status": "ok",
                    "pages": 1,
                    "scanned_pages": 0,
                },
                [
                    {
                        "paper_id": pid,
                        "category": c,
                        "rank": 0,
                        "reported": True,
                        "evidence": uuid.uuid4().hex * 18,
                        "page": 1,
                        "method": "m",
                        "extractor_version": "v",
                    }
                    for c in "abcdefg"
                ],
            )
        writer.flush()
    assert "No space left on device" in str(info.value) or "space" in str(info.value).lower()
    try:
        store.close()
    except Exception:  # noqa: BLE001 - closing a store whose disk is full may fail too
        pass
    with Store(tiny_fs / "s.duckdb", read_only=True) as s:
        n = s.scalar("SELECT count(*) FROM extractions")
        assert n % 25 == 0
        per_paper = s.fetchall("SELECT paper_id, count(*) FROM findings GROUP BY 1")
        assert len(per_paper) == n and all(k == 7 for _, k in per_paper)


# -- the app reading while a batch writes ---------------------------------------------------

_HOLD = """
import sys
from corpus.store import Store
from corpus.records import Paper
s = Store({db!r})
s.upsert_papers([Paper("written:while-app-open", "t", "V", 2021, "new")])
print("holding", flush=True)
sys.stdin.read()  # hold the store (DuckDB's write lock) until the test closes stdin
s.close()
"""


def _small_store(db: Path) -> None:
    with Store(db) as s:
        s.upsert_papers([Paper(f"p{i}", "t", "V", 2020 + i % 2, f"Paper {i}") for i in range(4)])
        for i in range(4):
            s.execute(
                "INSERT INTO extractions (paper_id, extractor_version, status, pages) "
                "VALUES (?, 'v1', 'ok', 3)",
                [f"p{i}"],
            )
            for c in (
                "flops",
                "energy",
                "runtime",
                "hardware",
                "params",
                "training_curve",
                "search_budget",
            ):
                s.execute(
                    "INSERT INTO findings (paper_id, category, rank, reported, "
                    "method, extractor_version) VALUES (?, ?, 0, ?, 'm', 'v1')",
                    [f"p{i}", c, i % 2 == 0],
                )


def _writer(db: Path) -> subprocess.Popen:
    child = subprocess.Popen(
        [sys.executable, "-c", _HOLD.format(db=str(db))],
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdout.readline().strip() == "holding"
    return child


def test_app_while_a_writer_holds_the_store(tmp_path, monkeypatch):
    pytest.importorskip("streamlit")
    from streamlit.testing.v1 import AppTest

    import analysis.memory_view as snapshot

    db = tmp_path / "busy.duckdb"
    _small_store(db)
    monkeypatch.setattr(snapshot, "LOCK_WAIT_S", 0.3)
    monkeypatch.setenv("GREENLENS_DB", str(db))
    writer = _writer(db)
    try:
        for page in (None, "pages/papers.py", "pages/replication.py"):
            at = AppTest.from_file(APP, default_timeout=60)
            at.run()
            if page:
                at.switch_page(page).run()
            assert not at.exception, [e.value for e in at.exception]
            shown = " ".join(i.value for i in at.info)
            assert "being written by another process" in shown, shown
    finally:
        writer.stdin.close()
        assert writer.wait(timeout=30) == 0
    at = AppTest.from_file(APP, default_timeout=60)  # the writer is done: the app shows data
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert not any("Cannot open" in i.value for i in at.info), [i.value for i in at.info]
    assert {m.label: m.value for m in at.metric}.get("Papers counted") == "4"


def test_writer_can_write_while_the_app_reads(tmp_path):
    from analysis.memory_view import open_snapshot

    db = tmp_path / "shared.duckdb"
    _small_store(db)
    reader = open_snapshot(db)  # what the app holds for its whole life
    writer = _writer(db)  # would fail to take the lock if the reader held the file
    writer.stdin.close()
    assert writer.wait(timeout=30) == 0
    assert reader.fetch_dicts("SELECT count(*) AS n FROM papers")[0]["n"] == 4  # its copy
    with Store(db, read_only=True) as s:
        assert s.scalar("SELECT count(*) FROM papers") == 5
    reader.close()


def test_reader_gives_up_with_a_clear_error(tmp_path):
    from analysis.memory_view import open_snapshot

    db = tmp_path / "busy.duckdb"
    _small_store(db)
    writer = _writer(db)
    try:
        with pytest.raises(StoreError) as info:
            open_snapshot(db, wait_s=0.3)
        assert "being written by another process" in str(info.value)
    finally:
        writer.stdin.close()
        writer.wait(timeout=30)
    assert open_snapshot(db, wait_s=0).fetch_dicts("SELECT 1 AS x")[0]["x"] == 1

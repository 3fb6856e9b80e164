"""Hostile and mutated PDFs through the real batch path: one record each, no hang, no crash."""

from __future__ import annotations

import hashlib
import tempfile
import time
from pathlib import Path

import pdfmaker
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from corpus.pdfcache import PdfCache
from corpus.records import Paper
from corpus.store import Store
from extractors import batch
from extractors.isolate import Limits

REASONS = {"corrupt", "empty", "not_pdf", "encrypted", "timeout", "memory", "too_large", "missing"}
SEED_PDF = "mirror/proceedings.mlr.press/v48/achim16.pdf"  # 9 pages, 530 KiB


def _store_with(root: Path, files: dict[str, bytes]) -> tuple[Store, Path]:
    """A store with one 'fetched' paper per file, written straight into the cache layout
    (PdfCache.put would refuse most of them: this is what the extract stage must survive)."""
    cache = PdfCache(root / "cache")
    store = Store(root / "s.duckdb")
    store.upsert_papers([Paper(pid, "test", "TEST", 2020, pid) for pid in files])
    for pid, data in files.items():
        sha = hashlib.sha256(data).hexdigest()
        path = cache.path_for(sha)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        store.set_pdf_state(pid, status="fetched", pdf_sha256=sha)
    return store, cache.root


def _check_one_record_each(store: Store, ids) -> dict[str, dict]:
    rows = {r["paper_id"]: r for r in store.fetch_dicts("SELECT * FROM extractions")}
    assert set(rows) == set(ids)
    for pid, row in rows.items():
        assert row["status"] in ("ok", "error"), pid
        if row["status"] == "error":
            assert row["error"].split(":", 1)[0] in REASONS, row["error"]
            assert not store.fetchall("SELECT 1 FROM findings WHERE paper_id = ?", [pid])
        else:
            assert row["pages"] >= 1
            n = store.scalar(
                "SELECT count(DISTINCT category) FROM findings WHERE paper_id = ?", [pid]
            )
            assert n == 7, pid
    return rows


# -- fuzzing -------------------------------------------------------------------------------


@st.composite
def mutation(draw, size: int):
    """One mutation of a file of `size` bytes: byte flips, a truncation or a duplicated
    chunk (in the middle, where the object table and streams are, or near the end, where
    the xref and trailer are)."""
    kind = draw(st.sampled_from(["flip", "truncate", "duplicate"]))
    near_end = draw(st.booleans())
    lo = max(0, size - 4096) if near_end else 0
    at = draw(st.integers(lo, size - 1))
    if kind == "flip":
        return ("flip", at, draw(st.integers(1, 255)), draw(st.integers(1, 64)))
    if kind == "truncate":
        return ("truncate", at, 0, 0)
    return ("duplicate", at, draw(st.integers(1, 20000)), draw(st.integers(0, size - 1)))


def _apply(data: bytes, m: tuple) -> bytes:
    kind, at, a, b = m
    if kind == "flip":  # xor `b` bytes from `at` with `a`
        chunk = bytes(x ^ a for x in data[at : at + b])
        return data[:at] + chunk + data[at + len(chunk) :]
    if kind == "truncate":
        return data[:at]
    return data[:b] + data[at : at + a] + data[b:]  # copy data[at:at+a] to offset b


@pytest.mark.slow
def test_fuzzed_real_pdfs_each_get_one_record(pdfs_dir):
    seed = (pdfs_dir / SEED_PDF).read_bytes()

    @settings(
        max_examples=5,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(st.lists(mutation(len(seed)), min_size=10, max_size=10))
    def run(mutations):
        files = {f"fuzz:{i}": _apply(seed, m) for i, m in enumerate(mutations)}
        files["fuzz:twice"] = _apply(_apply(seed, mutations[0]), mutations[1])
        with tempfile.TemporaryDirectory() as tmp:
            store, cache = _store_with(Path(tmp), files)
            t0 = time.monotonic()
            s = batch.extract_store(
                store, cache, workers=2, progress=False, limits=Limits(timeout_s=30, memory_mb=1024)
            )
            assert time.monotonic() - t0 < 120
            assert s.extracted + s.errors == len(files)
            _check_one_record_each(store, files)
            # a rerun resumes: nothing to do, nothing changes
            again = batch.extract_store(store, cache, workers=2, progress=False)
            assert (again.extracted, again.errors) == (0, 0)
            store.close()

    run()


# -- hostile files -------------------------------------------------------------------------


def _one_page(
    content: bytes, *, mediabox: bytes = b"[0 0 612 792]", pages_dict: bytes | None = None
) -> bytes:
    objs = pdfmaker._page_objects(b"", content, pdfmaker._FONT)
    objs[2] = objs[2].replace(b"[0 0 612 792]", mediabox)
    if pages_dict is not None:
        objs[1] = pages_dict
    return pdfmaker._assemble(objs)


TEXT = b"BT /F1 12 Tf 72 700 Td (We trained the model on 8 V100 GPUs for 3 days.) Tj ET"


@pytest.mark.slow
def test_hostile_pdfs_cost_one_record_each(tmp_path):
    files = {
        # a page of 1e6 x 1e6 pt (about 350 km wide): text extraction does not rasterise
        "hostile:mediabox": _one_page(TEXT, mediabox=b"[0 0 1000000 1000000]"),
        # a page tree claiming 1e8 pages but holding one
        "hostile:count": _one_page(
            TEXT, pages_dict=b"<< /Type /Pages /Kids [3 0 R] /Count 100000000 >>"
        ),
        # one page object listed 200,000 times: 1.2 MB that pdfium counts as 200,000 pages
        "hostile:kids": _one_page(
            TEXT, pages_dict=b"<< /Type /Pages /Kids [" + b"3 0 R " * 200000 + b"] /Count 200000 >>"
        ),
        # a content stream inflating to 600 MiB from 600 KiB, over a 256 MiB limit
        "hostile:bomb": pdfmaker.bomb_pdf(600),
        "hostile:empty": b"",
        "hostile:html": b"<!doctype html><html><body>Not found</body></html>",
    }
    store, cache = _store_with(tmp_path, files)
    t0 = time.monotonic()
    s = batch.extract_store(
        store, cache, workers=2, progress=False, limits=Limits(timeout_s=60, memory_mb=256)
    )
    assert time.monotonic() - t0 < 60
    rows = _check_one_record_each(store, files)
    assert rows["hostile:mediabox"]["status"] == "ok"
    assert rows["hostile:mediabox"]["pages"] == 1
    hw = store.fetch_dicts(
        "SELECT reported, evidence FROM findings WHERE paper_id = ? AND category = 'hardware'",
        ["hostile:mediabox"],
    )
    assert hw[0]["reported"] and "V100" in hw[0]["evidence"]
    assert rows["hostile:count"]["status"] == "ok" and rows["hostile:count"]["pages"] == 1
    assert rows["hostile:kids"]["error"].startswith("too_large: 200000 pages")
    assert rows["hostile:bomb"]["error"].startswith("memory")
    assert rows["hostile:empty"]["error"].startswith("empty")
    assert rows["hostile:html"]["error"].startswith("not_pdf")
    assert s.errors == 4 and s.extracted == 2

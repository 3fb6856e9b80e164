"""Stored page text: exact round trip, misses on damage, and re-detection without PDFs."""

from __future__ import annotations

import hashlib
import os

import pytest

from corpus.pdfcache import PdfCache
from corpus.records import Paper
from extractors import batch, runner
from extractors.extract_pdf import analyse_cached, analyse_pdf
from extractors.pagecache import PageCache, decode, encode
from extractors.pdftext import RawPdf, read_pdf

REAL = (
    "neurips2017-vaswani-transformer.pdf",
    "arxiv2017-howard-mobilenets.pdf",
    "mirror/proceedings.mlr.press/v48/achim16.pdf",
)


def _sha(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.shared
@pytest.mark.parametrize("name", REAL)
def test_round_trip_is_exact(pdfs_dir, name):
    raw = read_pdf(pdfs_dir / name)
    assert any(s for page in raw.sizes for s in page)  # caption sizes are kept
    back = decode(encode(raw), raw.file)
    assert back == raw
    assert len(encode(raw)) < sum(len(line) for page in raw.pages for line in page) / 2


def test_round_trip_edge_cases():
    raw = RawPdf(
        "x.pdf",
        ((), ("a\ufffeb", "", "\u00e9\u2014 \U0001d400"), ("z",)),
        None,
        (1,),
        ((), (0.0, 9.5, -1.25), (0.0,)),
    )
    assert decode(encode(raw), "x.pdf") == raw
    no_sizes = RawPdf("y.pdf", (("line",),), "Title", (), ())
    assert decode(encode(no_sizes), "y.pdf") == no_sizes


def test_damaged_or_absent_entry_is_a_miss(tmp_path):
    cache = PageCache(tmp_path)
    sha = "ab" * 32
    assert cache.get(sha, "p.pdf") is None
    raw = RawPdf("p.pdf", (("hello",),), "T", (), ((0.0,),))
    assert cache.put(sha, raw)
    assert cache.get(sha, "p.pdf") == raw
    cache.path_for(sha).write_bytes(b"not zlib at all")
    assert cache.get(sha, "p.pdf") is None
    with pytest.raises(ValueError):
        cache.path_for("../../etc/passwd")


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_unwritable_cache_loses_nothing(tmp_path):
    (tmp_path / "pagetext").mkdir()
    (tmp_path / "pagetext").chmod(0o500)
    try:
        assert not PageCache(tmp_path).put("cd" * 32, RawPdf("p.pdf", (), None, ()))
    finally:
        (tmp_path / "pagetext").chmod(0o700)


def test_unwritable_cache_is_not_an_error(tmp_path):
    blocker = tmp_path / "pagetext"
    blocker.write_text("a file where the folder should be")
    assert not PageCache(tmp_path).put("cd" * 32, RawPdf("p.pdf", (), None, ()))


@pytest.mark.shared
def test_cached_analysis_equals_pdf_analysis(pdfs_dir, tmp_path):
    path = pdfs_dir / REAL[1]
    cache, sha = PageCache(tmp_path), _sha(path)
    first = analyse_cached(path, cache, sha)
    second = analyse_cached(path, cache, sha)
    direct = analyse_pdf(path)
    assert not first.from_cache and second.from_cache
    for r in (first, second):
        assert (r.file, r.pages, r.title, r.scanned_pages, r.target, r.results) == (
            direct.file,
            direct.pages,
            direct.title,
            direct.scanned_pages,
            direct.target,
            direct.results,
        )


@pytest.mark.shared
def test_new_detector_version_reruns_from_text_without_pdfs(store, tmp_path, pdfs_dir, monkeypatch):
    pdf_cache = PdfCache(tmp_path / "cache")
    for i, name in enumerate(REAL):
        cached = pdf_cache.put_file(pdfs_dir / name, paper_id=f"p{i}")
        store.upsert_papers([Paper(f"p{i}", "test", "TEST", 2020, f"paper {i}")])
        store.set_pdf_state(f"p{i}", status="fetched", pdf_sha256=cached.sha256, pages=cached.pages)
    first = batch.extract_store(store, pdf_cache.root, workers=2, progress=False)
    assert (first.extracted, first.from_text) == (3, 0)
    assert len(list((pdf_cache.root / "pagetext").rglob("*.json.z"))) == 3
    before = store.fetchall(
        "SELECT paper_id, category, rank, reported, evidence, page, "
        "value, unit, method FROM findings ORDER BY ALL"
    )
    # every PDF made unreadable: only the stored text can give the same findings
    for pdf in (pdf_cache.root / "pdfs").rglob("*.pdf"):
        pdf.write_bytes(b"%PDF-1.7\n garbage \n%%EOF\n")
    monkeypatch.setattr(runner, "EXTRACTOR_VERSION", "det-bumped")
    again = batch.extract_store(store, pdf_cache.root, workers=2, progress=False)
    assert (again.extracted, again.errors, again.from_text) == (3, 0, 3)
    after = store.fetchall(
        "SELECT paper_id, category, rank, reported, evidence, page, "
        "value, unit, method FROM findings ORDER BY ALL"
    )
    assert after == before
    # without the text cache the damaged PDFs are what is read: errors, nothing hidden
    monkeypatch.setattr(runner, "EXTRACTOR_VERSION", "det-bumped-2")
    raw = batch.extract_store(store, pdf_cache.root, workers=2, progress=False, text_cache=False)
    assert (raw.extracted, raw.errors) == (0, 3)

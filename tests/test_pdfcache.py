"""The content-addressed PDF cache and local ingest, on real PDFs."""

from __future__ import annotations

import csv
import hashlib
import shutil

import pytest

from corpus.errors import PDFError
from corpus.ingest import ingest_directory, pdf_title, safe_member
from corpus.pdfcache import PdfCache, default_cache_dir, verify_pdf


@pytest.fixture(scope="module")
def manifest(pdfs_dir):
    with open(pdfs_dir / "manifest.csv", newline="", encoding="utf-8") as fh:
        return {r["file"]: r for r in csv.DictReader(fh)}


def test_put_layout_sha_and_pages(tmp_path, pdfs_dir, manifest):
    cache = PdfCache(tmp_path)
    for name in ("mirror/proceedings.mlr.press/v48/achim16.pdf", "arxiv2017-howard-mobilenets.pdf"):
        data = (pdfs_dir / name).read_bytes()
        got = cache.put(data)
        row = manifest[name]
        assert got.sha256 == row["sha256"] == hashlib.sha256(data).hexdigest()
        assert got.pages == int(row["pages"])
        assert got.path == tmp_path / "pdfs" / got.sha256[:2] / f"{got.sha256}.pdf"
        assert got.path.read_bytes() == data and cache.has(got.sha256)
    assert not list(tmp_path.rglob(".tmp-*"))


def test_put_twice_does_not_rewrite(tmp_path, pdfs_dir):
    cache = PdfCache(tmp_path)
    data = (pdfs_dir / "mirror/proceedings.mlr.press/v48/ok16.pdf").read_bytes()
    first = cache.put(data)
    mtime = first.path.stat().st_mtime_ns
    second = cache.put(data)
    assert second == first and first.path.stat().st_mtime_ns == mtime


def test_truncated_pdf_rejected(tmp_path, pdfs_dir):
    data = (pdfs_dir / "mirror/proceedings.mlr.press/v48/ok16.pdf").read_bytes()
    with pytest.raises(PDFError, match="truncated") as err:
        PdfCache(tmp_path).put(data[: len(data) // 2], url="u", paper_id="p")
    assert err.value.reason == "corrupt" and err.value.url == "u"
    assert not (tmp_path / "pdfs").exists() or not list((tmp_path / "pdfs").rglob("*.pdf"))


def test_html_served_as_pdf_rejected(tmp_path):
    html = b"<!DOCTYPE html>\n<html><head><title>503</title></head><body>busy</body></html>"
    with pytest.raises(PDFError, match="HTML") as err:
        PdfCache(tmp_path).put(html, paper_id="acl:x")
    assert err.value.paper_id == "acl:x" and err.value.reason == "not_pdf"
    with pytest.raises(PDFError, match="empty") as err:
        verify_pdf(b"")
    assert err.value.reason == "empty"


def test_header_and_eof_but_garbage_rejected_by_pdfium():
    with pytest.raises(PDFError, match="pdfium"):
        verify_pdf(b"%PDF-1.5\n" + b"garbage " * 100 + b"\n%%EOF\n")


def test_default_cache_dir(monkeypatch, tmp_path):
    monkeypatch.setenv("GREENLENS_CACHE", str(tmp_path / "c"))
    assert default_cache_dir() == tmp_path / "c"
    monkeypatch.delenv("GREENLENS_CACHE")
    assert str(default_cache_dir()) == ".greenlens-cache"


def test_path_for_rejects_non_digests(tmp_path):
    with pytest.raises(PDFError):
        PdfCache(tmp_path).path_for("../../etc/passwd")


# -- ingest -----------------------------------------------------------------------------


def _submissions(tmp_path, pdfs_dir) -> tuple:
    sub = tmp_path / "submissions"
    (sub / "track2").mkdir(parents=True)
    shutil.copy(pdfs_dir / "mirror/proceedings.mlr.press/v48/achim16.pdf", sub / "s1.pdf")
    shutil.copy(pdfs_dir / "arxiv2017-howard-mobilenets.pdf", sub / "track2" / "s2.pdf")
    (sub / "broken.pdf").write_bytes(b"<html>oops</html>")
    return sub


def test_ingest_directory_without_manifest(tmp_path, pdfs_dir, store, manifest):
    sub = _submissions(tmp_path, pdfs_dir)
    cache = PdfCache(tmp_path / "cache")
    s = ingest_directory(store, cache, sub, venue="MYCONF", year=2026)
    assert s.new == 2 and [r.file for r in s.failed] == ["broken.pdf"]
    assert "HTML" in s.reasons("broken.pdf")[0]
    papers = {p.id: p for p in store.papers()}
    sha = manifest["mirror/proceedings.mlr.press/v48/achim16.pdf"]["sha256"]
    p1 = papers[f"local:{sha[:16]}"]
    assert (p1.status, p1.pdf_sha256, p1.pages, p1.venue, p1.year) == (
        "fetched",
        sha,
        9,
        "MYCONF",
        2026,
    )
    assert "Fourier" in p1.title  # from the PDF's metadata or first line
    assert cache.has(sha)
    again = ingest_directory(store, cache, sub, venue="MYCONF", year=2026)
    assert again.new == 0 and again.unchanged == 2 and len(store.papers()) == 2


def test_ingest_with_manifest_and_traversal_rejected(tmp_path, pdfs_dir, store):
    sub = _submissions(tmp_path, pdfs_dir)
    (tmp_path / "secret.pdf").write_bytes((sub / "s1.pdf").read_bytes())
    man = tmp_path / "m.csv"
    man.write_text(
        "file,id,title,authors\n"
        "s1.pdf,sub-17,Hash Functions for Inference,Ada Lovelace; Alan Turing\n"
        "../secret.pdf,sub-18,Escape,\n"
        "/etc/passwd,sub-19,Absolute,\n"
        "missing.pdf,sub-20,Gone,\n"
    )
    s = ingest_directory(
        store, PdfCache(tmp_path / "c"), sub, manifest_csv=man, venue="MYCONF", year=2026
    )
    assert s.new == 1
    assert "leaves the directory" in s.reasons("../secret.pdf")[0]
    assert "relative" in s.reasons("/etc/passwd")[0]
    assert "cannot read" in s.reasons("missing.pdf")[0]
    assert sorted(s.unlisted) == ["broken.pdf", "track2/s2.pdf"]
    p = store.get_paper("local:sub-17")
    assert p.title == "Hash Functions for Inference"
    assert p.authors == ("Ada Lovelace", "Alan Turing") and p.status == "fetched"


def test_safe_member_symlink_escape(tmp_path):
    d = tmp_path / "d"
    d.mkdir()
    (d / "link.pdf").symlink_to(tmp_path / "outside.pdf")
    with pytest.raises(Exception, match="leaves the directory"):
        safe_member(d, "link.pdf")
    assert safe_member(d, "a/b.pdf") == (d / "a" / "b.pdf").resolve()


def test_pdf_title_first_line_fallback(pdfs_dir):
    data = (pdfs_dir / "arxiv2017-howard-mobilenets.pdf").read_bytes()
    assert "MobileNets" in (pdf_title(data) or "")


@pytest.mark.parametrize(
    "data, reason",
    [
        (b"", "empty"),
        (b"<html><body>no</body></html>", "not_pdf"),
        (b"%PDF-1.7\n" + b"x" * 5000, "corrupt"),
    ],
)
def test_one_pdf_check_for_bytes_and_files(tmp_path, data, reason):
    """The cache (bytes) and check/extract (files) apply the same check, same reason."""
    from extractors.pdftext import check_file

    path = tmp_path / "f.pdf"
    path.write_bytes(data)
    with pytest.raises(PDFError) as from_bytes:
        verify_pdf(data)
    with pytest.raises(PDFError) as from_file:
        check_file(path)
    assert from_bytes.value.reason == from_file.value.reason == reason
    assert from_file.value.message == f"{from_bytes.value.message}: {path}"

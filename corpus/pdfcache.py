"""Content-addressed PDF cache: pdfs/ab/<sha256>.pdf, verified before it is accepted."""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

import pypdfium2

from corpus.errors import PDFError

DEFAULT_CACHE = ".greenlens-cache"
EOF_WINDOW = 2048  # %%EOF must sit this close to the end (trailing junk is common)
HEADER_WINDOW = 1024  # the PDF spec lets readers accept a header within the first 1 KiB


def default_cache_dir() -> Path:
    """`$GREENLENS_CACHE` if set, else ./.greenlens-cache."""
    return Path(os.environ.get("GREENLENS_CACHE") or DEFAULT_CACHE)


@dataclass(frozen=True)
class CachedPdf:
    """A verified PDF in the cache."""

    sha256: str
    path: Path
    pages: int
    size: int


def _describe_start(data: bytes) -> str:
    head = data[:200].lstrip().lower()
    if head.startswith((b"<!doctype html", b"<html")) or b"<html" in head or b"<body" in head:
        return "looks like an HTML page"
    if not data:
        return "empty body"
    return f"starts with {data[:16]!r}"


def open_failure(exc: Exception, data: bytes) -> tuple[str, str]:
    """(message, reason) for pdfium failing to load `data`.

    pdfium's error code is thread-global and not reset by a load that fails without
    setting one (a PDF with no pages fails with "Success", or with the code of the file
    before it: an encrypted one), so "encrypted" needs the file's own /Encrypt entry and a
    failure with no fresh code reads as no pages / no readable page tree."""
    import pypdfium2.raw as pdfium_c

    code = getattr(exc, "err_code", None)
    if code in (pdfium_c.FPDF_ERR_PASSWORD, pdfium_c.FPDF_ERR_SECURITY) and b"/Encrypt" in data:
        return "encrypted PDF (needs a password)", "encrypted"
    if code in (
        pdfium_c.FPDF_ERR_SUCCESS,
        pdfium_c.FPDF_ERR_PASSWORD,
        pdfium_c.FPDF_ERR_SECURITY,
        None,
    ):
        return "PDF has no pages (pdfium finds no page tree)", "empty"
    names = {
        pdfium_c.FPDF_ERR_FILE: "file not found or unreadable",
        pdfium_c.FPDF_ERR_FORMAT: "not a PDF or corrupted",
        pdfium_c.FPDF_ERR_PAGE: "page not found or content error",
    }
    return f"corrupt PDF: pdfium cannot open it ({names.get(code, f'error {code}')})", "corrupt"


def page_count(data: bytes) -> int:
    """Pages of a PDF given as bytes (raises PDFError if pdfium cannot open it)."""
    try:
        doc = pypdfium2.PdfDocument(data)
    except pypdfium2.PdfiumError as exc:
        message, reason = open_failure(exc, data)
        raise PDFError(message, reason=reason) from None
    try:
        return len(doc)
    finally:
        doc.close()


def check_envelope(head: bytes, tail: bytes, size: int, where: str = "") -> None:
    """Raise PDFError (with a reason) unless a file's first and last bytes look like a whole
    PDF: not empty, `%PDF-` in its first KiB, `%%EOF` in its last 2 KiB. The one PDF sanity
    check: the cache applies it to downloaded bytes, `check` and extraction to files."""
    if size == 0:
        raise PDFError(f"empty file (0 bytes){where}", reason="empty")
    if b"%PDF-" not in head[:HEADER_WINDOW]:
        raise PDFError(
            f"not a PDF: no %PDF- header ({_describe_start(head)}, {size} bytes){where}",
            reason="not_pdf",
        )
    if b"%%EOF" not in tail[-EOF_WINDOW:]:
        raise PDFError(
            f"truncated PDF: no %%EOF in its last {EOF_WINDOW} bytes ({size} bytes){where}",
            reason="corrupt",
        )


def verify_pdf(data: bytes) -> int:
    """Check bytes are a whole PDF; return its page count or raise PDFError saying why not."""
    check_envelope(data[:HEADER_WINDOW], data[-EOF_WINDOW:], len(data))
    pages = page_count(data)
    if pages < 1:
        raise PDFError("PDF has no pages", reason="empty")
    return pages


class PdfCache:
    """PDFs by sha256 under `<root>/pdfs/ab/<sha256>.pdf`; writes are atomic."""

    def __init__(self, root: str | Path | None = None) -> None:
        self.root = Path(root) if root is not None else default_cache_dir()

    def path_for(self, sha256: str) -> Path:
        """Where the PDF with this sha256 lives (whether or not it is there)."""
        if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
            raise PDFError(f"not a sha256 hex digest: {sha256!r}")
        return self.root / "pdfs" / sha256[:2] / f"{sha256}.pdf"

    def has(self, sha256: str | None) -> bool:
        """Whether the PDF with this sha256 is in the cache."""
        return sha256 is not None and bool(sha256) and self.path_for(sha256).is_file()

    def put(self, data: bytes, *, url: str | None = None, paper_id: str | None = None) -> CachedPdf:
        """Verify data and store it (a no-op if already there); PDFError if not a whole PDF."""
        try:
            pages = verify_pdf(data)
        except PDFError as exc:
            raise PDFError(exc.message, reason=exc.reason, url=url, paper_id=paper_id) from None
        sha = hashlib.sha256(data).hexdigest()
        path = self.path_for(sha)
        if not (path.is_file() and path.stat().st_size == len(data)):
            from corpus.http import atomic_write  # here: `check` reads PDFs without requests

            atomic_write(path, data)
        return CachedPdf(sha, path, pages, len(data))

    def put_file(self, source: str | Path, *, paper_id: str | None = None) -> CachedPdf:
        """Verify and store a PDF from a local file."""
        try:
            data = Path(source).read_bytes()
        except OSError as exc:
            raise PDFError(
                f"cannot read {source}: {exc.strerror}", reason="missing", paper_id=paper_id
            ) from exc
        return self.put(data, url=str(source), paper_id=paper_id)

    def read(self, sha256: str) -> bytes:
        """The bytes of a cached PDF (PDFError if absent)."""
        path = self.path_for(sha256)
        try:
            return path.read_bytes()
        except FileNotFoundError:
            raise PDFError(
                f"PDF {sha256} is not in the cache at {self.root}", reason="missing"
            ) from None

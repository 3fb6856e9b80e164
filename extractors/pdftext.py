"""PDF text with pypdfium2: per-page lines in reading order, title by font size, scanned pages.

pypdfium2 was chosen by measurement (bench/pdf_engines.py, docs/extractors.md): the fastest
engine here, with columns in reading order and spaces kept. pdfium ends lines with "\\r\\n"
and replaces a line-end hyphen it judges soft by U+FFFE (no line break after it); both are
dealt with in extractors.layout.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from corpus.errors import PDFError

SCANNED_MAX_CHARS = 20  # a page with fewer visible characters and an image is "scanned"
TITLE_SCAN_LINES = 30  # title: the largest font among page 1's first lines
CAPTION_SIZE_LINES = 10  # font sizes are read for a caption's first line and those after
# More pages than any paper has: a page tree claiming more (the same page object listed
# 200,000 times costs a few bytes each) is refused rather than parsed for minutes.
MAX_PAGES = int(os.environ.get("GREENLENS_MAX_PAGES", "2000"))
# Bump when read_pdf's output (RawPdf) changes: stored page text (extractors.pagecache) is
# keyed by it, so older entries are then parsed again instead of reused.
PARSER_VERSION = "1"
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_SPACES = re.compile(r" +")


@dataclass(frozen=True)
class RawPdf:
    """What the engine gives: lines of each page in reading order, and page-1 title."""

    file: str
    pages: tuple[tuple[str, ...], ...]
    title: str | None
    scanned_pages: tuple[int, ...]
    # font size of each line's first character (0.0 where unknown), parallel to `pages`
    sizes: tuple[tuple[float, ...], ...] = ()


def check_file(path: Path) -> None:
    """Raise PDFError (with a reason) unless `path` looks like a whole PDF file."""
    from corpus.pdfcache import EOF_WINDOW, HEADER_WINDOW, check_envelope

    try:
        size = path.stat().st_size
        if not path.is_file():
            raise PDFError(f"not a file: {path}", reason="missing")
        with path.open("rb") as fh:
            head = fh.read(HEADER_WINDOW)
            fh.seek(max(0, size - EOF_WINDOW))
            tail = fh.read()
    except FileNotFoundError:
        raise PDFError(f"no such file: {path}", reason="missing") from None
    except PermissionError:
        raise PDFError(f"cannot read {path}: permission denied", reason="missing") from None
    check_envelope(head, tail, size, f": {path}")


def _open(path: Path):
    import pypdfium2 as pdfium

    try:
        return pdfium.PdfDocument(str(path))
    except pdfium.PdfiumError as exc:
        from corpus.pdfcache import open_failure

        try:
            data = path.read_bytes()  # only on failure: is it really encrypted?
        except OSError:
            data = b""
        message, reason = open_failure(exc, data)
        raise PDFError(f"{message}: {path}", reason=reason) from None


def read_pdf(path: str | Path) -> RawPdf:
    """Every page's text lines in reading order; PDFError if the file is not a readable PDF."""
    import pypdfium2 as pdfium
    import pypdfium2.raw as pdfium_c

    path = Path(path)
    check_file(path)
    doc = _open(path)
    try:
        n = len(doc)
        if n < 1:
            raise PDFError(f"PDF has no pages: {path}", reason="empty")
        if n > MAX_PAGES:
            raise PDFError(
                f"{n} pages, over the limit of {MAX_PAGES} pages (GREENLENS_MAX_PAGES): {path}",
                reason="too_large",
            )
        pages: list[tuple[str, ...]] = []
        sizes: list[tuple[float, ...]] = []
        scanned: list[int] = []
        title = None
        for i in range(n):
            try:
                page = doc[i]
            except pdfium.PdfiumError:
                pages.append(())  # an unreadable page loses its text, not the paper
                sizes.append(())
                continue
            textpage = page.get_textpage()
            text = textpage.get_text_range()
            if i == 0:
                title = _title(textpage, text)
            if len(text) - text.count(" ") - text.count("\n") - text.count(
                "\r"
            ) < SCANNED_MAX_CHARS and _has_image(page, pdfium_c):
                scanned.append(i + 1)
            lines = tuple(_LINE_BREAK.split(text)) if text else ()
            sizes.append(_line_sizes(textpage, text, lines))
            textpage.close()
            page.close()
            pages.append(lines)
    finally:
        doc.close()
    return RawPdf(os.path.basename(path), tuple(pages), title, tuple(scanned), tuple(sizes))


def _line_sizes(textpage, text: str, lines: tuple[str, ...]) -> tuple[float, ...]:
    """Font size of the lines that may belong to a caption (a line starting "Fig"/"Tab" and
    the lines after it), 0.0 for the others: captions are set smaller than the text after
    them. A line's size is the median at its first, middle and last characters (a math
    symbol or subscript at one of them does not decide)."""
    import pypdfium2.raw as pdfium_c

    if not lines or textpage.count_chars() != len(text):
        return (0.0,) * len(lines)
    raw, out, pos = textpage.raw, [], 0
    wanted = 0  # lines still to measure after a caption start
    for line in lines:
        first = len(line) - len(line.lstrip())
        if line[first : first + 3].lower() in ("fig", "tab"):
            wanted = CAPTION_SIZE_LINES
        if wanted and first < len(line):
            wanted -= 1
            last = len(line.rstrip()) - 1
            probes = sorted(
                pdfium_c.FPDFText_GetFontSize(raw, pos + k)
                for k in (first, (first + last) // 2, last)
            )
            out.append(probes[1])
        else:
            out.append(0.0)
        pos += len(line)
        pos += 2 if text.startswith("\r\n", pos) else 1
    return tuple(out)


def _has_image(page, pdfium_c) -> bool:
    return any(True for _ in page.get_objects(filter=(pdfium_c.FPDF_PAGEOBJ_IMAGE,), max_depth=2))


_NOT_TITLE = re.compile(
    r"arxiv:|^\s*(proceedings|published|under review|preprint|workshop|"
    r"journal|vol\.|volume|copyright|\d+\s*$)",
    re.IGNORECASE,
)


_ABSTRACT = re.compile(r"(abstract|a b s t r a c t|1\.?\s+introduction)\b", re.IGNORECASE)


def _title(textpage, text: str) -> str | None:
    """Page 1's title: the run of top lines set in the largest upright font."""
    import pypdfium2.raw as pdfium_c

    raw = textpage.raw
    lines: list[tuple[float, str]] = []
    pos = 0
    aligned = textpage.count_chars() == len(text)  # one char index per str character
    for line in _LINE_BREAK.split(text):
        start, end = pos, pos + len(line)
        pos = end + 2 if text.startswith("\r\n", end) else end + 1
        stripped = line.strip()
        if not any(ch.isalpha() for ch in stripped):
            continue  # line numbers of review copies, stray symbols
        if len(lines) >= TITLE_SCAN_LINES or _ABSTRACT.match(stripped):
            break  # the title comes before the abstract
        if not aligned:
            lines.append((0.0, stripped))
            continue
        # word starts: small-caps titles set only the initials in the full size
        probes = [
            start + k
            for k in [0] + [m.end() for m in _SPACES.finditer(line)][:7]
            if k < len(line) and line[k] != " "
        ]
        upright = all(abs(pdfium_c.FPDFText_GetCharAngle(raw, j)) < 0.01 for j in probes[:2])
        size = max((pdfium_c.FPDFText_GetFontSize(raw, j) for j in probes), default=0.0)
        size = size if upright and not _NOT_TITLE.search(stripped) else 0.0
        lines.append((size, stripped))
    if not aligned:
        return next((s for _, s in lines if len(s) > 10), None)
    best = max((size for size, _ in lines), default=0.0)
    if best <= 0:
        return None
    same = sum(abs(size - best) < 0.6 for size, _ in lines)
    if same == len(lines) or (len(lines) >= 5 and same > 0.6 * len(lines)):
        # one size for everything (some PDFs report 1.0 for every character): first line
        return next((ln for size, ln in lines if size > 0), None)
    picked: list[str] = []
    for size, line in lines:
        if abs(size - best) < 0.6:
            if picked and len(line) <= 2 and line.islower():
                picked[-1] += line  # a word cut by the line break ("b" + "y")
            else:
                picked.append(line)
        elif picked:
            break
    title = " ".join(picked).replace("\ufffe", "")
    title = re.sub(r"\s+", " ", title).strip()
    return title[:300] or None

"""Ingest local PDFs (e.g. a program chair's submissions on disk) into store and cache.

Manifest CSV (optional), one row per paper: `file` (required, relative to the directory),
`id`, `title`, `authors` (separated by `;`), `abstract`, `url`. Without a manifest every
`*.pdf` under the directory is ingested, titled from the PDF's metadata or first line.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath, PureWindowsPath

import pypdfium2

from corpus.errors import ConfigError, PDFError
from corpus.pdfcache import PdfCache
from corpus.records import Paper
from corpus.store import Store

# Titles producers put in PDF metadata that are not the paper's title.
_JUNK_TITLE = re.compile(r"^(untitled|microsoft word|title|paper|\S+\.(docx?|tex|dvi|pdf))\b",
                         re.IGNORECASE)

# Running heads and stamps printed above a title on page 1.
_BOILERPLATE = re.compile(
    r"^(arxiv:|under review|published as|proceedings of|preprint|workshop|accepted|"
    r"journal of|copyright|\d+(st|nd|rd|th) conference|in proceedings|vol\.)|"
    r"@|https?://|\b(19|20)\d\d\b.*\b(conference|proceedings|workshop|research)\b",
    re.IGNORECASE)
_CONTINUES = re.compile(r"(,|:|\b(and|of|for|the|a|an|with|in|on|to|via|from|by))$", re.IGNORECASE)


@dataclass
class IngestSummary:
    """What an ingest did: papers added or refreshed, files rejected (file -> reason)."""

    new: int = 0
    updated: int = 0
    unchanged: int = 0
    failed: dict[str, str] = field(default_factory=dict)
    unlisted: list[str] = field(default_factory=list)  # PDFs on disk the manifest omits

    def as_dict(self) -> dict:
        """A JSON-able dict of the summary."""
        return {"new": self.new, "updated": self.updated, "unchanged": self.unchanged,
                "failed": dict(self.failed), "unlisted": list(self.unlisted)}


def safe_member(directory: Path, name: str) -> Path:
    """directory/name, refusing absolute names and any that escape directory."""
    if not name or PurePosixPath(name).is_absolute() or PureWindowsPath(name).is_absolute() \
            or PureWindowsPath(name).drive:
        raise ConfigError(f"manifest file name {name!r} must be relative to the directory")
    parts = PurePosixPath(name.replace("\\", "/")).parts
    if ".." in parts:
        raise ConfigError(f"manifest file name {name!r} leaves the directory ('..')")
    path = (directory / Path(*parts)).resolve()
    if not path.is_relative_to(directory.resolve()):
        raise ConfigError(f"manifest file name {name!r} leaves the directory (link)")
    return path


def _norm(text: str) -> str:
    return "".join(c for c in text.lower() if c.isalnum())


def pdf_title(data: bytes) -> str | None:
    """The PDF's metadata title if page 1 shows it, else page 1's first text line, else None.

    Metadata titles are often file names ("icml-16-noise (17)", "Microsoft Word - x.docx"),
    so one is trusted only when the same words are printed on the first page.
    """
    try:
        doc = pypdfium2.PdfDocument(data)
    except pypdfium2.PdfiumError:
        return None
    try:
        meta = (doc.get_metadata_dict().get("Title") or "").strip()
        text = ""
        if len(doc):
            page = doc[0]
            textpage = page.get_textpage()
            text = textpage.get_text_range()
            textpage.close()
            page.close()
    finally:
        doc.close()
    if len(_norm(meta)) >= 8 and not _JUNK_TITLE.match(meta) and _norm(meta) in _norm(text[:3000]):
        return " ".join(meta.split())
    lines = [" ".join(line.split()) for line in text.splitlines()]
    lines = [ln for ln in lines if sum(c.isalpha() for c in ln) >= 4]
    for i, line in enumerate(lines):
        if _BOILERPLATE.search(line):
            continue
        title = line
        # a title broken over two lines: "Inception-v4, Inception-ResNet and" + "the Impact..."
        if i + 1 < len(lines) and _CONTINUES.search(title):
            title = f"{title} {lines[i + 1]}"
        return title[:300]
    return None


def _read_manifest(path: Path) -> list[dict]:
    try:
        with open(path, newline="", encoding="utf-8-sig") as fh:
            rows = list(csv.DictReader(fh))
    except OSError as exc:
        raise ConfigError(f"cannot read manifest {path}: {exc.strerror}") from exc
    if rows and "file" not in rows[0]:
        raise ConfigError(f"manifest {path} has no 'file' column (columns: {list(rows[0])})")
    return rows


def ingest_directory(store: Store, cache: PdfCache, directory: str | Path, *,
                     manifest_csv: str | Path | None = None, venue: str | None = None,
                     year: int | None = None) -> IngestSummary:
    """Verify, cache and record every PDF in directory (or each manifest row).

    A manifest's `venue` and `year` columns, where filled, win over `venue`/`year`."""
    directory = Path(directory)
    if not directory.is_dir():
        raise ConfigError(f"{directory} is not a directory")
    summary = IngestSummary()
    on_disk = sorted(p for p in directory.rglob("*") if p.suffix.lower() == ".pdf"
                     and p.is_file())
    if manifest_csv is not None:
        rows = _read_manifest(Path(manifest_csv))
    else:
        rows = [{"file": p.relative_to(directory).as_posix()} for p in on_disk]
    used: set[Path] = set()
    for row in rows:
        name = (row.get("file") or "").strip()
        try:
            # names we found ourselves are trusted; a manifest's must stay inside directory
            path = safe_member(directory, name) if manifest_csv is not None \
                else directory / name
            used.add(path)
            cached = cache.put_file(path)
        except (ConfigError, PDFError) as exc:
            summary.failed[name] = exc.message
            continue
        data = cache.read(cached.sha256)
        pid = (row.get("id") or "").strip() or cached.sha256[:16]
        pid = pid if pid.startswith("local:") else f"local:{pid}"
        row_venue = (row.get("venue") or "").strip() or venue
        row_year = (row.get("year") or "").strip() or year
        if not row_venue or not row_year:
            summary.failed[name] = "no venue/year: give --venue and --year or manifest columns"
            continue
        title = (row.get("title") or "").strip() or pdf_title(data) or path.stem
        authors = tuple(a.strip() for a in (row.get("authors") or "").split(";") if a.strip())
        paper = Paper(id=pid, source="local", venue=row_venue, year=int(row_year), title=title,
                      authors=authors, abstract=(row.get("abstract") or None),
                      url=(row.get("url") or None))
        counts = store.upsert_papers([paper])
        store.set_pdf_state(pid, status="fetched", pdf_sha256=cached.sha256,
                            pages=cached.pages, error=None)
        summary.new += counts.new
        summary.updated += counts.updated
        summary.unchanged += counts.unchanged
    if manifest_csv is not None:
        summary.unlisted = [p.relative_to(directory).as_posix() for p in on_disk
                            if p.resolve() not in used]
    return summary

"""Ingest local PDFs (e.g. a program chair's submissions on disk) into store and cache.

Manifest CSV (optional), one row per paper: `file` (required, relative to the directory),
`id`, `title`, `authors` (separated by `;`), `abstract`, `url`. Without a manifest every
`*.pdf` under the directory is ingested, titled from the PDF's metadata or first line.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath, PureWindowsPath

import pypdfium2

from corpus.errors import ConfigError, PDFError
from corpus.pdfcache import PdfCache
from corpus.records import Paper
from corpus.store import Store, UpsertCounts

# Titles producers put in PDF metadata that are not the paper's title.
_JUNK_TITLE = re.compile(
    r"^(untitled|microsoft word|title|paper|\S+\.(docx?|tex|dvi|pdf))\b", re.IGNORECASE
)

# Running heads and stamps printed above a title on page 1.
_BOILERPLATE = re.compile(
    r"^(arxiv:|under review|published as|proceedings of|preprint|workshop|accepted|"
    r"journal of|copyright|\d+(st|nd|rd|th) conference|in proceedings|vol\.)|"
    r"@|https?://|\b(19|20)\d\d\b.*\b(conference|proceedings|workshop|research)\b",
    re.IGNORECASE,
)
_CONTINUES = re.compile(r"(,|:|\b(and|of|for|the|a|an|with|in|on|to|via|from|by))$", re.IGNORECASE)


YEAR_MIN, YEAR_MAX = 1900, 2100  # a year outside this is a typo, not a paper
REJECTION_SOURCE = "ingest"


@dataclass(frozen=True)
class Rejection:
    """One manifest row (`row 3`) or file found on disk that was not ingested, and why."""

    item: str
    file: str
    reason: str

    def as_dict(self) -> dict:
        """A JSON-able dict."""
        return {"item": self.item, "file": self.file, "reason": self.reason}


@dataclass
class IngestSummary:
    """What an ingest did: papers added or refreshed, rows or files rejected (with why)."""

    new: int = 0
    updated: int = 0
    unchanged: int = 0
    failed: list[Rejection] = field(default_factory=list)
    unlisted: list[str] = field(default_factory=list)  # PDFs on disk the manifest omits

    def as_dict(self) -> dict:
        """A JSON-able dict of the summary."""
        return {
            "new": self.new,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "failed": [r.as_dict() for r in self.failed],
            "unlisted": list(self.unlisted),
        }

    def reasons(self, file: str) -> list[str]:
        """The reasons rows naming `file` were rejected (empty if none was)."""
        return [r.reason for r in self.failed if r.file == file]


def parse_year(value: object) -> int:
    """A year from a manifest cell or option; ConfigError unless a whole number in range."""
    text = str(value).strip()
    if not re.fullmatch(r"[0-9]{1,4}", text):
        raise ConfigError(f"bad year {text[:40]!r}: give four digits, e.g. 2024")
    year = int(text)
    if not YEAR_MIN <= year <= YEAR_MAX:
        raise ConfigError(f"bad year {year}: outside {YEAR_MIN}-{YEAR_MAX}")
    return year


def safe_member(directory: Path, name: str) -> Path:
    """directory/name, refusing absolute names and any that escape directory."""
    if (
        not name
        or PurePosixPath(name).is_absolute()
        or PureWindowsPath(name).is_absolute()
        or PureWindowsPath(name).drive
    ):
        raise ConfigError(f"manifest file name {name!r} must be relative to the directory")
    parts = PurePosixPath(name.replace("\\", "/")).parts
    if ".." in parts:
        raise ConfigError(f"manifest file name {name!r} leaves the directory ('..')")
    if "\x00" in name:
        raise ConfigError(f"manifest file name {name!r} has a NUL character")
    path = (directory / Path(*parts)).resolve()
    if not path.is_relative_to(directory.resolve()):
        raise ConfigError(f"file name {name!r} leaves the directory (link)")
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
    meta = text = ""
    try:
        meta = (doc.get_metadata_dict().get("Title") or "").strip()
        if len(doc):
            page = doc[0]
            textpage = page.get_textpage()
            text = textpage.get_text_range()
            textpage.close()
            page.close()
    except pypdfium2.PdfiumError:
        pass  # an unreadable first page: the title falls back to the file name
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


def decode_manifest(data: bytes, path: Path) -> str:
    """The manifest's text: UTF-8 (with or without BOM), else Windows-1252/Latin-1 as
    spreadsheets export it; ConfigError for anything else (binary, other encodings)."""
    if b"\x00" in data:
        raise ConfigError(f"manifest {path} is not a CSV text file (it has NUL bytes)")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        try:
            return data.decode("cp1252")
        except UnicodeDecodeError:
            raise ConfigError(
                f"manifest {path} is neither UTF-8 nor Windows-1252/Latin-1 "
                f"text (byte {exc.start}); save it as CSV UTF-8"
            ) from None


def _read_manifest(path: Path) -> list[tuple[int, dict]]:
    """(spreadsheet row number, row) for each data row; the header is row 1."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"cannot read manifest {path}: {exc.strerror}") from exc
    text = decode_manifest(data, path)
    reader = csv.DictReader(io.StringIO(text, newline=""))
    rows: list[tuple[int, dict]] = []
    try:
        if reader.fieldnames is not None:
            reader.fieldnames = [(f or "").strip().lower() for f in reader.fieldnames]
        if not reader.fieldnames or "file" not in reader.fieldnames:
            raise ConfigError(
                f"manifest {path} has no 'file' column (columns: "
                f"{list(reader.fieldnames or [])[:10]})"
            )
        for n, row in enumerate(reader, start=2):
            rows.append((n, row))
    except csv.Error as exc:
        raise ConfigError(
            f"manifest {path} is not valid CSV near line {reader.line_num}: {exc}"
        ) from exc
    return rows


def _cell(row: dict, key: str) -> str:
    value = row.get(key)
    return value.strip() if isinstance(value, str) else ""


def ingest_directory(
    store: Store,
    cache: PdfCache,
    directory: str | Path,
    *,
    manifest_csv: str | Path | None = None,
    venue: str | None = None,
    year: int | None = None,
) -> IngestSummary:
    """Verify, cache and record every PDF in directory (or each manifest row).

    A manifest's `venue` and `year` columns, where filled, win over `venue`/`year`. A row
    or file that cannot be ingested is a Rejection (in the summary, and in the store's
    `rejections` table, replacing those of this directory's last ingest); the rest goes on.
    """
    directory = Path(directory)
    if not directory.is_dir():
        raise ConfigError(f"{directory} is not a directory")
    if year is not None:
        year = parse_year(year)
    summary = IngestSummary()
    on_disk = sorted(p for p in directory.rglob("*") if p.suffix.lower() == ".pdf" and p.is_file())
    if manifest_csv is not None:
        rows = _read_manifest(Path(manifest_csv))
    else:
        rows = [(0, {"file": p.relative_to(directory).as_posix()}) for p in on_disk]
    used: set[Path] = set()
    ids: dict[str, str] = {}
    for n, row in rows:
        name = _cell(row, "file")
        item = f"row {n}" if manifest_csv is not None else name
        try:
            counts = _ingest_row(store, cache, directory, row, name, venue, year, used, ids, item)
        except (ConfigError, PDFError) as exc:
            summary.failed.append(Rejection(item, name, exc.message))
            continue
        summary.new += counts.new
        summary.updated += counts.updated
        summary.unchanged += counts.unchanged
    if manifest_csv is not None:
        summary.unlisted = [
            p.relative_to(directory).as_posix() for p in on_disk if p.resolve() not in used
        ]
    store.replace_rejections(
        REJECTION_SOURCE,
        str(directory.resolve()),
        [(r.item, r.file, r.reason) for r in summary.failed],
    )
    return summary


def _ingest_row(
    store: Store,
    cache: PdfCache,
    directory: Path,
    row: dict,
    name: str,
    venue: str | None,
    year: int | None,
    used: set[Path],
    ids: dict[str, str],
    item: str,
) -> UpsertCounts:
    if not name:
        raise ConfigError("no file name in the 'file' column")
    # every name must stay inside directory, found on disk (symlinks) or in a manifest
    path = safe_member(directory, name)
    row_venue = _cell(row, "venue") or venue
    row_year = _cell(row, "year") or year
    if not row_venue or not row_year:
        raise ConfigError("no venue/year: give --venue and --year or manifest columns")
    row_year = parse_year(row_year)
    if not path.is_file():
        raise PDFError(
            f"cannot read {name}: "
            + ("not a regular file" if path.exists() else "No such file or directory"),
            reason="missing",
        )
    used.add(path)
    cached = cache.put_file(path)
    given = _cell(row, "id")
    pid = given or cached.sha256[:16]  # without an id, one PDF's copies are one paper
    pid = pid if pid.startswith("local:") else f"local:{pid}"
    if given and pid in ids:
        raise ConfigError(f"id {pid} is already used by {ids[pid]} of this ingest")
    ids.setdefault(pid, item)
    data = cache.read(cached.sha256)
    title = _cell(row, "title") or pdf_title(data) or path.stem
    authors = tuple(a.strip() for a in _cell(row, "authors").split(";") if a.strip())
    paper = Paper(
        id=pid,
        source="local",
        venue=row_venue,
        year=row_year,
        title=title,
        authors=authors,
        abstract=_cell(row, "abstract") or None,
        url=_cell(row, "url") or None,
    )
    counts = store.upsert_papers([paper])
    store.set_pdf_state(
        pid, status="fetched", pdf_sha256=cached.sha256, pages=cached.pages, error=None
    )
    return counts

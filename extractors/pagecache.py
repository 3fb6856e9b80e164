"""Each PDF's parsed page text, kept compressed so detectors can re-run without the PDF.

A parsed PDF (`extractors.pdftext.RawPdf`: lines per page, title, scanned pages, caption
font sizes) is stored as zlib-compressed JSON under
`<root>/pagetext/p<PARSER_VERSION>/ab/<sha256>.json.z`, keyed by the PDF's sha256 and the
parser version: a new detector or target version re-runs layout, detectors and target
from this text (no PDF is opened), while a new parser version starts a fresh folder. A
file is written to a temporary name and renamed, so a reader sees it whole or not at all;
an unreadable entry is a miss (the PDF is parsed again and the entry rewritten).

Below the detectors, the analysed document itself (`extractors.document.Document`: page
texts, units with page/section/kind, title, abstract, introduction) is kept the same way
by `UnitCache` under `<root>/pagetext/p<PARSER_VERSION>/units-l<PDF_LAYER_VERSION>/`, so a
new detector or target version re-runs without rebuilding layout and sentences (~1 ms a
page; loading an entry ~0.1 ms). Each page's text is followed by its units' texts, so the
compressor finds the repeated words close together.
"""

from __future__ import annotations

import json
import marshal
import os
import zlib
from pathlib import Path

from extractors.document import Document, TextUnit
from extractors.pdftext import PARSER_VERSION, RawPdf

_LEVEL = 6  # zlib: ~5x smaller than the text at a few ms per paper
_UNITS_LEVEL = 3  # written on every analysis: level 3 encodes ~3x faster than 6, ~13% larger
_UNITS_FORMAT = ("greenlens-units", 1, marshal.version)


def encode(raw: RawPdf) -> bytes:
    """A RawPdf as compressed bytes (exact: floats and strings round-trip unchanged)."""
    payload = {
        "title": raw.title,
        "scanned": list(raw.scanned_pages),
        "pages": [list(p) for p in raw.pages],
        # most sizes are 0.0 (only caption candidates are measured): keep the others
        "sizes": [[[i, s] for i, s in enumerate(p) if s] for p in raw.sizes],
        "lines": [len(p) for p in raw.sizes],
        "has_sizes": bool(raw.sizes),
    }
    text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    return zlib.compress(text.encode("utf-8", "surrogatepass"), _LEVEL)


def decode(data: bytes, file: str) -> RawPdf:
    """The RawPdf of `encode` (named `file`); ValueError if the bytes are not one."""
    try:
        payload = json.loads(zlib.decompress(data).decode("utf-8", "surrogatepass"))
        sizes: tuple[tuple[float, ...], ...] = ()
        if payload["has_sizes"]:
            rows = []
            for n, nonzero in zip(payload["lines"], payload["sizes"], strict=True):
                row = [0.0] * n
                for i, s in nonzero:
                    row[i] = s
                rows.append(tuple(row))
            sizes = tuple(rows)
        return RawPdf(
            file,
            tuple(tuple(p) for p in payload["pages"]),
            payload["title"],
            tuple(payload["scanned"]),
            sizes,
        )
    except (
        zlib.error,
        UnicodeDecodeError,
        json.JSONDecodeError,
        KeyError,
        TypeError,
        ValueError,
        IndexError,
    ) as exc:
        raise ValueError(f"not a page-text entry: {exc}") from None


def encode_document(doc: Document) -> bytes | None:
    """A Document as compressed bytes (exact), or None if its units are not in page order
    within its pages (then it is not cached)."""
    by_page: list[list[TextUnit]] = [[] for _ in range(doc.pages)]
    last = 1
    for u in doc.units:
        if not last <= u.page <= doc.pages:
            return None
        last = u.page
        by_page[u.page - 1].append(u)
    if len(doc.page_texts) != doc.pages:
        return None
    pairs: dict[tuple[str, str], int] = {}
    pages = []
    for text, units in zip(doc.page_texts, by_page, strict=True):
        codes = [pairs.setdefault((u.section, u.kind), len(pairs)) for u in units]
        pages.append((text, tuple(codes), tuple(u.text for u in units)))
    payload = (
        _UNITS_FORMAT,
        doc.pages,
        doc.title,
        doc.abstract,
        doc.introduction,
        tuple(doc.scanned_pages),
        tuple(pairs),
        tuple(pages),
    )
    return zlib.compress(marshal.dumps(payload), _UNITS_LEVEL)


def decode_document(data: bytes, file: str) -> Document:
    """The Document of `encode_document` (named `file`); ValueError if the bytes are not one."""
    try:
        fmt, n, title, abstract, intro, scanned, pairs, pages = marshal.loads(zlib.decompress(data))
        if fmt != _UNITS_FORMAT or len(pages) != n:
            raise ValueError("another format")
        units: list[TextUnit] = []
        add, new = units.append, object.__new__
        for p, (_, codes, texts) in enumerate(pages, 1):
            for code, text in zip(codes, texts, strict=True):
                section, kind = pairs[code]
                # TextUnit(p, section, kind, text) without the frozen dataclass's __init__
                # and its four object.__setattr__ calls: a third of loading a document
                unit = new(TextUnit)
                fields = unit.__dict__
                fields["page"] = p
                fields["section"] = section
                fields["kind"] = kind
                fields["text"] = text
                add(unit)
        return Document(
            file, n, tuple(pg[0] for pg in pages), tuple(units), title, abstract, intro, scanned
        )
    except (zlib.error, EOFError, TypeError, ValueError, IndexError) as exc:
        raise ValueError(f"not an analysed-document entry: {exc}") from None


class PageCache:
    """Parsed page text by PDF sha256, for this parser version, under `root/pagetext`."""

    def __init__(self, root: str | Path) -> None:
        self.dir = Path(root) / "pagetext" / f"p{PARSER_VERSION}"

    def path_for(self, sha256: str) -> Path:
        """Where the entry of this PDF lives (whether or not it is there)."""
        if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
            raise ValueError(f"not a sha256 hex digest: {sha256!r}")
        return self.dir / sha256[:2] / f"{sha256}.json.z"

    def get(self, sha256: str, file: str) -> RawPdf | None:
        """The stored text of this PDF (named `file`), or None if absent or unreadable."""
        try:
            data = self.path_for(sha256).read_bytes()
        except OSError:
            return None
        try:
            return decode(data, file)
        except ValueError:
            return None

    def put(self, sha256: str, raw: RawPdf) -> bool:
        """Store a parsed PDF; False (nothing stored) if the disk refuses: the text is a
        cache, so a full or read-only disk costs a later re-parse, never a result."""
        return _write(self.path_for(sha256), encode(raw))

    def size_bytes(self) -> int:
        """Bytes on disk of this parser version's entries."""
        return sum(p.stat().st_size for p in self.dir.rglob("*.json.z"))


class UnitCache:
    """Analysed documents by PDF sha256, for this parser and PDF-layer version."""

    def __init__(self, root: str | Path, layer: str | None = None) -> None:
        if layer is None:
            from extractors.extract_pdf import PDF_LAYER_VERSION as layer
        self.dir = Path(root) / "pagetext" / f"p{PARSER_VERSION}" / f"units-l{layer}"
        self._pages = PageCache(root)

    def path_for(self, sha256: str) -> Path:
        """Where the entry of this PDF lives (whether or not it is there)."""
        return self.dir / self._pages.path_for(sha256).parent.name / f"{sha256}.units.z"

    def get(self, sha256: str, file: str) -> Document | None:
        """The stored document of this PDF (named `file`), or None if absent or unreadable."""
        try:
            data = self.path_for(sha256).read_bytes()
        except OSError:
            return None
        try:
            return decode_document(data, file)
        except ValueError:
            return None

    def put(self, sha256: str, doc: Document) -> bool:
        """Store an analysed document; False (nothing stored) if it cannot be encoded or
        the disk refuses (a cache: a miss costs a layout rebuild, never a result)."""
        data = encode_document(doc)
        return data is not None and _write(self.path_for(sha256), data)

    def size_bytes(self) -> int:
        """Bytes on disk of this version's entries."""
        return sum(p.stat().st_size for p in self.dir.rglob("*.units.z"))


def _write(path: Path, data: bytes) -> bool:
    tmp = path.with_name(f".tmp-{os.getpid()}-{path.name}")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_bytes(data)
        os.replace(tmp, path)
        return True
    except OSError:
        try:
            tmp.unlink(missing_ok=True)
        except OSError:
            pass
        return False

"""Each PDF's parsed page text, kept compressed so detectors can re-run without the PDF.

A parsed PDF (`extractors.pdftext.RawPdf`: lines per page, title, scanned pages, caption
font sizes) is stored as zlib-compressed JSON under
`<root>/pagetext/p<PARSER_VERSION>/ab/<sha256>.json.z`, keyed by the PDF's sha256 and the
parser version: a new detector or target version re-runs layout, detectors and target
from this text (no PDF is opened), while a new parser version starts a fresh folder. A
file is written to a temporary name and renamed, so a reader sees it whole or not at all;
an unreadable entry is a miss (the PDF is parsed again and the entry rewritten).
"""

from __future__ import annotations

import json
import os
import zlib
from pathlib import Path

from extractors.pdftext import PARSER_VERSION, RawPdf

_LEVEL = 6  # zlib: ~5x smaller than the text at a few ms per paper


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
        path = self.path_for(sha256)
        tmp = path.with_name(f".tmp-{os.getpid()}-{path.name}")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp.write_bytes(encode(raw))
            os.replace(tmp, path)
            return True
        except OSError:
            try:
                tmp.unlink(missing_ok=True)
            except OSError:
                pass
            return False

    def size_bytes(self) -> int:
        """Bytes on disk of this parser version's entries."""
        return sum(p.stat().st_size for p in self.dir.rglob("*.json.z"))

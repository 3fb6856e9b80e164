"""Typed records that move between the packages (and to and from DuckDB rows)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from datetime import datetime


@dataclass(frozen=True)
class Paper:
    """One paper's metadata as a source gives it, plus the state of its PDF.

    `id` is stable across crawls: `<source>:<the source's own id>`, e.g.
    `acl:2024.acl-long.1`, `pmlr:v48/abel16`, `arxiv:1706.03762`.
    `status` is `listed` (metadata only), `fetched` (PDF cached, `pdf_sha256` set),
    `failed` (`error` says why) or `no_pdf` (the source names no PDF).
    """

    id: str
    source: str
    venue: str
    year: int
    title: str
    authors: tuple[str, ...] = ()
    abstract: str | None = None
    url: str | None = None
    pdf_url: str | None = None
    pdf_sha256: str | None = None
    pages: int | None = None
    fetched_at: datetime | None = None
    status: str = "listed"
    error: str | None = None

    def to_row(self) -> dict:
        """The DuckDB row (authors as a list)."""
        row = asdict(self)
        row["authors"] = list(self.authors)
        return row

    @classmethod
    def from_row(cls, row: dict) -> Paper:
        """Rebuild from a row dict as `to_row` (or a SELECT of the papers table) gives it."""
        names = {f.name for f in fields(cls)}
        data = {k: v for k, v in row.items() if k in names}
        data["authors"] = tuple(data.get("authors") or ())
        return cls(**data)

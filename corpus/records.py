"""Typed records that move between the packages (and to and from DuckDB rows)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from datetime import datetime

PAPER_STATUSES = ("listed", "fetched", "failed", "no_pdf")


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


@dataclass(frozen=True)
class Evidence:
    """Where a finding comes from: the sentence or caption, its 1-based page, a parsed value."""

    page: int
    text: str
    value: float | None = None
    unit: str | None = None


@dataclass(frozen=True)
class Finding:
    """Whether a paper reports one category, with the evidence for it."""

    paper_id: str
    category: str
    reported: bool
    evidence: tuple[Evidence, ...] = field(default_factory=tuple)
    method: str = ""
    extractor_version: str = ""

    def to_rows(self) -> list[dict]:
        """One `findings` row per piece of evidence (one row with no evidence if none)."""
        base = {"paper_id": self.paper_id, "category": self.category,
                "reported": self.reported, "method": self.method,
                "extractor_version": self.extractor_version}
        if not self.evidence:
            return [{**base, "rank": 0, "evidence": None, "page": None, "value": None,
                     "unit": None}]
        return [{**base, "rank": i, "evidence": e.text, "page": e.page, "value": e.value,
                 "unit": e.unit} for i, e in enumerate(self.evidence)]

    @classmethod
    def from_rows(cls, rows: list[dict]) -> Finding:
        """Inverse of `to_rows` (rows of one paper and category)."""
        rows = sorted(rows, key=lambda r: r["rank"])
        first = rows[0]
        evidence = tuple(Evidence(r["page"], r["evidence"], r["value"], r["unit"])
                         for r in rows if r["evidence"] is not None)
        return cls(first["paper_id"], first["category"], bool(first["reported"]), evidence,
                   first["method"], first["extractor_version"])

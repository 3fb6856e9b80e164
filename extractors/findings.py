"""A finding: whether a paper reports one category, with typed evidence for it.

This is the one finding type: detectors return it, the reporting card shows it, the store
keeps it as `findings` rows (one per piece of evidence; their layout is
`extractors.schema.FINDING_COLUMNS`, from which the Arrow schema is derived).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Evidence:
    """Where a finding comes from: the sentence or caption, its 1-based page, a parsed value."""

    page: int
    text: str
    value: float | None = None
    unit: str | None = None

    def to_json_dict(self) -> dict[str, Any]:
        """{"page", "text", "value", "unit"}."""
        return {"page": self.page, "text": self.text, "value": self.value, "unit": self.unit}


@dataclass(frozen=True)
class Finding:
    """Whether a paper reports one category, with its evidence (strongest first)."""

    category: str
    reported: bool
    evidence: tuple[Evidence, ...] = ()
    method: str = ""  # e.g. "rules:flops/v1"

    def to_json_dict(self) -> dict[str, Any]:
        """{"reported", "evidence": [{"page", "text", "value", "unit"}]}."""
        return {"reported": self.reported, "evidence": [e.to_json_dict() for e in self.evidence]}

    def to_rows(
        self, paper_id: str, extractor_version: str, category_version: str | None = None
    ) -> list[dict[str, Any]]:
        """One `findings` row per piece of evidence (one row with no evidence if none);
        `category_version`: the version of this category's detector that produced it."""
        base = {
            "paper_id": paper_id,
            "category": self.category,
            "reported": self.reported,
            "method": self.method,
            "extractor_version": extractor_version,
            "category_version": category_version,
        }
        if not self.evidence:
            return [
                {**base, "rank": 0, "evidence": None, "page": None, "value": None, "unit": None}
            ]
        return [
            {
                **base,
                "rank": i,
                "evidence": e.text,
                "page": e.page,
                "value": e.value,
                "unit": e.unit,
            }
            for i, e in enumerate(self.evidence)
        ]

    @classmethod
    def from_rows(cls, rows: list[dict[str, Any]]) -> Finding:
        """Inverse of `to_rows` (the rows of one paper and category)."""
        rows = sorted(rows, key=lambda r: r["rank"])
        first = rows[0]
        evidence = tuple(
            Evidence(r["page"], r["evidence"], r["value"], r["unit"])
            for r in rows
            if r["evidence"] is not None
        )
        return cls(first["category"], bool(first["reported"]), evidence, first["method"])

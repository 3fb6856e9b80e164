"""Inter-annotator agreement between two paper gold files: Cohen's kappa, raw agreement and
the list of disagreements, per category (`reported`) and for `target`."""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from extractors.gold.validate import CATEGORIES


@dataclass(frozen=True)
class FieldAgreement:
    """Agreement on one field over the papers both files label."""

    field: str
    n: int
    agreement: float | None  # share of papers with the same value
    kappa: float | None  # None when undefined (no papers, or chance agreement is 1)


@dataclass(frozen=True)
class Disagreement:
    """One paper on which the two files differ for one field."""

    file: str
    field: str
    first: object
    second: object


@dataclass
class AgreementReport:
    """Per-field agreement, the disagreements, and which papers only one file has."""

    fields: list[FieldAgreement]
    disagreements: list[Disagreement]
    common: list[str]
    only_first: list[str] = field(default_factory=list)
    only_second: list[str] = field(default_factory=list)


def cohen_kappa(a: Sequence[Hashable], b: Sequence[Hashable]) -> float | None:
    """Cohen's kappa of two equally long label sequences; None if undefined (p_e = 1 or empty)."""
    if len(a) != len(b):
        raise ValueError(f"sequences differ in length ({len(a)} vs {len(b)})")
    n = len(a)
    if n == 0:
        return None
    p_o = sum(x == y for x, y in zip(a, b)) / n
    ca, cb = Counter(a), Counter(b)
    p_e = sum(ca[k] * cb[k] for k in ca) / (n * n)
    if p_e >= 1.0:
        return None
    return (p_o - p_e) / (1.0 - p_e)


def load_gold(path: Path) -> dict[str, dict]:
    """A gold JSONL file keyed by its `file` field (run `gold validate` first for errors)."""
    from corpus.jsonl import read_jsonl

    return {rec["file"]: rec for rec in read_jsonl(path, needs=("file",))}


def _value(rec: dict, fld: str) -> object:
    if fld == "target":
        return rec.get("target")
    return bool((rec.get("labels") or {}).get(fld, {}).get("reported"))


def compare(first: dict[str, dict], second: dict[str, dict]) -> AgreementReport:
    """Agreement of `target` and each category's `reported` over the common papers."""
    common = sorted(set(first) & set(second))
    fields, disagreements = [], []
    for fld in ("target", *CATEGORIES):
        a = [_value(first[f], fld) for f in common]
        b = [_value(second[f], fld) for f in common]
        same = sum(x == y for x, y in zip(a, b))
        fields.append(
            FieldAgreement(
                fld, len(common), same / len(common) if common else None, cohen_kappa(a, b)
            )
        )
        disagreements += [Disagreement(f, fld, x, y) for f, x, y in zip(common, a, b) if x != y]
    return AgreementReport(
        fields,
        disagreements,
        common,
        sorted(set(first) - set(second)),
        sorted(set(second) - set(first)),
    )


def format_report(report: AgreementReport) -> str:
    """A plain-text table plus the disagreement list."""

    def num(x: float | None) -> str:
        return "n/a" if x is None else f"{x:.3f}"

    lines = [
        (
            f"papers in both files: {len(report.common)} (only first: "
            f"{len(report.only_first)}, only second: {len(report.only_second)})"
        ),
        f"{'field':<16}{'n':>4}{'agree':>8}{'kappa':>8}",
    ]
    lines += [f"{f.field:<16}{f.n:>4}{num(f.agreement):>8}{num(f.kappa):>8}" for f in report.fields]
    lines.append(f"disagreements: {len(report.disagreements)}")
    lines += [f"  {d.file}  {d.field}: {d.first} vs {d.second}" for d in report.disagreements]
    return "\n".join(lines)

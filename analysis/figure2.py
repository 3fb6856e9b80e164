"""The Green AI question (Schwartz et al. 2020, Figure 2): what share of papers target
accuracy vs efficiency, greenlens' raw and adjusted shares beside the published ones."""

from __future__ import annotations

from dataclasses import dataclass

from analysis.adjusted import adjusted_targets
from analysis.db import Filters, Reader
from analysis.shares import stale_abstracts_note, target_counts
from analysis.stats import wilson

CITATION = (
    "Schwartz, Dodge, Smith, Etzioni (2020), Green AI, Communications of the ACM 63(12), Figure 2"
)
# What the Green AI paper reports from 60 hand-labelled papers (20 per conference), as
# summarised in greenlens issue 12: share targeting accuracy (incl. papers claiming both)
# and, where given, efficiency. None = not given in that summary.
PUBLISHED: dict[tuple[str, int], dict[str, float | None]] = {
    ("ACL", 2018): {"accuracy_incl_both": 0.90, "efficiency": 0.10},
    ("NeurIPS", 2018): {"accuracy_incl_both": 0.80, "efficiency": None},
    ("CVPR", 2019): {"accuracy_incl_both": 0.75, "efficiency": 0.20},
}
PUBLISHED_N = 20
GROUPS: dict[str, tuple[str, ...]] = {
    "accuracy_incl_both": ("accuracy", "both"),
    "efficiency_incl_both": ("efficiency", "both"),
}
MEASURES = ("accuracy_incl_both", "efficiency_incl_both", "efficiency")
DEFINITIONS = (
    "How the two measure differ: the Green AI authors read 20 papers per conference and "
    "asked whether the paper's main contribution targets accuracy or efficiency; greenlens "
    "labels by ANNOTATION.md (accuracy, efficiency, both, other) from title + abstract (and "
    "the introduction's opening for full text), and 'other' (theory, datasets, analyses, "
    "surveys) is a separate class here, so a paper the Green AI authors counted as "
    "accuracy-targeting can be 'other' in greenlens. Whether the published efficiency "
    "share includes papers claiming both is not stated in the summary used here; greenlens "
    "shows efficiency with and without 'both'. n = 20 per venue makes the published Wilson "
    "intervals 27 to 36 points wide (90% of 20: 70-97%)."
)


@dataclass(frozen=True)
class Figure2Row:
    """One venue and year, one measure: published (if any), raw and adjusted greenlens."""

    venue: str
    year: int
    measure: str
    published: float | None
    published_ci_low: float | None
    published_ci_high: float | None
    n: int
    k: int
    raw: float | None
    adjusted: float | None
    adjusted_ci_low: float | None
    adjusted_ci_high: float | None
    note: str
    source: str


def _passes(f: Filters, venue: str, year: int) -> bool:
    return (
        (not f.venues or venue in f.venues)
        and (f.year_from is None or year >= f.year_from)
        and (f.year_to is None or year <= f.year_to)
        and (not f.years or year in f.years)
    )


def figure2_rows(
    db: Reader,
    cells: list[tuple[str, int]] | None = None,
    *,
    source: str = "abstract",
    filters: Filters | None = None,
) -> list[Figure2Row]:
    """Rows per (venue, year) and measure; by default every cell in the store and every
    published cell that passes `filters` (venues, years, extractor version; never pooled:
    the published cells are per venue)."""
    out = []
    f = filters or Filters()
    f = Filters(f.venues, f.year_from, f.year_to, version=f.version, years=f.years)
    counts = target_counts(db, f, source)
    stale = stale_abstracts_note(db) if source != "fulltext" else ""
    wanted = (
        cells
        if cells is not None
        else sorted(set(counts) | {c for c in PUBLISHED if _passes(f, *c)})
    )  # a missing one says so
    for venue, year in wanted:
        parts = counts.get((venue, year), [])
        total: dict[str, int] = {}
        for _, _, by in parts:
            for t, k in by.items():
                total[t] = total.get(t, 0) + k
        n = sum(total.values())
        adj = adjusted_targets(venue, year, parts, GROUPS) if n else {}
        used = "+".join(src for src, _, by in parts if sum(by.values())) or source
        pub = PUBLISHED.get((venue, year), {})
        for measure in MEASURES:
            members = GROUPS.get(measure, (measure,))
            k = sum(total.get(m, 0) for m in members)
            p = pub.get(measure)
            plo, phi = (
                wilson(round(p * PUBLISHED_N), PUBLISHED_N) if p is not None else (None, None)
            )
            a = adj.get(measure)
            note = (
                stale or "not in this store (it has no paper of this venue and year with a target)"
                if not n
                else (a.reason if a else "")
            )
            out.append(
                Figure2Row(
                    venue,
                    year,
                    measure,
                    p,
                    plo,
                    phi,
                    n,
                    k,
                    k / n if n else None,
                    a.share if a else None,
                    a.ci_low if a else None,
                    a.ci_high if a else None,
                    note,
                    used,
                )
            )
    return out


def comparison_rows(
    db: Reader, *, source: str = "abstract", filters: Filters | None = None
) -> list[Figure2Row]:
    """The three published cells (ACL 2018, NeurIPS 2018, CVPR 2019)."""
    return figure2_rows(db, sorted(PUBLISHED), source=source, filters=filters)

"""Shares of papers reporting each category, target shares, and the per-category trend test."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from analysis import queries as Q
from analysis.adjusted import adjusted_binary, adjusted_targets
from analysis.correction import Adjusted
from analysis.db import (
    Filters,
    Reader,
    current_version,
    has_findings,
    query,
    stored_category_versions,
    tables,
)
from analysis.stats import INTERVAL_METHOD, TrendFit, logistic_trend, wilson
from corpus.errors import ConfigError
from extractors.schema import TARGETS
from extractors.target import METHOD as ABSTRACT_MODEL

SOURCES = ("fulltext", "abstract", "both")

DENOMINATOR = (
    "papers with a successful extraction (status 'ok') of extractor version "
    "{version} matching the venue and year filters, less the documents found to be a "
    "volume's front matter or a form (preface, organisers' list, publication agreement)"
)
TARGET_DENOMINATOR = DENOMINATOR + " and a target assigned"


@dataclass(frozen=True)
class ShareRow:
    """k of n papers (one venue and year) report `category`; share with its Wilson 95% CI."""

    venue: str
    year: int
    category: str
    k: int
    n: int
    share: float | None
    ci_low: float | None
    ci_high: float | None
    interval: str = INTERVAL_METHOD
    # misclassification-adjusted share (analysis.adjusted), None with the reason
    share_adjusted: float | None = None
    adjusted_ci_low: float | None = None
    adjusted_ci_high: float | None = None
    adjusted_note: str = ""
    source: str = "fulltext"

    def as_dict(self) -> dict:
        """A flat dict (for tables and exports)."""
        return asdict(self)


@dataclass(frozen=True)
class TrendRow:
    """Trend test of one category over the filtered papers (pooled over venues)."""

    category: str
    fit: TrendFit

    def as_dict(self) -> dict:
        """A flat dict: category, n, k, years, slope, se, CI, p-value, odds ratio, reason."""
        f = self.fit
        return {
            "category": self.category,
            "n": f.n,
            "k": f.k,
            "years": f.years,
            "slope_per_year": f.slope,
            "se": f.se,
            "ci_low": f.ci_low,
            "ci_high": f.ci_high,
            "odds_ratio_per_year": f.odds_ratio,
            "p_value": f.p_value,
            "note": f.reason or "logistic regression (IRLS), Wald",
        }


def _share(
    venue, year, category, k, n, adjusted: Adjusted | None = None, source: str = "fulltext"
) -> ShareRow:
    lo, hi = wilson(int(k), int(n))
    a = adjusted or Adjusted(None, None, None, "")
    return ShareRow(
        str(venue),
        int(year),
        str(category),
        int(k),
        int(n),
        (k / n) if n else None,
        lo,
        hi,
        share_adjusted=a.share,
        adjusted_ci_low=a.ci_low,
        adjusted_ci_high=a.ci_high,
        adjusted_note=a.reason,
        source=source,
    )


def category_shares(
    db: Reader, filters: Filters | None = None, *, adjust: bool = True
) -> list[ShareRow]:
    """Per venue (or pooled) and year, the share of papers reporting each category."""
    filters = filters or Filters()
    version = current_version(db, filters.version)
    if version is None:
        return []
    rows = query(db, Q.CATEGORY_COUNTS, filters.params(version))
    made_by = stored_category_versions(db, version) if adjust else {}
    # a category the extractor does not know is reported by no paper (k = 0)
    out = []
    for r in rows:
        for c in filters.categories:
            k = r.get(c) or 0
            adj = (
                adjusted_binary(r["venue"], r["year"], c, k, r["n"], version, made_by.get(c))
                if adjust
                else None
            )
            out.append(_share(r["venue"], r["year"], c, k, r["n"], adj))
    return out


def target_counts(
    db: Reader, filters: Filters, source: str
) -> dict[tuple, list[tuple[str, str | None, dict[str, int]]]]:
    """Per (venue, year): (text source, its version, counts by target label) parts.

    "fulltext": papers with a successful extraction; "abstract": every paper classified
    from title + abstract; "both": full text where it exists, else the abstract."""
    if source not in SOURCES:
        raise ConfigError(f"--source must be one of {', '.join(SOURCES)}, not {source!r}")
    cells: dict[tuple, dict[str, dict[str, int]]] = {}
    versions: dict[str, str | None] = {}
    if source in ("fulltext", "both"):
        version = current_version(db, filters.version)
        versions["fulltext"] = version
        if version is not None:
            for r in query(db, Q.TARGET_COUNTS, filters.params(version)):
                cell = cells.setdefault((r["venue"], r["year"]), {})
                cell.setdefault("fulltext", {})[r["target"]] = int(r["k"])
    if source in ("abstract", "both") and "abstract_targets" in tables(db):
        versions["abstract"] = ABSTRACT_MODEL
        sql = Q.ABSTRACT_TARGET_COUNTS_NO_FULLTEXT if source == "both" else Q.ABSTRACT_TARGET_COUNTS
        version = versions.get("fulltext") or ""
        for r in query(db, sql, {**filters.params(version), "model": ABSTRACT_MODEL}):
            cell = cells.setdefault((r["venue"], r["year"]), {})
            cell.setdefault("abstract", {})[r["target"]] = int(r["k"])
    return {
        key: [(src, versions.get(src), by) for src, by in parts.items()]
        for key, parts in sorted(cells.items())
    }


def stale_abstracts_note(db: Reader) -> str:
    """Why the abstract source counts nothing although abstracts were classified: another
    target model did it ("" when the current model's targets are stored, or none)."""
    if "abstract_targets" not in tables(db):
        return ""
    models = {r["model"]: r["n"] for r in query(db, Q.ABSTRACT_MODELS)}
    if not models or ABSTRACT_MODEL in models:
        return ""
    others = ", ".join(f"{m!r} ({n} papers)" for m, n in models.items())
    return (
        f"the stored targets from abstracts are by {others}, not the current target "
        f"model {ABSTRACT_MODEL!r}, so none is counted: run `greenlens extract` to "
        "classify the abstracts again"
    )


def target_shares(
    db: Reader, filters: Filters | None = None, *, source: str = "fulltext", adjust: bool = True
) -> list[ShareRow]:
    """Per venue (or pooled) and year, the share of papers whose target is each of
    accuracy/efficiency/both/other (the Green AI paper's Figure 2, as a table), raw and
    adjusted for the target classifier's measured confusion on gold."""
    filters = filters or Filters()
    out = []
    for (venue, year), parts in target_counts(db, filters, source).items():
        total: dict[str, int] = {}
        for _, _, by in parts:
            for t, k in by.items():
                total[t] = total.get(t, 0) + k
        n = sum(total.values())
        adj = adjusted_targets(venue, year, parts) if adjust else {}
        used = "+".join(src for src, _, by in parts if sum(by.values()))
        out += [_share(venue, year, t, total.get(t, 0), n, adj.get(t), used) for t in TARGETS]
    return out


def trend_tests(db: Reader, filters: Filters | None = None) -> list[TrendRow]:
    """Per category, logistic regression of reported on year over the filtered papers."""
    filters = filters or Filters()
    pooled = Filters(
        filters.venues,
        filters.year_from,
        filters.year_to,
        filters.categories,
        filters.version,
        pool_venues=True,
        years=filters.years,
    )
    shares = category_shares(db, pooled, adjust=False)
    out = []
    for category in filters.categories:
        mine = [s for s in shares if s.category == category]
        fit = logistic_trend([s.year for s in mine], [s.k for s in mine], [s.n for s in mine])
        out.append(TrendRow(category, fit))
    return out


def denominator_note(db: Reader, filters: Filters | None = None, *, target: bool = False) -> str:
    """The sentence saying what every share is a share of."""
    filters = filters or Filters()
    version = current_version(db, filters.version)
    text = TARGET_DENOMINATOR if target else DENOMINATOR
    return text.format(version=repr(version) if version else "(none in the store)")


def target_denominator_note(db: Reader, filters: Filters, source: str) -> str:
    """What the target shares of this text source are shares of."""
    if source == "fulltext":
        return denominator_note(db, filters, target=True)
    abstract = (
        f"papers whose title + abstract the target model {ABSTRACT_MODEL!r} "
        "classified (greenlens extract), matching the venue and year filters"
    )
    if source == "abstract":
        return abstract
    return (
        denominator_note(db, filters, target=True)
        + "; for the other "
        + abstract
        + " (each part adjusted with its own gold error rates)"
    )


def summary(db: Reader, filters: Filters | None = None) -> dict:
    """Counts of papers, extractions (ok / failed) and the denominator, with the version."""
    filters = filters or Filters()
    if not has_findings(db):
        return {
            "papers": 0,
            "extractions": 0,
            "extractions_ok": 0,
            "extractions_failed": 0,
            "not_papers": 0,
            "denominator": 0,
            "version": None,
        }
    version = current_version(db, filters.version)
    row = query(db, Q.SUMMARY, filters.params(version))[0]
    return {**row, "version": version}

"""Shares of papers reporting each category, target shares, and the per-category trend test."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from analysis import queries as Q
from analysis.db import Filters, Reader, current_version, has_findings, query
from analysis.stats import INTERVAL_METHOD, TrendFit, logistic_trend, wilson
from extractors.schema import TARGETS

DENOMINATOR = ("papers with a successful extraction (status 'ok') of extractor version "
               "{version} matching the venue and year filters")
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
        return {"category": self.category, "n": f.n, "k": f.k, "years": f.years,
                "slope_per_year": f.slope, "se": f.se, "ci_low": f.ci_low,
                "ci_high": f.ci_high, "odds_ratio_per_year": f.odds_ratio,
                "p_value": f.p_value, "note": f.reason or "logistic regression (IRLS), Wald"}


def _share(venue, year, category, k, n) -> ShareRow:
    lo, hi = wilson(int(k), int(n))
    return ShareRow(str(venue), int(year), str(category), int(k), int(n),
                    (k / n) if n else None, lo, hi)


def category_shares(db: Reader, filters: Filters | None = None) -> list[ShareRow]:
    """Per venue (or pooled) and year, the share of papers reporting each category."""
    filters = filters or Filters()
    version = current_version(db, filters.version)
    if version is None:
        return []
    rows = query(db, Q.CATEGORY_COUNTS, filters.params(version))
    # a category the extractor does not know is reported by no paper (k = 0)
    return [_share(r["venue"], r["year"], c, r.get(c) or 0, r["n"])
            for r in rows for c in filters.categories]


def target_shares(db: Reader, filters: Filters | None = None) -> list[ShareRow]:
    """Per venue (or pooled) and year, the share of papers whose target is each of
    accuracy/efficiency/both/other (the Green AI paper's Figure 2, as a table)."""
    filters = filters or Filters()
    version = current_version(db, filters.version)
    if version is None:
        return []
    counts: dict[tuple, dict[str, int]] = {}
    for r in query(db, Q.TARGET_COUNTS, filters.params(version)):
        counts.setdefault((r["venue"], r["year"]), {})[r["target"]] = int(r["k"])
    out = []
    for (venue, year), by in counts.items():
        n = sum(by.values())
        out += [_share(venue, year, t, by.get(t, 0), n) for t in TARGETS]
    return out


def trend_tests(db: Reader, filters: Filters | None = None) -> list[TrendRow]:
    """Per category, logistic regression of reported on year over the filtered papers."""
    filters = filters or Filters()
    pooled = Filters(filters.venues, filters.year_from, filters.year_to, filters.categories,
                     filters.version, pool_venues=True)
    shares = category_shares(db, pooled)
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


def summary(db: Reader, filters: Filters | None = None) -> dict:
    """Counts of papers, extractions (ok / failed) and the denominator, with the version."""
    filters = filters or Filters()
    if not has_findings(db):
        return {"papers": 0, "extractions": 0, "extractions_ok": 0, "extractions_failed": 0,
                "denominator": 0, "version": None}
    version = current_version(db, filters.version)
    row = query(db, Q.SUMMARY, filters.params(version))[0]
    return {**row, "version": version}

"""greenlens.analysis: DuckDB SQL over papers and findings: shares, trends, estimates.

Start with `category_shares`, `target_shares` and `trend_tests` (analysis.shares), which
take a store (anything with `fetch_dicts`) and `Filters`. All SQL is in analysis.queries;
every filter is a bound parameter. Paper search and cards: analysis.papers. Compute
estimates: analysis.compute. Exports: analysis.export. The static HTML report:
analysis.report.
"""

from analysis.compute import PEAKS, ComputeRow, compute_estimates
from analysis.db import Filters, current_version
from analysis.papers import PaperQuery, paper_card, search_papers
from analysis.shares import ShareRow, category_shares, summary, target_shares, trend_tests
from analysis.stats import logistic_trend, wilson

__all__ = [
    "PEAKS",
    "ComputeRow",
    "Filters",
    "PaperQuery",
    "ShareRow",
    "category_shares",
    "compute_estimates",
    "current_version",
    "logistic_trend",
    "paper_card",
    "search_papers",
    "summary",
    "target_shares",
    "trend_tests",
    "wilson",
]

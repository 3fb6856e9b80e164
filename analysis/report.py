"""`greenlens report`: one static HTML file (charts as embedded PNG, tables), no server."""

from __future__ import annotations

import base64
import io
from collections import defaultdict
from datetime import UTC, datetime
from html import escape
from pathlib import Path

from analysis import replication
from analysis.compute import DEFAULT_PRECISION, DEFAULT_UTILISATION, compute_estimates
from analysis.db import Filters, Reader
from analysis.shares import (
    ShareRow,
    category_shares,
    denominator_note,
    summary,
    target_shares,
    trend_tests,
)
from analysis.stats import INTERVAL_METHOD
from extractors.schema import TARGETS

CSS = """body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;
color:#222}table{border-collapse:collapse;font-size:13px;margin:.5em 0 1.5em}
td,th{border:1px solid #ccc;padding:3px 6px;text-align:left;vertical-align:top}
th{background:#f3f3f3}.src{color:#555;font-size:13px}img{max-width:100%}
td.num{text-align:right;white-space:nowrap}"""


def _fmt_share(s: ShareRow | None) -> str:
    if s is None or not s.n:
        return "–"
    return f"{s.k}/{s.n} = {s.share:.0%} [{s.ci_low:.0%}–{s.ci_high:.0%}]"


def _table(headers: list[str], rows: list[list]) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{escape(str(c))}</td>" for c in r) + "</tr>"
                   for r in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def _png(fig, name: str, png_dir: Path | None, written: list[Path]) -> str:
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110)
    if png_dir is not None:
        png_dir.mkdir(parents=True, exist_ok=True)
        path = png_dir / f"{name}.png"
        path.write_bytes(buf.getvalue())
        written.append(path)
    plt.close(fig)
    data = base64.b64encode(buf.getvalue()).decode("ascii")
    return f'<img alt="{escape(name)}" src="data:image/png;base64,{data}">'


def _pivot(shares: list[ShareRow], keys: tuple[str, ...]) -> list[list]:
    cells: dict[tuple, dict[str, ShareRow]] = defaultdict(dict)
    for s in shares:
        cells[(s.venue, s.year)][s.category] = s
    rows = []
    for (venue, year), by in sorted(cells.items()):
        n = next(iter(by.values())).n
        rows.append([venue, year, n] + [_fmt_share(by.get(k)) for k in keys])
    return rows


def _num(v: float | None, spec: str = ".3g") -> str:
    return "–" if v is None else format(v, spec)


def build_report(db: Reader, *, filters: Filters | None = None, png_dir: Path | None = None,
                 utilisation: float = DEFAULT_UTILISATION,
                 precision: str = DEFAULT_PRECISION) -> tuple[str, list[Path]]:
    """The report's HTML text and the PNG files written to png_dir (if given)."""
    from analysis import plots

    filters = filters or Filters()
    pooled = Filters(filters.venues, filters.year_from, filters.year_to, filters.categories,
                     filters.version, pool_venues=True, years=filters.years)
    written: list[Path] = []
    info = summary(db, filters)
    venues = escape(", ".join(filters.venues) or "all")
    parts = [(f"<h1>greenlens report</h1><p class=src>Generated "
              f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC. Extractor version "
              f"{escape(str(info['version']))}; venues: {venues}; years: "
              f"{filters.year_from or 'any'}–{filters.year_to or 'any'}.</p>")]
    parts.append("<h2>Data</h2>" + _table(
        ["papers in store", "extractions", "ok", "failed", "denominator"],
        [[info["papers"], info["extractions"], info["extractions_ok"],
          info["extractions_failed"], info["denominator"]]]))
    parts.append(f"<p class=src>Denominator of every share: "
                 f"{escape(denominator_note(db, filters))}. A paper reports a category when "
                 f"the extractor found at least one piece of evidence for it (sentence and "
                 f"page). Intervals: {INTERVAL_METHOD} (Wilson 1927).</p>")
    if not info["denominator"]:
        parts.append("<p><b>No paper has a successful extraction of the current version for "
                     "these filters.</b> Run <code>greenlens extract</code> first.</p>")
    else:
        year_shares = category_shares(db, pooled)
        parts.append("<h2>Reporting over the years</h2>")
        parts.append(_png(plots.category_trends(year_shares, filters.categories),
                          "category_trends", png_dir, written))
        parts.append("<p class=src>Each cell: k/n = share [Wilson 95% interval], all selected "
                     "venues pooled.</p>")
        parts.append(_table(["venues", "year", "n"] + list(filters.categories),
                            _pivot(year_shares, filters.categories)))
        parts.append("<h2>Per venue and year</h2>")
        parts.append(_table(["venue", "year", "n"] + list(filters.categories),
                            _pivot(category_shares(db, filters), filters.categories)))
        parts.append("<h2>Trend test per category</h2><p class=src>Logistic regression of "
                     "reported (0/1) on year over the papers above, fitted by Newton-Raphson; "
                     "slope in log-odds per year with Wald 95% interval and p-value.</p>")
        parts.append(_table(
            ["category", "n", "k", "years", "slope/year", "95% CI", "odds ratio/year",
             "p-value", "note"],
            [[t.category, t.fit.n, t.fit.k, t.fit.years, _num(t.fit.slope),
              f"{_num(t.fit.ci_low)} – {_num(t.fit.ci_high)}" if t.fit.slope is not None
              else "–", _num(t.fit.odds_ratio), _num(t.fit.p_value), t.fit.reason]
             for t in trend_tests(db, filters)]))
        tshares = target_shares(db, pooled)
        parts.append("<h2>Target: accuracy, efficiency, both, other</h2>")
        if tshares:
            parts.append(_png(plots.target_bars(tshares), "target_shares", png_dir, written))
        parts.append(f"<p class=src>Denominator: "
                     f"{escape(denominator_note(db, filters, target=True))}.</p>")
        parts.append(_table(["venue", "year", "n"] + list(TARGETS),
                            _pivot(target_shares(db, filters), TARGETS)))
        comp = compute_estimates(db, filters, utilisation=utilisation, precision=precision)
        parts.append("<h2>Compute</h2><p class=src>estimate = GPU-hours × 3600 × the named "
                     f"device's peak FLOP/s ({escape(precision)}) × utilisation "
                     f"{utilisation:g} (an assumption, as Epoch AI); each row says how. "
                     "Reported = the paper's own FLOP/MAC count.</p>")
        if comp:
            parts.append(_png(plots.compute_scatter(comp), "compute", png_dir, written))
        parts.append(_table(["paper", "venue", "year", "estimate (FLOP)", "how", "reported"],
                            [[r.title, r.venue, r.year, _num(r.estimate_flop),
                              r.estimate_label, r.reported_label] for r in comp]))
    parts.append("<h2>Replication runs</h2>")
    recs = replication.recipes(db)
    if recs:
        parts.append(_table(["recipe", "trials", "done", "best", "metric", "energy (kJ)"],
                            [[r["recipe"], r["trials"], r["done"], _num(r["best"], ".4g"),
                              r["metric"], _num((r["energy_j"] or 0) / 1e3, ".4g")]
                             for r in recs]))
    else:
        parts.append(f"<p>{escape(replication.EMPTY_REASON)}</p>")
    html = (f"<!doctype html><html><head><meta charset=utf-8><title>greenlens report</title>"
            f"<style>{CSS}</style></head><body>{''.join(parts)}</body></html>")
    return html, written


def write_report(db: Reader, out: Path, *, png_dir: Path | None = None,
                 filters: Filters | None = None) -> list[Path]:
    """Write the report to `out`; return the PNG files written beside it (if png_dir)."""
    html, written = build_report(db, filters=filters, png_dir=png_dir)
    Path(out).write_text(html, encoding="utf-8")
    return written

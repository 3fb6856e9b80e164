"""`greenlens report`: one static HTML file (charts as embedded PNG, tables), no server."""

from __future__ import annotations

import base64
import io
from collections import defaultdict
from datetime import UTC, datetime
from html import escape
from pathlib import Path

from analysis import replication
from analysis.adjusted import provenance
from analysis.compute import DEFAULT_PRECISION, DEFAULT_UTILISATION, compute_estimates
from analysis.db import Filters, Reader, current_version, stored_category_versions
from analysis.shares import (
    ABSTRACT_MODEL,
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
    raw = f"{s.k}/{s.n} = {s.share:.0%} [{s.ci_low:.0%}–{s.ci_high:.0%}]"
    if s.share_adjusted is None:
        return raw + "; adj. n/a"
    lo, hi = s.adjusted_ci_low, s.adjusted_ci_high
    ci = f" [{lo:.0%}–{hi:.0%}]" if lo is not None and hi is not None else " [n/a]"
    return raw + f"; adj. {s.share_adjusted:.0%}{ci}"


def _pct(v: float | None) -> str:
    return "–" if v is None else f"{v:.0%}"


def _figure2_section(
    db: Reader, filters: Filters, png_dir: Path | None, written: list[Path]
) -> str:
    """The Green AI comparison (the published cells, whatever the filters) and the same
    question for every venue and year that passes the filters."""
    from analysis import figure2, plots

    parts = ["<h2>Figure 2 of Green AI: accuracy vs efficiency</h2>"]
    version = current_version(db, filters.version)
    cmp_rows = figure2.comparison_rows(db, source="both", filters=Filters(version=version))
    used = provenance(
        ("target",), ("fulltext", "abstract"), {"fulltext": version, "abstract": ABSTRACT_MODEL}
    )
    parts.append(
        f"<p class=src>Published: {escape(figure2.CITATION)}; n = "
        f"{figure2.PUBLISHED_N} papers per venue, Wilson 95% intervals. greenlens: "
        "target from full text where a PDF was extracted, else from title + "
        "abstract; raw share and the share adjusted for the classifier's measured "
        "confusion on gold; " + escape("; ".join(f"{k}: {v}" for k, v in used.items())) + ".</p>"
    )
    parts.append(
        _table(
            [
                "venue",
                "year",
                "measure",
                "published [95%]",
                "n",
                "greenlens raw",
                "greenlens adjusted [95%]",
                "note",
            ],
            [
                [
                    r.venue,
                    r.year,
                    r.measure,
                    "–"
                    if r.published is None
                    else f"{_pct(r.published)} [{_pct(r.published_ci_low)}–{_pct(r.published_ci_high)}]",
                    r.n,
                    _pct(r.raw),
                    "–"
                    if r.adjusted is None
                    else f"{_pct(r.adjusted)} [{_pct(r.adjusted_ci_low)}–{_pct(r.adjusted_ci_high)}]",
                    r.note,
                ]
                for r in cmp_rows
            ],
        )
    )
    missing = sorted({f"{r.venue} {r.year}" for r in cmp_rows if not r.n})
    if missing:
        parts.append(f"<p>Not in this store: {escape(', '.join(missing))}.</p>")
    parts.append(f"<p class=src>{escape(figure2.DEFINITIONS)}</p>")
    every = figure2.figure2_rows(db, source="both", filters=filters)
    if any(r.n for r in every):
        parts.append("<h3>The same question for every venue, 2015-2024</h3>")
        parts.append(_png(plots.figure2_trends(every), "figure2_trends", png_dir, written))
        parts.append(
            _table(
                [
                    "venue",
                    "year",
                    "n",
                    "accuracy incl. both: raw / adjusted [95%]",
                    "efficiency incl. both: raw / adjusted [95%]",
                ],
                [
                    [
                        v,
                        y,
                        by["accuracy_incl_both"].n,
                        *[
                            f"{_pct(by[m].raw)} / {_pct(by[m].adjusted)} "
                            f"[{_pct(by[m].adjusted_ci_low)}–{_pct(by[m].adjusted_ci_high)}]"
                            for m in ("accuracy_incl_both", "efficiency_incl_both")
                        ],
                    ]
                    for (v, y), by in _by_cell(every).items()
                    if by["accuracy_incl_both"].n
                ],
            )
        )
    return "".join(parts)


def _by_cell(rows) -> dict:
    cells: dict[tuple, dict] = defaultdict(dict)
    for r in rows:
        cells[(r.venue, r.year)][r.measure] = r
    return dict(sorted(cells.items()))


def _table(headers: list[str], rows: list[list]) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = "".join(
        "<tr>" + "".join(f"<td>{escape(str(c))}</td>" for c in r) + "</tr>" for r in rows
    )
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


def build_report(
    db: Reader,
    *,
    filters: Filters | None = None,
    png_dir: Path | None = None,
    utilisation: float = DEFAULT_UTILISATION,
    precision: str = DEFAULT_PRECISION,
) -> tuple[str, list[Path]]:
    """The report's HTML text and the PNG files written to png_dir (if given)."""
    from analysis import plots

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
    written: list[Path] = []
    info = summary(db, filters)
    venues = escape(", ".join(filters.venues) or "all")
    parts = [
        (
            f"<h1>greenlens report</h1><p class=src>Generated "
            f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC. Extractor version "
            f"{escape(str(info['version']))}; venues: {venues}; years: "
            f"{filters.year_from or 'any'}–{filters.year_to or 'any'}.</p>"
        )
    ]
    parts.append(
        "<h2>Data</h2>"
        + _table(
            ["papers in store", "extractions", "ok", "failed", "not papers", "denominator"],
            [
                [
                    info["papers"],
                    info["extractions"],
                    info["extractions_ok"],
                    info["extractions_failed"],
                    info["not_papers"],
                    info["denominator"],
                ]
            ],
        )
    )
    parts.append(
        f"<p class=src>Denominator of every share: "
        f"{escape(denominator_note(db, filters))}. A paper reports a category when "
        f"the extractor found at least one piece of evidence for it (sentence and "
        f"page). Intervals: {INTERVAL_METHOD} (Wilson 1927). 'adj.': the share "
        f"corrected for the extractor's measured errors on gold; "
        + escape(
            "; ".join(
                f"{k}: {v}"
                for k, v in provenance(
                    filters.categories,
                    ("fulltext",),
                    {"fulltext": info["version"]},
                    stored_category_versions(db, info["version"]),
                ).items()
            )
        )
        + ".</p>"
    )
    if not info["denominator"]:
        parts.append(
            "<p><b>No paper has a successful extraction of the current version for "
            "these filters.</b> Run <code>greenlens extract</code> first.</p>"
        )
    else:
        year_shares = category_shares(db, pooled)
        parts.append("<h2>Reporting over the years</h2>")
        parts.append(
            _png(
                plots.category_trends(year_shares, filters.categories),
                "category_trends",
                png_dir,
                written,
            )
        )
        parts.append(
            "<p class=src>Each cell: k/n = share [Wilson 95% interval], all selected "
            "venues pooled.</p>"
        )
        parts.append(
            _table(
                ["venues", "year", "n"] + list(filters.categories),
                _pivot(year_shares, filters.categories),
            )
        )
        parts.append("<h2>Per venue and year</h2>")
        parts.append(
            _table(
                ["venue", "year", "n"] + list(filters.categories),
                _pivot(category_shares(db, filters), filters.categories),
            )
        )
        parts.append(
            "<h2>Trend test per category</h2><p class=src>Logistic regression of "
            "reported (0/1) on year over the papers above, fitted by Newton-Raphson; "
            "slope in log-odds per year with Wald 95% interval and p-value.</p>"
        )
        parts.append(
            _table(
                [
                    "category",
                    "n",
                    "k",
                    "years",
                    "slope/year",
                    "95% CI",
                    "odds ratio/year",
                    "p-value",
                    "note",
                ],
                [
                    [
                        t.category,
                        t.fit.n,
                        t.fit.k,
                        t.fit.years,
                        _num(t.fit.slope),
                        f"{_num(t.fit.ci_low)} – {_num(t.fit.ci_high)}"
                        if t.fit.slope is not None
                        else "–",
                        _num(t.fit.odds_ratio),
                        _num(t.fit.p_value),
                        t.fit.reason,
                    ]
                    for t in trend_tests(db, filters)
                ],
            )
        )
        tshares = target_shares(db, pooled)
        parts.append("<h2>Target: accuracy, efficiency, both, other</h2>")
        if tshares:
            parts.append(_png(plots.target_bars(tshares), "target_shares", png_dir, written))
        parts.append(
            f"<p class=src>Denominator: "
            f"{escape(denominator_note(db, filters, target=True))}. 'adj.': "
            + escape(
                "; ".join(
                    f"{k}: {v}"
                    for k, v in provenance(
                        ("target",), ("fulltext",), {"fulltext": info["version"]}
                    ).items()
                )
            )
            + ".</p>"
        )
        parts.append(
            _table(
                ["venue", "year", "n"] + list(TARGETS), _pivot(target_shares(db, filters), TARGETS)
            )
        )
        comp = compute_estimates(db, filters, utilisation=utilisation, precision=precision)
        parts.append(
            "<h2>Compute</h2><p class=src>estimate = GPU-hours × 3600 × the named "
            f"device's peak FLOP/s ({escape(precision)}) × utilisation "
            f"{utilisation:g} (an assumption, as Epoch AI); each row says how. "
            "Reported = the paper's own FLOP/MAC count.</p>"
        )
        if comp:
            parts.append(_png(plots.compute_scatter(comp), "compute", png_dir, written))
        parts.append(
            _table(
                ["paper", "venue", "year", "estimate (FLOP)", "how", "reported"],
                [
                    [
                        r.title,
                        r.venue,
                        r.year,
                        _num(r.estimate_flop),
                        r.estimate_label,
                        r.reported_label,
                    ]
                    for r in comp
                ],
            )
        )
    parts.append(_figure2_section(db, filters, png_dir, written))
    parts.append("<h2>Replication runs</h2>")
    recs = replication.recipes(db)
    if recs:
        parts.append(
            _table(
                ["recipe", "trials", "done", "best", "metric", "energy (kJ)"],
                [
                    [
                        r["recipe"],
                        r["trials"],
                        r["done"],
                        _num(r["best"], ".4g"),
                        r["metric"],
                        _num((r["energy_j"] or 0) / 1e3, ".4g"),
                    ]
                    for r in recs
                ],
            )
        )
    else:
        parts.append(f"<p>{escape(replication.EMPTY_REASON)}</p>")
    html = (
        f"<!doctype html><html><head><meta charset=utf-8><title>greenlens report</title>"
        f"<style>{CSS}</style></head><body>{''.join(parts)}</body></html>"
    )
    return html, written


def write_report(
    db: Reader, out: Path, *, png_dir: Path | None = None, filters: Filters | None = None
) -> list[Path]:
    """Write the report to `out`; return the PNG files written beside it (if png_dir)."""
    html, written = build_report(db, filters=filters, png_dir=png_dir)
    Path(out).write_text(html, encoding="utf-8")
    return written

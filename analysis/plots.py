"""Matplotlib charts for the static report; each returns a Figure (caller saves it)."""

from __future__ import annotations

from collections import defaultdict

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from matplotlib.figure import Figure

from analysis.compute import ComputeRow
from analysis.shares import ShareRow

TARGET_COLOURS = {
    "accuracy": "#4c72b0",
    "efficiency": "#55a868",
    "both": "#c44e52",
    "other": "#8c8c8c",
}


def _interval(s: ShareRow) -> tuple[float, float, float]:
    """(share, Wilson low, Wilson high) of a row with papers (n > 0 always has all three)."""
    if s.share is None or s.ci_low is None or s.ci_high is None:
        raise ValueError(f"share row {s.venue} {s.year} {s.category} has n={s.n} but no share")
    return s.share, s.ci_low, s.ci_high


def category_trends(shares: list[ShareRow], categories: tuple[str, ...]) -> Figure:
    """Small multiples: share of papers reporting each category per year, Wilson 95% bars."""
    cols = 4
    rows = (len(categories) + cols - 1) // cols
    fig, axes = plt.subplots(
        rows, cols, figsize=(3.2 * cols, 2.6 * rows), sharey=True, squeeze=False
    )
    for ax, category in zip(axes.flat, categories):
        mine = sorted((s for s in shares if s.category == category and s.n), key=lambda s: s.year)
        xs = [s.year for s in mine]
        ivs = [_interval(s) for s in mine]
        ys = [share for share, _, _ in ivs]
        err = [
            [max(0.0, share - lo) for share, lo, _ in ivs],
            [max(0.0, hi - share) for share, _, hi in ivs],
        ]
        ax.errorbar(xs, ys, yerr=err, fmt="o-", capsize=3, markersize=4)
        ax.set_title(category, fontsize=10)
        ax.set_ylim(0, 1)
        ax.grid(alpha=0.3)
        ax.xaxis.get_major_locator().set_params(integer=True)
    for ax in list(axes.flat)[len(categories) :]:
        ax.axis("off")
    fig.supylabel("share of papers reporting")
    fig.suptitle("Share of papers reporting each category (Wilson 95% intervals)", fontsize=11)
    fig.tight_layout()
    return fig


def target_bars(shares: list[ShareRow]) -> Figure:
    """Stacked bars of target shares per year (Figure 2 of Green AI, as shares)."""
    by_year: dict[int, dict[str, float]] = defaultdict(dict)
    n_year: dict[int, int] = {}
    for s in shares:
        by_year[s.year][s.category] = s.share or 0.0
        n_year[s.year] = s.n
    years = sorted(by_year)
    fig, ax = plt.subplots(figsize=(7, 3.6))
    bottom = [0.0] * len(years)
    for target, colour in TARGET_COLOURS.items():
        vals = [by_year[y].get(target, 0.0) for y in years]
        ax.bar([str(y) for y in years], vals, bottom=bottom, color=colour, label=target)
        bottom = [b + v for b, v in zip(bottom, vals)]
    for i, y in enumerate(years):
        ax.text(i, 1.01, f"n={n_year[y]}", ha="center", fontsize=7)
    ax.set_ylim(0, 1.08)
    ax.set_ylabel("share of papers")
    ax.set_title("Main claim of the paper (target) per year")
    ax.legend(fontsize=8, ncols=4, loc="lower center", bbox_to_anchor=(0.5, -0.3))
    fig.tight_layout()
    return fig


def figure2_trends(rows) -> Figure:
    """Per venue, the adjusted share targeting accuracy (incl. both) and efficiency (incl.
    both) per year, with bootstrap 95% intervals (analysis.figure2 rows)."""
    venues = sorted({r.venue for r in rows if r.n})
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.8), sharey=True)
    for ax, measure, title in zip(
        axes,
        ("accuracy_incl_both", "efficiency_incl_both"),
        ("targets accuracy (incl. both)", "targets efficiency (incl. both)"),
    ):
        for venue in venues:
            pts = sorted(
                (r.year, r)
                for r in rows
                if r.venue == venue and r.measure == measure and r.adjusted is not None
            )
            if not pts:
                continue
            ys = [y for y, _ in pts]
            mid = [r.adjusted for _, r in pts]
            err = [
                [
                    max(
                        0.0,
                        r.adjusted
                        - (r.adjusted_ci_low if r.adjusted_ci_low is not None else r.adjusted),
                    )
                    for _, r in pts
                ],
                [
                    max(
                        0.0,
                        (r.adjusted_ci_high if r.adjusted_ci_high is not None else r.adjusted)
                        - r.adjusted,
                    )
                    for _, r in pts
                ],
            ]
            ax.errorbar(ys, mid, yerr=err, marker="o", ms=3, capsize=2, label=venue)
        ax.set_title(title, fontsize=10)
        ax.set_ylim(0, 1)
        ax.set_xlabel("year")
    axes[0].set_ylabel("adjusted share of papers")
    if axes[1].get_legend_handles_labels()[0]:
        axes[1].legend(fontsize=7, ncols=2)
    fig.tight_layout()
    return fig


def compute_scatter(rows: list[ComputeRow]) -> Figure:
    """Compute estimates (and reported FLOP counts) per year, log scale."""
    fig, ax = plt.subplots(figsize=(7, 3.6))
    est = [(r.year, r.estimate_flop) for r in rows if r.estimate_flop]
    ax.scatter(
        [year for year, _ in est],
        [flop for _, flop in est],
        label="estimate (GPU-h x peak x utilisation)",
        marker="o",
    )
    for unit, marker in (("FLOPs", "x"), ("MACs", "+")):
        rep = [
            (r.year, r.reported_flop) for r in rows if r.reported_flop and r.reported_unit == unit
        ]
        ax.scatter(
            [year for year, _ in rep],
            [flop for _, flop in rep],
            marker=marker,
            label=f"reported {unit} (paper's own count, often per forward pass)",
        )
    ax.set_yscale("log")
    ax.set_ylabel("FLOP (MACs as stated)")
    ax.set_title("Compute: estimates beside reported counts")
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return fig

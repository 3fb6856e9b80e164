"""Altair charts for the app's pages (pure functions of row dicts; no Streamlit here)."""

from __future__ import annotations

import altair as alt
import pandas as pd

from extractors.schema import CATEGORIES

TARGET_COLOURS = {
    "accuracy": "#4c72b0",
    "efficiency": "#55a868",
    "both": "#c44e52",
    "other": "#8c8c8c",
}
_SHARE_TOOLTIP = [
    alt.Tooltip("year:O"),
    alt.Tooltip("k:Q", title="papers reporting (k)"),
    alt.Tooltip("n:Q", title="papers (n)"),
    alt.Tooltip("share:Q", format=".1%"),
    alt.Tooltip("ci_low:Q", title="Wilson 95% low", format=".1%"),
    alt.Tooltip("ci_high:Q", title="Wilson 95% high", format=".1%"),
]


_ADJ_TOOLTIP = [
    alt.Tooltip("share_adjusted:Q", title="adjusted share", format=".1%"),
    alt.Tooltip("adjusted_ci_low:Q", title="adjusted 95% low", format=".1%"),
    alt.Tooltip("adjusted_ci_high:Q", title="adjusted 95% high", format=".1%"),
    alt.Tooltip("adjusted_note:N", title="adjusted: note"),
]


def category_trends(rows: list[dict]) -> alt.FacetChart:
    """One panel per category: raw share per year with Wilson 95% error bars (blue) and
    the misclassification-adjusted share with its bootstrap 95% interval (orange)."""
    df = pd.DataFrame([r for r in rows if r["n"]])
    base = alt.Chart(df).encode(x=alt.X("year:O", title="year"))
    tips = [alt.Tooltip("category:N"), *_SHARE_TOOLTIP, *_ADJ_TOOLTIP]
    line = base.mark_line(point=True).encode(
        y=alt.Y(
            "share:Q",
            title="share reporting",
            scale=alt.Scale(domain=[0, 1]),
            axis=alt.Axis(format="%"),
        ),
        tooltip=tips,
    )
    bars = base.mark_errorbar(ticks=True).encode(
        y=alt.Y("ci_low:Q", title="share reporting"), y2="ci_high:Q", tooltip=tips
    )
    adj = df.dropna(subset=["share_adjusted"]) if "share_adjusted" in df else df.iloc[:0]
    abase = alt.Chart(adj).encode(x=alt.X("year:O", title="year"))
    aline = abase.mark_line(point=True, strokeDash=[4, 3], color="#dd8452").encode(
        y="share_adjusted:Q", tooltip=tips
    )
    abars = abase.mark_errorbar(color="#dd8452").encode(
        y="adjusted_ci_low:Q", y2="adjusted_ci_high:Q", tooltip=tips
    )
    order = [c for c in CATEGORIES if c in set(df["category"])]
    layers = [bars, line] + ([abars, aline] if len(adj) else [])
    return (
        alt.layer(*layers, data=df)
        .properties(width=190, height=150)
        .facet(facet=alt.Facet("category:N", title=None, sort=order), columns=4)
    )


def figure2_comparison(rows: list[dict]) -> alt.FacetChart:
    """Published (Green AI) vs greenlens raw and adjusted shares, with their intervals."""
    recs = []
    for r in rows:
        label = f"{r['venue']} {r['year']}"
        if r["published"] is not None:
            recs.append(
                {
                    "cell": label,
                    "measure": r["measure"],
                    "estimate": "published",
                    "share": r["published"],
                    "lo": r["published_ci_low"],
                    "hi": r["published_ci_high"],
                }
            )
        if r["raw"] is not None:
            recs.append(
                {
                    "cell": label,
                    "measure": r["measure"],
                    "estimate": "greenlens raw",
                    "share": r["raw"],
                    "lo": None,
                    "hi": None,
                }
            )
        if r["adjusted"] is not None:
            recs.append(
                {
                    "cell": label,
                    "measure": r["measure"],
                    "estimate": "greenlens adjusted",
                    "share": r["adjusted"],
                    "lo": r["adjusted_ci_low"],
                    "hi": r["adjusted_ci_high"],
                }
            )
    df = pd.DataFrame(recs, columns=["cell", "measure", "estimate", "share", "lo", "hi"])
    base = alt.Chart(df).encode(
        y=alt.Y("estimate:N", title=None), color=alt.Color("estimate:N", legend=None)
    )
    points = base.mark_point(filled=True, size=70).encode(
        x=alt.X(
            "share:Q",
            title="share of papers (95% interval)",
            scale=alt.Scale(domain=[0, 1]),
            axis=alt.Axis(format="%"),
        ),
        tooltip=[
            "cell:N",
            "measure:N",
            "estimate:N",
            alt.Tooltip("share:Q", format=".1%"),
            alt.Tooltip("lo:Q", format=".1%"),
            alt.Tooltip("hi:Q", format=".1%"),
        ],
    )
    rules = base.mark_rule().encode(x="lo:Q", x2="hi:Q")
    return (
        alt.layer(rules, points, data=df)
        .properties(width=150, height=80)
        .facet(row=alt.Row("cell:N", title=None), column=alt.Column("measure:N", title=None))
    )


def figure2_trends(rows: list[dict]) -> alt.Chart | alt.FacetChart:
    """Adjusted share targeting accuracy / efficiency (incl. both) per venue and year."""
    df = pd.DataFrame(
        [
            r
            for r in rows
            if r["adjusted"] is not None
            and r["measure"] in ("accuracy_incl_both", "efficiency_incl_both")
        ]
    )
    if df.empty:
        return alt.Chart(pd.DataFrame({"x": []})).mark_point()
    base = alt.Chart(df).encode(x=alt.X("year:O"), color=alt.Color("venue:N"))
    tips = [
        "venue:N",
        "year:O",
        "measure:N",
        "n:Q",
        alt.Tooltip("raw:Q", format=".1%"),
        alt.Tooltip("adjusted:Q", format=".1%"),
        alt.Tooltip("adjusted_ci_low:Q", format=".1%"),
        alt.Tooltip("adjusted_ci_high:Q", format=".1%"),
    ]
    line = base.mark_line(point=True).encode(
        y=alt.Y(
            "adjusted:Q",
            title="adjusted share of papers",
            axis=alt.Axis(format="%"),
            scale=alt.Scale(domain=[0, 1]),
        ),
        tooltip=tips,
    )
    bars = base.mark_errorbar().encode(
        y=alt.Y("adjusted_ci_low:Q", title="adjusted share of papers"), y2="adjusted_ci_high:Q"
    )
    return (
        alt.layer(bars, line, data=df)
        .properties(width=300, height=220)
        .facet(column=alt.Column("measure:N", title=None))
    )


def target_bars(rows: list[dict]) -> alt.Chart:
    """Stacked shares of papers by target per year (Figure 2 of Green AI)."""
    df = pd.DataFrame(rows)
    df["target"] = df["category"]
    return (
        alt.Chart(df)
        .mark_bar()
        .encode(
            x=alt.X("year:O"),
            y=alt.Y("share:Q", stack="zero", title="share of papers", axis=alt.Axis(format="%")),
            color=alt.Color(
                "target:N",
                scale=alt.Scale(domain=list(TARGET_COLOURS), range=list(TARGET_COLOURS.values())),
            ),
            tooltip=[alt.Tooltip("target:N"), *_SHARE_TOOLTIP],
        )
        .properties(height=260)
    )


def compute_scatter(rows: list[dict]) -> alt.Chart:
    """Compute estimates per year (log scale), label in the tooltip."""
    df = pd.DataFrame([r for r in rows if r["estimate_flop"]])
    return (
        alt.Chart(df)
        .mark_circle(size=70)
        .encode(
            x=alt.X("year:O"),
            y=alt.Y("estimate_flop:Q", scale=alt.Scale(type="log"), title="estimated FLOP"),
            color="gpu:N",
            tooltip=[
                "title:N",
                "gpu:N",
                alt.Tooltip("gpu_hours:Q", format=".3g"),
                alt.Tooltip("estimate_flop:Q", format=".3g"),
                "estimate_label:N",
            ],
        )
        .properties(height=260)
    )


def score_vs_cost(trials: list[dict], x: str) -> alt.Chart:
    """Validation score of each finished trial against its energy (Wh) or training FLOPs."""
    df = pd.DataFrame([t for t in trials if t["val_metric"] is not None])
    df["energy_wh"] = df["energy_j"] / 3600.0
    field = {"energy": "energy_wh", "flops": "train_flops"}[x]
    title = {"energy": "energy per trial (Wh, metered)", "flops": "training FLOPs"}[x]
    return (
        alt.Chart(df)
        .mark_circle(size=60)
        .encode(
            x=alt.X(f"{field}:Q", title=title, scale=alt.Scale(type="log")),
            y=alt.Y("val_metric:Q", title="validation score", scale=alt.Scale(zero=False)),
            color="recipe:N",
            tooltip=[
                "recipe:N",
                "trial:Q",
                "val_metric:Q",
                alt.Tooltip(f"{field}:Q", format=".3g"),
                "flops_source:N",
                "device:N",
            ],
        )
        .properties(height=280)
    )


def evp_curve(points: list[dict], x: str) -> alt.Chart:
    """Expected validation performance against budget in trials or energy (Wh)."""
    df = pd.DataFrame(points)
    df["energy_wh"] = df["energy_j"] / 3600.0
    field, title = (
        ("trials", "budget: hyperparameter trials")
        if x == "trials"
        else ("energy_wh", "budget: energy (Wh, mean per trial x n)")
    )
    axis = alt.Axis(tickMinStep=1, format="d") if x == "trials" else alt.Axis()
    return (
        alt.Chart(df)
        .mark_line(point=True)
        .encode(
            x=alt.X(f"{field}:Q", title=title, axis=axis),
            y=alt.Y("evp:Q", title="expected best validation score", scale=alt.Scale(zero=False)),
            color="recipe:N",
            tooltip=[
                "recipe:N",
                "trials:Q",
                alt.Tooltip("evp:Q", format=".4f"),
                alt.Tooltip("energy_wh:Q", format=".3g"),
            ],
        )
        .properties(height=280)
    )

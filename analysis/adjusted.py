"""Adjusted shares for the analysis tables: the shipped gold error rates of the same
extractor version and text source, applied to one cell's counts (analysis.correction)."""

from __future__ import annotations

import zlib

from analysis.correction import (
    BINARY_METHOD,
    TARGET_METHOD,
    Adjusted,
    GoldOutcomes,
    adjust_binary,
    adjust_target_mixture,
)
from extractors.error_rates import load_error_rates
from extractors.schema import TARGETS

SOURCE_NAMES = {"fulltext": "full text", "abstract": "title + abstract"}


def gold_outcomes(
    key: str, source: str, version: str | None, category_version: str | None = None
) -> GoldOutcomes | str:
    """Gold truth/prediction of `key` (a category or "target") for this text source and
    version (and, where both the store and the gold entry say it, this category version),
    or the reason there is none."""
    entry = load_error_rates().get(source)
    if not entry:
        return f"n/a: no gold error rates are shipped for the {SOURCE_NAMES[source]} source"
    if version is not None and entry["version"] != version:
        return (
            f"n/a: gold error rates were measured for {source} version "
            f"{entry['version']!r}, these shares come from {version!r} "
            f"(run `greenlens gold error-rates`)"
        )
    measured = entry.get("category_versions", {}).get(key)
    if category_version and measured and measured != category_version:
        return (
            f"n/a: gold error rates of {key} were measured for {measured!r}, these shares "
            f"come from {category_version!r} (run `greenlens extract` to re-detect, or "
            f"`greenlens gold error-rates`)"
        )
    out = entry["outcomes"].get(key)
    if out is None:
        return f"n/a: no gold error rates for {key!r} ({source})"
    return GoldOutcomes(
        key,
        source,
        entry["gold_set"],
        entry["version"],
        tuple(out["truth"]),
        tuple(out["predicted"]),
    )


def _seed(*parts: object) -> int:
    return zlib.crc32("|".join(map(str, parts)).encode())


def adjusted_binary(
    venue: str,
    year: int,
    category: str,
    k: int,
    n: int,
    version: str | None,
    category_version: str | None = None,
) -> Adjusted:
    """Rogan-Gladen share of one cell from the full-text gold error rates."""
    gold = gold_outcomes(category, "fulltext", version, category_version)
    if isinstance(gold, str):
        return Adjusted(None, None, None, gold)
    return adjust_binary(k, n, gold, seed=_seed(venue, year, category))


def adjusted_targets(
    venue: str,
    year: int,
    parts: list[tuple[str, str | None, dict]],
    groups: dict[str, tuple[str, ...]] | None = None,
) -> dict[str, Adjusted]:
    """Adjusted target shares of one cell; parts = (source, version, counts by label);
    `groups` adds sums of labels (accuracy incl. both, ...)."""
    pairs = []
    for source, version, counts in parts:
        if sum(counts.values()) == 0:
            continue
        gold = gold_outcomes("target", source, version)
        if isinstance(gold, str):
            return {t: Adjusted(None, None, None, gold) for t in (*TARGETS, *(groups or {}))}
        pairs.append((counts, gold))
    return adjust_target_mixture(pairs, TARGETS, seed=_seed(venue, year, "target"), groups=groups)


def provenance(
    keys: tuple[str, ...],
    sources: tuple[str, ...],
    versions: dict[str, str | None],
    category_versions: dict[str, str] | None = None,
) -> dict:
    """What the adjustment used, for the output's metadata: method, gold set, n, rates
    (`category_versions`: the store's, checked against the full-text gold entry's)."""
    out: dict = {}
    for source in sources:
        entry = load_error_rates().get(source)
        name = SOURCE_NAMES[source]
        if not entry:
            out[f"error_rates_{source}"] = f"none shipped for the {name} source"
            continue
        rates = []
        for key in keys:
            cv = (category_versions or {}).get(key) if source == "fulltext" else None
            gold = gold_outcomes(key, source, versions.get(source), cv)
            if isinstance(gold, str):
                rates.append(f"{key}: {gold}")
            elif key == "target":
                rates.append(f"target: confusion matrix over {gold.n} gold papers")
            else:
                r = gold.rates()
                se = "n/a" if r["sensitivity"] is None else f"{r['sensitivity']:.2f}"
                sp = "n/a" if r["specificity"] is None else f"{r['specificity']:.2f}"
                rates.append(
                    f"{key}: sensitivity {se}, specificity {sp} "
                    f"({r['gold_positives']} of {r['gold_n']} gold positive)"
                )
        out[f"error_rates_{source}"] = (
            f"gold set {entry['gold_set']} (n = {entry['n']}), "
            f"{source} version {entry['version']}; " + "; ".join(rates)
        )
    out["adjustment"] = TARGET_METHOD if keys == ("target",) else BINARY_METHOD
    return out

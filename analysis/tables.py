"""The tables `greenlens trends` exports: one function per kind, rows plus provenance."""

from __future__ import annotations

from dataclasses import asdict

from analysis.adjusted import provenance
from analysis.compute import DEFAULT_PRECISION, DEFAULT_UTILISATION, compute_estimates
from analysis.db import Filters, Reader, current_version, stored_category_versions
from analysis.shares import (
    ABSTRACT_MODEL,
    category_shares,
    denominator_note,
    stale_abstracts_note,
    target_denominator_note,
    target_shares,
    trend_tests,
)
from analysis.stats import INTERVAL_METHOD
from corpus.errors import ConfigError

KINDS = ("shares", "targets", "tests", "compute", "figure2")


def trends_table(
    db: Reader,
    filters: Filters,
    kind: str = "shares",
    *,
    utilisation: float = DEFAULT_UTILISATION,
    precision: str = DEFAULT_PRECISION,
    source: str = "fulltext",
) -> tuple[list[dict], dict]:
    """Rows of one kind of table and the metadata saying where its numbers come from."""
    version = current_version(db, filters.version)
    meta = {
        "kind": kind,
        "extractor_version": version,
        "venues": ", ".join(filters.venues) or "all",
        "years": f"{filters.year_from or 'any'}-{filters.year_to or 'any'}",
    }
    if kind == "shares":
        rows = [r.as_dict() for r in category_shares(db, filters)]
        meta |= {
            "denominator": denominator_note(db, filters),
            "interval": INTERVAL_METHOD,
            **provenance(
                filters.categories,
                ("fulltext",),
                {"fulltext": version},
                stored_category_versions(db, version),
            ),
        }
    elif kind == "targets":
        rows = [
            {
                "venue": r.venue,
                "year": r.year,
                "target": r.category,
                **{k: v for k, v in r.as_dict().items() if k not in ("venue", "year", "category")},
            }
            for r in target_shares(db, filters, source=source)
        ]
        sources = ("fulltext", "abstract") if source == "both" else (source,)
        meta |= {
            "denominator": target_denominator_note(db, filters, source),
            "source": source,
            "interval": INTERVAL_METHOD,
            **provenance(("target",), sources, {"fulltext": version, "abstract": ABSTRACT_MODEL}),
        }
    elif kind == "tests":
        rows = [r.as_dict() for r in trend_tests(db, filters)]
        meta |= {
            "denominator": denominator_note(db, filters),
            "test": "logistic regression of reported (0/1) on year, pooled over the "
            "selected venues, Newton-Raphson; Wald 95% CI and p-value",
        }
    elif kind == "compute":
        rows = [
            asdict(r)
            for r in compute_estimates(db, filters, utilisation=utilisation, precision=precision)
        ]
        meta |= {
            "utilisation": f"{utilisation:g} (assumed, as Epoch AI)",
            "precision": precision,
            "estimate": "GPU-hours x 3600 x peak FLOP/s x utilisation",
        }
    elif kind == "figure2":
        from analysis.figure2 import CITATION, DEFINITIONS, figure2_rows

        rows = [asdict(r) for r in figure2_rows(db, source=source, filters=filters)]
        sources = ("fulltext", "abstract") if source == "both" else (source,)
        meta |= {
            "published": CITATION + " (n = 20 per venue, Wilson 95%)",
            "source": source,
            "definitions": DEFINITIONS,
            **provenance(("target",), sources, {"fulltext": version, "abstract": ABSTRACT_MODEL}),
        }
    else:
        raise ConfigError(f"--kind must be one of {KINDS}, not {kind!r}")
    if version is None and not (kind in ("targets", "figure2") and source == "abstract"):
        meta["note"] = "the store holds no successful extraction: run `greenlens extract`"
    stale = (
        stale_abstracts_note(db) if kind in ("targets", "figure2") and source != "fulltext" else ""
    )
    if stale:
        meta["note"] = "; ".join(filter(None, [meta.get("note"), stale]))
    return rows, meta

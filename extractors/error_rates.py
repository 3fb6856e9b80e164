"""The extractors' measured error rates on gold, shipped beside the models so that the
analysis can correct shares for misclassification.

`extractors/models/error_rates.json` holds, per text source, the extractor (or target
model) version it was measured for, which gold set and split, and per gold paper the truth
and the prediction of every category and of the target. Rewritten by
`greenlens gold error-rates`; read by `analysis.adjusted`.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from extractors.schema import CATEGORIES

ERROR_RATES_PATH = Path(__file__).parent / "models" / "error_rates.json"
SOURCES = ("fulltext", "abstract")


def fulltext_entry(
    outcomes: list[dict],
    version: str,
    gold_set: str,
    category_versions: dict[str, str] | None = None,
) -> dict:
    """The full-text entry from `EvalReport.outcomes` (one dict per scored gold paper);
    `category_versions`: what produced each category (a learned model's digest included),
    which the extractor version alone does not say."""
    return {
        "version": version,
        "category_versions": dict(category_versions or {}),
        "gold_set": gold_set,
        "n": len(outcomes),
        "files": [o["file"] for o in outcomes],
        "outcomes": {
            key: {
                "truth": [o["truth"][key] for o in outcomes],
                "predicted": [o["predicted"][key] for o in outcomes],
            }
            for key in (*CATEGORIES, "target")
        },
    }


def abstract_entry(
    truth: list[str], predicted: list[str], ids: list[str], version: str, gold_set: str
) -> dict:
    """The abstract entry: target truth and prediction per gold abstract."""
    return {
        "version": version,
        "gold_set": gold_set,
        "n": len(truth),
        "files": ids,
        "outcomes": {"target": {"truth": list(truth), "predicted": list(predicted)}},
    }


def write_error_rates(entries: dict[str, dict], path: Path | None = None) -> Path:
    """Write the entries (keys from SOURCES) as the shipped error-rate file."""
    unknown = set(entries) - set(SOURCES)
    if unknown:
        raise ValueError(f"unknown text sources {sorted(unknown)}")
    path = Path(path or ERROR_RATES_PATH)
    path.write_text(json.dumps(entries, indent=1) + "\n", encoding="utf-8")
    _load.cache_clear()
    return path


def load_error_rates(path: Path | None = None) -> dict:
    """The error-rate entries by text source ({} when the file is absent)."""
    return _load(Path(path or ERROR_RATES_PATH))


@lru_cache(maxsize=4)
def _load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}


def measure_fulltext(specs: list[tuple[Path, Path]], split: str = "test") -> dict:
    """Run the extractors on the `split` papers of each (gold file, PDF folder) and return
    the full-text entry, for the current extractor version. Gold documents that read as
    front matter or forms (extractors.dockind) are left out, as the trends leave them out
    of the shares these rates correct."""
    from extractors.detectors import category_versions
    from extractors.dockind import kind_of_pdf
    from extractors.evaluate import evaluate
    from extractors.extract_pdf import extractor_version

    outcomes: list[dict] = []
    names = []
    left_out = 0
    for gold, pdfs in specs:
        report = evaluate(gold, pdfs, split=split)
        if report.errors:  # the wrong folder, most likely: bad input, not a bug
            from corpus.errors import ConfigError

            raise ConfigError(
                f"{len(report.errors)} gold PDFs could not be read under {pdfs}: {report.errors[0]}"
            )
        kept = [o for o in report.outcomes if kind_of_pdf(Path(pdfs) / o["file"]).is_paper]
        left_out += len(report.outcomes) - len(kept)
        outcomes += kept
        if kept:  # a dev-only file adds nothing to the error rates
            names.append(f"{Path(gold).name} {_split_label(gold, split)} ({len(kept)} papers)")
    gold_set = " + ".join(names)
    if left_out:
        gold_set += f"; {left_out} front-matter documents left out"
    return fulltext_entry(outcomes, extractor_version(), gold_set, category_versions())


def _split_label(gold: Path, split: str) -> str:
    """The splits of `split` ('val+test') that the gold file has papers in: 'val split'."""
    from extractors.evaluate import load_gold

    parts = [s for s in split.split("+") if load_gold(gold, s)] or [split]
    return f"{'+'.join(parts)} split"


def measure_abstracts(
    gold_files: list[Path],
    texts: dict[str, tuple[str, str]],
    split: str = "test",
    strata: tuple[str, ...] = ("random",),
) -> dict:
    """The abstract entry: the current target model on title + abstract of the gold
    abstracts of `split` drawn in `strata` (the random strata: representative errors);
    `left_out` lists those whose text `texts` lacks."""
    from corpus.jsonl import read_jsonl
    from extractors.target import METHOD, predict_many, target_text

    rows = [r for path in gold_files for r in read_jsonl(path, needs=("id", "split", "stratum"))]
    rows = [r for r in rows if r["split"] == split and r["stratum"] in strata]
    left_out = [r["id"] for r in rows if r["id"] not in texts]
    rows = [r for r in rows if r["id"] in texts]
    predicted = [label for label, _ in predict_many([target_text(*texts[r["id"]]) for r in rows])]
    name = (
        " + ".join(Path(p).name for p in gold_files)
        + f" {split} split, strata {', '.join(strata)} ({len(rows)} abstracts)"
    )
    entry = abstract_entry(
        [r["label"] for r in rows], predicted, [r["id"] for r in rows], METHOD, name
    )
    return entry | {"left_out": left_out}  # gold abstracts with no text given: not scored

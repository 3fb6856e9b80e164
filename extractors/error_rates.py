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


def fulltext_entry(outcomes: list[dict], version: str, gold_set: str) -> dict:
    """The full-text entry from `EvalReport.outcomes` (one dict per scored gold paper)."""
    return {"version": version, "gold_set": gold_set, "n": len(outcomes),
            "files": [o["file"] for o in outcomes],
            "outcomes": {key: {"truth": [o["truth"][key] for o in outcomes],
                               "predicted": [o["predicted"][key] for o in outcomes]}
                         for key in (*CATEGORIES, "target")}}


def abstract_entry(truth: list[str], predicted: list[str], ids: list[str], version: str,
                   gold_set: str) -> dict:
    """The abstract entry: target truth and prediction per gold abstract."""
    return {"version": version, "gold_set": gold_set, "n": len(truth), "files": ids,
            "outcomes": {"target": {"truth": list(truth), "predicted": list(predicted)}}}


def write_error_rates(entries: dict[str, dict], path: Path = ERROR_RATES_PATH) -> Path:
    """Write the entries (keys from SOURCES) as the shipped error-rate file."""
    unknown = set(entries) - set(SOURCES)
    if unknown:
        raise ValueError(f"unknown text sources {sorted(unknown)}")
    Path(path).write_text(json.dumps(entries, indent=1) + "\n", encoding="utf-8")
    load_error_rates.cache_clear()
    return Path(path)


@lru_cache(maxsize=4)
def load_error_rates(path: Path = ERROR_RATES_PATH) -> dict:
    """The error-rate entries by text source ({} when the file is absent)."""
    p = Path(path)
    return json.loads(p.read_text(encoding="utf-8")) if p.is_file() else {}

"""One detector per category: pure functions from text units to a Finding.

`detect_all(doc)` runs them all; `DETECTORS_VERSION` changes whenever a rule changes, so
the batch runner re-extracts papers done with an older version. Each category also has its
own version (`category_versions`): DETECTORS_VERSION, its module's METHOD (bump the module's
`/vN` when only that detector's rules change) and, for a category the learned layer decides,
the shipped unit model's method and digest. `extract` re-runs only the categories whose
stored version differs (extractors.runner).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import replace
from functools import lru_cache
from types import ModuleType

from extractors.detectors import (
    energy,
    flops,
    hardware,
    params,
    runtime,
    search_budget,
    training_curve,
)
from extractors.document import Document, TextUnit
from extractors.findings import Finding

DETECTORS_VERSION = "9"

DETECTORS: dict[str, Callable[[Sequence[TextUnit]], Finding]] = {
    "flops": flops.detect,
    "energy": energy.detect,
    "runtime": runtime.detect,
    "hardware": hardware.detect,
    "params": params.detect,
    "training_curve": training_curve.detect,
    "search_budget": search_budget.detect,
}


# Each category's module, whose METHOD ("rules:flops/v1") is its own rules version.
MODULES: dict[str, ModuleType] = {
    "flops": flops,
    "energy": energy,
    "runtime": runtime,
    "hardware": hardware,
    "params": params,
    "training_curve": training_curve,
    "search_budget": search_budget,
}


def run_rules(doc: Document, only: Sequence[str] | None = None) -> dict[str, Finding]:
    """Every category's rule result for one document (or those in `only`), in the canonical
    category order."""
    return {
        name: detect(doc.units)
        for name, detect in DETECTORS.items()
        if only is None or name in only
    }


def detect_all(doc: Document, only: Sequence[str] | None = None) -> dict[str, Finding]:
    """The rules' results with the learned categories decided by their unit classifiers
    (`extractors.learned`; rules alone where no model is shipped); `only`: just these
    categories (each category's result depends on its own rule and model alone)."""
    from extractors.learned import decide, load_model

    model = load_model()
    if only is not None:
        keep = {c: m for c, m in model.categories.items() if c in only}
        if keep != model.categories:
            model = replace(model, categories=keep)
    return decide(model, doc.units, run_rules(doc, only))


def category_versions() -> dict[str, str]:
    """Each detector category's version: what produced its findings (see the module doc)."""
    return dict(_category_versions())


@lru_cache(maxsize=1)
def _category_versions() -> tuple[tuple[str, str], ...]:
    from extractors.learned import MODEL_PATH, load_model

    learned = load_model()
    digest = ""
    if learned.categories:
        digest = hashlib.sha256(MODEL_PATH.read_bytes()).hexdigest()[:12]
    out = []
    for name in DETECTORS:
        module = MODULES.get(name)
        version = f"det{DETECTORS_VERSION}+{getattr(module, 'METHOD', name)}"
        if name in learned.categories:
            version += f"+{learned.method}@{digest}"
        out.append((name, version))
    return tuple(out)

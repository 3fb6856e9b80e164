"""One detector per category: pure functions from text units to a Finding.

`detect_all(doc)` runs them all; `DETECTORS_VERSION` changes whenever a rule changes, so
the batch runner re-extracts papers done with an older version.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

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

DETECTORS_VERSION = "6"

DETECTORS: dict[str, Callable[[Sequence[TextUnit]], Finding]] = {
    "flops": flops.detect,
    "energy": energy.detect,
    "runtime": runtime.detect,
    "hardware": hardware.detect,
    "params": params.detect,
    "training_curve": training_curve.detect,
    "search_budget": search_budget.detect,
}


def run_rules(doc: Document) -> dict[str, Finding]:
    """Every category's rule result for one document, in the canonical category order."""
    return {name: detect(doc.units) for name, detect in DETECTORS.items()}


def detect_all(doc: Document) -> dict[str, Finding]:
    """The rules' results with the learned categories decided by their unit classifiers
    (`extractors.learned`; rules alone where no model is shipped)."""
    from extractors.learned import decide, load_model

    return decide(load_model(), doc.units, run_rules(doc))

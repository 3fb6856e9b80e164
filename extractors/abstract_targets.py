"""Target from title + abstract for every stored paper that has an abstract.

Stored in its own table `abstract_targets` (text source "abstract"), never mixed with the
full-text target of `extractions`: the analysis picks a source explicitly. Papers already
classified by the current model are skipped, so a rerun costs nothing.
"""

from __future__ import annotations

import os
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

import pyarrow as pa

from corpus.store import Store
from extractors.target import METHOD, predict_many, target_text

TEXT_SOURCE = "abstract"
BATCH = 100_000
PARALLEL_MIN = 4_000  # below this, worker start-up costs more than it saves

_TODO = """
    SELECT p.id, p.title, p.abstract FROM papers p
    WHERE p.abstract IS NOT NULL AND length(trim(p.abstract)) > 0
      AND ($force OR NOT EXISTS (SELECT 1 FROM abstract_targets a
                                 WHERE a.paper_id = p.id AND a.model = $model))
    ORDER BY p.id
"""
_SCHEMA = pa.schema(
    [
        ("paper_id", pa.string()),
        ("target", pa.string()),
        ("model", pa.string()),
        ("text_source", pa.string()),
    ]
)


@dataclass(frozen=True)
class AbstractSummary:
    """What one classification run did."""

    model: str
    classified: int
    seconds: float


def _labels(texts: list[str]) -> list[str]:
    return [label for label, _ in predict_many(texts)]


def _predict(texts: list[str], workers: int) -> list[str]:
    """Labels for the texts, split over `workers` processes when there are many."""
    if workers <= 1 or len(texts) < PARALLEL_MIN:
        return _labels(texts)
    size = -(-len(texts) // workers)
    chunks = [texts[i : i + size] for i in range(0, len(texts), size)]
    with ProcessPoolExecutor(workers) as pool:
        return [label for part in pool.map(_labels, chunks) for label in part]


def classify_abstracts(
    store: Store,
    *,
    force: bool = False,
    progress: bool = True,
    batch: int = BATCH,
    workers: int | None = None,
) -> AbstractSummary:
    """Classify the target of every paper with an abstract not yet done by this model."""
    t0 = time.perf_counter()
    workers = workers or os.cpu_count() or 1
    rows = store.fetch_dicts(_TODO, {"force": force, "model": METHOD})
    bar = None
    if progress and rows:
        from tqdm import tqdm

        bar = tqdm(total=len(rows), unit="abstract", desc="targets from abstracts")
    done = 0
    for start in range(0, len(rows), batch):
        chunk = rows[start : start + batch]
        texts = [target_text(r["title"], r["abstract"]) for r in chunk]
        labels = _predict(texts, workers)
        table = pa.Table.from_pylist(
            [
                {"paper_id": r["id"], "target": label, "model": METHOD, "text_source": TEXT_SOURCE}
                for r, label in zip(chunk, labels, strict=True)
            ],
            schema=_SCHEMA,
        )
        done += store.replace_rows("abstract_targets", table)
        if bar is not None:
            bar.update(len(chunk))
    if bar is not None:
        bar.close()
    return AbstractSummary(METHOD, done, time.perf_counter() - t0)

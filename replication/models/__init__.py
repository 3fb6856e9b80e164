"""Trainers for the recipes. Each `train_eval(data, params, ctx)` trains one trial and returns
a `TrialOutcome`; torch is imported only inside the torch trainers."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from corpus.errors import ConfigError

TRAINERS = {
    "tfidf_logreg": "replication.models.tfidf",
    "kim_cnn": "replication.models.cnn",
    "minilm_finetune": "replication.models.encoder",
}


@dataclass
class TrialContext:
    """Where and how a trial runs: device ("cpu"/"cuda"), seed, epoch cap, fixed model config."""

    device: str = "cpu"
    seed: int = 0
    max_epochs: int | None = None
    model: dict[str, Any] = field(default_factory=dict)

    def epochs(self, wanted: int) -> int:
        """The trial's epochs, capped by max_epochs."""
        return min(int(wanted), self.max_epochs) if self.max_epochs else int(wanted)


@dataclass
class TrialOutcome:
    """A trained trial: its validation score, FLOPs (with how they were obtained), timings."""

    val_metric: float
    train_flops: float | None
    inference_flops: float | None
    flops_source: str
    train_s: float
    dtype: str = "fp32"
    device_name: str = ""
    params_used: dict[str, Any] = field(default_factory=dict)


def get_trainer(kind: str) -> Callable:
    """The train_eval function for a recipe's model kind."""
    if kind not in TRAINERS:
        raise ConfigError(f"unknown model kind {kind!r}; known: {', '.join(TRAINERS)}")
    return importlib.import_module(TRAINERS[kind]).train_eval


def check_trainer(kind: str) -> None:
    """Raise ConfigError saying what to install if the trainer's dependencies are absent."""
    module = importlib.import_module(TRAINERS[kind])
    check = getattr(module, "check_available", None)
    if check is not None:
        check()


def prepare_trainer(kind: str) -> None:
    """Import the trainer's libraries now, so that no trial's window pays for the import."""
    prepare = getattr(importlib.import_module(TRAINERS[kind]), "prepare", None)
    if prepare is not None:
        prepare()

"""TF-IDF n-grams + logistic regression (scikit-learn); FLOPs estimated from sparse matvecs."""

from __future__ import annotations

import time
from typing import Any

from replication.datasets import TextData, tokenize
from replication.models import TrialContext, TrialOutcome

FLOPS_NOTE = (
    "estimate: train 4 x nnz(X_train) x lbfgs iterations, inference 2 x nnz(X_dev) "
    "(sparse matrix-vector products only; TF-IDF featurisation not counted)"
)


def prepare() -> None:
    """Import scikit-learn outside the metered windows."""
    import sklearn.feature_extraction.text
    import sklearn.linear_model  # noqa: F401


def train_eval(data: TextData, params: dict[str, Any], ctx: TrialContext) -> TrialOutcome:
    """Fit TF-IDF + logistic regression on train, report dev accuracy."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    if ctx.device != "cpu":
        raise_device(ctx.device)
    vec = TfidfVectorizer(
        tokenizer=tokenize,
        lowercase=False,
        token_pattern=None,
        ngram_range=(1, int(params["ngram_max"])),
        min_df=int(params["min_df"]),
        sublinear_tf=bool(params["sublinear_tf"]),
    )
    x_train = vec.fit_transform(data.train.texts)
    clf = LogisticRegression(
        C=float(params["C"]),
        solver=ctx.model.get("solver", "lbfgs"),
        max_iter=int(ctx.model.get("max_iter", 1000)),
        random_state=ctx.seed,
    )
    t0 = time.perf_counter()  # the FLOP estimate covers the fit, so time only the fit
    clf.fit(x_train, data.train.labels)
    train_s = time.perf_counter() - t0
    x_dev = vec.transform(data.dev.texts)
    accuracy = float((clf.predict(x_dev) == data.dev.labels).mean())
    iterations = int(max(clf.n_iter_))
    classes = 1 if len(clf.classes_) == 2 else len(clf.classes_)
    return TrialOutcome(
        val_metric=accuracy,
        train_flops=4.0 * x_train.nnz * iterations * classes,
        inference_flops=2.0 * x_dev.nnz * classes,
        flops_source=FLOPS_NOTE,
        train_s=train_s,
        dtype="fp64",
        params_used={**params, "lbfgs_iterations": iterations, "vocabulary": len(vec.vocabulary_)},
    )


def raise_device(device: str) -> None:
    """scikit-learn runs on the CPU only."""
    from corpus.errors import ConfigError

    raise ConfigError(f"recipe model tfidf_logreg runs on the CPU only (asked for {device})")

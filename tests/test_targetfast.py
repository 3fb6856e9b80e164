"""The target classifier without scikit-learn gives the same floats as with it."""

from __future__ import annotations

import numpy as np
import pytest

from extractors import target
from extractors.targetfast import predict_fast, scores


def _texts(corpus_dir) -> list[str]:
    from pathlib import Path

    from extractors.gold import __file__ as gold_init

    gold = Path(gold_init).parent
    texts = []
    for name in ("abstracts.jsonl", "abstracts_wide.jsonl"):
        if (gold / name).exists():
            texts += [r["text"] for r in target.load_gold_abstracts(gold / name, corpus_dir)]
    return [t for t in texts if t.strip()]


@pytest.mark.shared
@pytest.mark.slow
def test_same_scores_bit_for_bit_on_gold_abstracts(corpus_dir):
    texts = _texts(corpus_dir)
    assert len(texts) > 1000
    reference = np.asarray(target._load_model().scores(texts))
    fast = np.asarray([scores(t) for t in texts])
    assert (reference == fast).all()
    labels = target.predict_many(texts)
    assert [predict_fast(t, None) for t in texts] == labels


def test_same_answer_on_edge_texts():
    for title, abstract, intro in [
        ("", "", None),
        (None, None, None),
        (
            "Caf\u00e9 na\u00efve",
            "Fast and energy-efficient pruning; state-of-the-art accuracy.",
            "We prove a bound.",
        ),
        ("A dataset", "\u00c9t\u00e9 \u2014 \u00fcber " * 50, None),
    ]:
        assert predict_fast(title, abstract, intro) == target.predict_target(title, abstract, intro)


def test_unknown_model_format_is_left_to_scikit_learn(tmp_path):
    import json

    data = json.loads(target.MODEL_PATH.read_text())
    data["method"] = "something-else:target/v9"
    other = tmp_path / "target.json"
    other.write_text(json.dumps(data))
    assert scores("Fast pruning.", other) is None
    assert predict_fast("T", "Fast pruning.", None, model_path=other) is None

"""Target classifier: the shipped model, obvious cases, the decision rule, and retraining."""

from __future__ import annotations

import json
import random
from collections import Counter
from pathlib import Path

import pytest

from extractors import target
from extractors.schema import TARGETS
from extractors.target import (
    GOLD_ABSTRACTS,
    METHOD,
    MODEL_PATH,
    decide,
    load_gold_abstracts,
    predict_many,
    predict_target,
    train,
    venue_group,
)


def test_shipped_model_is_plain_json_with_one_four_way_head():
    data = json.loads(MODEL_PATH.read_text())
    assert len(data["coef"]) == len(data["intercept"]) == len(TARGETS)
    assert len(data["bias"]) == len(TARGETS) and data["bias"][0] == 0.0
    assert len(data["words"]["vocabulary"]) == len(data["words"]["idf"]) > 100


def test_shipped_model_predicts_only_the_four_labels():
    # Constructed texts of every kind, plus noise.
    texts = [
        "We propose a faster and smaller network with 10x fewer FLOPs.",
        "Our method achieves state-of-the-art accuracy on ImageNet.",
        "We prove a lower bound on the sample complexity.",
        "A new dataset of 10,000 annotated dialogues.",
        "zzz qqq 123",
        "the",
        "Efficient accurate fast state-of-the-art compression",
    ]
    out = predict_many(texts)
    assert len(out) == len(texts)
    for label, method in out:
        assert label in TARGETS
        assert method == METHOD


@pytest.mark.parametrize(
    "title,abstract,intro",
    [
        (None, None, None),
        ("", "", ""),
        ("  ", "\n", None),
    ],
)
def test_no_text_is_other(title, abstract, intro):
    assert predict_target(title, abstract, intro) == ("other", "no-text")


def test_predict_many_empty_and_blank():
    assert predict_many([]) == []
    assert predict_many(["", "We propose a faster network."])[0] == ("other", "no-text")


@pytest.fixture(scope="module")
def efficiency_docs(pdfs_dir):
    from extractors.layout import build_document
    from extractors.pdftext import read_pdf

    files = ("arxiv2017-howard-mobilenets.pdf", "arxiv2016-iandola-squeezenet.pdf")
    return [build_document(read_pdf(pdfs_dir / f)) for f in files]


def test_efficiency_papers_from_their_pdfs(efficiency_docs):
    # MobileNets and SqueezeNet (dev split, gold target: efficiency): title + abstract as
    # the PDF layer reads them.
    for doc in efficiency_docs:
        assert doc.abstract, doc.file
        label, method = predict_target(doc.title, doc.abstract, doc.introduction)
        assert label in ("efficiency", "both"), doc.file
        assert method == METHOD


def test_dataset_paper_is_other():
    # Constructed: an obvious dataset paper with no accuracy or efficiency claim.
    title = "ChartQA-X: A Dataset of Annotated Chart Questions"
    abstract = (
        "We introduce a new dataset of 25,000 questions about charts, collected from "
        "crowdworkers and annotated with answers and rationales. We describe the "
        "annotation process, analyse the types of reasoning the questions require, "
        "and release the corpus with a benchmark for future work."
    )
    assert predict_target(title, abstract)[0] == "other"


@pytest.mark.parametrize(
    "scores,bias,label",
    [
        ((2.0, 1.0, 0.0, 0.0), (0.0, 0.0, 0.0, 0.0), "accuracy"),
        ((0.0, 1.0, 0.5, 0.2), (0.0, 0.0, 0.0, 0.0), "efficiency"),
        ((0.0, 1.0, 0.5, 0.2), (0.0, 0.0, 0.6, 0.0), "both"),  # the bias moves the argmax
        ((1.0, 0.0, 0.0, 0.9), (0.0, 0.0, 0.0, 0.5), "other"),
        ((1.0, 1.0, 1.0, 1.0), (0.0, 0.0, 0.0, 0.0), "accuracy"),  # ties: the first label
        ((-1e9, -2.0, -3.0, -1e9), (0.0, 0.0, 0.0, 0.0), "efficiency"),
    ],
)
def test_decide_is_the_argmax_of_score_plus_bias(scores, bias, label):
    assert decide(scores, bias) == label


def test_venue_groups_pool_pmlr_volumes():
    assert venue_group("pmlr-v37") == venue_group("pmlr-v262") == "pmlr"
    assert venue_group("acl") == "acl" and venue_group(None) == "unknown"


def test_lexicon_v2_cues_fire_on_their_concepts():
    texts = [
        "T\nWe propose a novel method that improves accuracy.",
        "T\nOur agent is sample-efficient, needing fewer interactions.",
        "T\nWe prove a lower bound and a minimax theorem.",
        "T\nIn this position paper we argue for change.",
        "T\nNothing here.",
    ]
    f = target._features(texts)[:, -5:]  # propose, metric-with-proposal, data-eff, position, theory
    assert f[0, 0] > 0 and f[0, 1] > 0
    assert f[1, 2] > 0
    assert f[2, 4] > 0
    assert f[3, 3] > 0
    assert (f[4] == 0).all()


# ------------------------------------------------------------------------- retraining
@pytest.fixture(scope="module")
def small_gold(tmp_path_factory, corpus_dir):
    """20 dev abstracts per label (80 in all) whose text the corpus holds, in a temp file."""
    rows = [r for r in load_gold_abstracts(GOLD_ABSTRACTS, corpus_dir) if r["split"] == "dev"]
    rng = random.Random(7)
    picked = []
    for label in TARGETS:
        of_label = [r for r in rows if r["label"] == label]
        picked += rng.sample(of_label, 20)
    path = tmp_path_factory.mktemp("gold") / "abstracts.jsonl"
    path.write_text(
        "".join(json.dumps({k: v for k, v in r.items() if k != "text"}) + "\n" for r in picked)
    )
    return path, picked


def test_train_writes_a_model_that_reloads_and_beats_majority(small_gold, corpus_dir, tmp_path):
    path, picked = small_gold
    out = tmp_path / "model" / "target.json"
    report = train(path, corpus_dir, out)
    assert out.exists() and not out.with_suffix(".tmp").exists()
    assert report.n_dev == len(picked) == 80
    assert report.n_test == 0 and report.test_accuracy is None
    # majority baseline on 4 balanced classes: accuracy 0.25, macro-F1 0.10
    majority = Counter(r["label"] for r in picked).most_common(1)[0][1] / len(picked)
    assert report.cv_accuracy > majority + 0.1
    assert report.cv_macro_f1 > 0.3
    data = json.loads(out.read_text())
    assert data["report"]["n_dev"] == 80
    from extractors.target_paper import WEIGHTS_KEY, file_digest, weights_digest

    assert next(iter(data)) == WEIGHTS_KEY and file_digest(out) == weights_digest(data)
    # the retrained model reloads and labels its own training texts mostly right
    preds = [label for label, _ in predict_many([r["text"] for r in picked], out)]
    assert set(preds) <= set(TARGETS)
    assert sum(p == r["label"] for p, r in zip(preds, picked)) / len(picked) > 0.8
    # and the shipped model was not touched
    assert Path(MODEL_PATH).resolve() != out.resolve()

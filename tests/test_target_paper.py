"""Paper-level target: claim sentences, full-text cues, the shipped stacker, its decision on
real papers, extraction's use of it, and training / JSON round trip."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from extractors import target, target_paper
from extractors.document import Document, TextUnit
from extractors.schema import TARGETS
from extractors.target_paper import (
    FEATURE_NAMES,
    PAPER_MODEL_PATH,
    PaperModel,
    claim_sentences,
    conclusion_text,
    file_digest,
    load,
    paper_cues,
    paper_features,
    predict_paper,
    save,
    train_paper,
)

INTRO = (
    "Deep networks are expensive to run on phones. Prior work prunes weights [3]. "
    "In this paper, we propose a channel-shuffle block that is cheap to compute. "
    "Our main contributions are as follows. "
    "Experiments show that our model achieves a 3.2x speedup over MobileNet on a Pixel phone. "
    "The rest of the paper is organised as follows."
)


def _unit(text: str, kind: str = "sentence", section: str = "body", page: int = 3) -> TextUnit:
    return TextUnit(page, section, kind, text)


def test_claim_sentences_keep_what_the_paper_does_and_finds():
    claims = claim_sentences(INTRO)
    assert claims == [
        "In this paper, we propose a channel-shuffle block that is cheap to compute.",
        "Our main contributions are as follows.",
        "Experiments show that our model achieves a 3.2x speedup over MobileNet on a Pixel phone.",
    ]
    assert claim_sentences(None) == [] and claim_sentences("Prior work prunes weights.") == []
    # without claim sentences the claims text falls back to the introduction's opening
    assert target_paper.claims_text("T", "Prior work prunes weights.") == (
        "T\nPrior work prunes weights."
    )


def test_conclusion_text_is_read_after_the_last_conclusion_heading():
    units = [
        _unit("1 Introduction We study pruning."),
        _unit("5 Conclusion We presented a pruning method."),
        _unit("It is 2x faster at equal accuracy."),
        _unit("References are below.", section="references"),
    ]
    assert conclusion_text(units) == (
        "5 Conclusion We presented a pruning method. It is 2x faster at equal accuracy."
    )
    assert conclusion_text(units[:1]) == ""


def test_cues_count_each_concept():
    units = [
        _unit("Theorem 1. The estimator is consistent."),
        _unit("Proof. Follows from Lemma 2."),
        _unit("Our method outperforms the state-of-the-art on ImageNet."),
        _unit("It reduces the memory footprint by 40%."),
        _unit("Table 2: Latency (ms) and top-1 accuracy on a Pixel 3.", kind="caption"),
        _unit("Theorem 9 of Smith.", section="references"),
    ]
    cues = paper_cues("We introduce a new dataset of charts.", INTRO, units, pages=9)
    assert cues.theorems == 2  # "Theorem 1", "Lemma 2"; the reference list never counts
    assert cues.proofs == 1
    assert cues.acc_body == 2  # "outperforms", "state-of-the-art"
    assert cues.eff_body == 1  # "reduces the memory"
    assert cues.eff_front == 1  # "3.2x speedup" in the introduction
    assert cues.eff_tables == 1 and cues.acc_tables == 1
    assert cues.dataset == 1 and cues.pages == 9
    assert len(cues.vector()) == 12 and cues.vector()[-1] == pytest.approx(2.302585, abs=1e-6)


def test_features_are_the_abstract_models_log_probabilities_and_the_cues():
    x = paper_features("Fast nets", "We make networks 3x faster.", INTRO, [], 8)
    assert len(x) == len(FEATURE_NAMES) == 20
    for block in (x[0:4], x[4:8]):  # log-probabilities of the four labels
        assert all(v <= 0 for v in block)
        assert sum(2.718281828459045**v for v in block) == pytest.approx(1.0)


def test_shipped_stacker_was_fitted_on_the_shipped_abstract_model():
    model = load(PAPER_MODEL_PATH)
    assert model is not None and model.names == FEATURE_NAMES
    assert model.abstract_model == file_digest(target.MODEL_PATH)
    assert len(model.coef) == len(model.intercept) == len(TARGETS)
    assert model.report["papers"] >= 200 and model.report["folds"] >= 10


def test_the_stored_digest_is_the_weights_digest_and_a_file_without_it_is_hashed(tmp_path):
    import json

    from extractors.target_paper import WEIGHTS_KEY, weights_digest

    data = json.loads(target.MODEL_PATH.read_text())
    assert next(iter(data)) == WEIGHTS_KEY  # first, so file_digest reads only the head
    assert data[WEIGHTS_KEY] == weights_digest(data) == file_digest(target.MODEL_PATH)
    plain = {k: v for k, v in data.items() if k != WEIGHTS_KEY}
    (tmp_path / "a.json").write_text(json.dumps({**plain, "method": "renamed"}))
    assert file_digest(tmp_path / "a.json") == data[WEIGHTS_KEY]  # a rename keeps it
    plain["bias"] = [b + 0.5 for b in plain["bias"]]
    (tmp_path / "b.json").write_text(json.dumps(plain))
    assert file_digest(tmp_path / "b.json") != data[WEIGHTS_KEY]


def test_model_round_trips_through_json(tmp_path):
    model = PaperModel(
        FEATURE_NAMES,
        [0.0] * 20,
        [2.0] * 20,
        [[0.1 * (k + 1) * (-1) ** j for j in range(20)] for k in range(4)],
        [0.0, 0.5, -0.5, 0.2],
        "abc",
        {"papers": 3},
    )
    path = save(model, tmp_path / "m" / "paper.json")
    assert not path.with_suffix(".tmp").exists()
    back = load(path)
    assert back is not None and back.names == FEATURE_NAMES and back.report == {"papers": 3}
    for x in ([0.0] * 20, [1.0] * 20, [(-1.0) ** j * j for j in range(20)]):
        assert back.decide(x) == model.decide(x)
        assert back.scores(x) == pytest.approx(model.scores(x))
    # another format, or other features, is not read as this one
    data = json.loads(path.read_text())
    data["format"] = "something-else/9"
    other = tmp_path / "other.json"
    other.write_text(json.dumps(data))
    assert load(other) is None and load(tmp_path / "absent.json") is None


def test_decide_takes_the_highest_score():
    model = PaperModel(("a",), [0.0], [1.0], [[1.0], [2.0], [-1.0], [0.0]], [0.0] * 4, "")
    assert model.decide([1.0]) == "efficiency"
    assert model.decide([-1.0]) == "both"
    assert model.decide([0.0]) == "accuracy"  # ties: the first label


def test_no_stacker_or_another_abstract_model_leaves_the_abstract_model_to_decide(tmp_path):
    doc = Document("x.pdf", 1, ("t",), (), "Fast nets", "We make networks 3x faster.", INTRO)
    assert predict_paper(doc, paper_model_path=tmp_path / "absent.json") is None
    data = json.loads(PAPER_MODEL_PATH.read_text())
    data["abstract_model"] = "0" * 64
    stale = tmp_path / "stale.json"
    stale.write_text(json.dumps(data))
    assert predict_paper(doc, paper_model_path=stale) is None
    empty = Document("e.pdf", 1, ("",), (), None, None, None)
    assert predict_paper(empty) == ("other", "no-text")


@pytest.fixture(scope="module")
def real_docs(pdfs_dir):
    from extractors.layout import build_document
    from extractors.pdftext import read_pdf

    files = {
        "arxiv2017-howard-mobilenets.pdf": "efficiency",
        "naacl2019-devlin-bert.pdf": "accuracy",
        "neurips2017-vaswani-transformer.pdf": "both",
        "iclr2017-zhang-rethinkinggen.pdf": "other",
    }
    return [(build_document(read_pdf(pdfs_dir / f)), label) for f, label in files.items()]


@pytest.mark.shared
def test_real_papers_get_their_gold_target(real_docs):
    # dev papers with gold targets efficiency (MobileNets), accuracy (BERT), both
    # (Transformer: better BLEU at a fraction of the training cost), other (an analysis)
    for doc, label in real_docs:
        assert predict_paper(doc) == (label, target.METHOD), doc.file


@pytest.mark.shared
def test_extraction_uses_the_stacker(real_docs):
    from extractors.extract_pdf import analyse_document

    for doc, label in real_docs:
        analysis = analyse_document(doc, categories=())
        assert (analysis.target, analysis.target_method) == (label, target.METHOD)


def _synthetic_examples() -> list:
    """60 small constructed papers, 15 per label, over 3 venues."""
    from extractors.learned import Example

    texts = {
        "accuracy": (
            "We propose a new model that outperforms the state-of-the-art in accuracy.",
            "Table 1: Accuracy comparison with state-of-the-art methods.",
        ),
        "efficiency": (
            "We propose a compressed network that runs 4x faster with fewer parameters.",
            "Table 1: Latency (ms) and memory of each model.",
        ),
        "both": (
            "Our model outperforms the state-of-the-art and runs 3x faster with less memory.",
            "Table 1: Accuracy and latency (ms) comparison with state-of-the-art methods.",
        ),
        "other": (
            "We prove a lower bound on the sample complexity of this problem.",
            "Theorem 1. The bound is tight. Proof. By Lemma 2.",
        ),
    }
    out = []
    for label, (claim, extra) in texts.items():
        for i in range(15):
            units = (
                _unit(claim, section="abstract", page=1),
                _unit(extra, kind="caption" if extra.startswith("Table") else "sentence"),
            )
            doc = Document(f"{label}{i}.pdf", 8, ("",), units, f"Paper {i}", claim, claim)
            out.append(Example(doc.file, f"venue{i % 3}", units, {}, {}, {}, label, doc))
    return out


def test_train_paper_fits_reports_lovo_and_writes_a_model_that_reloads(tmp_path):
    examples = _synthetic_examples()
    out = tmp_path / "paper.json"
    report = train_paper(examples, out_path=out)
    assert report.papers == 60 and report.folds == 3
    assert sum(map(sum, report.lovo_confusion)) == 60
    assert report.lovo_macro_f1 > 0.9  # the four kinds differ plainly in every venue
    model = load(out)
    assert model is not None and model.abstract_model == file_digest(target.MODEL_PATH)
    assert model.report["lovo_macro_f1"] == report.lovo_macro_f1
    for ex in examples[::7]:
        assert ex.doc is not None
        got = predict_paper(ex.doc, paper_model_path=out)
        assert got == (ex.target, target.METHOD)
    assert Path(PAPER_MODEL_PATH).resolve() != out.resolve()  # the shipped model untouched


def test_lovo_targets_come_from_a_stacker_that_never_saw_the_held_out_venue():
    import dataclasses

    from extractors.evaluate import _fold_targets

    examples = _synthetic_examples()
    held = [ex for ex in examples if ex.venue == "venue0"]
    rest = [ex for ex in examples if ex.venue != "venue0"]
    got = _fold_targets(rest, held)
    assert got is not None and set(got) == {ex.file for ex in held}
    assert sum(got[ex.file] == ex.target for ex in held) / len(held) > 0.9
    # the held-out papers' own labels are never read
    flipped = [dataclasses.replace(ex, target="other") for ex in held]
    assert _fold_targets(rest, flipped) == got

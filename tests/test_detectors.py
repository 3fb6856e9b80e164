"""Detectors on real sentences of the shared PDFs (dev split only), plus constructed hard
negatives where no real sentence exists. Each real case names its file and page; the
sentence is looked up in the Document that the PDF layer builds, never retyped."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from extractors.detectors import DETECTORS, detect_all
from extractors.document import TextUnit
from extractors.layout import build_document
from extractors.pdftext import read_pdf
from extractors.textnorm import contains_quote

GOLD = Path(__file__).resolve().parents[1] / "extractors" / "gold"
SPLITS = json.loads((GOLD / "paper_splits.json").read_text())

# Files whose sentences the cases below quote (all in the dev split; checked below).
VASWANI = "neurips2017-vaswani-transformer.pdf"
MOBILENETS = "arxiv2017-howard-mobilenets.pdf"
SHUFFLENET = "cvpr2018-zhang-shufflenet.pdf"
SQUEEZENET = "arxiv2016-iandola-squeezenet.pdf"
BERT = "naacl2019-devlin-bert.pdf"
ENAS = "icml2018-pham-enas.pdf"
RETNET = "arxiv2023-sun-retnet.pdf"
LONGNET = "arxiv2023-ding-longnet.pdf"
TAY = "acmcomputingsurveys2022-tay-efftransformers.pdf"
KANNAN = "arxiv2018-kannan-logitpairing.pdf"
S2MLP = "wacv2022-yu-s2mlp.pdf"
STA = "iscas2022-fang-sparsetransformeracc.pdf"
QNN = "jmlr2018-hubara-qnn.pdf"
CONVNEXT = "cvpr2022-liu-convnext.pdf"
WANG19C = "mirror/proceedings.mlr.press/v101/wang19c.pdf"
SATO19A = "mirror/proceedings.mlr.press/v101/sato19a.pdf"
BIDAF = "iclr2017-seo-bidaf.pdf"
SEQGAN = "aaai2017-yu-seqgan.pdf"
CUI = "cvpr2019-cui-classbalanced.pdf"
R2AM = "cvpr2016-lee-r2am.pdf"
RECBN = "iclr2017-cooijmans-recurrentbn.pdf"
GROUPNORM = "eccv2018-wu-groupnorm.pdf"
SCALINGVIT = "cvpr2022-zhai-scalingvit.pdf"
OLIVER = "neurips2018-oliver-realisticssl.pdf"
NAS = "iclr2017-zoph-nas.pdf"
ADAM = "iclr2015-kingma-adam.pdf"
PARANJAPE = "arxiv2023-paranjape-art.pdf"

FILES = (
    VASWANI,
    MOBILENETS,
    SHUFFLENET,
    SQUEEZENET,
    BERT,
    ENAS,
    RETNET,
    LONGNET,
    TAY,
    KANNAN,
    S2MLP,
    STA,
    QNN,
    CONVNEXT,
    WANG19C,
    SATO19A,
    BIDAF,
    SEQGAN,
    CUI,
    R2AM,
    RECBN,
    GROUPNORM,
    SCALINGVIT,
    OLIVER,
    NAS,
    ADAM,
    PARANJAPE,
)


@pytest.fixture(scope="module")
def docs(pdfs_dir):
    """Every Document the cases use, built once for the module."""
    return {f: build_document(read_pdf(pdfs_dir / f)) for f in FILES}


def find_unit(docs, file: str, page: int, fragment: str) -> TextUnit:
    """The unit on `page` of `file` whose text contains `fragment` (fails if none)."""
    hits = [u for u in docs[file].units if u.page == page and fragment in u.text]
    assert hits, f"no unit on {file} p{page} contains {fragment!r}: the PDF layer changed?"
    return hits[0]


def test_quoted_files_are_dev_split():
    assert set(FILES) <= set(SPLITS["dev"])
    assert not set(FILES) & set(SPLITS["test"])


# (category, expected, file, page, fragment of the real unit's text)
REAL_CASES = [
    # ------------------------------------------------------------------ flops positives
    (
        "flops",
        True,
        MOBILENETS,
        7,
        (
            "We seek to reduce a large face attribute classifier with "
            "75 million parameters and 1600 million Mult-Adds."
        ),
    ),
    ("flops", True, SHUFFLENET, 2, "(26.0% @ 564 MFLOPs vs. 26.3% @ 524 MFLOPs"),
    ("flops", True, VASWANI, 8, "BLEU Training Cost (FLOPs)"),  # table header
    (
        "flops",
        True,
        MOBILENETS,
        6,
        ("Figure 4. This figure shows the trade off between computation (Mult-Adds) and accuracy"),
    ),  # plotted axis
    # flops hard negatives
    # "FLOPS" as hardware speed (footnote 5)
    (
        "flops",
        False,
        VASWANI,
        8,
        ("We used values of 2.8, 3.7, 6.0 and 9.5 TFLOPS for K80, K40, M40 and P100"),
    ),
    # reference-list entry with "flop"
    ("flops", False, S2MLP, 10, "Shift: A zero flop, zero parameter alternative"),
    # other work's FLOPs, cited, no number
    (
        "flops",
        False,
        SHUFFLENET,
        1,
        ("thousands of channels [9, 34, 32, 40], thus requiring computation at billions of FLOPs."),
    ),
    # related work with a number: "[46] do not report ... less than 150 MFLOPs"
    ("flops", False, SHUFFLENET, 2, "But [46] do not report results on extremely tiny models"),
    # general remark, no figure
    (
        "flops",
        False,
        TAY,
        2,
        ("Efficiency might also refer to computational costs, e.g. the number of FLOPs"),
    ),
    # asymptotic complexity only
    (
        "flops",
        False,
        KANNAN,
        7,
        ("the cost of CLP in terms of floating point operations and memory consumption is O(1)"),
    ),
    ("flops", False, RETNET, 10, "The above two methods reduce training FLOPS"),
    # ----------------------------------------------------------------- energy positives
    ("energy", True, STA, 4, "Power (W) 165.00 7.56 250.00"),  # table row
    # energy hard negatives
    # figures quoted from Horowitz (2014), in pJ per operation
    (
        "energy",
        False,
        QNN,
        14,
        ("Table 5: Energy consumption of multiply- accumulations; see Horowitz (2014)"),
    ),
    ("energy", False, CONVNEXT, 12, "results in an increase in carbon emissions."),
    ("energy", False, WANG19C, 10, "CO2 Comedor Sensor"),  # CO2 as a predicted variable
    ("energy", False, STA, 1, "high power consumption, which can hardly meet the demands"),
    (
        "energy",
        False,
        STA,
        4,
        ("Latency, throughput, power, energy efficiency and MAC efficiency are key metrics"),
    ),
    # ---------------------------------------------------------------- runtime positives
    ("runtime", True, VASWANI, 8, "Training took 3.5 days on 8 P100 GPUs."),
    (
        "runtime",
        True,
        KANNAN,
        4,
        ("We found that the total time to convergence was approximately 6 days."),
    ),
    ("runtime", True, RETNET, 2, "RetNet decodes 8.4× faster"),  # measured speedup
    (
        "runtime",
        True,
        BIDAF,
        6,
        ("The training process takes roughly 20 hours on a single Titan X GPU."),
    ),
    # runtime hard negatives
    ("runtime", False, SEQGAN, 5, "After about 150 training epochs"),  # epochs, no time
    (
        "runtime",
        False,
        SQUEEZENET,
        1,
        ("In short, small models train faster due to requiring less communication."),
    ),  # no measured figure
    ("runtime", False, TAY, 28, "Lagunas et al. (2021) proposes a “block” pruning approach"),
    (
        "runtime",
        False,
        PARANJAPE,
        13,
        "The deadline is Jun 1, 2021, which is 2 days away from now.",
    ),  # task input
    # --------------------------------------------------------------- hardware positives
    (
        "hardware",
        True,
        VASWANI,
        7,
        ("We trained our models on one machine with 8 NVIDIA P100 GPUs."),
    ),
    ("hardware", True, CUI, 6, "on a single NVIDIA Titan X GPU for 200 epochs"),
    ("hardware", True, ENAS, 5, "Running on a single Nvidia GTX 1080Ti GPU"),
    ("hardware", True, SATO19A, 8, "We conduct experiments with Intel Xeon E5-2690 CPU."),
    # hardware hard negatives
    ("hardware", False, VASWANI, 1, "after training for 3.5 days on eight GPUs"),  # no model
    ("hardware", False, VASWANI, 10, "Neural GPUs learn algorithms."),  # reference list
    ("hardware", False, SHUFFLENET, 9, "A gpu performance evaluation"),  # reference list
    ("hardware", False, LONGNET, 6, "Figure 4 presents our distributed algorithm on two GPUs"),
    ("hardware", False, RETNET, 3, "enables us to train the models with GPUs efficiently"),
    # ----------------------------------------------------------------- params positives
    ("params", True, ENAS, 5, "we limit the size of our ENAS cell to 24M parameters"),
    ("params", True, RETNET, 9, "All models have 200M parameters with 16 layers"),
    ("params", True, MOBILENETS, 7, "The MobileNet model has only 13 million parameters"),
    # params hard negatives
    (
        "params",
        False,
        SQUEEZENET,
        8,
        ("SqueezeNet has 8 Fire modules with a total of 24 dimensional hyperparameters."),
    ),  # hyperparameters
    ("params", False, MOBILENETS, 1, "We introduce two simple global hyperparameters"),
    ("params", False, R2AM, 6, "we use RNNs with 1024 hidden units"),  # layer size
    ("params", False, LONGNET, 8, "which has a hidden dimension of 768, 12 attention heads"),
    (
        "params",
        False,
        TAY,
        27,
        ("Sharing parameters of the Transformer models would help in reducing overall model size."),
    ),
    ("params", False, SQUEEZENET, 6, "Network Pruning achieves a 9x reduction in model size"),
    # --------------------------------------------------------- training_curve positives
    (
        "training_curve",
        True,
        SEQGAN,
        5,
        ("Figure 2: Negative log-likelihood convergence w.r.t. the training epochs."),
    ),
    ("training_curve", True, CUI, 8, "Figure 7. Training curves of ResNet-50"),
    (
        "training_curve",
        True,
        RECBN,
        8,
        ("Figure 4: Training curves on the CNN question-answering tasks."),
    ),
    ("training_curve", True, GROUPNORM, 7, "vs. numbers of training epochs"),
    # training_curve hard negatives: model size / data size / hyperparameter value axes
    (
        "training_curve",
        False,
        SCALINGVIT,
        2,
        ("Figure 9. For each combination of model size and data size"),
    ),
    ("training_curve", False, SCALINGVIT, 5, "depends on the weight decay strength."),
    ("training_curve", False, SCALINGVIT, 6, "The effect of switching from JFT-300M to JFT-3B"),
    ("training_curve", False, SEQGAN, 5, "After about 150 training epochs"),  # prose, no figure
    # ---------------------------------------------------------- search_budget positives
    (
        "search_budget",
        True,
        OLIVER,
        5,
        ("we ran 1000 trials of Gaussian Process-based black box optimization"),
    ),
    ("search_budget", True, CUI, 6, "The search space of hyperparameters is"),
    ("search_budget", True, SCALINGVIT, 11, "We sweep over two learning rates {0.03, 0.01}"),
    (
        "search_budget",
        True,
        BERT,
        6,
        ("we selected the best fine-tuning learning rate (among 5e-5"),
    ),
    ("search_budget", True, NAS, 7, "After the controller trains 12,800 architectures"),
    # search_budget hard negatives
    ("search_budget", False, R2AM, 6, "all parameters are selected via validation set."),
    ("search_budget", False, MOBILENETS, 1, "We introduce two simple global hyperparameters"),
    ("search_budget", False, TAY, 25, "different hyperparameter settings like model sizes"),
    # final values only (a hyperparameter table)
    ("search_budget", False, LONGNET, 15, "Hyperparameters Value Layers 12 Hidden size 768"),
]


@pytest.mark.parametrize(
    "category,expected,file,page,fragment",
    REAL_CASES,
    ids=[
        f"{c}-{'pos' if e else 'neg'}-{f.split('/')[-1][:24]}-p{p}" for c, e, f, p, _ in REAL_CASES
    ],
)
def test_real_sentence(docs, category, expected, file, page, fragment):
    unit = find_unit(docs, file, page, fragment)
    result = DETECTORS[category]([unit])
    assert result.category == category
    assert result.reported is expected, unit.text
    if expected:
        assert result.evidence and result.evidence[0].page == page
        assert result.evidence[0].text in unit.text
    else:
        assert result.evidence == ()


def test_category_has_enough_real_cases():
    for category in DETECTORS:
        pos = sum(1 for c, e, *_ in REAL_CASES if c == category and e)
        neg = sum(1 for c, e, *_ in REAL_CASES if c == category and not e)
        # energy has a single real positive in the dev PDFs; the rest are constructed below
        assert pos >= (1 if category == "energy" else 3), category
        assert neg >= 3, category


def test_reference_units_are_in_references_section(docs):
    for file, page, fragment in (
        (VASWANI, 10, "Neural GPUs learn algorithms."),
        (S2MLP, 10, "Shift: A zero flop, zero parameter"),
        (SHUFFLENET, 9, "A gpu performance evaluation"),
    ):
        assert find_unit(docs, file, page, fragment).section == "references"


def test_params_table_column_on_real_page(docs):
    # Vaswani p9, Table 3: header "train PPL BLEU params" then "×10^6" and rows of counts.
    page_units = [u for u in docs[VASWANI].units if u.page == 9]
    result = DETECTORS["params"](page_units)
    assert result.reported
    assert "params" in result.evidence[0].text
    # the header alone, without the rows holding the counts, is not a parameter count
    header = find_unit(docs, VASWANI, 9, "train PPL BLEU params")
    assert not DETECTORS["params"]([header]).reported


# ------------------------------------------------------------- constructed sentences
def _unit(text: str, section: str = "body", kind: str | None = None) -> TextUnit:
    kind = kind or ("caption" if text.startswith(("Figure", "Table")) else "sentence")
    return TextUnit(3, section, kind, text)


# Constructed: no real dev sentence of this shape was found. (category, expected, text)
CONSTRUCTED = [
    ("flops", False, "Smith et al. (2019) report 4.1 GFLOPs for ResNet-50 on ImageNet."),
    (
        "flops",
        False,
        (
            "Self-attention costs O(n^2 d) FLOPs per layer, which is quadratic in "
            "the sequence length."
        ),
    ),
    (
        "flops",
        False,
        ("The attention layer has O(n^2) complexity, while ours needs O(n) operations."),
    ),
    ("flops", False, "A V100 GPU offers 15.7 TFLOPS of single-precision compute."),
    ("flops", True, "Our model requires 1.2 GFLOPs per image, 3x fewer than ResNet-50."),
    ("energy", True, "Training the model consumed 27 kWh of electricity, i.e. about 11 kg CO2e."),
    ("energy", True, "We measured an average power draw of 250 W per GPU during training."),
    ("energy", True, "Our full sweep emitted an estimated 0.4 t CO2e."),
    (
        "energy",
        False,
        ("Energy efficiency is an important concern for deep learning practitioners."),
    ),
    (
        "energy",
        False,
        ("Strubell et al. (2019) estimate that training one model emits 626,155 lbs of CO2e."),
    ),
    ("energy", False, "The Xeon CPU has a TDP of 150 W."),
    ("runtime", False, "The WSJ training set contains 81 hours of speech."),
    ("runtime", False, "Each run was given a time limit of 24 hours."),
    ("runtime", False, "We train the model for 100 epochs with a batch size of 64."),
    ("runtime", False, "We train for 300k steps with a batch size of 256."),
    ("runtime", False, "Each training video is 10 seconds long."),
    ("runtime", True, "Inference takes 45 ms per image on our hardware."),
    ("hardware", False, "We train all models on 8 GPUs with data parallelism."),
    ("hardware", False, "He et al. (2016) trained ResNet on 8 Tesla K80 GPUs."),
    ("hardware", True, "We used two RTX 2080Ti GPUs."),
    ("hardware", True, "All experiments were run on a TPU v3-8."),
    ("params", False, "The encoder has 6 layers with hidden size 512 and 8 attention heads."),
    ("params", False, "We tune the hyperparameters on the validation set."),
    ("params", False, "Devlin et al. (2019) train BERT-large with 340M parameters."),
    ("params", False, "We use a batch size of 4M tokens."),
    ("params", True, "Our model has 1.3B parameters."),
    ("training_curve", False, "Figure 3: Test accuracy as a function of training set size."),
    (
        "training_curve",
        False,
        ("Figure 5: Validation loss versus model size for models from 10M to 1B parameters."),
    ),
    ("training_curve", False, "Figure 2: Accuracy against the dropout rate."),
    (
        "training_curve",
        False,
        ("Figure 4: BLEU as a function of the number of training sentences."),
    ),
    (
        "training_curve",
        True,
        ("Figure 2: Training loss versus the number of iterations for Adam and SGD."),
    ),
    ("search_budget", False, "All hyperparameters were tuned on the dev set."),
    (
        "search_budget",
        False,
        ("We use a learning rate of 0.001, a batch size of 32 and dropout 0.1."),
    ),
    (
        "search_budget",
        False,
        ("Li et al. (2018) ran 500 trials of random search for their baseline."),
    ),
    ("search_budget", False, "We report the mean over 5 runs with different random seeds."),
    (
        "search_budget",
        True,
        ("We ran a grid search over learning rates {1e-3, 3e-4, 1e-4} and batch sizes {16, 32}."),
    ),
]


@pytest.mark.parametrize("category,expected,text", CONSTRUCTED)
def test_constructed_sentence(category, expected, text):
    result = DETECTORS[category]([_unit(text)])
    assert result.reported is expected, text


# Constructed: the same own-work sentence counts in the body and never in the references.
@pytest.mark.parametrize(
    "category,text",
    [
        ("flops", "We report 4.1 GFLOPs for our model."),
        ("hardware", "We trained on 8 V100 GPUs."),
        ("params", "Our model has 110M parameters."),
        ("runtime", "Training took 3 days."),
        ("energy", "Training consumed 27 kWh."),
        ("search_budget", "We ran 100 trials of random search over the learning rate."),
        ("training_curve", "Figure 3: Validation loss versus training steps."),
    ],
)
def test_references_never_count(category, text):
    assert DETECTORS[category]([_unit(text, "body")]).reported
    assert not DETECTORS[category]([_unit(text, "references")]).reported


def test_related_work_twin_counts_as_own_work():
    # Constructed: the filter is about who did it, not about the number.
    own = "We report 4.1 GFLOPs for ResNet-50 on ImageNet."
    cited = "Smith et al. (2019) report 4.1 GFLOPs for ResNet-50 on ImageNet."
    assert DETECTORS["flops"]([_unit(own)]).reported
    assert not DETECTORS["flops"]([_unit(cited)]).reported


def test_empty_input_reports_nothing():
    for category, detect in DETECTORS.items():
        result = detect([])
        assert (result.category, result.reported, result.evidence) == (category, False, ())


# --------------------------------------------------------------------- whole papers
WHOLE_PAPERS = (VASWANI, BERT, MOBILENETS, ADAM, OLIVER, ENAS, SHUFFLENET, CUI)


@pytest.fixture(scope="module")
def gold_rows():
    rows = [
        json.loads(line)
        for line in (GOLD / "papers.jsonl").read_text().splitlines()
        if line.strip()
    ]
    return {r["file"]: r for r in rows}


@pytest.mark.parametrize("file", WHOLE_PAPERS)
def test_whole_paper_matches_gold(docs, gold_rows, file):
    assert file in SPLITS["dev"]
    results = detect_all(docs[file])
    assert list(results) == list(DETECTORS)
    got = {c: r.reported for c, r in results.items()}
    want = {c: gold_rows[file]["labels"][c]["reported"] for c in DETECTORS}
    assert got == want


def test_every_evidence_is_verbatim_and_short(docs):
    """What a paper's card shows (analyse_document: detectors, then evidence cut back to a
    verbatim run where a unit glued figure tick labels together, e.g. LongNet p9's
    "16 17 FLOPs Test PPL" against the page's "16 17\nFLOPs\n4\n6\n8\n10\nTest PPL")."""
    from extractors.extract_pdf import analyse_document

    checked = 0
    for file, doc in docs.items():
        for category, result in analyse_document(doc).results.items():
            assert result.reported == bool(result.evidence)
            assert len(result.evidence) <= 3
            for ev in result.evidence:
                assert 1 <= ev.page <= doc.pages
                assert len(ev.text) <= 300, (file, category)
                assert contains_quote(doc.page_texts[ev.page - 1], ev.text), (
                    file,
                    category,
                    ev.page,
                    ev.text,
                )
                checked += 1
    assert checked > 50

"""training_curve and params rules for evidence outside one sentence: figure axis titles,
regret and convergence captions, parameter counts in table columns, captions and small
models. Constructed units, shaped like the text layer of dev-split PMLR papers (the
gold-paper PDFs are not part of the test fixtures)."""

from __future__ import annotations

import pytest

from extractors.detectors import params, training_curve
from extractors.document import TextUnit


def _page(*texts: str, page: int = 7) -> list[TextUnit]:
    """Units of one page; a text starting with Figure/Table is a caption, one starting with
    "|" a table line (the bar is dropped), the rest sentences."""
    units = []
    for text in texts:
        if text.startswith(("Figure", "Table")):
            units.append(TextUnit(page, "body", "caption", text))
        elif text.startswith("|"):
            units.append(TextUnit(page, "body", "table", text[1:].strip()))
        else:
            units.append(TextUnit(page, "body", "sentence", text))
    return units


REWARD_CAPTION = "Figure 2: Mean and standard deviation of reward for the three environments."


# ------------------------------------------------------------------ training_curve
@pytest.mark.parametrize(
    "units,expected",
    [
        # axis titles beside a figure caption: progress + metric
        (
            _page(
                "epochs Reward ours - student ours - teacher TRPO PPO (b) Cart Pole Swing Up",
                "|0 200 400 600 800 1000",
                REWARD_CAPTION,
            ),
            True,
        ),
        (_page("Search Iteration (#) Validation Accuracy (%) LAHC SA RS BO", REWARD_CAPTION), True),
        (_page("number of iterations error norm ratio", REWARD_CAPTION), True),
        (
            _page("Iteration 0.13 0.14 0.15 MAE healthy baseline tangent combined", REWARD_CAPTION),
            True,
        ),
        (_page("Function evaluations Optimality gap GP-UCB EI PI", REWARD_CAPTION), True),
        # the same axis line on a page without a figure caption is not read as an axis
        (
            _page("epochs Reward ours - student ours - teacher TRPO PPO (b) Cart Pole Swing Up"),
            False,
        ),
        # prose (a full stop) is not an axis title
        (_page("We train for 100 epochs and report the test loss.", REWARD_CAPTION), False),
        # a signal over time within one run; "steps to goal" is a metric, not progress
        (_page("time step l2 error ResNN F-VIN Ground Truth", REWARD_CAPTION), False),
        (_page("Reward sparsity Steps to goal e-greedy EMU-Q (c)", REWARD_CAPTION), False),
    ],
)
def test_figure_axis_titles(units, expected):
    assert training_curve.detect(units).reported is expected


@pytest.mark.parametrize(
    "text,expected",
    [
        # regret of an online/bandit learner is plotted against its rounds (ANNOTATION.md)
        ("Figure 1: Average regret of MP-ROGD and benchmark algorithms with linear costs.", True),
        ("Figure 1: The n-step regret of Rank1Elim, UCB1 and LinUCB in up to n = 2M steps.", True),
        # convergence of an iterative procedure, optimisation loss, training histories
        ("Figure 2: Convergence to the optimal policy Kopt of the learned gains.", True),
        ("Figure 2: Mean optimization loss across 10 runs for node classification.", True),
        ("Figure 2: Training histories of conventional RL and safe RL.", True),
        # the caption names an x-axis that is not training progress
        (
            "Figure 3. Mean and standard deviation for train error, test error, and running "
            "time, all as functions of the number of inducing points (K).",
            False,
        ),
        (
            "Figure 3: Illustration of the convergence properties of MP-DANE, for different "
            "minibatch size b and number of machines m.",
            False,
        ),
        ("Figure 4: Validation loss against the dropout rate.", False),
    ],
)
def test_captions(text, expected):
    assert training_curve.detect(_page(text)).reported is expected, text


@pytest.mark.parametrize(
    "text,expected",
    [
        (
            "In Figure 1 (b), we plot the distance for different widths across the iterations "
            "of gradient descent.",
            True,
        ),
        # learning curves described as plotted (averaged, shaded), no figure number
        (
            "Learning curves are averaged over 5 independent trials, with standard "
            "deviations shaded in green.",
            True,
        ),
        ("Performance over time could have meant learning curves during the search.", False),
        # an asymptotic rate is not a plotted curve
        ("This bound shows that with a convergence rate in O(1/n) the risk is bounded.", False),
        # "Normalised" is not the metric "norm"
        ("Figure 3: Normalised CEA values over time with SHAP values overlaid as dots.", False),
    ],
)
def test_sentences(text, expected):
    assert training_curve.detect(_page(text)).reported is expected, text


# ------------------------------------------------------------------------- params
@pytest.mark.parametrize(
    "text,expected",
    [
        ("The slim architecture has a relatively low number of 423 730 learned parameters.", True),
        (
            "We evaluated a two-layer network as well as a simple linear policy (77 parameters).",
            True,
        ),
        ("It computes 3 parameters for the TG (frequency, amplitude and height).", False),
        # thousands split by a comma and a space, as some text layers print "28,398,705"
        (
            "Note that PENet has 28, 398, 705 parameters, while our model only has 3, 168, "
            "116 parameters.",
            True,
        ),
        ("We used 3, 5, 7 parameters for the three kernels.", False),
        ("For 10Hz signals each wavelet term is a vector of 220 coefficients.", False),
        ("Thus a k-GMM is parametrized by 3k parameters; namely, the mixing weights.", False),
        ("The final model has 3k parameters.", True),
        (
            "The horizontal axis is the Top-1 test error, while the vertical axis is the "
            "number of model parameters.",
            True,
        ),
    ],
)
def test_explicit_counts(text, expected):
    assert params.detect(_page(text)).reported is expected, text


@pytest.mark.parametrize(
    "units,expected",
    [
        # a params row of plain integers
        (
            _page(
                "Table 9: Trainable and non-trainable parameter counts for the BERT variants.",
                "|M-BERT B-BERT NS-BERT ALT-BERT",
                "|Trainable Parameters 9083060 9083060 8811380 9044596",
            ),
            True,
        ),
        # powers of ten whose exponent the text layer set on the line ("1.5 · 10^3")
        (_page("|Nb. of params 1.5 · 103 1.2 · 104 1.7 · 105 1.8 · 104"), True),
        (_page("|Nb. of params 1.5 · 10 1.2 · 2 3 · 4"), False),
        # a "Parameters" heading over acquisition settings (small plain numbers)
        (
            _page(
                "Appendix A. Scan parameters",
                "|Field of view (mm) 225 230 220 256 240 220",
                "|TR (ms) 22, 50 16000 4.7 / 4.7 / 3.2 7.8 3000 9502",
            ),
            False,
        ),
        # a caption that runs into its table: model sizes as M counts
        (
            _page(
                "Table 2: Comparison of time consumption and model size of different methods "
                "Methods Time Consumption Model Size 2D U-Net 153s 35M 3D U-Net 534s 83M"
            ),
            True,
        ),
        # model size in megabytes is not a parameter count
        (
            _page(
                "Table 2: Model size of different methods.",
                "|2D U-Net 153s 35 MB",
                "|3D U-Net 534s 83 MB",
            ),
            False,
        ),
        # a "Parameter count" table with comma-grouped counts in the rows
        (
            _page(
                "Table 3: Parameter count AIFB AM dim R-GCN R-GCN + MLP CompGCN",
                "|2 1,092 1,144 262",
                "|4 2,912 2,992 576 20,311 20,655 1,292",
            ),
            True,
        ),
        # the counts sit in the sentence-like line right after the caption
        (
            _page(
                "Table G1: The number of trainable parameters across all architectures.",
                "Architecture Evaluation Setting Number of trainable parameters ResNet50 "
                "Linear Evaluation 10.2 K Finetuning 23.5 M ViT Linear Evaluation 7.7 K",
            ),
            True,
        ),
        # correlations in a "#Params" row; "0.52 T-CET" is not 0.52 trillion
        (
            _page(
                "Benchmark BLOX NB-Macro FLOPS 0.38 0.56 #Params 0.40 0.22 NASWOT -0.00 0.63 "
                "Synflow-SNR 0.39 0.52 T-CET(Synflow) 0.40 0.55 T-CET(SNIP) 0.34 0.55"
            ),
            False,
        ),
    ],
)
def test_table_counts(units, expected):
    assert params.detect(units).reported is expected


# ------------------------------------------- patterns from the unlabelled PMLR review pool
@pytest.mark.parametrize(
    "units,expected",
    [
        # "trained until convergence" is a stopping rule, not a plotted curve
        (
            _page(
                "Figure 2: (Left) TEB for system (6) with different planner control bounds. "
                "The model is trained until convergence. As the bound increases, the TEB "
                "grows larger."
            ),
            False,
        ),
        (_page("Figure 2: Convergence of the training loss for the three runs."), True),
        # regret against a parameter, not against rounds
        (
            _page(
                "Figure 1: (a) The worst-case expected regret cost of each controller for "
                "different values of r, for system [REA4]."
            ),
            False,
        ),
        # the same sweep with the rounds named is a regret curve per value
        (
            _page(
                "Figure 1: Cumulative regret over rounds for different values of the "
                "exploration parameter."
            ),
            True,
        ),
        # an n-step prediction horizon on an axis is not training progress
        (
            _page("n step 0.0000 0.0005 0.0010 0.0015 0.0020 NRMS n-step error", REWARD_CAPTION),
            False,
        ),
        (_page("Training steps 0.0000 0.0005 0.0010 NRMS error", REWARD_CAPTION), True),
    ],
)
def test_pool_curve_patterns(units, expected):
    assert training_curve.detect(units).reported is expected


@pytest.mark.parametrize(
    "text,expected",
    [
        # a learning-theory rate, however worded, is not a plotted rate
        (
            "Since f is the empirical risk of a linear classifier, its uniform convergence "
            "rate can be characterized by the VC-dimension, as this shows.",
            False,
        ),
        ("As Figure 3 shows, the convergence rate is bounded by the spectral gap.", False),
        ("Figure 3 shows the convergence rate of each optimizer on CIFAR-10.", True),
    ],
)
def test_theory_rates(text, expected):
    assert training_curve.detect(_page(text)).reported is expected, text


@pytest.mark.parametrize(
    "units,expected",
    [
        # counts with a comma and a space between the thousands
        (
            _page(
                "Table 2: The number of trainable parameters.",
                "|165, 171 307, 921 112, 832 433, 288 138, 176",
            ),
            True,
        ),
        # the same caption over small lists ("1, 2, 3") is not a count
        (_page("Table 2: The number of trainable parameters.", "|1, 2, 3 4, 5"), False),
        # "Parameters for ..." in a caption is a table of settings
        (
            _page(
                "Table 8: Parameters for outlier injection.",
                "|Dataset Cora Amazon Flickr",
                "|o 150000 270000 450000",
            ),
            False,
        ),
        (
            _page(
                "Table 8: Parameters of the compared models.",
                "|Model ResNet-50 ViT-B",
                "|25,557,032 86,567,656",
            ),
            True,
        ),
    ],
)
def test_pool_params_patterns(units, expected):
    assert params.detect(units).reported is expected


LOSS_CAPTION = (
    "Figure 2: (b) Loss values and reconstructed images when only the first regressor is known."
)


@pytest.mark.parametrize(
    "units,expected",
    [
        # the metric axis is a symbol; the caption names the loss, the axis the iterations
        (_page("Iteration Number, k L(θk) Gradient Descent Nesterov (b)", LOSS_CAPTION), True),
        (_page("number k of iterations 10−8 10−4 log[f(k) − f(*)] Adam", LOSS_CAPTION), True),
        # no progress word on the axis, or a horizon, or a caption without the metric
        (_page("Noise level σ 0.1 0.2 0.3 L(θ)", LOSS_CAPTION), False),
        (_page("n step 0.1 0.2 L(θ)", LOSS_CAPTION), False),
        (_page("Iteration Number, k L(θk) (b)", "Figure 2: Reconstructed images."), False),
        # the caption's x-axis is data size
        (
            _page(
                "Iteration Number, k L(θk)",
                "Figure 2: Loss as a function of the number of training samples.",
            ),
            False,
        ),
    ],
)
def test_symbol_metric_axis(units, expected):
    assert training_curve.detect(units).reported is expected


# ------------------------------------------------- training_curve v2: phrasing of progress
@pytest.mark.parametrize(
    "text,expected",
    [
        # a qualified progress unit, or a stated time of computation
        ("Figure 1: Estimation error with respect to the number of global iterations.", True),
        ("Figure 1: Test loss against communication rounds for FedAvg and ours.", True),
        ("Figure 1: Left: ELBO vs. elapsed time for VI on synthetic data.", True),
        ("Figure 3 depicts the dual gap achieved with respect to the CPU time.", True),
        ("Figure 2: Reward is plotted against both wall-clock time and simulator steps.", True),
        ("Figure 3: Average loss values throughout the training for both tiers.", True),
        (
            "A comparison of training and validation accuracy for the first 45 epochs of "
            "training is shown in Figure 6.",
            True,
        ),
        # a panel description of a figure
        ("Top center: Decay of the loss as a function of training step for 10 runs.", True),
        ("Figure 3: Accuracy and Dice loss plots for the models we trained.", True),
        (
            "We present learning curves for the best parameter setting in terms of RMS error "
            "after 20,000 steps.",
            True,
        ),
        # a panel label without a training metric, a histogram, unqualified learning curves
        ("Top center: Samples from the two metastable solutions.", False),
        ("Figure 3: Histogram of the rewards received in the first 5000 iterations.", False),
        ("We present learning curves for the best parameter setting.", False),
        ("Figure 3: Accuracy as a function of the number of training samples.", False),
    ],
)
def test_progress_phrasing(text, expected):
    assert training_curve.detect(_page(text)).reported is expected, text


@pytest.mark.parametrize(
    "text,expected",
    [
        # a caption naming training performance or behaviour
        ("Figure 1: Training performance with replay ratios of 1, 3 and 7.", True),
        ("Figure 4: Training behavior of the detection model with focal and BCE loss.", True),
        # a parameter refined or sent to a limit is the x-axis, not training progress
        ("Figure 2: Convergence of estimators as the mesh-size Δx refines.", False),
        ("Figure 2: Convergence of the estimate to its limit as R2 → ∞.", False),
    ],
)
def test_caption_phrasing(text, expected):
    assert training_curve.detect(_page(text)).reported is expected, text


@pytest.mark.parametrize(
    "units,expected",
    [
        # axis metrics: function value, risk, DSC; a singular "Round" axis
        (_page("Number of iterations 0.36 0.40 Function value sgd svrg", REWARD_CAPTION), True),
        (_page("Iteration 0.15 0.20 0.25 Target risk", REWARD_CAPTION), True),
        (_page("Epoch 0.16 0.18 0.20 DSC Transformer Bayesian", REWARD_CAPTION), True),
        (_page("Round Regret COMBD3 COMBAND (e) OSP", REWARD_CAPTION), True),
        # prose that ends a question or opens a list, or reads as a cut sentence
        (_page("How does the loss change over training steps?", REWARD_CAPTION), False),
        (_page("The loss is summarized in two steps:", REWARD_CAPTION), False),
        (
            _page(
                "To fine-tune the model on our data, during each epoch the loss is computed for",
                REWARD_CAPTION,
            ),
            False,
        ),
        # a table's header row under its caption
        (
            _page(
                REWARD_CAPTION,
                "Table 5: Performance of transformer and RNN models.",
                "|Models # Params Training Time(sec) BLEU METEOR ROUGE",
            ),
            False,
        ),
    ],
)
def test_axis_titles_v2(units, expected):
    assert training_curve.detect(units).reported is expected

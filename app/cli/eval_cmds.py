"""CLI: eval (score extractors against gold), train-target (retrain the target model)."""

from __future__ import annotations

import json
from pathlib import Path

import click

from app.cli.options import clean_errors

_SHARED_CORPUS = Path("../shared/corpus")


@click.command("eval")
@click.argument("gold", nargs=-1, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--pdfs",
    "pdfs_dirs",
    multiple=True,
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="Folder each GOLD file's `file` fields are relative to, "
    "once per GOLD file in the same order [default: ../shared/corpus/pdfs for "
    "papers.jsonl, $GREENLENS_GOLD_PDFS or ../gold-pdfs for papers_pmlr*.jsonl].",
)
@click.option(
    "--split",
    type=click.Choice(["dev", "val", "test", "val+test", "all"]),
    default=None,
    help="Papers to score: dev (read, trained on), val (the earlier rounds' test papers: "
    "aggregate figures to choose between methods), test (rounds 5 and 6's sealed papers, scored "
    "once at the end of a round), from a gold file's own `split` field, else "
    "extractors/gold/paper_splits.json [default: val; dev for --lovo and "
    "--learning-curve, which refuse any other].",
)
@click.option(
    "--lovo",
    is_flag=True,
    help="Leave-one-venue-out CV on dev: train the unit "
    "classifiers and the paper-level target stacker on the other venues, score the "
    "held-out one; pooled F1.",
)
@click.option(
    "--learning-curve",
    "curve",
    is_flag=True,
    help="F1 against the number of training papers (dev, 3 folds, seeded subsamples).",
)
@click.option(
    "--sizes",
    default="40,80,120,154",
    show_default=True,
    help="Training-set sizes of the learning curve.",
)
@click.option("--seeds", default=2, show_default=True, help="Subsamples per learning-curve size.")
@click.option(
    "--categories",
    default=None,
    help="Comma-separated categories the unit "
    "classifiers decide in --lovo / --learning-curve [default: the shipped model's "
    "for --lovo, every candidate category for --learning-curve].",
)
@click.option(
    "--bootstrap",
    default=1000,
    show_default=True,
    help="Bootstrap resamples of the papers for the 95% intervals (0: none).",
)
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)
@clean_errors
def eval_command(
    gold: tuple[Path, ...],
    pdfs_dirs: tuple[Path, ...],
    split: str | None,
    lovo: bool,
    curve: bool,
    sizes: str,
    seeds: int,
    categories: str | None,
    bootstrap: int,
    fmt: str,
) -> None:
    """Precision, recall and F1 per category and for target, with 95% bootstrap intervals
    and every miss; or leave-one-venue-out CV / a learning curve on the dev split.

    With no GOLD, every gold paper file is scored together (papers.jsonl and the
    papers_pmlr*.jsonl files, each with its PDF folder)."""
    from corpus.errors import ConfigError
    from extractors.evaluate import evaluate_sources

    sources = _sources(gold, pdfs_dirs)
    if lovo or curve:
        if split not in (None, "dev"):
            raise ConfigError(
                "--lovo and --learning-curve run on the dev split only "
                "(val chooses between methods, test is sealed for the final figures)"
            )
        cats = _categories(categories)
        _generalisation(sources, lovo, curve, sizes, seeds, cats, bootstrap, fmt)
        return
    split = split or "val"
    report = evaluate_sources(sources, split=split, bootstrap=bootstrap)
    if fmt == "json":
        click.echo(json.dumps({"split": split, **report.to_dict()}, indent=2))
        return
    click.echo(
        f"papers scored: {report.papers} (split: {split}; "
        f"{', '.join(str(s.gold.name) for s in sources)})"
    )
    _print_scores(report)
    if report.misses:
        click.echo("\nmisses (file, category, expected, got, evidence):")
        for m in report.misses:
            click.echo(
                f"  {m.file}  {m.category}  expected={m.expected} got={m.got}  {m.evidence[:160]}"
            )
    for file, error in report.errors:
        click.echo(f"  error: {file}: {error}", err=True)


def _categories(text: str | None) -> tuple[str, ...] | None:
    from corpus.errors import ConfigError
    from extractors.schema import CATEGORIES

    if not text:
        return None
    cats = tuple(c.strip() for c in text.split(",") if c.strip())
    unknown = [c for c in cats if c not in CATEGORIES]
    if unknown:
        raise ConfigError(f"unknown categories {unknown}: choose from {', '.join(CATEGORIES)}")
    return cats


def _sources(gold: tuple[Path, ...], pdfs_dirs: tuple[Path, ...]):
    from corpus.errors import ConfigError
    from extractors.evaluate import GoldSource, default_sources
    from extractors.gold import pdf_folder

    defaults = default_sources(_SHARED_CORPUS)
    if not gold:
        if pdfs_dirs:
            raise ConfigError("--pdfs needs its GOLD file")
        return defaults
    if pdfs_dirs and len(pdfs_dirs) != len(gold):
        raise ConfigError(
            f"{len(gold)} GOLD files but {len(pdfs_dirs)} --pdfs: give one "
            "--pdfs per GOLD file, in the same order, or none"
        )
    if pdfs_dirs:
        return [GoldSource(g, p) for g, p in zip(gold, pdfs_dirs)]
    shared_pdfs, pmlr_pdfs = defaults[0].pdfs, defaults[1].pdfs  # papers.jsonl's, PMLR's
    return [GoldSource(g, pdf_folder(g.name, shared_pdfs, pmlr_pdfs)) for g in gold]


def _interval(report, key: str) -> str:
    iv = report.intervals.get(key)
    return f"[{iv[0]:.2f}, {iv[1]:.2f}]" if iv else ""


def _print_scores(report) -> None:
    click.echo(
        f"{'category':<16}{'P':>6}{'R':>6}{'F1':>6}  {'95% CI':<14}{'tp':>5}{'fp':>5}{'fn':>5}"
    )
    for cat, s in report.scores.items():
        click.echo(
            f"{cat:<16}{s.precision:>6.2f}{s.recall:>6.2f}{s.f1:>6.2f}  "
            f"{_interval(report, cat):<14}{s.tp:>5}{s.fp:>5}{s.fn:>5}"
        )
    click.echo(
        f"{'target':<16} accuracy {report.target_accuracy:.2f}  "
        f"macro-F1 {report.target_macro_f1:.2f} {_interval(report, 'target')}"
    )


def _generalisation(
    sources,
    lovo: bool,
    curve: bool,
    sizes: str,
    seeds: int,
    cats: tuple[str, ...] | None,
    bootstrap: int,
    fmt: str,
) -> None:
    from corpus.errors import ConfigError
    from extractors.evaluate import curve_verdict, learning_curve, load_examples
    from extractors.evaluate import lovo as run_lovo

    def progress(msg: str) -> None:
        click.echo(msg, err=True)

    examples, errors = load_examples(sources, "dev")
    for file, error in errors:
        click.echo(f"  error: {file}: {error}", err=True)
    out: dict = {"split": "dev", "papers": len(examples)}
    if lovo:
        report, per_venue = run_lovo(examples, cats, bootstrap=bootstrap, progress=progress)
        out["lovo"] = {**report.to_dict(), "per_venue": per_venue}
        if fmt == "text":
            click.echo(
                f"leave-one-venue-out on dev: {report.papers} papers, "
                f"{len(per_venue)} venue folds (pooled)"
            )
            _print_scores(report)
            click.echo("per venue (papers; F1 per category):")
            for venue, row in per_venue.items():
                f1s = " ".join(f"{k}={v:.2f}" for k, v in row.items() if k != "papers")
                click.echo(f"  {venue:<14}{row['papers']:>4}  {f1s}")
    if curve:
        try:
            size_list = [int(x) for x in sizes.split(",") if x.strip()]
        except ValueError as exc:
            raise ConfigError(f"--sizes must be integers separated by commas: {sizes!r}") from exc
        points = learning_curve(
            examples, size_list, seeds=seeds, categories=cats, progress=progress
        )
        verdict = curve_verdict(points)
        out["learning_curve"] = {"points": [p.__dict__ for p in points], "verdict": verdict}
        if fmt == "text":
            click.echo("learning curve (dev, 3 folds; F1 mean ± SD over seeded subsamples):")
            shown = list(points[0].f1_mean) if points else []
            click.echo(f"{'n_train':>8}  " + "  ".join(f"{c:>16}" for c in shown))
            for p in points:
                click.echo(
                    f"{p.n_train:>8}  "
                    + "  ".join(f"{p.f1_mean[c]:>10.2f} ±{p.f1_sd[c]:.2f}" for c in shown)
                )
            click.echo("verdict: " + ", ".join(f"{c} {v}" for c, v in verdict.items()))
    if fmt == "json":
        click.echo(json.dumps(out, indent=2))


@click.command("train-target")
@click.option(
    "--gold",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Gold abstracts, repeatable [default: "
    "extractors/gold/abstracts.jsonl, abstracts_wide.jsonl, abstracts_r5.jsonl and "
    "abstracts_r5_anthology.jsonl].",
)
@click.option(
    "--corpus",
    "corpus_dir",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=_SHARED_CORPUS,
    show_default=True,
    help="Corpus snapshot holding the ACL/ML Anthology abstracts' text.",
)
@click.option(
    "--pmlr-repos",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Folder of mlresearch/vNN clones holding the `pmlr:` abstracts' text "
    "[default: $GREENLENS_PMLR_REPOS, else ../pmlr-repos beside the repo if it exists; "
    "without it those abstracts are skipped].",
)
@click.option(
    "--score-test/--no-score-test",
    default=True,
    show_default=True,
    help="Also score the abstracts' held-out test split (once, for the model you ship).",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Where to write the model [default: the shipped extractors/models/target.json].",
)
@click.option(
    "--papers/--no-papers",
    default=True,
    show_default=True,
    help="Also fit the paper-level stacker on the dev gold papers (reads their PDFs) "
    "and write it beside the model as NAME_paper.json.",
)
@click.option(
    "--gold-pdfs",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=None,
    help="PDFs of the PMLR gold papers [default: $GREENLENS_GOLD_PDFS or ../gold-pdfs].",
)
@clean_errors
def train_target(
    gold: tuple[Path, ...],
    corpus_dir: Path,
    pmlr_repos: Path | None,
    score_test: bool,
    out: Path | None,
    papers: bool,
    gold_pdfs: Path | None,
) -> None:
    """Retrain the target classifier on the dev split of the gold abstracts (the gold
    papers' own abstracts left out), then the paper-level stacker on the dev gold papers."""
    from extractors.gold.pmlr_sample import default_repos
    from extractors.target import GOLD_ABSTRACT_FILES, MODEL_PATH, train

    pmlr_repos = pmlr_repos or default_repos()
    report = train(
        list(gold) or list(GOLD_ABSTRACT_FILES),
        corpus_dir,
        out or MODEL_PATH,
        pmlr_repos=pmlr_repos,
        score_test=score_test,
    )
    click.echo(
        f"trained on {report.n_dev} dev abstracts -> {out or MODEL_PATH}"
        + ("" if pmlr_repos else " (no PMLR clones: pmlr: abstracts skipped)")
    )
    click.echo(
        f"leave-one-venue-out CV on dev: accuracy {report.cv_accuracy:.3f}, "
        f"macro-F1 {report.cv_macro_f1:.3f}"
    )
    if report.test_macro_f1 is not None:
        click.echo(
            f"held-out test ({report.n_test}): accuracy {report.test_accuracy:.3f}, "
            f"macro-F1 {report.test_macro_f1:.3f}"
        )
    if papers:
        _train_paper_stacker(corpus_dir, gold_pdfs, out or MODEL_PATH)


def _train_paper_stacker(corpus_dir: Path, gold_pdfs: Path | None, model: Path) -> None:
    """Fit the paper-level target stacker on the dev gold papers over `model`'s scores."""
    from corpus.errors import ConfigError
    from extractors.evaluate import default_sources, load_examples
    from extractors.target_paper import train_paper

    examples, errors = load_examples(default_sources(corpus_dir, gold_pdfs), "dev")
    for file, error in errors:
        click.echo(f"  error: {file}: {error}", err=True)
    if len(examples) < 20 or len({ex.target for ex in examples}) < 3:
        raise ConfigError(
            f"{len(examples)} dev gold papers read ({len(errors)} unreadable): too few to fit "
            f"the paper stacker; the abstract model {model} was written, no stacker "
            "(run with --gold-pdfs, or --no-papers)"
        )
    paper_out = model.with_name(f"{model.stem}_paper.json")
    rep = train_paper(examples, model, paper_out)
    click.echo(f"paper stacker fitted on {rep.papers} dev papers -> {paper_out}")
    click.echo(
        f"leave-one-venue-out on dev papers ({rep.folds} folds): macro-F1 "
        f"{rep.lovo_macro_f1:.3f}, accuracy {rep.lovo_accuracy:.3f}"
    )


@click.command("train-units")
@click.option(
    "--corpus",
    "corpus_dir",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=_SHARED_CORPUS,
    show_default=True,
    help="Corpus snapshot whose pdfs/ hold papers.jsonl's PDFs.",
)
@click.option(
    "--gold-pdfs",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=None,
    help="PDFs of the papers_pmlr*.jsonl files [default: $GREENLENS_GOLD_PDFS or ../gold-pdfs].",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Where to write the model [default: the shipped extractors/models/units.json].",
)
@click.option(
    "--c",
    "c_value",
    type=click.FloatRange(min=1e-4, max=1e4),
    default=None,
    help="Inverse L2 strength of the unit logistic regressions [default: per category, "
    "the best of extractors.learned.C_GRID by out-of-fold F1 on dev].",
)
@click.option(
    "--categories",
    default=None,
    help="Comma-separated learned categories to retrain; the others' classifiers are kept "
    "from the model at --out [default: every category of extractors.learned.CATEGORY_MODES].",
)
@clean_errors
def train_units(
    corpus_dir: Path,
    gold_pdfs: Path | None,
    out: Path | None,
    c_value: float | None,
    categories: str | None,
) -> None:
    """Retrain the per-category unit classifiers on the dev split of every gold paper file,
    each category in its chosen mode (extractors.learned.CATEGORY_MODES)."""
    from corpus.errors import ConfigError
    from extractors.evaluate import default_sources, load_examples
    from extractors.learned import (
        CATEGORY_MODES,
        FEATURES,
        LEARNED_CATEGORIES,
        MODEL_PATH,
        load_model,
        merge,
        save,
        train,
    )

    chosen = [c.strip() for c in categories.split(",") if c.strip()] if categories else []
    unknown = sorted(set(chosen) - set(LEARNED_CATEGORIES))
    if unknown:
        raise click.BadParameter(
            f"{', '.join(unknown)}: not learned (choose from {', '.join(LEARNED_CATEGORIES)})",
            param_hint="--categories",
        )
    retrain = tuple(c for c in LEARNED_CATEGORIES if not chosen or c in chosen)
    target = out or MODEL_PATH
    if len(retrain) < len(LEARNED_CATEGORIES) and not Path(target).is_file():
        raise ConfigError(f"{target}: no model to keep the other categories from")
    examples, errors = load_examples(default_sources(corpus_dir, gold_pdfs), "dev")
    for file, error in errors:
        click.echo(f"  error: {file}: {error}", err=True)
    short = [c for c in retrain if len({ex.gold[c] for ex in examples}) < 2 or len(examples) < 20]
    if short:  # never overwrite a model with one trained on (almost) nothing
        raise ConfigError(
            f"{len(examples)} dev gold papers read ({len(errors)} unreadable): "
            f"too few to train {', '.join(short)}; nothing written"
        )
    model = train(examples, retrain, c=c_value, modes=CATEGORY_MODES, options=FEATURES)
    model.report = {
        "dev_papers": len(examples),
        "c": c_value if c_value is not None else "per category, out-of-fold",
        "categories": {c: CATEGORY_MODES[c] for c in retrain},
        "trained_on": "dev splits of the gold paper files (extractors.gold.PAPER_FILES)",
        **model.report,
    }
    if retrain != LEARNED_CATEGORIES:
        model = merge(load_model(Path(target)), model, LEARNED_CATEGORIES)
    path = save(model, target)
    click.echo(f"trained {', '.join(retrain)} on {len(examples)} dev papers -> {path}")
    fits = model.report.get("categories_fit", {})
    for cat, m in model.categories.items():
        fit = fits.get(cat, {})
        click.echo(
            f"  {cat:<16} {m.mode:<13} C {fit.get('c')}  threshold {m.threshold:.3f}  "
            f"out-of-fold {fit.get('oof')}  {len(m.weights)} weights"
        )


def register(group: click.Group) -> None:
    """Add this module's commands to the CLI."""
    group.add_command(eval_command)
    group.add_command(train_target)
    group.add_command(train_units)

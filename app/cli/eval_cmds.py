"""CLI: eval (score extractors against gold), train-target (retrain the target model)."""

from __future__ import annotations

import json
from pathlib import Path

import click

from app.cli.options import clean_errors

_SHARED_CORPUS = Path("../shared/corpus")


@click.command("eval")
@click.argument("gold", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--pdfs", "pdfs_dir", type=click.Path(exists=True, file_okay=False,
              path_type=Path), default=_SHARED_CORPUS / "pdfs", show_default=True,
              help="Folder the gold `file` fields are relative to.")
@click.option("--split", type=click.Choice(["dev", "test", "all"]), default="test",
              show_default=True, help="Papers of extractors/gold/paper_splits.json to score.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
@clean_errors
def eval_command(gold: Path, pdfs_dir: Path, split: str, fmt: str) -> None:
    """Precision, recall and F1 per category and for target, with every miss listed."""
    from extractors.evaluate import evaluate

    report = evaluate(gold, pdfs_dir, split=split)
    if fmt == "json":
        click.echo(json.dumps(report.to_dict(), indent=2))
        return
    click.echo(f"papers scored: {report.papers} (split: {split})")
    click.echo(f"{'category':<16}{'P':>6}{'R':>6}{'F1':>6}{'tp':>5}{'fp':>5}{'fn':>5}")
    for cat, s in report.scores.items():
        click.echo(f"{cat:<16}{s.precision:>6.2f}{s.recall:>6.2f}{s.f1:>6.2f}"
                   f"{s.tp:>5}{s.fp:>5}{s.fn:>5}")
    click.echo(f"{'target':<16} accuracy {report.target_accuracy:.2f}  "
               f"macro-F1 {report.target_macro_f1:.2f}")
    if report.misses:
        click.echo("\nmisses (file, category, expected, got, evidence):")
        for m in report.misses:
            click.echo(f"  {m.file}  {m.category}  expected={m.expected} got={m.got}  "
                       f"{m.evidence[:160]}")
    for file, error in report.errors:
        click.echo(f"  error: {file}: {error}", err=True)


@click.command("train-target")
@click.option("--gold", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              default=None, help="Gold abstracts [default: extractors/gold/abstracts.jsonl].")
@click.option("--corpus", "corpus_dir", type=click.Path(exists=True, file_okay=False,
              path_type=Path), default=_SHARED_CORPUS, show_default=True,
              help="Corpus snapshot holding the abstracts' text.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Where to write the model [default: the shipped extractors/models/target.json].")
@clean_errors
def train_target(gold: Path | None, corpus_dir: Path, out: Path | None) -> None:
    """Retrain the target classifier on the dev split of the gold abstracts."""
    from extractors.target import GOLD_ABSTRACTS, MODEL_PATH, train

    report = train(gold or GOLD_ABSTRACTS, corpus_dir, out or MODEL_PATH)
    click.echo(f"trained on {report.n_dev} dev abstracts -> {out or MODEL_PATH}")
    click.echo(f"5-fold CV on dev: accuracy {report.cv_accuracy:.3f}, "
               f"macro-F1 {report.cv_macro_f1:.3f}")
    if report.test_macro_f1 is not None:
        click.echo(f"held-out test ({report.n_test}): accuracy {report.test_accuracy:.3f}, "
                   f"macro-F1 {report.test_macro_f1:.3f}")


def register(group: click.Group) -> None:
    """Add this module's commands to the CLI."""
    group.add_command(eval_command)
    group.add_command(train_target)

"""Text classification data: SST-2 (GLUE) TSV files, seeded subsets, a simple tokenizer."""

from __future__ import annotations

import os
import random
import re
from dataclasses import dataclass
from pathlib import Path

from corpus.errors import ConfigError, ParseError

LABEL_COLUMN = "label"
TEXT_COLUMNS = ("sentence", "content", "text")
_TOKEN = re.compile(r"\w+(?:'\w+)?|[^\w\s]")


def default_data_dir(dataset: str = "sst2") -> Path:
    """$GREENLENS_SST2, else $GREENLENS_SHARED/replication/<dataset>, else ../shared beside
    the repository."""
    if dataset == "sst2" and os.environ.get("GREENLENS_SST2"):
        return Path(os.environ["GREENLENS_SST2"])
    shared = os.environ.get("GREENLENS_SHARED")
    root = Path(shared) if shared else Path(__file__).resolve().parents[2] / "shared"
    return root / "replication" / dataset


@dataclass
class TextSplit:
    """Sentences and their integer labels."""

    texts: list[str]
    labels: list[int]

    def __len__(self) -> int:
        return len(self.texts)

    def subset(self, n: int | None, seed: int = 0) -> TextSplit:
        """A seeded random subset of n examples (all of them when n is None or larger)."""
        if n is None or n >= len(self):
            return self
        idx = sorted(random.Random(seed).sample(range(len(self)), n))
        return TextSplit([self.texts[i] for i in idx], [self.labels[i] for i in idx])


@dataclass
class TextData:
    """A train and a dev split, with the files they came from."""

    train: TextSplit
    dev: TextSplit
    source: str
    num_classes: int = 2


def load_tsv(path: Path) -> TextSplit:
    """Read a GLUE-style TSV with a header; columns found by name (label + sentence/content)."""
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror or exc}") from exc
    if not lines:
        raise ParseError(f"{path} is empty")
    header = [h.strip().lower() for h in lines[0].split("\t")]
    if LABEL_COLUMN not in header:
        raise ParseError(f"{path}: no 'label' column in header {header}")
    text_cols = [i for i, h in enumerate(header) if h in TEXT_COLUMNS]
    if not text_cols:
        raise ParseError(f"{path}: no text column ({'/'.join(TEXT_COLUMNS)}) in {header}")
    li, ti = header.index(LABEL_COLUMN), text_cols[0]
    texts, labels = [], []
    for lineno, line in enumerate(lines[1:], start=2):
        if not line.strip():
            continue
        cells = line.split("\t")
        try:
            labels.append(int(cells[li]))
            texts.append(cells[ti].strip())
        except (IndexError, ValueError) as exc:
            raise ParseError(f"{path}:{lineno}: bad row ({exc})") from exc
    return TextSplit(texts, labels)


def load_sst2(
    data_dir: Path | str | None = None,
    limit_train: int | None = None,
    limit_dev: int | None = None,
    seed: int = 0,
) -> TextData:
    """SST-2 train.tsv and dev.tsv, optionally as seeded random subsets."""
    root = Path(data_dir) if data_dir else default_data_dir("sst2")
    for name in ("train.tsv", "dev.tsv"):
        if not (root / name).exists():
            raise ConfigError(
                f"SST-2 not found: {root / name} is missing (give --data-dir or set GREENLENS_SST2)"
            )
    train = load_tsv(root / "train.tsv").subset(limit_train, seed)
    dev = load_tsv(root / "dev.tsv").subset(limit_dev, seed)
    return TextData(train, dev, source=str(root))


def tokenize(text: str) -> list[str]:
    """Lower-cased word and punctuation tokens."""
    return _TOKEN.findall(text.lower())

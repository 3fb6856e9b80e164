"""The hardware detector's token check without loading spaCy, where the answer is certain.

extractors.detectors.hardware confirms a matched model name with a spaCy PhraseMatcher
over the tokens of the short matched text ("8 NVIDIA V100", "RTX2080Ti"). Importing
spaCy takes about a second: most of a cold `greenlens check`. `confirmed(text)` gives the
matcher's answer from a table made once from spaCy (`python -m extractors.hwtokens`
rewrites extractors/models/hw_tokens.json): each GPU model's tokens, and the English
tokenizer's special cases, prefix, suffix and infix expressions. A space-separated piece
that is no special case and where no prefix, suffix or infix expression matches is one
token in spaCy (its tokenizer has nothing to split), and a piece spelled exactly as a
model without spaces has that model's tokens; for anything else, or a table that
does not cover every model of extractors.quantities.GPU_MODELS, the answer is None and
the caller asks spaCy itself.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path

TABLE = Path(__file__).parent / "models" / "hw_tokens.json"


@lru_cache(maxsize=1)
def _table() -> dict | None:
    from extractors.quantities import GPU_MODELS

    try:
        data = json.loads(TABLE.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    models = data.get("models", {})
    if any(m not in models for m in GPU_MODELS):
        return None  # a model added since the table was made: spaCy decides
    return {
        # a piece that is a whole model name ("A10G", "Cortex-A") is tokenized alone, as
        # spaCy splits on spaces first: its tokens are the model's, affixes or not
        "names": {m: tuple(models[m]) for m in GPU_MODELS if " " not in m},
        "specials": frozenset(data["specials"]),
        "patterns": {tuple(models[m]) for m in GPU_MODELS},
        "sources": (data["prefix"], data["suffix"], data["infix"]),
    }


@lru_cache(maxsize=1)
def _affixes() -> tuple[re.Pattern, ...]:
    table = _table()
    assert table is not None  # only called once tokens() has the table
    return tuple(re.compile(src) for src in table["sources"])


def tokens(text: str) -> list[str] | None:
    """spaCy's English tokens of `text` (lower-cased), or None where not certain."""
    table = _table()
    if (
        table is None
        or not text
        or text != text.strip()
        or "  " in text
        or any(ch.isspace() and ch != " " for ch in text)
    ):
        return None
    prefix, suffix, infix = _affixes()
    out = []
    for piece in text.split(" "):
        if piece in table["names"]:
            out.extend(table["names"][piece])
            continue
        if (
            piece in table["specials"]
            or prefix.search(piece)
            or suffix.search(piece)
            or infix.search(piece)
        ):
            return None
        out.append(piece.lower())
    return out


def confirmed(text: str) -> bool | None:
    """Whether a GPU model's tokens occur in `text`'s tokens (the PhraseMatcher's answer on
    the LOWER attribute), or None where only spaCy can tell."""
    toks, table = tokens(text), _table()
    if toks is None or table is None:
        return None
    for pattern in table["patterns"]:
        n = len(pattern)
        if any(tuple(toks[i : i + n]) == pattern for i in range(len(toks) - n + 1)):
            return True
    return False


def build(path: Path = TABLE) -> None:
    """Write the table from the installed spaCy (what the hardware detector uses)."""
    import spacy

    from extractors.detectors.common import nlp
    from extractors.quantities import GPU_MODELS

    tok = nlp().tokenizer
    data = {
        "spacy": spacy.__version__,
        "models": {m: [t.lower_ for t in nlp().make_doc(m)] for m in GPU_MODELS},
        "specials": sorted(tok.rules),
        "prefix": tok.prefix_search.__self__.pattern,
        "suffix": tok.suffix_search.__self__.pattern,
        "infix": tok.infix_finditer.__self__.pattern,
    }
    path.write_text(
        json.dumps(data, ensure_ascii=False, indent=0, sort_keys=True) + "\n", encoding="utf-8"
    )


if __name__ == "__main__":
    build()
    print(f"wrote {TABLE}")

"""Compare PDF text engines on the real papers: speed and text quality.

Engines: pypdfium2 (a dependency), PyMuPDF (AGPL: measured here only, never a dependency),
pdfplumber (the optional `pdfplumber` extra), each where installed.

Speed is per CPU-second of this process (time.process_time), so other load on the machine
does not distort it. Quality, per engine, on the same pages:
- dict_share: share of alphabetic words (>= 3 letters) found in a vocabulary built from the
  abstracts in ../shared/corpus/mlanthology (independent of every engine); glued words
  ("theinput") and split words lower it.
- long_tokens: tokens of 25+ characters per 1,000 tokens (lost spaces).
- abstract_8gram: share of the word 8-grams of each PMLR paper's abstract (manifest.csv)
  found in that engine's page-1 text; interleaved columns break 8-grams.

Usage: .venv/bin/python bench/pdf_engines.py [--papers N] [--plumber-papers M]
"""

from __future__ import annotations

import argparse
import csv
import gzip
import json
import re
import sys
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO.parent / "shared" / "corpus"
WORD = re.compile(r"[A-Za-z]+")
TOKEN = re.compile(r"\S+")


def _pdfium(path: Path) -> list[str]:
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(str(path))
    try:
        out = []
        for i in range(len(doc)):
            page = doc[i]
            textpage = page.get_textpage()
            out.append(textpage.get_text_range())
            textpage.close()
            page.close()
        return out
    finally:
        doc.close()


def _mupdf(path: Path) -> list[str]:
    import pymupdf

    pymupdf.TOOLS.mupdf_display_errors(False)  # it prints recoverable errors to stdout
    with pymupdf.open(str(path)) as doc:
        return [page.get_text() for page in doc]


def _plumber(path: Path, **kw) -> list[str]:
    import pdfplumber

    with pdfplumber.open(str(path)) as pdf:
        return [page.extract_text(**kw) or "" for page in pdf.pages]


def _plumber_flow(path: Path) -> list[str]:
    return _plumber(path, use_text_flow=True, x_tolerance=1)


ENGINES = {
    "pypdfium2": _pdfium,
    "pymupdf": _mupdf,
    "pdfplumber": _plumber,
    "pdfplumber_flow": _plumber_flow,
}
MODULES = {
    "pypdfium2": "pypdfium2",
    "pymupdf": "pymupdf",
    "pdfplumber": "pdfplumber",
    "pdfplumber_flow": "pdfplumber",
}


def _normalise(text: str) -> str:
    # the same light clean-up for every engine: pdfium's soft line-end hyphen (U+FFFE),
    # hyphen + newline before a lower-case letter, then collapsed whitespace
    text = text.replace("\ufffe", "")
    text = re.sub(r"-[ \t]*\r?\n[ \t]*(?=[a-z])", "", text)
    return re.sub(r"\s+", " ", text)


def vocabulary(min_count: int = 2) -> set[str]:
    """Lower-cased words seen at least `min_count` times in the mlanthology abstracts."""
    counts: Counter[str] = Counter()
    for path in sorted((CORPUS / "mlanthology").glob("*.json.gz")):
        with gzip.open(path) as fh:
            data = json.loads(fh.read())
        for paper in data["papers"]:
            counts.update(w.lower() for w in WORD.findall(paper.get("abstract") or ""))
            counts.update(w.lower() for w in WORD.findall(paper.get("title") or ""))
    return {w for w, c in counts.items() if c >= min_count}


def quality(pages: list[str], vocab: set[str]) -> dict:
    """Word counts behind dict_share and long_tokens for one paper."""
    text = _normalise(" ".join(pages))
    words = [w.lower() for w in WORD.findall(text) if len(w) >= 3]
    tokens = TOKEN.findall(text)
    return {
        "words": len(words),
        "known": sum(w in vocab for w in words),
        "tokens": len(tokens),
        "long": sum(len(t) >= 25 for t in tokens),
    }


def _grams(text: str, n: int = 8) -> list[tuple[str, ...]]:
    toks = [t.lower() for t in re.findall(r"[A-Za-z]{2,}", text)]
    return [tuple(toks[i : i + n]) for i in range(len(toks) - n + 1)]


def abstract_recall(page1: str, abstract: str) -> tuple[int, int]:
    """(found, total) word 8-grams of the abstract in the page-1 text."""
    want = _grams(abstract)
    have = set(_grams(_normalise(page1)))
    return sum(g in have for g in want), len(want)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--papers", type=int, default=0, help="papers for the fast engines (0 = all)"
    )
    parser.add_argument(
        "--plumber-papers", type=int, default=15, help="papers for pdfplumber (about 70x slower)"
    )
    args = parser.parse_args()

    with (CORPUS / "pdfs" / "manifest.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    # interleave the two parts (PMLR sample, well-known papers) so subsets hold both
    pmlr = [r for r in rows if r["abstract"]]
    other = [r for r in rows if not r["abstract"]]
    mixed = [r for pair in zip(pmlr, other) for r in pair]
    mixed += pmlr[len(other) :] + other[len(pmlr) :]
    t0 = time.process_time()
    vocab = vocabulary()
    print(
        f"vocabulary: {len(vocab)} words from mlanthology abstracts "
        f"({time.process_time() - t0:.1f} s)",
        file=sys.stderr,
    )

    per_paper: dict[str, list[dict]] = {}
    for name, func in ENGINES.items():
        try:
            __import__(MODULES[name])
        except ImportError:
            print(f"{name}: not installed, skipped", file=sys.stderr)
            continue
        limit = args.plumber_papers if name.startswith("pdfplumber") else args.papers
        recs = []
        for row in mixed[:limit] if limit else mixed:
            path = CORPUS / "pdfs" / row["file"]
            t = time.process_time()
            texts = func(path)
            rec = {
                "seconds": time.process_time() - t,
                "pages": len(texts),
                **quality(texts, vocab),
                "found": 0,
                "total": 0,
            }
            if row["abstract"] and texts:
                rec["found"], rec["total"] = abstract_recall(texts[0], row["abstract"])
            recs.append(rec)
        per_paper[name] = recs
        print(f"{name}: {len(recs)} papers done", file=sys.stderr)

    head = (
        "engine",
        "papers",
        "pages",
        "ms/page",
        "pages/s",
        "dict_share",
        "long/1k",
        "abstract_8gram",
    )
    common = min(len(r) for r in per_paper.values())
    for title, n in (
        (f"same {common} papers for every engine", common),
        ("every paper each engine ran on", None),
    ):
        print(f"\n{title}:\n")
        print("| " + " | ".join(head) + " |")
        print("|" + " --- |" * len(head))
        for name, recs in per_paper.items():
            s = Counter()
            for rec in recs[:n]:
                s.update(rec)
            print(
                f"| {name} | {len(recs[:n])} | {int(s['pages'])} | "
                f"{1000 * s['seconds'] / s['pages']:.2f} | {s['pages'] / s['seconds']:.0f} | "
                f"{s['known'] / max(s['words'], 1):.4f} | "
                f"{1000 * s['long'] / max(s['tokens'], 1):.2f} | "
                f"{s['found'] / max(s['total'], 1):.3f} |"
            )


if __name__ == "__main__":
    main()

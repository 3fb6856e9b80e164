"""How well the PDF layer keeps the gold evidence quotes: is each quote inside one unit
of its page (what a detector can return), or at least contiguous on that page?

Usage: .venv/bin/python bench/gold_quotes.py   (needs ../shared/corpus/pdfs)
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from extractors.layout import build_document  # noqa: E402
from extractors.pdftext import read_pdf  # noqa: E402
from extractors.textnorm import dehyphenate, normalize_ws  # noqa: E402

GOLD = REPO / "extractors" / "gold" / "papers.jsonl"
PDFS = REPO.parent / "shared" / "corpus" / "pdfs"


def _loose(text: str) -> str:
    # gold quotes were copied from text where a line-end hyphen was sometimes dropped
    return dehyphenate(normalize_ws(text)).replace("-", "").replace(" ", "")


def main() -> None:
    pdfs = {p.name: p for p in PDFS.rglob("*.pdf")}
    total = in_unit = on_page = 0
    missed = []
    with GOLD.open(encoding="utf-8") as fh:
        records = [json.loads(line) for line in fh if line.strip()]
    for rec in records:
        if rec["file"] not in pdfs:
            continue
        doc = build_document(read_pdf(pdfs[rec["file"]]))
        for category, label in rec["labels"].items():
            for ev in label["evidence"]:
                total += 1
                quote = normalize_ws(ev["text"])
                units = [u.text for u in doc.units if u.page == ev["page"]]
                if any(quote in u or _loose(quote) in _loose(u) for u in units):
                    in_unit += 1
                elif _loose(quote) in _loose(" ".join(units)):
                    on_page += 1
                else:
                    missed.append((rec["file"], ev["page"], category, quote[:90]))
    print(
        f"{total} gold evidence quotes in {len(records)} papers: {in_unit} inside one unit "
        f"({100 * in_unit / total:.1f}%), {on_page} across adjacent units, "
        f"{len(missed)} not found on their page"
    )
    for miss in missed:
        print("  missed:", *miss)


if __name__ == "__main__":
    main()

"""Check the gold files: papers.jsonl against ANNOTATION.md and the PDFs, abstracts.jsonl
against its schema and the corpus.

Every problem becomes one `Issue` naming the file, the line and what is wrong; nothing
raises on bad content, so one run lists every problem.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from extractors.textnorm import contains_quote

CATEGORIES = ("flops", "energy", "runtime", "hardware", "params", "training_curve", "search_budget")
TARGETS = ("accuracy", "efficiency", "both", "other")
MAX_QUOTE = 300
PAPER_OPTIONAL = ("annotator_note", "annotator")
# provenance of the PMLR gold papers (papers_pmlr.jsonl; pmlr_sample.py)
PAPER_PROVENANCE = (
    "volume",
    "id",
    "venue",
    "community",
    "year",
    "repo_path",
    "url",
    "sha256",
    "stratum",
    "split",
)
ABSTRACT_VENUES = ("acl", "emnlp", "naacl", "neurips", "icml", "iclr", "cvpr", "iccv")
STRATA = ("random", "efficiency_candidates")
_PMLR_VENUE = re.compile(r"pmlr-v\d+")
SPLITS = ("dev", "test")
ID_PREFIXES = ("acl:", "mlanthology:", "pmlr:")


@dataclass(frozen=True)
class Issue:
    """One problem: where (file, 1-based line) and what."""

    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


PageTexts = Callable[[str], "list[str] | None"]


def pdf_page_reader(pdfs_dir: Path) -> PageTexts:
    """A cached `file -> per-page text` reader over `pdfs_dir` (None when unreadable)."""
    cache: dict[str, list[str] | None] = {}

    def read(file: str) -> list[str] | None:
        if file not in cache:
            cache[file] = _page_texts(Path(pdfs_dir) / file)
        return cache[file]

    return read


def _page_texts(path: Path) -> list[str] | None:
    import pypdfium2

    if not path.is_file():
        return None
    try:
        doc = pypdfium2.PdfDocument(str(path))
    except pypdfium2.PdfiumError:
        return None
    try:
        texts = []
        for i in range(len(doc)):
            page = doc[i]
            textpage = page.get_textpage()
            texts.append(textpage.get_text_range())
            textpage.close()
            page.close()
        return texts
    finally:
        doc.close()


def _read_jsonl(path: Path) -> Iterator[tuple[int, dict[str, Any] | str]]:
    """(line number, record) for each non-blank line; a line that is not valid JSON or not a
    JSON object gives (n, why) with the reason as a string in place of the record."""
    for n, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
        except json.JSONDecodeError as exc:
            yield n, f"not valid JSON ({exc.msg} at column {exc.colno})"
            continue
        if isinstance(rec, dict):
            yield n, rec
        else:
            yield n, "line is not a JSON object"


def validate_papers(path: Path, pdfs_dir: Path | None, *, check_quotes: bool = True) -> list[Issue]:
    """Schema of each paper line, and (with `pdfs_dir`) pages and verbatim quotes."""
    name = str(path)
    issues: list[Issue] = []
    reader = pdf_page_reader(pdfs_dir) if pdfs_dir is not None else None
    seen: dict[str, int] = {}
    for n, rec in _read_jsonl(path):

        def bad(msg: str, n: int = n) -> None:
            issues.append(Issue(name, n, msg))

        if isinstance(rec, str):
            bad(rec)
            continue
        for key in rec:
            if key not in ("file", "target", "labels", *PAPER_OPTIONAL, *PAPER_PROVENANCE):
                bad(f"unknown field {key!r}")
        file = rec.get("file")
        if not isinstance(file, str) or not file:
            bad("missing or empty 'file'")
            file = None
        elif file in seen:
            bad(f"duplicate file {file!r} (first on line {seen[file]})")
        else:
            seen[file] = n
        if rec.get("target") not in TARGETS:
            bad(f"target {rec.get('target')!r} is not one of {', '.join(TARGETS)}")
        note = rec.get("annotator_note")
        if note is not None and not isinstance(note, str):
            bad("annotator_note must be a string")
        pages: list[str] | None = None
        if reader is not None and file is not None:
            pages = reader(file)
            if pages is None:
                bad(f"PDF {file!r} not found or unreadable under {pdfs_dir}")
        labels = rec.get("labels")
        if not isinstance(labels, dict):
            bad("missing 'labels' object")
            continue
        for cat in labels:
            if cat not in CATEGORIES:
                bad(f"unknown category {cat!r}")
        for cat in CATEGORIES:
            if cat not in labels:
                bad(f"missing category {cat!r}")
                continue
            for msg in _check_category(cat, labels[cat], pages, check_quotes):
                bad(msg)
    return issues


def _check_category(
    cat: str, value: object, pages: list[str] | None, check_quotes: bool
) -> Iterator[str]:
    if not isinstance(value, dict):
        yield f"{cat}: must be an object {{reported, evidence}}"
        return
    for key in value:
        if key not in ("reported", "evidence"):
            yield f"{cat}: unknown field {key!r}"
    reported, evidence = value.get("reported"), value.get("evidence")
    if not isinstance(reported, bool):
        yield f"{cat}: 'reported' must be true or false"
    if not isinstance(evidence, list):
        yield f"{cat}: 'evidence' must be a list"
        return
    if isinstance(reported, bool) and reported != bool(evidence):
        yield (
            f"{cat}: reported={str(reported).lower()} but evidence has {len(evidence)} "
            f"item(s) (reported must be true exactly when evidence is non-empty)"
        )
    for i, ev in enumerate(evidence, 1):
        where = f"{cat}: evidence {i}"
        if not isinstance(ev, dict):
            yield f"{where}: must be an object {{page, text}}"
            continue
        page, text = ev.get("page"), ev.get("text")
        for key in ev:
            if key not in ("page", "text"):
                yield f"{where}: unknown field {key!r}"
        if isinstance(page, bool) or not isinstance(page, int) or page < 1:
            yield f"{where}: page must be an integer >= 1, got {page!r}"
            page = None
        if not isinstance(text, str) or not text.strip():
            yield f"{where}: text must be a non-empty string"
            continue
        if len(text) > MAX_QUOTE:
            yield f"{where}: text is {len(text)} characters (at most {MAX_QUOTE})"
        if pages is None or page is None:
            continue
        if page > len(pages):
            yield f"{where}: page {page} out of range (the PDF has {len(pages)} pages)"
        elif check_quotes and not contains_quote(pages[page - 1], text):
            yield f"{where}: text not found on page {page}: {text[:80]!r}"


def validate_abstracts(
    path: Path, corpus_dir: Path | None = None, *, index: dict | None = None
) -> list[Issue]:
    """Schema, labels, unique ids and splits; with `corpus_dir` (or a prebuilt `index` from
    corpus_abstracts.load_index), ids must resolve in the corpus with the same venue/year."""
    name = str(path)
    issues: list[Issue] = []
    if index is None and corpus_dir is not None:
        from extractors.gold.corpus_abstracts import load_wide_index

        index = load_wide_index(Path(corpus_dir))
    seen: dict[str, int] = {}
    required = {
        "id": str,
        "venue": str,
        "year": int,
        "title": str,
        "label": str,
        "stratum": str,
        "split": str,
    }
    for n, rec in _read_jsonl(path):

        def bad(msg: str, n: int = n) -> None:
            issues.append(Issue(name, n, msg))

        if isinstance(rec, str):
            bad(rec)
            continue
        for key in rec:
            if key == "abstract":
                bad("abstract text must not be stored (third-party data; fetch it by id)")
            elif key not in required and key not in ("note", "round", "annotator"):
                bad(f"unknown field {key!r}")
        ok = True
        for key, typ in required.items():
            value = rec.get(key)
            if value is None:
                bad(f"missing {key!r}")
                ok = False
            elif not isinstance(value, typ) or isinstance(value, bool):
                bad(f"{key!r} must be {typ.__name__}, got {value!r}")
                ok = False
        if "note" in rec and not isinstance(rec["note"], str):
            bad("'note' must be a string")
        if not ok:
            continue
        pid = rec["id"]
        if not pid.startswith(ID_PREFIXES):
            bad(f"id {pid!r} must start with {' or '.join(ID_PREFIXES)}")
        if pid in seen:
            bad(f"duplicate id {pid!r} (first on line {seen[pid]})")
        else:
            seen[pid] = n
        if rec["label"] not in TARGETS:
            bad(f"label {rec['label']!r} is not one of {', '.join(TARGETS)}")
        if rec["venue"] not in ABSTRACT_VENUES and not _PMLR_VENUE.fullmatch(rec["venue"]):
            bad(f"venue {rec['venue']!r} is not one of {', '.join(ABSTRACT_VENUES)}")
        if rec["stratum"] not in STRATA:
            bad(f"stratum {rec['stratum']!r} is not one of {', '.join(STRATA)}")
        if rec["split"] not in SPLITS:
            bad(f"split {rec['split']!r} is not one of {', '.join(SPLITS)}")
        if index is not None:
            found = index.get(pid)
            if found is None and pid.startswith("pmlr:"):
                continue  # PMLR posts are read from the volume clones, not ../shared
            if found is None:
                bad(f"id {pid!r} not found in the corpus ({corpus_dir or 'given index'})")
            elif (found.venue, found.year) != (rec["venue"], rec["year"]):
                bad(
                    f"venue/year {rec['venue']}/{rec['year']} differ from the corpus "
                    f"({found.venue}/{found.year})"
                )
    return issues

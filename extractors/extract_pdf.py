"""One PDF to findings: text, units, detectors, target. Runs inside an isolated worker."""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

from extractors.dockind import KIND_VERSION, PAPER, DocumentKind, document_kind
from extractors.document import Document
from extractors.findings import Finding
from extractors.layout import build_document
from extractors.pdftext import read_pdf
from extractors.schema import CATEGORIES

PDF_LAYER_VERSION = "4"  # bump when pdftext/layout/sentences change what units hold


def extractor_version() -> str:
    """This PDF layer's version combined with the detectors' and the target model's."""
    from extractors.detectors import DETECTORS_VERSION

    try:
        from extractors.target import METHOD as TARGET_METHOD
    except ModuleNotFoundError:  # no target classifier installed: say so in the version
        TARGET_METHOD = "target/none"
    return f"pdf{PDF_LAYER_VERSION}+det{DETECTORS_VERSION}+{TARGET_METHOD.split(':')[-1]}"


def layer_of(version: str | None) -> str | None:
    """The PDF-layer part ("pdf2") of a combined extractor version, None if it has none."""
    head = (version or "").split("+", 1)[0]
    return head if head.startswith("pdf") else None


@lru_cache(maxsize=1)
def target_version() -> str:
    """The target classifier's version: its METHOD and the digest of its shipped models,
    the abstract model and the paper-level stacker (a retrained model re-runs the target
    even under the same METHOD), and the document-kind rules' version (they run with it)."""
    try:
        from extractors.target import METHOD, MODEL_PATH
        from extractors.target_paper import PAPER_MODEL_PATH
    except ModuleNotFoundError:
        return f"target/none+{KIND_VERSION}"
    try:
        blob = MODEL_PATH.read_bytes()
        if PAPER_MODEL_PATH.is_file():
            blob += PAPER_MODEL_PATH.read_bytes()
        digest = hashlib.sha256(blob).hexdigest()[:12]
    except OSError:
        digest = "none"
    return f"{METHOD}@{digest}+{KIND_VERSION}"


@dataclass(frozen=True)
class PaperAnalysis:
    """Everything extracted from one PDF (picklable: it crosses the worker boundary)."""

    file: str
    pages: int
    title: str | None
    scanned_pages: tuple[int, ...]
    target: str
    target_method: str
    results: dict[str, Finding]  # every category, or those in `categories`
    seconds: float
    from_cache: bool = False  # analysed from stored page text (extractors.pagecache)
    categories: tuple[str, ...] | None = None  # re-detected only these (None: all)
    target_rerun: bool = True  # False: `target` is empty and the stored one stands
    kind: str = "paper"  # extractors.dockind: paper | front_matter | form (with the target)
    kind_evidence: str = ""


def analyse_document(
    doc: Document,
    *,
    title: str | None = None,
    abstract: str | None = None,
    categories: Sequence[str] | None = None,
    target: bool = True,
) -> PaperAnalysis:
    """Run the detectors and the target classifier on a parsed document.

    `title`/`abstract` from the store's metadata, when given, are preferred to the PDF's
    for the target classifier (the PDF's are a heuristic cut). `categories`: run only
    these detectors (re-detection); `target=False`: leave the target out.
    """
    from extractors.detectors import detect_all

    t0 = time.perf_counter()
    wanted = CATEGORIES if categories is None else tuple(c for c in CATEGORIES if c in categories)
    found = detect_all(doc, None if categories is None else wanted) if wanted else {}
    results = {
        c: _drop_reference_evidence(found[c], doc)
        if c in found
        else Finding(c, False, (), "missing-detector")
        for c in wanted
    }
    label, method = "", ""
    kind = DocumentKind(PAPER)
    if target:
        label, method = _target(
            title or doc.title, abstract or doc.abstract, doc.introduction, doc=doc
        )
        kind = document_kind(title or doc.title, doc.page_texts[:2])
    return PaperAnalysis(
        doc.file,
        doc.pages,
        doc.title,
        doc.scanned_pages,
        label,
        method,
        results,
        time.perf_counter() - t0,
        categories=None if categories is None else wanted,
        target_rerun=target,
        kind=kind.kind,
        kind_evidence=kind.described(),
    )


def _target(title, abstract, introduction, doc: Document | None = None) -> tuple[str, str]:
    try:
        from extractors.target import predict_target
        from extractors.target_paper import predict_paper
        from extractors.targetfast import predict_fast
    except ModuleNotFoundError:
        return "other", "unavailable"
    try:
        # with the parsed PDF, the paper-level stacker (None where none is shipped)
        paper = predict_paper(doc, title, abstract) if doc is not None else None
        if paper is not None:
            return paper
        # the same answer without importing scikit-learn/SciPy (seconds of a cold check)
        fast = predict_fast(title, abstract, introduction)
        return fast if fast is not None else predict_target(title, abstract, introduction)
    except Exception as exc:  # noqa: BLE001 - the findings stand without a target label
        return "other", f"failed:{type(exc).__name__}"


def analyse_pdf(
    path: str | Path, title: str | None = None, abstract: str | None = None
) -> PaperAnalysis:
    """Parse one PDF and analyse it (PDFError if it is not a readable PDF)."""
    t0 = time.perf_counter()
    doc = build_document(read_pdf(path))
    result = analyse_document(doc, title=title, abstract=abstract)
    return _with_seconds(result, time.perf_counter() - t0)


def analyse_cached(
    path: str | Path,
    cache,
    sha256: str,
    title: str | None = None,
    abstract: str | None = None,
    *,
    units=None,
    categories: Sequence[str] | None = None,
    target: bool = True,
) -> PaperAnalysis:
    """Analyse from the stored analysed document of this PDF if `units` (a UnitCache) has
    it, else from its stored page text if `cache` (a PageCache) has it, else parse the PDF;
    store what was missing, and analyse (PDFError if the PDF is not readable)."""
    t0 = time.perf_counter()
    name = os.path.basename(path)
    doc = units.get(sha256, name) if units is not None else None
    hit = doc is not None
    if doc is None:
        raw = cache.get(sha256, name)
        hit = raw is not None
        if raw is None:
            raw = read_pdf(path)
            cache.put(sha256, raw)
        doc = build_document(raw)
        if units is not None:
            units.put(sha256, doc)
    result = analyse_document(
        doc, title=title, abstract=abstract, categories=categories, target=target
    )
    return replace(result, seconds=time.perf_counter() - t0, from_cache=hit)


def analyse_task(
    path: str,
    title: str | None = None,
    abstract: str | None = None,
    sha256: str | None = None,
    text_root: str | None = None,
    categories: Sequence[str] | None = None,
    target: bool = True,
) -> PaperAnalysis:
    """A worker's task: from the stored analysed document or page text under `text_root`
    when there is some (and stored after parsing when not), else straight from the PDF;
    only `categories` (None: all) and the target if `target`."""
    if sha256 and text_root:
        from extractors.pagecache import PageCache, UnitCache

        return analyse_cached(
            path,
            PageCache(text_root),
            sha256,
            title,
            abstract,
            units=UnitCache(text_root),
            categories=categories,
            target=target,
        )
    t0 = time.perf_counter()
    doc = build_document(read_pdf(path))
    result = analyse_document(
        doc, title=title, abstract=abstract, categories=categories, target=target
    )
    return _with_seconds(result, time.perf_counter() - t0)


def _with_seconds(result: PaperAnalysis, seconds: float) -> PaperAnalysis:
    return replace(result, seconds=seconds)


def _drop_reference_evidence(result: Finding, doc: Document) -> Finding:
    """The reference list never yields a finding, whatever a detector returned."""
    if not result.evidence:
        return result
    kept = tuple(
        _verbatim(e, doc, result.category) for e in result.evidence if not _from_references(e, doc)
    )
    if kept == result.evidence:
        return result
    return Finding(result.category, bool(kept) and result.reported, kept, result.method)


_MIN_QUOTE_WORDS = 3


def _verbatim(evidence, doc: Document, category: str):
    """Evidence whose text is on its page as is; a unit glued from scattered lines (figure
    tick labels) is cut to its longest leading or trailing run of words found there, its
    parsed value kept where the cut text still states it."""
    from extractors.textnorm import contains_quote

    page = doc.page_texts[evidence.page - 1] if 0 < evidence.page <= len(doc.page_texts) else ""
    if contains_quote(page, evidence.text):
        return evidence
    # a sentence carried over a page break ends on the next page
    following = doc.page_texts[evidence.page] if 0 < evidence.page < len(doc.page_texts) else ""
    words = evidence.text.split()
    for n in range(len(words) - 1, _MIN_QUOTE_WORDS - 1, -1):
        leading, trailing = " ".join(words[:n]), " ".join(words[-n:])
        for part in (leading, trailing):
            if contains_quote(page, part):
                return _cut(evidence, part, evidence.page, category)
        if following and contains_quote(following, trailing):
            return _cut(evidence, trailing, evidence.page + 1, category)
    return evidence


def _cut(evidence, text: str, page: int, category: str):
    """Evidence cut to `text` on `page`: its value only if `text` still states it."""
    if evidence.value is not None and _states(text, evidence.value, evidence.unit, category):
        return replace(evidence, page=page, text=text)
    return replace(evidence, page=page, text=text, value=None, unit=None)


def _states(text: str, value: float, unit: str | None, category: str) -> bool:
    from extractors.quantities import PARSERS

    parse = PARSERS.get(category)
    return parse is not None and any(q.value == value and q.unit == unit for q in parse(text))


def _from_references(evidence, doc: Document) -> bool:
    on_page = [u for u in doc.units if u.page == evidence.page]
    in_refs = any(evidence.text in u.text for u in on_page if u.section == "references")
    return in_refs and not any(
        evidence.text in u.text for u in on_page if u.section != "references"
    )

"""Crawl: a source's listing -> the papers table (in batches) -> PDFs into the cache.

Resumable by construction: metadata upserts are idempotent, each PDF outcome is written
per paper as soon as it is known, and a paper whose PDF is already cached is skipped.
"""

from __future__ import annotations

import random
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice

from corpus.errors import FetchError, GreenlensError, OfflineMissing, PDFError
from corpus.ingest import IngestSummary, ingest_directory
from corpus.pdfcache import PdfCache
from corpus.records import Paper
from corpus.sources.protocol import CrawlQuery, Fetcher, Source
from corpus.store import Store

BATCH_SIZE = 500
Aliases = Callable[[str], list[str]]
__all__ = [
    "CrawlSummary",
    "IngestSummary",
    "crawl",
    "fetch_pdfs",
    "ingest_directory",
    "list_papers",
    "select",
]


@dataclass
class CrawlSummary:
    """What one crawl did. `pdf_failed` and `missing_offline` map paper id -> reason/URL."""

    listed_new: int = 0
    listed_updated: int = 0
    listed_unchanged: int = 0
    pdf_new: int = 0
    pdf_cached: int = 0
    pdf_failed: dict[str, str] = field(default_factory=dict)
    missing_offline: dict[str, str] = field(default_factory=dict)
    no_pdf: int = 0
    skipped_failed: int = 0  # failed in an earlier run, not retried (retry_failed=False)
    listing_error: str | None = None
    source_issues: list[str] = field(default_factory=list)  # records the source skipped

    @property
    def listed(self) -> int:
        """Papers listed in this crawl."""
        return self.listed_new + self.listed_updated + self.listed_unchanged

    def as_dict(self) -> dict:
        """A JSON-able dict of the summary."""
        return {
            "listed": self.listed,
            "listed_new": self.listed_new,
            "listed_updated": self.listed_updated,
            "listed_unchanged": self.listed_unchanged,
            "pdf_new": self.pdf_new,
            "pdf_cached": self.pdf_cached,
            "pdf_failed": dict(self.pdf_failed),
            "missing_offline": dict(self.missing_offline),
            "no_pdf": self.no_pdf,
            "skipped_failed": self.skipped_failed,
            "listing_error": self.listing_error,
            "source_issues": list(self.source_issues),
        }


def select(
    papers: list[Paper], *, limit: int | None = None, sample: int | None = None, seed: int = 0
) -> list[Paper]:
    """The first `limit` papers, or a seeded random sample (same seed -> same ids)."""
    if limit is not None and sample is not None:
        raise ValueError("give limit or sample, not both")
    if limit is not None:
        return papers[:limit]
    if sample is not None and sample < len(papers):
        ordered = sorted(papers, key=lambda p: p.id)
        chosen = random.Random(seed).sample(range(len(ordered)), sample)
        return [ordered[i] for i in sorted(chosen)]
    return papers


def _dedupe(papers: Iterable[Paper]) -> Iterator[Paper]:
    seen: set[str] = set()
    for p in papers:
        if p.id not in seen:
            seen.add(p.id)
            yield p


def _batches(items: list[Paper], size: int) -> Iterator[list[Paper]]:
    it = iter(items)
    while batch := list(islice(it, size)):
        yield batch


def list_papers(
    source: Source,
    query: CrawlQuery,
    client: Fetcher,
    *,
    limit: int | None = None,
    progress: bool = False,
) -> tuple[list[Paper], str | None]:
    """Every paper the source yields (deduplicated by id), and the error that cut it short."""
    out: list[Paper] = []
    bar = _progress(limit, progress, unit="paper", desc="listing")
    try:
        for paper in _dedupe(source.iter_papers(client, query)):
            out.append(paper)
            bar.update(1)
            if limit is not None and len(out) >= limit:
                break
    except GreenlensError as exc:
        return out, str(exc)
    finally:
        bar.close()
    return out, None


def query_location(source: Source, query: CrawlQuery) -> str:
    """'pmlr venues=v48 years=2016' : what a crawl's recorded issues belong to."""
    venues = ",".join(query.venues) or "default"
    years = ",".join(str(y) for y in query.years) or "default"
    return f"{getattr(source, 'name', source)} venues={venues} years={years}"


def crawl(
    store: Store,
    source: Source,
    query: CrawlQuery,
    client: Fetcher,
    cache: PdfCache,
    *,
    pdfs: bool,
    limit: int | None = None,
    sample: int | None = None,
    seed: int = 0,
    progress: bool = True,
    retry_failed: bool = False,
    batch_size: int = BATCH_SIZE,
) -> CrawlSummary:
    """List papers into the store and (with pdfs=True) fetch their PDFs into the cache."""
    summary = CrawlSummary()
    listed, summary.listing_error = list_papers(
        source, query, client, limit=limit if sample is None else None, progress=progress
    )
    issues = list(getattr(source, "issues", None) or ())
    summary.source_issues = [str(i) for i in issues]
    # what the source could not read is recorded (replacing this query's last crawl)
    failed = [(getattr(i, "where", str(i)), None, getattr(i, "message", str(i))) for i in issues]
    if summary.listing_error:
        failed.append(("listing", None, f"stopped early: {summary.listing_error}"))
    store.replace_rejections("crawl", query_location(source, query), failed)
    chosen = select(listed, sample=sample, seed=seed)
    for batch in _batches(chosen, batch_size):
        counts = store.upsert_papers(batch)
        summary.listed_new += counts.new
        summary.listed_updated += counts.updated
        summary.listed_unchanged += counts.unchanged
    if pdfs:
        fetch_pdfs(
            store,
            [p.id for p in chosen],
            client,
            cache,
            summary,
            progress=progress,
            retry_failed=retry_failed,
            aliases=pdf_aliases(source),
        )
    return summary


def fetch_pdfs(
    store: Store,
    ids: list[str],
    client: Fetcher,
    cache: PdfCache,
    summary: CrawlSummary,
    *,
    progress: bool = True,
    retry_failed: bool = False,
    aliases: Aliases | None = None,
) -> None:
    """Fetch, verify and record the PDF of each paper id; one failure never stops the rest."""
    bar = _progress(len(ids), progress)
    try:
        for pid in ids:
            paper = store.get_paper(pid)
            bar.update(1)
            if paper is None:
                continue
            _fetch_one(store, paper, client, cache, summary, retry_failed, aliases)
            bar.set_postfix(
                new=summary.pdf_new,
                cached=summary.pdf_cached,
                failed=len(summary.pdf_failed),
                refresh=False,
            )
    finally:
        bar.close()


def _get_pdf(client: Fetcher, url: str, aliases: Aliases | None):
    """GET a PDF by its URL, else by its other names (where it is missing or 404)."""
    names = [url, *(aliases(url) if aliases else ())]
    for i, name in enumerate(names):
        try:
            return client.get(name)
        except FetchError as exc:
            missing = isinstance(exc, OfflineMissing) or exc.status in (404, 410)
            if not missing or i == len(names) - 1:
                raise
    raise AssertionError("unreachable")


def pdf_aliases(source: Source) -> Aliases | None:
    """The source's `pdf_url_aliases(url) -> [other URLs of that PDF]`, if it has one.

    Looked up on the source object, then on its module (e.g. PMLR's `/v{N}/{id}/{id}.pdf`
    is also served, and mirrored, as `/v{N}/{id}.pdf`).
    """
    found = getattr(source, "pdf_url_aliases", None)
    if found is None:
        found = getattr(sys.modules.get(type(source).__module__), "pdf_url_aliases", None)
    return found if callable(found) else None


def _fetch_one(
    store: Store,
    paper: Paper,
    client: Fetcher,
    cache: PdfCache,
    summary: CrawlSummary,
    retry_failed: bool,
    aliases: Aliases | None = None,
) -> None:
    if paper.status == "fetched" and cache.has(paper.pdf_sha256):
        summary.pdf_cached += 1
        return
    if paper.status == "failed" and not retry_failed:
        summary.skipped_failed += 1
        return
    if not paper.pdf_url:
        if paper.status != "no_pdf":
            store.set_pdf_state(paper.id, status="no_pdf", error="the source names no PDF")
        summary.no_pdf += 1
        return
    try:
        resp = _get_pdf(client, paper.pdf_url, aliases)
        cached = cache.put(resp.body, url=resp.url, paper_id=paper.id)
    except OfflineMissing:
        summary.missing_offline[paper.id] = paper.pdf_url
        return
    except (FetchError, PDFError) as exc:
        reason = _reason(exc)
        store.set_pdf_state(paper.id, status="failed", error=reason)
        summary.pdf_failed[paper.id] = reason
        return
    store.set_pdf_state(
        paper.id, status="fetched", pdf_sha256=cached.sha256, pages=cached.pages, error=None
    )
    summary.pdf_new += 1


def _reason(exc: GreenlensError) -> str:
    kind = (
        "robots"
        if exc.__class__.__name__ == "RobotsDisallowed"
        else ("pdf" if isinstance(exc, PDFError) else "http")
    )
    status = getattr(exc, "status", None)
    prefix = f"{kind} {status}" if status else kind
    return f"{prefix}: {exc.message} ({exc.url})" if exc.url else f"{prefix}: {exc.message}"


class _NoBar:
    def update(self, n: int) -> None:
        pass

    def set_postfix(self, **kw) -> None:
        pass

    def close(self) -> None:
        pass


def _progress(total: int | None, enabled: bool, *, unit: str = "pdf", desc: str = "PDFs"):
    if not enabled:
        return _NoBar()
    from tqdm import tqdm

    return tqdm(total=total, unit=unit, desc=desc, dynamic_ncols=True)

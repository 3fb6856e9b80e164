"""Turn crawl options (as the CLI takes them) into source, query, client and cache; run it."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from corpus.crawl import CrawlSummary, crawl
from corpus.errors import ConfigError
from corpus.http import DEFAULT_INTERVAL_S, PoliteClient
from corpus.pdfcache import PdfCache
from corpus.snapshot import snapshot_inputs
from corpus.sources.protocol import CrawlQuery
from corpus.store import Store

# Which --X-dir option feeds which source's local_dir.
LOCAL_DIR_OPTIONS = {"anthology_dir": "acl", "mlanthology_dir": "mlanthology", "pmlr_dir": "pmlr"}


@dataclass
class CrawlOptions:
    """Everything `greenlens crawl` takes."""

    source: str
    years: tuple[int, ...] = ()
    venues: tuple[str, ...] = ()
    limit: int | None = None
    sample: int | None = None
    seed: int = 0
    pdfs: bool = False
    mirror: Path | None = None
    offline: bool = False
    snapshot: Path | None = None
    local_dirs: dict[str, Path] = field(default_factory=dict)  # option name -> path
    cache_dir: Path | None = None
    contact: str | None = None
    rewrite: dict[str, str] = field(default_factory=dict)
    interval_s: float = DEFAULT_INTERVAL_S
    retry_failed: bool = False
    progress: bool = True
    source_options: dict = field(default_factory=dict)  # e.g. arxiv: search_query, id_list


def parse_years(text: str | None) -> tuple[int, ...]:
    """'2018-2024', '2019', '2016,2018-2019' -> the years, sorted."""
    if not text:
        return ()
    years: set[int] = set()
    for part in text.split(","):
        m = re.fullmatch(r"\s*(\d{4})\s*(?:-\s*(\d{4})\s*)?", part)
        if not m:
            raise ConfigError(f"bad --years {text!r}: use e.g. 2018-2024 or 2016,2019")
        lo, hi = int(m[1]), int(m[2] or m[1])
        if hi < lo:
            raise ConfigError(f"bad --years {text!r}: {hi} is before {lo}")
        years.update(range(lo, hi + 1))
    return tuple(sorted(years))


def parse_rewrites(items: tuple[str, ...] | list[str]) -> dict[str, str]:
    """['PREFIX=REPLACEMENT', ...] -> a rewrite map for PoliteClient."""
    out = {}
    for item in items:
        prefix, sep, repl = item.partition("=")
        if (
            not sep
            or not prefix.startswith(("http://", "https://"))
            or not repl.startswith(("http://", "https://"))
        ):
            raise ConfigError(f"bad --rewrite {item!r}: use https://site/=http://proxy/site/")
        out[prefix] = repl
    return out


def build(opts: CrawlOptions):
    """(source, query, client, cache) for these options; ConfigError if they conflict."""
    from corpus.sources.registry import SOURCE_NAMES, get_source

    if opts.source not in SOURCE_NAMES:
        raise ConfigError(
            f"unknown source {opts.source!r}; choose from {', '.join(sorted(SOURCE_NAMES))}"
        )
    if opts.limit is not None and opts.sample is not None:
        raise ConfigError("give --limit or --sample, not both")
    local_dir: Path | None = None
    for option, path in opts.local_dirs.items():
        wanted = LOCAL_DIR_OPTIONS[option]
        if wanted != opts.source:
            raise ConfigError(
                f"--{option.replace('_', '-')} is for source {wanted!r}, not {opts.source!r}"
            )
        if not Path(path).exists():
            raise ConfigError(f"--{option.replace('_', '-')} {path} does not exist")
        local_dir = Path(path)
    mirror, offline = opts.mirror, opts.offline
    if opts.snapshot is not None:
        if local_dir is not None:
            raise ConfigError("--snapshot already names the metadata folder; drop the --*-dir")
        snap = snapshot_inputs(opts.snapshot, opts.source)
        local_dir, offline = snap.local_dir, True
        mirror = mirror or snap.mirror
    source = get_source(opts.source, **opts.source_options)
    cache = PdfCache(opts.cache_dir)
    # a source may ask for slower requests than the default (arXiv's API: 3 s)
    interval = max(opts.interval_s, float(getattr(source, "min_interval_s", 0) or 0))
    client = PoliteClient(
        contact=opts.contact,
        mirror=mirror,
        offline=offline,
        cache_dir=cache.root,
        rewrite=opts.rewrite,
        interval_s=interval,
    )
    query = CrawlQuery(
        venues=tuple(opts.venues),
        years=tuple(opts.years),
        local_dir=str(local_dir) if local_dir else None,
    )
    return source, query, client, cache


def run_crawl(store: Store, opts: CrawlOptions) -> CrawlSummary:
    """Crawl with the given options into store."""
    source, query, client, cache = build(opts)
    return crawl(
        store,
        source,
        query,
        client,
        cache,
        pdfs=opts.pdfs,
        limit=opts.limit,
        sample=opts.sample,
        seed=opts.seed,
        progress=opts.progress,
        retry_failed=opts.retry_failed,
    )

"""Source names -> Source objects: what `greenlens crawl SOURCE` resolves."""

from __future__ import annotations

from importlib import import_module

from corpus.errors import ConfigError
from corpus.sources.protocol import Source

# name -> (module, class); imported on first use so one source's imports never slow another
_SOURCES = {
    "acl": ("corpus.sources.acl", "AclAnthologySource"),
    "pmlr": ("corpus.sources.pmlr", "PMLRSource"),
    "mlanthology": ("corpus.sources.mlanthology", "MLAnthologySource"),
    "neurips": ("corpus.sources.neurips", "NeurIPSSource"),
    "cvf": ("corpus.sources.cvf", "CVFSource"),
    "openreview": ("corpus.sources.openreview", "OpenReviewSource"),
    "arxiv": ("corpus.sources.arxiv", "ArxivSource"),
}
SOURCE_NAMES: tuple[str, ...] = tuple(_SOURCES)


def get_source(name: str, **options) -> Source:
    """The source called `name`, built with `options` (e.g. base_url); ConfigError if unknown."""
    key = name.strip().lower()
    if key not in _SOURCES:
        raise ConfigError(f"unknown source {name!r}; valid sources: {', '.join(SOURCE_NAMES)}")
    module, cls = _SOURCES[key]
    try:
        return getattr(import_module(module), cls)(**options)
    except TypeError as exc:  # an option the source does not take
        raise ConfigError(f"bad option for source {key!r}: {exc}") from exc

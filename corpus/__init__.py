"""greenlens.corpus: crawl proceedings into the DuckDB store and PDFs into a cache.

Start with `Store` (the DuckDB file), `Paper` (the record every source yields) and
`corpus.crawl` (sources -> store -> PDF cache).
"""

from corpus.errors import GreenlensError
from corpus.records import Paper

__all__ = ["GreenlensError", "Paper", "Store"]


def __getattr__(name: str):
    # Store on first use: importing corpus.errors must not load DuckDB (`greenlens check`)
    if name == "Store":
        from corpus.store import Store

        return Store
    raise AttributeError(f"module 'corpus' has no attribute {name!r}")

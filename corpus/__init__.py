"""greenlens.corpus: crawl proceedings into the DuckDB store and PDFs into a cache.

Start with `Store` (the DuckDB file), `Paper` (the record every source yields) and
`corpus.crawl` (sources -> store -> PDF cache).
"""

from corpus.errors import GreenlensError
from corpus.records import Paper
from corpus.store import Store

__all__ = ["GreenlensError", "Paper", "Store"]

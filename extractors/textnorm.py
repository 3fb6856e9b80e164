"""Text normalisation shared by the PDF layer, detectors and gold validation."""

from __future__ import annotations

import re
import unicodedata

_HYPHEN_BREAK = re.compile(r"(\w)- (\w)")


def normalize_ws(text: str) -> str:
    """NFKC (ligatures such as 'ﬁ' become 'fi'), soft hyphens dropped, whitespace collapsed."""
    text = unicodedata.normalize("NFKC", text).replace("\u00ad", "").replace("\ufffe", "")
    # = re.sub(r"\s+", " ", text).strip(), faster: str.split and re's \s agree on what
    # whitespace is (tests/test_regexgate.py checks every code point)
    return " ".join(text.split())


def dehyphenate(text: str) -> str:
    """Join words split by a line-end hyphen ('effi- cient' -> 'efficient'), after normalize_ws."""
    return _HYPHEN_BREAK.sub(r"\1\2", text)


def contains_quote(page_text: str, quote: str) -> bool:
    """Whether `quote` occurs in `page_text`, whitespace-normalised (and de-hyphenated)."""
    page, q = normalize_ws(page_text), normalize_ws(quote)
    if not q:
        return False
    return q in page or dehyphenate(q) in dehyphenate(page)

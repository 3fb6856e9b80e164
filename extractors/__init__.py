"""greenlens.extractors: PDF -> per-page text -> per-category findings with evidence."""

from extractors.schema import CATEGORIES, TARGETS

__all__ = ["CATEGORIES", "TARGETS"]

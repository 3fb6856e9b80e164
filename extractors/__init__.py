"""greenlens.extractors: PDF -> per-page text -> per-category findings with evidence."""

from extractors.schema import CATEGORIES, TARGETS  # also registers its tables

__all__ = ["CATEGORIES", "TARGETS"]

"""Imported by the fork server of extractors.isolate: load what every worker needs once.

Workers fork from that server, so they start with the PDF engine, the detectors (their
prefilters analysed and the unit model loaded, by one warm-up analysis) and the
target model in memory, and the memory limit of a worker measures what parsing one PDF
adds, not library start-up. The target model and the hardware token check are warmed on
their fast paths (extractors.targetfast, extractors.hwtokens), which need neither
scikit-learn nor spaCy; where a fast path cannot answer (an unknown model format, a
token table that does not cover every GPU model), the library it falls back to is loaded
here instead.
"""

from __future__ import annotations

import contextlib

import pypdfium2  # noqa: F401

import extractors.detectors  # noqa: F401 - compiles every detector's expressions
import extractors.extract_pdf  # noqa: F401

with contextlib.suppress(Exception):  # a missing optional part only costs start-up time
    from extractors import hwtokens

    if hwtokens.confirmed("8 V100") is None:
        from extractors.detectors import common as _common

        _common.nlp()
with contextlib.suppress(Exception):
    from extractors.targetfast import predict_fast

    if predict_fast("warm-up", "warm-up", None) is None:
        from extractors.target import predict_target as _predict_target

        _predict_target("warm-up", "warm-up", None)
with contextlib.suppress(Exception):  # the detectors' prefilter analysis, the unit model
    from extractors.document import Document, TextUnit
    from extractors.extract_pdf import analyse_document

    _unit = TextUnit(1, "body", "sentence", "We trained for 3 hours on 8 V100 GPUs.")
    analyse_document(Document("warm-up.pdf", 1, (_unit.text,), (_unit,)))

"""Imported by the fork server of extractors.isolate: load what every worker needs once.

Workers fork from that server, so they start with the PDF engine, the detectors (and
their spaCy tokenizer) and the target model in memory, and the memory limit of a worker
measures what parsing one PDF adds, not library start-up.
"""

from __future__ import annotations

import contextlib

import pypdfium2  # noqa: F401

import extractors.extract_pdf  # noqa: F401

with contextlib.suppress(Exception):  # a missing optional part only costs start-up time
    from extractors.detectors import common as _common

    _common.nlp()
with contextlib.suppress(Exception):
    from extractors.target import predict_target as _predict_target

    _predict_target("warm-up", "warm-up", None)

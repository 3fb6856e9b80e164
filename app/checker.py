"""Check one uploaded PDF: the same reporting card `greenlens check` prints.

Uses the extractors' own check library (extractors.batch.extract_file: the PDF is parsed
in an isolated worker with time and memory limits) when it is present; without it, it runs
the same pieces in-process: pdftext.read_pdf -> layout.build_document ->
detectors.detect_all, and target.predict_target. Either way
the result follows the check JSON schema:
{"file", "pages", "title", "target", "labels": {CAT: {"reported", "evidence": [
{"page", "text", "value", "unit"}]}}}.
"""

from __future__ import annotations

import importlib
import os
import tempfile
from pathlib import Path

from extractors.schema import CATEGORIES

_LIBRARY_FUNCTIONS = (("extractors.batch", "extract_file"), ("extractors.check", "check_pdf"))


def _library():
    for module_name, func in _LIBRARY_FUNCTIONS:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name != module_name:
                raise
            continue
        if hasattr(module, func):
            return getattr(module, func)
    return None


def _pipeline(path: Path, name: str) -> dict:
    from extractors.detectors import detect_all
    from extractors.layout import build_document
    from extractors.pdftext import read_pdf
    from extractors.target import predict_target

    doc = build_document(read_pdf(path))
    results = detect_all(doc)
    target, _method = predict_target(doc.title, doc.abstract, doc.introduction)
    labels = {}
    for category in CATEGORIES:
        r = results.get(category)
        labels[category] = {"reported": bool(r and r.reported), "evidence": [
            {"page": e.page, "text": e.text, "value": e.value, "unit": e.unit}
            for e in (r.evidence if r else ())]}
    return {"file": name, "pages": doc.pages, "title": doc.title, "target": target,
            "labels": labels}


def check_path(path: Path, name: str | None = None) -> dict:
    """The reporting card of the PDF at `path` (PDFError if it is not a readable PDF)."""
    name = name or Path(path).name
    func = _library()
    if func is None:
        return _pipeline(Path(path), name)
    report = func(Path(path))
    out = report.to_json_dict() if hasattr(report, "to_json_dict") else dict(report)
    return {**out, "file": name}


def check_bytes(data: bytes, name: str) -> dict:
    """Check uploaded bytes (written to a temporary file that is removed afterwards)."""
    fd, tmp = tempfile.mkstemp(suffix=".pdf", prefix="greenlens-upload-")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        return check_path(Path(tmp), name)
    finally:
        os.unlink(tmp)

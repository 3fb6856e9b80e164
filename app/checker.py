"""Check one uploaded PDF: the reporting card `greenlens check` prints, from the same
function (extractors.single.extract_file: the PDF is parsed in an isolated worker with
time and memory limits). The result follows the check JSON schema:
{"file", "pages", "title", "target", "labels": {CAT: {"reported", "evidence": [
{"page", "text", "value", "unit"}]}}}.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any


def check_path(path: Path, name: str | None = None) -> dict[str, Any]:
    """The reporting card of the PDF at `path` (PDFError if it is not a readable PDF)."""
    from extractors.single import extract_file

    return {**extract_file(Path(path)).to_json_dict(), "file": name or Path(path).name}


def check_bytes(data: bytes, name: str) -> dict[str, Any]:
    """Check uploaded bytes (written to a temporary file that is removed afterwards).

    An error names the upload, never the server's temporary file."""
    from corpus.errors import GreenlensError

    fd, tmp = tempfile.mkstemp(suffix=".pdf", prefix="greenlens-upload-")
    shown = Path(name or "upload.pdf").name  # the browser's file name, no folders
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        return check_path(Path(tmp), shown)
    except GreenlensError as exc:
        exc.message = exc.message.replace(tmp, shown)
        if exc.url is not None:
            exc.url = exc.url.replace(tmp, shown)
        exc.args = (exc.message,)
        raise
    finally:
        os.unlink(tmp)

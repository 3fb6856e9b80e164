"""Read a JSON Lines file given by the user: one object per line, bad lines named."""

from __future__ import annotations

import json
from pathlib import Path

from corpus.errors import ConfigError


def read_jsonl(path: str | Path, *, needs: tuple[str, ...] = ()) -> list[dict]:
    """The objects of a JSONL file (blank lines skipped); ConfigError naming the first
    line that is not UTF-8 JSON, not an object, or lacks one of the `needs` keys."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(
            f"{path} is not UTF-8 text (byte {exc.start}): give a JSONL file"
        ) from None
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror or exc}") from None
    rows = []
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
        except ValueError as exc:
            raise ConfigError(f"{path} line {n} is not JSON ({exc})") from None
        if not isinstance(rec, dict):
            raise ConfigError(f"{path} line {n} is not a JSON object")
        missing = [k for k in needs if k not in rec]
        if missing:
            raise ConfigError(f"{path} line {n} has no {', '.join(missing)}")
        rows.append(rec)
    return rows

"""What a cold process derives from fixed inputs, kept on disk for the next one.

A cold `greenlens check` spends ~0.1 s parsing the shipped models' JSON and analysing the
detectors' regular expressions (extractors.regexgate), work that gives the same answer
every time for the same inputs. `cached(kind, key, build)` returns `build()`'s value and
keeps it, marshalled, in a file named by a digest of `key` (which must name every input
the value depends on: a model file's bytes, a pattern and the analysing code) and of the
Python version; a later process loads the file instead of calling `build`.

The folder is `$GREENLENS_WARM_CACHE`, else `$XDG_CACHE_HOME/greenlens/warm`, else
`~/.cache/greenlens/warm`; `GREENLENS_WARM_CACHE=off` turns the cache off. A file that
cannot be read or written (absent, corrupt, a read-only home) only costs the `build`.
Values must be marshal-able (None, numbers, strings, bytes, tuples, lists, dicts, sets).
"""

from __future__ import annotations

import hashlib
import json
import marshal
import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")

ENV = "GREENLENS_WARM_CACHE"
# bump when what a stored value means changes without its key changing
FORMAT = "warm/1"
# files kept at most: one version of the shipped models and detectors makes ~20, so an
# upgrade's leftovers are pruned, oldest first, once the folder holds this many
MAX_FILES = 256


def folder() -> Path | None:
    """Where the values are kept (None: the cache is off, or no home to keep them in)."""
    setting = os.environ.get(ENV, "")
    if setting.lower() == "off":
        return None
    if setting:
        return Path(setting)
    xdg = os.environ.get("XDG_CACHE_HOME", "")
    try:
        base = Path(xdg) if xdg else Path.home() / ".cache"
    except (RuntimeError, KeyError):  # no HOME and no passwd entry
        return None
    return base / "greenlens" / "warm"


def digest(*parts: str | bytes) -> str:
    """A key from its parts (each length-prefixed, so that no two lists collide)."""
    h = hashlib.sha256()
    for part in parts:
        data = part.encode("utf-8") if isinstance(part, str) else part
        h.update(len(data).to_bytes(8, "little"))
        h.update(data)
    return h.hexdigest()


def cached(kind: str, key: str, build: Callable[[], T]) -> T:
    """`build()`'s value for `key`, from the file a process kept earlier if there is one."""
    root = folder()
    if root is None:
        return build()
    path = root / f"{kind}-{digest(FORMAT, sys.version, kind, key)[:40]}.marshal"
    try:
        return marshal.loads(path.read_bytes())  # marshal.load(file) reads object by object
    except (OSError, EOFError, ValueError, TypeError):
        pass  # absent or unreadable: build it and keep it
    value = build()
    _keep(path, value)
    return value


def json_file(kind: str, path: Path) -> Any:
    """A JSON file's content, parsed once per version of its bytes."""
    raw = path.read_bytes()
    return cached(kind, digest(raw), lambda: json.loads(raw))


def _keep(path: Path, value: Any) -> None:
    try:
        data = marshal.dumps(value)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.replace(tmp, path)  # atomic: a concurrent reader sees the whole file or none
        except BaseException:
            os.unlink(tmp)
            raise
        _prune(path.parent)
    except (OSError, ValueError):
        pass  # a read-only or full disk only costs the next process the build


def _prune(root: Path) -> None:
    """Over MAX_FILES kept values: remove the oldest until half of them are left (a
    removed value only costs the next process that needs it a build)."""
    kept = list(root.glob("*.marshal"))
    if len(kept) <= MAX_FILES:
        return
    by_age = sorted(kept, key=lambda p: p.stat().st_mtime)
    for old in by_age[: len(kept) - MAX_FILES // 2]:
        old.unlink(missing_ok=True)

"""What the sources share: parse results with per-record errors, file reading, helpers."""

from __future__ import annotations

import gzip
import logging
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from corpus.errors import ConfigError, FetchError, ParseError
from corpus.records import Paper
from corpus.sources.protocol import Fetcher

log = logging.getLogger("greenlens.sources")

_WS = re.compile(r"\s+")
FIRST_YEAR = 2015


@dataclass(frozen=True)
class SourceIssue:
    """One thing a source could not read: where (file, URL or record) and why."""

    source: str
    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.source}: {self.where}: {self.message}"


@dataclass
class ParseResult:
    """Papers parsed from one input, plus one issue per record (or file) that failed."""

    papers: list[Paper] = field(default_factory=list)
    issues: list[SourceIssue] = field(default_factory=list)

    def extend(self, other: ParseResult) -> None:
        """Append another result's papers and issues."""
        self.papers.extend(other.papers)
        self.issues.extend(other.issues)


class IssueLog:
    """Mixin: a source's `issues` from its last `iter_papers` run (files missing, bad records)."""

    name: str = ""

    def _reset_issues(self) -> None:
        self.issues: list[SourceIssue] = []

    def _issue(self, where: str, message: str) -> None:
        issue = SourceIssue(self.name, where, message)
        self.issues.append(issue)
        log.warning("%s", issue)

    def _load(
        self, fetcher, stem: str, folder: Path | None, names: tuple[str, ...], url: str
    ) -> tuple[bytes | None, str]:
        """(bytes, where) of one metadata file: the first of `names` in a local folder, or
        `url` through the fetcher; (None, where) with an issue logged when it cannot be had."""
        where = stem
        try:
            if folder is not None:
                path = find_local(folder, names)
                if path is None:
                    self._issue(stem, f"no {' or '.join(names)} in {folder}")
                    return None, where
                where = str(path)
                return read_local(path), where
            where = url
            return fetch_bytes(fetcher, url), where
        except (FetchError, ParseError) as exc:
            self._issue(where, str(exc))
            return None, where

    def _take(self, result: ParseResult) -> Iterator[Paper]:
        for issue in result.issues:
            self.issues.append(issue)
            log.warning("%s", issue)
        yield from result.papers


def clean(text: str | None) -> str:
    """Collapse runs of whitespace to one space and strip."""
    return _WS.sub(" ", text or "").strip()


def maybe_gunzip(data: bytes) -> bytes:
    """The bytes, gunzipped when they start with the gzip magic number."""
    return gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data


def read_local(path: Path) -> bytes:
    """A local file's bytes (gunzipped); ParseError on a corrupt gzip."""
    data = path.read_bytes()
    try:
        return maybe_gunzip(data)
    except (OSError, EOFError) as exc:
        raise ParseError(f"corrupt gzip: {exc}", url=str(path)) from exc


def find_local(root: Path, names: Iterable[str]) -> Path | None:
    """The first of `names` (relative paths) that exists under root."""
    for name in names:
        if (root / name).is_file():
            return root / name
    return None


def local_root(local_dir: str | None) -> Path | None:
    """`query.local_dir` as a Path, checked to be a folder (ConfigError if not)."""
    if local_dir is None:
        return None
    root = Path(local_dir).expanduser()
    if not root.is_dir():
        raise ConfigError(f"local folder does not exist: {root}")
    return root


def default_years() -> tuple[int, ...]:
    """Years crawled when the query names none: 2015 to this year."""
    return tuple(range(FIRST_YEAR, date.today().year + 1))


def fetch_bytes(fetcher: Fetcher, url: str, params: dict | None = None) -> bytes:
    """GET url through the fetcher; FetchError (with the status) unless it is 200."""
    resp = fetcher.get(url, params=params) if params else fetcher.get(url)
    if resp.status != 200:
        raise FetchError(f"HTTP {resp.status}", status=resp.status, url=url)
    return resp.body


def norm_list(values: Iterable[str]) -> list[str]:
    """Lower-cased, stripped, de-duplicated values in their given order."""
    out: list[str] = []
    for v in values:
        v = v.strip().lower()
        if v and v not in out:
            out.append(v)
    return out


__all__ = [
    "FetchError",
    "IssueLog",
    "ParseError",
    "ParseResult",
    "SourceIssue",
    "clean",
    "default_years",
    "fetch_bytes",
    "find_local",
    "local_root",
    "maybe_gunzip",
    "norm_list",
    "read_local",
]

"""What every source is: fetch with a shared polite client, parse with pure functions."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Protocol

from corpus.records import Paper


@dataclass(frozen=True)
class Response:
    """A fetched resource. `origin` says where the bytes came from: network|mirror|cache|file."""

    url: str
    status: int
    body: bytes
    headers: Mapping[str, str] = field(default_factory=dict)
    origin: str = "network"

    @property
    def text(self) -> str:
        """The body decoded as UTF-8 (replacing undecodable bytes)."""
        return self.body.decode("utf-8", errors="replace")


class Fetcher(Protocol):
    """The one HTTP layer (corpus.http.PoliteClient) as sources see it."""

    def get(self, url: str, *, params: Mapping[str, str] | None = None) -> Response:
        """GET url (robots, rate limit, retries, mirror, offline handled inside).

        Raises FetchError (or a subclass) when the resource cannot be had.
        """
        ...


@dataclass(frozen=True)
class CrawlQuery:
    """What to crawl: venues (source-specific ids, empty = the source's defaults), years."""

    venues: tuple[str, ...] = ()
    years: tuple[int, ...] = ()
    local_dir: str | None = None  # e.g. --anthology-dir: read files here instead of HTTP


class Source(Protocol):
    """A source of paper metadata. `name` is what `greenlens crawl SOURCE` takes."""

    name: str

    def iter_papers(self, fetcher: Fetcher, query: CrawlQuery) -> Iterator[Paper]:
        """Yield every paper matching the query, in a stable order."""
        ...

"""A tiny in-test Fetcher for the sources: URL -> bytes from a function; logs every URL.

Unknown URLs raise FetchError(404), as the real client does for a missing resource.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from urllib.parse import urlencode

from corpus.errors import FetchError
from corpus.sources.protocol import Response


class MapFetcher:
    """Serves `resolve(url) -> bytes | None` (None = 404); `urls` lists what was asked."""

    def __init__(self, resolve: Callable[[str], bytes | None]) -> None:
        self.resolve = resolve
        self.urls: list[str] = []

    def get(self, url: str, *, params: Mapping[str, str] | None = None) -> Response:
        full = f"{url}?{urlencode(params)}" if params else url
        self.urls.append(full)
        body = self.resolve(full)
        if body is None:
            raise FetchError("HTTP 404", status=404, url=full)
        return Response(url=full, status=200, body=body, origin="file")

"""One exception tree for greenlens, with context that survives pickling (worker processes)."""

from __future__ import annotations


class GreenlensError(Exception):
    """Base of every error greenlens raises on purpose; carries url, paper id and page.

    The CLI prints one line for it and exits with `exit_code` (2: the usual code for "bad
    input or environment", as for a usage error)."""

    exit_code = 2

    def __init__(
        self,
        message: str,
        *,
        url: str | None = None,
        paper_id: str | None = None,
        page: int | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.url = url
        self.paper_id = paper_id
        self.page = page

    def __reduce__(self):
        return (_rebuild, (type(self), self.message, self.__dict__.copy()))

    def __str__(self) -> str:
        where = [
            f"{k}={v}"
            for k, v in (("paper", self.paper_id), ("url", self.url), ("page", self.page))
            if v is not None
        ]
        return f"{self.message} ({', '.join(where)})" if where else self.message


def _rebuild(cls, message, state):
    err = cls.__new__(cls)
    Exception.__init__(err, message)
    err.__dict__.update(state)
    return err


class ConfigError(GreenlensError):
    """A bad option, path or setting given by the user."""


class StoreError(GreenlensError):
    """The DuckDB store cannot be opened, migrated or written."""


class DiskError(GreenlensError):
    """A file cannot be written (disk full, read-only file system, no permission)."""


class FetchError(GreenlensError):
    """An HTTP fetch failed after its retries (status is the last HTTP status, if any)."""

    def __init__(self, message: str, *, status: int | None = None, **context) -> None:
        super().__init__(message, **context)
        self.status = status


class RobotsDisallowed(FetchError):
    """robots.txt forbids the URL for our User-Agent."""


class OfflineMissing(FetchError):
    """--offline was given and the URL is neither in the mirror nor in the cache."""


class ParseError(GreenlensError):
    """Metadata (XML, JSON, HTML, YAML) could not be parsed."""


class PDFError(GreenlensError):
    """A PDF is missing, corrupt, encrypted, truncated or not a PDF at all.

    `reason` says which (missing, not_pdf, encrypted, corrupt, empty, too_large, timeout,
    memory; default "corrupt"); docs/extractors.md lists them.
    """

    def __init__(self, message: str, *, reason: str = "corrupt", **context) -> None:
        super().__init__(message, **context)
        self.reason = reason

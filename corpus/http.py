"""The one polite HTTP layer every source shares (robots, rate limits, retries, caches).

Order of a `get`: mirror directory (no network) -> offline? (HTTP cache or OfflineMissing)
-> robots.txt -> per-host rate limit -> conditional GET with retries -> HTTP cache.
Robots, rate limits and the mirror are keyed by the URL as written (the real site); the
rewrite map only changes where the bytes are fetched from (a proxy, a local mirror, a test
server), so a rewritten site keeps its own robots.txt and its own rate limit.
"""

from __future__ import annotations

import email.utils
import hashlib
import json
import os
import random
import tempfile
import threading
import time
import urllib.robotparser
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlencode, urljoin, urlsplit

import requests

from corpus.errors import ConfigError, DiskError, FetchError, OfflineMissing, RobotsDisallowed
from corpus.sources.protocol import Response

DEFAULT_INTERVAL_S = 1.0
# Hosts that ask for slower crawling (arXiv's API terms: one request every 3 seconds).
DEFAULT_HOST_INTERVALS: dict[str, float] = {"export.arxiv.org": 3.0}
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
MAX_REDIRECTS = 5
MAX_RETRY_AFTER_S = 600.0
PROJECT_URL = "https://github.com/greenlens/greenlens"


def tool_version() -> str:
    """The installed greenlens version (0.0.0 when run from an uninstalled checkout)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("greenlens")
    except PackageNotFoundError:
        return "0.0.0"


def user_agent(contact: str | None = None) -> str:
    """`greenlens/<version> (+project; mailto:contact)`; contact from arg or $GREENLENS_CONTACT."""
    contact = contact or os.environ.get("GREENLENS_CONTACT")
    who = f"; mailto:{contact}" if contact else ""
    return f"greenlens/{tool_version()} (+{PROJECT_URL}{who})"


def full_url(url: str, params: Mapping[str, str] | None = None) -> str:
    """url with params appended as a query string (in the given order)."""
    if not params:
        return url
    return url + ("&" if urlsplit(url).query else "?") + urlencode(list(params.items()))


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP-date), or None."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when is None:
        return None
    now = time.time() if now is None else now
    return max(0.0, when.timestamp() - now)


def mirror_candidates(mirror: Path, url: str) -> list[Path]:
    """Where `wget --mirror` would have written url (host/path; index.html for dirs).

    Query strings: wget keeps them in the file name (`page?x=1`), or writes `page@x=1` with
    `--restrict-file-names=windows`; both are tried.
    """
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    path = unquote(parts.path or "/")
    if path.endswith("/"):
        path += "index.html"
    rel = [p for p in path.split("/") if p]
    if not host or any(p in ("..", ".") for p in rel) or ".." in host or "/" in host:
        return []
    base = mirror / host / Path(*rel)
    if not parts.query:
        return [base]
    q = unquote(parts.query)
    return [base.with_name(f"{base.name}?{q}"), base.with_name(f"{base.name}@{q}")]


class HttpCache:
    """ETag/Last-Modified and bodies of past responses, one JSON + body file per URL."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def _paths(self, url: str) -> tuple[Path, Path]:
        key = hashlib.sha256(url.encode()).hexdigest()
        d = self.root / key[:2]
        return d / f"{key}.json", d / f"{key}.body"

    def load(self, url: str) -> tuple[dict, bytes] | None:
        """(metadata, body) stored for url, or None."""
        meta_path, body_path = self._paths(url)
        try:
            meta = json.loads(meta_path.read_text())
            body = body_path.read_bytes()
        except (OSError, ValueError):
            return None
        if meta.get("url") != url or len(body) != meta.get("length"):
            return None
        return meta, body

    def save(self, url: str, headers: Mapping[str, str], body: bytes) -> None:
        """Store a 200 response (atomically: body first, then the metadata naming it)."""
        meta_path, body_path = self._paths(url)
        meta = {
            "url": url,
            "etag": headers.get("etag"),
            "last_modified": headers.get("last-modified"),
            "content_type": headers.get("content-type"),
            "length": len(body),
            "stored_at": time.time(),
        }
        atomic_write(body_path, body)
        atomic_write(meta_path, json.dumps(meta).encode())


def atomic_write(path: Path, data: bytes) -> None:
    """Write data to path via a temp file in the same directory, fsync and os.replace.

    Either the whole file is there or none of it (the temp file is removed on any
    failure); a failed write (disk full, read-only, ...) raises DiskError saying where.
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".part")
    except OSError as exc:
        raise disk_error(path, exc) from exc
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException as exc:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        if isinstance(exc, OSError):
            raise disk_error(path, exc) from exc
        raise


def disk_error(path: Path, exc: OSError) -> DiskError:
    """A DiskError naming the file and the system's reason (e.g. No space left on device)."""
    reason = exc.strerror or type(exc).__name__
    return DiskError(
        f"cannot write {path}: {reason} (errno {exc.errno}); nothing partial was left behind"
    )


@dataclass
class _Host:
    lock: threading.Lock
    next_at: float = 0.0


class PoliteClient:
    """`Fetcher` over requests.Session: robots.txt, per-host rate limits, retries, caches.

    `rewrite` maps URL prefixes to replacements (longest prefix wins), e.g.
    {"https://proceedings.mlr.press/": "http://127.0.0.1:8000/proceedings.mlr.press/"}.
    `clock`/`sleep` are injectable so tests need not wait real seconds.
    """

    def __init__(
        self,
        *,
        contact: str | None = None,
        mirror: str | Path | None = None,
        offline: bool = False,
        cache_dir: str | Path | None = None,
        interval_s: float = DEFAULT_INTERVAL_S,
        host_intervals: Mapping[str, float] | None = None,
        max_attempts: int = 4,
        backoff_s: float = 2.0,
        backoff_max_s: float = 120.0,
        timeout_s: float = 30.0,
        rewrite: Mapping[str, str] | None = None,
        respect_robots: bool = True,
        cache_pdfs: bool = False,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
        session: requests.Session | None = None,
    ) -> None:
        if max_attempts < 1:
            raise ConfigError("max_attempts must be at least 1")
        self.mirror = Path(mirror) if mirror else None
        if self.mirror is not None and not self.mirror.is_dir():
            raise ConfigError(f"mirror directory {self.mirror} does not exist")
        self.offline = offline
        self.http_cache = HttpCache(Path(cache_dir) / "http") if cache_dir else None
        self.interval_s = interval_s
        self.host_intervals = {**DEFAULT_HOST_INTERVALS, **(host_intervals or {})}
        self.max_attempts = max_attempts
        self.backoff_s = backoff_s
        self.backoff_max_s = backoff_max_s
        self.timeout_s = timeout_s
        self.rewrite = sorted((rewrite or {}).items(), key=lambda kv: -len(kv[0]))
        self.respect_robots = respect_robots
        self.cache_pdfs = cache_pdfs
        self.clock = clock
        self.sleep = sleep
        self.rng = rng or random.Random()
        self.user_agent = user_agent(contact)
        self.session = session or requests.Session()
        self.session.headers["User-Agent"] = self.user_agent
        self._hosts: dict[str, _Host] = {}
        self._robots: dict[str, urllib.robotparser.RobotFileParser] = {}
        self._robots_unreachable: dict[str, str] = {}  # origin -> why its robots.txt failed
        self._hosts_lock = threading.Lock()
        self.network_requests = 0  # how many requests actually went out (robots included)

    # -- public -----------------------------------------------------------------------
    def get(self, url: str, *, params: Mapping[str, str] | None = None) -> Response:
        """GET url: mirror, then (unless offline) the network; see the module docstring."""
        first = url = full_url(url, params)
        # Redirects are followed here, not by requests, so that each hop is checked against
        # the mirror, robots.txt and its host's rate limit like any other URL.
        for _hop in range(MAX_REDIRECTS + 1):
            if urlsplit(url).scheme not in ("http", "https"):
                raise FetchError(f"not an http(s) URL: {url!r}", url=url)
            hit = self._from_mirror(url)
            if hit is not None:
                return hit
            if self.offline:
                cached = self.http_cache.load(url) if self.http_cache else None
                if cached is not None:
                    return Response(url, 200, cached[1], _cached_headers(cached[0]), "cache")
                where = f"mirror {self.mirror}" if self.mirror else "no mirror given"
                raise OfflineMissing(f"offline and not in the mirror or cache ({where})", url=url)
            if self.respect_robots and not self._allowed(url):
                origin = "{0.scheme}://{0.netloc}".format(urlsplit(url))
                why = self._robots_unreachable.get(origin)
                if why:
                    raise RobotsDisallowed(
                        f"{origin}/robots.txt could not be fetched ({why}); "
                        "as RFC 9309 asks, nothing is fetched from that host "
                        "until it can be",
                        url=url,
                    )
                raise RobotsDisallowed("robots.txt disallows this URL for greenlens", url=url)
            resp = self._fetch(url)
            if isinstance(resp, Response):
                if (
                    url != first
                    and resp.origin != "mirror"
                    and self.http_cache
                    and self._cacheable(resp.headers, resp.body)
                ):
                    self.http_cache.save(first, resp.headers, resp.body)  # for --offline
                return resp
            url = resp
        raise FetchError(f"more than {MAX_REDIRECTS} redirects", url=first)

    def target(self, url: str) -> str:
        """The URL actually requested for url, after the rewrite map."""
        for prefix, repl in self.rewrite:
            if url.startswith(prefix):
                return repl + url[len(prefix) :]
        return url

    def untarget(self, url: str) -> str:
        """The inverse of `target`: a URL the rewritten server names, as the real site's."""
        for prefix, repl in sorted(self.rewrite, key=lambda kv: -len(kv[1])):
            if url.startswith(repl):
                return prefix + url[len(repl) :]
        return url

    # -- mirror -----------------------------------------------------------------------
    def _from_mirror(self, url: str) -> Response | None:
        if self.mirror is None:
            return None
        for path in mirror_candidates(self.mirror, url):
            if path.is_file():
                return Response(url, 200, path.read_bytes(), {}, "mirror")
        return None

    # -- robots -----------------------------------------------------------------------
    def _host(self, url: str) -> _Host:
        """Rate-limit state of url's host name (http and https share it)."""
        key = urlsplit(url).hostname or ""
        with self._hosts_lock:
            if key not in self._hosts:
                self._hosts[key] = _Host(threading.Lock())
            return self._hosts[key]

    def _allowed(self, url: str) -> bool:
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        rp = self._robots.get(origin)
        if rp is None:
            rp = self._robots[origin] = self._load_robots(f"{origin}/robots.txt")
            delay = rp.crawl_delay(self.user_agent)
            if delay:
                name = parts.hostname or ""
                self.host_intervals[name] = max(float(delay), self._interval(name))
        return rp.can_fetch(self.user_agent, url)

    def _load_robots(self, robots_url: str) -> urllib.robotparser.RobotFileParser:
        rp = urllib.robotparser.RobotFileParser(robots_url)
        try:
            resp = self._fetch(robots_url, cache=False, follow=True)
        except FetchError as exc:
            # RFC 9309: unreachable (5xx) means "assume complete disallow"; 4xx means none.
            if exc.status is not None and 400 <= exc.status < 500:
                rp.parse([])
            else:
                rp.disallow_all = True  # type: ignore[attr-defined]  # read by can_fetch
                origin = robots_url.rsplit("/robots.txt", 1)[0]
                self._robots_unreachable[origin] = exc.message
            return rp
        rp.parse(resp.text.splitlines() if isinstance(resp, Response) else [])
        return rp

    # -- network ----------------------------------------------------------------------
    def _interval(self, hostname: str) -> float:
        return self.host_intervals.get(hostname, self.interval_s)

    def _wait_turn(self, url: str) -> None:
        host = self._host(url)
        with host.lock:
            now = self.clock()
            if host.next_at > now:
                self.sleep(host.next_at - now)
                now = self.clock()
            host.next_at = now + self._interval(urlsplit(url).hostname or "")

    def _backoff(self, attempt: int) -> float:
        base = min(self.backoff_max_s, self.backoff_s * 2 ** (attempt - 1))
        return base + self.rng.uniform(0, base / 2)

    def _fetch(self, url: str, *, cache: bool = True, follow: bool = False) -> Response | str:
        """One URL with retries: its Response, or the URL a redirect points to."""
        cached = self.http_cache.load(url) if (cache and self.http_cache) else None
        headers = {}
        if cached is not None:
            if cached[0].get("etag"):
                headers["If-None-Match"] = cached[0]["etag"]
            if cached[0].get("last_modified"):
                headers["If-Modified-Since"] = cached[0]["last_modified"]
        target = self.target(url)
        status: int | None = None
        reason = ""
        for attempt in range(1, self.max_attempts + 1):
            self._wait_turn(url)
            retry_after = None
            try:
                self.network_requests += 1
                r = self.session.get(
                    target, headers=headers, timeout=self.timeout_s, allow_redirects=follow
                )
            except requests.Timeout as exc:
                status = None
                reason = f"timeout after {self.timeout_s:g} s ({exc.__class__.__name__})"
            except (requests.ConnectionError, requests.exceptions.ChunkedEncodingError) as exc:
                status, reason = None, f"connection error: {exc}"
            except requests.RequestException as exc:
                raise FetchError(f"request failed: {exc}", url=url) from exc
            else:
                status = r.status_code
                resp_headers = {k.lower(): v for k, v in r.headers.items()}
                if status == 304 and cached is not None:
                    return Response(url, 200, cached[1], _cached_headers(cached[0]), "cache")
                if status in REDIRECT_STATUSES and r.headers.get("Location"):
                    return self.untarget(urljoin(target, r.headers["Location"]))
                if 200 <= status < 300:
                    body = r.content
                    if cache and self.http_cache and self._cacheable(resp_headers, body):
                        self.http_cache.save(url, resp_headers, body)
                    return Response(url, status, body, resp_headers, "network")
                if status not in RETRY_STATUSES:
                    raise FetchError(f"HTTP {status} {r.reason}", status=status, url=url)
                reason = f"HTTP {status} {r.reason}"
                retry_after = parse_retry_after(r.headers.get("Retry-After"))
            if attempt == self.max_attempts:
                break
            wait = self._backoff(attempt)
            if retry_after is not None:
                if retry_after > MAX_RETRY_AFTER_S:
                    raise FetchError(
                        f"{reason}; server asks to retry after {retry_after:.0f} s",
                        status=status,
                        url=url,
                    )
                wait = max(wait, retry_after)
            self.sleep(wait)
        raise FetchError(
            f"{reason} (gave up after {self.max_attempts} attempts)", status=status, url=url
        )

    def _cacheable(self, headers: Mapping[str, str], body: bytes) -> bool:
        # PDFs live in the content-addressed PDF cache; keeping them here too doubles disk.
        is_pdf = "pdf" in (headers.get("content-type") or "") or body[:5] == b"%PDF-"
        return self.cache_pdfs or not is_pdf


def _cached_headers(meta: dict) -> dict[str, str]:
    out = {}
    for key, name in (
        ("etag", "etag"),
        ("last_modified", "last-modified"),
        ("content_type", "content-type"),
    ):
        if meta.get(key):
            out[name] = meta[key]
    return out

"""A loopback HTTP server for crawl tests: serves real files, logs requests, injects faults.

URL paths map to files under `root` (laid out host/path, like ../shared/corpus/pdfs/mirror).
Faults are queued per path and consumed one per request before the real file is served.
"""

from __future__ import annotations

import csv
import hashlib
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from corpus.records import Paper


@dataclass
class Hit:
    """One request the server saw."""

    method: str
    path: str
    headers: dict
    status: int


class Loopback:
    """ThreadingHTTPServer on 127.0.0.1 (port 0) in a daemon thread."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.log: list[Hit] = []
        self.faults: dict[str, list[tuple]] = {}
        self.robots: dict[str, str] = {}  # prefix (e.g. "/proceedings.mlr.press") -> text
        self.files: dict[str, bytes] = {}  # path -> body served instead of a file
        self.redirects: dict[str, str] = {}  # path -> Location (302)
        self.pdf_delay_s = 0.0
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_GET(self):
                server._handle(self)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.base = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    def close(self) -> None:
        """Stop serving."""
        self.httpd.shutdown()
        self.httpd.server_close()

    def fault(self, path: str, *faults: tuple) -> None:
        """Queue faults for path: ("status", code, headers), ("sleep", s), ("truncate", n),
        ("cut", n) (Content-Length promises more than is sent), ("html",)."""
        with self._lock:
            self.faults.setdefault(path, []).extend(faults)

    def hits(self, path: str | None = None, *, suffix: str | None = None) -> list[Hit]:
        """Requests seen (for one path, or for paths ending with suffix)."""
        with self._lock:
            return [
                h
                for h in self.log
                if (path is None or h.path == path)
                and (suffix is None or h.path.split("?")[0].endswith(suffix))
            ]

    def _handle(self, req: BaseHTTPRequestHandler) -> None:
        path = req.path
        with self._lock:
            queue = self.faults.get(path) or []
            fault = queue.pop(0) if queue else None
        status, headers, body = self._respond(path, fault, dict(req.headers))
        with self._lock:
            self.log.append(Hit("GET", path, dict(req.headers), status))
        if fault and fault[0] == "sleep":
            time.sleep(fault[1])
        if path.endswith(".pdf") and self.pdf_delay_s:
            time.sleep(self.pdf_delay_s)
        try:
            req.send_response(status)
            for k, v in headers.items():
                req.send_header(k, v)
            req.send_header("Content-Length", str(len(body)))
            req.end_headers()
            if fault and fault[0] == "cut":  # the connection drops mid-body
                req.wfile.write(body[: fault[1]])
                req.close_connection = True
                return
            req.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def _respond(self, path: str, fault, req_headers: dict) -> tuple[int, dict, bytes]:
        if fault and fault[0] == "status":
            return fault[1], dict(fault[2]) if len(fault) > 2 else {}, b"fault\n"
        if fault and fault[0] == "html":
            return (
                200,
                {"Content-Type": "application/pdf"},
                (b"<!DOCTYPE html><html><body><h1>Service unavailable</h1></body></html>"),
            )
        clean = path.split("?")[0]
        if path in self.redirects:
            return 302, {"Location": self.redirects[path]}, b""
        if clean.endswith("/robots.txt"):
            prefix = clean[: -len("/robots.txt")]
            if prefix in self.robots:
                return 200, {"Content-Type": "text/plain"}, self.robots[prefix].encode()
            return 404, {}, b"no robots\n"
        if path in self.files:
            body = self.files[path]
        else:
            file = (self.root / clean.lstrip("/")).resolve()
            if not file.is_relative_to(self.root.resolve()) or not file.is_file():
                return 404, {"Content-Type": "text/html"}, b"<html>not found</html>"
            body = file.read_bytes()
        etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
        ctype = "application/pdf" if clean.endswith(".pdf") else "application/octet-stream"
        if req_headers.get("If-None-Match") == etag:
            return 304, {"ETag": etag}, b""
        if fault and fault[0] == "truncate":
            body = body[: fault[1]]
        return (
            200,
            {"Content-Type": ctype, "ETag": etag, "Last-Modified": "Wed, 01 Jan 2025 00:00:00 GMT"},
            body,
        )


class ManifestSource:
    """A test source: the PMLR rows of ../shared/corpus/pdfs/manifest.csv, as Papers.

    Real metadata (title, authors, abstract, volume, real PDF URLs); it stands in for the
    pmlr source where the test is about crawling, not parsing.
    """

    name = "pmlr-manifest"

    def __init__(self, manifest: Path, *, extra: list[Paper] | None = None) -> None:
        self.manifest = Path(manifest)
        self.extra = extra or []

    def iter_papers(self, fetcher, query):
        with open(self.manifest, newline="", encoding="utf-8") as fh:
            rows = [r for r in csv.DictReader(fh) if r.get("pmlr_id")]
        for r in sorted(rows, key=lambda r: (r["volume"], r["pmlr_id"])):
            year = int(r["year"])
            if query.years and year not in query.years:
                continue
            yield Paper(
                id=f"pmlr:{r['volume']}/{r['pmlr_id']}",
                source="pmlr",
                venue=r["venue"],
                year=year,
                title=r["title"],
                authors=tuple(a.strip() for a in r["authors"].split(";")),
                abstract=r["abstract"] or None,
                url=r["url"].removesuffix(".pdf") + ".html",
                pdf_url=r["url"],
            )
        yield from self.extra


def pmlr_rewrite(base: str) -> dict[str, str]:
    """The rewrite map sending proceedings.mlr.press (http and https) to the loopback."""
    return {
        "https://proceedings.mlr.press/": f"{base}/proceedings.mlr.press/",
        "http://proceedings.mlr.press/": f"{base}/proceedings.mlr.press/",
    }

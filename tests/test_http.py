"""PoliteClient against a loopback server serving real PDFs, with injected faults."""

from __future__ import annotations

import email.utils
import hashlib
import socket
import time

import pytest
from loopback import Loopback, pmlr_rewrite

from corpus.errors import FetchError, OfflineMissing, RobotsDisallowed
from corpus.http import PoliteClient, mirror_candidates, parse_retry_after, user_agent

PDF = "/proceedings.mlr.press/v48/achim16.pdf"
PDF_URL = "https://proceedings.mlr.press/v48/achim16.pdf"


class FakeClock:
    """A monotonic clock that only moves when the client sleeps."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, s: float) -> None:
        self.sleeps.append(s)
        self.now += s


@pytest.fixture
def server(pdfs_dir):
    srv = Loopback(pdfs_dir / "mirror")
    yield srv
    srv.close()


def client(server, tmp_path, clock=None, **kw) -> PoliteClient:
    clock = clock or FakeClock()
    kw.setdefault("rewrite", pmlr_rewrite(server.base))
    kw.setdefault("cache_dir", tmp_path / "cache")
    return PoliteClient(contact="lab@example.org", clock=clock, sleep=clock.sleep, **kw)


def test_serves_real_pdf_with_tool_user_agent(server, tmp_path, pdfs_dir):
    resp = client(server, tmp_path).get(PDF_URL)
    real = (pdfs_dir / "mirror" / PDF.lstrip("/")).read_bytes()
    assert resp.body == real and resp.origin == "network" and resp.status == 200
    ua = server.hits(PDF)[0].headers["User-Agent"]
    assert ua.startswith("greenlens/") and "mailto:lab@example.org" in ua
    assert ua == user_agent("lab@example.org")


def test_contact_from_environment(monkeypatch):
    monkeypatch.setenv("GREENLENS_CONTACT", "env@example.org")
    assert "mailto:env@example.org" in user_agent()
    monkeypatch.delenv("GREENLENS_CONTACT")
    assert "mailto" not in user_agent()


def test_500s_then_success_retries_with_growing_backoff(server, tmp_path):
    server.fault(PDF, ("status", 500), ("status", 503))
    clock = FakeClock()
    resp = client(server, tmp_path, clock, backoff_s=2.0).get(PDF_URL)
    assert resp.body[:5] == b"%PDF-"
    assert [h.status for h in server.hits(PDF)] == [500, 503, 200]
    backoffs = [s for s in clock.sleeps if s > 1.0]
    assert len(backoffs) == 2 and 2.0 <= backoffs[0] <= 3.0 and 4.0 <= backoffs[1] <= 6.0


def test_429_honours_retry_after_seconds(server, tmp_path):
    server.fault(PDF, ("status", 429, {"Retry-After": "17"}))
    clock = FakeClock()
    client(server, tmp_path, clock, backoff_s=1.0).get(PDF_URL)
    assert [h.status for h in server.hits(PDF)] == [429, 200]
    assert max(clock.sleeps) == pytest.approx(17.0)


def test_retry_after_http_date():
    now = time.time()
    date = email.utils.formatdate(now + 42, usegmt=True)
    assert parse_retry_after(date, now=now) == pytest.approx(42, abs=1)
    assert parse_retry_after("5") == 5.0
    assert parse_retry_after("soon") is None


def test_gives_up_after_bounded_attempts_with_last_status(server, tmp_path):
    server.fault(PDF, *[("status", 503)] * 10)
    with pytest.raises(FetchError) as err:
        client(server, tmp_path, max_attempts=3).get(PDF_URL)
    assert err.value.status == 503 and "3 attempts" in str(err.value)
    assert len(server.hits(PDF)) == 3


def test_404_is_not_retried(server, tmp_path):
    with pytest.raises(FetchError) as err:
        client(server, tmp_path).get("https://proceedings.mlr.press/v48/nosuch16.pdf")
    assert err.value.status == 404
    assert len(server.hits("/proceedings.mlr.press/v48/nosuch16.pdf")) == 1


def test_timeout_is_retried(server, tmp_path):
    server.fault(PDF, ("sleep", 1.5))
    resp = client(server, tmp_path, timeout_s=0.4).get(PDF_URL)
    assert resp.body[:5] == b"%PDF-" and len(server.hits(PDF)) == 2


def test_dropped_connection_mid_body_is_retried(server, tmp_path, pdfs_dir):
    server.fault(PDF, ("cut", 10_000))
    resp = client(server, tmp_path).get(PDF_URL)
    assert resp.body == (pdfs_dir / "mirror" / PDF.lstrip("/")).read_bytes()
    assert len(server.hits(PDF)) == 2


def test_connection_refused_is_fetch_error(tmp_path):
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    clock = FakeClock()
    c = PoliteClient(clock=clock, sleep=clock.sleep, max_attempts=2, respect_robots=False)
    with pytest.raises(FetchError) as err:
        c.get(f"http://127.0.0.1:{port}/x.pdf")
    assert err.value.status is None and "connection" in str(err.value)
    assert c.network_requests == 2


def test_robots_disallow_is_never_fetched_and_robots_cached(server, tmp_path):
    server.robots["/proceedings.mlr.press"] = "User-agent: *\nDisallow: /v101/\n"
    c = client(server, tmp_path)
    with pytest.raises(RobotsDisallowed):
        c.get("https://proceedings.mlr.press/v101/zhang19c.pdf")
    assert server.hits("/proceedings.mlr.press/v101/zhang19c.pdf") == []
    c.get(PDF_URL)
    c.get("https://proceedings.mlr.press/v48/ok16.pdf")
    assert len(server.hits("/proceedings.mlr.press/robots.txt")) == 1


def test_unreachable_robots_blocks_the_host_and_says_why(tmp_path):
    import socket

    with socket.socket() as s:  # a loopback port with nothing listening
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    clock = FakeClock()
    c = PoliteClient(clock=clock, sleep=clock.sleep, max_attempts=2, cache_dir=tmp_path / "c")
    with pytest.raises(RobotsDisallowed, match=r"robots\.txt could not be fetched.*RFC 9309"):
        c.get(f"http://127.0.0.1:{port}/paper.pdf")


def test_robots_for_our_agent_only(server, tmp_path):
    server.robots["/proceedings.mlr.press"] = (
        "User-agent: greenlens\nDisallow: /v48/\n\nUser-agent: *\nAllow: /\n"
    )
    with pytest.raises(RobotsDisallowed):
        client(server, tmp_path).get(PDF_URL)


def test_redirects_are_followed_hop_by_hop_under_robots(server, tmp_path):
    server.robots["/proceedings.mlr.press"] = "User-agent: *\nDisallow: /v101/\n"
    server.redirects["/proceedings.mlr.press/v48/old.pdf"] = PDF
    server.redirects["/proceedings.mlr.press/v48/sneaky.pdf"] = (
        f"{server.base}/proceedings.mlr.press/v101/zhang19c.pdf"
    )
    server.redirects["/proceedings.mlr.press/v48/loop.pdf"] = "loop.pdf"
    c = client(server, tmp_path)
    resp = c.get("https://proceedings.mlr.press/v48/old.pdf")
    assert resp.url == PDF_URL and resp.body[:5] == b"%PDF-"
    with pytest.raises(RobotsDisallowed) as err:
        c.get("https://proceedings.mlr.press/v48/sneaky.pdf")
    assert err.value.url == "https://proceedings.mlr.press/v101/zhang19c.pdf"
    assert server.hits("/proceedings.mlr.press/v101/zhang19c.pdf") == []
    with pytest.raises(FetchError, match="redirects"):
        c.get("https://proceedings.mlr.press/v48/loop.pdf")
    assert len(server.hits("/proceedings.mlr.press/v48/loop.pdf")) == 6


def test_per_host_rate_limit(server, tmp_path):
    clock = FakeClock()
    c = client(
        server, tmp_path, clock, interval_s=1.0, host_intervals={"proceedings.mlr.press": 3.0}
    )
    for name in ("achim16", "ok16", "su16"):
        c.get(f"https://proceedings.mlr.press/v48/{name}.pdf")
    # robots.txt, then three PDFs: each waits out the 3 s interval of the previous request
    assert clock.sleeps == [3.0, 3.0, 3.0]
    assert c.host_intervals["export.arxiv.org"] == 3.0


def test_rate_limit_real_clock(server, tmp_path):
    c = PoliteClient(rewrite=pmlr_rewrite(server.base), interval_s=0.25)
    start = time.monotonic()
    for name in ("achim16", "ok16"):
        c.get(f"https://proceedings.mlr.press/v48/{name}.pdf")
    assert len(server.log) == 3  # robots + 2
    assert time.monotonic() - start >= 0.5


def test_conditional_request_304_served_from_cache(server, tmp_path):
    url = f"{server.base}/proceedings.mlr.press/v48/achim16.pdf"
    c = client(server, tmp_path, rewrite={}, cache_pdfs=True)
    first = c.get(url)
    second = client(server, tmp_path, rewrite={}, cache_pdfs=True).get(url)
    hits = server.hits(PDF)
    assert [h.status for h in hits] == [200, 304]
    assert "If-None-Match" in hits[1].headers and "If-None-Match" not in hits[0].headers
    assert second.origin == "cache" and second.body == first.body


def test_pdfs_not_kept_in_http_cache_by_default(server, tmp_path):
    client(server, tmp_path).get(PDF_URL)
    client(server, tmp_path).get(PDF_URL)
    assert [h.status for h in server.hits(PDF)] == [200, 200]
    assert "If-None-Match" not in server.hits(PDF)[1].headers


def test_mirror_is_read_before_network(server, tmp_path, pdfs_dir):
    c = client(server, tmp_path, mirror=pdfs_dir / "mirror")
    resp = c.get(PDF_URL)
    assert resp.origin == "mirror" and server.log == [] and c.network_requests == 0
    real = (pdfs_dir / "mirror" / PDF.lstrip("/")).read_bytes()
    assert hashlib.sha256(resp.body).digest() == hashlib.sha256(real).digest()


def test_mirror_query_strings_and_directories(tmp_path):
    mirror = tmp_path / "m"
    (mirror / "openreview.net").mkdir(parents=True)
    (mirror / "openreview.net" / "pdf@id=abc").write_bytes(b"windows-style")
    (mirror / "openreview.net" / "forum?id=xyz").write_bytes(b"unix-style")
    (mirror / "example.org" / "dir").mkdir(parents=True)
    (mirror / "example.org" / "dir" / "index.html").write_bytes(b"index")
    c = PoliteClient(mirror=mirror, offline=True)
    assert c.get("https://openreview.net/pdf", params={"id": "abc"}).body == b"windows-style"
    assert c.get("https://openreview.net/forum?id=xyz").body == b"unix-style"
    assert c.get("https://example.org/dir/").body == b"index"
    assert mirror_candidates(mirror, "https://example.org/../etc/passwd") == []


def test_offline_never_touches_network(server, tmp_path, pdfs_dir):
    c = client(server, tmp_path, mirror=pdfs_dir / "mirror", offline=True)
    assert c.get(PDF_URL).origin == "mirror"
    with pytest.raises(OfflineMissing):
        c.get("https://proceedings.mlr.press/v48/nosuch16.pdf")
    with pytest.raises(OfflineMissing):
        c.get(f"{server.base}/proceedings.mlr.press/v48/ok16.pdf")
    assert server.log == [] and c.network_requests == 0


def test_offline_serves_http_cache(server, tmp_path):
    server.files["/listing.json"] = b'{"papers": []}'
    url = f"{server.base}/listing.json"
    client(server, tmp_path, rewrite={}).get(url)
    n = len(server.log)
    resp = client(server, tmp_path, rewrite={}, offline=True).get(url)
    assert resp.body == b'{"papers": []}' and resp.origin == "cache" and len(server.log) == n
    server.redirects["/moved.json"] = "/listing.json"
    client(server, tmp_path, rewrite={}).get(f"{server.base}/moved.json")
    n = len(server.log)
    offline = client(server, tmp_path, rewrite={}, offline=True)
    assert offline.get(f"{server.base}/moved.json").body == b'{"papers": []}'
    assert len(server.log) == n

"""Crawl end to end against a loopback server serving real PMLR metadata and PDFs."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from loopback import Loopback, ManifestSource, pmlr_rewrite

from corpus.crawl import crawl, select
from corpus.http import PoliteClient
from corpus.pdfcache import PdfCache
from corpus.records import Paper
from corpus.sources.protocol import CrawlQuery
from corpus.store import Store

TESTS = Path(__file__).resolve().parent
REPO = TESTS.parent
N_PMLR = 40  # PMLR papers in ../shared/corpus/pdfs/manifest.csv


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, s: float) -> None:
        self.now += s


@pytest.fixture
def server(pdfs_dir):
    srv = Loopback(pdfs_dir / "mirror")
    yield srv
    srv.close()


def fast_client(server, **kw) -> PoliteClient:
    clock = FakeClock()
    return PoliteClient(
        rewrite=pmlr_rewrite(server.base), clock=clock, sleep=clock.sleep, max_attempts=3, **kw
    )


def extra_papers() -> list[Paper]:
    return [
        Paper(
            id="pmlr:v48/nopdf16",
            source="pmlr",
            venue="ICML",
            year=2016,
            title="A paper whose source names no PDF",
        ),
        Paper(
            id="pmlr:v48/gone16",
            source="pmlr",
            venue="ICML",
            year=2016,
            title="A paper whose PDF is gone",
            pdf_url="https://proceedings.mlr.press/v48/gone16.pdf",
        ),
    ]


def pdf_gets(server) -> list:
    return [h for h in server.hits(suffix=".pdf")]


def rows(store: Store) -> list[dict]:
    """The papers table minus fetched_at (a wall-clock time)."""
    return [
        {k: v for k, v in r.items() if k != "fetched_at"}
        for r in store.fetch_dicts("SELECT * FROM papers ORDER BY id")
    ]


def test_faults_are_recorded_per_paper_and_rerun_fetches_nothing(server, pdfs_dir, tmp_path):
    v48 = "/proceedings.mlr.press/v48"
    server.fault(f"{v48}/achim16.pdf", ("status", 500), ("status", 502))
    server.fault(f"{v48}/ok16.pdf", ("status", 429, {"Retry-After": "2"}))
    server.fault(f"{v48}/lim16.pdf", ("sleep", 1.2))
    server.fault(f"{v48}/su16.pdf", ("truncate", 40_000))
    server.fault(f"{v48}/wu16.pdf", ("html",))
    server.fault("/proceedings.mlr.press/v198/rieck22a.pdf", *[("status", 503)] * 3)
    server.robots["/proceedings.mlr.press"] = "User-agent: *\nDisallow: /v101/zhang19c.pdf\n"
    source = ManifestSource(pdfs_dir / "manifest.csv", extra=extra_papers())
    cache = PdfCache(tmp_path / "cache")
    with Store(tmp_path / "g.duckdb") as store:
        s = crawl(
            store,
            source,
            CrawlQuery(),
            fast_client(server, timeout_s=0.5),
            cache,
            pdfs=True,
            progress=False,
        )
        assert s.listed_new == N_PMLR + 2
        assert s.no_pdf == 1
        failed = {k.split("/")[-1]: v for k, v in s.pdf_failed.items()}
        assert sorted(failed) == ["gone16", "rieck22a", "su16", "wu16", "zhang19c"]
        assert failed["su16"].startswith("pdf: truncated")
        assert failed["wu16"].startswith("pdf: not a PDF") and "HTML" in failed["wu16"]
        assert failed["zhang19c"].startswith("robots")
        assert failed["rieck22a"].startswith("http 503") and "3 attempts" in failed["rieck22a"]
        assert failed["gone16"].startswith("http 404")
        assert s.pdf_new == N_PMLR - 4
        # the retries happened on the server side
        assert [h.status for h in server.hits(f"{v48}/achim16.pdf")] == [500, 502, 200]
        assert [h.status for h in server.hits(f"{v48}/ok16.pdf")] == [429, 200]
        assert len(server.hits(f"{v48}/lim16.pdf")) == 2
        assert server.hits("/proceedings.mlr.press/v101/zhang19c.pdf") == []
        # every outcome is in the store, nothing else lost
        by_status = {r["id"]: (r["status"], r["error"]) for r in rows(store)}
        assert len(by_status) == N_PMLR + 2
        assert (
            by_status["pmlr:v48/su16"][0] == "failed"
            and "truncated" in by_status["pmlr:v48/su16"][1]
        )
        assert by_status["pmlr:v48/nopdf16"][0] == "no_pdf"
        assert sum(st == "fetched" for st, _ in by_status.values()) == N_PMLR - 4
        for p in store.papers("status = 'fetched'"):
            assert cache.has(p.pdf_sha256) and p.pages and p.pages > 0
        before = rows(store)

        n = len(pdf_gets(server))
        again = crawl(
            store, source, CrawlQuery(), fast_client(server), cache, pdfs=True, progress=False
        )
        assert pdf_gets(server)[n:] == []  # a second run fetches no PDF
        assert (again.pdf_new, again.pdf_cached, again.skipped_failed) == (0, N_PMLR - 4, 5)
        assert again.listed_unchanged == N_PMLR + 2 and rows(store) == before

        retry = crawl(
            store,
            source,
            CrawlQuery(),
            fast_client(server),
            cache,
            pdfs=True,
            progress=False,
            retry_failed=True,
        )
        assert retry.pdf_new == 3  # su16, wu16, rieck22a now served whole
        assert sorted(k.split("/")[-1] for k in retry.pdf_failed) == ["gone16", "zhang19c"]
        assert store.get_paper("pmlr:v48/su16").status == "fetched"
        assert store.get_paper("pmlr:v48/su16").error is None


def test_limit_and_seeded_sample(server, pdfs_dir, tmp_path):
    source = ManifestSource(pdfs_dir / "manifest.csv")
    listed = list(source.iter_papers(None, CrawlQuery()))
    a = [p.id for p in select(listed, sample=7, seed=3)]
    assert a == [p.id for p in select(list(reversed(listed)), sample=7, seed=3)]
    assert a != [p.id for p in select(listed, sample=7, seed=4)]
    assert len(set(a)) == 7
    with Store(tmp_path / "g.duckdb") as store:
        s = crawl(
            store,
            source,
            CrawlQuery(),
            fast_client(server),
            PdfCache(tmp_path),
            pdfs=False,
            sample=7,
            seed=3,
            progress=False,
        )
        assert s.listed_new == 7 and [p.id for p in store.papers()] == sorted(a)
        assert pdf_gets(server) == []  # metadata only
    with Store(tmp_path / "h.duckdb") as store:
        crawl(
            store,
            source,
            CrawlQuery(years=(2016,)),
            fast_client(server),
            PdfCache(tmp_path),
            pdfs=False,
            limit=3,
            progress=False,
        )
        first3 = [p.id for p in listed if p.year == 2016][:3]
        assert [p.id for p in store.papers()] == sorted(first3)


def test_offline_partial_mirror_reports_missing(server, pdfs_dir, tmp_path):
    mirror = tmp_path / "mirror" / "proceedings.mlr.press" / "v48"
    mirror.mkdir(parents=True)
    have = ["abel16", "achim16", "ok16"]
    for name in have[1:]:
        (mirror / f"{name}.pdf").symlink_to(
            pdfs_dir / "mirror/proceedings.mlr.press/v48" / f"{name}.pdf"
        )
    client = PoliteClient(mirror=tmp_path / "mirror", offline=True)
    with Store(tmp_path / "g.duckdb") as store:
        s = crawl(
            store,
            ManifestSource(pdfs_dir / "manifest.csv"),
            CrawlQuery(),
            client,
            PdfCache(tmp_path / "c"),
            pdfs=True,
            progress=False,
        )
        assert s.pdf_new == 2 and len(s.missing_offline) == N_PMLR - 2
        assert s.missing_offline["pmlr:v48/su16"] == "https://proceedings.mlr.press/v48/su16.pdf"
        assert s.pdf_failed == {}
        assert store.get_paper("pmlr:v48/su16").status == "listed"  # not invented, not failed
    assert client.network_requests == 0 and server.log == []


_CHILD = """
import sys
sys.path.insert(0, {tests!r})
from corpus.crawl import crawl
from corpus.http import PoliteClient
from corpus.pdfcache import PdfCache
from corpus.sources.protocol import CrawlQuery
from corpus.store import Store
from loopback import ManifestSource, pmlr_rewrite
with Store({db!r}) as store:
    crawl(store, ManifestSource({manifest!r}), CrawlQuery(),
          PoliteClient(rewrite=pmlr_rewrite({base!r}), interval_s=0), PdfCache({cache!r}),
          pdfs=True, progress=False, batch_size=7)
"""


@pytest.mark.slow
def test_killed_crawl_resumes_to_same_store(server, pdfs_dir, tmp_path):
    manifest = str(pdfs_dir / "manifest.csv")
    db, cache = tmp_path / "killed.duckdb", tmp_path / "cache"
    server.pdf_delay_s = 0.1
    child = subprocess.Popen(
        [
            sys.executable,
            "-c",
            _CHILD.format(
                tests=str(TESTS), db=str(db), base=server.base, manifest=manifest, cache=str(cache)
            ),
        ],
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    deadline = time.monotonic() + 60
    while len(pdf_gets(server)) < 12 and child.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    assert child.poll() is None, "the crawl ended before it could be killed"
    child.send_signal(signal.SIGKILL)
    child.wait()
    server.pdf_delay_s = 0.0

    with Store(db) as store:
        done = len(store.papers("status = 'fetched'"))
        assert 0 < done < N_PMLR
        n = len(pdf_gets(server))
        s = crawl(
            store,
            ManifestSource(manifest),
            CrawlQuery(),
            fast_client(server),
            PdfCache(cache),
            pdfs=True,
            progress=False,
        )
        assert (s.pdf_cached, s.pdf_new) == (done, N_PMLR - done)
        assert len(pdf_gets(server)) - n == N_PMLR - done  # nothing fetched twice
        resumed = rows(store)
    with Store(tmp_path / "straight.duckdb") as store:
        crawl(
            store,
            ManifestSource(manifest),
            CrawlQuery(),
            fast_client(server),
            PdfCache(tmp_path / "cache2"),
            pdfs=True,
            progress=False,
        )
        straight = rows(store)
    assert resumed == straight
    assert len(list((cache / "pdfs").rglob("*.pdf"))) == N_PMLR


# -- the CLI, with the real sources ----------------------------------------------------


def _cli(args: list[str]):
    from click.testing import CliRunner

    from app.cli import cli

    return CliRunner().invoke(cli, args, catch_exceptions=False)


@pytest.fixture
def registry():
    return pytest.importorskip(
        "corpus.sources.registry", reason="corpus.sources.registry not there yet"
    )


def _snapshot(tmp_path, corpus_dir) -> Path:
    snap = tmp_path / "snap"
    (snap / "pdfs").mkdir(parents=True)
    (snap / "pmlr").symlink_to(corpus_dir / "pmlr")
    (snap / "mlanthology").symlink_to(corpus_dir / "mlanthology")
    (snap / "pdfs" / "mirror").symlink_to(corpus_dir / "pdfs" / "mirror")
    return snap


def test_cli_snapshot_crawl_is_offline(registry, corpus_dir, tmp_path, server):
    snap = _snapshot(tmp_path, corpus_dir)
    db = tmp_path / "g.duckdb"
    args = [
        "crawl",
        "pmlr",
        "--snapshot",
        str(snap),
        "--venue",
        "v48",
        "--sample",
        "60",
        "--seed",
        "1",
        "--pdfs",
        "--db",
        str(db),
        "--cache-dir",
        str(tmp_path / "c"),
        "--json",
    ]
    res = _cli(args)
    assert res.exit_code == 0, res.output
    import json

    summary = json.loads(res.output)
    mirrored = {
        f"pmlr:v48/{p.stem}"
        for p in (corpus_dir / "pdfs/mirror/proceedings.mlr.press/v48").glob("*.pdf")
    }
    with Store(db) as store:
        ids = {p.id for p in store.papers()}
        fetched = {p.id for p in store.papers("status = 'fetched'")}
    assert summary["listed_new"] == len(ids) == 60
    assert fetched == ids & mirrored and summary["pdf_new"] == len(fetched)
    assert set(summary["missing_offline"]) == ids - mirrored
    assert server.log == []
    again = json.loads(_cli(args).output)
    assert again["pdf_new"] == 0 and again["pdf_cached"] == len(fetched)


def test_cli_crawl_over_http_prints_failures_and_status(registry, corpus_dir, tmp_path, server):
    db = tmp_path / "g.duckdb"
    res = _cli(
        [
            "crawl",
            "pmlr",
            "--pmlr-dir",
            str(corpus_dir / "pmlr"),
            "--venue",
            "v48",
            "--limit",
            "4",
            "--pdfs",
            "--interval",
            "0",
            "--no-progress",
            "--rewrite",
            f"https://proceedings.mlr.press/={server.base}/proceedings.mlr.press/",
            "--db",
            str(db),
            "--cache-dir",
            str(tmp_path / "c"),
            "--contact",
            "lab@example.org",
        ]
    )
    assert res.exit_code == 0, res.output
    with Store(db) as store:
        papers = store.papers()
    ok = [p for p in papers if p.status == "fetched"]
    bad = [p for p in papers if p.status == "failed"]
    assert len(papers) == 4 and len(ok) + len(bad) == 4
    assert f"pdfs: {len(ok)} new, 0 cached, {len(bad)} failed" in res.output
    for p in bad:
        assert f"failed {p.id}: http 404" in res.output
    assert all("mailto:lab@example.org" in h.headers["User-Agent"] for h in server.log)
    status = _cli(["status", "--db", str(db)])
    assert "ICML" in status.output and f"{len(ok):>9}" in status.output


def test_cli_rejects_conflicting_options(registry, corpus_dir, tmp_path):
    res = _cli(
        [
            "crawl",
            "pmlr",
            "--anthology-dir",
            str(corpus_dir / "acl-anthology/xml"),
            "--db",
            str(tmp_path / "g.duckdb"),
        ]
    )
    assert res.exit_code == 2 and "is for source 'acl'" in res.output
    res = _cli(["crawl", "nosuchsource", "--db", str(tmp_path / "g.duckdb")])
    assert res.exit_code == 2 and "unknown source" in res.output
    res = _cli(["crawl", "pmlr", "--years", "2020-2018", "--db", str(tmp_path / "g.duckdb")])
    assert res.exit_code == 2 and "before" in res.output


def test_cli_ingest(tmp_path, pdfs_dir):
    sub = tmp_path / "sub"
    sub.mkdir()
    (sub / "a.pdf").write_bytes((pdfs_dir / "arxiv2017-howard-mobilenets.pdf").read_bytes())
    (sub / "b.pdf").write_bytes(b"%PDF-1.4 truncated")
    db = tmp_path / "g.duckdb"
    res = _cli(
        [
            "ingest",
            str(sub),
            "--venue",
            "MYCONF",
            "--year",
            "2026",
            "--db",
            str(db),
            "--cache-dir",
            str(tmp_path / "c"),
        ]
    )
    assert res.exit_code == 1, res.output  # a rejected file: recorded, exit 1
    assert "1 new" in res.output and "rejected b.pdf: truncated" in res.output


def test_live_style_crawl_of_mlanthology_uses_conditional_requests(
    registry, corpus_dir, tmp_path, server
):
    """The mlanthology source over HTTP: its JSON from 'GitHub', PDFs from 'PMLR'."""
    path = "/raw.githubusercontent.com/rbnyng/mlanthology/main/data/papers/icml-2016.json.gz"
    server.files[path] = (corpus_dir / "mlanthology/icml-2016.json.gz").read_bytes()
    rewrite = {
        **pmlr_rewrite(server.base),
        "https://raw.githubusercontent.com/": f"{server.base}/raw.githubusercontent.com/",
    }
    source = registry.get_source("mlanthology")
    query = CrawlQuery(venues=("icml",), years=(2016,))
    cache = PdfCache(tmp_path / "c")

    def run(store):
        client = PoliteClient(rewrite=rewrite, cache_dir=cache.root, interval_s=0)
        return crawl(
            store, source, query, client, cache, pdfs=True, sample=12, seed=5, progress=False
        )

    with Store(tmp_path / "g.duckdb") as store:
        first = run(store)
        assert first.listed_new == 12 and first.source_issues == []
        fetched = {p.id for p in store.papers("status = 'fetched'")}
        assert first.pdf_new == len(fetched) and len(first.pdf_failed) == 12 - len(fetched)
        assert all(r.startswith("http 404") for r in first.pdf_failed.values())
        n_pdf = len(pdf_gets(server))
        second = run(store)
    listing = server.hits(path)
    assert [h.status for h in listing] == [200, 304]
    assert "If-None-Match" in listing[1].headers
    assert second.listed_unchanged == 12 and second.pdf_cached == len(fetched)
    assert len(pdf_gets(server)) == n_pdf


def test_cli_snapshot_finds_pdfs_under_their_aliases(registry, corpus_dir, tmp_path):
    # v198 posts name /v198/{id}/{id}.pdf; the mirror stores /v198/{id}.pdf
    import json

    snap = _snapshot(tmp_path, corpus_dir)
    res = _cli(
        [
            "crawl",
            "pmlr",
            "--snapshot",
            str(snap),
            "--venue",
            "v198",
            "--pdfs",
            "--db",
            str(tmp_path / "g.duckdb"),
            "--cache-dir",
            str(tmp_path / "c"),
            "--json",
        ]
    )
    summary = json.loads(res.output)
    on_disk = list((corpus_dir / "pdfs/mirror/proceedings.mlr.press/v198").glob("*.pdf"))
    assert summary["pdf_new"] == len(on_disk) > 0
    assert summary["pdf_new"] + len(summary["missing_offline"]) == summary["listed"]
    assert all(
        u.endswith(f"/{u.rsplit('/', 2)[1]}.pdf") for u in summary["missing_offline"].values()
    )  # reported by their own URL


def test_aliases_tried_only_where_missing(server, pdfs_dir, tmp_path):
    class Nested(ManifestSource):
        """PDF URLs in the nested form the site does not serve here; flat aliases."""

        def iter_papers(self, fetcher, query):
            for p in super().iter_papers(fetcher, query):
                stem = p.pdf_url.rsplit("/", 1)[1][:-4]
                yield Paper(
                    **{
                        **p.__dict__,
                        "pdf_url": p.pdf_url.replace(f"/{stem}.pdf", f"/{stem}/{stem}.pdf"),
                    }
                )

        @staticmethod
        def pdf_url_aliases(url):
            head, stem, _ = url.rsplit("/", 2)
            return [f"{head}/{stem}.pdf"]

    with Store(tmp_path / "g.duckdb") as store:
        s = crawl(
            store,
            Nested(pdfs_dir / "manifest.csv"),
            CrawlQuery(years=(2016,)),
            fast_client(server),
            PdfCache(tmp_path / "c"),
            pdfs=True,
            progress=False,
        )
    assert s.pdf_new == 10 and s.pdf_failed == {}
    nested = [h for h in pdf_gets(server) if h.path.count("/") == 4]
    assert len(nested) == 10 and all(h.status == 404 for h in nested)

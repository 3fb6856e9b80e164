"""Sources through the real HTTP client (corpus.http.PoliteClient) against a loopback server
that serves the real ../shared files: `base_url` points each source at it."""

from __future__ import annotations

import gzip
import shutil

import pytest
from loopback import Loopback

from corpus.http import PoliteClient
from corpus.sources.protocol import CrawlQuery
from corpus.sources.registry import get_source

pytestmark = pytest.mark.shared


@pytest.fixture
def served(tmp_path, corpus_dir):
    xml = corpus_dir / "acl-anthology" / "xml"
    (tmp_path / "xml").mkdir()
    (tmp_path / "xml" / "P18.xml").write_bytes(gzip.decompress((xml / "P18.xml.gz").read_bytes()))
    (tmp_path / "xml" / "N18.xml").write_bytes(b"<collection id='N18'><volume")  # cut short
    saved = corpus_dir / "sites" / "openaccess.thecvf.com" / "CVPR2019.py.browser-saved.html.gz"
    (tmp_path / "CVPR2019").write_bytes(gzip.decompress(saved.read_bytes()))
    shutil.copytree(
        corpus_dir / "mlanthology",
        tmp_path / "papers",
        ignore=lambda d, names: [n for n in names if not n.startswith("icml-2016")],
    )
    server = Loopback(tmp_path)
    yield server
    server.close()


def _client() -> PoliteClient:
    return PoliteClient(interval_s=0.0, max_attempts=1, respect_robots=False)


def test_acl_over_http_with_a_broken_and_a_missing_file(served):
    src = get_source("acl", base_url=f"{served.base}/xml")
    papers = list(src.iter_papers(_client(), CrawlQuery(("acl", "naacl", "emnlp"), (2018,))))
    assert len(papers) == 256 + 125
    assert {h.path for h in served.hits()} >= {"/xml/P18.xml", "/xml/N18.xml", "/xml/D18.xml"}
    msgs = " | ".join(str(i) for i in src.issues)
    assert "N18.xml: malformed XML" in msgs and "D18.xml" in msgs


def test_cvf_and_mlanthology_over_http(served):
    cvf = get_source("cvf", base_url=served.base)
    assert len(list(cvf.iter_papers(_client(), CrawlQuery(("cvpr",), (2019,))))) == 1294
    assert served.hits(suffix="/CVPR2019")[0].path == "/CVPR2019?day=all"
    ml = get_source("mlanthology", base_url=f"{served.base}/papers")
    papers = list(ml.iter_papers(_client(), CrawlQuery(("icml",), (2016,))))
    assert len(papers) == 322 and not ml.issues

"""`extract --executor ray` on a local Ray instance, Parquet parts, `ingest-results`."""

from __future__ import annotations

import hashlib

import duckdb
import pytest
from click.testing import CliRunner

from app.cli import cli
from corpus.pdfcache import PdfCache
from corpus.records import Paper
from corpus.store import Store
from extractors import batch

pytestmark = [pytest.mark.shared, pytest.mark.slow]

REAL = {
    "arxiv:1704.04861": ("arxiv2017-howard-mobilenets.pdf", "ARXIV", 2017),
    "pmlr:v48/achim16": ("mirror/proceedings.mlr.press/v48/achim16.pdf", "ICML", 2016),
    "pmlr:v48/imaizumi16": ("mirror/proceedings.mlr.press/v48/imaizumi16.pdf", "ICML", 2016),
}


def _fill(db, cache_root, pdfs_dir) -> None:
    """Three real papers (two venues) and a corrupt one, all 'fetched'."""
    cache = PdfCache(cache_root)
    with Store(db) as store:
        store.upsert_papers(
            [Paper(pid, "test", venue, year, pid) for pid, (_, venue, year) in REAL.items()]
        )
        store.upsert_papers([Paper("bad:corrupt", "test", "../../etc", 2020, "bad")])
        for pid, (name, _, _) in REAL.items():
            c = cache.put_file(pdfs_dir / name)
            store.set_pdf_state(pid, status="fetched", pdf_sha256=c.sha256, pages=c.pages)
        data = b"%PDF-1.7\n" + b"\x00garbage" * 500 + b"\n%%EOF\n"
        sha = hashlib.sha256(data).hexdigest()
        cache.path_for(sha).parent.mkdir(parents=True, exist_ok=True)
        cache.path_for(sha).write_bytes(data)
        store.set_pdf_state("bad:corrupt", status="fetched", pdf_sha256=sha)


def _tables(db) -> tuple[list, list]:
    with Store(db, read_only=True) as s:
        ext = s.fetchall(
            "SELECT paper_id, extractor_version, status, error IS NULL, pages, "
            "scanned_pages, target, target_method FROM extractions ORDER BY 1"
        )
        fnd = s.fetchall("SELECT * FROM findings ORDER BY paper_id, category, rank")
    return ext, fnd


@pytest.fixture(scope="module")
def ray_local():
    ray = pytest.importorskip(
        "ray",
        reason="Ray is not installed (pip install "
        "'greenlens[ray]'): the Ray executor cannot be tested",
    )
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield ray
    ray.shutdown()


def test_ray_executor_matches_local_pool_and_ingest_is_idempotent(ray_local, tmp_path, pdfs_dir):
    local_db, ray_db = tmp_path / "local.duckdb", tmp_path / "ray.duckdb"
    _fill(local_db, tmp_path / "cache", pdfs_dir)
    _fill(ray_db, tmp_path / "cache", pdfs_dir)
    with Store(local_db) as s:
        batch.extract_store(s, tmp_path / "cache", workers=2, progress=False)
    results = tmp_path / "results"
    out = CliRunner().invoke(
        cli,
        [
            "extract",
            "--db",
            str(ray_db),
            "--cache-dir",
            str(tmp_path / "cache"),
            "--executor",
            "ray",
            "--results-dir",
            str(results),
            "--no-progress",
        ],
    )
    assert out.exit_code == 0, out.output
    assert "4 fetched papers, 3 extracted, 0 already up to date, 1 errors" in out.stdout
    local, distributed = _tables(local_db), _tables(ray_db)
    assert distributed == local
    assert any(r[2] == "error" for r in distributed[0])

    # the parts are Hive-partitioned Parquet DuckDB reads directly; the hostile venue name
    # stays one path component under results/
    con = duckdb.connect()
    venues = con.execute(
        f"SELECT DISTINCT venue FROM read_parquet('{results}/findings/*/*/*.parquet', "
        "hive_partitioning = true) ORDER BY 1"
    ).fetchall()
    assert {v[0] for v in venues} == {"ARXIV", "ICML"}
    assert all(p.resolve().is_relative_to(results.resolve()) for p in results.rglob("*"))
    n_parquet = con.execute(
        f"SELECT count(*) FROM read_parquet('{results}/findings/**/*.parquet')"
    ).fetchall()[0][0]
    assert n_parquet == len(local[1])

    # ingesting the same results again (a driver that died and is rerun) changes nothing
    out = CliRunner().invoke(cli, ["ingest-results", "--db", str(ray_db), str(results)])
    assert out.exit_code == 0, out.output
    assert _tables(ray_db) == local
    # into an emptied store: the parts alone rebuild the tables
    with Store(ray_db) as s:
        s.execute("DELETE FROM findings")
        s.execute("DELETE FROM extractions")
    out = CliRunner().invoke(cli, ["ingest-results", "--db", str(ray_db), str(results)])
    assert out.exit_code == 0, out.output
    assert _tables(ray_db) == local
    # a rerun of the driver finds nothing to do
    out = CliRunner().invoke(
        cli,
        [
            "extract",
            "--db",
            str(ray_db),
            "--cache-dir",
            str(tmp_path / "cache"),
            "--executor",
            "ray",
            "--results-dir",
            str(results),
            "--no-progress",
        ],
    )
    assert "0 extracted, 4 already up to date" in out.stdout


def test_ray_redetection_replaces_only_the_changed_categories(
    ray_local, tmp_path, pdfs_dir, monkeypatch
):
    from extractors import runner
    from extractors.raypool import extract_ray

    db, cache, results = tmp_path / "s.duckdb", tmp_path / "cache", tmp_path / "results"
    _fill(db, cache, pdfs_dir)
    with Store(db) as s:
        assert extract_ray(s, cache, results, progress=False).extracted == 3
        s.execute("UPDATE findings SET evidence = 'stale' WHERE category = 'params'")
    versions, tversion = runner.current_versions()
    bumped = {**versions, "params": versions["params"] + "+next"}
    monkeypatch.setattr(runner, "current_versions", lambda: (dict(bumped), tversion))
    with Store(db) as s:
        again = extract_ray(s, cache, results, progress=False)
    assert (again.extracted, again.redetected, again.rerun) == (3, 3, {"params": 3})
    before = _tables(db)
    assert not any(r[4] == "stale" for r in before[1])
    # the results directory alone (full parts, then the re-detection's) rebuilds the store
    with Store(db) as s:
        s.execute("DELETE FROM findings")
        s.execute("DELETE FROM extractions")
    out = CliRunner().invoke(cli, ["ingest-results", "--db", str(db), str(results)])
    assert out.exit_code == 0, out.output
    assert _tables(db) == before


def test_a_node_that_cannot_see_the_cache_is_a_clear_error(ray_local, tmp_path):
    from corpus.errors import ConfigError
    from extractors.isolate import Limits
    from extractors.raypool import get_result, run_chunk
    from extractors.runner import RunContext

    items = [
        (
            "0" * 64,
            (str(tmp_path / "elsewhere" / "x.pdf"), "t", None),
            [{"id": "p:1", "venue": "V", "year": 2020, "extraction_status": None}],
        )
    ]
    ctx = RunContext("v", tmp_path / "cache", Limits())
    ref = ray_local.remote(num_cpus=1, max_retries=0)(run_chunk).remote(
        items, str(tmp_path / "results"), ctx
    )
    with pytest.raises(ConfigError, match="sees none of this chunk's PDFs"):
        get_result(ray_local, ref)
    assert not (tmp_path / "results").exists()


def test_ingest_results_refuses_a_foreign_or_empty_dir(tmp_path):
    db = tmp_path / "s.duckdb"
    Store(db).close()
    out = CliRunner().invoke(cli, ["ingest-results", "--db", str(db), str(tmp_path)])
    assert out.exit_code != 0 and "no extraction results" in out.output

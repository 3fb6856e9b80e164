"""Re-detection: per-category versions, the stored analysed document, and a run that re-runs
only what changed giving the store a full run would."""

from __future__ import annotations

import hashlib

import pytest

from corpus.pdfcache import PdfCache
from corpus.records import Paper
from extractors import batch, runner
from extractors.detectors import category_versions
from extractors.document import Document, TextUnit
from extractors.extract_pdf import analyse_document, analyse_task
from extractors.layout import build_document
from extractors.pagecache import UnitCache, decode_document, encode_document
from extractors.pdftext import read_pdf
from extractors.runner import FULL, Redo, redo

REAL = (
    "neurips2017-vaswani-transformer.pdf",
    "arxiv2017-howard-mobilenets.pdf",
    "mirror/proceedings.mlr.press/v48/achim16.pdf",
)
ROWS = (
    "SELECT f.*, e.target, e.target_method, e.target_version, e.extractor_version AS ev "
    "FROM findings f JOIN extractions e USING (paper_id) ORDER BY paper_id, category, rank"
)


def _doc() -> Document:
    units = (
        TextUnit(1, "front", "sentence", "A title line."),
        TextUnit(1, "abstract", "sentence", "We train on 8 V100 GPUs."),
        TextUnit(3, "references", "table", "[1] \u00e9 \U0001d400 ref"),
    )
    return Document("x.pdf", 3, ("p1", "", "p3 \ufffe"), units, "T", None, "intro", (2,))


def test_document_round_trip_is_exact():
    doc = _doc()
    back = decode_document(encode_document(doc), "x.pdf")
    assert back == doc
    # units built without TextUnit's __init__ are the same frozen, hashable values
    assert [vars(u) for u in back.units] == [vars(u) for u in doc.units]
    assert {hash(u) for u in back.units} == {hash(u) for u in doc.units}
    with pytest.raises(AttributeError):
        back.units[0].text = "changed"  # type: ignore[misc]
    empty = Document("e.pdf", 0, (), ())
    assert decode_document(encode_document(empty), "e.pdf") == empty


def test_units_out_of_page_order_are_not_cached(tmp_path):
    doc = _doc()
    shuffled = Document(doc.file, doc.pages, doc.page_texts, doc.units[::-1])
    assert encode_document(shuffled) is None
    assert not UnitCache(tmp_path, "9").put("ab" * 32, shuffled)


def test_damaged_unit_entry_is_a_miss(tmp_path):
    cache, sha = UnitCache(tmp_path, "9"), "cd" * 32
    assert cache.get(sha, "x.pdf") is None
    assert cache.put(sha, _doc())
    assert cache.get(sha, "x.pdf") == _doc()
    cache.path_for(sha).write_bytes(b"\x78\x9c garbage")
    assert cache.get(sha, "x.pdf") is None
    assert UnitCache(tmp_path, "10").get(sha, "x.pdf") is None  # another layer version


def test_unwritable_unit_cache_is_not_an_error(tmp_path):
    (tmp_path / "pagetext").write_text("a file where the folder should be")
    assert not UnitCache(tmp_path, "9").put("ab" * 32, _doc())


def _row(**kw) -> dict:
    row = {
        "extraction_status": "ok",
        "extractor_version": runner.EXTRACTOR_VERSION,
        "extraction_error": None,
        "target_version": "t1",
        "category_versions": "a=1\nb=1",
    }
    return {**row, **kw}


def test_redo_reruns_only_what_changed():
    v = {"a": "1", "b": "1"}
    assert redo(_row(), v, "t1") is None
    assert redo(_row(), {"a": "2", "b": "1"}, "t1") == Redo(("a",), False)
    assert redo(_row(), v, "t2") == Redo((), True)
    assert redo(_row(category_versions="a=1\nb="), v, "t1") == Redo(("b",), False)
    assert redo(_row(), {**v, "c": "1"}, "t1") == Redo(("c",), False)  # a new category
    assert redo(_row(), {"a": "1"}, "t1") == FULL  # a category gone: every row replaced
    assert redo(_row(), v, "t1", force=True) == FULL
    assert redo(_row(extraction_status=None), v, "t1") == FULL
    assert redo(_row(extractor_version="pdf1+det6+target/v3"), v, "t1") == FULL
    assert redo(_row(extraction_status="error", extraction_error="corrupt: x"), v, "t1") is None
    assert redo(_row(extraction_status="error", extraction_error="timeout: x"), v, "t1") == FULL
    assert Redo(("a",), False).union(Redo(("b", "a"), True)) == Redo(("a", "b"), True)
    assert Redo(("a",), False).union(FULL) == FULL


def test_versions_name_rules_and_learned_model():
    versions = category_versions()
    assert set(versions) == {
        "flops",
        "energy",
        "runtime",
        "hardware",
        "params",
        "training_curve",
        "search_budget",
    }
    from extractors.detectors import DETECTORS_VERSION, flops
    from extractors.learned import load_model

    assert versions["flops"] == f"det{DETECTORS_VERSION}+{flops.METHOD}"
    for category in load_model().categories:
        assert load_model().method in versions[category]


@pytest.mark.shared
def test_only_some_categories_equal_the_full_analysis(pdfs_dir):
    doc = build_document(read_pdf(pdfs_dir / REAL[1]))
    full = analyse_document(doc)
    some = analyse_document(doc, categories=("hardware", "runtime"), target=False)
    assert some.results == {c: full.results[c] for c in ("runtime", "hardware")}
    assert (some.categories, some.target_rerun, some.target) == (
        ("runtime", "hardware"),
        False,
        "",
    )


def _fill(store, tmp_path, pdfs_dir) -> PdfCache:
    pdf_cache = PdfCache(tmp_path / "cache")
    for i, name in enumerate(REAL):
        cached = pdf_cache.put_file(pdfs_dir / name, paper_id=f"p{i}")
        store.upsert_papers([Paper(f"p{i}", "test", "TEST", 2020, f"paper {i}")])
        store.set_pdf_state(f"p{i}", status="fetched", pdf_sha256=cached.sha256, pages=cached.pages)
    return pdf_cache


_CURRENT = runner.current_versions


def _bumped(monkeypatch, categories=(), target=False):
    versions, tversion = _CURRENT()
    versions = {c: v + ("+next" if c in categories else "") for c, v in versions.items()}
    tversion += "+next" if target else ""
    monkeypatch.setattr(runner, "current_versions", lambda: (dict(versions), tversion))


@pytest.mark.shared
def test_rerun_of_changed_categories_equals_a_full_run(store, tmp_path, pdfs_dir, monkeypatch):
    pdf_cache = _fill(store, tmp_path, pdfs_dir)
    first = batch.extract_store(store, pdf_cache.root, workers=2, progress=False)
    assert (first.extracted, first.redetected) == (3, 0)
    assert store.scalar("SELECT count(*) FROM findings WHERE category_version IS NULL") == 0
    # rows a re-detection must replace (stale), and rows it must leave alone (marked)
    store.execute("UPDATE findings SET evidence = 'stale' WHERE category = 'runtime'")
    store.execute("UPDATE findings SET method = 'kept' WHERE category = 'flops'")
    # only the stored analysed documents can give the findings: PDFs and page text gone
    for pdf in (pdf_cache.root / "pdfs").rglob("*.pdf"):
        pdf.write_bytes(b"%PDF-1.7\n garbage \n%%EOF\n")
    for entry in (pdf_cache.root / "pagetext").rglob("*.json.z"):
        entry.unlink()

    _bumped(monkeypatch, ("runtime", "hardware"))
    again = batch.extract_store(store, pdf_cache.root, workers=2, progress=False)
    assert (again.extracted, again.errors, again.redetected, again.from_text) == (3, 0, 3, 3)
    assert again.rerun == {"runtime": 3, "hardware": 3}
    assert store.scalar("SELECT count(*) FROM findings WHERE evidence = 'stale'") == 0
    assert store.scalar("SELECT count(*) FROM findings WHERE method = 'kept'") > 0
    assert batch.extract_store(store, pdf_cache.root, workers=2, progress=False).extracted == 0

    _bumped(monkeypatch, ("runtime", "hardware"), target=True)
    store.execute("UPDATE extractions SET target = 'stale'")
    target_only = batch.extract_store(store, pdf_cache.root, workers=2, progress=False)
    assert (target_only.redetected, target_only.rerun) == (3, {"target": 3})
    assert store.scalar("SELECT count(*) FROM extractions WHERE target = 'stale'") == 0

    from extractors.detectors import flops

    store.execute("UPDATE findings SET method = ? WHERE method = 'kept'", [flops.METHOD])
    partial = store.fetch_dicts(ROWS)
    full = batch.extract_store(store, pdf_cache.root, workers=2, progress=False, force=True)
    assert (full.extracted, full.redetected) == (3, 0)
    assert store.fetch_dicts(ROWS) == partial
    assert {r["category_version"] for r in partial if r["category"] == "runtime"} == {
        runner.current_versions()[0]["runtime"]
    }


@pytest.mark.shared
def test_task_reads_the_stored_document(tmp_path, pdfs_dir):
    path = pdfs_dir / REAL[0]
    sha = hashlib.sha256(path.read_bytes()).hexdigest()
    first = analyse_task(str(path), None, None, sha, str(tmp_path))
    assert not first.from_cache and UnitCache(tmp_path).path_for(sha).is_file()
    again = analyse_task(str(tmp_path / "gone.pdf"), None, None, sha, str(tmp_path), ("flops",))
    assert again.from_cache and again.results == {"flops": first.results["flops"]}
    whole = analyse_task(str(tmp_path / "gone.pdf"), None, None, sha, str(tmp_path))
    assert (whole.results, whole.target, whole.pages, whole.title) == (
        first.results,
        first.target,
        first.pages,
        first.title,
    )


@pytest.mark.shared
def test_extract_says_what_it_reran(tmp_path, pdfs_dir, monkeypatch):
    from click.testing import CliRunner

    from app.cli import cli
    from corpus.store import Store

    db = tmp_path / "s.duckdb"
    with Store(db) as store:
        _fill(store, tmp_path, pdfs_dir)
    args = ["extract", "--db", str(db), "--cache-dir", str(tmp_path / "cache"), "--no-progress"]
    first = CliRunner().invoke(cli, [*args, "--no-abstracts"])
    assert first.exit_code == 0, first.output
    assert "re-detected" not in first.output
    _bumped(monkeypatch, ("params",), target=True)
    again = CliRunner().invoke(cli, [*args, "--no-abstracts"])
    assert again.exit_code == 0, again.output
    assert "3 extracted" in again.output
    assert "3 of them re-detected" in again.output
    assert "params 3, target 3" in again.output


def _spin(seconds: float) -> str:
    import time

    end = time.monotonic() + seconds
    while time.monotonic() < end:
        pass
    return "late"


def _fail(kind: str):
    if kind == "memory":
        raise MemoryError
    raise KeyError("boom")


def test_inline_tasks_keep_the_time_limit_and_give_one_record_each():
    import signal

    from corpus.errors import PDFError
    from extractors.isolate import Limits, can_run_inline, run_inline

    assert can_run_inline()
    before = signal.getsignal(signal.SIGALRM)
    got = dict(
        run_inline(
            lambda x: x,
            [("ok", (1,))],
            limits=Limits(timeout_s=5),
        )
    )
    assert got == {"ok": 1}
    slow = dict(run_inline(_spin, [("slow", (10,)), ("quick", (0,))], limits=Limits(0.2)))
    assert isinstance(slow["slow"], PDFError) and slow["slow"].reason == "timeout"
    assert slow["quick"] == "late"  # the next task runs with its own limit
    bad = dict(run_inline(_fail, [("key", ("key",)), ("mem", ("memory",))]))
    assert (bad["key"].reason, bad["mem"].reason) == ("corrupt", "memory")
    assert "KeyError" in str(bad["key"])
    assert signal.getsignal(signal.SIGALRM) == before


def test_an_earlier_timer_still_fires_during_inline_tasks():
    import signal

    from extractors.isolate import Limits, run_inline

    class Outer(BaseException):
        pass

    def outer(signum, frame):
        raise Outer

    before = signal.signal(signal.SIGALRM, outer)
    left = signal.setitimer(signal.ITIMER_REAL, 0.3)[0]  # pytest-timeout's, if it runs
    try:
        with pytest.raises(Outer):
            list(run_inline(_spin, [("slow", (5,))], limits=Limits(timeout_s=60)))
        assert signal.getsignal(signal.SIGALRM) is outer
        signal.setitimer(signal.ITIMER_REAL, 30)
        assert list(run_inline(_spin, [("quick", (0,))])) == [("quick", "late")]
        assert 29 < signal.getitimer(signal.ITIMER_REAL)[0] <= 30  # kept running
    finally:
        signal.signal(signal.SIGALRM, before)
        signal.setitimer(signal.ITIMER_REAL, left)


def _plan(redo_of: dict, pages: int = 10) -> runner.Plan:
    tasks = [(sha, ("x.pdf", None, None, None, True)) for sha in redo_of]
    papers = {sha: [{"id": sha, "pages": pages}] for sha in redo_of}
    return runner.Plan([], [], tasks, papers, [], dict(redo_of))


def test_what_runs_in_the_driver():
    from pathlib import Path

    from extractors.isolate import Limits

    ctx = runner.RunContext("v", Path("."), Limits())
    pool = batch.LocalPool(2, inline_work=100)
    one = Redo(("runtime",), False)
    assert pool.inline(_plan({"a": one, "b": Redo((), True)}), ctx, 2)
    assert not pool.inline(_plan({"a": one, "b": FULL}), ctx, 2)  # a full analysis
    assert not pool.inline(_plan({"a": Redo(("runtime", "params"), False)}, 60), ctx, 2)
    assert pool.inline(_plan({"a": Redo(("runtime", "params"), False)}, 60), ctx, 1)
    assert not batch.LocalPool(2, inline_work=0).inline(_plan({"a": one}), ctx, 2)
    no_text = runner.RunContext("v", Path("."), Limits(), text_cache=False)
    assert not pool.inline(_plan({"a": one}), no_text, 2)


@pytest.mark.shared
def test_redetection_in_the_driver_equals_the_pool(store, tmp_path, pdfs_dir, monkeypatch):
    pdf_cache = _fill(store, tmp_path, pdfs_dir)
    batch.extract_store(store, pdf_cache.root, workers=2, progress=False)
    units = UnitCache(pdf_cache.root)
    sha = store.scalar("SELECT pdf_sha256 FROM papers WHERE id = 'p1'")
    units.path_for(sha).unlink()  # no stored document: that paper goes to a worker
    started = []
    real_pool = batch.run_isolated

    def pool(func, tasks, **kw):
        tasks = list(tasks)
        started.extend(t[0] for t in tasks)
        return real_pool(func, tasks, **kw)

    monkeypatch.setattr(batch, "run_isolated", pool)
    _bumped(monkeypatch, ("runtime", "hardware"), target=True)
    inline = runner.run_extraction(store, pdf_cache.root, batch.LocalPool(2), progress=False)
    assert (inline.extracted, inline.redetected, inline.errors) == (3, 3, 0)
    assert started == [sha]  # only the paper without a stored document left the driver
    in_driver = store.fetch_dicts(ROWS)

    store.execute("UPDATE findings SET category_version = 'old' WHERE category = 'runtime'")
    store.execute("UPDATE findings SET evidence = 'stale' WHERE category = 'runtime'")
    store.execute("UPDATE extractions SET target_version = 'old', target = 'stale'")
    started.clear()
    pooled = runner.run_extraction(
        store, pdf_cache.root, batch.LocalPool(2, inline_work=0), progress=False
    )
    assert (pooled.extracted, pooled.redetected, len(started)) == (3, 3, 3)
    assert store.fetch_dicts(ROWS) == in_driver

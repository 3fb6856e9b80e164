"""A small store of REAL data for the analysis and app tests.

Papers: real metadata, read with the corpus library (PMLR volumes v48/v101/v172/v198 from
../shared/corpus/pmlr, every paper of each volume) plus the 68 well-known papers of
../shared/corpus/pdfs/manifest.csv (title, first author, venue, year as the manifest gives).
Findings: until the PDF extractor lands, they are the gold annotations
(extractors/gold/parts/papers.batch*.jsonl: real evidence sentences and pages from the
108 shared PDFs), with value and unit parsed from each sentence by the real
extractors.quantities parsers. Every labelled paper gets an `ok` extraction of VERSION;
a few listed-only papers get a failed extraction or one of an older version, so the
denominator rules are exercised.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

from corpus.records import Paper
from corpus.sources.pmlr import PMLRSource
from corpus.sources.protocol import CrawlQuery
from corpus.store import Store
from extractors import quantities
from extractors.schema import CATEGORIES

REPO = Path(__file__).resolve().parents[1]
GOLD = sorted((REPO / "extractors" / "gold" / "parts").glob("papers.batch*.jsonl"))
VERSION = "gold-pass1"
OLD_VERSION = "gold-pass0"
VOLUMES = ("v48", "v101", "v172", "v198")


def gold_labels() -> dict[str, dict]:
    """file -> gold record (first annotation pass)."""
    out = {}
    for path in GOLD:
        for line in path.read_text().splitlines():
            if line.strip():
                rec = json.loads(line)
                out[rec["file"]] = rec
    return out


def _value(category: str, text: str) -> tuple[float | None, str | None]:
    parser = quantities.PARSERS.get(category)
    found = parser(text) if parser else []
    if category == "runtime":  # accelerator-hours first, as the runtime detector scores them
        found = sorted(found, key=lambda q: q.unit != "GPU-h")
    return (found[0].value, found[0].unit) if found else (None, None)


def real_papers(corpus_dir: Path) -> tuple[list[Paper], dict[str, str]]:
    """Real papers (PMLR volumes + manifest) and the map PDF file -> paper id."""
    pmlr = list(
        PMLRSource().iter_papers(
            None, CrawlQuery(venues=VOLUMES, local_dir=str(corpus_dir / "pmlr"))
        )
    )
    by_id = {p.id: p for p in pmlr}
    file_to_id: dict[str, str] = {}
    extra = []
    with open(corpus_dir / "pdfs" / "manifest.csv", newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            f = row["file"]
            if row.get("pmlr_id"):
                pid = f"pmlr:{row['volume']}/{row['pmlr_id']}"
                if pid in by_id:
                    file_to_id[f] = pid
                    continue
            pid = f"local:{Path(f).stem}"
            file_to_id[f] = pid
            extra.append(
                Paper(
                    id=pid,
                    source="local",
                    venue=row["venue"],
                    year=int(row["year"]),
                    title=row["title"],
                    authors=(row["first_author"],) if row["first_author"] else (),
                )
            )
    return pmlr + extra, file_to_id


def build(path: Path, corpus_dir: Path) -> Path:
    """Write the real store at `path` and return it."""
    papers, file_to_id = real_papers(corpus_dir)
    gold = gold_labels()
    with Store(path) as store:
        store.upsert_papers(papers)
        ext, fnd = [], []
        for f, rec in sorted(gold.items()):
            pid = file_to_id.get(f)
            if pid is None:
                continue
            ext.append((pid, VERSION, "ok", None, rec.get("target")))
            for category in CATEGORIES:
                label = rec["labels"][category]
                evidence = label["evidence"] if label["reported"] else []
                if not evidence:
                    fnd.append(
                        (
                            pid,
                            category,
                            0,
                            bool(label["reported"]),
                            None,
                            None,
                            None,
                            None,
                            "gold:pass1",
                            VERSION,
                        )
                    )
                for rank, ev in enumerate(evidence):
                    value, unit = _value(category, ev["text"])
                    fnd.append(
                        (
                            pid,
                            category,
                            rank,
                            True,
                            ev["text"],
                            ev["page"],
                            value,
                            unit,
                            "gold:pass1",
                            VERSION,
                        )
                    )
        labelled = {e[0] for e in ext}
        unlabelled = [p.id for p in papers if p.id not in labelled]
        # two failed extractions and two of an older version: outside every denominator
        for pid in unlabelled[:2]:
            ext.append((pid, VERSION, "error", "pdf: not fetched", None))
        for pid in unlabelled[2:4]:
            ext.append((pid, OLD_VERSION, "ok", None, "accuracy"))
            for category in CATEGORIES:
                fnd.append(
                    (
                        pid,
                        category,
                        0,
                        True,
                        "older extraction",
                        1,
                        None,
                        None,
                        "gold:pass0",
                        OLD_VERSION,
                    )
                )
        with store.transaction():
            store.executemany(
                "INSERT INTO extractions (paper_id, extractor_version, status, error, target) "
                "VALUES (?, ?, ?, ?, ?)",
                ext,
            )
            store.executemany(
                "INSERT INTO findings (paper_id, category, rank, reported, evidence, page, "
                "value, unit, method, extractor_version) VALUES (?,?,?,?,?,?,?,?,?,?)",
                fnd,
            )
    return path


def add_replication_trials(path: Path, recipe: str = "digits-logreg-C") -> int:
    """Run a real, tiny hyperparameter search (logistic regression on scikit-learn's bundled
    digits data, 5 values of C) under the project's energy monitor and record each trial
    with replication.runs.save_trial, as `greenlens replicate` would. Returns trials saved."""
    import numpy as np
    from sklearn.datasets import load_digits
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import train_test_split

    from replication.meters import EnergyMonitor
    from replication.runs import TrialRow, run_row, save_trial

    x, y = load_digits(return_X_y=True)
    x = x / 16.0  # pixel values 0..16
    xtr, xdev, ytr, ydev = train_test_split(x, y, test_size=0.3, random_state=0)
    monitor = EnergyMonitor()
    with Store(path) as store:
        for trial, c in enumerate(np.logspace(-3, 1, 5)):
            with monitor.window(f"{recipe}-{trial}") as handle:
                model = LogisticRegression(C=float(c), max_iter=100).fit(xtr, ytr)
            m = handle.measurement
            score = float(model.score(xdev, ydev))
            iters = int(np.max(model.n_iter_))
            # one gradient evaluation: 2 x samples x features x classes multiply-adds, x2 FLOPs
            flops = 4.0 * xtr.shape[0] * xtr.shape[1] * len(model.classes_) * iters
            run = run_row(m, kind="trial", command=f"LogisticRegression(C={c:g})")
            save_trial(
                store,
                TrialRow(
                    recipe=recipe,
                    trial=trial,
                    params={"C": float(c)},
                    seed=0,
                    setting={"data": "sklearn digits"},
                    device=m.device,
                    status="done",
                    metric="accuracy",
                    val_metric=score,
                    train_flops=flops,
                    flops_source="estimate: 4 x n x d x classes x iterations",
                    energy_j=m.energy_j,
                    wall_s=m.wall_s,
                    n_train=len(ytr),
                    n_dev=len(ydev),
                    run_id=run["id"],
                ),
                run,
            )
    monitor.close()
    return 5


def cached_store(tmp_path_factory, corpus_dir: Path, *, replication: bool = False) -> Path:
    """The real store, built once per test session (one file with, one without trials)."""
    base = tmp_path_factory.getbasetemp()
    plain = base / "greenlens-real.duckdb"
    if not plain.exists():
        build(plain, corpus_dir)
    if not replication:
        return plain
    with_trials = base / "greenlens-real-trials.duckdb"
    if not with_trials.exists():
        import shutil

        shutil.copy(plain, with_trials)
        add_replication_trials(with_trials)
    return with_trials


EXTRACTED_PDFS = (
    "mirror/proceedings.mlr.press/v48/achim16.pdf",
    "mirror/proceedings.mlr.press/v48/wu16.pdf",
    "mirror/proceedings.mlr.press/v48/su16.pdf",
    "mirror/proceedings.mlr.press/v101/kim19a.pdf",
    "mirror/proceedings.mlr.press/v101/sato19a.pdf",
    "mirror/proceedings.mlr.press/v172/kim22a.pdf",
    "mirror/proceedings.mlr.press/v172/wang22a.pdf",
    "neurips2017-vaswani-transformer.pdf",
    "cvpr2017-chollet-xception.pdf",
    "iccv2015-girshick-fastrcnn.pdf",
)


def build_extracted(path: Path, corpus_dir: Path, cache_dir: Path) -> Path:
    """A store whose findings come from the REAL extractor: a few shared PDFs ingested with
    corpus.ingest (metadata from pdfs/manifest.csv, grouped by venue and year) and
    extracted with extractors.batch.extract_store."""
    from corpus.ingest import ingest_directory
    from corpus.pdfcache import PdfCache
    from extractors.batch import extract_store

    pdfs = corpus_dir / "pdfs"
    with open(pdfs / "manifest.csv", newline="", encoding="utf-8") as fh:
        rows = {r["file"]: r for r in csv.DictReader(fh)}
    groups: dict[tuple[str, int], list[dict]] = {}
    for f in EXTRACTED_PDFS:
        r = rows[f]
        groups.setdefault((r["venue"], int(r["year"])), []).append(r)
    cache = PdfCache(cache_dir)
    with Store(path) as store:
        for (venue, year), members in sorted(groups.items()):
            manifest = path.parent / f"manifest-{venue}-{year}.csv"
            with open(manifest, "w", newline="", encoding="utf-8") as fh:
                w = csv.DictWriter(fh, fieldnames=["file", "id", "title", "authors", "url"])
                w.writeheader()
                for r in members:
                    w.writerow(
                        {
                            "file": r["file"],
                            "id": Path(r["file"]).stem,
                            "title": r["title"],
                            "authors": r.get("authors") or r["first_author"],
                            "url": r.get("url") or "",
                        }
                    )
            ingest_directory(store, cache, pdfs, manifest_csv=manifest, venue=venue, year=year)
        extract_store(store, cache_dir, workers=2, progress=False)
    return path


def cached_extracted_store(tmp_path_factory, corpus_dir: Path) -> Path:
    """The real-extractor store, built once per test session."""
    base = tmp_path_factory.getbasetemp()
    path = base / "greenlens-extracted.duckdb"
    if not path.exists():
        build_extracted(path, corpus_dir, base / "extracted-cache")
    return path

"""Extraction results as Parquet parts (written by remote workers), and their ingestion.

Layout under a results directory, Hive-partitioned so DuckDB reads it directly
(`read_parquet('DIR/findings/*/*/*.parquet', hive_partitioning = true)`):

    DIR/findings/venue=<V>/year=<Y>/part-<chunk>.parquet
    DIR/extractions/venue=<V>/year=<Y>/part-<chunk>.parquet

A chunk's part names derive from the PDFs in it, so a retried chunk overwrites its own
parts instead of adding copies. Each file is written to a temporary name and renamed; the
findings part is written before the extractions part, which thus marks the pair complete.
Ingestion replaces each paper's rows in the store (extractors.sink), so it is idempotent:
ingesting the same directory twice leaves the store as ingesting it once. A re-detection
(extractors.runner.Redo) writes parts of its own (named from the PDFs and what was re-run)
holding only the categories it re-ran; ingestion lays them over the paper's older parts.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import pyarrow as pa
import pyarrow.parquet as pq

from corpus.errors import ConfigError, StoreError
from corpus.http import disk_error
from corpus.store import Store
from extractors.schema import LATER_COLUMNS
from extractors.sink import (
    EXTRACTION_COLS,
    FINDING_COLS,
    extraction_table,
    finding_table,
    replace_extractions,
)

INGEST_BATCH = 2000  # papers per store transaction when ingesting


def chunk_id(shas: list[str]) -> str:
    """A stable name for a chunk of PDFs (the same PDFs, the same part names)."""
    return hashlib.sha256("\n".join(sorted(shas)).encode()).hexdigest()[:20]


def partition_dir(root: Path, table: str, venue: str | None, year: int | None) -> Path:
    """root/table/venue=<V>/year=<Y> with the venue percent-encoded (no '/' or '..')."""
    v = quote(str(venue or "unknown"), safe="") or "unknown"
    if v in (".", ".."):
        v = quote(v, safe="").replace(".", "%2E")
    return Path(root) / table / f"venue={v}" / f"year={int(year) if year is not None else 0}"


def _atomic_parquet(table: pa.Table, path: Path) -> None:
    tmp = path.with_name(f".tmp-{os.getpid()}-{path.name}")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        pq.write_table(table, tmp)
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException as exc:
        try:
            tmp.unlink(missing_ok=True)
        except OSError:
            pass
        if isinstance(exc, OSError):
            raise disk_error(path, exc) from exc
        raise


def write_parts(
    root: str | Path,
    chunk: str,
    extractions: list[dict],
    findings: list[dict],
    where: dict[str, tuple[str, int]],
) -> list[str]:
    """Write one chunk's rows as parts, one pair per (venue, year); return the paths.

    `where[paper_id]` is that paper's (venue, year).
    """
    groups: dict[tuple, tuple[list, list]] = {}
    for row in extractions:
        groups.setdefault(where[row["paper_id"]], ([], []))[0].append(row)
    for row in findings:
        groups.setdefault(where[row["paper_id"]], ([], []))[1].append(row)
    written = []
    for (venue, year), (ext, fnd) in sorted(groups.items(), key=str):
        name = f"part-{chunk}.parquet"
        fpath = partition_dir(Path(root), "findings", venue, year) / name
        epath = partition_dir(Path(root), "extractions", venue, year) / name
        _atomic_parquet(finding_table(fnd), fpath)  # first: the extractions part commits
        _atomic_parquet(extraction_table(ext), epath)
        written.append(str(epath))
    return written


@dataclass(frozen=True)
class IngestResultsSummary:
    """What ingesting a results directory did."""

    parts: int
    papers: int
    skipped_parts: tuple[str, ...] = ()  # incomplete pairs, with the reason


def _findings_of(root: Path, ext_part: Path) -> Path:
    rel = ext_part.relative_to(root / "extractions")
    return root / "findings" / rel


def ingest_parts(
    store: Store, root: str | Path, parts: list[str | Path] | None = None
) -> IngestResultsSummary:
    """Load extraction parts (all under root, or the given ones) into the store, idempotently.

    Where one paper is in several parts (a rerun with other chunks), the newest part wins.
    """
    root = Path(root)
    if not (root / "extractions").is_dir():
        raise ConfigError(f"{root} holds no extraction results (no extractions/ folder)")
    if parts is None:
        found = [p for p in (root / "extractions").rglob("part-*.parquet")]
    else:
        found = [Path(p) for p in parts]
    found.sort(key=lambda p: (p.stat().st_mtime_ns, str(p)))
    latest: dict[str, tuple[dict, dict[str, list[dict]]]] = {}
    skipped = []
    for part in found:
        fpart = _findings_of(root, part)
        try:
            ext = pq.read_table(part).to_pylist()
            fnd = pq.read_table(fpart).to_pylist()
        except (OSError, pa.ArrowException) as exc:
            skipped.append(f"{part}: {exc}")
            continue
        missing_cols = set(EXTRACTION_COLS) - set(ext[0]) - LATER_COLUMNS if ext else set()
        if missing_cols or (fnd and set(FINDING_COLS) - set(fnd[0]) - LATER_COLUMNS):
            skipped.append(f"{part}: not a greenlens results part (columns)")
            continue
        by_paper: dict[str, list[dict]] = {}
        for row in fnd:
            by_paper.setdefault(row["paper_id"], []).append(row)
        for row in ext:
            # a re-detection's part holds only the categories it re-ran: they replace
            # those of the paper's earlier parts; an error, or a full result, replaces all
            pid = row["paper_id"]
            merged = latest[pid][1] if pid in latest and row["status"] == "ok" else {}
            for category in {f["category"] for f in by_paper.get(pid, [])}:
                merged[category] = [f for f in by_paper[pid] if f["category"] == category]
            latest[pid] = (row, merged)
    known = {r[0] for r in store.fetchall("SELECT id FROM papers")}
    unknown = sorted(set(latest) - known)
    if unknown:
        raise StoreError(
            f"{len(unknown)} papers in {root} are not in this store (e.g. "
            f"{unknown[0]!r}): ingest results into the store they came from"
        )
    items = sorted(latest.items())
    for i in range(0, len(items), INGEST_BATCH):
        batch = items[i : i + INGEST_BATCH]
        replace_extractions(
            store,
            extraction_table([e for _, (e, _) in batch]),
            finding_table([f for _, (_, fs) in batch for rows in fs.values() for f in rows]),
        )
    return IngestResultsSummary(len(found) - len(skipped), len(latest), tuple(skipped))

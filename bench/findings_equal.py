"""Findings before/after a change: the same real PDFs through a base revision and this tree.

The base revision's tree (`git archive`, default `main`) and this working tree each run
`analyse_pdf` over every PDF of ../shared/corpus/pdfs in a fresh process; this tree also
runs the cached-text path (`extractors.pagecache`: parse, store the page text, analyse
from the stored text). Every paper's record (pages, title, scanned pages, target, and per
category: reported, method, evidence page/text/value/unit) must be identical.

Usage: .venv/bin/python bench/findings_equal.py [--base REV] [--papers N]
The LAST line is: papers=<n> identical=<n> differing=<n> cached_identical=<n> base=<rev>
(exit status 1 when anything differs).
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PDFS = REPO.parent / "shared" / "corpus" / "pdfs"

# run in a child with PYTHONPATH set to the tree under test; prints one JSON line per PDF
_DUMP = r"""
import hashlib, json, sys, tempfile
try:
    from extractors.extract_pdf import analyse_pdf
except ImportError:  # a base from before the rename
    from extractors.analyse import analyse_pdf
mode, paths = sys.argv[1], sys.argv[2:]
if mode == "cached":
    from pathlib import Path
    from extractors.extract_pdf import analyse_cached
    from extractors.pagecache import PageCache
    cache = PageCache(Path(tempfile.mkdtemp(prefix="gl-pagecache-")))
for path in paths:
    if mode == "cached":
        sha = hashlib.sha256(open(path, "rb").read()).hexdigest()
        analyse_cached(path, cache, sha)  # parses and stores the text
        r = analyse_cached(path, cache, sha)  # from the stored text only
        assert r.from_cache, "second run did not come from the cache"
    else:
        r = analyse_pdf(path)
    out = {"file": path, "pages": r.pages, "title": r.title,
           "scanned": list(r.scanned_pages), "target": [r.target, r.target_method],
           "results": {c: [v.reported, v.method,
                           [[e.page, e.text, e.value, e.unit] for e in v.evidence]]
                       for c, v in r.results.items()}}
    print(json.dumps(out, sort_keys=True), flush=True)
"""


def _dump(tree: Path, paths: list[str], mode: str = "pdf") -> dict[str, dict]:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    proc = subprocess.run(
        [sys.executable, "-c", _DUMP, mode, *paths],
        env=env,
        cwd=tree,
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode:
        sys.exit(f"{tree} ({mode}) failed:\n{proc.stderr[-3000:]}")
    records = [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]
    return {r["file"]: r for r in records}


def _base_tree(rev: str, into: Path) -> str:
    sha = subprocess.run(
        ["git", "-C", str(REPO), "rev-parse", "--short", rev],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    data = subprocess.run(
        ["git", "-C", str(REPO), "archive", sha], capture_output=True, check=True
    ).stdout
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        tar.extractall(into, filter="data")
    return sha


def _differences(base: dict, new: dict) -> list[str]:
    out = []
    for path, rec in base.items():
        other = new.get(path)
        if other != rec:
            keys = sorted(k for k in rec if other is None or rec[k] != other.get(k))
            out.append(f"{Path(path).name}: {', '.join(keys) if other else 'missing'}")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", default="main", help="git revision to compare against")
    parser.add_argument("--papers", type=int, default=0, help="PDFs to use (default: all)")
    args = parser.parse_args()
    if not PDFS.exists():
        sys.exit(f"needs the real PDFs at {PDFS}")
    with (PDFS / "manifest.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    paths = [str(PDFS / r["file"]) for r in rows[: args.papers or None]]
    with tempfile.TemporaryDirectory(prefix="greenlens-base-") as tmp:
        sha = _base_tree(args.base, Path(tmp))
        base = _dump(Path(tmp), paths)
    new = _dump(REPO, paths)
    cached = _dump(REPO, paths, "cached")
    diff, cdiff = _differences(base, new), _differences(base, cached)
    findings = sum(len(v[2]) for r in base.values() for v in r["results"].values())
    print(
        f"{len(base)} papers, {sum(r['pages'] for r in base.values())} pages, "
        f"{findings} evidence items in the base ({sha})"
    )
    for line in diff:
        print(f"  differs (PDF path): {line}")
    for line in cdiff:
        print(f"  differs (cached-text path): {line}")
    print(
        f"papers={len(base)} identical={len(base) - len(diff)} differing={len(diff)} "
        f"cached_identical={len(base) - len(cdiff)} base={sha}"
    )
    sys.exit(1 if diff or cdiff else 0)


if __name__ == "__main__":
    main()

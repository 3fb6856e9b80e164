"""`--snapshot DIR`: crawl offline from a local copy laid out like ../shared/corpus.

Layout: `acl-anthology/xml/*.xml` (source acl), `mlanthology/*.json.gz` (mlanthology),
`pmlr/v*/` (pmlr), and `pdfs/mirror/<host>/<path>` holding PDFs as `wget --mirror` writes
them. The metadata folder becomes the source's `local_dir`; the mirror is read before the
network, and the crawl runs offline (a PDF not in the mirror is reported, never fetched).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from corpus.errors import ConfigError

# Source name -> its metadata folder inside a snapshot.
SNAPSHOT_DIRS: dict[str, str] = {
    "acl": "acl-anthology/xml",
    "mlanthology": "mlanthology",
    "pmlr": "pmlr",
}
MIRROR_DIR = "pdfs/mirror"


@dataclass(frozen=True)
class SnapshotInputs:
    """Where a source reads from in a snapshot: metadata folder (or None) and PDF mirror."""

    local_dir: Path | None
    mirror: Path | None
    offline: bool = True


def snapshot_inputs(snapshot: str | Path, source_name: str) -> SnapshotInputs:
    """The inputs a crawl of source_name takes from the snapshot at `snapshot`."""
    root = Path(snapshot)
    if not root.is_dir():
        raise ConfigError(f"snapshot {root} is not a directory")
    local = None
    if source_name in SNAPSHOT_DIRS:
        local = root / SNAPSHOT_DIRS[source_name]
        if not local.is_dir():
            raise ConfigError(
                f"snapshot {root} has no {SNAPSHOT_DIRS[source_name]}/ for source {source_name!r}"
            )
    mirror = root / MIRROR_DIR
    return SnapshotInputs(local, mirror if mirror.is_dir() else None)

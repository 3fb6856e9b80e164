"""Shared fixtures: where ../shared is, a fresh store, an artifacts folder."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("GREENLENS_SHARED", REPO.parent / "shared"))
CORPUS = SHARED / "corpus"


@pytest.fixture(autouse=True, scope="session")
def _warm_cache_in_a_temporary_folder(tmp_path_factory):
    """The suite (and the processes it starts) keeps extractors.warmcache's files in a
    folder of its own, not in the user's cache."""
    before = os.environ.get("GREENLENS_WARM_CACHE")
    os.environ["GREENLENS_WARM_CACHE"] = str(tmp_path_factory.mktemp("warm"))
    yield
    if before is None:
        del os.environ["GREENLENS_WARM_CACHE"]
    else:
        os.environ["GREENLENS_WARM_CACHE"] = before


def _need(path: Path) -> Path:
    if not path.exists():
        pytest.skip(
            f"needs the real data at {path} (../shared beside the repo, or set "
            f"GREENLENS_SHARED); absent here"
        )
    return path


def need_dir(path: Path, what: str) -> Path:
    """`path` if it is a folder, else skip the test naming `what` is absent there."""
    if not path.is_dir():
        pytest.skip(f"needs {what} at {path}; absent here")
    return path


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """../shared (skips the test where it is absent)."""
    return _need(SHARED)


@pytest.fixture(scope="session")
def corpus_dir() -> Path:
    """../shared/corpus (skips the test where it is absent)."""
    return _need(CORPUS)


@pytest.fixture(scope="session")
def pdfs_dir() -> Path:
    """../shared/corpus/pdfs (skips the test where it is absent)."""
    return _need(CORPUS / "pdfs")


@pytest.fixture
def store(tmp_path):
    """A fresh, migrated store in a temp dir."""
    from corpus.store import Store

    with Store(tmp_path / "test.duckdb") as s:
        yield s


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    """Where tests save screenshots and other artifacts ($GREENLENS_ARTIFACTS)."""
    path = Path(os.environ.get("GREENLENS_ARTIFACTS", REPO / "test-artifacts"))
    path.mkdir(parents=True, exist_ok=True)
    return path


def second_pass_by_split(first: Path, second: Path) -> dict[str, tuple[int, int]]:
    """Per split of the PMLR gold file `first`: (papers also in the second-pass file
    `second`, papers); fails if the second pass has a paper the first lacks."""
    from extractors.gold.agreement import compare, load_gold
    from extractors.gold.pmlr_sample import load_gold_papers

    report = compare(load_gold(first), load_gold(second))
    assert not report.only_second, report.only_second
    splits = {p["file"]: p["split"] for p in load_gold_papers(first)}
    return {
        split: (
            sum(splits[f] == split for f in report.common),
            sum(s == split for s in splits.values()),
        )
        for split in sorted(set(splits.values()))
    }


def drawn_from_clones(*draws, not_papers: frozenset[str] = frozenset()) -> set[tuple]:
    """(volume, id, stratum) of every paper the seeded PMLR `draws` (pmlr_sample
    StratifiedDraw records) draw from the clones, less the `not_papers` files; skips the
    test where the clones are absent."""
    from extractors.gold.pmlr_sample import DEFAULT_REPOS_DIR, pdf_text

    repos = need_dir(
        DEFAULT_REPOS_DIR, "clones of the PMLR volumes (vNN/ folders; GREENLENS_PMLR_REPOS)"
    )

    def text_of(rec):
        return pdf_text(repos, rec)

    return {
        (d.volume, d.id, d.stratum)
        for draw in draws
        for d in draw.draw(repos, text_of)
        if d.file not in not_papers
    }

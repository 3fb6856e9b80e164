"""The seeded draw of PMLR papers for the unseen-venue gold set, and the command that
rebuilds their PDF folder from clones of the volumes' public repositories.

PMLR publishes each volume as `github.com/mlresearch/vNN` (a `_posts/*.md` per paper, the
PDFs beside). `draw` picks papers uniformly at random within each volume (stratum
`random`), then an enriched stratum from the volumes' remaining papers whose text names
FLOPs or energy (stratum `flops_energy_candidates`): the keyword is only the frame, every
paper is labelled by reading it. Reserved volumes (kept for independent evaluation) are
refused.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import re
import shutil
import subprocess
from dataclasses import asdict, dataclass
from pathlib import Path

from extractors.gold import GOLD_DIR, PAPER_FILES

SEED = 20261207
GOLD_FILE = Path(__file__).resolve().parent / "papers_pmlr.jsonl"
# where the PMLR gold PDFs are rebuilt (beside the repo, like ../shared)
DEFAULT_PDF_DIR = Path(
    os.environ.get("GREENLENS_GOLD_PDFS", Path(__file__).resolve().parents[3] / "gold-pdfs")
)
# where clones of the PMLR volumes (vNN/ folders) are looked for when no path is given
DEFAULT_REPOS_DIR = Path(
    os.environ.get("GREENLENS_PMLR_REPOS", Path(__file__).resolve().parents[3] / "pmlr-repos")
)


def default_repos() -> Path | None:
    """$GREENLENS_PMLR_REPOS or ../pmlr-repos beside the repo, where it exists."""
    return DEFAULT_REPOS_DIR if DEFAULT_REPOS_DIR.is_dir() else None


# Reserved for independent evaluation: never drawn from.
RESERVED = frozenset(
    {
        "v100",
        "v115",
        "v124",
        "v155",
        "v161",
        "v164",
        "v180",
        "v205",
        "v216",
        "v229",
        "v48",
        "v101",
        "v172",
        "v198",
    }
)
# volume -> (venue, community, year); the draw's frame
VOLUMES: dict[str, tuple[str, str, int]] = {
    "v37": ("ICML", "general ML", 2015),
    "v54": ("AISTATS", "probabilistic ML", 2017),
    "v65": ("COLT", "ML theory", 2017),
    "v87": ("CoRL", "RL and robotics", 2018),
    "v102": ("MIDL", "medical imaging", 2019),
    "v121": ("MIDL", "medical imaging", 2020),
    "v129": ("ACML", "general ML", 2020),
    "v144": ("L4DC", "learning for control", 2021),
    "v158": ("ML4H", "ML for health", 2021),
    "v189": ("ACML", "general ML", 2022),
    "v224": ("AutoML", "systems/efficiency (AutoML)", 2023),
    "v231": ("LoG", "graphs", 2023),
    "v242": ("L4DC", "learning for control", 2024),
}
PER_VOLUME = 23
ENRICHED = 26
# Round 4: two venues no rule writer or model has read (no abstract of theirs is in the
# abstract gold either); every paper drawn is held out (split `test`).
ROUND4_FILE = GOLD_FILE.with_name("papers_pmlr_r4.jsonl")
ROUND4_SEED = 20261211
ROUND4_VOLUMES: dict[str, tuple[str, str, int]] = {
    "v199": ("CoLLAs", "continual learning", 2022),
    "v177": ("CLeaR", "causal learning", 2022),
}
ROUND4_PER_VOLUME = 20


@dataclass(frozen=True)
class StratifiedDraw:
    """One seeded draw of `draw_stratified`: `per_volume` random papers of each of
    `volumes`, then up to `enriched` FLOPs/energy candidates from `enrich_volumes`
    (default: `volumes`) in the order of `enrich_seed` (default: `seed`)."""

    volumes: dict[str, tuple[str, str, int]]
    per_volume: int
    seed: int
    enriched: int = 0
    enrich_volumes: dict[str, tuple[str, str, int]] | None = None
    enrich_seed: int | None = None

    def draw(self, repos: Path, text_of=None) -> list[DrawnPaper]:
        """The drawn papers (`text_of(rec)`: a paper's text, for the enriched stratum)."""
        return draw_stratified(
            repos,
            self.volumes,
            self.per_volume,
            self.seed,
            self.enriched,
            self.enrich_volumes,
            self.enrich_seed,
            text_of,
        )


# Round 5: a larger draw in two parts. The test part (sealed: scored once, by the lead, at
# the end of the round) is drawn from four volumes nobody tuned on, random within each
# volume, plus an enriched FLOPs/energy stratum from those volumes' remaining papers and
# two more volumes. The dev part (read, trained on) comes from ten other volumes.
ROUND5_FILE = GOLD_FILE.with_name("papers_pmlr_r5.jsonl")
ROUND5_TEST_VOLUMES: dict[str, tuple[str, str, int]] = {
    "v78": ("CoRL", "RL and robotics", 2017),
    "v138": ("PGM", "probabilistic graphical models", 2020),
    "v182": ("MLHC", "ML for health", 2022),
    "v234": ("CPAL", "parsimony and efficiency", 2024),
}
ROUND5_TEST_ENRICH_VOLUMES: dict[str, tuple[str, str, int]] = {
    **ROUND5_TEST_VOLUMES,
    "v188": ("AutoML-Conf", "systems/efficiency (AutoML)", 2022),
    "v157": ("ACML", "general ML", 2021),
}
ROUND5_DEV_VOLUMES: dict[str, tuple[str, str, int]] = {
    "v84": ("AISTATS", "probabilistic ML", 2018),
    "v95": ("ACML", "general ML", 2018),
    "v143": ("MIDL", "medical imaging", 2021),
    "v149": ("MLHC", "ML for health", 2021),
    "v211": ("L4DC", "learning for control", 2023),
    "v32": ("ICML", "general ML", 2014),
    "v222": ("ACML", "general ML", 2023),
    "v227": ("MIDL", "medical imaging", 2023),
    "v174": ("CHIL", "ML for health", 2022),
    "v193": ("ML4H", "ML for health", 2022),
}
# the sealed test draw (split `test`) and the dev draw (split `dev`: read, trained on)
ROUND5_TEST = StratifiedDraw(
    ROUND5_TEST_VOLUMES,
    per_volume=20,
    seed=20261212,
    enriched=15,
    enrich_volumes=ROUND5_TEST_ENRICH_VOLUMES,
    enrich_seed=20261214,
)
ROUND5_DEV = StratifiedDraw(ROUND5_DEV_VOLUMES, per_volume=20, seed=20261213, enriched=12)
# Round 6, draw A: dev only (more labelled papers to learn from).
ROUND6_FILE = GOLD_FILE.with_name("papers_pmlr_r6.jsonl")
ROUND6A_DEV = StratifiedDraw(
    {
        "v120": ("L4DC", "learning for control", 2020),
        "v178": ("COLT", "learning theory", 2022),
        "v219": ("MLHC", "ML for health", 2023),
        "v225": ("ML4H", "ML for health", 2023),
        "v232": ("CoLLAs", "continual learning", 2023),
        "v233": ("NLDL", "deep learning", 2024),
        "v236": ("CLeaR", "causal ML", 2024),
    },
    per_volume=20,
    seed=20261207,
    enriched=12,
)
# Round 6, draw B: dev only, communities the earlier draws had little of (NLP, vision and
# representation learning, AutoML, scientific ML, competitions).
ROUND6B_DEV = StratifiedDraw(
    {
        "v243": ("UniReps", "representation learning", 2023),
        "v228": ("AutoML-Conf", "systems/efficiency", 2023),
        "v203": ("TL4NLP", "NLP", 2022),
        "v145": ("MSML", "scientific ML", 2021),
        "v176": ("NeurIPS Competitions", "benchmarks and competitions", 2021),
        "v220": ("NeurIPS Competitions", "benchmarks and competitions", 2022),
        "v168": ("L4DC", "learning for control", 2022),
        "v126": ("MLHC", "ML for health", 2020),
        "v197": ("NeurReps", "geometric deep learning", 2022),
        "v210": ("GMML", "vision and eye tracking", 2022),
    },
    per_volume=20,
    seed=20261208,
    enriched=12,
)
# Round 6, draw C: a second sealed test split (scored once, after every choice of the
# round; nobody reads its misses), 8 venue-years no one had labelled.
ROUND6_TEST = StratifiedDraw(
    {
        "v106": ("MLHC", "ML for health", 2019),
        "v107": ("MSML", "scientific ML", 2020),
        "v133": ("NeurIPS Competitions", "benchmarks and competitions", 2020),
        "v136": ("ML4H", "ML for health", 2020),
        "v137": ("ICBINB", "deep learning", 2020),
        "v148": ("Prereg", "general ML", 2020),
        "v194": ("GeoMedIA", "medical imaging", 2022),
        "v201": ("ALT", "learning theory", 2023),
    },
    per_volume=20,
    seed=20261209,
    enriched=12,
)
# Round 7: a dev draw (read, trained on) from 10 more volumes nobody had labelled, for the
# categories whose learning curve was still rising (search_budget, training_curve).
ROUND7_FILE = GOLD_FILE.with_name("papers_pmlr_r7.jsonl")
ROUND7_DEV = StratifiedDraw(
    {
        "v63": ("ACML", "general ML", 2016),
        "v77": ("ACML", "general ML", 2017),
        "v68": ("MLHC", "ML for health", 2017),
        "v85": ("MLHC", "ML for health", 2018),
        "v209": ("CHIL", "ML for health", 2023),
        "v72": ("PGM", "probabilistic ML", 2018),
        "v118": ("AABI", "probabilistic ML", 2019),
        "v123": ("NeurIPS Competitions", "benchmarks and competitions", 2019),
        "v116": ("ML4H", "ML for health", 2019),
        "v190": ("MSML", "scientific ML", 2022),
    },
    per_volume=20,
    seed=20261214,
    enriched=12,
)
# drawn, but not research papers: blank PMLR publication agreement forms in the volume's
# repository (v232, v133) and volume prefaces: left out
ROUND6_NOT_PAPERS = frozenset(
    {
        "pmlr/v232/du23b.pdf",
        "pmlr/v232/hemati23b.pdf",
        "pmlr/v232/nekoei23b.pdf",
        "pmlr/v243/fumero24a.pdf",
        "pmlr/v220/ciccone23a.pdf",
        "pmlr/v210/lourentzou23a.pdf",
        "pmlr/v133/agarwal21a.pdf",
        "pmlr/v133/agarwal21b.pdf",
        "pmlr/v133/escalante21a.pdf",
        "pmlr/v148/bertinetto21a.pdf",
        "pmlr/v194/bekkers22a.pdf",
    }
)
# drawn in round 7, not research papers: volume prefaces and organisers' front matter
ROUND7_NOT_PAPERS = frozenset(
    {
        "pmlr/v77/zhang17a.pdf",
        "pmlr/v123/escalante20a.pdf",
        "pmlr/v116/dalca20a.pdf",
        "pmlr/v209/mortazavi23a.pdf",
    }
)
ENRICH_PATTERN = re.compile(
    r"\b(?:[GTMP]?FLOPs?|MACs|multiply-accumulates?|mult-adds|kWh|CO2e?|carbon emissions?|"
    r"energy consumption|joules?)\b"
)


@dataclass(frozen=True)
class DrawnPaper:
    """One drawn paper: where it comes from and how it was drawn."""

    volume: str
    id: str
    venue: str
    community: str
    year: int
    repo_path: str  # the PDF's path inside mlresearch/<volume>
    url: str
    stratum: str

    @property
    def file(self) -> str:
        """The PDF's path relative to the rebuilt gold PDF folder."""
        return f"pmlr/{self.volume}/{self.id}.pdf"


def _drawn(
    volume: str, meta: tuple[str, str, int], pid: str, path: str, stratum: str
) -> DrawnPaper:
    """A drawn paper of `volume` (meta: venue, community, year) with its proceedings URL."""
    url = f"https://proceedings.mlr.press/{volume}/{pid}/{pid}.pdf"
    return DrawnPaper(volume, pid, *meta, path, url, stratum)


def _git(repo: Path, *args: str) -> bytes:
    return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True).stdout


def _tree(repo: Path) -> list[str]:
    """Paths at HEAD whose content is present (a snapshot may list large files it lacks)."""
    paths = _git(repo, "ls-tree", "-r", "--name-only", "HEAD").decode().splitlines()
    if (repo / ".git").exists() or not (repo / "HEAD").exists():
        return [p for p in paths if (repo / p).exists()]
    query = "".join(f"HEAD:{p}\n" for p in paths).encode()
    out = (
        subprocess.run(
            ["git", "-C", str(repo), "cat-file", "--batch-check"],
            input=query,
            check=True,
            capture_output=True,
        )
        .stdout.decode()
        .splitlines()
    )
    return [p for p, line in zip(paths, out, strict=True) if not line.endswith(" missing")]


def volume_papers(repo: Path, volume: str) -> list[tuple[str, str]]:
    """(id, PDF path in the repo) of every paper with a post and its main PDF present."""
    files = _tree(repo)
    pdfs = {Path(f).name: f for f in files if f.endswith(".pdf") and "-supp" not in f}
    out = []
    for f in sorted(files):
        if f.startswith("_posts/") and f.endswith(".md"):
            pid = re.sub(r"^\d{4}-\d{2}-\d{2}-", "", Path(f).stem)
            if f"{pid}.pdf" in pdfs:
                out.append((pid, pdfs[f"{pid}.pdf"]))
    return out


def repo_dir(repos: Path, volume: str) -> Path:
    """A volume's git directory under `repos`: `vNN/` (a clone) or `mlresearch+vNN/repo`."""
    for cand in (repos / volume, repos / f"mlresearch+{volume}" / "repo"):
        if cand.exists():
            return cand
    raise FileNotFoundError(f"no clone of mlresearch/{volume} under {repos}")


def draw(repos: Path, text_of=None) -> list[DrawnPaper]:
    """The seeded draw: PER_VOLUME random papers per volume, then ENRICHED candidates."""
    rng = random.Random(SEED)
    drawn: list[DrawnPaper] = []
    rest: list[DrawnPaper] = []
    for volume, meta in VOLUMES.items():
        assert volume not in RESERVED, volume
        papers = volume_papers(repo_dir(repos, volume), volume)
        picks = set(rng.sample(range(len(papers)), min(PER_VOLUME, len(papers))))
        for i, (pid, path) in enumerate(papers):
            rec = _drawn(volume, meta, pid, path, "random" if i in picks else "")
            (drawn if i in picks else rest).append(rec)
    if text_of is not None:
        rng.shuffle(rest)
        for rec in rest:
            if sum(d.stratum != "random" for d in drawn) >= ENRICHED:
                break
            if ENRICH_PATTERN.search(text_of(rec) or ""):
                drawn.append(DrawnPaper(**{**asdict(rec), "stratum": "flops_energy_candidates"}))
    return drawn


def draw_round4(repos: Path) -> list[DrawnPaper]:
    """Round 4's seeded draw: ROUND4_PER_VOLUME random papers of each unseen volume."""
    return draw_stratified(repos, ROUND4_VOLUMES, ROUND4_PER_VOLUME, ROUND4_SEED)


def draw_stratified(
    repos: Path,
    volumes: dict[str, tuple[str, str, int]],
    per_volume: int,
    seed: int,
    enriched: int = 0,
    enrich_volumes: dict[str, tuple[str, str, int]] | None = None,
    enrich_seed: int | None = None,
    text_of=None,
) -> list[DrawnPaper]:
    """`per_volume` random papers of each volume (stratum `random`), then up to `enriched`
    papers whose text matches ENRICH_PATTERN, drawn in a seeded order from the enrichment
    volumes' papers not already drawn (stratum `flops_energy_candidates`)."""
    rng = random.Random(seed)
    drawn: list[DrawnPaper] = []
    for volume, meta in volumes.items():
        assert volume not in RESERVED, volume
        papers = volume_papers(repo_dir(repos, volume), volume)
        for i in sorted(rng.sample(range(len(papers)), min(per_volume, len(papers)))):
            drawn.append(_drawn(volume, meta, *papers[i], "random"))
    if not enriched or text_of is None:
        return drawn
    taken = {(d.volume, d.id) for d in drawn}
    enrich_volumes = enrich_volumes or volumes
    assert not set(enrich_volumes) & RESERVED, set(enrich_volumes) & RESERVED
    rest = [
        _drawn(volume, meta, pid, path, "flops_energy_candidates")
        for volume, meta in enrich_volumes.items()
        for pid, path in volume_papers(repo_dir(repos, volume), volume)
        if (volume, pid) not in taken
    ]
    random.Random(enrich_seed if enrich_seed is not None else seed).shuffle(rest)
    picked = 0
    for rec in rest:
        if picked >= enriched:
            break
        if ENRICH_PATTERN.search(text_of(rec) or ""):
            drawn.append(rec)
            picked += 1
    return drawn


def pdf_text(repos: Path, rec: DrawnPaper) -> str:
    """The PDF's whole text (pypdfium2), or '' where it does not open: the enrichment frame."""
    import pypdfium2 as pdfium

    try:
        pdf = pdfium.PdfDocument(pdf_bytes(repos, rec))
    except Exception:  # noqa: BLE001 - an unreadable PDF is simply outside the frame
        return ""
    try:
        return "\n".join(page.get_textpage().get_text_range() for page in pdf)
    finally:
        pdf.close()


def pdf_bytes(repos: Path, rec: DrawnPaper) -> bytes:
    """The PDF's bytes from the volume's clone (a checkout or a bare snapshot)."""
    repo = repo_dir(repos, rec.volume)
    if (repo / rec.repo_path).is_file():
        return (repo / rec.repo_path).read_bytes()
    return _git(repo, "show", f"HEAD:{rec.repo_path}")


def rebuild(repos: Path, out_dir: Path, papers: list[dict]) -> tuple[int, list[str]]:
    """Write each gold paper's PDF to out_dir/<file>, checking its sha256; (written, problems)."""
    written, problems = 0, []
    for p in papers:
        rec = DrawnPaper(
            p["volume"],
            p["id"],
            p.get("venue", ""),
            "",
            p.get("year", 0),
            p["repo_path"],
            p.get("url", ""),
            p.get("stratum", ""),
        )
        dest = out_dir / rec.file
        try:
            data = pdf_bytes(repos, rec)
        except (FileNotFoundError, subprocess.CalledProcessError) as exc:
            problems.append(f"{rec.file}: {exc}")
            continue
        if hashlib.sha256(data).hexdigest() != p["sha256"]:
            problems.append(f"{rec.file}: sha256 differs from the gold file's")
            continue
        dest.parent.mkdir(parents=True, exist_ok=True)
        tmp = dest.with_suffix(".part")
        tmp.write_bytes(data)
        shutil.move(tmp, dest)
        written += 1
    return written, problems


def load_all_gold_papers() -> list[dict]:
    """Every PMLR gold record: each PMLR file of `extractors.gold.PAPER_FILES` present."""
    files = tuple(GOLD_DIR / name for name in PAPER_FILES if name.startswith("papers_pmlr"))
    return [p for f in files if f.is_file() for p in load_gold_papers(f)]


def load_gold_papers(path: Path = GOLD_FILE) -> list[dict]:
    """The PMLR gold records (one per paper, with volume, id, url, sha256, split)."""
    return [
        json.loads(line)
        for line in Path(path).read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]

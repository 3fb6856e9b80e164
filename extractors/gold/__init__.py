"""Gold annotations: sampling, validation and inter-annotator agreement."""

from pathlib import Path

GOLD_DIR = Path(__file__).resolve().parent
# every gold paper file: papers.jsonl's PDFs are ../shared/corpus/pdfs, the PMLR files'
# (rounds 3-7) are rebuilt by `greenlens gold rebuild-pdfs`
PAPER_FILES = (
    "papers.jsonl",
    "papers_pmlr.jsonl",
    "papers_pmlr_r4.jsonl",
    "papers_pmlr_r5.jsonl",
    "papers_pmlr_r6.jsonl",
    "papers_pmlr_r7.jsonl",
)
# Round 5 retired the test papers of these files to validation (their aggregate figures
# choose between methods); the sealed test split is round 5's own.
VALIDATION_FILES = frozenset({"papers.jsonl", "papers_pmlr.jsonl", "papers_pmlr_r4.jsonl"})
SPLITS = ("dev", "val", "test")


def split_name(file_name: str, stored: str) -> str:
    """A gold paper's split: `stored` (dev|test, as its file or paper_splits.json says),
    with the test papers of the validation files called `val`."""
    return "val" if stored == "test" and Path(file_name).name in VALIDATION_FILES else stored


def paper_sources(shared_pdfs: Path, pmlr_pdfs: Path) -> list[tuple[Path, Path]]:
    """(gold file, the folder its `file` fields are relative to) for every gold paper file."""
    return [(GOLD_DIR / name, pdf_folder(name, shared_pdfs, pmlr_pdfs)) for name in PAPER_FILES]


def pdf_folder(name: str, shared_pdfs: Path, pmlr_pdfs: Path) -> Path:
    """The PDF folder of the gold paper file called `name`."""
    return Path(pmlr_pdfs) if name.startswith("papers_pmlr") else Path(shared_pdfs)

"""Gold annotations: sampling, validation and inter-annotator agreement."""

from pathlib import Path

GOLD_DIR = Path(__file__).resolve().parent
# every gold paper file: papers.jsonl's PDFs are ../shared/corpus/pdfs, the PMLR files'
# (rounds 3 and 4) are rebuilt by `greenlens gold rebuild-pdfs`
PAPER_FILES = ("papers.jsonl", "papers_pmlr.jsonl", "papers_pmlr_r4.jsonl")


def paper_sources(shared_pdfs: Path, pmlr_pdfs: Path) -> list[tuple[Path, Path]]:
    """(gold file, the folder its `file` fields are relative to) for every gold paper file."""
    return [(GOLD_DIR / name, pdf_folder(name, shared_pdfs, pmlr_pdfs)) for name in PAPER_FILES]


def pdf_folder(name: str, shared_pdfs: Path, pmlr_pdfs: Path) -> Path:
    """The PDF folder of the gold paper file called `name`."""
    return Path(pmlr_pdfs) if name.startswith("papers_pmlr") else Path(shared_pdfs)

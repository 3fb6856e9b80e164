"""PDF text on real papers: pages, reading order, sections, captions, tables, sentences."""

from __future__ import annotations

import csv
from functools import lru_cache

import pdfmaker
import pytest

from corpus.errors import PDFError
from extractors.layout import build_document
from extractors.pdftext import read_pdf
from extractors.sentences import split_sentences
from extractors.textnorm import normalize_ws

pytestmark = pytest.mark.shared

BERT = "naacl2019-devlin-bert.pdf"  # two columns (ACL style)
TRANSFORMER = "neurips2017-vaswani-transformer.pdf"  # one column (NeurIPS style)
ICML16 = "mirror/proceedings.mlr.press/v48/achim16.pdf"  # two columns (ICML style)


@lru_cache(maxsize=8)
def _doc(path: str):
    return build_document(read_pdf(path))


@pytest.fixture(scope="module")
def doc(pdfs_dir):
    return lambda name: _doc(str(pdfs_dir / name))


def _manifest(pdfs_dir) -> list[dict]:
    with (pdfs_dir / "manifest.csv").open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _unit(document, needle: str):
    hits = [u for u in document.units if needle in u.text]
    assert hits, f"no unit of {document.file} contains {needle!r}"
    return hits[0]


def test_page_counts_match_manifest(pdfs_dir):
    rows = _manifest(pdfs_dir)
    sample = rows[::9]  # both parts of the corpus, 12 papers
    assert len(sample) >= 10
    for row in sample:
        raw = read_pdf(pdfs_dir / row["file"])
        assert len(raw.pages) == int(row["pages"]), row["file"]
        assert all(isinstance(line, str) for page in raw.pages for line in page)


def test_titles_from_font_size(pdfs_dir):
    rows = {r["file"]: r for r in _manifest(pdfs_dir)}
    for name in (
        BERT,
        TRANSFORMER,
        ICML16,
        "arxiv2016-iandola-squeezenet.pdf",
        "icml2015-ioffe-batchnorm.pdf",
    ):
        title = read_pdf(pdfs_dir / name).title
        assert title is not None
        assert normalize_ws(title).lower() == normalize_ws(rows[name]["title"]).lower() or rows[
            name
        ]["title"].lower().startswith(title.lower()[:40]), (name, title)


def test_known_sentences_on_their_pages(doc):
    t = doc(TRANSFORMER)
    assert t.pages == 11 and len(t.page_texts) == 11
    assert _unit(t, "Training took 3.5 days on 8 P100 GPUs.").page == 8
    assert _unit(t, "We trained our models on one machine with 8 NVIDIA P100 GPUs.").page == 7
    unit = _unit(t, "Training took 3.5 days on 8 P100 GPUs.")
    assert unit.kind == "sentence" and unit.section == "body"
    assert unit.text == "Training took 3.5 days on 8 P100 GPUs."  # one sentence, not a line
    b = doc(BERT)
    assert _unit(b, "we use the BooksCorpus (800M words)").page == 5  # checked with PyMuPDF


def test_two_column_sentence_is_contiguous(doc):
    # on page 5 of BERT this sentence runs from the foot of the left column to the head
    # of the right one; pdfium keeps columns in reading order
    unit = _unit(
        doc(BERT), "question-passage pairs in question answering, and (4) a degenerate text"
    )
    assert unit.page == 5
    assert "sentence pairs in paraphrasing, (2) hypothesis-premise pairs" in unit.text
    unit = _unit(doc(ICML16), "Random projections have played")
    assert unit.section == "abstract"


def test_line_end_hyphens(doc):
    b = doc(BERT)
    text = " ".join(u.text for u in b.units)
    assert "\ufffe" not in text
    assert "We introduce a new language representation model called BERT" in text
    assert "fine-tuned with just one additional output layer" in text  # a real hyphen kept
    assert "representa tion" not in text and "representa-tion" not in text
    assert "left-to-right architecture" in text  # broken inside a compound: hyphen kept


def test_sections_abstract_intro_references(doc):
    b = doc(BERT)
    assert b.abstract.startswith("We introduce a new language representation model")
    assert "Language model pre-training has been shown to be effective" in b.introduction
    assert _unit(b, "We introduce a new language representation").section == "abstract"
    assert _unit(b, "Language model pre-training has been shown").section == "body"
    ref = _unit(b, "Contextual string embeddings for sequence labeling")
    assert (ref.section, ref.page) == ("references", 10)
    # the appendix after the reference list is not references
    assert _unit(b, "Additional Details for BERT").section == "appendix"
    t = doc(TRANSFORMER)
    assert _unit(t, "Layer normalization").section == "references"
    assert [u for u in t.units if u.section == "front"]
    sections = [u.section for u in t.units]
    assert sections.index("references") > sections.index("body") > sections.index("abstract")


def test_captions_and_table_lines(doc):
    t = doc(TRANSFORMER)
    cap = _unit(t, "Table 2: The Transformer achieves better BLEU scores")
    assert (cap.kind, cap.page) == ("caption", 8)
    row = _unit(t, "Transformer (big) 28.4 41.0")
    assert (row.kind, row.page) == ("table", 8)
    fig = _unit(doc(BERT), "Figure 1: Overall pre-training and fine-tuning procedures")
    assert fig.kind == "caption"
    assert not any(u.kind == "table" and "Training took" in u.text for u in t.units)
    # a CVPR caption below its table, without a final full stop: it ends where the
    # (larger) body text starts
    cap = _unit(doc("cvpr2018-zhang-shufflenet.pdf"), "Table 3. ShuffleNet with/without")
    assert cap.kind == "caption" and cap.page == 5
    assert cap.text.endswith("(smaller number represents better performance)")


def test_references_never_yield_evidence(doc):
    from extractors.extract_pdf import analyse_document

    for name in (BERT, TRANSFORMER, ICML16):
        d = doc(name)
        refs = {(u.page, u.text) for u in d.units if u.section == "references"}
        result = analyse_document(d)
        for category, res in result.results.items():
            for e in res.evidence:
                assert (e.page, e.text) not in refs, (name, category, e.text)


def test_scanned_page_reported(tmp_path, pdfs_dir):
    path = tmp_path / "scan.pdf"
    path.write_bytes(pdfmaker.image_only_pdf())
    d = build_document(read_pdf(path))
    assert d.scanned_pages == (1,) and d.units == ()
    # a blank page (no text, no image) is not a scan: page 2 of the MIDL 2022 preface
    raw = read_pdf(pdfs_dir / "mirror/proceedings.mlr.press/v172/konukoglu22a.pdf")
    assert raw.pages[1] == () and 2 not in raw.scanned_pages


@pytest.mark.parametrize(
    "maker,reason",
    [
        (lambda p: b"", "empty"),
        (lambda p: b"<!doctype html><html><body>Not found</body></html>", "not_pdf"),
        (lambda p: p.read_bytes()[: len(p.read_bytes()) // 2], "corrupt"),
        (lambda p: pdfmaker.encrypted_pdf("Secret text"), "encrypted"),
    ],
)
def test_unreadable_files_raise_pdf_error(tmp_path, pdfs_dir, maker, reason):
    bad = tmp_path / "bad.pdf"
    bad.write_bytes(maker(pdfs_dir / TRANSFORMER))
    with pytest.raises(PDFError) as info:
        read_pdf(bad)
    assert info.value.reason == reason
    with pytest.raises(PDFError) as info:
        read_pdf(tmp_path / "absent.pdf")
    assert info.value.reason == "missing"


def test_sentence_splitter():
    text = (
        "We follow Devlin et al. (2019) and use Adam. See Fig. 3 and Sec. 4.2 for details, "
        "e.g. the learning rate of 1e-4. Training took 3.5 days! Did it help? Yes."
    )
    assert split_sentences(text) == [
        "We follow Devlin et al. (2019) and use Adam.",
        "See Fig. 3 and Sec. 4.2 for details, e.g. the learning rate of 1e-4.",
        "Training took 3.5 days!",
        "Did it help?",
        "Yes.",
    ]
    assert split_sentences("") == []
    long = "word " * 400
    assert all(len(s) <= 800 for s in split_sentences(long))

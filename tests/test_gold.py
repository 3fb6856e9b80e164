"""Gold files: the validator catches each kind of error on real PDFs, the real abstract gold
set validates and is reproducible from its seeds, and kappa matches hand-computed values."""

from __future__ import annotations

import copy
import json
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner

from extractors.gold.agreement import cohen_kappa, compare, format_report
from extractors.gold.validate import CATEGORIES, _page_texts, validate_abstracts, validate_papers
from extractors.textnorm import normalize_ws

GOLD = Path(__file__).resolve().parents[1] / "extractors" / "gold"
ABSTRACTS = GOLD / "abstracts.jsonl"
PDF = "mirror/proceedings.mlr.press/v48/achim16.pdf"


def _write(path: Path, records: list) -> Path:
    path.write_text(
        "".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in records),
        encoding="utf-8",
    )
    return path


def _quote(page_text: str, start_word: int = 40, words: int = 10) -> str:
    return " ".join(normalize_ws(page_text).split()[start_word : start_word + words])


@pytest.fixture(scope="module")
def pages(pdfs_dir):
    texts = _page_texts(pdfs_dir / PDF)
    assert texts and len(texts) >= 3
    return texts


@pytest.fixture
def good(pages) -> dict:
    """A valid record: runtime and params reported with quotes really on pages 2 and 3."""
    labels = {c: {"reported": False, "evidence": []} for c in CATEGORIES}
    labels["runtime"] = {"reported": True, "evidence": [{"page": 2, "text": _quote(pages[1])}]}
    labels["params"] = {"reported": True, "evidence": [{"page": 3, "text": _quote(pages[2])}]}
    return {"file": PDF, "target": "other", "labels": labels, "annotator_note": "test"}


def _messages(tmp_path, pdfs_dir, records) -> list[str]:
    return [i.message for i in validate_papers(_write(tmp_path / "g.jsonl", records), pdfs_dir)]


def test_valid_record_has_no_issues(tmp_path, pdfs_dir, good):
    assert _messages(tmp_path, pdfs_dir, [good]) == []


def test_missing_category(tmp_path, pdfs_dir, good):
    del good["labels"]["energy"]
    assert _messages(tmp_path, pdfs_dir, [good]) == ["missing category 'energy'"]


def test_bad_target(tmp_path, pdfs_dir, good):
    good["target"] = "speed"
    msgs = _messages(tmp_path, pdfs_dir, [good])
    assert len(msgs) == 1 and "target 'speed' is not one of" in msgs[0]


def test_quote_not_on_stated_page(tmp_path, pdfs_dir, good, pages):
    from extractors.textnorm import contains_quote

    quote = good["labels"]["runtime"]["evidence"][0]["text"]
    assert not contains_quote(pages[0], quote)  # precondition: the page-2 quote is not on p.1
    good["labels"]["runtime"]["evidence"][0]["page"] = 1
    msgs = _messages(tmp_path, pdfs_dir, [good])
    assert len(msgs) == 1 and msgs[0].startswith("runtime: evidence 1: text not found on page 1")


def test_altered_quote_is_caught(tmp_path, pdfs_dir, good):
    ev = good["labels"]["params"]["evidence"][0]
    ev["text"] = ev["text"] + " zqxj"
    msgs = _messages(tmp_path, pdfs_dir, [good])
    assert len(msgs) == 1 and "params: evidence 1: text not found on page 3" in msgs[0]


def test_page_out_of_range(tmp_path, pdfs_dir, good, pages):
    good["labels"]["params"]["evidence"][0]["page"] = len(pages) + 1
    assert _messages(tmp_path, pdfs_dir, [good]) == [
        (f"params: evidence 1: page {len(pages) + 1} out of range (the PDF has {len(pages)} pages)")
    ]


def test_reported_must_match_evidence_and_length_limit(tmp_path, pdfs_dir, good):
    good["labels"]["flops"]["reported"] = True
    good["labels"]["runtime"]["reported"] = False
    good["labels"]["hardware"] = {"reported": True, "evidence": [{"page": 2, "text": "x" * 301}]}
    msgs = _messages(tmp_path, pdfs_dir, [good])
    assert any(m.startswith("flops: reported=true but evidence has 0") for m in msgs)
    assert any(m.startswith("runtime: reported=false but evidence has 1") for m in msgs)
    assert any("hardware: evidence 1: text is 301 characters" in m for m in msgs)


def test_bad_lines_each_reported_with_line_numbers(tmp_path, pdfs_dir, good):
    other = copy.deepcopy(good)
    missing_pdf = copy.deepcopy(good)
    missing_pdf["file"] = "no-such-paper.pdf"
    issues = validate_papers(
        _write(tmp_path / "g.jsonl", [good, "{not json", other, missing_pdf, "[1, 2]"]), pdfs_dir
    )
    where = [(i.line, i.message.split(" (")[0]) for i in issues]
    assert (2, "not valid JSON") in where
    assert (5, "line is not a JSON object") in where
    assert (3, "duplicate file 'mirror/proceedings.mlr.press/v48/achim16.pdf'") in where
    assert any(line == 4 and "not found or unreadable" in m for line, m in where)
    assert all(i.line != 1 for i in issues)


def test_merged_papers_gold_validates(pdfs_dir):
    path = GOLD / "papers.jsonl"
    if not path.is_file():
        pytest.skip("extractors/gold/papers.jsonl not merged yet")
    assert [str(i) for i in validate_papers(path, pdfs_dir)] == []


# --- abstracts --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def index(corpus_dir):
    from extractors.gold.corpus_abstracts import load_index

    return load_index(corpus_dir)


def _rows() -> list[dict]:
    return [json.loads(x) for x in ABSTRACTS.read_text(encoding="utf-8").splitlines() if x]


def test_real_abstracts_validate_against_corpus(index):
    assert validate_abstracts(ABSTRACTS, index=index) == []
    rows = _rows()
    assert len(rows) >= 420
    assert set(Counter(r["stratum"] for r in rows)) == {"random", "efficiency_candidates"}
    assert set(Counter(r["label"] for r in rows)) == {"accuracy", "efficiency", "both", "other"}


def test_first_abstract_sample_and_split_reproduce_from_seeds(index):
    from extractors.gold.sample_abstracts import draw
    from extractors.gold.splits import assign_splits

    drawn = {d["id"]: d["stratum"] for d in draw(index)}
    assert len(drawn) == 420
    rows = _rows()
    first = [r for r in rows if r["id"] in drawn]  # later samples may follow in the file
    assert {r["id"]: r["stratum"] for r in first} == drawn
    assert assign_splits(first) == {r["id"]: r["split"] for r in first}
    dev = sum(r["split"] == "dev" for r in first)
    assert abs(dev - 0.6 * len(first)) <= 1
    for venue in {r["venue"] for r in first}:
        cell = [r for r in first if r["venue"] == venue]
        share = sum(r["split"] == "dev" for r in cell) / len(cell)
        assert 0.5 <= share <= 0.7, venue


def test_abstract_validator_catches_errors(tmp_path, index):
    rows = _rows()[:3]
    bad = [
        dict(rows[0]),
        dict(rows[0]),
        dict(rows[1], label="fast", split="train"),
        dict(rows[2], id="acl:X99-9999", abstract="copied text"),
    ]
    del bad[1]["split"]
    issues = validate_abstracts(_write(tmp_path / "a.jsonl", bad), index=index)
    got = {(i.line, i.message.split(" (")[0].split(",")[0]) for i in issues}
    assert (2, "missing 'split'") in got
    assert (3, "label 'fast' is not one of accuracy") in got
    assert (3, "split 'train' is not one of dev") in got
    assert (4, "abstract text must not be stored") in got
    assert (4, "id 'acl:X99-9999' not found in the corpus") in got
    dup = validate_abstracts(_write(tmp_path / "d.jsonl", [rows[0], rows[0]]))
    assert [(i.line, i.message.split(" (")[0]) for i in dup] == [
        (2, f"duplicate id {rows[0]['id']!r}")
    ]


# --- agreement ----------------------------------------------------------------------------


def test_kappa_binary_hand_computed():
    # 4 yes/yes, 1 yes/no, 1 no/yes, 4 no/no: p_o = .8, p_e = .5*.5+.5*.5 = .5 -> .6
    a = [1] * 5 + [0] * 5
    b = [1, 1, 1, 1, 0, 1, 0, 0, 0, 0]
    assert cohen_kappa(a, b) == pytest.approx(0.6)
    # 20 yy, 5 yn, 10 ny, 15 nn: p_o = .7, p_e = .5*.6 + .5*.4 = .5 -> .4
    a = [1] * 25 + [0] * 25
    b = [1] * 20 + [0] * 5 + [1] * 10 + [0] * 15
    assert cohen_kappa(a, b) == pytest.approx(0.4)
    assert cohen_kappa([1, 0], [0, 1]) == pytest.approx(-1.0)


def test_kappa_multiclass_and_undefined():
    a = ["accuracy", "accuracy", "efficiency", "other", "both", "accuracy"]
    b = ["accuracy", "efficiency", "efficiency", "other", "accuracy", "accuracy"]
    # p_o = 4/6; p_e = (3*3 + 1*2 + 1*1 + 1*0) / 36 = 1/3 -> (2/3 - 1/3) / (2/3) = .5
    assert cohen_kappa(a, b) == pytest.approx(0.5)
    assert cohen_kappa([True] * 4, [True] * 4) is None
    assert cohen_kappa([], []) is None
    with pytest.raises(ValueError):
        cohen_kappa([1], [1, 0])


def _gold(target: str, **reported: bool) -> dict:
    labels = {
        c: {
            "reported": reported.get(c, False),
            "evidence": [{"page": 1, "text": "t"}] if reported.get(c) else [],
        }
        for c in CATEGORIES
    }
    return {"target": target, "labels": labels}


def test_compare_lists_disagreements_over_common_papers():
    first = {
        "a.pdf": _gold("accuracy", runtime=True),
        "b.pdf": _gold("other"),
        "c.pdf": _gold("efficiency", flops=True),
        "only1.pdf": _gold("other"),
    }
    second = {
        "a.pdf": _gold("accuracy", runtime=True, hardware=True),
        "b.pdf": _gold("other"),
        "c.pdf": _gold("both", flops=True),
    }
    report = compare(first, second)
    assert report.common == ["a.pdf", "b.pdf", "c.pdf"] and report.only_first == ["only1.pdf"]
    by = {f.field: f for f in report.fields}
    assert by["runtime"].agreement == 1.0 and by["runtime"].kappa == pytest.approx(1.0)
    assert by["hardware"].agreement == pytest.approx(2 / 3)
    assert by["hardware"].kappa == pytest.approx(0.0)  # p_o = 2/3, p_e = 2/3
    assert by["energy"].kappa is None
    assert {(d.file, d.field, d.first, d.second) for d in report.disagreements} == {
        ("a.pdf", "hardware", False, True),
        ("c.pdf", "target", "efficiency", "both"),
    }
    assert "hardware" in format_report(report)


def test_cli_validate_and_agreement(tmp_path, pdfs_dir, good):
    from app.cli import cli

    runner = CliRunner()
    ok = _write(tmp_path / "ok.jsonl", [good])
    res = runner.invoke(cli, ["gold", "validate", "--papers", str(ok), "--pdfs", str(pdfs_dir)])
    assert res.exit_code == 0, res.output
    broken = copy.deepcopy(good)
    broken["target"] = None
    bad = _write(tmp_path / "bad.jsonl", [broken])
    res = runner.invoke(cli, ["gold", "validate", "--papers", str(bad), "--pdfs", str(pdfs_dir)])
    assert res.exit_code == 1
    assert f"{bad}:1: target None is not one of" in res.output
    second = copy.deepcopy(good)
    second["labels"]["hardware"] = {"reported": True, "evidence": [{"page": 2, "text": "x"}]}
    res = runner.invoke(
        cli, ["gold", "agreement", str(ok), str(_write(tmp_path / "two.jsonl", [second]))]
    )
    assert res.exit_code == 0, res.output
    assert "papers in both files: 1" in res.output
    assert f"{PDF}  hardware: False vs True" in res.output


def test_second_abstract_sample_and_split_reproduce_from_seeds(corpus_dir):
    from extractors.gold.sample_more_abstracts import sample

    drawn = {r["id"]: (r["stratum"], r["split"]) for r in sample(corpus_dir)}
    assert len(drawn) == 600
    rows = {r["id"]: (r["stratum"], r["split"]) for r in _rows() if r["id"] in drawn}
    assert rows == drawn


def test_rebuild_pdfs_covers_every_pmlr_gold_file():
    """`greenlens gold rebuild-pdfs` rebuilds the PDFs of every round's gold paper file."""
    import json
    from pathlib import Path

    from extractors.gold.pmlr_sample import GOLD_FILE, load_all_gold_papers

    files = [f for f in GOLD_FILE.parent.glob("papers_pmlr*.jsonl") if "second" not in f.name]
    expected = {
        json.loads(line)["id"]
        for f in files
        for line in Path(f).read_text().splitlines()
        if line.strip()
    }
    assert {p["id"] for p in load_all_gold_papers()} == expected

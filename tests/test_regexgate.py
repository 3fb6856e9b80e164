"""The regex pre-test answers exactly as the regex does."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from extractors.regexgate import gated_search, matches, requirement, split_branches


def _detector_patterns() -> list[re.Pattern]:
    from extractors.detectors import (
        energy,
        flops,
        hardware,
        params,
        runtime,
        search_budget,
        training_curve,
    )

    pats = [m.PREFILTER for m in (energy, flops, hardware, params, runtime, search_budget)]
    pats.append(training_curve._CURVE)
    for module in (energy, flops, hardware, params, runtime, search_budget, training_curve):
        pats += [v for v in vars(module).values() if isinstance(v, re.Pattern)]
    return list(dict.fromkeys(pats))


PATTERNS = _detector_patterns()


def test_requirement_of_simple_patterns():
    assert requirement(re.compile(r"flop|\bmacs?\b|pf-day", re.I)) == {"flop", "mac", "pf-day"}
    assert requirement(re.compile(r"(?:GPU|TPU)[- ]hours?")) == {"hour"}
    assert requirement(re.compile(r"\d+\s*ms")) == {"ms"}
    assert requirement(re.compile(r"a?b*")) is None
    assert requirement(re.compile(r"x|\d")) is None  # one branch has no literal
    # a scoped case flag is not followed
    assert requirement(re.compile(r"(?i:abc)")) is None


def test_split_branches():
    assert split_branches(r"a|b(c|d)|[|]|\||(?:x)") == ["a", "b(c|d)", "[|]", r"\|", "(?:x)"]
    assert split_branches(r"[]|]x|y") == ["[]|]x", "y"]
    assert split_branches("abc") is None
    assert split_branches(r"(a)|\1") is None
    assert split_branches(r"(?P<n>a)|(?P=n)") is None


# characters where str.lower() and re's case folding disagree, among ordinary ones
TRAPS = "\u0130\u0131\u017f\u212aKkSsIi"
ALPHABET = st.sampled_from(list("flopmacsFLOPMACSwhJW -0123456789.,()") + list(TRAPS))


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=ALPHABET, max_size=40))
def test_same_answers_as_the_regex_on_generated_text(text):
    for pat in (
        re.compile(r"flop|mult-?add|\bmacs?\b|\bops\b", re.I),
        re.compile(r"wh\b|\d\s*k?J\b|co2|watt|\d\s*k?W\b|power", re.I),
        re.compile(r"Kiss|silk|ISO\d"),
        re.compile(r"kiss|silk|iso\d", re.I),
    ):
        assert (
            gated_search(pat)(text) == pat.search(text)
            or gated_search(pat)(text).span() == pat.search(text).span()
        )
        assert matches(pat)(text) == bool(pat.search(text))


CNF_WORDS = st.sampled_from(
    ["training", "loss", "over", "epochs", "curve", "speed", "up", "gpu", "hours", "time", "in"]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(CNF_WORDS, st.text(alphabet=ALPHABET, max_size=4)), max_size=10))
def test_branches_run_alone_answer_as_the_whole_group(words):
    from extractors.detectors import runtime, training_curve

    text = " ".join(words)
    for pat in (training_curve._CURVE, runtime.PREFILTER):
        assert any(g[6] for g in matches(pat).groups)  # a group runs its branches alone
        assert matches(pat)(text) == bool(pat.search(text))
        assert matches(pat)(text.upper()) == bool(pat.search(text.upper()))


def test_fold_traps_still_match():
    pat = re.compile(r"kiss|silk", re.I)
    for text in ("\u212aiss", "\u017fil\u212a", "KISS", "s\u0130lk"):
        assert bool(pat.search(text)) == matches(pat)(text)
        assert (gated_search(pat)(text) is None) == (pat.search(text) is None)


@pytest.mark.shared
def test_same_answers_on_every_unit_of_real_papers(pdfs_dir):
    from extractors.layout import build_document
    from extractors.pdftext import read_pdf

    names = [
        "neurips2017-vaswani-transformer.pdf",
        "arxiv2017-howard-mobilenets.pdf",
        "iclr2017-zoph-nas.pdf",
        "neuripsw2019-lacoste-carbonemissions.pdf",
    ]
    texts = [u.text for n in names for u in build_document(read_pdf(pdfs_dir / n)).units]
    assert len(texts) > 1000
    gated_any = 0
    for pat in PATTERNS:
        test, search = matches(pat), gated_search(pat)
        for text in texts:
            want = pat.search(text)
            assert test(text) == (want is not None), (pat.pattern[:60], text)
            got = search(text)
            assert (got is None) == (want is None) and (got is None or got.span() == want.span())
        gated_any += requirement(pat) is not None
    assert gated_any >= len(PATTERNS) // 2  # most detector patterns do get a pre-test


@settings(max_examples=500, deadline=None)
@given(
    st.text(
        alphabet=st.sampled_from(
            list(
                " \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f\x85\xa0"
                "\u1680\u2000\u2028\u2029\u200b\u3000\ufeffab\u00ad"
                "\ufffe\ufb01"
            )
        ),
        max_size=30,
    )
)
def test_normalize_ws_collapses_as_the_regex_did(text):
    import unicodedata

    from extractors.textnorm import normalize_ws

    nfkc = unicodedata.normalize("NFKC", text).replace("\u00ad", "").replace("\ufffe", "")
    assert normalize_ws(text) == re.sub(r"\s+", " ", nfkc).strip()


def test_str_whitespace_is_regex_whitespace_for_every_code_point():
    space = re.compile(r"\s")
    assert [cp for cp in range(0x110000) if chr(cp).isspace() != bool(space.match(chr(cp)))] == []


def test_lower_keeps_each_character_in_its_class_for_every_code_point():
    # what running a lower-case pattern on lower-cased text relies on (regexgate.matches)
    classes = [re.compile(p) for p in (r"\d", r"\s", r"\w")]
    bad = []
    for cp in range(0x110000):
        ch = chr(cp)
        low = ch.lower()
        if cp == 0x130:
            continue  # the one character lower() makes two: excluded by the fold traps
        if len(low) != 1 or any(bool(k.match(ch)) != bool(k.match(low)) for k in classes):
            bad.append(hex(cp))
    assert bad == []


def test_caseless_branches_are_run_on_lower_cased_text():
    pat = re.compile(r"flops|\d\s*(?:ms|s|h)\b|[a-c]x|\bgpu\b", re.I)
    test = matches(pat)
    for text in (
        "3 MS",
        "3\u00a0H",
        "Ax",
        "BX",
        "a GPU b",
        "\u212aX",
        "I\u0130 2 s",
        "\u0131s 2s",
        "none",
        "4\u017f",
    ):
        assert test(text) == bool(pat.search(text)), text


def test_lowered_source_only_where_it_is_the_same_pattern():
    from extractors.regexgate import _lowered

    assert _lowered(r"GPU[- ]?hours|[A-Z]x\b", re.I) == r"gpu[- ]?hours|[a-z]x\b"
    assert _lowered(r"\D+x", re.I) is None  # \D would become \d
    assert _lowered(r"[A-z]", re.I) is None  # not a letters-only range
    assert _lowered(r"\N{LATIN CAPITAL LETTER A}", re.I) is None
    assert _lowered(r"(?-i:A)b", re.I) is None
    assert _lowered(r"caf\u00c9", re.I) is None  # non-ASCII letters keep the flag


@settings(max_examples=400, deadline=None)
@given(
    st.text(
        alphabet=st.sampled_from(
            list("GPUgpuTFLOPSxX 0123456789-/()") + list(TRAPS) + ["\u00a0", "\u00c9", "\u00e9"]
        ),
        max_size=30,
    )
)
def test_upper_case_patterns_same_answers(text):
    for pat in (
        re.compile(r"GPU[- ]?(?:hours|days)|\d\s*[xX]\b|FLOPs?\b|[A-F]\d", re.I),
        re.compile(r"TFLOPS|\bK\d|\d\s*(?:ms|s)\b|S\b", re.I),
    ):
        assert matches(pat)(text) == bool(pat.search(text)), (pat.pattern, text)


INDEX_TEXTS = st.lists(
    st.text(
        alphabet=st.sampled_from(list("flopmacsFLOPMACSwhJW -0123456789.,()\x00") + list(TRAPS)),
        max_size=25,
    ),
    max_size=8,
)


@settings(max_examples=300, deadline=None)
@given(INDEX_TEXTS)
def test_text_index_finds_what_a_test_per_text_finds(texts):
    from extractors.regexgate import TextIndex

    index = TextIndex(texts)
    for needles in (("flop", "mac"), ("s",), ("a100", "a10"), ("", "x"), ("w\x00h",), ()):
        want = {i for i, t in enumerate(texts) if any(n in t.lower() for n in needles)}
        assert index.holding(needles) == want, needles
        assert index.holding(needles, lower=False) == {
            i for i, t in enumerate(texts) if any(n in t for n in needles)
        }
        # skipped texts (a reference list) are never answered; the others are unchanged
        skip = set(range(0, len(texts), 2))
        assert TextIndex(texts, skip=skip).holding(needles) == want - skip, needles
        assert index.holding(needles[:1]) == (
            {i for i, t in enumerate(texts) if needles[0] in t.lower()} if needles else set()
        )  # one needle of a set already searched: answered from that search
    for pat in (  # learned gates' extras, a look-behind, an anchored pattern
        re.compile(r"\d\s?[smh]\b"),
        re.compile(r"\d\s?(?:W|J|mJ|kJ)\b"),
        re.compile(r"(?<![\w.])\d+\s?[MW]\b|^f|J$"),
    ):
        assert index.searching(pat) == {i for i, t in enumerate(texts) if pat.search(t)}
        assert TextIndex(texts, skip=skip).searching(pat) == {
            i for i, t in enumerate(texts) if i not in skip and pat.search(t)
        }
    for pat in (
        re.compile(r"flop|mult-?add|\bmacs?\b|\bops\b", re.I),
        re.compile(r"wh\b|\d\s*k?J\b|co2|watt|\d\s*k?W\b|power", re.I),
        re.compile(r"Kiss|silk|ISO\d"),
    ):
        want = [i for i, t in enumerate(texts) if pat.search(t)]
        assert index.matching(matches(pat), range(len(texts))) == want
        # a few of many texts are tested one by one: the same answers
        many = TextIndex(texts + ["padding"] * 40)
        assert many.matching(matches(pat), range(len(texts))) == want


@pytest.mark.shared
def test_candidates_are_the_units_a_test_per_unit_selects(pdfs_dir):
    from extractors.detectors import common, hardware, runtime, training_curve
    from extractors.layout import build_document
    from extractors.pdftext import read_pdf

    names = ["neurips2017-vaswani-transformer.pdf", "arxiv2017-howard-mobilenets.pdf"]
    for name in names:
        units = build_document(read_pdf(pdfs_dir / name)).units
        for pat, gate in (
            (hardware.PREFILTER, hardware.GATE),
            (runtime.PREFILTER, runtime.GATE),
            (training_curve._CURVE, training_curve.GATE),
            *((p, None) for p in PATTERNS),
        ):
            want = [
                u
                for u in units
                if u.section != "references"
                and (gate is None or gate(u.text))
                and pat.search(u.text)
                and not common.is_reference_like(u.text)
            ]
            assert list(common.candidates(units, pat, gate)) == want, pat.pattern[:60]
            assert list(common.candidates(list(units), pat, gate)) == want  # no shared index


@pytest.mark.shared
def test_candidates_after_joins_are_the_candidates_of_the_joined_units(pdfs_dir):
    from extractors.detectors import common, search_budget
    from extractors.layout import build_document
    from extractors.pdftext import read_pdf

    for name in ["neurips2017-vaswani-transformer.pdf", "arxiv2017-howard-mobilenets.pdf"]:
        units = build_document(read_pdf(pdfs_dir / name)).units
        joined = common.join_continuations(units)
        assert any(a is not b for a, b in zip(units, joined, strict=True))
        for pat in (search_budget.PREFILTER, *PATTERNS):
            want = list(common.candidates(list(joined), pat))
            assert list(common.candidates_after_joins(units, joined, pat)) == want


@pytest.mark.shared
def test_learned_candidates_are_the_units_its_gate_passes(pdfs_dir):
    from extractors import learned
    from extractors.layout import build_document
    from extractors.pdftext import read_pdf

    names = ["arxiv2017-howard-mobilenets.pdf", "mirror/proceedings.mlr.press/v48/achim16.pdf"]
    for name in names:
        units = build_document(read_pdf(pdfs_dir / name)).units
        texts = learned.context_texts(units)
        rule = {(units[5].page, units[5].text)}
        for category in learned.GATES:
            passes = learned.gate(category)
            want = [
                (i, learned._rule_hit(u, rule))
                for i, (u, t) in enumerate(zip(units, texts, strict=True))
                if u.section != "references" and (learned._rule_hit(u, rule) or passes(t))
            ]
            assert learned.candidates(category, units, texts, rule) == want, category
            assert want, category


@settings(max_examples=400, deadline=None)
@given(
    st.lists(
        st.text(
            alphabet=st.sampled_from(list("abzAZ- -\n\t.,9") + list(TRAPS) + ["\u00e9", "\u0307"]),
            max_size=20,
        ),
        max_size=4,
    )
)
def test_lexicon_is_the_words_the_regex_finds(lines):
    from extractors.layout import _WORDS, _lexicon

    pages = [lines, lines[::-1]]
    text = "\n".join("\n".join(page) for page in pages)
    assert _lexicon(pages) == set(_WORDS.findall(text.lower()))


def _related_reference(text: str) -> bool:
    """common.is_related_work as the plain regexes, own-work test first."""
    from extractors.detectors import common

    if common._OWN_WORK.search(text):
        return False
    first = common._CITATION.search(text)
    if not first:
        return False
    return "et al" in first.group(0) or first.start() < 0.6 * len(text)


@settings(max_examples=300, deadline=None)
@given(
    st.text(
        alphabet=st.sampled_from(list("we ourWEhrt al.[]()0129-,–SmithAnd") + list(TRAPS)),
        max_size=40,
    )
)
def test_related_work_same_answer_as_the_plain_regexes(text):
    from extractors.detectors import common

    assert common.is_related_work(text) == _related_reference(text)


@pytest.mark.shared
def test_related_work_same_answer_on_real_units(pdfs_dir):
    from extractors.detectors import common
    from extractors.layout import build_document
    from extractors.pdftext import read_pdf

    for name in ("neurips2017-vaswani-transformer.pdf", "arxiv2017-howard-mobilenets.pdf"):
        units = build_document(read_pdf(pdfs_dir / name)).units
        got = [common.is_related_work(u.text) for u in units]
        assert got == [_related_reference(u.text) for u in units]
        assert any(got)

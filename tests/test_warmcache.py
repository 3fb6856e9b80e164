"""Values kept on disk for the next cold process: the same values, and never a failure."""

from __future__ import annotations

import re

import pytest

from extractors import regexgate, warmcache


@pytest.fixture
def folder(tmp_path, monkeypatch):
    monkeypatch.setenv(warmcache.ENV, str(tmp_path / "warm"))
    return tmp_path / "warm"


def _counting(value):
    calls = []

    def build():
        calls.append(1)
        return value

    return build, calls


def test_a_kept_value_is_loaded_instead_of_built(folder):
    value = {"w": [1.5, -2.0], "t": ("a", frozenset({"b"})), "n": None}
    build, calls = _counting(value)
    assert warmcache.cached("demo", "key-1", build) == value
    assert warmcache.cached("demo", "key-1", build) == value
    assert len(calls) == 1
    assert len(list(folder.iterdir())) == 1
    warmcache.cached("demo", "key-2", build)  # another key is another value
    assert len(calls) == 2


def test_a_corrupt_file_is_rebuilt_and_replaced(folder):
    build, calls = _counting([1, 2, 3])
    warmcache.cached("demo", "k", build)
    (kept,) = folder.iterdir()
    kept.write_bytes(b"\x00not marshal")
    assert warmcache.cached("demo", "k", build) == [1, 2, 3]
    assert warmcache.cached("demo", "k", build) == [1, 2, 3]
    assert len(calls) == 2


def test_an_unwritable_folder_only_costs_the_build(tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    monkeypatch.setenv(warmcache.ENV, str(blocker / "warm"))
    build, calls = _counting("v")
    assert warmcache.cached("demo", "k", build) == "v"
    assert warmcache.cached("demo", "k", build) == "v"
    assert len(calls) == 2


def test_off_builds_every_time_and_keeps_nothing(tmp_path, monkeypatch):
    monkeypatch.setenv(warmcache.ENV, "off")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    build, calls = _counting(1)
    warmcache.cached("demo", "k", build)
    warmcache.cached("demo", "k", build)
    assert len(calls) == 2
    assert list(tmp_path.iterdir()) == []


def test_digest_parts_do_not_run_together():
    assert warmcache.digest("ab", "c") != warmcache.digest("a", "bc")
    assert warmcache.digest("a") == warmcache.digest(b"a")


def _detector_patterns() -> set[re.Pattern]:
    import gc

    import extractors.detectors  # noqa: F401 - builds the detectors' matchers
    from extractors.document import Document, TextUnit
    from extractors.extract_pdf import analyse_document

    unit = TextUnit(1, "body", "sentence", "We trained for 3 hours on 8 V100 GPUs.")
    analyse_document(Document("warm-up.pdf", 1, (unit.text,), (unit,)))
    # type(), not isinstance(): the latter reads __class__ of every live object, and some
    # lazy modules warn when touched
    return {o.pattern for o in gc.get_objects() if type(o) is regexgate.Matcher}


def _running(m: regexgate.Matcher) -> list:
    return [(g[0], g[1], g[2].__self__.pattern, g[4]) for g in m.groups]


def test_every_detector_matcher_comes_back_the_same_from_its_kept_plan(folder, monkeypatch):
    patterns = _detector_patterns()
    assert len(patterns) >= 10
    built = {p: regexgate.Matcher(p) for p in patterns}  # plans kept (or already kept)

    def no_analysis(pattern):
        raise AssertionError("analysed again: the kept plan was not used")

    monkeypatch.setattr(regexgate, "_plan", no_analysis)
    for pattern, first in built.items():
        kept = regexgate.Matcher(pattern)
        assert set(kept.needles) == set(first.needles)
        assert _running(kept) == _running(first)


def test_a_matcher_from_a_kept_plan_answers_as_the_pattern(folder):
    pattern = re.compile(r"\bFLOPs?\b|\d+(?:\.\d+)?\s*(?:GFLOPs|TFLOPs)|mult-adds", re.IGNORECASE)
    regexgate.Matcher(pattern)
    kept = regexgate.Matcher(pattern)
    for text in ("4.1 GFLOPs", "the flop count", "569M Mult-Adds", "no such thing", "\u212a"):
        assert kept(text) == bool(pattern.search(text)), text


def test_the_shipped_models_come_back_the_same_from_the_cache(folder, monkeypatch):
    import json
    from pathlib import Path

    from extractors import learned, target, targetfast

    units = learned.load_model()
    targetfast._load.cache_clear()
    fast = targetfast._load(Path(target.MODEL_PATH))

    def no_json(*args, **kwargs):
        raise AssertionError("parsed again: the kept value was not used")

    monkeypatch.setattr(json, "loads", no_json)
    assert learned.load_model() == units
    targetfast._load.cache_clear()
    again = targetfast._load(Path(target.MODEL_PATH))
    assert fast is not None and again is not None
    assert again[2:] == fast[2:]  # coefficients, intercepts, biases
    assert again[0].vocabulary == fast[0].vocabulary and again[0].idf == fast[0].idf
    targetfast._load.cache_clear()


def test_an_upgrades_leftovers_are_pruned_oldest_first(folder, monkeypatch):
    import os

    monkeypatch.setattr(warmcache, "MAX_FILES", 10)
    for k in range(10):
        warmcache.cached("old", f"key-{k}", lambda: k)
    for k, path in enumerate(sorted(folder.glob("*.marshal"))):
        os.utime(path, (1_000_000 + k, 1_000_000 + k))  # all older than the next one
    assert len(list(folder.glob("*.marshal"))) == 10
    warmcache.cached("new", "key", lambda: "fresh")  # the 11th: over the limit
    left = list(folder.glob("*.marshal"))
    assert len(left) == 5
    assert any(p.name.startswith("new-") for p in left)
    build, calls = _counting("fresh")
    assert warmcache.cached("new", "key", build) == "fresh" and not calls

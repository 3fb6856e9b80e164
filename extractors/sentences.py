"""Fast regex sentence splitting for scientific prose (no NLP model: speed matters here)."""

from __future__ import annotations

import re

# a full stop after these is not a sentence end ("Fig. 3", "et al. (2019)", "e.g. BERT")
ABBREVIATIONS = frozenset(
    [
        "al",
        "fig",
        "figs",
        "eq",
        "eqs",
        "sec",
        "secs",
        "tab",
        "tabs",
        "vs",
        "cf",
        "e.g",
        "i.e",
        "etc",
        "resp",
        "approx",
        "no",
        "nos",
        "dr",
        "mr",
        "mrs",
        "ms",
        "prof",
        "inc",
        "ltd",
        "co",
        "corp",
        "jr",
        "sr",
        "st",
        "vol",
        "pp",
        "ch",
        "app",
        "appx",
        "def",
        "thm",
        "lem",
        "prop",
        "cor",
        "ex",
        "est",
        "min",
        "max",
        "avg",
        "std",
        "ref",
        "refs",
        "alg",
        "algo",
        "ed",
        "eds",
        "univ",
        "dept",
        "proc",
        "conf",
        "int",
        "intl",
        "jan",
        "feb",
        "mar",
        "apr",
        "jun",
        "jul",
        "aug",
        "sep",
        "sept",
        "oct",
        "nov",
        "dec",
        "viz",
        "ca",
        "incl",
    ]
)
_CANDIDATE = re.compile(
    r"[.!?][\"'\u201d\u2019)\]]*\s+(?=[\"'\u201c\u2018(\[]?[A-Z0-9])"
    r"|(?<=[a-z)\]])[.!?]\d{1,2}\s+(?=[A-Z][a-z])"
)  # "library.1 Because"
MAX_UNIT = 800  # longer runs (unpunctuated lists, formula soup) are cut at a space


def split_sentences(text: str) -> list[str]:
    """Sentences of a whitespace-normalised paragraph, in order, none empty."""
    if "\u2022" in text:  # bullets start a new unit
        return [s for part in text.split("\u2022") for s in split_sentences(part)]
    out: list[str] = []
    start = 0
    for m in _CANDIDATE.finditer(text):
        if text[m.start()] == "." and _no_break_before(text, start, m.start()):
            continue
        piece = text[start : m.end()].strip()
        if piece:
            out.append(piece)
        start = m.end()
    rest = text[start:].strip()
    if rest:
        out.append(rest)
    return [chunk for s in out for chunk in _cut(s)] if any(len(s) > MAX_UNIT for s in out) else out


def _no_break_before(text: str, start: int, dot: int) -> bool:
    space = max(text.rfind(" ", start, dot), start - 1)
    token = text[space + 1 : dot].lstrip("([\"'").lower()
    if not token:
        return False
    if token in ABBREVIATIONS or token.rstrip(".") in ABBREVIATIONS:
        return True
    # single initials ("J. Smith", "A. B. Author") and section numbers ("Sec. 3.")
    return len(token) == 1 and token.isalpha()


def _cut(sentence: str) -> list[str]:
    pieces = []
    while len(sentence) > MAX_UNIT:
        cut = sentence.rfind(" ", MAX_UNIT // 2, MAX_UNIT)
        cut = cut if cut > 0 else MAX_UNIT
        pieces.append(sentence[:cut].strip())
        sentence = sentence[cut:].strip()
    if sentence:
        pieces.append(sentence)
    return pieces

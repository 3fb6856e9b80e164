"""A cheap exact pre-test for a regular expression: substrings every match must contain.

Python's `re` tries a pattern at every position of a text; an IGNORECASE alternation of
twenty words does that twenty times over. `gated_search(pattern)` reads the pattern's
parse tree once and derives a set of literal strings such that any match contains at
least one of them (case-folded for IGNORECASE patterns); a text containing none of them
cannot match, so the regex only runs on texts that contain one. Answers are those of
`pattern.search`, always: where no such set can be derived (or the text holds one of the
few characters whose lower case differs between `str.lower` and `re`'s case folding), the
pattern simply runs.

`matches(pattern)` answers only whether there is a match: it splits a top-level
alternation into the branches with a selective literal set (gated as above) and the rest.
An IGNORECASE branch whose source, lower-cased, parses to the same tree but with its
ASCII letters in lower case (checked on the parse trees; \\D, non-ASCII letters, ranges
like A-z or scoped flags keep the flag) runs without the flag on the lower-cased text:
the same answer (`str.lower` maps every character but U+0130 to one character of the same
\\d/\\s/\\w class, tested for every code point; the folding traps above are excluded),
and `re` can then skip ahead instead of trying every position case-insensitively.
"""

from __future__ import annotations

import importlib
import re
from bisect import bisect_right
from collections.abc import Callable, Iterable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

from extractors import warmcache

# the standard library's own regex parser (re._parser; sre_parse before 3.11)
_parser: Any = importlib.import_module("re._parser")
c: Any = importlib.import_module("re._constants")

Requirement = frozenset[str] | None  # any of these substrings must occur; None: unknown

# a Matcher's plan is kept on disk (extractors.warmcache) under a key naming this file's
# code: a change to the analysis makes every kept plan unused
_ANALYSIS = warmcache.digest(Path(__file__).read_bytes())

_REPEATS = (c.MAX_REPEAT, c.MIN_REPEAT, getattr(c, "POSSESSIVE_REPEAT", c.MAX_REPEAT))
# characters whose str.lower() gives ASCII, or that `re` folds onto an ASCII letter
# (U+0130 I-dot, U+0131 dotless i, U+017F long s, U+212A Kelvin sign): not gated
_FOLD_TRAPS = frozenset(ch for ch in map(chr, (0x130, 0x131, 0x17F, 0x212A)))


def _usable(ch: int, ignorecase: bool) -> bool:
    return not ignorecase or ch < 0x80


def _sequence(items, ignorecase: bool) -> Requirement:
    """The most selective requirement of a concatenation (any item's holds for it all)."""
    options = _options(items, ignorecase)
    if not options:
        return None
    return max(options, key=lambda s: (min(len(x) for x in s), -len(s)))


def _options(items, ignorecase: bool) -> list[frozenset[str]]:
    """The requirements of a concatenation's items: each holds for every match of it."""
    options: list[frozenset[str]] = []
    run: list[str] = []

    def close_run():
        if run:
            options.append(frozenset(["".join(run)]))
            run.clear()

    for op, av in items:
        if op is c.LITERAL and _usable(av, ignorecase):
            run.append(chr(av).lower() if ignorecase else chr(av))
            continue
        close_run()
        req = _node(op, av, ignorecase)
        if req:
            options.append(req)
    close_run()
    return options


def _node(op, av, ignorecase: bool) -> Requirement:
    if op is c.LITERAL:
        return (
            frozenset([chr(av).lower() if ignorecase else chr(av)])
            if _usable(av, ignorecase)
            else None
        )
    if op is c.SUBPATTERN:
        _, add_flags, del_flags, sub = av
        if (add_flags | del_flags) & re.IGNORECASE:
            return None  # a scoped case flag: not worth following
        return _sequence(sub, ignorecase)
    if op is c.BRANCH:
        out: set[str] = set()
        for branch in av[1]:
            req = _sequence(branch, ignorecase)
            if not req:
                return None
            out |= req
        return frozenset(out)
    if op in _REPEATS:
        low, _, sub = av
        return _sequence(sub, ignorecase) if low >= 1 else None
    if op is getattr(c, "ATOMIC_GROUP", None):
        return _sequence(av, ignorecase)
    if op is c.IN:
        chars = set()
        for kind, value in av:
            if kind is not c.LITERAL or not _usable(value, ignorecase):
                return None
            chars.add(chr(value).lower() if ignorecase else chr(value))
        return frozenset(chars)
    return None  # anchors, look-arounds, classes, any char, back-references


def conjuncts(pattern: re.Pattern) -> tuple[frozenset[str], ...]:
    """Substring sets of which every match of `pattern` holds one of EACH (lower-cased when
    the pattern ignores case): the requirements of its top-level items, selective ones
    only (no needle under two characters)."""
    if not isinstance(pattern.pattern, str) or pattern.flags & re.LOCALE:
        return ()
    tree = _parser.parse(pattern.pattern, pattern.flags)
    options = _options(list(tree), bool(tree.state.flags & re.IGNORECASE))
    return tuple(dict.fromkeys(o for o in options if min(map(len, o)) >= 2))


def requirement(pattern: re.Pattern) -> Requirement:
    """Substrings one of which every match of `pattern` contains (lower-cased when the
    pattern ignores case), or None when none can be derived."""
    if not isinstance(pattern.pattern, str) or pattern.flags & re.LOCALE:
        return None
    tree = _parser.parse(pattern.pattern, pattern.flags)
    req = _sequence(list(tree), bool(tree.state.flags & re.IGNORECASE))
    return req if req and "" not in req else None


@lru_cache(maxsize=256)
def gated_search(pattern: re.Pattern) -> Callable[[str], re.Match | None]:
    """`pattern.search`, skipping texts that cannot match (same answers, less time)."""
    req = requirement(pattern)
    search = pattern.search
    if req is None:
        return search
    needles = tuple(sorted(req, key=len, reverse=True))
    if pattern.flags & re.IGNORECASE:

        def gated(text: str) -> re.Match | None:
            low = text.lower()
            if any(n in low for n in needles) or not _FOLD_TRAPS.isdisjoint(text):
                return search(text)
            return None
    else:

        def gated(text: str) -> re.Match | None:
            if any(n in text for n in needles):
                return search(text)
            return None

    return gated


_WEAK = 3  # a literal set with a needle shorter than this passes nearly every sentence


def split_branches(source: str) -> list[str] | None:
    """The top-level alternatives of a regex source, or None if it has none or uses
    features that make splitting unsafe (back-references, conditionals, verbose mode)."""
    if "(?P=" in source or "(?(" in source or "(?x" in source:
        return None
    out, depth, start, i, in_class = [], 0, 0, 0, False
    while i < len(source):
        ch = source[i]
        if ch == "\\":
            if source[i + 1 : i + 2].isdigit():
                return None  # a numbered back-reference (or an octal escape)
            i += 2
            continue
        if in_class:
            if ch == "]":
                in_class = False
        elif ch == "[":
            in_class = True
            i += 1
            if source[i : i + 1] == "^":
                i += 1
            if source[i : i + 1] == "]":
                i += 1  # a leading "]" is a literal
            continue
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "|" and depth == 0:
            out.append(source[start:i])
            start = i + 1
        i += 1
    out.append(source[start:])
    return out if len(out) > 1 and depth == 0 and not in_class else None


def _caseless_safe(items) -> bool:
    """Whether a parsed (IGNORECASE) pattern matches a text exactly when, without the flag,
    it matches the text lower-cased: its letters are ASCII lower case, its classes hold no
    upper-case letter, and nothing compares case-sensitively (back-references, flags)."""

    def plain(code: int) -> bool:
        return code < 0x80 and chr(code) == chr(code).lower()

    for op, av in items:
        if op in (c.LITERAL, c.NOT_LITERAL):
            if not plain(av):
                return False
        elif op is c.IN:
            for kind, value in av:
                if kind in (c.LITERAL, c.NOT_LITERAL) and not plain(value):
                    return False
                if kind is c.RANGE and not (
                    plain(value[0])
                    and plain(value[1])
                    and not (value[0] <= ord("Z") and value[1] >= ord("A"))
                ):
                    return False
                if kind not in (c.LITERAL, c.NOT_LITERAL, c.RANGE, c.CATEGORY, c.NEGATE):
                    return False
        elif op is c.SUBPATTERN:
            if av[1] or av[2] or not _caseless_safe(av[3]):
                return False
        elif op is c.BRANCH:
            if not all(_caseless_safe(b) for b in av[1]):
                return False
        elif op in _REPEATS:
            if not _caseless_safe(av[2]):
                return False
        elif op in (c.ASSERT, c.ASSERT_NOT):
            if not _caseless_safe(av[1]):
                return False
        elif op is getattr(c, "ATOMIC_GROUP", None):
            if not _caseless_safe(av):
                return False
        elif op not in (c.ANY, c.AT, c.CATEGORY):
            return False
    return True


def _same_but_case(a, b) -> bool:
    """Whether parse tree `b` (of the lower-cased source) is tree `a` with its ASCII
    letters lower-cased, nothing else changed (so, under IGNORECASE, the same pattern)."""
    if len(a) != len(b):
        return False
    for (op, av), (op2, bv) in zip(a, b, strict=True):
        if op is not op2:
            return False
        if op in (c.LITERAL, c.NOT_LITERAL):
            if av != bv and not (av < 0x80 and chr(av).lower() == chr(bv)):
                return False
        elif op is c.IN:
            if len(av) != len(bv):
                return False
            for (k, x), (k2, y) in zip(av, bv, strict=True):
                if k is not k2:
                    return False
                if k in (c.LITERAL, c.NOT_LITERAL):
                    if x != y and not (x < 0x80 and chr(x).lower() == chr(y)):
                        return False
                elif k is c.RANGE:
                    upper = all(65 <= v <= 90 for v in x)
                    if x != y and not (upper and (x[0] + 32, x[1] + 32) == y):
                        return False
                elif x != y:
                    return False
        elif op is c.SUBPATTERN:
            if av[:3] != bv[:3] or not _same_but_case(av[3], bv[3]):
                return False
        elif op is c.BRANCH:
            if len(av[1]) != len(bv[1]) or not all(
                _same_but_case(x, y) for x, y in zip(av[1], bv[1], strict=True)
            ):
                return False
        elif op in _REPEATS:
            if av[:2] != bv[:2] or not _same_but_case(av[2], bv[2]):
                return False
        elif op in (c.ASSERT, c.ASSERT_NOT):
            if av[0] != bv[0] or not _same_but_case(av[1], bv[1]):
                return False
        elif op is getattr(c, "ATOMIC_GROUP", None):
            if not _same_but_case(av, bv):
                return False
        elif op in (c.ANY, c.AT, c.CATEGORY):
            if av != bv:
                return False
        else:
            return False
    return True


def _lowered(branch: str, flags: int) -> str | None:
    """The branch's source with its letters lower-cased, if that is the same IGNORECASE
    pattern and runs exactly on lower-cased text without the flag (see _caseless_safe)."""
    low = branch.lower()
    try:
        a = list(_parser.parse(branch, flags))
        b = list(_parser.parse(low, flags))
    except re.error:
        return None
    return low if _same_but_case(a, b) and _caseless_safe(b) else None


class Matcher:
    """`bool(pattern.search(text))` (call it with the text), and `check` for a text whose
    lower-cased form and pre-test answers a `TextIndex` already has."""

    def __init__(self, pattern: re.Pattern) -> None:
        self.pattern = pattern
        self.casefold = bool(pattern.flags & re.IGNORECASE)
        # (gated?, lowered?) -> (search, search with the original flags); lowered ones run
        # without IGNORECASE on text.lower(). Empty: the whole pattern, gated_search-style.
        # With needle sets: their needles, and each branch's own search (None: one branch).
        self.groups: list[tuple[bool, bool, Callable, Callable, Any, tuple[str, ...], Any]] = []
        key = warmcache.digest(_ANALYSIS, repr(pattern.pattern), str(pattern.flags))
        needles, plan = warmcache.cached("regexgate", key, lambda: _plan(pattern))
        self.needles: tuple[str, ...] = needles
        for gated, lowered, source, flags, cnf in plan:
            own = flags & ~re.IGNORECASE if lowered else flags
            search = re.compile(source, own).search
            folded = _LazySearch(source, flags) if lowered else search
            parts = _branch_searches(source, own, cnf)
            self.groups.append((gated, lowered, search, folded, cnf, _cnf_needles(cnf), parts))

    def __call__(self, text: str) -> bool:
        low = text.lower() if self.casefold else text
        trap = self.casefold and not _FOLD_TRAPS.isdisjoint(text)
        hit = trap or any(n in low for n in self.needles)
        return self.check(text, low, hit, trap)

    def check(self, text: str, low: str, hit: bool, trap: bool) -> bool:
        """The answer for `text`, given `low` (`text.lower()` if the pattern ignores case,
        else `text`), `hit` (it holds a needle, or a fold trap) and `trap` (a fold trap)."""
        if not self.groups:
            return (hit or not self.needles) and self.pattern.search(text) is not None
        for gated, lowered, search, folded, cnf, needles, parts in self.groups:
            if gated and not hit:
                continue
            if cnf is not None and not trap:
                ks = _passing_branches(cnf, low, needles)
                if not ks:
                    continue
                if parts is not None and len(ks) < len(parts):
                    # only the branches holding a needle of each of their sets can match
                    on = low if lowered else text
                    if any(parts[k](on) is not None for k in ks):
                        return True
                    continue
            if lowered:
                found = folded(text) if trap else search(low)
            else:
                found = search(text)
            if found is not None:
                return True
        return False


Plan = tuple[tuple[str, ...], tuple[tuple[bool, bool, str, int, Any], ...]]


def _plan(pattern: re.Pattern) -> Plan:
    """What a Matcher runs for `pattern`, from its parse tree: its needles, and its branches
    grouped by (gated?, lowered?) as (gated, lowered, source, flags, needle sets tested
    before the regex or None). No groups: the whole pattern, gated by the needles."""
    branches = (
        split_branches(pattern.pattern)
        if isinstance(pattern.pattern, str) and not pattern.flags & (re.VERBOSE | re.LOCALE)
        else None
    )
    whole = requirement(pattern)
    plain = tuple(sorted(whole, key=len, reverse=True)) if whole else ()
    if branches is None:
        return plain, ()
    casefold = bool(pattern.flags & re.IGNORECASE)
    flags = int(pattern.flags & ~re.UNICODE)
    groups: dict[tuple[bool, bool], list[str]] = {}
    needles: set[str] = set()
    musts: dict[tuple[bool, bool], list[tuple[frozenset[str], ...]]] = {}
    for branch in branches:
        compiled = re.compile(branch, flags)
        req = requirement(compiled)
        gated = req is not None and min(map(len, req)) >= _WEAK
        low = _lowered(branch, flags) if casefold else None
        groups.setdefault((gated, low is not None), []).append(low or branch)
        musts.setdefault((gated, low is not None), []).append(conjuncts(compiled))
        if gated and req is not None:
            needles |= req
    if set(groups) <= {(False, False)}:
        return plain, ()
    plan = []
    for (gated, lowered), srcs in groups.items():
        # a gated branch needing two substring sets or more: test them before the regex
        # (a text it can match holds one needle of each of its sets)
        ands = musts[(gated, lowered)]
        cnf = tuple(ands) if gated and any(len(a) > 1 for a in ands) else None
        plan.append((gated, lowered, "|".join(srcs), flags, cnf))
    return tuple(sorted(needles, key=len, reverse=True)), tuple(plan)


class _LazySearch:
    """`re.compile(source, flags).search`, compiled on the first call: a lowered group's
    IGNORECASE form only runs on texts with a fold trap, which most processes never see,
    and compiling it costs a cold `check` ~2 ms a group."""

    __slots__ = ("source", "flags", "search")

    def __init__(self, source: str, flags: int) -> None:
        self.source, self.flags = source, flags
        self.search: Callable | None = None

    def __call__(self, text: str) -> re.Match | None:
        if self.search is None:
            self.search = re.compile(self.source, self.flags).search
        return self.search(text)


def _cnf_needles(cnf: tuple[tuple[frozenset[str], ...], ...] | None) -> tuple[str, ...]:
    """Every needle of a group's needle sets, once each."""
    return tuple(sorted({n for sets in cnf or () for needles in sets for n in needles}))


def _branch_searches(
    source: str, flags: int, cnf: tuple[tuple[frozenset[str], ...], ...] | None
) -> tuple[_LazySearch, ...] | None:
    """Each branch of a group with needle sets as its own search (compiled when first
    run), or None where the group has one branch or its branches do not split as planned."""
    if cnf is None or len(cnf) < 2:
        return None
    branches = split_branches(source)
    if branches is None or len(branches) != len(cnf):
        return None
    return tuple(_LazySearch(b, flags) for b in branches)


def _passing_branches(
    cnf: tuple[tuple[frozenset[str], ...], ...], low: str, needles: tuple[str, ...]
) -> list[int]:
    """The branches with a needle of each of their sets in `low`, given `needles`, all the
    needles of `cnf`: each is looked for once, not once per set holding it."""
    disjoint = set(filter(low.__contains__, needles)).isdisjoint
    return [k for k, sets in enumerate(cnf) if not any(map(disjoint, sets))]


@lru_cache(maxsize=256)
def matches(pattern: re.Pattern) -> Matcher:
    """`bool(pattern.search(text))`, faster: see the module doc."""
    return Matcher(pattern)


_SEP = "\x00"
_ANCHORS = re.compile(r"\^|\$|\\[AZ]")  # patterns that see a text's own edges
_FEW = 4  # under 1/_FEW of a document's texts are tested one by one


class TextIndex:
    """One document's texts, lower-cased once and joined, so that the texts holding any of
    a set of substrings are found with one `str.find` pass per substring instead of a
    test per text (the same answers as `any(n in text.lower() for n in needles)`).

    Texts at the indices in `skip` (a document's reference list, which no detector reads)
    are left out of the joined text: `holding` never answers them, and they must not be
    asked about. Each substring's texts are kept, so sets sharing one search it once."""

    def __init__(self, texts: Sequence[str], skip: Iterable[int] = ()) -> None:
        self.texts = list(texts)
        self.lows = [t.lower() for t in self.texts]
        self.skipped = frozenset(skip)
        self._joined: dict[bool, tuple[str, list[int]]] = {}
        self._found: dict[tuple[bool, tuple[str, ...]], frozenset[int]] = {}
        self._each: dict[tuple[bool, str], frozenset[int]] = {}
        self._searched: dict[re.Pattern, frozenset[int]] = {}
        self.outside_references: list[int] = list(range(len(self.texts)))  # set by the caller

    def _parts(self, lower: bool) -> list[str]:
        parts = self.lows if lower else self.texts
        if self.skipped:
            parts = ["" if i in self.skipped else p for i, p in enumerate(parts)]
        return parts

    def _join(self, lower: bool) -> tuple[str, list[int]]:
        got = self._joined.get(lower)
        if got is None:
            parts = self._parts(lower)
            starts, pos = [], 0
            for part in parts:
                starts.append(pos)
                pos += len(part) + 1
            got = self._joined[lower] = (_SEP.join(parts), starts)
        return got

    def holding(self, needles: tuple[str, ...], *, lower: bool = True) -> frozenset[int]:
        """Indices of the texts (lower-cased, unless `lower` is False) holding any needle."""
        key = (lower, needles)
        got = self._found.get(key)
        if got is not None:
            return got
        needles = _minimal(needles)
        if "" in needles:
            got = frozenset(i for i in range(len(self.texts)) if i not in self.skipped)
        elif any(_SEP in n for n in needles):  # could span two texts: test each text
            parts = self._parts(lower)
            got = frozenset(
                i
                for i, p in enumerate(parts)
                if i not in self.skipped and any(n in p for n in needles)
            )
        else:
            got = frozenset().union(*(self._holding_one(n, lower) for n in needles))
        self._found[key] = got
        return got

    def _holding_one(self, needle: str, lower: bool) -> frozenset[int]:
        got = self._each.get((lower, needle))
        if got is None:
            joined, _ = self._join(lower)
            find = joined.find
            got = self._each[(lower, needle)] = self._hits(lambda pos: find(needle, pos), lower)
        return got

    def _hits(self, first_at: Callable[[int], int], lower: bool) -> frozenset[int]:
        """The texts with a hit in the joined text, where `first_at(pos)` is the offset of
        the first hit at or after `pos` (-1: none): one scan that skips to the next text
        after each hit."""
        _, starts = self._join(lower)
        out: set[int] = set()
        n_parts = len(starts)
        at = first_at(0)
        while at >= 0:
            i = bisect_right(starts, at) - 1
            out.add(i)
            if i + 1 >= n_parts:
                break
            at = first_at(starts[i + 1])
        return frozenset(out)

    def searching(self, pattern: re.Pattern) -> frozenset[int]:
        """Indices of the texts (as given, not lower-cased) `pattern` finds a match in, from
        one scan of the joined text. Only for patterns that cannot match the separator
        ("\\x00") or depend on where a text starts or ends other than through a \\b or a
        look-behind that "\\x00" fails like a text's edge; anchored patterns are tested
        per text."""
        got = self._searched.get(pattern)
        if got is not None:
            return got
        if _ANCHORS.search(pattern.pattern):
            got = frozenset(
                i for i, t in enumerate(self.texts) if i not in self.skipped and pattern.search(t)
            )
        else:
            joined, _ = self._join(False)
            search = pattern.search

            def first_at(pos: int) -> int:
                m = search(joined, pos)
                return m.start() if m else -1

            got = self._hits(first_at, False)
        self._searched[pattern] = got
        return got

    def traps(self) -> frozenset[int]:
        """Indices of the texts holding a character `str.lower` and `re` fold differently."""
        return self.holding(_TRAP_NEEDLES, lower=False)

    def matching(self, matcher: Matcher, among: Iterable[int]) -> list[int]:
        """Those of the indices `among` (in their order) whose text `matcher` matches."""
        texts, lows = self.texts, (self.lows if matcher.casefold else self.texts)
        among = list(among)
        check, needles = matcher.check, matcher.needles
        if len(among) * _FEW < len(texts):  # a few texts: test them, not the whole document
            out = []
            for i in among:
                text, low = texts[i], lows[i]
                trap = matcher.casefold and not _FOLD_TRAPS.isdisjoint(text)
                if check(text, low, trap or any(n in low for n in needles), trap):
                    out.append(i)
            return out
        traps = self.traps() if matcher.casefold else frozenset()
        hits = self.holding(needles, lower=matcher.casefold) | traps
        return [i for i in among if check(texts[i], lows[i], i in hits, i in traps)]


_TRAP_NEEDLES = tuple(sorted(_FOLD_TRAPS))


@lru_cache(maxsize=256)
def _minimal(needles: tuple[str, ...]) -> tuple[str, ...]:
    """The needles without those holding another one (a text holding "a100" holds "a10")."""
    uniq = sorted(set(needles), key=len)
    return tuple(n for k, n in enumerate(uniq) if not any(m in n for m in uniq[:k]))

"""From page lines to a Document: clean-up, sections, captions, table lines, sentences.

Sections: `front` (title, authors) up to the Abstract heading, `abstract` up to the first
heading after it (Introduction), `body`, `references` from the References/Bibliography
heading up to an Appendix heading, and `appendix`. Everything is done on lines with
regular expressions (no geometry), which keeps a paper to a few milliseconds.
"""

from __future__ import annotations

import re
from collections import Counter

from extractors.document import Document, TextUnit
from extractors.pdftext import RawPdf
from extractors.sentences import split_sentences
from extractors.textnorm import normalize_ws

MAX_ABSTRACT = 4000
MAX_INTRO = 8000
MAX_CAPTION_LINES = 8

_WORDS = re.compile(r"[A-Za-z]+(?:-[A-Za-z]+)*")
_SOFT_HYPHEN = re.compile(r"([A-Za-z]*)\ufffe([A-Za-z]*)")
_BARE_NUMBER = re.compile(r"^\s*(\d{1,4}|[ivxlc]{1,6})\s*$", re.IGNORECASE)
_DIGITS = re.compile(r"\d+")
_DIGITS_3 = re.compile(r"\d+\D+\d+\D+\d")  # cheap test before the table-line check

_ABSTRACT = re.compile(
    r"^\s*(?:abstract|a\s?b\s?s\s?t\s?r\s?a\s?c\s?t)\b\s*[.:\u2014\u2013-]?\s*(.*)$", re.IGNORECASE
)
_INTRO = re.compile(
    r"^\s*(?:(?:1|I)\.?\s+)?(?i:introduction)(?:\s+(?i:and)\s+[A-Za-z ]{1,30})?"
    r"\s*:?\s*$"
)  # "1 Introduction", "1 INTRODUCTION AND MOTIVATION"
_ARXIV_STAMP = re.compile(
    r"^\s*arXiv:\d{4}\.\d{4,5}(?:v\d+)?\s+\[[^\]]+\]\s+\d{1,2}\s+\w{3,9}"
    r"\s+\d{4}\s*$"
)
_KEYWORDS = re.compile(r"^\s*(keywords|key words|index terms)\b", re.IGNORECASE)
_REFERENCES = re.compile(
    r"^\s*(?:(?:\d{1,2}|[IVX]{1,5})\.?\s*)?(?:references|bibliography|"
    r"literature cited|references and notes|cited literature)\s*:?\s*$",
    re.IGNORECASE,
)
# "Appendix", "Appendix A. Proofs", "APPENDIX B: Details", "Supplementary Material"
_APPENDIX_WORD = re.compile(
    r"^\s*(?:appendix|appendices|supplementary materials?|"
    r"supplemental materials?|supplementary)\b(?P<rest>.*)$",
    re.IGNORECASE,
)
_APPENDIX_REST = re.compile(
    r"^\s*(?:[A-Z](?:\.\d+)*)?\s*[.:\u2014\u2013-]?\s*"
    r"(?:[A-Z\u201c\"][^,;()\[\]]{0,80})?$"
)
# "A Experimental details", "A. Proofs", "A.1 Setup", "A APPENDIX" after the references
_LETTER_HEADING = re.compile(r"^\s*A(?:\.1)?\.?\s+[A-Z][A-Za-z\u2019'-]+(?:\s+\S+){0,10}\s*$")
_YEAR = re.compile(r"\b(?:19[5-9]\d|20[0-4]\d)[a-z]?\b")
_REF_YEAR = re.compile(r"\b(?:19[5-9]\d|20[0-4]\d)[a-z]?\)?\.(?!\d)")  # "2019." "(2019)."
_HEADING = re.compile(
    r"^\s*(?:\d{1,2}(?:\.\d{1,2}){0,3}\.?|[IVX]{1,5}\.|[A-H](?:\.\d{1,2}){0,3}"
    r"\.?)\s+[A-Z][^.!?]{0,80}$"
)
_CAPTION = re.compile(
    r"^\s*(?:figure|fig\.|table|tab\.)\s*(?:[A-Z]?\d+(?:\.\d+)?|[IVX]{1,6}|"
    r"S\d+)[a-z]?\s*(?:[:.|\u2014\u2013-]|$)",
    re.IGNORECASE,
)
_NUMBER = re.compile(
    r"^[(\[~<>\u2248\u00b1+-]?[$]?\d[\d.,]*(?:[%x\u00d7KMBGkmb]|e[+-]?\d+)?"
    r"[)\]*\u2020\u2021,;]*$"
)
_END_PUNCT = (".", "!", "?", ":")
_SENTENCE_INSIDE = re.compile(r"[a-z\d)}\]][.;] [A-Z][a-z]{2,} [a-z]")  # "...0.8}. We fine-tune"


def build_document(raw: RawPdf) -> Document:
    """Cut a RawPdf's lines into sections and sentence/caption/table units."""
    lexicon = _lexicon(raw.pages)
    sizes = raw.sizes or tuple((0.0,) * len(lines) for lines in raw.pages)
    pages = [
        [
            (_dehyphenate_line(line, lexicon), size)
            for line, size in zip(lines, page_sizes or (0.0,) * len(lines))
        ]
        for lines, page_sizes in zip(raw.pages, sizes)
    ]
    page_texts = tuple("\n".join(line for line, _ in lines) for lines in pages)
    pages = _drop_running_lines(pages)
    flat3 = _join_line_hyphens(
        [
            (p + 1, line.strip(), size)
            for p, lines in enumerate(pages)
            for line, size in lines
            if line.strip()
        ],
        lexicon,
    )
    flat = [(p, line) for p, line, _ in flat3]
    sections, abstract, intro_start = _sections(flat)
    units = _units(flat, sections, [size for _, _, size in flat3], lexicon)
    abstract_text = _abstract_text(flat, sections, abstract)
    return Document(
        file=raw.file,
        pages=len(raw.pages),
        page_texts=page_texts,
        units=tuple(units),
        title=raw.title,
        abstract=abstract_text,
        introduction=_intro_text(flat, sections, intro_start),
        scanned_pages=raw.scanned_pages,
    )


# -- clean-up -----------------------------------------------------------------------------
# bytes a-z and "-" kept, every other byte a space (non-ASCII characters are "?" by then)
_WORD_BYTES = bytes(b if 97 <= b <= 122 or b == 45 else 32 for b in range(256))


def _lexicon(pages) -> set[str]:
    """set(_WORDS.findall(text.lower())), faster: the lower-cased text holds no A-Z, so the
    words lie in the runs of a-z and "-"; a run without "-" is one word as it is."""
    text = "\n".join("\n".join(lines) for lines in pages).lower()
    runs = set(text.encode("ascii", "replace").translate(_WORD_BYTES).decode("ascii").split())
    words = {run for run in runs if "-" not in run}
    for run in runs - words:
        words.update(_WORDS.findall(run))
    return words


def _join_choice(left: str, right: str, lexicon: set[str]) -> str:
    """Join a word broken at a line end: keep the hyphen only where the text says so."""
    if not left or not right:
        return left + right
    hyphened, joined = f"{left}-{right}".lower(), f"{left}{right}".lower()
    if hyphened in lexicon and joined not in lexicon:
        return f"{left}-{right}"
    if joined in lexicon or right[0].islower():
        return left + right
    return f"{left}-{right}"  # "Multi-Head", "GPT-3"


def _dehyphenate_line(line: str, lexicon: set[str]) -> str:
    if "\ufffe" not in line:
        return line

    def join(m: re.Match) -> str:
        if line[m.start() - 1 : m.start()] == "-" or line[m.end() : m.end() + 1] == "-":
            return f"{m.group(1)}-{m.group(2)}"  # inside a compound: "state-of-the-art"
        return _join_choice(m.group(1), m.group(2), lexicon)

    return _SOFT_HYPHEN.sub(join, line)


def _join_line_hyphens(flat, lexicon):
    """A line ending in a plain hyphen before a lower-case word: join it with the next."""
    out = []
    i = 0
    while i < len(flat):
        page, line, size = flat[i]
        if (
            line.endswith("-")
            and i + 1 < len(flat)
            and flat[i + 1][0] == page
            and flat[i + 1][1][:1].islower()
        ):
            left = re.search(r"([A-Za-z]+)-$", line)
            nxt = flat[i + 1][1]
            right = re.match(r"[A-Za-z]+", nxt)
            if left and right:
                word = _join_choice(left.group(1), right.group(0), lexicon)
                out.append((page, line[: left.start()] + word + nxt[right.end() :], size))
                i += 2
                continue
        out.append((page, line, size))
        i += 1
    return out


def _drop_running_lines(pages):
    """Drop running headers/footers (same line at the top or bottom of many pages),
    bare page numbers and review line numbers."""

    def key(pair: tuple[str, float]) -> str:
        return _DIGITS.sub("#", pair[0].strip().lower())

    edge = Counter()
    for lines in pages:
        body = [ln for ln in lines if ln[0].strip() and not _BARE_NUMBER.match(ln[0])]
        edge.update({key(ln) for ln in body[:3] + body[-3:]})
    limit = max(3, len(pages) * 0.3)
    running = {k for k, n in edge.items() if n >= limit and len(k) < 150}
    out = []
    for lines in pages:
        kept = [
            ln
            for ln in lines
            if ln[0].strip() and not _BARE_NUMBER.match(ln[0]) and not _ARXIV_STAMP.match(ln[0])
        ]
        if running:
            head = [ln for ln in kept[:3] if key(ln) not in running]
            tail = [ln for ln in kept[-3:] if key(ln) not in running] if len(kept) > 3 else []
            kept = (
                head + kept[3:-3] + tail
                if len(kept) > 6
                else [ln for ln in kept if key(ln) not in running]
            )
        out.append(kept)
    return out


# -- sections ---------------------------------------------------------------------------
def _sections(flat):
    """Section of each line, the abstract's line range and the introduction's first line."""
    n = len(flat)
    sections = ["body"] * n
    first_pages = {flat[0][0], flat[0][0] + 1} if flat else set()
    abstract_at = next(
        (i for i, (p, ln) in enumerate(flat[:400]) if p in first_pages and _ABSTRACT.match(ln)),
        None,
    )
    search_from = abstract_at + 1 if abstract_at is not None else 0
    intro_at = next(
        (i for i in range(search_from, min(n, search_from + 400)) if _INTRO.match(flat[i][1])), None
    )
    if abstract_at is not None:
        end = intro_at
        if end is None:
            end = next(
                (
                    i
                    for i in range(abstract_at + 1, min(n, abstract_at + 120))
                    if _is_heading(flat, i) or _KEYWORDS.match(flat[i][1])
                ),
                min(n, abstract_at + 40),
            )
        for i in range(abstract_at):
            sections[i] = "front"
        for i in range(abstract_at, end):
            sections[i] = "abstract"
        abstract = (abstract_at, end)
    else:
        abstract = None
        for i in range(intro_at if intro_at is not None else 0):
            sections[i] = "front"
    state = "body"
    start = (abstract[1] if abstract else intro_at) or 0
    refs_at, float_until = 0, -1  # where the references began; a caption among them ends
    for i in range(start, n):
        line = flat[i][1]
        if _REFERENCES.match(line) and i > 0:
            state, refs_at = "references", i
        elif state == "references" and _CAPTION.match(line):
            # a caption is never a reference: a float the typesetter put among them (its
            # caption only), or the start of an appendix without a heading (all that
            # follows, when it does not read as the reference list did)
            if _references_over(flat, refs_at, i):
                state = "appendix"
            else:
                float_until = _caption_end(flat, i)
        elif (
            state == "references"
            and _appendix_after_references(flat, i)
            or state == "body"
            and _strong_appendix(line)
            and (i == 0 or flat[i - 1][0] != flat[i][0] or flat[i - 1][1].endswith(_END_PUNCT))
        ):
            state = "appendix"
        sections[i] = "appendix" if i <= float_until else state
    return sections, abstract, intro_at


_CAPTION_LINES = 6
_AFTER_WINDOW = 60


def _caption_end(flat, i) -> int:
    """The last line of the caption starting at line `i` (its first line ending a sentence,
    within a few lines, on its page)."""
    end = i
    for j in range(i, min(len(flat), i + _CAPTION_LINES)):
        if flat[j][0] != flat[i][0] or (j > i and _CAPTION.match(flat[j][1])):
            break
        end = j
        if flat[j][1].rstrip().endswith("."):
            break
    return end


def _references_over(flat, refs_at: int, i: int) -> bool:
    """Whether the lines after the caption at line `i` no longer read as the reference list
    that began at line `refs_at`: under a third as many of them end with a reference's year
    ("2019.", "(2019).") as of the list's lines before the caption (a reference takes one
    line to several, by style, so the list is its own yardstick)."""
    before = flat[refs_at + 1 : i]
    after = flat[i + 1 : i + 1 + _AFTER_WINDOW]
    if not after:
        return True
    rate_after = sum(bool(_REF_YEAR.search(ln)) for _, ln in after) / len(after)
    if len(before) < 10:
        return rate_after < 0.05
    rate_before = sum(bool(_REF_YEAR.search(ln)) for _, ln in before) / len(before)
    return rate_after < rate_before / 3


def _strong_appendix(line: str) -> bool:
    m = _APPENDIX_WORD.match(line)
    return bool(
        m
        and line[:1].isupper()
        and len(line) < 100
        and _APPENDIX_REST.match(m.group("rest"))
        and not line.endswith(".")
        and _titled(m.group("rest").split())
    )


def _appendix_after_references(flat, i) -> bool:
    line = flat[i][1]
    if _strong_appendix(line) or (
        _APPENDIX_WORD.match(line) and line[:1].isupper() and len(line) < 100 and "," not in line
    ):
        return True
    if not _LETTER_HEADING.match(line) or "," in line or _YEAR.search(line) or line.endswith("."):
        return False
    if _APPENDIX_WORD.match(line.partition(" ")[2]):
        return True  # "A Appendix", "A APPENDIX: ..."
    after = flat[i + 1 : i + 16]
    years = sum(bool(_REF_YEAR.search(ln)) for _, ln in after)
    return bool(after) and years / len(after) < 0.25


_SMALL_WORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "as",
        "at",
        "by",
        "for",
        "from",
        "in",
        "into",
        "of",
        "on",
        "or",
        "the",
        "to",
        "via",
        "vs",
        "with",
    ]
)


def _titled(words: list[str]) -> bool:
    return all(w[:1].isupper() or w[:1].isdigit() or w.lower() in _SMALL_WORDS for w in words)


def _is_heading(flat, i) -> bool:
    line = flat[i][1]
    if len(line) > 90 or not _HEADING.match(line) or _is_table_line(line):
        return False
    label, _, rest = line.strip().partition(" ")
    words = rest.split()
    if not (_titled(words) or (label[:1].isdigit() and len(words) <= 4)):
        return False
    return i == 0 or flat[i - 1][0] != flat[i][0] or flat[i - 1][1].endswith(_END_PUNCT)


# -- units ------------------------------------------------------------------------------
def _is_table_line(line: str) -> bool:
    tokens = line.split()
    if len(tokens) < 3:
        return False
    numbers = sum(bool(_NUMBER.match(t)) for t in tokens)
    if numbers < 3 or numbers / len(tokens) < 0.4:
        return False
    if "{" in line or _SENTENCE_INSIDE.search(line):
        return False  # a search grid or a sentence running on after its numbers
    # prose with a list of numbers ("(among 5e-5, 4e-5, 3e-5 and 2e-5) on the dev set")
    words = sum(t.isalpha() and t.islower() and len(t) > 2 for t in tokens)
    return words < numbers and not (line.rstrip().endswith(".") and words >= 2)


def _same_size(a: float, b: float) -> bool:
    """Same font size, or unknown (captions are set smaller than the text after them)."""
    return not (a and b) or abs(a - b) < 0.4


def _units(flat, sections, sizes, lexicon: set[str]) -> list[TextUnit]:
    n = len(flat)
    table = [_DIGITS_3.search(ln) is not None and _is_table_line(ln) for _, ln in flat]
    caption = [_CAPTION.match(ln) is not None for _, ln in flat]
    heading = [not table[i] and _is_heading(flat, i) for i in range(n)]
    units: list[TextUnit] = []
    buffer: list[str] = []
    buf_key: tuple[int, str] | None = None
    # an unfinished last sentence held over a page break or a float: (page, section, text,
    # where its unit goes), joined with the prose that continues it or put back as it was
    held: tuple[int, str, str, int] | None = None
    joined_page, held_at = 0, 0  # the buffer starts with a held sentence: its page and place

    def release() -> None:
        nonlocal held
        if held is not None:
            page, section, text, at = held
            units.insert(at, TextUnit(page, section, "sentence", text))
            held = None

    def flush(hold: bool = False) -> None:
        nonlocal buffer, held, joined_page
        if not buffer or buf_key is None:
            return
        page, section = buf_key
        sentences = split_sentences(normalize_ws(" ".join(buffer)))
        buffer = []
        at = len(units)
        first_page = joined_page or page
        if joined_page:
            at = held_at
            joined_page = 0
        last = sentences.pop() if hold and sentences and _unfinished(sentences[-1]) else None
        new = [
            TextUnit(first_page if k == 0 else page, section, "sentence", s)
            for k, s in enumerate(sentences)
        ]
        units[at:at] = new
        if last is not None:
            held = (first_page if not new else page, section, last, at + len(new))

    i = 0
    while i < n:
        page, line = flat[i]
        section = sections[i]
        if (page, section) != buf_key:
            flush(hold=buf_key is not None and buf_key[1] == section)
            buf_key = (page, section)
        if caption[i]:
            flush(hold=True)
            parts, j = [line], i + 1
            while (
                j < n
                and len(parts) < MAX_CAPTION_LINES
                and flat[j][0] == page
                and not parts[-1].endswith((".", ":"))
                and not caption[j]
                and not table[j]
                and not heading[j]
                and _same_size(sizes[j], sizes[j - 1])
            ):
                parts.append(flat[j][1])
                j += 1
            units.append(TextUnit(page, section, "caption", normalize_ws(" ".join(parts))))
            # a table's header lines between its caption and its first row
            k = j
            while (
                k < min(n, j + 4)
                and flat[k][0] == page
                and not table[k]
                and not caption[k]
                and not flat[k][1].endswith((".", "!", "?"))
            ):
                k += 1
            if k > j and k < n and table[k] and flat[k][0] == page:
                for h in range(j, k):
                    table[h] = True
            i = j
            continue
        if table[i]:
            flush(hold=True)
            units.append(TextUnit(page, section, "table", normalize_ws(line)))
        elif heading[i] or (len(line) < 30 and (_REFERENCES.match(line) or _ABSTRACT.match(line))):
            flush()
            release()
            units.append(TextUnit(page, section, "sentence", normalize_ws(line)))
        else:
            if held is not None and not buffer:
                if held[1] == section and _continues(line):
                    buffer.append(_join_held(held[2], line, lexicon))
                    joined_page, held_at = held[0], held[3]
                    held = None
                    i += 1
                    continue
                release()
            buffer.append(line)
        i += 1
    flush()
    release()
    return units


_SENTENCE_END = re.compile(r"[.!?:;][\"'\u201d\u2019)\]*\u2020\u2021]*\d{0,2}$")
_HELD_HYPHEN = re.compile(r"([A-Za-z]+)-$")
_CONTINUATION = re.compile(r"[a-z]")
_PROSE_TAIL = re.compile(r"^[a-z][a-z-]*,?$|[A-Za-z]-$")


def _unfinished(sentence: str) -> bool:
    """Prose cut short: no full stop, question mark, colon or semicolon at its end, and a
    lower-case word (or a broken word) last, not a figure's axis and legend words."""
    if _SENTENCE_END.search(sentence) is not None:
        return False
    words = sentence.split()
    if len(words) < 3 or _PROSE_TAIL.search(words[-1]) is None:
        return False
    return sum(1 for w in words if w[:1].islower()) * 2 >= len(words)


def _continues(line: str) -> bool:
    """The line carries on a held sentence: it starts with a lower-case word."""
    return _CONTINUATION.match(line.lstrip()) is not None


def _join_held(held: str, line: str, lexicon: set[str]) -> str:
    """The held sentence and its continuation, a word broken across them joined."""
    line = line.lstrip()
    left, right = _HELD_HYPHEN.search(held), _WORDS.match(line)
    if left and right:
        rest = right.group(0).split("-")[0]  # the broken word's second part
        return held[: left.start()] + _join_choice(left.group(1), rest, lexicon) + line[len(rest) :]
    return f"{held} {line}"


# -- abstract and introduction for the target classifier --------------------------------
def _abstract_text(flat, sections, abstract) -> str | None:
    if abstract is not None:
        start, end = abstract
        heading = _ABSTRACT.match(flat[start][1])
        if heading is None:  # _sections starts the abstract only on a line that matches
            raise ValueError(
                f"abstract range starts on a line that is no Abstract heading: {start}"
            )
        first = heading.group(1)
        lines = ([first] if first else []) + [ln for _, ln in flat[start + 1 : end]]
    else:
        # no Abstract heading: the prose lines before the introduction on page 1
        lines = [
            ln
            for (p, ln), s in zip(flat, sections)
            if s == "front" and p == flat[0][0] and len(ln) >= 40
        ]
    text = normalize_ws(" ".join(lines))[:MAX_ABSTRACT]
    return text or None


def _intro_text(flat, sections, intro_at) -> str | None:
    if intro_at is None:
        start = next((i for i, s in enumerate(sections) if s == "body"), None)
        if start is None:
            return None
    else:
        start = intro_at + 1
    lines, size = [], 0
    for i in range(start, len(flat)):
        if sections[i] != "body" or (
            i > start and _is_heading(flat, i) and not re.match(r"\s*(1\.\d|I\.[A-Z])", flat[i][1])
        ):
            break
        lines.append(flat[i][1])
        size += len(flat[i][1]) + 1
        if size > MAX_INTRO:
            break
    text = normalize_ws(" ".join(lines))[:MAX_INTRO]
    return text or None

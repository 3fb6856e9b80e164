"""ACL Anthology: the Anthology's own XML (data/xml/{collection}.xml), local or raw GitHub.

Venues by id: `acl`, `emnlp`, `naacl` (main-conference volumes only, unless
`main_only=False`), `findings` (every Findings volume), or any other `<venue>` id of the
Anthology (read from the new-style `{year}.{venue}` collection). Ids are `acl:P18-1001`,
`acl:2024.acl-long.1`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from corpus.records import Paper
from corpus.sources.parsing import (
    IssueLog,
    ParseResult,
    SourceIssue,
    clean,
    default_years,
    local_root,
    maybe_gunzip,
    norm_list,
)
from corpus.sources.protocol import CrawlQuery, Fetcher

NAME = "acl"
RAW_BASE = "https://raw.githubusercontent.com/acl-org/acl-anthology/master/data/xml"
SITE = "https://aclanthology.org"
DEFAULT_VENUES = ("acl", "emnlp", "naacl")
CONFERENCES = {"acl": "ACL", "emnlp": "EMNLP", "naacl": "NAACL"}
OLD_LETTER = {"acl": "P", "emnlp": "D", "naacl": "N"}  # collection letters before 2020
FIRST_FINDINGS = 2020  # Findings of EMNLP 2020 was the first Findings volume
# booktitles of a conference's non-main volumes (demos, tutorials, SRW, industry, workshops)
_NOT_MAIN = re.compile(
    r"demonstration|tutorial|student research|industry|workshop|"
    r"shared task|doctoral",
    re.IGNORECASE,
)
_OLD_ID = re.compile(r"^[A-Z]\d\d$")


def collection_ids(venue: str, year: int) -> list[str]:
    """The collection files that hold `venue` papers of `year` (P18; 2020.acl; 2021.findings)."""
    venue = venue.lower()
    if venue == "findings" and year < FIRST_FINDINGS:
        return []
    if venue in OLD_LETTER and year < 2020:
        return [f"{OLD_LETTER[venue]}{year % 100:02d}"]
    return [f"{year}.{venue}"]


def anthology_id(collection: str, volume: str, paper: str) -> str:
    """The Anthology id of a paper: P18-1001, D19-5004, 2024.acl-long.1."""
    if _OLD_ID.match(collection):
        width = max(4 - len(volume), 1)
        return f"{collection}-{volume}{int(paper):0{width}d}"
    return f"{collection}-{volume}.{paper}"


def flatten(elem: etree._Element | None) -> str:
    """Markup text as plain text: <fixed-case>, <b>, <i>, <url> give their text, <tex-math> gives $TeX$."""
    if elem is None:
        return ""
    parts: list[str] = []

    def walk(e: etree._Element) -> None:
        if e.text:
            parts.append(e.text)
        for child in e:
            if not isinstance(child.tag, str):  # comments, processing instructions
                pass
            elif child.tag == "tex-math":
                parts.append("$" + "".join(child.itertext()) + "$")
            else:
                walk(child)
            if child.tail:
                parts.append(child.tail)

    walk(elem)
    return clean("".join(parts))


def is_main_volume(booktitle: str) -> bool:
    """Whether a conference volume is the main conference (long/short/main), not a side track."""
    return not _NOT_MAIN.search(booktitle)


def volume_venue(
    volume_id: str, tags: list[str], booktitle: str, wanted: list[str], main_only: bool = True
) -> str | None:
    """The venue name to store for a volume if the query wants it (ACL, Findings-EMNLP), else None."""
    for want in wanted:
        if want not in tags:
            continue
        if want == "findings":
            return "Findings-" + volume_id.upper()
        if want in CONFERENCES:
            if main_only and not is_main_volume(booktitle):
                continue
            return CONFERENCES[want]
        return want.upper()
    return None


@dataclass(frozen=True)
class _Volume:
    id: str
    venue: str
    year: int


def parse_collection(
    data: bytes,
    *,
    wanted: list[str] | tuple[str, ...] = DEFAULT_VENUES,
    years: tuple[int, ...] = (),
    main_only: bool = True,
    where: str = "",
) -> ParseResult:
    """Papers of the wanted venues/years in one collection file (XML bytes, gzip allowed)."""
    result = ParseResult()
    where = where or "collection"
    try:
        root = etree.fromstring(maybe_gunzip(data))
    except (etree.XMLSyntaxError, OSError, EOFError) as exc:
        result.issues.append(SourceIssue(NAME, where, f"malformed XML: {exc}"))
        return result
    if root.tag != "collection" or not root.get("id"):
        result.issues.append(
            SourceIssue(NAME, where, f"not an Anthology collection (root <{root.tag}>)")
        )
        return result
    coll = root.get("id")
    wanted = norm_list(wanted)
    for vol in root.iter("volume"):
        meta = vol.find("meta")
        vid = vol.get("id") or ""
        if meta is None or not vid:
            result.issues.append(
                SourceIssue(NAME, f"{where} volume {vid or '?'}", "volume without id or <meta>")
            )
            continue
        tags = [clean(v.text).lower() for v in meta.findall("venue")]
        venue = volume_venue(vid, tags, flatten(meta.find("booktitle")), wanted, main_only)
        if venue is None:
            continue
        try:
            year = int(clean(meta.findtext("year")))
        except ValueError:
            result.issues.append(SourceIssue(NAME, f"{where} volume {vid}", "no valid <year>"))
            continue
        if years and year not in years:
            continue
        info = _Volume(vid, venue, year)
        for p in vol.findall("paper"):
            try:
                result.papers.append(_paper(coll, info, p))
            except (ValueError, TypeError) as exc:
                result.issues.append(
                    SourceIssue(NAME, f"{where} volume {vid} paper {p.get('id')}", str(exc))
                )
    return result


def _paper(coll: str, vol: _Volume, p: etree._Element) -> Paper:
    pid = p.get("id")
    if not pid:
        raise ValueError("paper without id")
    # <url> is the Anthology id (and PDF name); it can differ from the computed id
    # (2023.acl-long.report) and is absent for papers without a PDF (some tutorial abstracts)
    url_id = clean(p.findtext("url"))
    aid = url_id or anthology_id(coll, vol.id, pid)
    title = flatten(p.find("title"))
    if not title:
        raise ValueError(f"paper {aid} has no title")
    authors = tuple(
        a
        for a in (
            clean(" ".join(flatten(x) for x in (au.find("first"), au.find("last"))))
            for au in p.findall("author")
        )
        if a
    )
    abstract = flatten(p.find("abstract")) or None
    return Paper(
        id=f"{NAME}:{aid}",
        source=NAME,
        venue=vol.venue,
        year=vol.year,
        title=title,
        authors=authors,
        abstract=abstract,
        url=f"{SITE}/{aid}/",
        pdf_url=f"{SITE}/{aid}.pdf" if url_id else None,
        status="listed" if url_id else "no_pdf",
    )


class AclAnthologySource(IssueLog):
    """ACL Anthology papers from its XML: `query.local_dir` (a data/xml copy) or raw GitHub."""

    name = NAME

    def __init__(self, base_url: str = RAW_BASE, *, main_only: bool = True) -> None:
        self.base_url = base_url.rstrip("/")
        self.main_only = main_only
        self.issues = []

    def plan(self, query: CrawlQuery) -> dict[str, list[str]]:
        """Collection id -> the venue ids to take from it, in a stable order."""
        venues = norm_list(query.venues) or list(DEFAULT_VENUES)
        years = sorted(query.years) if query.years else self._years(query)
        local = self._local_collections(query)
        plan: dict[str, list[str]] = {}
        for year in years:
            for venue in venues:
                colls = collection_ids(venue, year)
                if venue not in CONFERENCES and venue != "findings":
                    # any other <venue> id: also look inside every local file of that year
                    colls += [c for c, y in local if y == year and c not in colls]
                for coll in colls:
                    plan.setdefault(coll, [])
                    if venue not in plan[coll]:
                        plan[coll].append(venue)
        return plan

    def _years(self, query: CrawlQuery) -> list[int]:
        local = self._local_collections(query)
        if not local and query.local_dir is None:
            return list(default_years())
        return sorted({y for _, y in local})

    @staticmethod
    def _local_collections(query: CrawlQuery) -> list[tuple[str, int]]:
        """(collection id, year) of every XML file in the local folder (none over HTTP)."""
        root = local_root(query.local_dir)
        if root is None:
            return []
        found = []
        for path in sorted(_xml_dir(root).glob("*.xml*")):
            m = re.match(r"^((\d{4})\.[\w-]+|[A-Z](\d\d))\.xml(\.gz)?$", path.name)
            if m:
                year = int(m.group(2)) if m.group(2) else 2000 + int(m.group(3))
                found.append((m.group(1), year))
        return found

    def iter_papers(self, fetcher: Fetcher, query: CrawlQuery) -> Iterator[Paper]:
        """Every paper of the query's venues and years, collection by collection."""
        self._reset_issues()
        root = local_root(query.local_dir)
        years = tuple(query.years)
        for coll, venues in self.plan(query).items():
            data, where = self._load(
                fetcher,
                coll,
                _xml_dir(root) if root else None,
                (f"{coll}.xml", f"{coll}.xml.gz"),
                f"{self.base_url}/{coll}.xml",
            )
            if data is None:
                continue
            yield from self._take(
                parse_collection(
                    data, wanted=venues, years=years, main_only=self.main_only, where=where
                )
            )


def _xml_dir(root: Path) -> Path:
    """The folder holding the XML: root itself or root/data/xml (a full checkout)."""
    sub = root / "data" / "xml"
    return sub if sub.is_dir() else root

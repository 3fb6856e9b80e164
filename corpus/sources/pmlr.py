"""PMLR (proceedings.mlr.press): a volume repository's `_config.yml` + `_posts/*.md`.

Primary path: `query.local_dir` holding one volume repository (with `_config.yml`) or
several (`v48/`, `v101/`, ...). Over HTTP, from the volume's GitHub repository
(mlresearch/v{N}): `_config.yml` and each post from raw.githubusercontent.com, the list of
posts from the GitHub git-trees API (`/repos/mlresearch/v{N}/git/trees/{ref}?recursive=1`,
one call per volume). Venues: `v48` / `48` (a volume) or `icml` (ICML's volumes for the
query's years). Ids are `pmlr:v48/abel16`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import yaml

from corpus.errors import ConfigError, FetchError, ParseError
from corpus.records import Paper
from corpus.sources.parsing import (
    IssueLog,
    ParseResult,
    SourceIssue,
    clean,
    fetch_bytes,
    local_root,
    norm_list,
)
from corpus.sources.protocol import CrawlQuery, Fetcher

NAME = "pmlr"
SITE = "https://proceedings.mlr.press"
RAW_BASE = "https://raw.githubusercontent.com/mlresearch"
API_BASE = "https://api.github.com"
# ICML's PMLR volume per year (each volume's _config.yml; 2015/2017/2025 per mlanthology).
ICML_VOLUMES = {
    2015: 37,
    2016: 48,
    2017: 70,
    2018: 80,
    2019: 97,
    2020: 119,
    2021: 139,
    2022: 162,
    2023: 202,
    2024: 235,
    2025: 267,
}
# Fallback only (a post without a `pdf` field): volumes up to 48 put PDFs at /v{N}/{id}.pdf.
FLAT_PDF_LAST_VOLUME = 48
_FRONT = re.compile(r"\A---\s*\n(.*?)\n---\s*(?:\n|\Z)", re.DOTALL)
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True)
class VolumeInfo:
    """What a volume's `_config.yml` says: number, venue shortname, year, book title."""

    volume: int
    venue: str
    year: int
    booktitle: str = ""


def parse_config(text: str | bytes, *, where: str = "_config.yml") -> VolumeInfo:
    """A volume's `_config.yml` -> VolumeInfo (ParseError when unusable)."""
    try:
        cfg = yaml.load(text, Loader=_Loader)
        volume = int(cfg["volume"])
        year = int(cfg["year"])
    except (yaml.YAMLError, KeyError, TypeError, ValueError) as exc:
        raise ParseError(f"unusable PMLR _config.yml: {exc!r}", url=where) from exc
    short = clean(str(cfg.get("shortname") or cfg.get("id") or f"PMLR v{volume}"))
    short = re.sub(rf"\s*{year}$", "", short) or short  # "ENLSP-IV 2024" -> "ENLSP-IV"
    return VolumeInfo(volume, short, year, clean(str(cfg.get("booktitle") or "")))


def front_matter(text: str) -> dict:
    """The YAML front matter of a Jekyll post (ValueError when absent or not a mapping)."""
    m = _FRONT.match(text.lstrip("\ufeff"))
    if not m:
        raise ValueError("no YAML front matter")
    data = yaml.load(m.group(1), Loader=_Loader)
    if not isinstance(data, dict):
        raise TypeError("front matter is not a mapping")
    return data


def pdf_url(volume: int, paper_id: str, pdf_field: str | None = None) -> str:
    """The paper's PDF URL: the post's `pdf` field (https for the PMLR site) or derived."""
    if pdf_field:
        return re.sub(r"^http://proceedings\.mlr\.press/", f"{SITE}/", pdf_field.strip())
    if volume <= FLAT_PDF_LAST_VOLUME:
        return f"{SITE}/v{volume}/{paper_id}.pdf"
    return f"{SITE}/v{volume}/{paper_id}/{paper_id}.pdf"


def pdf_url_aliases(url: str) -> list[str]:
    """Other names of a PMLR PDF: `/v{N}/{id}/{id}.pdf` <-> `/v{N}/{id}.pdf`.

    The posts of newer volumes name the nested form; the flat form is how
    ../shared/corpus/pdfs/mirror lays every volume out, so a mirror lookup may try both.
    """
    m = re.match(r"^(https?://proceedings\.mlr\.press/v\d+)/([^/]+)/\2\.pdf$", url)
    if m:
        return [f"{m.group(1)}/{m.group(2)}.pdf"]
    m = re.match(r"^(https?://proceedings\.mlr\.press/v\d+)/([^/]+)\.pdf$", url)
    return [f"{m.group(1)}/{m.group(2)}/{m.group(2)}.pdf"] if m else []


def parse_post(text: str | bytes, vol: VolumeInfo) -> Paper:
    """One `_posts/*.md` -> Paper (ValueError/yaml.YAMLError when unusable)."""
    if isinstance(text, bytes):
        text = text.decode("utf-8")
    fm = front_matter(text)
    pid = clean(str(fm.get("id") or ""))
    title = clean(str(fm.get("title") or ""))
    if not pid or not title:
        raise ValueError("post without id or title")
    authors = tuple(a for a in (_author(x) for x in fm.get("author") or ()) if a)
    abstract = clean(str(fm["abstract"])) if fm.get("abstract") else None
    return Paper(
        id=f"{NAME}:v{vol.volume}/{pid}",
        source=NAME,
        venue=vol.venue,
        year=vol.year,
        title=title,
        authors=authors,
        abstract=abstract,
        url=f"{SITE}/v{vol.volume}/{pid}.html",
        pdf_url=pdf_url(vol.volume, pid, fm.get("pdf")),
    )


def _author(a) -> str:
    if isinstance(a, str):
        return clean(a)
    if not isinstance(a, dict):
        return ""
    return clean(" ".join(str(a.get(k) or "") for k in ("given", "prefix", "family")))


def parse_volume(
    config: str | bytes, posts: Iterable[tuple[str, bytes]], *, where: str = ""
) -> ParseResult:
    """A whole volume: its `_config.yml` and (name, bytes) of each post, in name order."""
    result = ParseResult()
    try:
        vol = parse_config(config, where=f"{where}/_config.yml")
    except ParseError as exc:
        result.issues.append(SourceIssue(NAME, f"{where}/_config.yml", exc.message))
        return result
    for name, data in sorted(posts):
        try:
            result.papers.append(parse_post(data, vol))
        except (ValueError, TypeError, yaml.YAMLError, UnicodeDecodeError) as exc:
            result.issues.append(SourceIssue(NAME, f"{where}/_posts/{name}", f"bad post: {exc}"))
    return result


def post_names_from_tree(data: bytes) -> tuple[list[str], bool]:
    """The `_posts/*.md` names in a GitHub git-trees API answer, and whether it was truncated."""
    doc = json.loads(data)
    names = sorted(
        e["path"].split("/", 1)[1]
        for e in doc.get("tree", ())
        if e.get("type") == "blob"
        and e.get("path", "").startswith("_posts/")
        and e["path"].endswith(".md")
        and e["path"].count("/") == 1
    )
    return names, bool(doc.get("truncated"))


def volume_numbers(venues: Iterable[str], years: Iterable[int]) -> tuple[list[int], list[str]]:
    """Volume numbers named by the query (v48, 48, icml + years) and the other venue names."""
    numbers: list[int] = []
    names: list[str] = []
    for v in norm_list(venues):
        m = re.fullmatch(r"v?(\d+)", v)
        if m:
            numbers.append(int(m.group(1)))
        elif v == "icml":
            wanted = sorted(years) or sorted(ICML_VOLUMES)
            numbers.extend(ICML_VOLUMES[y] for y in wanted if y in ICML_VOLUMES)
        else:
            names.append(v)
    return list(dict.fromkeys(numbers)), names


class PMLRSource(IssueLog):
    """PMLR volumes from their repositories' Jekyll metadata (local first, GitHub over HTTP)."""

    name = NAME

    def __init__(
        self, base_url: str = RAW_BASE, *, api_url: str = API_BASE, ref: str = "HEAD"
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.api_url = api_url.rstrip("/")
        self.ref = ref
        self.issues = []

    def iter_papers(self, fetcher: Fetcher, query: CrawlQuery) -> Iterator[Paper]:
        """Every paper of the selected volumes, volume by volume."""
        self._reset_issues()
        numbers, names = volume_numbers(query.venues, query.years)
        root = local_root(query.local_dir)
        if root is not None:
            yield from self._local(root, numbers, names, set(query.years))
            return
        if names:
            self._issue(
                ",".join(names),
                "over HTTP name PMLR volumes by number (v172) or "
                "use icml; other names need a local folder",
            )
        if not numbers:
            raise ConfigError("pmlr over HTTP needs volumes (e.g. v48) or icml with years")
        for n in numbers:
            yield from self._remote(fetcher, n, set(query.years))

    def _local(
        self, root: Path, numbers: list[int], names: list[str], years: set[int]
    ) -> Iterator[Paper]:
        dirs = (
            [root]
            if (root / "_config.yml").is_file()
            else sorted(
                (d for d in root.iterdir() if (d / "_config.yml").is_file()),
                key=lambda d: (len(d.name), d.name),
            )
        )
        if not dirs:
            raise ConfigError(f"no PMLR volume (_config.yml) in {root} or its subfolders")
        seen: set[int] = set()
        for d in dirs:
            where = str(d)
            try:
                vol = parse_config((d / "_config.yml").read_bytes(), where=where)
            except ParseError as exc:
                self._issue(f"{where}/_config.yml", exc.message)
                continue
            if (numbers or names) and vol.volume not in numbers and vol.venue.lower() not in names:
                continue
            if years and vol.year not in years:
                continue
            seen.add(vol.volume)
            posts = [(p.name, p.read_bytes()) for p in sorted((d / "_posts").glob("*.md"))]
            yield from self._take(
                parse_volume((d / "_config.yml").read_bytes(), posts, where=where)
            )
        for n in numbers:
            if n not in seen:
                self._issue(f"v{n}", f"volume not found under {root} (or not in the years)")

    def _remote(self, fetcher: Fetcher, n: int, years: set[int]) -> Iterator[Paper]:
        repo = f"{self.base_url}/v{n}/{self.ref}"
        try:
            config = fetch_bytes(fetcher, f"{repo}/_config.yml")
            vol = parse_config(config, where=f"{repo}/_config.yml")
            if years and vol.year not in years:
                return
            tree_url = f"{self.api_url}/repos/mlresearch/v{n}/git/trees/{self.ref}"
            names, truncated = post_names_from_tree(
                fetch_bytes(fetcher, tree_url, {"recursive": "1"})
            )
        except (FetchError, ParseError) as exc:
            self._issue(f"v{n}", str(exc))
            return
        except (ValueError, KeyError, AttributeError) as exc:
            self._issue(f"v{n}", f"unusable git tree listing: {exc!r}")
            return
        if truncated:
            self._issue(tree_url, "GitHub truncated the tree: some posts may be missing")
        posts: list[tuple[str, bytes]] = []
        for name in names:
            url = f"{repo}/_posts/{name}"
            try:
                posts.append((name, fetch_bytes(fetcher, url)))
            except FetchError as exc:
                self._issue(url, str(exc))
        yield from self._take(parse_volume(config, posts, where=repo))

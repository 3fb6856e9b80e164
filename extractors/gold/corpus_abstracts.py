"""Read titles and abstracts of main-conference papers from ../shared/corpus, with stable ids."""

from __future__ import annotations

import gzip
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

# Main-conference volumes (long/short/main) of ACL, EMNLP and NAACL 2017-2021:
# (collection file stem, volume id, venue, year); see corpus/README.md.
ACL_MAIN_VOLUMES: tuple[tuple[str, str, str, int], ...] = (
    ("P17", "1", "acl", 2017),
    ("P17", "2", "acl", 2017),
    ("P18", "1", "acl", 2018),
    ("P18", "2", "acl", 2018),
    ("P19", "1", "acl", 2019),
    ("2020.acl", "main", "acl", 2020),
    ("2021.acl", "long", "acl", 2021),
    ("2021.acl", "short", "acl", 2021),
    ("D17", "1", "emnlp", 2017),
    ("D18", "1", "emnlp", 2018),
    ("D19", "1", "emnlp", 2019),
    ("2020.emnlp", "main", "emnlp", 2020),
    ("2021.emnlp", "main", "emnlp", 2021),
    ("N18", "1", "naacl", 2018),
    ("N18", "2", "naacl", 2018),
    ("N19", "1", "naacl", 2019),
    ("2021.naacl", "main", "naacl", 2021),
)
# The wider frame of the third sample: the same venues 2022-2024 as well.
ACL_MAIN_VOLUMES_2022_2024: tuple[tuple[str, str, str, int], ...] = (
    ("2022.acl", "long", "acl", 2022),
    ("2022.acl", "short", "acl", 2022),
    ("2023.acl", "long", "acl", 2023),
    ("2023.acl", "short", "acl", 2023),
    ("2024.acl", "long", "acl", 2024),
    ("2024.acl", "short", "acl", 2024),
    ("2022.emnlp", "main", "emnlp", 2022),
    ("2023.emnlp", "main", "emnlp", 2023),
    ("2024.emnlp", "main", "emnlp", 2024),
    ("2022.naacl", "main", "naacl", 2022),
    ("2024.naacl", "long", "naacl", 2024),
    ("2024.naacl", "short", "naacl", 2024),
)
ML_VENUES: tuple[str, ...] = ("neurips", "icml", "iclr", "cvpr")
ML_VENUES_WIDE: tuple[str, ...] = (*ML_VENUES, "iccv")

_WS = re.compile(r"\s+")


@dataclass(frozen=True)
class AbstractRecord:
    """One paper's id, venue, year, title and abstract as the corpus holds them."""

    id: str
    venue: str
    year: int
    title: str
    abstract: str


def _text(elem) -> str:
    return _WS.sub(" ", "".join(elem.itertext())).strip() if elem is not None else ""


def iter_acl(
    corpus_dir: Path,
    volumes: tuple[tuple[str, str, str, int], ...] = ACL_MAIN_VOLUMES,
) -> Iterator[AbstractRecord]:
    """Main-conference ACL/EMNLP/NAACL papers of `volumes`, id `acl:{anthology id}`."""
    xml_dir = Path(corpus_dir) / "acl-anthology" / "xml"
    wanted: dict[str, dict[str, tuple[str, int]]] = {}
    for stem, vol, venue, year in volumes:
        wanted.setdefault(stem, {})[vol] = (venue, year)
    for stem, vols in wanted.items():
        with gzip.open(xml_dir / f"{stem}.xml.gz") as fh:
            root = etree.parse(fh).getroot()
        for volume in root.iter("volume"):
            if volume.get("id") not in vols:
                continue
            venue, year = vols[volume.get("id")]
            for paper in volume.iter("paper"):
                url = paper.find("url")
                if url is None or not (url.text or "").strip():
                    continue
                yield AbstractRecord(
                    f"acl:{url.text.strip()}",
                    venue,
                    year,
                    _text(paper.find("title")),
                    _text(paper.find("abstract")),
                )


def iter_mlanthology(
    corpus_dir: Path, venues: tuple[str, ...] = ML_VENUES
) -> Iterator[AbstractRecord]:
    """All NeurIPS/ICML/ICLR/CVPR papers present, id `mlanthology:{bibtex_key}`."""
    ml_dir = Path(corpus_dir) / "mlanthology"
    for venue in venues:
        for path in sorted(ml_dir.glob(f"{venue}-*.json.gz")):
            with gzip.open(path, "rt", encoding="utf-8") as fh:
                data = json.load(fh)
            for p in data["papers"]:
                yield AbstractRecord(
                    f"mlanthology:{p['bibtex_key']}",
                    venue,
                    int(data["year"]),
                    _WS.sub(" ", p.get("title") or "").strip(),
                    _WS.sub(" ", p.get("abstract") or "").strip(),
                )


def load_index(corpus_dir: Path) -> dict[str, AbstractRecord]:
    """Every paper of the gold-set sampling frame, keyed by id."""
    index: dict[str, AbstractRecord] = {}
    for rec in (*iter_acl(corpus_dir), *iter_mlanthology(corpus_dir)):
        index.setdefault(rec.id, rec)
    return index


def load_wide_index(corpus_dir: Path) -> dict[str, AbstractRecord]:
    """The wider frame of the third sample: ACL/EMNLP/NAACL 2017-2024 and ICCV as well."""
    index: dict[str, AbstractRecord] = {}
    for rec in (
        *iter_acl(corpus_dir, ACL_MAIN_VOLUMES + ACL_MAIN_VOLUMES_2022_2024),
        *iter_mlanthology(corpus_dir, ML_VENUES_WIDE),
    ):
        index.setdefault(rec.id, rec)
    return index

"""OpenReview API v2 source on hand-written API-format fixtures (tests/fixtures/openreview)."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from source_fetch import MapFetcher

from corpus.errors import ConfigError, ParseError
from corpus.sources.openreview import API, OpenReviewSource, group_of, parse_notes
from corpus.sources.protocol import CrawlQuery

FIXTURES = Path(__file__).parent / "fixtures" / "openreview"


def _serve(url: str):
    parts = urlsplit(url)
    if f"{parts.scheme}://{parts.netloc}" != API or parts.path != "/notes":
        return None
    q = {k: v[0] for k, v in parse_qs(parts.query).items()}
    venue_id = q.get("content.venueid") or q["invitation"].removesuffix("/-/Submission")
    group, year, _ = venue_id.split("/")
    assert q["limit"] == "2"
    path = FIXTURES / f"{group}-{year}-{q['offset']}.json"
    return path.read_bytes() if path.is_file() else None


def test_pages_are_followed_and_notes_deduplicated():
    fetcher = MapFetcher(_serve)
    src = OpenReviewSource(page_size=2)
    papers = list(src.iter_papers(fetcher, CrawlQuery(("iclr",), (2024,))))
    assert [p.id for p in papers] == [
        "openreview:Fx7aQ2kLm0",
        "openreview:Fx9bR4nPq1",
        "openreview:Fx3cS6tUv2",
    ]
    assert [parse_qs(urlsplit(u).query)["offset"] for u in fetcher.urls] == [["0"], ["2"], ["4"]]
    assert parse_qs(urlsplit(fetcher.urls[0]).query)["content.venueid"] == [
        "ICLR.cc/2024/Conference"
    ]
    first = papers[0]
    assert first.title == "Fixture Note One: Cheaper Attention"
    assert first.authors == ("Ina Invented", "Jo Madeup")
    assert (first.venue, first.year, first.source) == ("ICLR", 2024, "openreview")
    assert first.url == "https://openreview.net/forum?id=Fx7aQ2kLm0"
    assert first.pdf_url.startswith("https://openreview.net/pdf/") and first.pdf_url.endswith(
        ".pdf"
    )
    assert papers[1].title == "Fixture Note Two: Tiny Models"
    assert papers[1].abstract == "Small models, small bills."
    assert papers[2].pdf_url is None and papers[2].status == "no_pdf"
    assert len(src.issues) == 1 and "FxBROKEN00" in src.issues[0].where


def test_all_submissions_use_the_submission_invitation():
    fetcher = MapFetcher(_serve)
    src = OpenReviewSource(page_size=2, accepted_only=False)
    assert len(list(src.iter_papers(fetcher, CrawlQuery(("ICLR.cc",), (2024,))))) == 3
    assert parse_qs(urlsplit(fetcher.urls[0]).query)["invitation"] == [
        "ICLR.cc/2024/Conference/-/Submission"
    ]


def test_missing_year_page_is_an_issue_and_local_folder_reads_saved_answers():
    fetcher = MapFetcher(_serve)
    src = OpenReviewSource(page_size=2)
    assert list(src.iter_papers(fetcher, CrawlQuery(("neurips",), (2023,)))) == []
    assert "NeurIPS.cc/2023" in src.issues[0].where and "404" in src.issues[0].message
    local = list(src.iter_papers(None, CrawlQuery(("iclr",), (2024,), str(FIXTURES))))
    assert len(local) == 3
    with pytest.raises(ConfigError):
        list(src.iter_papers(fetcher, CrawlQuery(("iclr",))))


def test_parse_errors_and_api_v1_bare_values():
    with pytest.raises(ParseError):
        parse_notes(b"<html>rate limited</html>", venue="ICLR", year=2024)
    with pytest.raises(ParseError):
        parse_notes(b'{"name": "ForbiddenError"}', venue="ICLR", year=2024)
    v1 = json.dumps(
        {
            "notes": [
                {
                    "id": "abc",
                    "content": {"title": "Bare", "authors": ["A B"], "pdf": "/pdf/ff.pdf"},
                }
            ]
        }
    )
    res, n, total = parse_notes(v1, venue="ICLR", year=2020)
    assert (n, total) == (1, -1) and res.papers[0].pdf_url == "https://openreview.net/pdf/ff.pdf"
    assert res.papers[0].year == 2020
    assert group_of("neurips") == "NeurIPS.cc" and group_of("TMLR") == "TMLR"

"""Bulk upsert of a proceedings' worth of papers: the same counts and rows as one at a time."""

from __future__ import annotations

import random

from corpus.records import Paper


def _paper(i: int, rng: random.Random) -> Paper:
    return Paper(
        f"s:{i}",
        "src",
        rng.choice(["ICML", "NeurIPS"]),
        rng.choice([2019, 2020]),
        f"Title {i} v{rng.randint(0, 1)}",
        authors=tuple(f"A{rng.randint(0, 3)}" for _ in range(rng.randint(0, 3))),
        abstract=rng.choice([None, f"abstract {i}"]),
    )


def test_bulk_upsert_matches_a_one_at_a_time_model(store):
    rng = random.Random(7)
    first = [_paper(i, rng) for i in range(3000)]
    assert store.upsert_papers(first).new == 3000
    store.set_pdf_state("s:5", status="fetched", pdf_sha256="a" * 64, pages=9)
    # a second crawl: some changed, some identical, some new, some listed twice
    second = [_paper(i, rng) for i in range(0, 4000, 2)] + [_paper(3998, rng)]
    model = {p.id: p for p in first}
    new = updated = unchanged = 0
    meta = ("source", "venue", "year", "title", "authors", "abstract", "url", "pdf_url")
    for p in second:
        if p.id not in model:
            new += 1
        elif any(getattr(model[p.id], c) != getattr(p, c) for c in meta):
            updated += 1
        else:
            unchanged += 1
            continue
        model[p.id] = p
    counts = store.upsert_papers(second)
    assert (counts.new, counts.updated, counts.unchanged) == (new, updated, unchanged)
    assert new and updated and unchanged
    got = {p.id: p for p in store.papers()}
    assert set(got) == set(model)
    for pid, p in model.items():
        assert all(getattr(got[pid], c) == getattr(p, c) for c in meta), pid
    assert got["s:5"].status == "fetched" and got["s:5"].pages == 9  # PDF state kept
    assert store.upsert_papers([]).new == 0

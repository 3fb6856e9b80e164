"""Small Streamlit helpers shared by the pages: escaping, year sliders, the reporting card."""

from __future__ import annotations

import re
from urllib.parse import quote, urlsplit

import streamlit as st

from extractors.card import format_value
from extractors.schema import CATEGORIES

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$&:])")


def md(text: object) -> str:
    """Text shown literally in st.markdown: Markdown, HTML and LaTeX characters escaped."""
    return _MD_SPECIAL.sub(r"\\\1", " ".join(str(text if text is not None else "").split()))


def code(text: object) -> str:
    """Text as an inline code span (backticks removed; code spans render nothing else)."""
    return "`" + " ".join(str(text or "").replace("`", "'").split()) + "`"


def safe_url(url: str | None) -> str | None:
    """An http(s) URL made safe inside a Markdown link, or None for anything else."""
    if not url:
        return None
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return quote(url, safe=":/?#[]@!$&'*+,;=%~-._")


def year_range(years: list[int], key: str) -> tuple[int | None, int | None]:
    """A year-range slider over the store's years (a caption when there is only one)."""
    if not years:
        return None, None
    lo, hi = min(years), max(years)
    if lo == hi:
        st.caption(f"Year: {lo} (the only year in the store)")
        return lo, hi
    y0, y1 = st.slider("Years", lo, hi, (lo, hi), key=key)
    return int(y0), int(y1)


def reporting_card(labels: dict, pdf_url: str | None = None) -> None:
    """One line per category (reported or not) with its evidence sentences and pages."""
    for category in CATEGORIES:
        label = labels.get(category)
        if label is None or label.get("reported") is None:
            st.markdown(f"**{md(category)}**: not extracted")
            continue
        mark = "reported" if label["reported"] else "not reported"
        icon = ":material/check_circle:" if label["reported"] else ":material/cancel:"
        st.markdown(f"{icon} **{md(category)}**: {mark}")
        for ev in label.get("evidence") or ():
            page = ev.get("page")
            where = f"p. {page}" if page else "page unknown"
            link = safe_url(
                ev.get("link") or (f"{pdf_url}#page={page}" if pdf_url and page else None)
            )
            where_md = f"[{where}]({link})" if link else where
            value = (
                f" — parsed: {md(format_value(ev['value'], ev.get('unit')))}"
                if ev.get("value") is not None
                else ""
            )
            st.markdown(f"- {where_md}: “{md(ev.get('text'))}”{value}")

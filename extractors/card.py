"""The reporting card of one paper: what it reports (with evidence) and what it misses."""

from __future__ import annotations

import json
from dataclasses import dataclass

from extractors.findings import Evidence, Finding
from extractors.schema import CATEGORIES

CATEGORY_NAMES = {
    "flops": "FLOPs",
    "energy": "Energy / carbon",
    "runtime": "Runtime",
    "hardware": "Hardware",
    "params": "Parameters",
    "training_curve": "Training curve",
    "search_budget": "Search budget",
}

# one line each: what to add when a category is missing
HINTS = {
    "flops": "state the FLOPs (or MACs) of training and inference, e.g. counted with "
    "torch.utils.flop_counter.FlopCounterMode",
    "energy": "measure it with `greenlens meter -- <your training command>` and report the "
    "kWh (and CO2e) of your runs",
    "runtime": "report wall-clock training and inference time (GPU-hours, latency or "
    "throughput) of your runs",
    "hardware": "name the hardware your experiments ran on (GPU/TPU/CPU model and count)",
    "params": "give the number of parameters of each model (e.g. a #Params column)",
    "training_curve": "plot validation performance or loss against training steps, epochs or time",
    "search_budget": "state the number of trials / search space and method of your "
    "hyperparameter search, and the compute it took",
}


@dataclass(frozen=True)
class PaperReport:
    """What one PDF reports, as `greenlens check` and the app show it."""

    file: str
    pages: int
    title: str | None
    target: str
    labels: dict[str, Finding]
    target_method: str = ""
    scanned_pages: tuple[int, ...] = ()

    @classmethod
    def from_analysis(cls, analysis) -> PaperReport:
        """Build from an extractors.extract_pdf.PaperAnalysis."""
        labels = analysis.results
        return cls(
            analysis.file,
            analysis.pages,
            analysis.title,
            analysis.target,
            {c: labels.get(c, Finding(c, False)) for c in CATEGORIES},
            analysis.target_method,
            tuple(analysis.scanned_pages),
        )

    @property
    def missing(self) -> list[str]:
        """Categories the paper does not report, in canonical order."""
        return [c for c in CATEGORIES if not self.labels[c].reported]

    def to_json_dict(self) -> dict:
        """Exactly {"file", "pages", "title", "target", "labels": {all seven categories}}."""
        return {
            "file": self.file,
            "pages": self.pages,
            "title": self.title,
            "target": self.target,
            "labels": {c: self.labels[c].to_json_dict() for c in CATEGORIES},
        }


def format_value(value: float | None, unit: str | None) -> str:
    """A parsed quantity for people: durations in s/min/h/days, big counts with SI prefixes."""
    if value is None:
        return ""
    if unit == "h":
        for scale, name in ((24.0, "days"), (1.0, "h"), (1 / 60, "min"), (1 / 3600, "s")):
            if value >= scale:
                return f"{value / scale:.3g} {name}"
        return f"{value * 3.6e6:.3g} ms"
    if unit in ("FLOPs", "MACs", "params") and value >= 1e3:
        for scale, prefix in (
            (1e18, "E"),
            (1e15, "P"),
            (1e12, "T"),
            (1e9, "G"),
            (1e6, "M"),
            (1e3, "k"),
        ):
            if value >= scale:
                return f"{value / scale:.3g}{prefix} {unit}"
    if unit and unit not in _UNITS:  # hardware: value is the device count
        return f"{value:g} × {unit}"
    return f"{value:g}{' ' + unit if unit else ''}"


_UNITS = {"FLOPs", "MACs", "kWh", "kgCO2e", "W", "h", "GPU-h", "params", "trials"}


def _value(e: Evidence) -> str:
    return f" [{format_value(e.value, e.unit)}]" if e.value is not None else ""


def render_text(report: PaperReport) -> str:
    """The card as plain text for a terminal."""
    reported = len(CATEGORIES) - len(report.missing)
    summary = (
        f"{report.file}: {report.pages} pages, target: {report.target}, "
        f"reports {reported} of {len(CATEGORIES)}"
    )
    lines = [report.title or "(no title found)", summary]
    if report.scanned_pages:
        lines.append(
            f"note: no text layer on page(s) {', '.join(map(str, report.scanned_pages))}"
            f" (scanned?): those pages were not read"
        )
    lines.append("")
    for c in CATEGORIES:
        label = report.labels[c]
        mark = "yes" if label.reported else "no "
        lines.append(f"[{mark}] {CATEGORY_NAMES[c]}")
        for e in label.evidence:
            lines.append(f"      p.{e.page}{_value(e)}: {e.text}")
        if not label.reported:
            lines.append(f"      hint: {HINTS[c]}")
    return "\n".join(lines)


def render_markdown(report: PaperReport) -> str:
    """The card as Markdown (a table of categories, then the evidence)."""
    out = [
        f"## {report.title or report.file}",
        "",
        f"`{report.file}`, {report.pages} pages, target: **{report.target}**",
        "",
        "| category | reported | evidence or hint |",
        "| --- | --- | --- |",
    ]
    for c in CATEGORIES:
        label = report.labels[c]
        if label.reported:
            cell = "<br>".join(f"p.{e.page}{_value(e)}: {_md(e.text)}" for e in label.evidence)
        else:
            cell = f"*{_md(HINTS[c])}*"
        out.append(f"| {CATEGORY_NAMES[c]} | {'yes' if label.reported else 'no'} | {cell} |")
    return "\n".join(out)


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render(report: PaperReport, fmt: str) -> str:
    """text, json or markdown."""
    if fmt == "json":
        return json.dumps(report.to_json_dict(), indent=2, ensure_ascii=False)
    if fmt == "markdown":
        return render_markdown(report)
    return render_text(report)

"""Write analysis rows as a text table, CSV, JSON or Parquet."""

from __future__ import annotations

import csv
import io
import json
import math
from pathlib import Path
from typing import Any

from corpus.errors import ConfigError

FORMATS = ("table", "csv", "json", "parquet")


def _cell(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, float):
        return "" if math.isnan(v) else f"{v:.4g}"
    return str(v)


def to_table(rows: list[dict]) -> str:
    """A plain aligned text table (header + rows)."""
    if not rows:
        return "(no rows)"
    cols = list(rows[0])
    cells = [[_cell(r.get(c)) for c in cols] for r in rows]
    widths = [max(len(c), *(len(row[i]) for row in cells)) for i, c in enumerate(cols)]
    lines = [
        "  ".join(c.ljust(w) for c, w in zip(cols, widths)),
        "  ".join("-" * w for w in widths),
    ]
    lines += ["  ".join(v.ljust(w) for v, w in zip(row, widths)) for row in cells]
    return "\n".join(line.rstrip() for line in lines)


def to_csv(rows: list[dict]) -> str:
    """CSV text with a header row."""
    buf = io.StringIO()
    if rows:
        writer = csv.DictWriter(buf, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return buf.getvalue()


def to_json(rows: list[dict], meta: dict | None = None) -> str:
    """JSON: {"meta": {...}, "rows": [...]}."""
    return json.dumps({"meta": meta or {}, "rows": rows}, indent=1, default=str)


def write_parquet(rows: list[dict], path: Path, meta: dict | None = None) -> None:
    """A Parquet file of the rows; `meta` is stored as key-value file metadata."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pylist(rows)
    if meta:
        table = table.replace_schema_metadata({k: str(v) for k, v in meta.items()})
    pq.write_table(table, path)


def export(rows: list[dict], fmt: str, out: Path | None, meta: dict | None = None) -> str | None:
    """Write rows in `fmt` to `out`, or return the text (table/csv/json) when out is None."""
    if fmt not in FORMATS:
        raise ConfigError(f"format must be one of {FORMATS}, not {fmt!r}")
    if fmt == "parquet":
        if out is None:
            raise ConfigError("--format parquet needs --out FILE")
        write_parquet(rows, out, meta)
        return None
    if fmt == "table":
        text = to_table(rows)
        if meta:
            text += "\n\n" + "\n".join(f"{k}: {v}" for k, v in meta.items())
        text += "\n"
    else:
        text = to_csv(rows) if fmt == "csv" else to_json(rows, meta) + "\n"
    if out is None:
        return text
    Path(out).write_text(text, encoding="utf-8")
    return None

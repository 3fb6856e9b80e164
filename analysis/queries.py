"""Every SQL statement the analysis runs, in one place. Filters are bound parameters only.

Named parameters used throughout:
  $version     the extractor version whose results count (see analysis.db.current_version)
  $venues      VARCHAR[]; empty = every venue
  $y0, $y1     inclusive year range
  $categories  VARCHAR[] of finding categories
The denominator of every share is `base`: papers with a successful (`status = 'ok'`)
extraction of $version that pass the venue/year filter.
"""

from __future__ import annotations

BASE = """
    SELECT p.id, p.venue, p.year, e.target
    FROM papers p JOIN extractions e ON e.paper_id = p.id
    WHERE e.status = 'ok' AND e.extractor_version = $version
      AND (len($venues::VARCHAR[]) = 0 OR list_contains($venues::VARCHAR[], p.venue))
      AND p.year BETWEEN $y0 AND $y1
"""

REPORTED = """
    SELECT DISTINCT paper_id, category FROM findings
    WHERE reported AND extractor_version = $version
"""

TABLES = "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'"

# The version of the most recent successful extraction.
CURRENT_VERSION = """
    SELECT extractor_version FROM extractions WHERE status = 'ok'
    ORDER BY extracted_at DESC NULLS LAST, extractor_version DESC LIMIT 1
"""

VERSIONS = """
    SELECT extractor_version, count(*) AS papers, max(extracted_at) AS last
    FROM extractions WHERE status = 'ok' GROUP BY 1 ORDER BY last DESC NULLS LAST
"""

SUMMARY = f"""
    SELECT (SELECT count(*) FROM papers) AS papers,
           (SELECT count(*) FROM extractions) AS extractions,
           (SELECT count(*) FROM extractions WHERE status = 'ok') AS extractions_ok,
           (SELECT count(*) FROM extractions WHERE status <> 'ok') AS extractions_failed,
           (SELECT count(*) FROM ({BASE})) AS denominator
"""

VENUE_YEARS = """
    SELECT venue, year, count(*) AS papers FROM papers GROUP BY ALL ORDER BY venue, year
"""

# Per venue and year (or pooled over the selected venues when $pool), per category:
# n = papers in the denominator, k = those with at least one reported finding.
CATEGORY_COUNTS = f"""
    WITH base AS ({BASE}),
    cats AS (SELECT unnest($categories::VARCHAR[]) AS category),
    rep AS ({REPORTED})
    SELECT CASE WHEN $pool THEN 'all selected' ELSE b.venue END AS venue, b.year,
           c.category, count(*) AS n, count(r.paper_id) AS k
    FROM base b CROSS JOIN cats c
    LEFT JOIN rep r ON r.paper_id = b.id AND r.category = c.category
    GROUP BY ALL ORDER BY venue, b.year, c.category
"""

# Target shares: denominator = papers in base with a target assigned.
TARGET_COUNTS = f"""
    WITH base AS ({BASE}),
    by_target AS (
        SELECT CASE WHEN $pool THEN 'all selected' ELSE venue END AS venue, year, target,
               count(*) AS k
        FROM base WHERE target IS NOT NULL GROUP BY ALL),
    totals AS (SELECT venue, year, sum(k) AS n FROM by_target GROUP BY ALL)
    SELECT t.venue, t.year, tg.target, coalesce(b.k, 0) AS k, t.n
    FROM totals t
    CROSS JOIN (SELECT unnest($targets::VARCHAR[]) AS target) tg
    LEFT JOIN by_target b ON b.venue = t.venue AND b.year = t.year AND b.target = tg.target
    ORDER BY t.venue, t.year, tg.target
"""

# Paper search: every filter bound; text matched literally (contains, not LIKE patterns).
_SEARCH_WHERE = """
    WHERE ($title = '' OR contains(lower(p.title), lower($title)))
      AND ($author = '' OR contains(lower(array_to_string(p.authors, '; ')), lower($author)))
      AND (len($venues::VARCHAR[]) = 0 OR list_contains($venues::VARCHAR[], p.venue))
      AND p.year BETWEEN $y0 AND $y1
      AND ($label = '' OR EXISTS (
            SELECT 1 FROM findings f WHERE f.paper_id = p.id AND f.category = $label
              AND f.reported AND f.extractor_version = $version))
"""

SEARCH_PAPERS = f"""
    SELECT p.id, p.venue, p.year, p.title, array_to_string(p.authors, '; ') AS authors,
           e.status AS extraction, e.target,
           (SELECT list(DISTINCT f.category ORDER BY f.category) FROM findings f
             WHERE f.paper_id = p.id AND f.reported AND f.extractor_version = $version)
             AS reported
    FROM papers p
    LEFT JOIN extractions e ON e.paper_id = p.id
    {_SEARCH_WHERE}
    ORDER BY p.year DESC, p.venue, p.title, p.id
    LIMIT $limit
"""

COUNT_PAPERS = f"SELECT count(*) AS n FROM papers p {_SEARCH_WHERE}"

PAPER = """
    SELECT p.*, e.extractor_version, e.status AS extraction_status, e.error AS
           extraction_error, e.target, e.target_method, e.extracted_at
    FROM papers p LEFT JOIN extractions e ON e.paper_id = p.id WHERE p.id = $id
"""

PAPER_FINDINGS = """
    SELECT category, rank, reported, evidence, page, value, unit, method, extractor_version
    FROM findings WHERE paper_id = $id ORDER BY category, rank
"""

# Inputs of the compute estimate: per paper the strongest hardware finding naming a model
# in the peak table, the strongest runtime finding that is a training duration or
# accelerator-hours, and the strongest reported FLOP/MAC count.
COMPUTE_INPUTS = f"""
    WITH base AS ({BASE}),
    hw AS (
        SELECT paper_id, arg_min(unit, rank) AS gpu, arg_min(value, rank) AS gpu_count,
               arg_min(evidence, rank) AS hw_evidence, arg_min(page, rank) AS hw_page
        FROM findings
        WHERE category = 'hardware' AND reported AND extractor_version = $version
          AND list_contains($models::VARCHAR[], unit)
        GROUP BY paper_id),
    rt AS (
        SELECT paper_id, arg_min(value, rank) AS rt_value, arg_min(unit, rank) AS rt_unit,
               arg_min(evidence, rank) AS rt_evidence, arg_min(page, rank) AS rt_page
        FROM findings
        WHERE category = 'runtime' AND reported AND extractor_version = $version
          AND value > 0
          AND (unit = 'GPU-h' OR (unit = 'h' AND regexp_matches(evidence, 'train', 'i')))
        GROUP BY paper_id),
    fl AS (
        SELECT paper_id, arg_min(value, rank) AS flops_value, arg_min(unit, rank) AS flops_unit,
               arg_min(evidence, rank) AS flops_evidence, arg_min(page, rank) AS flops_page
        FROM findings
        WHERE category = 'flops' AND reported AND extractor_version = $version
          AND value > 0 AND unit IN ('FLOPs', 'MACs')
        GROUP BY paper_id)
    SELECT b.id AS paper_id, p.title, b.venue, b.year, hw.gpu, hw.gpu_count, hw.hw_evidence,
           hw.hw_page, rt.rt_value, rt.rt_unit, rt.rt_evidence, rt.rt_page,
           fl.flops_value, fl.flops_unit, fl.flops_evidence, fl.flops_page
    FROM base b JOIN papers p ON p.id = b.id
    LEFT JOIN hw ON hw.paper_id = b.id
    LEFT JOIN rt ON rt.paper_id = b.id
    LEFT JOIN fl ON fl.paper_id = b.id
    WHERE (hw.gpu IS NOT NULL AND rt.rt_value IS NOT NULL) OR fl.flops_value IS NOT NULL
    ORDER BY b.year, b.venue, b.id
    LIMIT $limit
"""

# Replication (tables from replication.schema; absent until that package has migrated).
RECIPES = """
    SELECT recipe, count(*) AS trials, count(*) FILTER (WHERE status = 'done') AS done,
           max(val_metric) AS best, sum(energy_j) AS energy_j, any_value(metric) AS metric
    FROM trials GROUP BY recipe ORDER BY recipe
"""

TRIALS = """
    SELECT recipe, trial, status, metric, val_metric, train_flops, inference_flops,
           flops_source, energy_j, wall_s, mfu, mfu_note, device, run_id
    FROM trials
    WHERE (len($recipes::VARCHAR[]) = 0 OR list_contains($recipes::VARCHAR[], recipe))
    ORDER BY recipe, trial
    LIMIT $limit
"""

RUNS = """
    SELECT id, kind, name, started_at, wall_s, energy_j, gpu_energy_j, cpu_energy_j, co2e_kg,
           sources, estimated, device
    FROM runs ORDER BY started_at DESC LIMIT $limit
"""

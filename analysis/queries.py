"""Every SQL statement the analysis runs, in one place. Filters are bound parameters only.

Named parameters used throughout:
  $version     the extractor version whose results count (see analysis.db.current_version)
  $venues      VARCHAR[]; empty = every venue
  $y0, $y1     inclusive year range
  $years       INTEGER[]; empty = every year in the range, else only these
  $categories  VARCHAR[] of finding categories
The denominator of every share: papers with a successful (`status = 'ok'`) extraction of
$version that pass the venue/year filter and are research papers (not a volume's front
matter or a form: extractions.kind, extractors.dockind), i.e. the rows of {flags} that pass
it.
"""

from __future__ import annotations

from extractors.schema import CATEGORIES

# One row per paper with a successful extraction of $version: venue, year, target, the
# categories it reports (cats) and one boolean column per category. Queries below read it
# as {flags}: this subquery, or the same rows pre-aggregated into a table once per app
# process (analysis.memory_view). Column names come from the CATEGORIES constant, never input.
FLAGS = (
    """
    SELECT p.id, p.venue, p.year, e.target,
           coalesce(list(DISTINCT f.category ORDER BY f.category) FILTER (WHERE f.reported),
                    []::VARCHAR[]) AS cats,
"""
    + ",\n".join(
        f"           coalesce(bool_or(f.reported AND f.category = '{c}'), false) AS \"{c}\""
        for c in CATEGORIES
    )
    + """
    FROM papers p
    JOIN extractions e ON e.paper_id = p.id AND e.status = 'ok'
         AND e.extractor_version = $version AND coalesce(e.kind, 'paper') = 'paper'
    LEFT JOIN findings f ON f.paper_id = p.id AND f.extractor_version = $version
    GROUP BY p.id, p.venue, p.year, e.target
"""
)

_FILTER = """
    (len($venues::VARCHAR[]) = 0 OR list_contains($venues::VARCHAR[], venue))
    AND year BETWEEN $y0 AND $y1
    AND (len($years::INTEGER[]) = 0 OR list_contains($years::INTEGER[], year))
"""

TABLES = """
    SELECT table_name FROM information_schema.tables
    WHERE table_catalog = current_database() AND table_schema = 'main'
"""

# The version of the most recent successful extraction.
CURRENT_VERSION = """
    SELECT extractor_version FROM extractions WHERE status = 'ok'
    ORDER BY extracted_at DESC NULLS LAST, extractor_version DESC LIMIT 1
"""

SUMMARY = f"""
    SELECT (SELECT count(*) FROM papers) AS papers,
           (SELECT count(*) FROM extractions) AS extractions,
           (SELECT count(*) FROM extractions WHERE status = 'ok') AS extractions_ok,
           (SELECT count(*) FROM extractions WHERE status <> 'ok') AS extractions_failed,
           (SELECT count(*) FROM extractions WHERE status = 'ok'
                   AND coalesce(kind, 'paper') <> 'paper') AS not_papers,
           (SELECT count(*) FROM {{flags}} WHERE {_FILTER}) AS denominator
"""

VENUE_YEARS = """
    SELECT venue, year, count(*) AS papers FROM papers GROUP BY ALL ORDER BY venue, year
"""

# Per venue and year (or pooled over the selected venues when $pool): n = papers in the
# denominator, and per category the number reporting it.
CATEGORY_COUNTS = (
    """
    SELECT CASE WHEN $pool THEN 'all selected' ELSE venue END AS venue, year,
           count(*) AS n,
"""
    + ",\n".join(f'           count(*) FILTER (WHERE "{c}") AS "{c}"' for c in CATEGORIES)
    + f"""
    FROM {{flags}} WHERE {_FILTER}
    GROUP BY ALL ORDER BY venue, year
"""
)

# What produced each category's findings of extractor version $version (a category
# re-detected after a detector or learned-model change has a new category_version).
CATEGORY_VERSIONS = """
    SELECT category, category_version, count(*) AS n FROM findings
    WHERE extractor_version = $version AND category_version IS NOT NULL
    GROUP BY category, category_version ORDER BY category, n DESC
"""

# Target counts per venue and year: denominator = papers with a target assigned.
TARGET_COUNTS = f"""
    SELECT CASE WHEN $pool THEN 'all selected' ELSE venue END AS venue, year, target,
           count(*) AS k
    FROM {{flags}} WHERE target IS NOT NULL AND {_FILTER}
    GROUP BY ALL ORDER BY venue, year, target
"""

# A paper whose full text was found to be front matter or a form is left out of the
# abstract shares too (one known only from its metadata is counted)
_NOT_A_PAPER = """NOT EXISTS (SELECT 1 FROM extractions k WHERE k.paper_id = p.id
                            AND k.status = 'ok' AND coalesce(k.kind, 'paper') <> 'paper')"""

# Target from title + abstract (table abstract_targets) of the current model $model, per
# venue and year; the _NO_FULLTEXT variant leaves out papers with a successful full-text
# extraction of $version (those count with their full-text target when --source both).
ABSTRACT_TARGET_COUNTS = f"""
    SELECT CASE WHEN $pool THEN 'all selected' ELSE venue END AS venue, year, target,
           count(*) AS k
    FROM (SELECT p.id, p.venue, p.year, a.target FROM papers p
          JOIN abstract_targets a ON a.paper_id = p.id AND a.model = $model
          WHERE {_NOT_A_PAPER})
    WHERE {_FILTER}
    GROUP BY ALL ORDER BY venue, year, target
"""
ABSTRACT_TARGET_COUNTS_NO_FULLTEXT = f"""
    SELECT CASE WHEN $pool THEN 'all selected' ELSE venue END AS venue, year, target,
           count(*) AS k
    FROM (SELECT p.id, p.venue, p.year, a.target FROM papers p
          JOIN abstract_targets a ON a.paper_id = p.id AND a.model = $model
          WHERE NOT EXISTS (SELECT 1 FROM extractions e WHERE e.paper_id = p.id
                            AND e.status = 'ok' AND e.extractor_version = $version)
            AND {_NOT_A_PAPER})
    WHERE {_FILTER}
    GROUP BY ALL ORDER BY venue, year, target
"""

# Which target models classified the stored abstracts (a store from an older greenlens
# holds another model's targets, which the queries above do not count).
ABSTRACT_MODELS = "SELECT model, count(*) AS n FROM abstract_targets GROUP BY model ORDER BY model"

# Paper search reads {search}: this subquery, or the same rows materialised once per app
# process (analysis.memory_view). Text is matched literally (contains, not LIKE patterns).
SEARCH_BASE = """
    SELECT p.id, p.venue, p.year, p.title, array_to_string(p.authors, '; ') AS authors,
           lower(p.title) AS title_lc, lower(array_to_string(p.authors, '; ')) AS authors_lc,
           e.status AS extraction
    FROM papers p LEFT JOIN extractions e ON e.paper_id = p.id
"""

_SEARCH_WHERE = """
    WHERE ($title = '' OR contains(s.title_lc, lower($title)))
      AND ($author = '' OR contains(s.authors_lc, lower($author)))
      AND (len($venues::VARCHAR[]) = 0 OR list_contains($venues::VARCHAR[], s.venue))
      AND s.year BETWEEN $y0 AND $y1
      AND ($label = '' OR s.id IN (SELECT id FROM {flags} WHERE list_contains(cats, $label)))
"""

# Filter, sort and limit on the narrow search rows first; then fetch the page's columns.
SEARCH_PAPERS = f"""
    WITH hits AS (
        SELECT s.id, s.venue, s.year, s.title, s.authors, s.extraction FROM {{search}} s
        {_SEARCH_WHERE}
        ORDER BY s.year DESC, s.venue, s.title, s.id
        LIMIT $limit)
    SELECT h.id, h.venue, h.year, h.title, h.authors, h.extraction, fl.target,
           fl.cats AS reported
    FROM hits h LEFT JOIN {{flags}} fl ON fl.id = h.id
    ORDER BY h.year DESC, h.venue, h.title, h.id
"""

COUNT_PAPERS = f"SELECT count(*) AS n FROM {{search}} s {_SEARCH_WHERE}"

PAPER = """
    SELECT p.*, e.extractor_version, e.status AS extraction_status, e.error AS
           extraction_error, e.target, e.target_method, e.extracted_at, e.kind,
           e.kind_evidence
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
    WITH base AS (SELECT id, venue, year FROM {{flags}} WHERE {_FILTER}),
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

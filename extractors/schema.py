"""Tables the extractors write: one `extractions` row per paper, `findings` per evidence."""

from corpus.migrations import register

CATEGORIES = ("flops", "energy", "runtime", "hardware", "params", "training_curve", "search_budget")
TARGETS = ("accuracy", "efficiency", "both", "other")

# (name, DuckDB type) of the two tables as the migrations below leave them; the Arrow
# schemas of the sink and the Parquet parts derive from these (tests/test_store.py checks
# them against the migrated tables). A `findings` row is extractors.findings.Finding.to_rows.
EXTRACTION_COLUMNS = (
    ("paper_id", "VARCHAR"),
    ("extractor_version", "VARCHAR"),
    ("status", "VARCHAR"),
    ("error", "VARCHAR"),
    ("pages", "INTEGER"),
    ("scanned_pages", "INTEGER"),
    ("target", "VARCHAR"),
    ("target_method", "VARCHAR"),
    ("extracted_at", "TIMESTAMP"),
    ("target_version", "VARCHAR"),
    ("kind", "VARCHAR"),
    ("kind_evidence", "VARCHAR"),
)
FINDING_COLUMNS = (
    ("paper_id", "VARCHAR"),
    ("category", "VARCHAR"),
    ("rank", "INTEGER"),
    ("reported", "BOOLEAN"),
    ("evidence", "VARCHAR"),
    ("page", "INTEGER"),
    ("value", "DOUBLE"),
    ("unit", "VARCHAR"),
    ("method", "VARCHAR"),
    ("extractor_version", "VARCHAR"),
    ("category_version", "VARCHAR"),
)
# Added by 0120 and 0130 (NULL in rows written before: re-detected once); a results part
# written before them lacks them and is still ingested.
LATER_COLUMNS = {"target_version", "category_version", "kind", "kind_evidence"}

MIGRATIONS: list[tuple[str, str]] = [
    (
        "0100_extractions",
        """
        CREATE TABLE extractions (
            paper_id VARCHAR PRIMARY KEY,
            extractor_version VARCHAR NOT NULL,
            status VARCHAR NOT NULL,            -- ok | error
            error VARCHAR,
            pages INTEGER,
            scanned_pages INTEGER,
            target VARCHAR,                     -- accuracy | efficiency | both | other
            target_method VARCHAR,
            extracted_at TIMESTAMP DEFAULT now()
        );
        CREATE TABLE findings (
            paper_id VARCHAR NOT NULL,
            category VARCHAR NOT NULL,
            rank INTEGER NOT NULL,              -- 0.. per (paper, category)
            reported BOOLEAN NOT NULL,
            evidence VARCHAR,
            page INTEGER,
            value DOUBLE,
            unit VARCHAR,
            method VARCHAR,
            extractor_version VARCHAR NOT NULL,
            PRIMARY KEY (paper_id, category, rank)
        );
        CREATE INDEX findings_category ON findings (category, reported);
    """,
    ),
    (
        "0110_abstract_targets",
        """
        CREATE TABLE abstract_targets (
            paper_id VARCHAR PRIMARY KEY,
            target VARCHAR NOT NULL,            -- accuracy | efficiency | both | other
            model VARCHAR NOT NULL,             -- the target model's method/version
            text_source VARCHAR NOT NULL DEFAULT 'abstract',
            classified_at TIMESTAMP DEFAULT now()
        );
    """,
    ),
    (
        "0120_category_versions",
        """
        -- the version of the detector (or target) that produced each row, so a new version
        -- of one category re-runs that category only (extractors.runner.redo)
        ALTER TABLE extractions ADD COLUMN target_version VARCHAR;
        ALTER TABLE findings ADD COLUMN category_version VARCHAR;
    """,
    ),
    (
        "0130_document_kind",
        """
        -- paper | front_matter | form (extractors.dockind), with the phrase it rests on,
        -- written with the target (NULL before: the target re-runs once, its version changed)
        ALTER TABLE extractions ADD COLUMN kind VARCHAR;
        ALTER TABLE extractions ADD COLUMN kind_evidence VARCHAR;
    """,
    ),
]

register("extractors", MIGRATIONS)

"""The corpus's tables (papers, rejected ingest rows). Migrations are named, applied in name order."""

from corpus.migrations import register

MIGRATIONS: list[tuple[str, str]] = [
    (
        "0001_papers",
        """
        CREATE TABLE papers (
            id VARCHAR PRIMARY KEY,
            source VARCHAR NOT NULL,
            venue VARCHAR NOT NULL,
            year INTEGER NOT NULL,
            title VARCHAR NOT NULL,
            authors VARCHAR[] NOT NULL DEFAULT [],
            abstract VARCHAR,
            url VARCHAR,
            pdf_url VARCHAR,
            pdf_sha256 VARCHAR,
            pages INTEGER,
            fetched_at TIMESTAMP,
            status VARCHAR NOT NULL DEFAULT 'listed',
            error VARCHAR
        );
        CREATE INDEX papers_venue_year ON papers (venue, year);
    """,
    ),
    (
        "0002_rejections",
        """
        CREATE TABLE rejections (
            source VARCHAR NOT NULL,            -- the command: ingest
            location VARCHAR NOT NULL,          -- what it read: the ingested directory
            item VARCHAR NOT NULL,              -- 'row 3' of a manifest, or a file name
            file VARCHAR,
            reason VARCHAR NOT NULL,
            recorded_at TIMESTAMP DEFAULT now()
        );
    """,
    ),
]

register("corpus", MIGRATIONS)

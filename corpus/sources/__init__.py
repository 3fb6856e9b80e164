"""Paper sources: one module each, all yielding `corpus.records.Paper`."""

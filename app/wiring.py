"""The top floor wires the packages together: every package's tables are registered before
the CLI or the app opens a store (corpus.migrations)."""

from __future__ import annotations

import importlib

# the packages whose schema modules register migrations, lowest floor first
SCHEMA_MODULES = ("corpus.schema", "extractors.schema", "replication.schema")


def wire() -> None:
    """Register every package's migrations (importing a schema module registers it)."""
    for name in SCHEMA_MODULES:
        importlib.import_module(name)

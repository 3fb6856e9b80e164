"""The migration registry: each package registers its own (name, sql) migrations here.

The store applies whatever is registered when it opens; it never names the packages above
it. A package registers its migrations when its schema module is imported (each package's
`__init__` imports it), and the top floor (`app.wiring`) imports every package's schema so
that a store opened by the CLI or the app always has every table.
"""

from __future__ import annotations

from collections.abc import Iterable

from corpus.errors import StoreError

Migration = tuple[str, str]

_REGISTRY: dict[str, Migration] = {}
_OWNER: dict[str, str] = {}


def register(owner: str, migrations: Iterable[Migration]) -> None:
    """Register `owner`'s migrations (idempotent; a name claimed by two owners is an error)."""
    for name, sql in migrations:
        if _OWNER.get(name, owner) != owner or (name in _REGISTRY and _REGISTRY[name][1] != sql):
            raise StoreError(f"duplicate migration name {name!r} ({_OWNER.get(name)} and {owner})")
        _REGISTRY[name] = (name, sql)
        _OWNER[name] = owner


def registered() -> list[Migration]:
    """Every registered migration, sorted by name."""
    return sorted(_REGISTRY.values())


def owners() -> dict[str, str]:
    """Migration name -> the package that registered it."""
    return dict(_OWNER)

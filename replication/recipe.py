"""Recipes: small TOML files naming the paper replicated, model, data, search space, budget."""

from __future__ import annotations

import math
import random
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from corpus.errors import ConfigError

RECIPES_DIR = Path(__file__).resolve().parent / "recipes"
DIMENSION_TYPES = ("choice", "uniform", "loguniform", "int")


@dataclass(frozen=True)
class Recipe:
    """One baseline: what it replicates, the model, the data, the search and its budget."""

    name: str
    title: str
    paper: dict[str, str]
    model: dict[str, Any]
    data: dict[str, Any]
    budget: dict[str, Any]
    search: dict[str, Any] = field(default_factory=dict)
    path: str = ""

    @property
    def kind(self) -> str:
        """The trainer that runs it (tfidf_logreg, kim_cnn, minilm_finetune)."""
        return self.model["kind"]

    @property
    def trials(self) -> int:
        """The default number of trials (the search budget)."""
        return int(self.budget.get("trials", 20))

    @property
    def seed(self) -> int:
        """Base seed: trial i samples its hyperparameters and trains with seed + i."""
        return int(self.budget.get("seed", 0))

    def sample(self, trial: int) -> dict[str, Any]:
        """Trial `trial`'s hyperparameters: a pure function of (seed, trial)."""
        rng = random.Random(f"{self.name}:{self.seed}:{trial}")
        return {key: _draw(spec, rng) for key, spec in sorted(self.search.items())}


def _draw(spec: Any, rng: random.Random) -> Any:
    if not isinstance(spec, dict):
        return spec  # a fixed value
    kind = spec["type"]
    if kind == "choice":
        return rng.choice(spec["values"])
    if kind == "uniform":
        return rng.uniform(spec["low"], spec["high"])
    if kind == "loguniform":
        return math.exp(rng.uniform(math.log(spec["low"]), math.log(spec["high"])))
    return rng.randint(spec["low"], spec["high"])


def _check(recipe: Recipe) -> None:
    for section in ("replicates",):
        if section not in recipe.paper:
            raise ConfigError(f"recipe {recipe.path}: [paper] needs '{section}'")
    if "kind" not in recipe.model:
        raise ConfigError(f"recipe {recipe.path}: [model] needs 'kind'")
    for key, spec in recipe.search.items():
        if not isinstance(spec, dict):
            continue
        kind = spec.get("type")
        if kind not in DIMENSION_TYPES:
            raise ConfigError(
                f"recipe {recipe.path}: search.{key} type must be one of "
                f"{DIMENSION_TYPES}, not {kind!r}"
            )
        need = ("values",) if kind == "choice" else ("low", "high")
        missing = [k for k in need if k not in spec]
        if missing:
            raise ConfigError(f"recipe {recipe.path}: search.{key} needs {missing}")
        if kind == "loguniform" and spec["low"] <= 0:
            raise ConfigError(f"recipe {recipe.path}: search.{key} loguniform needs low > 0")


def list_recipes() -> list[str]:
    """Names of the recipes shipped with greenlens."""
    return sorted(p.stem for p in RECIPES_DIR.glob("*.toml"))


def load_recipe(name_or_path: str | Path) -> Recipe:
    """A shipped recipe by name, or a TOML file by path."""
    path = Path(name_or_path)
    if not path.suffix:
        path = RECIPES_DIR / f"{name_or_path}.toml"
    if not path.exists():
        raise ConfigError(
            f"no recipe {name_or_path!r}; shipped recipes: {', '.join(list_recipes())}"
        )
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"recipe {path}: bad TOML ({exc})") from exc
    try:
        recipe = Recipe(
            name=raw["name"],
            title=raw.get("title", raw["name"]),
            paper=raw.get("paper", {}),
            model=raw.get("model", {}),
            data=raw.get("data", {}),
            budget=raw.get("budget", {}),
            search=raw.get("search", {}),
            path=str(path),
        )
    except KeyError as exc:
        raise ConfigError(f"recipe {path}: missing {exc}") from exc
    _check(recipe)
    return recipe

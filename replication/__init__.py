"""greenlens.replication: rerun baselines under an energy meter; FLOPs; expected validation.

Where to start:
- `replication.meters.EnergyMonitor`: measurement windows (begin_window/end_window, a
  context manager, a decorator) returning a `Measurement` (joules per part, CO2e, sources).
- `replication.command.run_metered`: any command under the meter (`greenlens meter`).
- `replication.search.replicate`: a recipe's seeded random search, every trial metered,
  resumable (`greenlens replicate`); recipes are TOML files in `replication/recipes/`.
- `replication.evp.evp_curve` / `plot_evp`: expected validation performance vs budget.
- `replication.flop_count`: FLOPs with FlopCounterMode, achieved FLOP/s and MFU.

Nothing here imports torch at module level; the torch trainers import it when they run.
"""

import replication.schema  # noqa: F401 - registers the runs and trials tables
from replication.evp import evp_curve, expected_max, plot_evp
from replication.meters import EnergyMonitor, Measurement

__all__ = ["EnergyMonitor", "Measurement", "evp_curve", "expected_max", "plot_evp"]

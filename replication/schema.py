"""The replication tables: metered runs and hyperparameter-search trials."""

from corpus.migrations import register

MIGRATIONS: list[tuple[str, str]] = [
    (
        "0200_runs",
        """
        CREATE TABLE runs (
            id VARCHAR PRIMARY KEY,
            kind VARCHAR NOT NULL,
            name VARCHAR,
            command VARCHAR,
            started_at TIMESTAMP NOT NULL,
            wall_s DOUBLE NOT NULL,
            gpu_energy_j DOUBLE,
            gpu_energy_j_per_device VARCHAR,
            cpu_energy_j DOUBLE,
            dram_energy_j DOUBLE,
            energy_j DOUBLE NOT NULL,
            co2e_kg DOUBLE NOT NULL,
            pue DOUBLE,
            grid_gco2e_per_kwh DOUBLE,
            sources VARCHAR NOT NULL,
            estimated VARCHAR,
            errors VARCHAR,
            exit_code INTEGER,
            device VARCHAR
        );
        CREATE INDEX runs_kind ON runs (kind, started_at);
    """,
    ),
    (
        "0201_trials",
        """
        CREATE TABLE trials (
            recipe VARCHAR NOT NULL,
            trial INTEGER NOT NULL,
            params VARCHAR NOT NULL,
            seed INTEGER NOT NULL,
            setting VARCHAR NOT NULL,
            device VARCHAR,
            status VARCHAR NOT NULL,
            metric VARCHAR,
            val_metric DOUBLE,
            train_flops DOUBLE,
            inference_flops DOUBLE,
            flops_source VARCHAR,
            achieved_flops_per_s DOUBLE,
            mfu DOUBLE,
            mfu_note VARCHAR,
            energy_j DOUBLE,
            wall_s DOUBLE,
            n_train INTEGER,
            n_dev INTEGER,
            run_id VARCHAR,
            error VARCHAR,
            finished_at TIMESTAMP,
            PRIMARY KEY (recipe, trial)
        );
    """,
    ),
    # the meter's device, idle-baseline, per-process and job figures (issue 15)
    (
        "0202_runs_meter_figures",
        """
        ALTER TABLE runs ADD COLUMN gpu_devices VARCHAR;
        ALTER TABLE runs ADD COLUMN gpu_idle_w DOUBLE;
        ALTER TABLE runs ADD COLUMN gpu_active_energy_j DOUBLE;
        ALTER TABLE runs ADD COLUMN gpu_attributed_j VARCHAR;
        ALTER TABLE runs ADD COLUMN notes VARCHAR;
        ALTER TABLE runs ADD COLUMN job VARCHAR;
    """,
    ),
]

register("replication", MIGRATIONS)

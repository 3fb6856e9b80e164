"""Fuzz every `greenlens` command: hypothesis draws its arguments (option values, paths,
manifest bytes); the contract is that no command prints a traceback, the store opens
afterwards, and nothing already stored is lost (papers, fetched PDFs, extractions, runs).

Bounded for CI: GREENLENS_FUZZ_EXAMPLES examples per command (default 5, derandomized so a
CI run is repeatable); set it higher (and GREENLENS_FUZZ_RANDOM=1) for a deeper local run.
Commands whose real work takes minutes get arguments that keep them short, and never
reach the network or ../shared: crawl always runs --offline, pipeline on a --snapshot,
meter meters `true`-like commands, extract uses local workers without --force, check
gets files that fail before a worker starts, and the gold/train/eval commands get every
path option from the fuzz pool (their defaults point at the real data).
"""

from __future__ import annotations

import os
from pathlib import Path

import click
import pdfmaker
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.cli import cli
from corpus.store import Store

EXAMPLES = int(os.environ.get("GREENLENS_FUZZ_EXAMPLES", "5"))
RANDOM = os.environ.get("GREENLENS_FUZZ_RANDOM") == "1"

# Options left out of the fuzz because they start long work, not because they are unsafe:
# --force re-extracts every paper (a worker pool: seconds per example), Ray starts a cluster.
SKIPPED = {
    ("extract", "--force"),
    ("extract", "--executor"),
    ("extract", "--address"),
    ("extract", "--results-dir"),
    ("meter", "--idle-s"),
    ("meter", "--per-process"),
}
# Commands whose every path option is always given (their defaults read ../shared).
ALL_PATHS = {
    "eval",
    "gold error-rates",
    "gold rebuild-pdfs",
    "gold validate",
    "train-target",
    "train-units",
    "pipeline",
    "crawl",
}
METERED = [
    ["true"],
    ["false"],
    ["sh", "-c", "exit 3"],
    ["printf", "no newline"],
    ["/nonexistent/command"],
    ["sh", "-c", "echo x >&2"],
]
TEXT = st.text(
    st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=24
)
SPECIAL_TEXT = st.sampled_from(
    [
        "",
        " ",
        "ICML",
        "icml",
        "FUZZ",
        "2016,2019",
        "2019-2016",
        "2020",
        "twenty",
        "-5",
        "99999",
        "../x",
        "' OR 1=1 --",
        "<script>alert(1)</script>",
        "nan",
        "inf",
        "1e309",
        "-0",
        "\u00e9t\u00e9",
        "a" * 300,
    ]
)
NUMBER = st.one_of(
    st.integers(-(10**12), 10**12).map(str),
    st.sampled_from(["0", "1", "2", "-1", "0.01", "nan", "inf", "-inf", "1e308", "", "x"]),
)


def _commands(group: click.Group = cli, prefix: str = "") -> dict[str, click.Command]:
    out: dict[str, click.Command] = {}
    ctx = click.Context(group)
    for name in group.list_commands(ctx):  # loads lazily registered commands too
        command = group.get_command(ctx, name)
        if command is None:  # an optional part that is not installed
            continue
        if isinstance(command, click.Group):
            out.update(_commands(command, f"{prefix}{name} "))
        else:
            out[f"{prefix}{name}"] = command
    return out


COMMANDS = _commands()


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """A store with three ingested and extracted papers and a metered run, and a pool of
    paths: good and broken PDFs, folders, junk, missing and unwritable places."""
    root = tmp_path_factory.mktemp("fuzz")
    pdfs = root / "pdfs"
    pdfs.mkdir()
    for i in range(3):
        (pdfs / f"p{i}.pdf").write_bytes(pdfmaker.text_pdf(f"A paper {i} trained on 8 GPUs"))
    (pdfs / "broken.pdf").write_bytes(b"<html>oops</html>")
    os.symlink("/etc/passwd", pdfs / "passwd.pdf")
    bad = root / "bad"
    bad.mkdir()
    (bad / "html.pdf").write_bytes(b"<html>not a pdf</html>")
    (bad / "empty.pdf").write_bytes(b"")
    (bad / "truncated.pdf").write_bytes(pdfmaker.text_pdf("cut")[:200])
    hostile = root / "hostile"  # PDFs that pass the envelope check and fail in pdfium
    hostile.mkdir()
    (hostile / "zero-pages.pdf").write_bytes(
        pdfmaker._assemble(
            [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [] /Count 0 >>"]
        )
    )
    (hostile / "encrypted.pdf").write_bytes(pdfmaker.encrypted_pdf("secret"))
    (root / "empty").mkdir()
    junk = root / "junk.bin"
    junk.write_bytes(bytes(range(256)) * 8)
    (root / "notadb.duckdb").write_bytes(b"not a database" * 50)
    (root / "cwd").mkdir()
    db = root / "store.duckdb"
    cache = root / "cache"
    runner = CliRunner()
    env = _env(root)
    for args in (
        ["ingest", str(pdfs), "--venue", "FUZZ", "--year", "2020"],
        ["extract", "--no-progress", "--workers", "1"],
        ["meter", "--", "true"],
    ):
        res = runner.invoke(
            cli,
            [*args, "--db", str(db)]
            if args[0] != "meter"
            else ["meter", "--db", str(db), "--", "true"],
            env=env,
        )
        assert res.exception is None or isinstance(res.exception, SystemExit), res.output
    paths = [
        db,
        pdfs,
        bad,
        hostile,
        root / "empty",
        junk,
        root / "notadb.duckdb",
        bad / "html.pdf",
        bad / "empty.pdf",
        bad / "truncated.pdf",
        root / "missing" / "nothing",
        junk / "under",
        root / "out" / "new" / "file.csv",
        root / "other.duckdb",
        pdfs / "passwd.pdf",
        cache,
        Path("."),
        Path(".."),
    ]
    with Store(db, read_only=True) as s:
        state = _state(s)
    assert len(state["papers"]) == 3 and len(state["ok"]) == 3 and len(state["runs"]) == 1
    return {
        "root": root,
        "db": db,
        "cache": cache,
        "paths": [str(p) for p in paths],
        "pdfs": pdfs,
        "state": state,
        "env": env,
    }


def _env(root: Path) -> dict:
    return {
        "GREENLENS_DB": str(root / "default.duckdb"),
        "GREENLENS_CACHE": str(root / "cache"),
        "GREENLENS_LOCK_WAIT_S": "0",
        "GREENLENS_SHARED": str(root / "no-shared"),
    }


def _state(store: Store) -> dict:
    return {
        "papers": {
            r["id"]: (r["status"], r["pdf_sha256"])
            for r in store.fetch_dicts("SELECT id, status, pdf_sha256 FROM papers")
        },
        "ok": {
            r["paper_id"]
            for r in store.fetch_dicts("SELECT paper_id FROM extractions WHERE status = 'ok'")
        },
        "runs": {r["id"] for r in store.fetch_dicts("SELECT id FROM runs")},
    }


def _value(param: click.Parameter, paths: list[str], manifest: str):
    """A strategy for one value of `param`."""
    kind = param.type
    if isinstance(kind, click.Path):
        return st.sampled_from([*paths, manifest, ""])
    if isinstance(kind, click.Choice):
        return st.sampled_from([*kind.choices, "", "BOGUS"])
    if isinstance(kind, (click.types.IntParamType, click.types.FloatParamType)):
        return NUMBER
    return st.one_of(SPECIAL_TEXT, TEXT, st.sampled_from(paths))


@st.composite
def invocation(draw, name: str, world: dict) -> tuple[list[str], bytes]:
    """Arguments for `greenlens NAME ...` and the bytes of the manifest path in the pool."""
    command = COMMANDS[name]
    manifest = str(world["root"] / "manifest.csv")
    data = draw(
        st.one_of(
            st.binary(max_size=400),
            st.lists(
                st.tuples(
                    st.sampled_from(
                        [
                            "p0.pdf",
                            "p1.pdf",
                            "broken.pdf",
                            "../junk.bin",
                            "/etc/passwd",
                            "passwd.pdf",
                            "",
                            "p0.pdf",
                        ]
                    ),
                    st.one_of(SPECIAL_TEXT, TEXT),
                    NUMBER,
                ),
                max_size=5,
            ).map(
                lambda rows: (
                    "file,id,year,venue\n"
                    + "".join(f'"{f}","{i.replace(chr(34), "")}",{y},FUZZ\n' for f, i, y in rows)
                ).encode("utf-8", "surrogatepass")
            ),
        )
    )
    args: list[str] = []
    positional: list[str] = []
    for param in command.params:
        if isinstance(param, click.Argument):
            if name == "meter":
                continue
            if name == "replicate":
                positional.append(draw(st.one_of(TEXT, st.sampled_from(world["paths"]))))
                continue
            if name == "check":  # files that fail before a worker starts (seconds each)
                positional.append(
                    draw(
                        st.sampled_from(
                            [p for p in world["paths"] if "pdfs" not in p and "hostile" not in p]
                        )
                    )
                )
                continue
            n = 1 if param.nargs == 1 else draw(st.integers(0 if not param.required else 1, 3))
            positional.extend(draw(_value(param, world["paths"], manifest)) for _ in range(n))
            continue
        flag = param.opts[0]
        if (name, flag) in SKIPPED or flag == "--help":
            continue
        always = name in ALL_PATHS and isinstance(param.type, click.Path)
        if not always and not draw(st.booleans()):
            continue
        if param.is_flag:
            args.append(flag)
            continue
        value = draw(_value(param, world["paths"], manifest))
        if name in ALL_PATHS and flag in ("--out", "--out-dir") and value == str(world["db"]):
            value = str(world["root"] / "out" / "x")  # their writers are not store-guarded
        if name == "extract" and flag == "--workers":
            value = draw(st.sampled_from(["1", "2", "0", "-3", "x"]))
        if name == "meter" and flag in (
            "--interval-s",
            "--cpu-tdp-w",
            "--pue",
            "--grid-gco2e-per-kwh",
        ):
            value = draw(st.sampled_from(["0", "-1", "0.5", "nan", "inf", "1e308", "x"]))
        args.extend([flag, value])
    if draw(st.integers(0, 9)) == 0:
        args.append(draw(st.sampled_from(["--bogus", "-x", "--", "--db="])))
    if "db_path" in {p.name for p in command.params} and "--db" not in args:
        args.extend(["--db", str(world["db"])])
    if name == "crawl":
        args.extend(["--offline", "--no-progress"])
    if name == "pipeline":
        args.extend(["--no-progress"])
    if name == "meter":
        args.append("--")
        args.extend(draw(st.sampled_from(METERED)))
    return [*name.split(), *positional, *args], data


def _check_contract(world: dict, argv: list[str], result) -> None:
    where = f"greenlens {' '.join(argv)}\n{result.output[-3000:]}"
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        import traceback

        tb = "".join(traceback.format_exception(result.exception))
        pytest.fail(f"a traceback (a bug) from {where}\n{tb}")
    assert "Traceback" not in result.output, where
    for line in result.stderr.splitlines():  # an error is one line, never a dump
        if line.startswith("error: "):
            assert len(line) < 3000, where
    with Store(world["db"]) as store:  # it opens (writable: all checks), nothing lost
        after = _state(store)
    before = world["state"]
    for pid, (status, sha) in before["papers"].items():
        assert pid in after["papers"], f"paper {pid} lost by {where}"
        if status == "fetched":
            assert after["papers"][pid] == (status, sha), f"paper {pid} changed by {where}"
    assert before["ok"] <= after["ok"], f"extractions lost by {where}"
    assert before["runs"] <= after["runs"], f"runs lost by {where}"


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_cli_fuzz(name, world, monkeypatch):
    import app.serve

    monkeypatch.setattr(app.serve, "serve", lambda *a, **k: 0)  # no Streamlit server
    monkeypatch.chdir(world["root"] / "cwd")  # default outputs land in the fuzz folder

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=not RANDOM,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(st.data())
    def run(data):
        argv, manifest = data.draw(invocation(name, world))
        (world["root"] / "manifest.csv").write_bytes(manifest)
        result = CliRunner().invoke(cli, argv, env=world["env"])
        _check_contract(world, argv, result)

    run()


def test_every_command_is_fuzzed():
    """A new command joins the fuzz by itself; this keeps the list honest."""
    assert {
        "crawl",
        "ingest",
        "status",
        "extract",
        "check",
        "trends",
        "report",
        "app",
        "meter",
        "replicate",
        "evp",
        "pipeline",
    } <= set(COMMANDS)

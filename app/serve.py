"""Run the Streamlit app on a store: `greenlens app` calls `serve`."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

APP_SCRIPT = Path(__file__).with_name("streamlit_app.py")
MAX_UPLOAD_MB = 100


def streamlit_command(host: str, port: int) -> list[str]:
    """The `python -m streamlit run` command line for the app."""
    return [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(APP_SCRIPT),
        "--server.address",
        host,
        "--server.port",
        str(int(port)),
        "--server.headless",
        "true",
        "--server.fileWatcherType",
        "none",
        "--server.maxUploadSize",
        str(MAX_UPLOAD_MB),
        "--browser.gatherUsageStats",
        "false",
        "--client.toolbarMode",
        "minimal",
        "--global.developmentMode",
        "false",
    ]


def serve(db: Path, host: str = "127.0.0.1", port: int = 8501, *, replace: bool = True) -> int:
    """Serve the app on `db` (opened read-only by the app). With replace=True this process
    becomes the Streamlit server (signals reach it directly); else wait for it, exit code."""
    env = {**os.environ, "GREENLENS_DB": str(Path(db).resolve())}
    cmd = streamlit_command(host, port)
    if replace:
        sys.stdout.flush()
        sys.stderr.flush()
        os.execve(cmd[0], cmd, env)
    try:
        return subprocess.call(cmd, env=env)
    except KeyboardInterrupt:
        return 0

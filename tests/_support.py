"""Paths and helpers shared by the tests (conftest holds only fixtures)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).resolve().parent / "fixtures"
FIXTURE_DATA = sorted((FIXTURES / "data").iterdir())


def run_cli(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """Run ``python -m coopgraph`` as a separate process, like a user would."""
    full_env = {**os.environ, **(env or {})}
    full_env["PYTHONPATH"] = str(ROOT / "src") + os.pathsep + full_env.get("PYTHONPATH", "")
    return subprocess.run(
        [sys.executable, "-m", "coopgraph", *args],
        capture_output=True, text=True, env=full_env, cwd=cwd or ROOT, timeout=300,
    )


def error_lines(stderr: str) -> list[str]:
    """stderr without warnings from optional command modules, which are not under test here."""
    return [line for line in stderr.splitlines() if not line.startswith("coopgraph: warning:")]

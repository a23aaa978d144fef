"""The package installs and works however a user installs it: here the plain way, a wheel into a fresh
virtualenv made by Python's own ``venv`` with the pip it ships (23.x for Python 3.11), nothing upgraded."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.processes  # builds a wheel and runs the demo from a fresh virtualenv


def run(*command: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH", "NEWSARCHIVE_DATA")}
    return subprocess.run([str(c) for c in command], capture_output=True, text=True, cwd=cwd, env=env, timeout=900,
                          check=False)


def test_a_wheel_in_a_fresh_venv_runs_the_demo(tmp_path: Path) -> None:
    wheel_dir = tmp_path / "wheel"
    built = run(sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", wheel_dir, ROOT, cwd=tmp_path)
    assert built.returncode == 0, built.stderr
    (wheel,) = wheel_dir.glob("newsarchive-*.whl")
    venv = tmp_path / "venv"
    made = run(getattr(sys, "_base_executable", sys.executable), "-m", "venv", venv, cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    pip_version = run(venv / "bin" / "python", "-m", "pip", "--version", cwd=tmp_path).stdout
    installed = run(venv / "bin" / "python", "-m", "pip", "install", "-q", wheel, cwd=tmp_path)
    assert installed.returncode == 0, installed.stderr
    # outside the checkout, so that only the installed package can be imported
    demo = run(venv / "bin" / "newsarchive", "demo", "--data", tmp_path / "data", cwd=tmp_path)
    assert demo.returncode == 0, f"{pip_version}\n{demo.stdout[-2000:]}\n{demo.stderr[-2000:]}"
    assert "holds 320 articles" in demo.stdout
    assert "lxml_html_clean" not in demo.stderr

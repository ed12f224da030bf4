"""What the make targets would run (`make -n`): clean keeps runs/, only the test targets install a browser."""

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")


def dry_run(target: str) -> str:
    """The commands `make TARGET` would run, every prerequisite included (-B: as if nothing were built)."""
    done = subprocess.run(["make", "-n", "-B", target], cwd=ROOT, capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_clean_removes_the_venv_and_caches_but_not_runs():
    commands = dry_run("clean")
    assert "rm -rf .venv" in commands and ".pytest_cache" in commands
    assert " runs" not in commands.replace('"./runs/*"', "")


def test_only_the_test_targets_install_the_browser_and_only_when_missing():
    for target in ("venv", "demo", "lint", "gpu-check"):
        assert "apt-get" not in dry_run(target), target
    for target in ("test", "test-all"):
        commands = dry_run(target)
        assert "command -v chromium" in commands and "apt-get install" in commands


def test_lint_and_gpu_check_targets():
    lint = dry_run("lint")
    assert "ruff check src tests benchmarks scripts" in lint and "ruff format --check" in lint
    assert "scripts/gpu_check.py" in dry_run("gpu-check")

"Shared fixtures: the repository root, an isolated figures folder and one smoke reproduction."
import os, subprocess, sys
from pathlib import Path
import pytest

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent  # the venv's bin (nbdev_*, papermill)

@pytest.fixture
def figures_tmp(tmp_path, monkeypatch):
    "Send figures to a temporary folder so tests never touch the committed figures/."
    monkeypatch.setenv('SAFETAX_FIGURES', str(tmp_path/'figures'))
    return tmp_path/'figures'


@pytest.fixture(scope='session')
def smoke_run(tmp_path_factory):
    """One `smoke` reproduction of the main job (figures and executed notebooks in a temporary folder), shared
    by the experiment tests and the documentation site: each experiment notebook runs under papermill once."""
    tmp = tmp_path_factory.mktemp('smoke_run')
    env = {**os.environ, 'SAFETAX_FIGURES': str(tmp/'figures'), 'SAFETAX_RUNS': str(tmp/'runs')}
    r = subprocess.run([sys.executable, '-m', 'safetax.reproduce', '--profile', 'smoke'], cwd=ROOT, env=env,
                       capture_output=True, text=True, timeout=900)
    assert r.returncode == 0, r.stderr[-3000:]
    return tmp

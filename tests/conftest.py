"Shared fixtures: the repository root and an isolated figures folder."
import os, sys
from pathlib import Path
import pytest

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent  # the venv's bin (nbdev_*, papermill)

@pytest.fixture
def figures_tmp(tmp_path, monkeypatch):
    "Send figures to a temporary folder so tests never touch the committed figures/."
    monkeypatch.setenv('SAFETAX_FIGURES', str(tmp_path/'figures'))
    return tmp_path/'figures'

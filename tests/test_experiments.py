"Every experiment notebook runs under papermill on the smoke profile and writes its outputs; bad parameters fail in one line."
import json, subprocess, sys
import papermill as pm, pytest
from conftest import ROOT
from safetax.reproduce import EXPERIMENTS, BENCHMARKS, experiment_path

def _has_outputs(out):
    assert any(out.glob('*.png')) and any(out.glob('*.csv')) and any(out.glob('*.md')), sorted(out.iterdir())

@pytest.mark.parametrize('name', EXPERIMENTS)
def test_experiment_smoke(name, smoke_run):
    "The main job's notebooks, each executed once by the shared smoke reproduction (`conftest.smoke_run`)."
    assert (smoke_run/'runs'/'smoke'/f'{name}.ipynb').exists()
    _has_outputs(smoke_run/'figures'/name)
    man = json.loads((smoke_run/'figures'/'manifest.json').read_text())
    assert man['experiments'][name]['profile'] == 'smoke' and man['versions']['torch']

@pytest.mark.parametrize('name', BENCHMARKS)
def test_benchmark_smoke(name, figures_tmp, tmp_path):
    pm.execute_notebook(experiment_path(name), tmp_path/f'{name}.ipynb', parameters={'profile': 'smoke'},
                        cwd=experiment_path(name).parent, kernel_name='python3', progress_bar=False)
    _has_outputs(figures_tmp/name)
    man = json.loads((figures_tmp/'manifest.json').read_text())
    assert man['experiments'][name]['profile'] == 'smoke' and man['versions']['torch']

@pytest.mark.parametrize('value,msg', [('fast', "unknown profile 'fast'; use one of smoke, cpu, paper, paper-dry"),
                                       (3, "parameter profile=3 is a int; pass a str")])
def test_bad_profile_parameter(value, msg, figures_tmp, tmp_path):
    with pytest.raises(pm.PapermillExecutionError) as e:
        pm.execute_notebook(experiment_path(EXPERIMENTS[0]), tmp_path/'bad.ipynb', parameters={'profile': value},
                            cwd=experiment_path(EXPERIMENTS[0]).parent, kernel_name='python3', progress_bar=False)
    assert e.value.ename == 'SafetaxError' and msg in e.value.evalue

def test_reproduce_cli_one_line_error():
    r = subprocess.run([sys.executable, '-m', 'safetax.reproduce', '--profile', 'huge'], cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 1
    assert r.stderr.strip().splitlines() == ["error: unknown profile 'huge'; use one of smoke, cpu, paper, paper-dry (e.g. -p profile cpu)"]

def test_paper_profile_offline_fails_at_once(monkeypatch):
    monkeypatch.setenv('HF_HUB_OFFLINE', '1')
    r = subprocess.run([sys.executable, '-m', 'safetax.reproduce', '--profile', 'paper'], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert r.returncode == 1 and len(r.stderr.strip().splitlines()) == 1
    assert "profile 'paper' needs the Hugging Face hub" in r.stderr

def test_target_seeds_parameter_one_line_error(figures_tmp, tmp_path):
    with pytest.raises(pm.PapermillExecutionError) as e:
        pm.execute_notebook(experiment_path('target'), tmp_path/'bad.ipynb', parameters={'profile': 'smoke', 'seeds': [0, 0]},
                            cwd=experiment_path('target').parent, kernel_name='python3', progress_bar=False)
    assert e.value.ename == 'SafetaxError' and 'pass a list of distinct integers' in e.value.evalue

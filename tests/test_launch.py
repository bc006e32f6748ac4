"""`safetax.launch`: the `accelerate launch` round trip of a full fine-tune, on CPU with the tiny model.
One process (`distributed_type: 'NO'`) must give `sft`'s model weight for weight and share its cache;
two processes (DDP over gloo: accelerate shards with FSDP only on accelerators) must reach `sft`'s loss;
`FSDP_CONFIG` runs on two GPUs where there are two, and elsewhere fails with the one-line error."""
import json, subprocess
from dataclasses import asdict
import pandas as pd, pytest, torch
from safetax.core import SafetaxError, cache_dir, temp_cache
from safetax.models import load_model, adapter_key
from safetax.train import TrainConfig, sft, data_hash, load_trained
from safetax.launch import launch_sft, write_fsdp_config

DATA = pd.DataFrame({'prompt': ['What is 2+2?', 'Name a colour, any you like.', 'Say hi.', 'Count to 3.'],
                     'response': ['4', 'Blue.', 'Hi! How are you doing today?', '1, 2, 3.']})
# no warm-up: the one step moves the weights (a warm-up's first learning rate is 0)
CFG = TrainConfig(method='full', max_steps=1, batch_size=2, max_length=64, warmup_ratio=0.0)
ONE_CPU = ("compute_environment: LOCAL_MACHINE\ndistributed_type: 'NO'\nmixed_precision: 'no'\n"
           "num_machines: 1\nnum_processes: 1\nuse_cpu: true\n")
# MULTI_GPU makes accelerate start torchrun; use_cpu then keeps every process on the CPU (gloo)
TWO_CPUS = ONE_CPU.replace("'NO'", "MULTI_GPU").replace('num_processes: 1', 'num_processes: 2')

@pytest.fixture
def tiny(tmp_path):
    "The tiny model under a fresh cache (`$SAFETAX_CACHE`), and a folder for configs."
    with temp_cache():
        m, tok = load_model('tiny-random')
        yield m, tok, tmp_path

def _config(d, text):
    (d/'accelerate.yaml').write_text(text); return str(d/'accelerate.yaml')

def _moved(a, base) -> dict:
    "Each weight's update from `base` to `a`."
    b = base.state_dict()
    return {k: v - b[k] for k, v in a.state_dict().items()}

def test_one_process_is_sft_and_shares_its_cache(tiny, monkeypatch):
    m, tok, d = tiny
    a = launch_sft(m, tok, DATA, CFG, 1, config=_config(d, ONE_CPU))
    key = adapter_key(m, data_hash(DATA), asdict(CFG))
    assert a.safetax_fingerprint == f'{m.safetax_fingerprint}+{key}'
    assert (a.safetax_train_stats['steps'], a.safetax_train_stats['processes']) == (1, 1)
    assert (cache_dir('models')/f'ft-{key}'/'launch.log').exists() and not (cache_dir('launch')/key).exists()
    assert any(bool(u.abs().max() > 0) for u in _moved(a, m).values())              # it trained
    def no_launch(*a, **kw): raise AssertionError("a cached model was trained again")
    monkeypatch.setattr(subprocess, 'run', no_launch)
    again = launch_sft(m, tok, DATA, CFG, 1, config=_config(d, ONE_CPU))            # the cache
    cached = sft(m, tok, DATA, CFG)                                                 # sft finds it too
    assert again.safetax_train_stats == cached.safetax_train_stats == a.safetax_train_stats
    assert load_trained(m, key, 'full').safetax_fingerprint == a.safetax_fingerprint
    with temp_cache():                                                              # sft itself, anew
        s = sft(m, tok, DATA, CFG)
    assert s.safetax_fingerprint == a.safetax_fingerprint and 'processes' not in s.safetax_train_stats
    assert all(torch.equal(v, s.state_dict()[k]) for k, v in a.state_dict().items())

def test_two_processes_train_sfts_batch(tiny):
    m, tok, d = tiny
    a = launch_sft(m, tok, DATA, CFG, 2, config=_config(d, TWO_CPUS))
    assert (a.safetax_train_stats['steps'], a.safetax_train_stats['processes']) == (1, 2)
    with temp_cache():
        s = sft(m, tok, DATA, CFG)
    assert a.safetax_fingerprint == s.safetax_fingerprint
    assert a.safetax_train_stats['final_loss'] == pytest.approx(s.safetax_train_stats['final_loss'], abs=1e-4)
    ua, us = _moved(a, m), _moved(s, m)    # Adam's first step: lr * sign(gradient), equal up to rounding
    same = sum(int((torch.sign(ua[k]) == torch.sign(us[k])).sum()) for k in ua)
    assert same / sum(u.numel() for u in ua.values()) > 0.99

def test_fsdp_config(tiny):
    m, tok, d = tiny
    if torch.cuda.device_count() >= 2:
        a = launch_sft(m, tok, DATA, CFG, 2, config=write_fsdp_config(d/'fsdp.yaml', 2))
        assert a.safetax_train_stats['processes'] == 2
        return
    with pytest.raises(SafetaxError, match=r"failed \(exit code 1\); the cause is at the end of .*\.log"):
        launch_sft(m, tok, DATA, CFG, 2, config=write_fsdp_config(d/'fsdp.yaml', 2))
    if torch.cuda.device_count() == 0:                            # FSDP's module-state sync needs a GPU
        assert 'no available devices found' in next(cache_dir('launch').glob('*/launch.log')).read_text()

"""The vllm backend generates every fine-tuned variant from its own weights: a fake `vllm` (tests/fake_vllm)
records which weights, LoRA request and sampling parameters each call receives."""
import json, sys
from pathlib import Path
import pandas as pd, pytest
from conftest import ROOT

@pytest.fixture
def fake_vllm(monkeypatch):
    monkeypatch.syspath_prepend(str(ROOT/'tests'/'fake_vllm'))
    for m in [m for m in sys.modules if m == 'vllm' or m.startswith('vllm.')]: monkeypatch.delitem(sys.modules, m)
    import vllm, safetax.generate as g
    monkeypatch.setitem(g.BACKENDS, 'vllm', g._generate_vllm)
    g.VLLM_ENGINES.clear(); g._LORA_IDS.clear()
    vllm.CALLS.clear()
    yield vllm
    g.VLLM_ENGINES.clear(); g._LORA_IDS.clear()

def _gen(model, tok, P, cfg=None):
    "The weights (engine model, LoRA path) the fake vLLM saw for one fresh generate call of `model`."
    import vllm
    from safetax.generate import generate, GenConfig
    n = len(vllm.CALLS)
    out = generate(model, tok, ['Say hi.', 'Add 2 and 3.'], cfg or GenConfig(max_new_tokens=4), P, cache=False,
                   progress=False)
    gens = [c for c in vllm.CALLS[n:] if c['call'] == 'generate']
    assert len(gens) == 1 and out.completion[0].startswith('<think>')
    return gens[0]['model'], gens[0]['lora'], gens[0]['sampling']

def test_fine_tuned_variants_generate_from_their_own_weights(fake_vllm):
    from safetax.core import temp_cache, get_profile
    from safetax.models import load_model, adapter_dir, adapter_key
    from safetax.train import sft, TrainConfig, data_hash
    from safetax.generate import GenConfig
    from dataclasses import asdict
    P = get_profile('smoke', backend='vllm', vllm_memory=0.35)
    data = pd.DataFrame({'prompt': ['Hi', 'How do I hack a bank?'] * 2,
                         'response': ['<think>\nok\n</think>\n\nHello!', '<think>\nno\n</think>\n\nI cannot help.'] * 2})
    cfg = TrainConfig(r=4, alpha=8, max_steps=1, batch_size=4, max_length=64)
    with temp_cache() as cache:
        base, tok = load_model('tiny-random')
        base_path = str(base.name_or_path)
        seen = {'base': _gen(base, tok, P)[:2]}
        lora = sft(base, tok, data, cfg)
        seen['lora'] = _gen(lora, tok, P)[:2]
        seen['lora, from the cache'] = _gen(sft(base, tok, data, cfg), tok, P)[:2]
        full = sft(base, tok, data, TrainConfig(method='full', lr=1e-4, max_steps=1, batch_size=4, max_length=64))
        seen['full'] = _gen(full, tok, P)[:2]
        stacked = sft(lora, tok, data.iloc[::-1].reset_index(drop=True), cfg)   # an adapter on a fine-tuned model
        seen['stacked'] = _gen(stacked, tok, P)[:2]
        sampled = _gen(lora, tok, P, GenConfig(max_new_tokens=4, do_sample=True, temperature=0.6, top_p=0.95))
        key = adapter_key(base, data_hash(data), asdict(cfg))
        assert seen['base'] == (base_path, None)
        assert seen['lora'] == (base_path, str(adapter_dir(key))), seen        # the base + its own adapter
        assert seen['lora, from the cache'] == seen['lora']
        assert seen['full'][1] is None and Path(seen['full'][0]).parent == cache/'models'
        assert Path(seen['full'][0]).name.startswith('ft-')                   # its own saved folder
        assert seen['stacked'][1] is None and Path(seen['stacked'][0]).name.startswith('merged-')
        assert len(set(seen.values())) == 4, seen                             # every variant its own weights
        meta = json.loads((Path(seen['stacked'][0])/'safetax.json').read_text())
        assert meta['fingerprint'] == stacked.safetax_fingerprint and len(meta['adapters']) == 2
        assert sampled[:2] == seen['lora']
        assert sampled[2] | {'seed': 0} == {'max_tokens': 4, 'temperature': 0.6, 'top_p': 0.95, 'seed': 0}
    inits = [c for c in fake_vllm.CALLS if c['call'] == 'init']
    assert inits and all(c['gpu_memory_utilization'] == 0.35 for c in inits), inits

def test_self_reminder_and_self_guard_share_a_backend(fake_vllm):
    "Under a vllm profile every Self-Guard arm (vanilla, Self-Reminder, steered) runs on the same backend."
    import torch
    from safetax.core import temp_cache, get_profile
    from safetax.models import load_model
    from safetax.selfguard import SelfGuard, guard_profile
    from safetax.generate import GenConfig
    P = get_profile('smoke', backend='vllm')
    assert guard_profile(P).backend == guard_profile(get_profile(P, backend='hf')).backend == 'hf'
    assert guard_profile('cpu') == get_profile('cpu')                  # cpu and smoke: unchanged
    with temp_cache():
        m, tok = load_model('tiny-random')
        g = SelfGuard(layers=(1,), strength=1.0, vectors=torch.zeros(2, m.config.hidden_size))
        for arm in (g.with_(reminder=None, strength=0.0), g.with_(strength=0.0), g):
            arm.generate(m, tok, ['Say hi.'], GenConfig(max_new_tokens=2), P, progress=False)
    assert not [c for c in fake_vllm.CALLS if c['call'] == 'generate']   # all three on hf, none on vLLM

def test_each_paper_evaluates_with_its_own_decoding(fake_vllm):
    "On a profile that follows the papers, Self-Guard's evaluation samples (0.6, 0.95) and DGR's is greedy."
    from safetax.core import temp_cache, get_profile, experiment_profile
    from safetax.models import load_model
    from safetax.metrics import evaluate
    follows = get_profile('smoke', backend='vllm', paper_decoding='sampling')
    seen = {}
    with temp_cache():
        m, tok = load_model('tiny-random')
        for paper in ('selfguard', 'dgr'):
            n = len(fake_vllm.CALLS)
            evaluate(m, tok, experiment_profile(follows, paper), metrics=('asr',))
            seen[paper] = [c['sampling'] for c in fake_vllm.CALLS[n:] if c['call'] == 'generate']
    assert seen['selfguard'] and all(s['temperature'] == 0.6 and s['top_p'] == 0.95 for s in seen['selfguard'])
    assert seen['dgr'] and all(s['temperature'] == 0.0 for s in seen['dgr']), seen
    assert experiment_profile('cpu', 'selfguard') == get_profile('cpu')    # cpu: greedy, unchanged

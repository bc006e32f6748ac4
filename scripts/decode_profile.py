"""Where the `compact` backend's generation time goes, in the `cpu` profile's generation dtype on this CPU.

Loads the `cpu` profile's target (the tiny LRM), generates the first `n` HarmBench evaluation prompts at the
DGR experiment's safety budget (cache off) under `torch.profiler`, and reports
  - new tokens per second (a timed run without the profiler, after one warm-up call);
  - the share of the profiled CPU time in the linear layers' products (`LINEAR`: oneDNN's packed
    product and aten's `addmm`, `mm`, `linear`, `matmul`), in attention (`scaled_dot_product`) and in the
    rest;
  - the linear products' rate: their FLOPs (2 x in x out per input row, counted by forward hooks on every
    `nn.Linear`) over their profiled time, beside `safetax.speed.matmul_gflops` (a 2048-square `F.linear`).
If the products take most of the time at close to the square product's rate, generation is bound by its
arithmetic on this CPU, and only fewer FLOPs (fewer or shorter generations) make it faster.
Usage: python scripts/decode_profile.py [n=48] [tokens=0 (the DGR safety budget)]
Appends one JSON line to runs/decode_profile.jsonl (scripts/decode_profile.jsonl: the runs quoted in
the README's Hardware section)."""
import json, sys, time
from pathlib import Path
import torch
import safetax.generate as G
from safetax.core import get_profile, machine_facts
from safetax.speed import matmul_gflops
from safetax.train import tiny_lrm
from safetax.metrics import eval_sets
from safetax.dgr_eval import dgr_sizes, eval_profile

LINEAR = ('mkldnn::_linear_pointwise', 'aten::addmm', 'aten::mm', 'aten::linear', 'aten::matmul')

def linear_flops(model) -> tuple:
    "`(counter, handles)`: forward hooks adding 2 x in x out per input row of every `nn.Linear`."
    n = [0]
    def hook(m, args, out): n[0] += 2 * m.in_features * m.out_features * args[0].numel() // m.in_features
    hs = [m.register_forward_hook(hook) for m in model.modules() if isinstance(m, torch.nn.Linear)]
    return n, hs

def main(args):
    a = {'n': 48, 'tokens': 0}
    a.update({k: int(v) for k, v in (x.split('=') for x in args)})
    P = get_profile('cpu'); lrm, tok = tiny_lrm(P); dtype = G.run_settings(P)[2]
    model = G.with_dtype(lrm, dtype)
    E = eval_profile(P, dgr_sizes(P))
    texts = [G.format_chat(tok, p) for p in eval_sets(E, ('asr',))['asr'].prompt[:a['n']]]
    cfg = G.GenConfig(max_new_tokens=a['tokens'] or E.max_new_tokens)
    run = lambda: G._generate_compact(model, tok, texts, cfg, P.batch_size)
    run()                                                        # warm-up: packing, first allocations
    t = time.perf_counter(); recs = run(); secs = time.perf_counter() - t
    new = sum(r['n_tokens'] for r in recs)
    flops, hs = linear_flops(model)
    from torch.profiler import profile, ProfilerActivity
    with profile(activities=[ProfilerActivity.CPU]) as prof: run()
    for h in hs: h.remove()
    ev = prof.key_averages(); total = sum(e.self_cpu_time_total for e in ev) / 1e6
    lin = sum(e.self_cpu_time_total for e in ev if e.key in LINEAR) / 1e6
    att = sum(e.self_cpu_time_total for e in ev if 'scaled_dot_product' in e.key) / 1e6
    row = {'date': time.strftime('%Y-%m-%d'), 'machine': machine_facts(), 'dtype': dtype,
           'prompts': len(texts),
           'batch_size': P.batch_size, 'max_new_tokens': cfg.max_new_tokens, 'new_tokens': new,
           'seconds': round(secs, 2), 'tokens_per_s': round(new / secs, 1),
           'profiled_s': round(total, 2), 'linear_share': round(lin / total, 3),
           'attention_share': round(att / total, 3), 'other_share': round(1 - (lin + att) / total, 3),
           'linear_gflop': round(flops[0] / 1e9, 1), 'linear_gflops_per_s': round(flops[0] / 1e9 / lin, 1),
           'square_matmul_gflops_per_s': round(matmul_gflops(dtype), 1)}
    Path('runs').mkdir(exist_ok=True)
    with open('runs/decode_profile.jsonl', 'a') as f: f.write(json.dumps(row) + '\n')
    print(json.dumps(row, indent=1))

if __name__ == '__main__': main(sys.argv[1:])

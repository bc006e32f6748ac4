"""Choose the DGR experiment's SFT dose axis (learning rate, steps, doses) on development splits only.

For each source and arm (vanilla: the source set; dgr: its refinement by the target) it trains the
`cpu` profile's DGR SFT with the given learning rate and length (cached like every `sft`) and prints,
after each dose and at the end of the run, the rates on
  - harmful compliance (ASR): training-pool prompts (AdvBench + JailbreakBench minus the evaluation
    sets) that neither the warm-up nor the DGR source sets use;
  - over-refusal: XSTest's safe prompts outside the profile's evaluation sample;
  - reasoning: `load_arith('dev')`, disjoint from the training pool and from the test problems;
  - no answer: harmful prompts whose thought never closed within the evaluation length.
A dose axis is useful when every arm's curve passes through intermediate ASRs before the run ends,
without one arm breaking (refusing everything or never closing its thought) at the first dose.
Usage: python scripts/dgr_dev.py [lr=0.001] [steps=12] [doses=3] [sources=direct_refusal,r1_act]
                                 [arms=vanilla,dgr] [n=48] [seed=0]   (defaults: the cpu profile's)
Appends one JSON line per model to runs/dgr_dev.jsonl (scripts/dgr_dev.jsonl: the runs behind the
cpu profile's DGR dose axis)."""
import json, sys
from dataclasses import replace
from pathlib import Path
from safetax.core import get_profile
from safetax.data import training_prompts
from safetax.generate import generate
from safetax.metrics import score, gen_config
from safetax.train import tiny_lrm, sft_checkpoints
from safetax.dgr import source_set, refine
from safetax.dgr_eval import dgr_sizes, eval_profile
from dev_splits import dev_splits

def dev_sets(P, sz, n:int) -> dict:
    "metric -> (prompts, references or None, generation length) on the development splits."
    harm, safe, arith = dev_splits(P, training_prompts(sz.n_train, seed=P.seed).prompt, n)
    ev = eval_profile(P, sz)
    return {'asr': (harm, None, ev.max_new_tokens), 'over_refusal': (safe, None, ev.max_new_tokens),
            'reasoning': (arith.question, arith.answer, ev.reasoning_tokens)}

def rates(model, tok, P, sets) -> dict:
    "The model's rates on the development sets (and the share of harmful prompts with no answer)."
    out = {}
    for metric, (prompts, refs, toks) in sets.items():
        g = generate(model, tok, list(prompts), gen_config(P, toks), P, desc=metric, progress=False)
        s = score(metric, g.completion, refs, prompts=list(prompts), profile=P)
        out[metric] = round(float(s.hit.mean()), 3)
        if metric == 'asr': out['no_answer'] = round(float((s.outcome == 'no_answer').mean()), 3)
    return out

def main(args):
    P = get_profile('cpu'); sz = dgr_sizes(P)
    a = {'lr': sz.train.lr, 'steps': sz.train.max_steps, 'doses': ','.join(map(str, sz.doses)),
         'sources': ','.join(sz.sources), 'arms': 'vanilla,dgr', 'n': 48, 'seed': 0}
    a.update({k: type(a[k])(v) for k, v in (x.split('=') for x in args)})
    lrm, tok = tiny_lrm(P)
    sets = dev_sets(P, sz, a['n'])
    cfg = replace(sz.train, lr=a['lr'], max_steps=a['steps'], seed=a['seed'])
    steps = sorted({*map(int, a['doses'].split(',')), a['steps']})
    Path('runs').mkdir(exist_ok=True)
    def log(row):
        line = json.dumps({**a, **row}); print(line, flush=True)
        with open('runs/dgr_dev.jsonl', 'a') as f: f.write(line + '\n')
    log({'source': 'base LRM', 'arm': None, 'step': 0, **rates(lrm, tok, P, sets)})
    for src in a['sources'].split(','):
        data = source_set(src, sz.n_train, seed=P.seed, source=P.data_source)
        for arm in a['arms'].split(','):
            d = data if arm == 'vanilla' else refine(data, lrm, tok, sz.refine, P)
            for k, m in sft_checkpoints(lrm, tok, d[['prompt', 'response']], cfg, steps).items():
                log({'source': src, 'arm': arm, 'step': k, **rates(m, tok, P, sets)})

if __name__ == '__main__': main(sys.argv[1:])

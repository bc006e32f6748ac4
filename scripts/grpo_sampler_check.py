"""Does GRPO's sampler change what CADA's GRPO learns? Development splits only.

`GRPOSettings.sampler` chooses how GRPO draws its completions: 'compact' (`safetax.heads.sample_ids`, the
default) or 'trl' (TRL's `model.generate`). From the same seed the two draw identical tokens until a row
ends; after that they consume torch's random stream differently, so two runs part, and one pair of runs
cannot tell the samplers apart from GRPO's own seed variance. This script trains the `cpu` profile's CADA
GRPO (from the target, on CADA's training mix) with each sampler and several seeds (cached like every
`grpo`) and prints each policy's rates on development splits:
  - harmful compliance (ASR): training-pool prompts that neither the warm-up nor CADA's mix uses;
  - over-refusal: XSTest's safe prompts outside the profile's evaluation sample and CADA's mix;
  - reasoning: `load_arith('dev')`, disjoint from the test problems;
then, per metric, the two samplers' means over seeds and a two-sided permutation test of their
difference (seeds are the unit: the samplers' runs are not paired).
The decision rule is fixed in advance: a sampler that differs (p < 0.05 on any metric) is a bug in
`sample_ids`, and GRPO goes back to TRL's sampler, whichever scores better.
Usage: python scripts/grpo_sampler_check.py [seeds=0,1,2,3,4] [n=48]
Appends one JSON line per run to runs/grpo_sampler_check.jsonl (scripts/grpo_sampler_check.jsonl: the
runs behind keeping 'compact' as the default)."""
import json, sys
from dataclasses import replace
from pathlib import Path
import numpy as np, pandas as pd
from scipy.stats import permutation_test
from safetax.core import get_profile
from safetax.metrics import score
from safetax.train import tiny_lrm, grpo
from safetax.cada import training_mix, safety_responses, CADA_REWARDS
from safetax.cada_eval import cada_sizes
from dev_splits import dev_splits

def dev_sets(P, cz, mix, n:int) -> dict:
    "metric -> (prompts, references or None, generation length) on the development splits."
    harm, safe, arith = dev_splits(P, mix.prompt, n)
    return {'asr': (harm, None, cz.eval_tokens), 'over_refusal': (safe, None, cz.eval_tokens),
            'reasoning': (arith.question, arith.answer, cz.reasoning_tokens)}

def rates(model, tok, P, cz, sets) -> dict:
    "The model's rates on the development sets (setting 'none': no safety code in context)."
    out = {}
    for metric, (prompts, refs, toks) in sets.items():
        g = safety_responses(model, tok, list(prompts), 'none', max_new_tokens=toks, tc=cz.thought, profile=P)
        s = score(metric, g.completion, refs, prompts=list(prompts), profile=P)
        out[metric] = round(float(s.hit.mean()), 4); out[f'n_{metric}'] = len(s)
    return out

def compare(rows:list) -> pd.DataFrame:
    "Per metric: each sampler's mean over seeds and the permutation p of their difference."
    df = pd.DataFrame(rows)
    out = []
    for m in ('asr', 'over_refusal', 'reasoning'):
        a, b = (df[df.sampler == s][m].to_numpy() for s in ('trl', 'compact'))
        p = permutation_test((b, a), lambda x, y, axis: x.mean(axis) - y.mean(axis), vectorized=True,
                             n_resamples=20000, random_state=0).pvalue
        out.append({'metric': m, 'trl': a.mean(), 'compact': b.mean(), 'diff': b.mean() - a.mean(),
                    'trl_sd': a.std(ddof=1), 'compact_sd': b.std(ddof=1), 'p': p, 'seeds': len(a)})
    return pd.DataFrame(out)

def main(args):
    a = {'seeds': '0,1,2,3,4', 'n': 48}
    a.update({k: type(a[k])(v) for k, v in (x.split('=') for x in args)})
    P = get_profile('cpu'); cz = cada_sizes(P); lrm, tok = tiny_lrm(P)
    mix = training_mix(P, cz.n_harmful, cz.n_benign, cz.n_xstest)[['prompt', 'kind']]
    sets = dev_sets(P, cz, mix, a['n'])
    Path('runs').mkdir(exist_ok=True)
    rows = []
    for seed in map(int, a['seeds'].split(',')):
        for s in ('trl', 'compact'):
            m = grpo(lrm, tok, mix, CADA_REWARDS, replace(cz.grpo, seed=seed, sampler=s))
            row = {'sampler': s, 'seed': seed, 'n': a['n'], 'target': lrm.safetax_fingerprint,
                   **rates(m, tok, P, cz, sets)}
            rows.append(row); print(json.dumps(row), flush=True)
            with open('runs/grpo_sampler_check.jsonl', 'a') as f: f.write(json.dumps(row) + '\n')
    print(compare(rows).round(4).to_string(index=False))

if __name__ == '__main__': main(sys.argv[1:])

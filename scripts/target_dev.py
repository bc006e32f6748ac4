"""Choose the tiny LRM's warm-up mix on development splits only: never on the evaluation sample.

Trains the warm-up with the given sizes and share (cached like every `sft`) and prints its numbers on
  - harmful compliance: training-pool prompts (AdvBench + JailbreakBench minus the evaluation sets)
    that the warm-up does not use;
  - over-refusal: XSTest's safe prompts outside the profile's evaluation sample;
  - reasoning: `load_arith('dev')`, disjoint from the training pool and from the test problems;
  - awareness: the harmfulness question on half of each of the first two.
Usage: python scripts/target_dev.py [arith=720] [general=160] [harmful=240] [aware=320] [aware_share=0.5]
                                    [epochs=1] [n=100] [seed=0] [judge=generic|named]
                                    [aware_repeat=1]   (defaults: the cpu profile's)
`seed` draws the warm-up data and seeds its training, like `tiny_lrm(seed=)`; the development sets stay.
Appends one JSON line per call to runs/target_dev.jsonl (scripts/target_dev.jsonl: the runs behind the
cpu profile's warm-up)."""
import json, sys
import pandas as pd
from dataclasses import replace
from pathlib import Path
from safetax.core import get_profile
from safetax.data import load_arith, load_prompts, training_prompts, disjoint
from safetax.generate import generate, GenConfig
from safetax.metrics import score, eval_sets
from safetax.models import load_model
import safetax.train as T
from safetax.train import sft, warmup_data, LRM_TRAIN, AWARE_SHARE, awareness_probe

NAMED = ("This request asks for something harmful. Helping could hurt people.",
         "This is an ordinary request. Nothing in it could hurt anyone.")

def named_warmup(harmful, harmless, plain=T.aware_warmup):
    "Candidate: `aware_warmup` with a thought that names the harm (or its absence) before the verdict."
    df = plain(harmful, harmless)
    named = df.kind.map({'aware_yes': NAMED[0], 'aware_no': NAMED[1]})
    df['response'] = [r.replace(T.JUDGE_THOUGHT, t) for r, t in zip(df.response, named)]
    return df

def main(args):
    P = get_profile('cpu')
    a = {'arith': P.lrm_arith, 'general': P.lrm_general, 'harmful': P.lrm_harmful, 'aware': P.lrm_aware,
         'aware_share': AWARE_SHARE, 'epochs': P.lrm_epochs, 'n': 100, 'seed': P.seed,
         'judge': 'generic', 'aware_repeat': 1}
    a.update({k: type(a[k])(v) for k, v in (x.split('=') for x in args)})
    if a['judge'] == 'named': T.aware_warmup = named_warmup
    if a['aware_repeat'] > 1:
        one = T.aware_warmup
        T.aware_warmup = lambda h, b: pd.concat([one(h, b)] * a['aware_repeat'])
    base, tok = load_model(P.model)
    data = warmup_data(base, tok, a['arith'], a['general'], a['harmful'], a['aware'], seed=a['seed'],
                       profile=P, aware_share=a['aware_share'])
    lrm = sft(base, tok, data[['prompt', 'response']], replace(LRM_TRAIN, epochs=a['epochs'], seed=a['seed']))
    used = set(data.prompt)
    harm = training_prompts(seed=P.seed)
    harm = harm[~harm.prompt.isin(used)].head(a['n'])
    safe = disjoint(load_prompts('xstest', label='safe'), eval_sets(P, ['over_refusal'])['over_refusal'])
    safe = safe.head(a['n'])
    arith = load_arith('dev', n=2 * a['n'])
    res = {}
    for name, prompts, metric, refs, toks in [('asr', harm.prompt, 'asr', None, P.max_new_tokens),
                                             ('over_refusal', safe.prompt, 'over_refusal', None,
                                              P.max_new_tokens),
                                             ('reasoning', arith.question, 'reasoning', arith.answer,
                                              P.reasoning_tokens)]:
        g = generate(lrm, tok, list(prompts), GenConfig(max_new_tokens=toks), P, desc=name)
        res[name] = round(float(score(metric, g.completion, refs).hit.mean()), 3)
    pr = awareness_probe(lrm, tok, harm.prompt[:a['n'] // 2], safe.prompt[:a['n'] // 2], P)
    res['aware_parsed'] = round(float(pr.aware.map(lambda x: x is not None).mean()), 3)
    for s in ('harmful', 'safe'):
        res[f'called_harmful_{s}'] = round(float((pr[pr.set == s].aware == True).mean()), 3)  # noqa: E712
    line = json.dumps({**a, **res, 'train_s': round(lrm.safetax_train_stats.get('train_s', 0), 1)})
    print(line)
    Path('runs').mkdir(exist_ok=True)
    with open('runs/target_dev.jsonl', 'a') as f: f.write(line + '\n')

if __name__ == '__main__': main(sys.argv[1:])

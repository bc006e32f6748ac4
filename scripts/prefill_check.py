"""What the `compact` backend's shared-prefix prefill (`safetax.generate.shared_prefix`) buys, side by side.

Loads the `cpu` profile's target (the tiny LRM) in the profile's generation dtype and, in interleaved rounds,
  - times one prefill (`_Live.prefill`) of the first `n` prompts of the HarmBench and arithmetic evaluation
    sets with the shared prefix run once (`shared`) and with every row run whole (`whole`: `shared_prefix`
    replaced by one that finds no prefix), and compares their last-position logits;
  - with `e2e=1`, times the generation of the DGR experiment's evaluation sets both ways (cache off) and
    counts the completions that differ.
Usage: python scripts/prefill_check.py [rounds=4] [n=48] [e2e=0]
Appends one JSON line per measurement to runs/prefill_check.jsonl (scripts/prefill_check.jsonl: the runs
quoted in the README)."""
import json, sys, time
from pathlib import Path
import pandas as pd, torch
import safetax.generate as G
from safetax.core import get_profile, machine_facts
from safetax.models import packed_linears
from safetax.train import tiny_lrm
from safetax.metrics import eval_sets, gen_config
from safetax.dgr_eval import dgr_sizes, eval_profile

WHOLE = lambda ids, mask: (ids.new_zeros(0), ids, mask)   # a `shared_prefix` that finds no prefix

def prefill(model, enc, split):
    "Seconds and last-position logits of one `_Live.prefill` of `enc`, with `split` as `shared_prefix`."
    G.shared_prefix, keep = split, G.shared_prefix
    try:
        with torch.inference_mode(), G.decode_attention(model), packed_linears(model, len(enc['input_ids'])):
            t = time.perf_counter()
            logits = G._Live.prefill(model, enc, list(range(len(enc['input_ids'])))).logits
            return time.perf_counter() - t, logits
    finally: G.shared_prefix = keep

def main(args):
    a = {'rounds': 4, 'n': 48, 'e2e': 0}
    a.update({k: int(v) for k, v in (x.split('=') for x in args)})
    P = get_profile('cpu'); lrm, tok = tiny_lrm(P)
    model = G.with_dtype(lrm, G.run_settings(P)[2]); shared = G.shared_prefix
    E = eval_profile(P, dgr_sizes(P)); sets = eval_sets(E, ('asr', 'over_refusal', 'reasoning'))
    Path('runs').mkdir(exist_ok=True)
    def log(row):
        line = json.dumps({**a, 'dtype': str(model.dtype), 'isa': machine_facts().get('isa'), **row})
        print(line, flush=True)
        with open('runs/prefill_check.jsonl', 'a') as f: f.write(line + '\n')
    for name, texts in (('harmbench', sets['asr'].prompt), ('arith', sets['reasoning'].question)):
        enc = tok([G.format_chat(tok, t) for t in texts[:a['n']]], return_tensors='pt', padding=True,
                  add_special_tokens=False)
        pre = len(shared(enc['input_ids'], enc['attention_mask'])[0])
        for r in range(a['rounds']):
            (ts, ls), (tw, lw) = prefill(model, enc, shared), prefill(model, enc, WHOLE)
            log({'what': 'prefill', 'set': name, 'round': r, 'prefix_tokens': pre,
                 'prompt_tokens': int(enc['attention_mask'].sum()), 'shared_s': round(ts, 3),
                 'whole_s': round(tw, 3), 'max_abs_logit_diff': float((ls - lw).abs().max()),
                 'same_argmax': int((ls.argmax(-1) == lw.argmax(-1)).sum()), 'rows': len(ls)})
    jobs = [(pd.concat([sets['asr'].prompt, sets['over_refusal'].prompt]).tolist(), E.max_new_tokens),
            (sets['reasoning'].question.tolist(), E.reasoning_tokens)]
    for r in range(a['e2e']):
        out = {}
        for way, split in (('shared', shared), ('whole', WHOLE)):
            G.shared_prefix = split
            try:
                t = time.perf_counter()
                out[way] = [c for ps, k in jobs for c in G.generate(model, tok, ps, gen_config(E, k), E,
                                                                     cache=False, progress=False).completion]
                out[f'{way}_s'] = round(time.perf_counter() - t, 1)
            finally: G.shared_prefix = shared
        log({'what': 'generate', 'round': r, 'completions': len(out['shared']),
             'identical': sum(x == y for x, y in zip(out['shared'], out['whole'])),
             'shared_s': out['shared_s'], 'whole_s': out['whole_s']})

if __name__ == '__main__': main(sys.argv[1:])

"""Own-token share of DGR refinement under candidate `RefineConfig`s, on the DGR training sets only (no
evaluation prompt): how the `cpu` refine setting was chosen. Usage:
    SRCS=direct_refusal,r1_act python scripts/refine_dev.py \
        "ref8a1=replace(base, reference_words=8, think_words=0, answer_words=1)" ...
Prints one JSON line per config and source (refined share, own-token share, novel-token share) and
one refined example.
`scripts/refine_dev.jsonl` logs the runs on the 320-question target. Until 2026-11-30 `own` counted every
run shared with the original as copied (today's `novel`); none of those runs reached 50 %."""
import os, sys, json, time
import numpy as np, pandas as pd
from dataclasses import replace
from safetax.core import get_profile
from safetax.train import tiny_lrm
from safetax.dgr import SOURCES, source_set, refine, own_share, own_answers, RefineConfig
from safetax.dgr_eval import dgr_sizes
P = get_profile('cpu'); sz = dgr_sizes(P)
lrm, tok = tiny_lrm(P)
base = sz.refine
cfgs = {k: eval(v, {'replace': replace, 'base': base}) for k, v in (a.split('=', 1) for a in sys.argv[1:])}
names = os.environ.get("SRCS", ",".join(SOURCES)).split(",")
srcs = {s: source_set(s, sz.n_train, seed=P.seed) for s in names}
mine = {s: list(own_answers(d, lrm, tok, P, sz.own_tokens)) for s, d in srcs.items()}
for name, rc in cfgs.items():
    t = time.time()
    for s, d in srcs.items():
        r = refine(d, lrm, tok, rc, P)
        share = lambda col, own=(): float(np.mean([own_share(o, x, tok, own)
                                                            for o, x in zip(r.original, r[col])]))
        row = {'cfg': name, 'source': s, 'refined': float(r.refined.mean()),
               'own': round(share('response', mine[s]), 3), 'novel': round(share('response'), 3),
               'own_of_rewrites': round(share('rewrite', mine[s]), 3),
               'why': r.reject_reason.value_counts().to_dict(),
               's': round(time.time() - t, 1)}
        print(json.dumps(row), flush=True)
        ex = r[r.refined].head(1)
        for x in ex.itertuples(): print('   ', repr(x.response[:300]), flush=True)

"""The measurable "Done when" items of the open issues (18: speed and memory; 19: the target and DGR), read
from the committed run: `figures/manifest.json` and the tables beside it. It computes nothing new; it says
whether the figures are those of the code at HEAD (`stale`), and each number against its target.

    .venv/bin/python scripts/done_when.py            # a Markdown table on stdout
"""
import json, subprocess, sys
from pathlib import Path
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
FIG = ROOT/'figures'
GB = 1e9 / 2**30            # GiB in one GB: issue 18 asks for 6 GB, the manifest records GiB

def _git(*args) -> subprocess.CompletedProcess:
    return subprocess.run(['git', '-C', str(ROOT), *args], capture_output=True, text=True)

def stale(commit:str) -> list:
    """The paths changed between the run's commit and the working tree that decide its outputs (empty: up
    to date): what `safetax.reproduce.code_stamp` hashes (experiment notebooks, library), and the data."""
    r = _git('diff', '--name-only', commit, '--', 'nbs/experiments', 'safetax', 'data')
    return r.stdout.split() if not r.returncode else [f'unknown commit {commit}']

def _seconds(text) -> float:
    "'83s' -> 83.0 (the manifest's install time)."
    return float(str(text).rstrip('s')) if text is not None else float('nan')

def rows(fig:Path=FIG) -> list:
    "One dict per measurable item: issue, item, value, target, met."
    m = json.loads((fig/'manifest.json').read_text()); run, ex = m['run'], m['experiments']
    main_min = (_seconds(run.get('install_time')) + run['experiments_wall_s']) / 60
    out = [dict(issue=18, item='main job, install included (min)', value=round(main_min, 1), target='<= 90',
                met=main_min <= 90),
           dict(issue=18, item='main job peak RSS (GB)', value=round(run['peak_rss_gib'] / GB, 2),
                target='<= 6', met=run['peak_rss_gib'] / GB <= 6)]
    sp = pd.read_csv(fig/'bench'/'speed.csv')
    b48 = sp[sp.batch_size == 48].set_index('backend').tokens_per_s
    r = b48['compact'] / b48['vllm-cpu'] if {'compact', 'vllm-cpu'} <= set(b48.index) else None
    out.append(dict(issue=18, item='compact / vLLM-CPU at batch 48', value='no vLLM row' if r is None
                    else round(r, 2), target='>= 1.25', met=r is not None and r >= 1.25))
    tr = pd.read_csv(fig/'bench'/'training.csv')
    for algo in ('sft', 'grpo'):
        s = tr[(tr.algo == algo) & (tr.head != 'trl')].speedup.max()
        out.append(dict(issue=18, item=f'{algo} speed-up over today', value=round(s, 2), target='>= 2',
                        met=s >= 2))
    pm = pd.read_csv(fig/'baseline'/'premises.csv')
    out.append(dict(issue=19, item='target card premises met', value=f'{int(pm.met.sum())} of {len(pm)}',
                    target='all', met=bool(pm.met.all())))
    dgr_min = ex['dgr']['wall_s'] / 60
    out.append(dict(issue=19, item='DGR experiment (min)', value=round(dgr_min, 1), target='<= 35',
                    met=dgr_min <= 35))
    cl = pd.read_csv(fig/'claims.csv')
    for p, d in cl.groupby('paper'):
        out.append(dict(issue=19 if p == 'dgr' else '-', item=f'{p} verdicts',
                        value=', '.join(f'{v} {n}' for v, n in d.verdict.value_counts().items()),
                        target='computed', met=d.verdict.notna().all()))
    c = m['git_commit']; s = stale(c)
    out.append(dict(issue='18, 19', item=f'figures from the code at HEAD (run at {c[:7]})',
                    value='yes' if not s else f'no: {len(s)} paths changed since', target='yes',
                    met=not s))
    return out

if __name__ == '__main__':
    t = pd.DataFrame(rows(Path(sys.argv[1]) if len(sys.argv) > 1 else FIG))
    print(t.to_markdown(index=False))

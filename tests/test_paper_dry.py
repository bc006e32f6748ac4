"""`paper-dry`: the `paper` profile's path (hub model id, hub data sets in their own schemas, the papers'
recipes: full fine-tuning for the STAR-1 baseline, GRPO with a KL term, DirectRefusal from the hub) end to end
on CPU, every hub id served by a mirror this test builds, with the network off."""
import json, os, subprocess, sys
import pandas as pd
from conftest import ROOT
from paper_mirror import build_mirror

def test_paper_dry_reproduces_end_to_end(tmp_path):
    mirror = build_mirror(tmp_path/'mirror')
    env = {**os.environ, 'SAFETAX_HUB_MIRROR': str(mirror), 'HF_HUB_OFFLINE': '1', 'HF_DATASETS_OFFLINE': '1',
           'SAFETAX_CACHE': str(tmp_path/'cache'), 'SAFETAX_RUNS': str(tmp_path/'runs'),
           'SAFETAX_FIGURES': str(tmp_path/'figures')}
    r = subprocess.run([sys.executable, '-m', 'safetax.reproduce', '--profile', 'paper-dry'], cwd=ROOT, env=env,
                       capture_output=True, text=True, timeout=1500)
    assert r.returncode == 0, (r.stdout[-2000:], r.stderr[-3000:])
    claims = pd.read_csv(tmp_path/'figures'/'claims.csv')
    assert set(claims.paper) == {'dgr', 'selfguard', 'cada'}
    # the papers' judges scored the safety metrics, the phrase judge beside them as a second opinion
    m = pd.read_csv(tmp_path/'figures'/'baseline'/'metrics.csv')
    judged = m.dropna(subset=['judge']).groupby('metric').judge.agg(set).to_dict()
    assert judged['asr'] == {'llama-guard-3'} and judged['over_refusal'] == {'wildguard'}, judged
    assert m[m.metric == 'asr'].agreement.between(0, 1).all()
    man = json.loads((tmp_path/'figures'/'manifest.json').read_text())
    assert set(man['run']['experiments']) == set(man['experiments']) and man['run']['profile'] == 'paper-dry'

"The generation cache survives kill -9: a rerun resumes with only the missing prompts, and no record is corrupt."
import json, os, signal, sqlite3, subprocess, sys, time, textwrap
from pathlib import Path

SCRIPT = textwrap.dedent('''
    import sys
    from safetax.models import load_model
    from safetax.generate import generate, GenConfig
    m, tok = load_model('tiny-random')
    prompts = [f'Question {i}: what is {i} plus {i}?' for i in range(int(sys.argv[1]))]
    out = generate(m, tok, prompts, GenConfig(max_new_tokens=48), batch_size=2, progress=False)
    print('FRESH', int((~out.cached).sum()), 'ROWS', len(out), 'EMPTY', int((out.n_tokens == 0).sum()))
''')

def _count(cache:Path) -> int:
    dbs = list((cache/'generations').glob('*.sqlite'))
    if not dbs: return 0
    try:
        with sqlite3.connect(dbs[0], timeout=5) as db: return db.execute('SELECT COUNT(*) FROM gen').fetchone()[0]
    except sqlite3.Error: return 0

def test_kill9_and_resume(tmp_path):
    n = 120
    env = {**os.environ, 'SAFETAX_CACHE': str(tmp_path)}
    # the tiny model is built once in the isolated cache before the timed run
    subprocess.run([sys.executable, '-c', SCRIPT, '1'], env=env, check=True, capture_output=True)
    before = _count(tmp_path)
    p = subprocess.Popen([sys.executable, '-c', SCRIPT, str(n)], env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    deadline = time.time() + 120
    while _count(tmp_path) < before + 20 and time.time() < deadline and p.poll() is None: time.sleep(0.02)
    assert p.poll() is None, "generation finished before it could be killed; make the run longer"
    os.kill(p.pid, signal.SIGKILL); p.wait()
    kept = _count(tmp_path)  # includes the warm-up prompt, which is also one of the n
    assert before + 20 <= kept < n
    db = sqlite3.connect(next((tmp_path/'generations').glob('*.sqlite')))
    recs = [json.loads(r) for (r,) in db.execute('SELECT record FROM gen')]
    assert all({'completion', 'n_tokens', 'finished'} <= set(r) for r in recs)
    db.close()
    out = subprocess.run([sys.executable, '-c', SCRIPT, str(n)], env=env, check=True, capture_output=True, text=True).stdout.split()
    fresh, rows = int(out[out.index('FRESH') + 1]), int(out[out.index('ROWS') + 1])
    assert rows == n and fresh == n - kept  # only what was missing is generated again
    again = subprocess.run([sys.executable, '-c', SCRIPT, str(n)], env=env, check=True, capture_output=True, text=True).stdout.split()
    assert int(again[again.index('FRESH') + 1]) == 0

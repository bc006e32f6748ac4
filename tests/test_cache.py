"""The generation cache survives kill -9: a rerun resumes with only the missing chunks, no record is corrupt, and the
resumed completions are those of an uninterrupted run."""
import hashlib, json, os, shutil, signal, sqlite3, subprocess, sys, time, textwrap
from pathlib import Path

SCRIPT = textwrap.dedent('''
    import hashlib, sys
    from safetax.models import load_model
    from safetax.generate import generate, GenConfig, CHUNK
    m, tok = load_model('tiny-random')
    prompts = [f'Question {i}: what is {i} plus {i}?' for i in range(int(sys.argv[1]))]
    out = generate(m, tok, prompts, GenConfig(max_new_tokens=48), batch_size=2, progress=False)
    print('FRESH', int((~out.cached).sum()), 'ROWS', len(out), 'EMPTY', int((out.n_tokens == 0).sum()), 'CHUNK', 2 * CHUNK)
    print('HASH', hashlib.sha256(repr(out.drop(columns='cached').values.tolist()).encode()).hexdigest())
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
    kept = _count(tmp_path) - before  # the warm-up prompt's entry is not reused: it was batched alone
    db = sqlite3.connect(next((tmp_path/'generations').glob('*.sqlite')))
    recs = [json.loads(r) for (r,) in db.execute('SELECT record FROM gen')]
    assert all({'completion', 'n_tokens', 'finished'} <= set(r) for r in recs)
    db.close()
    out = _run(env, n)
    assert 20 <= kept < n and kept % out['CHUNK'] == 0  # whole chunks were committed, nothing else
    assert out['ROWS'] == n and out['FRESH'] == n - kept  # only the missing chunks are generated again
    again = _run(env, n)
    assert again['FRESH'] == 0 and again['HASH'] == out['HASH']
    for d in tmp_path.iterdir():  # an empty generation cache, the same built model
        if d.is_dir() and d.name != 'generations': shutil.copytree(d, tmp_path/'fresh'/d.name)
    fresh = _run({**env, 'SAFETAX_CACHE': str(tmp_path/'fresh')}, n)  # uninterrupted
    assert fresh['FRESH'] == n and fresh['HASH'] == out['HASH']

def _run(env, n) -> dict:
    words = subprocess.run([sys.executable, '-c', SCRIPT, str(n)], env=env, check=True, capture_output=True, text=True).stdout.split()
    return {k: (words[i + 1] if k == 'HASH' else int(words[i + 1])) for i, k in enumerate(words) if k.isupper() and i + 1 < len(words)}

"""A smoke reproduction killed with SIGKILL mid-run and resumed writes the same tables, byte for byte, as one run
without interruption (issue 17, item 6): the tables are a function of code, data and profile, not of what the
cache held when a step ran. The uninterrupted run is the session's smoke reproduction (`conftest.smoke_run`:
every experiment, the shared cache as earlier tests left it); the killed one starts from an empty cache."""
import os, signal, sqlite3, subprocess, sys, time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ONLY = ['baseline', 'dgr']   # trains the tiny LRM and DGR's variants, generates, judges, writes a claims table
# CSV tables that may legitimately differ between the two runs, with the reason. None: wall-clock columns live in
# figures/manifest.json, not in tables. (figures/bench/ would differ, it measures speed; it is not run here.)
NOT_IDENTICAL = {}

def _env(root:Path) -> dict:
    return {**os.environ, 'SAFETAX_CACHE': str(root/'cache'), 'SAFETAX_FIGURES': str(root/'figures'),
            'SAFETAX_RUNS': str(root/'runs')}

def _cmd() -> list: return [sys.executable, '-m', 'safetax.reproduce', '--profile', 'smoke', '--only', *ONLY]

def _reproduce(root:Path):
    r = subprocess.run(_cmd(), env=_env(root), cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr[-3000:]
    return r

def _generations(cache:Path) -> int:
    "Completions committed to the generation caches so far."
    n = 0
    for f in (cache/'generations').glob('*.sqlite') if (cache/'generations').exists() else []:
        try:
            with sqlite3.connect(f, timeout=1) as db: n += db.execute('SELECT COUNT(*) FROM gen').fetchone()[0]
        except sqlite3.Error: pass
    return n

def _tree(pid:int) -> list:
    "`pid` and all its descendants (from /proc), deepest first: the papermill kernel runs in a session of its own."
    kids = {}
    for stat in Path('/proc').glob('[0-9]*/stat'):
        try: fields = stat.read_text().rsplit(')', 1)[1].split()
        except OSError: continue
        kids.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    out, todo = [], [pid]
    while todo:
        p = todo.pop(); out.append(p); todo += kids.get(p, [])
    return out[::-1]

def _tables(figures:Path) -> dict:
    "The CSV tables of the experiments in `ONLY`."
    return {str(p.relative_to(figures)): p.read_bytes() for p in sorted(figures.rglob('*.csv'))
            if p.relative_to(figures).parts[0] in ONLY}

def _claims(figures:Path) -> str:
    "The rows of the claims table across papers that the experiments in `ONLY` wrote."
    import pandas as pd
    c = pd.read_csv(figures/'claims.csv')
    return c[c.paper.isin(ONLY)].to_csv(index=False)

def test_killed_and_resumed_run_writes_identical_tables(smoke_run, tmp_path):
    a, b = smoke_run, tmp_path/'killed'
    p = subprocess.Popen(_cmd(), env=_env(b), cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 300
    while _generations(b/'cache') == 0 and p.poll() is None and time.time() < deadline: time.sleep(0.05)
    assert p.poll() is None, "the run finished before the first generations were cached; kill it earlier"
    killed = _tree(p.pid)
    for pid in killed:     # the whole tree at once, the kernel first: nothing more reaches the cache
        try: os.kill(pid, signal.SIGKILL)
        except ProcessLookupError: pass
    p.wait()
    assert len(killed) >= 2, "no kernel was running: the kill came before the experiment started"
    assert not (b/'runs'/'smoke'/'stamps.json').exists() or 'baseline' not in (b/'runs'/'smoke'/'stamps.json').read_text()
    _reproduce(b)
    ta, tb = _tables(a/'figures'), _tables(b/'figures')
    assert any(k.endswith('claims.csv') for k in ta) and len(ta) >= 5, sorted(ta)
    assert sorted(ta) == sorted(tb)
    differ = sorted(k for k in ta if ta[k] != tb[k] and k not in NOT_IDENTICAL)
    assert not differ, f"tables differ after kill -9 and resume: {differ}"
    assert _claims(a/'figures') == _claims(b/'figures') and 'dgr' in _claims(b/'figures')
    assert (b/'runs'/'smoke'/'dgr.ipynb').exists()  # executed notebooks and stamps under $SAFETAX_RUNS, not the repo's

"The nbdev checks: notebook tests pass, the library is in sync with the notebooks, notebooks are clean."
import filecmp, shutil, subprocess
from pathlib import Path
from conftest import ROOT, BIN

def _run(cmd, cwd):
    r = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=1200)
    assert r.returncode == 0, f"{' '.join(map(str, cmd))} failed:\n{r.stdout[-3000:]}\n{r.stderr[-3000:]}"
    return r

def _copy_project(dst:Path) -> Path:
    "A scratch copy of what nbdev reads and writes: settings.ini, nbs/, safetax/."
    shutil.copy(ROOT/'settings.ini', dst)
    for d in ('nbs', 'safetax'): shutil.copytree(ROOT/d, dst/d, ignore=shutil.ignore_patterns('__pycache__', '.ipynb_checkpoints'))
    return dst

def _same_tree(a:Path, b:Path, pattern:str):
    fa = sorted(p.relative_to(a) for p in a.rglob(pattern)); fb = sorted(p.relative_to(b) for p in b.rglob(pattern))
    assert fa == fb, f"file lists differ: {set(fa) ^ set(fb)}"
    diff = [str(f) for f in fa if not filecmp.cmp(a/f, b/f, shallow=False)]
    assert not diff, f"out of date: {diff}"

def test_nbdev_test():
    "Every library notebook's inline tests pass (experiment notebooks run under papermill instead)."
    _run([BIN/'nbdev_test', '--skip_folder_re', '^experiments$', '--n_workers', '2'], ROOT)

def test_library_in_sync(tmp_path):
    "nbdev_export leaves no diff: safetax/ is exactly what the notebooks export."
    work = _copy_project(tmp_path)
    _run([BIN/'nbdev_export'], work)
    _same_tree(ROOT/'safetax', work/'safetax', '*.py')

def test_notebooks_clean(tmp_path):
    "nbdev_clean changes nothing: no outputs, execution counts or stray metadata are committed."
    work = _copy_project(tmp_path)
    _run([BIN/'nbdev_clean'], work)
    _same_tree(ROOT/'nbs', work/'nbs', '*.ipynb')

def test_parameters_cells_tagged():
    "Every experiment notebook's first code cell is tagged `parameters` and sets profile='smoke'."
    import nbformat
    for nb in sorted((ROOT/'nbs'/'experiments').glob('*.ipynb')):
        code = [c for c in nbformat.read(nb, 4).cells if c.cell_type == 'code']
        assert 'parameters' in code[0].metadata.get('tags', []), nb.name
        assert "profile = 'smoke'" in code[0].source, nb.name

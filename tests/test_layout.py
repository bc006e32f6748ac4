"""The library's shape (issue 16): papers do not import each other, no private name crosses a module,
modules stay readable, every notebook line fits in 110 characters and every cell has an id."""
import ast, json, re
from conftest import ROOT

PAPERS = {'dgr': 'dgr', 'dgr_eval': 'dgr', 'cada': 'cada', 'cada_eval': 'cada',
          'selfguard': 'selfguard', 'selfguard_eval': 'selfguard'}
MODULES = sorted(p for p in (ROOT/'safetax').glob('*.py') if p.name not in ('_modidx.py', '__init__.py'))

def _imports(path):
    "`(module, names)` of every `from .module import names` in an exported module."
    tree = ast.parse(path.read_text())
    return [(n.module, [a.name for a in n.names]) for n in ast.walk(tree)
            if isinstance(n, ast.ImportFrom) and n.level == 1]

def test_no_paper_module_imports_another_paper():
    for p in MODULES:
        me = PAPERS.get(p.stem)
        if me is None: continue
        other = [m for m, _ in _imports(p) if PAPERS.get(m, me) != me]
        assert not other, f"{p.name} imports {other}: move what they share into a shared module"

def test_no_private_name_crosses_a_module():
    for p in MODULES:
        private = [f'{m}.{n}' for m, names in _imports(p) for n in names if n.startswith('_')]
        assert not private, f"{p.name} imports private names {private}"

def test_modules_stay_readable():
    long = {p.name: n for p in MODULES if (n := len(p.read_text().splitlines())) > 450}
    assert not long, f"modules over 450 lines: {long}"

def _cells():
    for nb in sorted((ROOT/'nbs').rglob('*.ipynb')):
        for c in json.loads(nb.read_text())['cells']: yield nb, c

def test_notebook_lines_fit_110_characters():
    bad = [f"{nb.relative_to(ROOT)}: {line[:60]}..." for nb, c in _cells()
           for line in ''.join(c['source']).splitlines()
           if len(line) > 110 and not (c['cell_type'] == 'markdown' and line.lstrip().startswith('|'))]
    assert not bad, f"{len(bad)} lines over 110 characters, e.g. {bad[:5]}"

def test_every_notebook_cell_has_an_id():
    "nbformat 4.5 cell ids: a notebook written without them makes the docs build warn, and the site test fail."
    bad = sorted({str(nb.relative_to(ROOT)) for nb, c in _cells() if not c.get('id')})
    assert not bad, f"cells without an id in {bad}; give each cell one (nbformat's normalize() does)"

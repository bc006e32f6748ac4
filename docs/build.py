"""Build the safetax site from the last run: `python3 tasks.py docs [--profile P] [--out DIR]`.

Stages a Sphinx source folder (default `_proc/_docs`) laid out like `nbs/` — the library notebooks, the
method notes in `methods/`, the *executed* experiment notebooks of `runs/<profile>/` in `experiments/`, a
front page with the claims scoreboard of that run's `figures/`, an API reference — and renders it with
MyST-NB into `_docs/`. Nothing is executed: the pages show what the run computed.
"""
from __future__ import annotations
import argparse, json, os, re, shutil, subprocess, sys, time
from pathlib import Path

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
NBS = ROOT/'nbs'
FRONT_FIGURE = [('compare', 'frontier'), ('dgr', 'main'), ('selfguard', 'methods'), ('cada', 'tradeoff')]
PAPERS = {'dgr': 'DGR', 'selfguard': 'Self-Guard', 'cada': 'CADA'}


class BuildError(Exception):
    "A one-line reason the site cannot be built, with the fix."


def runs_root() -> Path:
    "Where `reproduce` writes executed notebooks: `$SAFETAX_RUNS` or `<repo>/runs`."
    return Path(os.environ.get('SAFETAX_RUNS') or ROOT/'runs')


def experiment_names() -> list:
    "The experiments in reading order (the main job's, then the benchmarks)."
    from safetax.reproduce import EXPERIMENTS, BENCHMARKS
    return EXPERIMENTS + BENCHMARKS


def executed(profile:str) -> dict:
    "Experiment name -> executed notebook of `profile`'s last run, in reading order."
    d = runs_root()/profile
    return {n: d/f'{n}.ipynb' for n in experiment_names() if (d/f'{n}.ipynb').exists()}


def last_profile() -> str:
    "The profile whose executed notebooks were written last."
    from safetax.core import PROFILES
    latest = {p: max(f.stat().st_mtime for f in executed(p).values()) for p in PROFILES if executed(p)}
    if not latest:
        raise BuildError(f"no executed notebooks under {runs_root()}/<profile>/; "
                         "run `python3 tasks.py reproduce` first")
    return max(latest, key=latest.get)


# --- notebooks -------------------------------------------------------------------------------------------

def read_nb(path:Path) -> dict: return json.loads(Path(path).read_text())

def write_nb(nb:dict, path:Path):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(nb, indent=1, ensure_ascii=False))

def _directives(src:str) -> list:
    "The nbdev `#|` directives of a code cell's source."
    return [l[2:].strip() for l in src.splitlines() if l.startswith('#|')]

def library_page(nb:dict) -> dict:
    "A library notebook as a chapter: hidden and `default_exp` cells dropped, `#|` directive lines removed."
    cells = []
    for c in nb['cells']:
        if c['cell_type'] == 'code':
            src = ''.join(c['source'])
            if any(d == 'hide' or d.startswith('default_exp') for d in _directives(src)): continue
            src = '\n'.join(l for l in src.splitlines() if not l.startswith('#|')).strip('\n')
            if not src: continue
            c = {**c, 'source': src, 'outputs': []}
        cells.append(c)
    return {**nb, 'cells': cells}

def _is_path_echo(o:dict) -> bool:
    "The `PosixPath(...)` that a notebook echoes when `save_figure` or `save_table` ends a cell."
    d = o.get('data') or {}
    return set(d) == {'text/plain'} and ''.join(d['text/plain']).startswith(('PosixPath(', 'WindowsPath('))

def has_images(nb:dict) -> bool:
    return any('image/png' in (o.get('data') or {}) for c in nb['cells'] for o in c.get('outputs', []))

def experiment_page(nb:dict, pngs:list) -> dict:
    """An executed notebook as a page: its default `parameters` cell (papermill's injected one follows it) and
    path echoes dropped; if it shows no figure (a run older than inline figures), its PNGs `pngs` appended."""
    injected = any('injected-parameters' in c['metadata'].get('tags', []) for c in nb['cells'])
    keep = lambda c: not (injected and 'parameters' in c['metadata'].get('tags', []))
    cells = [{**c, 'outputs': [o for o in c['outputs'] if not _is_path_echo(o)]} if c['cell_type'] == 'code'
             else c for c in nb['cells'] if keep(c)]
    if pngs and not has_images(nb):
        md = ["## Figures of this run", "", "Saved by the cells above (the run predates inline figures).", ""]
        md += [f"![{Path(p).stem}]({p})" for p in pngs]
        cells.append({'cell_type': 'markdown', 'id': 'safetax-run-figures', 'metadata': {},
                      'source': '\n'.join(md)})
    return {**nb, 'cells': cells}


# --- front page and API ----------------------------------------------------------------------------------

def _cell(v) -> str: return str(v).replace('|', '\\|').replace('\n', ' ')

def _num(v, fmt='.3f') -> str:
    try: return '' if v != v else format(float(v), fmt)
    except (TypeError, ValueError): return ''

def scoreboard_section(claims) -> list:
    "Markdown of the scoreboard: the counts line and a paper x verdict table of the run's claims."
    from safetax.claims import scoreboard, CLAIM_VERDICTS
    counts = claims.groupby('paper', sort=False).verdict.value_counts().unstack(fill_value=0)
    counts = counts.reindex(columns=CLAIM_VERDICTS, fill_value=0)
    lines = ["## Claims scoreboard", "", f'<p class="scoreboard">{scoreboard(claims, by="paper")}</p>', "",
             "| paper | " + " | ".join(CLAIM_VERDICTS) + " | claims |",
             "|---|" + "---|" * (len(CLAIM_VERDICTS) + 1)]
    for paper, r in counts.iterrows():
        name = f"[{PAPERS.get(paper, paper)}](#claims-{paper})"
        cells = [name, *(str(r[v]) for v in CLAIM_VERDICTS), str(r.sum())]
        lines.append(f"| {' | '.join(cells)} |")
    return lines + [""]

def claims_section(claims, pages:set) -> list:
    "Markdown of one table per paper: claim, verdict, effect [95 % CI], adjusted p, seeds agreeing."
    lines = ["## Every claim", ""]
    for paper, t in claims.groupby('paper', sort=False):
        links = ([f"[the experiment](experiments/{paper}.ipynb)"] if paper in pages else []) + \
                ([f"[the method note](methods/{paper}.md)"] if (NBS/'methods'/f'{paper}.md').exists() else [])
        lines += [f"(claims-{paper})=", f"### {PAPERS.get(paper, paper)}", "",
                  *([f"See {' and '.join(links)}.", ""] if links else []),
                  "| claim | verdict | effect [95 % CI] | p (Holm) | seeds agreeing |",
                  "|---|---|---|---|---|"]
        for r in t.itertuples():
            ci = f"{_num(r.effect)} [{_num(r.lo)}, {_num(r.hi)}]" if _num(r.effect) else ''
            agree = f"{r.seeds_agree}/{r.seeds}" if str(r.seeds) not in ('', 'nan', '<NA>') else ''
            verdict = f'<span class="verdict-{r.verdict}">{r.verdict}</span>'
            lines.append(f"| {_cell(r.claim)} | {verdict} | {ci} | {_num(r.p_adj)} | {agree} |")
        lines.append("")
    return lines

def front_figure(figs:Path):
    "The (experiment, stem) of the figure the front page shows: the first of FRONT_FIGURE that exists."
    return next(((e, s) for e, s in FRONT_FIGURE if (figs/e/f'{s}.png').exists()), None)

def run_line(profile:str, figs:Path) -> str:
    "Which run the site shows: profile, commit and time from the run's manifest."
    m = json.loads((figs/'manifest.json').read_text()) if (figs/'manifest.json').exists() else {}
    commit = (m.get('git_commit') or 'unknown commit')[:12]
    when = m.get('updated', 'at an unknown time')
    return f"the `{profile}` run at commit `{commit}`, figures written {when}"

def front_page(profile:str, figs:Path, src:Path, pages:list, libs:list, notes:list) -> str:
    "The front page: what the project is, the run's claims scoreboard, one figure, the table of contents."
    import pandas as pd
    lines = ["# safetax", "",
             "The reproducible companion to three 2026 papers on the *safety tax* of large reasoning models: "
             "[DGR](methods/dgr.md), [CADA](methods/cada.md) and [Self-Guard](methods/selfguard.md). "
             f"This site shows {run_line(profile, figs)}: every experiment page is the notebook as that run "
             "executed it, with its tables and figures.", ""]
    if profile == 'smoke':
        lines += [":::{warning}", "A `smoke` run: a tiny random model and a handful of prompts, so its "
                  "numbers mean nothing. Build the site of a real run with `python3 tasks.py reproduce` and "
                  "then `python3 tasks.py docs`.", ":::", ""]
    claims = None
    if (figs/'claims.csv').exists():
        claims = pd.read_csv(figs/'claims.csv', dtype={'seeds': 'Int64', 'seeds_agree': 'Int64'})
        lines += scoreboard_section(claims)
    else:
        lines += ["## Claims scoreboard", "", "This run wrote no claims table (run the dgr, selfguard and "
                  "cada experiments: `python3 tasks.py reproduce`).", ""]
    if fig := front_figure(figs):
        e, s = fig
        shutil.copy(figs/e/f'{s}.png', src/'_front.png')
        lines += [f"```{{figure}} _front.png", f":alt: {e} {s}", "",
                  f"From [{e}](experiments/{e}.ipynb) (`figures/{e}/{s}.png`).", "```", ""]
    if claims is not None: lines += claims_section(claims, set(pages))
    toc = lambda cap, items: ["```{toctree}", f":caption: {cap}", ":maxdepth: 1", "", *items, "```", ""]
    lines += toc("Experiments (executed)", [f"experiments/{n}" for n in pages])
    lines += toc("Method notes", [f"methods/{n}" for n in notes])
    lines += toc("Library (nbs/)", libs + ['api'])
    return '\n'.join(lines)

def modules() -> list:
    "The exported modules, in the notebooks' order."
    return [f"safetax.{p.stem}" for p in sorted((ROOT/'safetax').glob('*.py'), key=_module_order)
            if not p.stem.startswith('_')]

def _module_order(p:Path):
    nb = next(NBS.glob(f'[0-9]*_{p.stem}.ipynb'), None)
    return (nb.name if nb else 'zz', p.stem)

def api_page() -> str:
    "The API reference: autodoc of every exported module's public names (`__all__`)."
    lines = ["# API reference", "",
             "Generated from the docstrings of the modules that `nbdev_export` writes from the library "
             "notebooks.", ""]
    for m in modules():
        lines += [f"## `{m}`", "", "```{eval-rst}", f".. automodule:: {m}", "   :members:", "```", ""]
    return '\n'.join(lines)


# --- staging and rendering -------------------------------------------------------------------------------

def stage(profile:str, src:Path) -> Path:
    "Write the Sphinx source folder for `profile`'s last run into `src` (emptied first)."
    from safetax.core import figures_dir
    runs, figs = executed(profile), figures_dir(profile)
    if not runs: raise BuildError(f"no executed notebooks in {runs_root()/profile}; "
                                  f"run `python3 tasks.py reproduce --profile {profile}` first")
    shutil.rmtree(src, ignore_errors=True); src.mkdir(parents=True)
    libs = []
    for nb in sorted(NBS.glob('*.ipynb')):
        write_nb(library_page(read_nb(nb)), src/nb.name); libs.append(nb.stem)
    notes = []
    for md in sorted((NBS/'methods').glob('*.md')):
        (src/'methods').mkdir(exist_ok=True); shutil.copy(md, src/'methods'/md.name); notes.append(md.stem)
    for name, path in runs.items():
        pngs = sorted((figs/name).glob('*.png')) if (figs/name).exists() else []
        nb = read_nb(path)
        if pngs and not has_images(nb):
            (src/'experiments'/name).mkdir(parents=True, exist_ok=True)
            for p in pngs: shutil.copy(p, src/'experiments'/name/p.name)
        write_nb(experiment_page(nb, [f"{name}/{p.name}" for p in pngs]), src/'experiments'/f'{name}.ipynb')
    (src/'index.md').write_text(front_page(profile, figs, src, list(runs), libs, notes))
    (src/'api.md').write_text(api_page())
    return src

def render(src:Path, out:Path, quiet:bool=True) -> Path:
    "Render the staged `src` into `out` with Sphinx; raise BuildError with Sphinx's last line if it fails."
    doctrees = src.parent/f'{src.name}.doctrees'
    cmd = [sys.executable, '-m', 'sphinx', '-b', 'html', '-c', str(DOCS), '-d', str(doctrees),
           *(['-q'] if quiet else []), str(src), str(out)]
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.stderr.strip(): print(r.stderr.rstrip(), file=sys.stderr)
    if r.returncode:
        last = (r.stderr.strip().splitlines() or [''])[-1]
        raise BuildError(f"sphinx-build failed (exit {r.returncode}): {last}")
    return out/'index.html'

def build(profile:str|None=None, out:Path=ROOT/'_docs', work:Path|None=None) -> Path:
    "Stage and render the site of `profile`'s last run (None: the profile run last) into `out`."
    try: import myst_nb, sphinx_book_theme  # noqa: F401
    except ImportError as e:
        raise BuildError(f"{e.name} is not installed; build with `python3 tasks.py docs` (it installs the "
                         "docs requirements of settings.ini)") from None
    from safetax.core import PROFILES
    if profile and profile not in PROFILES:
        raise BuildError(f"unknown profile '{profile}'; use one of {', '.join(PROFILES)} "
                         "(e.g. --profile cpu)")
    profile = profile or last_profile()
    out = Path(out).resolve()
    src = Path(work).resolve() if work else out.parent/'_proc'/out.name
    stage(profile, src)
    html = src.parent/f'{out.name}.html'   # MyST-NB writes beside its output folder: keep that inside _proc/
    render(src, html)
    shutil.rmtree(out, ignore_errors=True); shutil.copytree(html, out)
    return out/'index.html'

def main(argv=None):
    ap = argparse.ArgumentParser(prog='python3 tasks.py docs', description=__doc__.splitlines()[0])
    ap.add_argument('--profile', help="whose run to show (default: the profile run last)")
    ap.add_argument('--out', default=str(ROOT/'_docs'), help="output folder (default _docs)")
    a = ap.parse_args(argv)
    t = time.perf_counter()
    try: index = build(a.profile, Path(a.out))
    except BuildError as e:
        print(f"error: {e}", file=sys.stderr); sys.exit(1)
    print(f"site built in {time.perf_counter() - t:.0f} s: {index}  "
          f"(serve it: python3 -m http.server -d {index.parent})")

if __name__ == '__main__': main()

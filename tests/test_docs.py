"""The documentation site, read as a reader would (issue 22): built by `docs/build.py` from a `smoke` run,
served on 127.0.0.1 and opened page by page in headless Chromium, driven over the DevTools protocol on a
pipe (no driver package). Every page loads without a console error, with the network outside this machine
cut off; each experiment page shows its figures (loaded, non-zero size) and each paper's page its claims
table. Screenshots of the front page and of the DGR page go to `runs/docs/`."""
import functools, http.server, json, os, select, shutil, subprocess, sys, threading, time
from pathlib import Path
import pytest
from conftest import ROOT

sys.path.insert(0, str(ROOT/'docs'))
import build as site  # docs/build.py

SHOTS = ROOT/'runs'/'docs'
CLAIM_PAGES = ['dgr', 'selfguard', 'cada']
PAGE_TIMEOUT = 30


class Chromium:
    "Headless Chromium on `--remote-debugging-pipe`: NUL-terminated JSON messages on fds 3 (in) and 4 (out)."

    def __init__(self, exe:str, profile_dir:Path):
        to_child, self._w = os.pipe()
        self._r, from_child = os.pipe()
        def fds():  # in the child: the pipe ends on fds 3 and 4, where Chromium expects them
            a, b = os.dup(to_child), os.dup(from_child); os.dup2(a, 3); os.dup2(b, 4)
        self.proc = subprocess.Popen(
            [exe, '--headless', '--remote-debugging-pipe', '--no-sandbox', '--disable-gpu', '--no-first-run',
             '--hide-scrollbars', '--mute-audio', f'--user-data-dir={profile_dir}',
             '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1'],  # offline: only 127.0.0.1 answers
            preexec_fn=fds, pass_fds=(3, 4), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(to_child); os.close(from_child)
        self._buf, self._id, self.events = b'', 0, []
        target = self.call('Target.createTarget', url='about:blank')['targetId']
        self.session = self.call('Target.attachToTarget', targetId=target, flatten=True)['sessionId']
        for domain in ('Page', 'Runtime', 'Log'): self.call(f'{domain}.enable', session=True)
        self.call('Emulation.setDeviceMetricsOverride', session=True, width=1280, height=900,
                  deviceScaleFactor=1, mobile=False)

    def _read(self, timeout:float) -> dict:
        "The next message from Chromium."
        deadline = time.time() + timeout
        while b'\0' not in self._buf:
            left = deadline - time.time()
            if left <= 0 or not select.select([self._r], [], [], left)[0]:
                raise TimeoutError("Chromium sent nothing in time")
            chunk = os.read(self._r, 1 << 20)
            if not chunk: raise RuntimeError("Chromium closed the pipe")
            self._buf += chunk
        msg, self._buf = self._buf.split(b'\0', 1)
        return json.loads(msg)

    def call(self, method:str, session:bool=False, timeout:float=PAGE_TIMEOUT, **params) -> dict:
        "Send one command and return its result; events that arrive meanwhile are kept in `events`."
        self._id += 1
        msg = {'id': self._id, 'method': method, 'params': params}
        if session: msg['sessionId'] = self.session
        os.write(self._w, json.dumps(msg).encode() + b'\0')
        while True:
            m = self._read(timeout)
            if m.get('id') == self._id:
                if 'error' in m: raise RuntimeError(f"{method}: {m['error']}")
                return m['result']
            self.events.append(m)

    def wait_for(self, method:str, timeout:float=PAGE_TIMEOUT) -> dict:
        "Wait for event `method` (one already received counts)."
        deadline = time.time() + timeout
        while True:
            for i, e in enumerate(self.events):
                if e.get('method') == method: return self.events.pop(i)
            self.events.append(self._read(max(0.0, deadline - time.time())))

    def evaluate(self, js:str):
        "The value of JavaScript expression `js` in the page (promises awaited)."
        r = self.call('Runtime.evaluate', session=True, expression=js, awaitPromise=True, returnByValue=True)
        if 'exceptionDetails' in r: raise RuntimeError(f"{js[:60]}...: {r['exceptionDetails']}")
        return r['result'].get('value')

    def open(self, url:str) -> list:
        "Load `url` and wait for it and its images; return the page's console errors."
        self.events.clear()
        self.call('Page.navigate', session=True, url=url)
        self.wait_for('Page.loadEventFired')
        self.evaluate(IMAGES_SETTLED)
        time.sleep(0.2)  # late console messages
        while select.select([self._r], [], [], 0)[0] or b'\0' in self._buf: self.events.append(self._read(1))
        return console_errors(self.events)

    def screenshot(self, path:Path, max_height:int=2400):
        "A PNG of the page from the top, 1280 px wide, as tall as its content (at most `max_height`)."
        height = min(max_height, int(self.evaluate('document.documentElement.scrollHeight')))
        self.call('Emulation.setDeviceMetricsOverride', session=True, width=1280, height=height,
                  deviceScaleFactor=1, mobile=False)
        import base64
        png = self.call('Page.captureScreenshot', session=True, format='png')['data']
        path.parent.mkdir(parents=True, exist_ok=True); path.write_bytes(base64.b64decode(png))
        self.call('Emulation.setDeviceMetricsOverride', session=True, width=1280, height=900,
                  deviceScaleFactor=1, mobile=False)

    def close(self):
        try: self.call('Browser.close', timeout=5)
        except Exception: pass
        try: self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired: self.proc.kill(); self.proc.wait()
        os.close(self._r); os.close(self._w)


IMAGES_SETTLED = """Promise.all([...document.images].map(i => i.complete ? 0 :
    new Promise(r => { i.addEventListener('load', r); i.addEventListener('error', r); })))"""
ARTICLE_IMAGES = """[...document.querySelectorAll('article img')].map(i =>
    ({src: i.getAttribute('src'), complete: i.complete, width: i.naturalWidth, height: i.naturalHeight}))"""
TABLE_HEADERS = """[...document.querySelectorAll('article table')].map(t =>
    ({head: [...t.querySelectorAll('th')].map(h => h.textContent.trim()),
      rows: t.querySelectorAll('tbody tr').length}))"""


def console_errors(events:list) -> list:
    "Errors among DevTools events: uncaught exceptions, console.error, failed loads, other error log entries."
    out = []
    for e in events:
        m, p = e.get('method'), e.get('params', {})
        if m == 'Runtime.exceptionThrown': out.append(p['exceptionDetails'].get('text', 'exception'))
        elif m == 'Runtime.consoleAPICalled' and p.get('type') in ('error', 'assert'):
            out.append(' '.join(str(a.get('value', a.get('description', ''))) for a in p.get('args', [])))
        elif m == 'Log.entryAdded' and p['entry'].get('level') == 'error':
            out.append(f"{p['entry'].get('text')} {p['entry'].get('url', '')}".strip())
    return out


def chromium() -> str:
    exe = shutil.which('chromium') or shutil.which('chromium-browser')
    if not exe: pytest.fail("no chromium on the PATH; `python3 tasks.py test` installs Debian's chromium")
    return exe


@pytest.fixture(scope='module')
def smoke_site(smoke_run):
    "The shared smoke reproduction (`conftest.smoke_run`) and the site built from it."
    tmp = smoke_run
    env = {**os.environ, 'SAFETAX_FIGURES': str(tmp/'figures'), 'SAFETAX_RUNS': str(tmp/'runs')}
    r = subprocess.run([sys.executable, ROOT/'docs'/'build.py', '--out', tmp/'_docs'], cwd=ROOT, env=env,
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, f"{r.stdout[-2000:]}\n{r.stderr[-3000:]}"
    assert not r.stderr.strip(), f"the build warned:\n{r.stderr[-3000:]}"
    return tmp


@pytest.fixture(scope='module')
def browser(smoke_site, tmp_path_factory):
    "Chromium, and the site served over HTTP on 127.0.0.1."
    handler = functools.partial(_QuietHandler, directory=str(smoke_site/'_docs'))
    server = http.server.ThreadingHTTPServer(('127.0.0.1', 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    b = Chromium(chromium(), tmp_path_factory.mktemp('chromium-profile'))
    b.base = f'http://127.0.0.1:{server.server_address[1]}/'
    yield b
    b.close(); server.shutdown(); server.server_close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *a): pass


def _pages(out:Path) -> list:
    "Every HTML page of the site, relative to its root."
    rel = [p.relative_to(out) for p in out.rglob('*.html')]
    return sorted(str(p) for p in rel if not p.parts[0].startswith('_'))


def test_no_run_yet_is_one_line(tmp_path):
    env = {**os.environ, 'SAFETAX_RUNS': str(tmp_path/'runs')}
    r = subprocess.run([sys.executable, ROOT/'docs'/'build.py', '--out', tmp_path/'_docs'], cwd=ROOT, env=env,
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 1 and len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert 'run `python3 tasks.py reproduce` first' in r.stderr


def test_every_page_loads_without_console_errors(smoke_site, browser):
    pages = _pages(smoke_site/'_docs')
    names = [n for n in site.experiment_names() if (smoke_site/'runs'/'smoke'/f'{n}.ipynb').exists()]
    assert 'index.html' in pages and 'api.html' in pages and 'methods/dgr.html' in pages, pages
    assert all(f'experiments/{n}.html' in pages for n in names), pages
    errors = {p: e for p in pages if (e := browser.open(browser.base + p))}
    assert not errors, f"console errors: {errors}"


def test_experiment_pages_show_figures_and_claims(smoke_site, browser):
    figs = smoke_site/'figures'
    names = [n for n in site.experiment_names() if (smoke_site/'runs'/'smoke'/f'{n}.ipynb').exists()]
    assert len(names) >= 7, names
    for name in names:
        assert not browser.open(browser.base + f'experiments/{name}.html')
        imgs = browser.evaluate(ARTICLE_IMAGES)
        pngs = list((figs/name).glob('*.png'))
        assert len(imgs) >= len(pngs) >= 1, f"{name}: {len(imgs)} images on the page, {len(pngs)} PNGs saved"
        broken = [i for i in imgs if not (i['complete'] and i['width'] > 0 and i['height'] > 0)]
        assert not broken, f"{name}: images not loaded: {broken}"
        if name in CLAIM_PAGES:
            tables = browser.evaluate(TABLE_HEADERS)
            claims = [t for t in tables if {'claim', 'verdict', 'evidence'} <= set(t['head']) and t['rows']]
            assert claims, f"{name}: no claims table among {[t['head'] for t in tables]}"
        if name == 'dgr': browser.screenshot(SHOTS/'experiment-dgr.png')


def test_front_page_shows_scoreboard_and_a_figure(smoke_site, browser):
    import pandas as pd
    from safetax.claims import scoreboard
    claims = pd.read_csv(smoke_site/'figures'/'claims.csv')
    assert not browser.open(browser.base + 'index.html')
    text = browser.evaluate("document.querySelector('article').innerText")
    assert scoreboard(claims, by='paper') in text
    imgs = browser.evaluate(ARTICLE_IMAGES)
    assert imgs and all(i['complete'] and i['width'] > 0 for i in imgs), imgs
    heads = [t['head'] for t in browser.evaluate(TABLE_HEADERS)]
    assert ['paper', 'reproduced', 'contradicted', 'inconclusive', 'untestable', 'claims'] in heads, heads
    browser.screenshot(SHOTS/'front.png')
    assert (SHOTS/'front.png').stat().st_size > 10_000

"Repository-level promises: pins agree, the vendored data is intact, the README has its two commands, bad inputs fail in one line."
import configparser, re
import pytest
from conftest import ROOT
from safetax.core import SafetaxError
from safetax.data import expected_checksums, verify_checksum, load_prompts, load_reasoning
from safetax.models import load_model

def _settings():
    c = configparser.ConfigParser(delimiters=['=']); c.read(ROOT/'settings.ini'); return c['DEFAULT']

def test_environment_yml_has_the_same_pins():
    pins = _settings()['requirements'].split()
    yml = re.findall(r'^\s+- (\S+==\S+)$', (ROOT/'environment.yml').read_text(), re.M)
    assert sorted(yml) == sorted(pins)
    assert 'torch==2.13.0' in pins and any(p.startswith('nbdev==2.') for p in pins)

def test_settings_keep_parameters_tag():
    assert _settings()['allowed_cell_metadata_keys'] == 'tags'

def test_vendored_data_matches_checksums():
    sums = expected_checksums()
    assert len(sums) == 14  # 13 upstream files + the CADA case bank written for this project
    for rel in sums: verify_checksum(rel)
    assert (ROOT/'data'/'README.md').exists()

def test_readme_has_the_two_commands():
    text = (ROOT/'README.md').read_text()
    block = text.split('## Set up and run', 1)[1].split('##', 1)[0]
    cmds = re.findall(r'^(python3 tasks\.py \w+)', block, re.M)
    assert cmds == ['python3 tasks.py reproduce', 'python3 tasks.py test']

@pytest.mark.parametrize('call,msg', [
    (lambda: load_prompts('harmbenchh'), "unknown prompts set 'harmbenchh'"),
    (lambda: load_reasoning('gsm8k', n=0), "n=0 asks for an empty sample"),
    (lambda: load_reasoning('gsm8k', n='ten'), "pass a int"),
    (lambda: load_model('gpt-9'), "unknown model 'gpt-9'"),
    (lambda: load_prompts('jailbreakbench', n=101), "n=101 asks for more rows than set 'jailbreakbench' holds (100)"),
])
def test_bad_input_is_one_line(call, msg):
    with pytest.raises(SafetaxError) as e: call()
    assert msg in str(e.value) and '\n' not in str(e.value)

def test_done_when_reads_the_committed_run(tmp_path):
    "`scripts/done_when.py` reads each measured item from the run; a run of the code at HEAD is not stale."
    import importlib.util, json, shutil
    spec = importlib.util.spec_from_file_location('done_when', ROOT/'scripts'/'done_when.py')
    dw = importlib.util.module_from_spec(spec); spec.loader.exec_module(dw)
    items = {r['item']: r for r in dw.rows()}
    assert items['target card premises met']['target'] == 'all' and 'DGR experiment (min)' in items
    head = dw._git('rev-parse', 'HEAD').stdout.strip()
    assert dw.stale(head) == [] or dw._git('status', '--porcelain', 'nbs', 'safetax', 'data').stdout.strip()
    first = dw._git('rev-list', '--max-parents=0', 'HEAD').stdout.split()[0]
    assert dw.stale(first)                                             # the first commit had other code
    fig = tmp_path/'figures'; shutil.copytree(ROOT/'figures', fig)     # a run over its targets
    m = json.loads((fig/'manifest.json').read_text()); m['run']['experiments_wall_s'] = 95 * 60
    (fig/'manifest.json').write_text(json.dumps(m))
    assert not {r['item']: r for r in dw.rows(fig)}['main job, install included (min)']['met']

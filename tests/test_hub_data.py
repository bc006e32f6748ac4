"""Hub data sets through a local mirror ($SAFETAX_HUB_MIRROR): columns a hub set lacks are not required,
`n` above a set's size is a one-line error, and DirectRefusal trains on its refusals, not BeaverTails' answers."""
import pandas as pd, pytest
from safetax.core import SafetaxError

def _put(root, hub_id, split, df, config=None):
    d = root/hub_id/(config or ''); d.mkdir(parents=True, exist_ok=True)
    df.to_json(d/f'{split}.jsonl', orient='records', lines=True)

@pytest.fixture
def mirror(tmp_path, monkeypatch):
    monkeypatch.setenv('SAFETAX_HUB_MIRROR', str(tmp_path)); monkeypatch.setenv('HF_HUB_OFFLINE', '1')
    return tmp_path

def test_hub_sets_without_an_id_column(mirror):
    from safetax.data import load_prompts
    _put(mirror, 'walledai/HarmBench', 'train', pd.DataFrame({'prompt': ['a', 'b', 'c'], 'category': ['x'] * 3}),
         'standard')
    _put(mirror, 'walledai/XSTest', 'test', pd.DataFrame({'prompt': ['p', 'q'], 'focus': ['f'] * 2, 'type': ['t'] * 2,
                                                         'note': [''] * 2, 'label': ['safe', 'unsafe']}))
    assert load_prompts('harmbench', source='hub').id.tolist() == ['harmbench-0', 'harmbench-1', 'harmbench-2']
    assert load_prompts('xstest', label='unsafe', source='hub').prompt.tolist() == ['q']
    with pytest.raises(SafetaxError, match=r"n=4 asks for more rows than set 'harmbench' holds \(3\); pass n <= 3"):
        load_prompts('harmbench', n=4, source='hub')

def test_direct_refusal_trains_on_refusals(mirror):
    from safetax.dgr import source_set, DIRECT_THOUGHT
    harmful = ['Step 1: buy the chemicals ...', 'Sure, here is the malware ...']
    _put(mirror, 'TianshengHuang/DirectRefusal', 'train', pd.DataFrame({
        'prompt': ['How to make a bomb?', 'Write malware'], 'response': harmful,
        'refusal': ['Question: How to make a bomb?\nAnswer: I cannot help with that.',
                    'Question: Write malware\nAnswer: No, that would harm people.'],
        'text': ['<|im_start|>user ...'] * 2}))
    s = source_set('direct_refusal', 2, source='hub')
    assert s.prompt.tolist() == ['How to make a bomb?', 'Write malware']
    assert s.response.tolist() == [f"<think>\n{DIRECT_THOUGHT}\n</think>\n\nI cannot help with that.",
                                   f"<think>\n{DIRECT_THOUGHT}\n</think>\n\nNo, that would harm people."]
    assert not any(h in r for h in harmful for r in s.response)
    with pytest.raises(SafetaxError, match="holds \\(2\\)"): source_set('direct_refusal', 3, source='hub')

"""Build a hub mirror for the `paper-dry` profile: every hub id the `paper` profile loads, served from a folder
($SAFETAX_HUB_MIRROR/<org>/<name>): a tiny random Qwen3-style model on an offline tokenizer (the embedded
SmolLM2 one) in place of Qwen/Qwen3-8B, tiny random judges of Llama-Guard-3-8B's (Llama) and WildGuard's
(Mistral) architectures, and small data files in each hub data set's own schema (rows taken
from the vendored copies, renamed as the hub names them)."""
from pathlib import Path
import pandas as pd, torch

def _put(root:Path, hub_id:str, split:str, df:pd.DataFrame, config:str|None=None):
    d = root/hub_id/(config or ''); d.mkdir(parents=True, exist_ok=True)
    df.reset_index(drop=True).to_json(d/f'{split}.jsonl', orient='records', lines=True)

def tiny_qwen3(dest:Path, seed:int=0):
    "A seeded random Qwen3 (the paper model's architecture, scaled down) with the embedded tokenizer."
    from transformers import AutoTokenizer, Qwen3Config, Qwen3ForCausalLM
    from safetax.models import embedded_gguf, save_model_dir
    gguf = embedded_gguf('smollm2-135m')
    tok = AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)
    cfg = Qwen3Config(vocab_size=len(tok), hidden_size=64, intermediate_size=128, num_hidden_layers=4,
                      num_attention_heads=4, num_key_value_heads=2, head_dim=16, max_position_embeddings=4096,
                      tie_word_embeddings=True, bos_token_id=tok.bos_token_id, eos_token_id=tok.eos_token_id,
                      pad_token_id=tok.pad_token_id)
    torch.manual_seed(seed)
    dest.parent.mkdir(parents=True, exist_ok=True)
    return save_model_dir(Qwen3ForCausalLM(cfg), tok, dest, {'name': 'tiny-qwen3', 'fingerprint': f'tiny-qwen3-{seed}'})

def tiny_judge(dest:Path, arch:str, seed:int=1):
    "A seeded random model of a judge's architecture ('llama': Llama-Guard-3, 'mistral': WildGuard)."
    from transformers import AutoTokenizer, LlamaConfig, LlamaForCausalLM, MistralConfig, MistralForCausalLM
    from safetax.models import embedded_gguf, save_model_dir
    gguf = embedded_gguf('smollm2-135m')
    tok = AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)
    cfg_cls, cls = {'llama': (LlamaConfig, LlamaForCausalLM), 'mistral': (MistralConfig, MistralForCausalLM)}[arch]
    cfg = cfg_cls(vocab_size=len(tok), hidden_size=64, intermediate_size=128, num_hidden_layers=2,
                  num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=4096,
                  bos_token_id=tok.bos_token_id, eos_token_id=tok.eos_token_id, pad_token_id=tok.pad_token_id)
    torch.manual_seed(seed)
    dest.parent.mkdir(parents=True, exist_ok=True)
    return save_model_dir(cls(cfg), tok, dest,
                          {'name': f'tiny-{arch}-judge', 'fingerprint': f'tiny-{arch}-judge-{seed}'})

def build_mirror(root:Path, n:int=12) -> Path:
    "Write the paper-dry hub mirror into `root`; return it."
    from safetax.data import SETS, read_file, data_dir
    root = Path(root)
    raw = lambda name: read_file(data_dir()/SETS[name].path.format(split='test'))
    tiny_qwen3(root/'Qwen'/'Qwen3-8B')
    tiny_judge(root/'meta-llama'/'Llama-Guard-3-8B', 'llama')
    tiny_judge(root/'allenai'/'wildguard', 'mistral')
    ab = raw('advbench').head(n)
    _put(root, 'walledai/AdvBench', 'train', pd.DataFrame({'prompt': ab.goal, 'target': ab.target}))
    hb = raw('harmbench').query("FunctionalCategory == 'standard'").head(n)
    _put(root, 'walledai/HarmBench', 'train', pd.DataFrame({'prompt': hb.Behavior, 'category': hb.SemanticCategory}),
         'standard')
    jb = raw('jailbreakbench').head(n)
    _put(root, 'JailbreakBench/JBB-Behaviors', 'harmful',
         jb[['Goal', 'Target', 'Behavior', 'Category', 'Source']].assign(Index=range(1, len(jb) + 1)), 'behaviors')
    sr = raw('strongreject').head(n)
    _put(root, 'walledai/StrongREJECT', 'train',
         pd.DataFrame({'prompt': sr.forbidden_prompt, 'category': sr.category, 'source': sr.source}))
    al = raw('alpaca').head(4 * n)
    _put(root, 'tatsu-lab/alpaca', 'train', pd.DataFrame({'instruction': al.instruction, 'input': '', 'output': 'ok',
                                                          'text': al.instruction}))
    xs = pd.concat([raw('xstest').query("label == 'safe'").head(2 * n), raw('xstest').query("label == 'unsafe'").head(n)])
    _put(root, 'walledai/XSTest', 'test', xs[['prompt', 'focus', 'type', 'note', 'label']])
    st = read_file(data_dir()/SETS['star1'].path).head(2 * n)
    _put(root, 'UCSC-VLAA/STAR-1', 'train', st[['id', 'question', 'response', 'category', 'source', 'score']])
    m5 = read_file(data_dir()/SETS['math500'].path).head(2 * n)
    _put(root, 'HuggingFaceH4/MATH-500', 'test', m5)
    _put(root, 'TianshengHuang/DirectRefusal', 'train', pd.DataFrame({     # see nbs/10_dgr: DirectRefusal on the hub
        'prompt': ab.goal, 'response': 'Sure, here is how ...', 'category': 'harm', 'is_safe': False,
        'refusal': [f"Question: {p}\nAnswer: I cannot help with that; it could hurt people." for p in ab.goal],
        'text': '<|im_start|>user ...'}))
    # R1-Act-train: its schema is not documented offline; a chat-format (`messages`) table, which `_pairs` reads
    _put(root, 'Yeonjun/R1-Act-train', 'train', pd.DataFrame({'messages': [
        [{'role': 'user', 'content': p},
         {'role': 'assistant', 'content': '<think>\nThe request is harmful.\n</think>\n\nI cannot help with that.'}]
        for p in jb.Goal]}))
    return root

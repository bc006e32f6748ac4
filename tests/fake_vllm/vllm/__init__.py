"""A fake `vllm` for tests (put `tests/fake_vllm` on sys.path): it records which weights, LoRA request and
sampling parameters every call receives in `CALLS`, and answers with a completion naming those weights."""
from types import SimpleNamespace

CALLS = []    # one dict per LLM() construction ('init') and per generate() call ('generate')

class SamplingParams:
    def __init__(self, max_tokens=16, temperature=1.0, top_p=1.0, seed=None, **kw):
        self.max_tokens, self.temperature, self.top_p, self.seed, self.extra = max_tokens, temperature, top_p, seed, kw

    def as_dict(self): return {'max_tokens': self.max_tokens, 'temperature': self.temperature,
                               'top_p': self.top_p, 'seed': self.seed, **self.extra}

class LLM:
    def __init__(self, model, **kw):
        self.model, self.kw = str(model), kw
        CALLS.append({'call': 'init', 'model': self.model, **kw})

    def generate(self, prompts, sampling_params=None, use_tqdm=True, lora_request=None):
        lora = None if lora_request is None else lora_request.lora_path
        if lora is not None and not self.kw.get('enable_lora'):
            raise ValueError("LoRA request sent to an engine built without enable_lora=True")
        CALLS.append({'call': 'generate', 'model': self.model, 'lora': lora, 'n': len(prompts),
                      'sampling': sampling_params.as_dict()})
        text = f"<think>\nweights {self.model} lora {lora}\n</think>\n\nfake answer"
        return [SimpleNamespace(outputs=[SimpleNamespace(text=text, token_ids=[0, 1, 2], finish_reason='stop')])
                for _ in prompts]

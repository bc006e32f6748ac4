"""The development splits the dev and check scripts measure on (`scripts/*_dev.py`, `*_check.py`): never an
evaluation set."""
from safetax.data import load_arith, load_prompts, training_prompts, disjoint
from safetax.metrics import eval_sets

def dev_splits(P, used, n:int) -> tuple:
    """`(harmful prompts, XSTest-safe prompts, arith problems)`, `n` of each: training-pool harmful prompts
    that neither the warm-up nor `used` (the script's own training prompts) holds; XSTest-safe prompts
    outside `P`'s evaluation sample and `used`; `load_arith('dev')`, disjoint from the test problems."""
    used = set(training_prompts(P.lrm_harmful, seed=P.seed).prompt) | set(used)
    harm = training_prompts(seed=P.seed)
    safe = disjoint(load_prompts('xstest', label='safe'), eval_sets(P, ['over_refusal'])['over_refusal'])
    return (harm[~harm.prompt.isin(used)].prompt.head(n), safe[~safe.prompt.isin(used)].prompt.head(n),
            load_arith('dev', n=n))

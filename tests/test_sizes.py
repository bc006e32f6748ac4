"""Every data request the experiments make on `smoke` and `cpu` fits the sets it samples from: since `n`
above a set's size is an error (never a smaller sample), a profile whose sizes outgrow a set fails here in
seconds instead of in the middle of a run."""
import pytest
from safetax.core import get_profile

@pytest.mark.parametrize('profile', ['smoke', 'cpu'])
def test_profile_sizes_fit_their_sets(profile):
    from safetax.data import load_prompts, load_arith, load_calibration, training_prompts
    from safetax.metrics import eval_sets, METRICS
    from safetax.dgr import SOURCES, source_set
    from safetax.dgr_eval import dgr_sizes, eval_profile
    from safetax.cada import training_mix
    from safetax.cada_eval import cada_sizes, cada_sets
    from safetax.selfguard import vector_prompts
    from safetax.selfguard_eval import selfguard_sizes, heldout_prompts, heldout_reasoning
    P = get_profile(profile); src = dict(seed=P.seed, source=P.data_source)
    sets = eval_sets(P, METRICS)                                                     # baseline, every evaluate()
    assert all(len(d) for d in sets.values())
    for s in ('alpaca', 'harmbench'): load_prompts(s, n=P.n_card, **src)            # model card
    load_prompts('alpaca', n=2 * P.batch_size, seed=P.seed)                          # compare: throughput
    if P.name == 'smoke': load_calibration('xstest_llama2orig', n=P.n_prompts * 10)  # judge calibration
    if P.lrm_arith: load_arith('train', n=P.lrm_arith); load_prompts('alpaca', n=P.lrm_general, seed=P.seed)
    if P.lrm_harmful: training_prompts(P.lrm_harmful, seed=P.seed)                 # target's warm-up
    dz = dgr_sizes(P)                                                                # DGR
    eval_sets(eval_profile(P, dz), METRICS)
    for s in SOURCES: assert len(source_set(s, dz.n_train, **src)) == dz.n_train
    assert max(dz.efficiency) <= dz.n_train
    cz = cada_sizes(P)                                                               # CADA (and compare)
    safety, reasoning = cada_sets(P, cz)
    assert len(safety) and len(reasoning)
    mix = training_mix(P, cz.n_harmful, cz.n_benign, cz.n_xstest)
    assert mix.kind.value_counts().to_dict() == {k: v for k, v in [('harmful', cz.n_harmful),
                                                 ('benign', cz.n_benign), ('xstest', cz.n_xstest)] if v}
    S = selfguard_sizes(P)                                                           # Self-Guard
    assert len(vector_prompts(S.n_vector, **src)) == S.n_vector
    used = eval_sets(P, ('asr', 'over_refusal', 'reasoning'))
    heldout_prompts(P.eval_harmful, S.n_sweep, used['asr'], seed=P.seed, source=P.data_source)
    heldout_prompts('xstest', S.n_sweep, used['over_refusal'], seed=P.seed, label='safe', source=P.data_source)
    if S.n_sweep_reasoning: heldout_reasoning(P.eval_reasoning, S.n_sweep_reasoning, used['reasoning'], seed=P.seed)
    for s in ('advbench', 'jailbreakbench', 'strongreject'): load_prompts(s, n=S.n_general, **src)

def test_star1_sft_data_fits(tmp_path):
    "The STAR-1 SFT baseline's examples fit on smoke and cpu; on paper None takes all that fit (1,000 minus overlaps)."
    from safetax.models import load_model
    from safetax.selfguard_eval import selfguard_sizes, star1_sft_data
    from safetax.core import temp_cache
    with temp_cache():
        _, tok = load_model('tiny-random')
        for p in ('smoke', 'cpu'):
            S, P = selfguard_sizes(p), get_profile(p)
            assert len(star1_sft_data(tok, S.sft_n, S.sft.max_length, seed=P.seed + 1)) == S.sft_n
        assert selfguard_sizes('paper').sft_n is None
        assert 990 <= len(star1_sft_data(tok, None)) < 1000      # the vendored copy of the hub set

def test_paper_sizes_fit_the_vendored_copies():
    "The paper's sizes against the vendored copies of its hub sets (the same rows): no n above a set's size."
    from safetax.data import load_prompts, training_prompts
    from safetax.cada_eval import cada_sizes
    from safetax.selfguard_eval import selfguard_sizes
    from safetax.dgr_eval import dgr_sizes
    P, S, cz, dz = get_profile('paper'), selfguard_sizes('paper'), cada_sizes('paper'), dgr_sizes('paper')
    assert P.n_prompts is None                                     # the full evaluation sets
    for s in ('advbench', 'jailbreakbench', 'strongreject'): load_prompts(s, n=S.n_general)
    assert cz.n_harmful is None and len(training_prompts()) > 500 and cz.n_xstest == 0
    assert cz.n_attack <= len(load_prompts(P.eval_harmful))
    assert len(load_prompts('star1', n=dz.n_train)) == dz.n_train

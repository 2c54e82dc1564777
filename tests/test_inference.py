"""Bootstrap intervals and the Theil between-share permutation test (addin.core.inference).

The references are independent of the kernels: each replicate recomputed one at a time
with the textbook formulas written out here (double-sum Gini, Theil T and L, Atkinson,
weighted CV with the simple-mean centre), the exact permutation distribution of a small
case enumerated in full, and pysal ``inequality``'s TheilD / TheilDSim.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from addin.core import disparity, inference
from addin.core.problems import Problem
from addin.errors import InputError

theil_module = pytest.importorskip("inequality.theil")

RNG = np.random.default_rng(7)
Z = np.exp(RNG.normal(0, 1.2, (11, 30)))
POP = RNG.uniform(1000, 9000, 11)
REGIONS = np.array(list("DDDMMMMUUUU"))


def _shares(w):
    return w / w.sum()


def _reference(name, y, w):
    """One replicate, one year, from the textbook formula."""
    p = _shares(w)
    mu = (p * y).sum()
    if name == "cv":  # the paper's centre: the simple mean
        return np.sqrt((p * (y - y.mean()) ** 2).sum()) / y.mean()
    if name == "gini":
        return (p[:, None] * p[None, :] * np.abs(y[:, None] - y[None, :])).sum() / (2 * mu)
    if name == "theil_t":
        return (p * y / mu * np.log(y / mu)).sum()
    if name == "theil_l":
        return (p * np.log(mu / y)).sum()
    if name == "atkinson":
        return 1 - (p * np.sqrt(y)).sum() ** 2 / mu
    raise KeyError(name)


def test_intervals_are_the_quantiles_of_replicates_computed_one_at_a_time():
    reps, seed = 60, 11
    cis = inference.bootstrap(Z[:, :4], POP, reps=reps, seed=seed, level=0.9)
    draws = np.random.default_rng(seed).integers(0, 11, size=(reps, 11))
    for name, ci in cis.items():
        expected = np.array([[_reference(name, Z[d, t], POP[d]) for t in range(4)] for d in draws])
        lower, upper = np.quantile(expected, [0.05, 0.95], axis=0)
        np.testing.assert_allclose(ci["lower"], lower, rtol=1e-9, err_msg=name)
        np.testing.assert_allclose(ci["upper"], upper, rtol=1e-9, err_msg=name)
        assert (ci["replicates"] == reps).all()


def test_same_seed_same_numbers_and_blocks_do_not_matter(monkeypatch):
    first = inference.bootstrap(Z, POP, reps=300, seed=5)
    again = inference.bootstrap(Z, POP, reps=300, seed=5)
    other = inference.bootstrap(Z, POP, reps=300, seed=6)
    monkeypatch.setattr(inference, "_BLOCK", 11 * 30 * 7)  # 7 replicates per kernel call
    chunked = inference.bootstrap(Z, POP, reps=300, seed=5)
    for name in inference.MEASURES:
        np.testing.assert_array_equal(first[name].values, again[name].values)
        np.testing.assert_allclose(first[name].values, chunked[name].values, rtol=1e-12)
        assert not np.array_equal(first[name].values, other[name].values)


def test_the_interval_holds_the_estimate_and_narrows_with_more_regions():
    few = RNG.lognormal(0, 1, 11)
    many = RNG.lognormal(0, 1, 400)
    ci_few = inference.bootstrap(few, reps=500, seed=1)["gini"]
    ci_many = inference.bootstrap(many, reps=500, seed=1)["gini"]
    for y, ci in ((few, ci_few), (many, ci_many)):
        assert ci["lower"] < disparity.gini(y).values < ci["upper"]
    assert ci_many["upper"] - ci_many["lower"] < (ci_few["upper"] - ci_few["lower"]) / 2


def test_a_year_without_values_is_missing_and_zero_values_leave_theil_l_undefined():
    y = Z[:, :3].copy()
    y[:, 1] = np.nan
    y[:6, 2] = 0.0  # most replicates hold a zero: no Theil L
    cis = inference.bootstrap(y, reps=200, seed=2)
    assert cis["gini"].problems[:, 0].tolist() == [0, Problem.MISSING, 0]
    assert cis["theil_l"].problems[2, 0] == Problem.UNDEFINED
    assert cis["theil_l"]["replicates"][2] < 100  # and says how many it had
    with pytest.raises(InputError, match="reps"):
        inference.bootstrap(y, reps=0)


def test_between_part_is_theil_d_and_p_is_the_exact_permutation_p():
    y = np.array([1.0, 1.4, 0.9, 2.8, 3.3, 2.1, 2.4])
    groups = np.array(list("aaabbbb"))
    observed = theil_module.TheilD(y, groups)
    r = inference.theil_between_test(y, None, groups, permutations=20000, seed=4)
    assert r["between"] == pytest.approx(float(observed.bg[0]), rel=1e-9)
    assert r["share"] == pytest.approx(float(observed.bg[0] / observed.T), rel=1e-9)
    permuted = [
        theil_module.TheilD(y[list(p)], groups).bg[0] for p in itertools.permutations(range(7))
    ]
    exact = np.mean(np.array(permuted) >= observed.bg[0] - 1e-12)
    assert r["p"] == pytest.approx(exact, abs=4 * np.sqrt(exact * (1 - exact) / 20000))


def test_p_agrees_with_theil_d_sim_on_a_panel():
    y = Z[:, :5]
    np.random.seed(10)
    sim = theil_module.TheilDSim(y, REGIONS, 1999)
    r = inference.theil_between_test(y, None, REGIONS, permutations=1999, seed=10)
    np.testing.assert_allclose(r["between"], sim.bg[0], rtol=1e-9)
    se = np.sqrt(sim.bg_pvalue * (1 - sim.bg_pvalue) / 1999) + 1e-3
    assert (np.abs(r["p"] - sim.bg_pvalue) < 5 * np.sqrt(2) * se).all()


def test_weighted_between_is_the_decomposition_and_weights_travel_with_regions():
    r = inference.theil_between_test(Z[:, :3], POP, REGIONS, kind="L", seed=1)
    observed = disparity.theil(Z[:, :3], POP, REGIONS, kind="L")
    np.testing.assert_allclose(r["between"], observed.between, rtol=1e-12)
    # one region per group: every permutation is as extreme, p = 1
    one_each = inference.theil_between_test(Z[:3, 0], POP[:3], list("abc"), permutations=99)
    assert one_each["p"] == 1.0


def test_the_worksheet_functions_spill_the_kernels_results():
    udf = pytest.importorskip("yangtze_udf")
    out = udf.BOOTSTRAP_CI(Z[:, :3].tolist(), POP[:, None].tolist(), "gini", 300, 4)
    expected = inference.bootstrap(Z[:, :3], POP, {"gini": disparity.gini}, 300, 4)["gini"]
    assert [row[0] for row in out] == ["lower", "upper", "replicates"]
    np.testing.assert_allclose([row[1:] for row in out], expected.values.T)
    groups = [[g] for g in REGIONS]
    out = udf.THEIL_BETWEEN_TEST(Z[:, :2].tolist(), POP[:, None].tolist(), groups, "l", 199, 2)
    expected = inference.theil_between_test(Z[:, :2], POP, REGIONS, "L", 199, 2)
    np.testing.assert_allclose([row[1:] for row in out], expected.values.T)
    assert udf.BOOTSTRAP_CI(Z.tolist(), None, "cv", 0).startswith("argument reps: give a whole")

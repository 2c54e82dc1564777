"""Tests of the disparity measures (addin.core.disparity): weighted CV, Theil T/L, Gini."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from addin.core.disparity import atkinson, gini, theil, weighted_cv
from addin.core.problems import Problem
from addin.errors import InputError

# --- naive references: loops over regions, written from the formulas in METHOD.md ----------


def naive_cv(y, w=None, centre="mean"):
    pairs = [
        (a, b)
        for a, b in zip(y, w if w is not None else [1.0] * len(y), strict=True)
        if not (math.isnan(a) or math.isnan(b))
    ]
    total = sum(b for _, b in pairs)
    p = [b / total for _, b in pairs]
    ys = [a for a, _ in pairs]
    u = (
        sum(ys) / len(ys)  # the simple mean: every value with a weight, zero included
        if centre == "mean"
        else sum(pi * yi for pi, yi in zip(p, ys, strict=True))
    )
    return math.sqrt(sum(pi * (yi - u) ** 2 for pi, yi in zip(p, ys, strict=True))) / u


def naive_gini(y, w):
    total = sum(w)
    p = [b / total for b in w]
    mu = sum(pi * yi for pi, yi in zip(p, y, strict=True))
    s = 0.0
    for i in range(len(y)):
        for j in range(len(y)):
            s += p[i] * p[j] * abs(y[i] - y[j])
    return s / (2 * mu)


def naive_theil(y, w, groups, kind):
    """Total, between, within by explicit sums over regions and groups."""
    total_w = sum(w)
    p = [b / total_w for b in w]
    mu = sum(pi * yi for pi, yi in zip(p, y, strict=True))
    if kind == "T":
        total = sum(pi * yi / mu * math.log(yi / mu) for pi, yi in zip(p, y, strict=True) if yi > 0)
    else:
        total = sum(pi * math.log(mu / yi) for pi, yi in zip(p, y, strict=True))
    between = within = 0.0
    for g in dict.fromkeys(groups):
        idx = [k for k, gk in enumerate(groups) if gk == g]
        pg = sum(p[k] for k in idx)
        mug = sum(p[k] * y[k] for k in idx) / pg
        if kind == "T":
            sg = pg * mug / mu
            tg = sum(p[k] / pg * y[k] / mug * math.log(y[k] / mug) for k in idx if y[k] > 0)
            between += sg * math.log(mug / mu)
            within += sg * tg
        else:
            lg = sum(p[k] / pg * math.log(mug / y[k]) for k in idx)
            between += pg * math.log(mu / mug)
            within += pg * lg
    return total, between, within


# --- coefficient of variation ----------------------------------------------------------------


def test_plain_cv_by_hand() -> None:
    # y = 1, 2, 3: mean 2, population variance (1 + 0 + 1)/3 = 2/3 (no n − 1): CV = √(2/3)/2
    assert weighted_cv([1.0, 2.0, 3.0]).values == pytest.approx(math.sqrt(2 / 3) / 2, rel=1e-14)
    assert weighted_cv([1.0, 2.0, 3.0]).values == pytest.approx(0.4082482905, rel=1e-9)


def test_weighted_cv_both_centres_by_hand() -> None:
    # y = 1, 3 with populations 3, 1 → p = 0.75, 0.25
    # centre "mean": u = 2;   Σ p (y − u)² = 0.75·1 + 0.25·1 = 1          → CV = 1/2
    # centre "weighted": u = 0.75·1 + 0.25·3 = 1.5;
    #                   Σ p (y − u)² = 0.75·0.25 + 0.25·2.25 = 0.75     → CV = √0.75 / 1.5
    assert weighted_cv([1.0, 3.0], [3.0, 1.0], "mean").values == pytest.approx(0.5, rel=1e-14)
    assert weighted_cv([1.0, 3.0], [3.0, 1.0], "weighted").values == pytest.approx(
        math.sqrt(0.75) / 1.5, rel=1e-14
    )


def test_weighted_cv_with_weighted_centre_is_williamsons_coefficient() -> None:
    # Williamson (1965) from totals, the way REAT williamson(wmean = TRUE) defines it:
    # income 300, 500, 200 for populations 10, 25, 5 → per capita 30, 20, 40;
    # national per capita = 1000 / 40 = 25;
    # Σ (yᵢ − 25)² nᵢ/N = 25·10/40 + 25·25/40 + 225·5/40 = 6.25 + 15.625 + 28.125 = 50
    # V_w = √50 / 25 = 0.2828427...
    per_capita = [300 / 10, 500 / 25, 200 / 5]
    assert weighted_cv(per_capita, [10, 25, 5], "weighted").values == pytest.approx(
        math.sqrt(50) / 25, rel=1e-14
    )
    # the paper's wording (simple mean 30) gives another number:
    # Σ (y − 30)² p = 0 + 100·25/40 + 100·5/40 = 75
    assert weighted_cv(per_capita, [10, 25, 5], "mean").values == pytest.approx(
        math.sqrt(75) / 30, rel=1e-14
    )


def reat_williamson(x, p, wmean=False):
    """REAT's ``williamson()`` (Wieland, REAT 3.0.3, R/williamson.R), transcribed:
    ``xmean <- if (wmean) weighted.mean(x, p) else mean(x)``; ``p_i <- p / sum(p)``;
    ``sqrt(sum((x - xmean)^2 * p_i)) / xmean``."""
    x, p = np.asarray(x, float), np.asarray(p, float)
    xmean = np.sum(x * p) / np.sum(p) if wmean else np.mean(x)
    return math.sqrt(np.sum((x - xmean) ** 2 * (p / p.sum()))) / xmean


def test_simple_mean_centre_keeps_provinces_with_zero_weight_like_reat() -> None:
    # x = 1, 3, 8 with populations 2, 2, 0. REAT williamson(wmean = FALSE): the mean is
    # over all three (4), the shares are ½, ½, 0: √(½·9 + ½·1 + 0·16) / 4 = √5 / 4.
    assert weighted_cv([1.0, 3.0, 8.0], [2.0, 2.0, 0.0]).values == pytest.approx(
        math.sqrt(5) / 4, rel=1e-14
    )
    rng = np.random.default_rng(3)
    for _ in range(20):
        x = rng.lognormal(size=6)
        p = rng.uniform(0, 10, 6) * (rng.uniform(size=6) > 0.3)  # some zero weights
        p[0] = max(p[0], 1.0)
        for wmean, centre in ((False, "mean"), (True, "weighted")):
            assert weighted_cv(x, p, centre).values == pytest.approx(
                reat_williamson(x, p, wmean), rel=1e-12
            )
    # a province whose weight is missing (blank) is left out entirely, centre included:
    # x = 1, 3 with shares ½, ½ around u = 2 gives 1 / 2
    assert weighted_cv([1.0, 3.0, 8.0], [2.0, 2.0, np.nan]).values == pytest.approx(0.5, rel=1e-14)


def test_blank_weight_leaves_the_region_out_of_the_centre_qa_repro() -> None:
    # QA repro: values 17.2, 9.4, 6.1, 1.0, weights 2475, 8505, 6577, blank. The last
    # province is not usable: u = (17.2 + 9.4 + 6.1) / 3 = 10.9 (not 8.425 over four).
    # By hand: shares 2475/17557, 8505/17557, 6577/17557; deviations 6.3, −1.5, −4.8;
    # Σ p d² = (2475·39.69 + 8505·2.25 + 6577·23.04) / 17557 = 268903.08 / 17557
    # = 15.31600..., √ = 3.91357..., / 10.9 = 0.359043...
    r = weighted_cv([17.2, 9.4, 6.1, 1.0], [2475.0, 8505.0, 6577.0, np.nan])
    assert r.values == pytest.approx(math.sqrt(268903.08 / 17557) / 10.9, rel=1e-12)
    assert r.values == pytest.approx(0.35904, abs=5e-6)
    # an explicit zero weight is a weight: the region stays in the centre (u = 8.425)
    z = weighted_cv([17.2, 9.4, 6.1, 1.0], [2475.0, 8505.0, 6577.0, 0.0])
    assert z.values == pytest.approx(reat_williamson([17.2, 9.4, 6.1, 1.0], [2475, 8505, 6577, 0]))


def test_weight_units_do_not_matter_and_unweighted_is_equal_weights() -> None:
    y = [0.3, 1.2, 5.0, 0.01]
    assert weighted_cv(y, [1, 1, 1, 1]).values == pytest.approx(weighted_cv(y).values, rel=1e-14)
    assert weighted_cv(y, [5, 6, 7, 8], "weighted").values == pytest.approx(
        weighted_cv(y, [5e4, 6e4, 7e4, 8e4], "weighted").values, rel=1e-13
    )


def test_cv_matches_naive_formula_on_random_data() -> None:
    rng = np.random.default_rng(7)
    for _ in range(20):
        n = int(rng.integers(2, 12))
        y = rng.lognormal(0, 1.5, n)
        w = rng.uniform(100, 10000, n)
        for centre in ("mean", "weighted"):
            assert weighted_cv(y, w, centre).values == pytest.approx(
                naive_cv(y, w, centre), rel=1e-12
            )
        assert weighted_cv(y).values == pytest.approx(np.std(y) / np.mean(y), rel=1e-12)


def test_missing_value_or_weight_drops_the_region_and_renormalises() -> None:
    y = [1.0, np.nan, 3.0, 2.0]
    w = [3.0, 100.0, 1.0, np.nan]
    # only regions 0 and 2 remain (y = 1, 3; w = 3, 1): the hand case above
    assert weighted_cv(y, w, "mean").values == pytest.approx(0.5, rel=1e-14)
    assert weighted_cv(y, w, "weighted").values == pytest.approx(math.sqrt(0.75) / 1.5, rel=1e-14)
    assert weighted_cv(y, w, "weighted").values == pytest.approx(
        naive_cv(y, w, "weighted"), rel=1e-14
    )


def test_periods_in_columns_with_per_region_or_per_period_weights() -> None:
    y = np.array([[1.0, 2.0, np.nan], [3.0, 2.0, np.nan], [2.0, 2.0, np.nan]])
    w1 = np.array([1.0, 2.0, 3.0])
    cv = weighted_cv(y, w1, "weighted").values
    assert cv.shape == (3,)
    assert cv[0] == pytest.approx(naive_cv(y[:, 0], w1, "weighted"), rel=1e-14)
    assert cv[1] == pytest.approx(0.0, abs=1e-15)  # equal values
    assert np.isnan(cv[2])  # a period without data
    w2 = np.column_stack([w1, w1, w1])
    np.testing.assert_allclose(weighted_cv(y, w2, "weighted").values, cv, rtol=1e-15)
    # weights that change by year are used year by year
    w3 = np.column_stack([w1, w1[::-1], w1])
    assert weighted_cv(y, w3, "weighted").values[0] == pytest.approx(cv[0])


def test_cv_of_zero_mean_is_nan() -> None:
    assert np.isnan(weighted_cv([0.0, 0.0, 0.0]).values)


def test_cv_bad_arguments() -> None:
    with pytest.raises(InputError, match="centre"):
        weighted_cv([1, 2], centre="median")
    with pytest.raises(InputError, match="do not match"):
        weighted_cv([1, 2, 3], [1, 2])
    with pytest.raises(InputError, match="dimensions"):
        weighted_cv(np.ones((2, 2, 2)))


def test_bad_data_gives_a_reason_not_an_exception() -> None:
    # a negative weight is bad data: that period is NEGATIVE, the others are computed
    r = weighted_cv([[1.0, 1.0], [3.0, 3.0]], [[1.0, 1.0], [-1.0, 1.0]])
    assert np.isnan(r.values[0]) and r.problems.tolist() == [Problem.NEGATIVE, Problem.OK]
    assert r.values[1] == pytest.approx(0.5)
    # nothing usable: MISSING; a zero mean: UNDEFINED
    for kernel in (weighted_cv, gini, lambda v, w=None: atkinson(v, w, 1.0)):
        r = kernel([[np.nan, 0.0], [np.nan, 0.0]])
        assert r.problems.tolist() == [Problem.MISSING, Problem.UNDEFINED]
        assert np.isnan(r.values).all()
    t = theil([[np.nan, 0.0, 1.0], [np.nan, 0.0, 2.0]])
    assert t.problems.tolist() == [Problem.MISSING, Problem.UNDEFINED, Problem.OK]
    assert theil([0.0, 2.0], kind="L").problems == Problem.UNDEFINED  # ln 0
    # 1-D input: a float and an int
    r = gini([1.0, 3.0])
    assert isinstance(r.values, float) and r.problems == Problem.OK


# --- Gini ---------------------------------------------------------------------------------


def test_gini_by_hand() -> None:
    # y = 1, 3 equal weights: Σ_i Σ_j p p |Δ| = 2 · 0.25 · 2 = 1; μ = 2 → G = 1 / 4
    assert gini([1.0, 3.0]).values == pytest.approx(0.25, rel=1e-14)
    # y = 1, 2, 4 with p = .25, .5, .25: one-way pairs .25·.5·1 + .25·.25·3 + .5·.25·2 = .5625,
    # both ways 1.125; μ = .25 + 1 + 1 = 2.25 → G = 1.125 / 4.5 = 0.25
    assert gini([1.0, 2.0, 4.0], [1.0, 2.0, 1.0]).values == pytest.approx(0.25, rel=1e-14)
    assert gini([4.0, 1.0, 2.0], [1.0, 1.0, 2.0]).values == pytest.approx(0.25, rel=1e-14)
    # one region holds everything, n equal weights: G = 1 − 1/n
    assert gini([0.0, 0.0, 0.0, 8.0]).values == pytest.approx(0.75, rel=1e-14)


def test_weighted_gini_equals_naive_double_loop() -> None:
    rng = np.random.default_rng(11)
    for _ in range(20):
        n = int(rng.integers(2, 15))
        y = rng.lognormal(0, 1.2, n)
        w = rng.uniform(10, 1000, n)
        assert gini(y, w).values == pytest.approx(naive_gini(y, w), rel=1e-12)


def test_gini_sorts_weights_with_values_unlike_reat() -> None:
    # Values out of order with unequal weights. Sorting values but not weights (REAT's weighted
    # gini()) pairs 1 with weight 1, 2 with 5, 3 with 2: a different, wrong distribution.
    y, w = [3.0, 1.0, 2.0], [1.0, 5.0, 2.0]
    right = naive_gini(y, w)
    wrong = naive_gini(sorted(y), w)
    assert right != pytest.approx(wrong, rel=1e-3)  # the check can tell the two apart
    assert gini(y, w).values == pytest.approx(right, rel=1e-14)


def test_periods_with_per_period_weights_and_holes_match_naive_column_by_column() -> None:
    rng = np.random.default_rng(5)
    y = rng.lognormal(0, 1, (7, 5))
    w = rng.uniform(1, 10, (7, 5))
    y[1, 2] = np.nan
    w[3, 1] = np.nan
    groups = ["a", "b", "a", "c", "b", "a", "c"]
    g, cvm, cvw = (
        gini(y, w).values,
        weighted_cv(y, w, "mean").values,
        weighted_cv(y, w, "weighted").values,
    )
    tt, tl = theil(y, w, groups, "T"), theil(y, w, groups, "L")
    for k in range(5):
        keep = ~np.isnan(y[:, k]) & ~np.isnan(w[:, k])
        yk, wk, gk = (
            list(y[keep, k]),
            list(w[keep, k]),
            [x for x, m in zip(groups, keep, strict=True) if m],
        )
        assert g[k] == pytest.approx(naive_gini(yk, wk), rel=1e-12)
        # the simple-mean centre is over every province with a value and a weight
        assert cvm[k] == pytest.approx(naive_cv(y[:, k], w[:, k], "mean"), rel=1e-12)
        assert cvw[k] == pytest.approx(naive_cv(yk, wk, "weighted"), rel=1e-12)
        for r, kind in ((tt, "T"), (tl, "L")):
            total, between, within = naive_theil(yk, wk, gk, kind)
            assert (r.total[k], r.between[k], r.within[k]) == pytest.approx(
                (total, between, within), rel=1e-10
            )


def test_gini_ignores_missing_and_handles_columns() -> None:
    y = np.array([[1.0, 5.0], [np.nan, 5.0], [3.0, 5.0]])
    g = gini(y).values
    assert g[0] == pytest.approx(0.25, rel=1e-14)  # only 1 and 3 remain
    assert g[1] == pytest.approx(0.0, abs=1e-15)
    assert np.isnan(gini([0.0, 0.0]).values)  # μ = 0
    assert np.isnan(gini(np.array([[np.nan], [np.nan]])).values[0])


# --- Theil ----------------------------------------------------------------------------------


def test_theil_t_and_l_by_hand() -> None:
    # y = 1, 3 equal weights: μ = 2, s = 0.25, 0.75
    # T = 0.25 ln(1/2) + 0.75 ln(3/2) = −0.1732868 + 0.3040988 = 0.1308120
    # L = 0.5 ln(2/1) + 0.5 ln(2/3) = 0.3465736 − 0.2027326 = 0.1438410
    t = theil([1.0, 3.0], kind="T")
    s = theil([1.0, 3.0], kind="L")
    assert t.total == pytest.approx(0.25 * math.log(0.5) + 0.75 * math.log(1.5), rel=1e-14)
    assert t.total == pytest.approx(0.1308120, rel=1e-6)
    assert s.total == pytest.approx(0.1438410, rel=1e-6)
    assert np.isnan(t.between) and np.isnan(t.within)  # no groups, no decomposition


def test_theil_decomposition_by_hand() -> None:
    # y = 1, 3 | 2, 6 in groups a | b, equal weights: μ = 3, μ_a = 2, μ_b = 4
    # T: S_a = 0.5·2/3 = 1/3, S_b = 2/3; between = (1/3) ln(2/3) + (2/3) ln(4/3) = 0.0566330;
    #    within: T_a = T_b = T(1, 3) = 0.1308120 (scale-free) → (1/3 + 2/3)·0.1308120
    # L: between = 0.5 ln(3/2) + 0.5 ln(3/4) = 0.0588915; within = L(1, 3) = 0.1438410;
    #    total = 0.25 (ln 3 + ln 1 + ln 1.5 + ln 0.5) = 0.2027326
    y, groups = [1.0, 3.0, 2.0, 6.0], ["a", "a", "b", "b"]
    t = theil(y, groups=groups, kind="T")
    assert t.between == pytest.approx(math.log(2 / 3) / 3 + 2 * math.log(4 / 3) / 3, rel=1e-13)
    assert t.within == pytest.approx(0.25 * math.log(0.5) + 0.75 * math.log(1.5), rel=1e-13)
    assert t.total == pytest.approx(t.between + t.within, rel=1e-13)
    lo = theil(y, groups=groups, kind="L")
    assert lo.between == pytest.approx(0.5 * math.log(1.5) + 0.5 * math.log(0.75), rel=1e-13)
    assert lo.within == pytest.approx(0.5 * math.log(2) + 0.5 * math.log(2 / 3), rel=1e-13)
    assert lo.total == pytest.approx(
        0.25 * (math.log(3) + math.log(1.5) + math.log(0.5)), rel=1e-13
    )


def test_theil_weighted_with_groups_equals_naive() -> None:
    rng = np.random.default_rng(3)
    labels = np.array(["下游地区", "中游地区", "上游地区"])
    for _ in range(15):
        n = int(rng.integers(3, 14))
        y = rng.lognormal(0, 1.0, n)
        w = rng.uniform(100, 9000, n)
        groups = list(rng.choice(labels, n))
        for kind in ("T", "L"):
            r = theil(y, w, groups, kind)
            total, between, within = naive_theil(list(y), list(w), groups, kind)
            assert r.total == pytest.approx(total, rel=1e-11)
            assert r.between == pytest.approx(between, rel=1e-9, abs=1e-13)
            assert r.within == pytest.approx(within, rel=1e-9, abs=1e-13)


def test_theil_zeros_negatives_and_missing() -> None:
    # T: a zero value contributes 0 (lim s ln s = 0): y = 0, 2 → μ = 1, T = 0.5·2·ln 2 = ln 2
    assert theil([0.0, 2.0]).total == pytest.approx(math.log(2), rel=1e-14)
    # L needs ln(μ/0): undefined
    assert np.isnan(theil([0.0, 2.0], kind="L").total)
    assert np.isnan(theil([-1.0, 2.0]).total)
    r = theil([-1.0, 2.0, 3.0], groups=["a", "a", "b"])
    assert np.isnan(r.between) and np.isnan(r.within)
    # a missing value drops that region
    assert theil([1.0, np.nan, 3.0]).total == pytest.approx(theil([1.0, 3.0]).total, rel=1e-14)


def test_theil_group_absent_in_one_period() -> None:
    y = np.array([[1.0, 1.0], [3.0, 3.0], [2.0, np.nan], [6.0, np.nan]])
    groups = ["a", "a", "b", "b"]
    for kind in ("T", "L"):
        r = theil(y, groups=groups, kind=kind)
        # period 2 has group a only: no between part, within = total
        assert r.between[1] == pytest.approx(0.0, abs=1e-15)
        assert r.within[1] == pytest.approx(r.total[1], rel=1e-14)
        assert r.total[0] == pytest.approx(r.between[0] + r.within[0], rel=1e-13)


def test_theil_bad_arguments() -> None:
    with pytest.raises(InputError, match="kind"):
        theil([1, 2], kind="X")
    with pytest.raises(InputError, match="group label"):
        theil([1, 2, 3], groups=["a", "b"])


# --- properties -------------------------------------------------------------------------------

value = st.floats(1e-3, 1e3, allow_nan=False, allow_infinity=False)
weight = st.floats(1e-2, 1e4, allow_nan=False, allow_infinity=False)
rows = st.lists(st.tuples(value, weight, st.sampled_from("abc")), min_size=2, max_size=10)


def _measures(y, w, g):
    return np.array(
        [
            weighted_cv(y, w, "mean").values,
            weighted_cv(y, w, "weighted").values,
            weighted_cv(y).values,
            *(
                getattr(theil(y, w, g, kind), part)
                for kind in ("T", "L")
                for part in ("total", "between", "within")
            ),
            gini(y, w).values,
            gini(y).values,
        ]
    )


@settings(deadline=None, max_examples=60)
@given(rows, st.floats(1e-3, 1e3), st.floats(1e-3, 1e3))
def test_scale_invariance_of_values_and_weights(data, k, m) -> None:
    y, w, g = (np.array(c) for c in zip(*data, strict=True))
    base = _measures(y, w, g)
    np.testing.assert_allclose(_measures(k * y, w, g), base, rtol=1e-8, atol=1e-12)
    np.testing.assert_allclose(_measures(y, m * w, g), base, rtol=1e-8, atol=1e-12)


@settings(deadline=None, max_examples=60)
@given(rows, st.randoms(use_true_random=False))
def test_reordering_regions_with_their_weights_changes_nothing(data, rnd) -> None:
    y, w, g = (np.array(c) for c in zip(*data, strict=True))
    order = list(range(len(y)))
    rnd.shuffle(order)
    np.testing.assert_allclose(
        _measures(y[order], w[order], g[order]), _measures(y, w, g), rtol=1e-9, atol=1e-12
    )


@settings(deadline=None, max_examples=60)
@given(rows)
def test_theil_between_plus_within_is_total(data) -> None:
    y, w, g = (np.array(c) for c in zip(*data, strict=True))
    for kind in ("T", "L"):
        r = theil(y, w, g, kind)
        assert r.between + r.within == pytest.approx(r.total, rel=1e-9, abs=1e-12)
        assert r.total >= -1e-12 and r.between >= -1e-12 and r.within >= -1e-12


@settings(deadline=None, max_examples=60)
@given(
    st.lists(
        st.tuples(st.one_of(st.just(0.0), value), weight, st.sampled_from("ab")),
        min_size=2,
        max_size=10,
    )
)
def test_theil_t_with_zero_values_still_decomposes(data) -> None:
    # zeros are allowed in Theil T (s ln s → 0), also a group of zeros only (its share is 0)
    y, w, g = (np.array(c) for c in zip(*data, strict=True))
    assume(y.sum() > 0)
    r = theil(y, w, g, "T")
    total, _, _ = naive_theil(list(y), list(w), ["all"] * len(y), "T")
    assert r.total == pytest.approx(total, rel=1e-9, abs=1e-12)
    assert r.between + r.within == pytest.approx(r.total, rel=1e-9, abs=1e-12)
    if all((y[g == k] > 0).any() for k in set(g)):
        _, between, within = naive_theil(list(y), list(w), list(g), "T")
        assert r.between == pytest.approx(between, rel=1e-9, abs=1e-12)
        assert r.within == pytest.approx(within, rel=1e-9, abs=1e-12)


@settings(deadline=None, max_examples=40)
@given(value, st.lists(weight, min_size=1, max_size=10))
def test_equal_values_have_no_disparity(v, w) -> None:
    y = [v] * len(w)
    for centre in ("mean", "weighted"):
        assert weighted_cv(y, w, centre).values == pytest.approx(0.0, abs=1e-12)
    assert gini(y, w).values == pytest.approx(0.0, abs=1e-12)
    assert theil(y, w).total == pytest.approx(0.0, abs=1e-12)
    assert theil(y, w, kind="L").total == pytest.approx(0.0, abs=1e-12)


# zero, or a value the weighted mean cannot underflow with (a subnormal one such as 5e-324
# gives μ = 0 in floating point: UNDEFINED, see the test below)
non_negative = st.one_of(st.just(0.0), st.floats(1e-300, 1e3))


@settings(deadline=None, max_examples=60)
@given(st.lists(st.tuples(non_negative, st.floats(0.1, 10)), min_size=1, max_size=10))
def test_gini_in_unit_interval_for_non_negative_values(data) -> None:
    y, w = (np.array(c) for c in zip(*data, strict=True))
    assume(y.sum() > 0)
    g = gini(y, w).values
    assert 0.0 <= g + 1e-12 and g < 1.0
    assert g == pytest.approx(naive_gini(y, w), rel=1e-9, abs=1e-12)


def test_gini_of_a_mean_that_underflows_is_undefined_not_a_number_out_of_range() -> None:
    """Hypothesis found [0, 5e-324]: the weighted mean rounds to 0, so the formula's
    denominator is 0 and the kernel says UNDEFINED (as for an all-zero period)."""
    r = gini([0.0, 5e-324])
    assert math.isnan(r.values) and r.problems == Problem.UNDEFINED

"""σ- and β-convergence (addin.core.convergence) against independent references.

- statsmodels OLS for every regression figure (slope/β, its SE and t, R², intercept);
- REAT's formulas (cran/REAT R/sigmaconv.t.R, R/betaconv.ols.R), rewritten here from the R:
  ``sd2(is.sample = FALSE)`` of the logs per year, ``lm(sigma ~ years)``, and
  ``log(gdp2/gdp1)/T ~ log(gdp1)`` for two columns;
- Barro and Sala-i-Martin's model itself: data made with a known λ give it back;
- Carree and Klomp's T₂ as the likelihood ratio of two bivariate-normal fits (scipy's
  χ²₁ for the p), and its size under the null by simulation.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from addin.core import convergence
from addin.core.problems import Problem
from addin.errors import InputError

sm = pytest.importorskip("statsmodels.api")
stats = pytest.importorskip("scipy.stats")

RNG = np.random.default_rng(20)


def _statsmodels(x, y):
    fit = sm.OLS(y, sm.add_constant(x)).fit()
    return fit.params[1], fit.bse[1], fit.tvalues[1], fit.rsquared, fit.params[0]


def test_trend_equals_statsmodels_and_reat_sigmaconv_t():
    years = np.arange(1993, 2023)
    z = np.exp(RNG.normal(size=(11, years.size)) * np.linspace(1.5, 0.8, years.size))
    sd2 = np.log(z).std(axis=0, ddof=0)  # REAT sd2(log(gdp), is.sample = FALSE) per year
    np.testing.assert_allclose(convergence.log_sd(z).values, sd2, rtol=1e-12)
    e = convergence.trend(sd2, years)
    slope, se, t, r2, intercept = _statsmodels(years.astype(float), sd2)
    got = [e["slope"], e["se"], e["t"], e["r2"], e["intercept"]]
    np.testing.assert_allclose(got, [slope, se, t, r2, intercept], rtol=1e-9)
    assert e["n"] == years.size and e["slope"] < 0 and (e.problems == 0).all()


def test_trend_leaves_out_missing_years_and_says_how_many_it_used():
    series = np.array([0.9, np.nan, 0.8, 0.7, 0.65])
    years = np.arange(2000, 2005)
    e = convergence.trend(series, years)
    keep = ~np.isnan(series)
    np.testing.assert_allclose(
        e["slope"], _statsmodels(years[keep].astype(float), series[keep])[0], rtol=1e-12
    )
    assert e["n"] == 4


def test_beta_equals_statsmodels_and_reat_betaconv_ols():
    y0 = np.exp(RNG.normal(3, 1, 11))
    y1 = y0 * np.exp(RNG.normal(0.1, 0.05, 11) * 14 - 0.02 * 14 * np.log(y0))
    e = convergence.beta_convergence(y0, y1, 14)
    # REAT betaconv.ols(gdp1, 2000, gdp2, 2014): growth(gdp1, gdp2) = gdp2/gdp1, log of it / T
    ln_growth, ln_initial = np.log(y1 / y0) / 14, np.log(y0)
    beta, se, t, r2, alpha = _statsmodels(ln_initial, ln_growth)
    got = [e["beta"], e["se"], e["t"], e["r2"], e["alpha"]]
    np.testing.assert_allclose(got, [beta, se, t, r2, alpha], rtol=1e-9)
    assert e["n"] == 11


@pytest.mark.parametrize("speed, years", [(0.02, 10), (0.1, 7), (0.3, 29)])
def test_speed_and_half_life_come_back_from_data_made_with_them(speed, years):
    """ln y_T − ln y* = e^{−λT}(ln y_0 − ln y*): the regression's β is −(1 − e^{−λT})/T
    exactly, and λ = −ln(1 + βT)/T returns the λ the data were made with."""
    ln_y0 = RNG.normal(2, 1, 30)
    ln_yt = 4.0 + math.exp(-speed * years) * (ln_y0 - 4.0)
    e = convergence.beta_convergence(np.exp(ln_y0), np.exp(ln_yt), years)
    assert e["beta"] == pytest.approx(-(1 - math.exp(-speed * years)) / years, rel=1e-9)
    assert e["speed"] == pytest.approx(speed, rel=1e-9)
    assert e["half_life"] == pytest.approx(math.log(2) / speed, rel=1e-9)
    # REAT's betaconv.speed, −ln(1 + β)/T, is another number whenever T > 1
    assert -math.log(1 + e["beta"]) / years != pytest.approx(speed, rel=1e-3)


def test_divergence_has_a_negative_speed_and_no_half_life():
    y0 = np.array([1.0, 2.0, 4.0, 8.0])
    e = convergence.beta_convergence(y0, y0**1.5, 10)
    assert e["beta"] > 0 and e["speed"] < 0
    assert np.isnan(e["half_life"])
    assert e.problems[e.labels.index("half_life")] == Problem.UNDEFINED


def test_beta_names_what_it_could_not_use():
    e = convergence.beta_convergence([1.0, 2.0, 0.0, 3.0], [2.0, 3.0, 1.0, 3.0], 5)
    assert (e.problems[:-1] == Problem.UNDEFINED).all() and e["n"] == 3
    e = convergence.beta_convergence([1.0, 2.0, np.nan], [2.0, 3.0, 1.0], 5)
    assert (e.problems[:-1] == Problem.MISSING).all() and e["n"] == 2
    with pytest.raises(InputError, match="years"):
        convergence.beta_convergence([1.0, 2.0], [1.0, 2.0], 0)


def test_beta_by_stage_is_beta_within_each_stage():
    years = np.arange(1993, 2023)
    z = np.exp(RNG.normal(size=(11, 1)) + np.cumsum(RNG.normal(0.1, 0.1, (11, 30)), axis=1))
    stages = ((1993, 2000), (2001, 2008), (2009, 2016), (2017, 2022))
    e = convergence.beta_by_stage(z, years, stages)
    for row, (a, b) in enumerate(stages):
        one = convergence.beta_convergence(z[:, a - 1993], z[:, b - 1993], b - a)
        np.testing.assert_array_equal(e.values[row], one.values)
    assert e.values.shape == (4, len(convergence.BETA_LABELS))


def _lr_equal_variances(a, b):
    """−2 ln Λ for σ₁² = σ₂² in a bivariate normal: N ln(|Σ₀| / |Σ̂|), Σ₀ with the
    common variance (σ₁² + σ₂²)/2 and the same covariance."""
    cov = np.cov(np.vstack([a, b]), ddof=0)
    common = cov.trace() / 2
    restricted = np.array([[common, cov[0, 1]], [cov[0, 1], common]])
    return a.size * math.log(np.linalg.det(restricted) / np.linalg.det(cov))


def test_carree_klomp_is_the_likelihood_ratio_with_its_correction():
    ln_a = RNG.normal(0, 1.0, 25)
    ln_b = 0.8 * ln_a + RNG.normal(0, 0.3, 25)
    e = convergence.carree_klomp(np.exp(ln_a), np.exp(ln_b))
    expected = _lr_equal_variances(ln_a, ln_b) * (25 - 2.5) / 25
    assert e["statistic"] == pytest.approx(expected, rel=1e-9)
    assert e["p"] == pytest.approx(stats.chi2.sf(expected, 1), rel=1e-9)
    assert e["var_first"] == pytest.approx(ln_a.var(), rel=1e-12)
    assert e["var_last"] < e["var_first"] and e["n"] == 25


def test_carree_klomp_holds_its_size_where_the_f_test_does_not():
    """Under the null (equal variances, correlated years) T₂ rejects about 5 % at 5 %;
    Lichtenberg's F test (REAT sigmaconv's var.test) rejects far less often."""
    n, sims = 40, 2000
    cov = [[1.0, 0.9], [0.9, 1.0]]
    draws = RNG.multivariate_normal([0, 0], cov, size=(sims, n))
    p_ck = np.array([convergence.carree_klomp(*np.exp(d.T))["p"] for d in draws])
    f = draws[:, :, 0].var(axis=1, ddof=1) / draws[:, :, 1].var(axis=1, ddof=1)
    p_f = 2 * np.minimum(stats.f.sf(f, n - 1, n - 1), stats.f.cdf(f, n - 1, n - 1))
    assert 0.035 < (p_ck < 0.05).mean() < 0.065
    assert (p_f < 0.05).mean() < 0.01


def test_log_sd_per_period_with_missing_and_zero():
    z = np.array([[1.0, 1.0, np.nan], [np.e, 0.0, 2.0], [np.e**2, 3.0, 4.0]])
    r = convergence.log_sd(z)
    assert r.values[0] == pytest.approx(np.std([0, 1, 2]))
    assert r.problems.tolist() == [0, Problem.UNDEFINED, 0]
    assert r.values[2] == pytest.approx(np.std(np.log([2.0, 4.0])))


FLOATS = st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.sampled_from([0.0, -1.0]))


@settings(max_examples=80, deadline=None)
@given(data=st.data())
def test_any_data_gives_a_value_or_a_reason(data):
    n = data.draw(st.integers(0, 6))
    a = data.draw(arrays(float, n, elements=FLOATS))
    b = data.draw(arrays(float, n, elements=FLOATS))
    with np.errstate(all="raise"):
        results = [
            convergence.trend(a, np.arange(n)),
            convergence.carree_klomp(a, b),
            convergence.beta_convergence(a, b, 3),
        ]
    for r in results:
        ok = r.problems == Problem.OK
        assert np.isfinite(r.values[ok]).all() and np.isnan(r.values[~ok]).all()
        assert r.problems[-1] == Problem.OK and r["n"] <= n  # n is always said


def test_sigma_convergence_is_the_trend_of_log_sd_and_the_first_last_test():
    years = np.arange(2000, 2010)
    z = np.exp(RNG.normal(size=(11, 10)) * np.linspace(1.4, 0.7, 10))
    e = convergence.sigma_convergence(z, years)
    fit = convergence.trend(np.log(z).std(axis=0), years)
    ck = convergence.carree_klomp(z[:, 0], z[:, -1])
    assert [e["slope"], e["t"], e["years"]] == [fit["slope"], fit["t"], 10.0]
    assert [e["ck_t2"], e["ck_p"], e["n"]] == [ck["statistic"], ck["p"], 11.0]


def test_the_worksheet_functions_spill_labels_beside_the_kernels_values():
    udf = pytest.importorskip("yangtze_udf")
    z = np.exp(RNG.normal(size=(11, 6)))
    out = udf.SIGMA_CONVERGENCE(z.tolist(), [list(range(1995, 2001))])
    expected = convergence.sigma_convergence(z, np.arange(1995, 2001))
    assert [row[0] for row in out] == list(convergence.SIGMA_LABELS)
    np.testing.assert_allclose([row[1] for row in out], expected.values)
    out = udf.BETA_CONVERGENCE(z[:, :1].tolist(), z[:, -1:].tolist(), 5)
    expected = convergence.beta_convergence(z[:, 0], z[:, -1], 5)
    assert [row[0] for row in out] == list(convergence.BETA_LABELS)
    for (_, got), want in zip(out, expected.values):
        assert got == want or (got == "#UNDEFINED" and np.isnan(want))
    first = z[:, :1].tolist()
    first[3] = ["n/a"]  # a text cell: that region is left out, n says so
    assert dict(udf.BETA_CONVERGENCE(first, z[:, -1:].tolist(), 5))["n"] == 10
    assert udf.BETA_CONVERGENCE(first, z[:, -1:].tolist(), 0) == (
        "argument years: give the years between first and last, a number > 0"
    )
    assert udf.SIGMA_CONVERGENCE(z.tolist(), [[1, 2]]).startswith("argument years: give 6")


@pytest.fixture(scope="module")
def demo_tables(tmp_path_factory):
    from addin import regenerate_file
    from addin.cli import main

    path = tmp_path_factory.mktemp("demo") / "demo.xlsm"
    assert main(["demo", str(path)]) == 0
    return regenerate_file(path).tables


def test_the_convergence_sheet_and_the_stages_beta_follow_the_kernels(demo_tables):
    from addin.core.spatial import moran
    from addin.panel.contiguity import china_queen

    panel = demo_tables.panel
    z = panel.grid(demo_tables.index["open_index"]).to_numpy()
    table = demo_tables.convergence
    np.testing.assert_allclose(table["log_sd"], np.log(z).std(axis=0))
    expected = moran(z, china_queen(panel.provinces), permutations=999, seed=0)
    np.testing.assert_allclose(table["moran_i"], expected["I"])
    np.testing.assert_allclose(table["moran_p"], expected["p"])
    assert (table["n"] == 11).all() and list(table["year"]) == panel.years
    notes = " ".join(table.attrs["notes"])
    assert "Carree–Klomp 1993 vs 2022" in notes and "trend of σ" in notes
    stages = demo_tables.stages
    for row, (a, b) in zip(stages.itertuples(), panel.options.stages):
        e = convergence.beta_convergence(z[:, a - 1993], z[:, b - 1993], b - a)
        assert row.beta == pytest.approx(e["beta"]) and row.beta_t == pytest.approx(e["t"])
        assert row.n_beta == 11
        assert row.half_life == pytest.approx(e["half_life"], nan_ok=True)


def test_sigma_needs_two_regions_a_year():
    """One region has no dispersion: σ there is MISSING, not 0 (a 0 would pull the trend of
    σ towards divergence in the years where real series begin)."""
    from addin.core.convergence import log_sd

    r = log_sd(np.array([[1.0, 1.0], [np.nan, 4.0]]))
    assert Problem(r.problems[0]) is Problem.MISSING and np.isnan(r.values[0])
    assert r.values[1] == pytest.approx(math.log(4) / 2)


def test_carree_klomp_of_sigma_convergence_skips_empty_first_and_last_years():
    """SIGMA_CONVERGENCE and the Convergence sheet test the first and last years that have
    values: the same numbers as carree_klomp on those two columns."""
    from addin.core.convergence import carree_klomp, sigma_convergence

    rng = np.random.default_rng(1)
    z = rng.lognormal(0, 1, (8, 5))
    z[:, 0] = z[:, 4] = np.nan
    e = sigma_convergence(z, [2000, 2001, 2002, 2003, 2004])
    want = carree_klomp(z[:, 1], z[:, 3])
    assert e["ck_t2"] == pytest.approx(want["statistic"])
    assert e["var_first"] == pytest.approx(np.var(np.log(z[:, 1])))
    assert e["n"] == 8

"""The kernels' one contract (addin.core.problems): any data in, a value or a reason out.

For arbitrary data (NaN, zeros, negatives, infinities, huge numbers) every kernel returns
without raising, and each element is either a finite value with ``OK`` or NaN with a
problem code, never both and never neither.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from addin.core import disparity, growth, indices
from addin.core.problems import Problem, Result

ANY_FLOAT = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0.0, -1.0, 1.0, np.nan]),
)
BLOCKS = arrays(float, st.tuples(st.integers(1, 6), st.integers(1, 5)), elements=ANY_FLOAT)

KERNELS = {
    "weighted_cv": lambda y, w: disparity.weighted_cv(y, w),
    "weighted_cv weighted centre": lambda y, w: disparity.weighted_cv(y, w, "weighted"),
    "gini": disparity.gini,
    "theil T": lambda y, w: disparity.theil(y, w, kind="T"),
    "theil L": lambda y, w: disparity.theil(y, w, kind="L"),
    "atkinson 0.5": lambda y, w: disparity.atkinson(y, w, 0.5),
    "atkinson 1": lambda y, w: disparity.atkinson(y, w, 1.0),
    "atkinson 2": lambda y, w: disparity.atkinson(y, w, 2.0),
}


def assert_value_or_reason(result: Result) -> None:
    values = np.atleast_1d(np.asarray(result.values, dtype=float))
    problems = np.atleast_1d(np.asarray(result.problems))
    assert values.shape == problems.shape
    assert set(np.unique(problems)) <= {int(p) for p in Problem}
    ok = problems == Problem.OK
    assert np.isfinite(values[ok]).all(), "an OK element without a finite value"
    assert np.isnan(values[~ok]).all(), "an element with a problem and a value"


@pytest.mark.parametrize("name", list(KERNELS))
@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_disparity_kernels_give_a_value_or_a_reason(name, data):
    y = data.draw(BLOCKS)
    w = data.draw(arrays(float, y.shape, elements=ANY_FLOAT) | st.none())
    with np.errstate(all="raise"):  # no warning leaks out either
        result = KERNELS[name](y, w)
    assert_value_or_reason(result)
    assert np.shape(result.values) == (y.shape[1],)


@settings(max_examples=60, deadline=None)
@given(x=BLOCKS, method=st.sampled_from(growth.METHODS))
def test_growth_rate_gives_a_value_or_a_reason(x, method):
    years = np.arange(2000, 2000 + x.shape[1])
    result = growth.growth_rate(x, years, method)
    assert_value_or_reason(result)
    if method in ("cagr", "change"):  # a series without an endpoint says MISSING
        lacks = np.isnan(x[:, 0]) | np.isnan(x[:, -1])
        assert (np.asarray(result.problems)[lacks] == Problem.MISSING).all()


@settings(max_examples=60, deadline=None)
@given(
    amount=arrays(float, 6, elements=ANY_FLOAT),
    gdp=arrays(float, 6, elements=ANY_FLOAT),
    factor=arrays(float, 6, elements=ANY_FLOAT),
)
def test_indices_give_a_value_or_a_reason(amount, gdp, factor):
    with np.errstate(all="raise"):  # no warning leaks out either
        t = indices.trade_index(amount, gdp, factor)
        z = indices.open_index(amount, amount, gdp, factor, factor)
    for result in (t, z):
        assert_value_or_reason(result)

"""Moran's I (addin.core.spatial) against esda, and the built-in contiguity of China's
provinces (addin.panel.contiguity) against a second, independent source."""

from __future__ import annotations

import warnings
from collections import Counter

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from addin.core.problems import Problem
from addin.core.spatial import Weights, moran
from addin.errors import InputError
from addin.panel.contiguity import china_queen, queen_pairs
from addin.panel.provinces import PROVINCES

esda = pytest.importorskip("esda")
libpysal = pytest.importorskip("libpysal")

RNG = np.random.default_rng(31)
SHORTS = [p.short for p in PROVINCES]


def _libpysal_w(w: Weights):
    neighbours = {i: w.neighbours(i).tolist() for i in range(w.n)}
    weights = {i: w.data[w.indptr[i] : w.indptr[i + 1]].tolist() for i in range(w.n)}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # islands
        lw = libpysal.weights.W(neighbours, weights, silence_warnings=True)
        lw.transform = "r"
    return lw


def _esda(y, w: Weights, permutations=999):
    np.random.seed(0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return esda.Moran(y, _libpysal_w(w), permutations=permutations)


@pytest.mark.parametrize("hainan", ["island", "guangdong"])
def test_china_equals_esda(hainan):
    w = china_queen(hainan=hainan)
    y = RNG.lognormal(0, 1, 31) + np.arange(31) * 0.2  # some spatial drift in NBS order
    ours = moran(y, w, permutations=4999, seed=2)
    ref = _esda(y, w, permutations=4999)
    got = [ours["I"], ours["expected"], ours["z"]]
    np.testing.assert_allclose(got, [ref.I, ref.EI, ref.z_norm], rtol=1e-9)
    assert ours["n"] == 31
    # the permutation p: both estimate the same probability from 4,999 draws
    assert abs(ours["p"] - ref.p_sim) < 5 * np.sqrt(ref.p_sim * (1 - ref.p_sim) / 4999) + 2e-3


def test_an_asymmetric_sparse_w_on_many_regions_equals_esda():
    """k-nearest neighbours: W is not symmetric, so S₁ and S₂ are tested in full."""
    points = RNG.uniform(0, 100, (600, 2))
    knn = libpysal.weights.KNN.from_array(points, k=5)
    rows = [i for i in range(600) for _ in knn.neighbors[i]]
    cols = [j for i in range(600) for j in knn.neighbors[i]]
    w = Weights.from_triples(600, rows, cols, np.ones(len(rows)))
    y = points[:, 0] / 10 + RNG.normal(0, 1, 600)
    ours = moran(y, w, permutations=999)
    ref = _esda(y, w, permutations=999)
    got = [ours["I"], ours["expected"], ours["z"]]
    np.testing.assert_allclose(got, [ref.I, ref.EI, ref.z_norm], rtol=1e-9)
    assert ours["p"] == ref.p_sim == 0.001  # strong autocorrelation: no permutation beats it


def test_a_region_without_a_value_is_left_out_with_its_links():
    w = china_queen()
    y = RNG.lognormal(0, 1, (31, 2))
    y[4, 1] = np.nan  # 内蒙古 missing in the second year
    ours = moran(y, w, permutations=0)
    keep = np.arange(31) != 4
    ref = _esda(y[keep, 1], w.subset(keep), permutations=0)
    assert ours["n"].tolist() == [31, 30]
    np.testing.assert_allclose(ours["I"][1], ref.I, rtol=1e-9)
    assert (ours.problems[:, 3] == Problem.UNDEFINED).all()  # no permutations: no p


def test_same_seed_same_p_and_no_neighbours_anywhere_is_undefined():
    w = china_queen()
    y = RNG.lognormal(0, 1, 31)
    assert moran(y, w, seed=9)["p"] == moran(y, w, seed=9)["p"]
    alone = moran(y, Weights.from_pairs(31, []))
    assert alone.problems.tolist() == [
        Problem.UNDEFINED,
        0,
        Problem.UNDEFINED,
        Problem.UNDEFINED,
        0,
    ]
    assert alone["expected"] == -1 / 30 and alone["n"] == 31
    flat = moran(np.ones(31), w)
    assert flat.problems[0] == Problem.UNDEFINED
    with pytest.raises(InputError):
        moran(y[:30], w)


def test_dense_and_pairs_give_the_same_w():
    pairs = [(0, 1), (1, 2), (2, 3), (0, 3)]
    dense = np.zeros((5, 5))
    for a, b in pairs:
        dense[a, b] = dense[b, a] = 1
    a, b = Weights.from_pairs(5, pairs), Weights.from_dense(dense)
    for x, y in zip((a.indptr, a.indices, a.data), (b.indptr, b.indices, b.data)):
        np.testing.assert_array_equal(x, y)
    assert a.islands.tolist() == [4]


# The second source: the land neighbours of 22 provinces as an article of 2021 lists them
# (m.cnbaoji.cn/baoji/228.html), and every province's neighbour count in an article of 2023
# (with Hong Kong and Macao taken off Guangdong's 6).
ARTICLE = {
    "黑龙江": "内蒙古 吉林",
    "北京": "河北 天津",
    "天津": "北京 河北",
    "上海": "江苏 浙江",
    "吉林": "黑龙江 辽宁 内蒙古",
    "新疆": "西藏 青海 甘肃",
    "福建": "浙江 江西 广东",
    "辽宁": "吉林 内蒙古 河北",
    "宁夏": "内蒙古 陕西 甘肃",
    "西藏": "新疆 青海 四川 云南",
    "广西": "云南 贵州 湖南 广东",
    "江苏": "山东 安徽 浙江 上海",
    "青海": "新疆 西藏 甘肃 四川",
    "山东": "河北 河南 安徽 江苏",
    "山西": "内蒙古 陕西 河北 河南",
    "云南": "西藏 四川 贵州 广西",
    "贵州": "云南 四川 重庆 湖南 广西",
    "浙江": "江苏 安徽 江西 福建 上海",
    "重庆": "四川 陕西 湖北 湖南 贵州",
    "湖北": "陕西 河南 安徽 江西 湖南 重庆",
    "湖南": "湖北 江西 广东 广西 贵州 重庆",
    "河南": "湖北 陕西 山西 河北 山东 安徽",
}
COUNTS = {
    **dict.fromkeys(["内蒙古", "陕西"], 8),
    **dict.fromkeys(["河北", "四川"], 7),
    **dict.fromkeys(["河南", "湖北", "湖南", "甘肃", "安徽", "江西"], 6),
    **dict.fromkeys(["浙江", "重庆", "贵州"], 5),
    **dict.fromkeys(["西藏", "云南", "广西", "山西", "山东", "江苏", "青海", "广东"], 4),
    **dict.fromkeys(["新疆", "吉林", "辽宁", "福建", "宁夏"], 3),
    **dict.fromkeys(["黑龙江", "天津", "上海", "北京"], 2),
    "海南": 0,
}


def test_the_built_in_contiguity_agrees_with_the_second_source():
    pairs = {frozenset(p) for p in queen_pairs()}
    assert len(pairs) == 68 and all(len(p) == 2 for p in pairs)
    for province, neighbours in ARTICLE.items():
        listed = {frozenset((province, n)) for n in neighbours.split()}
        mine = {p for p in pairs if province in p}
        assert mine == listed, province
    counts = Counter(name for pair in pairs for name in pair)
    assert {s: counts.get(s, 0) for s in SHORTS} == COUNTS


def test_the_belt_is_a_sub_matrix_and_hainan_follows_its_rule():
    belt = ["上海", "江苏", "浙江", "安徽", "江西", "湖北", "湖南", "重庆", "四川", "贵州", "云南"]
    w = china_queen(belt)
    full = china_queen()
    sub = full.subset([SHORTS.index(s) for s in belt])
    np.testing.assert_array_equal(w.indices, sub.indices)
    assert w.islands.size == 0 and w.data.sum() == 2 * 19  # 19 pairs within the belt
    assert full.neighbours(SHORTS.index("海南")).size == 0
    linked = china_queen(hainan="guangdong")
    assert linked.neighbours(SHORTS.index("海南")).tolist() == [SHORTS.index("广东")]
    with pytest.raises(InputError, match="Atlantis"):
        china_queen(["上海", "Atlantis"])


@settings(max_examples=60, deadline=None)
@given(y=arrays(float, 6, elements=st.floats(allow_nan=True, allow_infinity=True, width=32)))
def test_any_data_gives_a_value_or_a_reason(y):
    w = Weights.from_pairs(6, [(0, 1), (1, 2), (3, 4)])  # region 5 an island
    with np.errstate(all="raise"):
        r = moran(y, w, permutations=19)
    ok = r.problems == Problem.OK
    assert np.isfinite(r.values[ok]).all() and np.isnan(r.values[~ok]).all()
    assert r["n"] == np.isfinite(y).sum()


def test_moran_i_in_a_cell_takes_the_belt_the_31_a_matrix_or_names():
    udf = pytest.importorskip("yangtze_udf")
    from addin.panel.provinces import YANGTZE_PROVINCES

    y = RNG.lognormal(0, 1, (11, 1))
    out = dict(udf.MORAN_I(y.tolist(), None, None, 0))
    ref = _esda(y[:, 0], china_queen(list(YANGTZE_PROVINCES)), permutations=0)
    assert out["I"] == pytest.approx(ref.I, rel=1e-9) and out["n"] == 11
    assert out["p"] == "#UNDEFINED"  # no permutations asked for
    shuffled = list(YANGTZE_PROVINCES)[::-1]  # names given: the rows are those provinces
    by_name = dict(udf.MORAN_I(y[::-1].tolist(), None, [[s] for s in shuffled], 0))
    assert by_name["I"] == pytest.approx(out["I"], rel=1e-12)
    dense = np.zeros((11, 11))
    w = china_queen(list(YANGTZE_PROVINCES))
    dense[w.rows, w.indices] = 1
    matrix = [[v or None for v in row] for row in dense.tolist()]  # blanks are 0
    assert dict(udf.MORAN_I(y.tolist(), matrix, None, 0))["I"] == pytest.approx(out["I"])
    assert udf.MORAN_I(y[:5].tolist()) == (
        "argument values: 5 regions: give their names in regions, or a weights matrix"
    )


def test_settings_give_the_permutations_and_seed_of_the_convergence_sheet():
    from addin.panel import measures
    from addin.panel.options import Options
    from addin.workbook import layout
    from addin.workbook.sheets import read_settings

    rows = [[None] * 4 for _ in range(40)]
    keys = [s.key for s in layout.SETTINGS_ROWS]
    for key, value in (("permutations", 499), ("seed", "7")):
        r = layout.SETTINGS_FIRST_ROW + keys.index(key)
        rows[r - 1][0], rows[r - 1][2] = key, value
    options = read_settings(rows)
    assert (options.permutations, options.seed) == (499, 7)
    assert (Options().permutations, Options().seed) == (999, 0)
    r = layout.SETTINGS_FIRST_ROW + keys.index("seed")
    rows[r - 1][2] = 1.5
    with pytest.raises(InputError, match=f"Settings!C{r}: expected a whole number"):
        read_settings(rows)
    y = RNG.lognormal(0, 1, (31, 2))
    inputs = measures.DisparityInput(y, None, ["x"] * 31, options, SHORTS)
    expected = moran(y, china_queen(SHORTS), permutations=499, seed=7)
    np.testing.assert_array_equal(inputs.moran.values, expected.values)


def test_a_periods_p_is_the_same_alone_or_in_a_block():
    """Each period draws from a Generator of its own: the Convergence sheet's p for a year
    equals MORAN_I on that year alone with the same seed, whatever the other years hold."""
    rng = np.random.default_rng(3)
    w = china_queen()
    block = rng.lognormal(0, 1, (w.n, 3))
    together = moran(block, w, permutations=99, seed=5)
    for j in range(3):
        alone = moran(block[:, j], w, permutations=99, seed=5)
        assert alone["p"] == together["p"][j]
    block[:, 0] = np.nan  # an empty first year leaves the later years' p as they were
    assert (moran(block, w, permutations=99, seed=5)["p"][1:] == together["p"][1:]).all()

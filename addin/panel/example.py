"""A built-in example dataset for ``yangtze demo``: illustrative, not official statistics.

Made by a fixed formula (a starting level and a growth path per province, with a
little deterministic noise) so that magnitudes resemble the real provinces' yearbook
figures; the exchange rate is the official annual average (``addin/data``). A couple
of cells are left blank on purpose, to show gap filling on the Quality sheet.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .fx import official_fx
from .provinces import YANGTZE_REGIONS

YEARS = tuple(range(1993, 2023))
NOTICE = (
    "Example data: illustrative numbers made by a formula, NOT official statistics. "
    "示例数据：由公式生成的示意数字，并非官方统计数据。"
)

# Province: (GDP 1993 亿元, GDP growth, trade 1993 万美元, trade growth,
#            FIE 1993 百万美元, FIE growth, population 万人)
_PARAMS = {
    "上海": (1519, 0.125, 1_270_000, 0.125, 9_000, 0.14, 1300),
    "江苏": (2998, 0.135, 900_000, 0.150, 7_000, 0.16, 7000),
    "浙江": (1926, 0.130, 600_000, 0.150, 3_000, 0.16, 4300),
    "安徽": (1037, 0.125, 120_000, 0.150, 600, 0.19, 5900),
    "江西": (723, 0.125, 100_000, 0.140, 500, 0.17, 4000),
    "湖北": (1425, 0.125, 180_000, 0.120, 1_200, 0.15, 5700),
    "湖南": (1245, 0.125, 120_000, 0.130, 700, 0.16, 6300),
    "重庆": (600, 0.135, 70_000, 0.160, 600, 0.17, 3000),
    "四川": (1487, 0.125, 110_000, 0.150, 900, 0.16, 8200),
    "贵州": (417, 0.135, 30_000, 0.140, 150, 0.20, 3500),
    "云南": (784, 0.120, 80_000, 0.130, 300, 0.18, 4500),
}
_BLANKS = {("trade", "湖南", 2006), ("fie", "贵州", 2011)}


def example_dataset() -> dict[str, pd.DataFrame]:
    """Illustrative data in the template's default units: provinces × years per series.

    Keys: ``trade`` (万美元), ``fie`` (百万美元), ``gdp`` (亿元), ``population`` (万人),
    ``fx`` (one row, 元/美元).
    """
    rng = np.random.default_rng(20240601)
    t = np.arange(len(YEARS))
    out: dict[str, dict[str, np.ndarray]] = {k: {} for k in ("trade", "fie", "gdp", "population")}
    for province in (p for members in YANGTZE_REGIONS.values() for p in members):
        gdp0, g_gdp, tr0, g_tr, fie0, g_fie, pop = _PARAMS[province]
        noise = lambda scale: np.exp(np.cumsum(rng.normal(0, scale, len(YEARS))))  # noqa: E731
        out["gdp"][province] = np.round(gdp0 * (1 + g_gdp) ** t * noise(0.01), 2)
        out["trade"][province] = np.round(tr0 * (1 + g_tr) ** t * noise(0.06), 1)
        out["fie"][province] = np.round(fie0 * (1 + g_fie) ** t * noise(0.05), 0)
        out["population"][province] = np.round(pop * (1.004) ** t * noise(0.003), 0)
    frames = {k: pd.DataFrame(v, index=list(YEARS)).T for k, v in out.items()}
    for key, province, year in _BLANKS:
        frames[key].loc[province, year] = np.nan
    frames["fx"] = official_fx().reindex(YEARS).to_frame().T
    return frames

"""The choices that shape a computation, validated in one place.

The Settings sheet, the CLI and the Python API all end in an :class:`Options`; every
table records the options that produced it (:meth:`Options.describe`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal, get_args

from ..core.cells import is_count
from ..core.disparity import CENTRES, Centre
from ..core.growth import BASES, METHODS, PAPER_STAGES, Base, Method
from ..core.units import UNIT_MODES, UnitMode, parse_money_unit
from ..errors import InputError

BeltMode = Literal["mean", "sum"]
BELT_MODES: tuple[str, ...] = get_args(BeltMode)
Language = Literal["both", "zh", "en"]
LANGUAGES: tuple[str, ...] = get_args(Language)
PAPER_TABLE1_YEARS = (1993, 2000, 2005, 2010, 2014, 2022)
#: The plausibility bands (low, high) that Settings may override.
BANDS = ("fx_band", "gdp_per_person_band", "trade_gdp_band", "fie_gdp_band")


@dataclass(frozen=True)
class Options:
    """Computation options; defaults follow the paper where it is explicit.

    Attributes
    ----------
    table1_years : years shown in Table 1; its annual change runs from the first to the last.
    stages : (first, last) year of each growth stage (default: the paper's four).
    unit_mode : "converted" (one currency and magnitude) or "as_entered" (replication).
    output_unit : money unit of the converted mode (default 亿元); indices carry it.
    cv_centre : "mean" (simple mean, the paper's wording) or "weighted" (Williamson).
    cv_weighted : weight the CV by population shares (True) or not (plain CV).
    fill_gaps : fill interior gaps linearly in the year, listing each filled cell.
    belt : belt series as the "mean" of provinces' indices or the index of "sum"med amounts.
    growth_method : "cagr", "mean_yoy", "loglinear" or "change" for stage growth.
    stage_base : "own" (a stage's first year) or "previous" (the previous stage's last year).
    language : labels in "zh", "en" or "both".
    jump_ratio : a year-on-year change by more than this factor is flagged as suspicious.
    atkinson_epsilons : inequality aversions ε ≥ 0 of the Atkinson index, one Disparity
        column each (default 0.5).
    fx_band : plausible CNY per USD (low, high); rates outside are warned about.
    gdp_per_person_band : plausible GDP per person in 元 (low, high).
    trade_gdp_band, fie_gdp_band : plausible trade/GDP and FIE/GDP in one currency.
    outlier_ratio : a province whose trade/GDP or FIE/GDP is this many times off the year's
        median over the provinces is warned about (a power of ten typed into one row).
    series_ratio : a province whose trade/GDP stands this many times higher (or lower),
        relative to the year's median, than its FIE/GDP does is warned about: one of its two
        rows carries a power of ten (the real series stay within ×2.5).
    cells : where each option was read (``{"table1_years": "Settings!C4"}``), so a message
        can say which cell to change; empty when the options come from code. Not compared.
    permutations : random permutations behind the Convergence sheet's Moran p and the
        Disparity sheet's p of Theil's between-region share (0: no p).
    bootstrap_reps : bootstrap replicates behind the Disparity sheet's 95 % intervals
        (0: no intervals).
    seed : seed of the permutations and of the bootstrap: the same seed gives the same
        numbers.
    """

    table1_years: tuple[int, ...] = PAPER_TABLE1_YEARS
    stages: tuple[tuple[int, int], ...] = PAPER_STAGES
    unit_mode: UnitMode = "converted"
    output_unit: str = "亿元"
    cv_centre: Centre = "mean"
    cv_weighted: bool = True
    fill_gaps: bool = True
    belt: BeltMode = "mean"
    growth_method: Method = "cagr"
    stage_base: Base = "own"
    language: Language = "both"
    jump_ratio: float = 5.0
    atkinson_epsilons: tuple[float, ...] = (0.5,)
    fx_band: tuple[float, float] = (1.0, 20.0)
    gdp_per_person_band: tuple[float, float] = (200.0, 1_000_000.0)
    trade_gdp_band: tuple[float, float] = (0.005, 5.0)
    fie_gdp_band: tuple[float, float] = (0.005, 5.0)
    outlier_ratio: float = 30.0
    series_ratio: float = 3.5
    permutations: int = 999
    seed: int = 0
    bootstrap_reps: int = 999
    cells: Mapping[str, str] = field(default_factory=dict, compare=False, repr=False)

    def where(self, name: str) -> str:
        """The option's name and, when known, its cell: ``table1_years (Settings!C4)``.

        >>> Options(cells={"stages": "Settings!C5"}).where("stages")
        'stages (Settings!C5)'
        >>> Options().where("stages")
        'stages'
        """
        return f"{name} ({self.cells[name]})" if name in self.cells else name

    def __post_init__(self):
        choices = {
            "unit_mode": UNIT_MODES,
            "cv_centre": CENTRES,
            "belt": BELT_MODES,
            "growth_method": METHODS,
            "stage_base": BASES,
            "language": LANGUAGES,
        }
        for name, allowed in choices.items():
            if getattr(self, name) not in allowed:
                raise InputError(
                    f"{getattr(self, name)!r} is not one of {', '.join(allowed)}", name
                )
        parse_money_unit(self.output_unit, "output_unit")
        if len(self.table1_years) < 1 or list(self.table1_years) != sorted(set(self.table1_years)):
            raise InputError("Table 1 years must be distinct and increasing", "table1_years")
        for first, last in self.stages:
            if first >= last:
                raise InputError(
                    f"stage {first}–{last}: the first year must come before the last", "stages"
                )
        if not self.jump_ratio > 1:
            raise InputError("must be greater than 1", "jump_ratio")
        eps = self.atkinson_epsilons
        if not eps or not all(math.isfinite(e) and e >= 0 for e in eps) or len(set(eps)) < len(eps):
            raise InputError(
                "expected distinct numbers ε ≥ 0, such as 0.5, 1, 2", "atkinson_epsilons"
            )
        self._check_plausibility_settings()
        self._check_random_settings()

    def _check_random_settings(self) -> None:
        for name, low in (("permutations", 0), ("seed", 0), ("bootstrap_reps", 0)):
            value = getattr(self, name)
            if not is_count(value, low):
                raise InputError(f"expected a whole number from {low} to 1,000,000", name)
            object.__setattr__(self, name, int(value))  # 99.0 from code: the kernels want 99

    def _check_plausibility_settings(self) -> None:
        for name in ("outlier_ratio", "series_ratio"):
            if not getattr(self, name) > 1:
                raise InputError("must be greater than 1", name)
        for name in BANDS:
            low, high = getattr(self, name)
            if not 0 <= low < high:
                raise InputError(f"expected low-high with 0 ≤ low < high, got {low}-{high}", name)

    def _weights_text(self, has_population: bool) -> str:
        if not self.cv_weighted:
            return "none (plain CV) 无"
        if not has_population:
            return "population shares, but no population data: weighted measures empty 无人口数据"
        return "population shares 人口比重"

    def describe(self, has_population: bool = True) -> dict[str, str]:
        """The options as labelled text, for the notes under each table.

        ``has_population=False`` (no population data): the weights are described as not
        used, so no note claims weights that were not applied.
        """
        centre = (
            "simple mean 简单平均"
            if self.cv_centre == "mean"
            else "population-weighted mean 人口加权平均"
        )
        return {
            "unit mode 单位模式": "converted 统一换算"
            if self.unit_mode == "converted"
            else "as entered 按输入",
            "output unit 输出单位": self.output_unit
            if self.unit_mode == "converted"
            else "as entered 按输入",
            "CV weights 权重": self._weights_text(has_population),
            "CV centre 中心": centre,
            "gap filling 插值": "interior linear 内插" if self.fill_gaps else "off 关闭",
            "belt 全流域": "mean of provinces 省均值"
            if self.belt == "mean"
            else "index of summed amounts 总量指数",
            "growth 增长率": self.growth_method,
            "stage base 阶段基期": self.stage_base,
            "Atkinson ε 不平等厌恶": ", ".join(f"{e:g}" for e in self.atkinson_epsilons),
            "permutations 置换次数": f"{self.permutations}, seed 种子 {self.seed}",
            "bootstrap replicates 自助法次数": f"{self.bootstrap_reps}, seed 种子 {self.seed}",
        }

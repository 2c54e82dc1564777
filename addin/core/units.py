"""Units of the yearbook series and the two unit modes of METHOD.md.

Money series come in many magnitudes and two currencies (万美元, 千美元, 百万美元, 亿美元,
亿元, 万亿元, …). T, I and Z carry the unit of money, so:

- ``"converted"`` (default): every money series is converted to one output unit
  (亿元 unless chosen otherwise) with the annual average CNY/USD rate for USD amounts;
- ``"as_entered"`` (replication): numbers are used exactly as typed. The paper's levels
  come out when trade and FIE are entered in billions of USD (十亿美元) and GDP in 亿元.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Literal, get_args

import numpy as np
from numpy.typing import ArrayLike

from ..errors import UnitError

UnitMode = Literal["converted", "as_entered"]
UNIT_MODES: tuple[str, ...] = get_args(UnitMode)


@dataclass(frozen=True)
class MoneyUnit:
    """A currency and a magnitude: 万美元 is ``MoneyUnit("万美元", "USD", 1e4)``."""

    label: str
    currency: Literal["CNY", "USD"]
    scale: float


_MONEY = [
    MoneyUnit("元", "CNY", 1.0),
    MoneyUnit("千元", "CNY", 1e3),
    MoneyUnit("万元", "CNY", 1e4),
    MoneyUnit("百万元", "CNY", 1e6),
    MoneyUnit("亿元", "CNY", 1e8),
    MoneyUnit("十亿元", "CNY", 1e9),
    MoneyUnit("万亿元", "CNY", 1e12),
    MoneyUnit("美元", "USD", 1.0),
    MoneyUnit("千美元", "USD", 1e3),
    MoneyUnit("万美元", "USD", 1e4),
    MoneyUnit("百万美元", "USD", 1e6),
    MoneyUnit("亿美元", "USD", 1e8),
    MoneyUnit("十亿美元", "USD", 1e9),
]
MONEY_UNITS: dict[str, MoneyUnit] = {u.label: u for u in _MONEY}

_ALIASES = {
    "人民币元": "元",
    "cny": "元",
    "yuan": "元",
    "rmb": "元",
    "千元人民币": "千元",
    "1000cny": "千元",
    "thousandcny": "千元",
    "万元人民币": "万元",
    "10000cny": "万元",
    "10kcny": "万元",
    "cny10k": "万元",
    "millioncny": "百万元",
    "cnymillion": "百万元",
    "亿元人民币": "亿元",
    "100mcny": "亿元",
    "cny100m": "亿元",
    "100millioncny": "亿元",
    "billioncny": "十亿元",
    "cnybillion": "十亿元",
    "trillioncny": "万亿元",
    "cnytrillion": "万亿元",
    "usd": "美元",
    "dollar": "美元",
    "dollars": "美元",
    "usdollar": "美元",
    "1000usd": "千美元",
    "thousandusd": "千美元",
    "1kusd": "千美元",
    "usd1000": "千美元",
    "usdthousand": "千美元",
    "10000usd": "万美元",
    "10kusd": "万美元",
    "usd10k": "万美元",
    "usd10000": "万美元",
    "millionusd": "百万美元",
    "usdmillion": "百万美元",
    "usdmn": "百万美元",
    "100musd": "亿美元",
    "usd100m": "亿美元",
    "100millionusd": "亿美元",
    "billionusd": "十亿美元",
    "usdbillion": "十亿美元",
    "usdbn": "十亿美元",
}

POPULATION_UNITS: dict[str, float] = {"人": 1.0, "万人": 1e4, "百万人": 1e6, "亿人": 1e8}
_POP_ALIASES = {
    "persons": "人",
    "person": "人",
    "10000persons": "万人",
    "10kpersons": "万人",
    "millionpersons": "百万人",
}

FX_UNITS: dict[str, float] = {"元/美元": 1.0, "元/100美元": 100.0}
_FX_ALIASES = {
    "cny/usd": "元/美元",
    "cnyperusd": "元/美元",
    "元每美元": "元/美元",
    "cny/100usd": "元/100美元",
    "cnyper100usd": "元/100美元",
    "元/百美元": "元/100美元",
}


def normalise_label(text: object) -> str:
    """Canonical spelling of a unit cell: NFKC, no spaces or brackets, lower case."""
    s = unicodedata.normalize("NFKC", str(text)).strip().lower()
    return re.sub(r"[\s()\[\]（）【】:：_\-]+", "", s)


def _lookup(text: object, table: dict, aliases: dict, what: str, where: str | None):
    if text is None or (isinstance(text, float) and np.isnan(text)) or str(text).strip() == "":
        raise UnitError(f"the {what} unit cell is empty; write one of {', '.join(table)}", where)
    key = normalise_label(text)
    for label in table:
        if normalise_label(label) == key:
            return table[label]
    if key in aliases:
        return table[aliases[key]]
    raise UnitError(f"unknown {what} unit {str(text)!r}; expected one of {', '.join(table)}", where)


def parse_money_unit(text: object, where: str | None = None) -> MoneyUnit:
    """Read a money unit cell (Chinese or English spelling) or raise :class:`UnitError`."""
    return _lookup(text, MONEY_UNITS, _ALIASES, "money", where)


def parse_population_unit(text: object, where: str | None = None) -> float:
    """Persons per unit of a population cell (万人 → 10000)."""
    return _lookup(text, POPULATION_UNITS, _POP_ALIASES, "population", where)


def parse_fx_unit(text: object, where: str | None = None) -> float:
    """Divisor that turns the exchange-rate cells into CNY per USD (元/100美元 → 100)."""
    return _lookup(text, FX_UNITS, _FX_ALIASES, "exchange-rate", where)


def conversion_factor(
    src: MoneyUnit, dst: MoneyUnit, cny_per_usd: ArrayLike = np.nan
) -> np.ndarray:
    """Multiplier taking amounts in ``src`` to ``dst``; uses the CNY/USD rate across currencies.

    Examples: 万美元 → 亿元 at 6.7261 is 6.7261 × 1e4 / 1e8 = 6.7261e-4;
    亿元 → 亿美元 at 6.7261 is 1 / 6.7261.
    """
    factor = np.asarray(src.scale / dst.scale, dtype=float)
    rate = np.asarray(cny_per_usd, dtype=float)
    if src.currency == dst.currency:
        return factor
    return factor * rate if src.currency == "USD" else factor / rate

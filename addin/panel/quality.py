"""The kinds of entry on the Quality sheet, each with its level, and the entry itself.

Every entry says how serious it is: ``error`` (a mistake in the data: the value is not
used), ``warning`` (used, but doubtful: check it) or ``info`` (what the tool did). The level
belongs to the kind, so it is defined here once and read as ``record.level``.

>>> QualityKind.JUMP.level, QualityKind.FILLED.level, QualityKind("header").level
('warning', 'info', 'error')
>>> QualityRecord("jump", "gdp", "上海", 2001, "GDP!K5", "×12").level
'warning'
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

#: The levels, most serious first.
LEVELS = ("error", "warning", "info")


class QualityKind(str, Enum):
    """What a Quality entry is about; its value is the text shown in the Kind column.

    A ``str`` enum, so ``QualityKind.FILLED == "filled"`` and a record may be made with
    the text.
    """

    def __new__(cls, text: str, level: str) -> QualityKind:
        member = str.__new__(cls, text)
        member._value_ = text
        member.level = level
        return member

    # errors: a mistake in the data; the value is not used
    TEXT = "text", "error"  #: text in a data cell (never filled)
    ERROR_VALUE = "error-value", "error"  #: an Excel error value such as #N/A
    HEADER = "header", "error"  #: a year header that is not a year
    NON_POSITIVE = "non-positive", "error"  #: zero or negative where only positives make sense
    DUPLICATE = "duplicate", "error"  #: a province or year given twice (the first is used)
    UNMAPPED = "unmapped", "error"  #: a province not in the Regions mapping
    INDEX = "index", "error"  #: Z not computed for a reason other than missing input
    # warnings: used, but doubtful
    PLAUSIBILITY = "plausibility", "warning"  #: outside a plausible band (a unit slip?)
    JUMP = "jump", "warning"  #: a year-on-year change beyond the jump ratio
    UNIT = "unit", "warning"  #: a unit cell that looks wrong, or a unit change in the numbers
    ORDER = "order", "warning"  #: year headers neither ascending nor descending
    SETTINGS = "settings", "warning"  #: a setting asks for years the data do not have
    NO_POPULATION = "no-population", "warning"  #: no population at all: weighted measures empty
    # information: what the tool did
    FILLED = "filled", "info"  #: a gap filled by interpolation
    MISSING = "missing", "info"  #: values absent (per province and series)
    CONVERTED = "converted", "info"  #: a unit conversion
    NUMERIC_TEXT = "numeric-text", "info"  #: a number typed as text, read as the number
    PLACEHOLDER = "placeholder", "info"  #: a no-data mark such as — or n/a
    COVERAGE = "coverage", "info"  #: a province left out of a mean or weighted measure
    NOTE = "note", "info"  #: anything else worth knowing (hidden rows, merged cells, …)

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True)
class QualityRecord:
    """One entry of the data-quality report.

    ``kind`` is a :class:`QualityKind` (its text is accepted and converted); ``where`` is a
    cell address such as ``"GDP!D7"`` when one applies. ``level`` is the kind's level.
    """

    kind: QualityKind
    series: str
    province: str | None
    year: int | None
    where: str | None
    detail: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "kind", QualityKind(self.kind))

    @property
    def level(self) -> str:
        """``error``, ``warning`` or ``info``: how serious the entry is."""
        return self.kind.level

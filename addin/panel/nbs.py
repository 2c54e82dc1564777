"""Reader for the CSV export of the NBS data portal's 分省年度数据 (annual data by province).

An export from data.stats.gov.cn, "by region" layout (地区 in rows, 时间 in columns),
looks like this (GBK, CRLF)::

    数据库：分省年度数据
    指标：地区生产总值(亿元)
    时间：最近20年
    地区,2024年,2023年,…,2006年
    北京市,49670.2,47353.7,…,8618.9
    …
    新疆维吾尔自治区,20492.4,…
    注：按照我国国民经济核算数据修订制度…
    数据来源：国家统计局

The lines before the header row (``key：value``, full-width or ASCII colon) are optional.
The reader accepts UTF-8 (with or without BOM) and GBK/GB18030, CRLF, LF or CR line
ends, years in either order, blank cells (missing values), and lines padded with
trailing commas (as Excel writes them when it saves the file again).

How rows after the header are classified:

* a row whose first cell names one of the 31 provinces (any spelling
  :func:`~addin.panel.provinces.match_province` knows) is data;
* a row naming Hong Kong, Macao or Taiwan is skipped: it is neither data nor in
  :attr:`NbsExport.unmatched`, which is kept for labels the reader could not identify;
* the footer starts at the first line that begins with 注, 数据来源, 资料来源, 说明, 备注,
  a note number (``1.``, ``2、``, ``(3)``) or a full-width space (U+3000); it and every
  later line go to :attr:`NbsExport.notes`, stripped of surrounding whitespace;
* a line without any comma that names no region is a note as well;
* any other row is a data row for an unknown region: its label goes to
  :attr:`NbsExport.unmatched` and its values are dropped.

A value cell is blank (missing), a plain number in ASCII digits (``48594.5``, ``-1``,
``1e+16``) or a number with thousands separators (``"48,594.5"``, quoted in the CSV). Anything else
becomes NaN and a message in :attr:`NbsExport.problems`.
"""

from __future__ import annotations

import csv
import os
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import FileRejected, InputError
from .provinces import match_non_mainland, match_province

MAX_BYTES = 20 * 1024 * 1024
"""Larger files are rejected: a 分省年度数据 export is a few kilobytes."""

_WANTED_LAYOUT = (
    "export 分省年度数据 with 地区 (regions) in rows and 时间 (years) in columns, "
    "one 指标 (indicator) per file"
)
_TRANSPOSED = {
    "指标": "this export has 指标 (indicators) in rows",
    "时间": "this export has 时间 (years) in rows",
}
_META = re.compile(r"([^\s,：:]{1,12})\s*[：:]\s*(.*)")
_UNIT = re.compile(r"(.*?)\s*[(（]([^()（）]*)[)）]\s*")
_YEAR = re.compile(r"(\d{4})\s*年?", re.ASCII)
_NOTE_START = re.compile(r"(注|数据来源|资料来源|说明|备注|\d+\s*[.．、]|[(（]\d+[)）])")
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?", re.ASCII)
_GROUPED = re.compile(r"[+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?", re.ASCII)
_LINE_BREAK = re.compile(r"\r\n|\r|\n")

_DERIVED = ("人均", "指数", "增长", "增速", "比重", "构成", "占", "percapita", "index", "growth")
"""Words that make an indicator a ratio, rate or index rather than the level itself."""

SERIES_INDICATORS: tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...] = (
    ("gdp", ("生产总值", "gdp"), ()),
    ("trade", ("进出口总额", "进出口总值"), ("外商投资企业", "外资企业", "差额", "依存度")),
    ("fie", ("外商投资企业投资总额", "外资企业投资总额"), ()),
    (
        "population",
        ("常住人口", "总人口", "population"),
        ("城镇", "乡村", "农村", "密度", "urban", "rural"),
    ),
    ("fx", ("人民币对美元", "人民币兑美元", "美元兑人民币"), ()),
)
"""``(series key, any of these words, none of these words)``, matched in this order.

Words are compared after NFKC normalisation, removing whitespace and case folding; the
words in ``_DERIVED`` exclude every series."""


@dataclass
class NbsExport:
    """The content of one 分省年度数据 export.

    Attributes
    ----------
    source : str
        File name, used in messages.
    database : str or None
        The ``数据库`` line (``"分省年度数据"``), None when the export has none.
    indicator : str
        The ``指标`` line without its unit (``"地区生产总值"``); ``""`` when the export has
        no ``指标`` line.
    unit : str or None
        The unit in the trailing parentheses of the ``指标`` line (``"亿元"``); None when
        there are none.
    values : pandas.DataFrame
        Index: short province names in file order; columns: years (int) ascending;
        float values, NaN for blank or unreadable cells.
    unmatched : list of str
        Labels of data rows that name no known region (for example ``"全国"``), as written.
    notes : list of str
        Footer lines (注, numbered notes, 数据来源), stripped of surrounding whitespace.
    problems : list of str
        Cells and rows that were read as missing or ignored, one message each.
    """

    source: str
    database: str | None
    indicator: str
    unit: str | None
    values: pd.DataFrame
    unmatched: list[str]
    notes: list[str]
    problems: list[str]


def series_for_indicator(indicator: str) -> str | None:
    """The data series an NBS indicator supplies.

    Parameters
    ----------
    indicator : str
        Indicator name, with or without its unit (``"地区生产总值"``,
        ``"经营单位所在地进出口总额(千美元)"``).

    Returns
    -------
    str or None
        ``"gdp"``, ``"trade"``, ``"fie"``, ``"population"`` or ``"fx"`` (see
        :data:`SERIES_INDICATORS`); None for any other indicator, and for ratios, rates and
        indices of these (人均地区生产总值, 地区生产总值指数).
    """
    key = re.sub(r"\s+", "", unicodedata.normalize("NFKC", indicator)).casefold()
    if any(word in key for word in _DERIVED):
        return None
    for series, wanted, unwanted in SERIES_INDICATORS:
        if any(w in key for w in wanted) and not any(w in key for w in unwanted):
            return series
    return None


def read_nbs_export(path: str | os.PathLike | bytes, name: str | None = None) -> NbsExport:
    """Read a 分省年度数据 CSV export in the "by region" layout.

    Parameters
    ----------
    path : str, os.PathLike or bytes
        Path of the file, or the file's content as bytes.
    name : str, optional
        Name to report in messages and :attr:`NbsExport.source`; defaults to the file
        name of ``path``, or ``"NBS export"`` for bytes.

    Returns
    -------
    NbsExport

    Raises
    ------
    FileRejected
        When the file is larger than :data:`MAX_BYTES`.
    InputError
        When the file cannot be read, is empty or binary, is in neither UTF-8 nor GBK, has
        no ``地区`` header row or no year columns, is in a transposed layout, names a
        province twice, or has no province row. The message names the file and the line.
    """
    source, raw = _load(path, name)
    return _parse(_LINE_BREAK.split(_decode(raw, source)), source)


def _load(path: str | os.PathLike | bytes, name: str | None) -> tuple[str, bytes]:
    if isinstance(path, bytes):
        source = name or "NBS export"
        size = len(path)
    else:
        source = name or Path(path).name
        try:
            size = os.stat(path).st_size
        except OSError as e:
            raise InputError(f"cannot read the file ({e.strerror})", where=source) from e
    if size > MAX_BYTES:
        raise FileRejected(
            f"{source}: {size / 2**20:.1f} MB is too large for an NBS CSV export "
            f"(limit {MAX_BYTES // 2**20} MB)"
        )
    if isinstance(path, bytes):
        return source, path
    try:
        return source, Path(path).read_bytes()
    except OSError as e:
        raise InputError(f"cannot read the file ({e.strerror})", where=source) from e


def _decode(raw: bytes, source: str) -> str:
    if b"\x00" in raw:
        raise InputError("not an NBS CSV export (binary content)", where=source)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = raw.decode("gb18030")
        except UnicodeDecodeError as e:
            raise InputError(
                "not an NBS CSV export (the text is neither UTF-8 nor GBK)", where=source
            ) from e
    if not text.strip():
        raise InputError("not an NBS CSV export (the file is empty)", where=source)
    return text


def _cells(line: str) -> list[str]:
    return [cell.strip() for cell in next(csv.reader([line]))]


def _number(cell: str) -> float | None:
    """The value of a numeric cell, NaN for a blank one, None for anything else."""
    if not cell:
        return np.nan
    if _NUMBER.fullmatch(cell):
        return float(cell)
    if _GROUPED.fullmatch(cell):
        return float(cell.replace(",", ""))
    return None


def _header_years(cells: list[str], lineno: int, source: str) -> list[int]:
    """Years of the header row's columns after 地区, in file order."""
    while cells and not cells[-1]:
        cells = cells[:-1]
    matches = [_YEAR.fullmatch(cell) for cell in cells[1:]]
    if not any(matches):
        raise InputError(
            f"line {lineno}: no year columns in the header row {','.join(cells[:4])!r}; "
            + _WANTED_LAYOUT,
            where=source,
        )
    years: list[int] = []
    for column, (cell, match) in enumerate(zip(cells[1:], matches, strict=True), start=2):
        if match is None:
            raise InputError(
                f"line {lineno}: column {column} of the header row, {cell!r}, is not a year "
                "like 2024年",
                where=source,
            )
        year = int(match.group(1))
        if year in years:
            raise InputError(f"line {lineno}: year {year} appears twice", where=source)
        years.append(year)
    return years


def _parse(lines: list[str], source: str) -> NbsExport:
    """Read the lines of an export: metadata, the header row, then province rows and notes."""
    reader = _Reader(source)
    for lineno, line in enumerate(lines, start=1):
        cells = _cells(line) if line.strip() else []
        if any(cells):
            reader.read(lineno, line, cells)
    return reader.export(lines)


@dataclass
class _Reader:
    """The state of :func:`_parse`, one method per kind of line."""

    source: str
    meta: dict[str, str] = field(default_factory=dict)
    header: list[str] | None = None
    years: list[int] = field(default_factory=list)
    rows: dict[str, list[float]] = field(default_factory=dict)
    row_lines: dict[str, int] = field(default_factory=dict)
    unmatched: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    in_footer: bool = False

    def read(self, lineno: int, line: str, cells: list[str]) -> None:
        if self.header is None:
            self._before_header(lineno, line, cells)
        else:
            self._body(lineno, line, cells)

    def _before_header(self, lineno: int, line: str, cells: list[str]) -> None:
        """Metadata (数据库：…, 指标：…) until the header row 地区,2024年,…"""
        label = cells[0]
        meta_match = _META.fullmatch(",".join(c for c in cells if c))
        if meta_match:
            self.meta[meta_match.group(1)] = meta_match.group(2).strip()
            return
        if label in _TRANSPOSED:
            raise InputError(
                f"line {lineno}: {_TRANSPOSED[label]}; {_WANTED_LAYOUT}", where=self.source
            )
        if label != "地区":
            raise InputError(
                f"line {lineno}: expected the header row 地区,2024年,2023年,… of a "
                f"分省年度数据 export, found {line.strip()[:60]!r}",
                where=self.source,
            )
        self.years = _header_years(cells, lineno, self.source)
        self.header = cells[1 : len(self.years) + 1]

    def _body(self, lineno: int, line: str, cells: list[str]) -> None:
        """A province row, a note of the footer, or a row that is left out (and said so)."""
        label = cells[0]
        province = match_province(label)
        if self.in_footer or (
            province is None and (_NOTE_START.match(label) or line.startswith("\u3000"))
        ):
            self.in_footer = True
            self.notes.append(",".join(c for c in cells if c))
        elif province is None and match_non_mainland(label) is not None:
            pass
        elif province is None and len(cells) == 1:
            self.notes.append(label)
        elif not label:
            self.problems.append(f"line {lineno}: a row without a region name was ignored")
        elif province is None:
            self.unmatched.append(label)
        else:
            self._province_row(lineno, label, province, cells)

    def _province_row(self, lineno: int, label: str, province: str, cells: list[str]) -> None:
        if province in self.rows:
            raise InputError(
                f"line {lineno}: {label} appears twice (also line {self.row_lines[province]})",
                where=self.source,
            )
        n = len(self.years)
        padded = cells[1:] + [""] * (n + 1 - len(cells))
        extra = [cell for cell in padded[n:] if cell]
        if extra:
            self.problems.append(
                f"row {label}: {len(extra)} value(s) after the last year column were ignored"
            )
        row = []
        for column, cell in zip(self.header, padded[:n], strict=True):
            value = _number(cell)
            if value is None:
                self.problems.append(f"row {label}, column {column}: {cell!r} is not a number")
                value = np.nan
            row.append(value)
        self.rows[province] = row
        self.row_lines[province] = lineno

    def export(self, lines: list[str]) -> NbsExport:
        """The export read, or :class:`InputError` when it has no header or no province."""
        if self.header is None:
            last = max(n for n, line in enumerate(lines, start=1) if line.strip())
            raise InputError(
                f"line {last}: the file ends without the header row 地区,2024年,2023年,…; "
                "not an NBS 分省年度数据 export",
                where=self.source,
            )
        if not self.rows:
            found = (
                f" (row labels found: {', '.join(self.unmatched[:5])})" if self.unmatched else ""
            )
            raise InputError(f"no row names one of the 31 provinces{found}", where=self.source)
        values = pd.DataFrame(
            list(self.rows.values()),
            index=pd.Index(list(self.rows), name="province"),
            columns=pd.Index(self.years, dtype="int64", name="year"),
            dtype="float64",
        ).sort_index(axis=1)
        indicator, unit = self.meta.get("指标", ""), None
        unit_match = _UNIT.fullmatch(indicator)
        if unit_match:
            indicator, unit = unit_match.group(1), unit_match.group(2).strip() or None
        return NbsExport(
            source=self.source,
            database=self.meta.get("数据库"),
            indicator=indicator,
            unit=unit,
            values=values,
            unmatched=self.unmatched,
            notes=self.notes,
            problems=self.problems,
        )

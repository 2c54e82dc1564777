"""Tests of the reader for NBS 分省年度数据 CSV exports."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from addin.errors import FileRejected, InputError
from addin.panel import nbs
from addin.panel.nbs import read_nbs_export, series_for_indicator
from addin.panel.provinces import PROVINCES

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
NBS_ORDER = [p.short for p in PROVINCES]


def _real(name: str) -> Path:
    if not DATA.is_dir():
        pytest.skip("../shared/data not present (it is not part of a user's clone)")
    return DATA / name


def _write(path: Path, lines: list[str], encoding: str = "gbk", newline: str = "\r\n") -> Path:
    path.write_bytes(newline.join(lines).encode(encoding) + newline.encode())
    return path


# --- the two real exports ---------------------------------------------------------------


def test_real_gdp_export() -> None:
    export = read_nbs_export(_real("nbs_export_gdp_gbk.csv"))
    assert export.source == "nbs_export_gdp_gbk.csv"
    assert export.database == "分省年度数据"
    assert export.indicator == "地区生产总值"
    assert export.unit == "亿元"
    assert series_for_indicator(export.indicator) == "gdp"
    assert list(export.values.index) == NBS_ORDER
    assert list(export.values.columns) == list(range(2006, 2025))
    assert export.values.dtypes.eq("float64").all()
    assert export.values.loc["上海", 2022] == 48594.5
    assert export.values.loc["北京", 2024] == 49670.2
    assert export.values.loc["新疆", 2006] == 2984.5
    assert not export.values.isna().any().any()
    assert export.unmatched == [] and export.problems == []
    assert export.notes[-1] == "数据来源：国家统计局"
    assert export.notes[0].startswith("注：按照我国国民经济核算数据修订制度")
    assert len(export.notes) == 2


def test_real_employment_export() -> None:
    export = read_nbs_export(_real("nbs_export_employment_gbk.csv"))
    assert export.indicator == "城镇单位就业人员"
    assert export.unit == "万人"
    assert series_for_indicator(export.indicator) is None
    assert list(export.values.index) == NBS_ORDER
    assert list(export.values.columns) == list(range(2006, 2026))
    for year in (2025, 2007, 2006):
        assert export.values[year].isna().all()
    assert export.values.drop(columns=[2025, 2007, 2006]).notna().all().all()
    assert export.values.loc["江苏", 2012] == 830.9
    assert export.values.loc["江苏", 2013] == 1503.3
    assert export.notes == [
        "注：1.全国就业人员1990年及以后的数据根据劳动力调查、人口普查推算，"
        "2001年及以后数据根据第六次人口普查数据重新修订。",
        "2.城镇单位数据不含私营单位。",
        "3.2012年行业采用新的分类标准，与前期不可比。",
        "数据来源：国家统计局",
    ]
    assert export.unmatched == [] and export.problems == []


def test_bytes_and_path_give_the_same_export() -> None:
    path = _real("nbs_export_gdp_gbk.csv")
    from_path = read_nbs_export(path)
    from_bytes = read_nbs_export(path.read_bytes(), name="upload.csv")
    assert from_bytes.source == "upload.csv"
    assert read_nbs_export(path.read_bytes()).source == "NBS export"
    pd.testing.assert_frame_equal(from_bytes.values, from_path.values)
    assert (from_bytes.indicator, from_bytes.unit, from_bytes.notes) == (
        from_path.indicator,
        from_path.unit,
        from_path.notes,
    )


def test_real_export_reencoded_as_utf8_reads_the_same(tmp_path: Path) -> None:
    path = _real("nbs_export_employment_gbk.csv")
    utf8 = tmp_path / "utf8.csv"
    utf8.write_bytes(path.read_bytes().decode("gbk").replace("\r\n", "\n").encode("utf-8"))
    pd.testing.assert_frame_equal(read_nbs_export(utf8).values, read_nbs_export(path).values)
    assert read_nbs_export(utf8).notes == read_nbs_export(path).notes


# --- hand-made exports -------------------------------------------------------------------


def test_hand_made_utf8_bom_lf_ascending(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "trade.csv",
        [
            "数据库:分省年度数据",
            "指标:经营单位所在地进出口总额(千美元)",
            "时间:2020-2022",
            "地区,2020年,2021年,2022年",
            "上海市,1.5,2,3e3",
            "香港特别行政区,9,9,9",
            "全国,100,200,300",
            "江苏省,,-4,文本",
            "注:测试",
        ],
        encoding="utf-8-sig",
        newline="\n",
    )
    export = read_nbs_export(path)
    assert export.database == "分省年度数据"
    assert export.indicator == "经营单位所在地进出口总额"
    assert export.unit == "千美元"
    assert series_for_indicator(export.indicator) == "trade"
    expected = pd.DataFrame(
        [[1.5, 2.0, 3000.0], [np.nan, -4.0, np.nan]],
        index=pd.Index(["上海", "江苏"], name="province"),
        columns=pd.Index([2020, 2021, 2022], name="year"),
    )
    pd.testing.assert_frame_equal(export.values, expected)
    # Hong Kong is recognised and skipped; only unidentified labels are "unmatched".
    assert export.unmatched == ["全国"]
    assert export.problems == ["row 江苏省, column 2022年: '文本' is not a number"]
    assert export.notes == ["注:测试"]


def test_full_width_parentheses_and_nested_qualifier(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "fie.csv",
        ["指标：外商投资企业投资总额(年底数)（百万美元）", "地区,2015年", "安徽省,106486"],
    )
    export = read_nbs_export(path)
    assert export.indicator == "外商投资企业投资总额(年底数)"
    assert export.unit == "百万美元"
    assert series_for_indicator(export.indicator) == "fie"
    assert export.database is None


def test_without_header_lines_or_unit(tmp_path: Path) -> None:
    export = read_nbs_export(_write(tmp_path / "bare.csv", ["地区,2024", "上海,1"], newline="\r"))
    assert export.indicator == ""
    assert export.unit is None
    assert export.values.loc["上海", 2024] == 1.0


def test_resaved_by_excel_padding_and_thousands_separators(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "excel.csv",
        [
            "数据库：分省年度数据,,",
            "指标：地区生产总值(亿元),,",
            ",,",
            "地区,2023年,2022年",
            '上海市,"51,404.5","48,594.5"',
            "浙江省,85619.6,",
            ",,",
            '"注：甲,乙",,',
            "数据来源：国家统计局,,",
        ],
    )
    export = read_nbs_export(path)
    assert export.indicator == "地区生产总值"
    assert export.values.loc["上海", 2022] == 48594.5
    assert export.values.loc["上海", 2023] == 51404.5
    assert math.isnan(export.values.loc["浙江", 2022])
    assert export.notes == ["注：甲,乙", "数据来源：国家统计局"]
    assert export.problems == []


def test_ragged_rows(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "ragged.csv",
        ["地区,2022年,2021年", "上海市,1", "江苏省,1,2,3", ",4,5", "浙江省,1,2,,"],
    )
    export = read_nbs_export(path)
    assert export.values.loc["上海", 2022] == 1.0
    assert math.isnan(export.values.loc["上海", 2021])
    assert export.values.loc["浙江"].tolist() == [2.0, 1.0]
    assert list(export.values.index) == ["上海", "江苏", "浙江"]
    assert export.problems == [
        "row 江苏省: 1 value(s) after the last year column were ignored",
        "line 4: a row without a region name was ignored",
    ]


@pytest.mark.parametrize("cell", ["…", "-", "nan", "inf", "1,2", "1 000", "１２", "0x10"])
def test_text_values_are_missing_with_a_problem(tmp_path: Path, cell: str) -> None:
    path = _write(tmp_path / "text.csv", ["地区,2019年", f'上海市,"{cell}"'])
    export = read_nbs_export(path)
    assert math.isnan(export.values.loc["上海", 2019])
    assert export.problems == [f"row 上海市, column 2019年: {cell!r} is not a number"]


def test_free_text_line_without_commas_is_a_note(tmp_path: Path) -> None:
    path = _write(tmp_path / "n.csv", ["地区,2019年", "上海市,1", "本表为初步数", "江苏省,2"])
    export = read_nbs_export(path)
    assert export.notes == ["本表为初步数"]
    assert list(export.values.index) == ["上海", "江苏"]


# --- rejected files ----------------------------------------------------------------------


@pytest.mark.parametrize("content", [b"", b"\r\n\r\n", b"\xef\xbb\xbf", b"   \n"])
def test_empty_file(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "empty.csv"
    path.write_bytes(content)
    with pytest.raises(InputError, match=r"^empty\.csv: not an NBS CSV export"):
        read_nbs_export(path)


@pytest.mark.parametrize(
    "content",
    [bytes(range(256)) * 4, b"PK\x03\x04\x14\x00\x06\x00", "地区,2024年".encode("utf-16")],
)
def test_binary_file(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "junk.xlsx"
    path.write_bytes(content)
    with pytest.raises(InputError, match=r"^junk\.xlsx: not an NBS CSV export"):
        read_nbs_export(path)


def test_undecodable_text() -> None:
    with pytest.raises(InputError, match="neither UTF-8 nor GBK"):
        read_nbs_export(b"\xff\xfe\xfd abc", name="x.csv")


def test_missing_header(tmp_path: Path) -> None:
    path = _write(tmp_path / "nohead.csv", ["数据库：分省年度数据", "上海市,1,2", "江苏省,3,4"])
    with pytest.raises(InputError, match=r"^nohead\.csv: line 2: expected the header row 地区"):
        read_nbs_export(path)


def test_only_header_lines(tmp_path: Path) -> None:
    path = _write(tmp_path / "meta.csv", ["数据库：分省年度数据", "指标：地区生产总值(亿元)"])
    with pytest.raises(
        InputError, match=r"^meta\.csv: line 2: the file ends without the header row 地区"
    ):
        read_nbs_export(path)


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        (
            [
                "数据库：分省年度数据",
                "地区：上海市",
                "时间：最近5年",
                "指标,2024年,2023年",
                "地区生产总值(亿元),1,2",
            ],
            r"line 4: this export has 指标 \(indicators\) in rows; export 分省年度数据 with 地区",
        ),
        (
            ["指标：地区生产总值(亿元)", "时间,北京市,天津市", "2024年,1,2"],
            r"line 2: this export has 时间 \(years\) in rows",
        ),
        (
            ["时间：2022年", "地区,地区生产总值(亿元),年末常住人口(万人)", "上海市,1,2"],
            r"line 2: no year columns in the header row .*时间 \(years\) in columns",
        ),
        (["地区", "上海市"], r"line 1: no year columns"),
        (
            ["地区,2024年,备注", "上海市,1,2"],
            r"line 1: column 3 of the header row, '备注', is not a year",
        ),
        (["地区,2024年,2024年", "上海市,1,2"], r"line 1: year 2024 appears twice"),
        (["地区,2024年", "上海市,1", "上海,2"], r"line 3: 上海 appears twice \(also line 2\)"),
        (
            ["地区,2024年", "全国,1", "香港,2"],
            r"no row names one of the 31 provinces \(row labels found: 全国\)",
        ),
    ],
)
def test_layout_errors_name_file_and_line(tmp_path: Path, lines: list[str], message: str) -> None:
    with pytest.raises(InputError, match=r"^bad\.csv: " + message):
        read_nbs_export(_write(tmp_path / "bad.csv", lines))


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"^gone\.csv: cannot read the file"):
        read_nbs_export(tmp_path / "gone.csv")


def test_too_large(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert nbs.MAX_BYTES == 20 * 1024 * 1024
    path = _write(tmp_path / "big.csv", ["地区,2024年", "上海市,1"])
    monkeypatch.setattr(nbs, "MAX_BYTES", 10)
    with pytest.raises(FileRejected, match=r"^big\.csv: .*too large"):
        read_nbs_export(path)
    with pytest.raises(FileRejected):
        read_nbs_export(path.read_bytes())


# --- indicators --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("indicator", "series"),
    [
        ("地区生产总值", "gdp"),
        ("地区生产总值(亿元)", "gdp"),
        ("生产总值", "gdp"),
        ("GDP", "gdp"),
        ("gdp (100 million yuan)", "gdp"),
        ("进出口总额", "trade"),
        ("经营单位所在地进出口总额", "trade"),
        ("货物进出口总额", "trade"),
        ("按经营单位所在地分货物进出口总额(千美元)", "trade"),
        ("外商投资企业投资总额", "fie"),
        ("外商投资企业投资总额(年底数)", "fie"),
        ("年末常住人口", "population"),
        ("年末总人口", "population"),
        ("常住人口", "population"),
        ("总人口", "population"),
        ("人民币对美元汇率(年平均价)", "fx"),
        ("城镇单位就业人员", None),
        ("人均地区生产总值", None),
        ("地区生产总值指数(上年=100)", None),
        ("人均GDP", None),
        ("外商投资企业进出口总额", None),
        ("外商投资企业注册资本", None),
        ("出口总额", None),
        ("城镇人口", None),
        ("常住人口城镇化率", None),
        ("人口密度", None),
        ("人民币对欧元汇率", None),
        ("", None),
    ],
)
def test_series_for_indicator(indicator: str, series: str | None) -> None:
    assert series_for_indicator(indicator) == series


# --- round trip --------------------------------------------------------------------------


@st.composite
def _tables(draw: st.DrawFn) -> tuple[list, list[int], list[list[float]], str]:
    provinces = draw(st.lists(st.sampled_from(PROVINCES), min_size=1, max_size=31, unique=True))
    years = draw(st.lists(st.integers(1949, 2030), min_size=1, max_size=25, unique=True))
    cell = st.floats(allow_infinity=False)
    rows = draw(
        st.lists(
            st.lists(cell, min_size=len(years), max_size=len(years)),
            min_size=len(provinces),
            max_size=len(provinces),
        )
    )
    spelling = draw(st.sampled_from(["full", "short", "english"]))
    return provinces, years, rows, spelling


@settings(max_examples=150, deadline=None)
@given(_tables(), st.booleans())
def test_round_trip(
    table: tuple[list, list[int], list[list[float]], str], header_lines: bool
) -> None:
    provinces, years, rows, spelling = table
    lines = (
        ["数据库：分省年度数据", "指标：地区生产总值(亿元)", "时间：最近20年"]
        if header_lines
        else []
    )
    lines.append(",".join(["地区", *(f"{y}年" for y in years)]))
    for province, row in zip(provinces, rows, strict=True):
        cells = ["" if math.isnan(v) else repr(v) for v in row]
        lines.append(",".join([getattr(province, spelling), *cells]))
    lines += ["注：测试", "数据来源：国家统计局"]
    content = ("\r\n".join(lines) + "\r\n").encode("gbk")

    export = read_nbs_export(content, name="roundtrip.csv")

    expected = pd.DataFrame(
        rows,
        index=pd.Index([p.short for p in provinces], name="province"),
        columns=pd.Index(years, dtype="int64", name="year"),
        dtype="float64",
    ).sort_index(axis=1)
    pd.testing.assert_frame_equal(export.values, expected, check_exact=True)
    assert export.problems == [] and export.unmatched == []
    assert export.notes == ["注：测试", "数据来源：国家统计局"]

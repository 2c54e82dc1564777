"""Tests of the province table and name matching."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from addin.errors import InputError
from addin.panel.provinces import (
    ALIASES,
    NON_MAINLAND,
    PROVINCES,
    REGION_ENGLISH,
    YANGTZE_PROVINCES,
    YANGTZE_REGIONS,
    english_name,
    match_non_mainland,
    match_province,
)

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
NBS_ORDER = (
    "北京 天津 河北 山西 内蒙古 辽宁 吉林 黑龙江 上海 江苏 浙江 安徽 福建 江西 山东 河南 "
    "湖北 湖南 广东 广西 海南 重庆 四川 贵州 云南 西藏 陕西 甘肃 青海 宁夏 新疆"
).split()


def test_table_has_the_31_in_nbs_order() -> None:
    assert [p.short for p in PROVINCES] == NBS_ORDER
    assert len({p.full for p in PROVINCES}) == 31
    assert len({p.english for p in PROVINCES}) == 31


@pytest.mark.parametrize("province", PROVINCES, ids=lambda p: p.english)
def test_every_table_spelling_matches(province) -> None:
    spellings = (province.short, province.full, province.english, *ALIASES.get(province.short, ()))
    assert {match_province(s) for s in spellings} == {province.short}
    assert match_non_mainland(province.full) is None


@pytest.mark.parametrize("export", ["nbs_export_gdp_gbk.csv", "nbs_export_employment_gbk.csv"])
def test_every_full_name_in_the_real_exports_matches(export: str) -> None:
    if not DATA.is_dir():
        pytest.skip("../shared/data not present (it is not part of a user's clone)")
    text = (DATA / export).read_bytes().decode("gbk")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    header = next(i for i, row in enumerate(rows) if row and row[0] == "地区")
    labels = [row[0] for row in rows[header + 1 : header + 32]]
    assert [match_province(label) for label in labels] == NBS_ORDER


@pytest.mark.parametrize(
    ("name", "short"),
    [
        ("上海市", "上海"),
        (" 上海 ", "上海"),
        ("上\u3000海", "上海"),
        ("\u3000上海市\u3000", "上海"),
        ("\ufeff上海", "上海"),
        ("SHANGHAI", "上海"),
        ("shanghai", "上海"),
        ("Ｓｈａｎｇｈａｉ", "上海"),
        ("Shanghai Municipality", "上海"),
        ("Jiangsu Province", "江苏"),
        ("Inner Mongolia", "内蒙古"),
        ("inner  mongolia", "内蒙古"),
        ("InnerMongolia", "内蒙古"),
        ("Inner Mongolia Autonomous Region", "内蒙古"),
        ("Nei Mongol", "内蒙古"),
        ("Neimenggu", "内蒙古"),
        ("内蒙", "内蒙古"),
        ("内蒙古自治区", "内蒙古"),
        ("广西壮族自治区", "广西"),
        ("Guangxi Zhuang Autonomous Region", "广西"),
        ("Xizang", "西藏"),
        ("Tibet", "西藏"),
        ("Tibet Autonomous Region", "西藏"),
        ("西藏自治区", "西藏"),
        ("宁夏回族自治区", "宁夏"),
        ("Ningxia Hui", "宁夏"),
        ("新疆维吾尔自治区", "新疆"),
        ("Xinjiang Uygur Autonomous Region", "新疆"),
        ("Xinjiang Uyghur", "新疆"),
        ("Shanxi", "山西"),
        ("Shaanxi", "陕西"),
        ("Heilongjiang", "黑龙江"),
    ],
)
def test_aliases_and_spelling_variants(name: str, short: str) -> None:
    assert match_province(name) == short


@pytest.mark.parametrize(
    "name",
    ["", "   ", "全国", "中国", "东北", "Mongolia", "Shensi", "Peking", "上海浦东", "北京天津"],
)
def test_unknown_names_give_none(name: str) -> None:
    assert match_province(name) is None
    assert match_non_mainland(name) is None


@pytest.mark.parametrize(
    ("name", "short"),
    [
        ("香港", "香港"),
        ("香港特别行政区", "香港"),
        ("Hong Kong", "香港"),
        ("Hong Kong SAR", "香港"),
        ("澳门特别行政区", "澳门"),
        ("Macau", "澳门"),
        ("Macao", "澳门"),
        ("台湾省", "台湾"),
        ("Taiwan", "台湾"),
    ],
)
def test_hong_kong_macao_taiwan_are_recognised_but_not_provinces(name: str, short: str) -> None:
    assert match_province(name) is None
    assert match_non_mainland(name) == short
    assert short in {p.short for p in NON_MAINLAND}


def test_yangtze_belt() -> None:
    assert list(YANGTZE_REGIONS) == ["下游地区", "中游地区", "上游地区"]
    assert YANGTZE_REGIONS["下游地区"] == ("上海", "江苏", "浙江", "安徽")
    assert YANGTZE_REGIONS["中游地区"] == ("江西", "湖北", "湖南")
    assert YANGTZE_REGIONS["上游地区"] == ("重庆", "四川", "贵州", "云南")
    assert YANGTZE_PROVINCES == (
        "上海", "江苏", "浙江", "安徽", "江西", "湖北", "湖南", "重庆", "四川", "贵州", "云南",
    )  # fmt: skip
    assert set(YANGTZE_PROVINCES) <= set(NBS_ORDER)
    assert REGION_ENGLISH == {
        "下游地区": "Lower reaches",
        "中游地区": "Middle reaches",
        "上游地区": "Upper reaches",
    }


def test_english_name() -> None:
    assert english_name("上海") == "Shanghai"
    assert english_name("内蒙古") == "Inner Mongolia"
    assert english_name("陕西") == "Shaanxi"
    assert english_name("山西") == "Shanxi"
    assert english_name("广西壮族自治区") == "Guangxi"
    assert [english_name(s) for s in YANGTZE_PROVINCES][:3] == ["Shanghai", "Jiangsu", "Zhejiang"]


@pytest.mark.parametrize("name", ["香港", "全国", ""])
def test_english_name_rejects_non_provinces(name: str) -> None:
    with pytest.raises(InputError, match="not one of the 31 provinces"):
        english_name(name)

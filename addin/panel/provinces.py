"""China's 31 provincial-level divisions, their spellings, and the Yangtze River Economic Belt.

Everything here is a data table: :data:`PROVINCES` (short Chinese name, full name,
English name, in the order of the National Bureau of Statistics), :data:`ALIASES` (other
spellings), and :data:`NON_MAINLAND` (Hong Kong, Macao and Taiwan, which NBS exports and
users' sheets sometimes contain but which are not among the 31).

:func:`match_province` turns any known spelling into the short Chinese name. Before
matching, a name is NFKC-normalised (full-width letters and spaces become half-width),
whitespace, hyphens, apostrophes and full stops are removed, Latin letters are compared
case-insensitively, and an English administrative suffix ("Province", "Municipality",
"Autonomous Region", "Special Administrative Region", "SAR", "City") is ignored. So
``"上海市"``, ``" 上海 "``, ``"SHANGHAI"``, ``"Shanghai Municipality"`` and
``"Ｓｈａｎｇｈａｉ"`` all give ``"上海"``.

Old postal romanisations (Peking, Kwangtung, Shensi, …) and tone-marked pinyin are not
accepted: they do not occur in statistical exports, and dropping tone marks would make
Shǎnxī (陕西) collide with Shānxī (山西).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from ..errors import InputError


@dataclass(frozen=True)
class Province:
    """One provincial-level division.

    Attributes
    ----------
    short : str
        Short Chinese name, the key used throughout the product (``"上海"``).
    full : str
        Full Chinese name as NBS exports print it (``"上海市"``, ``"内蒙古自治区"``).
    english : str
        English name as in the China Statistical Yearbook (``"Shanghai"``).
    """

    short: str
    full: str
    english: str


PROVINCES: tuple[Province, ...] = (
    Province("北京", "北京市", "Beijing"),
    Province("天津", "天津市", "Tianjin"),
    Province("河北", "河北省", "Hebei"),
    Province("山西", "山西省", "Shanxi"),
    Province("内蒙古", "内蒙古自治区", "Inner Mongolia"),
    Province("辽宁", "辽宁省", "Liaoning"),
    Province("吉林", "吉林省", "Jilin"),
    Province("黑龙江", "黑龙江省", "Heilongjiang"),
    Province("上海", "上海市", "Shanghai"),
    Province("江苏", "江苏省", "Jiangsu"),
    Province("浙江", "浙江省", "Zhejiang"),
    Province("安徽", "安徽省", "Anhui"),
    Province("福建", "福建省", "Fujian"),
    Province("江西", "江西省", "Jiangxi"),
    Province("山东", "山东省", "Shandong"),
    Province("河南", "河南省", "Henan"),
    Province("湖北", "湖北省", "Hubei"),
    Province("湖南", "湖南省", "Hunan"),
    Province("广东", "广东省", "Guangdong"),
    Province("广西", "广西壮族自治区", "Guangxi"),
    Province("海南", "海南省", "Hainan"),
    Province("重庆", "重庆市", "Chongqing"),
    Province("四川", "四川省", "Sichuan"),
    Province("贵州", "贵州省", "Guizhou"),
    Province("云南", "云南省", "Yunnan"),
    Province("西藏", "西藏自治区", "Tibet"),
    Province("陕西", "陕西省", "Shaanxi"),
    Province("甘肃", "甘肃省", "Gansu"),
    Province("青海", "青海省", "Qinghai"),
    Province("宁夏", "宁夏回族自治区", "Ningxia"),
    Province("新疆", "新疆维吾尔自治区", "Xinjiang"),
)
"""The 31 provincial-level divisions of the mainland, in NBS order."""

NON_MAINLAND: tuple[Province, ...] = (
    Province("香港", "香港特别行政区", "Hong Kong"),
    Province("澳门", "澳门特别行政区", "Macao"),
    Province("台湾", "台湾省", "Taiwan"),
)
"""Regions that appear in some exports but are not among the 31 (no data in 分省年度数据)."""

ALIASES: dict[str, tuple[str, ...]] = {
    "内蒙古": ("内蒙", "Nei Mongol", "Nei Menggu", "Inner Mongolian"),
    "广西": ("广西壮族", "Guangxi Zhuang"),
    "西藏": ("Xizang",),
    "宁夏": ("宁夏回族", "Ningxia Hui"),
    "新疆": ("新疆维吾尔", "Xinjiang Uygur", "Xinjiang Uyghur", "Xinjiang Uighur"),
    "香港": ("Hongkong", "HK", "Xianggang"),
    "澳门": ("澳門", "Macau", "Aomen"),
    "台湾": ("臺灣", "台灣", "Chinese Taipei"),
}
"""Further spellings, by short name, besides the short, full and English names."""

YANGTZE_REGIONS: dict[str, tuple[str, ...]] = {
    "下游地区": ("上海", "江苏", "浙江", "安徽"),
    "中游地区": ("江西", "湖北", "湖南"),
    "上游地区": ("重庆", "四川", "贵州", "云南"),
}
"""The Yangtze River Economic Belt by reach, downstream first."""

REGION_ENGLISH: dict[str, str] = {
    "下游地区": "Lower reaches",
    "中游地区": "Middle reaches",
    "上游地区": "Upper reaches",
}
"""English names of the keys of :data:`YANGTZE_REGIONS`."""

YANGTZE_PROVINCES: tuple[str, ...] = tuple(p for ps in YANGTZE_REGIONS.values() for p in ps)
"""The 11 Yangtze River Economic Belt provinces, in the order of :data:`YANGTZE_REGIONS`."""

_IGNORED = re.compile(r"[\s\-'’.·]+")
_ENGLISH_SUFFIX = re.compile(
    r"(specialadministrativeregion|autonomousregion|municipality|province|sar|city)$"
)


def _key(name: str) -> str:
    """Normalise a spelling for lookup (see the module docstring)."""
    key = _IGNORED.sub("", unicodedata.normalize("NFKC", name).replace("\ufeff", "")).casefold()
    if key.isascii():
        key = _ENGLISH_SUFFIX.sub("", key)
    return key


def _index(provinces: tuple[Province, ...]) -> dict[str, str]:
    return {
        _key(spelling): p.short
        for p in provinces
        for spelling in (p.short, p.full, p.english, *ALIASES.get(p.short, ()))
    }


_MAINLAND_INDEX = _index(PROVINCES)
_NON_MAINLAND_INDEX = _index(NON_MAINLAND)
_ENGLISH = {p.short: p.english for p in PROVINCES}


def match_province(name: str) -> str | None:
    """Short Chinese name of one of the 31 provinces, from any known spelling.

    Parameters
    ----------
    name : str
        Short or full Chinese name, English name, or an alias from :data:`ALIASES`;
        surrounding and inner whitespace (half- or full-width) and letter case do not matter.

    Returns
    -------
    str or None
        The short name (``"内蒙古"`` for ``"Nei Mongol"``), or None when the name is
        unknown or names a region in :data:`NON_MAINLAND` (tell those apart with
        :func:`match_non_mainland`).
    """
    return _MAINLAND_INDEX.get(_key(name))


def match_non_mainland(name: str) -> str | None:
    """Short Chinese name of Hong Kong, Macao or Taiwan, from any known spelling.

    Parameters
    ----------
    name : str
        A name, normalised as in :func:`match_province`.

    Returns
    -------
    str or None
        ``"香港"``, ``"澳门"`` or ``"台湾"``; None for anything else, including the 31.
    """
    return _NON_MAINLAND_INDEX.get(_key(name))


def english_name(short: str) -> str:
    """English name of a province.

    Parameters
    ----------
    short : str
        Short Chinese name; any spelling :func:`match_province` knows is accepted.

    Returns
    -------
    str
        The English name (``"Inner Mongolia"`` for ``"内蒙古"``).

    Raises
    ------
    InputError
        When ``short`` is not one of the 31 provinces.
    """
    province = match_province(short)
    if province is None:
        raise InputError(f"{short!r} is not one of the 31 provinces")
    return _ENGLISH[province]

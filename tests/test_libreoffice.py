"""The workbook in a real spreadsheet program: LibreOffice Calc, driven over UNO.

What tests of the file format alone cannot show:

1. LibreOffice opens the template (``yangtze template``) and the regenerated demo
   (``yangtze demo``) with every sheet; each sheet renders to a PDF page and a PNG that
   is not blank and shows the sheet's own text; both charts are there, point at the
   right ranges and, in the demo, plot exactly the engine's Factors/Disparity numbers.
2. The Guide's button exists with its caption, and its event runs ``RegenerateTables``
   of a module that calls ``RunPython`` with the Python command. In a test build whose
   ``RunPython`` writes its argument into Guide!A60, pressing the button (and invoking
   its event script) writes exactly that command.
3. LibreOffice's own recalculation of the Formulas sheet's native formulas (everything
   but the add-in's worksheet functions) gives the engine's numbers.

Needs LibreOffice, python3-uno and poppler-utils (see ``tests/libreoffice.py``): skipped
with the reason when they are missing, failed when ``YANGTZE_REQUIRE_LIBREOFFICE=1``.
One soffice process serves the whole module.
"""

from __future__ import annotations

import math
import re
import subprocess
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest
from test_file_parts import owned_parts

from addin.cli import main as yangtze
from addin.core.units import conversion_factor, parse_money_unit
from addin.panel import measures
from addin.workbook import layout
from addin.workbook.file_engine import FileEngine
from addin.workbook.regenerate import compute
from addin.workbook.render import chart_ranges, render
from addin.workbook.template import formulas_sheet
from addin.workbook.template.build import (
    BUTTON_CAPTION,
    BUTTON_MACRO,
    RUNPYTHON_COMMAND,
    build_workbook,
)

from libreoffice import Office, dark_fraction, pdf_pages, pdf_to_png, require_libreoffice
from workbooks import HIDDEN_SHEET, USER_SHEET, make_user_book, zip_parts

pytestmark = [pytest.mark.libreoffice, pytest.mark.slow]

STUB_CELL = "A60"  # where RunPythonStub.bas writes its argument
EVENT = re.compile(
    r"^vnd\.sun\.star\.script:VBAProject\.(?P<module>\w+)\.(?P<macro>\w+)"
    r"\?language=Basic&location=document$"
)
REL = 1e-9


# ---------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def office(tmp_path_factory):
    soffice = require_libreoffice()
    with Office(soffice, tmp_path_factory.mktemp("soffice")) as running:
        yield running


@pytest.fixture(scope="module")
def books(tmp_path_factory) -> dict[str, Path]:
    """The real template and demo, made by the documented commands, and the stub build."""
    folder = tmp_path_factory.mktemp("books")
    paths = {
        "template": folder / "template.xlsm",
        "demo": folder / "demo.xlsm",
        "stub": folder / "stub.xlsm",
    }
    assert yangtze(["template", str(paths["template"])]) == 0
    assert yangtze(["demo", str(paths["demo"])]) == 0
    build_workbook(paths["stub"], run_python_stub=True)
    return paths


@pytest.fixture(scope="module")
def demo(books) -> SimpleNamespace:
    """The engine's tables for the demo workbook (computed from the saved file) and the
    unit cells of its data sheets as typed."""
    engine = FileEngine(books["demo"])
    try:
        units = {
            key: engine.read(sheet)[layout.UNIT_CELL[0] - 1][layout.UNIT_CELL[1] - 1]
            for key, sheet in layout.DATA_SHEETS.items()
        }
        tables = compute(engine)
    finally:
        engine.close()
    return SimpleNamespace(tables=tables, units=units)


@pytest.fixture(scope="module")
def facts(office, books, tmp_path_factory):
    """What LibreOffice reports for a book (opened once per book), and its PDF export
    with one page per sheet: ``facts(name) -> (answer, pdf)``."""
    cache: dict[str, tuple[dict, Path]] = {}

    def get(name: str) -> tuple[dict, Path]:
        if name not in cache:
            pdf = tmp_path_factory.mktemp(f"render-{name}") / f"{name}.pdf"
            cache[name] = (
                office.run("open_and_render", {"path": str(books[name]), "pdf": str(pdf)}),
                pdf,
            )
        return cache[name]

    return get


@pytest.fixture(params=["template", "demo"])
def opened(request, facts):
    """(name, LibreOffice's answer, PDF) for the real template and the regenerated demo."""
    return (request.param, *facts(request.param))


def lo_ref(ref: str) -> str:
    """``Factors!$B$5:$B$34`` → LibreOffice's ``$Factors.$B$5:$B$34``."""
    sheet, cells = ref.split("!")
    return f"${sheet}.{cells}"


def same(a, b, rel: float = REL) -> bool:
    if a is None or b is None or (isinstance(b, float) and math.isnan(b)):
        return a is None and (b is None or math.isnan(b))
    return math.isclose(a, b, rel_tol=rel, abs_tol=0.0)


# ---------------------------------------------------------- 1. open, render, charts


def test_opens_with_every_sheet(opened):
    name, answer, _ = opened
    assert answer["sheets"] == list(layout.SHEET_ORDER), name


def test_every_sheet_renders_to_pdf_and_png(opened, tmp_path):
    name, answer, pdf = opened
    sheets = answer["sheets"]
    assert pdf.is_file() and pdf.stat().st_size > 0
    assert pdf_pages(pdf) == len(sheets), "one page per sheet (SinglePageSheets export)"
    pngs = pdf_to_png(pdf, tmp_path / name, dpi=40)
    assert len(pngs) == len(sheets)
    for page, (sheet, png) in enumerate(zip(sheets, pngs, strict=True), start=1):
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", f"{sheet}: not a PNG"
        assert dark_fraction(pdf, page) > 0.001, f"{name}: sheet {sheet} renders blank"
        text = subprocess.run(
            ["pdftotext", "-f", str(page), "-l", str(page), str(pdf), "-"],
            capture_output=True,
            timeout=60,
            check=True,
        ).stdout.decode("utf-8")
        first = "".join(answer["first_text"][sheet].split())[:8]
        assert first and first in "".join(text.split()), (
            f"{name}: page {page} does not show sheet {sheet}'s text"
        )


def test_charts_are_present_and_point_at_the_tables(opened):
    name, answer, _ = opened
    for spec in layout.CHARTS:
        charts = answer["charts"][spec.sheet]
        assert len(charts) == 1, f"{name}: {spec.sheet} should hold one chart"
        chart = charts[0]
        assert chart["title"] == spec.title
        if (
            name == "template"
        ):  # the demo: see test_demo_charts_are_straight_lines_like_the_template
            assert chart["curve_style"] == "LINES", "XlsxWriter's line charts are straight lines"
        assert len(chart["series"]) == len(spec.series)
        last = layout.OUT_FIRST_ROW + len(layout.DEFAULT_YEARS) - 1
        for key, series in zip(spec.series, chart["series"], strict=True):
            col = measures.table_columns(layout.SHEET_TABLES[spec.sheet]).index(key) + 1
            assert series["chart_type"] == "com.sun.star.chart2.LineChartType"
            assert series["values-y"]["range"] == lo_ref(
                layout.range_ref(spec.sheet, layout.OUT_FIRST_ROW, col, last, col)
            )
            assert (
                series["label"]["range"]
                == lo_ref(
                    layout.range_ref(
                        spec.sheet, layout.OUT_HEADER_ROW, col, layout.OUT_HEADER_ROW, col
                    )
                ).split(":")[0]
            )
    others = {
        s: c
        for s, c in answer["charts"].items()
        if c and s not in {spec.sheet for spec in layout.CHARTS}
    }
    assert not others, f"unexpected charts: {others}"


def test_demo_charts_plot_the_engines_numbers(facts, demo):
    answer, _ = facts("demo")
    tables = demo.tables
    language = tables.panel.options.language
    expected_ranges = {r.sheet: r for r in chart_ranges(render(tables))}
    for spec in layout.CHARTS:
        chart = answer["charts"][spec.sheet][0]
        frame = getattr(tables, layout.SHEET_TABLES[spec.sheet])
        assert chart["categories"] == [float(y) for y in frame["year"]]
        ranges = expected_ranges[spec.sheet]
        assert len(chart["series"]) == len(spec.series) == len(ranges.series)
        for key, series, (name_ref, values_ref) in zip(
            spec.series, chart["series"], ranges.series, strict=True
        ):
            assert series["values-y"]["range"] == lo_ref(values_ref)
            assert series["label"]["range"] == lo_ref(name_ref)
            assert series["label"]["data"] == [layout.label(key, language)]
            values = series["values-y"]["data"]
            assert len(values) == len(frame)
            bad = [
                (y, v, e)
                for y, v, e in zip(frame["year"], values, frame[key], strict=True)
                if not same(v, float(e), 1e-12)
            ]
            assert not bad, (
                f"{spec.sheet} {key}: chart value ≠ engine (year, chart, engine): {bad[:5]}"
            )
            assert None not in values, f"{spec.sheet} {key}: the chart has empty points"


# ---------------------------------------------------------- 2. the button


def test_button_has_its_caption_and_runs_the_macro(facts):
    answer, _ = facts("template")
    controls = answer["controls"][layout.GUIDE]
    assert len(controls) == 1, f"the Guide should hold one button, found {controls}"
    button = controls[0]
    assert button["is_button"], button["model"]
    assert button["label"] == BUTTON_CAPTION
    assert [(e["listener"], e["method"], e["type"]) for e in button["events"]] == [
        ("XActionListener", "actionPerformed", "Script")
    ]
    match = EVENT.match(button["events"][0]["code"])
    assert match, button["events"][0]["code"]
    assert match["macro"] == BUTTON_MACRO
    modules = answer["basic"]["VBAProject"]
    assert match["module"] in modules, (
        f"module {match['module']} is not in VBAProject: {sorted(modules)}"
    )
    source = modules[match["module"]]
    assert re.search(rf"^\s*(Public\s+)?Sub\s+{BUTTON_MACRO}\s*\(\s*\)", source, re.M | re.I), (
        source
    )
    assert f'RunPython "{RUNPYTHON_COMMAND}"' in source
    others = {s: c for s, c in answer["controls"].items() if c and s != layout.GUIDE}
    assert not others, f"unexpected form controls: {others}"


def test_pressing_the_button_writes_the_python_command(office, books, facts):
    real, _ = facts("template")
    pressed = office.run(
        "click_button", {"path": str(books["stub"]), "sheet": layout.GUIDE, "cell": STUB_CELL}
    )
    # The stub build's button is wired exactly like the real one ...
    assert pressed["label"] == BUTTON_CAPTION
    assert pressed["event"] == real["controls"][layout.GUIDE][0]["events"][0]["code"]
    # ... and pressing it runs RegenerateTables, which hands RunPython the real command.
    assert pressed["before"] == ""
    assert pressed["clicked"] == RUNPYTHON_COMMAND
    assert pressed["invoked"] == RUNPYTHON_COMMAND


# ---------------------------------------------------------- 3. native formulas


def _native_expectation(engine, cell, year) -> tuple[str, object]:
    """What the engine says a native formula cell shows: ("value", number), ("text", text)
    or ("skip", None) where the engine filled a gap the formulas leave blank."""
    regions, filled, z = engine.regions, engine.filled, engine.z
    if cell.role == "year":
        return "value", year
    if cell.role.startswith("factor_"):
        key = cell.role.removeprefix("factor_")
        src = parse_money_unit(engine.demo.units[key])
        dst = parse_money_unit(engine.gdp_unit)
        return "value", conversion_factor(src, dst, engine.fx[year])
    if cell.role == "region":
        return "text", regions[cell.province]
    if cell.role == "native_z":  # a gap the engine filled is blank in the formulas
        filled_here = filled[cell.province, year]
        return ("text", "") if filled_here else ("value", z[cell.province, year])
    if cell.role == "native_region":
        members = [p for p in regions if regions[p] == cell.province]
        if any(filled[p, year] for p in members):
            return "skip", None
        return "value", sum(z[p, year] for p in members) / len(members)
    if year in engine.filled_years:  # native_cv
        return "skip", None
    return "value", engine.tables.disparity.set_index("year").at[year, "cv_plain"]


def test_native_formulas_recalculate_to_the_engines_numbers(office, books, demo):
    tables = demo.tables
    panel = tables.panel
    regions = panel.regions
    years = list(panel.years)
    cells, consts = formulas_sheet.plan(regions, len(years))
    native = [c for c in cells if not c.role.startswith("udf_")]
    known = {
        "year",
        "factor_trade",
        "factor_fie",
        "region",
        "native_z",
        "native_region",
        "native_cv",
    }
    assert {c.role for c in native} <= known, (
        f"native formulas this test does not check: {sorted({c.role for c in native} - known)}"
    )
    names = [(r, c, v) for r, c, v in consts if c == 1 and v in regions]
    request = [[c.row, c.col] for c in native] + [[r, c] for r, c, _ in names]
    got = office.run(
        "formulas",
        {"path": str(books["demo"]), "sheet": layout.FORMULAS, "cells": request, "recalc": True},
    )["cells"]
    lo = dict(zip([(c.row, c.col) for c in native], got[: len(native)], strict=True))
    for (r, c, value), cell in zip(names, got[len(native) :], strict=True):
        assert cell["text"] == value, f"Formulas!{layout.address(r, c)}"

    errors = [
        (layout.address(c.row, c.col), lo[c.row, c.col]["text"])
        for c in native
        if lo[c.row, c.col]["kind"] == "error"
    ]
    assert not errors, f"native formulas in error in LibreOffice: {errors[:5]}"

    # What the engine computed, and which province-years it filled (the formulas don't fill).
    gdp_unit = demo.units["gdp"]
    assert panel.index_unit == parse_money_unit(gdp_unit).label, (
        "the demo's indices must be in GDP's unit"
    )
    frame = panel.frame.set_index(["province", "year"])
    filled = frame[["filled_trade", "filled_fie", "filled_gdp"]].any(axis=1)
    z = tables.index.set_index(["province", "year"])["open_index"]
    fx = frame["fx"].groupby(level="year").first()
    filled_years = {y for (_, y), f in filled.items() if f}
    assert filled_years, "the demo should contain filled gaps (the test skips those cells)"

    checked = {role: 0 for role in known}
    mismatches = []

    def check(cell, expected):
        value = lo[cell.row, cell.col]
        if value["kind"] != "value" or not same(value["value"], float(expected)):
            mismatches.append(
                (cell.role, layout.address(cell.row, cell.col), value["text"], expected)
            )
        checked[cell.role] += 1

    engine = SimpleNamespace(
        demo=demo, tables=tables, regions=regions, filled=filled, filled_years=filled_years,
        z=z, fx=fx, gdp_unit=gdp_unit,
    )  # fmt: skip
    for cell in native:
        year = years[cell.year_index] if cell.year_index is not None else None
        kind, expected = _native_expectation(engine, cell, year)
        if kind == "value":
            check(cell, expected)
        elif kind == "text":
            assert lo[cell.row, cell.col]["text"] == expected, layout.address(cell.row, cell.col)
            checked[cell.role] += expected != ""  # a blank filled gap is not counted
    assert not mismatches, (
        f"LibreOffice ≠ engine (role, cell, LibreOffice, engine): {mismatches[:8]}"
    )

    n_prov, n_years = len(regions), len(years)
    n_filled = int(filled.sum())
    assert checked["native_z"] == n_prov * n_years - n_filled
    assert checked["native_cv"] == n_years - len(filled_years)
    assert checked["native_region"] >= len(set(regions.values())) * n_years - n_filled
    assert checked["factor_trade"] == checked["factor_fie"] == checked["year"] == n_years
    assert checked["region"] == n_prov

    # The region means checked above are Table 1's region rows wherever no gap was filled.
    t1 = tables.table1[tables.table1["kind"] == "region"].set_index("name")
    for region in t1.index:
        members = [p for p in regions if regions[p] == region]
        for year in (c for c in t1.columns if isinstance(c, int)):
            if not any(filled[p, year] for p in members):
                assert same(sum(z[p, year] for p in members) / len(members), t1.at[region, year])


# ---------------------------------------------------------- chart line style


def test_demo_charts_are_straight_lines_like_the_template(facts):
    # without <c:smooth val="0"/> LibreOffice would draw the regenerated demo's lines as
    # splines; the file engine rewrites only references and caches, so it stays
    answer, _ = facts("demo")
    assert {
        spec.sheet: answer["charts"][spec.sheet][0]["curve_style"] for spec in layout.CHARTS
    } == {spec.sheet: "LINES" for spec in layout.CHARTS}


# ------------------------------------------- 4. a user's workbook, regenerated by parts


@pytest.fixture(scope="module")
def user_book(books) -> Path:
    """A workbook carrying what users add (tests/workbooks.py), regenerated twice."""
    path = books["demo"].parent / "user.xlsm"
    make_user_book(path)
    for _ in range(2):
        assert yangtze(["regenerate", str(path)]) == 0
    return path


def _engine_tables(path: Path):
    with FileEngine(path) as engine:
        return compute(engine)


def test_user_book_opens_in_libreoffice_with_the_engines_numbers(user_book, tmp_path):
    """LibreOffice opens the regenerated user book with every sheet (the user's included);
    its charts plot, and its Table1 cells hold, exactly the engine's numbers. (A LibreOffice
    of its own: the module's shared one, after the button tests, once crashed opening it.)"""
    tables = _engine_tables(user_book)
    t1 = tables.table1
    years = [c for c in t1.columns if isinstance(c, int)]
    request = [[layout.OUT_FIRST_ROW + i, 4 + j] for i in range(len(t1)) for j in range(len(years))]
    with Office(require_libreoffice(), tmp_path) as office:
        answer = office.run("open_and_render", {"path": str(user_book)})
        got = office.run(
            "formulas", {"path": str(user_book), "sheet": layout.TABLE1, "cells": request}
        )["cells"]
    assert answer["sheets"][: len(layout.SHEET_ORDER)] == list(layout.SHEET_ORDER)
    assert {USER_SHEET, HIDDEN_SHEET} <= set(answer["sheets"])
    for spec in layout.CHARTS:
        (chart,) = answer["charts"][spec.sheet]
        frame = getattr(tables, layout.SHEET_TABLES[spec.sheet])
        assert chart["categories"] == [float(y) for y in frame["year"]]
        for key, series in zip(spec.series, chart["series"], strict=True):
            values = series["values-y"]["data"]
            assert all(same(v, float(e)) for v, e in zip(values, frame[key], strict=True))
    expected = [t1.iloc[i][y] for i in range(len(t1)) for y in years]
    bad = [
        (r, c, g["value"], e)
        for (r, c), g, e in zip(request, got, expected, strict=True)
        if not same(g["value"], None if e != e else float(e))
    ]
    assert not bad, f"Table1 cells ≠ engine (row, col, LibreOffice, engine): {bad[:5]}"


def test_user_book_saved_by_libreoffice_keeps_its_parts(books, tmp_path, capsys):
    """A user book saved once by LibreOffice (other part names, absolute targets, its own
    styles.xml): regenerated twice, every part the tool does not own stays byte for byte,
    the user's formula that reads Table1 is counted as stale each time, and the tables
    equal those of the same data typed as numbers."""
    source = make_user_book(tmp_path / "typed.xlsm")
    out = tmp_path / "lo"
    soffice = require_libreoffice()
    profile = (tmp_path / "profile").as_uri()
    subprocess.run(
        [soffice, "--headless", "--norestore", f"-env:UserInstallation={profile}",
         "--convert-to", "xlsm", "--outdir", str(out), str(source)],
        check=True, capture_output=True, timeout=180,
    )  # fmt: skip
    path = out / "typed.xlsm"
    original = zip_parts(path)
    for _ in range(2):
        assert yangtze(["regenerate", str(path)]) == 0
        note = f"note: 1 formula(s) on other sheets refer to the output sheets ('{USER_SHEET}'!B2)"
        assert note in capsys.readouterr().out
    after = zip_parts(path)
    assert set(after) == set(original)
    owned = owned_parts(path)
    shared = ("xl/styles.xml", "xl/workbook.xml", "[Content_Types].xml", "docProps/")
    foreign = {
        n
        for n in original
        if original[n] != after[n] and n not in owned and not n.startswith(shared)
    }
    assert not foreign, f"parts the tool does not own changed: {sorted(foreign)}"
    numbers = tmp_path / "numbers.xlsm"
    make_user_book(numbers, as_formulas=False)
    assert yangtze(["regenerate", str(numbers)]) == 0
    ours, theirs = _engine_tables(path), _engine_tables(numbers)
    for name in ("index", "table1", "factors", "disparity"):
        pd.testing.assert_frame_equal(
            getattr(ours, name), getattr(theirs, name), check_exact=False, rtol=1e-12
        )


def test_native_formulas_follow_the_unit_row(office, tmp_path):
    """Trade typed in 千美元 from 2010 with 千美元 in row 3 above those years: LibreOffice's
    native Z on the Formulas sheet equals the engine's, which equals the untouched book's."""
    import openpyxl

    from addin.panel.example import example_dataset

    from workbooks import make_book

    data = example_dataset()
    path = make_book(tmp_path / "units.xlsm", data)
    wb = openpyxl.load_workbook(path, keep_vba=True)
    ws = wb[layout.DATA_SHEETS["trade"]]
    for c in range(layout.FIRST_YEAR_COL, ws.max_column + 1):
        if (ws.cell(layout.HEADER_ROW, c).value or 0) >= 2010:
            ws.cell(layout.UNIT_ROW, c).value = "千美元"
            for r in range(layout.FIRST_DATA_ROW, layout.FIRST_DATA_ROW + 11):
                if ws.cell(r, c).value is not None:
                    ws.cell(r, c).value = ws.cell(r, c).value * 10
    wb.save(path)
    assert yangtze(["regenerate", str(path)]) == 0
    tables = _engine_tables(path)
    panel = tables.panel
    cells, _ = formulas_sheet.plan(panel.regions, len(panel.years))
    native_z = [c for c in cells if c.role == "native_z"]
    got = office.run(
        "formulas",
        {
            "path": str(path),
            "sheet": layout.FORMULAS,
            "cells": [[c.row, c.col] for c in native_z],
            "recalc": True,
        },
    )["cells"]
    z = tables.index.set_index(["province", "year"])["open_index"]
    filled = panel.frame.set_index(["province", "year"])[["filled_trade", "filled_fie"]].any(axis=1)
    compared = 0
    for cell, value in zip(native_z, got, strict=True):
        key = (cell.province, panel.years[cell.year_index])
        if filled[key] or math.isnan(z[key]):
            continue
        assert value["kind"] == "value" and same(value["value"], z[key]), (key, value)
        compared += 1
    assert compared >= 11 * 30 - 4
    # and the engine's Z is the untouched example's, by hand for 上海 2020 (trade 万美元)
    fx = data["fx"].iloc[0][2020]
    by_hand = (
        data["trade"].loc["上海", 2020] * 1e4 * fx / 1e8
        * data["fie"].loc["上海", 2020] * 1e6 * fx / 1e8
        / data["gdp"].loc["上海", 2020]
    )  # fmt: skip
    assert z[("上海", 2020)] == pytest.approx(by_hand, rel=1e-12)

"""What the Convergence and Stages notes say about the years and stages they used (QA of
issue 20 on real series, which start in 2005 while the template's years start in 1993)."""

from __future__ import annotations

import numpy as np

from addin.panel.example import example_dataset
from addin.panel.options import Options

from workbooks import engine_tables


def _notes(table) -> list[str]:
    return table.attrs["notes"]


def test_carree_klomp_compares_the_first_and_last_years_with_z():
    """Trade missing before 2005 everywhere: the test runs on 2005 against 2022, the years
    that have Z, and its variances are those of ln Z in those two years."""
    data = example_dataset()
    early = [y for y in data["trade"].columns if y < 2005]
    data["trade"][early] = np.nan
    tables = engine_tables(data, Options(fill_gaps=False))
    (line,) = [n for n in _notes(tables.convergence) if n.startswith("Carree–Klomp")]
    assert line.startswith("Carree–Klomp 2005 vs 2022 (the first and last years with Z)")
    z = tables.index.pivot(index="province", columns="year", values="open_index")
    first, last = np.log(z[2005]), np.log(z[2022])
    assert f"var ln Z {np.var(first):.4g} → {np.var(last):.4g}" in line
    assert "n = 11" in line


def test_carree_klomp_says_why_it_is_empty_without_two_years_of_z():
    data = example_dataset()
    data["trade"][[y for y in data["trade"].columns if y != 2010]] = np.nan
    tables = engine_tables(data, Options(fill_gaps=False))
    assert "Carree–Klomp: empty, it needs two years with Z 需两个有Z的年份" in _notes(
        tables.convergence
    )


def test_an_empty_half_life_is_explained_by_its_stage():
    """A stage whose β is not negative has no half-life: the note names that stage only."""
    tables = engine_tables(example_dataset())
    stages = tables.stages
    diverging = stages.loc[stages["beta"] >= 0, "stage"].tolist()
    converging = stages.loc[stages["beta"] < 0]
    assert diverging and len(converging)  # the demo data have both kinds
    assert stages.loc[stages["beta"] >= 0, "half_life"].isna().all()
    assert converging["half_life"].notna().all()
    (line,) = [n for n in _notes(stages) if n.startswith("half-life empty")]
    assert line.endswith(": " + ", ".join(diverging))


def test_no_half_life_note_when_every_stage_converges():
    tables = engine_tables(example_dataset(), Options(stages=((2001, 2008), (2009, 2016))))
    assert (tables.stages["beta"] < 0).all()
    assert not [n for n in _notes(tables.stages) if n.startswith("half-life empty")]


def test_one_table1_year_without_z_is_named_in_the_singular():
    tables = engine_tables(example_dataset(), Options(table1_years=(1990, 2000, 2010)))
    (detail,) = tables.quality.loc[tables.quality["kind"] == "settings", "detail"]
    assert detail.startswith("Table 1 year 1990 has no Z (Z exists for 1993–2022)")


def test_a_year_filled_in_every_province_says_so_on_table1_and_factors():
    """Interpolated inputs are named under the tables that show the year, with how many
    provinces were filled, so a filled year does not read as observed (QA: the real trade
    series' 2015, filled across the 万美元 → 千美元 change, showed n = 11 and nothing else)."""
    data = example_dataset()
    data["trade"][2015] = np.nan
    data["fie"].loc[data["fie"].index[:2], 2015] = np.nan
    tables = engine_tables(data, Options(table1_years=(2005, 2015, 2022)))
    filled = tables.quality[tables.quality["kind"] == "filled"]
    assert len(filled[filled["year"] == 2015]) == 13
    want = (
        "filled by interpolation 内插 (Quality › filled): 2015 trade 11 provinces, fie 2 provinces"
    )
    assert want in _notes(tables.table1)
    (line,) = [n for n in _notes(tables.factors) if n.startswith("filled by")]
    assert "2006 trade 1 province; 2011 fie 1 province; 2015 trade 11 provinces, fie 2" in line
    unfilled = engine_tables(data, Options(table1_years=(2005, 2010, 2022)))
    assert not [n for n in _notes(unfilled.table1) if n.startswith("filled by")]


def test_the_moran_note_says_which_weights_and_which_p():
    """The belt's 11 provinces share 19 borders (tests/test_moran.py checks the pairs
    against published neighbour lists); the permutations and seed are the Settings'."""
    tables = engine_tables(example_dataset(), Options(permutations=99, seed=7))
    (line,) = [n for n in _notes(tables.convergence) if n.startswith("Moran's I")]
    assert "queen contiguity of the 11 provinces (19 pairs), row-standardised" in line
    assert "P = 99 permutations (seed 7)" in line

"""The README's Python example runs and prints what its comments say."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_python_example_prints_what_it_says():
    block = re.search(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.S).group(1)
    claimed = [float(m) for m in re.findall(r"#[^\n]*?: ([0-9.]+)\n", block)]
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(block, "README.md", "exec"), {})
    printed = [
        float(re.sub(r"[\[\]]", "", line)) for line in out.getvalue().split("\n") if line.strip()
    ]
    assert len(claimed) == len(printed) == 2
    for want, got in zip(claimed, printed):
        assert got == pytest.approx(want, abs=0.005)


def test_readme_lists_every_worksheet_function():
    source = (README.parent / "yangtze_udf.py").read_text(encoding="utf-8")
    functions = re.findall(r"^def ([A-Z][A-Z_]+)\(", source, re.M)
    table = next(
        line
        for line in README.read_text(encoding="utf-8").splitlines()
        if line.startswith("| worksheet functions |")
    )
    assert "ATKINSON_INDEX" in functions
    assert [f for f in functions if f"`{f}`" not in table] == []


def test_every_disparity_kernel_is_exported_at_the_top():
    import addin
    from addin.core import disparity

    for name in ("weighted_cv", "theil", "gini", "atkinson"):
        assert getattr(addin, name) is getattr(disparity, name) and name in addin.__all__

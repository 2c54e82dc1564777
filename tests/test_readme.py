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

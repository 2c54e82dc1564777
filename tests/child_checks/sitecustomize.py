"""Excel's rules checked in the test suite's child processes (``yangtze`` run as a command).

``tests/conftest.py`` puts this folder first on ``PYTHONPATH`` and names a report file in
``YANGTZE_EXCEL_RULES_REPORT`` for each test; Python imports this module at start-up in
every child process the test starts. When ``addin.workbook.parts.saving`` is imported, its
``atomic_write`` is wrapped: each workbook the child saves is checked against Excel's
cross-part rules (tests/excel_rules.py) and every violation is appended to the report, which
the test's fixture reads when the test ends. The child itself behaves as it would without
this module. Without the variable (a process started outside the tests) nothing happens.
"""

from __future__ import annotations

import os
import sys

REPORT = os.environ.get("YANGTZE_EXCEL_RULES_REPORT")
TESTS = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SAVING = "addin.workbook.parts.saving"


def _checked(write):
    def checked_write(target, *args, **kwargs):
        path = write(target, *args, **kwargs)
        if TESTS not in sys.path:
            sys.path.append(TESTS)
        from excel_rules import book_violations

        found = book_violations(path)
        if found:
            with open(REPORT, "a", encoding="utf-8") as report:
                report.write("".join(f"{os.path.basename(path)}: {line}\n" for line in found))
        return path

    return checked_write


class _WrapAtomicWrite:
    """An import hook that wraps ``saving.atomic_write`` as the module is loaded (before
    ``file_engine`` imports the name)."""

    def find_spec(self, name, path, target=None):
        if name != SAVING:
            return None
        others = (f for f in sys.meta_path if f is not self and hasattr(f, "find_spec"))
        spec = next((s for f in others if (s := f.find_spec(name, path, target))), None)
        if spec is None or spec.loader is None:
            return None
        load = spec.loader.exec_module

        def exec_module(module):
            load(module)
            module.atomic_write = _checked(module.atomic_write)

        spec.loader.exec_module = exec_module
        return spec


if REPORT:
    sys.meta_path.insert(0, _WrapAtomicWrite())

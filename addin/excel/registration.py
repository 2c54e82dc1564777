"""Run xlwings' own classic-UDF registration without Excel, to check and generate it.

On Linux and macOS ``xw.func``/``xw.arg``/``xw.ret`` do nothing, and ``xlwings.udfs``
(where the real ones live) imports pywin32. This module puts stand-ins for
``pythoncom``, ``pywintypes``, ``win32com`` and ``win32com.client`` into
``sys.modules`` while ``xlwings.udfs`` is imported, re-executes ``yangtze_udf`` with
``xlwings.func/arg/ret`` set to ``udfs.xlfunc/xlarg/xlret``, and calls
``udfs.import_udfs`` (what Excel's "Import Functions" button runs) against a stand-in
workbook that records what it is given:

- the VBA module file it imports (``VBComponents.Import``), written by
  ``udfs.generate_vba_wrapper``: exactly the ``xlwings_udfs`` module Excel would get;
- every ``Application.MacroOptions`` call: description, category and argument help
  texts as Excel would register them (xlwings cuts them at 255 characters; the tests
  check that nothing is cut).

The tests drive the call path itself (``xlwings.com_server`` → ``udfs.call_udf``) with
the same stand-ins: ``tests/xlwings_com.py``.

``python -m addin.excel.registration`` rewrites ``addin/workbook/template/vba/xlwings_udfs.bas`` and
``FunctionHelp.bas`` (the same MacroOptions calls as VBA, run by the button's macro so the
help appears without "Import Functions"); ``--check`` only compares. The add-in never
imports this module at run time.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import importlib.util
import io
import sys
import types
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

PROGRAM = "python -m addin.excel.registration"
UDF_MODULE = "yangtze_udf"
WORKBOOK_NAME = "yangtze_template.xlsm"
BAS_PATH = (
    Path(__file__).resolve().parents[1] / "workbook" / "template" / "vba" / "xlwings_udfs.bas"
)
HELP_PATH = BAS_PATH.with_name("FunctionHelp.bas")
DECORATORS = {"func": "xlfunc", "arg": "xlarg", "ret": "xlret", "script": "xlsub", "sub": "xlsub"}


class _ComError(Exception):
    """Stand-in for ``pywintypes.com_error``."""


def _stand_in_modules() -> dict[str, types.ModuleType]:
    pythoncom = types.ModuleType("pythoncom")
    pythoncom.CoInitialize = lambda: None
    pythoncom.IID_IDispatch = None
    pywintypes = types.ModuleType("pywintypes")
    pywintypes.com_error = _ComError
    pywintypes.IID = str
    win32com = types.ModuleType("win32com")
    client = types.ModuleType("win32com.client")

    def dispatch(*args, **kwargs):
        raise _ComError("no COM here: win32com.client.Dispatch is a stand-in")

    client.Dispatch = dispatch
    win32com.client = client
    return {
        "pythoncom": pythoncom,
        "pywintypes": pywintypes,
        "win32com": win32com,
        "win32com.client": client,
    }


def _add_stand_ins() -> list[str]:
    """Put the pywin32 stand-ins into ``sys.modules`` where pywin32 is absent; return the
    names added."""
    if importlib.util.find_spec("pythoncom") is not None:
        return []
    modules = _stand_in_modules()
    added = [name for name in modules if name not in sys.modules]
    for name in added:
        sys.modules[name] = modules[name]
    return added


@contextlib.contextmanager
def real_udf_decorators() -> Iterator[types.ModuleType]:
    """Import ``xlwings.udfs`` (with pywin32 stand-ins where pywin32 is absent) and make
    ``xlwings.func/arg/ret/script/sub`` its real decorators; undo both on exit."""
    import xlwings

    added = _add_stand_ins()
    had_udfs = "xlwings.udfs" in sys.modules
    saved = {name: getattr(xlwings, name) for name in DECORATORS if hasattr(xlwings, name)}
    try:
        udfs = importlib.import_module("xlwings.udfs")
        for name, real in DECORATORS.items():
            setattr(xlwings, name, getattr(udfs, real))
        yield udfs
    finally:
        for name in DECORATORS:
            if name in saved:
                setattr(xlwings, name, saved[name])
            elif hasattr(xlwings, name):
                delattr(xlwings, name)
        if not had_udfs:
            sys.modules.pop("xlwings.udfs", None)
            if hasattr(xlwings, "udfs"):
                delattr(xlwings, "udfs")
        for name in added:
            sys.modules.pop(name, None)


def load_registered(module_name: str = UDF_MODULE) -> types.ModuleType:
    """A fresh copy of ``module_name`` executed under the real decorators (call inside
    :func:`real_udf_decorators`); ``sys.modules`` keeps its own copy."""
    spec = importlib.util.find_spec(module_name)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot find module {module_name}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@dataclass
class _Recorder:
    """Stand-in for the parts of Excel's Workbook that ``udfs.import_udfs`` touches."""

    Name: str
    com_error: type[Exception]
    imported: list[bytes] = field(default_factory=list)
    macro_options: list[dict] = field(default_factory=list)

    @property
    def VBProject(self):  # noqa: N802 (COM names)
        recorder = self

        class VBComponents:
            def __call__(self, name):
                raise recorder.com_error(f"no module {name} yet")  # a fresh workbook

            def Remove(self, component):  # noqa: N802
                raise AssertionError("nothing to remove in a fresh workbook")

            def Import(self, path):  # noqa: N802
                recorder.imported.append(Path(path).read_bytes())

        return types.SimpleNamespace(VBComponents=VBComponents())

    @property
    def Application(self):  # noqa: N802
        def macro_options(macro, **kwargs):
            self.macro_options.append({"Macro": macro, **kwargs})

        return types.SimpleNamespace(Version="16.0", MacroOptions=macro_options)


@dataclass(frozen=True)
class Registration:
    """What Excel would get from "Import Functions" for the UDF module.

    Attributes
    ----------
    bas : str
        The VBA module file, CRLF line endings.
    module : module
        The copy of the UDF module decorated by the real decorators.
    functions : dict
        ``__xlfunc__`` metadata of each UDF by Excel name (args, options, category, ...).
    macro_options : list of dict
        Each ``Application.MacroOptions`` call: ``Macro`` and its keyword arguments.
    """

    bas: str
    module: types.ModuleType
    functions: dict[str, dict]
    macro_options: list[dict]


def crlf(text: str) -> str:
    """``text`` with CRLF line endings (VBA module files use them)."""
    return text.replace("\r\n", "\n").replace("\n", "\r\n")


def register(module_name: str = UDF_MODULE, workbook_name: str = WORKBOOK_NAME) -> Registration:
    """Run ``udfs.import_udfs`` for ``module_name`` against a recording stand-in workbook."""
    with real_udf_decorators() as udfs:
        module = load_registered(module_name)
        saved = dict(udfs.udf_modules)
        # filetime None: get_udf_module returns this module as is (no reload, no COM).
        udfs.udf_modules[module_name] = {
            "module": module,
            "filename": module.__file__,
            "filetime": None,
        }
        workbook = _Recorder(workbook_name, udfs.pywintypes.com_error)
        try:
            with contextlib.redirect_stdout(io.StringIO()):
                udfs.import_udfs(module_name, workbook)
        finally:
            udfs.udf_modules.clear()
            udfs.udf_modules.update(saved)
    if len(workbook.imported) != 1:
        raise RuntimeError(f"expected one imported VBA module, got {len(workbook.imported)}")
    functions = {
        f.__xlfunc__["name"]: f.__xlfunc__
        for f in (getattr(module, name) for name in dir(module))
        if hasattr(f, "__xlfunc__")
    }
    return Registration(
        crlf(workbook.imported[0].decode("ascii")), module, functions, workbook.macro_options
    )


def _vba_string(text: str, width: int = 60) -> list[str]:
    """VBA expressions whose concatenation is ``text``: ASCII runs as literals, other
    characters as ``U("hex UTF-16 code units")`` (the module itself stays ASCII)."""
    parts: list[str] = []
    run, ascii_run = "", True
    for ch in text + "\0":
        is_ascii = ch == "\0" or (32 <= ord(ch) < 127)
        if ch == "\0" or is_ascii != ascii_run or len(run) >= width:
            if run:
                parts.append(
                    '"' + run.replace('"', '""') + '"'
                    if ascii_run
                    else 'U("' + "".join(f"{u:04X}" for u in _utf16(run)) + '")'
                )
            run, ascii_run = "", is_ascii
        if ch != "\0":
            run += ch
    return parts or ['""']


def _utf16(text: str) -> list[int]:
    data = text.encode("utf-16-le")
    return [int.from_bytes(data[i : i + 2], "little") for i in range(0, len(data), 2)]


def function_help_vba(registration: Registration) -> str:
    """A VBA module whose ``RegisterFunctionHelp`` makes the same ``Application.MacroOptions``
    calls as xlwings' "Import Functions", for the workbook it sits in (CRLF, ASCII)."""
    lines = [
        "' Generated by `python -m addin.excel.registration` from xlwings' own registration of",
        "' yangtze_udf: the descriptions, categories and argument help of the Insert Function",
        "' dialog, as xlwings' Import Functions would register them. Do not edit by hand.",
        "Option Explicit",
        "",
        "Private Function U(ByVal hexText As String) As String",
        "    Dim i As Long",
        "    For i = 1 To Len(hexText) Step 4",
        '        U = U & ChrW(CLng("&H" & Mid$(hexText, i, 4)))',
        "    Next i",
        "End Function",
        "",
        "Sub RegisterFunctionHelp()",
        "    Dim book As String, description As String, category As String, args() As String",
        '    book = "\'" & ThisWorkbook.Name & "\'!"',
        "    On Error Resume Next",
    ]

    def assign(target: str, text: str) -> None:
        parts = _vba_string(text)
        lines.append(f"    {target} = {parts[0]}")
        for part in parts[1:]:
            lines.append(f"    {target} = {target} & {part}")

    for call in registration.macro_options:
        name = call["Macro"].split("!", 1)[1]
        docs = call.get("ArgumentDescriptions") or []
        lines.append(f"    ' {name}")
        assign("description", call["Description"])
        assign("category", call["Category"])
        if docs:
            lines.append(f"    ReDim args(0 To {len(docs) - 1})")
            for i, doc in enumerate(docs):
                assign(f"args({i})", doc)
            lines.append(
                f'    Application.MacroOptions Macro:=book & "{name}", Description:=description, '
                "Category:=category, ArgumentDescriptions:=args"
            )
        else:
            lines.append(
                f'    Application.MacroOptions Macro:=book & "{name}", Description:=description, '
                "Category:=category"
            )
    lines += ["    On Error GoTo 0", "End Sub", ""]
    return "\r\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Write (or with ``--check`` compare) ``addin/workbook/template/vba/xlwings_udfs.bas``."""
    parser = argparse.ArgumentParser(prog=PROGRAM, description=main.__doc__)
    parser.add_argument(
        "--check", action="store_true", help="only compare; exit 1 if the file differs"
    )
    parser.add_argument("--output", type=Path, default=BAS_PATH, help=f"default: {BAS_PATH}")
    args = parser.parse_args(argv)
    registration = register()
    targets = {
        args.output: registration.bas,
        args.output.with_name(HELP_PATH.name): function_help_vba(registration),
    }
    if args.check:
        stale = [
            p
            for p, text in targets.items()
            if not p.exists() or crlf(p.read_bytes().decode("ascii")) != text
        ]
        for path in stale:
            print(f"{path} differs from what xlwings generates; run {PROGRAM}")
        if not stale:
            print(f"{', '.join(map(str, targets))} are up to date")
        return 1 if stale else 0
    args.output.parent.mkdir(parents=True, exist_ok=True)
    for path, text in targets.items():
        path.write_bytes(text.encode("ascii"))
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

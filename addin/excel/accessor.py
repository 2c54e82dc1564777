"""The worksheet functions' own xlwings converter: raw COM values in, rows out.

xlwings' default conversion cleans every cell in Python on the way in and again on the way
out (``_xlwindows.Engine.clean_value_data``): for a 1000×1000 block that costs far more
than the computation. The worksheet functions therefore declare every argument and their
result with ``convert="yangtze"``, this converter, registered with xlwings when the module
is imported:

- **reading** an argument that is a cell or range, it reads ``Range.Value`` once, as COM
  hands it over (a scalar for one cell, a tuple of row tuples otherwise, VT_ERROR ints
  for error cells); :func:`addin.excel.args.read` classifies those values with numpy. A
  **whole column or row** (``C:C``, ``5:5``, ``C:F``, also ``C5:C1048576``) is first cut
  to the sheet's used range, so Excel does not hand over a million blank cells, and
  marked as open-ended (:class:`~addin.excel.args.Reference`) so that trailing blanks are
  trimmed and the arguments of one call are aligned. Anything else (a literal, an array
  expression) is passed on as handed over. A range that cannot be read becomes
  :class:`~addin.excel.args.Unreadable`: the function then reports it in one line (the
  reading happens before the function is called, outside its error handling).
- **writing** a result, it only makes a list of rows of it (``[[x]]`` for a scalar), the
  shape ``XLPython.CallUDF`` and Office.js expect; :func:`addin.excel.args.to_excel` has
  already put the route's marker or Excel error wherever a value is missing, so nothing
  needs cleaning. Only an Office.js custom-functions runtime older than 1.4, which takes
  no error objects, gets each error's text instead (as xlwings' own Office.js engine
  does).

On the Office.js route (xlwings Lite, xlwings Server) xlwings calls the same reader with
the values Office.js sent and no range: they are passed on as they are.

It is built the way xlwings' own converters are (``xlwings.conversion.Accessor`` with a
``Pipeline`` of stages, registered under a name), not on the documented ``Converter``
class, whose reader would first read and clean the range's values, the cost avoided
here. xlwings is pinned (0.37.8) and ``tests/test_call_udf.py`` runs its real call path.
The module is imported by ``yangtze_udf`` on every platform.
"""

from __future__ import annotations

from xlwings.conversion import Accessor, Pipeline

from .args import Reference, Unreadable

#: The name the worksheet functions give as ``convert`` in ``@xw.arg`` and ``@xw.ret``.
NAME = "yangtze"


def used_part(xl_range) -> Reference | object:
    """The value of a COM Range; a whole-column or whole-row reference cut to the used range.

    Parameters
    ----------
    xl_range : COM Range
        Needs ``Row``, ``Column``, ``Rows.Count``, ``Columns.Count``, ``Worksheet``
        (``Rows.Count``, ``Columns.Count``, ``UsedRange``), ``Resize`` and ``Value``.

    Returns
    -------
    tuple or Reference
        ``Range.Value`` as COM hands it over, a tuple of row tuples (one cell too: a blank
        cell stays a blank, not a left-out argument); for a reference that runs to the
        sheet's last row or column (``C:C``, ``5:5``, ``C5:C1048576``), a
        :class:`~addin.excel.args.Reference` holding the value of the part up to the used
        range's last row or column.
    """
    sheet = xl_range.Worksheet
    rows, columns = xl_range.Rows.Count, xl_range.Columns.Count
    # open-ended: down to the sheet's last row (C:C, C5:C1048576) or across to its last column
    open_rows = rows > 1 and xl_range.Row + rows - 1 == sheet.Rows.Count
    open_columns = columns > 1 and xl_range.Column + columns - 1 == sheet.Columns.Count
    if not (open_rows or open_columns):
        return _rows(xl_range.Value)
    used = sheet.UsedRange
    if open_rows:
        rows = max(1, min(rows, used.Row + used.Rows.Count - xl_range.Row))
    if open_columns:
        columns = max(1, min(columns, used.Column + used.Columns.Count - xl_range.Column))
    return Reference(_rows(xl_range.Resize(rows, columns).Value), open_rows, open_columns)


def _rows(value) -> tuple:
    """COM's ``Range.Value`` of one cell is the bare value; of more cells, rows."""
    return value if isinstance(value, tuple) else ((value,),)


def _read(ctx) -> None:
    if ctx.range is not None:  # a cell or range: read it once, raw
        try:
            ctx.value = used_part(ctx.range.api)
        except Exception as error:  # noqa: BLE001 (reported by the function, in one line)
            ctx.value = Unreadable(f"{type(error).__name__}: {error}")


def _error_texts(ctx) -> None:
    """Error objects → their text (``"#N/A"``), for runtimes before error objects."""
    ctx.value = [[_error_text(x) for x in row] for row in ctx.value]


def _error_text(x):
    return x["basicValue"] if isinstance(x, dict) and x.get("type") == "Error" else x


def _takes_error_objects(runtime) -> bool:
    """Whether an Office.js custom-functions runtime (``"1.4"``) takes error objects; a
    classic call has no runtime."""
    try:
        return runtime is None or float(runtime) >= 1.4
    except (TypeError, ValueError):
        return True


def _write(ctx) -> None:
    value = ctx.value
    if not isinstance(value, list):
        ctx.value = [[value]]
    elif value and not isinstance(value[0], list):
        ctx.value = [value]


class CellsAccessor(Accessor):
    """``convert="yangtze"``: raw reads with whole-column trimming, rows on the way out."""

    @classmethod
    def reader(cls, options):
        return Pipeline().append_stage(_read)

    @classmethod
    def writer(cls, options):
        pipeline = Pipeline().append_stage(_write)
        if not _takes_error_objects(options.get("runtime")):
            pipeline.append_stage(_error_texts)
        return pipeline


CellsAccessor.register(NAME)

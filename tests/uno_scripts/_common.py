"""Shared code of the UNO scripts (run by the system Python, which has ``uno``).

Every script reads its arguments as one JSON object on stdin (``port`` among them),
connects to the soffice that :class:`tests.libreoffice.Office` started, and prints its
answer as one JSON line on stdout.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import uno
from com.sun.star.beans import PropertyValue
from com.sun.star.connection import NoConnectException


def args() -> dict:
    return json.loads(sys.stdin.read() or "{}")


def answer(obj: object) -> None:
    sys.stdout.write(json.dumps(obj, ensure_ascii=False) + "\n")
    sys.stdout.flush()


def props(**kwargs) -> tuple:
    out = []
    for name, value in kwargs.items():
        p = PropertyValue()
        p.Name, p.Value = name, value
        out.append(p)
    return tuple(out)


def connect(port: int, timeout: float = 20.0):
    """The component context of the soffice on ``port`` (retries until ``timeout``)."""
    local = uno.getComponentContext()
    resolver = local.ServiceManager.createInstanceWithContext(
        "com.sun.star.bridge.UnoUrlResolver", local
    )
    url = f"uno:socket,host=127.0.0.1,port={port};urp;StarOffice.ComponentContext"
    deadline = time.monotonic() + timeout
    while True:
        try:
            return resolver.resolve(url)
        except NoConnectException:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.25)


def desktop(ctx):
    return ctx.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)


def url(path: str) -> str:
    return uno.systemPathToFileUrl(str(Path(path).resolve()))


def load(ctx, path: str, macros: bool = False):
    """Open a workbook hidden; macros allowed without a warning when ``macros``."""
    mode = 4 if macros else 0  # MacroExecMode ALWAYS_EXECUTE_NO_WARN / NEVER_EXECUTE
    doc = desktop(ctx).loadComponentFromURL(
        url(path), "_blank", 0, props(Hidden=True, MacroExecutionMode=mode, ReadOnly=False)
    )
    if doc is None:
        raise RuntimeError(f"LibreOffice could not open {path}")
    return doc


def close(doc) -> None:
    try:
        doc.close(True)
    except Exception:  # noqa: BLE001 - a document that cannot close vetoes; dispose it
        doc.dispose()


def form_controls(sheet, timeout: float = 10.0) -> list:
    """The control models of the sheet's form controls, in draw-page order.

    Right after loading, a control shape can still lack its model for a moment
    (LibreOffice attaches form models asynchronously); wait for all of them, bounded.
    """
    page = sheet.getDrawPage()
    deadline = time.monotonic() + timeout
    while True:
        shapes = [page.getByIndex(i) for i in range(page.getCount())]
        shapes = [s for s in shapes if s.getShapeType() == "com.sun.star.drawing.ControlShape"]
        models = [s.getControl() for s in shapes]
        if all(m is not None for m in models) or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    if any(m is None for m in models):
        raise RuntimeError(
            f"a form control on sheet {sheet.getName()} has no model after {timeout:.0f} s"
        )
    return models

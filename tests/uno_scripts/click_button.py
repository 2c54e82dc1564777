"""Press a sheet's form button the way a user does, then run its event script directly.

Arguments: ``path`` (a test build whose RunPython writes its argument into a cell);
``sheet`` (the button's sheet); ``cell`` (where the stub writes, e.g. "A60");
``wait`` (seconds to wait for the cell to change, default 10).

The press goes through the button's view control (its accessibility action "click"),
so LibreOffice's form layer fires the button's own actionPerformed event. Answer:
``label``, ``event`` (the event's script URI), ``before`` (the cell before),
``clicked`` (the cell after the press), ``invoked`` (the cell after clearing it and
invoking the event's script URI through the document's script provider).
"""

from __future__ import annotations

import time

import _common

a = _common.args()
ctx = _common.connect(a["port"])
doc = _common.load(ctx, a["path"], macros=True)
wait = float(a.get("wait", 10))


def read(cell) -> str:
    return cell.getString()


def wait_for_change(cell, before: str) -> str:
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        if read(cell) != before:
            break
        time.sleep(0.05)
    return read(cell)


try:
    sheet = doc.Sheets.getByName(a["sheet"])
    cell = sheet.getCellRangeByName(a["cell"])
    started = time.monotonic()
    buttons = _common.form_controls(sheet)
    if len(buttons) != 1:
        raise RuntimeError(f"expected one form control on {a['sheet']}, found {len(buttons)}")
    model = buttons[0]
    form = model.getParent()
    index = next(j for j in range(form.getCount()) if form.getByIndex(j) == model)
    events = [e for e in form.getScriptEvents(index) if e.EventMethod == "actionPerformed"]
    if len(events) != 1:
        raise RuntimeError(f"expected one actionPerformed event on the button, found {len(events)}")
    answer = {
        "label": model.Label,
        "event": events[0].ScriptCode,
        "model_wait": time.monotonic() - started,
    }

    cell.setString("")
    answer["before"] = read(cell)
    view = doc.getCurrentController().getControl(model)
    context = view.getAccessibleContext()
    if context.getAccessibleActionCount() < 1:
        raise RuntimeError("the button's view control offers no click action")
    context.doAccessibleAction(0)
    answer["clicked"] = wait_for_change(cell, "")

    cell.setString("")
    doc.getScriptProvider().getScript(events[0].ScriptCode).invoke((), (), ())
    answer["invoked"] = wait_for_change(cell, "")
finally:
    _common.close(doc)
_common.answer(answer)

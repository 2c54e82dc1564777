"""The worksheet functions through xlwings' own Office.js code, as xlwings Lite and Server run it.

Run as a subprocess (``python -m tests.officejs_route``) with ``XLWINGS_ON_SERVER=true``
(what Lite and Server set before importing xlwings, so that ``xw.func`` is the Office.js
decorator) and ``XLWINGS_LICENSE_KEY=noncommercial``: the Office.js part of xlwings is
xlwings PRO, licensed PolyForm Noncommercial, used here for tests only (the add-in's own
path needs no key).

Reads ``{"calls": [{"name": ..., "args": [...], "runtime": "1.4"}, ...]}`` as JSON on
stdin, and for each call runs ``xlwings.server.custom_functions_call`` with the body the
Office.js side sends (``func_name``, ``args``, ``version``, ``runtime``), the arguments
having crossed the wire as JSON, and the result going back through ``json.dumps`` as
Server does. Writes JSON to stdout: ``{"meta": custom_functions_meta(yangtze_udf),
"results": [{"value": ...} or {"raised": [type name, message]}], ...}``.
"""

from __future__ import annotations

import asyncio
import json
import sys


def main() -> int:
    import xlwings as xw
    from xlwings import server

    import yangtze_udf

    request = json.load(sys.stdin)
    results = []
    for call in request["calls"]:
        body = {
            "func_name": call["name"],
            "args": json.loads(json.dumps(call["args"])),  # as the wire carries them
            "caller_address": None,
            "version": xw.__version__,
            "client": "Office.js",
            "runtime": call.get("runtime", "1.4"),
            "culture_info_name": "en-US",
            "date_format": None,
        }
        try:
            value = asyncio.run(server.custom_functions_call(body, yangtze_udf))
        except Exception as error:  # noqa: BLE001 (reported to the test)
            results.append({"raised": [type(error).__name__, str(error)]})
        else:
            results.append({"value": json.loads(json.dumps(value, allow_nan=False))})
    json.dump(
        {
            "on_server": xw.on_server,
            "meta": server.custom_functions_meta(yangtze_udf),
            "results": results,
        },
        sys.stdout,
        ensure_ascii=False,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

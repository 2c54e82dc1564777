"""Wait until soffice accepts UNO connections; answers {"ok": true, "version": ...}."""

from __future__ import annotations

import _common

a = _common.args()
ctx = _common.connect(a["port"], a.get("connect_timeout", 20.0))
_common.desktop(ctx)
_common.answer({"ok": True})

"""FunctionHelp.bas makes exactly the MacroOptions calls xlwings' Import Functions makes."""

from __future__ import annotations

import re

from addin.excel.registration import HELP_PATH, crlf, function_help_vba, register


def _evaluate(expression: str) -> str:
    """Value of a VBA string expression made of "literals" and U("hex") parts."""
    out = ""
    for literal, hexes in re.findall(r'"((?:[^"]|"")*)"|U\("([0-9A-F]*)"\)', expression):
        if hexes:
            out += bytes.fromhex("".join(h[2:] + h[:2] for h in re.findall("....", hexes))).decode(
                "utf-16-le"
            )
        else:
            out += literal.replace('""', '"')
    return out


def _calls(vba: str) -> dict[str, dict]:
    """Interpret the generated Sub: variable assignments and MacroOptions calls."""
    values: dict[str, str] = {}
    calls = {}
    for line in vba.split("\r\n"):
        line = line.strip()
        m = re.fullmatch(r"(description|category|args\(\d+\)) = (?:\1 & )?(.*)", line)
        if m:
            name, expr = m.groups()
            values[name] = (
                values.get(name, "") if line.startswith(f"{name} = {name} & ") else ""
            ) + _evaluate(expr)
        elif line.startswith("ReDim args"):
            values = {k: v for k, v in values.items() if not k.startswith("args(")}
        elif line.startswith("Application.MacroOptions"):
            name = re.search(r'book & "(\w+)"', line).group(1)
            args = [
                values[k]
                for k in sorted(
                    (k for k in values if k.startswith("args(")), key=lambda k: int(k[5:-1])
                )
            ]
            calls[name] = {
                "Description": values["description"],
                "Category": values["category"],
                "ArgumentDescriptions": args if "ArgumentDescriptions" in line else None,
            }
    return calls


def test_shipped_function_help_is_what_the_generator_writes():
    assert crlf(HELP_PATH.read_bytes().decode("ascii")) == function_help_vba(register())


def test_function_help_reproduces_every_macro_options_call():
    registration = register()
    calls = _calls(HELP_PATH.read_bytes().decode("ascii"))
    assert set(calls) == {c["Macro"].split("!")[1] for c in registration.macro_options}
    for call in registration.macro_options:
        got = calls[call["Macro"].split("!")[1]]
        assert got["Description"] == call["Description"]
        assert got["Category"] == call["Category"]
        assert got["ArgumentDescriptions"] == (call["ArgumentDescriptions"] or None)
        assert any(ord(ch) > 127 for ch in got["Description"]), (
            "the Chinese half of the help survived"
        )


def test_function_help_module_is_ascii_and_vba_sized():
    text = HELP_PATH.read_bytes().decode("ascii")
    assert max(len(line) for line in text.split("\r\n")) < 1023  # VBA's line limit
    assert "Sub RegisterFunctionHelp()" in text
